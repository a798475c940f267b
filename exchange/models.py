"""Sending documents between agencies (公文交换). Issue 4 dispatches an outgoing document
(分发): each recipient inside the deployment gets an incoming document in its sign-for
queue; a recipient outside it is recorded for paper or external delivery. Receipts,
returns and forwarding come with the exchange issue."""

from django.db import models
from django.utils import timezone

from documents.models import Document, Recipient
from org.models import Agency, Person


class Delivery(models.Model):
    class Channel(models.TextChoices):
        SYSTEM = "system", "系统内交换"
        OUTSIDE = "outside", "系统外（纸质或外部交换）"

    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="deliveries",
                                 verbose_name="发文")
    recipient = models.ForeignKey(Recipient, on_delete=models.PROTECT, related_name="deliveries")
    kind = models.CharField("类别", max_length=6, choices=Recipient.Kind.choices)
    agency = models.ForeignKey(Agency, null=True, blank=True, on_delete=models.PROTECT, related_name="deliveries_in",
                               verbose_name="收文机关")
    name = models.CharField("收文机关名称", max_length=100)
    channel = models.CharField("方式", max_length=10, choices=Channel.choices)
    incoming = models.OneToOneField(Document, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="delivered_by", verbose_name="对方收文")
    sent_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    sent_at = models.DateTimeField(default=timezone.now)
    multi_submission = models.BooleanField("多头报送", default=False)

    class Meta:
        ordering = ["document", "kind", "id"]
        verbose_name = verbose_name_plural = "分发记录"
        constraints = [models.UniqueConstraint(fields=["document", "recipient"], name="delivery_unique")]


class Receipt(models.Model):
    """What comes back from a recipient (回执): signed for (签收, with the recipient's
    registration) or refused (退文, with the reason). A delivery counts as delivered only
    when a signed receipt exists (C10); a refusal returns the document to the sender.
    Append-only: a refusal after signing is a second receipt, the newest one tells the
    state."""

    class Kind(models.TextChoices):
        SIGNED = "signed", "已签收"
        REFUSED = "refused", "已退文"

    class Source(models.TextChoices):
        SYSTEM = "system", "系统内回执"
        PAPER = "paper", "纸质回执登记"
        PACKAGE = "package", "外部交换回执"

    delivery = models.ForeignKey(Delivery, on_delete=models.PROTECT, related_name="receipts")
    kind = models.CharField("回执类别", max_length=8, choices=Kind.choices)
    source = models.CharField("来源", max_length=8, choices=Source.choices, default=Source.SYSTEM)
    incoming = models.ForeignKey(Document, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                 verbose_name="对方收文")
    registry_number = models.CharField("对方收文编号", max_length=40, blank=True)
    reason = models.CharField("退文理由", max_length=500, blank=True)
    by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+", verbose_name="签收人")
    by_name = models.CharField("签收人姓名", max_length=50, blank=True)
    at = models.DateTimeField("时间", default=timezone.now)
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["delivery", "at", "id"]
        verbose_name = verbose_name_plural = "回执"


class ExchangePackage(models.Model):
    """An exchange package with an agency outside this deployment (外部交换包): a ZIP of
    GB/T 33480 metadata, the files and the processing history, signed with the agency's
    SM2 key. Exports and imports are both recorded, refused imports too (with why)."""

    class Direction(models.TextChoices):
        EXPORT = "export", "导出"
        IMPORT = "import", "导入"

    class Status(models.TextChoices):
        OK = "ok", "有效"
        REFUSED = "refused", "已拒收"

    class Kind(models.TextChoices):
        DOCUMENT = "document", "公文交换包"
        RECEIPT = "receipt", "回执包"

    direction = models.CharField("方向", max_length=8, choices=Direction.choices)
    kind = models.CharField("类别", max_length=8, choices=Kind.choices, default=Kind.DOCUMENT)
    status = models.CharField("状态", max_length=8, choices=Status.choices, default=Status.OK)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="exchange_packages",
                               verbose_name="本机关")
    document = models.ForeignKey(Document, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="exchange_packages", verbose_name="公文")
    delivery = models.ForeignKey(Delivery, null=True, blank=True, on_delete=models.PROTECT, related_name="packages")
    counterpart = models.CharField("对方机关", max_length=100, blank=True)
    name = models.CharField("文件名", max_length=200)
    size = models.BigIntegerField("大小", default=0)
    sha256 = models.CharField("SHA-256", max_length=64)
    storage_path = models.CharField(max_length=200, blank=True)
    signer = models.CharField("签名方", max_length=200, blank=True)
    key_fingerprint = models.CharField("公钥指纹", max_length=64, blank=True)
    message = models.CharField("说明", max_length=500, blank=True)
    by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = verbose_name_plural = "外部交换包"


class TrustedKey(models.Model):
    """A public key trusted for exchange packages (外部交换公钥): the SM2 public key an
    agency outside this deployment signs its packages with, registered by the security
    administrator (安全保密管理员) after checking it with that agency out of band. An
    imported package is accepted only when its signature verifies under an active key
    registered here for the agency the package names as its signer."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="exchange_keys",
                               verbose_name="发送机关")
    public_key = models.CharField("SM2 公钥", max_length=130)
    fingerprint = models.CharField("公钥指纹（SM3）", max_length=64, unique=True)
    note = models.CharField("说明", max_length=300, blank=True)
    is_active = models.BooleanField("有效", default=True)
    registered_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+", verbose_name="登记人")
    registered_at = models.DateTimeField("登记时间", default=timezone.now)
    revoked_at = models.DateTimeField("停用时间", null=True, blank=True)

    class Meta:
        ordering = ["agency", "-registered_at", "-id"]
        verbose_name = verbose_name_plural = "外部交换公钥"

    def __str__(self):
        return f"{self.agency.name} {self.fingerprint[:16]}"
