"""控文 (C13) figures: the classification by name, what counts as issued (voided numbers,
documents not yet dispatched, other agencies), no last year's data, plain agreement, and
the page, the Excel export and the API showing the same figures."""

import io
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from openpyxl import load_workbook

from documents.models import Direction, Document, IssuedNumber, NumberSeries, SlipKind, Status
from flow import services as flow
from flow.models import Decision
from incoming.services import IncomingData, register_incoming
from stats import control, services
from stats.control import GOVERNMENT, JOINT, NO_BASIS, OFFICE, agrees, name_of, periods
from stats.tables import control_tables
from tests.helpers import open_task

from .test_pages import cells_of, login

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def issued(agency, number, day, *, joint=False, status=Status.COMPLETED, direction=Direction.OUTGOING,
           issued_on=True):
    """The state dispatch leaves (as exchange/tests/test_dispatch.py builds it): an outgoing
    document numbered, dated and, when completed, dispatched that day."""
    return Document.objects.create(
        agency=agency, direction=direction, slip_kind=SlipKind.ROUTINE, doc_type="通知", title=f"关于{number}的通知",
        doc_number=number, issued_on=day if issued_on else None, is_joint=joint, status=status,
        closed_at=datetime(day.year, day.month, day.day, 17, tzinfo=SHANGHAI) if status == Status.COMPLETED else None)


# --- pure rules -----------------------------------------------------------------------------------


def test_name_by_the_code_of_the_number():
    assert name_of("示府办发〔2026〕7号", False) == OFFICE
    assert name_of("示府办函〔2026〕3号", False) == OFFICE
    assert name_of("示委办发〔2026〕1号", False) == OFFICE
    assert name_of("示府发〔2026〕2号", False) == GOVERNMENT
    assert name_of("示府函〔2026〕2号", False) == GOVERNMENT
    assert name_of("示交发〔2026〕9号", False) == GOVERNMENT
    assert name_of("示府办发〔2026〕8号", True) == JOINT  # joint first, whatever the 代字
    assert control.code_of("示府办发〔2026〕7号") == "示府办发"


def test_plain_agreement_approves_the_proposal_unchanged():
    proposal = "拟请周副市长阅示，综合一处牵头办理。"
    for text in ("同意。", "同意拟办意见。", "已阅，同意拟办意见。", "阅。", "按拟办意见办理。", " 同意 ",
                 "拟请周副市长阅示，综合一处牵头办理"):
        assert agrees(text, "", proposal), text
    for text in ("同意，请抓紧办理。", "请综合二处牵头办理。", "请研办。"):
        assert not agrees(text, "", proposal), text
    assert not agrees("同意。", Decision.DISAGREE, proposal)
    assert agrees("", Decision.AGREE, proposal) and not agrees("", "", proposal)


def test_periods_run_to_the_same_day_last_year_and_29_february():
    this, last = periods(date(2026, 3, 9))
    assert (this.start, this.end, last.start, last.end) == (date(2026, 1, 1), date(2026, 3, 9), date(2025, 1, 1),
                                                            date(2025, 3, 9))
    assert periods(date(2028, 2, 29))[1].end == date(2027, 2, 28)
    assert this.label == "2026年1月1日至3月9日"


# --- what counts ------------------------------------------------------------------------------------


def test_no_last_year_data_reads_no_basis(office):
    o = office
    issued(o.gov, "示府发〔2026〕1号", date(2026, 2, 3))
    issued(o.gov, "示府办发〔2026〕1号", date(2026, 3, 1))
    c = services.document_control(o.gov, date(2026, 3, 9))
    assert not c.has_last_year
    assert [(r.key, r.this_year, r.last_year) for r in c.names] == [(GOVERNMENT, 1, 0), (OFFICE, 1, 0), (JOINT, 0, 0)]
    assert (c.total.change, c.total.change_rate, c.total.change_display) == (None, None, NO_BASIS)
    table = control_tables(c)[0]
    assert table.rows[0] == ("以政府名义", [1, 0, NO_BASIS, NO_BASIS])
    assert table.total == [2, 0, NO_BASIS, NO_BASIS]
    assert NO_BASIS in table.note


def test_voided_numbers_undispatched_and_others_documents_are_not_counted(office):
    o = office
    series = NumberSeries.objects.create(agency=o.gov, code="示府办发", name="府办发文")
    day = date(2026, 3, 2)
    counted = issued(o.gov, "示府办发〔2026〕2号", day)
    # Voided and cleared by void_number; voided but still on the document (state built by hand).
    cleared = issued(o.gov, "", day)
    IssuedNumber.objects.create(series=series, year=2026, seq=1, number="示府办发〔2026〕1号", document=cleared,
                                allocated_by=o.clerk, voided_at=datetime(2026, 3, 2, 10, tzinfo=SHANGHAI),
                                voided_by=o.director, void_reason="编号有误")
    stale = issued(o.gov, "示府办发〔2026〕3号", day)
    IssuedNumber.objects.create(series=series, year=2026, seq=3, number="示府办发〔2026〕3号", document=stale,
                                allocated_by=o.clerk, voided_at=datetime(2026, 3, 2, 11, tzinfo=SHANGHAI),
                                voided_by=o.director, void_reason="重复编号")
    # Renumbered after a void: counted once, under its live number.
    IssuedNumber.objects.create(series=series, year=2026, seq=4, number="示府办发〔2026〕4号", document=counted,
                                allocated_by=o.clerk, voided_at=datetime(2026, 3, 2, 9, tzinfo=SHANGHAI),
                                voided_by=o.director, void_reason="标题修改后重新编号")
    issued(o.gov, "示府办发〔2026〕5号", day, status=Status.IN_PROGRESS)  # numbered, not yet dispatched
    issued(o.gov, "示府办签〔2026〕1号", day, direction=Direction.MEMO)  # a 签报, not a 发文
    issued(o.dept, "示交办发〔2026〕1号", day)  # another agency
    issued(o.gov, "示府办发〔2026〕6号", day, issued_on=False)  # no 成文日期: the day it was dispatched
    issued(o.gov, "示府办发〔2025〕60号", date(2025, 3, 10))  # last year, after the same day
    issued(o.gov, "示府办发〔2025〕50号", date(2025, 3, 9))  # last year, on the same day
    c = services.document_control(o.gov, date(2026, 3, 9))
    assert (c.name(OFFICE).this_year, c.name(OFFICE).last_year) == (2, 1)
    assert (c.name(OFFICE).change, c.name(OFFICE).change_rate) == (1, 1.0)
    assert c.name(OFFICE).change_rate_display == "+100.0%"
    assert c.name(GOVERNMENT).change_rate is None and c.name(GOVERNMENT).change_rate_display == "—"
    dept = services.document_control(o.dept, date(2026, 3, 9))
    assert dept.name(OFFICE).this_year == 1 and dept.name(GOVERNMENT).label == "以本机关名义"
    everyone = services.document_control(None, date(2026, 3, 9))
    assert everyone.total.this_year == 3


def _instruct(o, title, proposal, *steps):
    """Register, screen, propose to the leaders of ``steps`` in turn, each writes their text."""
    doc = register_incoming(actor=o.clerk, agency=o.gov, data=IncomingData(title=title, doc_type="通知",
                                                                          sender_id=o.dept.pk))
    flow.send_on(open_task(doc, o.secretary).pk, actor=o.secretary, opinion="请拟办。")
    leaders = [leader for leader, _ in steps]
    flow.send_on(open_task(doc, o.director).pk, actor=o.director, opinion=proposal, next_assignees=leaders,
                 next_mode="sequential" if len(leaders) > 1 else None)
    for leader, text in steps:
        flow.send_on(open_task(doc, leader).pk, actor=leader, opinion=text)
    return doc


def test_proposal_share_per_proposal_and_per_leader_and_the_three_surfaces(office, client):
    o = office
    with time_machine.travel(datetime(2025, 3, 4, 10, tzinfo=SHANGHAI), tick=True):
        issued(o.gov, "示府发〔2025〕3号", date(2025, 3, 4))
        _instruct(o, "去年的一件", "拟请周副市长阅示。", (o.leader_a, "请综合二处办理。"))
    with time_machine.travel(datetime(2026, 3, 5, 10, tzinfo=SHANGHAI), tick=True):
        issued(o.gov, "示府发〔2026〕3号", date(2026, 3, 5))
        issued(o.gov, "示府发〔2026〕4号", date(2026, 3, 5))
        _instruct(o, "甲", "拟请周副市长阅示，综合一处办理。", (o.leader_a, "同意拟办意见。"))
        _instruct(o, "乙", "拟请吴副市长阅示，综合二处办理。", (o.leader_b, "请督查室牵头办理。"))
        _instruct(o, "丙", "拟请周副市长、陈市长阅示。", (o.leader_a, "同意。"), (o.principal, "阅。"))
        _instruct(o, "丁", "拟请周副市长、陈市长阅示。", (o.leader_a, "同意。"), (o.principal, "请综合二处牵头。"))
    with time_machine.travel(datetime(2026, 3, 9, 10, tzinfo=SHANGHAI), tick=True):
        c = services.document_control(o.gov)
        assert (c.proposals.instructed, c.proposals.unchanged, c.proposals.share) == (4, 2, 0.5)
        assert (c.proposals_last.instructed, c.proposals_last.unchanged) == (1, 0)
        assert [(x.name, x.instructed, x.unchanged) for x in c.leaders] == [
            ("周副市长", 3, 3), ("陈市长", 2, 1), ("吴副市长", 1, 0)]
        assert (c.name(GOVERNMENT).this_year, c.name(GOVERNMENT).last_year, c.name(GOVERNMENT).change) == (2, 1, 1)

        # The page: the 控文 section with both tables, the leaders' table for the director.
        html = login(client, o.director).get("/stats/").content.decode()
        assert 'id="h-control"' in html
        assert cells_of(html, "control", "以政府名义") == ["2", "1", "+1", "+100.0%"]
        assert cells_of(html, "control", "联合发文") == ["0", "0", "+0", "—"]
        assert cells_of(html, "proposals", "本年（2026年1月1日至3月9日）") == ["4", "2", "50.0%"]
        assert cells_of(html, "proposal_leaders", "陈市长") == ["2", "1", "50.0%"]
        assert "data-gw-print" in html
        # A division head sees neither.
        html = login(client, o.head_a).get("/stats/").content.decode()
        assert 'id="h-control"' not in html and 'data-table="proposal_leaders"' not in html

        # Excel: the same figures.
        wb = load_workbook(io.BytesIO(login(client, o.director).get("/stats/export.xlsx").content))
        rows = {r[0]: r[1:] for r in wb["控文统计（发文数量）"].iter_rows(min_row=4, values_only=True) if r and r[0]}
        assert list(rows["以政府名义"]) == [2, 1, 1, 100.0] and list(rows["合计"]) == [2, 1, 1, 100.0]
        rows = {r[0]: r[1:] for r in wb["各领导批示拟办意见照准情况（本年）"].iter_rows(min_row=4, values_only=True)
                if r and r[0]}
        assert list(rows["周副市长"]) == [3, 3, 100.0]

        # API: the same figures; a division head and a handler are refused.
        data = client.get("/api/v1/stats/document-control").json()
        assert data["agency"]["id"] == o.gov.pk and data["today"] == "2026-03-09" and data["has_last_year"]
        gov = next(n for n in data["names"] if n["key"] == "government")
        assert (gov["this_year"], gov["last_year"], gov["change"], gov["change_rate"]) == (2, 1, 1, 1.0)
        assert data["proposals"] == {"instructed": 4, "unchanged": 2, "share": 0.5}
        assert {x["leader"]["name"]: x["unchanged"] for x in data["leaders"]} == {"周副市长": 3, "陈市长": 1,
                                                                                "吴副市长": 0}
        # A past month runs to its last day.
        data = client.get("/api/v1/stats/document-control?year=2026&month=2").json()
        assert data["today"] == "2026-02-28" and data["total"]["this_year"] == 0
        r = login(client, o.head_a).get("/api/v1/stats/document-control")
        assert r.status_code == 403 and "控文" in r.json()["detail"]
        assert login(client, o.handler_a).get("/api/v1/stats/document-control").status_code == 403
