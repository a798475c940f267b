"""The interface of a search backend and the pieces every backend shares.

An index row's id is its *order key*: ``days since 1970-01-01 of the document date``
shifted left 32 bits, plus the document id. Ordering by id therefore orders by date (then
by document), both full-text structures keep their postings in id order, and "newest
first" walks them backwards and stops after one page — no sort over the matches, however
many there are. A date range is an id range.

Everything the search filters on besides the date (agency, 密级 class, year, 文种, status,
urgency, direction, units, sender) is also written as *scope tokens* (``a12 s0 y2026 t函 …``)
into the full-text structure, so a clerk's query over a whole agency is one intersection
of posting lists inside the full-text index, and the count is the size of that
intersection: no row of documents is read to filter.

A query has one or more *branches* whose results are disjoint and merged: an office
clerk's unclassified documents (scope tokens ``a<agency> s0``), and the classified
documents visible_documents lets them see (a short list of ids); anyone else has one
branch, the id list of their visible documents.

Sorting by relevance over a very common term (100,000+ matches) would rank every match;
instead the backend ranks only the ``RANK_CANDIDATES`` newest matches (bm25 / ts_rank)
and says so (``capped``), which keeps a query under the latency target whatever it is.
Likewise the count is exact up to ``COUNT_CAP`` matches and shown as "more than 10,000"
beyond (``count_capped``): counting 300,000 matches would read every one of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

EPOCH = date(1970, 1, 1)
RANK_CANDIDATES = 500
COUNT_CAP = 10_000


def order_key(doc_date: date, document_id: int) -> int:
    return ((doc_date - EPOCH).days << 32) + int(document_id)


def key_range(date_from: date | None, date_to: date | None) -> tuple[int | None, int | None]:
    lo = order_key(date_from, 0) if date_from else None
    hi = order_key(date_to, 0) + (1 << 32) - 1 if date_to else None
    return lo, hi


@dataclass
class Branch:
    scope: list[str] = field(default_factory=list)  # required scope tokens
    document_ids: list[int] | None = None  # None: no id restriction
    exclude: list[str] = field(default_factory=list)  # scope tokens that must be absent


@dataclass
class Query:
    terms: list[list[str]]  # each term: tokens that must all be present
    facets: list[list[str]] = field(default_factory=list)  # each: one of these scope tokens
    branches: list[Branch] = field(default_factory=list)
    key_from: int | None = None
    key_to: int | None = None
    sort: str = "date"  # "date" or "relevance"
    offset: int = 0
    limit: int = 20


@dataclass
class Result:
    ids: list[int]  # SearchEntry ids of the page, in order
    total: int
    capped: bool = False  # relevance ranked only the newest RANK_CANDIDATES matches
    count_capped: bool = False  # total is COUNT_CAP: there are more


class Backend:
    name = "base"

    def branch_page(self, query: Query, branch: Branch, n: int) -> tuple[list[tuple[float, int]], int, bool]:
        """The first n (score, id) of a branch in query order (score: lower is better), its
        count, and whether relevance was capped."""
        raise NotImplementedError

    def matching_document_ids(self, query: Query, branch: Branch, cap: int) -> list[int]:
        """The document ids of up to ``cap`` newest matches of a branch (used to check the
        few matching classified documents against visible_documents before counting them)."""
        raise NotImplementedError

    def run(self, query: Query) -> Result:
        n = query.offset + query.limit
        merged, total, capped = [], 0, False
        for branch in query.branches:
            if branch.document_ids is not None and not branch.document_ids:
                continue
            rows, count, cap = self.branch_page(query, branch, n)
            merged += rows
            total += count
            capped = capped or cap
        merged.sort()
        return Result(ids=[i for _, i in merged[query.offset:n]], total=min(total, COUNT_CAP), capped=capped,
                      count_capped=total >= COUNT_CAP)
