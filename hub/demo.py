"""The demo prefecture, modelled on 德宏州 (DESIGN §3), and its accounts.  Idempotent."""

from __future__ import annotations

import os
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from hub.agencies.models import Agency
from hub.audit.services import record_change
from hub.auth.models import User, UserRole
from hub.auth.passwords import generate_password, hash_password
from hub.extensions import db

JOINT = [
    ("xfj", "信访局", "petition_bureau"),
    ("jw", "纪委监委", "discipline"),
    ("xc", "巡察办", "inspection"),
    ("zzb", "组织部", "organization"),
    ("zfw", "政法委", "political_legal"),
]
# Prefecture-level joint agencies use the party-committee names.
PREFECTURE_NAMES = {
    "xfj": "德宏州信访局",
    "jw": "德宏州纪委监委",
    "xc": "中共德宏州委巡察工作领导小组办公室",
    "zzb": "中共德宏州委组织部",
    "zfw": "中共德宏州委政法委员会",
}
COUNTIES = [
    ("mangshi", "芒市"),
    ("ruili", "瑞丽市"),
    ("lianghe", "梁河县"),
    ("yingjiang", "盈江县"),
    ("longchuan", "陇川县"),
]
TOWNSHIPS = [
    ("mangshi", "xishan", "芒市西山乡"),
    ("mangshi", "mengga", "芒市勐戛镇"),
    ("ruili", "huyu", "瑞丽市户育乡"),
    ("ruili", "jiexiang", "瑞丽市姐相乡"),
    ("longchuan", "husa", "陇川县户撒乡"),
    ("lianghe", "mangdong", "梁河县芒东乡"),
    ("yingjiang", "taiping", "盈江县太平镇"),
]
VILLAGES = [
    ("mangshi.xishan", "yingjiang", "西山乡营盘村"),
    ("mangshi.xishan", "maojiang", "西山乡毛讲村"),
    ("mangshi.mengga", "mengga", "勐戛镇勐戛村"),
    ("ruili.huyu", "leinong", "户育乡雷弄村"),
    ("longchuan.husa", "mingshe", "户撒乡明社村"),
    ("lianghe.mangdong", "mangdong", "芒东乡芒东村"),
    ("yingjiang.taiping", "taiping", "太平镇太平村"),
]
HANDLING_UNITS = [
    ("dh.zrzyj", "德宏州自然资源局"),
    ("dh.rsj", "德宏州人力资源和社会保障局"),
    ("dh.zjj", "德宏州住房和城乡建设局"),
    ("mangshi.zrzyj", "芒市自然资源局"),
]

ACCOUNTS = [
    # username, display name, agency code, roles, leader rank
    ("admin", "系统管理员", "dh.xfj", ["admin"], None),
    ("secretariat", "联席办 李文", "dh.xfj", ["secretariat"], None),
    ("liaison.xinfang", "信访局联络员 张丽", "dh.xfj", ["liaison"], None),
    ("liaison.jiwei", "纪委监委联络员 杨帆", "dh.jw", ["liaison"], None),
    ("liaison.xuncha", "巡察办联络员 赵明", "dh.xc", ["liaison"], None),
    ("liaison.zuzhi", "组织部联络员 王芳", "dh.zzb", ["liaison"], None),
    ("liaison.zhengfa", "政法委联络员 刘强", "dh.zfw", ["liaison"], None),
    ("liaison.ziranziyuan", "州自然资源局联络员 何伟", "dh.zrzyj", ["liaison"], None),
    ("leader.prefecture", "州领导 孙建国", "dh.xfj", ["leader"], "ting"),
    ("leader.mangshi", "芒市领导 周海", "mangshi.xfj", ["leader"], "xianchu"),
    ("reviewer", "联席办评查员 马琳", "dh.xfj", ["secretariat"], None),
    ("auditor", "审计员 陈静", "dh.xfj", ["auditor"], None),
    # 基层: each county's 信访局 (monthly screening), a township's 综治中心 and a village's
    # mediation committee (三·三制).
    ("liaison.mangshi", "芒市信访局联络员 段红", "mangshi.xfj", ["liaison"], None),
    ("liaison.ruili", "瑞丽市信访局联络员 岳明", "ruili.xfj", ["liaison"], None),
    ("liaison.lianghe", "梁河县信访局联络员 曹丽", "lianghe.xfj", ["liaison"], None),
    ("liaison.yingjiang", "盈江县信访局联络员 排早", "yingjiang.xfj", ["liaison"], None),
    ("liaison.longchuan", "陇川县信访局联络员 金云", "longchuan.xfj", ["liaison"], None),
    ("township.xishan", "西山乡综治中心 杨勇", "mangshi.xishan", ["liaison"], None),
    ("village.yingpan", "营盘村调委会 李春", "mangshi.xishan.yingjiang", ["liaison"], None),
]

CREDENTIALS_FILE = "demo-credentials.txt"


def _agency(code, name, kind, level, parent, created):
    agency = db.session.scalar(select(Agency).where(Agency.code == code))
    if agency is None:
        agency = Agency(code=code, name=name, kind=kind, level=level, parent=parent, active=True)
        db.session.add(agency)
        db.session.flush()
        created.append(agency)
    return agency


def build_agencies() -> list[Agency]:
    created: list[Agency] = []
    top = {}
    for short, _name, kind in JOINT:
        top[short] = _agency(f"dh.{short}", PREFECTURE_NAMES[short], kind, "prefecture", None,
                             created)
    for code, name in HANDLING_UNITS:
        level = "prefecture" if code.startswith("dh.") else "county"
        parent = top["xfj"] if level == "prefecture" else None
        if level == "county":
            parent = db.session.scalar(select(Agency).where(Agency.code == "mangshi.xfj"))
            if parent is None:
                continue  # created after the counties below
        _agency(code, name, "handling_unit", level, parent, created)
    for county, county_name in COUNTIES:
        for short, name, kind in JOINT:
            # A county agency sits under the same-kind agency of the prefecture.
            _agency(f"{county}.{short}", f"{county_name}{name}", kind, "county", top[short],
                    created)
    for code, name in HANDLING_UNITS:
        if not code.startswith("dh."):
            county = code.split(".")[0]
            parent = db.session.scalar(select(Agency).where(Agency.code == f"{county}.xfj"))
            _agency(code, name, "handling_unit", "county", parent, created)
    for county, short, name in TOWNSHIPS:
        parent = db.session.scalar(select(Agency).where(Agency.code == f"{county}.xfj"))
        _agency(f"{county}.{short}", name, "township", "township", parent, created)
    for township_code, short, name in VILLAGES:
        parent = db.session.scalar(select(Agency).where(Agency.code == township_code))
        _agency(f"{township_code}.{short}", name, "village", "village", parent, created)
    return created


def demo_password() -> tuple[str, bool]:
    """HUB_DEMO_PASSWORD, else a generated one (returned with generated=True)."""
    given = current_app.config.get("HUB_DEMO_PASSWORD")
    if given:
        return given, False
    return generate_password(), True


def build_accounts(password: str) -> list[User]:
    created = []
    password_hash = hash_password(password)
    for username, name, agency_code, roles, rank in ACCOUNTS:
        if db.session.scalar(select(User.id).where(User.username == username)):
            continue
        agency = db.session.scalar(select(Agency).where(Agency.code == agency_code))
        user = User(
            username=username,
            display_name=name,
            password_hash=password_hash,
            agency=agency,
            leader_rank=rank,
            role_rows=[UserRole(role=r) for r in roles],
        )
        db.session.add(user)
        db.session.flush()
        created.append(user)
    return created


def load_demo() -> dict:
    """Create whatever of the demo data is missing; audit each creation as the system."""
    from hub.deadlines.calendar import seed_from_package

    seed_from_package()
    agencies = build_agencies()
    for agency in agencies:
        record_change(None, "agencies.created", agency, None)
    password, generated = demo_password()
    users = build_accounts(password)
    for user in users:
        record_change(None, "users.created", user, None)
    written = None
    if users and generated:
        written = write_credentials(password)
    return {
        "agencies": len(agencies),
        "users": len(users),
        "password": password if users else None,
        "generated": generated,
        "credentials_file": written,
    }


def write_credentials(password: str) -> Path:
    path = Path(current_app.instance_path) / CREDENTIALS_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = ["# 演示账号 / demo accounts", f"password: {password}", ""]
    lines += [f"{u}\t{n}" for u, n, *_ in ACCOUNTS]
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write("\n".join(lines) + "\n")
    os.chmod(path, 0o600)
    return path


def load_full_demo() -> dict:
    """Everything the demo shows: prefecture and accounts, cases, 包案, handoffs, meetings,
    a 评查 round, the public portal's submissions, published cases and 一县一码, 三·三制
    disputes, the monthly screening, the collection points, and similar cases with the
    month's clusters (idempotent)."""
    from hub.baoan.demo import load_demo_baoan
    from hub.cases.demo import load_demo_cases
    from hub.handoffs.demo import load_demo_handoffs
    from hub.mediation.demo import load_demo_mediation
    from hub.meetings.demo import load_demo_meetings
    from hub.proposals.demo import load_demo_proposals
    from hub.public.demo import load_demo_public
    from hub.review.demo import load_demo_review
    from hub.screening.demo import load_demo_screening
    from hub.similar.demo import load_demo_similar
    from hub.sources.demo import load_demo_sources

    result = load_demo()
    result["cases"] = load_demo_cases()
    result["baoan"] = load_demo_baoan()
    result["handoffs"] = load_demo_handoffs()
    result["meetings"] = load_demo_meetings()
    result["review"] = load_demo_review()
    result["public"] = load_demo_public()
    result["disputes"] = load_demo_mediation()
    result["screening"] = load_demo_screening()
    result["sources"] = load_demo_sources()
    # Last: the similar cases index every demo case, and cluster the month's.
    result["similar"] = load_demo_similar()
    # Then the 政策完善建议 drawn from those clusters.
    result["proposals"] = load_demo_proposals()
    return result
