"""The error book through the API (/api/v1/errorbook, and the category that /tasks/…/return
and /documents/…/reject now require): the scope of the page, refusals that write nothing."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client

from api.tests.helpers import ApiClient, changed_tables, counts, has_chinese, snapshot
from flow import services as flow
from supervision.errorbook import services as errorbook
from supervision.models import ErrorRecord
from tests.helpers import open_task

from .errorbook_helpers import activation, at_approve, at_propose, registered, supervisor

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True)
def _a_wednesday():
    with time_machine.travel(datetime(2026, 3, 11, 10, 0, tzinfo=SHANGHAI), tick=True):
        yield


@pytest.fixture
def api(db) -> ApiClient:
    return ApiClient(Client())


def _no_change(api, people):
    for person in people:
        if person is not None:
            api.token(person)
    return snapshot(), counts(), ErrorRecord.objects.count()


def _unchanged(before):
    tables, events, records = before
    assert not changed_tables(tables, snapshot()) and counts() == events and ErrorRecord.objects.count() == records


# --- the category on 退回 and 退文 ---------------------------------------------------------------


def test_return_and_reject_require_the_category(api, office):
    o = office
    doc = at_propose(o)
    task = open_task(doc, o.director)
    target = activation(doc, "screen").pk
    before = _no_change(api, [o.director, o.clerk])
    missing = api.post(o.director, f"/tasks/{task.pk}/return", {"to_activation_id": target, "reason": "要素不全。"})
    assert missing.status_code == 422 and "差错类别" in missing.json()["detail"]
    empty = api.post(o.director, f"/tasks/{task.pk}/return",
                     {"to_activation_id": target, "reason": "要素不全。", "error_category": ""})
    assert empty.status_code == 400 and "请选择差错类别" in empty.json()["detail"]
    wrong = api.post(o.director, f"/tasks/{task.pk}/return",
                     {"to_activation_id": target, "reason": "要素不全。", "error_category": "错字"})
    assert wrong.status_code == 400 and "错字" in wrong.json()["detail"]
    other = registered(o, "关于开展安全检查的通知")
    before = _no_change(api, [o.director, o.clerk])
    no_category = api.post(o.clerk, f"/documents/{other.pk}/reject", {"reason": "越级报送。", "kind": "越级件"})
    assert no_category.status_code == 422
    _unchanged(before)

    ok = api.post(o.director, f"/tasks/{task.pk}/return",
                  {"to_activation_id": target, "reason": "要素不全。", "error_category": "格式"})
    assert ok.status_code == 200, ok.content
    ok = api.post(o.clerk, f"/documents/{other.pk}/reject",
                  {"reason": "越级报送。", "kind": "越级件", "error_category": "程序"})
    assert ok.status_code == 200, ok.content
    assert list(ErrorRecord.objects.order_by("id").values_list("source", "category", "unit_at_fault",
                                                                "agency_at_fault")) == [
        ("return", "格式", o.secretariat.pk, None), ("reject", "程序", None, o.dept.pk)]


# --- reading the book ----------------------------------------------------------------------------


def _entries(o):
    doc = at_propose(o)
    flow.return_task(open_task(doc, o.director).pk, actor=o.director, to_activation_id=activation(doc, "screen").pk,
                     reason="来文字号漏登。", error_category="格式")
    draft = at_approve(o)
    errorbook.record_correction(draft, actor=o.director, category="文字", unit_at_fault=o.div_a,
                                description="答复稿有错别字。")
    flow.reject(registered(o, "关于申请追加经费的请示").pk, actor=o.clerk, reason="越级报送。", kind="越级件",
                error_category="程序")
    return doc, draft


def test_entries_with_filters_and_scope(api, office):
    o = office
    doc, draft = _entries(o)
    listed = api.get(o.director, "/errorbook/entries").json()
    assert listed["total"] == 3 and [e["source"] for e in listed["items"]] == ["reject", "review", "return"]
    first = listed["items"][-1]
    assert first["category"] == "格式" and first["unit_at_fault"]["name"] == "秘书科"
    assert first["document"] == {"id": doc.pk, "title": doc.title} and first["recorded_by"]["name"] == o.director.name
    assert api.get(o.director, "/errorbook/entries", {"category": "文字"}).json()["total"] == 1
    assert api.get(o.director, "/errorbook/entries", {"source": "reject"}).json()["items"][0]["fault"] == "示范市交通运输局"
    assert api.get(o.director, "/errorbook/entries", {"unit_id": o.div_a.pk}).json()["total"] == 1
    assert api.get(o.director, "/errorbook/entries", {"agency_at_fault_id": o.dept.pk}).json()["total"] == 1
    assert api.get(o.director, "/errorbook/entries", {"document_id": draft.pk}).json()["total"] == 1
    assert api.get(o.director, "/errorbook/entries", {"week": "2026-03-15"}).json()["total"] == 3
    assert api.get(o.director, "/errorbook/entries", {"week": "2026-03-16"}).json()["total"] == 0
    assert api.get(o.director, "/errorbook/entries", {"date_from": "2026-03-12"}).json()["total"] == 0
    assert api.get(o.director, "/errorbook/entries", {"limit": 1}).json()["items"][0]["source"] == "reject"
    # A division head: his unit's entries only.
    head = api.get(o.head_a, "/errorbook/entries").json()
    assert head["total"] == 1 and head["items"][0]["document"]["title"] == draft.title
    # Nobody else; an invalid date is 422.
    for other in (o.handler_a, o.outsider, o.sysadmin, o.auditor):
        response = api.get(other, "/errorbook/entries")
        assert response.status_code == 403 and has_chinese(response.json()["detail"])
    assert api.get(None, "/errorbook/entries").status_code == 401
    assert api.get(o.director, "/errorbook/entries", {"week": "2026-13-01"}).status_code == 422


def test_weekly_report_json(api, office):
    o = office
    _entries(o)
    report = api.get(o.director, "/errorbook/weekly").json()
    assert (report["monday"], report["sunday"]) == ("2026-03-09", "2026-03-15")
    assert report["categories"] == ["程序", "格式", "文字", "内容", "时效"]
    assert [(r["label"], r["kind"], r["total"]) for r in report["rows"]] == [
        ("秘书科", "处室", 1), ("综合一处", "处室", 1), ("示范市交通运输局", "来文单位", 1)]
    assert report["rows"][0]["counts"] == {"程序": 0, "格式": 1, "文字": 0, "内容": 0, "时效": 0}
    assert report["column_totals"] == {"程序": 1, "格式": 1, "文字": 1, "内容": 0, "时效": 0}
    assert report["total"] == 3 and report["by_source"] == {"return": 1, "reject": 1, "review": 1}
    assert len(report["entries"]) == 3 and not report["unit_only"]
    assert api.get(o.director, "/errorbook/weekly", {"week": "2026-03-02"}).json()["total"] == 0
    head = api.get(o.head_a, "/errorbook/weekly").json()
    assert head["unit_only"] and [r["label"] for r in head["rows"]] == ["综合一处"]
    assert api.get(o.handler_b, "/errorbook/weekly").status_code == 403
    assert api.get(None, "/errorbook/weekly").status_code == 401


def test_document_entries_follow_the_document(api, office):
    o = office
    doc, draft = _entries(o)
    assert [e["category"] for e in api.get(o.handler_a, f"/errorbook/documents/{draft.pk}").json()] == ["文字"]
    hidden = api.get(o.outsider, f"/errorbook/documents/{draft.pk}")
    missing = api.get(o.outsider, f"/errorbook/documents/{draft.pk + 1000}")
    assert hidden.status_code == missing.status_code == 404
    # The same body but for the request id each answer carries.
    assert {**hidden.json(), "request_id": ""} == {**missing.json(), "request_id": ""}
    assert hidden.json()["request_id"] != missing.json()["request_id"]


# --- recording a correction ----------------------------------------------------------------------


def test_record_correction(api, office):
    o = office
    draft = at_approve(o)
    hidden = registered(o, "关于调整公交线路的请示")
    inspector = supervisor(o)
    body = {"document_id": draft.pk, "error_category": "文字", "unit_at_fault_id": o.div_a.pk,
            "description": "答复稿把“整改”写成“正改”。"}
    before = _no_change(api, [o.leader_b, o.outsider, o.sysadmin, o.director, inspector, o.handler_a])
    for who, change, status in [
        (None, {}, 401),
        (o.sysadmin, {}, 404),  # administrators see no documents at all
        (o.outsider, {}, 404),
        (inspector, {"document_id": hidden.pk}, 404),
        (o.director, {"document_id": hidden.pk + 1000}, 404),
        (o.director, {"error_category": "错字"}, 400),
        (o.director, {"error_category": ""}, 400),
        (o.director, {"unit_at_fault_id": o.outsider.unit_id}, 400),
        (o.director, {"unit_at_fault_id": 10**9}, 400),
        (o.director, {"description": "   "}, 400),
        (o.director, {"description": "错" * 501}, 422),
        (o.director, {"unit_at_fault_id": None}, 422),
    ]:
        response = api.post(who, "/errorbook/corrections", {**body, **change})
        assert response.status_code == status, (who, change, response.content.decode()[:300])
        assert has_chinese(response.json()["detail"])
        _unchanged(before)
    created = api.post(o.handler_a, "/errorbook/corrections", body)
    assert created.status_code == 201, created.content
    out = created.json()
    assert (out["source"], out["category"], out["unit_at_fault"]["id"], out["recorded_by"]["id"]) == (
        "review", "文字", o.div_a.pk, o.handler_a.pk)
    assert counts()[0] > before[1][0]  # audited
