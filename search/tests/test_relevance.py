"""Relevance on the committed corpus (search/tests/corpus): every query of queries.json run as
the office clerk of 市政府办; recall of the expected documents at least 95% overall. Runs on
whichever database the suite runs on (SQLite FTS5 or PostgreSQL tsvector)."""

from django.db import connection

from search import indexing
from search.services import search


def test_recall_on_the_corpus(office, corpus):
    from search.tests.conftest import load_queries

    indexing.reindex_all()
    key_of = {doc.pk: key for key, doc in corpus.items()}
    expected_total = found_total = returned_total = relevant_returned = 0
    misses = []
    for item in load_queries():
        result = search(office.clerk, item["q"], page_size=500)
        got = {key_of[h.document_id] for h in result.hits}
        assert result.total == len(result.hits), item["q"]
        expected = set(item["expected"])
        hit = expected & got
        expected_total += len(expected)
        found_total += len(hit)
        returned_total += len(got)
        relevant_returned += len(hit)
        if expected - got:
            misses.append((item["q"], sorted(expected - got)[:10], len(expected - got)))
    recall = found_total / expected_total
    precision = relevant_returned / max(returned_total, 1)
    print(f"\n[{connection.vendor}] recall {recall:.3f} precision {precision:.3f} "
          f"({found_total}/{expected_total}); misses: {misses}")
    assert len(load_queries()) >= 30
    assert recall >= 0.95, misses
    assert precision >= 0.9


def test_two_character_words_and_unit_names(office, corpus):
    indexing.reindex_all()
    for q in ("督办", "防汛", "预算", "财务处", "办公室", "批示"):
        assert search(office.clerk, q).total > 0, q
    # 财务处于… is cut 财务/处于 without the user dictionary; found either way.
    hits = search(office.clerk, "财务处", page_size=500).hits
    assert any("财务处于" in corpus_text for corpus_text in
               [h.snippet_html.replace("<mark>", "").replace("</mark>", "") for h in hits])


def test_document_number_full_and_partial(office, corpus):
    indexing.reindex_all()
    full = search(office.clerk, "示府办发〔2026〕7号")
    assert [h.doc_number for h in full.hits] == ["示府办发〔2026〕7号"]
    partial = search(office.clerk, "〔2026〕7号", page_size=100)
    assert partial.total >= 3
    assert all("〔2026〕7号" in h.doc_number for h in partial.hits)
    assert '<mark>7号</mark>' in full.hits[0].doc_number_html


def test_sort_by_relevance_puts_title_matches_first(office, corpus):
    indexing.reindex_all()
    result = search(office.clerk, "防汛", sort="relevance", page_size=10)
    assert result.total > 10
    assert all("防汛" in h.title for h in result.hits[:5])
    by_date = search(office.clerk, "防汛", page_size=500)
    dates = [h.doc_date for h in by_date.hits]
    assert dates == sorted(dates, reverse=True)


def test_filters(office, corpus):
    indexing.reindex_all()
    base = search(office.clerk, "防汛", page_size=500)
    only_requests = search(office.clerk, "防汛", filters=_f(doc_type="请示"), page_size=500)
    assert 0 < only_requests.total < base.total
    assert all(h.doc_type == "请示" for h in only_requests.hits)
    y = search(office.clerk, "", filters=_f(year=2025), page_size=500)
    assert y.total > 0 and all(h.doc_date.year == 2025 for h in y.hits)
    from datetime import date
    r = search(office.clerk, "预算", filters=_f(date_from=date(2026, 3, 1), date_to=date(2026, 6, 30)), page_size=500)
    assert all(date(2026, 3, 1) <= h.doc_date <= date(2026, 6, 30) for h in r.hits)
    out = search(office.clerk, "", filters=_f(direction="outgoing"), page_size=500)
    assert out.total > 0 and all(h.direction == "outgoing" for h in out.hits)
    fin = corpus["D001"].lead_unit
    unit = search(office.clerk, "", filters=_f(unit=fin.pk), page_size=500)
    assert unit.total > 0
    urgent = search(office.clerk, "", filters=_f(urgency="特急"), page_size=500)
    assert urgent.total > 0 and all(h.urgency == "特急" for h in urgent.hits)
    done = search(office.clerk, "", filters=_f(status="completed"))
    assert done.total == 0


def test_pagination(office, corpus):
    indexing.reindex_all()
    first = search(office.clerk, "督办", page=1, page_size=10)
    second = search(office.clerk, "督办", page=2, page_size=10)
    assert first.total == second.total > 20
    assert first.pages == (first.total + 9) // 10
    assert not {h.document_id for h in first.hits} & {h.document_id for h in second.hits}


def _f(**kw):
    from search.services import Filters

    return Filters(**kw)
