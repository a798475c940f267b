"""Forms of the drafting pages (拟稿, 正文, 签发, 编号, 联合发文机关签发, 作废文号). They parse
what was typed into what drafting.services takes; every rule is the service's."""

from django import forms

from documents.models import Layout, NumberSeries, Publicity, WritingDirection
from org.models import Agency
from ui.forms import SECRECY_CHOICES, BootstrapMixin, DateInput

from .services import OUTGOING_TYPES, DraftData, default_direction

URGENCY = [("", "（无）"), ("特急", "特急"), ("加急", "加急")]
LEVELS = [(0, "正文段落"), (1, "一、 一级标题"), (2, "（一） 二级标题"), (3, "1. 三级标题"), (4, "（1） 四级标题")]


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class DraftForm(BootstrapMixin, forms.Form):
    """发文稿纸: the fields of the drafting form. 主送 and 抄送: agencies of the deployment
    chosen from the list and/or names of other agencies typed one a line."""

    doc_type = forms.ChoiceField(label="文种", choices=[("", "请选择")] + [(t, t) for t in OUTGOING_TYPES])
    title = forms.CharField(label="标题", max_length=300, widget=forms.Textarea(attrs={"rows": 2}))
    writing_direction = forms.ChoiceField(
        label="行文方向", required=False,
        choices=[("", "按文种（请示、报告为上行文，函为平行文，其余为下行文）")] + WritingDirection.choices)
    layout = forms.ChoiceField(label="版式", choices=Layout.choices, initial=Layout.FILE)
    main_agencies = forms.ModelMultipleChoiceField(label="主送机关（从名录中选择）", queryset=Agency.objects.none(),
                                                   required=False, widget=forms.SelectMultiple(attrs={"size": 6}))
    main_names = forms.CharField(label="其他主送机关（每行一个）", required=False,
                                 widget=forms.Textarea(attrs={"rows": 2, "placeholder": "如：各区人民政府"}))
    copy_agencies = forms.ModelMultipleChoiceField(label="抄送机关（从名录中选择）", queryset=Agency.objects.none(),
                                                   required=False, widget=forms.SelectMultiple(attrs={"size": 6}))
    copy_names = forms.CharField(label="其他抄送机关（每行一个）", required=False,
                                 widget=forms.Textarea(attrs={"rows": 2}))
    secrecy = forms.ChoiceField(label="密级", choices=SECRECY_CHOICES, required=False)
    secrecy_term = forms.CharField(label="保密期限", max_length=10, required=False,
                                   widget=forms.TextInput(attrs={"placeholder": "如 5年、6个月"}))
    urgency = forms.ChoiceField(label="紧急程度", choices=URGENCY, required=False)
    publicity = forms.ChoiceField(label="公开属性", choices=[("", "请选择")] + Publicity.choices, required=False)
    publicity_reason = forms.CharField(label="不予公开理由", max_length=300, required=False,
                                       help_text="选择“不予公开”时必填，如：涉及国家秘密、个人隐私。")
    copies = forms.IntegerField(label="份数", min_value=1, max_value=10000, initial=1,
                                error_messages={"invalid": "份数应为正整数。", "min_value": "份数应在1到10000之间。",
                                                "max_value": "份数应在1到10000之间。"})
    attachments_note = forms.CharField(label="附件说明", max_length=500, required=False,
                                       widget=forms.Textarea(attrs={"rows": 2, "placeholder": "附件：1. …"}))
    remarks = forms.CharField(label="附注", max_length=500, required=False,
                              widget=forms.TextInput(attrs={"placeholder": "如：（联系人：张三，电话：1234567）"}))
    is_policy = forms.BooleanField(label="政策性文件（六次校核）", required=False)
    is_important = forms.BooleanField(label="重要文件（主要领导签发）", required=False)
    is_proxy_draft = forms.BooleanField(label="代拟稿", required=False)
    proxy_for = forms.CharField(label="代拟机关（以哪个机关的名义发文）", max_length=100, required=False)
    joint_agencies = forms.ModelMultipleChoiceField(label="联合发文机关（联合行文时选择，同级机关）",
                                                    queryset=Agency.objects.none(), required=False,
                                                    widget=forms.SelectMultiple(attrs={"size": 5}))
    number_series = forms.ModelChoiceField(label="发文代字（可不选，编号时再定）", queryset=NumberSeries.objects.none(),
                                           required=False, empty_label="（编号时选择）")

    def __init__(self, *args, agency, **kwargs):
        super().__init__(*args, **kwargs)
        others = Agency.objects.exclude(pk=agency.pk).order_by("-is_internal", "sort_order", "id")
        self.fields["main_agencies"].queryset = others
        self.fields["copy_agencies"].queryset = others
        self.fields["joint_agencies"].queryset = Agency.objects.exclude(pk=agency.pk).filter(
            level=agency.level).order_by("sort_order", "id")
        self.fields["number_series"].queryset = NumberSeries.objects.filter(agency=agency, is_active=True)
        for name in ("doc_type", "title"):
            self.fields[name].error_messages["required"] = f"请填写{self.fields[name].label}。"
        self.fields["doc_type"].error_messages["required"] = "请选择文种（决定、通知、请示、报告、函、纪要等）。"
        self.fields["copies"].error_messages["required"] = "请填写份数。"
        for name in ("main_agencies", "copy_agencies", "joint_agencies"):
            self.fields[name].error_messages["invalid_choice"] = "所选机关不存在，请重新选择。"
        self._style()

    @staticmethod
    def initial_from(document) -> dict:
        """The form's initial values from a saved draft."""
        main = [r for r in document.recipients.all() if r.kind == "main"]
        copy = [r for r in document.recipients.all() if r.kind == "copy"]
        return {
            "doc_type": document.doc_type, "title": document.title,
            "writing_direction": "" if document.writing_direction == default_direction(document.doc_type)
            else document.writing_direction,
            "layout": document.layout, "secrecy": document.secrecy, "secrecy_term": document.secrecy_term,
            "urgency": document.urgency, "publicity": document.publicity, "publicity_reason": document.publicity_reason,
            "copies": document.copies, "attachments_note": document.attachments_note, "remarks": document.remarks,
            "is_policy": document.is_policy, "is_important": document.is_important,
            "is_proxy_draft": document.is_proxy_draft, "proxy_for": document.proxy_for,
            "main_agencies": [r.agency_id for r in main if r.agency_id],
            "main_names": "\n".join(r.name for r in main if not r.agency_id),
            "copy_agencies": [r.agency_id for r in copy if r.agency_id],
            "copy_names": "\n".join(r.name for r in copy if not r.agency_id),
            "joint_agencies": [j.agency_id for j in document.joint_issuers.all()],
            "number_series": document.number_series_id,
        }

    def to_data(self) -> DraftData:
        d = self.cleaned_data
        return DraftData(
            doc_type=d["doc_type"], title=d["title"], writing_direction=d["writing_direction"] or "",
            layout=d["layout"], secrecy=d["secrecy"], secrecy_term=d["secrecy_term"], urgency=d["urgency"],
            publicity=d["publicity"], publicity_reason=d["publicity_reason"], copies=d["copies"],
            attachments_note=d["attachments_note"], remarks=d["remarks"], is_policy=d["is_policy"],
            is_important=d["is_important"], is_proxy_draft=d["is_proxy_draft"], proxy_for=d["proxy_for"],
            main_to=[a.pk for a in d["main_agencies"]] + _lines(d["main_names"]),
            copy_to=[a.pk for a in d["copy_agencies"]] + _lines(d["copy_names"]),
            joint_agency_ids=[a.pk for a in d["joint_agencies"]],
            number_series_id=d["number_series"].pk if d["number_series"] else None)


class DocxUploadForm(BootstrapMixin, forms.Form):
    file = forms.FileField(label="上传正文 DOCX", error_messages={"required": "请选择要上传的 DOCX 文件。"},
                           widget=forms.ClearableFileInput(attrs={
                               "accept": ".docx,application/vnd.openxmlformats-officedocument."
                                         "wordprocessingml.document"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()


class JointSignOffForm(BootstrapMixin, forms.Form):
    """The office records a co-issuing agency's sign-off from its signed 会签 page."""

    agency = forms.ModelChoiceField(label="联合发文机关", queryset=Agency.objects.none(), empty_label="请选择",
                                    error_messages={"required": "请选择联合发文机关。"})
    signer_name = forms.CharField(label="签发人姓名", max_length=40, required=False)
    signer_title = forms.CharField(label="职务", max_length=40, required=False)
    signed_on = forms.DateField(label="签发日期", required=False, widget=DateInput(),
                                error_messages={"invalid": "签发日期格式不对，请选择日期。"})
    opinion = forms.CharField(label="签发意见", max_length=300, required=False, initial="同意。")
    scan = forms.FileField(label="签发页扫描件（可不传）", required=False)

    def __init__(self, *args, document, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = Agency.objects.filter(
            pk__in=document.joint_issuers.values("agency_id")).order_by("id")
        self._style()


class VoidForm(BootstrapMixin, forms.Form):
    reason = forms.CharField(label="作废理由", max_length=300, required=False)
