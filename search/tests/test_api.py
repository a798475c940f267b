"""GET /api/v1/search: the same results, counts and visibility as the page."""

from django.test import Client

from search import indexing


def _client(person):
    c = Client()
    c.force_login(person.user)
    return c


def test_api_search(office, corpus):
    indexing.reindex_all()
    r = _client(office.clerk).get("/api/v1/search", {"q": "防汛", "doc_type": "请示", "sort": "relevance"})
    assert r.status_code == 200
    body = r.json()
    assert body["total"] > 0 and body["hits"]
    assert all(h["doc_type"] == "请示" for h in body["hits"])
    assert "<mark>防汛</mark>" in body["hits"][0]["title_html"] + body["hits"][0]["snippet_html"]
    outsider = _client(office.outsider).get("/api/v1/search", {"q": "防汛"}).json()
    assert outsider["total"] == 0 and outsider["hits"] == []
    assert Client().get("/api/v1/search", {"q": "防汛"}).status_code == 401


def test_search_page(office, corpus):
    indexing.reindex_all()
    c = _client(office.clerk)
    page = c.get("/search/", {"q": "督办", "page": 2}).content.decode()
    assert "共找到" in page and "<mark>督办</mark>" in page and "上一页" in page
    assert "年" in page and "月" in page
    empty = c.get("/search/", {"q": "不存在的词语组合"}).content.decode()
    assert "没有找到符合条件的公文" in empty
    tips = c.get("/search/").content.decode()
    assert "检索提示" in tips and 'id="gw-nav-q"' in tips
