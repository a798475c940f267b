"""Seals (印章) per agency with their keeper, and the seal ledger (用印登记簿): every use of
a seal on a document, with the sign-offs it relied on and, for the electronic seal, the
SM3 digest of the sealed PDF and the SM2 signature over it.

A seal use binds one version of the 成品 (its SHA-256), the body version and the elements
printed on the page as they stood, and the sign-offs it rests on. A later change voids it
(SealVoid, a row of its own: the ledger entry itself is never edited or deleted) and the
document must be sealed again (sealing.services.current_seal_blocker)."""

from django.db import models
from django.utils import timezone

from documents.models import Document, FileVersion
from flow.models import AppendOnlyModel
from org.models import Agency, Person


class Seal(models.Model):
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="seals", verbose_name="机关")
    name = models.CharField("印章名称", max_length=60)
    keeper = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="kept_seals", verbose_name="保管人")
    is_active = models.BooleanField("启用", default=True)
    # SM2 key pair of the electronic seal: the public key in hex (04‖x‖y), the private key
    # encrypted with SM4 under the deployment's seal key (gongwen.crypto).
    public_key = models.CharField("公钥", max_length=130, blank=True)
    private_key_encrypted = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["agency", "id"]
        verbose_name = verbose_name_plural = "印章"
        constraints = [models.UniqueConstraint(fields=["agency", "name"], name="seal_unique_name")]

    def __str__(self):
        return self.name


class SealUse(AppendOnlyModel):
    """One entry of the seal ledger (用印登记簿)."""

    seal = models.ForeignKey(Seal, on_delete=models.PROTECT, related_name="uses", verbose_name="印章")
    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="seal_uses")
    doc_number = models.CharField("发文字号", max_length=60)
    title = models.CharField("标题", max_length=300)
    signers = models.CharField("签发人", max_length=200)
    signoff_ids = models.JSONField("所依据的签发", default=list)
    copies = models.PositiveIntegerField("份数", default=1)
    used_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+", verbose_name="用印人")
    used_at = models.DateTimeField("用印时间", default=timezone.now)
    final_version = models.ForeignKey(FileVersion, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                      verbose_name="加盖电子印章的成品")
    sm3 = models.CharField("SM3 摘要", max_length=64, blank=True)
    signature = models.CharField("SM2 签名", max_length=200, blank=True)
    note = models.CharField("备注", max_length=300, blank=True)
    # What the seal use binds (sealing.services.seal_binding): the 成品 file it was put on,
    # the body and the printed elements as they stood, and the newest sign-off it rests on.
    sha256 = models.CharField("成品 SHA-256", max_length=64, blank=True)
    body_version = models.ForeignKey(FileVersion, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                     verbose_name="所依据的正文版本")
    elements = models.JSONField("用印时的版面要素", default=dict, blank=True)
    last_signoff_at = models.DateTimeField("所依据的最后签发时间", null=True, blank=True)

    class Meta:
        ordering = ["-used_at", "-id"]
        verbose_name = verbose_name_plural = "用印登记"

    def _voiding(self):
        try:
            return self.voiding
        except SealVoid.DoesNotExist:
            return None

    @property
    def is_current(self) -> bool:
        """有效: not voided (whether it still matches the document is current_seal_blocker's)."""
        return self._voiding() is None

    @property
    def state(self) -> str:
        return SealVoid.CURRENT if self.is_current else SealVoid.VOIDED

    @property
    def state_display(self) -> str:
        return "有效" if self.is_current else "已作废"

    @property
    def voided_at(self):
        voiding = self._voiding()
        return voiding.voided_at if voiding else None

    @property
    def voided_by(self):
        voiding = self._voiding()
        return voiding.voided_by if voiding else None

    @property
    def void_reason(self) -> str:
        voiding = self._voiding()
        return voiding.reason if voiding else ""


class SealVoid(AppendOnlyModel):
    """The voiding of a seal use (用印作废): the body, a printed element or the sign-offs
    changed after sealing, or the draft was returned (退回). Recorded with the reason, who
    and when; the seal use stays in the ledger, marked 已作废, and the document must be
    sealed again before it may be sent on or dispatched."""

    CURRENT, VOIDED = "current", "voided"

    seal_use = models.OneToOneField(SealUse, on_delete=models.PROTECT, related_name="voiding",
                                    verbose_name="用印登记")
    reason = models.CharField("作废理由", max_length=500)
    voided_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+", verbose_name="作废人")
    voided_at = models.DateTimeField("作废时间", default=timezone.now)

    class Meta:
        ordering = ["voided_at", "id"]
        verbose_name = verbose_name_plural = "用印作废记录"
