"""The external exchange package panel of a document page (``{% package_panel document %}``:
export buttons for the office staff of an outgoing document's agency, one per outside
delivery, and the packages already made or received) and the display filters of the
package page."""

from datetime import datetime

from django import template

from ui.dates import cn_datetime

from ..models import ExchangePackage
from ..packages import envelope
from ..packages import receipts as package_receipts
from ..packages import services as packages

register = template.Library()


def _person(context):
    request = context.get("request")
    person = getattr(request, "person", None)
    if person is None and request is not None and getattr(request.user, "is_authenticated", False):
        person = getattr(request.user, "person", None)
    return person


@register.inclusion_tag("exchange/package_panel.html", takes_context=True)
def package_panel(context, document):
    """One query for most pages: the document's packages (the navigation context already
    knows whether the person is office staff)."""
    person = _person(context)
    if document is None or person is None or person.agency_id != document.agency_id:
        return {"show": False}
    nav = context.get("nav") or {}
    office = nav.get("is_office") if nav.get("person") == person else envelope.is_office(person, document.agency_id)
    if not office:
        return {"show": False}
    rows = list(ExchangePackage.objects.filter(document=document).order_by("-at", "-id"))
    deliveries = packages.exportable_deliveries(document) if document.is_outgoing and not document.secrecy else []
    can_export = bool(deliveries)
    imported = any(p.direction == ExchangePackage.Direction.IMPORT and p.kind == ExchangePackage.Kind.DOCUMENT
                   and p.status == ExchangePackage.Status.OK for p in rows)
    can_receipt = (imported and not document.is_outgoing
                   and package_receipts.sign_for_event(document) is not None)
    if not rows and not can_export and not can_receipt:
        return {"show": False}
    return {"show": True, "document": document, "deliveries": deliveries, "can_export": can_export,
            "can_receipt": can_receipt, "packages": rows[:10]}


@register.filter
def elements(metadata) -> list[tuple[str, object]]:
    """The GB/T 33480 elements of a package's metadata, in the standard's order."""
    if not isinstance(metadata, dict):
        return []
    return [(name, metadata.get(name)) for name in packages.ELEMENTS if name in metadata]


@register.filter
def sha(entry) -> str:
    return entry.get("SHA-256", "") if isinstance(entry, dict) else ""


@register.filter
def iso_cn(value) -> str:
    try:
        return cn_datetime(datetime.fromisoformat(str(value)))
    except ValueError:
        return str(value or "")
