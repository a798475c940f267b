"""Permissions, highlighting, keeping the index fresh, text extraction (DOCX, PDF, OFD)."""

import io
import zipfile

import pytest
from django.test import Client
from django.utils import timezone

from documents.access import visible_documents
from documents.models import Document
from flow.models import Opinion
from search import indexing
from search.extract import docx_text, extract, ofd_text, pdf_text
from search.models import SearchEntry
from search.services import mark, search


def make_doc(o, title, **kw):
    kw.setdefault("doc_type", "请示")
    return Document.objects.create(agency=o.gov, title=title, **kw)


@pytest.mark.django_db
def test_results_and_counts_only_visible_documents(office, corpus):
    o = office
    mine = [make_doc(o, f"关于防汛值守安排的请示（{i}）", lead_unit=o.div_a) for i in range(3)]
    secret = make_doc(o, "关于防汛秘密部署的通知", secrecy="机密", copy_number="000001", registered_by=o.director)
    indexing.reindex_all()
    clerk = search(o.clerk, "防汛", page_size=500)
    clerk_visible = set(visible_documents(o.clerk).values_list("pk", flat=True))
    assert {h.document_id for h in clerk.hits} <= clerk_visible
    assert secret.pk not in {h.document_id for h in clerk.hits}  # not in the clerk's scope
    assert clerk.total == len(clerk.hits)
    # 处长 of 综合一处 sees the documents led by the division (and the corpus ones it leads).
    head = search(o.head_a, "防汛", page_size=500)
    visible = set(visible_documents(o.head_a).values_list("pk", flat=True))
    assert {d.pk for d in mine} <= {h.document_id for h in head.hits} <= visible
    assert head.total == len(head.hits)
    assert search(o.head_a, "秘密部署").total == 0
    # Another agency, the administrators: nothing, and a count of nothing.
    for p in (o.outsider, o.dept_clerk, o.sysadmin, o.secadmin, o.auditor):
        r = search(p, "防汛")
        assert r.total == 0 and r.hits == []
    # Its registrar (cleared office staff) sees the classified one, without any body snippet.
    o.director.clearance = "机密"
    o.director.save()
    r = search(o.director, "秘密部署")
    assert [h.document_id for h in r.hits] == [secret.pk] and r.total == 1
    assert r.hits[0].snippet_html == ""
    assert SearchEntry.objects.get(document=secret).body == ""


@pytest.mark.django_db
def test_title_with_markup_is_escaped(office):
    doc = make_doc(office, "关于<script>alert(1)</script>防汛演练的请示", body_blocks=[
        {"level": 0, "text": "演练方案见附件 <b>不得</b> & 防汛物资清单。"}])
    indexing.reindex_all()
    r = search(office.clerk, "防汛")
    hit = next(h for h in r.hits if h.document_id == doc.pk)
    assert "<script>" not in hit.title_html
    assert hit.title_html == "关于&lt;script&gt;alert(1)&lt;/script&gt;<mark>防汛</mark>演练的请示"
    assert "&lt;b&gt;不得&lt;/b&gt; &amp; <mark>防汛</mark>物资" in hit.snippet_html
    assert mark("a<b", ["<"]) == "a<mark>&lt;</mark>b"
    client = Client()
    client.force_login(office.clerk.user)
    page = client.get("/search/", {"q": "防汛"}).content.decode()
    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;alert(1)" in page


@pytest.mark.django_db
def test_refresh_picks_up_new_documents_and_opinions(office):
    o = office
    doc = make_doc(o, "关于春耕物资调度的请示")
    assert search(o.clerk, "春耕").total == 0  # a search reads only what is indexed
    assert indexing.refresh(full=False) == 1  # (the worker's job after a write: test_read_only.py)
    assert search(o.clerk, "春耕").total == 1
    assert search(o.clerk, "化肥储备").total == 0
    Opinion.objects.create(document=doc, author=o.leader_a, node_kind="instruct", node_name="批示",
                           text="请农业部门做好化肥储备。")
    indexing.refresh(full=False)
    r = search(o.clerk, "化肥储备")
    assert r.total == 1 and "周副市长" in r.hits[0].snippet_html
    # Nothing changed: refresh is a no-op.
    assert indexing.refresh(full=False) == 0
    # A change without history or audit: the scheduled (full) refresh finds it by updated_at.
    Document.objects.filter(pk=doc.pk).update(title="关于春耕化肥调度的请示", updated_at=timezone.now())
    assert indexing.refresh(full=True) >= 1
    assert search(o.clerk, "化肥调度").total == 1
    from search.tasks import refresh_index
    assert "检索索引已更新" in refresh_index()


@pytest.mark.django_db
def test_reindex_command(office, corpus):
    from django.core.management import call_command

    SearchEntry.objects.all().delete()
    call_command("reindex_search", verbosity=0)
    assert SearchEntry.objects.count() == Document.objects.count()
    assert search(office.clerk, "督办").total > 0


def _ofd(pages):
    buf = io.BytesIO()
    ns = "http://www.ofdspec.org/2016"
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("OFD.xml", f'<ofd:OFD xmlns:ofd="{ns}"><ofd:DocBody><ofd:DocRoot>Doc_0/Document.xml'
                              '</ofd:DocRoot></ofd:DocBody></ofd:OFD>')
        z.writestr("Doc_0/Document.xml", f'<ofd:Document xmlns:ofd="{ns}"/>')
        for i, lines in enumerate(pages):
            objs = "".join(f'<ofd:TextObject ID="{i}{j}"><ofd:TextCode X="0" Y="{j * 10}">{t}</ofd:TextCode>'
                           '</ofd:TextObject>' for j, t in enumerate(lines))
            z.writestr(f"Doc_0/Pages/Page_{i}/Content.xml",
                       f'<ofd:Page xmlns:ofd="{ns}"><ofd:Content><ofd:Layer ID="1">{objs}</ofd:Layer>'
                       '</ofd:Content></ofd:Page>')
    return buf.getvalue()


def test_ofd_text_reads_every_page_in_order():
    data = _ofd([["示范市人民政府办公室文件", "关于做好防汛工作的通知"]] + [[f"第{i}页"] for i in range(1, 12)])
    text = ofd_text(data)
    assert text.startswith("示范市人民政府办公室文件\n关于做好防汛工作的通知\n第1页\n第2页")
    assert text.endswith("第10页\n第11页")  # Page_10 after Page_9, not after Page_1
    assert extract(data, "x.ofd") == text


def test_docx_text():
    import docx

    d = docx.Document()
    d.add_paragraph("关于做好防汛工作的通知")
    d.add_paragraph("各县区人民政府：财务处于月底前报送。")
    buf = io.BytesIO()
    d.save(buf)
    assert "财务处于月底前报送" in docx_text(buf.getvalue())
    assert extract(buf.getvalue(), "a.docx").startswith("关于做好防汛工作的通知")


def test_pdf_text():
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    c.setFont("STSong-Light", 14)
    c.drawString(72, 750, "关于做好防汛工作的通知")
    c.showPage()
    c.setFont("STSong-Light", 14)
    c.drawString(72, 750, "财务处于月底前报送预算")
    c.save()
    text = pdf_text(buf.getvalue())
    assert "关于做好防汛工作的通知" in text and "财务处于月底前报送预算" in text
    assert extract(buf.getvalue()) == text
    assert extract(b"not a file") == ""


@pytest.mark.django_db
def test_filters_only_for_someone_outside_the_office(office, corpus):
    from datetime import date

    from search.services import Filters

    o = office
    make_doc(o, "关于值守安排的请示", lead_unit=o.div_a, received_at=timezone.now())
    indexing.reindex_all()
    visible = set(visible_documents(o.head_a).values_list("pk", flat=True))
    r = search(o.head_a, "", Filters(date_from=date(2000, 1, 1)), sort="relevance", page_size=500)
    assert r.total == len(visible) and {h.document_id for h in r.hits} == visible
    assert search(o.outsider, "", Filters(date_from=date(2000, 1, 1))).total == 0


@pytest.mark.django_db
def test_postgres_date_windows_give_the_same_pages(office, corpus, monkeypatch):
    """PostgreSQL probes date windows for the newest matches (search/backends/postgres.py):
    the pages, counts and the ranked candidates are those of one query over the whole range."""
    from django.db import connection

    from search.backends import postgres

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL backend")
    indexing.reindex_all()
    monkeypatch.setattr(postgres, "RANK_CANDIDATES", 10)  # the cap matters on 240 documents
    cases = [(q, sort, page) for q in ("工作", "通知", "防汛", "财务处", "督办")
             for sort in ("date", "relevance") for page in (1, 2)]

    def run():
        out = []
        for q, sort, page in cases:
            r = search(office.clerk, q, sort=sort, page=page, page_size=5)
            out.append(([h.document_id for h in r.hits], r.total, r.capped))
        return out

    monkeypatch.setattr(postgres, "WINDOW_ABOVE", 10**9)
    whole = run()
    monkeypatch.setattr(postgres, "WINDOW_ABOVE", 0)
    monkeypatch.setattr(postgres, "FIRST_WINDOW", 3)
    assert run() == whole
    assert any(hits for hits, _, _ in whole) and any(capped for _, _, capped in whole)


@pytest.mark.django_db
def test_sqlite_plans_for_few_and_many_visible_documents_find_the_same(office, corpus, monkeypatch):
    """Past ROWID_LOOKUPS visible documents the backend scans a term's matches (+rowid)
    instead of looking each visible row up: the same hits and counts either way."""
    from django.db import connection

    from search.backends import sqlite as backend

    if connection.vendor != "sqlite":
        pytest.skip("the SQLite backend's two plans")
    o = office
    for i in range(4):
        make_doc(o, f"关于防汛值守安排的请示（{i}）", lead_unit=o.div_a)
    indexing.reindex_all()
    runs = []
    for limit in (10_000, 0):  # row-by-row lookups, then the scan of the matches
        monkeypatch.setattr(backend, "ROWID_LOOKUPS", limit)
        r = search(o.head_a, "防汛", page_size=500)
        runs.append(([h.document_id for h in r.hits], r.total))
    assert runs[0] == runs[1] and runs[0][1] >= 4
