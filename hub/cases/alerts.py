"""Who is told at once about what happens to a case."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from hub.auth.models import User, UserRole
from hub.auth.roles import Role
from hub.extensions import db
from hub.notifications.services import notify


def secretariat_users() -> list[User]:
    return list(db.session.scalars(
        select(User).join(UserRole).where(UserRole.role == Role.SECRETARIAT.value,
                                          User.active.is_(True))
    ))


def alert_threat(actor, case) -> None:
    """扬言件 threatens extreme action: the secretariat is told at once."""
    if case.restricted:
        # Restricted cases are told only to secretariat users whose agency participates.
        agency_ids = {p.agency_id for p in case.participants}
        users = [u for u in secretariat_users() if u.agency_id in agency_ids]
    else:
        users = secretariat_users()
    notify(users, "case.threat", _("扬言件：%(number)s %(title)s", number=case.number,
                                   title=case.title),
           _("该信访事项含扬言内容，请立即研判处置。"),
           link=f"/cases/{case.id}")  # a path, so jobs and commands can alert too
