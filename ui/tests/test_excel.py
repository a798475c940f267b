"""ui.excel: the one way ledgers are written to Excel."""

import io
from urllib.parse import quote

from openpyxl import load_workbook

from ui.excel import XLSX, Sheet, ledger_xlsx, sheet_title, xlsx_response


def test_ledger_sheet_header_widths_frozen_and_chinese_filename():
    produced = []

    def rows():  # a lazy iterator is written row by row
        for n in range(1, 4):
            produced.append(n)
            yield [n, f"关于第{n}项工作的通知", None]

    r = ledger_xlsx("收文登记簿", [("序号", 6), ("标题", 50), "备注"], rows(), filename="收文登记簿-20260309.xlsx",
                    ascii_filename="registry-20260309.xlsx")
    assert produced == [1, 2, 3]
    assert r["Content-Type"] == XLSX
    assert r["Content-Disposition"] == (
        f"attachment; filename=\"registry-20260309.xlsx\"; filename*=UTF-8''{quote('收文登记簿-20260309.xlsx')}")
    wb = load_workbook(io.BytesIO(r.content))
    ws = wb["收文登记簿"]
    assert list(ws.iter_rows(values_only=True)) == [
        ("序号", "标题", "备注"), (1, "关于第1项工作的通知", None), (2, "关于第2项工作的通知", None),
        (3, "关于第3项工作的通知", None)]
    assert ws["A1"].font.bold and ws["A1"].alignment.horizontal == "center"
    assert ws.freeze_panes == "A2"
    assert ws.column_dimensions["A"].width == 6 and ws.column_dimensions["B"].width == 50
    assert ws.column_dimensions["C"].width == 12


def test_heading_notes_wrap_and_several_sheets():
    r = xlsx_response([
        Sheet("发文登记簿2026", ["代字", "标题"], [["示府办发", "很长的标题"]], heading=["示范市人民政府办公室发文登记簿"],
              notes=["作废的文号保留在登记簿中。"], wrap=[1]),
        Sheet("第二张：统计/汇总[1]*", ["a"], []),
    ], filename="发文登记簿-2026.xlsx")
    assert "filename*=UTF-8''" in r["Content-Disposition"] and 'filename="_____-2026.xlsx"' in r[
        "Content-Disposition"]
    wb = load_workbook(io.BytesIO(r.content))
    assert wb.sheetnames == ["发文登记簿2026", "第二张：统计_汇总_1__"]
    ws = wb["发文登记簿2026"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][0] == "示范市人民政府办公室发文登记簿" and ws["A1"].font.bold and ws["A1"].font.size == 14
    assert rows[1] == ("代字", "标题") and rows[2] == ("示府办发", "很长的标题")
    assert rows[-1][0] == "作废的文号保留在登记簿中。"
    assert ws.freeze_panes == "A3" and ws["B3"].alignment.wrap_text
    assert len(sheet_title("一" * 40)) == 31
