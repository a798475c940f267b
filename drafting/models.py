"""What the drafting and sign-off stages record beside the routing history: the text of
each body version (for diffs and checks), the sign-offs (签发, including those of joint
agencies) and the reviewers' decisions to keep a must-fix finding (with the reason)."""

from django.db import models
from django.utils import timezone

from documents.models import Document, FileVersion
from flow.models import AppendOnlyModel, Task
from org.models import Agency, Person


class VersionText(models.Model):
    """The text extracted from a body version (DOCX paragraphs, one per line)."""

    version = models.OneToOneField(FileVersion, on_delete=models.PROTECT, related_name="text_extract")
    text = models.TextField(blank=True)


class SignOff(AppendOnlyModel):
    """A sign-off (签发): by a leader of the issuing agency at the 签发 node, or the head of a
    co-issuing agency of a joint document (recorded by the office from the signed 会签 page
    when that agency works outside this system). Valid for the body version it names: a
    substantive change after sign-off needs a new one (RULES.md §4)."""

    class Kind(models.TextChoices):
        INTERNAL = "internal", "本机关签发"
        JOINT = "joint", "联合发文机关签发"

    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="signoffs")
    kind = models.CharField("类别", max_length=10, choices=Kind.choices, default=Kind.INTERNAL)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+", verbose_name="机关")
    signer = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                               verbose_name="签发人")
    signer_name = models.CharField("签发人姓名", max_length=40)
    signer_title = models.CharField("职务", max_length=40, blank=True)
    is_principal = models.BooleanField("机关主要负责人", default=False)
    opinion = models.TextField("签发意见")
    signed_on = models.DateField("签发日期")
    signed_at = models.DateTimeField(default=timezone.now)
    body_version = models.ForeignKey(FileVersion, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                     verbose_name="所签正文版本")
    scan = models.ForeignKey(FileVersion, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                             verbose_name="签发页扫描件")
    task = models.ForeignKey(Task, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    recorded_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+", verbose_name="记录人")

    class Meta:
        ordering = ["signed_at", "id"]
        verbose_name = verbose_name_plural = "签发"


class CheckOverride(AppendOnlyModel):
    """A reviewer keeps a must-fix finding of the checker, with the reason (recorded): the
    finding then no longer blocks sign-off for that body version."""

    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="check_overrides")
    rule = models.CharField("规则", max_length=40)
    place = models.CharField("位置", max_length=60, blank=True)
    message = models.CharField("检查意见", max_length=300)
    reason = models.CharField("不修改的理由", max_length=300)
    body_version = models.ForeignKey(FileVersion, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]


class JointSignRequest(models.Model):
    """The lead agency's office asks the principal leader of a co-issuing agency that uses
    this system (联合行文, e.g. 两办) to sign the joint document in the system, for one body
    version; signing creates the joint SignOff, a later change of the body voids the request."""

    class State(models.TextChoices):
        OPEN = "open", "待签发"
        SIGNED = "signed", "已签发"
        DECLINED = "declined", "不同意"
        WITHDRAWN = "withdrawn", "已撤回"

    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="joint_sign_requests")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+", verbose_name="联合发文机关")
    requested_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+", verbose_name="发起人")
    requested_at = models.DateTimeField(default=timezone.now)
    note = models.CharField("说明", max_length=300, blank=True)
    body_version = models.ForeignKey(FileVersion, on_delete=models.PROTECT, related_name="+",
                                     verbose_name="所请签发的正文版本")
    state = models.CharField("状态", max_length=10, choices=State.choices, default=State.OPEN)
    signoff = models.ForeignKey(SignOff, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField("不同意的理由", max_length=300, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = verbose_name_plural = "会签签发请求"
        constraints = [models.UniqueConstraint(fields=["document", "agency"], condition=models.Q(state="open"),
                                               name="joint_sign_request_one_open")]
