from django.db import models
from django.utils import timezone

from documents.models import Direction, Document, SlipKind, pending_due_reason
from org.models import Agency, Person, PostKind, Unit


class NodeKind(models.TextChoices):
    DRAFT = "draft", "拟稿"
    SIGN_FOR = "sign_for", "签收"
    REGISTER = "register", "登记"
    SCREEN = "screen", "初审"
    PROPOSE = "propose", "拟办"
    INSTRUCT = "instruct", "批示"
    DISTRIBUTE = "distribute", "分办"
    HANDLE = "handle", "承办"
    ASSIST = "assist", "协办"
    CIRCULATE = "circulate", "传阅"
    REVIEW = "review", "核稿"
    COUNTERSIGN = "countersign", "会签"
    APPROVE = "approve", "审定"
    SIGN_OFF = "sign_off", "签发"
    RECHECK = "recheck", "复核"
    NUMBER = "number", "编号"
    PRINT = "print", "印制"
    SEAL = "seal", "用印"
    DISPATCH = "dispatch", "分发"
    REPLY = "reply", "答复"
    COMPLETE = "complete", "办结"
    ARCHIVE = "archive", "归档"


class AssigneeRule(models.TextChoices):
    POST = "post", "本机关某岗位"
    LEAD_UNIT_HEAD = "lead_unit_head", "主办单位负责人（协办单位负责人并行）"
    LEADER_IN_CHARGE = "leader_in_charge", "主办单位的分管领导"
    PRINCIPAL_LEADER = "principal_leader", "主要领导"
    CHOSEN = "chosen", "由上一环节办理人选定"
    LEAD_HANDLER = "lead_handler", "主办单位承办人"
    REGISTRAR = "registrar", "登记人"
    DRAFTER = "drafter", "拟稿人"
    SIGNER = "signer", "签发领导（上行文、重要文件为主要领导）"


class Mode(models.TextChoices):
    SINGLE = "single", "一人办理"
    ALL = "all", "并行，全部办理"
    ANY = "any", "并行，一人办理即可"
    SEQUENTIAL = "sequential", "依次办理"


class Operation(models.TextChoices):
    SEND_ON = "send_on", "送下一步"
    RETURN = "return", "退回"
    ADD_SIGNER = "add_signer", "加签"
    TRANSFER = "transfer", "转办"
    RECALL = "recall", "撤回"
    CIRCULATE = "circulate", "传阅"
    COUNTERSIGN = "countersign", "征求会签"
    COMPLETE = "complete", "办结"
    ASSIGN = "assign", "指定承办人"
    REJECT = "reject", "退文"


class Condition(models.TextChoices):
    ALWAYS = "", "总是经过"
    NEEDS_REPLY = "needs_reply", "需答复时"
    NEEDS_LEADER_APPROVAL = "needs_leader_approval", "答复须经领导审定时"


class ProcessTemplate(models.Model):
    """A process template (流程模板): the nodes a kind of document passes through, as data.
    ``agency`` empty means the default for every agency that has no template of its own."""

    agency = models.ForeignKey(Agency, null=True, blank=True, on_delete=models.PROTECT, verbose_name="适用机关")
    direction = models.CharField("收发类别", max_length=10, choices=Direction.choices, default=Direction.INCOMING)
    slip_kind = models.CharField("处理笺", max_length=10, choices=SlipKind.choices, default=SlipKind.INTAKE)
    name = models.CharField("模板名称", max_length=60)
    is_active = models.BooleanField("启用", default=True)
    updated_at = models.DateTimeField("修改时间", default=timezone.now)

    class Meta:
        ordering = ["agency_id", "direction", "slip_kind"]
        verbose_name = verbose_name_plural = "流程模板"
        constraints = [models.UniqueConstraint(fields=["agency", "direction", "slip_kind"], name="template_unique")]

    def __str__(self):
        return self.name

    def snapshot(self) -> list[dict]:
        return [n.as_dict() for n in self.nodes.order_by("position")]


class NodeDefinition(models.Model):
    """One node of a template (环节): its kind, who gets it, how many must act, which
    operations and gates apply, and when it is passed through."""

    template = models.ForeignKey(ProcessTemplate, on_delete=models.CASCADE, related_name="nodes")
    position = models.PositiveIntegerField("顺序")
    key = models.SlugField("标识", max_length=30)
    name = models.CharField("环节名称", max_length=30)
    kind = models.CharField("环节类型", max_length=20, choices=NodeKind.choices)
    assignee_rule = models.CharField("办理人规则", max_length=20, choices=AssigneeRule.choices)
    post_kind = models.CharField("岗位", max_length=30, choices=PostKind.choices, blank=True)
    mode = models.CharField("办理方式", max_length=12, choices=Mode.choices, default=Mode.SINGLE)
    mode_choosable = models.BooleanField("上一环节可选择办理方式", default=False)
    operations = models.JSONField("允许的操作", default=list)
    gates = models.JSONField("关卡", default=list, blank=True)
    condition = models.CharField("经过条件", max_length=30, choices=Condition.choices, blank=True, default="")
    time_limit_hours = models.PositiveIntegerField("时限（工作小时）", null=True, blank=True)

    class Meta:
        ordering = ["template", "position"]
        verbose_name = verbose_name_plural = "环节定义"
        constraints = [models.UniqueConstraint(fields=["template", "key"], name="node_key_unique")]

    def as_dict(self) -> dict:
        return {
            "key": self.key, "name": self.name, "kind": self.kind, "assignee_rule": self.assignee_rule,
            "post_kind": self.post_kind, "mode": self.mode, "mode_choosable": self.mode_choosable,
            "operations": list(self.operations), "gates": list(self.gates), "condition": self.condition,
            "time_limit_hours": self.time_limit_hours,
        }


class Process(models.Model):
    """A running instance of a template for one document (流程实例). The template's nodes
    are copied at start, so editing a template never changes a process under way."""

    class State(models.TextChoices):
        RUNNING = "running", "运行中"
        COMPLETED = "completed", "已办结"
        CANCELLED = "cancelled", "已终止"

    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="processes")
    template = models.ForeignKey(ProcessTemplate, null=True, on_delete=models.SET_NULL)
    nodes = models.JSONField("环节快照")
    state = models.CharField(max_length=12, choices=State.choices, default=State.RUNNING)
    started_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "流程实例"

    def node(self, key: str) -> dict:
        for n in self.nodes:
            if n["key"] == key:
                return n
        raise KeyError(key)

    def position_of(self, key: str) -> int:
        return [n["key"] for n in self.nodes].index(key)


class Activation(models.Model):
    """One entry of the process into a node (环节激活). Tasks hang on it; it is done when
    its mode is satisfied. Circulation copies (传阅) are side activations that never hold
    up the main line."""

    class State(models.TextChoices):
        OPEN = "open", "办理中"
        DONE = "done", "已完成"
        CANCELLED = "cancelled", "已撤销"

    process = models.ForeignKey(Process, on_delete=models.PROTECT, related_name="activations")
    node_key = models.CharField(max_length=30)
    node_kind = models.CharField(max_length=20, choices=NodeKind.choices)
    node_name = models.CharField(max_length=30)
    seq = models.PositiveIntegerField()
    mode = models.CharField(max_length=12, choices=Mode.choices)
    queue = models.JSONField(default=list, blank=True)
    is_side = models.BooleanField(default=False)
    state = models.CharField(max_length=12, choices=State.choices, default=State.OPEN)
    previous = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    sent_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["process", "seq"]


class TaskRole(models.TextChoices):
    MAIN = "main", "办理"
    ASSIST = "assist", "协办"
    COUNTERSIGN = "countersign", "会签"
    ADDED = "added", "加签"
    CIRCULATE = "circulate", "传阅"
    DUTY = "duty", "值班知悉"


class TaskStatus(models.TextChoices):
    OPEN = "open", "待办"
    DONE = "done", "已办"
    RETURNED = "returned", "已退回"
    WITHDRAWN = "withdrawn", "已撤回"
    TRANSFERRED = "transferred", "已转办"
    ASSIGNED = "assigned", "已交办"
    CANCELLED = "cancelled", "已取消"


class Decision(models.TextChoices):
    NONE = "", "—"
    AGREE = "agree", "同意"
    DISAGREE = "disagree", "不同意"


class Task(models.Model):
    """A task (待办): one per assignee per node activation. The inbox is a query on open
    tasks, never on the history."""

    activation = models.ForeignKey(Activation, on_delete=models.PROTECT, related_name="tasks")
    process = models.ForeignKey(Process, on_delete=models.PROTECT, related_name="tasks")
    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="tasks")
    node_kind = models.CharField("环节类型", max_length=20, choices=NodeKind.choices)
    node_name = models.CharField("环节", max_length=30)
    role = models.CharField("性质", max_length=12, choices=TaskRole.choices, default=TaskRole.MAIN)
    assignee = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="tasks", verbose_name="办理人")
    assignee_unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    acted_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                 db_index=False, verbose_name="实际办理人（代办）")
    sent_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                verbose_name="送件人")
    origin_task = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="successors",
                                    verbose_name="由哪项待办产生")
    status = models.CharField("状态", max_length=12, choices=TaskStatus.choices, default=TaskStatus.OPEN)
    decision = models.CharField("意见", max_length=10, choices=Decision.choices, blank=True, default="")
    opinion = models.TextField("意见内容", blank=True)
    note = models.CharField("交办说明", max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    touched_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField("办理时限", null=True, blank=True)
    original_due_at = models.DateTimeField("原定办理时限", null=True, blank=True)
    # 时限待定: the due time needs the holiday schedule of this year, not entered yet
    # (``due_at`` is then null); computed when the year is entered (deadlines.pending).
    due_pending_year = models.PositiveSmallIntegerField("时限待定（缺少日历的年度）", null=True, blank=True)
    # The next instant a reminder or escalation may be due (deadlines.reminders keeps it):
    # the scheduled scan reads only tasks whose instant has come, through an index.
    next_reminder_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = verbose_name_plural = "待办"
        indexes = [
            models.Index(fields=["assignee", "status", "created_at"], name="task_inbox"),
            # Covers the 待办/待阅/due today/overdue counts without reading the rows.
            models.Index(fields=["assignee", "status", "role", "due_at"], name="task_counts"),
            # 待阅 (role = circulate) newest first: task_inbox would walk all my open tasks.
            models.Index(fields=["assignee", "role", "status", "created_at"], name="task_toread"),
            models.Index(fields=["document", "status"]),
            models.Index(fields=["assignee_unit", "document"]),
            models.Index(fields=["status", "next_reminder_at"], name="task_reminder_scan"),
            models.Index(fields=["status", "due_at"], name="task_overdue"),
            # Few tasks are done by a stand-in: a partial index keeps the lookup cheap.
            models.Index(fields=["acted_by"], condition=models.Q(acted_by__isnull=False), name="task_acted_by"),
            # Tasks waiting for next year's calendar (时限待定): few, and found at once.
            models.Index(fields=["due_pending_year"], condition=models.Q(due_pending_year__isnull=False),
                         name="task_due_pending"),
        ]

    def __str__(self):
        return f"{self.node_name}·{self.assignee.name}"

    @property
    def is_open(self) -> bool:
        return self.status == TaskStatus.OPEN

    @property
    def due_pending_reason(self) -> str:
        return pending_due_reason(self.due_pending_year)


class AppendOnlyModel(models.Model):
    """Rows that are never edited or deleted: corrections are new rows (invariant 3)."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise RuntimeError(f"{type(self).__name__} 只能追加，不能修改。")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RuntimeError(f"{type(self).__name__} 只能追加，不能删除。")


class Opinion(AppendOnlyModel):
    """An opinion or instruction written at a node (意见/批示), shown on the processing slip."""

    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="opinions")
    task = models.ForeignKey(Task, null=True, blank=True, on_delete=models.PROTECT, related_name="opinions")
    author = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+", verbose_name="签署人")
    on_behalf_of = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                     verbose_name="代签对象")
    node_kind = models.CharField(max_length=20, choices=NodeKind.choices)
    node_name = models.CharField(max_length=30)
    role = models.CharField(max_length=12, choices=TaskRole.choices, default=TaskRole.MAIN)
    decision = models.CharField(max_length=10, choices=Decision.choices, blank=True, default="")
    text = models.TextField("意见")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = verbose_name_plural = "意见"


class HistoryAction(models.TextChoices):
    START = "start", "收件"
    SIGN_FOR = "sign_for", "签收"
    REGISTER = "register", "登记"
    SEND_ON = "send_on", "送下一步"
    RETURN = "return", "退回"
    ADD_SIGNER = "add_signer", "加签"
    TRANSFER = "transfer", "转办"
    ASSIGN = "assign", "指定承办人"
    RECALL = "recall", "撤回"
    CIRCULATE = "circulate", "传阅"
    CIRCULATE_BACK = "circulate_back", "阅毕退回"
    COUNTERSIGN_REQUEST = "countersign_request", "征求会签"
    COUNTERSIGN = "countersign", "会签"
    RESOLVE = "resolve", "分歧处理"
    COMPLETE = "complete", "办结"
    REJECT = "reject", "退文"
    DIRECT = "direct", "直送件转办公室"
    FILE = "file", "上传文件"
    REMIND = "remind", "催办"
    ESCALATE = "escalate", "逾期督促"
    EXTEND = "extend", "延期"
    SUPERVISE = "supervise", "督办"
    DUTY = "duty", "值班知悉"
    DRAFT = "draft", "拟稿"
    BODY = "body", "修改正文"
    OVERRIDE = "override", "检查意见确认不改"
    SIGN_OFF = "sign_off", "签发"
    JOINT_SIGN_OFF = "joint_sign_off", "联合发文机关签发"
    NUMBER = "number", "编号"
    VOID_NUMBER = "void_number", "文号作废"
    RENDER = "render", "生成清样/成品"
    SEAL = "seal", "用印"
    DISPATCH = "dispatch", "分发"
    DUE_SET = "due_set", "确定办理时限"


class HistoryEvent(AppendOnlyModel):
    """An event of the routing history (流转记录): who did what, when, from where to where."""

    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="history")
    process = models.ForeignKey(Process, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    task = models.ForeignKey(Task, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    actor = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    on_behalf_of = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(max_length=30, choices=HistoryAction.choices)
    from_node = models.CharField(max_length=30, blank=True)
    to_node = models.CharField(max_length=30, blank=True)
    targets = models.JSONField(default=list, blank=True)
    opinion = models.TextField(blank=True)
    at = models.DateTimeField(default=timezone.now)
    client_address = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["document", "at"])]
        verbose_name = verbose_name_plural = "流转记录"


class PhraseBook(models.Model):
    """常用语: short opinions a person uses often (阅。 / 同意。 / 请XX处研办。)."""

    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.CASCADE, related_name="phrases")
    text = models.CharField(max_length=200)
    sort_order = models.IntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "id"]
