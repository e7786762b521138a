"""Demo 政策完善建议: one proposal drafted from the month's largest open cluster of similar
petitions, sent to 芒市自然资源局 and put on the agenda of an upcoming joint meeting; one
from the next cluster, accepted with a measure and an effect check."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from hub.agencies.models import Agency
from hub.auth.models import User
from hub.cases.demo import _service_context
from hub.deadlines.services import local_today
from hub.extensions import db
from hub.meetings.models import Meeting
from hub.meetings.models import State as MeetingState
from hub.proposals import services
from hub.proposals.models import PolicyProposal
from hub.similar.models import ClusterRun, ClusterStatus, SimilarCluster


def _user(username: str) -> User | None:
    return db.session.scalar(select(User).where(User.username == username))


def _agency(code: str) -> Agency | None:
    return db.session.scalar(select(Agency).where(Agency.code == code))


def _open_clusters() -> list[SimilarCluster]:
    run_id = db.session.scalar(select(ClusterRun.id).where(ClusterRun.status == "done")
                               .order_by(ClusterRun.id.desc()).limit(1))
    if run_id is None:
        return []
    return list(db.session.scalars(select(SimilarCluster).where(
        SimilarCluster.run_id == run_id, SimilarCluster.status == ClusterStatus.OPEN.value)
        .order_by(SimilarCluster.position)))


def load_demo_proposals() -> int:
    """Idempotent: nothing happens once a proposal exists.  Flushes, never commits.
    Returns the number of proposals made."""
    if db.session.scalar(select(PolicyProposal.id).limit(1)) is not None:
        return 0
    sec = _user("secretariat")
    found = _open_clusters()
    if sec is None or not found:
        return 0
    # The demo's planted groups (hub.similar.demo): land acquisition, wage arrears.
    by_category = {c.categories[0][0] if c.categories else None: c for c in reversed(found)}
    made = 0
    with _service_context():
        land = by_category.get("land", found[0])
        data = services.from_cluster(sec, land)
        data.addressee_id = _agency("mangshi.zrzyj").id
        data.addressee_name = "芒市人民政府"
        data.title = "关于勐戛至芒海公路改扩建工程征地补偿款兑付问题的政策完善建议"
        data.suggestion = (
            "一、由芒市自然资源局牵头，会同交通运输局、勐戛镇人民政府，对勐戛至芒海公路改扩建"
            "工程征地补偿款的核算、拨付情况逐户核查，列出未兑付清单和兑付时限；\n"
            "二、建立征地补偿款拨付情况公示和专户监管制度，补偿款到户前不得动工；\n"
            "三、对同类在建项目开展一次排查，防止同类问题在其他乡镇重复发生。")
        first = services.draft(sec, data, land)
        services.send(sec, first)
        meeting = db.session.scalar(
            select(Meeting).where(Meeting.state.in_((MeetingState.SCHEDULED.value,
                                                     MeetingState.DRAFT.value)),
                                  Meeting.kind == "consult",
                                  Meeting.starts_at >= datetime.now(UTC))
            .order_by(Meeting.starts_at).limit(1))
        if meeting is not None:
            services.put_on_agenda(sec, first, meeting)
        made += 1
        wages = by_category.get("wages")
        if wages is not None and wages.id != land.id:
            data = services.from_cluster(sec, wages)
            data.title = "关于姐告国际商贸城二期项目拖欠农民工工资问题的政策完善建议"
            data.addressee_id = _agency("dh.rsj").id
            data.suggestion = (
                "建议州人力资源和社会保障局督促建设单位落实农民工工资专用账户和工资保证金制度，"
                "对欠薪项目实行\u201c一项目一台账\u201d，按月核查工资支付情况。")
            data.answer_days = 20
            second = services.draft(sec, data, wages)
            services.send(sec, second)
            services.answer(sec, second, True,
                            "采纳。已部署在建工程项目欠薪专项治理，建设单位按月报送工资支付台账。")
            services.add_measure(sec, second, "印发《在建工程项目农民工工资支付专项检查方案》，"
                                 "对涉事项目下达限期支付通知。",
                                 local_today() - timedelta(days=10))
            services.check_effect(sec, second, "措施实施时间尚短，暂不能判断成效，"
                                  "继续跟踪至下一个评估期。", 30)
            made += 1
    db.session.flush()
    return made
