"""The exchange on the document page.

* ``{% deliveries_panel document %}``: the dispatch panel (分发情况) of an outgoing
  document — per recipient the state from its receipts (已签收 / 已退文 with the reason /
  未送达（无回执）), 多头报送, and for a delivery outside the system the paper receipt form
  (纸质回执) for the sender's office. Nothing for an incoming document or for someone who
  may not see the document.
* ``{% exchange_note document %}``: on an incoming document delivered through the
  exchange, where it came from, the receipts sent back and the 多头报送 flag; on any
  document forwarding another (转报), the link to the original.
* ``{% forward_action document %}``: on an incoming document from one of the agency's own
  subordinate bureaus or enterprises, the 转报 form for its office staff — shown exactly
  when exchange.access.forwarding_refusal (the check start_forwarding makes) is None.
"""

from django import template

from documents.models import Recipient
from flow.access import is_office_staff

from .. import access, receipts, selectors

register = template.Library()


def _person(context):
    request = context.get("request")
    person = getattr(request, "person", None)
    if person is None and request is not None and getattr(request.user, "is_authenticated", False):
        person = getattr(request.user, "person", None)
    return person


@register.inclusion_tag("exchange/deliveries_panel.html", takes_context=True)
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
    from org.selectors import has_post

    may_record = (person is not None and not person.admin_role and person.agency_id == document.agency_id
                  and has_post(person, *receipts.SENDER_POSTS))
    return {"show": True, "document": document, "rows": rows, "pending": pending,
            "signed": sum(1 for r in rows if r["delivered"]),
            "refused": [r for r in rows if r["state"] == selectors.STATE_REFUSED],
            "system": sum(1 for r in rows if r["channel"] == "system"),
            "may_record": may_record, "request": context.get("request"),
            "csrf_token": context.get("csrf_token")}


def _forward_line(document) -> dict | None:
    original = document.forwarded_from
    if original is None:
        return None
    sender = original.sender_display if original.direction == "incoming" else original.agency.name
    return {"sender": sender, "title": original.title, "doc_number": original.doc_number}


@register.inclusion_tag("exchange/incoming_note.html", takes_context=True)
def exchange_note(context, document):
    person = _person(context)
    if document is None or person is None:
        return {"show": False}
    forward = _forward_line(document)
    info = selectors.receipt_of_incoming(document) if not document.is_outgoing else None
    if forward is None and info is None:
        return {"show": False}
    office = is_office_staff(person, document.agency_id)
    return {"show": True, "forward": forward, "info": info, "office": office, "document": document}


@register.inclusion_tag("exchange/forward_panel.html", takes_context=True)
def forward_action(context, document):
    person = _person(context)
    if document is None or person is None or document.is_outgoing or not access.can_forward(person, document):
        return {"show": False}
    from ..views import forward_form

    return {"show": True, "document": document, "form": forward_form(document), "request": context.get("request"),
            "csrf_token": context.get("csrf_token")}
