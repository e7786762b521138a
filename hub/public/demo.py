"""Demo data of the public portal: a county department with its own 一县一码, a few
petitions submitted on the portal (one answered, published and rated, one in hand, one
just received), and most replied demo cases published with their redacted texts — the
prefecture publishes over 80% of its replies.  Idempotent; flushes, never commits."""

from __future__ import annotations

import random

from sqlalchemy import select

from hub.agencies.models import Agency
from hub.auth.models import User
from hub.cases import lifecycle
from hub.cases.models import Case
from hub.cases.vocab import Status
from hub.extensions import db
from hub.public import places, publication, services
from hub.public.models import CasePublication, PortalDepartment, PublicSubmission

DEPARTMENT = "mangshi.zrzyj"  # 芒市自然资源局: its own code beside 芒市's
SHARE_PUBLISHED = 0.85

# Made-up petitioners (fictitious names; numbers from reserved or invalid ranges).
SUBMISSIONS = [
    dict(title="芒市某小区旁工地夜间施工噪声扰民", category="environment", county="mangshi",
         content="我叫段明华，家住芒市勇罕街道团结路18号2栋3单元402室。小区旁边的工地连续一个多月"
                 "每天夜里施工到凌晨两点，噪声很大，老人孩子无法休息。多次打12345反映未解决，请求"
                 "依法查处。我的电话13800001111。",
         name="段明华", phone="13800001111", id_number="533103198001010017", path="published"),
    dict(title="瑞丽市某劳务公司拖欠工资", category="wages", county="ruili",
         content="本人岳小兰，在瑞丽市某劳务公司承接的道路工程务工三个月，公司尚欠工资1.8万元，"
                 "负责人电话打不通。请求人社部门督促支付。联系电话0692-4100000。",
         name="岳小兰", phone="06924100000", path="handling"),
    dict(title="盈江县太平镇通村道路塌方未修复", category="construction", county="yingjiang",
         content="太平镇某村通村道路雨季塌方已两个月，车辆无法通行，群众出行和运送农产品困难，"
                 "请求尽快修复。", name="思永福", phone="13900002222", path="received"),
    dict(title="芒市某地块征收补偿标准不清", category="land", county="mangshi",
         content="我叫线玉芬，身份证号533103197505050026。我家承包地被征收，补偿标准没有公示，"
                 "请求公开补偿依据和测量结果。", name="线玉芬", phone="13700003333",
         id_number="533103197505050026", path="department"),
]
REPLY = ("{name}：您反映的问题已收悉。经{agency}调查核实，{finding}特此答复。如对本答复意见不服，"
         "可自收到之日起 30 日内请求上一级机关复查。")  # demo text, as an office writes it
FINDINGS = {
    "published": "该工地确有夜间超时施工情况，已责令施工单位停止夜间作业，并对其依法作出处罚；"
                 "今后将加强巡查。",
}


def _user(username: str) -> User | None:
    return db.session.scalar(select(User).where(User.username == username))


def load_demo_public() -> dict:
    secretariat = _user("secretariat")
    if secretariat is None:
        return {"departments": 0, "submissions": 0, "published": 0}
    return {"departments": _departments(), "submissions": _submissions(secretariat),
            "published": _publish_replied(secretariat)}


def _departments() -> int:
    agency = db.session.scalar(select(Agency).where(Agency.code == DEPARTMENT))
    if agency is None or db.session.get(PortalDepartment, agency.id) is not None:
        return 0
    db.session.add(PortalDepartment(agency_id=agency.id))
    db.session.flush()
    return 1


def _submissions(secretariat: User) -> int:
    if db.session.scalar(select(PublicSubmission.id).limit(1)) is not None:
        return 0
    made = 0
    for n, item in enumerate(SUBMISSIONS, start=1):
        department = None
        if item["path"] == "department":
            department = next(iter(places.departments(item["county"])), None)
        receipt = services.submit(services.Submission(
            title=item["title"], content=item["content"], category=item["category"],
            county=item["county"], name=item["name"], phone=item["phone"],
            id_number=item.get("id_number", ""), consent=True, allow_publication=True,
            department_id=department.id if department else None,
            via_code=item["path"] == "department"), f"192.0.2.{n}")
        case = receipt.submission.case
        made += 1
        if item["path"] in ("received", "department"):
            continue
        lifecycle.forward(secretariat, case, case.registering_agency)  # the county 信访局
        lifecycle.accept(secretariat, case)
        if item["path"] == "handling":
            continue
        agency = case.lead_agency.name
        lifecycle.reply(secretariat, case, REPLY.format(
            name=item["name"], agency=agency, finding=FINDINGS[item["path"]]), public=True)
        draft = publication.draft(case)
        publication.publish(secretariat, case, draft.title, draft.content, draft.reply)
        services.rate(receipt.submission, "satisfied")
    return made


def _publish_replied(secretariat: User) -> int:
    """Publish most replied demo cases with their automatically redacted texts."""
    if db.session.scalar(select(CasePublication.case_id).limit(1).where(
            CasePublication.published_by_id.is_not(None),
            ~CasePublication.case_id.in_(select(PublicSubmission.case_id)))) is not None:
        return 0
    rng = random.Random(2026)  # noqa: S311 # nosec B311 - deterministic demo data, not secrets
    cases = db.session.scalars(
        select(Case).where(Case.replied_at.is_not(None), Case.restricted.is_(False),
                           Case.status != Status.NOT_ACCEPTED.value,
                           ~Case.id.in_(select(CasePublication.case_id)))
        .order_by(Case.id)).all()
    made = 0
    for case in cases:
        if rng.random() >= SHARE_PUBLISHED or publication.refusal(case):
            continue
        draft = publication.draft(case)
        publication.publish(secretariat, case, draft.title, draft.content, draft.reply)
        made += 1
    return made
