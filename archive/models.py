"""The archive (归档, DA/T 22-2015): each agency's archive settings (全宗号, 门类代码, unit
codes), its retention schedule as data, the filed items (件) with their 档号 and archived
PDF, the locked counters that make 件号 consecutive, and the yearly archive packages."""

from django.db import models
from django.utils import timezone

from documents.models import Document
from org.models import Agency, Person, Unit


class Retention(models.TextChoices):
    PERMANENT = "Y", "永久"
    THIRTY = "D30", "定期30年"
    TEN = "D10", "定期10年"


class ArchiveSettings(models.Model):
    """An agency's 全宗号 and category code (门类代码, 文书 WS) and the unit code used when
    a document names no unit with a code."""

    agency = models.OneToOneField(Agency, on_delete=models.PROTECT, related_name="archive_settings",
                                  verbose_name="机关")
    fonds_code = models.CharField("全宗号", max_length=20)
    category_code = models.CharField("门类代码", max_length=10, default="WS")
    default_unit_code = models.CharField("默认机构代码", max_length=10, default="BGS")

    class Meta:
        verbose_name = verbose_name_plural = "归档设置"


class UnitCode(models.Model):
    """The 机构（问题）代码 of a unit, e.g. BGS for 办公室."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+", verbose_name="机关")
    unit = models.OneToOneField(Unit, on_delete=models.PROTECT, related_name="archive_code", verbose_name="处室")
    code = models.CharField("机构代码", max_length=10)

    class Meta:
        ordering = ["agency", "code"]
        verbose_name = verbose_name_plural = "机构代码"


class RetentionRule(models.Model):
    """One row of an agency's retention schedule (保管期限表). The rows are tried in
    ``position`` order; the first whose every filled condition matches gives the retention.
    A row with no condition at all is the catch-all."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="retention_rules",
                               verbose_name="机关")
    position = models.PositiveIntegerField("顺序", default=0)
    name = models.CharField("条目", max_length=100)
    direction = models.CharField("收发类别", max_length=10, blank=True)
    doc_types = models.CharField("文种（空格分隔）", max_length=100, blank=True)
    keywords = models.CharField("题名关键词（空格分隔）", max_length=200, blank=True)
    important_only = models.BooleanField("仅重要或政策性文件", default=False)
    retention = models.CharField("保管期限", max_length=3, choices=Retention.choices)

    class Meta:
        ordering = ["agency", "position", "id"]
        verbose_name = verbose_name_plural = "保管期限表"

    def matches(self, document: Document) -> bool:
        if self.direction and document.direction != self.direction:
            return False
        if self.doc_types and document.doc_type not in self.doc_types.split():
            return False
        if self.keywords and not any(k in document.title for k in self.keywords.split()):
            return False
        return not (self.important_only and not (document.is_important or document.is_policy))


class ItemCounter(models.Model):
    """The last 件号 used per (全宗, 年度, 保管期限, 机构): the locked row of consecutive numbers."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    year = models.IntegerField()
    retention = models.CharField(max_length=3, choices=Retention.choices)
    unit_code = models.CharField(max_length=10)
    last = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["agency", "year", "retention", "unit_code"],
                                               name="archive_counter_unique")]


class ArchiveItem(models.Model):
    """A filed item (件) with its 档号 and the elements of the catalogue (归档文件目录)."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="archive_items", verbose_name="机关")
    fonds_code = models.CharField("全宗号", max_length=20)
    category_code = models.CharField("门类代码", max_length=10)
    year = models.IntegerField("年度")
    retention = models.CharField("保管期限", max_length=3, choices=Retention.choices)
    unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                             verbose_name="机构")
    unit_code = models.CharField("机构代码", max_length=10)
    seq = models.PositiveIntegerField("件号")
    archive_code = models.CharField("档号", max_length=80, unique=True)
    # catalogue elements, copied from the main document when filed
    doc_number = models.CharField("文号", max_length=60, blank=True)
    responsible = models.CharField("责任者", max_length=300, blank=True)
    title = models.CharField("题名", max_length=300)
    date = models.DateField("日期", null=True, blank=True)
    secrecy = models.CharField("密级", max_length=4, blank=True)
    pages = models.PositiveIntegerField("页数", default=0)
    remarks = models.CharField("备注", max_length=300, blank=True)
    # the archived PDF (body, attachments, the forwarded document, then the slips) with the
    # 归档章 on its first page; empty for a classified item filed by its metadata only
    metadata_only = models.BooleanField("仅登记元数据（涉密件）", default=False)
    pdf_sha256 = models.CharField("归档 PDF 的 SHA-256", max_length=64, blank=True)
    pdf_path = models.CharField(max_length=200, blank=True)
    pdf_size = models.BigIntegerField(default=0)
    # the processing slips / drafting forms alone (also inside the archived PDF)
    slip_sha256 = models.CharField("处理笺 PDF 的 SHA-256", max_length=64, blank=True)
    slip_path = models.CharField(max_length=200, blank=True)
    slip_size = models.BigIntegerField(default=0)
    override_reason = models.CharField("不归档提示的处理理由", max_length=300, blank=True)
    filed_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+", verbose_name="归档人")
    filed_at = models.DateTimeField("归档时间", default=timezone.now)

    class Meta:
        ordering = ["agency", "year", "retention", "unit_code", "seq"]
        verbose_name = verbose_name_plural = "归档文件（件）"
        constraints = [models.UniqueConstraint(fields=["agency", "year", "retention", "unit_code", "seq"],
                                               name="archive_item_number_unique")]

    def __str__(self):
        return self.archive_code


class ItemDocument(models.Model):
    """A document of an item; a document is filed once (one-to-one)."""

    class Role(models.TextChoices):
        MAIN = "main", "正本"
        PART = "part", "组成部分"
        FORWARDED = "forwarded", "被转报文件"

    item = models.ForeignKey(ArchiveItem, on_delete=models.PROTECT, related_name="members")
    document = models.OneToOneField(Document, on_delete=models.PROTECT, related_name="archive_member")
    role = models.CharField("作用", max_length=10, choices=Role.choices, default=Role.MAIN)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["item", "position", "id"]


class YearPackage(models.Model):
    """The archive package (ZIP) of an agency's year."""

    class Status(models.TextChoices):
        PENDING = "pending", "排队中"
        RUNNING = "running", "生成中"
        DONE = "done", "已完成"
        FAILED = "failed", "失败"

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+", verbose_name="机关")
    year = models.IntegerField("年度")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.PENDING)
    progress = models.PositiveIntegerField("进度（件）", default=0)
    item_count = models.PositiveIntegerField("件数", default=0)
    sha256 = models.CharField("SHA-256", max_length=64, blank=True)
    path = models.CharField(max_length=200, blank=True)
    size = models.BigIntegerField(default=0)
    error = models.CharField("错误", max_length=500, blank=True)
    requested_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+", verbose_name="申请人")
    requested_at = models.DateTimeField("申请时间", default=timezone.now)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = verbose_name_plural = "年度归档包"

    @property
    def filename(self) -> str:
        return f"{self.agency.short_name}-{self.year}年度归档包.zip"
