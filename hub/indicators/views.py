"""指标看板: the indicators for a period and area, within what the user may see — the
secretariat sees the prefecture, a partner agency what it takes part in.  Every chart has
a table of the same numbers."""

from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from hub.agencies.models import Agency
from hub.auth.access import requires
from hub.auth.capabilities import Capability
from hub.auth.roles import RANK_LABELS
from hub.boards.queries import boards as board_defs
from hub.cases.intake import COUNTIES
from hub.cases.vocab import CHANNEL_LABELS, Channel
from hub.deadlines.services import local_today
from hub.extensions import db
from hub.indicators import definitions as d
from hub.indicators import queries
from hub.indicators.queries import Period

bp = Blueprint("indicators", __name__)

AGENCY_ROWS = 30  # the agencies with the most cases (the page says how many there are)


def _month(value: str | None) -> date | None:
    try:
        year, month = (int(p) for p in (value or "").split("-"))
        return date(year, month, 1) if 2000 <= year <= 2100 and 1 <= month <= 12 else None
    except ValueError:
        return None


def period_from(args) -> tuple[Period, list[str]]:
    """The period from ``from``/``to`` months (YYYY-MM); default: this year to today.
    Returns the period and what was wrong with the input (shown, then the default used)."""
    today = local_today()
    start, end = _month(args.get("from")), _month(args.get("to"))
    problems = []
    if args.get("from") and start is None or args.get("to") and end is None:
        problems.append(_("月份应写成 2026-03 这样的格式"))
    start = start or date(today.year, 1, 1)
    last = min(_month_end(end or today.replace(day=1)), today)
    if start > last:
        problems.append(_("起始月份不能晚于截止月份"))
        start, last = date(today.year, 1, 1), today
    if (last - start).days > 366 * 3:
        problems.append(_("期间最长 3 年"))
        start = date(last.year - 2, 1, 1)
    return Period(start, last), problems


def _month_end(month: date) -> date:
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _largest(grouped: dict, names: dict, unnamed=None) -> list[tuple]:
    """(name, counts) rows, the most cases first."""
    return [(names.get(k, k) if k is not None else unnamed, v)
            for k, v in sorted(grouped.items(), key=lambda item: -item[1]["total"])]


def _table(rows: list[tuple]) -> list[tuple]:
    """(name, counts, rates) rows of a breakdown table: the rates by the one definition."""
    return [(name, counts, queries.rates(counts)) for name, counts in rows]


@bp.get("/indicators")
@requires(Capability.INDICATORS_VIEW)
def dashboard():
    period, problems = period_from(request.args)
    county = request.args.get("county") if request.args.get("county") in COUNTIES else None
    user = current_user
    # One pass over the period's cases, by month and county; the totals, the trend and
    # the county table are sums of that grid.
    grid = queries.case_counts(user, period, county=county, by="month_county")
    empty = dict.fromkeys(queries.COUNT_CODES, 0)
    totals = queries.roll_up(grid, None).get("all", empty)
    rates = queries.rates(totals)
    by_month = queries.roll_up(grid, 0)
    months = [m.strftime("%Y-%m") for m in period.months()]
    by_county = queries.roll_up(grid, 1)
    handoffs = queries.handoff_counts(user, period)
    by_mechanism = queries.case_counts(user, period, county=county, by="mechanism")
    by_agency = queries.case_counts(user, period, county=county, by="agency")
    by_township = (queries.case_counts(user, period, county=county, by="township")
                   if county else {})
    ids = set(handoffs) | set(by_agency) | {k for k in by_township if k}
    names = dict(db.session.execute(select(Agency.id, Agency.name)
                                    .where(Agency.id.in_(list(ids) or [0]))).all())
    boards = {b.code: b.name for b in board_defs()}
    baoan = queries.baoan_counts(user, period)
    tasks = queries.task_counts(user, period)
    trend = [(m, by_month.get(m, empty)) for m in months]
    counties = [(COUNTIES[k], by_county[k]) for k in COUNTIES if k in by_county]
    charts = {
        "trend": {"type": "line", "categories": months,
                  "series": [{"name": _("信访总量"), "data": [c["total"] for _m, c in trend]},
                             {"name": _("已答复"), "data": [c["replied"] for _m, c in trend]}]},
        "county": {"type": "bar", "categories": [n for n, _c in counties],
                   "series": [{"name": _("信访总量"), "data": [c["total"] for _n, c in counties]}]},
        "colour": {"type": "pie", "series": [{"name": _("未办结"), "data": [
            {"name": str(c.label), "value": totals.get(c.code, 0),
             "itemStyle": {"color": colour}}
            for c, colour in zip(d.COLOUR_COUNTS, ("#c0392b", "#d4a017", "#2e7d32"),
                                 strict=True)]}]},
        "channel": {"type": "bar", "categories": [str(CHANNEL_LABELS[c]) for c in Channel],
                    "series": [{"name": _("件数"), "data": [totals.get(f"channel_{c.value}", 0)
                                                          for c in Channel]}]},
    }
    return render_template(
        "indicators/dashboard.html", period=period, problems=problems, county=county,
        counties=COUNTIES, totals=totals, rates=rates, percent=_percent, defs=d,
        trend=trend, by_county=_table(counties),
        channels=[(CHANNEL_LABELS[c], c.value) for c in Channel],
        handoffs=sorted(((names.get(k, k), v) for k, v in handoffs.items()),
                        key=lambda item: -item[1]["sent"]),
        baoan=[(RANK_LABELS.get(k, k), v) for k, v in sorted(baoan.items())],
        tasks=tasks, charts=charts,
        mechanisms=_table(_largest(by_mechanism, boards)),
        agencies=_table(_largest(by_agency, names))[:AGENCY_ROWS], agency_count=len(by_agency),
        townships=_table(_largest(by_township, names, _("（未填乡镇）"))),
        args={"from": period.start.strftime("%Y-%m"), "to": period.end.strftime("%Y-%m")},
    )


# ---------------------------------------------------------------------------------------
# Reports: the monthly 通报 and 台账
# ---------------------------------------------------------------------------------------

@bp.get("/reports")
@requires(Capability.REPORTS_VIEW)
def reports():
    from hub.indicators.models import Report
    from hub.indicators.reports import kind_label

    rows = db.session.scalars(select(Report).order_by(Report.month.desc(),
                                                      Report.generated_at.desc()).limit(60)).all()
    last_month = (local_today().replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    return render_template("indicators/reports.html", rows=rows, kind_label=kind_label,
                           last_month=last_month)


@bp.post("/reports")
@requires(Capability.REPORTS_MANAGE)
def generate_report():
    """Generate a month's circular and ledger now (RQ job; the list shows them when done)."""
    from flask import flash, redirect, url_for

    from hub.audit.services import record
    from jobs import reports as report_jobs
    from jobs.queues import enqueue

    month = _month(request.form.get("month"))
    if month is None or month > local_today():
        flash(_("请选择已经开始的月份（如 2026-03）"), "error")
        return redirect(url_for("indicators.reports"))
    record(current_user, "reports.requested", "reports", None, after={"month": month})
    db.session.commit()
    queued = all(enqueue(report_jobs.generate, kind, month.isoformat(), current_user.id)
                 for kind in ("circular", "ledger"))
    flash(_("正在生成 %(month)s 的通报和台账，稍后刷新本页", month=month.strftime("%Y-%m"))
          if queued else _("后台任务服务暂时不可用，请稍后再试"), "success" if queued else "error")
    return redirect(url_for("indicators.reports"))


def _report_or_404(report_id: int):
    from flask import abort

    from hub.indicators.models import Report

    report = db.session.get(Report, report_id)
    if report is None:
        abort(404)
    return report


@bp.get("/reports/<int:report_id>")
@requires(Capability.REPORTS_VIEW)
def show_report(report_id: int):
    from hub.indicators.reports import kind_label, sheets

    report = _report_or_404(report_id)
    return render_template("indicators/report.html", report=report, sheets=sheets(report),
                           title=kind_label(report.kind), snap=report.snapshot)


@bp.get("/reports/<int:report_id>.xlsx")
@requires(Capability.REPORTS_VIEW)
def report_xlsx(report_id: int):
    from flask import abort, send_file

    from hub.indicators.reports import folder, kind_label

    report = _report_or_404(report_id)
    path = folder() / report.stored_name
    if not path.exists():
        abort(404)
    name = f"{kind_label(report.kind)}-{report.month:%Y-%m}-{report.generated_at:%Y%m%d%H%M}.xlsx"
    return send_file(path, as_attachment=True, download_name=name,
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
