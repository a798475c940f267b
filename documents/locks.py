"""The document's row lock: every writer that changes a document, its process or its
records takes it first (invariant 4: two people acting on one document are serialised and
the loser sees a Chinese refusal).

One queryset that every writer locks through (Saleor's ``lock_objects`` pattern): the lock
is taken on the document row only (``of=("self",)``, not the agency row the join reads),
and several documents are locked in primary-key order, so two writers never deadlock.
"""

from django.db.models import QuerySet

from gongwen.errors import NotFound

from .models import Document


def documents_for_update() -> QuerySet[Document]:
    return Document.objects.order_by("pk").select_for_update(of=("self",))


def lock_document(document_id) -> Document:
    """The document, locked and read fresh; NotFound for a missing (or malformed) id."""
    try:
        return documents_for_update().select_related("agency").get(pk=document_id)
    except (Document.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None
