"""Publishing a case and its reply (公开): the handling agency marks at reply whether they
may be published, the hub removes personal data (hub.public.redaction), and an officer of
the handling agency checks the preview, edits it if needed and confirms.  Only then is it
shown on the portal.  Services flush, never commit; every change is audited on the case.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import contains_eager

from hub.audit.services import record
from hub.cases import permissions
from hub.cases.models import Case
from hub.cases.vocab import Status
from hub.core.errors import ServiceError
from hub.core.types import utcnow
from hub.extensions import db
from hub.public import redaction
from hub.public.models import CasePublication, PublicSubmission

TITLE_MAX = 200
TEXT_MAX = 20000


@dataclass
class Draft:
    """The texts to publish, and what the automatic pass removed from them."""

    title: str
    content: str
    reply: str
    findings: list[redaction.Finding]


def publication_of(case: Case) -> CasePublication | None:
    return db.session.get(CasePublication, case.id)


def submission_of(case: Case) -> PublicSubmission | None:
    return db.session.scalar(select(PublicSubmission).where(PublicSubmission.case_id == case.id))


def may_publish(user, case: Case) -> bool:
    """The handling agency (主办单位) or the secretariat — who wrote the reply."""
    return permissions.may_handle(user, case)


def refusal(case: Case) -> str | None:
    """Why this case cannot be published now (None: it can)."""
    if case.restricted:
        return _("限制查看的事项（纪检线索、保护举报人）不能公开")
    if case.replied_at is None or not case.reply_text or case.status == Status.NOT_ACCEPTED.value:
        return _("答复后才能公开")
    submission = submission_of(case)
    if submission is not None and not submission.allow_publication:
        return _("信访人提交时不同意公开，不能公开")
    return None


def _names(case: Case) -> list[str]:
    return [p.name for p in case.petitioners]


def draft(case: Case) -> Draft:
    """The automatic first pass: the texts with personal data removed."""
    names = _names(case)
    parts = [redaction.redact(text, names) for text in (case.title, case.content,
                                                        case.reply_text or "")]
    return Draft(parts[0].text, parts[1].text, parts[2].text,
                 [f for part in parts for f in part.findings])


def publish(actor, case: Case, title: str, content: str, reply: str) -> CasePublication:
    """Confirm and publish the texts the officer checked.  A text that still holds personal
    data is refused, saying what was found."""
    if not may_publish(actor, case):
        raise ServiceError(_("只有主办单位或联席办可以确认公开"))
    reason = refusal(case)
    if reason:
        raise ServiceError(reason)
    texts = {"title": (title or "").strip(), "content": (content or "").strip(),
             "reply": (reply or "").strip()}
    for name, message in (("title", _("请填写公开标题")), ("content", _("请填写公开的信访内容")),
                          ("reply", _("请填写公开的答复意见"))):
        if not texts[name]:
            raise ServiceError(message, name)
    if len(texts["title"]) > TITLE_MAX:
        raise ServiceError(_("标题不能超过 200 字"), "title")
    for name in ("content", "reply"):
        if len(texts[name]) > TEXT_MAX:
            raise ServiceError(_("内容不能超过 20000 字"), name)
    names = _names(case)
    for name, value in texts.items():
        found = redaction.findings(value, names)
        if found:
            raise ServiceError(_("仍含有个人信息（%(what)s），请修改后再确认公开",
                                 what=redaction.describe(found)), name)
    publication = publication_of(case)
    before = publication.audit_state() if publication else None
    if publication is None:
        publication = CasePublication(case_id=case.id)
        db.session.add(publication)
    publication.title, publication.content, publication.reply = (
        texts["title"], texts["content"], texts["reply"])
    publication.published = True
    publication.published_at = utcnow()
    publication.published_by_id = actor.id
    publication.withdrawn_at = publication.withdrawn_by_id = None
    case.public = True  # confirming is the handling agency's "may be published"
    db.session.flush()
    record(actor, "cases.published", "cases", case.id, before=before,
           after=publication.audit_state())
    return publication


def withdraw(actor, case: Case) -> None:
    """撤回公开: the case leaves the portal's list (its texts are kept for the record)."""
    if not may_publish(actor, case):
        raise ServiceError(_("只有主办单位或联席办可以撤回公开"))
    publication = publication_of(case)
    if publication is None or not publication.published:
        raise ServiceError(_("该事项未公开"))
    before = publication.audit_state()
    publication.published = False
    publication.withdrawn_at = utcnow()
    publication.withdrawn_by_id = actor.id
    db.session.flush()
    record(actor, "cases.unpublished", "cases", case.id, before=before,
           after=publication.audit_state())


def published():
    """The published cases, newest first (a query, for the portal's list)."""
    return (select(CasePublication).join(Case, Case.id == CasePublication.case_id)
            .options(contains_eager(CasePublication.case))
            .where(CasePublication.published.is_(True), Case.restricted.is_(False))
            .order_by(CasePublication.published_at.desc(), CasePublication.case_id.desc()))


def published_case(case_id: int) -> CasePublication | None:
    return db.session.scalar(published().where(CasePublication.case_id == case_id))
