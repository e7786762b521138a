"""登记: registering a case, and finding repeat petitions (重复信访)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import or_, select, update

from hub.agencies.models import Agency, AgencyKind
from hub.audit.services import record_change
from hub.auth.visibility import visible
from hub.cases import permissions, steps
from hub.cases.models import Case, CaseCounter, CaseLink, Petitioner
from hub.cases.vocab import (
    CATEGORIES,
    COLLECTIVE_HEADCOUNT,
    Channel,
    ParticipantRole,
    Stage,
    Status,
)
from hub.core.errors import ServiceError
from hub.deadlines.services import local_today
from hub.extensions import db

PHONE_RE = re.compile(r"^(1\d{10}|0\d{2,3}-?\d{7,8})$")
ID_RE = re.compile(r"^\d{17}[\dXx]$")
REPEAT_WINDOW_DAYS = 365  # 重复信访: the same petitioner within the last 12 months

COUNTIES = {
    "mangshi": "芒市",
    "ruili": "瑞丽市",
    "lianghe": "梁河县",
    "yingjiang": "盈江县",
    "longchuan": "陇川县",
}


@dataclass
class PetitionerData:
    name: str
    phone: str | None = None
    id_number: str | None = None


@dataclass
class Intake:
    title: str
    content: str
    channel: str
    category: str
    headcount: int
    county: str
    registered_on: date
    petitioners: list[PetitionerData]
    township_id: int | None = None
    village: str | None = None
    public: bool = False
    restricted: bool = False
    flags: set[str] = field(default_factory=set)  # skip_level, joint_letter, threat, ...
    link_to: list[int] = field(default_factory=list)


def problems(data: Intake, townships: dict[int, str] | None = None):
    """Every problem of an intake as (field, message), in form order.  ``townships`` maps
    township agency ids to their county key when the caller has loaded them (an import
    checks thousands of rows); otherwise each is looked up."""
    if not data.title.strip():
        yield "title", _("请填写标题")
    elif len(data.title) > 200:
        yield "title", _("标题不能超过 200 字")
    if not data.content.strip():
        yield "content", _("请填写信访内容")
    if data.channel not in Channel.__members__.values():
        yield "channel", _("请选择有效的信访渠道")
    if data.category not in CATEGORIES:
        yield "category", _("请选择有效的问题类别")
    if data.headcount < 1:
        yield "headcount", _("人数至少为 1")
    elif data.headcount > 10000:
        yield "headcount", _("人数不合理，请核对")
    if data.county not in COUNTIES:
        yield "county", _("请选择所属县（市）")
    if data.registered_on > local_today():
        yield "registered_on", _("登记日期不能晚于今天")
    elif data.registered_on < local_today() - timedelta(days=365 * 5):
        yield "registered_on", _("登记日期过早，请核对")
    if not data.petitioners or not data.petitioners[0].name.strip():
        yield "petitioner_name", _("请填写信访人姓名")
    if any(len(p.name.strip()) > 50 for p in data.petitioners):
        yield "petitioner_name", _("信访人姓名不能超过 50 字")
    if any(p.phone and not PHONE_RE.match(p.phone) for p in data.petitioners):
        yield "petitioner_phone", _("联系电话格式不正确")
    if any(p.id_number and not ID_RE.match(p.id_number) for p in data.petitioners):
        yield "petitioner_id_number", _("身份证号应为 18 位（最后一位可为 X）")
    if data.flags - {"skip_level", "joint_letter", "threat", "foreign", "non_reception"}:
        yield "flags", _("未知的标记")
    if data.township_id is not None:
        if townships is None:
            township = db.session.get(Agency, data.township_id)
            ok = township is not None and township.kind == AgencyKind.TOWNSHIP.value
        else:
            ok = data.township_id in townships
        if not ok:
            yield "township_id", _("请选择有效的乡镇")


def _validate(data: Intake) -> None:
    for name, message in problems(data):
        raise ServiceError(message, name)


def reserve_numbers(year: int, n: int) -> int:
    """Reserve ``n`` case numbers of ``year`` with one UPDATE; return the first."""
    if db.session.get(CaseCounter, year) is None:
        db.session.add(CaseCounter(year=year, last=0))
        db.session.flush()
    last = db.session.execute(
        update(CaseCounter).where(CaseCounter.year == year)
        .values(last=CaseCounter.last + n).returning(CaseCounter.last)
    ).scalar_one()
    return last - n + 1


def case_number(year: int, serial: int) -> str:
    return f"DH{year}{serial:06d}"


def _next_number(year: int) -> str:
    return case_number(year, reserve_numbers(year, 1))


def registered_at(day: date) -> datetime:
    tz = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    if day == local_today():
        return datetime.now(UTC)
    return datetime.combine(day, time(9, 0), tzinfo=tz).astimezone(UTC)


def find_repeats(user, *, id_number: str | None, phone: str | None,
                 today: date | None = None) -> list[Case]:
    """Visible cases of the same petitioner (ID number or phone) in the last 12 months."""
    conditions = []
    if id_number:
        conditions.append(Petitioner.id_number == id_number.upper())
    if phone:
        conditions.append(Petitioner.phone == phone)
    if not conditions:
        return []
    since = datetime.combine((today or local_today()) - timedelta(days=REPEAT_WINDOW_DAYS),
                             time.min, tzinfo=UTC)
    matching = select(Petitioner.case_id).where(or_(*conditions))
    stmt = (visible(user, Case).where(Case.id.in_(matching), Case.registered_at >= since)
            .order_by(Case.registered_at.desc()).limit(20))
    return list(db.session.scalars(stmt))


def register(actor, data: Intake, agency: Agency | None = None, *,
             actor_name: str | None = None) -> Case:
    """登记: create the case and start the 15-day clock to forward it (第二十二条).

    ``actor`` None is the system registering on a petitioner's behalf (the public portal:
    网上信访, 一县一码): then ``agency`` — the 信访局 the petition goes to — is required,
    and ``actor_name`` names the source in the audit log."""
    if actor is None:
        if agency is None or agency.kind != AgencyKind.PETITION_BUREAU.value:
            raise ServiceError(_("网上信访只能登记到信访局"))
        if data.link_to:
            raise ServiceError(_("要关联的信访事项不存在或无权查看"), "link_to")
    elif not permissions.may_register(actor):
        raise ServiceError(_("只有信访局的联络员或联席办可以登记信访事项"))
    _validate(data)
    agency = agency or actor.agency
    earlier = []
    for case_id in dict.fromkeys(data.link_to):
        found = db.session.scalar(visible(actor, Case).where(Case.id == case_id))
        if found is None:
            raise ServiceError(_("要关联的信访事项不存在或无权查看"), "link_to")
        if found.status == Status.RECHECKED.value or found.rechecked_at is not None:
            raise ServiceError(
                _("信访事项 %(number)s 已经复核终结，同一事项不再受理（《信访工作条例》第三十六条）",
                  number=found.number), "link_to")
        earlier.append(found)
    case = Case(
        number=_next_number(data.registered_on.year),
        title=data.title.strip(),
        content=data.content.strip(),
        channel=data.channel,
        category=data.category,
        headcount=data.headcount,
        county=data.county,
        township_id=data.township_id,
        village=(data.village or "").strip() or None,
        registered_at=registered_at(data.registered_on),
        registered_by_id=getattr(actor, "id", None),
        registering_agency_id=agency.id,
        public=data.public,
        restricted=data.restricted,
        collective=data.headcount >= COLLECTIVE_HEADCOUNT,  # 集体访: 5 or more people
        repeat=bool(earlier),
        status=Status.REGISTERED.value,
        stage=Stage.SORT.value,
        **{flag: flag in data.flags for flag in
           ("skip_level", "joint_letter", "threat", "foreign", "non_reception")},
    )
    case.petitioners = [
        Petitioner(name=p.name.strip(), phone=(p.phone or None),
                   id_number=(p.id_number.upper() if p.id_number else None))
        for p in data.petitioners if p.name.strip()
    ]
    db.session.add(case)
    db.session.flush()
    steps.add_participant(case, agency, ParticipantRole.SUPERVISE)
    for other in earlier:
        db.session.add(CaseLink(case_id=case.id, earlier_case_id=other.id))
    steps.start_step(case, "case.forward", data.registered_on)
    steps.sync_index(case)
    record_change(actor, "cases.registered", case, None, actor_name=actor_name)
    if case.threat:
        from hub.cases.alerts import alert_threat

        alert_threat(actor, case)
    return case
