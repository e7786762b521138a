"""Writing spreadsheets people open: text that a spreadsheet program would read as a
formula (it begins with =, +, -, @ or a tab/return) is escaped with a leading apostrophe,
so a name or title typed into the hub can never run as a formula in someone's Excel."""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def append_row(sheet, values) -> None:
    """``sheet.append`` with every text cell escaped and kept as text (in an ordinary or a
    write-only workbook)."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet

    if isinstance(sheet, WriteOnlyWorksheet):
        cells = []
        for value in values:
            cell = WriteOnlyCell(sheet, value=safe_cell(value))
            if isinstance(cell.value, str):
                cell.data_type = "s"
            cells.append(cell)
        sheet.append(cells)
        return
    sheet.append([safe_cell(v) for v in values])
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, str):
            cell.data_type = "s"  # openpyxl would otherwise store "=…" as a formula
