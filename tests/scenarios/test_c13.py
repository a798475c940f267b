"""C13 — Fewer documents, not more (控文).

The city government office issues documents under the government's name (示府发), its own
(示府办发) and jointly with another agency, this year and last year; some numbers are
voided, one document is numbered but not yet dispatched. The dashboard shows, for this
year up to today against last year up to the same day, the count under each name and the
change; and the share of proposals (拟办意见) the leaders approved unchanged, per leader
too. The statistics page, its Excel export and the API show the same figures.

Replayed on the four timelines of the clock: across New Year the year changes between the
steps, so the document of 31 December 2025 is last year's by the end — and, being after
last year's same day (8 January), in neither column.

Documents are issued as the state dispatch leaves them (outgoing, 发文字号, 成文日期,
办结 at 分发), built directly as exchange/tests/test_dispatch.py does; one document goes the
whole way through drafting, sealing and dispatch to show it counts from 分发 on, not before.
"""

import io
from datetime import date, datetime, timedelta

import pytest
import time_machine
from django.utils import timezone
from openpyxl import load_workbook

from documents.models import Direction, Document, IssuedNumber, NumberSeries, SlipKind, Status
from exchange.services import dispatch
from flow import services as flow
from incoming.services import IncomingData, register_incoming
from sealing import services as sealing
from sealing.tests.chain import seal_for, to_seal
from stats import services
from stats.control import GOVERNMENT, JOINT, NAMES, OFFICE
from tests.helpers import open_task

from .conftest import SHANGHAI, at

pytestmark = pytest.mark.django_db

CODE = {GOVERNMENT: "示府发", OFFICE: "示府办发", JOINT: "示府发"}


class Ledger:
    """The documents the case issues, and an independent reckoning of what must count."""

    def __init__(self, o):
        self.o = o
        self.rows = []  # (name, day, counted)
        self.seq = 0

    def issue(self, name, day, *, counted=True, status=Status.COMPLETED, void=False):
        self.seq += 1
        number = f"{CODE[name]}〔{day.year}〕{self.seq}号"
        doc = Document.objects.create(
            agency=self.o.gov, direction=Direction.OUTGOING, slip_kind=SlipKind.ROUTINE, doc_type="通知",
            title=f"关于第{self.seq}项工作的通知", doc_number="" if void else number, issued_on=day,
            is_joint=name == JOINT, status=status,
            closed_at=datetime(day.year, day.month, day.day, 17, tzinfo=SHANGHAI) if status == Status.COMPLETED
            else None)
        if void:
            series, _ = NumberSeries.objects.get_or_create(agency=self.o.gov, code=CODE[name])
            IssuedNumber.objects.create(series=series, year=day.year, seq=self.seq, number=number, document=doc,
                                        allocated_by=self.o.clerk, voided_at=timezone.now(),
                                        voided_by=self.o.director, void_reason="文号重复，作废")
        self.rows.append((name, day, counted and not void and status == Status.COMPLETED))
        return doc

    def expected(self, today: date) -> dict:
        out = {name: [0, 0] for name in NAMES}
        for name, day, counted in self.rows:
            if not counted:
                continue
            if day.year == today.year and day <= today:
                out[name][0] += 1
            elif day.year == today.year - 1 and (day.month, day.day) <= (today.month, today.day):
                out[name][1] += 1
        return out


def figures(control) -> dict:
    return {row.key: [row.this_year, row.last_year] for row in control.names}


def instruct(o, title, proposal, *steps):
    """Registered, screened, proposed (拟办) to the leaders of ``steps`` in turn; each writes
    their instruction (批示)."""
    doc = register_incoming(actor=o.clerk, agency=o.gov, data=IncomingData(title=title, doc_type="通知",
                                                                          sender_id=o.dept.pk))
    flow.send_on(open_task(doc, o.secretary).pk, actor=o.secretary, opinion="请拟办。")
    leaders = [leader for leader, _ in steps]
    flow.send_on(open_task(doc, o.director).pk, actor=o.director, opinion=proposal, next_assignees=leaders,
                 next_mode="sequential" if len(leaders) > 1 else None)
    for leader, text in steps:
        flow.send_on(open_task(doc, leader).pk, actor=leader, opinion=text)
    return doc


def test_c13_documents_under_each_name_against_last_year_and_proposals_approved(office, client, clock):
    o = office
    ledger = Ledger(o)
    final = clock.moments[-1]
    last_year = final.year - 1
    same_day_last_year = date(last_year, final.month, final.day)

    # Last year's documents, entered at the start: in last year's same period (1 January,
    # the same day) and after it (31 December), two years back, a voided number.
    now = clock.next()
    ledger.issue(GOVERNMENT, date(last_year, 1, 1))
    ledger.issue(OFFICE, date(last_year, 1, 1))
    ledger.issue(OFFICE, date(last_year, 1, 1))
    ledger.issue(OFFICE, same_day_last_year)
    ledger.issue(OFFICE, date(last_year, 12, 31))
    ledger.issue(GOVERNMENT, date(last_year - 1, 3, 1))
    ledger.issue(GOVERNMENT, same_day_last_year, void=True)
    # Last year's proposals, on the same day a year before the end: one approved as
    # proposed (the leader repeats it word for word), one changed.
    with time_machine.travel(final.replace(year=last_year) - timedelta(hours=3), tick=True):
        instruct(o, "关于去年春运工作的通知", "拟请吴副市长阅示，综合二处办理。",
                 (o.leader_b, "拟请吴副市长阅示，综合二处办理。"))
        instruct(o, "关于去年防汛工作的通知", "拟请周副市长阅示，综合一处办理。", (o.leader_a, "请督查室牵头办理。"))
    clock.traveller.move_to(now)

    # This year, day by day along the timeline.
    ledger.issue(GOVERNMENT, timezone.localdate())
    assert figures(services.document_control(o.gov)) == ledger.expected(timezone.localdate())

    clock.next()
    ledger.issue(OFFICE, timezone.localdate())
    instruct(o, "关于开展安全生产大检查的通知", "拟请周副市长阅示，综合一处牵头办理。", (o.leader_a, "同意拟办意见。"))
    clock.next()
    ledger.issue(OFFICE, timezone.localdate())
    ledger.issue(JOINT, timezone.localdate())
    ledger.issue(OFFICE, timezone.localdate(), void=True)
    ledger.issue(OFFICE, timezone.localdate(), status=Status.IN_PROGRESS)  # numbered, not dispatched
    instruct(o, "关于做好城市更新工作的意见", "拟请吴副市长阅示，综合二处办理。", (o.leader_b, "请督查室牵头，综合二处配合。"))
    assert figures(services.document_control(o.gov)) == ledger.expected(timezone.localdate())

    clock.next()
    ledger.issue(GOVERNMENT, timezone.localdate())
    instruct(o, "关于加强农村公路养护的意见", "拟请周副市长、陈市长阅示，综合一处办理。",
             (o.leader_a, "同意。"), (o.principal, "阅。"))
    clock.next()
    instruct(o, "关于调整公交线路的请示", "拟请周副市长、陈市长阅示，综合一处办理。",
             (o.leader_a, "同意。"), (o.principal, "请综合二处牵头研究，下周报结果。"))

    # At the end of the timeline.
    while clock.index < len(clock.moments) - 1:
        clock.next()
    today = timezone.localdate()
    assert today == final.date()
    c = services.document_control(o.gov)
    assert figures(c) == ledger.expected(today)
    # Across New Year the government document of 31 December is last year's, after the
    # same day, so in neither column; on the other timelines it is this year's.
    gov_this = 1 if clock.name == "new_year" else 2
    assert figures(c) == {GOVERNMENT: [gov_this, 1], OFFICE: [2, 3], JOINT: [1, 0]}
    assert (c.name(OFFICE).change, c.name(OFFICE).change_rate_display) == (-1, "-33.3%")
    assert (c.name(JOINT).change, c.name(JOINT).change_rate_display) == (1, "—")
    assert (c.total.this_year, c.total.last_year) == (gov_this + 3, 4)
    # Proposals: 甲 agreed, 乙 changed, 丙 agreed by both, 丁 changed by the second leader.
    assert (c.proposals.instructed, c.proposals.unchanged, c.proposals.share) == (4, 2, 0.5)
    assert (c.proposals_last.instructed, c.proposals_last.unchanged) == (2, 1)
    assert {x.name: (x.instructed, x.unchanged) for x in c.leaders} == {
        "周副市长": (3, 3), "陈市长": (2, 1), "吴副市长": (1, 0)}

    # Page, Excel and API agree.
    client.force_login(o.director.user)
    html = client.get("/stats/").content.decode()
    assert f'data-key="control-total">{gov_this + 3}<' in html and 'data-key="proposal-share">50.0%<' in html
    wb = load_workbook(io.BytesIO(client.get("/stats/export.xlsx").content))
    rows = {r[0]: r[1:] for r in wb["控文统计（发文数量）"].iter_rows(min_row=4, values_only=True) if r and r[0]}
    assert list(rows["以办公室名义"]) == [2, 3, -1, -33.3]
    data = client.get("/api/v1/stats/document-control").json()
    assert {n["key"]: [n["this_year"], n["last_year"]] for n in data["names"]} == figures(c)
    assert data["proposals"]["share"] == 0.5


def test_c13_a_document_counts_once_dispatched(office):
    """Through drafting, sealing and 分发 with the services: numbered and sealed it is not
    yet issued; dispatched, it counts under the office's name on its 成文日期."""
    o = office
    with time_machine.travel(at(2026, 3, 9, 9, 0), tick=True):
        seal = seal_for(o)
        document = to_seal(o)
        assert document.doc_number.startswith("示府办发〔2026〕")
        assert services.document_control(o.gov).total.this_year == 0
        sealing.seal_document(open_task(document, o.keeper).pk, actor=o.keeper, seal_id=seal.pk)
        assert services.document_control(o.gov).total.this_year == 0
        dispatch(open_task(document, o.clerk).pk, actor=o.clerk, opinion="按主送分发。")
        c = services.document_control(o.gov)
        assert (c.name(OFFICE).this_year, c.total.this_year) == (1, 1)
        assert not c.has_last_year and c.total.change_display == "无上年同期数据"
