"""Classified documents on paper (密件, RULES.md §7, C07).

A classified document is a ``documents.Document`` with ``secrecy`` set; this app records
what the paper needs: its registration (登记) with the custodian and the date it is due
back, its numbered copies (份号) and who holds each one, an append-only ledger of what
happened to every copy, the reading scope, return (清退) batches and destruction (销毁)
records with their approval. No file of a classified document is ever stored.
"""

from django.db import models
from django.utils import timezone

from documents.models import Document
from org.models import Agency, Person, PostKind, Unit


class Registration(models.Model):
    """One classified document registered by the agency's 机要员 (密件登记)."""

    document = models.OneToOneField(Document, on_delete=models.PROTECT, related_name="classified",
                                    verbose_name="公文")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="classified_registrations",
                               verbose_name="机关")
    year = models.IntegerField("年度")
    seq = models.IntegerField("密件登记号")
    custodian = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="classified_custody", verbose_name="保管人")
    due_back_on = models.DateField("清退期限")
    registered_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="classified_registered",
                                      verbose_name="登记人")
    registered_at = models.DateTimeField("登记时间", default=timezone.now)
    note = models.CharField("备注", max_length=300, blank=True)

    class Meta:
        ordering = ["agency", "-year", "-seq"]
        verbose_name = verbose_name_plural = "密件登记"
        constraints = [models.UniqueConstraint(fields=["agency", "year", "seq"], name="classified_reg_unique_seq")]

    def __str__(self):
        return f"密〔{self.year}〕{self.seq}号"

    @property
    def number(self) -> str:
        return f"密〔{self.year}〕{self.seq}号"


class ReadingScope(models.Model):
    """Who may read a classified document: a named person, or a post of the agency
    (optionally only in one unit). Clearance is checked on top of the scope."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="reading_scope",
                                 verbose_name="公文")
    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT,
                               related_name="classified_scopes", verbose_name="人员")
    post_kind = models.CharField("岗位", max_length=30, choices=PostKind.choices, blank=True)
    unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                             verbose_name="处室")

    class Meta:
        ordering = ["document", "id"]
        verbose_name = verbose_name_plural = "知悉范围"
        indexes = [models.Index(fields=["person", "document"], name="scope_person_doc"),
                   models.Index(fields=["post_kind", "unit"], name="scope_post_unit")]

    def __str__(self):
        if self.person_id:
            return self.person.name
        label = PostKind(self.post_kind).label
        return f"{self.unit.name}{label}" if self.unit_id else f"全体{label}"


class CopyStatus(models.TextChoices):
    IN_USE = "in_use", "在用"
    RETURNED = "returned", "已清退"
    DESTROYED = "destroyed", "已销毁"


class ClassifiedCopy(models.Model):
    """One numbered paper copy (份号). ``holder`` is the person who has it now; none while
    it is kept by the 机要室. ``signed_at`` is when the holder signed for it (空 = 待签收)."""

    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="classified_copies",
                                 verbose_name="公文")
    number = models.CharField("份号", max_length=6)
    holder = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT,
                               related_name="classified_copies", verbose_name="持有人")
    signed_at = models.DateTimeField("签收时间", null=True, blank=True)
    status = models.CharField("状态", max_length=10, choices=CopyStatus.choices, default=CopyStatus.IN_USE)
    return_batch = models.ForeignKey("ReturnBatch", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="copies", verbose_name="清退批次")
    returned_at = models.DateTimeField("清退时间", null=True, blank=True)
    destruction = models.ForeignKey("Destruction", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="copies", verbose_name="销毁记录")
    is_copied = models.BooleanField("复制件", default=False)

    class Meta:
        ordering = ["document", "number"]
        verbose_name = verbose_name_plural = "密件份号"
        constraints = [models.UniqueConstraint(fields=["document", "number"], name="classified_copy_unique_number")]
        indexes = [models.Index(fields=["holder", "status"], name="copy_holder_status")]

    def __str__(self):
        return f"份号{self.number}"

    @property
    def awaiting_signature(self) -> bool:
        return self.holder_id is not None and self.signed_at is None and self.status == CopyStatus.IN_USE


class EventKind(models.TextChoices):
    REGISTERED = "registered", "登记"
    COPIED = "copied", "复制"
    ISSUED = "issued", "分发"
    SIGNED = "signed", "签收"
    PASSED_ON = "passed_on", "传递"
    RETURN_REQUESTED = "return_requested", "通知清退"
    RETURNED = "returned", "清退"
    DESTRUCTION_REQUESTED = "destruction_requested", "申请销毁"
    DESTRUCTION_APPROVED = "destruction_approved", "批准销毁"
    DESTROYED = "destroyed", "销毁"


class CopyEvent(models.Model):
    """The copy ledger (流转记录): append-only, one row for everything that happens to a copy."""

    copy = models.ForeignKey(ClassifiedCopy, on_delete=models.PROTECT, related_name="events", verbose_name="份号")
    kind = models.CharField("事项", max_length=30, choices=EventKind.choices)
    actor = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+", verbose_name="经办人")
    from_person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                    verbose_name="交出人")
    to_person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                  verbose_name="接收人")
    at = models.DateTimeField("时间", default=timezone.now)
    note = models.CharField("说明", max_length=300, blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = verbose_name_plural = "密件流转记录"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise RuntimeError("密件流转记录只能追加，不能修改。")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RuntimeError("密件流转记录只能追加，不能删除。")


class ReturnBatch(models.Model):
    """A return notice (清退通知): the 机要员 calls copies back; each copy is confirmed back one by one."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="classified_returns",
                               verbose_name="机关")
    year = models.IntegerField("清退年度")
    requested_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+", verbose_name="通知人")
    requested_at = models.DateTimeField("通知时间", default=timezone.now)
    due_on = models.DateField("清退期限")
    note = models.CharField("说明", max_length=300, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = verbose_name_plural = "清退批次"


class DestructionStatus(models.TextChoices):
    REQUESTED = "requested", "待审批"
    APPROVED = "approved", "已批准"
    REJECTED = "rejected", "未批准"
    EXECUTED = "executed", "已销毁"


class Destruction(models.Model):
    """A destruction record (销毁登记): requested by the 机要员, approved by a leader or the
    office director (not the requester), then executed with the method, place and witness."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="classified_destructions",
                               verbose_name="机关")
    status = models.CharField("状态", max_length=10, choices=DestructionStatus.choices,
                              default=DestructionStatus.REQUESTED)
    reason = models.CharField("销毁理由", max_length=300)
    requested_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+", verbose_name="申请人")
    requested_at = models.DateTimeField("申请时间", default=timezone.now)
    approved_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                    verbose_name="审批人")
    approved_at = models.DateTimeField("审批时间", null=True, blank=True)
    approval_opinion = models.CharField("审批意见", max_length=300, blank=True)
    executed_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                    verbose_name="销毁人")
    executed_at = models.DateTimeField("销毁时间", null=True, blank=True)
    method = models.CharField("销毁方式", max_length=100, blank=True)
    place = models.CharField("销毁地点", max_length=100, blank=True)
    witness = models.CharField("监销人", max_length=60, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = verbose_name_plural = "销毁记录"
