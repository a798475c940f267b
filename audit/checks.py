"""``manage.py check`` warnings about the audit settings."""

from django.conf import settings
from django.core.checks import Warning, register


@register()
def retention_not_below_minimum(app_configs, **kwargs):
    from .verification import MINIMUM_RETENTION_DAYS

    configured = getattr(settings, "AUDIT_RETENTION_DAYS", MINIMUM_RETENTION_DAYS)
    try:
        too_short = int(configured) < MINIMUM_RETENTION_DAYS
    except (TypeError, ValueError):
        too_short = True
    if too_short:
        return [Warning(f"AUDIT_RETENTION_DAYS（{configured}）低于等保三级要求的 {MINIMUM_RETENTION_DAYS} 天，"
                        f"按 {MINIMUM_RETENTION_DAYS} 天执行。", id="audit.W001")]
    return []
