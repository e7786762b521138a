"""The monthly screening: opening the month, the three lists, submitting, 销号, key persons.

Services take the acting user, flush and never commit; every change is audited.  Each
month every county owes its screening by the 5th working day (the deadline engine counts
it on the holiday calendar); a draft past that day is chased by the chase engine
(``hub.screening.chase``).  A late submission is accepted and marked late.
"""

from __future__ import annotations

from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from hub.agencies.models import Agency
from hub.agencies.territory import counties, is_county
from hub.audit.services import record, record_change
from hub.auth.visibility import visible
from hub.cases.intake import ID_RE
from hub.cases.permissions import mask_id_number
from hub.core.errors import ServiceError, required_text
from hub.core.types import utcnow
from hub.deadlines import services as deadlines
from hub.deadlines.engine import Unit
from hub.deadlines.services import local_today
from hub.extensions import db, insert_or_skip
from hub.screening import permissions
from hub.screening.models import (
    ItemStatus,
    KeyPerson,
    ReportStatus,
    Risk,
    ScreeningItem,
    ScreeningReport,
)

# 每月第 5 个工作日前报送: counted from the last day of the month before (that day is not
# counted, 民法典 第二百零一条), so the period's fifth working day is the month's fifth.
SUBMIT_WORKING_DAYS = 5
DEADLINE_OWNER = "screening_reports"
DEADLINE_KIND = "screening.submit"


def month_start(day: date) -> date:
    return day.replace(day=1)


def parse_month(value: str | None) -> date | None:
    """``YYYY-MM`` as the month's first day (None when it is not one)."""
    value = (value or "").strip()
    if len(value) != 7 or value[4] != "-" or not (value[:4] + value[5:]).isdigit():
        return None
    year, month = int(value[:4]), int(value[5:])
    if not (2000 <= year <= 2100 and 1 <= month <= 12):
        return None
    return date(year, month, 1)


def month_label(month: date) -> str:
    return _("%(year)d年%(month)d月", year=month.year, month=month.month)


def due_date(month: date):
    """The 5th working day of ``month`` (a ``Due``: the date and whether it is 暂定)."""
    return deadlines.compute_due(month - timedelta(days=1), SUBMIT_WORKING_DAYS,
                                 Unit.WORKING.value)


# --- the month's reports -----------------------------------------------------------------

def missing_counties(month: date) -> list[Agency]:
    have = set(db.session.scalars(select(ScreeningReport.county_id)
                                  .where(ScreeningReport.month == month)))
    return [c for c in counties() if c.id not in have]


def open_month(month: date, only: list[Agency] | None = None, actor=None) -> list[ScreeningReport]:
    """Open ``month``'s screening for every active county that has none (or for ``only``):
    a draft report and its submission deadline.  Safe to run twice or concurrently: the
    (county, month) key is unique and a report another run wrote first is skipped."""
    month = month_start(month)
    wanted = [c for c in (only if only is not None else counties()) if is_county(c)]
    have = set(db.session.scalars(select(ScreeningReport.county_id).where(
        ScreeningReport.month == month, ScreeningReport.county_id.in_([c.id for c in wanted]))))
    rows = [{"county_id": c.id, "month": month, "status": ReportStatus.DRAFT.value,
             "late": False, "created_at": utcnow()} for c in wanted if c.id not in have]
    if not rows:
        return []
    new_ids = db.session.execute(
        insert_or_skip(ScreeningReport, "county_id", "month").returning(ScreeningReport.id),
        rows).scalars().all()
    opened = []
    for report_id in sorted(new_ids):
        report = db.session.get(ScreeningReport, report_id)
        deadline = deadlines.start(DEADLINE_OWNER, report.id, DEADLINE_KIND,
                                   month - timedelta(days=1), SUBMIT_WORKING_DAYS,
                                   Unit.WORKING)
        report.deadline_id = deadline.id
        opened.append(report)
    db.session.flush()
    if opened:
        record(actor, "screening.month_opened", "screening_reports", None,
               after={"month": month, "counties": [r.county_id for r in opened],
                      "due_on": opened[0].deadline.due_on},
               actor_name=None if actor else "system")
    return opened


def open_report(actor, county: Agency, month: date) -> ScreeningReport:
    """A county starts its screening of the current (or last) month before the periodic
    process has opened it."""
    if not permissions.may_work(actor, county.id):
        raise ServiceError(_("只有本县（市）信访局的联络员可以填报排查清单"))
    month = month_start(month)
    this_month = month_start(local_today())
    if month > this_month:
        raise ServiceError(_("不能填报以后月份的排查清单"), "month")
    if month < month_start(this_month - timedelta(days=1)):
        raise ServiceError(_("只能开始本月或上月的排查"), "month")
    open_month(month, only=[county], actor=actor)
    return db.session.scalar(select(ScreeningReport).where(
        ScreeningReport.county_id == county.id, ScreeningReport.month == month))


def _check_draft(report: ScreeningReport) -> None:
    if report.status == ReportStatus.SUBMITTED.value:
        raise ServiceError(_("%(month)s的排查清单已报送，不能再修改；新发现的问题请列入下月排查",
                             month=month_label(report.month)))


def add_item(actor, report: ScreeningReport, problem: str, risk: str, responsible_unit: str,
             responsible_person: str, task: str, task_due_on: date | None) -> ScreeningItem:
    """A row of the three lists: 问题 (with its risk), 责任单位和责任人, 任务和完成时限."""
    if not permissions.may_work(actor, report.county_id):
        raise ServiceError(_("只有本县（市）信访局的联络员可以填报排查清单"))
    _check_draft(report)
    problem = required_text(problem, "problem", _("请填写排查出的突出矛盾或风险隐患"), 2000)
    if risk not in {r.value for r in Risk}:
        raise ServiceError(_("请选择风险等级"), "risk")
    unit = required_text(responsible_unit, "responsible_unit", _("请填写责任单位"), 100)
    person = required_text(responsible_person, "responsible_person", _("请填写责任人"), 50)
    task = required_text(task, "task", _("请填写化解任务"), 2000)
    if task_due_on is None:
        raise ServiceError(_("请填写有效的完成时限"), "task_due_on")
    if task_due_on < local_today():
        raise ServiceError(_("完成时限不能早于今天"), "task_due_on")
    if task_due_on > local_today() + timedelta(days=366):
        raise ServiceError(_("完成时限不能超过一年"), "task_due_on")
    item = ScreeningItem(report_id=report.id, county_id=report.county_id, problem=problem,
                         risk=risk, responsible_unit=unit, responsible_person=person,
                         task=task, task_due_on=task_due_on, status=ItemStatus.OPEN.value,
                         created_by_id=actor.id)
    report.items.append(item)
    db.session.flush()
    record_change(actor, "screening.item_added", item, None)
    return item


def remove_item(actor, item: ScreeningItem) -> None:
    if not permissions.may_work(actor, item.county_id):
        raise ServiceError(_("只有本县（市）信访局的联络员可以修改排查清单"))
    _check_draft(item.report)
    before = item.audit_state()
    item.report.items.remove(item)
    db.session.flush()
    record(actor, "screening.item_removed", "screening_items", item.id, before=before)


def submit(actor, report: ScreeningReport, note: str = "") -> ScreeningReport:
    """报送.  After the 5th working day it is still accepted, and marked late (逾期报送)."""
    if not permissions.may_work(actor, report.county_id):
        raise ServiceError(_("只有本县（市）信访局的联络员可以报送排查清单"))
    if report.status == ReportStatus.SUBMITTED.value:
        raise ServiceError(_("%(month)s的排查清单已于 %(day)s 报送，不能重复报送",
                             month=month_label(report.month),
                             day=deadlines.local_date(report.submitted_at).isoformat()))
    if report.month > month_start(local_today()):
        raise ServiceError(_("不能报送以后月份的排查清单"))
    note = (note or "").strip()
    if len(note) > 2000:
        raise ServiceError(_("不能超过 %(n)d 个字", n=2000), "note")
    if not report.items and not note:
        raise ServiceError(_("请至少列入一项问题，或在报送说明中写明本月没有排查出突出矛盾风险"),
                           "note")
    before = report.audit_state()
    report.status = ReportStatus.SUBMITTED.value
    report.note = note or None
    report.submitted_at = utcnow()
    report.submitted_by_id = actor.id
    deadline = report.deadline
    report.late = deadline is not None and local_today() > deadline.due_on
    if deadline is not None:
        deadlines.complete(deadline, report.submitted_at)
    db.session.flush()
    record_change(actor, "screening.submitted", report, before)
    return report


def close_item(actor, item: ScreeningItem, evidence: str) -> None:
    """销号: the item is resolved, with the evidence of it."""
    if not permissions.may_work(actor, item.county_id):
        raise ServiceError(_("只有本县（市）信访局的联络员可以销号"))
    if item.report.status != ReportStatus.SUBMITTED.value:
        raise ServiceError(_("清单尚未报送：报送后才能销号"))
    if item.status == ItemStatus.CLOSED.value:
        raise ServiceError(_("该事项已于 %(day)s 销号", day=item.closed_on.isoformat()))
    _close(actor, item, required_text(evidence, "evidence", _("销号须写明化解情况和依据"), 5000),
           "screening.item_closed")


def _close(actor, row: ScreeningItem | KeyPerson, evidence: str, action: str) -> None:
    """销号 of an item or a key person (checked by the caller), audited."""
    before = row.audit_state()
    row.evidence = evidence
    row.status = ItemStatus.CLOSED.value
    row.closed_on = local_today()
    row.closed_by_id = actor.id
    db.session.flush()
    record_change(actor, action, row, before)


def carried_over(user, report: ScreeningReport) -> list[ScreeningItem]:
    """The ledger: items of the county's earlier months that are still open."""
    return list(db.session.scalars(
        visible(user, ScreeningItem).join(ScreeningReport)
        .where(ScreeningItem.county_id == report.county_id,
               ScreeningItem.status == ItemStatus.OPEN.value,
               ScreeningReport.month < report.month)
        .order_by(ScreeningReport.month, ScreeningItem.id)))


# --- key persons (重点人员) ---------------------------------------------------------------

def add_key_person(actor, report: ScreeningReport, name: str, id_number: str, reason: str,
                   measures: str = "") -> KeyPerson:
    if not permissions.may_work(actor, report.county_id):
        raise ServiceError(_("只有本县（市）信访局的联络员可以列管重点人员"))
    name = required_text(name, "name", _("请填写姓名"), 50)
    id_number = (id_number or "").strip().upper()
    if id_number and not ID_RE.match(id_number):
        raise ServiceError(_("身份证号应为 18 位（最后一位可为 X）"), "id_number")
    reason = required_text(reason, "reason", _("请填写列管原因"), 2000)
    measures = (measures or "").strip()
    if len(measures) > 2000:
        raise ServiceError(_("不能超过 %(n)d 个字", n=2000), "measures")
    person = KeyPerson(county_id=report.county_id, report_id=report.id, name=name,
                       id_number=id_number or None, reason=reason, measures=measures or None,
                       status=ItemStatus.OPEN.value, created_by_id=actor.id)
    db.session.add(person)
    db.session.flush()
    record_change(actor, "screening.key_person_added", person, None)
    return person


def close_key_person(actor, person: KeyPerson, evidence: str) -> None:
    if not permissions.may_work(actor, person.county_id):
        raise ServiceError(_("只有本县（市）信访局的联络员可以销号"))
    if person.status == ItemStatus.CLOSED.value:
        raise ServiceError(_("该重点人员已于 %(day)s 销号", day=person.closed_on.isoformat()))
    _close(actor, person, required_text(evidence, "evidence", _("销号须写明化解稳控情况和依据"), 5000),
           "screening.key_person_closed")


def reveal_key_person(actor, person: KeyPerson) -> dict:
    """The audited "show" of a key person's ID number (DESIGN §10)."""
    if not permissions.may_see_key_persons(actor, person.county_id):
        raise ServiceError(_("您无权查看该重点人员的信息"))
    record(actor, "screening.key_person_revealed", "screening_key_persons", person.id,
           after={"fields": ["id_number"]})
    return {"id_number": person.id_number or ""}


def masked(person: KeyPerson) -> str:
    return mask_id_number(person.id_number)


def key_persons(user, report: ScreeningReport) -> list[KeyPerson]:
    """The county's key persons still on the ledger, and those closed since the report's
    month (none at all for a user who may not see them)."""
    stmt = visible(user, KeyPerson).where(KeyPerson.county_id == report.county_id).order_by(
        KeyPerson.status.desc(), KeyPerson.id)
    people = db.session.scalars(stmt).all()
    return [p for p in people if p.status == ItemStatus.OPEN.value
            or (p.closed_on and month_start(p.closed_on) >= report.month)]
