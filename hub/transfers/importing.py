"""Importing cases from a national-system export: check every row, then write them all in
one transaction, or nothing.

Both phases read the stored file the same way (hub.transfers.reading) and check each row
with the same rules as the intake form (hub.cases.intake.problems), so a file that
validated imports the same rows.  Rows are handled in batches of ``BATCH``: the job reports
progress and looks for a cancel request between batches, and memory stays flat (rows are
never all held at once; cases are written with multi-row inserts, outside the ORM).
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from flask_babel import gettext as _
from sqlalchemy import select, text, update

from hub.agencies.models import Agency, AgencyKind
from hub.audit.services import record_many
from hub.auth.visibility import visible
from hub.cases import steps
from hub.cases.intake import (
    COUNTIES,
    Intake,
    PetitionerData,
    case_number,
    problems,
    registered_at,
    reserve_numbers,
)
from hub.cases.models import Case, CaseBoard, CaseParticipant, Petitioner
from hub.cases.vocab import COLLECTIVE_HEADCOUNT, ParticipantRole, Stage, Status
from hub.deadlines.engine import warning_dates
from hub.deadlines.models import Deadline
from hub.deadlines.rules import rule
from hub.deadlines.services import compute_due, thresholds
from hub.extensions import bulk_insert, db, in_values
from hub.indicators import tallies
from hub.similar import services as similar
from hub.transfers import layout
from hub.transfers.layout import COLUMNS, FIELD_HEADERS, BadValue, normalise_header
from hub.transfers.reading import FileProblem, Formula, open_sheet

BATCH = 1000
SHOWN = 200  # problems and duplicates listed on the page; the rest are in the download


class Cancelled(Exception):
    pass


@dataclass(frozen=True)
class Problem:
    row: int
    column: str
    message: str


@dataclass
class Checked:
    number: int  # spreadsheet row
    external_number: str
    intake: Intake


@dataclass
class Outcome:
    rows: int = 0
    problems: list[Problem] = field(default_factory=list)
    duplicates: list[tuple[int, str, str | None]] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    encoding: str | None = None
    imported: int = 0
    numbers: list[str] = field(default_factory=list)  # first and last hub number imported

    def summary(self) -> dict:
        return {
            "rows": self.rows, "problem_count": len(self.problems),
            "problems": [[p.row, p.column, p.message] for p in self.problems[:SHOWN]],
            "duplicate_count": len(self.duplicates),
            "duplicates": [list(d) for d in self.duplicates[:SHOWN]],
            "ignored_columns": self.ignored_columns, "encoding": self.encoding,
            "imported": self.imported, "numbers": self.numbers,
        }


class Checker:
    """The rows of one file, checked against the layout and the intake rules."""

    def __init__(self, user):
        self.user = user
        self.vocab = layout.vocabularies()
        townships = db.session.execute(
            select(Agency.id, Agency.name, Agency.code)
            .where(Agency.kind == AgencyKind.TOWNSHIP.value, Agency.active.is_(True))
        ).all()
        self.township_ids = {(code.split(".", 1)[0], name): i for i, name, code in townships}
        self.township_county = {i: code.split(".", 1)[0] for i, _n, code in townships}
        self.seen: dict[str, int] = {}
        self.columns: dict[str, int] = {}

    def read_header(self, header: list) -> tuple[list[Problem], list[str]]:
        names = [normalise_header(h) for h in header]
        found, problems_, ignored = {}, [], []
        for index, name in enumerate(names):
            if not name:
                continue
            if name in layout.BY_HEADER:
                if name in found:
                    problems_.append(Problem(1, name, _("表头中“%(name)s”出现了两次", name=name)))
                found[name] = index
            else:
                ignored.append(name)
        for column in COLUMNS:
            if column.required and column.header not in found:
                problems_.append(Problem(1, column.header, _("缺少必填列“%(name)s”",
                                                             name=column.header)))
        self.columns = found
        return problems_, ignored

    def check(self, number: int, values: list) -> tuple[Checked | None, list[Problem]]:
        found: list[Problem] = []

        def cell(header: str):
            index = self.columns.get(header)
            value = values[index] if index is not None and index < len(values) else None
            if isinstance(value, Formula):
                found.append(Problem(number, header, _(
                    "单元格是公式（%(formula)s），导入不计算公式：请把它改成值后再导入",
                    formula=value.text[:40])))
                return None
            return value

        def fail(header: str, message: str):
            found.append(Problem(number, header, message))

        raw = {c.header: cell(c.header) for c in COLUMNS}
        text = {h: layout.text(v) for h, v in raw.items()}
        if not any(text.values()):
            return None, found  # an empty line (often at the end of an export)
        for column in COLUMNS:
            if column.required and not text[column.header] and not any(
                    p.column == column.header for p in found):
                fail(column.header, _("必填，不能为空"))

        external = text["信访件编号"]
        if external and not layout.EXTERNAL_NUMBER_RE.match(external):
            fail("信访件编号", _("编号只能包含字母、数字和连字符，至多 40 位"))
        elif external:
            earlier = self.seen.get(external.upper())
            if earlier is not None:
                fail("信访件编号", _("与第 %(row)d 行的信访件编号重复", row=earlier))
            else:
                self.seen[external.upper()] = number

        registered_on = None
        if raw["登记日期"] not in (None, ""):
            try:
                registered_on = layout.parse_date(raw["登记日期"])
            except BadValue as exc:
                fail("登记日期", str(exc))
        headcount = 1
        if text["人数"]:
            try:
                headcount = layout.parse_int(raw["人数"])
            except BadValue as exc:
                fail("人数", str(exc))

        def choose(header: str, vocabulary: str) -> str:
            value = text[header]
            if value and value not in self.vocab[vocabulary]:
                fail(header, _("“%(value)s”不是可选的值", value=value[:30]))
                return ""
            return self.vocab[vocabulary].get(value, "")

        channel = choose("信访形式", "channel")
        category = choose("问题类别", "category")
        county = choose("问题属地", "county")
        flags = set()
        for name in layout.LIST_SPLIT_RE.split(text["标记"]):
            if name and name in self.vocab["flags"]:
                flags.add(self.vocab["flags"][name])
            elif name:
                fail("标记", _("“%(value)s”不是可选的标记", value=name[:30]))
        township_id = None
        if text["乡镇（街道）"] and county:
            township_id = self.township_ids.get((county, text["乡镇（街道）"]))
            if township_id is None:
                fail("乡镇（街道）", _("%(county)s没有名为“%(name)s”的乡镇（街道）",
                                     county=COUNTIES[county], name=text["乡镇（街道）"][:30]))
        if len(text["村（社区）"]) > 100:
            fail("村（社区）", _("不能超过 100 字"))
        names = [n for n in layout.LIST_SPLIT_RE.split(text["信访人"]) if n.strip()]
        petitioners = [PetitionerData(n.strip()) for n in names] or [PetitionerData("")]
        petitioners[0].phone = text["联系电话"].replace(" ", "") or None
        petitioners[0].id_number = text["证件号码"].upper() or None

        if found or registered_on is None:
            return None, found
        intake = Intake(
            title=text["标题"], content=text["信访内容"], channel=channel, category=category,
            headcount=headcount, county=county, registered_on=registered_on,
            petitioners=petitioners, township_id=township_id,
            village=text["村（社区）"] or None, flags=flags,
        )
        for name, message in problems(intake, self.township_county):
            fail(FIELD_HEADERS.get(name, "信访件编号"), message)
        if found:
            return None, found
        return Checked(number, external, intake), found


def existing(user, numbers: list[str]) -> dict[str, str | None]:
    """Which national numbers are already in the hub → the hub's case number, or None when
    the user may not see that case (its number is not shown to them)."""
    if not numbers:
        return {}
    keys = [n.upper() for n in numbers]
    found = dict(db.session.execute(
        select(Case.external_number, Case.id).where(in_values(Case.external_number, keys))
    ).all())
    if not found:
        return {}
    shown = dict(db.session.execute(
        visible(user, Case).with_only_columns(Case.id, Case.number)
        .where(in_values(Case.id, found.values()))).all())
    return {ext: shown.get(case_id) for ext, case_id in found.items()}


Report = Callable[[str, int, int | None], None]  # phase, rows done, rows total


def run(user, path: Path, fmt: str, *, write: bool, report: Report,
        cancelled: Callable[[], bool], file_job_id: int | None = None) -> Outcome:
    """Read and check every row; with ``write`` also write the rows that are not already
    in the hub.  Raises Cancelled when ``cancelled()`` turns true between batches, and
    FileProblem for a file that cannot be read.  Writing stops at the first problem (the
    caller rolls back)."""
    outcome = Outcome()
    phase = "importing" if write else "validating"
    checker = Checker(user)
    writer = Writer(user, file_job_id) if write else None
    if write and db.session.get_bind().dialect.name == "postgresql":
        # The tables grow by thousands of rows inside this one transaction, which the
        # planner's statistics cannot know: a generic plan cached for a repeated statement
        # (the driver prepares those) would stay a scan of the small table it was made
        # for.  Plan each statement for the table as it is.
        db.session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
    with open_sheet(path, fmt) as sheet:
        outcome.encoding = sheet.encoding
        header_problems, outcome.ignored_columns = checker.read_header(sheet.header)
        if header_problems:
            outcome.problems = header_problems
            return outcome
        report(phase, 0, sheet.total)
        batch: list[Checked] = []
        for number, values in sheet.rows:
            if number - 1 > layout.MAX_ROWS:
                raise FileProblem(_("文件超过 %(max)s 行数据的上限，请分成几个文件导入",
                                    max=f"{layout.MAX_ROWS:,}"))
            checked, found = checker.check(number, values)
            outcome.problems += found
            if checked is not None:
                batch.append(checked)
            outcome.rows = number - 1
            if len(batch) >= BATCH:
                _finish_batch(user, batch, outcome, writer)
                batch = []
                report(phase, outcome.rows, sheet.total)
                if cancelled():
                    raise Cancelled
            if write and outcome.problems:
                return outcome
        _finish_batch(user, batch, outcome, writer)
        if cancelled():
            raise Cancelled
        if writer is not None and not outcome.problems:
            writer.finish()
            outcome.numbers = writer.numbers()
        report(phase, outcome.rows, outcome.rows)
    return outcome


def _finish_batch(user, batch: list[Checked], outcome: Outcome, writer) -> None:
    if not batch:
        return
    already = existing(user, [c.external_number for c in batch])
    fresh = []
    for checked in batch:
        key = checked.external_number.upper()
        if key in already:
            outcome.duplicates.append((checked.number, checked.external_number, already[key]))
        else:
            fresh.append(checked)
    if writer is not None and fresh and not outcome.problems:
        outcome.imported += writer.write(fresh)


def write_problems(path: Path, outcome: Outcome) -> None:
    """Every problem, as a CSV the user can open in Excel (UTF-8 with a BOM)."""
    from hub.core.exports import safe_cell

    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        out = csv.writer(handle)
        out.writerow([_("行"), _("列"), _("问题")])
        for p in outcome.problems:
            out.writerow([p.row, safe_cell(p.column), safe_cell(p.message)])
        for row, _external, hub_number in outcome.duplicates:
            out.writerow([row, "信访件编号", safe_cell(
                _("已导入过（本系统编号 %(number)s），将跳过", number=hub_number) if hub_number
                else _("已由其他单位导入，将跳过"))])


class Writer:
    """Writes checked rows as registered cases (登记, in the 梳理 column, with the 15-day
    clock to forward them), as hub.cases.intake.register would, with multi-row inserts."""

    def __init__(self, user, file_job_id: int | None):
        self.user = user
        self.agency = user.agency
        self.file_job_id = file_job_id
        self.mechanism = steps.mechanism_of(self.agency)
        self.period = rule("case.forward")
        self.thresholds = thresholds()
        self.clocks: dict[date, tuple] = {}
        self.moments: dict[date, object] = {}
        self.threats: list[int] = []
        self.first: str | None = None
        self.last: str | None = None

    def _clock(self, day: date) -> tuple:
        clock = self.clocks.get(day)
        if clock is None:
            due = compute_due(day, self.period.days, self.period.unit)
            yellow, stale = warning_dates(day, due.on, self.thresholds)
            clock = self.clocks[day] = (due.on, due.provisional, yellow, stale)
        return clock

    def write(self, rows: list[Checked]) -> int:
        by_year: dict[int, int] = {}
        for checked in rows:
            year = checked.intake.registered_on.year
            by_year[year] = by_year.get(year, 0) + 1
        serials = {year: reserve_numbers(year, n) for year, n in sorted(by_year.items())}
        case_rows = []
        for checked in rows:
            data = checked.intake
            year = data.registered_on.year
            number = case_number(year, serials[year])
            serials[year] += 1
            due_on, provisional, yellow, stale = self._clock(data.registered_on)
            moment = self.moments.get(data.registered_on)
            if moment is None:
                moment = self.moments[data.registered_on] = registered_at(data.registered_on)
            threat = "threat" in data.flags
            case_rows.append({
                "number": number, "external_number": checked.external_number.upper(),
                "title": data.title.strip(), "content": data.content.strip(),
                "channel": data.channel, "category": data.category,
                "headcount": data.headcount, "county": data.county,
                "township_id": data.township_id, "village": data.village,
                "registered_at": moment, "registered_by_id": self.user.id,
                "registering_agency_id": self.agency.id,
                "collective": data.headcount >= COLLECTIVE_HEADCOUNT,
                **{flag: flag in data.flags for flag in layout.SETTABLE_FLAGS},
                "status": Status.REGISTERED.value, "stage": Stage.SORT.value,
                "due_on": due_on, "warn_on": min(yellow, stale),
                "due_provisional": provisional,
                "rank": steps.board_rank(Stage.SORT.value, threat, due_on, None),
            })
        table = Case.__table__
        ids = dict(bulk_insert(table, case_rows, returning=("number", "id")))
        people, members, boards, clocks, audit = [], [], [], [], []
        for checked, row in zip(rows, case_rows, strict=True):
            case_id = ids[row["number"]]
            for i, p in enumerate(checked.intake.petitioners):
                people.append({"case_id": case_id, "name": p.name.strip(),
                               "phone": p.phone if i == 0 else None,
                               "id_number": p.id_number if i == 0 else None})
            members.append({"case_id": case_id, "agency_id": self.agency.id,
                            "role": ParticipantRole.SUPERVISE.value,
                            "mechanism": self.mechanism, "stage": row["stage"],
                            "rank": row["rank"]})
            if self.mechanism:
                boards.append({"case_id": case_id, "board": self.mechanism,
                               "stage": row["stage"], "rank": row["rank"]})
            due_on, provisional, yellow, stale = self._clock(checked.intake.registered_on)
            clocks.append({"owner_type": "cases", "owner_id": case_id, "kind": "case.forward",
                           "start_on": checked.intake.registered_on, "days": self.period.days,
                           "unit": str(self.period.unit), "due_on": due_on,
                           "yellow_on": yellow, "stale_on": stale, "provisional": provisional,
                           "paused": False})
            audit.append((case_id, {
                "number": row["number"], "external_number": row["external_number"],
                "title": row["title"], "status": row["status"], "stage": row["stage"],
                "due_on": due_on, "file_job_id": self.file_job_id}))
            if row["threat"]:
                self.threats.append(case_id)
        bulk_insert(Petitioner.__table__, people)
        bulk_insert(CaseParticipant.__table__, members)
        bulk_insert(CaseBoard.__table__, boards)
        bulk_insert(Deadline.__table__, clocks)
        clock_id = (select(Deadline.id)
                    .where(Deadline.owner_type == "cases", Deadline.owner_id == table.c.id,
                           Deadline.kind == "case.forward")
                    .scalar_subquery())
        db.session.execute(update(table).where(in_values(table.c.id, ids.values()))
                           .values(current_deadline_id=clock_id))
        record_many(self.user, "cases.imported", "cases", audit)
        tallies.refresh(ids.values())  # Core inserts: the indicator tallies are told
        similar.index_cases(ids.values())  # … and the similar-cases index
        self.first = self.first or case_rows[0]["number"]
        self.last = case_rows[-1]["number"]
        return len(case_rows)

    def finish(self) -> None:
        """扬言件 among the imported cases: the secretariat is told at once, as at intake."""
        from hub.cases.alerts import alert_threat

        for case_id in self.threats:
            alert_threat(self.user, db.session.get(Case, case_id))

    def numbers(self) -> list[str]:
        return [self.first, self.last] if self.first else []
