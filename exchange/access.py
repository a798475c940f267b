"""Who sees what of the exchange.

* A document's dispatch panel (分发情况): whoever may see the outgoing document itself
  (documents.access); everyone else gets the same 404 as for a missing document.
* The exchange overview and box (交换总览, 交换箱) of an agency: its office staff (文书,
  秘书, 办公室主任, 机要员). Anyone else gets a 404: the page does not exist for them.
  The lists under it still go through documents.access.visible_documents.
* 转报 (forwarding a subordinate's submission upward, exchange.services.start_forwarding):
  the office staff of the receiving agency, for an incoming document whose sender is one
  of its own subordinate bureaus or enterprises (sender.parent), once. The document page
  shows the action exactly when ``forwarding_refusal`` is None; the service raises it.
"""

from documents.access import can_view, get_visible
from documents.models import Direction, Document
from flow.access import is_office_staff
from gongwen.errors import Conflict, DomainError, NotFound, PermissionDenied


def can_see_deliveries(person, document: Document) -> bool:
    return person is not None and can_view(person, document)


def visible_outgoing(person, pk) -> Document:
    """The document if the person may see it (else NotFound), whatever its direction:
    an incoming document simply has no deliveries."""
    return get_visible(person, pk)


def can_see_overview(person) -> bool:
    return (person is not None and not person.admin_role and person.agency_id is not None
            and person.agency.is_internal and is_office_staff(person, person.agency_id))


def require_overview(person):
    """The agency whose exchange the person oversees (their own), or NotFound."""
    if not can_see_overview(person):
        raise NotFound("未找到该页面。")
    return person.agency


def existing_forward(original: Document) -> Document | None:
    """The forwarding agency's own outgoing document already forwarding ``original``."""
    return (Document.objects.filter(forwarded_from=original, direction=Direction.OUTGOING,
                                    agency_id=original.agency_id).order_by("id").first())


def forwarding_refusal(person, original: Document) -> DomainError | None:
    """Why ``person`` may not start 转报 of ``original`` (a DomainError with the Chinese
    message), or None if they may. Visibility is the caller's business (documents.access);
    cheap checks on the loaded document come first, so a document that can never be
    forwarded costs the document page no query."""
    if person is None:
        return PermissionDenied("请先登录。")
    if original.direction != Direction.INCOMING or original.agency_id != person.agency_id:
        return DomainError("只能转报本机关收到的来文。")
    sender = original.sender
    if sender is None or sender.parent_id != person.agency_id:
        return DomainError("转报只用于本机关所属二级局、企业等下级单位的来文。")
    if person.admin_role or not is_office_staff(person, original.agency_id):
        return PermissionDenied(f"只有{original.agency.short_name}办公室人员可以转报下级单位的来文。")
    done = existing_forward(original)
    if done is not None:
        return Conflict(f"本件已转报（《{done.title}》），不能重复转报。", code="already_forwarded")
    return None


def can_forward(person, original: Document) -> bool:
    return forwarding_refusal(person, original) is None


def check_forwarding(person, original: Document) -> None:
    refusal = forwarding_refusal(person, original)
    if refusal is not None:
        raise refusal
