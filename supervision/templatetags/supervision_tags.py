"""Panels of the supervision app on the document page."""

from django import template

register = template.Library()


@register.inclusion_tag("supervision/_document_panel.html", takes_context=True)
def supervision_panel(context, document):
    """Supervision items (督办事项) that come from this document."""
    return {"document": document, "request": context.get("request")}


@register.inclusion_tag("supervision/_errors_panel.html", takes_context=True)
def errors_panel(context, document):
    """Error-book entries (错题本) about this document."""
    return {"document": document, "request": context.get("request")}
