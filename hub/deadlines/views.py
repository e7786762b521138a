"""Admin pages for the holiday calendar."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from hub.auth.access import requires
from hub.auth.capabilities import Capability
from hub.core.errors import ServiceError
from hub.core.forms import apply_service_error
from hub.deadlines import calendar
from hub.deadlines.forms import DayForm, LoadYearForm
from hub.deadlines.models import CalendarYear
from hub.deadlines.services import local_today
from hub.extensions import db

bp = Blueprint("calendar", __name__, url_prefix="/admin/calendar")


@bp.route("", methods=["GET", "POST"])
@requires(Capability.CALENDAR_MANAGE)
def index():
    form = LoadYearForm()
    if form.validate_on_submit():
        text = form.text.data or ""
        if form.file.data:
            try:
                text = form.file.data.read(200_000).decode("utf-8-sig")
            except UnicodeDecodeError:
                text = None
                form.file.errors = [_("文件须为 UTF-8 编码的文本")]
        if text is not None:
            try:
                days = calendar.parse_year_file(text, form.year.data)
                recomputed = calendar.load_year(current_user, form.year.data, days)
            except ServiceError as exc:
                db.session.rollback()
                apply_service_error(form, exc)
            else:
                db.session.commit()
                flash(_("已载入 %(year)d 年的安排（%(n)d 天），重新计算了 %(m)d 个暂定期限",
                        year=form.year.data, n=len(days), m=recomputed), "success")
                return redirect(url_for("calendar.year", year=form.year.data))
    years = db.session.scalars(select(CalendarYear).order_by(CalendarYear.year.desc())).all()
    return render_template("deadlines/calendar.html", form=form, years=years,
                           today=local_today())


@bp.route("/<int:year>", methods=["GET", "POST"])
@requires(Capability.CALENDAR_MANAGE)
def year(year: int):
    known = db.session.get(CalendarYear, year)
    if known is None:
        abort(404)
    form = DayForm()
    if form.validate_on_submit():
        kind = form.kind.data
        working = None if kind == "normal" else kind == "workday"
        try:
            if form.day.data.year != year:
                raise ServiceError(_("日期不在 %(year)d 年", year=year), "day")
            calendar.set_day(current_user, form.day.data, working, form.name.data or "")
        except ServiceError as exc:
            db.session.rollback()
            apply_service_error(form, exc)
        else:
            db.session.commit()
            flash(_("已保存 %(day)s", day=form.day.data.isoformat()), "success")
            return redirect(url_for("calendar.year", year=year))
    return render_template("deadlines/year.html", year=year, known=known,
                           days=calendar.year_rows(year), form=form)
