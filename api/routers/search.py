"""Full-text search (全文检索): the same service, filters and visibility as the search page
(search.services.search — results and counts only over documents visible_documents lets the
caller see). Highlights are HTML (escaped text with <mark> around the matched words)."""

from datetime import date

from ninja import Field, Query, Router, Schema

from search.services import Filters, search

from ..common import caller
from ..errors import error_responses
from ..schemas import Id, InSchema

router = Router(tags=["检索"])


class SearchQueryIn(InSchema):
    q: str = ""
    sender: Id | None = None
    unit: Id | None = None
    doc_type: str = ""
    year: int | None = Field(None, ge=1900, le=2100)
    status: str = ""
    urgency: str = ""
    direction: str = ""
    date_from: date | None = None
    date_to: date | None = None
    sort: str = "date"
    page: int = 1


class SearchHitOut(Schema):
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


class SearchResultsOut(Schema):
    q: str
    total: int
    page: int
    pages: int
    sort: str
    ranked_newest_only: bool
    total_is_lower_bound: bool
    hits: list[SearchHitOut]


@router.get("", response={200: SearchResultsOut, **error_responses(401, 422)}, summary="全文检索")
def search_documents(request, params: Query[SearchQueryIn]):
    f = Filters(sender=params.sender, unit=params.unit, doc_type=params.doc_type, year=params.year,
                status=params.status, urgency=params.urgency, direction=params.direction,
                date_from=params.date_from, date_to=params.date_to)
    r = search(caller(request), params.q, f, params.sort, params.page)
    return {"q": r.q, "total": r.total, "page": r.page, "pages": r.pages, "sort": r.sort,
            "ranked_newest_only": r.capped,
            "total_is_lower_bound": r.count_capped, "hits": [h.__dict__ for h in r.hits]}
