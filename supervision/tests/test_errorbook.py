"""The error book (错题本, C14) at the service level: every 退回 and 退文 writes an entry
in the engine's transaction, corrections found in review are recorded by reviewers only,
and the book is read only by those entitled to it."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from audit.models import AuditEvent
from documents.models import ReturnKind
from flow import services as flow
from gongwen.errors import NotFound, PermissionDenied
from incoming.services import IncomingData, register_incoming
from supervision.errorbook import services as errorbook
from supervision.models import ErrorCategory, ErrorRecord
from tests.helpers import open_task

from .errorbook_helpers import (
    activation,
    at_approve,
    at_handle,
    at_propose,
    refused_nothing_written,
    registered,
    supervisor,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True)
def _a_working_day():
    with time_machine.travel(datetime(2026, 3, 11, 10, 0, tzinfo=SHANGHAI), tick=True):
        yield


# --- recording by the engine ------------------------------------------------------------------


def test_return_records_the_category_against_the_unit_returned_to(office):
    o = office
    doc = at_propose(o)
    task = open_task(doc, o.director)
    flow.return_task(task.pk, actor=o.director, to_activation_id=activation(doc, "screen").pk,
                     reason="摘要与原文不符，请重新初审。", error_category=ErrorCategory.WORDING)
    record = ErrorRecord.objects.get()
    assert (record.source, record.category, record.unit_at_fault, record.agency_at_fault) == (
        "return", "文字", o.secretariat, None)
    assert record.document == doc and record.task_id == task.pk and record.agency == o.gov
    assert record.recorded_by == o.director and "退回“初审”" in record.description
    assert "摘要与原文不符" in record.description
    event = AuditEvent.objects.filter(action="flow.return").latest("seq")
    assert event.new["error_category"] == "文字"


def test_return_from_the_leader_blames_the_handling_unit(office):
    o = office
    doc = at_approve(o)
    flow.return_task(open_task(doc, o.leader_a).pk, actor=o.leader_a, to_activation_id=activation(doc, "handle").pk,
                     reason="答复稿对整改时限表述不清。", error_category="内容")
    record = ErrorRecord.objects.get()
    assert (record.category, record.unit_at_fault) == ("内容", o.div_a)


def test_return_without_a_category_defaults_to_procedure(office):
    """Older callers (and the demo) name no category: 程序, as documented."""
    o = office
    doc = at_handle(o)
    flow.return_task(open_task(doc, o.head_a).pk, actor=o.head_a, to_activation_id=activation(doc, "distribute").pk,
                     reason="不属于我处职责，请重新分办。")
    record = ErrorRecord.objects.get()
    assert (record.category, record.unit_at_fault) == (errorbook.DEFAULT_RETURN_CATEGORY, o.secretariat)
    assert record.category == "程序"


def test_refused_returns_write_no_entry(office):
    o = office
    doc = at_propose(o)
    task = open_task(doc, o.director)
    target = activation(doc, "screen").pk
    with refused_nothing_written("差错类别"):
        flow.return_task(task.pk, actor=o.director, to_activation_id=target, reason="要素不全。", error_category="错别字")
    with refused_nothing_written("理由"):
        flow.return_task(task.pk, actor=o.director, to_activation_id=target, reason=" ", error_category="格式")
    with refused_nothing_written(exc=NotFound):
        flow.return_task(task.pk, actor=o.outsider, to_activation_id=target, reason="要素不全。", error_category="格式")
    assert not ErrorRecord.objects.exists()


def test_reject_records_the_sending_agency(office):
    o = office
    doc = registered(o, sender=o.province)
    flow.reject(doc.pk, actor=o.clerk, reason="文号格式不规范，请按规定标注后重新报送。", error_category="格式")
    record = ErrorRecord.objects.get()
    assert (record.source, record.category, record.unit_at_fault, record.agency_at_fault) == (
        "reject", "格式", None, o.province)
    assert record.task is None and "省政府办公厅" in record.description or "示范省" in record.description
    assert AuditEvent.objects.filter(action="flow.reject").latest("seq").new["error_category"] == "格式"


@pytest.mark.parametrize("kind", ReturnKind.values)
def test_reject_defaults_by_kind(office, kind):
    o = office
    doc = registered(o)
    flow.reject(doc.pk, actor=o.clerk, reason="请按程序报送。", kind=kind)
    record = ErrorRecord.objects.get()
    assert record.category == errorbook.default_reject_category(kind) == "程序"
    assert record.agency_at_fault == o.dept and record.description.startswith(kind)


def test_reject_of_a_sender_without_agency_record_names_it(office):
    o = office
    doc = register_incoming(actor=o.clerk, agency=o.gov, data=IncomingData(
        title="关于反映小区噪声扰民问题的来信", doc_type="函", sender_name="某小区业主委员会"))
    flow.reject(doc.pk, actor=o.clerk, reason="请向属地街道反映。", kind="乱投件", error_category="程序")
    record = ErrorRecord.objects.get()
    assert record.agency_at_fault is None and record.unit_at_fault is None
    assert "某小区业主委员会" in record.description


def test_refused_rejects_write_no_entry(office):
    o = office
    doc = registered(o)
    with refused_nothing_written("差错类别"):
        flow.reject(doc.pk, actor=o.clerk, reason="请按程序报送。", error_category="程式")
    with refused_nothing_written(exc=NotFound):  # cannot even see it
        flow.reject(doc.pk, actor=o.head_a, reason="请按程序报送。", error_category="程序")
    flow.reject(doc.pk, actor=o.clerk, reason="请按程序报送。", error_category="程序")
    with refused_nothing_written("已办结或已退文"):
        flow.reject(doc.pk, actor=o.clerk, reason="再退。", error_category="程序")
    assert ErrorRecord.objects.count() == 1


# --- corrections found in review ---------------------------------------------------------------


def test_reviewers_record_corrections(office):
    o = office
    doc = at_approve(o)
    # Office staff, whoever held a task on it, a supervisor who can see it.
    by_director = errorbook.record_correction(doc, actor=o.director, category="文字", unit_at_fault=o.div_a,
                                              description="答复稿第二段“整改”误作“正改”。")
    by_handler = errorbook.record_correction(doc.pk, actor=o.handler_a, category="格式", unit_at_fault=o.div_a,
                                             description="  附件标注\n位置不对。 ")
    inspector = supervisor(o)
    flow.circulate(doc.pk, actor=o.clerk, readers=[inspector])
    by_supervisor = errorbook.record_correction(doc, actor=inspector, category="时效", unit_at_fault=o.div_a,
                                                description="答复超过省厅要求的时限一天。")
    assert [r.source for r in (by_director, by_handler, by_supervisor)] == ["review"] * 3
    assert by_handler.description == "附件标注 位置不对。"
    assert by_supervisor.recorded_by == inspector and by_supervisor.agency == o.gov
    assert AuditEvent.objects.filter(action="supervision.error_correction").count() == 3
    assert errorbook.may_record_correction(o.director, doc) and not errorbook.may_record_correction(o.leader_b, doc)


def test_correction_refusals_write_nothing(office):
    o = office
    doc = at_approve(o)
    hidden = registered(o, "关于调整公交线路的请示")
    inspector = supervisor(o)
    # Lead unit 综合二处, in 吴副市长's charge: he sees the document but never held it.
    other = at_propose(o, "关于城区排水设施改造的请示")
    flow.send_on(open_task(other, o.director).pk, actor=o.director, opinion="拟请周副市长阅示。",
                 next_assignees=[o.leader_a])
    flow.send_on(open_task(other, o.leader_a).pk, actor=o.leader_a, opinion="请综合二处办理。")
    flow.send_on(open_task(other, o.secretary).pk, actor=o.secretary, lead_unit=o.div_b)

    def attempt(actor, document=doc, category="文字", unit=o.div_a, description="有错别字。"):
        errorbook.record_correction(document, actor=actor, category=category, unit_at_fault=unit,
                                    description=description)

    with refused_nothing_written("登录", exc=PermissionDenied):
        attempt(None)
    with refused_nothing_written("管理员", exc=PermissionDenied):
        attempt(o.sysadmin)
    with refused_nothing_written(exc=NotFound):  # another agency: as if it did not exist
        attempt(o.outsider)
    with refused_nothing_written(exc=NotFound):  # a supervisor who cannot see the document
        attempt(inspector, document=hidden)
    with refused_nothing_written("办理过本件", exc=PermissionDenied):
        attempt(o.leader_b, document=other)
    with refused_nothing_written("差错类别"):
        attempt(o.director, category="")
    with refused_nothing_written("差错类别"):
        attempt(o.director, category="错字")
    with refused_nothing_written("责任单位"):
        attempt(o.director, unit=None)
    with refused_nothing_written("内设单位"):
        attempt(o.director, unit=o.outsider.unit)
    with refused_nothing_written("写明"):
        attempt(o.director, description="  \n ")
    with refused_nothing_written("500"):
        attempt(o.director, description="错" * 501)
    assert not ErrorRecord.objects.exists()


# --- who reads the book, and the weekly report ---------------------------------------------------


def _three_entries(o):
    """退回 to 初审 (秘书科, 格式), a correction on 综合一处 (文字), a 退文 (市交通局, 程序)."""
    doc = at_propose(o)
    flow.return_task(open_task(doc, o.director).pk, actor=o.director, to_activation_id=activation(doc, "screen").pk,
                     reason="来文字号漏登。", error_category="格式")
    approve = at_approve(o)
    errorbook.record_correction(approve, actor=o.director, category="文字", unit_at_fault=o.div_a,
                                description="答复稿有错别字。")
    flow.reject(registered(o, "关于申请追加养护经费的请示").pk, actor=o.clerk, reason="越级报送。", kind="越级件",
                error_category="程序")
    return doc, approve


def test_who_reads_the_book(office):
    o = office
    _three_entries(o)
    inspector = supervisor(o)
    for reader in (o.director, o.clerk, o.secretary, o.principal, o.leader_a, o.leader_b, inspector):
        assert errorbook.visible_entries(reader).count() == 3, reader
        assert errorbook.may_see_book(reader)
    assert set(errorbook.visible_entries(o.head_a).values_list("unit_at_fault", flat=True)) == {o.div_a.pk}
    assert not errorbook.visible_entries(o.head_c).exists()  # heads a unit without entries
    assert not errorbook.visible_entries(o.dept_head).exists()  # another agency's leader: their own (empty) book
    for other in (o.handler_a, o.sysadmin, o.secadmin, o.auditor, o.outsider, None):
        assert not errorbook.visible_entries(other).exists()
        assert not errorbook.may_see_book(other)
        with pytest.raises(PermissionDenied):
            errorbook.weekly_report(other)
    report = errorbook.weekly_report(o.head_a)
    assert report.unit_only and [(r.label, r.total) for r in report.rows] == [("综合一处", 1)]


def test_weekly_report_is_a_cross_table_with_totals(office):
    o = office
    doc, approve = _three_entries(o)
    report = errorbook.weekly_report(o.director)
    assert (report.monday, report.sunday) == (date(2026, 3, 9), date(2026, 3, 15))
    assert report.categories == ["程序", "格式", "文字", "内容", "时效"]
    assert [(r.label, r.kind, r.counts, r.total) for r in report.rows] == [
        ("秘书科", "处室", [0, 1, 0, 0, 0], 1),
        ("综合一处", "处室", [0, 0, 1, 0, 0], 1),
        ("示范市交通运输局", "来文单位", [1, 0, 0, 0, 0], 1),
    ]
    assert report.column_totals == [1, 1, 1, 0, 0] and report.total == 3
    assert report.by_source == {"return": 1, "reject": 1, "review": 1}
    assert [e.source for e in report.entries] == ["return", "review", "reject"]
    assert {doc.pk, approve.pk} <= report.shown_documents
    # Another week is empty; a day of the week chooses its week.
    assert errorbook.weekly_report(o.director, date(2026, 3, 16)).total == 0
    assert errorbook.weekly_report(o.director, date(2026, 3, 15)).total == 3


def test_entry_filters(office):
    o = office
    doc, approve = _three_entries(o)
    book = errorbook.EntryFilter
    assert errorbook.entries(o.director, book(category="格式")).get().document == doc
    assert errorbook.entries(o.director, book(source="review")).get().document == approve
    assert errorbook.entries(o.director, book(unit_id=o.div_a.pk)).count() == 1
    assert errorbook.entries(o.director, book(agency_at_fault_id=o.dept.pk)).get().source == "reject"
    assert errorbook.entries(o.director, book(document_id=doc.pk)).count() == 1
    assert errorbook.entries(o.director, book.for_week(date(2026, 3, 9))).count() == 3
    assert errorbook.entries(o.director, book(date_from=date(2026, 3, 12))).count() == 0
    assert errorbook.entries(o.director, book(date_to=date(2026, 3, 10))).count() == 0
    assert errorbook.entries(o.director, book(date_from=date(2026, 3, 11), date_to=date(2026, 3, 11))).count() == 3


def test_weeks_are_calendar_weeks(office):
    assert errorbook.week_start() == date(2026, 3, 9)  # this week by default (the clock is on 3月11日)
    assert errorbook.week_start(date(2026, 3, 15)) == date(2026, 3, 9)  # Sunday ends the week
    assert errorbook.week_start(date(2026, 3, 16)) == date(2026, 3, 16)
    assert errorbook.week_start(date(2026, 10, 1)) == date(2026, 9, 28)  # National Day, a Thursday
    assert errorbook.week_start(date(2026, 10, 10)) == date(2026, 10, 5)  # the make-up Saturday
    assert errorbook.week_start(date(2026, 2, 28)) == date(2026, 2, 23)  # Spring Festival's second make-up day
    start, end = errorbook.week_bounds(date(2026, 3, 9))
    assert start == datetime(2026, 3, 9, tzinfo=SHANGHAI) and end == datetime(2026, 3, 16, tzinfo=SHANGHAI)


def test_panel_context(office):
    o = office
    doc, approve = _three_entries(o)
    panel = errorbook.panel(o.director, approve)
    assert [r.category for r in panel["records"]] == ["文字"] and panel["may_correct"] and panel["sees_book"]
    assert o.div_a in panel["units"] and o.outsider.unit not in panel["units"]
    panel = errorbook.panel(o.leader_b, approve)
    assert not panel["may_correct"] and panel["units"] == []
