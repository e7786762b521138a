"""相似信访件: the similar cases of a case (a lazily loaded part of the case page), those of
a petition being registered (a panel of the intake form), and the clusters page of the
joint-meeting office with one cluster's page."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from hub.auth.access import requires
from hub.auth.capabilities import Capability
from hub.auth.visibility import get_visible_or_404, visible
from hub.cases import permissions
from hub.cases.intake import COUNTIES
from hub.cases.models import Case
from hub.cases.vocab import CATEGORIES, STATUS_LABELS
from hub.core.forms import commit_or_flash
from hub.core.web import read_only
from hub.deadlines.services import local_today
from hub.extensions import db
from hub.similar import clusters as clustering
from hub.similar import services
from hub.similar.models import (
    CLUSTER_STATUS_LABELS,
    RUN_STATUS_LABELS,
    ClusterStatus,
    SimilarCluster,
)
from hub.similar.permissions import manages_clusters

bp = Blueprint("similar", __name__, url_prefix="/similar")

MATCHES = 10  # similar cases listed
CLUSTERS_PER_PAGE = 20
MEMBERS_PER_PAGE = 50
REASON_LABELS = {"content": _l("共同内容"), "place": _l("同一地点"), "category": _l("同一类别")}
PLACE_LEVELS = {"village": _l("同村"), "township": _l("同乡镇"), "county": _l("同县（市）")}


def _matches(matches, **extra):
    return render_template(
        "similar/_matches.html", matches=matches, reason_labels=REASON_LABELS,
        place_levels=PLACE_LEVELS, counties=COUNTIES, categories=CATEGORIES,
        status_labels=STATUS_LABELS, **extra)


@bp.get("/cases/<int:case_id>")
@requires(Capability.CASES_VIEW)
def for_case(case_id: int):
    """The case page's 相似信访件 (htmx fragment): a case one may not see answers 404."""
    case = get_visible_or_404(current_user, Case, case_id)
    return _matches(services.similar_to(current_user, case, MATCHES))


def _choice(name: str, allowed) -> str | None:
    value = (request.form.get(name) or "").strip()
    return value if value in allowed else None


@bp.post("/intake")
@requires(Capability.CASES_REGISTER, check=permissions.may_register)
@read_only
def at_intake():
    """The intake form's panel (htmx fragment): existing cases like the petition being
    typed, read-only — it never decides or blocks anything."""
    form = request.form
    title = (form.get("title") or "").strip()[:200]
    content = (form.get("content") or "").strip()[:20000]
    if not title and not content:
        return _matches([], waiting=True, intake=True)
    township = (form.get("township_id") or "").strip()
    matches = services.similar_to_text(
        current_user, title, content, _choice("county", COUNTIES),
        _choice("category", CATEGORIES), MATCHES,
        township_id=int(township) if township.isdigit() and len(township) < 10 else None,
        village=(form.get("village") or "").strip()[:100] or None)
    return _matches(matches, intake=True)


# --- the clusters ------------------------------------------------------------------------

def _period() -> tuple:
    return clustering.parse_month(request.values.get("month")) \
        or clustering.month_of(local_today())


def _page() -> int:
    raw = request.args.get("page", "")
    return min(int(raw), 100_000) if raw.isdigit() and int(raw) > 0 else 1


def _status() -> str | None:
    value = request.args.get("status", "")
    return value if value in {s.value for s in ClusterStatus} else None


def _run_view(run) -> dict:
    return {"run": run, "labels": RUN_STATUS_LABELS,
            "active": run is not None and run.status in (clustering.QUEUED, clustering.RUNNING)
            and not clustering.is_stale(run),
            "stale": run is not None and clustering.is_stale(run)}


@bp.get("/clusters")
@requires(Capability.SIMILAR_CLUSTERS)
def clusters():
    since, until = _period()
    status, page = _status(), _page()
    shown = clustering.shown_run(since, until)
    rows, total = clustering.clusters_page(current_user, shown, status, page,
                                           CLUSTERS_PER_PAGE) if shown else ([], 0)
    return render_template(
        "similar/clusters.html", since=since, last_day=until - timedelta(days=1),
        month=since.strftime("%Y-%m"),
        status=status, page=page, pages=max(1, -(-total // CLUSTERS_PER_PAGE)), total=total,
        shown=shown, rows=rows, examples=clustering.examples(current_user, [c.id for c in rows]),
        counts=clustering.status_counts(shown) if shown else {},
        statuses=CLUSTER_STATUS_LABELS, counties=COUNTIES, categories=CATEGORIES,
        may_manage=manages_clusters(current_user),
        **_run_view(clustering.newest_run(since, until)))


@bp.get("/clusters/status")
@requires(Capability.SIMILAR_CLUSTERS)
def run_status():
    """The newest run's status (htmx, polled while it is queued or running).  Once the run
    the page was showing has ended, the page is reloaded to show its clusters."""
    since, until = _period()
    run = clustering.newest_run(since, until)
    view = _run_view(run)
    response = make_response(render_template(
        "similar/_run_status.html", month=since.strftime("%Y-%m"), **view))
    watched = request.args.get("run_id", "")
    if watched and request.headers.get("HX-Request") and not view["active"]:
        response.headers["HX-Refresh"] = "true"
    return response


@bp.post("/clusters/run")
@requires(Capability.SIMILAR_CLUSTERS_MANAGE)
def recompute():
    since, until = _period()
    commit_or_flash(lambda: clustering.request_run(current_user, since, until),
                    _("已提交重新计算，完成后本页将自动更新"))
    return redirect(url_for("similar.clusters", month=since.strftime("%Y-%m")))


@bp.get("/clusters/<int:cluster_id>")
@requires(Capability.SIMILAR_CLUSTERS)
def cluster(cluster_id: int):
    row = get_visible_or_404(current_user, SimilarCluster, cluster_id)
    page = _page()
    cases, seen = clustering.members(current_user, row, page, MEMBERS_PER_PAGE)
    current = clustering.shown_run(row.run.since, row.run.until)
    is_current = current is not None and current.id == row.run_id
    return render_template(
        "similar/cluster.html", cluster=row, run=row.run, cases=cases, seen=seen, page=page,
        last_day=row.run.until - timedelta(days=1),
        pages=max(1, -(-seen // MEMBERS_PER_PAGE)), is_current=is_current,
        month=row.run.since.strftime("%Y-%m"), statuses=CLUSTER_STATUS_LABELS,
        counties=COUNTIES, categories=CATEGORIES, status_labels=STATUS_LABELS,
        may_dismiss=manages_clusters(current_user) and is_current
        and row.status == ClusterStatus.OPEN.value,
        proposals=_proposals_of(row) if row.status == ClusterStatus.PROPOSED.value else [])


def _proposals_of(cluster: SimilarCluster) -> list:
    """The proposals drafted from this cluster (or from the one it carried the decision
    over from) that the user may see."""
    from hub.proposals.models import PolicyProposal

    return list(db.session.scalars(visible(current_user, PolicyProposal)
                                   .where(PolicyProposal.cluster_id == cluster.id)))


@bp.post("/clusters/<int:cluster_id>/dismiss")
@requires(Capability.SIMILAR_CLUSTERS_MANAGE)
def dismiss(cluster_id: int):
    row = get_visible_or_404(current_user, SimilarCluster, cluster_id)
    commit_or_flash(lambda: clustering.dismiss(current_user, row, request.form.get("reason")),
                    _("已排除该聚类"))
    return redirect(url_for("similar.cluster", cluster_id=cluster_id))
