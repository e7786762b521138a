"""Demo screening: last month's three lists of every county (submitted, one of them late,
some items already closed by 销号), key persons on the ledgers, and this month opened with
most counties submitted and one still owing its lists (the chase engine takes it up)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import select

from hub.agencies.territory import counties
from hub.auth.models import User
from hub.deadlines.services import local_date, local_today, local_zone
from hub.extensions import db
from hub.screening import services
from hub.screening.models import ScreeningReport

CLERKS = {"mangshi": "liaison.mangshi", "ruili": "liaison.ruili", "lianghe": "liaison.lianghe",
          "yingjiang": "liaison.yingjiang", "longchuan": "liaison.longchuan"}

# (problem, risk, responsible unit, responsible person, task, days to finish)
ITEMS = [
    ("因土地征收补偿标准引发的群体性上访苗头", "high", "县自然资源局", "副局长 张华",
     "逐户核对补偿清单，召开群众说明会", 20),
    ("农民工工资拖欠可能引发集体访", "high", "县人社局", "劳动监察大队长 李强",
     "督促企业限期支付，必要时启动应急周转金", 15),
    ("村组之间山林权属争议", "medium", "乡镇人民政府", "分管副乡长 杨林",
     "组织林业站现场勘界，按三·三制调处", 30),
    ("边民跨境务工劳务纠纷", "medium", "县人社局", "科长 岳红", "联合边境派出所开展劳务排查", 25),
    ("城镇棚户区改造安置房交房延迟", "low", "县住建局", "副局长 周明",
     "约谈开发企业，公布交房时间表", 40),
]

KEY_PERSONS = {
    "mangshi": [("王某明", "533103197805121234", "多次到州上访反映土地补偿问题",
                 "包村干部每周走访，县信访局领导包案"),
                ("张某芬", "533103198511230026", "因家庭纠纷扬言过激行为",
                 "妇联、司法所联合心理疏导")],
    "ruili": [("岩某", "533102199002140515", "边境务工工资纠纷牵头人", "劳动监察跟踪处理")],
    "longchuan": [("金某华", "533124197001011819", "土地流转租金纠纷多次越级访",
                   "乡政府牵头协调，村干部结对稳控")],
}


def _user(username: str) -> User | None:
    return db.session.scalar(select(User).where(User.username == username))


def _back_date(report: ScreeningReport, day) -> None:
    """Demo history: the report was submitted on ``day`` (services record "now")."""
    moment = datetime.combine(day, time(16, 0), tzinfo=local_zone())
    report.submitted_at = moment
    report.late = day > report.deadline.due_on
    report.deadline.done_at = moment
    report.deadline.done_on = local_date(moment)


def _fill(report: ScreeningReport, clerk: User, items, submit_on=None) -> None:
    for problem, risk, unit, person, task, days in items:
        services.add_item(clerk, report, problem, risk, unit, person, task,
                          local_today() + timedelta(days=days))
    if submit_on is not None:
        services.submit(clerk, report, "" if items else "本月未排查出突出矛盾风险隐患")
        if submit_on < local_today():
            _back_date(report, submit_on)


def load_demo_screening() -> int:
    """Idempotent: nothing happens when any screening report exists.  Flushes, never
    commits; returns the number of reports."""
    if db.session.scalar(select(ScreeningReport.id).limit(1)) is not None:
        return 0
    today = local_today()
    this_month = services.month_start(today)
    last_month = services.month_start(this_month - timedelta(days=1))
    places = {c.code.split(".")[0]: c for c in counties()}
    clerks = {key: _user(name) for key, name in CLERKS.items()}
    if not places or any(clerk is None for clerk in clerks.values()):
        return 0
    made = 0
    # Last month: every county submitted — 陇川县 three days late — and some items closed.
    last = {r.county_id: r for r in services.open_month(last_month)}
    for n, (key, county) in enumerate(sorted(places.items())):
        report, clerk = last.get(county.id), clerks.get(key)
        if report is None or clerk is None:
            continue
        due = report.deadline.due_on
        on = due + timedelta(days=3) if key == "longchuan" else due - timedelta(days=1 + n % 2)
        picked = ITEMS[n % 2:n % 2 + 3]
        _fill(report, clerk, picked, submit_on=min(on, today))
        for item in report.items[:2 if n % 2 else 1]:
            services.close_item(clerk, item, "已按任务清单化解，当事人签字确认，附调解协议")
        people = [services.add_key_person(clerk, report, *person)
                  for person in KEY_PERSONS.get(key, [])]
        if len(people) > 1:
            services.close_key_person(clerk, people[-1],
                                      "经心理疏导和家庭调解，矛盾已化解，解除列管")
        made += 1
    # This month: the month is open; 陇川县 has not submitted yet.
    current = {r.county_id: r for r in services.open_month(this_month)}
    for n, (key, county) in enumerate(sorted(places.items())):
        report, clerk = current.get(county.id), clerks.get(key)
        if report is None or clerk is None:
            continue
        on_time = min(report.deadline.due_on - timedelta(days=1), today)
        _fill(report, clerk, ITEMS[(n + 2) % 3:(n + 2) % 3 + 2],
              submit_on=None if key == "longchuan" else on_time)
        made += 1
    return made
