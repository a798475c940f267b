"""The interface of a search backend and the pieces every backend shares.

An index row's id is its *order key*: the agency (16 bits), the document date (days since
1970, 16 bits) and the document id (31 bits). An agency's documents are one id range, in
date order; both full-text structures keep their postings in id order, so a clerk's query
reads only their agency's slice of each posting list (FTS5 and PostgreSQL seek to a rowid),
"newest first" walks it backwards and stops after one page — no sort over the matches,
however many there are — and a date range is a narrower id range.

Everything the search filters on besides the date (agency, 密级 class, year, 文种, status,
urgency, direction, units, sender) is also written as *scope tokens* (``a12 s0 y2026 t函 …``)
into the full-text structure, so filtering is an intersection of posting lists inside the
full-text index (PostgreSQL also intersects with the agency's lexeme ``_a12``) and the
count is the size of that intersection: no row of documents is read to filter.

A query has one or more *branches* whose results are disjoint and merged: an office
clerk's unclassified documents (their agency's id range, NOT ``s1``), and the classified
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


AGENCY_SHIFT, DAY_SHIFT = 47, 31  # agency: 16 bits, day: 16 bits (to 2149), document: 31 bits


def order_key(agency_id: int, doc_date: date, document_id: int) -> int:
    return (int(agency_id) << AGENCY_SHIFT) + ((doc_date - EPOCH).days << DAY_SHIFT) + int(document_id)


def key_range(agency_id: int, date_from: date | None, date_to: date | None) -> tuple[int, int]:
    """The ids of an agency's documents dated within [date_from, date_to]. Never outside the
    agency's own range: a date before 1970 or after 2149 (any date a client sends) would
    otherwise reach into the neighbouring agencies' documents."""
    first, last = order_key(agency_id, EPOCH, 0), ((int(agency_id) + 1) << AGENCY_SHIFT) - 1
    lo = order_key(agency_id, date_from, 0) if date_from else first
    hi = (order_key(agency_id, date_to, 0) + (1 << DAY_SHIFT) - 1) if date_to else last
    return max(lo, first), min(hi, last)


@dataclass
class Branch:
    scope: list[str] = field(default_factory=list)  # required scope tokens
    agency: int | None = None  # all of the branch lies in this agency's id range
    document_ids: list[int] | None = None  # None: no id restriction
    exclude: list[str] = field(default_factory=list)  # scope tokens that must be absent


@dataclass
class Query:
    terms: list[list[str]]  # each term: tokens that must all be present
    facets: list[list[str]] = field(default_factory=list)  # each: one of these scope tokens
    branches: list[Branch] = field(default_factory=list)
    date_from: date | None = None
    date_to: date | None = None
    sort: str = "date"  # "date" or "relevance"
    offset: int = 0
    limit: int = 20
    fields: str = "all"  # "all" the text; "meta": title, 文号, 来文机关 … only (the registry's filter)


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
