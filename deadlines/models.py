from datetime import time

from django.db import models
from django.utils import timezone

from documents.models import Document
from flow.models import NodeKind, Task
from org.models import Agency, Person


class CalendarYear(models.Model):
    """A year whose holiday schedule is known (年度节假日安排). Due times are computed only
    inside known years: a year without a row is refused, never guessed (RULES.md §8)."""

    class Source(models.TextChoices):
        PACKAGE = "chinesecalendar", "chinesecalendar 数据包"
        MANUAL = "manual", "管理员录入"

    year = models.IntegerField("年度", unique=True)
    source = models.CharField("来源", max_length=20, choices=Source.choices, default=Source.MANUAL)
    notice = models.CharField("依据", max_length=200, blank=True, help_text="如：国务院办公厅关于2027年部分节假日安排的通知")
    entered_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField("更新时间", default=timezone.now)

    class Meta:
        ordering = ["year"]
        verbose_name = verbose_name_plural = "年度节假日安排"

    def __str__(self):
        return f"{self.year}年"


class CalendarDay(models.Model):
    """A day that breaks the weekday rule (Monday–Friday work, weekends off): a statutory
    holiday on a weekday (法定节假日) or a weekend make-up workday (调休上班)."""

    date = models.DateField("日期", unique=True)
    is_workday = models.BooleanField("上班")
    name = models.CharField("名称", max_length=40, blank=True)

    class Meta:
        ordering = ["date"]
        verbose_name = verbose_name_plural = "节假日与调休"

    def __str__(self):
        return f"{self.date} {'上班' if self.is_workday else '休息'}"


class WorkingHours(models.Model):
    """An agency's working hours (作息时间): a morning and an afternoon period. The row
    without an agency is the deployment's default."""

    agency = models.OneToOneField(Agency, null=True, blank=True, on_delete=models.CASCADE,
                                  related_name="working_hours", verbose_name="机关")
    morning_start = models.TimeField("上午上班", default=time(8, 30))
    morning_end = models.TimeField("上午下班", default=time(12, 0))
    afternoon_start = models.TimeField("下午上班", default=time(14, 30))
    afternoon_end = models.TimeField("下午下班", default=time(18, 0))

    class Meta:
        verbose_name = verbose_name_plural = "作息时间"
        constraints = [
            models.UniqueConstraint(fields=["agency"], condition=models.Q(agency__isnull=True),
                                    name="working_hours_one_default"),
        ]

    def __str__(self):
        return (f"{self.morning_start:%H:%M}–{self.morning_end:%H:%M}，"
                f"{self.afternoon_start:%H:%M}–{self.afternoon_end:%H:%M}")


class LimitUnit(models.TextChoices):
    WORK_MINUTES = "work_minutes", "工作分钟"
    WORK_HOURS = "work_hours", "工作小时"
    WORK_DAYS = "work_days", "工作日"
    CLOCK_MINUTES = "clock_minutes", "分钟（自然时间，含节假日）"
    CLOCK_HOURS = "clock_hours", "小时（自然时间，含节假日）"
    CLOCK_DAYS = "clock_days", "天（自然日）"


class LimitScope(models.TextChoices):
    NODE = "node", "环节时限（自进入环节起算）"
    DOCUMENT = "document", "全文办理时限（自收文起算）"


class LimitCondition(models.TextChoices):
    NONE = "", "—"
    PROXY_DRAFT = "proxy_draft", "须代拟稿"
    EMERGENCY_REPORT = "emergency_report", "紧急信息报告"
    POLICY = "policy", "政策性文件"


class TimeLimitRule(models.Model):
    """A time limit (办理时限规则), RULES.md §6. A blank field matches anything; the most
    specific active rule wins, an agency's own rule before the deployment default."""

    agency = models.ForeignKey(Agency, null=True, blank=True, on_delete=models.CASCADE, related_name="time_limits",
                               verbose_name="适用机关")
    name = models.CharField("规则名称", max_length=60)
    scope = models.CharField("类别", max_length=10, choices=LimitScope.choices, default=LimitScope.NODE)
    node_kind = models.CharField("环节", max_length=20, choices=NodeKind.choices, blank=True)
    doc_type = models.CharField("文种", max_length=10, blank=True)
    urgency = models.CharField("紧急程度", max_length=4, blank=True)
    condition = models.CharField("条件", max_length=20, choices=LimitCondition.choices, blank=True, default="")
    amount = models.PositiveIntegerField("时限")
    unit = models.CharField("单位", max_length=16, choices=LimitUnit.choices, default=LimitUnit.WORK_HOURS)
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        ordering = ["agency_id", "scope", "node_kind", "doc_type", "urgency"]
        verbose_name = verbose_name_plural = "办理时限规则"

    def __str__(self):
        return f"{self.name}：{self.amount}{self.get_unit_display()}"

    @property
    def specificity(self) -> int:
        return sum(1 for f in (self.node_kind, self.doc_type, self.urgency, self.condition) if f)


class ReminderPolicy(models.Model):
    """When reminders go out (催办设置), per agency; the row without an agency is the default.
    Before the due time: at ``half`` of the allowed time and ``before_minutes`` working
    minutes before; at the due time; escalation to the unit head ``escalate_head_after``
    and to the leader in charge ``escalate_leader_after`` working minutes after it."""

    agency = models.OneToOneField(Agency, null=True, blank=True, on_delete=models.CASCADE,
                                  related_name="reminder_policy", verbose_name="机关")
    at_half = models.BooleanField("过半时提醒", default=True)
    before_minutes = models.PositiveIntegerField("到期前提醒（工作分钟）", default=60)
    escalate_head_after = models.PositiveIntegerField("逾期后报处室负责人（工作分钟）", default=0)
    escalate_leader_after = models.PositiveIntegerField("逾期后报分管领导（工作分钟）", default=420)
    send_email = models.BooleanField("同时发送电子邮件", default=True)

    class Meta:
        verbose_name = verbose_name_plural = "催办设置"
        constraints = [
            models.UniqueConstraint(fields=["agency"], condition=models.Q(agency__isnull=True),
                                    name="reminder_policy_one_default"),
        ]


class ReminderKind(models.TextChoices):
    HALF = "half", "时限过半提醒"
    BEFORE = "before", "即将到期提醒"
    DUE = "due", "到期提醒"
    ESCALATE_HEAD = "escalate_head", "逾期报处室负责人"
    ESCALATE_LEADER = "escalate_leader", "逾期报分管领导"
    MANUAL = "manual", "人工催办"
    SIGN_FOR_OVERDUE = "sign_for_overdue", "超时未签收"


class Reminder(models.Model):
    """A reminder (催办) about one task. Automatic ones are unique per task, kind and
    recipient, so a step is never reminded twice, however often the worker runs."""

    task = models.ForeignKey(Task, on_delete=models.PROTECT, related_name="reminders")
    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="reminders")
    kind = models.CharField("类别", max_length=20, choices=ReminderKind.choices)
    recipient = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="reminders_received",
                                  verbose_name="催办对象")
    sent_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                verbose_name="催办人")
    message = models.CharField("催办内容", max_length=500)
    due_at = models.DateTimeField("当时的办理时限", null=True, blank=True)
    sent_at = models.DateTimeField("催办时间", default=timezone.now)

    class Meta:
        ordering = ["-sent_at", "-id"]
        verbose_name = verbose_name_plural = "催办记录"
        constraints = [
            models.UniqueConstraint(fields=["task", "kind", "recipient"], condition=~models.Q(kind="manual"),
                                    name="reminder_once_per_step"),
        ]
        indexes = [models.Index(fields=["document", "sent_at"])]


class Notification(models.Model):
    """An in-app notification (消息): reminders, escalations, supervision notices."""

    recipient = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="notifications")
    title = models.CharField("标题", max_length=200)
    body = models.CharField("内容", max_length=1000, blank=True)
    url = models.CharField("链接", max_length=200, blank=True)
    document = models.ForeignKey(Document, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("时间", default=timezone.now)
    read_at = models.DateTimeField("已读时间", null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = verbose_name_plural = "消息"
        indexes = [
            models.Index(fields=["recipient", "read_at", "created_at"], name="notification_unread"),
        ]


class Extension(models.Model):
    """A request to extend a task's due time (延期申请) and what became of it. The office or
    the supervisor approves or refuses it, or records what the sender agreed (a new date,
    or that no new date was agreed)."""

    class State(models.TextChoices):
        PENDING = "pending", "待审批"
        APPROVED = "approved", "已同意"
        REFUSED = "refused", "不同意"
        SENDER_AGREED = "sender_agreed", "来文单位同意延期"
        NO_DATE = "no_date", "未商定新时限"

    task = models.ForeignKey(Task, on_delete=models.PROTECT, related_name="extensions")
    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="extensions")
    requested_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+", verbose_name="申请人")
    requested_at = models.DateTimeField("申请时间", default=timezone.now)
    reason = models.CharField("延期理由", max_length=500)
    old_due_at = models.DateTimeField("原办理时限", null=True, blank=True)
    requested_due_at = models.DateTimeField("申请延至", null=True, blank=True)
    state = models.CharField("状态", max_length=16, choices=State.choices, default=State.PENDING)
    new_due_at = models.DateTimeField("批准延至", null=True, blank=True)
    decided_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                   verbose_name="审批人")
    decided_at = models.DateTimeField("审批时间", null=True, blank=True)
    agreed_with = models.CharField("来文单位同意人", max_length=100, blank=True)
    decision_note = models.CharField("审批意见", max_length=500, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = verbose_name_plural = "延期申请"
        indexes = [models.Index(fields=["state", "requested_at"])]


class PendingDueAlert(models.Model):
    """That a person was told, on a day, how many tasks wait for next year's calendar
    (时限待定提醒): one row per person and day keeps the notice to once a day, however
    many workers scan (``deadlines.pending.alert``)."""

    recipient = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+", verbose_name="提醒对象")
    day = models.DateField("日期")
    count = models.PositiveIntegerField("时限待定的待办数")
    created_at = models.DateTimeField("提醒时间", default=timezone.now)

    class Meta:
        verbose_name = verbose_name_plural = "时限待定提醒"
        constraints = [models.UniqueConstraint(fields=["recipient", "day"], name="pending_due_alert_once_a_day")]
