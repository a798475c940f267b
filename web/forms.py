"""Forms of the shell's pages (uploads on the document page, organisation, delegations,
CSV import). They parse what the user typed into the types the services take; every rule
of the office is checked by the service. The intake forms are incoming.forms, the drafting
forms drafting.forms; the shared kit (``BootstrapMixin``, ``DateInput``) is ui.forms."""

from django import forms

from documents.models import DocumentFile, ReturnKind
from org.models import AdminRole, Agency, AgencyKind, AgencyLevel, Clearance, Person, PostKind, Unit
from ui.forms import BootstrapMixin


class UploadForm(BootstrapMixin, forms.Form):
    file = forms.FileField(label="选择文件", help_text="PDF、DOCX、OFD 或图片；按内容判断类型。")
    role = forms.ChoiceField(label="类别", choices=DocumentFile.Role.choices, initial=DocumentFile.Role.BODY)
    replaces = forms.ModelChoiceField(label="作为新版本替换", queryset=DocumentFile.objects.none(), required=False,
                                      empty_label="（新文件）")

    def __init__(self, *args, document, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["replaces"].queryset = DocumentFile.objects.filter(document=document)
        self.fields["replaces"].label_from_instance = lambda f: f"{f.get_role_display()}：{f.name}"
        self._style()


REJECT_KINDS = ReturnKind.choices


# --- organisation -----------------------------------------------------------------------------


class AgencyForm(BootstrapMixin, forms.Form):
    name = forms.CharField(label="机关名称", max_length=100)
    short_name = forms.CharField(label="简称", max_length=40, required=False)
    code = forms.CharField(label="机关代字", max_length=20, required=False)
    kind = forms.ChoiceField(label="类别", choices=AgencyKind.choices)
    level = forms.ChoiceField(label="层级", choices=AgencyLevel.choices, initial=AgencyLevel.CITY)
    parent = forms.ModelChoiceField(label="上级主管机关", queryset=Agency.objects.all(), required=False,
                                    empty_label="（无）")
    is_internal = forms.BooleanField(label="使用本系统", required=False, initial=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()


class UnitForm(BootstrapMixin, forms.Form):
    name = forms.CharField(label="处室名称", max_length=60)
    short_name = forms.CharField(label="简称", max_length=30, required=False)
    is_office = forms.BooleanField(label="是办公室", required=False)
    is_secretariat = forms.BooleanField(label="是秘书科（文电处）", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()


class PersonForm(BootstrapMixin, forms.Form):
    name = forms.CharField(label="姓名", max_length=40)
    username = forms.CharField(label="登录名", max_length=150)
    password = forms.CharField(label="初始密码", min_length=8, widget=forms.PasswordInput(render_value=False),
                               help_text="至少 8 位；请通知本人首次登录后修改。")
    unit = forms.ModelChoiceField(label="处室", queryset=Unit.objects.none(), required=False, empty_label="（无）")
    title = forms.CharField(label="职务", max_length=40, required=False)
    phone = forms.CharField(label="电话", max_length=30, required=False)

    def __init__(self, *args, agency, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = Unit.objects.filter(agency=agency)
        self._style()


class PostForm(BootstrapMixin, forms.Form):
    kind = forms.ChoiceField(label="岗位", choices=PostKind.choices)
    unit = forms.ModelChoiceField(label="所在处室", queryset=Unit.objects.none(), required=False, empty_label="（无）")
    units_in_charge = forms.ModelMultipleChoiceField(label="分管处室（分管领导）", queryset=Unit.objects.none(),
                                                     required=False, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, agency, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = Unit.objects.filter(agency=agency)
        self.fields["units_in_charge"].queryset = Unit.objects.filter(agency=agency)
        self._style()


class ClearanceForm(BootstrapMixin, forms.Form):
    clearance = forms.ChoiceField(label="涉密等级", choices=Clearance.choices, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()


class AdminRoleForm(BootstrapMixin, forms.Form):
    role = forms.ChoiceField(label="管理员角色", choices=AdminRole.choices, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()


class DelegationForm(BootstrapMixin, forms.Form):
    to_person = forms.ModelChoiceField(label="受托人（B角）", queryset=Person.objects.none(), empty_label="请选择")
    starts_at = forms.DateTimeField(label="开始时间", input_formats=["%Y-%m-%dT%H:%M"],
                                    widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"))
    ends_at = forms.DateTimeField(label="结束时间", input_formats=["%Y-%m-%dT%H:%M"],
                                  widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"))
    reason = forms.CharField(label="事由", max_length=200, required=False)

    def __init__(self, *args, person, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_person"].queryset = (Person.objects.filter(agency=person.agency_id, is_active=True,
                                                                   admin_role="").exclude(pk=person.pk)
                                             .select_related("unit"))
        self.fields["to_person"].label_from_instance = lambda p: f"{p.name}（{p.unit.name if p.unit_id else ''}）"
        self._style()


class CsvImportForm(BootstrapMixin, forms.Form):
    kind = forms.ChoiceField(label="导入内容", choices=[("org", "机关、处室和人员"), ("posts", "岗位")])
    file = forms.FileField(label="CSV 文件（UTF-8）")
    default_password = forms.CharField(label="新人员初始密码", min_length=8, required=False,
                                       widget=forms.PasswordInput(render_value=False),
                                       help_text="导入机关、处室和人员时必填，至少 8 位。")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()
