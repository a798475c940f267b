"""The dispatch panel (分发情况) of an outgoing document: ``{% deliveries_panel document %}``
on the document page. Renders nothing for an incoming document or for someone who may
not see the document."""

from django import template

from documents.models import Recipient

from .. import access, selectors

register = template.Library()


def _person(context):
    request = context.get("request")
    person = getattr(request, "person", None)
    if person is None and request is not None and getattr(request.user, "is_authenticated", False):
        person = getattr(request.user, "person", None)
    return person


@register.inclusion_tag("web/includes/deliveries.html", takes_context=True)
def deliveries_panel(context, document):
    person = _person(context)
    if document is None or not document.is_outgoing or not access.can_see_deliveries(person, document):
        return {"show": False}
    rows = selectors.deliveries(document)
    pending = []
    if not rows:
        pending = [{"name": r.name, "kind_display": r.get_kind_display(),
                    "outside": not (r.agency_id and r.agency.is_internal)}
                   for r in sorted(document.recipients.select_related("agency"),
                                   key=lambda r: (r.kind != Recipient.Kind.MAIN, r.position, r.pk))]
    return {"show": True, "document": document, "rows": rows, "pending": pending,
            "signed": sum(1 for r in rows if r["status"] == selectors.SIGNED),
            "system": sum(1 for r in rows if r["channel"] == "system")}
