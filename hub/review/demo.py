"""Demo 评查: one round over the last year's cases — 25 answered or closed cases drawn at
random (a fixed seed), most of them scored by the two reviewers of the joint-meeting office,
the lowest ones sent to their lead agencies for 整改 (one already overdue for sign-for, so
the chase engine has something to chase)."""

from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import select

from hub.auth.models import User, UserRole
from hub.auth.roles import Role
from hub.cases.vocab import Status
from hub.deadlines.services import local_today
from hub.extensions import db
from hub.handoffs import services as handoffs
from hub.review import findings, services
from hub.review.models import ReviewRound

SEED = 20260315  # the demo draw (any seed reproduces its own draw)
SIZE = 25  # as many as the prefecture reviewed in one round
UNSCORED = 4  # left for the reviewers to do in the demo
STATUSES = (Status.REPLIED.value, Status.CLOSED.value, Status.REVIEWED.value,
            Status.RECHECKED.value)

# Per checklist position: how often a case loses points there, and the reasons written.
PROBLEMS = {
    1: (0.15, ["未调取关键证据材料，事实认定依据不足", "对信访人反映的部分问题未核实"]),
    2: (0.30, ["受理告知超过15日期限", "延期未经单位负责人批准", "超过60日办理期限才答复"]),
    3: (0.25, ["答复未引用具体政策条款", "答复未逐项回应信访诉求", "答复表述笼统，处理结果不明确"]),
    4: (0.40, ["未告知复查的途径和期限", "告知书未送达信访人本人，缺少送达回证"]),
    5: (0.35, ["答复后未请信访人评价", "评价记录缺失，无法核实"]),
}


def _user(username: str) -> User | None:
    return db.session.scalar(select(User).where(User.username == username))


def load_demo_review() -> int:
    """Idempotent: nothing happens when any round exists.  Flushes, never commits.
    Returns the number of cases in the demo round."""
    if db.session.scalar(select(ReviewRound.id).limit(1)) is not None:
        return 0
    sec = _user("secretariat")
    if sec is None:
        return 0
    people = [u for u in (sec, _user("reviewer")) if u is not None]
    today = local_today()
    rnd = services.open_round(sec, "近一年信访事项办理质量评查（第一轮）",
                              today - timedelta(days=365), today)
    size = min(SIZE, services.available(sec, rnd, STATUSES))
    if size == 0:
        return 0
    rows = services.draw_sample(sec, rnd, size, STATUSES, SEED, [u.id for u in people])
    rng = random.Random(SEED)  # noqa: S311 # nosec B311 - deterministic demo data, not secrets
    for row in rows[:len(rows) - UNSCORED]:
        values = {}
        for item in rnd.items:
            chance, reasons = PROBLEMS.get(item.position, (0.2, ["材料不全"]))
            if rng.random() < chance:
                lost = rng.randint(2, max(2, item.max_score // 2))
                values[item.id] = (max(0, item.max_score - lost), rng.choice(reasons))
            else:
                values[item.id] = (item.max_score, "")
        flawless = all(values[i.id][0] == i.max_score for i in rnd.items)
        services.score(row.reviewer, row, values, "办理规范，材料齐全" if flawless else "")
    _send_findings(sec, rows, today)
    db.session.flush()
    return len(rows)


def _send_findings(sec, rows, today) -> None:
    """The three lowest scores go to their lead agencies for 整改: one sent three weeks
    ago and never signed for (overdue), one signed and in hand, one sent today."""
    scored = sorted((r for r in rows if r.is_scored and r.agency.active
                     and r.agency_id != sec.agency_id), key=lambda r: (r.total, r.id))
    chosen = scored[:3]
    # The one to be signed for goes to an agency that has a liaison to sign, if any does.
    signer = next((r for r in chosen if _liaison(r.agency_id) is not None), None)
    if signer is not None and len(chosen) >= 2:
        chosen.remove(signer)
        chosen.insert(1, signer)
    for row, days_ago in zip(chosen, (21, 6, 0), strict=False):
        finding = findings.send_finding(sec, row, findings.suggested_finding(row)
                                        or "请对照评查清单自查办理过程",
                                        sent_on=today - timedelta(days=days_ago))
        liaison = _liaison(row.agency_id)
        if days_ago == 6 and liaison is not None:
            handoffs.sign(liaison, finding.handoff)


def _liaison(agency_id: int) -> User | None:
    return db.session.scalar(select(User).join(UserRole).where(
        UserRole.role == Role.LIAISON.value, User.agency_id == agency_id,
        User.active.is_(True)).order_by(User.id).limit(1))
