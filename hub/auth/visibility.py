"""The one visibility module: which objects a user may see.

Every lookup of a user-visible object goes through ``visible(user, Model)`` (a query) or
``get_visible_or_404``.  An object outside a user's visibility answers 404, never 403, so
nobody learns that it exists.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import abort
from sqlalchemy import Select, false, select

from hub.agencies.models import Agency
from hub.auth.models import User
from hub.auth.roles import Role
from hub.extensions import db

# Roles that see every agency's objects (DESIGN §2: secretariat and auditor see all).
ALL_SEEING = {Role.ADMIN, Role.SECRETARIAT, Role.AUDITOR}

_rules: dict[type, Callable[[User, Select], Select]] = {}


def rule(model: type):
    """Register the visibility rule for a model (each area registers its own)."""

    def decorator(fn: Callable[[User, Select], Select]):
        _rules[model] = fn
        return fn

    return decorator


def sees_everything(user) -> bool:
    return bool(user.roles & ALL_SEEING)


def visible(user, model: type) -> Select:
    """A SELECT of the ``model`` rows the user may see."""
    stmt = select(model)
    if user is None or not user.is_authenticated:
        return stmt.where(false())
    try:
        apply = _rules[model]
    except KeyError:
        raise LookupError(f"no visibility rule for {model.__name__}") from None
    return apply(user, stmt)


def get_visible_or_404(user, model: type, object_id):
    row = db.session.scalar(visible(user, model).where(model.id == object_id))
    if row is None:
        abort(404)
    return row


@rule(Agency)
def _agencies(user, stmt: Select) -> Select:
    if sees_everything(user):
        return stmt
    # Others see their own agency, the agencies above it and those directly below it.
    ids = {user.agency_id}
    agency = user.agency
    while agency.parent is not None:
        agency = agency.parent
        ids.add(agency.id)
    children = select(Agency.id).where(Agency.parent_id == user.agency_id)
    return stmt.where(Agency.id.in_(ids) | Agency.id.in_(children))


@rule(User)
def _users(user, stmt: Select) -> Select:
    if sees_everything(user):
        return stmt
    # Colleagues of the same agency.
    return stmt.where(User.agency_id == user.agency_id)
