"""Excel exports of ledgers (登记簿、台账、统计表), written one way.

A sheet is a title (the tab), optional heading lines above the table (the first in bold:
the ledger's name, the period, "统计截至…"), the header row (bold, centred, wrapped,
frozen so it stays on screen and repeats on every printed page), the rows, optional total
rows (bold: 合计), and optional note lines after a blank row; a wide ledger may be printed
on A4 landscape. Columns are ``(label, width)`` pairs or plain labels (width
12). The workbook is written in openpyxl's write-only mode, so rows may be a lazy iterator
(``queryset.iterator()``, a generator) and are never all held as cells at once.

The download keeps an ASCII file name for old clients and gives the Chinese one through
``filename*`` (RFC 6266 / RFC 5987), as every export did by hand before.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from urllib.parse import quote

from django.http import HttpResponse
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DEFAULT_WIDTH = 12
MAX_TITLE = 31  # Excel's limit for a sheet's name
_FORBIDDEN = str.maketrans({c: "_" for c in "[]:*?/\\"})

Column = tuple[str, float] | str


@dataclass
class Sheet:
    title: str
    columns: Sequence[Column]
    rows: Iterable[Sequence]
    heading: Sequence[str] = ()
    notes: Sequence[str] = ()
    wrap: Sequence[int] = field(default=())  # 0-based columns whose cells wrap (long titles)
    totals: Sequence[Sequence] = ()  # rows after the table's rows, in bold (合计)
    landscape: bool = False  # printed on A4 landscape

    @property
    def labels(self) -> list[str]:
        return [c if isinstance(c, str) else c[0] for c in self.columns]

    @property
    def widths(self) -> list[float]:
        return [DEFAULT_WIDTH if isinstance(c, str) else c[1] for c in self.columns]


def sheet_title(title: str) -> str:
    return (title.translate(_FORBIDDEN)[:MAX_TITLE]) or "Sheet"


def _write(wb: Workbook, sheet: Sheet) -> None:
    ws = wb.create_sheet(sheet_title(sheet.title))
    for i, width in enumerate(sheet.widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    header_row = len(sheet.heading) + 1
    ws.freeze_panes = f"A{header_row + 1}"
    ws.print_title_rows = f"{header_row}:{header_row}"
    if sheet.landscape:
        ws.page_setup.orientation = "landscape"
        ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    for n, line in enumerate(sheet.heading):
        cell = WriteOnlyCell(ws, value=line)
        if n == 0:
            cell.font = Font(bold=True, size=14)
        ws.append([cell])
    header = []
    for label in sheet.labels:
        cell = WriteOnlyCell(ws, value=label)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        header.append(cell)
    ws.append(header)
    wrap = set(sheet.wrap)
    for row in sheet.rows:
        if wrap:
            row = [_wrapped(ws, v) if i in wrap else v for i, v in enumerate(row)]
        ws.append(row)
    for row in sheet.totals:
        ws.append([_bold(ws, v) for v in row])
    if sheet.notes:
        ws.append([])
        for line in sheet.notes:
            ws.append([line])


def _bold(ws, value):
    cell = WriteOnlyCell(ws, value=value)
    cell.font = Font(bold=True)
    return cell


def _wrapped(ws, value):
    cell = WriteOnlyCell(ws, value=value)
    cell.alignment = Alignment(wrap_text=True, vertical="top")
    return cell


def workbook(sheets: Iterable[Sheet]) -> bytes:
    wb = Workbook(write_only=True)
    for sheet in sheets:
        _write(wb, sheet)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def attachment(response: HttpResponse, filename: str, ascii_filename: str | None = None) -> HttpResponse:
    """Content-Disposition: attachment with the ASCII name and the Chinese one (filename*)."""
    fallback = ascii_filename or filename.encode("ascii", "replace").decode().replace("?", "_")
    fallback = fallback.replace('"', "")
    response["Content-Disposition"] = f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"
    return response


def xlsx_response(sheets: Iterable[Sheet], *, filename: str, ascii_filename: str | None = None) -> HttpResponse:
    """A workbook of several sheets as a download."""
    return attachment(HttpResponse(workbook(sheets), content_type=XLSX), filename, ascii_filename)


def ledger_xlsx(title: str, columns: Sequence[Column], rows: Iterable[Sequence], *, filename: str,
                ascii_filename: str | None = None, heading: Sequence[str] = (), notes: Sequence[str] = (),
                wrap: Sequence[int] = ()) -> HttpResponse:
    """A one-sheet ledger as a download: ``title`` names the sheet."""
    return xlsx_response([Sheet(title, columns, rows, heading=heading, notes=notes, wrap=wrap)],
                         filename=filename, ascii_filename=ascii_filename)
