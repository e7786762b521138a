"""Pages for imports (导入) and exports (导出): upload, check, confirm, progress, cancel,
download.  A file job is its requester's alone: anyone else gets 404."""

from __future__ import annotations

import csv
import io

from flask import (
    Blueprint,
    Response,
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

from hub.auth.access import login_only, requires
from hub.auth.capabilities import Capability
from hub.cases.intake import COUNTIES
from hub.cases.permissions import may_register
from hub.cases.vocab import CATEGORIES, CHANNEL_LABELS
from hub.core.errors import ServiceError
from hub.core.exports import append_row, safe_cell
from hub.core.forms import safe_next
from hub.extensions import db
from hub.transfers import exporting, progress, services
from hub.transfers.layout import COLUMNS, MAX_ROWS
from hub.transfers.models import FINISHED_STATES, RUNNING_STATES, FileJob, Kind, State

bp = Blueprint("transfers", __name__)

def state_labels() -> dict[str, str]:
    return {
        State.QUEUED.value: _("排队中"), State.VALIDATING.value: _("正在检查"),
        State.INVALID.value: _("检查未通过，未写入任何数据"),
        State.VALID.value: _("检查通过，等待确认导入"), State.IMPORTING.value: _("正在导入"),
        State.RUNNING.value: _("正在导出"), State.DONE.value: _("已完成"),
        State.CANCELLED.value: _("已取消，未写入任何数据"),
        State.FAILED.value: _("失败，未写入任何数据"),
    }


def _own_or_404(job_id: int, kind: Kind) -> FileJob:
    job = services.get_own_or_none(current_user, job_id, kind)
    if job is None:
        abort(404)
    return job


def _commit_and_start(job: FileJob):
    """Commit, queue the job's next step, and show its page (which offers to start again
    when the queue could not be reached)."""
    db.session.commit()
    if services.enqueue(job):
        db.session.commit()  # the RQ job id, so the page can tell a lost job
    else:
        flash(_("已保存，但后台任务服务暂时不可用：请稍后在本页点“重新开始”"), "warning")
    return redirect(_page(job))


def _view(job: FileJob) -> dict:
    """What the status block shows: state, progress and whether the worker went away."""
    running = job.state in {s.value for s in RUNNING_STATES}
    live = progress.read(job.id) if running else None
    done = live["done"] if live else job.rows_done
    total = (live["total"] if live else None) or job.rows_total
    return {
        "job": job, "running": running, "label": state_labels()[job.state],
        "done": done, "total": total,
        "percent": 100 if job.state == State.DONE.value else progress.percent(done, total),
        "cancelling": bool(live and live["cancel"]),
        "stalled": running and not services.job_alive(job),
        "finished": job.state in {s.value for s in FINISHED_STATES},
    }


# ---------------------------------------------------------------------------------------
# Import
# ---------------------------------------------------------------------------------------

@bp.get("/imports")
@requires(Capability.CASES_REGISTER, check=may_register)
def imports():
    return render_template("transfers/imports.html", columns=COLUMNS, max_rows=MAX_ROWS,
                           jobs=services.mine(current_user, Kind.IMPORT),
                           labels=state_labels(), categories=CATEGORIES,
                           channels=CHANNEL_LABELS, counties=COUNTIES)


@bp.post("/imports")
@requires(Capability.CASES_REGISTER, check=may_register)
def upload():
    # The request limit for this form is HUB_IMPORT_MAX_BYTES (hub.core.web.LARGE_UPLOADS).
    upload = request.files.get("file")
    data = b""
    if upload:
        with upload.stream:  # a large upload is spooled to a temporary file: close it
            data = upload.read()
    try:
        job = services.start_import(current_user, upload.filename if upload else "", data)
    except ServiceError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("transfers.imports"))
    return _commit_and_start(job)


@bp.get("/imports/template.<fmt>")
@requires(Capability.CASES_REGISTER, check=may_register)
def template(fmt: str):
    """An empty file in the import layout, with one example row to overwrite."""
    headers = [c.header for c in COLUMNS]
    example = [c.example for c in COLUMNS]
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(headers)
        writer.writerow([safe_cell(v) for v in example])
        return Response(out.getvalue().encode("utf-8-sig"), mimetype="text/csv",
                        headers={"Content-Disposition": _attachment("信访事项导入模板.csv")})
    if fmt != "xlsx":
        abort(404)
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "信访事项"
    append_row(sheet, headers)
    append_row(sheet, example)
    for column in sheet.columns:
        sheet.column_dimensions[column[0].column_letter].width = 16
    data = io.BytesIO()
    book.save(data)
    data.seek(0)
    return send_file(data, download_name="信访事项导入模板.xlsx", as_attachment=True,
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def _attachment(name: str) -> str:
    from urllib.parse import quote

    return f"attachment; filename=\"import-template.csv\"; filename*=UTF-8''{quote(name)}"


@bp.get("/imports/<int:job_id>")
@requires(Capability.CASES_REGISTER, check=may_register)
def show_import(job_id: int):
    job = _own_or_404(job_id, Kind.IMPORT)
    return render_template("transfers/import.html", v=_view(job))


@bp.get("/imports/<int:job_id>/status")
@requires(Capability.CASES_REGISTER, check=may_register)
def import_status(job_id: int):
    job = _own_or_404(job_id, Kind.IMPORT)
    return render_template("transfers/_import_status.html", v=_view(job))


@bp.post("/imports/<int:job_id>/confirm")
@requires(Capability.CASES_REGISTER, check=may_register)
def confirm(job_id: int):
    job = _own_or_404(job_id, Kind.IMPORT)
    try:
        services.confirm_import(current_user, job)
    except ServiceError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("transfers.show_import", job_id=job.id))
    return _commit_and_start(job)


@bp.get("/imports/<int:job_id>/problems.csv")
@requires(Capability.CASES_REGISTER, check=may_register)
def problems(job_id: int):
    job = _own_or_404(job_id, Kind.IMPORT)
    path = services.problems_path(job)
    if not path.exists():
        abort(404)
    return send_file(path, mimetype="text/csv", as_attachment=True,
                     download_name=f"import-{job.id}-problems.csv")


# ---------------------------------------------------------------------------------------
# Export
# ---------------------------------------------------------------------------------------

@bp.post("/exports")
@login_only
def export():
    """Start exporting a view: the form carries the view's name and its query string."""
    back = safe_next(request.form.get("back"))
    args = {k: v for k, v in request.form.items() if k not in ("csrf_token", "source", "back")}
    try:
        job = exporting.start_export(current_user, request.form.get("source", ""), args)
    except ServiceError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(back)
    return _commit_and_start(job)


@bp.get("/exports")
@login_only
def exports():
    return render_template("transfers/exports.html",
                           jobs=services.mine(current_user, Kind.EXPORT), labels=state_labels())


@bp.get("/exports/<int:job_id>")
@login_only
def show_export(job_id: int):
    job = _own_or_404(job_id, Kind.EXPORT)
    return render_template("transfers/export.html", v=_view(job))


@bp.get("/exports/<int:job_id>/status")
@login_only
def export_status(job_id: int):
    job = _own_or_404(job_id, Kind.EXPORT)
    return render_template("transfers/_export_status.html", v=_view(job))


@bp.get("/exports/<int:job_id>/download")
@login_only
def download(job_id: int):
    job = _own_or_404(job_id, Kind.EXPORT)
    if job.state != State.DONE.value or not services.stored_path(job).exists():
        abort(404)
    return send_file(services.stored_path(job), as_attachment=True, download_name=job.filename,
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


# ---------------------------------------------------------------------------------------
# Both: cancel, start again
# ---------------------------------------------------------------------------------------

def _kind(kind: str) -> Kind:
    try:
        return Kind(kind)
    except ValueError:
        abort(404)


def _page(job: FileJob) -> str:
    endpoint = "transfers.show_import" if job.kind == Kind.IMPORT.value else "transfers.show_export"
    return url_for(endpoint, job_id=job.id)


@bp.post("/<any(imports,exports):kind>/<int:job_id>/cancel")
@login_only
def cancel(kind: str, job_id: int):
    job = _own_or_404(job_id, _kind(kind[:-1]))
    try:
        ended = services.cancel(current_user, job)
    except ServiceError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(_page(job))
    db.session.commit()
    flash(_("已取消，未写入任何数据") if ended else _("正在取消：任务会在当前一批处理完后停止，不写入任何数据"),
          "success")
    return redirect(_page(job))


@bp.post("/<any(imports,exports):kind>/<int:job_id>/retry")
@login_only
def retry(kind: str, job_id: int):
    job = _own_or_404(job_id, _kind(kind[:-1]))
    try:
        services.retry(current_user, job)
    except ServiceError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(_page(job))
    return _commit_and_start(job)
