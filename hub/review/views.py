"""评查: the rounds, a round's page (picking cases, reviewers, closing), a reviewed case's
page (scores, 整改), my review tasks, the round's report (page and .xlsx), and the
admins' checklist."""

from __future__ import annotations

import io
from datetime import date

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from agencies import registry
from hub.agencies.models import Agency, AgencyLevel
from hub.auth.access import requires
from hub.auth.capabilities import Capability, can
from hub.auth.visibility import get_visible_or_404, visible
from hub.cases.intake import COUNTIES
from hub.cases.models import Case
from hub.cases.vocab import STATUS_LABELS
from hub.core.errors import ServiceError
from hub.core.forms import commit_or_flash
from hub.extensions import db
from hub.handoffs.models import OPEN_STATES, STATE_LABELS
from hub.review import checklist, findings, report, services
from hub.review.models import (
    CASE_STATUS_LABELS,
    PICKED_LABELS,
    ROUND_STATUS_LABELS,
    ChecklistItem,
    ReviewCase,
    ReviewRound,
)
from hub.review.permissions import manages_rounds

bp = Blueprint("review", __name__)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _date(name: str) -> date | None:
    try:
        return date.fromisoformat(request.form.get(name) or "")
    except ValueError:
        return None


def _ints(name: str) -> list[int]:
    return [int(v) for v in request.form.getlist(name) if v.isdigit()]


def _int_or_none(name: str) -> int | None:
    """A whole number typed into a field: None when blank, -1 when not a whole number (the
    service then refuses it with its own message)."""
    raw = (request.form.get(name) or "").strip()
    if raw == "":
        return None
    return int(raw) if raw.isdigit() else -1


def _scope_agencies() -> list[Agency]:
    """Agencies a round's scope may name: the active prefecture- and county-level ones."""
    return list(db.session.scalars(select(Agency).where(
        Agency.active.is_(True),
        Agency.level.in_([AgencyLevel.PREFECTURE.value, AgencyLevel.COUNTY.value]))
        .order_by(Agency.level.desc(), Agency.code)))


def _agency_names(ids) -> dict[int, str]:
    ids = list(ids)
    if not ids:
        return {}
    return dict(db.session.execute(select(Agency.id, Agency.name).where(Agency.id.in_(ids))).all())


def _apply(change, message: str) -> bool:
    """``commit_or_flash``, and a clear message when someone else's change to the same round
    got in first (e.g. two draws picking the same case at once)."""
    try:
        return commit_or_flash(change, message)
    except IntegrityError:
        db.session.rollback()
        flash(_("其他人同时修改了本轮评查，请刷新页面后重试"), "error")
        return False


# --- rounds ------------------------------------------------------------------------------

@bp.get("/review")
@requires(Capability.REVIEW_VIEW)
def index():
    rounds = db.session.scalars(visible(current_user, ReviewRound)
                                .order_by(ReviewRound.created_at.desc())).all()
    counts: dict[int, dict[str, int]] = {}
    if rounds:
        for round_id, status, n in db.session.execute(
                select(ReviewCase.round_id, ReviewCase.status, func.count())
                .where(ReviewCase.round_id.in_([r.id for r in rounds]))
                .group_by(ReviewCase.round_id, ReviewCase.status)):
            counts.setdefault(round_id, {})[status] = n
    may_manage = can(current_user, Capability.REVIEW_MANAGE) and manages_rounds(current_user)
    return render_template(
        "review/index.html", rounds=rounds, counts=counts, statuses=ROUND_STATUS_LABELS,
        may_manage=may_manage, agencies=_scope_agencies() if may_manage else [],
        counties=COUNTIES, mine=len(services.my_cases(current_user))
        if can(current_user, Capability.REVIEW_SCORE) else 0)


@bp.post("/review")
@requires(Capability.REVIEW_MANAGE)
def create():
    made: dict[str, ReviewRound] = {}

    def change():
        made["round"] = services.open_round(
            current_user, request.form.get("title", ""), _date("period_start"),
            _date("period_end"), _ints("agency_ids"), request.form.getlist("counties"))

    if _apply(change, _("已开展评查，请选取评查事项")):
        return redirect(url_for("review.show", review_id=made["round"].id))
    return redirect(url_for("review.index"))


@bp.get("/review/mine")
@requires(Capability.REVIEW_SCORE)
def mine():
    """我的评查任务: only the cases assigned to me, in rounds still open."""
    rows = services.my_cases(current_user, status=None)
    return render_template("review/mine.html", rows=rows, case_statuses=CASE_STATUS_LABELS)


@bp.get("/review/<int:review_id>")
@requires(Capability.REVIEW_VIEW)
def show(review_id: int):
    rnd = get_visible_or_404(current_user, ReviewRound, review_id)
    rows = db.session.scalars(visible(current_user, ReviewCase)
                              .where(ReviewCase.round_id == rnd.id)
                              .options(selectinload(ReviewCase.findings))
                              .order_by(ReviewCase.id)).all()
    total = db.session.scalar(select(func.count()).select_from(ReviewCase)
                              .where(ReviewCase.round_id == rnd.id))
    pending = db.session.scalar(select(func.count()).select_from(ReviewCase).where(
        ReviewCase.round_id == rnd.id, ReviewCase.status == "pending"))
    may_manage = (can(current_user, Capability.REVIEW_MANAGE) and manages_rounds(current_user)
                  and rnd.is_open)
    labels = services.status_labels()
    return render_template(
        "review/show.html", round=rnd, rows=rows, total=total, pending=pending,
        hidden=total - len(rows), statuses=ROUND_STATUS_LABELS, case_statuses=CASE_STATUS_LABELS,
        picked_labels=PICKED_LABELS, handoff_states=STATE_LABELS, may_manage=may_manage,
        reviewers=services.reviewers() if may_manage else [],
        available=services.available(current_user, rnd, services.DEFAULT_SAMPLE_STATUSES)
        if may_manage else 0,
        sample_statuses=labels, drawn_statuses="、".join(
            labels.get(s, s) for s in rnd.sample_statuses or []), default_statuses=services.DEFAULT_SAMPLE_STATUSES,
        scope=report.scope_text(rnd, _agency_names(rnd.agency_ids)))


@bp.post("/review/<int:review_id>/cases")
@requires(Capability.REVIEW_MANAGE)
def add_cases(review_id: int):
    rnd = get_visible_or_404(current_user, ReviewRound, review_id)
    text = request.form.get("numbers", "")
    numbers = text.replace("，", "\n").replace(",", "\n").replace("、", "\n").splitlines()
    _apply(lambda: services.add_cases(current_user, rnd, numbers, _int_or_none("reviewer_id")),
           _("已选取评查事项"))
    return redirect(url_for("review.show", review_id=review_id))


@bp.post("/review/<int:review_id>/sample")
@requires(Capability.REVIEW_MANAGE)
def sample(review_id: int):
    rnd = get_visible_or_404(current_user, ReviewRound, review_id)
    try:
        drawn = services.draw_sample(
            current_user, rnd, _int_or_none("size"), request.form.getlist("statuses"),
            _int_or_none("seed"), _ints("reviewer_ids"))
    except ServiceError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    except IntegrityError:
        db.session.rollback()
        flash(_("其他人同时修改了本轮评查，请刷新页面后重试"), "error")
    else:
        seed = rnd.sample_seed
        db.session.commit()
        flash(_("已随机抽取 %(n)d 件，随机种子 %(seed)d（用同一种子可重现本次抽取）",
                n=len(drawn), seed=seed), "success")
    return redirect(url_for("review.show", review_id=review_id))


@bp.post("/review/<int:review_id>/close")
@requires(Capability.REVIEW_MANAGE)
def close(review_id: int):
    rnd = get_visible_or_404(current_user, ReviewRound, review_id)
    _apply(lambda: services.close_round(current_user, rnd), _("本轮评查已结束"))
    return redirect(url_for("review.show", review_id=review_id))


# --- the report --------------------------------------------------------------------------

def _report_data(review_id: int):
    rnd = get_visible_or_404(current_user, ReviewRound, review_id)
    data = report.build(rnd)
    seen = set(db.session.scalars(visible(current_user, Case).with_only_columns(Case.id)
                                  .where(Case.id.in_([r.case_id for r in data.cases]))))
    names = _agency_names(rnd.agency_ids)
    return rnd, data, seen, report.scope_text(rnd, names)


@bp.get("/review/<int:review_id>/report")
@requires(Capability.REVIEW_VIEW)
def report_page(review_id: int):
    rnd, data, seen, scope = _report_data(review_id)
    return render_template("review/report.html", round=rnd, report=data, seen=seen,
                           scope=scope, shown=report.shown, statuses=ROUND_STATUS_LABELS)


@bp.get("/review/<int:review_id>/report.xlsx")
@requires(Capability.REVIEW_VIEW)
def report_xlsx(review_id: int):
    rnd, data, seen, scope = _report_data(review_id)
    content = report.write_xlsx(data, scope, seen)
    return send_file(io.BytesIO(content), mimetype=XLSX, as_attachment=True,
                     download_name=_("评查报告-%(id)d.xlsx", id=rnd.id))


# --- one reviewed case -------------------------------------------------------------------

@bp.get("/review/cases/<int:review_case_id>")
@requires(Capability.REVIEW_VIEW)
def review_case(review_case_id: int):
    row = get_visible_or_404(current_user, ReviewCase, review_case_id)
    rnd = row.round
    manager = can(current_user, Capability.REVIEW_MANAGE) and manages_rounds(current_user)
    kind = registry.handoff_kind(findings.RECTIFY_KIND)
    scores = {s.round_item_id: s for s in row.scores}
    return render_template(
        "review/case.html", row=row, round=rnd, scores=scores, case=row.case,
        case_statuses=CASE_STATUS_LABELS, status_labels=STATUS_LABELS,
        handoff_states=STATE_LABELS, outcome_label=kind.outcome_label if kind else str,
        may_score=rnd.is_open and row.reviewer_id == current_user.id
        and can(current_user, Capability.REVIEW_SCORE),
        may_assign=manager and rnd.is_open and not row.is_scored,
        may_send=manager and row.is_scored and not any(
            f.handoff.state in OPEN_STATES for f in row.findings),
        reviewers=services.reviewers() if manager else [],
        suggestion=findings.suggested_finding(row) if row.is_scored else "")


@bp.post("/review/cases/<int:review_case_id>/score")
@requires(Capability.REVIEW_SCORE)
def score(review_case_id: int):
    row = get_visible_or_404(current_user, ReviewCase, review_case_id)
    values = {item.id: (request.form.get(f"score-{item.id}"),
                        request.form.get(f"comment-{item.id}", ""))
              for item in row.round.items}
    _apply(lambda: services.score(current_user, row, values, request.form.get("comments", "")),
           _("已保存评分"))
    return redirect(url_for("review.review_case", review_case_id=review_case_id))


@bp.post("/review/cases/<int:review_case_id>/reviewer")
@requires(Capability.REVIEW_MANAGE)
def assign(review_case_id: int):
    row = get_visible_or_404(current_user, ReviewCase, review_case_id)
    _apply(lambda: services.assign_reviewer(current_user, row, _int_or_none("reviewer_id")),
           _("已更换评查人"))
    return redirect(url_for("review.review_case", review_case_id=review_case_id))


@bp.post("/review/cases/<int:review_case_id>/remove")
@requires(Capability.REVIEW_MANAGE)
def remove(review_case_id: int):
    row = get_visible_or_404(current_user, ReviewCase, review_case_id)
    round_id = row.round_id
    if _apply(lambda: services.remove_case(current_user, row), _("已移出评查")):
        return redirect(url_for("review.show", review_id=round_id))
    return redirect(url_for("review.review_case", review_case_id=review_case_id))


@bp.post("/review/cases/<int:review_case_id>/findings")
@requires(Capability.REVIEW_MANAGE)
def send_finding(review_case_id: int):
    row = get_visible_or_404(current_user, ReviewCase, review_case_id)
    _apply(lambda: findings.send_finding(current_user, row, request.form.get("text", "")),
           _("已向主办单位发送整改通知"))
    return redirect(url_for("review.review_case", review_case_id=review_case_id))


# --- admin: the checklist ----------------------------------------------------------------

@bp.get("/admin/review-checklist")
@requires(Capability.REVIEW_CHECKLIST)
def checklist_page():
    return render_template("review/checklist.html", items=checklist.items())


@bp.post("/admin/review-checklist")
@requires(Capability.REVIEW_CHECKLIST)
def checklist_add():
    form = request.form
    _apply(lambda: checklist.add_item(
        current_user, form.get("label", ""), form.get("description", ""),
        _int_or_none("max_score"), _int_or_none("position")),
        _("已添加评查项目：%(label)s", label=(form.get("label") or "").strip()))
    return redirect(url_for("review.checklist_page"))


@bp.post("/admin/review-checklist/<int:check_item_id>")
@requires(Capability.REVIEW_CHECKLIST)
def checklist_update(check_item_id: int):
    item = db.session.get(ChecklistItem, check_item_id)
    if item is None:
        abort(404)
    form = request.form
    _apply(lambda: checklist.update_item(
        current_user, item, form.get("label", ""), form.get("description", ""),
        _int_or_none("max_score"), _int_or_none("position"), form.get("active") == "on"),
        _("已保存评查项目：%(label)s", label=(form.get("label") or "").strip()))
    return redirect(url_for("review.checklist_page"))
