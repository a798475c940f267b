"""The 收文登记簿 at scale (issue 12): the text filter goes through the search index (no
LIKE over every row), the count stops at a cap ("1000+ 件") and pages on without an exact
total, and nothing invisible is shown or counted."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from documents.access import visible_documents
from documents.models import Document
from incoming.services import IncomingData, register_incoming
from search import indexing
from web.views import registry as registry_views

pytestmark = pytest.mark.django_db


def register(o, title, **kw):
    return register_incoming(actor=o.clerk, agency=o.gov, data=IncomingData(
        title=title, doc_type="通知", sender_id=o.province.pk, **kw))


def shown(response) -> str:
    return response.content.decode()


@pytest.fixture
def ledger(office):
    o = office
    docs = {
        "flood": register(o, "关于做好汛前水库巡查工作的通知", doc_number="示省政办〔2026〕41号"),
        "fire": register(o, "关于加强秋季森林防火工作的通知", doc_number="示省政办〔2026〕42号"),
        "roads": register(o, "关于报送道路安全整治情况的通知", doc_number="示省水利〔2026〕7号"),
    }
    # A classified document with the same words, registered (by its 密件 register) in the same agency.
    docs["secret"] = Document.objects.create(
        agency=o.gov, direction="incoming", title="关于汛前水库巡查安保部署的通知", doc_type="通知",
        secrecy="机密", copy_number="000001", registered_by=o.director, registry_year=2026, registry_seq=900)
    indexing.refresh(full=False)  # what the worker does after these writes
    return docs


def test_text_filter_finds_by_title_word_number_and_sender(office, login, ledger):
    c = login(office.clerk)
    page = shown(c.get("/registry/", {"q": "水库巡查"}))
    assert ledger["flood"].title in page
    assert ledger["fire"].title not in page and ledger["roads"].title not in page
    assert "共 1 件" in page
    assert ledger["fire"].title in shown(c.get("/registry/", {"q": "森林 防火"}))
    by_number = shown(c.get("/registry/", {"q": "〔2026〕42号"}))
    assert ledger["fire"].title in by_number and ledger["flood"].title not in by_number
    by_sender = shown(c.get("/registry/", {"q": office.province.name}))
    assert all(ledger[k].title in by_sender for k in ("flood", "fire", "roads"))
    # The other filters still apply on top; the export and the print agree with the page.
    assert ledger["flood"].title not in shown(c.get("/registry/", {"q": "水库巡查", "status": "completed"}))
    assert ledger["flood"].title in shown(c.get("/registry/print/", {"q": "水库巡查"}))
    assert ledger["fire"].title not in shown(c.get("/registry/print/", {"q": "水库巡查"}))


def test_text_filter_reads_the_index_not_like_over_the_documents(office, login, ledger):
    c = login(office.clerk)
    with CaptureQueriesContext(connection) as ctx:
        c.get("/registry/", {"q": "水库巡查"})
    documents = [q["sql"] for q in ctx.captured_queries if '"documents_document"' in q["sql"]]
    assert documents and not any("LIKE" in sql.upper() for sql in documents)
    assert any("search_fts" in q["sql"] or "tsv" in q["sql"] for q in ctx.captured_queries)


def test_nothing_invisible_is_shown(office, login, ledger):
    o = office
    # The clerk: not the classified one (not in his scope), however well it matches.
    page = shown(login(o.clerk).get("/registry/", {"q": "水库巡查"}))
    assert ledger["secret"].title not in page and "共 1 件" in page
    # 综合一处's head sees only what his division leads: the fire one once it leads it.
    Document.objects.filter(pk=ledger["fire"].pk).update(lead_unit=o.div_a)
    indexing.reindex_all()
    head = login(o.head_a)
    visible = set(visible_documents(o.head_a).values_list("title", flat=True))
    assert ledger["fire"].title in visible and ledger["flood"].title not in visible
    assert ledger["flood"].title not in shown(head.get("/registry/", {"q": "水库巡查"}))
    assert ledger["fire"].title in shown(head.get("/registry/", {"q": "防火"}))
    # Another agency: nothing at all.
    assert "共 " not in shown(login(o.outsider).get("/registry/", {"q": "通知"}))


def test_count_is_capped_and_pages_go_on(office, login, ledger, monkeypatch):
    o = office
    for i in range(3):
        register(o, f"关于第{i}批防汛物资调拨的通知")
    c = login(o.clerk)
    # Small data: the exact count, as before (6 visible: not the classified one).
    page = shown(c.get("/registry/"))
    assert "共 6 件" in page
    monkeypatch.setattr(registry_views, "COUNT_CAP", 3)
    monkeypatch.setattr(registry_views, "PAGE_SIZE", 2)
    with CaptureQueriesContext(connection) as ctx:
        first = shown(c.get("/registry/"))
    assert "共 3+ 件" in first and "下一页" in first and "末页" not in first and "/ " not in first
    counts = [q["sql"] for q in ctx.captured_queries
              if re.search(r"COUNT\(\*\)", q["sql"], re.IGNORECASE) and '"documents_document"' in q["sql"]]
    assert counts and all("LIMIT 4" in sql for sql in counts)  # never a count of the whole register
    assert "共 3+ 件" in shown(c.get("/registry/", {"page": 2}))
    last = shown(c.get("/registry/", {"page": 3}))
    assert "共 6 件" in last and "第 3 / 3 页" in last and "下一页" not in last
    titles = set()
    for n in (1, 2, 3):
        titles |= set(re.findall(r"关于[^<]*的通知", shown(c.get("/registry/", {"page": n}))))
    assert ledger["secret"].title not in titles
    assert {ledger[k].title for k in ("flood", "fire", "roads")} <= titles
