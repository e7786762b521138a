"""Demo handoffs: every partner agency's liaison finds work in every inbox tab (待签收,
待反馈, 已逾期, 已退回), and the 巡察办 has a running round with a batch and open 整改 items."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from hub.agencies.models import Agency
from hub.auth.models import User
from hub.auth.visibility import visible
from hub.cases.models import Case
from hub.cases.vocab import Status
from hub.deadlines.services import local_today
from hub.extensions import db
from hub.handoffs import services
from hub.handoffs.models import Handoff

# agency code, its liaison, the kind it receives, the kind's extra fields, an outcome
PARTNERS = [
    ("dh.jw", "liaison.jiwei", "discipline.clue",
     {"subject_name": "某乡镇干部", "subject_post": "副镇长",
      "allegation": "反映在征地补偿款发放中优亲厚友"}, "verify"),
    ("dh.zzb", "liaison.zuzhi", "organization.cadre",
     {"cadre_name": "某局干部", "cadre_post": "科长"}, "talk"),
    ("dh.zfw", "liaison.zhengfa", "political_legal.route", {}, "litigation"),
    ("dh.xc", "liaison.xuncha", "inspection.issues", None, "finding"),
    ("dh.zrzyj", "liaison.ziranziyuan", "petition.assign", {}, "resolved"),
]


def _user(username: str) -> User | None:
    return db.session.scalar(select(User).where(User.username == username))


def _fresh_cases(sender, used: set[int], n: int) -> list[Case]:
    """Open cases the sender sees and nobody has handed over yet."""
    stmt = (visible(sender, Case).where(Case.status.in_([Status.REGISTERED.value, Status.FORWARDED.value,
                                                Status.ACCEPTED.value]),
                               Case.restricted.is_(False), Case.id.notin_(used or {0}))
            .order_by(Case.id).limit(n))
    cases = list(db.session.scalars(stmt))
    used.update(c.id for c in cases)
    return cases


def load_demo_handoffs() -> int:
    """Idempotent: nothing happens when any handoff exists.  Flushes, never commits."""
    if db.session.scalar(select(Handoff.id).limit(1)) is not None:
        return 0
    sender = _user("liaison.xinfang")
    if sender is None:
        return 0
    today = local_today()
    rnd = _demo_round(today)
    used: set[int] = set()
    made = 0
    for code, username, kind, details, outcome in PARTNERS:
        agency = db.session.scalar(select(Agency).where(Agency.code == code))
        receiver = _user(username)
        if agency is None or receiver is None:
            continue
        if details is None:
            details = {"round_id": rnd.id}
        batch = 2 if kind == "inspection.issues" else 1

        def send(sent_on, agency=agency, kind=kind, details=details, batch=batch):
            cases = _fresh_cases(sender, used, batch)
            if len(cases) < batch:
                return None
            return services.send(sender, kind, agency, [c.id for c in cases],
                                 "请依规办理并按期反馈", dict(details), sent_on=sent_on)

        # 待签收: sent yesterday.
        send(today - timedelta(days=1))
        # 已逾期 (sign-for): sent three weeks ago and never signed for.
        send(today - timedelta(days=21))
        # 待反馈: signed, in hand.
        h = send(today - timedelta(days=6))
        if h:
            services.sign(receiver, h)
            services.add_note(receiver, h, "已调阅材料，正在核实")
        # 已逾期 (feedback): signed long ago, feedback never came.
        h = send(today - timedelta(days=45))
        if h:
            services.sign(receiver, h)
        # 已退回: feedback sent back for rework.
        h = send(today - timedelta(days=12))
        if h:
            services.sign(receiver, h)
            services.submit_feedback(receiver, h, "已初步处理",
                                     {i.case_id: outcome for i in h.items})
            services.send_back(sender, h, "反馈过于简单，请补充处理依据和结果")
        # Concluded: feedback confirmed.
        h = send(today - timedelta(days=30))
        if h:
            services.sign(receiver, h)
            services.submit_feedback(receiver, h, "已按要求办结",
                                     {i.case_id: outcome for i in h.items})
            services.confirm(sender, h)
        made += 6
    db.session.flush()
    return made


def _demo_round(today):
    """A running 巡察 round with 整改 items: two open (one late), one done."""
    from hub.inspection import services as rounds

    xuncha = _user("liaison.xuncha")
    rnd = rounds.open_round(xuncha, "芒市自然资源局", "州委第二巡察组",
                            today - timedelta(days=20), today + timedelta(days=40))
    late = rounds.add_item(xuncha, rnd, "征地补偿款发放台账不全，未按时公示",
                           "芒市自然资源局", today + timedelta(days=1))
    late.due_on = today - timedelta(days=3)  # the demo's history: this one is already late
    rounds.add_item(xuncha, rnd, "信访事项办理答复不规范，未告知复查途径", "芒市自然资源局",
                    today + timedelta(days=25))
    done = rounds.add_item(xuncha, rnd, "信访接待场所未公开接待时间", "芒市自然资源局",
                           today + timedelta(days=10))
    rounds.complete_item(xuncha, done, "已在接待大厅和网站公示接待时间")
    return rnd
