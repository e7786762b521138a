"""Changes to the agency tree.  Services flush, never commit."""

from __future__ import annotations

import re
from collections.abc import Callable

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from hub.agencies.models import Agency, AgencyKind, AgencyLevel
from hub.audit.services import record_change
from hub.core.errors import ServiceError
from hub.extensions import db

CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$")

# Areas that own rows tied to an agency register a counter here; an agency that owns any
# data cannot be deleted (only deactivated).
_ownership_checks: list[tuple[str, Callable[[int], int]]] = []


def owns_data_check(label: str):
    def decorator(fn: Callable[[int], int]):
        _ownership_checks.append((label, fn))
        return fn

    return decorator


@owns_data_check(_l("下级单位"))
def _children(agency_id: int) -> int:
    return db.session.scalar(select(func.count()).where(Agency.parent_id == agency_id))


@owns_data_check(_l("用户"))
def _users(agency_id: int) -> int:
    from hub.auth.models import User

    return db.session.scalar(select(func.count()).where(User.agency_id == agency_id))


def owned_data(agency: Agency) -> list[tuple[str, int]]:
    found = []
    for label, count in _ownership_checks:
        n = count(agency.id)
        if n:
            found.append((label, n))
    return found


def _validate(code: str, name: str, kind: str, level: str, parent: Agency | None,
              agency: Agency | None = None) -> None:
    if not CODE_RE.match(code or ""):
        raise ServiceError(_("编码只能使用字母、数字、下划线、点和连字符，最长 40 位"), "code")
    clash = db.session.scalar(select(Agency.id).where(Agency.code == code))
    if clash is not None and (agency is None or clash != agency.id):
        raise ServiceError(_("编码已被其他单位使用"), "code")
    if not (name or "").strip():
        raise ServiceError(_("请填写单位名称"), "name")
    if kind not in AgencyKind.__members__.values():
        raise ServiceError(_("请选择有效的单位类型"), "kind")
    if level not in AgencyLevel.__members__.values():
        raise ServiceError(_("请选择有效的层级"), "level")
    if parent is not None:
        if not parent.active:
            raise ServiceError(_("上级单位已停用"), "parent_id")
        if AgencyLevel(parent.level).rank > AgencyLevel(level).rank:
            raise ServiceError(_("上级单位的层级不能低于本单位"), "parent_id")
        if agency is not None:
            node = parent
            while node is not None:
                if node.id == agency.id:
                    raise ServiceError(_("不能把单位移到它自己或它的下级之下"), "parent_id")
                node = node.parent


def create_agency(actor, *, code: str, name: str, kind: str, level: str,
                  parent: Agency | None) -> Agency:
    code = (code or "").strip()
    _validate(code, name, kind, level, parent)
    agency = Agency(code=code, name=name.strip(), kind=kind, level=level, parent=parent,
                    active=True)
    db.session.add(agency)
    db.session.flush()
    record_change(actor, "agencies.created", agency, None)
    return agency


def update_agency(actor, agency: Agency, *, code: str, name: str, kind: str, level: str,
                  parent: Agency | None) -> None:
    """Edit an agency; changing ``parent`` moves it (with its subtree) in the tree."""
    code = (code or "").strip()
    _validate(code, name, kind, level, parent, agency)
    for child in agency.children:
        if AgencyLevel(child.level).rank < AgencyLevel(level).rank:
            raise ServiceError(_("下级单位的层级不能高于本单位"), "level")
    before = agency.audit_state()
    agency.code = code
    agency.name = name.strip()
    agency.kind = kind
    agency.level = level
    agency.parent = parent
    db.session.flush()
    if agency.audit_state() != before:
        action = "agencies.moved" if before["parent_id"] != agency.parent_id else "agencies.updated"
        record_change(actor, action, agency, before)


def set_active(actor, agency: Agency, active: bool) -> None:
    if agency.active == active:
        return
    if not active:
        from hub.auth.models import User

        users = db.session.scalar(
            select(func.count()).where(User.agency_id == agency.id, User.active.is_(True))
        )
        if users:
            raise ServiceError(
                _("该单位仍有 %(n)d 个启用的账号，请先调整或停用这些账号", n=users)
            )
        children = db.session.scalar(
            select(func.count()).where(Agency.parent_id == agency.id, Agency.active.is_(True))
        )
        if children:
            raise ServiceError(_("该单位仍有 %(n)d 个启用的下级单位，请先停用或移走", n=children))
    elif agency.parent is not None and not agency.parent.active:
        raise ServiceError(_("上级单位已停用，请先启用上级单位"))
    before = agency.audit_state()
    agency.active = active
    record_change(actor, "agencies.activated" if active else "agencies.deactivated", agency, before)


def delete_agency(actor, agency: Agency) -> None:
    """Only an agency that owns nothing may be deleted; otherwise deactivate it."""
    owned = owned_data(agency)
    if owned:
        listing = "、".join(f"{label} {n}" for label, n in owned)
        raise ServiceError(_("该单位拥有数据（%(what)s），不能删除，只能停用", what=listing))
    before = agency.audit_state()
    from hub.audit.services import record

    record(actor, "agencies.deleted", "agencies", agency.id, before=before)
    db.session.delete(agency)
    db.session.flush()


def tree(agencies: list[Agency]) -> list[tuple[int, Agency]]:
    """Depth-first order with depth, for the indented tree view (one query's rows)."""
    by_parent: dict[int | None, list[Agency]] = {}
    ids = {a.id for a in agencies}
    for a in agencies:
        key = a.parent_id if a.parent_id in ids else None
        by_parent.setdefault(key, []).append(a)
    for children in by_parent.values():
        children.sort(key=lambda a: (AgencyLevel(a.level).rank, a.code))
    out: list[tuple[int, Agency]] = []

    def walk(parent_id, depth):
        for a in by_parent.get(parent_id, []):
            out.append((depth, a))
            walk(a.id, depth + 1)

    walk(None, 0)
    return out
