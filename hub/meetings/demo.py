"""Demo meetings: past and upcoming meetings of all three kinds — a held 联合会商研判 with
approved minutes and open tasks, a monthly 联席会议 series, an on-site visit, a draft."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import select

from hub.agencies.models import Agency
from hub.auth.models import User
from hub.cases.models import Case
from hub.deadlines.services import local_today, local_zone
from hub.extensions import db
from hub.meetings import services
from hub.meetings.models import Meeting

PARTNERS = ("dh.xfj", "dh.jw", "dh.xc", "dh.zzb", "dh.zfw")
PEOPLE = ("liaison.xinfang", "liaison.jiwei", "liaison.xuncha", "liaison.zuzhi",
          "liaison.zhengfa", "leader.prefecture")


def _user(username: str) -> User | None:
    return db.session.scalar(select(User).where(User.username == username))


def _working_day(days_ahead: int):
    day = local_today() + timedelta(days=days_ahead)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def _plan(kind, title, day, hour, hours, place, people=PEOPLE) -> services.Plan:
    start = datetime.combine(day, time(hour), tzinfo=local_zone())
    agencies = db.session.scalars(select(Agency.id).where(Agency.code.in_(PARTNERS))).all()
    users = [u.id for name in people if (u := _user(name)) is not None]
    return services.Plan(kind, title, start, start + timedelta(hours=hours), place,
                         list(agencies), users, [])


def _move_back(meeting: Meeting, days: int) -> None:
    """Demo history: the meeting took place ``days`` ago (services refuse past times)."""
    meeting.starts_at -= timedelta(days=days)
    meeting.ends_at -= timedelta(days=days)


def load_demo_meetings() -> int:
    """Idempotent: nothing happens when any meeting exists.  Flushes, never commits."""
    if db.session.scalar(select(Meeting.id).limit(1)) is not None:
        return 0
    sec = _user("secretariat")
    zhengfa, jiwei = _user("liaison.zhengfa"), _user("liaison.jiwei")
    if sec is None or zhengfa is None or jiwei is None:
        return 0
    cases = db.session.scalars(select(Case).where(Case.restricted.is_(False),
                                                  Case.status != "closed")
                               .order_by(Case.rank).limit(4)).all()
    made = 0

    # A 联合会商研判 held ten days ago: outcomes, tasks (one late, one open, one done) and
    # approved minutes.
    held = services.create(sec, _plan("consult", "涉法涉诉信访事项联合会商研判",
                                      _working_day(1), 9, 2, "州信访局三楼会议室"))
    services.schedule(sec, held)
    services.answer(zhengfa, held, "attend")
    services.answer(jiwei, held, "attend")
    items = [services.add_item(sec, held, case=c) for c in cases[:2]]
    services.add_item(sec, held, "近期集体访形势研判")
    services.start(sec, held)
    services.record_attendance(sec, held, {i.attendee.id for i in held.invitees})
    if items:
        services.add_outcome(sec, items[0], "decision", "依法分类处理，导入诉讼程序")
        services.add_outcome(sec, items[0], "task", "引导信访人依法提起诉讼并跟踪",
                             owner=zhengfa, due_on=local_today() + timedelta(days=1))
        services.add_outcome(sec, items[-1], "task", "核查反映的干部作风问题",
                             owner=jiwei, due_on=local_today() + timedelta(days=20))
        done = services.add_outcome(sec, items[-1], "task", "调取原办理卷宗",
                                    owner=zhengfa, due_on=local_today() + timedelta(days=1))
        services.complete_task(zhengfa, done.task, "已调取卷宗并移交会商材料")
    services.finish(sec, held)
    services.save_minutes(sec, held, "一、会议听取了信访局关于两件涉法涉诉信访事项的情况汇报。\n"
                                     "二、会议议定：依法分类处理，政法委牵头导入诉讼程序。\n"
                                     "三、纪委监委核查反映的干部作风问题，按期反馈。")
    services.approve_minutes(sec, held)
    _move_back(held, 11)
    for task in held.tasks:
        if task.status == "open" and task.owner_id == zhengfa.id:
            task.due_on = local_today() - timedelta(days=3)  # late: chased
    made += 1

    # A monthly 联席会议 series: last month's held, the next ones scheduled.
    series = services.create_series(sec, _plan("joint", "信访工作联席会议（月度）",
                                                _working_day(2), 15, 2, "州委第一会议室"),
                                    "monthly", 3)
    past = series[0]
    services.schedule(sec, past)
    services.start(sec, past)
    services.finish(sec, past)
    _move_back(past, 32)
    for meeting in series[1:]:
        services.schedule(sec, meeting)
    made += len(series)

    # An on-site supervision visit next week, answered by some invitees.
    visit = services.create(sec, _plan("visit", "芒市征地补偿问题联合实地督办",
                                       _working_day(5), 9, 3, "芒市西山乡营盘村村委会"))
    services.schedule(sec, visit)
    services.answer(jiwei, visit, "decline")
    if len(cases) > 2:
        services.add_item(sec, visit, case=cases[2])
    made += 1

    # A consultation still being drafted (nothing sent).
    services.create(sec, _plan("consult", "拖欠农民工工资问题会商", _working_day(8), 14, 2,
                               "州信访局三楼会议室", ("liaison.xinfang", "liaison.zhengfa")))
    made += 1
    db.session.flush()
    return made
