"""The public portal (no login): submit a petition, track it with its query code and
secret, rate the reply, read the published cases, and the 一县一码 images and posters.

Its own layout (templates/public/base.html): no internal navigation, no user, a large-text
mode.  Every page is ``@public``; what a petitioner may open is decided by the query code
and secret, kept for a while in the session once checked.
"""

from __future__ import annotations

import time

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func

from hub.auth.access import public
from hub.cases.intake import COUNTIES
from hub.cases.models import Case
from hub.cases.vocab import CATEGORIES, CHANNEL_LABELS, RATINGS
from hub.core.errors import ServiceError
from hub.core.forms import apply_service_error, safe_next
from hub.deadlines.rules import rule
from hub.extensions import db
from hub.public import codes, forms, places, publication, services
from hub.public.services import RateLimited

bp = Blueprint("public", __name__, url_prefix="/public")

PAGE_SIZE = 20
TEXT_SIZE_COOKIE = "hub_text_size"
GRANTS = "portal_open"  # session key: {submission id: until (epoch seconds)}
GRANTS_KEPT = 5

def _status_text(key: str) -> tuple[str, str]:
    """What the status page says about a public status (services.PUBLIC_STATUS); the
    periods and their articles come from the one place that keeps them."""
    accept, handle = rule("case.accept"), rule("case.handle")
    texts = {
        "received": (_("已收到"), _("您的信访事项已登记，正在转交有关单位办理。")),
        "forwarded": (_("已转交办理单位"), _(
            "办理单位将在 %(days)d 日内告知是否受理（《信访工作条例》%(article)s）。",
            days=accept.days, article=accept.article)),
        "not_accepted": (_("不予受理"), _("办理单位决定不予受理，理由见下。")),
        "handling": (_("办理中"), _(
            "办理单位已受理，一般在 %(days)d 日内办结并书面答复（《信访工作条例》%(article)s）。",
            days=handle.days, article=handle.article)),
        "replied": (_("已答复"), _("办理单位已出具书面答复意见，请查看并评价。")),
        "review": (_("复查（复核）中"), _("您的复查或复核申请正在办理。")),
        "closed": (_("已办结"), _("该信访事项已办结。")),
    }
    return texts[key]


def _address() -> str:
    return request.remote_addr or "unknown"


# --- the form's signed ticket: where it was opened, and when --------------------------------

def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="hub-public-form")


def _ticket(county: str | None = None, department_id: int | None = None,
            via_code: bool = False, opened: int | None = None) -> str:
    """``opened``: when the visitor first opened the form (epoch seconds); a form shown
    again with its problems keeps it, so correcting one field is not "too fast"."""
    return _serializer().dumps({"c": county or "", "d": department_id or 0, "q": via_code,
                                "t": opened or int(time.time())})


def _read_ticket(raw: str | None) -> tuple[dict, bool]:
    """(where the form was opened, whether the ticket is ours and fresh)."""
    if not raw:
        return {}, False
    serializer = _serializer()
    try:
        route = serializer.loads(raw, max_age=current_app.config["HUB_PORTAL_FORM_MAX_AGE_SECONDS"])
        return (route, True) if isinstance(route, dict) else ({}, False)
    except SignatureExpired:
        try:
            route = serializer.loads(raw)  # still ours: keep where it was opened
        except BadSignature:
            return {}, False
        return (dict(route, t=None) if isinstance(route, dict) else {}), False
    except BadSignature:
        return {}, False


# --- tracked submissions kept open in the session --------------------------------------------

def _grant(submission_id: int) -> None:
    now = int(time.time())
    grants = {k: v for k, v in (session.get(GRANTS) or {}).items() if v > now}
    grants[str(submission_id)] = now + current_app.config["HUB_PORTAL_ACCESS_SECONDS"]
    session[GRANTS] = dict(sorted(grants.items(), key=lambda kv: kv[1])[-GRANTS_KEPT:])


def _granted(submission_id: int) -> bool:
    return (session.get(GRANTS) or {}).get(str(submission_id), 0) > time.time()


def _opened(query_code: str):
    """The submission of this code if this browser opened it with its secret; else None."""
    submission = services.by_code(query_code)
    if submission is None or not _granted(submission.id):
        return None
    return submission


# --- pages -----------------------------------------------------------------------------------

@bp.get("/")
@public
def index():
    recent = db.session.scalars(publication.published().limit(5)).all()
    return render_template("public/index.html", recent=recent, counties=COUNTIES,
                           categories=CATEGORIES)


def _form_page(form, route: dict, status: int = 200):
    county = route.get("c") or None
    department = places.department(county, route.get("d") or None) if county else None
    form.ticket.data = _ticket(county, department.id if department else None,
                               bool(route.get("q")), route.get("t"))
    return render_template(
        "public/submit.html", form=form, fixed_county=county, department=department,
        via_code=bool(route.get("q")), townships=places.townships(), counties=COUNTIES,
        max_files=current_app.config["HUB_PORTAL_MAX_FILES"]), status


@bp.route("/submit", methods=["GET", "POST"])
@public
def submit():
    form = forms.SubmitForm()
    if request.method == "GET":
        chosen = request.args.get("county")
        if chosen in COUNTIES:
            form.county.data = chosen
        return _form_page(form, {})
    route, fresh = _read_ticket(form.ticket.data)
    if route.get("c") in COUNTIES:
        form.county.data = route["c"]  # addressed by its 一县一码, not by the visitor
    if (form.website.data or "").strip():
        services.spam_refused("honeypot")
        db.session.commit()
        form.form_errors.append(_("提交未被接受：请不要使用自动填表工具，手动填写后再提交。"))
        return _form_page(form, route, 400)
    if not form.validate():
        return _form_page(form, route, 200)
    if not fresh:
        form.form_errors.append(_("表单已过期，请核对填写的内容后重新提交。"))
        return _form_page(form, route, 200)
    if time.time() - (route.get("t") or 0) < current_app.config["HUB_PORTAL_MIN_FILL_SECONDS"]:
        services.spam_refused("too_fast")
        db.session.commit()
        form.form_errors.append(_("提交过快：请核对填写的内容后再点击提交。"))
        return _form_page(form, route, 200)
    township = form.township_id.data
    data = services.Submission(
        title=form.title.data, content=form.content.data, category=form.category.data,
        county=form.county.data, name=form.name.data.strip(), phone=form.phone.data.strip(),
        id_number=(form.id_number.data or "").strip(),
        township_id=int(township) if township and township.isdigit() else None,
        village=(form.village.data or "").strip(), allow_publication=form.allow_publication.data,
        consent=form.consent.data, department_id=route.get("d") or None,
        via_code=bool(route.get("q")), files=request.files.getlist("attachments"))
    try:
        receipt = services.submit(data, _address())
    except RateLimited as exc:
        db.session.commit()  # nothing was written but the refusal's audit event
        return _refused(exc)
    except ServiceError as exc:
        db.session.rollback()
        _field_error(form, exc)
        return _form_page(form, route, 200)
    db.session.commit()
    _grant(receipt.submission.id)
    return render_template("public/submitted.html", receipt=receipt,
                           code=services.grouped(receipt.query_code),
                           secret=services.grouped(receipt.secret),
                           case=receipt.submission.case, counties=COUNTIES)


_INTAKE_FIELDS = {"petitioner_name": "name", "petitioner_phone": "phone",
                  "petitioner_id_number": "id_number"}


def _field_error(form, exc: ServiceError) -> None:
    exc.field = _INTAKE_FIELDS.get(exc.field, exc.field)
    apply_service_error(form, exc)


def _refused(exc: RateLimited):
    return render_template("public/refused.html", message=exc.message), 429


@bp.get("/qr/<county>")
@public
def by_code(county: str):
    """Where a county's 一县一码 leads: the form, addressed to the county."""
    if county not in COUNTIES:
        abort(404)
    return _form_page(forms.SubmitForm(county=county), {"c": county, "q": True})


@bp.get("/qr/<county>/<int:department_id>")
@public
def by_department_code(county: str, department_id: int):
    """A county department's 一县一码: the form, addressed to the department."""
    if county not in COUNTIES or places.department(county, department_id) is None:
        abort(404)
    return _form_page(forms.SubmitForm(county=county),
                      {"c": county, "d": department_id, "q": True})


@bp.route("/track", methods=["GET", "POST"])
@public
def track():
    form = forms.TrackForm()
    if request.method == "GET" and request.args.get("code"):
        form.code.data = services.grouped(services.normalise_code(request.args["code"]))
    if form.validate_on_submit():
        try:
            submission = services.open_submission(form.code.data, form.secret.data, _address())
        except RateLimited as exc:
            db.session.commit()  # the failure is counted and audited
            return _refused(exc)
        except ServiceError as exc:
            db.session.commit()
            apply_service_error(form, exc)
        else:
            db.session.commit()
            _grant(submission.id)
            return redirect(url_for("public.status", query_code=submission.query_code))
    return render_template("public/track.html", form=form)


@bp.get("/track/<query_code>")
@public
def status(query_code: str):
    submission = _opened(query_code)
    if submission is None:
        flash(_("请输入查询码和查询密码"), "info")
        return redirect(url_for("public.track", code=query_code))
    return _status_page(submission)


def _status_page(submission, rate_form=None, status: int = 200):
    case = submission.case
    shown = services.public_status(case)
    return render_template(
        "public/status.html", submission=submission, case=case,
        code=services.grouped(submission.query_code), status_key=shown,
        status_text=_status_text(shown), channel_labels=CHANNEL_LABELS, counties=COUNTIES,
        categories=CATEGORIES, ratings=RATINGS, may_rate=services.may_rate(case),
        rate_form=rate_form or forms.RateForm(),
        published=publication.published_case(case.id), leave_form=forms.SimpleForm(),
        review_rule=rule("case.review_request")), status


@bp.post("/track/<query_code>/rate")
@public
def rate(query_code: str):
    submission = _opened(query_code)
    if submission is None:
        flash(_("查询已超时，请重新输入查询码和查询密码"), "info")
        return redirect(url_for("public.track", code=query_code))
    form = forms.RateForm()
    if form.is_submitted():
        # The service says why a rating cannot be taken (not answered yet, rated already,
        # no valid choice); a form that fails its own checks gives no rating at all.
        rating = form.rating.data if form.validate() else ""
        try:
            services.rate(submission, rating)
        except ServiceError as exc:
            db.session.rollback()
            form.rating.errors = []
            apply_service_error(form, exc)
        else:
            db.session.commit()
            flash(_("感谢您的评价：%(rating)s", rating=RATINGS[form.rating.data]), "success")
            return redirect(url_for("public.status", query_code=submission.query_code))
    return _status_page(submission, rate_form=form, status=200)


@bp.post("/track/leave")
@public
def leave():
    session.pop(GRANTS, None)
    flash(_("已退出查询。在公用电脑上使用后，请关闭浏览器。"), "info")
    return redirect(url_for("public.index"))


@bp.get("/cases")
@public
def cases():
    county = request.args.get("county") if request.args.get("county") in COUNTIES else None
    category = request.args.get("category") if request.args.get("category") in CATEGORIES \
        else None
    try:
        page = max(1, min(int(request.args.get("page", 1)), 10000))
    except ValueError:
        page = 1
    stmt = publication.published()
    if county:
        stmt = stmt.where(Case.county == county)
    if category:
        stmt = stmt.where(Case.category == category)
    total = db.session.scalar(stmt.with_only_columns(func.count()).order_by(None))
    rows = db.session.scalars(stmt.limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    return render_template("public/cases.html", rows=rows, total=total, page=page,
                           pages=max(1, -(-total // PAGE_SIZE)), county=county,
                           category=category, counties=COUNTIES, categories=CATEGORIES)


@bp.get("/cases/<int:case_id>")
@public
def published_case(case_id: int):
    row = publication.published_case(case_id)
    if row is None:
        abort(404)
    return render_template("public/case.html", row=row, counties=COUNTIES,
                           categories=CATEGORIES)


@bp.post("/text-size")
@public
def text_size():
    """大字模式: a cookie, so it works without script and stays on every portal page."""
    large = request.form.get("size") == "large"
    response = redirect(safe_next(request.form.get("next"), url_for("public.index")))
    response.set_cookie(TEXT_SIZE_COOKIE, "large" if large else "normal",
                        max_age=365 * 24 * 3600, httponly=True, samesite="Lax",
                        secure=current_app.config["SESSION_COOKIE_SECURE"])
    return response


@bp.app_template_global("large_text")
def large_text() -> bool:
    return request.cookies.get(TEXT_SIZE_COOKIE) == "large"


# --- 一县一码: images and posters ---------------------------------------------------------------

def _code_target(county: str, department_id: int | None):
    if county not in COUNTIES:
        abort(404)
    department = places.department(county, department_id)
    if department_id is not None and department is None:
        abort(404)
    return department


def _image(county: str, department_id: int | None, kind: str) -> Response:
    department = _code_target(county, department_id)
    url = codes.portal_url(county, department_id)
    name = f"yixianyima-{county}" + (f"-{department_id}" if department_id else "")
    if kind == "png":
        body, mimetype = codes.png(url), "image/png"
    else:
        title = department.name if department else COUNTIES[county]
        body, mimetype = codes.svg(url, _("%(where)s 一县一码", where=title)), "image/svg+xml"
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'inline; filename="{name}.{kind}"'
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


@bp.get("/codes/<county>/qr.png")
@public
def code_png(county: str):
    return _image(county, None, "png")


@bp.get("/codes/<county>/qr.svg")
@public
def code_svg(county: str):
    return _image(county, None, "svg")


@bp.get("/codes/<county>/<int:department_id>/qr.png")
@public
def department_code_png(county: str, department_id: int):
    return _image(county, department_id, "png")


@bp.get("/codes/<county>/<int:department_id>/qr.svg")
@public
def department_code_svg(county: str, department_id: int):
    return _image(county, department_id, "svg")


def _poster(county: str, department_id: int | None):
    department = _code_target(county, department_id)
    bureau = places.county_bureau(county)
    return render_template("public/poster.html", county=county, county_name=COUNTIES[county],
                           department=department, bureau=bureau,
                           url=codes.portal_url(county, department_id),
                           department_id=department_id)


@bp.get("/codes/<county>/poster")
@public
def poster(county: str):
    return _poster(county, None)


@bp.get("/codes/<county>/<int:department_id>/poster")
@public
def department_poster(county: str, department_id: int):
    return _poster(county, department_id)


@bp.get("/codes")
@public
def codes_index():
    """Every county's code and poster (and the departments'), for printing."""
    rows = [(key, name, places.departments(key)) for key, name in COUNTIES.items()]
    return render_template("public/codes.html", rows=rows)
