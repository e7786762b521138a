"""The public portal's services: submitting a petition (网上信访, 一县一码), opening it again
with its query code and secret (可查询、可跟踪), and rating the reply (可评价).

No user acts here: the portal registers the case as the system on the petitioner's behalf
(``intake.register(None, …)``), and the audit log names the source ``PORTAL_ACTOR``.  Every
refusal is a ``ServiceError`` with a message for the petitioner; the limits by address
raise ``RateLimited``.  Services flush, never commit.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import format_datetime
from flask_babel import gettext as _
from sqlalchemy import select

from hub.attachments.services import keep
from hub.audit.services import record, record_change
from hub.cases import intake, lifecycle
from hub.cases.intake import COUNTIES, Intake, PetitionerData
from hub.cases.models import Case
from hub.cases.vocab import Channel, Status
from hub.core.errors import ServiceError
from hub.core.types import utcnow
from hub.deadlines.services import local_today
from hub.extensions import db
from hub.public import limits, places
from hub.public.models import PublicSubmission

PORTAL_ACTOR = "信访人（网上提交）"  # the audit log's name for what comes from the portal
CONSENT_VERSION = "2026-01"  # the consent text's version (templates/public/_consent.html)
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud, typed in
CODE_LENGTH = 20  # 100 random bits: a query code cannot be guessed
SECRET_LENGTH = 10  # 50 random bits, behind the per-code lock and the per-address limit
PORTAL_FILE_KINDS = frozenset({"pdf", "jpeg", "png"})


class RateLimited(ServiceError):
    """Too many actions from one address (or on one query code): try again after
    ``until``."""

    def __init__(self, message: str, until: datetime):
        super().__init__(message)
        self.until = until


@dataclass
class Submission:
    """What the petitioner filled in."""

    title: str
    content: str
    category: str
    county: str
    name: str
    phone: str
    id_number: str = ""
    township_id: int | None = None
    village: str = ""
    allow_publication: bool = True
    consent: bool = False
    department_id: int | None = None  # 一县一码 of a county department
    via_code: bool = False  # came through a 一县一码 QR code
    files: list = field(default_factory=list)  # werkzeug FileStorage objects


@dataclass
class Receipt:
    """A new submission with its query code and secret — shown once, never stored as is."""

    submission: PublicSubmission
    query_code: str
    secret: str


def _random(length: int) -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))


def normalise_code(raw: str | None) -> str:
    """What the petitioner typed, as stored: upper case, without spaces or hyphens."""
    return "".join(ch for ch in (raw or "").upper() if ch.isalnum())


def grouped(code: str, size: int = 5) -> str:
    """ABCDE-FGHJK-… for reading and writing down."""
    return "-".join(code[i:i + size] for i in range(0, len(code), size))


def _secret_key() -> bytes:
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, b"hub-public-secret-v1", hashlib.sha256).digest()


def _secret_hash(secret: str) -> str:
    """A keyed hash: the stored value alone does not let anyone try secrets offline."""
    return hmac.new(_secret_key(), normalise_code(secret).encode(), hashlib.sha256).hexdigest()


def _wait_message(until: datetime) -> str:
    return format_datetime(until, "HH:mm")


# ---------------------------------------------------------------------------------------
# Submitting
# ---------------------------------------------------------------------------------------

def submit(data: Submission, address: str) -> Receipt:
    """A petition from the portal becomes a case registered at the chosen county's 信访局 on
    the 网上信访 channel (一县一码 when it came through a county's code)."""
    until = limits.blocked_until(address, "submit")
    if until is not None:
        record(None, "public.submit_rate_limited", "public_submissions", None,
               actor_name=PORTAL_ACTOR)
        raise RateLimited(_("同一网络地址提交次数过多，请于 %(time)s 之后再提交；如情况紧急，"
                            "请拨打当地信访部门电话或到信访接待场所反映。",
                            time=_wait_message(until)), until)
    if not data.consent:
        raise ServiceError(_("请阅读并同意个人信息处理说明后再提交"), "consent")
    if data.county not in COUNTIES:
        raise ServiceError(_("请选择所属县（市）"), "county")
    department = places.department(data.county, data.department_id)
    if data.department_id is not None and department is None:
        raise ServiceError(_("该二维码对应的部门已不再受理，请选择所属县（市）后提交"), "county")
    if data.township_id is not None and data.township_id not in {
            t.id for t in places.townships()[data.county]}:
        raise ServiceError(_("所选乡镇不属于所选县（市）"), "township_id")
    files = [f for f in data.files if f is not None and (f.filename or "").strip()]
    most = current_app.config["HUB_PORTAL_MAX_FILES"]
    if len(files) > most:
        raise ServiceError(_("最多上传 %(n)d 个附件", n=most), "attachments")
    bureau = places.county_bureau(data.county)
    if bureau is None:
        raise ServiceError(_("暂时无法受理网上信访，请稍后再试或到信访接待场所反映"))
    case = intake.register(None, Intake(
        title=data.title, content=data.content,
        channel=(Channel.COUNTY_CODE if data.via_code else Channel.ONLINE).value,
        category=data.category, headcount=1, county=data.county, registered_on=local_today(),
        petitioners=[PetitionerData(data.name, data.phone.strip() or None,
                                    data.id_number.strip() or None)],
        township_id=data.township_id, village=data.village or None,
    ), bureau, actor_name=PORTAL_ACTOR)
    code, secret = _unused_code(), _random(SECRET_LENGTH)
    now = utcnow()
    submission = PublicSubmission(
        case_id=case.id, query_code=code, secret_hash=_secret_hash(secret),
        department_id=department.id if department else None,
        allow_publication=data.allow_publication, consent_version=CONSENT_VERSION,
        consent_at=now, submitted_at=now, failed_secrets=0)
    db.session.add(submission)
    db.session.flush()
    for storage in files:
        try:
            keep(None, "cases", case.id, storage, kinds=PORTAL_FILE_KINDS,
                 limit=current_app.config["HUB_PORTAL_FILE_MAX_BYTES"], actor_name=PORTAL_ACTOR)
        except ServiceError as exc:
            raise ServiceError(_("附件“%(name)s”：%(problem)s", name=storage.filename,
                                 problem=exc.message), "attachments") from None
    limits.count(address, "submit")
    record_change(None, "public.submitted", submission, None, actor_name=PORTAL_ACTOR)
    return Receipt(submission, code, secret)


def spam_refused(reason: str) -> None:
    """Audit a form refused as a robot's: ``honeypot`` (the hidden field was filled) or
    ``too_fast`` (sent sooner after opening than a person can fill it)."""
    record(None, "public.spam_refused", "public_submissions", None, after={"reason": reason},
           actor_name=PORTAL_ACTOR)


def _unused_code() -> str:
    while True:  # a repeat among 2^100 codes will not happen; the unique index says so too
        code = _random(CODE_LENGTH)
        if db.session.scalar(select(PublicSubmission.id).where(
                PublicSubmission.query_code == code)) is None:
            return code


# ---------------------------------------------------------------------------------------
# Tracking (可查询、可跟踪)
# ---------------------------------------------------------------------------------------

def open_submission(code: str, secret: str, address: str) -> PublicSubmission:
    """The submission of a query code whose secret is right.  Wrong codes and secrets are
    counted against the address (and the code) and audited; the answer never tells a wrong
    code from a wrong secret."""
    until = limits.blocked_until(address, "secret")
    if until is not None:
        record(None, "public.track_rate_limited", "public_submissions", None,
               actor_name=PORTAL_ACTOR)
        raise RateLimited(_("查询码或查询密码输错次数过多，请于 %(time)s 之后再试",
                            time=_wait_message(until)), until)
    code = normalise_code(code)
    submission = db.session.scalar(select(PublicSubmission).where(
        PublicSubmission.query_code == code)) if code else None
    presented = _secret_hash(secret)  # computed either way: a wrong code takes as long
    now = utcnow()
    if submission is not None and submission.locked_until is not None \
            and submission.locked_until > now:
        limits.count(address, "secret")
        record(None, "public.secret_failed", "public_submissions", submission.id,
               after={"reason": "locked"}, actor_name=PORTAL_ACTOR)
        raise RateLimited(_("该查询码因多次输错查询密码已暂时锁定，请于 %(time)s 之后再试",
                            time=_wait_message(submission.locked_until)),
                          submission.locked_until)
    if submission is None or not hmac.compare_digest(presented, submission.secret_hash):
        limits.count(address, "secret")
        reason = "unknown_code" if submission is None else "wrong_secret"
        if submission is not None:
            submission.failed_secrets += 1
            if submission.failed_secrets >= current_app.config["HUB_PORTAL_CODE_LOCK_FAILURES"]:
                submission.locked_until = now + timedelta(
                    seconds=current_app.config["HUB_PORTAL_CODE_LOCK_SECONDS"])
                submission.failed_secrets = 0
                reason = "locked_now"
        record(None, "public.secret_failed", "public_submissions",
               submission.id if submission else None,
               after={"reason": reason, "code": code[:4]}, actor_name=PORTAL_ACTOR)
        raise ServiceError(_("查询码或查询密码不正确，请核对后重新输入"), "secret")
    submission.failed_secrets = 0
    submission.locked_until = None
    record(None, "public.opened", "public_submissions", submission.id, actor_name=PORTAL_ACTOR)
    return submission


def by_code(code: str) -> PublicSubmission | None:
    return db.session.scalar(select(PublicSubmission).where(
        PublicSubmission.query_code == normalise_code(code)))


def rate(submission: PublicSubmission, rating: str) -> None:
    """评价: the petitioner rates the reply (满意 / 基本满意 / 不满意)."""
    lifecycle.rate_by_petitioner(submission.case, rating, PORTAL_ACTOR)


# What the petitioner is told of each status (the internal words stay inside).
PUBLIC_STATUS = {
    Status.REGISTERED: "received",
    Status.FORWARDED: "forwarded",
    Status.NOT_ACCEPTED: "not_accepted",
    Status.ACCEPTED: "handling",
    Status.REPLIED: "replied",
    Status.REVIEW: "review",
    Status.REVIEWED: "replied",
    Status.RECHECK: "review",
    Status.RECHECKED: "replied",
    Status.CLOSED: "closed",
}


def public_status(case: Case) -> str:
    return PUBLIC_STATUS[Status(case.status)]


def may_rate(case: Case) -> bool:
    return case.replied_at is not None and case.rating is None and \
        Status(case.status) in lifecycle.RATEABLE
