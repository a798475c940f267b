from django.db import models


class AppendOnlyError(Exception):
    pass


class AuditHead(models.Model):
    """The tip of the hash chain (审计链头). One row; locked by every writer so the chain
    never forks under concurrent writes."""

    last_seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)

    class Meta:
        verbose_name = "审计链头"


class AuditEvent(models.Model):
    """An entry of the tamper-evident audit log (安全审计日志).

    Each row carries the hash of the previous row; editing or deleting any row breaks
    the chain, which ``manage.py verify_audit`` reports. Deleting the newest rows together
    with the head row leaves a valid shorter chain: the signed checkpoints kept outside the
    database (``audit.checkpoints``) catch that. Rows are never deleted (保存期限, at least
    ``AUDIT_RETENTION_DAYS``).
    """

    seq = models.BigIntegerField(unique=True, verbose_name="序号")
    at = models.DateTimeField(verbose_name="时间")
    actor_id = models.BigIntegerField(null=True, blank=True, verbose_name="操作人ID")
    actor_name = models.CharField(max_length=100, blank=True, verbose_name="操作人")
    action = models.CharField(max_length=60, db_index=True, verbose_name="操作")
    target_type = models.CharField(max_length=60, verbose_name="对象类型")
    target_id = models.CharField(max_length=60, verbose_name="对象ID")
    old = models.JSONField(null=True, blank=True, verbose_name="原值")
    new = models.JSONField(null=True, blank=True, verbose_name="新值")
    client_address = models.CharField(max_length=64, blank=True, verbose_name="客户端地址")
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["seq"]
        verbose_name = "审计事件"
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AppendOnlyError("审计日志只能追加，不能修改。")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("审计日志只能追加，不能删除。")


class AccessRefusal(models.Model):
    """A refused access (拒绝访问) waiting to enter the audit chain: a signed-in person (or
    an API token) was answered 403 or 404. A refusal is a security event, but recording it
    on the request path must not take the chain's deployment-wide lock (every probe would
    queue behind it, and a crawler could stall the office): the request only inserts this
    row; the worker folds the rows into the chain as ``access.refused`` events, a batch
    under one lock (``audit.refusals.fold``), and deletes them once folded."""

    at = models.DateTimeField(verbose_name="时间")
    actor_id = models.BigIntegerField(null=True, blank=True, verbose_name="操作人ID")
    actor_name = models.CharField(max_length=100, blank=True, verbose_name="操作人")
    method = models.CharField(max_length=10, verbose_name="请求方法")
    path = models.CharField(max_length=300, verbose_name="请求路径")
    status = models.PositiveSmallIntegerField(verbose_name="应答")
    client_address = models.CharField(max_length=64, blank=True, verbose_name="客户端地址")

    class Meta:
        verbose_name = verbose_name_plural = "待入审计链的拒绝访问记录"
