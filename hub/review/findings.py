"""评查 findings: what the review found wrong with a case goes to the case's lead agency
for 整改 as a handoff of the internal kind ``petition.rectify`` (评查整改, declared by the
信访局 plug-in), so it is signed for, fed back and chased like every handoff.  Services flush,
never commit; every change is audited."""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from hub.audit.services import record_change
from hub.core.errors import ServiceError
from hub.extensions import db
from hub.handoffs import services as handoffs
from hub.handoffs.models import OPEN_STATES, Handoff, HandoffCase
from hub.review.models import ReviewCase, ReviewFinding
from hub.review.permissions import manages_rounds

RECTIFY_KIND = "petition.rectify"  # 评查整改


def suggested_finding(review_case: ReviewCase) -> str:
    """A draft of the finding from the items that lost points and their reasons."""
    lines = []
    for s in sorted(review_case.scores, key=lambda s: s.round_item.position):
        lost = s.round_item.max_score - s.score
        if lost > 0:
            lines.append(_("%(item)s（扣 %(n)d 分）：%(comment)s", item=s.round_item.label,
                           n=lost, comment=s.comment))
    return "\n".join(lines)


def send_finding(actor, review_case: ReviewCase, text: str,
                 sent_on: date | None = None) -> ReviewFinding:
    """Send what the review found to the case's lead agency (when it was reviewed) as a
    评查整改 handoff: it signs for it, rectifies and feeds back on the kind's clocks, which
    the chase engine chases like every handoff's.  ``sent_on``: a notice sent on paper
    earlier (the demo), whose clocks count from that day."""
    if not manages_rounds(actor):
        raise ServiceError(_("只有联席办可以发送整改通知"))
    if not review_case.is_scored:
        raise ServiceError(_("评分后才能发送整改通知"))
    text = (text or "").strip()
    if not text:
        raise ServiceError(_("请填写需要整改的问题"), "text")
    if len(text) > 2000:
        raise ServiceError(_("不能超过 %(n)d 个字", n=2000), "text")
    agency = review_case.agency
    if not agency.active:
        raise ServiceError(_("主办单位“%(agency)s”已停用，无法发送整改通知", agency=agency.name))
    if agency.id == actor.agency_id:
        raise ServiceError(_("“%(agency)s”是本单位，整改请在单位内部落实", agency=agency.name))
    open_one = db.session.scalar(
        select(Handoff.id).join(HandoffCase, HandoffCase.handoff_id == Handoff.id)
        .where(HandoffCase.case_id == review_case.case_id, Handoff.kind == RECTIFY_KIND,
               Handoff.to_agency_id == agency.id,
               Handoff.state.in_([s.value for s in OPEN_STATES])).limit(1))
    if open_one is not None:
        raise ServiceError(_("该事项已有未办结的整改通知（交办 #%(id)d），请待其办结后再发送",
                             id=open_one))
    handoff = handoffs.send(actor, RECTIFY_KIND, agency, [review_case.case_id], text,
                            {"round_id": review_case.round_id}, sent_on, internal=True)
    finding = ReviewFinding(review_case_id=review_case.id, text=text, handoff_id=handoff.id,
                            handoff=handoff, sent_by_id=actor.id, sent_at=handoff.sent_at)
    db.session.add(finding)
    db.session.flush()
    record_change(actor, "review.finding_sent", finding, None)
    return finding
