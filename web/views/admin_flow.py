"""Process templates (流程模板): list and node editor for the system administrator. The
formset only parses; flow.template_services.save_template validates, saves and audits."""

from django import forms
from django.contrib import messages
from django.db.models import Count
from django.forms import modelformset_factory
from django.shortcuts import get_object_or_404, redirect, render

from flow.gates import GATE_CHOICES
from flow.models import NodeDefinition, Operation, ProcessTemplate
from flow.template_services import NODE_FIELDS, save_template
from org.access import can_manage_org
from ui.views import allowed_if, run_service

SYSADMIN_ONLY = allowed_if(can_manage_org, "只有系统管理员可以维护流程模板。")


class NodeForm(forms.ModelForm):
    operations = forms.MultipleChoiceField(label="允许的操作", choices=Operation.choices, required=False,
                                           widget=forms.CheckboxSelectMultiple)
    gates = forms.MultipleChoiceField(label="关卡", choices=GATE_CHOICES, required=False,
                                      widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = NodeDefinition
        fields = list(NODE_FIELDS)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxSelectMultiple):
                continue
            if isinstance(widget, forms.CheckboxInput):
                widget.attrs["class"] = "form-check-input"
            elif isinstance(widget, forms.Select):
                widget.attrs["class"] = "form-select form-select-sm"
            else:
                widget.attrs["class"] = "form-control form-control-sm"
        self.fields["position"].widget.attrs["style"] = "width:4.5em"
        self.fields["time_limit_hours"].required = False
        self.fields["post_kind"].required = False

    def validate_unique(self):
        """Uniqueness of keys is a rule of the template service, checked there."""


NodeFormSet = modelformset_factory(NodeDefinition, form=NodeForm, extra=1, can_delete=True)


class TemplateForm(forms.Form):
    name = forms.CharField(label="模板名称", max_length=60,
                           widget=forms.TextInput(attrs={"class": "form-control"}))
    is_active = forms.BooleanField(label="启用", required=False,
                                   widget=forms.CheckboxInput(attrs={"class": "form-check-input"}))


@SYSADMIN_ONLY
def template_list(request):
    templates = (ProcessTemplate.objects.select_related("agency").annotate(n_nodes=Count("nodes"))
                 .order_by("agency_id", "direction", "slip_kind"))
    return render(request, "web/admin/templates.html", {"templates": templates})


@SYSADMIN_ONLY
def template_edit(request, template_id):
    template = get_object_or_404(ProcessTemplate.objects.select_related("agency"), pk=template_id)
    nodes = template.nodes.order_by("position")
    if request.method == "POST":
        meta = TemplateForm(request.POST)
        formset = NodeFormSet(request.POST, queryset=nodes)
        if meta.is_valid() and formset.is_valid():
            rows = []
            for form in formset.forms:
                if not form.has_changed() and form.instance.pk is None:
                    continue
                if formset.can_delete and formset._should_delete_form(form):
                    continue
                rows.append({name: form.cleaned_data.get(name) for name in NODE_FIELDS})
            if run_service(request, lambda: save_template(actor=request.person, template=template, nodes=rows,
                                                          name=meta.cleaned_data["name"],
                                                          is_active=meta.cleaned_data["is_active"]),
                           success=lambda _: f"已保存流程模板“{meta.cleaned_data['name']}”（{len(rows)} 个环节）。"
                                             "已在办理中的公文仍按原流程办理。"):
                return redirect("web:template_edit", template_id=template.pk)
        else:
            messages.error(request, "表单有误，请检查标红的项目。")
    else:
        meta = TemplateForm(initial={"name": template.name, "is_active": template.is_active})
        formset = NodeFormSet(queryset=nodes)
    return render(request, "web/admin/template_edit.html", {"template": template, "meta": meta, "formset": formset})
