"""Reads of the drafting app for pages, prints, exports and the API alike.

The 发文登记簿 (the numbers taken, voided ones with their reason) is one read,
``issued_numbers(person, filters)``: the page, its print layout, its Excel export and the
API's ``/numbers`` all list what it returns. Who sees a number is who sees its document
(documents.access, the one rule): office staff of the agency see the numbers of its
unclassified documents, and a classified document's number and title only within its
reading scope (C07). Who may open the page at all (office staff) is the page's business.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from documents.access import visible_documents
from documents.models import IssuedNumber


@dataclass(frozen=True)
class NumberFilters:
    agency_id: int | None = None  # the agency's own 代字 only (the page: one agency's 登记簿)
    series_id: int | None = None
    year: int | None = None
    voided: bool | None = None  # True: voided only; False: valid only
    q: str = ""  # in the number or the title


def issued_numbers(person, filters: NumberFilters | None = None) -> QuerySet[IssuedNumber]:
    """The issued numbers ``person`` may see, narrowed by ``filters`` (unordered: the page
    and the API each sort for their own reader)."""
    f = filters or NumberFilters()
    qs = (IssuedNumber.objects.filter(document__in=visible_documents(person))
          .select_related("series", "document", "document__lead_unit", "allocated_by", "voided_by"))
    if f.agency_id is not None:
        qs = qs.filter(series__agency_id=f.agency_id)
    if f.series_id is not None:
        qs = qs.filter(series_id=f.series_id)
    if f.year is not None:
        qs = qs.filter(year=f.year)
    if f.voided is not None:
        qs = qs.filter(voided_at__isnull=not f.voided)
    q = (f.q or "").strip()
    if q:
        qs = qs.filter(Q(number__icontains=q) | Q(document__title__icontains=q))
    return qs


def number_years(person, agency_id: int | None = None) -> list[int]:
    """The years of the numbers ``person`` may see (newest first), for the year filter."""
    years = issued_numbers(person, NumberFilters(agency_id=agency_id)).order_by().values_list("year", flat=True)
    return sorted(set(years), reverse=True)
