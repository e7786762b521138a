"""Demo cases for the 德宏州 demo prefecture (synthetic benchmark cases: hub.cases.bulk).

``load_demo_cases`` builds a few hundred realistic cases through the real services (登记、
转送、受理、督办、答复、复查、复核、销号), acting as the demo accounts, so every board column
and every colour has cards.  ``bulk_cases`` inserts many synthetic cases quickly with Core
bulk inserts (no service calls, one audit event).  Neither commits: the caller does.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from operator import mul

from flask import current_app, has_request_context
from sqlalchemy import select

from agencies import registry
from hub.agencies.models import Agency, AgencyKind
from hub.auth.models import User, UserRole
from hub.auth.roles import Role
from hub.cases import intake, lifecycle, permissions, steps
from hub.cases.intake import COUNTIES, Intake, PetitionerData
from hub.cases.models import Case
from hub.cases.vocab import (
    COLLECTIVE_HEADCOUNT,
    RATINGS,
    STAGE_ORDER,
    Channel,
    Stage,
)
from hub.deadlines.engine import colour, warning_dates
from hub.deadlines.rules import rule
from hub.deadlines.services import compute_due, local_today, thresholds
from hub.extensions import db

# ---------------------------------------------------------------------------------------
# Vocabulary of the region (place names are public; people appear only as 李某 / 李某某)
# ---------------------------------------------------------------------------------------

TOWNSHIP_NAMES = {
    "mangshi": ["芒市镇", "遮放镇", "勐戛镇", "芒海镇", "风平镇", "轩岗乡", "江东乡", "西山乡",
                "中山乡", "三台山乡", "五岔路乡"],
    "ruili": ["勐卯街道", "畹町镇", "弄岛镇", "姐相乡", "户育乡", "勐秀乡"],
    "lianghe": ["遮岛镇", "芒东镇", "勐养镇", "平山乡", "小厂乡", "大厂乡", "九保乡", "曩宋乡",
                "河西乡"],
    "yingjiang": ["平原镇", "旧城镇", "那邦镇", "弄璋镇", "盏西镇", "卡场镇", "太平镇", "昔马镇",
                  "新城乡", "芒章乡", "苏典乡"],
    "longchuan": ["章凤镇", "陇把镇", "景罕镇", "城子镇", "户撒乡", "护国乡", "清平乡",
                  "王子树乡", "勐约乡"],
}
VILLAGES = ["新寨村", "大寨村", "上寨村", "下寨村", "团结村", "新民村", "光明村", "回龙村",
            "河边村", "坝头村", "龙井村", "松山村", "田坝村", "芒岗村", "弄坎村", "等线村"]
SURNAMES = ["李", "杨", "张", "王", "赵", "刀", "岳", "线", "孟", "段", "尹", "何", "董", "寸",
            "陈", "刘", "周", "罗", "郭", "番", "思", "排", "金", "雷", "许", "谢"]
PROJECTS = ["高速公路连接线", "工业园区基础设施", "城区道路扩建", "中型水库", "边境物流园区",
            "集镇安置小区", "农贸市场改造", "县城污水管网"]
BORDER_COUNTIES = ("ruili", "longchuan", "yingjiang", "mangshi")
# 身份证 region codes (德宏州 5331xx) of the five counties.
ID_REGIONS = {"ruili": "533102", "mangshi": "533103", "lianghe": "533122",
              "yingjiang": "533123", "longchuan": "533124"}

DISCIPLINE, INSPECTION, ORGANIZATION, POLITICAL_LEGAL = (
    AgencyKind.DISCIPLINE.value, AgencyKind.INSPECTION.value, AgencyKind.ORGANIZATION.value,
    AgencyKind.POLITICAL_LEGAL.value)


@dataclass(frozen=True)
class Topic:
    category: str
    title: str
    content: str
    kinds: tuple[str, ...] = ()  # partner kinds (信访+X) that fit the topic
    counties: tuple[str, ...] = ()  # restrict to these counties (empty: any)
    crowd: str = "single"  # single | group (often several people) | collective
    clue: bool = False  # a 纪委 clue: may be restricted
    foreign: bool = False


TOPICS = [
    Topic("land", "{place}{village}集体土地征收补偿款未足额兑付",
          "信访人反映，{y}年{village}约{mu}亩集体土地被征收用于{proj}建设，至今仍有部分征地补偿款"
          "和青苗补偿费未兑付到户，村组对补偿款分配方案也未公示。多次向镇村两级反映未果，请求依法"
          "兑现补偿并公开分配明细。", (POLITICAL_LEGAL, INSPECTION), crowd="collective"),
    Topic("land", "反映{place}征地过程中村组干部截留补偿款",
          "信访人反映，{village}在{proj}征地中，村民小组长{s}以“工作经费”名义截留部分补偿款约{m}"
          "万元，账目不公开，群众意见较大，请求调查处理。", (DISCIPLINE, INSPECTION), crowd="group",
          clue=True),
    Topic("construction", "{place}易地扶贫搬迁安置点住房质量问题",
          "信访人反映，{village}易地扶贫搬迁安置点于{y}年交付使用，现多户住房出现墙体开裂、屋面渗漏，"
          "多次报修无人处理，请求组织质量鉴定并维修。", (INSPECTION,), crowd="collective"),
    Topic("land", "{place}房屋征收安置房逾期未交付",
          "信访人反映，其房屋因{proj}项目于{y}年被征收拆除，按协议应在两年内交付安置房，至今未交付，"
          "过渡安置费自今年初起停发，一家人租房居住，生活困难。", (POLITICAL_LEGAL,), crowd="group"),
    Topic("wages", "{place}某建设项目工地拖欠农民工工资",
          "信访人等反映，{y}年在{place}某{proj}工地务工，劳务班组负责人{s}拖欠工资共计约{m}万元，"
          "总包单位以工程款尚未结算为由拒绝支付，请求督促清偿。", (POLITICAL_LEGAL,),
          crowd="collective"),
    Topic("wages", "某劳务公司拖欠{county}籍务工人员工资",
          "信访人反映，其与同乡在州内某劳务公司承接的道路硬化工程务工，完工后公司负责人{s}仅支付部分"
          "工资，尚欠约{m}万元，电话多次联系不上，请求人社部门介入。", crowd="group"),
    Topic("agriculture", "{place}橡胶林地承包费拖欠纠纷",
          "信访人反映，{y}年{village}部分农户将集体橡胶林地承包给某种植公司经营，合同约定每年支付"
          "承包费，公司已连续两年未支付，且擅自扩大割胶范围，请求协调解决。", (POLITICAL_LEGAL,),
          ("mangshi", "ruili", "yingjiang", "longchuan"), crowd="collective"),
    Topic("agriculture", "{place}甘蔗款结算拖欠问题",
          "信访人反映，其在{y}/{y1}榨季向某糖厂交售甘蔗约{t}吨，糖厂至今未结清蔗款，影响农户购买化肥"
          "和春耕生产，请求督促糖厂尽快兑付。", crowd="group"),
    Topic("agriculture", "{place}甘蔗地边界纠纷引发邻里矛盾",
          "信访人反映，其与同村村民{s}因甘蔗地边界长期存在争议，今年砍蔗期间双方发生冲突，村调解"
          "委员会调解未果，请求依法确权并化解矛盾。", (POLITICAL_LEGAL,)),
    Topic("border", "{county}边民互市货物被暂扣问题",
          "信访人反映，其以边民身份在互市点申报进口的一批农产品被有关部门暂扣，认为执法程序不规范、"
          "告知不清楚，请求说明暂扣依据并依法处理。", (POLITICAL_LEGAL,),
          ("ruili", "longchuan", "yingjiang")),
    Topic("border", "涉缅边境贸易货款纠纷",
          "信访人反映，其经营的边贸商行与缅方客商之间存在货款纠纷，对方拖欠货款约{m}万元后失联，"
          "报案后进展缓慢，请求有关部门协调处理。", (POLITICAL_LEGAL,), ("ruili", "longchuan"),
          foreign=True),
    Topic("labour", "城乡居民医保异地就医报销未到位",
          "信访人反映，其家人在州外住院治疗，已按规定办理异地就医备案，但出院后报销比例明显低于政策"
          "规定，经办窗口解释不清，请求复核报销金额。"),
    Topic("labour", "养老保险缴费年限认定争议",
          "信访人反映，其早年在原国营农场工作期间的工龄未被认定为视同缴费年限，导致养老金待遇偏低，"
          "请求依据原始档案重新核定。"),
    Topic("conduct", "反映{place}{village}村干部在低保评定中优亲厚友",
          "信访人反映，{village}村委会主任{s}在低保对象评定中优亲厚友，将不符合条件的亲属纳入低保，"
          "部分困难群众却未被纳入，评定结果未公示，请求调查核实。", (DISCIPLINE,), clue=True),
    Topic("conduct", "反映{place}某站所工作人员办事推诿、吃拿卡要",
          "信访人反映，其到{place}某站所办理相关手续时，工作人员{s}多次以材料不全为由推诿，并暗示需"
          "“表示心意”才能加快办理，请求查处。", (DISCIPLINE,), clue=True),
    Topic("conduct", "反映{place}村集体“三资”管理混乱、账目不公开",
          "信访人反映，{village}集体林地、鱼塘承包收入多年未公开，村务监督委员会形同虚设，群众怀疑"
          "存在侵占集体资金问题，请求开展专项审计。", (INSPECTION, DISCIPLINE), crowd="group",
          clue=True),
    Topic("conduct", "反映{place}村“两委”换届选举程序不规范",
          "信访人反映，{village}在村“两委”换届选举中存在委托投票不规范、候选人资格审查把关不严等"
          "问题，请求组织部门核查。", (ORGANIZATION,), crowd="group"),
    Topic("conduct", "反映{county}某单位干部选拔任用程序存在问题",
          "信访人反映，{county}某单位在近期中层干部选拔中，拟任人选{s}的任职资格条件存在疑问，民主"
          "推荐环节组织不规范，请求按干部选拔任用有关规定核查。", (ORGANIZATION, DISCIPLINE),
          clue=True),
    Topic("conduct", "反映驻村工作队员长期不在岗",
          "信访人反映，派驻{place}{village}的驻村工作队员{s}长期不在岗，帮扶措施落实不到位，群众反映"
          "的问题得不到及时回应，请求督促整改。", (ORGANIZATION, INSPECTION)),
    Topic("legal", "对民间借贷纠纷案件执行不到位有意见",
          "信访人反映，其与{s}民间借贷纠纷一案判决已生效，但执行已近一年，被执行人名下财产未能有效"
          "查控，执行款至今未到位，请求加大执行力度。", (POLITICAL_LEGAL,)),
    Topic("legal", "反映派出所对邻里纠纷处理不公",
          "信访人反映，其与邻居{s}因宅基地通道问题发生纠纷并被殴打，派出所仅作调解处理，信访人认为"
          "处理结果不公，请求依法重新处理。", (POLITICAL_LEGAL,)),
    Topic("environment", "{place}某采石场粉尘噪声扰民",
          "信访人反映，{village}附近某采石场昼夜开采，粉尘和噪声严重影响周边群众生活和农作物生长，"
          "运输车辆损毁村道，请求依法查处。", (INSPECTION,), crowd="collective"),
    Topic("environment", "{place}生猪养殖场污水直排河道",
          "信访人反映，{village}上游一家生猪养殖场将养殖污水直排河道，下游灌溉用水受到污染，请求"
          "生态环境部门调查处理。", crowd="group"),
    Topic("education", "{county}城区义务教育学位分配问题",
          "信访人反映，其子女随迁在{county}城区就读，今年秋季学期申请学位时被告知不符合条件，信访人"
          "认为已提供居住证明和务工证明，请求重新审核。"),
    Topic("health", "{place}卫生院诊疗延误问题",
          "信访人反映，其家人到{place}卫生院就诊时，因值班医生不在岗导致诊疗延误，后转院治疗花费"
          "较大，请求调查并给予说法。"),
    Topic("other", "{place}{village}人饮工程建成后长期停水",
          "信访人反映，{village}人饮工程建成后经常停水，管护责任不明确，村民只能到山沟挑水，请求"
          "落实管护并恢复供水。", crowd="collective"),
    Topic("construction", "反映{place}通村公路硬化工程质量差",
          "信访人反映，{village}通村公路硬化工程完工不到一年即出现路面开裂、塌陷，怀疑施工方偷工减料、"
          "验收把关不严，请求核查并追责。", (INSPECTION, DISCIPLINE), crowd="group"),
    Topic("other", "{place}集体山林权属纠纷",
          "信访人反映，其所在村民小组与邻村因一片集体山林权属长期争议，双方多次发生冲突，请求政府"
          "依法确权调处。", (POLITICAL_LEGAL,), crowd="collective"),
]

THREAT_NOTE = "信访人情绪激动，扬言若问题得不到解决将采取过激行为。"
SKIP_LEVEL_NOTE = "信访人未经县级有关部门处理，直接到州级机关反映。"
NON_RECEPTION_NOTE = "信访人到州级机关办公区门口反映诉求，非信访接待场所。"
CONFIDENTIAL_NOTE = "信访人要求对其身份信息予以保密。"
REPLIES = ["经调查核实，信访人反映的问题部分属实，已责成有关单位限期整改，整改结果将书面告知。",
           "经核查，有关款项已于近日足额兑付到位，信访人诉求已得到解决。",
           "经调查，信访人反映的问题不属实，已向信访人当面说明政策依据。",
           "已组织有关部门现场调处，双方达成调解协议并已履行。"]
REFUSALS = ["该事项已经或者依法应当通过诉讼途径解决，已告知信访人向人民法院提起诉讼。",
            "该事项属于仲裁范围，已告知信访人依法申请劳动人事争议仲裁。"]

COLOURS = ("green", "yellow", "red")
ORDERED_STAGES = STAGE_ORDER  # sort, assigned, handling, supervised, resolved, closed


@dataclass
class _Plan:
    stage: Stage
    colour: str
    partner: str | None = None  # partner kind taking part (信访+X)
    role: str = "lead"  # lead | assist | window (registered at the partner's joint window)
    threat: bool = False
    restricted: bool = False
    path: str = ""  # how the case got to its stage; chosen when empty


# ---------------------------------------------------------------------------------------
# Petitioners' data (fake but well-formed)
# ---------------------------------------------------------------------------------------

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def _id_number(rng: random.Random, county: str) -> str:
    """An 18-character 身份证号 of the county (5331xx), born 1950–2003, with a valid check
    character (which may be X)."""
    r = rng.random
    body = (f"{ID_REGIONS[county]}{1950 + int(r() * 54)}{1 + int(r() * 12):02d}"
            f"{1 + int(r() * 28):02d}{int(r() * 1000):03d}")
    return body + "10X98765432"[sum(map(mul, map(int, body), _ID_WEIGHTS)) % 11]


def _phone(rng: random.Random) -> str:
    """An 11-digit mobile number starting with 13, 15 or 18."""
    r = rng.random
    return f"1{'358'[int(r() * 3)]}{int(r() * 1_000_000_000):09d}"


def _petitioner(rng: random.Random, county: str) -> PetitionerData:
    return PetitionerData(
        name=rng.choice(SURNAMES) + "某某",
        phone=_phone(rng) if rng.random() < 0.95 else None,
        id_number=_id_number(rng, county) if rng.random() < 0.9 else None,
    )


# ---------------------------------------------------------------------------------------
# The demo prefecture as the services see it
# ---------------------------------------------------------------------------------------


class _World:
    """Agencies and accounts of the demo prefecture."""

    def __init__(self) -> None:
        def user(username: str) -> User:
            found = db.session.scalar(select(User).where(User.username == username))
            if found is None:
                raise RuntimeError(f"demo account {username!r} is missing: run `hub demo` first")
            return found

        self.liaison = user("liaison.xinfang")
        self.secretariat = user("secretariat")
        agencies = list(db.session.scalars(select(Agency).where(Agency.active.is_(True))))
        self.by_code = {a.code: a for a in agencies}
        self.mechanism_kinds = [plugin.kind for _m, plugin in registry.mechanisms()]
        self.partners = {kind: [a for a in agencies if a.kind == kind]
                         for kind in self.mechanism_kinds}
        missing = [kind for kind, rows in self.partners.items() if not rows]
        if missing:
            raise RuntimeError(f"no active agencies of kind {missing}: run `hub demo` first")
        self.townships = {county: [a for a in agencies if a.kind == AgencyKind.TOWNSHIP.value
                                   and a.code.startswith(county + ".")] for county in COUNTIES}
        self.liaisons: dict[int, User] = {}
        for u in db.session.scalars(select(User).join(UserRole).where(
                UserRole.role == Role.LIAISON.value, User.active.is_(True)).order_by(User.id)):
            self.liaisons.setdefault(u.agency_id, u)

    def agency(self, code: str) -> Agency | None:
        return self.by_code.get(code)

    def partner(self, rng: random.Random, kind: str, county: str) -> Agency:
        local = [a for a in self.partners[kind] if a.code.startswith(county + ".")]
        if local and rng.random() < 0.65:
            return rng.choice(local)
        top = [a for a in self.partners[kind] if a.level == "prefecture"]
        return rng.choice(top or self.partners[kind])

    def handling_unit(self, rng: random.Random, category: str, county: str) -> Agency:
        """A fitting 职能部门 for the category, else the county's 信访局."""
        by_category = {"land": "zrzyj", "wages": "rsj", "labour": "rsj", "construction": "zjj"}
        short = by_category.get(category)
        candidates = []
        if short:
            candidates = [self.agency(f"{county}.{short}"), self.agency(f"dh.{short}")]
        candidates = [a for a in candidates if a is not None]
        if candidates and rng.random() < 0.75:
            return candidates[0]
        return self.agency(f"{county}.xfj") or self.agency("dh.xfj")

    def handler(self, case: Case) -> User:
        """Who takes the lead agency's steps: its liaison when it has one, else 联席办."""
        lead_user = self.liaisons.get(case.lead_agency_id)
        if lead_user is not None and permissions.may_handle(lead_user, case):
            return lead_user
        return self.secretariat

    def router(self, case: Case) -> User:
        """Who drives the procedure: the registering 信访局's liaison, else 联席办."""
        if permissions.may_route(self.liaison, case):
            return self.liaison
        return self.secretariat


# ---------------------------------------------------------------------------------------
# Planning: which cases to make
# ---------------------------------------------------------------------------------------

_STAGE_WEIGHTS = {Stage.SORT: 10, Stage.ASSIGNED: 14, Stage.HANDLING: 28, Stage.SUPERVISED: 10,
                  Stage.RESOLVED: 16, Stage.CLOSED: 22}
_CHANNEL_WEIGHTS = {Channel.LETTER: 14, Channel.VISIT: 26, Channel.ONLINE: 22, Channel.PHONE: 12,
                    Channel.VIDEO: 4, Channel.WECHAT: 8, Channel.APP: 6, Channel.COUNTY_CODE: 8}


def _plans(rng: random.Random, count: int, kinds: list[str]) -> list[_Plan]:
    plans: list[_Plan] = []
    # Every mechanism board gets a card in every column, in all three colours.
    for mi, kind in enumerate(kinds):
        for si, stage in enumerate(ORDERED_STAGES):
            role = "window" if stage is Stage.SORT else ("lead", "assist")[(mi + si) % 2]
            plans.append(_Plan(stage, COLOURS[(mi + si) % 3], kind, role))
    # A handful of 扬言件 (always red while open).
    for stage in (Stage.SORT, Stage.ASSIGNED, Stage.HANDLING, Stage.HANDLING, Stage.SUPERVISED,
                  Stage.RESOLVED):
        plans.append(_Plan(stage, "green", threat=True))
    # 纪委 clues: restricted, with a discipline agency taking part from registration.
    for stage in (Stage.SORT, Stage.ASSIGNED, Stage.HANDLING, Stage.HANDLING, Stage.SUPERVISED,
                  Stage.RESOLVED, Stage.CLOSED, Stage.CLOSED):
        plans.append(_Plan(stage, rng.choice(COLOURS), DISCIPLINE, "window", restricted=True))
    # Some less common paths, so the demo shows them.
    plans += [
        _Plan(Stage.HANDLING, "green", path="hearing"),
        _Plan(Stage.HANDLING, "yellow", path="review"),
        _Plan(Stage.HANDLING, "red", path="recheck"),
        _Plan(Stage.RESOLVED, "green", path="rechecked"),
        _Plan(Stage.RESOLVED, "yellow", path="reviewed"),
        _Plan(Stage.CLOSED, "green", path="refuse"),
        _Plan(Stage.CLOSED, "green", path="closed_after_review"),
    ]
    stages, weights = zip(*_STAGE_WEIGHTS.items(), strict=True)
    while len(plans) < count:
        stage = rng.choices(stages, weights)[0]
        plan = _Plan(stage, rng.choices(COLOURS, (55, 25, 20))[0])
        if rng.random() < 0.45:
            plan.partner = rng.choice(kinds)
            plan.role = "window" if stage is Stage.SORT or rng.random() < 0.12 else \
                rng.choice(("lead", "assist"))
        plans.append(plan)
    rng.shuffle(plans)
    return plans


def _path(rng: random.Random, plan: _Plan) -> str:
    if plan.path:
        return plan.path
    roll = rng.random()
    match plan.stage:
        case Stage.SORT:
            return "register"
        case Stage.ASSIGNED:
            return "forward"
        case Stage.HANDLING:
            return "review" if roll < 0.08 else "accept"
        case Stage.SUPERVISED:
            return "review" if roll < 0.1 else "accept"
        case Stage.RESOLVED:
            return "reviewed" if roll < 0.1 else "reply"
        case _:
            if roll < 0.1:
                return "refuse"
            return "closed_after_review" if roll < 0.18 else "close"


# The clock a path leaves running (None: no open clock), and how long the earlier steps
# took (days between registration and the start of that clock).
_CLOCK = {"register": "case.forward", "forward": "case.accept", "accept": "case.handle",
          "review": "case.review", "recheck": "case.recheck", "hearing": "case.recheck",
          "reply": "case.review_request", "reviewed": "case.recheck_request"}
_GAP = {"register": (0, 0), "forward": (1, 14), "accept": (3, 25), "review": (50, 110),
        "recheck": (90, 160), "hearing": (90, 160), "reply": (30, 90), "reviewed": (70, 140)}


def _start_for(rng: random.Random, kind: str, extra_days: int, wanted: str, progressed: bool,
               today: date) -> date:
    """A start date for a clock of ``kind`` that makes it ``wanted`` (green/yellow/red) today."""
    period = rule(kind)
    days = period.days + extra_days
    windows = {"green": (0, days // 3), "yellow": (days // 2, days),
               "red": (days + 5, days + 45)}
    lo, hi = windows[wanted]
    first = rng.randint(lo, hi)
    candidates = list(range(first, hi + 1)) + list(range(lo, first)) + list(range(days + 60))
    th = thresholds()
    for offset in candidates:
        start = today - timedelta(days=offset)
        due = compute_due(start, days, period.unit).on
        yellow_on, stale_on = warning_dates(start, due, th)
        if colour(today, due, yellow_on, stale_on, progressed=progressed).value == wanted:
            return start
    return today


def _simulate_history(case: Case, start_on: date) -> None:
    """DEMO DATA ONLY: simulates history.  The services start every later step's clock
    "today"; to show cases whose step began weeks ago (overdue or yellow cards), move the
    open clock's start back and recompute its dates exactly as the deadline service does,
    then copy them to the case and its board rows.  Never use this for real cases."""
    deadline = steps.current_deadline(case)
    if deadline is None or deadline.start_on == start_on:
        return
    due = compute_due(start_on, deadline.days + deadline.extension_days, deadline.unit)
    deadline.start_on = start_on
    deadline.due_on, deadline.provisional = due.on, due.provisional
    deadline.yellow_on, deadline.stale_on = warning_dates(start_on, due.on, thresholds())
    steps.mirror(case, deadline)
    steps.sync_index(case)


@contextmanager
def _service_context() -> Iterator[None]:
    """The services build links with ``url_for`` (e.g. the 扬言件 alert): give them a request
    context when called from the command line."""
    if has_request_context():
        yield
        return
    with current_app.test_request_context():
        yield


# ---------------------------------------------------------------------------------------
# load_demo_cases
# ---------------------------------------------------------------------------------------


def load_demo_cases(count: int = 300) -> int:
    """Create about ``count`` demo cases through the real services (idempotent: if any
    case exists, create nothing and return 0).  Flushes, never commits."""
    if db.session.scalar(select(Case.id).limit(1)) is not None:
        return 0
    rng = random.Random(2026)  # noqa: S311 # nosec B311 - deterministic demo data, not secrets
    world = _World()
    today = local_today()
    made: list[Case] = []
    with _service_context():
        for plan in _plans(rng, count, world.mechanism_kinds):
            made.append(_make_case(rng, world, plan, today, made))
        # 待会商: a few open cases go on the next joint meeting's agenda.
        open_cases = [c for c in made if c.stage != Stage.CLOSED.value]
        for case in rng.sample(open_cases, k=min(len(open_cases), max(3, len(made) // 20))):
            lifecycle.set_to_discuss(world.secretariat, case, True)
    db.session.flush()
    return len(made)


def _topic_for(rng: random.Random, plan: _Plan) -> Topic:
    if plan.restricted:
        pool = [t for t in TOPICS if t.clue]
    elif plan.partner:
        pool = [t for t in TOPICS if plan.partner in t.kinds]
    else:
        pool = TOPICS
    return rng.choice(pool or TOPICS)


def _intake(rng: random.Random, world: _World, plan: _Plan, topic: Topic,
            registered_on: date) -> Intake:
    county = rng.choice(topic.counties or tuple(COUNTIES))
    county_name = COUNTIES[county]
    township = None
    townships = world.townships.get(county) or []
    if townships and rng.random() < 0.3:
        township = rng.choice(townships)
        place = township.name
    else:
        place = county_name + rng.choice(TOWNSHIP_NAMES[county])
    village = rng.choice(VILLAGES)
    year = rng.randint(max(2019, registered_on.year - 4), registered_on.year)
    values = dict(place=place, village=village, county=county_name, y=year, y1=year + 1,
                  s=rng.choice(SURNAMES) + "某", m=f"{rng.uniform(2, 180):.1f}",
                  mu=rng.randint(12, 480), t=rng.randint(40, 900), proj=rng.choice(PROJECTS))
    title = topic.title.format(**values)
    content = topic.content.format(**values)

    flags: set[str] = set()
    channel = rng.choices(list(_CHANNEL_WEIGHTS), list(_CHANNEL_WEIGHTS.values()))[0]
    roll = rng.random()
    if topic.crowd == "collective" and roll < 0.6:
        headcount = rng.randint(COLLECTIVE_HEADCOUNT, 60)
    elif (topic.crowd != "single" and roll < 0.7) or roll < 0.15:
        headcount = rng.randint(2, COLLECTIVE_HEADCOUNT - 1)
    else:
        headcount = 1
    notes = []
    if headcount >= 2 and topic.crowd != "single" and channel is Channel.LETTER \
            and rng.random() < 0.6:
        flags.add("joint_letter")
        notes.append(f"本信由{headcount}名群众联名签字。")
    if channel is Channel.VISIT and rng.random() < 0.12:
        flags.add("skip_level")
        notes.append(SKIP_LEVEL_NOTE)
    if channel is Channel.VISIT and headcount >= COLLECTIVE_HEADCOUNT and rng.random() < 0.3:
        flags.add("non_reception")
        notes.append(NON_RECEPTION_NOTE)
    if topic.foreign or (topic.category == "border" and rng.random() < 0.3):
        flags.add("foreign")
    if plan.threat:
        flags.add("threat")
        notes.append(THREAT_NOTE)
    if plan.restricted:
        notes.append(CONFIDENTIAL_NOTE)
    if headcount >= COLLECTIVE_HEADCOUNT:
        who = "来访群众" if channel is Channel.VISIT else "反映群众"
        notes.insert(0, f"{who}共{headcount}人，推选代表反映。")
    people = 1 if headcount == 1 else min(headcount, rng.randint(2, 3))
    return Intake(
        title=title[:200], content=content + "".join(notes), channel=channel.value,
        category=topic.category, headcount=headcount, county=county,
        registered_on=registered_on,
        petitioners=[_petitioner(rng, county) for _ in range(people)],
        township_id=township.id if township else None, village=village,
        public=not plan.restricted and rng.random() < 0.2, restricted=plan.restricted,
        flags=flags,
    )


def _repeat_of(rng: random.Random, world: _World, made: list[Case], registered_on: date):
    """Now and then the same petitioner comes back (重复信访): an earlier case the 信访局's
    liaison can see, registered before this one and not finally rechecked."""
    if rng.random() > 0.06:
        return None
    candidates = [c for c in made if not c.restricted and c.rechecked_at is None
                  and c.registering_agency_id == world.liaison.agency_id and c.petitioners
                  and c.registered_at.date() < registered_on]
    return rng.choice(candidates) if candidates else None


def _make_case(rng: random.Random, world: _World, plan: _Plan, today: date,
               made: list[Case]) -> Case:
    path = _path(rng, plan)
    topic = _topic_for(rng, plan)
    progressed = path in {"accept", "review"} and rng.random() < 0.35
    extension = rng.choice((15, 30)) if path == "accept" and rng.random() < 0.12 else 0
    kind = _CLOCK.get(path)
    wanted = "green" if path == "hearing" else plan.colour
    start = _start_for(rng, kind, extension, wanted, progressed, today) if kind else None
    if start is not None:
        registered_on = start - timedelta(days=rng.randint(*_GAP[path]))
    else:
        registered_on = today - timedelta(days=rng.randint(20, 700))
    data = _intake(rng, world, plan, topic, registered_on)
    earlier = _repeat_of(rng, world, made, registered_on)
    if earlier is not None:
        first = earlier.petitioners[0]
        data.petitioners[0] = PetitionerData(first.name, first.phone, first.id_number)
        data.link_to = [earlier.id]
        data.content += f"信访人曾于{earlier.registered_at:%Y年%m月}就相关问题反映过。"

    registering = None
    if plan.partner and plan.role == "window":
        # Received at the partner's joint reception window (联合接访), registered for it.
        registering = world.partner(rng, plan.partner, data.county)
    case = intake.register(world.liaison, data, registering)
    if path == "register":
        return case

    # 转送/交办
    if plan.restricted:
        lead, assist = registering, []
    elif plan.partner and plan.role == "lead":
        lead = world.partner(rng, plan.partner, data.county)
        assist = [world.handling_unit(rng, data.category, data.county)]
    else:
        lead = world.handling_unit(rng, data.category, data.county)
        assist = []
        if plan.partner and plan.role == "assist":
            assist.append(world.partner(rng, plan.partner, data.county))
    lifecycle.forward(world.router(case), case, lead, [a for a in assist if a.id != lead.id])
    if path == "forward":
        _simulate_history(case, start)
        return case
    handler = world.handler(case)
    if path == "refuse":
        lifecycle.refuse(handler, case, rng.choice(REFUSALS))
        return case

    lifecycle.accept(handler, case)
    if path == "accept":
        if extension:
            lifecycle.extend(handler, case, extension, "案情复杂，需进一步调查核实",
                             "分管负责人")
        if progressed:
            lifecycle.record_progress(handler, case, "已约谈信访人并调取相关材料，正在核查。")
        if plan.stage is Stage.SUPERVISED:
            lifecycle.supervise(world.secretariat, case, True)
        _simulate_history(case, start)
        return case

    lifecycle.reply(handler, case, rng.choice(REPLIES), public=case.public)
    if path in {"reply", "close"}:
        if rng.random() < 0.6 or path == "close":
            lifecycle.rate(handler, case, rng.choices(list(RATINGS), (60, 30, 10))[0])
        if path == "close":
            lifecycle.close(world.secretariat, case)
            return case
        _simulate_history(case, start)
        return case

    # 复查 (and perhaps 复核): the petitioner asks again within the window.
    lifecycle.request_review(world.router(case), case, today)
    if path == "review":
        if progressed:
            lifecycle.record_progress(handler, case, "复查机关已调阅原办理材料。")
        if plan.stage is Stage.SUPERVISED:
            lifecycle.supervise(world.secretariat, case, True)
        _simulate_history(case, start)
        return case
    lifecycle.review_opinion(handler, case, "经复查，原答复意见认定事实清楚，予以维持。")
    if path == "reviewed":
        _simulate_history(case, start)
        return case
    if path == "closed_after_review":
        lifecycle.rate(handler, case, "basically")
        lifecycle.close(world.secretariat, case)
        return case
    lifecycle.request_recheck(world.router(case), case, today)
    if path == "recheck":
        _simulate_history(case, start)
        return case
    if path == "hearing":
        lifecycle.hearing(handler, case, True, today, "组织复核听证")
        return case
    lifecycle.recheck_opinion(handler, case, "经复核，维持复查意见。本复核意见为最终意见。")
    return case  # rechecked: 化解, no clock running
