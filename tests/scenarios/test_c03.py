"""C03 — The same instruction given nine times (批示件久拖不决).

The principal leader instructs 综合一处 to study how two service mechanisms relate and
improve one of them, ticking 督办: the instruction opens a supervision item with a lead
division, assisting units, a deadline and a responsible person. Eight more instructions
follow — on related documents (the leader's tick attaches them) and typed in by the
supervision office — and each is counted on the same item. Nobody reports: after ten
working days the item is flagged 停滞 and escalated, once, to the leader in charge of the
lead division and to the instructing leader. It cannot be closed without a final report
the supervision office accepted; the month's bulletin lists it as stalled and overdue.

Replayed on an ordinary fortnight and moved across New Year, the Spring Festival and
National Day 2026 (make-up workdays included): the stall falls exactly ten working days
after the instruction, never counted in calendar days.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from deadlines.calendar import LOCAL
from deadlines.models import Notification
from deadlines.services import calendar_for
from flow.models import HistoryAction, HistoryEvent, NodeKind
from supervision import bulletin, services
from supervision.models import ItemInstruction, SupervisionEvent, SupervisionItem
from supervision.tests.support import build_scene, refused
from tests.helpers import open_task

SHANGHAI = ZoneInfo("Asia/Shanghai")
State = SupervisionItem.State


def at(y, m, d, hh=9, mm=0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=SHANGHAI)


@dataclass
class Timeline:
    instructed: datetime  # the first instruction, with 督办 ticked
    stall: datetime  # ten working days later: the item becomes 停滞
    due: datetime  # the item's deadline (a date picked on the form: that day 下班前)
    bulletin: datetime  # when the office issues the month's bulletin
    month: tuple[int, int]


TIMELINES = {
    # Monday morning; ten working days is Monday two weeks on.
    "ordinary": Timeline(at(2026, 3, 9, 9, 30), at(2026, 3, 23, 9, 30), at(2026, 3, 27, 18, 0),
                         at(2026, 3, 31, 17, 0), (2026, 3)),
    # New Year's Eve: 1月1日–3日 off, Sunday 4 January a make-up workday.
    "new_year": Timeline(at(2025, 12, 31, 16, 30), at(2026, 1, 15, 16, 30), at(2026, 1, 20, 18, 0),
                         at(2026, 1, 30, 17, 0), (2026, 1)),
    # The Friday before the Spring Festival: 14 February (Saturday) worked, 15–23 off, 28 February
    # (Saturday) worked.
    "spring_festival": Timeline(at(2026, 2, 13, 17, 40), at(2026, 3, 5, 17, 40), at(2026, 3, 10, 18, 0),
                                at(2026, 3, 31, 17, 0), (2026, 3)),
    # The evening before National Day: 1–7 October off, 10 October (Saturday) worked.
    "national_day": Timeline(at(2026, 9, 30, 17, 50), at(2026, 10, 20, 17, 50), at(2026, 10, 23, 18, 0),
                             at(2026, 10, 30, 17, 0), (2026, 10)),
}


def notes(person, title_part="停滞") -> int:
    return Notification.objects.filter(recipient=person, title__contains=title_part).count()


@pytest.mark.parametrize("name", list(TIMELINES))
def test_c03_nine_instructions_one_item_stalled_escalated_and_closed_only_when_accepted(office, name):
    t = TIMELINES[name]
    o = office
    calendar = calendar_for(o.gov)
    assert calendar.add_days(t.instructed, 10) == t.stall  # the calendar agrees with the dates above
    clock = time_machine.travel(t.instructed - timedelta(hours=1), tick=False)
    traveller = clock.start()
    try:
        s = build_scene(o)

        # The first instruction, with 督办 ticked: the item opens.
        doc = s.at_instruct("关于两项政务服务机制衔接问题的请示")
        traveller.move_to(t.instructed)
        _, item = services.instruct_and_supervise(
            open_task(doc, o.principal).pk, actor=o.principal,
            opinion="请综合一处会同综合二处研究两项服务机制的衔接关系，提出改进其中一项的具体方案。",
            supervise=services.Supervise(lead_unit=o.div_a, assist_units=[o.div_b], responsible=o.handler_a,
                                         due_at=t.due, report_required="每10个工作日报送进展，办结后报送书面报告。"))
        assert open_task(doc, o.secretary).node_kind == NodeKind.DISTRIBUTE
        item.refresh_from_db()
        assert (item.state, item.instruction_count, item.lead_unit, item.responsible, item.due_at) == (
            State.OPEN, 1, o.div_a, o.handler_a, t.due)
        assert list(item.assist_units.all()) == [o.div_b]
        assert notes(o.handler_a, "立项") == 1

        # Eight more instructions over the following days: three on related documents (the
        # leader ticks 督办 and chooses the item), five typed in by the supervision office.
        for k in range(1, 9):
            traveller.move_to(calendar.add_days(t.instructed, k) - timedelta(minutes=5 * k))
            if k <= 3:
                related = s.at_instruct(f"关于两项服务机制衔接问题的第{k}次补充材料", doc_number=f"示交〔2026〕{10 + k}号")
                services.instruct_and_supervise(
                    open_task(related, o.principal).pk, actor=o.principal, opinion=f"此事已批示多次，请抓紧（{k}）。",
                    supervise=services.Supervise(attach_to_id=item.pk))
            else:
                services.attach_instruction(actor=s.supervisor, item_id=item.pk, leader=o.principal,
                                            text=f"请综合一处尽快拿出方案（第{k + 1}次批示）。")
        item.refresh_from_db()
        assert item.instruction_count == 9 == ItemInstruction.objects.filter(item=item).count()
        assert SupervisionItem.objects.count() == 1
        # The source document's history shows each of the nine; each related document its own.
        assert HistoryEvent.objects.filter(document=doc, action=HistoryAction.SUPERVISE).count() == 9
        assert HistoryEvent.objects.filter(action=HistoryAction.SUPERVISE).exclude(document=doc).count() == 3

        # No report for ten working days: nothing a minute before, 停滞 at the tenth working day.
        traveller.move_to(t.stall - timedelta(minutes=1))
        assert services.scan_stalled().flagged == []
        traveller.move_to(t.stall + timedelta(minutes=2))
        assert services.scan_stalled().flagged == [item.pk]
        item.refresh_from_db()
        assert item.state == State.STALLED
        # Escalated to the leader in charge of 综合一处 and to the instructing leader, exactly once.
        assert (notes(o.leader_a), notes(o.principal), notes(o.leader_b)) == (1, 1, 0)
        traveller.move_to(t.stall + timedelta(days=3))
        assert services.scan_stalled().flagged == []
        assert (notes(o.leader_a), notes(o.principal)) == (1, 1)
        assert SupervisionEvent.objects.filter(item=item, kind="stall").count() == 1

        # It cannot be closed: no final report, let alone an accepted one.
        with refused("办结报告"):
            services.close_item(actor=s.supervisor, item_id=item.pk)

        # The month's bulletin lists it as stalled and overdue.
        traveller.move_to(t.bulletin)
        b = bulletin.build(actor=s.supervisor, year=t.month[0], month=t.month[1])
        assert [r.item for r in b.stalled] == [item] and [r.item for r in b.overdue] == [item]
        text = bulletin.docx_bytes(b)
        from io import BytesIO

        from docx import Document as Docx

        tables = [[[c.text for c in row.cells] for row in table.rows] for table in Docx(BytesIO(text)).tables]
        assert tables[0][1][1] == tables[1][1][1] == "关于两项政务服务机制衔接问题的请示"

        # The division reports at last; the stall clears. Its final report is sent back once.
        services.report(actor=o.handler_a, item_id=item.pk, text="已形成改进方案初稿。", late_reason="部门间意见分歧。")
        assert SupervisionItem.objects.get(pk=item.pk).state == State.OPEN
        final = services.report(actor=o.head_a, item_id=item.pk, text="改进方案已经市政府常务会议研究通过。", final=True)
        with refused("尚未经督查室审核通过"):
            services.close_item(actor=s.supervisor, item_id=item.pk)
        services.return_final(actor=s.supervisor, item_id=item.pk, report_id=final.pk, note="请附会议纪要。")
        with refused("退回补充"):
            services.close_item(actor=s.supervisor, item_id=item.pk)
        again = services.report(actor=o.head_a, item_id=item.pk, text="已附会议纪要。", final=True)
        services.accept_final(actor=s.supervisor, item_id=item.pk, report_id=again.pk, note="同意销号。")
        services.close_item(actor=s.supervisor, item_id=item.pk)
        item.refresh_from_db()
        assert item.state == State.CLOSED and item.closed_by == s.supervisor
        assert timezone_local_date(item.closed_at) == timezone_local_date(t.bulletin)
    finally:
        clock.stop()


def timezone_local_date(value):
    return value.astimezone(LOCAL()).date()
