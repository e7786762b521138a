"""Demo disputes under 三·三制: resolved at each of the three levels, one moved up early by
a township's approval, one turned into a petition case, and some still being mediated."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import select

from hub.agencies.models import Agency
from hub.auth.models import User
from hub.deadlines.services import local_today, local_zone
from hub.extensions import db
from hub.mediation import services
from hub.mediation.models import Dispute

MEDIATORS = {
    "group": "村民小组长、村寨老人",
    "village": "村调委会主任、驻村民警",
    "township": "乡镇司法所所长、综治中心专职调解员",
}

# (village code, who mediates below the township, who at the township, title, category,
#  parties, 村民小组, days ago found, steps).  Steps: ("u", days ago) an unresolved attempt,
#  ("r", days ago, agreement) a resolved one, ("up", days ago) a move up after three
#  attempts, ("early", days ago, reason) an early move up approved by the township,
#  ("case", petitioner) turned into a petition case by the county's 信访局.
STORIES = [
    ("mangshi.xishan.yingjiang", "village.yingpan", "township.xishan", "邻里排水沟堵塞纠纷",
     "neighbour", "岩温、杨发", "营盘村三组", 40,
     [("u", 38), ("r", 35, "双方同意共同清理排水沟，费用各半")]),
    ("mangshi.xishan.yingjiang", "village.yingpan", "township.xishan", "承包地界线纠纷",
     "land", "李小军、李有才", "营盘村一组", 75,
     [("u", 73), ("u", 68), ("u", 62), ("up", 61), ("u", 55),
      ("r", 48, "村调委会现场重新测量，按二轮承包合同确认地界，双方签订调解协议")]),
    ("mangshi.xishan.yingjiang", "village.yingpan", "township.xishan", "集体山林权属纠纷",
     "forest", "营盘村二组、营盘村四组", "营盘村二组", 120,
     [("u", 118), ("u", 112), ("u", 105), ("up", 104), ("u", 98), ("u", 90), ("u", 83),
      ("up", 82), ("r", 70, "乡林业站依据林权证划界，两组签订山林管护协议")]),
    ("mangshi.xishan.yingjiang", "village.yingpan", "township.xishan", "拖欠务工工资纠纷",
     "labour", "赵德明等 6 人、某建筑包工头", "营盘村五组", 100,
     [("u", 98), ("u", 95), ("u", 92), ("up", 91), ("u", 88), ("u", 84), ("u", 80),
      ("up", 79), ("u", 72), ("u", 66), ("u", 60), ("case", "赵德明")]),
    ("mangshi.xishan.yingjiang", "village.yingpan", "township.xishan", "赡养老人纠纷",
     "family", "杨秀英、杨建华", "营盘村三组", 12, [("u", 10)]),
    ("mangshi.xishan.yingjiang", "village.yingpan", "township.xishan", "宅基地建房遮挡纠纷",
     "neighbour", "王国强、王小平", "营盘村一组", 20,
     [("u", 18), ("early", 16, "一方扬言阻工，矛盾有激化风险，需村委会提级调处")]),
    ("mangshi.xishan.maojiang", "township.xishan", "township.xishan", "灌溉用水分配纠纷",
     "forest", "毛讲村上寨、下寨", "毛讲村上寨组", 60,
     [("u", 58), ("u", 54), ("u", 50), ("up", 49), ("u", 45), ("u", 40), ("u", 36),
      ("up", 35), ("u", 30), ("u", 22)]),
    ("ruili.huyu.leinong", "liaison.ruili", "liaison.ruili", "边民务工合同纠纷",
     "border", "雷弄村务工人员 3 人、某种植园", "雷弄村二组", 50,
     [("u", 48), ("u", 45), ("u", 41), ("up", 40), ("u", 36),
      ("r", 30, "种植园补发工资并补签劳务合同")]),
    ("ruili.huyu.leinong", "liaison.ruili", "liaison.ruili", "耕牛损坏庄稼赔偿纠纷",
     "neighbour", "岩坎、李明", "雷弄村一组", 15, [("r", 13, "按损失折价赔偿 800 元")]),
    ("longchuan.husa.mingshe", "liaison.longchuan", "liaison.longchuan", "土地流转租金纠纷",
     "contract", "明社村 12 户、某农业公司", "明社村三组", 90,
     [("u", 88), ("u", 84), ("u", 80), ("up", 79), ("u", 75), ("u", 70), ("u", 66),
      ("up", 65), ("u", 58), ("r", 50, "乡政府牵头，公司按合同补付租金并约定按季支付")]),
    ("lianghe.mangdong.mangdong", "liaison.lianghe", "liaison.lianghe", "道路通行纠纷",
     "neighbour", "芒东村两户村民", "芒东村四组", 8, [("u", 6)]),
    ("yingjiang.taiping.taiping", "liaison.yingjiang", "liaison.yingjiang", "婚约彩礼返还纠纷",
     "family", "太平村两家", "太平村一组", 30, [("u", 28), ("r", 25, "双方协商返还部分彩礼")]),
]


def _user(username: str) -> User | None:
    return db.session.scalar(select(User).where(User.username == username))


def _moment(day):
    return datetime.combine(day, time(10, 0), tzinfo=local_zone())


def load_demo_mediation() -> int:
    """Idempotent: nothing happens when any dispute exists.  Flushes, never commits."""
    if db.session.scalar(select(Dispute.id).limit(1)) is not None:
        return 0
    today = local_today()
    county_clerk = _user("liaison.mangshi")
    made = 0
    for code, below, township_user, title, category, parties, group, found, steps in STORIES:
        village = db.session.scalar(select(Agency).where(Agency.code == code))
        lower, upper = _user(below), _user(township_user)
        if village is None or lower is None or upper is None:
            continue
        dispute = services.register(lower, services.DisputeData(
            title, f"{parties}之间的{title}，经{group}排查发现。", category, parties,
            village.id, group, today - timedelta(days=found)))
        for step in steps:
            actor = upper if dispute.level == "township" else lower
            if step[0] in ("u", "r"):
                services.record_attempt(
                    actor, dispute, today - timedelta(days=step[1]), MEDIATORS[dispute.level],
                    parties, "resolved" if step[0] == "r" else "unresolved",
                    step[2] if step[0] == "r" else "双方分歧较大，约定再次调解")
            elif step[0] in ("up", "early"):
                reason = step[2] if step[0] == "early" else ""
                moved = services.escalate(actor, dispute, reason,
                                          upper.id if step[0] == "early" else None)
                # Demo history: the move happened on that day (services record "now").
                moved.escalated_at = _moment(today - timedelta(days=step[1]))
                db.session.flush()
            elif step[0] == "case" and county_clerk is not None:
                services.convert_to_case(county_clerk, dispute, step[1], headcount=6)
        made += 1
    return made
