"""Seals (印章) per agency with their keeper, and the seal ledger (用印登记簿): every use of
a seal on a document, with the sign-offs it relied on and, for the electronic seal, the
SM3 digest of the sealed PDF and the SM2 signature over it."""

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
    # encrypted with SM4 under the deployment's seal key (sealing.crypto).
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

    class Meta:
        ordering = ["-used_at", "-id"]
        verbose_name = verbose_name_plural = "用印登记"
