"""Reading an uploaded .xlsx or .csv as rows of cell values, never evaluating anything.

A formula in an .xlsx cell is returned as ``Formula`` (its text, not a value: openpyxl is
asked for formulas, not cached results), so the import can refuse it.  A CSV may be UTF-8
(with or without a BOM), GBK/GB18030 (what Excel writes on Chinese Windows) or UTF-16
("Unicode text"); the encoding found is reported to the user.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from flask_babel import gettext as _

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the old binary .xls (and .doc) format
MAX_COLUMNS = 60


class FileProblem(Exception):
    """The file as a whole cannot be read; the message says why, in words."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Formula:
    text: str


@dataclass
class Sheet:
    header: list
    rows: Iterator[tuple[int, list]]  # (spreadsheet row number, cell values)
    total: int | None  # data rows, when the file says (progress)
    encoding: str | None = None  # CSV only


def sniff_format(head: bytes, filename: str) -> str:
    """"xlsx" or "csv" from the file's first bytes (the name's extension is not trusted)."""
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if head.startswith(OLE_MAGIC):
        raise FileProblem(_("这是旧版 Excel（.xls）文件，请在 Excel 中“另存为”.xlsx 或 CSV 后再导入"))
    if filename.lower().endswith((".xlsx", ".xlsm")):
        raise FileProblem(_("文件扩展名是 .xlsx，但内容不是 Excel 工作簿（可能是改了扩展名的其他文件）"))
    if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise FileProblem(_("这不是文本格式的 CSV 文件，也不是 .xlsx 工作簿"))
    return "csv"


@contextmanager
def open_sheet(path: Path, fmt: str):
    if fmt == "xlsx":
        with _xlsx(path) as sheet:
            yield sheet
    else:
        yield _csv(path)


# ---------------------------------------------------------------------------------------
# .xlsx
# ---------------------------------------------------------------------------------------

@contextmanager
def _xlsx(path: Path):
    from openpyxl import load_workbook

    try:
        # read_only streams the sheet (memory stays flat); data_only=False returns formulas
        # as their text instead of values computed by whoever saved the file.
        book = load_workbook(path, read_only=True, data_only=False, keep_links=False)
    except Exception as exc:  # noqa: BLE001 - a bad zip, a missing part, bad XML: all say so
        raise FileProblem(_("无法打开这个 .xlsx 文件：它已损坏，或不是 Excel 工作簿")) from exc
    try:
        sheet = book.worksheets[0] if book.worksheets else None
        if sheet is None:
            raise FileProblem(_("工作簿中没有工作表"))
        rows = sheet.iter_rows(max_col=MAX_COLUMNS)
        header_cells = next(rows, None)
        if header_cells is None:
            raise FileProblem(_("第一个工作表是空的：第 1 行应为表头"))
        header = [_cell_value(c) for c in header_cells]
        max_row = sheet.max_row  # from the file's dimension record; may be missing
        total = max_row - 1 if max_row and max_row > 1 else None

        def data():
            for number, cells in enumerate(rows, start=2):
                yield number, [_cell_value(c) for c in cells]

        yield Sheet(header, data(), total)
    finally:
        book.close()


def _cell_value(cell):
    if cell.data_type == "f":
        return Formula(str(cell.value))
    return cell.value


# ---------------------------------------------------------------------------------------
# .csv
# ---------------------------------------------------------------------------------------

def decode(raw: bytes) -> tuple[str, str]:
    """The text of a CSV and the name of its encoding."""
    if raw.startswith(b"\xef\xbb\xbf"):
        return _strict(raw[3:], "utf-8", "UTF-8"), "UTF-8"
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return _strict(raw, "utf-16", "UTF-16"), "UTF-16"
    try:
        return raw.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError as exc:
        utf8_stop = exc.start
    try:
        return raw.decode("gb18030"), "GBK"
    except UnicodeDecodeError as exc:
        # The encoding that read furthest is the likelier one: name the line it stopped at.
        stop = max(utf8_stop, exc.start)
        line = raw[:stop].count(b"\n") + 1
        raise FileProblem(_(
            "无法识别文件编码：第 %(line)d 行有既不是 UTF-8 也不是 GBK 的字符。"
            "请在 Excel 中“另存为”“CSV UTF-8（逗号分隔）”后再导入", line=line)) from None


def _strict(raw: bytes, codec: str, name: str) -> str:
    try:
        return raw.decode(codec)
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        raise FileProblem(_("文件声明为 %(name)s 编码，但第 %(line)d 行有无效字符",
                            name=name, line=line)) from None


def _csv(path: Path) -> Sheet:
    text, encoding = decode(path.read_bytes())
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if first_line.count("\t") > first_line.count(",") else ","
    lines = text.splitlines(keepends=True)
    reader = csv.reader(lines, delimiter=delimiter, strict=True)
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise FileProblem(_("第 1 行（表头）无法解析：%(error)s", error=str(exc))) from None
    if not header:
        raise FileProblem(_("文件是空的：第 1 行应为表头"))

    def data():
        number = 1  # records, numbered as a spreadsheet program shows them
        while True:
            number += 1
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise FileProblem(_("第 %(line)d 行无法解析（%(error)s），常见原因是引号没有成对",
                                    line=number, error=str(exc))) from None
            yield number, row[:MAX_COLUMNS]

    # Records, not lines: a quoted cell may span lines, so the count is an estimate.
    return Sheet(header[:MAX_COLUMNS], data(), max(len(lines) - 1, 0), encoding)


def sniff_head(path: Path) -> bytes:
    with path.open("rb") as handle:
        return handle.read(4096)
