"""The monthly 通报 (circular) and 台账 (ledger of key cases and key persons), built from
the indicators and kept as generated (hub.indicators.models.Report).

A report is the prefecture-wide view (the secretariat's, without restricted cases), for a
calendar month.  Its figures are computed once into a snapshot; the .xlsx and the printable
page are both made from that snapshot, so they always agree and can be shown again as they
were.
"""

from __future__ import annotations

import secrets
from datetime import date, timedelta
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, or_, select

from hub.agencies.models import Agency
from hub.audit.services import record_change
from hub.auth.models import User
from hub.auth.roles import RANK_LABELS
from hub.baoan.models import Assignment
from hub.boards.queries import colour_expr
from hub.cases.intake import COUNTIES
from hub.cases.models import Case, Petitioner
from hub.cases.permissions import mask_id_number
from hub.cases.vocab import FLAGS, STATUS_LABELS, Stage
from hub.core.exports import append_row
from hub.deadlines.calendar import current_calendar
from hub.deadlines.engine import Colour
from hub.deadlines.services import local_date, local_today
from hub.extensions import db
from hub.indicators import definitions as d
from hub.indicators import queries
from hub.indicators.models import Report
from hub.indicators.queries import Period

KINDS = ("circular", "ledger")
LIST_LIMIT = 5000  # rows of a list in one report (the sheet says when more were left out)


def month_period(month: date) -> Period:
    first = month.replace(day=1)
    last = (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    return Period(first, last)


def kind_label(kind: str) -> str:
    return _("月度通报") if kind == "circular" else _("重点事项台账")


# ---------------------------------------------------------------------------------------
# Snapshots
# ---------------------------------------------------------------------------------------

def circular(month: date, today: date | None = None) -> dict:
    today = today or local_today()
    period = month_period(month)
    totals = queries.case_counts(None, period, today=today).get("all", {})
    by_county = queries.case_counts(None, period, by="county", today=today)
    handoffs = queries.handoff_counts(None, period, today=today)
    names = dict(db.session.execute(select(Agency.id, Agency.name)).all())
    overdue = _overdue_cases(period, today)
    return {
        "period": [period.start.isoformat(), period.end.isoformat()],
        "totals": totals,
        "rates": queries.rates(totals),
        "counties": [[COUNTIES[k], by_county[k], queries.rates(by_county[k])]
                     for k in COUNTIES if k in by_county],
        "handoffs": sorted(([names.get(k, str(k)), v] for k, v in handoffs.items()),
                           key=lambda row: -row[1]["sent"]),
        "baoan": [[str(RANK_LABELS.get(k, k)), v]
                  for k, v in sorted(queries.baoan_counts(None, period).items())],
        "tasks": queries.task_counts(None, period, today=today),
        "overdue": overdue[:LIST_LIMIT],
        "overdue_total": len(overdue),
    }


def _overdue_cases(period: Period, today: date) -> list[list]:
    """Open cases registered up to the month's end that are red today (超期 or 扬言)."""
    _start, end = period.bounds()
    shade = colour_expr(today, Case.threat, Case.due_on, Case.warn_on, Case.stage, Case.paused)
    lead = select(Agency.name).where(Agency.id == Case.lead_agency_id).scalar_subquery()
    rows = db.session.execute(
        select(Case.number, Case.title, Case.county, lead, Case.due_on, Case.threat)
        .where(Case.restricted.is_(False), Case.registered_at < end,
               Case.stage != Stage.CLOSED.value, shade == Colour.RED.value)
        .order_by(Case.due_on.is_(None), Case.due_on, Case.id)
        .limit(LIST_LIMIT + 1)).all()
    return [[n, t, COUNTIES.get(c, c), lead or "", due.isoformat() if due else "",
             _("扬言件") if threat else _("超期")] for n, t, c, lead, due, threat in rows]


def ledger(month: date, today: date | None = None) -> dict:
    """Key cases (包案, 扬言件, 集体访, 重复信访) open at some time in the month, with their
    销号 status; key persons (petitioners with two or more cases in the last 12 months)."""
    period = month_period(month)
    start, end = period.bounds()
    owned = select(Assignment.case_id).where(Assignment.active.is_(True))
    leader = (select(User.display_name).join(Assignment, Assignment.leader_id == User.id)
              .where(Assignment.case_id == Case.id, Assignment.active.is_(True))
              .limit(1).scalar_subquery())
    lead = select(Agency.name).where(Agency.id == Case.lead_agency_id).scalar_subquery()
    key = or_(Case.threat.is_(True), Case.collective.is_(True), Case.repeat.is_(True),
              Case.id.in_(owned))
    cases = db.session.execute(
        select(Case).where(Case.restricted.is_(False), key, Case.registered_at < end,
                           or_(Case.closed_at.is_(None), Case.closed_at >= start))
        .with_only_columns(Case.number, Case.title, Case.county, Case.threat, Case.collective,
                           Case.repeat, lead, leader, Case.status, Case.closed_at)
        .order_by(Case.registered_at, Case.id).limit(LIST_LIMIT + 1)).all()
    case_rows = []
    for number, title, county, threat, collective, repeat, lead_name, leader_name, status, \
            closed_at in cases:
        flags = [str(FLAGS[f]) for f, on in (("threat", threat), ("collective", collective),
                                              ("repeat", repeat)) if on]
        case_rows.append([number, title, COUNTIES.get(county, county), "、".join(flags),
                          lead_name or "", leader_name or "", str(STATUS_LABELS.get(status, status)),
                          local_date(closed_at).isoformat() if closed_at else _("未销号")])
    since = end - timedelta(days=365)
    people = db.session.execute(
        select(Petitioner.id_number, func.min(Petitioner.name), func.count(Case.id),
               func.max(Case.number),
               queries.sum_of(Case.closed_at.is_(None)))
        .join(Case, Case.id == Petitioner.case_id)
        .where(Petitioner.id_number.is_not(None), Case.restricted.is_(False),
               Case.registered_at >= since, Case.registered_at < end)
        .group_by(Petitioner.id_number).having(func.count(Case.id) >= 2)
        .order_by(func.count(Case.id).desc(), Petitioner.id_number)
        .limit(LIST_LIMIT + 1)).all()
    person_rows = [[name, mask_id_number(id_number), count, last,
                    _("未销号 %(n)d 件", n=open_count) if open_count else _("已全部销号")]
                   for id_number, name, count, last, open_count in people]
    return {"period": [period.start.isoformat(), period.end.isoformat()],
            "cases": case_rows[:LIST_LIMIT], "cases_total": len(case_rows),
            "persons": person_rows[:LIST_LIMIT], "persons_total": len(person_rows)}


# ---------------------------------------------------------------------------------------
# Files
# ---------------------------------------------------------------------------------------

def folder() -> Path:
    path = Path(current_app.config["HUB_UPLOAD_DIR"]) / "reports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _percent(value) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def sheets(report: Report) -> list[tuple[str, list[str], list[list]]]:
    """The report as (sheet name, headers, rows): what the .xlsx holds."""
    snap = report.snapshot
    if report.kind == "ledger":
        return [
            (_("重点事项"), [_("编号"), _("标题"), _("县（市）"), _("标记"), _("主办单位"),
                           _("包案领导"), _("状态"), _("销号")], snap["cases"]),
            (_("重点人员"), [_("姓名"), _("证件号码"), _("件数（12 个月）"), _("最近事项"),
                           _("销号情况")], snap["persons"]),
        ]
    totals, rates = snap["totals"], snap["rates"]
    summary = [[str(c.label), totals.get(c.code, 0), str(c.formula)]
               for c in d.VOLUME + d.FLAG_COUNTS + d.HANDLING_COUNTS + d.COLOUR_COUNTS]
    summary += [[str(r.label), _percent(rates.get(r.code)), str(r.formula)] for r in d.RATES]
    counties = [[name, c["total"], c["accepted"], c["replied"], _percent(r["on_time_rate"]),
                 _percent(r["satisfaction_rate"])] for name, c, r in snap["counties"]]
    tasks = snap["tasks"]
    return [
        (_("总体"), [_("指标"), _("数值"), _("公式")], summary),
        (_("各县（市）"), [_("县（市）"), _("信访总量"), _("已受理"), _("已答复"), _("按期办结率"),
                         _("满意率")], counties),
        (_("交办"), [_("接收单位"), _("交办件数"), _("已签收"), _("逾期")],
         [[name, c["sent"], c["signed"], c["overdue"]] for name, c in snap["handoffs"]]),
        (_("领导包案"), [_("级别"), _("包案件数"), _("已化解"), _("已销号")],
         [[name, c["assigned"], c["resolved"], c["closed"]] for name, c in snap["baoan"]]),
        (_("会议任务"), [_("到期任务"), _("按期完成"), _("逾期完成"), _("逾期未完成"),
                       _("会议任务按期完成率")],
         [[tasks["due"], tasks["on_time"], tasks["late"], tasks["open_overdue"],
           _percent(tasks["task_on_time_rate"])]]),
        (_("超期事项"), [_("编号"), _("标题"), _("县（市）"), _("主办单位"), _("办理期限"),
                       _("原因")], snap["overdue"]),
    ]


def write_xlsx(report: Report, path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    for name, headers, rows in sheets(report):
        sheet = book.create_sheet(name[:31])
        append_row(sheet, [f"{kind_label(report.kind)} {report.month:%Y-%m}"])
        append_row(sheet, headers)
        for row in rows:
            append_row(sheet, row)
    partial = path.with_suffix(".part")
    book.save(partial)
    partial.replace(path)


def generate(kind: str, month: date, actor=None, today: date | None = None) -> Report:
    """Compute the snapshot, write the .xlsx, keep both.  Flushes, never commits."""
    if kind not in KINDS:
        raise ValueError(kind)
    month = month.replace(day=1)
    snapshot = circular(month, today) if kind == "circular" else ledger(month, today)
    report = Report(kind=kind, month=month, generated_by_id=getattr(actor, "id", None),
                    snapshot=queries_jsonable(snapshot),
                    stored_name=f"{kind}-{month:%Y-%m}-{secrets.token_hex(8)}.xlsx")
    db.session.add(report)
    db.session.flush()
    write_xlsx(report, folder() / report.stored_name)
    record_change(actor, "reports.generated", report, None)
    return report


def queries_jsonable(value):
    """Snapshots hold only JSON types (dates as ISO text)."""
    if isinstance(value, dict):
        return {str(k): queries_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [queries_jsonable(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    return value


def first_working_day(month: date) -> date:
    return current_calendar().next_working(month.replace(day=1))


def previous_month(day: date) -> date:
    return (day.replace(day=1) - timedelta(days=1)).replace(day=1)


def missing_for(month: date) -> list[str]:
    """The kinds of report not yet generated for ``month``."""
    have = set(db.session.scalars(select(Report.kind).where(Report.month == month)))
    return [k for k in KINDS if k not in have]
