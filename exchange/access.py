"""Who may see a document's dispatch panel (分发情况): whoever may see the outgoing
document itself (documents.access); everyone else gets the same 404 as for a missing
document."""

from documents.access import can_view, get_visible
from documents.models import Document


def can_see_deliveries(person, document: Document) -> bool:
    return person is not None and can_view(person, document)


def visible_outgoing(person, pk) -> Document:
    """The document if the person may see it (else NotFound), whatever its direction:
    an incoming document simply has no deliveries."""
    return get_visible(person, pk)
