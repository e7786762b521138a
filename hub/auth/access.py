"""Declaring and enforcing who may use a view.

Each view carries an access rule; ``enforce`` runs before every request and refuses any
endpoint without one, so a new route cannot be reachable by accident.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import abort, current_app, has_request_context, redirect, request, url_for
from flask_login import current_user

from hub.auth.capabilities import Capability, can


@dataclass(frozen=True)
class AccessRule:
    kind: str  # "public" | "login" | "capability"
    capabilities: tuple[Capability, ...] = ()
    # An extra condition on the user beyond the role table (e.g. "works at a 信访局").
    check: Callable | None = None

    def allows(self, user) -> bool:
        if self.kind == "public":
            return True
        if not getattr(user, "is_authenticated", False):
            return False
        if self.kind == "login":
            return True
        return all(can(user, c) for c in self.capabilities) and (
            self.check is None or bool(self.check(user))
        )


def public(view):
    view.access_rule = AccessRule("public")
    return view


def login_only(view):
    view.access_rule = AccessRule("login")
    return view


def requires(*capabilities: Capability, check: Callable | None = None):
    def decorator(view):
        view.access_rule = AccessRule("capability", tuple(capabilities), check)
        return view

    return decorator


def rule_for(endpoint: str | None) -> AccessRule | None:
    if endpoint is None:
        return None
    if endpoint == "static" or endpoint.endswith(".static"):
        return AccessRule("public")
    view = current_app.view_functions.get(endpoint)
    rule = getattr(view, "access_rule", None)
    if rule is None and hasattr(view, "view_class"):
        # A class-based view (the API): each HTTP method's handler declares its own rule.
        method = request.method.lower() if has_request_context() else "get"
        handler = getattr(view.view_class, method, None)
        if handler is None:  # a method the view lacks: Flask answers 405; any rule will do
            handler = getattr(view.view_class, sorted(view.view_class.methods)[0].lower())
        rule = getattr(handler, "access_rule", None)
    return rule


# Pages a user who must change their password can still reach.
_PASSWORD_CHANGE_ALLOWED = {
    "auth.change_password",
    "auth.logout",
    "auth.extend_session",
    "core.healthz",
    "static",
}


def enforce():
    """before_request: apply the endpoint's rule."""
    if request.endpoint is None:
        return None  # 404/405 from routing; the error handler answers
    rule = rule_for(request.endpoint)
    if rule is None:
        current_app.logger.error("endpoint %s has no access rule; refused", request.endpoint)
        abort(403)
    if rule.kind == "public":
        return None
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    if current_user.must_change_password and request.endpoint not in _PASSWORD_CHANGE_ALLOWED:
        return redirect(url_for("auth.change_password"))
    if not rule.allows(current_user):
        abort(403)
    return None
