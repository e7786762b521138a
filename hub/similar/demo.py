"""Demo 相似信访件: two matters that many petitioners raise this month, each told in their
own words — six about the land compensation of one road project in 芒市勐戛镇 (征地补偿款未
兑付) and five about the wages owed at one construction site in 瑞丽市 (拖欠农民工工资) —
registered through the intake service; then the similar-cases index is built and the
current month's clusters computed at once (the job's body, no Redis needed), so that the
clusters page and the case pages have something to show."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select

from hub.agencies.models import Agency
from hub.auth.models import User
from hub.cases import intake
from hub.cases.demo import _petitioner, _service_context
from hub.cases.intake import Intake
from hub.cases.models import Case
from hub.deadlines.services import local_today
from hub.extensions import db
from hub.similar import clusters, services
from hub.similar.models import ClusterRun

SEED = 20260601


@dataclass(frozen=True)
class Petition:
    title: str
    content: str
    channel: str
    headcount: int = 1
    village: str | None = None


# 勐戛至芒海公路改扩建工程: one project's land compensation, six petitioners.
LAND = (
    Petition("勐戛至芒海公路改扩建工程征地补偿款至今未兑付",
             "我们是芒市勐戛镇勐戛村三组村民。2024年10月，勐戛至芒海公路改扩建工程征用我组耕地和"
             "林地共86亩，工程指挥部和勐戛镇政府与各户签订征地补偿协议，承诺2025年春节前把征地"
             "补偿款全部兑付到户。现在一年多过去了，每户只领到三成的首期款，剩余七成征地补偿款一直"
             "没有兑付。多次到镇政府和工程指挥部询问，都说项目资金还没有到位。请求督促兑付剩余征地"
             "补偿款。", "visit", 6, "勐戛村"),
    Petition("反映勐戛至芒海公路改扩建工程征地补偿款拖欠问题",
             "信访人系勐戛镇勐戛村村民，家中4.2亩承包地被勐戛至芒海公路改扩建工程征用。按2024年10月"
             "签订的征地补偿协议，征地补偿款应在2025年春节前全部兑付，但至今只领到三成的首期款，剩余"
             "七成征地补偿款迟迟没有兑付。工程指挥部说资金由市里拨付，镇政府说在等工程指挥部，互相"
             "推诿。要求尽快兑付剩余征地补偿款并公开补偿明细。", "letter", 1, "勐戛村"),
    Petition("勐戛村村民讨要勐戛至芒海公路征地补偿款",
             "2024年10月勐戛至芒海公路改扩建工程征用勐戛村三组、五组的耕地，工程指挥部丈量后和我们"
             "签了征地补偿协议，说好2025年春节前征地补偿款全部兑付到户。到现在只领到三成的首期款，"
             "剩余七成征地补偿款还没有兑付，村组也没有公示补偿款去向。群众怀疑补偿款被挪用，请有关"
             "部门调查并督促兑付。", "online", 3, "勐戛村"),
    Petition("芒蚌村土地被勐戛至芒海公路改扩建工程占用补偿未兑付",
             "我们勐戛镇芒蚌村有30多户的承包地被勐戛至芒海公路改扩建工程征用，2024年10月签订征地"
             "补偿协议时，工程指挥部承诺2025年春节前兑付全部征地补偿款和青苗补偿费，至今只领到三成"
             "的首期款，剩余七成征地补偿款没有兑付。路已经在修了，地没了，钱也拿不到，生活很困难。"
             "请求督促工程指挥部尽快兑付剩余征地补偿款。", "phone", 2, "芒蚌村"),
    Petition("勐戛至芒海公路改扩建工程拖欠勐戛村五组征地补偿款",
             "信访人代表勐戛村五组12户村民来访。2024年10月签订征地补偿协议，勐戛至芒海公路改扩建"
             "工程征用五组土地共31亩，约定2025年春节前全部兑付征地补偿款，实际只兑付了三成的首期款，"
             "剩余七成征地补偿款至今没有兑付。多次找勐戛镇政府和工程指挥部，答复都是项目资金没有到位。"
             "请求督促兑付剩余征地补偿款。", "visit", 12, "勐戛村"),
    Petition("再次反映勐戛至芒海公路改扩建工程征地补偿款兑付问题",
             "关于勐戛至芒海公路改扩建工程征地补偿款的问题，我们勐戛村村民去年就反映过。2024年10月"
             "签订的征地补偿协议约定2025年春节前全部兑付，当时答复年底前兑付，现在还是只领到三成的"
             "首期款，剩余七成征地补偿款什么时候兑付没有明确说法，村里也不公开补偿款账目。请求督促"
             "工程指挥部兑付剩余征地补偿款并公开账目。", "wechat", 1, "勐戛村"),
)

# 姐告国际商贸城二期项目: one construction site's wage arrears, five petitioners.
WAGES = (
    Petition("姐告国际商贸城二期项目工地拖欠农民工工资",
             "我们20多名农民工2025年3月起在瑞丽市姐告国际商贸城二期项目工地做钢筋工和木工，总包单位"
             "是云南鑫盛建筑工程有限公司，劳务班组长张某某。工程主体完工后，张某某以鑫盛公司未结算"
             "工程款为由拖欠我们的农民工工资共约46万元，只给大家写了欠条。多次到项目部讨要，向劳动"
             "监察大队投诉，都没有结果。请求督促鑫盛公司支付拖欠的农民工工资。", "visit", 8),
    Petition("反映云南鑫盛建筑工程有限公司姐告国际商贸城二期项目欠薪",
             "信访人在姐告国际商贸城二期项目工地务工8个月，劳务班组长张某某只发了生活费，拖欠农民工"
             "工资3.6万元，有张某某写的欠条。找总包云南鑫盛建筑工程有限公司，鑫盛公司说工程款已经"
             "付给劳务班组长张某某，张某某说鑫盛公司未结算工程款，互相推诿。向劳动监察大队投诉过没有"
             "结果。请求督促鑫盛公司支付拖欠的农民工工资。", "phone"),
    Petition("姐告国际商贸城二期项目工地农民工讨要工资",
             "我们是陇川县来瑞丽打工的农民工，在姐告国际商贸城二期项目工地跟着劳务班组长张某某干模板"
             "工，总包是云南鑫盛建筑工程有限公司。工程完工后张某某以鑫盛公司未结算工程款为由拖欠农民工"
             "工资，共12人约18万元，只写了欠条。去劳动监察大队投诉过，说已经约谈了鑫盛公司，但至今"
             "没有拿到钱。请求督促鑫盛公司支付拖欠的农民工工资。", "online", 12),
    Petition("云南鑫盛建筑工程有限公司拖欠姐告国际商贸城二期项目农民工工资",
             "信访人等反映：在瑞丽市姐告国际商贸城二期项目工地从事砌筑工作，总包单位云南鑫盛建筑工程"
             "有限公司、劳务班组长张某某以未结算工程款为由拖欠农民工工资约9万元，有考勤表和张某某写"
             "的欠条为证。多次到项目部讨要，保安不让进门，向劳动监察大队投诉也没有结果。请求责令鑫盛"
             "公司支付拖欠的农民工工资。", "letter", 4),
    Petition("再次反映姐告国际商贸城二期项目工地拖欠农民工工资",
             "姐告国际商贸城二期项目工地拖欠农民工工资的问题，我们上个月已经向劳动监察大队投诉。总包"
             "云南鑫盛建筑工程有限公司承诺月底前支付，到期仍未兑现，劳务班组长张某某说鑫盛公司未结算"
             "工程款，欠条上的钱一分没给，电话也打不通。工人们都等着工资回家过年，请求督促鑫盛公司"
             "支付拖欠的农民工工资。", "county_code", 5),
)

GROUPS = (("mangshi", "land", "mangshi.mengga", LAND), ("ruili", "wages", None, WAGES))


def _days(today: date, count: int) -> list[date]:
    """``count`` registration days spread over the current month up to today."""
    first = today.replace(day=1)
    span = (today - first).days
    return [first + timedelta(days=span * i // max(count - 1, 1)) for i in range(count)]


def load_demo_similar() -> int:
    """Idempotent: nothing happens once any clustering run exists.  Flushes, never commits
    (the clustering run is written in a savepoint of the caller's transaction).  Returns
    the number of petitions registered."""
    if db.session.scalar(select(ClusterRun.id).limit(1)) is not None:
        return 0
    liaison = db.session.scalar(select(User).where(User.username == "liaison.xinfang"))
    if liaison is None:
        return 0
    rng = random.Random(SEED)  # noqa: S311 # nosec B311 - deterministic demo data, not secrets
    today = local_today()
    made: list[Case] = []
    with _service_context():
        for county, category, township_code, petitions in GROUPS:
            township = db.session.scalar(select(Agency).where(Agency.code == township_code)) \
                if township_code else None
            for day, p in zip(_days(today, len(petitions)), petitions, strict=True):
                people = min(p.headcount, 2)
                made.append(intake.register(liaison, Intake(
                    title=p.title, content=p.content, channel=p.channel, category=category,
                    headcount=p.headcount, county=county, registered_on=day,
                    petitioners=[_petitioner(rng, county) for _ in range(people)],
                    township_id=township.id if township else None, village=p.village)))
    # The index over every case, with the frequent shingles counted first.
    services.index_all(rebuild_vocabulary=True)
    since, until = clusters.month_of(today)
    run = clusters.new_system_run(since, until)
    clusters.run_clusters(run.id)
    db.session.flush()
    return len(made)
