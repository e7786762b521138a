"""一县一码: a QR code per county (and per county department where an administrator gave
one) that opens the portal's form already addressed there; a case submitted through it is
recorded on the 一县一码 channel.  The images are drawn with segno (PNG and SVG)."""

from __future__ import annotations

import io

import segno
from flask import current_app, request, url_for
from flask_babel import gettext as _

from hub.agencies.models import Agency
from hub.audit.services import record
from hub.core.errors import ServiceError
from hub.extensions import db
from hub.public import places
from hub.public.models import PortalDepartment

PNG_SCALE = 12  # pixels per module: a 29-module code prints about 8 cm wide at 300 dpi
SVG_SCALE = 8


def portal_url(county: str, department_id: int | None = None) -> str:
    """The address the code carries: the portal's form for the county (or department), as
    the public reaches it (``HUB_PUBLIC_URL``, else this request's host)."""
    values = {"county": county}
    if department_id is not None:
        values["department_id"] = department_id
        path = url_for("public.by_department_code", **values)
    else:
        path = url_for("public.by_code", **values)
    base = current_app.config.get("HUB_PUBLIC_URL") or request.host_url.rstrip("/")
    return base + path


def _code(url: str) -> segno.QRCode:
    return segno.make(url, error="m", micro=False)


def png(url: str) -> bytes:
    out = io.BytesIO()
    _code(url).save(out, kind="png", scale=PNG_SCALE, border=4)
    return out.getvalue()


def svg(url: str, title: str) -> bytes:
    out = io.BytesIO()
    _code(url).save(out, kind="svg", scale=SVG_SCALE, border=4, title=title, xmldecl=True,
                    encoding="utf-8")
    return out.getvalue()


def enable_department(actor, agency: Agency) -> None:
    """Give a county department its own code (admins)."""
    if agency not in places.candidate_departments():
        raise ServiceError(_("只能为县（市）的部门单独生成二维码"))
    if db.session.get(PortalDepartment, agency.id) is not None:
        raise ServiceError(_("该部门已有二维码"))
    row = PortalDepartment(agency_id=agency.id, enabled_by_id=actor.id)
    db.session.add(row)
    db.session.flush()
    record(actor, "public.department_code_enabled", "agencies", agency.id,
           after={"agency": agency.code})


def disable_department(actor, agency: Agency) -> None:
    row = db.session.get(PortalDepartment, agency.id)
    if row is None:
        raise ServiceError(_("该部门没有单独的二维码"))
    db.session.delete(row)
    db.session.flush()
    record(actor, "public.department_code_disabled", "agencies", agency.id,
           after={"agency": agency.code})
