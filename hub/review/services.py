"""评查 rounds: open, pick cases (by hand or by a seeded random sample), assign reviewers,
score against the checklist, close.  Services flush, never commit; every change is audited.
Findings sent for 整改 are in ``hub.review.findings``, the report in ``hub.review.report``.

Who: the secretariat runs rounds; a reviewer (secretariat staff) scores only the cases
assigned to them; admins keep the checklist (``hub.review.checklist``).
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta

from flask_babel import gettext as _
from sqlalchemy import func, select

from hub.agencies.models import Agency
from hub.audit.services import record, record_change
from hub.auth.models import User, UserRole
from hub.auth.visibility import visible
from hub.cases.intake import COUNTIES
from hub.cases.models import Case
from hub.cases.vocab import STATUS_LABELS, Status
from hub.core.errors import ServiceError, required_text
from hub.core.types import utcnow
from hub.deadlines.services import local_date, local_today, local_zone
from hub.extensions import db
from hub.notifications.services import notify
from hub.review.models import (
    CaseStatus,
    ChecklistItem,
    ReviewCase,
    ReviewRound,
    ReviewRoundItem,
    ReviewScore,
    RoundStatus,
)
from hub.review.permissions import REVIEWER_ROLES, is_reviewer, manages_rounds

MAX_DRAW = 500  # cases in one random draw
SEED_MAX = 2**31 - 1  # a seed fits the database's integer
# The statuses a draw offers by default: cases whose handling can be judged as a whole.
DEFAULT_SAMPLE_STATUSES = (Status.REPLIED.value, Status.CLOSED.value)


def _require_manager(actor, message: str) -> None:
    if not manages_rounds(actor):
        raise ServiceError(message)


def _require_open(rnd: ReviewRound, message: str) -> None:
    if not rnd.is_open:
        raise ServiceError(message)


def reviewers() -> list[User]:
    """The users who may be assigned cases to score."""
    return list(db.session.scalars(
        select(User).join(UserRole).where(UserRole.role.in_([r.value for r in REVIEWER_ROLES]),
                                          User.active.is_(True))
        .order_by(User.display_name, User.id)).unique())


def _reviewer_or_error(reviewer_id: int | None, required: bool = False) -> User | None:
    if reviewer_id is None:
        if required:
            raise ServiceError(_("请选择评查人"), "reviewer_id")
        return None
    user = db.session.get(User, reviewer_id)
    if user is None or not is_reviewer(user):
        raise ServiceError(_("所选人员不能担任评查人（须为在岗的联席办工作人员）"), "reviewer_id")
    return user


# --- rounds ------------------------------------------------------------------------------

def open_round(actor, title: str, period_start: date | None, period_end: date | None,
               agency_ids: Iterable[int] = (), counties: Iterable[str] = ()) -> ReviewRound:
    """Open a round over the cases registered in a period (optionally of some lead agencies
    and counties), scored against the checklist as it is now."""
    _require_manager(actor, _("只有联席办可以开展评查"))
    title = required_text(title, "title", _("请填写评查名称"), 100)
    if period_start is None:
        raise ServiceError(_("请填写有效的开始日期"), "period_start")
    if period_end is None:
        raise ServiceError(_("请填写有效的结束日期"), "period_end")
    if period_end < period_start:
        raise ServiceError(_("结束日期不能早于开始日期"), "period_end")
    if period_start > local_today():
        raise ServiceError(_("评查期间的开始日期不能晚于今天"), "period_start")
    agency_ids = sorted(set(agency_ids))
    if agency_ids:
        found = set(db.session.scalars(select(Agency.id).where(Agency.id.in_(agency_ids))))
        if found != set(agency_ids):
            raise ServiceError(_("所选单位不存在"), "agency_ids")
    counties = sorted(set(counties))
    if any(c not in COUNTIES for c in counties):
        raise ServiceError(_("请选择有效的县（市）"), "counties")
    items = list(db.session.scalars(select(ChecklistItem).where(ChecklistItem.active.is_(True))
                                    .order_by(ChecklistItem.position, ChecklistItem.id)))
    if not items:
        raise ServiceError(_("评查清单没有启用的项目，请先请管理员设置评查清单"))
    rnd = ReviewRound(title=title, period_start=period_start, period_end=period_end,
                      agency_ids=agency_ids, counties=counties, status=RoundStatus.OPEN.value,
                      created_by_id=actor.id, created_at=utcnow())
    rnd.items = [ReviewRoundItem(checklist_item_id=i.id, label=i.label,
                                 description=i.description, max_score=i.max_score,
                                 position=n) for n, i in enumerate(items, start=1)]
    db.session.add(rnd)
    db.session.flush()
    record_change(actor, "review.round_opened", rnd, None)
    return rnd


def close_round(actor, rnd: ReviewRound) -> None:
    """End a round: every case it holds must be scored (remove the ones that will not be)."""
    _require_manager(actor, _("只有联席办可以结束评查"))
    _require_open(rnd, _("本轮评查已经结束"))
    pending = sum(1 for c in rnd.cases if not c.is_scored)
    if pending:
        raise ServiceError(_("尚有 %(n)d 件事项未评分，不能结束本轮评查（可先移出不再评查的事项）",
                             n=pending))
    before = rnd.audit_state()
    rnd.status, rnd.closed_by_id, rnd.closed_at = RoundStatus.CLOSED.value, actor.id, utcnow()
    db.session.flush()
    record_change(actor, "review.round_closed", rnd, before)


def check_round(round_id: int) -> None:
    """The 评查整改 handoff names an existing round (plug-in field validation)."""
    from marshmallow import ValidationError

    if db.session.get(ReviewRound, round_id) is None:
        raise ValidationError(_("评查轮次不存在"))


# --- the cases of a round ----------------------------------------------------------------

def _period_bounds(rnd: ReviewRound) -> tuple[datetime, datetime]:
    zone = local_zone()
    return (datetime.combine(rnd.period_start, time.min, tzinfo=zone).astimezone(UTC),
            datetime.combine(rnd.period_end + timedelta(days=1), time.min,
                             tzinfo=zone).astimezone(UTC))


def _candidates(actor, rnd: ReviewRound):
    """The cases of the round's scope the actor may see: registered in the period, of the
    scope's lead agencies and counties, with a lead agency, not restricted, not yet in the
    round.  A query of case ids in id order."""
    start, end = _period_bounds(rnd)
    already = select(ReviewCase.case_id).where(ReviewCase.round_id == rnd.id)
    stmt = (visible(actor, Case).with_only_columns(Case.id)
            .where(Case.registered_at >= start, Case.registered_at < end,
                   Case.lead_agency_id.is_not(None), Case.restricted.is_(False),
                   Case.id.not_in(already)))
    if rnd.agency_ids:
        stmt = stmt.where(Case.lead_agency_id.in_(rnd.agency_ids))
    if rnd.counties:
        stmt = stmt.where(Case.county.in_(rnd.counties))
    return stmt.order_by(Case.id)


def _outside_scope(rnd: ReviewRound, case: Case) -> str | None:
    """Why a hand-picked case cannot be in the round, or None."""
    if case.restricted:
        return _("%(number)s 为受限事项，不纳入评查", number=case.number)
    if case.lead_agency_id is None:
        return _("%(number)s 尚未确定主办单位，不能评查", number=case.number)
    registered = local_date(case.registered_at)
    if not rnd.period_start <= registered <= rnd.period_end:
        return _("%(number)s 的登记日期 %(day)s 不在评查期间内", number=case.number,
                 day=registered.isoformat())
    if rnd.agency_ids and case.lead_agency_id not in rnd.agency_ids:
        return _("%(number)s 的主办单位不在本轮评查范围内", number=case.number)
    if rnd.counties and case.county not in rnd.counties:
        return _("%(number)s 所属县（市）不在本轮评查范围内", number=case.number)
    return None


def _add(actor, rnd: ReviewRound, cases: list[Case], picked: str,
         reviewers_: list[User]) -> list[ReviewCase]:
    added = []
    for n, case in enumerate(cases):
        reviewer = reviewers_[n % len(reviewers_)] if reviewers_ else None
        row = ReviewCase(round_id=rnd.id, case_id=case.id, case=case,
                         agency_id=case.lead_agency_id, picked=picked,
                         reviewer_id=reviewer.id if reviewer else None,
                         status=CaseStatus.PENDING.value, added_by_id=actor.id,
                         added_at=utcnow())
        db.session.add(row)
        added.append(row)
    db.session.flush()
    db.session.expire(rnd, ["cases"])
    _tell_reviewers(rnd, added)
    return added


def _tell_reviewers(rnd: ReviewRound, rows: list[ReviewCase]) -> None:
    counts: dict[int, int] = {}
    for row in rows:
        if row.reviewer_id is not None:
            counts[row.reviewer_id] = counts.get(row.reviewer_id, 0) + 1
    for reviewer_id, n in counts.items():
        notify([db.session.get(User, reviewer_id)], "review.assigned",
               _("评查任务：%(title)s，%(n)d 件待评分", title=rnd.title, n=n), "", "/review/mine")


def add_cases(actor, rnd: ReviewRound, numbers: Iterable[str],
              reviewer_id: int | None = None) -> list[ReviewCase]:
    """Pick cases by hand, by their numbers; each must be in the round's scope."""
    _require_manager(actor, _("只有联席办可以选取评查事项"))
    _require_open(rnd, _("本轮评查已结束，不能再添加事项"))
    numbers = list(dict.fromkeys(n.strip() for n in numbers if n and n.strip()))
    if not numbers:
        raise ServiceError(_("请填写要评查的信访事项编号"), "numbers")
    reviewer = _reviewer_or_error(reviewer_id)
    found = {c.number: c for c in db.session.scalars(
        visible(actor, Case).where(Case.number.in_(numbers)))}
    missing = [n for n in numbers if n not in found]
    if missing:
        raise ServiceError(_("以下编号不存在或无权查看：%(numbers)s",
                             numbers="、".join(missing)), "numbers")
    in_round = set(db.session.scalars(select(ReviewCase.case_id).where(
        ReviewCase.round_id == rnd.id, ReviewCase.case_id.in_([c.id for c in found.values()]))))
    cases = []
    for number in numbers:
        case = found[number]
        if case.id in in_round:
            raise ServiceError(_("%(number)s 已在本轮评查中", number=number), "numbers")
        reason = _outside_scope(rnd, case)
        if reason:
            raise ServiceError(reason, "numbers")
        cases.append(case)
    added = _add(actor, rnd, cases, "manual", [reviewer] if reviewer else [])
    record(actor, "review.cases_added", "review_rounds", rnd.id,
           after={"case_ids": [c.id for c in cases], "reviewer_id": reviewer_id})
    return added


def available(actor, rnd: ReviewRound, statuses: Iterable[str]) -> int:
    """How many cases a draw with these statuses could pick from now."""
    stmt = _candidates(actor, rnd).where(Case.status.in_(list(statuses))).order_by(None)
    return db.session.scalar(select(func.count()).select_from(stmt.subquery()))


def draw_sample(actor, rnd: ReviewRound, size: int | None, statuses: Iterable[str],
                seed: int | None = None, reviewer_ids: Iterable[int] = ()) -> list[ReviewCase]:
    """随机抽取: ``size`` cases of the round's scope with one of ``statuses``, drawn with
    ``seed`` (a new random one when None) among the eligible cases in id order.  The seed,
    size and statuses are kept on the round and the drawn cases in the audit log, so the
    same draw can be made again.  The cases are shared among the reviewers in turn."""
    _require_manager(actor, _("只有联席办可以抽取评查事项"))
    _require_open(rnd, _("本轮评查已结束，不能再抽取事项"))
    if size is None or size <= 0:
        raise ServiceError(_("抽取数量应为正整数"), "size")
    if size > MAX_DRAW:
        raise ServiceError(_("每次最多抽取 %(n)d 件", n=MAX_DRAW), "size")
    statuses = sorted(set(statuses))
    if not statuses:
        raise ServiceError(_("请选择要抽取的办理状态"), "statuses")
    if any(s not in {m.value for m in Status} for s in statuses):
        raise ServiceError(_("请选择有效的办理状态"), "statuses")
    if seed is None:
        seed = secrets.randbelow(SEED_MAX + 1)
    elif not 0 <= seed <= SEED_MAX:
        raise ServiceError(_("随机种子应为 0 至 %(max)d 的整数", max=SEED_MAX), "seed")
    people = [_reviewer_or_error(i) for i in dict.fromkeys(reviewer_ids)]
    pool = list(db.session.scalars(_candidates(actor, rnd).where(Case.status.in_(statuses))))
    if not pool:
        raise ServiceError(_("本轮评查范围内没有符合条件的事项可供抽取"), "size")
    if size > len(pool):
        raise ServiceError(_("符合条件的事项只有 %(n)d 件，少于抽取数量 %(size)d 件",
                             n=len(pool), size=size), "size")
    rng = random.Random(seed)  # noqa: S311 # nosec B311 - a reproducible draw, not a secret
    drawn = sorted(rng.sample(pool, size))
    cases = list(db.session.scalars(select(Case).where(Case.id.in_(drawn)).order_by(Case.id)))
    before = rnd.audit_state()
    rnd.sample_seed, rnd.sample_size, rnd.sample_statuses = seed, size, statuses
    rnd.sampled_at = utcnow()
    added = _add(actor, rnd, cases, "sample", people)
    record(actor, "review.sample_drawn", "review_rounds", rnd.id, before=before,
           after={**rnd.audit_state(), "pool": len(pool), "case_ids": drawn,
                  "reviewer_ids": [p.id for p in people]})
    return added


def assign_reviewer(actor, review_case: ReviewCase, reviewer_id: int | None) -> None:
    _require_manager(actor, _("只有联席办可以分配评查人"))
    _require_open(review_case.round, _("本轮评查已结束，不能更换评查人"))
    if review_case.is_scored:
        raise ServiceError(_("该事项已评分，不能更换评查人"))
    reviewer = _reviewer_or_error(reviewer_id, required=True)
    if review_case.reviewer_id == reviewer.id:
        raise ServiceError(_("评查人未变化"), "reviewer_id")
    before = review_case.audit_state()
    review_case.reviewer_id, review_case.reviewer = reviewer.id, reviewer
    db.session.flush()
    record_change(actor, "review.reviewer_assigned", review_case, before)
    _tell_reviewers(review_case.round, [review_case])


def remove_case(actor, review_case: ReviewCase) -> None:
    """Take a case that was not scored out of the round."""
    _require_manager(actor, _("只有联席办可以移出评查事项"))
    _require_open(review_case.round, _("本轮评查已结束，不能移出事项"))
    if review_case.is_scored:
        raise ServiceError(_("该事项已评分，不能移出评查"))
    before = review_case.audit_state()
    rnd = review_case.round
    db.session.delete(review_case)
    db.session.flush()
    db.session.expire(rnd, ["cases"])
    record(actor, "review.case_removed", "review_cases", review_case.id, before=before)


# --- scoring -----------------------------------------------------------------------------

def _score_value(raw, item: ReviewRoundItem) -> int:
    text = str(raw if raw is not None else "").strip()
    if text == "":
        raise ServiceError(_("请为“%(item)s”评分", item=item.label), f"score-{item.id}")
    if not text.isdigit() or int(text) > item.max_score:
        raise ServiceError(_("“%(item)s”的得分应为 0 至 %(max)d 的整数", item=item.label,
                             max=item.max_score), f"score-{item.id}")
    return int(text)


def score(actor, review_case: ReviewCase, values: dict[int, tuple[object, str]],
          comments: str = "") -> None:
    """Score one case: for every checklist item of the round a whole number from 0 to the
    item's maximum, and the reason for any points taken off (扣分须说明理由).  The assigned
    reviewer may correct their scores while the round is open."""
    if review_case.reviewer_id != actor.id:
        raise ServiceError(_("只有分配的评查人可以为该事项评分"))
    rnd = review_case.round
    _require_open(rnd, _("本轮评查已结束，不能再评分"))
    parsed: dict[int, tuple[int, str]] = {}
    for item in rnd.items:
        raw, comment = values.get(item.id, (None, ""))
        value = _score_value(raw, item)
        comment = (comment or "").strip()
        if value < item.max_score and not comment:
            raise ServiceError(_("“%(item)s”扣分须说明理由", item=item.label),
                               f"comment-{item.id}")
        parsed[item.id] = (value, comment)
    before = review_case.audit_state()
    existing = {s.round_item_id: s for s in review_case.scores}
    for item_id, (value, comment) in parsed.items():
        row = existing.get(item_id)
        if row is None:
            review_case.scores.append(ReviewScore(round_item_id=item_id, score=value,
                                                  comment=comment))
        else:
            row.score, row.comment = value, comment
    review_case.total = sum(value for value, _comment in parsed.values())
    review_case.comments = (comments or "").strip() or None
    review_case.status = CaseStatus.SCORED.value
    review_case.scored_at = utcnow()
    db.session.flush()
    record_change(actor, "review.scored", review_case, before)


def my_cases(user, status: str | None = CaseStatus.PENDING.value) -> list[ReviewCase]:
    """我的评查任务: the cases assigned to the user in open rounds (within visibility)."""
    stmt = (visible(user, ReviewCase).join(ReviewRound, ReviewRound.id == ReviewCase.round_id)
            .where(ReviewCase.reviewer_id == user.id,
                   ReviewRound.status == RoundStatus.OPEN.value))
    if status:
        stmt = stmt.where(ReviewCase.status == status)
    return list(db.session.scalars(stmt.order_by(ReviewCase.round_id, ReviewCase.id)))


def status_labels() -> dict[str, str]:
    """The case statuses a draw may filter on, with their labels."""
    return {s.value: str(STATUS_LABELS[s]) for s in Status}
