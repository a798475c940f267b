"""Forms of the supervision pages: they parse what the user typed into the types the
services take; every rule of the office is checked by the service."""

from __future__ import annotations

from datetime import date, datetime

from django import forms
from django.utils import timezone

from deadlines.services import CLOSE, sender_deadline
from documents.models import Document
from flow.models import Opinion
from org.models import Agency, Person, Unit
from org.selectors import leaders

from .services import DEFAULT_INTERVAL, ItemData, Supervise


def due_from_day(agency: Agency, day: date | None) -> datetime | None:
    """A due date as the user picks it: the end of that working day (下班前)."""
    if day is None:
        return None
    return sender_deadline(agency, day, CLOSE)[0]


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


def _units(agency: Agency):
    return Unit.objects.filter(agency=agency, is_office=False, is_secretariat=False).order_by("sort_order", "id")


class OpenForm(forms.Form):
    """立项督办: an instruction typed by the supervision office from a document (or a
    leader's own instruction)."""

    title = forms.CharField(label="督办事项", max_length=300)
    instructed_by = forms.ModelChoiceField(label="批示领导", queryset=Person.objects.none(), empty_label="请选择")
    instruction = forms.CharField(label="批示内容", widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)
    instructed_on = forms.DateField(label="批示日期", required=False, widget=DateInput(),
                                    help_text="留空为今天。")
    lead_unit = forms.ModelChoiceField(label="牵头单位", queryset=Unit.objects.none(), empty_label="请选择")
    assist_units = forms.ModelMultipleChoiceField(label="协办单位", queryset=Unit.objects.none(), required=False,
                                                  widget=forms.CheckboxSelectMultiple(
                                                      attrs={"class": "form-check-input"}))
    responsible = forms.ModelChoiceField(label="责任人", queryset=Person.objects.none(), required=False,
                                         empty_label="（牵头单位负责人）")
    due_on = forms.DateField(label="办理时限", widget=DateInput(), help_text="当日下班前。")
    report_required = forms.CharField(label="反馈要求", max_length=300, required=False,
                                      widget=forms.TextInput(attrs={"placeholder": "如：每两周报送进展，办结后报送书面报告"}))
    report_interval_days = forms.IntegerField(label="进展报送间隔（工作日）", min_value=1, max_value=60,
                                              initial=DEFAULT_INTERVAL,
                                              help_text="超过此间隔未报送进展的，标记停滞并报分管领导。")
    document = forms.IntegerField(required=False, widget=forms.HiddenInput)
    opinion = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, agency: Agency, **kwargs):
        super().__init__(*args, **kwargs)
        self.agency = agency
        self.fields["instructed_by"].queryset = leaders(agency)
        self.fields["lead_unit"].queryset = _units(agency)
        self.fields["assist_units"].queryset = _units(agency)
        self.fields["responsible"].queryset = (Person.objects.filter(agency=agency, is_active=True, admin_role="")
                                               .select_related("unit").order_by("unit__sort_order", "unit_id",
                                                                                "sort_order", "id"))
        self.fields["responsible"].label_from_instance = lambda p: f"{p.name}（{p.unit.name if p.unit else p.title}）"
        for name, field in self.fields.items():
            widget = field.widget
            if isinstance(widget, (forms.CheckboxSelectMultiple, forms.HiddenInput)):
                continue
            widget.attrs.setdefault("class", "form-select" if isinstance(widget, forms.Select) else "form-control")
            widget.attrs.setdefault("id", f"id_{name}")

    def to_data(self, document: Document | None, opinion: Opinion | None) -> ItemData:
        c = self.cleaned_data
        instructed_at = None
        day = c.get("instructed_on")
        if day and day != timezone.localdate():
            instructed_at = timezone.make_aware(datetime.combine(day, datetime.min.time().replace(hour=9)))
        return ItemData(
            title=c["title"], instruction=c["instruction"], instructed_by=c["instructed_by"],
            lead_unit=c["lead_unit"], responsible=c.get("responsible"),
            due_at=due_from_day(self.agency, c["due_on"]), assist_units=list(c.get("assist_units") or []),
            report_required=c.get("report_required", ""),
            report_interval_days=c.get("report_interval_days") or DEFAULT_INTERVAL, instructed_at=instructed_at,
            document=document, opinion=opinion)


def supervise_from_post(post, agency: Agency) -> Supervise:
    """The 督办 fields of the leader's instruction form (the document page)."""
    day = None
    if post.get("sv_due"):
        try:
            day = date.fromisoformat(post["sv_due"])
        except ValueError:
            day = None
    units = {u.pk: u for u in Unit.objects.filter(agency=agency)}
    assist = [units[i] for i in (_int(v) for v in post.getlist("sv_assist")) if i in units]
    responsible = Person.objects.filter(pk=_int(post.get("sv_responsible")), agency=agency).first() \
        if post.get("sv_responsible") else None
    return Supervise(
        attach_to_id=_int(post.get("sv_attach")) or None,
        lead_unit=units.get(_int(post.get("sv_lead_unit"))),
        assist_units=assist, responsible=responsible, due_at=due_from_day(agency, day),
        report_required=(post.get("sv_report_required") or "").strip(),
        report_interval_days=_int(post.get("sv_interval")) or DEFAULT_INTERVAL,
        title=(post.get("sv_title") or "").strip(),
    )
