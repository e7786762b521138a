"""Request plumbing shared by every page: locale, access, headers, errors, template helpers."""

from __future__ import annotations

from flask import (
    Flask,
    abort,
    current_app,
    flash,
    g,
    has_request_context,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import format_datetime, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from hub.auth import access
from hub.auth.capabilities import Capability, can
from hub.extensions import db, login_manager

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "frame-ancestors 'none'; form-action 'self'"
)

SESSION_END_MESSAGES = {
    "idle": _l("您已超过 30 分钟没有操作，为安全起见已退出登录，请重新登录"),
    "expired": _l("登录已超过 12 小时，请重新登录"),
    "password_changed": _l("密码已修改，请使用新密码登录"),
    "password_reset": _l("管理员已重置您的密码，请使用新密码登录"),
    "disabled": _l("该账号已停用，请联系系统管理员"),
    "ended_by_admin": _l("管理员已结束您的会话，请重新登录"),
    "access_changed": _l("您的角色或所属单位已变更，请重新登录"),
}


def select_locale() -> str:
    if not has_request_context():
        # Jobs and commands (the chase sweep, deliveries) write in the default language.
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user and current_user.is_authenticated:
        return current_user.locale
    chosen = session.get("locale")
    if chosen in current_app.config["HUB_LOCALES"]:
        return chosen
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone() -> str:
    return current_app.config["BABEL_DEFAULT_TIMEZONE"]


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.path == "/healthz"


def _unauthorized():
    reason = g.get("session_end_reason")
    if reason in SESSION_END_MESSAGES:
        flash(str(SESSION_END_MESSAGES[reason]), "warning")
    elif request.endpoint != "core.home":
        flash(_("请先登录"), "info")
    if wants_json():
        return jsonify(error="authentication required"), 401
    target = url_for("auth.login", next=request.full_path if request.method == "GET" else None)
    if request.headers.get("HX-Request"):
        resp = current_app.response_class(status=204)
        resp.headers["HX-Redirect"] = target
        return resp
    return redirect(target)


def _security_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if current_app.config["SESSION_COOKIE_SECURE"]:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    # No cache may keep a page, an error page (it shows who is logged in) or a download (cases,
    # reports): no-store, also over send_file's own "no-cache", which still lets a cache keep
    # a copy.  Only static files, and what a view marks public (the 一县一码 images), may be
    # cached.
    cache = response.cache_control
    static_file = request.endpoint == "static" and response.status_code < 400
    if not static_file and not cache.public and not cache.no_store:
        headers["Cache-Control"] = "no-store"
    return response


def _render_error(code: int, message: str | None = None):
    titles = {
        400: _("请求有误"),
        403: _("没有权限"),
        404: _("页面不存在"),
        405: _("不支持的请求方式"),
        413: _("提交的内容过大"),
        429: _("请求过于频繁"),
        500: _("系统内部错误"),
    }
    texts = {
        400: _("提交的内容无法处理，请返回后重试。"),
        403: _("您的角色无权使用此功能。如确有需要，请联系系统管理员。"),
        404: _("您访问的页面不存在，或您无权查看。"),
        405: _("该地址不支持此请求方式。"),
        413: _("上传的文件总大小超过上限，请减少或压缩附件后重试。"),
        429: _("操作过于频繁，请稍后再试。"),
        500: _("系统出现错误，已记录。请稍后再试；如持续出现，请联系系统管理员。"),
    }
    title = titles.get(code, _("出错了"))
    text = message or texts.get(code, "")
    if wants_json():
        return jsonify(error=title, detail=text, status=code), code
    if is_portal():  # the public portal's own layout: nothing of the inside shows
        return render_template("public/error.html", code=code, title=title, text=text), code
    return render_template("errors/error.html", code=code, title=title, text=text), code


def is_portal() -> bool:
    return request.path == "/public" or request.path.startswith("/public/")


def _handle_http(exc: HTTPException):
    if exc.code is None or exc.code < 400:
        return exc
    if request.path.startswith("/api/"):
        from hub.api.setup import problem

        data = getattr(exc, "data", None) or {}
        errors = data.get("messages") or data.get("errors")
        if isinstance(errors, dict) and len(errors) == 1 and next(iter(errors)) in (
                "query", "json", "form", "headers", "path"):
            errors = next(iter(errors.values()))  # webargs nests by location
        return problem(exc.code, exc.description if exc.code != 404 else "", errors)
    return _render_error(exc.code)


def _handle_csrf(exc: CSRFError):
    return _render_error(400, _("表单已失效（安全校验未通过），请刷新页面后重新提交。"))


def _handle_500(exc):
    db.session.rollback()
    current_app.logger.exception("unhandled error on %s", request.path)
    if request.path.startswith("/api/"):
        from hub.api.setup import problem

        return problem(500)
    return _render_error(500)


def _template_context() -> dict:
    user = current_user if current_user.is_authenticated else None
    deadline = None
    if user is not None and user.current_session is not None:
        from hub.auth.sessions import idle_deadline

        deadline = idle_deadline(user.current_session)
    missing_year = None
    if user is not None and can(user, Capability.CALENDAR_MANAGE):
        from hub.deadlines.calendar import missing_next_year
        from hub.deadlines.services import local_today

        missing_year = missing_next_year(local_today())
    unread = 0
    if user is not None:
        from hub.notifications.services import unread_count

        unread = unread_count(user)
    return {
        "unread_notifications": unread,
        "calendar_missing_year": missing_year,
        "Capability": Capability,
        "can": lambda cap: can(user, cap),
        # May the user open this page (its access rule, extra checks included)?  For links.
        "allowed": lambda endpoint: bool(user and access.rule_for(endpoint)
                                         and access.rule_for(endpoint).allows(user)),
        "session_deadline": deadline,
        "idle_warning_seconds": current_app.config["HUB_IDLE_WARNING_SECONDS"],
    }


def local_dt(value, fmt: str = "yyyy-MM-dd HH:mm") -> str:
    return format_datetime(value, fmt) if value else ""


INT_MAX = 2**31 - 1  # the database's integer ids


def _refuse_nul():
    """A NUL character is never meaningful text (and PostgreSQL cannot store it): refuse any
    query, form field or JSON body that carries one, before anything reads it.  An id in the
    URL beyond the database's integers names nothing: 404."""
    if any(isinstance(v, int) and not 0 <= v <= INT_MAX for v in (request.view_args or {}).values()):
        abort(404)
    values = [*request.args.values()]
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        values += request.form.values()
    bad = any("\x00" in v for v in values)
    if not bad and request.is_json:
        body = request.get_data(cache=True)
        bad = b"\x00" in body or b"\\u0000" in body.lower()
    if bad:
        if request.path.startswith("/api/"):
            from hub.api.setup import problem

            return problem(400, _("请求中含有不允许的空字符（NUL）"))
        return _render_error(400, _("提交的内容含有不允许的空字符，请检查后重新提交。"))
    return None


def read_only(view):
    """Marks a POST view that only reads (a preview posted with its form's fields): it does
    not start as a writer, so it never waits for, or holds up, the requests that write."""
    view.hub_read_only = True
    return view


def _writer_transaction():
    """A request that changes state starts as a writer (SQLite: BEGIN IMMEDIATE), before
    anything is read: two such requests at once then take turns instead of the second
    failing with "database is locked" because its snapshot went stale.  API requests too
    (their token use is audited).  PostgreSQL: no-op."""
    if request.method in ("GET", "HEAD", "OPTIONS") and not request.path.startswith("/api/"):
        return
    view = current_app.view_functions.get(request.endpoint)
    if not getattr(view, "hub_read_only", False):
        from hub.extensions import begin_write

        begin_write()


# Routes that take files larger than an attachment (a case import), and the config key of
# their limit.
LARGE_UPLOADS = {"/imports": "HUB_IMPORT_MAX_BYTES",
                 "/public/submit": "HUB_PORTAL_REQUEST_MAX_BYTES"}


def _request_limit():
    """Raise the request size limit for the large-upload routes — first of all hooks, as the
    CSRF check reads the form (and would apply the ordinary limit)."""
    key = LARGE_UPLOADS.get(request.path)
    if key and request.method == "POST":
        request.max_content_length = current_app.config[key] + 1024 * 1024


def init_app(app: Flask) -> None:
    app.before_request_funcs.setdefault(None, []).insert(0, _request_limit)
    login_manager.unauthorized_handler(_unauthorized)
    login_manager.session_protection = None  # sessions are server-side rows (hub.auth.sessions)
    app.before_request(_refuse_nul)
    app.before_request(_writer_transaction)  # before the session lookup reads
    from hub.api import setup as api_setup

    app.before_request(api_setup.authenticate)  # an API request's user is its token's
    app.before_request(access.enforce)
    app.after_request(api_setup.commit_api_request)
    app.after_request(_security_headers)
    app.register_error_handler(CSRFError, _handle_csrf)
    app.register_error_handler(HTTPException, _handle_http)
    app.register_error_handler(500, _handle_500)
    app.context_processor(_template_context)
    app.jinja_env.filters["local_dt"] = local_dt
    app.jinja_env.globals["get_locale"] = get_locale
