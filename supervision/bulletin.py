"""The monthly supervision bulletin (督办工作通报) of an agency: overdue items, stalled
items, late reports without a reason (C12) and the on-time report rate of each unit,
generated as a DOCX (python-docx) and converted to PDF by LibreOffice in headless mode.

A month is read as it stood at its end (or now, for the current month): an item counts
as overdue if it was past its due time and not closed then; as stalled if it was flagged
停滞 and not yet cleared by a report during the month.
"""

from __future__ import annotations

import io
import os
import shutil
import signal
import subprocess
import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from deadlines.calendar import WorkCalendar, YearUnknown
from deadlines.services import calendar_for
from gongwen.errors import DomainError, PermissionDenied
from org.models import Agency, Person, Unit
from ui.dates import cn_date, cn_datetime

from . import access
from .models import ProgressReport, SupervisionEvent, SupervisionItem

State = SupervisionItem.State
SOFFICE_TIMEOUT = 120  # seconds LibreOffice gets to convert one bulletin
FONT_PREFERENCE = ["Noto Serif CJK SC", "Noto Sans CJK SC", "Source Han Serif SC", "AR PL UMing CN",
                   "AR PL UKai CN", "WenQuanYi Zen Hei"]


@dataclass
class OverdueRow:
    item: SupervisionItem
    days: float  # working days past the due time at the cut-off


@dataclass
class StalledRow:
    item: SupervisionItem
    stalled_at: datetime
    since: datetime
    cleared_at: datetime | None
    escalated_to: list[str]


@dataclass
class UnitRate:
    unit: Unit
    submitted: int = 0
    on_time: int = 0
    missing: int = 0

    @property
    def expected(self) -> int:
        return self.submitted + self.missing

    @property
    def late(self) -> int:
        return self.submitted - self.on_time

    @property
    def rate(self) -> float | None:
        return self.on_time / self.expected if self.expected else None

    @property
    def rate_display(self) -> str:
        return "—" if self.rate is None else f"{self.rate * 100:.1f}%"


@dataclass
class Bulletin:
    agency: Agency
    year: int
    month: int
    start: datetime
    cutoff: datetime
    generated_at: datetime
    supervised: int = 0
    opened: int = 0
    closed: int = 0
    overdue: list[OverdueRow] = field(default_factory=list)
    stalled: list[StalledRow] = field(default_factory=list)
    late_without_reason: list[ProgressReport] = field(default_factory=list)
    rates: list[UnitRate] = field(default_factory=list)

    @property
    def title(self) -> str:
        return f"{self.agency.name}督办工作通报（{self.year}年{self.month}月）"

    @property
    def filename(self) -> str:
        return f"督办通报-{self.year}年{self.month}月"


def _month(year: int, month: int) -> tuple[datetime, datetime]:
    if not (2000 <= year <= 2100 and 1 <= month <= 12):
        raise DomainError("请选择有效的年份和月份。")
    zone = timezone.get_default_timezone()
    start = datetime(year, month, 1, tzinfo=zone)
    end = datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=zone)
    return start, end


def require_bulletin(person: Person | None) -> None:
    if person is None:
        raise PermissionDenied("请先登录。")
    if not (access.is_supervision_office(person, person.agency_id) or access.is_leader(person, person.agency_id)):
        raise PermissionDenied("督办通报由督查室（督查员）或办公室主任编发，领导可以查阅；您不能生成通报。")


def _working_days(calendar: WorkCalendar, a: datetime, b: datetime) -> float:
    try:
        return calendar.working_seconds_between(a, b) / calendar.hours.day_seconds
    except YearUnknown:
        return (b - a).total_seconds() / 86400


def build(*, actor: Person, year: int, month: int, now: datetime | None = None) -> Bulletin:
    """The month's figures for the actor's agency."""
    require_bulletin(actor)
    now = now or timezone.now()
    start, end = _month(year, month)
    if start > now:
        raise DomainError(f"{year}年{month}月尚未开始，不能生成通报。")
    cutoff = min(end, now)
    agency = actor.agency
    calendar = calendar_for(agency)
    result = Bulletin(agency=agency, year=year, month=month, start=start, cutoff=cutoff, generated_at=now)
    items = list(SupervisionItem.objects.filter(agency=agency, created_at__lt=cutoff)
                 .exclude(state=State.CANCELLED).select_related("lead_unit", "responsible", "instructed_by")
                 .prefetch_related("reports", "events").order_by("due_at", "id"))
    rates: dict[int, UnitRate] = {}

    def rate(unit: Unit) -> UnitRate:
        return rates.setdefault(unit.pk, UnitRate(unit=unit))

    for item in items:
        closed_by_cutoff = item.closed_at is not None and item.closed_at <= cutoff
        result.opened += start <= item.created_at < cutoff
        result.closed += item.closed_at is not None and start <= item.closed_at < cutoff
        if not (item.closed_at is not None and item.closed_at < start):
            result.supervised += 1
        reports = sorted((r for r in item.reports.all() if r.reported_at <= cutoff), key=lambda r: r.reported_at)
        last = reports[-1] if reports else None
        # A final report handed in and not sent back (by the cut-off): the unit is done, the
        # office reviews; no progress report is expected and the item is not overdue.
        awaiting_review = last is not None and last.kind == ProgressReport.Kind.FINAL and not (
            last.review == ProgressReport.Review.REJECTED and last.reviewed_at and last.reviewed_at <= cutoff)
        # Overdue at the cut-off.
        if item.due_at < cutoff and not closed_by_cutoff and not awaiting_review:
            result.overdue.append(OverdueRow(item, _working_days(calendar, item.due_at, cutoff)))
        # Stalled during the month: flagged before the cut-off, not cleared before the month.
        stall = None
        for event in sorted(item.events.all(), key=lambda e: e.at):
            if event.kind != SupervisionEvent.Kind.STALL or event.at >= cutoff:
                continue
            cleared = next((r.reported_at for r in reports if r.reported_at > event.at), None)
            if cleared is None and item.closed_at and item.closed_at > event.at:
                cleared = item.closed_at
            if cleared is None or cleared >= start:
                before = [r.reported_at for r in reports if r.reported_at <= event.at]
                stall = StalledRow(item, event.at, before[-1] if before else item.created_at,
                                   cleared if cleared and cleared <= cutoff else None, list(event.recipients))
        if stall is not None:
            result.stalled.append(stall)
        # Reports of the month, on time or late (C12).
        for r in reports:
            if r.due_at is None or not start <= r.reported_at < cutoff:
                continue
            entry = rate(r.unit)
            entry.submitted += 1
            entry.on_time += r.reported_at <= r.due_at
            if r.reported_at > r.due_at and not r.late_reason:
                result.late_without_reason.append(r)
        # Reports that fell due in the month and were still missing at the cut-off.
        if closed_by_cutoff:
            continue
        finals = [r for r in reports if r.kind == ProgressReport.Kind.FINAL]
        if start <= item.due_at < cutoff and not finals:
            rate(item.lead_unit).missing += 1
        if not awaiting_review:
            try:
                due = calendar.add_days(last.reported_at if last else item.created_at, item.report_interval_days)
            except YearUnknown:
                due = None
            if due is not None and start <= due < cutoff:
                rate(item.lead_unit).missing += 1
    result.late_without_reason.sort(key=lambda r: r.reported_at)
    result.rates = sorted(rates.values(), key=lambda r: (r.unit.sort_order, r.unit.pk))
    return result


# --- DOCX ------------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def cjk_font() -> str:
    """A CJK font this machine has (so the PDF shows Chinese); the first preferred one."""
    fc = shutil.which("fc-list")
    if fc:
        try:
            out = subprocess.run([fc, ":lang=zh", "family"], capture_output=True, text=True,  # noqa: S603 (fixed arguments)
                                 timeout=20, check=False).stdout
        except (OSError, subprocess.TimeoutExpired):
            out = ""
        families = {name.strip() for line in out.splitlines() for name in line.split(",")}
        for name in FONT_PREFERENCE:
            if name in families:
                return name
        if families:
            return sorted(families)[0]
    return FONT_PREFERENCE[0]


def docx_bytes(b: Bulletin) -> bytes:
    from docx import Document as Docx
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Pt

    font = cjk_font()
    doc = Docx()
    for name in ("Normal", "Title", "Heading 1", "Heading 2", "Table Grid"):
        try:
            style = doc.styles[name]
        except KeyError:
            continue
        style.font.name = font
        rpr = style.element.get_or_add_rPr()
        rfonts = rpr.find(qn("w:rFonts"))
        if rfonts is None:
            rfonts = rpr.makeelement(qn("w:rFonts"), {})
            rpr.append(rfonts)
        for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
            rfonts.set(qn(attr), font)
    doc.styles["Normal"].font.size = Pt(11)

    def para(text, *, size=None, bold=False, center=False, space=6):
        p = doc.add_paragraph()
        run = p.add_run(text)
        run.bold = bold
        if size:
            run.font.size = Pt(size)
        if center:
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        p.paragraph_format.space_after = Pt(space)
        return p

    def table(header, rows):
        if not rows:
            para("本月无。")
            return
        t = doc.add_table(rows=1, cols=len(header))
        t.style = doc.styles["Table Grid"]
        t.alignment = WD_TABLE_ALIGNMENT.CENTER
        for cell, text in zip(t.rows[0].cells, header, strict=True):
            cell.text = ""
            run = cell.paragraphs[0].add_run(text)
            run.bold = True
        for row in rows:
            cells = t.add_row().cells
            for cell, text in zip(cells, row, strict=True):
                cell.text = str(text)
        para("", space=2)

    para(b.title.replace("（", "\n（", 1), size=20, bold=True, center=True, space=12)
    para(f"{b.agency.short_name}督查室　　{cn_date(b.generated_at)}", center=True, space=12)
    period = f"{cn_date(b.start)}至{cn_date(b.cutoff)}" if b.cutoff < _month(b.year, b.month)[1] else f"{b.year}年{b.month}月"
    para("一、总体情况", size=14, bold=True)
    para(f"统计期间：{period}。本月在督事项{b.supervised}项，新立项{b.opened}项，办结销号{b.closed}项；"
         f"截至统计时点逾期未办结{len(b.overdue)}项，停滞{len(b.stalled)}项，迟报且未说明原因"
         f"{len(b.late_without_reason)}次。")
    para("二、逾期未办结事项", size=14, bold=True)
    table(["督办编号", "督办事项", "牵头单位", "责任人", "办理时限", "逾期（工作日）"],
          [[r.item.number, r.item.title, r.item.lead_unit.name, r.item.responsible.name, cn_datetime(r.item.due_at),
            f"{r.days:.1f}"] for r in b.overdue])
    para("三、停滞事项", size=14, bold=True)
    table(["督办编号", "督办事项", "牵头单位", "未报送进展起始", "标记停滞", "已报告领导", "目前情况"],
          [[r.item.number, r.item.title, r.item.lead_unit.name, cn_date(r.since), cn_date(r.stalled_at),
            "、".join(r.escalated_to), f"{cn_date(r.cleared_at)}已报送进展" if r.cleared_at else "仍未报送进展"]
           for r in b.stalled])
    para("四、迟报且未说明原因的反馈", size=14, bold=True)
    table(["督办编号", "督办事项", "报送单位", "报送人", "类别", "应报时间", "实际报送时间"],
          [[r.item.number, r.item.title, r.unit.name, r.reported_by.name, r.get_kind_display(), cn_datetime(r.due_at),
            cn_datetime(r.reported_at)] for r in b.late_without_reason])
    para("五、各单位按时报送率", size=14, bold=True)
    table(["单位", "应报次数", "按时报送", "迟报", "逾期未报", "按时报送率"],
          [[r.unit.name, r.expected, r.on_time, r.late, r.missing, r.rate_display] for r in b.rates])
    para("说明：按时报送率＝按时报送次数÷应报次数；应报次数含本月已报送的和本月到期仍未报送的进展报告、办结报告。",
         size=9)
    buffer = io.BytesIO()
    doc.core_properties.title = b.title
    doc.core_properties.author = f"{b.agency.short_name}督查室"
    doc.save(buffer)
    return buffer.getvalue()


# --- PDF -------------------------------------------------------------------------------------------


def soffice() -> str | None:
    configured = getattr(settings, "GONGWEN_SOFFICE", "") or os.environ.get("GONGWEN_SOFFICE", "")
    if configured:
        return configured if Path(configured).exists() else None
    return shutil.which("soffice") or shutil.which("libreoffice")


def pdf_bytes(docx: bytes, *, timeout: int = SOFFICE_TIMEOUT) -> bytes:
    """Convert with LibreOffice headless, in a private profile per call (two conversions
    at once would otherwise fight over one profile)."""
    program = soffice()
    if program is None:
        raise DomainError("本机未安装 LibreOffice（soffice），无法生成 PDF 版通报，DOCX 版可以正常下载。"
                          "请系统管理员安装 libreoffice-writer-nogui 软件包（scripts/sysdeps.sh 会安装）。",
                          code="soffice_missing")
    with tempfile.TemporaryDirectory(prefix="gw-bulletin-") as tmp:
        folder = Path(tmp)
        source = folder / "bulletin.docx"
        source.write_bytes(docx)
        command = [program, "--headless", "--norestore", "--nolockcheck", "--nodefault",
                   f"-env:UserInstallation={(folder / 'profile').as_uri()}",
                   "--convert-to", "pdf", "--outdir", str(folder), str(source)]
        env = {**os.environ, "HOME": str(folder)}
        # Own process group: on a timeout the whole LibreOffice (launcher and soffice.bin) is stopped.
        proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,  # noqa: S603 (no shell)
                                env=env, cwd=folder, start_new_session=True)
        try:
            _out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            raise DomainError(f"生成 PDF 超时（LibreOffice 在 {timeout} 秒内未完成转换），请稍后重试，或先下载 DOCX 版。",
                              code="soffice_timeout") from None
        target = folder / "bulletin.pdf"
        if proc.returncode != 0 or not target.exists():
            detail = (err or b"").decode("utf-8", "replace").strip()[-200:]
            raise DomainError(f"LibreOffice 未能把通报转换为 PDF（退出码 {proc.returncode}）。{detail}",
                              code="soffice_failed")
        return target.read_bytes()
