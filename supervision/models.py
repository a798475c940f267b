from django.db import models
from django.utils import timezone

from documents.models import Document
from flow.models import Opinion, Task
from org.models import Agency, Person, Unit


class SupervisionItem(models.Model):
    """A supervision item (督办事项): a leader instruction the supervision office (督查室)
    follows until a final report is accepted (办结销号). Later instructions on the same
    matter attach to it and are counted (C03)."""

    class State(models.TextChoices):
        OPEN = "open", "督办中"
        STALLED = "stalled", "停滞"
        REPORTED = "reported", "已报办结，待审核"
        CLOSED = "closed", "已办结销号"
        CANCELLED = "cancelled", "已撤销"

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="supervision_items",
                               verbose_name="督办机关")
    number = models.CharField("督办编号", max_length=30, blank=True)
    title = models.CharField("督办事项", max_length=300)
    document = models.ForeignKey(Document, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="supervision_items", verbose_name="来源公文")
    instructed_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+", verbose_name="批示领导")
    instruction = models.TextField("批示内容")
    instructed_at = models.DateTimeField("批示时间", default=timezone.now)
    lead_unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="led_supervision_items",
                                  verbose_name="牵头单位")
    assist_units = models.ManyToManyField(Unit, blank=True, related_name="assisted_supervision_items",
                                          verbose_name="协办单位")
    responsible = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="responsible_items",
                                    verbose_name="责任人")
    due_at = models.DateTimeField("办理时限")
    report_required = models.CharField("反馈要求", max_length=300, blank=True,
                                       help_text="如：每两周报送一次进展，办结后报送书面报告")
    report_interval_days = models.PositiveIntegerField("进展报送间隔（工作日）", default=10)
    state = models.CharField("状态", max_length=12, choices=State.choices, default=State.OPEN)
    last_report_at = models.DateTimeField("最近一次进展报送", null=True, blank=True)
    stalled_at = models.DateTimeField("停滞标记时间", null=True, blank=True)
    instruction_count = models.PositiveIntegerField("批示次数", default=1)
    opened_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+", verbose_name="立项人")
    created_at = models.DateTimeField("立项时间", default=timezone.now)
    closed_at = models.DateTimeField("销号时间", null=True, blank=True)
    closed_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                  verbose_name="销号审核人")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = verbose_name_plural = "督办事项"
        indexes = [
            models.Index(fields=["agency", "state", "due_at"], name="supervision_ledger"),
            models.Index(fields=["state", "last_report_at"], name="supervision_stall_scan"),
        ]

    def __str__(self):
        return self.title


class ItemInstruction(models.Model):
    """One leader instruction on a supervision item (批示), the first included; repeated
    instructions on the same matter are what C03 counts."""

    item = models.ForeignKey(SupervisionItem, on_delete=models.PROTECT, related_name="instructions")
    leader = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+", verbose_name="批示领导")
    text = models.TextField("批示内容")
    at = models.DateTimeField("批示时间", default=timezone.now)
    opinion = models.ForeignKey(Opinion, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    document = models.ForeignKey(Document, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                 verbose_name="所在公文")
    recorded_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["at", "id"]
        verbose_name = verbose_name_plural = "批示"


class ProgressReport(models.Model):
    """A report on a supervision item by the lead unit (进展情况 / 办结报告). A final report
    closes the item only when the supervision office accepts it."""

    class Kind(models.TextChoices):
        PROGRESS = "progress", "进展报告"
        FINAL = "final", "办结报告"

    class Review(models.TextChoices):
        NONE = "", "—"
        PENDING = "pending", "待审核"
        ACCEPTED = "accepted", "已通过"
        REJECTED = "rejected", "退回补充"

    item = models.ForeignKey(SupervisionItem, on_delete=models.PROTECT, related_name="reports")
    kind = models.CharField("类别", max_length=10, choices=Kind.choices, default=Kind.PROGRESS)
    text = models.TextField("报告内容")
    reported_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+", verbose_name="报送人")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name="报送单位")
    reported_at = models.DateTimeField("报送时间", default=timezone.now)
    due_at = models.DateTimeField("应报时间", null=True, blank=True)
    late_reason = models.CharField("迟报原因", max_length=300, blank=True)
    review = models.CharField("审核", max_length=10, choices=Review.choices, blank=True, default="")
    reviewed_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.CharField("审核意见", max_length=300, blank=True)

    class Meta:
        ordering = ["reported_at", "id"]
        verbose_name = verbose_name_plural = "督办反馈"

    @property
    def is_late(self) -> bool:
        return self.due_at is not None and self.reported_at > self.due_at


class SupervisionEvent(models.Model):
    """The record of a supervision item (督办记录): opening, repeated instructions, reports
    and their review, manual 催办, the 停滞 flag with its escalation, 办结销号. Append-only;
    the item page and the bulletin read it, and a stall is escalated once per event."""

    class Kind(models.TextChoices):
        OPEN = "open", "立项督办"
        ATTACH = "attach", "再次批示"
        REPORT = "report", "报送进展"
        FINAL = "final", "报送办结报告"
        ACCEPT = "accept", "审核通过"
        RETURN = "return", "退回补充"
        CLOSE = "close", "办结销号"
        CHASE = "chase", "催办"
        STALL = "stall", "停滞督促"

    item = models.ForeignKey(SupervisionItem, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField("类别", max_length=10, choices=Kind.choices)
    actor = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                              verbose_name="操作人")
    at = models.DateTimeField("时间", default=timezone.now)
    text = models.CharField("内容", max_length=500, blank=True)
    recipients = models.JSONField("通知对象", default=list, blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = verbose_name_plural = "督办记录"
        indexes = [models.Index(fields=["item", "kind", "at"], name="supervision_event_kind")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.at:%Y-%m-%d}"


class ErrorCategory(models.TextChoices):
    PROCEDURE = "程序", "程序"
    FORMAT = "格式", "格式"
    WORDING = "文字", "文字"
    CONTENT = "内容", "内容"
    TIMELINESS = "时效", "时效"


class ErrorRecord(models.Model):
    """An entry of the error book (错题本, C14): a return (退回/退文) or a correction found
    in review, with its category and the unit at fault."""

    class Source(models.TextChoices):
        RETURN = "return", "退回"
        REJECT = "reject", "退文"
        REVIEW = "review", "审核纠错"

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="error_records",
                               verbose_name="记录机关")
    document = models.ForeignKey(Document, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="error_records", verbose_name="公文")
    task = models.ForeignKey(Task, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    source = models.CharField("来源", max_length=10, choices=Source.choices)
    category = models.CharField("差错类别", max_length=4, choices=ErrorCategory.choices)
    unit_at_fault = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                      verbose_name="责任单位")
    agency_at_fault = models.ForeignKey(Agency, null=True, blank=True, on_delete=models.PROTECT,
                                        related_name="+", verbose_name="责任机关（来文单位）")
    description = models.CharField("差错说明", max_length=500)
    recorded_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+", verbose_name="记录人")
    recorded_at = models.DateTimeField("记录时间", default=timezone.now)

    class Meta:
        ordering = ["-recorded_at", "-id"]
        verbose_name = verbose_name_plural = "错题本"
        indexes = [models.Index(fields=["agency", "recorded_at"], name="errorbook_week")]
