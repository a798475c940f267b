from django.db import models
from django.utils import timezone

from org.models import Person


class ApiToken(models.Model):
    """An access token for the REST API (接口访问令牌). Only the SHA-256 of the token is
    stored; the token itself is shown once, when it is issued. A token is its holder's
    credential: it acts with exactly the holder's rights, and it authenticates only until it
    expires (到期), is revoked (吊销) or the holder's password changes (``password_stamp``).
    A revoked or expired token stays on record (who had it, when it was last used)."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="api_tokens", verbose_name="人员")
    name = models.CharField("用途", max_length=60)
    prefix = models.CharField("前缀", max_length=12, help_text="令牌的前几位，便于辨认，不足以使用。")
    key_hash = models.CharField("令牌摘要（SHA-256）", max_length=64, unique=True)
    created_at = models.DateTimeField("签发时间", default=timezone.now)
    expires_at = models.DateTimeField("到期时间")
    password_stamp = models.CharField(
        "口令印记", max_length=64, editable=False,
        help_text="签发时账号口令摘要的 HMAC：密码一经修改或重置，此前签发的令牌即失效。")
    last_used_at = models.DateTimeField("最近使用时间", null=True, blank=True)
    revoked_at = models.DateTimeField("吊销时间", null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = verbose_name_plural = "接口令牌"

    def __str__(self):
        return f"{self.person.name}·{self.name}"

    @property
    def is_active(self) -> bool:
        """Neither revoked nor expired (the password check needs the account: see
        ``api.services.token_state``)."""
        return self.revoked_at is None and self.expires_at > timezone.now()
