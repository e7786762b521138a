"""Building import files for the tests: rows in the national-system layout."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

from hub.transfers.layout import COLUMNS

HEADERS = [c.header for c in COLUMNS]


def row(i: int, **changes) -> dict:
    """A valid row; ``changes`` override columns by header."""
    day = date.today() - timedelta(days=1 + i % 200)
    values = {
        "信访件编号": f"T{i:08d}", "登记日期": day.isoformat(), "信访形式": "来信",
        "信访人": f"测试{i % 97}号", "联系电话": f"138{i % 100000000:08d}",
        "证件号码": "", "人数": "1", "问题属地": "芒市", "乡镇（街道）": "", "村（社区）": "",
        "问题类别": "拖欠工资", "标题": f"导入测试第{i}件", "信访内容": "反映工资拖欠问题。",
        "标记": "",
    }
    values.update(changes)
    return values


def csv_bytes(rows, encoding="utf-8", headers=HEADERS) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers)
    for r in rows:
        writer.writerow([r.get(h, "") for h in headers])
    return out.getvalue().encode(encoding)


def xlsx_bytes(rows, headers=HEADERS, raw=False) -> bytes:
    """``raw``: cell values as given (formulas stay formulas), not escaped."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("导出")
    sheet.append(headers)
    for r in rows:
        sheet.append([r.get(h) for h in headers])
    data = io.BytesIO()
    book.save(data)
    return data.getvalue()
