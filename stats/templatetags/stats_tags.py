"""Formatting of statistics cells: counts, working hours, rates."""

from django import template

register = template.Library()


@register.filter
def stat(value, kind: str = "count") -> str:
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    if kind == "change":
        return f"{value:+d}"
    if kind == "change_rate":
        return f"{value * 100:+.1f}%"
    if kind == "rate":
        return f"{value * 100:.1f}%"
    if kind == "hours":
        return f"{value:.1f}"
    return str(value)


@register.filter
def cells(values, columns):
    """Pairs of (value, column) for a row of a table."""
    return zip(values, columns, strict=True)
