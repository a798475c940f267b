"""Panels of the deadlines app on the document page."""

from django import template

register = template.Library()


@register.inclusion_tag("deadlines/_document_panel.html", takes_context=True)
def deadlines_panel(context, document):
    """Due times, reminders (催办) and manual 催办 on the document page."""
    return {"document": document, "request": context.get("request")}


@register.inclusion_tag("deadlines/_extensions_panel.html", takes_context=True)
def extensions_panel(context, document):
    """Extension requests (延期) on the document page."""
    return {"document": document, "request": context.get("request")}
