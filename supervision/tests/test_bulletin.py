"""The monthly bulletin (督办通报): its figures, the DOCX (opened again with python-docx)
and the PDF (LibreOffice headless; its text read back with pdftotext)."""

import io
import shutil
import subprocess
from datetime import datetime, timedelta

import pytest
from docx import Document as Docx

from deadlines.services import calendar_for
from gongwen.errors import DomainError, PermissionDenied
from supervision import bulletin, services
from supervision.tests.conftest import SHANGHAI

needs_soffice = pytest.mark.skipif(bulletin.soffice() is None, reason="LibreOffice (soffice) is not installed")


def march(scene, monday):
    """March 2026: one item overdue and stalled, one late report without a reason, one late
    with a reason, one on time, one closed on time."""
    o, s = scene.o, scene
    calendar = calendar_for(o.gov)
    overdue = s.item(title="两项服务机制衔接问题", due=s.due(5))  # due Monday 16 March, 18:00
    late = s.item(title="老旧小区改造资金测算", lead=o.div_b, responsible=o.head_b, due=s.due(3))
    excused = s.item(title="防汛物资储备检查", lead=o.div_b, responsible=o.handler_b, due=s.due(3))
    on_time = s.item(title="营商环境评价整改", lead=o.div_a, responsible=o.head_a, due=s.due(8))
    monday.move_to(datetime(2026, 3, 12, 16, 0, tzinfo=SHANGHAI))  # before the three-day items' due time
    services.report(actor=o.head_a, item_id=on_time.pk, text="整改方案已印发。", final=True)
    monday.move_to(datetime(2026, 3, 13, 10, 0, tzinfo=SHANGHAI))  # a day late
    services.report(actor=o.head_b, item_id=late.pk, text="测算已完成。", final=True)
    services.report(actor=o.handler_b, item_id=excused.pk, text="检查已完成。", final=True,
                    late_reason="等待区县报送数据。")
    stall_at = calendar.add_days(overdue.created_at, 10)
    services.scan_stalled(stall_at)
    monday.move_to(datetime(2026, 3, 31, 17, 0, tzinfo=SHANGHAI))
    return overdue, late, excused, on_time


def test_the_month_in_figures(scene, monday):
    o, s = scene.o, scene
    overdue, late, excused, on_time = march(scene, monday)
    b = bulletin.build(actor=s.supervisor, year=2026, month=3)
    assert b.supervised == 4 and b.opened == 4 and b.closed == 0
    assert [r.item for r in b.overdue] == [overdue]
    assert round(b.overdue[0].days, 1) == round(
        calendar_for(o.gov).working_minutes_between(overdue.due_at, b.cutoff) / 420, 1)
    assert [r.item for r in b.stalled] == [overdue] and b.stalled[0].cleared_at is None
    assert b.stalled[0].escalated_to == [o.leader_a.name, o.principal.name]
    assert [r.item for r in b.late_without_reason] == [late]  # the excused one gives its reason
    rates = {r.unit: r for r in b.rates}
    # 综合一处: one final report on time, one item whose progress report and final report are missing.
    assert (rates[o.div_a].on_time, rates[o.div_a].submitted, rates[o.div_a].missing) == (1, 1, 2)
    assert rates[o.div_a].rate_display == "33.3%"
    # 综合二处: two final reports, both late.
    assert (rates[o.div_b].on_time, rates[o.div_b].late, rates[o.div_b].rate_display) == (0, 2, "0.0%")
    # February has nothing; the future is refused; a unit's handler may not generate it.
    assert bulletin.build(actor=s.supervisor, year=2026, month=2).overdue == []
    with pytest.raises(DomainError, match="尚未开始"):
        bulletin.build(actor=s.supervisor, year=2026, month=5)
    with pytest.raises(DomainError, match="有效的年份"):
        bulletin.build(actor=s.supervisor, year=2026, month=13)
    with pytest.raises(PermissionDenied, match="不能生成通报"):
        bulletin.build(actor=o.handler_a, year=2026, month=3)
    bulletin.build(actor=o.principal, year=2026, month=3)  # leaders may read it
    # A stall cleared during the month is still listed, marked as cleared.
    monday.move_to(datetime(2026, 4, 1, 9, 0, tzinfo=SHANGHAI))
    services.report(actor=o.handler_a, item_id=overdue.pk, text="方案已上报。", late_reason="部门意见分歧。")
    april = bulletin.build(actor=s.supervisor, year=2026, month=4)
    assert [r.item for r in april.stalled] == [overdue] and april.stalled[0].cleared_at is not None
    assert bulletin.build(actor=s.supervisor, year=2026, month=3).stalled[0].cleared_at is None


def _docx_text(data: bytes) -> tuple[str, list[list[list[str]]]]:
    doc = Docx(io.BytesIO(data))
    text = "\n".join(p.text for p in doc.paragraphs)
    tables = [[[c.text for c in row.cells] for row in t.rows] for t in doc.tables]
    return text, tables


def test_the_docx_lists_the_items(scene, monday):
    s = scene
    overdue, late, excused, _ = march(scene, monday)
    b = bulletin.build(actor=s.supervisor, year=2026, month=3)
    text, tables = _docx_text(bulletin.docx_bytes(b))
    assert "督办工作通报" in text and "（2026年3月）" in text
    assert "逾期未办结1项，停滞1项，迟报且未说明原因1次" in text
    overdue_table, stalled_table, late_table, rates_table = tables
    assert overdue_table[1][:4] == [overdue.number, "两项服务机制衔接问题", "综合一处", "孙科员"]
    assert stalled_table[1][1] == "两项服务机制衔接问题" and stalled_table[1][5] == "周副市长、陈市长"
    assert [row[1] for row in late_table[1:]] == ["老旧小区改造资金测算"]
    assert "防汛物资储备检查" not in str(late_table)
    assert [row[0] for row in rates_table[1:]] == ["综合一处", "综合二处"]
    assert rates_table[1][-1] == "33.3%" and rates_table[2][-1] == "0.0%"
    # The fonts are a CJK font this machine has.
    doc = Docx(io.BytesIO(bulletin.docx_bytes(b)))
    assert doc.styles["Normal"].font.name == bulletin.cjk_font()


def test_an_empty_month_says_so(scene):
    b = bulletin.build(actor=scene.supervisor, year=2026, month=3)
    text, tables = _docx_text(bulletin.docx_bytes(b))
    assert tables == [] and text.count("本月无。") == 4


@needs_soffice
def test_the_pdf(scene, monday):
    overdue, late, *_ = march(scene, monday)
    b = bulletin.build(actor=scene.supervisor, year=2026, month=3)
    pdf = bulletin.pdf_bytes(bulletin.docx_bytes(b))
    assert pdf.startswith(b"%PDF")
    pdftotext = shutil.which("pdftotext")
    if pdftotext is None:
        pytest.skip("pdftotext is not installed")
    text = subprocess.run([pdftotext, "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    squeezed = "".join(text.split())
    for expected in ("督办工作通报", "两项服务机制衔接问题", "老旧小区改造资金测算", "33.3%"):
        assert expected in squeezed, expected


def test_pdf_refusals_are_clear(scene, settings, tmp_path):
    settings.GONGWEN_SOFFICE = str(tmp_path / "missing-soffice")
    with pytest.raises(DomainError, match="未安装 LibreOffice") as info:
        bulletin.pdf_bytes(b"PK")
    assert "libreoffice-writer-nogui" in info.value.message and "DOCX" in info.value.message
    slow = tmp_path / "slow-soffice"
    slow.write_text("#!/bin/sh\nsleep 30\n")
    slow.chmod(0o755)
    settings.GONGWEN_SOFFICE = str(slow)
    started = datetime.now(tz=SHANGHAI)
    with pytest.raises(DomainError, match="超时"):
        bulletin.pdf_bytes(b"PK", timeout=1)
    assert datetime.now(tz=SHANGHAI) - started < timedelta(seconds=10)
    broken = tmp_path / "broken-soffice"
    broken.write_text("#!/bin/sh\necho 'cannot convert' >&2\nexit 3\n")
    broken.chmod(0o755)
    settings.GONGWEN_SOFFICE = str(broken)
    with pytest.raises(DomainError, match="未能把通报转换为 PDF（退出码 3）"):
        bulletin.pdf_bytes(b"PK")
