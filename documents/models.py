from django.db import models
from django.utils import timezone

from org.models import Agency, Person, Unit

from .validators import secrecy_mark


class Direction(models.TextChoices):
    INCOMING = "incoming", "收文"
    OUTGOING = "outgoing", "发文"
    MEMO = "memo", "签报"


class SlipKind(models.TextChoices):
    """The three incoming processing slips (处理笺), RULES.md §5."""

    RELAY = "relay", "传文处理笺"
    INTAKE = "intake", "收文处理笺"
    MISC = "misc", "零星收文处理笺"
    # Outgoing documents (发文稿纸): the review chain differs by kind (RULES.md §4).
    POLICY = "policy", "发文稿纸（政策性文件）"
    ROUTINE = "routine", "发文稿纸（一般文件）"


class Publicity(models.TextChoices):
    PUBLIC = "主动公开", "主动公开"
    ON_REQUEST = "依申请公开", "依申请公开"
    NOT_PUBLIC = "不予公开", "不予公开"


class WritingDirection(models.TextChoices):
    """行文方向: 上行文 go to a superior (one main recipient, 签发人, principal head)."""

    UP = "up", "上行文"
    PARALLEL = "parallel", "平行文"
    DOWN = "down", "下行文"


class Layout(models.TextChoices):
    """GB/T 9704 formats (drafting.render kinds)."""

    FILE = "file", "文件格式"
    LETTER = "letter", "信函格式"
    ORDER = "order", "命令格式"
    MINUTES = "minutes", "纪要格式"


class BodyMode(models.TextChoices):
    STRUCTURED = "structured", "在线编写"
    DOCX = "docx", "上传 DOCX"


class DocType(models.TextChoices):
    RESOLUTION = "决议", "决议"
    DECISION = "决定", "决定"
    ORDER = "命令", "命令（令）"
    COMMUNIQUE = "公报", "公报"
    ANNOUNCEMENT = "公告", "公告"
    NOTICE_PUBLIC = "通告", "通告"
    OPINION = "意见", "意见"
    NOTICE = "通知", "通知"
    CIRCULAR = "通报", "通报"
    REPORT = "报告", "报告"
    REQUEST = "请示", "请示"
    REPLY = "批复", "批复"
    MOTION = "议案", "议案"
    LETTER = "函", "函"
    MINUTES = "纪要", "纪要"
    TELEGRAM = "电报", "电报"
    BRIEFING = "简报", "简报"
    INFORMATION = "信息", "信息"
    MAIL = "信件", "来信"


class Status(models.TextChoices):
    IN_PROGRESS = "in_progress", "办理中"
    COMPLETED = "completed", "已办结"
    RETURNED = "returned", "已退文"


def pending_due_reason(year: int | None) -> str:
    """Why a due time is 时限待定, in the words every page, notice and API answer use."""
    return f"{year}年日历未录入" if year else ""


class Document(models.Model):
    """An official document (公文) as the agency handles it: here, an incoming document
    (收文) with every element of 条例 Art. 9 it carries, its registry number and where it
    stands. Outgoing documents (发文) reuse this record in a later issue."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="documents", verbose_name="办理机关")
    direction = models.CharField("收发类别", max_length=10, choices=Direction.choices, default=Direction.INCOMING)
    slip_kind = models.CharField("处理笺", max_length=10, choices=SlipKind.choices, default=SlipKind.INTAKE)
    doc_type = models.CharField("文种", max_length=10, choices=DocType.choices)
    title = models.CharField("标题", max_length=300)
    sender = models.ForeignKey(Agency, null=True, blank=True, on_delete=models.PROTECT, related_name="sent_documents",
                               verbose_name="来文机关")
    sender_name = models.CharField("来文机关名称", max_length=100, blank=True)
    sender_person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="submitted_documents", verbose_name="送件人")
    doc_number = models.CharField("来文字号", max_length=60, blank=True)
    registry_year = models.IntegerField("收文年度", null=True, blank=True)
    registry_seq = models.IntegerField("收文序号", null=True, blank=True)
    copy_number = models.CharField("份号", max_length=6, blank=True)
    secrecy = models.CharField("密级", max_length=4, blank=True)
    secrecy_term = models.CharField("保密期限", max_length=10, blank=True)
    urgency = models.CharField("紧急程度", max_length=4, blank=True)
    signer = models.CharField("签发人", max_length=60, blank=True)
    main_recipients = models.CharField("主送机关", max_length=300, blank=True)
    cc_recipients = models.CharField("抄送机关", max_length=500, blank=True)
    issued_on = models.DateField("成文日期", null=True, blank=True)
    received_at = models.DateTimeField("收文时间", default=timezone.now)
    pages = models.PositiveIntegerField("页数", null=True, blank=True)
    copies = models.PositiveIntegerField("份数", default=1)
    attachments_note = models.CharField("附件说明", max_length=500, blank=True)
    remarks = models.CharField("附注", max_length=500, blank=True)
    sender_deadline = models.DateTimeField("来文办理时限", null=True, blank=True)
    sender_deadline_text = models.CharField("时限原文", max_length=60, blank=True)
    # The document's own due time: the earlier of the sender's deadline and the
    # document-wide time-limit rule (telegrams, emergency reports), computed at
    # registration by deadlines.services; ``due_at`` moves with an agreed extension,
    # ``original_due_at`` never does (lateness is reported against both).
    due_at = models.DateTimeField("办理时限", null=True, blank=True)
    original_due_at = models.DateTimeField("原定办理时限", null=True, blank=True)
    # 时限待定: the due time needs the holiday schedule of this year, not entered yet
    # (``due_at`` is then null); computed when the year is entered (deadlines.pending).
    due_pending_year = models.PositiveSmallIntegerField("时限待定（缺少日历的年度）", null=True, blank=True)
    is_emergency_report = models.BooleanField("紧急信息报告", default=False)
    needs_proxy_draft = models.BooleanField("须代拟稿", default=False)
    addressed_to = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="addressed_documents", verbose_name="直送领导")
    is_direct_submission = models.BooleanField("直送件", default=False)
    forwarded_from = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT,
                                       related_name="forwards", verbose_name="转报原件")
    needs_reply = models.BooleanField("需答复", default=False)
    needs_leader_approval = models.BooleanField("答复须经领导审定", default=False)
    lead_unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="led_documents",
                                  verbose_name="主办单位")
    assist_units = models.ManyToManyField(Unit, blank=True, related_name="assisted_documents", verbose_name="协办单位")
    status = models.CharField("状态", max_length=20, choices=Status.choices, default=Status.IN_PROGRESS)
    stage = models.CharField("当前环节", max_length=30, blank=True)
    registered_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="registered_documents", verbose_name="登记人")
    registered_at = models.DateTimeField("登记时间", null=True, blank=True)
    created_at = models.DateTimeField("创建时间", default=timezone.now)
    updated_at = models.DateTimeField("更新时间", default=timezone.now)
    closed_at = models.DateTimeField("办结时间", null=True, blank=True)
    reply_text = models.TextField("答复内容", blank=True)
    # --- outgoing documents (发文, drafting): the drafting form's fields (发文稿纸).
    # 发文字号 is ``doc_number`` (allocated at the 编号 node), 签发人 ``signer`` and 成文日期
    # ``issued_on`` (filled from the sign-offs), 主送/抄送 the names of ``recipients``.
    drafted_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="drafted_documents", verbose_name="拟稿人")
    writing_direction = models.CharField("行文方向", max_length=10, choices=WritingDirection.choices, blank=True)
    layout = models.CharField("版式", max_length=10, choices=Layout.choices, default=Layout.FILE)
    publicity = models.CharField("公开属性", max_length=10, choices=Publicity.choices, blank=True)
    publicity_reason = models.CharField("不予公开理由", max_length=300, blank=True)
    is_policy = models.BooleanField("政策性文件", default=False)
    is_important = models.BooleanField("重要文件（主要领导签发）", default=False)
    is_proxy_draft = models.BooleanField("代拟稿", default=False)
    proxy_for = models.CharField("代拟机关", max_length=100, blank=True)
    is_joint = models.BooleanField("联合行文", default=False)
    joint_agencies = models.ManyToManyField(Agency, through="JointIssuer", blank=True, related_name="joint_documents",
                                            verbose_name="联合发文机关")
    body_mode = models.CharField("正文方式", max_length=12, choices=BodyMode.choices, blank=True)
    # Structured body written in the page: [{"level": 0..4, "text": "..."}] (0 = paragraph,
    # 1–4 = heading levels 一、（一）1.（1）); every save is also a new DOCX version.
    body_blocks = models.JSONField("正文（结构化）", default=list, blank=True)
    number_series = models.ForeignKey("NumberSeries", null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="+", verbose_name="发文代字")

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = verbose_name_plural = "公文"
        constraints = [
            models.UniqueConstraint(fields=["agency", "registry_year", "registry_seq"], name="registry_number_unique"),
        ]
        indexes = [
            # Ascending on purpose: read backwards they serve ORDER BY received_at DESC, id DESC
            # without a sort (the rowid is the index's last column).
            models.Index(fields=["agency", "received_at"], name="doc_agency_received"),
            models.Index(fields=["agency", "status", "received_at"], name="doc_agency_status_received"),
            models.Index(fields=["registered_by", "received_at"], name="doc_registrar_received"),
            # visible_documents: an office's classified documents, checked against their ways in
            models.Index(fields=["agency", "secrecy"], name="doc_agency_secrecy"),
        ]

    def __str__(self):
        return self.title

    @property
    def registry_number(self) -> str:
        """收文编号, e.g. 收〔2026〕12号; for a classified document its 密件登记号
        (密〔2026〕3号), which is a sequence of its own."""
        if not self.registry_seq:
            registration = getattr(self, "classified", None) if self.secrecy else None
            return registration.number if registration is not None else ""
        prefix = self.agency.code or self.agency.short_name
        return f"{prefix}收〔{self.registry_year}〕{self.registry_seq}号"

    @property
    def secrecy_display(self) -> str:
        return secrecy_mark(self.secrecy, self.secrecy_term)

    @property
    def due_pending_reason(self) -> str:
        return pending_due_reason(self.due_pending_year)

    @property
    def sender_display(self) -> str:
        return self.sender.name if self.sender_id else self.sender_name

    @property
    def is_open(self) -> bool:
        return self.status == Status.IN_PROGRESS

    @property
    def is_outgoing(self) -> bool:
        return self.direction == Direction.OUTGOING

    @property
    def is_upward(self) -> bool:
        return self.writing_direction == WritingDirection.UP

    @property
    def needs_principal_signoff(self) -> bool:
        """上行文, important and joint documents are signed off by the principal head
        (RULES.md §4: a joint document by the heads of every co-issuing agency)."""
        return self.is_upward or self.is_important or self.is_joint


class RegistryCounter(models.Model):
    """The last 收文编号 used per agency and year; locked row for consecutive numbers."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT)
    year = models.IntegerField()
    last = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["agency", "year"], name="registry_counter_unique")]


class DocumentFile(models.Model):
    """A file of a document (正文, 附件, 扫描件); its content lives in versions."""

    class Role(models.TextChoices):
        BODY = "body", "正文"
        ATTACHMENT = "attachment", "附件"
        SCAN = "scan", "扫描件"
        PROOF = "proof", "清样"
        FINAL = "final", "成品"
        SIGNOFF_SCAN = "signoff_scan", "会签签发页"
        OTHER = "other", "其他"

    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="files")
    role = models.CharField("类别", max_length=20, choices=Role.choices, default=Role.BODY)
    name = models.CharField("文件名", max_length=200)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
        verbose_name = verbose_name_plural = "公文文件"

    def latest_version(self):
        return self.versions.order_by("-number").first()


class FileVersion(models.Model):
    """One version of a file (版本). Never overwritten: a new upload is a new version.
    The SHA-256 is checked every time the content is read."""

    file = models.ForeignKey(DocumentFile, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField("版本号")
    original_name = models.CharField("上传文件名", max_length=200)
    content_type = models.CharField("类型", max_length=100)
    size = models.BigIntegerField("大小")
    sha256 = models.CharField("SHA-256", max_length=64)
    storage_path = models.CharField(max_length=200)
    uploaded_by = models.ForeignKey(Person, on_delete=models.PROTECT)
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["file", "number"]
        constraints = [models.UniqueConstraint(fields=["file", "number"], name="file_version_unique")]


class ReturnKind(models.TextChoices):
    RETURN = "退文", "退文"
    DIRECT = "直送件", "直送件退文"
    SKIP_LEVEL = "越级件", "越级件"
    MISDIRECTED = "乱投件", "乱投件"


class DocumentReturn(models.Model):
    """A document sent back to its sender (退文) with the reason; counted per sender."""

    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="returns")
    kind = models.CharField("类别", max_length=10, choices=ReturnKind.choices, default=ReturnKind.RETURN)
    sender = models.ForeignKey(Agency, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    sender_name = models.CharField(max_length=100, blank=True)
    reason = models.CharField("退文理由", max_length=500)
    returned_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    returned_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-returned_at"]
        verbose_name = verbose_name_plural = "退文记录"


class JointIssuer(models.Model):
    """A co-issuing agency of a joint document (联合行文), in the order of the head."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="joint_issuers")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+", verbose_name="联合发文机关")
    position = models.PositiveIntegerField("排序", default=0)

    class Meta:
        ordering = ["document", "position", "id"]
        constraints = [models.UniqueConstraint(fields=["document", "agency"], name="joint_issuer_unique")]


class Recipient(models.Model):
    """A main (主送) or copy (抄送) recipient of an outgoing document: an agency of the
    deployment or a name typed in (an agency outside it)."""

    class Kind(models.TextChoices):
        MAIN = "main", "主送"
        COPY = "copy", "抄送"

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="recipients")
    kind = models.CharField("类别", max_length=6, choices=Kind.choices, default=Kind.MAIN)
    agency = models.ForeignKey(Agency, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                               verbose_name="机关")
    name = models.CharField("名称", max_length=100)
    position = models.PositiveIntegerField("排序", default=0)

    class Meta:
        ordering = ["document", "kind", "position", "id"]


class NumberSeries(models.Model):
    """A 发文字号 series of an agency: its 代字 (e.g. 示府办发, 示府函)."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="number_series", verbose_name="机关")
    code = models.CharField("发文机关代字", max_length=20)
    name = models.CharField("名称", max_length=40, blank=True)
    is_active = models.BooleanField("启用", default=True)
    sort_order = models.IntegerField("排序", default=0)

    class Meta:
        ordering = ["agency", "sort_order", "id"]
        verbose_name = verbose_name_plural = "发文代字"
        constraints = [models.UniqueConstraint(fields=["agency", "code"], name="number_series_unique")]

    def __str__(self):
        return self.code


class NumberCounter(models.Model):
    """The last sequence number used per series and year: the locked row that makes
    发文字号 consecutive under concurrency (invariant 5)."""

    series = models.ForeignKey(NumberSeries, on_delete=models.PROTECT, related_name="counters")
    year = models.IntegerField()
    last = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["series", "year"], name="number_counter_unique")]


class IssuedNumber(models.Model):
    """One 发文字号 of the numbers ledger (发文登记簿): allocated at the 编号 node, or recorded
    (登记) when a document of the agency already carries it — numbered on paper, before the
    system, or found by an allocation that skipped it. Never deleted; a voided number keeps
    its row with the reason and is never handed out again (documents.numbering)."""

    class Source(models.TextChoices):
        ALLOCATED = "allocated", "编号取号"
        RECORDED = "recorded", "登记已有文号"

    series = models.ForeignKey(NumberSeries, on_delete=models.PROTECT, related_name="issued")
    year = models.IntegerField("年度")
    seq = models.PositiveIntegerField("序号")
    number = models.CharField("发文字号", max_length=60)
    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="issued_numbers")
    allocated_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    allocated_at = models.DateTimeField(default=timezone.now)
    voided_at = models.DateTimeField("作废时间", null=True, blank=True)
    voided_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    void_reason = models.CharField("作废理由", max_length=300, blank=True)
    source = models.CharField("来源", max_length=10, choices=Source.choices, default=Source.ALLOCATED)
    note = models.CharField("说明", max_length=300, blank=True)

    class Meta:
        ordering = ["series", "-year", "-seq"]
        verbose_name = verbose_name_plural = "发文字号"
        constraints = [models.UniqueConstraint(fields=["series", "year", "seq"], name="issued_number_unique")]

    @property
    def is_void(self) -> bool:
        return self.voided_at is not None
