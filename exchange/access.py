"""Who sees what of the exchange.

* A document's dispatch panel (分发情况): whoever may see the outgoing document itself
  (documents.access); everyone else gets the same 404 as for a missing document.
* The exchange overview and box (交换总览, 交换箱) of an agency: its office staff (文书,
  秘书, 办公室主任, 机要员). Anyone else gets a 404: the page does not exist for them.
  The lists under it still go through documents.access.visible_documents.
"""

from documents.access import can_view, get_visible
from documents.models import Document
from flow.access import is_office_staff
from gongwen.errors import NotFound


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
