"""Reads of the sealing app: the seal registry, the seal ledger (用印登记簿) with its
filters, and the seals a keeper may use on a document."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from org.models import PostKind
from org.selectors import persons_with_post

from . import access
from .models import Seal, SealUse


@dataclass
class LedgerFilter:
    seal_id: int | None = None
    year: int | None = None

    @classmethod
    def from_params(cls, params) -> LedgerFilter:
        def number(name, low, high):
            try:
                value = int(params.get(name) or 0)
            except (TypeError, ValueError):
                return None
            return value if low <= value <= high else None

        return cls(seal_id=number("seal", 1, 2**63 - 1), year=number("year", 1949, 9999))


def registry(person) -> QuerySet[Seal]:
    """Every seal, for the security administrator; a ledger reader sees their agency's."""
    qs = Seal.objects.select_related("agency", "keeper")
    if access.can_manage_seals(person):
        return qs.order_by("agency_id", "-is_active", "id")
    if access.can_read_ledger(person):
        return qs.filter(agency_id=person.agency_id).order_by("-is_active", "id")
    return qs.none()


def _agency_ledger(person) -> Q:
    """The entries of the agency's ledger a ledger reader sees: every one on an unclassified
    document, and on a classified one only when documents.access lets them see it (C07)."""
    from documents.access import seen_by_all, visible_documents

    return Q(seal__agency_id=person.agency_id) & (seen_by_all("document")
                                                  | Q(document__in=visible_documents(person)))


def ledger(person, f: LedgerFilter | None = None) -> QuerySet[SealUse]:
    """The seal ledger of the person's agency (newest first), filtered by seal and year."""
    if not access.can_read_ledger(person):
        return SealUse.objects.none()
    qs = SealUse.objects.filter(_agency_ledger(person)).select_related(
        "seal", "used_by", "document", "voiding", "voiding__voided_by")
    f = f or LedgerFilter()
    if f.seal_id:
        qs = qs.filter(seal_id=f.seal_id)
    if f.year:
        qs = qs.filter(used_at__year=f.year)
    return qs.order_by("used_at", "id")


def years(person) -> list[int]:
    if not access.can_read_ledger(person):
        return []
    dates = SealUse.objects.filter(seal__agency_id=person.agency_id).dates("used_at", "year", order="DESC")
    return [d.year for d in dates]


def visible_uses(person) -> QuerySet[SealUse]:
    """Ledger entries the person may look at: their agency's ledger if they read it, and the
    entries of documents they may see."""
    from documents.access import visible_documents

    if person is None or person.admin_role:
        return SealUse.objects.none()
    condition = Q(document__in=visible_documents(person))
    if access.can_read_ledger(person):
        condition |= _agency_ledger(person)
    return SealUse.objects.filter(condition).select_related("seal", "used_by", "document")


def usable_seals(person, document) -> QuerySet[Seal]:
    """The active seals of the document's agency the person keeps."""
    return Seal.objects.filter(agency_id=document.agency_id, keeper=person, is_active=True).order_by("id")


def keepers(agency) -> QuerySet:
    return persons_with_post(agency, PostKind.SEAL_KEEPER).filter(is_active=True, admin_role="")


def uses_of(document) -> QuerySet[SealUse]:
    return SealUse.objects.filter(document=document).select_related(
        "seal", "used_by", "final_version", "voiding", "voiding__voided_by").order_by("-used_at", "-id")
