"""Chinese dates as the pages, ledgers, exports and messages write them: 2026年3月8日 and
2026年3月8日 14:05 (no zero padding, as the 条例 writes dates), in local time. The template
filters of the same names (``{% load gongwen %}``) are these functions."""

from datetime import date, datetime

from django.utils import timezone


def _local(value):
    if isinstance(value, datetime):
        return timezone.localtime(value) if timezone.is_aware(value) else value
    return value


def cn_date(value) -> str:
    """2026年3月8日; "" for no date."""
    if not value:
        return ""
    value = _local(value)
    if isinstance(value, (datetime, date)):
        return f"{value.year}年{value.month}月{value.day}日"
    return str(value)


def cn_datetime(value) -> str:
    """2026年3月8日 14:05; a date alone as cn_date; "" for none."""
    if not value:
        return ""
    value = _local(value)
    if isinstance(value, datetime):
        return f"{value.year}年{value.month}月{value.day}日 {value:%H:%M}"
    return cn_date(value)


def cn_short(value) -> str:
    """3月8日 14:05 in the current year, the full form otherwise (for dense tables)."""
    if not value:
        return ""
    value = _local(value)
    if isinstance(value, datetime):
        if value.year == timezone.localdate().year:
            return f"{value.month}月{value.day}日 {value:%H:%M}"
        return cn_datetime(value)
    return cn_date(value)
