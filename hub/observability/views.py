"""``/metrics`` for Prometheus and the admins' 任务队列 page."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from redis.exceptions import RedisError

from hub.audit.services import record
from hub.auth.access import public, requires
from hub.auth.capabilities import Capability
from hub.extensions import db
from hub.observability import metrics as hub_metrics
from hub.observability import queues as rq_admin

bp = Blueprint("observability", __name__)

JOB_ID_MAX = 200


@bp.get("/metrics")
# Public to the access table only: a Prometheus scraper has no user account or session.
# The view guards itself with the bearer token HUB_METRICS_TOKEN (constant-time compare);
# without the token configured, or with a wrong one, it answers 404 as if it did not exist.
@public
def metrics():
    config = current_app.config.get("HUB_METRICS_TOKEN")
    if not hub_metrics.token_ok(config, request.headers.get("Authorization")):
        abort(404)
    from prometheus_client import CONTENT_TYPE_LATEST

    return current_app.response_class(hub_metrics.render(), mimetype=None,
                                      content_type=CONTENT_TYPE_LATEST)


@bp.get("/admin/queues")
@requires(Capability.JOBS_ADMIN)
def queues():
    try:
        queue_infos, workers, failed = rq_admin.overview()
    except RedisError:
        return render_template("observability/queues.html", unavailable=True, queues=[],
                               workers=[], failed=[])
    return render_template("observability/queues.html", unavailable=False, queues=queue_infos,
                           workers=workers, failed=failed)


def _redis_down():
    flash(_("任务队列服务（Redis）暂时无法连接，未能重试，请稍后再试。"), "error")
    return redirect(url_for("observability.queues"))


@bp.post("/admin/queues/retry")
@requires(Capability.JOBS_ADMIN)
def retry():
    job_id = (request.form.get("job_id") or "").strip()
    if not job_id or len(job_id) > JOB_ID_MAX:
        flash(_("请选择要重试的任务"), "error")
        return redirect(url_for("observability.queues"))
    try:
        job = rq_admin.retry(job_id)
    except RedisError:
        return _redis_down()
    if job is None:
        flash(_("该任务已不在失败列表中（可能已被重试或已过期）"), "warning")
        return redirect(url_for("observability.queues"))
    record(current_user, "jobs.retried", "rq_jobs", job.id,
           after={"queue": job.origin, "func": job.func_name})
    db.session.commit()
    flash(_("任务 %(id)s 已重新排队", id=job.id), "success")
    return redirect(url_for("observability.queues"))


@bp.post("/admin/queues/retry-all")
@requires(Capability.JOBS_ADMIN)
def retry_all():
    try:
        jobs = rq_admin.retry_all()
    except RedisError:
        return _redis_down()
    if jobs:
        record(current_user, "jobs.retried_all", "rq_jobs", None,
               after={"count": len(jobs), "ids": [j.id for j in jobs]})
        db.session.commit()
    flash(_("已重新排队 %(n)d 个失败的任务", n=len(jobs)), "success")
    return redirect(url_for("observability.queues"))
