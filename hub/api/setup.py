"""Wiring the API into the app: bearer-token authentication for ``/api/``, RFC 9457
problem details for every API error, the OpenAPI document and the docs page."""

from __future__ import annotations

from flask import Flask, current_app, g, jsonify, render_template, request
from flask_babel import gettext as _
from flask_login import AnonymousUserMixin
from flask_smorest import Api

from hub.auth.access import AccessRule, public

API_PREFIX = "/api/v1"
SAFE = ("GET", "HEAD", "OPTIONS")
MAX_BODY = 1024 * 1024  # JSON bodies; files come through the pages

TITLES = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
          405: "Method Not Allowed", 409: "Conflict", 413: "Content Too Large",
          415: "Unsupported Media Type", 422: "Unprocessable Content",
          429: "Too Many Requests", 500: "Internal Server Error"}


class HubApi(Api):
    """flask-smorest without its app-wide error handler: the hub answers errors itself
    (HTML for pages, problem details for the API; see ``problem``)."""

    def _register_error_handlers(self):
        return None


api = HubApi()


def is_api_request() -> bool:
    return request.path.startswith("/api/")


def problem(status: int, detail: str = "", errors: dict | None = None, title: str | None = None):
    """An RFC 9457 problem detail (application/problem+json)."""
    body = {"type": "about:blank", "title": title or TITLES.get(status, "Error"),
            "status": status, "detail": detail, "instance": request.path}
    if errors:
        body["errors"] = errors
    response = jsonify(body)
    response.status_code = status
    response.mimetype = "application/problem+json"
    return response


def authenticate():
    """before_request (before the access rules): an API request is authenticated by its
    bearer token only — never by a browser session, so a page cannot be used to make API
    calls with someone's cookies."""
    if not is_api_request() or request.endpoint in _public_endpoints():
        return None
    from hub.api import tokens

    g._login_user = AnonymousUserMixin()
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        return problem(401, _("需要 API 令牌（Authorization: Bearer …）"))
    token, why = tokens.user_for(header[len("Bearer "):].strip())
    if token is None:
        detail = {"revoked": _("令牌已撤销"), "expired": _("令牌已过期"),
                  "disabled": _("令牌所属用户已停用")}.get(why, _("令牌无效"))
        return problem(401, detail)
    if token.read_only and request.method not in SAFE:
        return problem(403, _("只读令牌不能修改数据"))
    if (request.content_length or 0) > MAX_BODY:
        return problem(413, _("请求体不能超过 %(n)d KB", n=MAX_BODY // 1024))
    g._login_user = token.user
    g.api_token = token
    tokens.note_use(token, request.method, request.path)
    # The use is on record even when the request's own change is refused and rolled back.
    from hub.extensions import begin_write, db

    db.session.commit()
    if request.method not in SAFE:
        begin_write()
    return None


def _public_endpoints() -> set[str]:
    return {"api-docs.openapi_json", "api_docs.docs_page"}


def commit_api_request(response):
    """API requests commit their work (token use is audited even on GET)."""
    if is_api_request() and g.get("api_token") is not None:
        from hub.extensions import db

        if response.status_code < 500:
            db.session.commit()
        else:
            db.session.rollback()
    return response


def init_app(app: Flask) -> None:
    app.config.update(
        API_TITLE="信访+联合督办平台 API", API_VERSION="v1", OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX=API_PREFIX, OPENAPI_JSON_PATH="openapi.json",
        API_SPEC_OPTIONS={"components": {"securitySchemes": {
            "bearer": {"type": "http", "scheme": "bearer"}}},
            "security": [{"bearer": []}]},
    )
    api.init_app(app)
    # The OpenAPI document describes the API (no data): readable without a token.
    served = app.view_functions["api-docs.openapi_json"]

    def openapi_json():
        return served()

    openapi_json.access_rule = AccessRule("public")
    app.view_functions["api-docs.openapi_json"] = openapi_json
    from flask import Blueprint

    docs = Blueprint("api_docs", __name__)

    @docs.get(f"{API_PREFIX}/docs")
    @public
    def docs_page():
        spec = current_app.extensions["flask-smorest"]["apis"][""]["ext_obj"].spec.to_dict()
        return render_template("api/docs.html", spec=spec, prefix=API_PREFIX)

    app.register_blueprint(docs)
    from hub.api import baoan, cases, handoffs, meetings, notifications

    for module in (cases, handoffs, baoan, meetings, notifications):
        api.register_blueprint(module.blp)
        app.extensions["csrf"].exempt(module.blp)  # tokens, not cookies: no CSRF to check
