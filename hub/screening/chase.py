"""The monthly screening as an obligation of the chase engine (``hub.chase.sweep``).

An item is a county's draft report of a month, keyed by its submission deadline: one
ladder per county per month, and each step taken once (the engine's unique key).  The
ladder is the 包案 ladder (DESIGN §7, offsets from the settings): 提醒 the county's 信访局
liaisons before and on the 5th working day, 预警 the secretariat the day after, a 督查
notice to the county at 7 days, and the monthly 通报 at 15 days.  Submitting the report
completes the deadline, and the county leaves the sweep.
"""

from __future__ import annotations

from sqlalchemy import literal, select

from hub.agencies.models import Agency
from hub.cases.intake import COUNTIES
from hub.chase.ladder import Step
from hub.deadlines.models import Deadline
from hub.screening.models import ReportStatus, ScreeningReport
from hub.screening.services import DEADLINE_KIND, DEADLINE_OWNER

ITEM = "screening_report"


def items(today):
    """Draft reports whose submission deadline is running (plain rows)."""
    return (select(Deadline.id, Deadline.due_on, literal(1).label("occurrence"),
                   ScreeningReport.id.label("report_id"), ScreeningReport.county_id,
                   ScreeningReport.month, Agency.name.label("county_name"),
                   Agency.code.label("county_code"))
            .join(ScreeningReport, ScreeningReport.deadline_id == Deadline.id)
            .join(Agency, Agency.id == ScreeningReport.county_id)
            .where(Deadline.owner_type == DEADLINE_OWNER, Deadline.kind == DEADLINE_KIND,
                   Deadline.done_at.is_(None), Deadline.paused.is_(False),
                   ScreeningReport.status == ReportStatus.DRAFT.value))


def effects(row, step: Step, step_id: int, sweep) -> None:
    from hub.chase.sweep import _inspection_due as inspection_due

    today = sweep.today
    days_over = (today - row.due_on).days
    county = COUNTIES.get(row.county_code.split(".")[0], row.county_name)
    what = sweep._("%(county)s%(year)d年%(month)d月矛盾纠纷排查“三张清单”", county=county,
                   year=row.month.year, month=row.month.month)
    link = f"/screening/{row.report_id}"
    liaisons = sweep.liaisons(row.county_id)
    if step.name in ("remind_before", "remind_due"):
        title = (sweep._("提醒：%(what)s 今日截止报送", what=what) if days_over >= 0
                 else sweep._("提醒：%(what)s 须于 %(due)s 前报送", what=what,
                              due=row.due_on.isoformat()))
        sweep.notify(liaisons, "screening.remind", title,
                     sweep._("每月第 5 个工作日前报送问题清单、责任清单和任务清单。"), link)
    elif step.name == "yellow":
        sweep.notify([*liaisons, *sweep.secretariat()], "screening.yellow",
                     sweep._("预警：%(what)s 逾期 %(n)d 天未报送", what=what, n=days_over), "",
                     link)
    elif step.name == "inspect":
        due = inspection_due(sweep)
        sweep.notices.append(dict(
            chase_step_id=step_id, item_type=ITEM, item_id=row.id, leader_id=None,
            agency_id=row.county_id, case_id=None, subject=what[:300], issued_on=today,
            response_due_on=due))
        sweep.notify([*liaisons, *sweep.secretariat()], "screening.inspect",
                     sweep._("督查通知：%(what)s 逾期 %(n)d 天未报送，请于 %(due)s 前书面说明",
                             what=what, n=days_over, due=due.isoformat()), "", link)
    elif step.name == "circulate":
        sweep.circulars.append(dict(
            chase_step_id=step_id, month=today.strftime("%Y-%m"), leader_id=None,
            agency_id=row.county_id, case_id=None, subject=what[:300],
            days_overdue=days_over, created_on=today))
        sweep.notify([*liaisons, *sweep.secretariat()], "screening.circulate",
                     sweep._("通报：%(what)s 逾期 %(n)d 天未报送，已列入本月通报", what=what,
                             n=days_over), "", link)
