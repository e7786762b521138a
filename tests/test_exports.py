"""Spreadsheet exports never carry a live formula from text typed into the hub."""

import io

from openpyxl import Workbook, load_workbook

from hub.core.exports import append_row, safe_cell


def test_text_that_looks_like_a_formula_is_escaped_and_stays_text():
    wb = Workbook()
    ws = wb.active
    append_row(ws, ["=HYPERLINK(\"http://evil\")", "+1", "-2", "@SUM(A1)", "正常", -3, 4.5])
    out = io.BytesIO()
    wb.save(out)
    cells = list(load_workbook(io.BytesIO(out.getvalue())).active.iter_rows(values_only=True))[0]
    assert cells[:5] == ("'=HYPERLINK(\"http://evil\")", "'+1", "'-2", "'@SUM(A1)", "正常")
    assert cells[5:] == (-3, 4.5)  # numbers are numbers
    formulas = [c for c in load_workbook(io.BytesIO(out.getvalue())).active[1]
                if c.data_type == "f"]
    assert formulas == []
    assert safe_cell(None) is None and safe_cell("信访") == "信访"


def test_the_monthly_circular_escapes_a_name_that_looks_like_a_formula(ctx):
    from datetime import date
    from types import SimpleNamespace

    from hub.chase.services import circular_xlsx

    entry = SimpleNamespace(subject="XF-1「会见」", days_overdue=16, created_on=date(2026, 11, 1))
    data = circular_xlsx([(entry, "=cmd|' /C calc'!A0", "@某单位", "XF-1")], "2026-11")
    sheet = load_workbook(io.BytesIO(data)).active
    row = [c for c in sheet[3]]
    assert row[2].value == "'=cmd|' /C calc'!A0" and row[1].value == "'@某单位"
    assert all(c.data_type != "f" for c in row)
