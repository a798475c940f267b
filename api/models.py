from django.db import models
from django.utils import timezone

from org.models import Person


class ApiToken(models.Model):
    """An access token for the REST API (接口访问令牌). Only the SHA-256 of the token is
    stored; the token itself is shown once, when it is issued. A revoked token stays on
    record (who had it, when it was last used) and no longer authenticates."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="api_tokens", verbose_name="人员")
    name = models.CharField("用途", max_length=60)
    prefix = models.CharField("前缀", max_length=12, help_text="令牌的前几位，便于辨认，不足以使用。")
    key_hash = models.CharField("令牌摘要（SHA-256）", max_length=64, unique=True)
    created_at = models.DateTimeField("签发时间", default=timezone.now)
    last_used_at = models.DateTimeField("最近使用时间", null=True, blank=True)
    revoked_at = models.DateTimeField("吊销时间", null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = verbose_name_plural = "接口令牌"

    def __str__(self):
        return f"{self.person.name}·{self.name}"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
