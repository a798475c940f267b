"""Reads for the secrecy pages and API, every one through the visibility filter."""

from __future__ import annotations

from django.db.models import Count, Q

from documents.access import visible_documents
from org.models import Person

from . import access
from .models import ClassifiedCopy, CopyStatus, Destruction, DestructionStatus, Registration


def registrations(person, year: int | None = None):
    """The 密件登记簿 rows the person may see (the reading scope decides, not the post)."""
    qs = (Registration.objects.filter(document_id__in=visible_documents(person).exclude(secrecy="").values("pk"))
          .select_related("document", "document__sender", "custodian", "registered_by")
          .annotate(n_in_use=Count("document__classified_copies",
                                   filter=Q(document__classified_copies__status=CopyStatus.IN_USE)),
                    n_returned=Count("document__classified_copies",
                                     filter=Q(document__classified_copies__status=CopyStatus.RETURNED)),
                    n_destroyed=Count("document__classified_copies",
                                      filter=Q(document__classified_copies__status=CopyStatus.DESTROYED)))
          .order_by("-year", "-seq"))
    if year:
        qs = qs.filter(year=year)
    return qs


def years(person) -> list[int]:
    return sorted(set(registrations(person).values_list("year", flat=True)), reverse=True)


def copies(document):
    return document.classified_copies.select_related("holder", "destruction", "return_batch").order_by("number")


def my_copies(person):
    return (ClassifiedCopy.objects.filter(holder=person, status=CopyStatus.IN_USE)
            .select_related("document", "document__classified").order_by("signed_at", "document_id", "number"))


def destructions(person):
    """Destruction records of the person's agency for the registrar and the approvers."""
    if not (access.is_registrar(person, person.agency_id) or access.can_approve(person, person.agency_id)):
        return Destruction.objects.none()
    return (Destruction.objects.filter(agency_id=person.agency_id)
            .select_related("requested_by", "approved_by", "executed_by").prefetch_related("copies__document__classified")
            .order_by("-requested_at", "-id"))


def pending_destructions(person):
    return destructions(person).filter(status=DestructionStatus.REQUESTED)


def label(person, document) -> str:
    """The title if the person may read the document; otherwise only 密件 and its 登记号."""
    if access.may_read(person, document):
        return document.title
    reg = getattr(document, "classified", None)
    return f"密件（{reg.number}）" if reg else "密件"


def scope_candidates(agency, level: str):
    """People of the agency whose clearance reaches ``level``."""
    from org.models import CLEARANCE_RANK

    ok = [c for c, r in CLEARANCE_RANK.items() if r >= CLEARANCE_RANK.get(level, 0) and c]
    return Person.objects.filter(agency=agency, is_active=True, admin_role="", clearance__in=ok).order_by("sort_order",
                                                                                                          "id")
