"""The search service: ``search(person, q, filters, sort, page)``.

The query is cut into terms (whitespace and punctuation separate them); every term must
be found (AND), a term by all of its bigrams (search/segment.py). Filters: 来文机关
(sender agency), unit (lead or assisting), 文种, year, status, urgency, direction, date
range. Sort: ``date`` (newest first, the default) or ``relevance``.

Who sees what — exactly what documents.access lets them see, and the count counts only
that; this module decides nothing about it:

* a person who sees every unclassified document of an agency (``documents.access.
  whole_agency``: office staff) searches those straight in the index (their agency's id
  range, not classified: no list of ids, so a query over a million documents stays fast),
  plus those of the matching classified documents that visible_documents gives them (the
  matching classified ids are checked against visible_documents by primary key);
* everyone else searches the id list of visible_documents(person) (a few hundred ids).

Both ways every row shown and counted went through documents.access (the agency branch is
the rule visible_documents applies to those people: their agency's unclassified documents).

A search only reads: it queries what is indexed and writes nothing (no refresh inside the
request, where it would wait on the database's write lock behind every other writer). The
index is kept fresh in the worker: every write through the pages or the API queues a refresh
once it commits (search/middleware.py, ``search.indexing.schedule_refresh``), and the
scheduled job runs every two minutes (search/indexing.py).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from datetime import date

from documents.access import visible_documents, whole_agency

from .backends import Branch, Query, get_backend
from .indexing import facet
from .models import SearchEntry
from .segment import highlight_words, query_terms

PAGE_SIZE = 20
MAX_PAGE = 100
SNIPPET = 120
SORTS = ("date", "relevance")


@dataclass
class Filters:
    sender: int | None = None
    unit: int | None = None
    doc_type: str = ""
    year: int | None = None
    status: str = ""
    urgency: str = ""
    direction: str = ""
    date_from: date | None = None
    date_to: date | None = None

    def facets(self) -> list[list[str]]:
        # A negative number (from a hand-made URL or API call) matches nothing: "n0"/"y0" is
        # on no row, where "n-5" would be two tokens, a phrase the index cannot search.
        out = []
        if self.sender:
            out.append([f"f{max(int(self.sender), 0)}"])
        if self.unit:
            out.append([f"n{max(int(self.unit), 0)}"])
        if self.doc_type:
            out.append([facet("t", self.doc_type)])
        if self.year:
            out.append([f"y{max(int(self.year), 0)}"])
        if self.status:
            out.append([facet("st", self.status)])
        if self.urgency:
            out.append([facet("u", "0" if self.urgency == "普通" else self.urgency)])
        if self.direction:
            out.append([facet("dr", self.direction)])
        return out

    def any(self) -> bool:
        return bool(self.facets() or self.date_from or self.date_to)


@dataclass
class Hit:
    document_id: int
    title: str
    title_html: str
    doc_number: str
    doc_number_html: str
    sender: str
    doc_type: str
    doc_date: date
    status: str
    urgency: str
    secrecy: str
    direction: str
    snippet_html: str


@dataclass
class Results:
    q: str
    hits: list[Hit] = field(default_factory=list)
    total: int = 0
    page: int = 1
    pages: int = 0
    sort: str = "date"
    capped: bool = False
    count_capped: bool = False
    backend: str = ""


def mark(text: str, words: list[str]) -> str:
    """HTML-escape text and put <mark> around every occurrence of the words."""
    if not text:
        return ""
    if not words:
        return html.escape(text)
    pattern = re.compile("|".join(re.escape(w) for w in words), re.IGNORECASE)
    out, last = [], 0
    for m in pattern.finditer(text):
        out.append(html.escape(text[last:m.start()]))
        out.append("<mark>" + html.escape(m.group(0)) + "</mark>")
        last = m.end()
    out.append(html.escape(text[last:]))
    return "".join(out)


def snippet(entry: SearchEntry, words: list[str]) -> str:
    """A piece of the body (or of the opinions) around the first match, marked."""
    for text in (entry.body, entry.opinions):
        if not text:
            continue
        flat = " ".join(text.split())
        positions = [flat.lower().find(w.lower()) for w in words]
        positions = [p for p in positions if p >= 0]
        if positions or not words:
            start = max(0, min(positions or [0]) - SNIPPET // 3)
            piece = flat[start:start + SNIPPET]
            prefix = "…" if start > 0 else ""
            suffix = "…" if start + SNIPPET < len(flat) else ""
            return html.escape(prefix) + mark(piece, words) + html.escape(suffix)
    flat = " ".join((entry.body or entry.opinions or "").split())
    return html.escape(flat[:SNIPPET]) + ("…" if len(flat) > SNIPPET else "")


CLASSIFIED_CAP = 5000


def _branches(person, backend, query: Query) -> list[Branch]:
    if person is None or getattr(person, "admin_role", "") or not person.is_active:
        return []
    visible = visible_documents(person)
    agency = whole_agency(person)
    if agency is not None:
        # The agency's unclassified documents straight from the index; of the classified
        # ones that match, only those visible_documents lets this person see (checked by
        # primary key: a handful, not the agency's whole classified register).
        # The agency is an id range (search/backends/base.py); "not classified" rather than
        # "s0": s0 is on nearly every row, s1 on a few, so the full-text index checks a
        # short list instead of a million-entry one.
        branches = [Branch(agency=agency, exclude=["s1"])]
        candidates = backend.matching_document_ids(query, Branch(agency=agency, scope=["s1"]), CLASSIFIED_CAP)
        if candidates:
            seen = list(visible.filter(pk__in=candidates).values_list("pk", flat=True))
            if seen:
                branches.append(Branch(scope=["s1"], document_ids=seen))
        return branches
    return [Branch(document_ids=list(visible.values_list("pk", flat=True)))]


def search(person, q: str = "", filters: Filters | None = None, sort: str = "date", page: int = 1,
           page_size: int = PAGE_SIZE) -> Results:
    filters = filters or Filters()
    sort = sort if sort in SORTS else "date"
    page = min(max(int(page or 1), 1), MAX_PAGE)
    q = (q or "").strip()[:200]
    results = Results(q=q, page=page, sort=sort)
    terms = query_terms(q)
    if not terms and not filters.any():
        return results
    if not terms:
        sort = results.sort = "date"  # nothing to rank by
    backend = get_backend()
    results.backend = backend.name
    query = Query(terms=terms, facets=filters.facets(), date_from=filters.date_from, date_to=filters.date_to,
                  sort=sort, offset=(page - 1) * page_size, limit=page_size)
    query.branches = _branches(person, backend, query)
    if not query.branches:
        return results
    found = backend.run(query)
    results.total, results.capped, results.count_capped = found.total, found.capped, found.count_capped
    results.pages = (found.total + page_size - 1) // page_size
    entries = {e.id: e for e in SearchEntry.objects.filter(id__in=found.ids)}
    words = highlight_words(q)
    for entry_id in found.ids:
        e = entries.get(entry_id)
        if e is None:
            continue
        results.hits.append(Hit(
            document_id=e.document_id, title=e.title, title_html=mark(e.title, words),
            doc_number=e.doc_number, doc_number_html=mark(e.doc_number, words), sender=e.sender,
            doc_type=e.doc_type, doc_date=e.doc_date, status=e.status, urgency=e.urgency,
            secrecy=e.secrecy, direction=e.direction,
            snippet_html="" if e.secrecy else snippet(e, words)))
    return results


TEXT_FILTER_CAP = 5000


@dataclass
class Matches:
    document_ids: list[int]
    truncated: bool = False  # more matched than the cap: these are the newest


def matching_documents(person, q: str, *, direction: str = "", cap: int = TEXT_FILTER_CAP) -> Matches | None:
    """The ids of the documents ``person`` may see whose title, 文号 or 来文机关 (and the other
    short fields the index keeps with them: 主办单位, 签发人, 主送) match ``q`` as the search
    box matches them — for a list's text filter (the 收文登记簿), which then filters by id
    instead of ``LIKE '%q%'`` over every row. At most ``cap``, the newest first. None when
    ``q`` holds nothing searchable (only punctuation): the caller filters as before.

    Visibility as in ``search`` (the same branches through documents.access); the caller's
    own list still goes through visible_documents, so this only narrows it. Reads only the
    index (what the worker has indexed, search/indexing.py)."""
    terms = query_terms((q or "").strip()[:200])
    if not terms:
        return None
    backend = get_backend()
    query = Query(terms=terms, facets=Filters(direction=direction).facets(), fields="meta")
    found: list[int] = []
    truncated = False
    for branch in _branches(person, backend, query):
        if branch.document_ids is not None and not branch.document_ids:
            continue
        ids = backend.matching_document_ids(query, branch, cap)
        truncated = truncated or len(ids) >= cap
        found += ids
    return Matches(document_ids=found, truncated=truncated)
