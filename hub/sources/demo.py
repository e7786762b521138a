"""Demo collection points and work teams with their requests: most handled where they were
collected, some in hand, one turned into a petition case."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import select

from hub.agencies.models import Agency
from hub.auth.models import User
from hub.deadlines.services import local_today, local_zone
from hub.extensions import db
from hub.sources import services
from hub.sources.models import IntakeSource

# (name, kind, county code, township code, location, contact, clerk, requests)
# A request: (days ago received, requester, summary, outcome) where the outcome is
# ("done", days to handle, result), ("open",) or ("case", title, category, petitioner).
SOURCES = [
    ("营盘村民情民意收集点", "point", "mangshi.xfj", "mangshi.xishan", "营盘村党群服务中心",
     "李春 0692-2101234", "liaison.mangshi", [
         (30, "岩保", "村内道路雨季塌方，影响出行", ("done", 5, "乡交通办已组织修复")),
         (21, "杨小梅", "低保评定结果有疑问", ("done", 3, "民政所上门解释评定标准，已复核")),
         (12, "李大华", "自来水管网老化，经常停水", ("open",)),
         (9, "赵德明", "承包工程款长期未结清，多次催讨无果",
          ("case", "承包工程款长期拖欠", "wages", "赵德明")),
     ]),
    ("雷弄村民情民意收集点", "point", "ruili.xfj", "ruili.huyu", "雷弄村党群服务中心",
     "岩坎 0692-4101234", "liaison.ruili", [
         (25, "岩温", "边境通道口夜间照明不足", ("done", 7, "已协调安装太阳能路灯")),
         (14, "玉香", "子女入学手续办理咨询", ("done", 1, "已告知办理流程和所需材料")),
         (4, "岩恩", "种植补贴发放延迟", ("open",)),
     ]),
    ("州县联合群众工作队（西山片区）", "team", "mangshi.xfj", "mangshi.xishan", "西山乡各村寨入户走访",
     "队长 段红 13988001234", "liaison.mangshi", [
         (40, "排新", "危房改造补助申请", ("done", 10, "已纳入年度危房改造计划")),
         (33, "早约", "耕地被野生动物损毁要求补偿", ("done", 8, "已按野生动物致害补偿办法理赔")),
         (18, "石文", "医保报销比例咨询", ("done", 1, "现场讲解政策并协助办理")),
     ]),
    ("户撒乡群众工作队", "team", "longchuan.xfj", "longchuan.husa", "户撒乡明社村、户早村",
     "队长 金云 13988005678", "liaison.longchuan", [
         (16, "金某华", "土地流转租金未按时支付", ("done", 6, "乡政府协调公司补付租金")),
         (3, "明某", "宅基地审批进度咨询", ("open",)),
     ]),
]


def _user(username: str) -> User | None:
    return db.session.scalar(select(User).where(User.username == username))


def _agency(code: str) -> Agency | None:
    return db.session.scalar(select(Agency).where(Agency.code == code))


def load_demo_sources() -> int:
    """Idempotent: nothing happens when any source exists.  Flushes, never commits."""
    if db.session.scalar(select(IntakeSource.id).limit(1)) is not None:
        return 0
    today = local_today()
    made = 0
    for name, kind, county, township, location, contact, clerk_name, requests in SOURCES:
        clerk, county_agency, township_agency = _user(clerk_name), _agency(county), \
            _agency(township)
        if clerk is None or county_agency is None or township_agency is None:
            continue
        source = services.create_source(clerk, name, kind, county_agency.id, township_agency.id,
                                        location, contact)
        for days_ago, requester, summary, outcome in requests:
            received = today - timedelta(days=days_ago)
            request = services.record_request(clerk, source, received, requester, summary)
            if outcome[0] == "done":
                services.handle(clerk, request, outcome[2])
                # Demo history: handled a few days after it was received.
                request.handled_on = min(received + timedelta(days=outcome[1]), today)
                request.handled_at = datetime.combine(request.handled_on, time(15, 0),
                                                      tzinfo=local_zone())
            elif outcome[0] == "case":
                services.convert_to_case(clerk, request, services.CaseData(
                    outcome[1], outcome[2], outcome[3]))
        made += 1
    db.session.flush()
    return made
