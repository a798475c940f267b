"""An empty search with only a date range (trust issue, defect 6: no input may produce a 500),
and dates at the ends of what a client can send never reaching into another agency's
documents (the index's id ranges, search/backends/base.py)."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from api.services import issue_token
from documents.models import Document
from search import indexing
from search.backends.base import key_range, order_key
from search.services import Filters, search

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _doc(agency, title, day):
    return Document.objects.create(agency=agency, title=title, doc_type="通知", slip_kind="intake",
                                   received_at=datetime.combine(day, time(9), tzinfo=SHANGHAI))


@pytest.fixture
def docs(office):
    o = office
    found = {
        "new": _doc(o.gov, "关于开展安全生产检查的通知", date(2026, 3, 2)),
        "old": _doc(o.gov, "关于开展安全教育培训的通知", date(2025, 6, 1)),
        # Another agency's documents, dated so that an id range running past the clerk's
        # agency would reach them (the agency before and the agency after in id order).
        "before": _doc(o.province, "关于开展安全隐患排查的通知", date(2026, 3, 2)),
        "after": _doc(o.dept, "关于开展安全检查的通知", date(2026, 3, 2)),
    }
    indexing.reindex_all()
    return found


def _ids(results):
    return {h.document_id for h in results.hits}


def test_office_staff_search_by_date_alone(office, docs):
    # Office staff search their agency's id range straight in the index (not a list of ids):
    # with no term that branch had nothing for FTS5's NOT to take away from (a 500).
    r = search(office.clerk, "", Filters(date_from=date(2026, 1, 1)), page_size=100)
    assert _ids(r) == {docs["new"].pk} and r.total == 1
    r = search(office.clerk, "", Filters(date_to=date(2025, 12, 31)), page_size=100)
    assert _ids(r) == {docs["old"].pk}
    r = search(office.clerk, "", Filters(date_from=date(2025, 1, 1), date_to=date(2026, 12, 31)), page_size=100)
    assert _ids(r) == {docs["new"].pk, docs["old"].pk} and r.total == 2


def test_the_page_and_the_api_answer_an_empty_search_with_a_date(office, docs):
    client = Client()
    client.force_login(office.clerk.user)
    page = client.get("/search/", {"q": "", "from": "2026-01-01"})
    assert page.status_code == 200
    assert "关于开展安全生产检查的通知" in page.content.decode()
    assert "关于开展安全教育培训的通知" not in page.content.decode()
    token = issue_token(actor=office.clerk, name="测试").clear
    api = client.get("/api/v1/search", {"q": "", "date_from": "2026-01-01"},
                     headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 200, api.content
    assert [h["document_id"] for h in api.json()["hits"]] == [docs["new"].pk]


@pytest.mark.parametrize("filters", [
    Filters(date_to=date(9999, 12, 31)), Filters(date_from=date(1, 1, 1)),
    Filters(date_from=date(1, 1, 1), date_to=date(9999, 12, 31)), Filters(date_from=date(1900, 1, 1)),
    Filters(date_to=date(2300, 1, 1)),
], ids=["to-9999", "from-0001", "both", "from-1900", "to-2300"])
@pytest.mark.parametrize("q", ["", "安全"])
def test_far_dates_stay_inside_the_agency(office, docs, filters, q):
    r = search(office.clerk, q, filters, page_size=100)
    assert _ids(r) == {docs["new"].pk, docs["old"].pk}, "another agency's documents were found"
    assert r.total == 2


def test_key_range_never_leaves_the_agency():
    agency = 7
    first, last = order_key(agency, date(1970, 1, 1), 0), order_key(agency + 1, date(1970, 1, 1), 0) - 1
    for date_from, date_to in [(None, None), (date(1, 1, 1), None), (None, date(9999, 12, 31)),
                               (date(1, 1, 1), date(9999, 12, 31)), (date(2026, 1, 1), date(2026, 12, 31))]:
        lo, hi = key_range(agency, date_from, date_to)
        assert first <= lo and hi <= last, (date_from, date_to)
    assert key_range(agency, date(2026, 1, 1), date(2026, 1, 1))[0] == order_key(agency, date(2026, 1, 1), 0)


@pytest.mark.parametrize("params", [{"unit": "-5"}, {"sender": "-13928053695459"}, {"year": "-2026"},
                                    {"q": "安全", "unit": "-1", "from": "5000-03-20"}])
def test_negative_numbers_in_a_hand_made_search_url_find_nothing(office, docs, params):
    # "n-5" is two index tokens, a phrase FTS5 cannot search (a 500 before).
    client = Client()
    client.force_login(office.clerk.user)
    page = client.get("/search/", params)
    assert page.status_code == 200
    assert "关于开展安全" not in page.content.decode()


def test_the_api_refuses_negative_ids_and_years(office, docs):
    client = Client()
    token = issue_token(actor=office.clerk, name="测试").clear
    for params in ({"unit": -5}, {"sender": -13928053695459}, {"year": -2026}, {"year": 99999}):
        response = client.get("/api/v1/search", params, headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 422, (params, response.content)
