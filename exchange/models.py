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

    class Meta:
        ordering = ["document", "kind", "id"]
        verbose_name = verbose_name_plural = "分发记录"
        constraints = [models.UniqueConstraint(fields=["document", "recipient"], name="delivery_unique")]
