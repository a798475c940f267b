"""The forms of intake (收文): 收文登记 (``IncomingForm``, also the 登记 at the 登记 node on
the document page) and 直送件 (``DirectForm``). They parse what was typed into
``IncomingData``; every intake rule is incoming.services' (and documents.services')."""

from datetime import datetime

from django import forms
from django.utils import timezone

from deadlines.services import hours_for, sender_deadline
from documents.models import DocType, SlipKind
from documents.services import IncomingData
from org.models import Agency, Person, PostKind
from org.selectors import leaders
from ui.forms import SECRECY_CHOICES, BootstrapMixin, DateInput

URGENCY_CHOICES = [("", "（无）"), ("特急", "特急"), ("加急", "加急"), ("特提", "特提（电报）"), ("平急", "平急（电报）")]
DEADLINE_KINDS = [("", "—"), ("noon", "上午下班前"), ("close", "下班前"), ("time", "具体时间")]


class IncomingForm(BootstrapMixin, forms.Form):
    """收文登记: the elements of an incoming document (条例 Art. 9)."""

    slip_kind = forms.ChoiceField(label="处理笺", choices=SlipKind.choices, initial=SlipKind.INTAKE)
    doc_type = forms.ChoiceField(label="文种", choices=[("", "请选择")] + DocType.choices)
    title = forms.CharField(label="标题", max_length=300)
    sender = forms.ModelChoiceField(label="来文机关", queryset=Agency.objects.none(), required=False,
                                    empty_label="（从名录中选择）")
    sender_name = forms.CharField(label="或填写来文机关名称", max_length=100, required=False,
                                  help_text="名录中没有的机关或个人来信，在此填写。")
    doc_number = forms.CharField(label="来文字号", max_length=60, required=False,
                                 widget=forms.TextInput(attrs={"placeholder": "如 示交〔2026〕12号"}))
    copy_number = forms.CharField(label="份号", max_length=6, required=False)
    secrecy = forms.ChoiceField(label="密级", choices=SECRECY_CHOICES, required=False)
    secrecy_term = forms.CharField(label="保密期限", max_length=10, required=False,
                                   widget=forms.TextInput(attrs={"placeholder": "如 5年、6个月"}))
    urgency = forms.ChoiceField(label="紧急程度", choices=URGENCY_CHOICES, required=False)
    signer = forms.CharField(label="签发人", max_length=60, required=False)
    main_recipients = forms.CharField(label="主送机关", max_length=300, required=False)
    cc_recipients = forms.CharField(label="抄送机关", max_length=500, required=False)
    issued_on = forms.DateField(label="成文日期", required=False, widget=DateInput())
    received_at = forms.DateTimeField(label="收文时间", required=False,
                                      input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
                                      widget=forms.DateTimeInput(attrs={"type": "datetime-local"},
                                                                 format="%Y-%m-%dT%H:%M"),
                                      help_text="留空为当前时间（记录到分钟）。")
    pages = forms.IntegerField(label="页数", required=False)
    copies = forms.IntegerField(label="份数", initial=1)
    attachments_note = forms.CharField(label="附件说明", max_length=500, required=False)
    remarks = forms.CharField(label="附注", max_length=500, required=False)
    deadline_date = forms.DateField(label="来文办理时限", required=False, widget=DateInput())
    deadline_kind = forms.ChoiceField(label="时限", choices=DEADLINE_KINDS, required=False)
    deadline_time = forms.TimeField(label="具体时间", required=False,
                                    widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    addressed_to = forms.ModelChoiceField(label="直送领导", queryset=Person.objects.none(), required=False,
                                          empty_label="（否）",
                                          help_text="来文直接送交某位领导本人的，选择该领导：本件将标记为直送件，由办公室办理。")
    needs_reply = forms.BooleanField(label="需答复", required=False)
    is_emergency_report = forms.BooleanField(label="紧急信息报告", required=False,
                                             help_text="突发事件等紧急信息：1小时内报送，节假日照常计时。")
    needs_proxy_draft = forms.BooleanField(label="须代拟稿", required=False,
                                           help_text="需要我方代拟文稿的：承办时限1个工作日。")

    def __init__(self, *args, agency: Agency, with_addressed_to: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.agency = agency
        self.fields["sender"].queryset = Agency.objects.exclude(pk=agency.pk).order_by("sort_order", "id")
        if with_addressed_to:
            self.fields["addressed_to"].queryset = leaders(agency)
        else:
            del self.fields["addressed_to"]
        self.fields["deadline_kind"].widget.attrs["data-deadline-kind"] = "deadline-time-wrap"
        self._style()

    def clean(self):
        data = super().clean()
        day, kind, at = data.get("deadline_date"), data.get("deadline_kind"), data.get("deadline_time")
        if kind and not day:
            self.add_error("deadline_date", "请选择时限日期。")
        if kind == "time" and not at:
            self.add_error("deadline_time", "选择“具体时间”时请填写时间。")
        return data

    def deadline(self) -> tuple[datetime | None, str]:
        day = self.cleaned_data.get("deadline_date")
        if not day:
            return None, ""
        kind = self.cleaned_data.get("deadline_kind") or "close"
        # "上午下班前" / "下班前" are the end of this agency's morning / working day.
        return sender_deadline(self.agency, day, kind, self.cleaned_data.get("deadline_time"))

    def to_data(self) -> IncomingData:
        c = self.cleaned_data
        deadline, deadline_text = self.deadline()
        received_at = c.get("received_at")
        addressed_to = c.get("addressed_to")
        return IncomingData(
            title=c["title"], doc_type=c["doc_type"], slip_kind=c["slip_kind"],
            sender_id=c["sender"].pk if c.get("sender") else None, sender_name=c.get("sender_name", ""),
            doc_number=c.get("doc_number", ""), copy_number=c.get("copy_number", ""), secrecy=c.get("secrecy", ""),
            secrecy_term=c.get("secrecy_term", ""), urgency=c.get("urgency", ""), signer=c.get("signer", ""),
            main_recipients=c.get("main_recipients", ""), cc_recipients=c.get("cc_recipients", ""),
            issued_on=c.get("issued_on"), received_at=received_at, pages=c.get("pages"), copies=c.get("copies") or 1,
            attachments_note=c.get("attachments_note", ""), remarks=c.get("remarks", ""),
            sender_deadline=deadline, sender_deadline_text=deadline_text,
            addressed_to_id=addressed_to.pk if addressed_to else None, needs_reply=bool(c.get("needs_reply")),
            is_emergency_report=bool(c.get("is_emergency_report")), needs_proxy_draft=bool(c.get("needs_proxy_draft")),
        )

    @classmethod
    def initial_from(cls, document) -> dict:
        """The form filled with a document's elements (登记 at the 登记 node)."""
        initial = {f: getattr(document, f) for f in (
            "slip_kind", "doc_type", "title", "sender_name", "doc_number", "copy_number", "secrecy", "secrecy_term",
            "urgency", "signer", "main_recipients", "cc_recipients", "issued_on", "pages", "copies",
            "attachments_note", "remarks", "needs_reply", "is_emergency_report", "needs_proxy_draft")}
        initial["sender"] = document.sender_id
        if document.sender_id:
            initial["sender_name"] = ""
        initial["received_at"] = timezone.localtime(document.received_at)
        if document.sender_deadline:
            local = timezone.localtime(document.sender_deadline)
            initial["deadline_date"] = local.date()
            hours = hours_for(document.agency)
            if local.time() == hours.end_of_morning():
                initial["deadline_kind"] = "noon"
            elif local.time() == hours.end_of_day():
                initial["deadline_kind"] = "close"
            else:
                initial["deadline_kind"], initial["deadline_time"] = "time", local.time()
        return initial


class DirectForm(BootstrapMixin, forms.Form):
    """直送件: a request handed straight to a leader; it goes to the office instead."""

    leader = forms.ModelChoiceField(label="送交领导", queryset=Person.objects.none(), empty_label="请选择")
    doc_type = forms.ChoiceField(label="文种", choices=[("", "请选择")] + DocType.choices)
    title = forms.CharField(label="标题", max_length=300)
    doc_number = forms.CharField(label="文号", max_length=60, required=False)
    urgency = forms.ChoiceField(label="紧急程度", choices=URGENCY_CHOICES[:3], required=False)
    remarks = forms.CharField(label="事由说明", max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 3}))
    needs_reply = forms.BooleanField(label="需答复", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["leader"].queryset = (
            Person.objects.filter(is_active=True, agency__is_internal=True,
                                  posts__kind__in=[PostKind.PRINCIPAL_LEADER, PostKind.LEADER_IN_CHARGE])
            .select_related("agency").distinct().order_by("agency__sort_order", "agency_id", "sort_order", "id"))
        self.fields["leader"].label_from_instance = lambda p: f"{p.agency.short_name} · {p.name}"
        self._style()

    def to_data(self) -> IncomingData:
        c = self.cleaned_data
        return IncomingData(title=c["title"], doc_type=c["doc_type"], doc_number=c.get("doc_number", ""),
                            urgency=c.get("urgency", ""), remarks=c.get("remarks", ""),
                            needs_reply=bool(c.get("needs_reply")))
