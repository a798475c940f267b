"""A search only reads (issue 12): no INSERT, UPDATE or DELETE in a search request; the
index is refreshed in the worker after a write commits (search/middleware.py,
search.indexing.schedule_refresh), debounced, and what a POST registered is then found."""

import re

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_q.models import OrmQ

from documents.models import Document
from search import indexing

pytestmark = pytest.mark.django_db

MIDDLEWARE = "search.middleware.RefreshSearchAfterWriteMiddleware"
WRITES = re.compile(r"^\s*(INSERT|UPDATE|DELETE|REPLACE)\b", re.IGNORECASE)


@pytest.fixture(autouse=True)
def _no_pending_refresh():
    # The debounce key lives in the process's cache: no test inherits another's.
    indexing.cache.delete(indexing.REFRESH_PENDING)
    yield
    indexing.cache.delete(indexing.REFRESH_PENDING)


@pytest.fixture
def worker_in_process(monkeypatch, settings):
    """The worker's queue run in the test process (django-q2's sync mode), and the
    middleware installed (whether or not the settings list it yet)."""
    from django_q.conf import Conf

    monkeypatch.setattr(Conf, "SYNC", True)
    if MIDDLEWARE not in settings.MIDDLEWARE:
        settings.MIDDLEWARE = [*settings.MIDDLEWARE, MIDDLEWARE]


def _client(person):
    c = Client()
    c.force_login(person.user)
    return c


def writes(ctx) -> list[str]:
    return [q["sql"] for q in ctx.captured_queries if WRITES.match(q["sql"])]


def test_a_search_request_writes_nothing(office):
    o = office
    Document.objects.create(agency=o.gov, title="关于汛前水库巡查的通知", doc_type="通知")
    page, api = _client(o.clerk), _client(o.clerk)
    page.get("/")  # the session settles before we count
    api.get("/api/v1/search", {"q": "通知"})
    for client, url in ((page, "/search/"), (api, "/api/v1/search")):
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url, {"q": "水库巡查", "sort": "relevance"})
        assert response.status_code == 200
        assert writes(ctx) == [], url
    # Not indexed yet, so not found: the request read the index and did not refresh it.
    assert "关于汛前水库巡查的通知" not in page.get("/search/", {"q": "水库巡查"}).content.decode()
    assert indexing.refresh(full=False) == 1
    assert "<mark>水库巡查</mark>" in page.get("/search/", {"q": "水库巡查"}).content.decode()


def test_a_document_registered_by_a_post_is_found_afterwards(office, worker_in_process,
                                                            django_capture_on_commit_callbacks):
    o = office
    c = _client(o.clerk)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        r = c.post("/documents/new/", {
            "slip_kind": "relay", "doc_type": "通知", "title": "关于汛前水库巡查的通知",
            "sender": o.province.pk, "doc_number": "示省政办〔2026〕31号", "urgency": "加急", "copies": 1,
        })
    assert r.status_code == 302 and Document.objects.filter(title="关于汛前水库巡查的通知").exists()
    assert callbacks  # the refresh was queued on commit, and ran (the worker, here in process)
    page = c.get("/search/", {"q": "水库巡查"}).content.decode()
    assert "关于汛前<mark>水库巡查</mark>的通知" in page
    assert "共找到 <strong>1</strong> 件" in page
    assert "索引更新于" in page
    # The API answers the same.
    assert c.get("/api/v1/search", {"q": "水库巡查"}).json()["total"] == 1


def test_a_refused_or_safe_request_queues_nothing(office, settings, django_capture_on_commit_callbacks):
    if MIDDLEWARE not in settings.MIDDLEWARE:
        settings.MIDDLEWARE = [*settings.MIDDLEWARE, MIDDLEWARE]
    c = _client(office.handler_a)
    with django_capture_on_commit_callbacks() as callbacks:
        assert c.get("/search/", {"q": "通知"}).status_code == 200
        refused = c.post("/api/v1/documents", {"title": "关于测试的通知"}, content_type="application/json")
        assert refused.status_code >= 400
    assert callbacks == []


def test_refreshes_are_debounced(office):
    # The queue of the ORM broker (no worker runs here): one refresh waits, however many writes.
    before = OrmQ.objects.count()
    assert indexing.schedule_refresh() is True
    assert indexing.schedule_refresh() is False
    assert indexing.schedule_refresh() is False
    assert OrmQ.objects.count() == before + 1
    # The worker takes the key away first: the next write queues again.
    Document.objects.create(agency=office.gov, title="关于汛前水库巡查的通知", doc_type="通知")
    assert indexing.refresh_queued(0) == 1
    assert indexing.schedule_refresh() is True
    assert OrmQ.objects.count() == before + 2


def test_a_worker_without_the_shared_cache_refreshes_again_at_the_end_of_the_window(office, monkeypatch):
    """One machine without Redis: the worker cannot see (nor delete) the web process's key, so
    a write made while the key still held back its refresh is caught by a second pass."""
    import time

    written = []

    def write_while_waiting(seconds):
        assert 0 < seconds <= indexing.REFRESH_WINDOW + 0.05
        written.append(Document.objects.create(agency=office.gov, title="关于汛前水库巡查的通知", doc_type="通知"))

    monkeypatch.setattr(indexing.time, "sleep", write_while_waiting)
    assert indexing.refresh_queued(time.time()) == 1  # nothing before, the late write after
    assert written and indexing.refresh(full=False) == 0
    # A task taken after its window: one pass.
    monkeypatch.setattr(indexing.time, "sleep", lambda s: pytest.fail("no wait after the window"))
    assert indexing.refresh_queued(time.time() - 60) == 0


def test_the_refresh_middleware_is_installed():
    """Without it in the settings, searches would wait up to two minutes for the scheduled job."""
    assert MIDDLEWARE in django_settings.MIDDLEWARE
