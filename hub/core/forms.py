"""Small helpers for forms and redirects."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import url_for


def safe_next(target: str | None, default: str | None = None) -> str:
    """Only same-site paths are followed after login or a switch (no open redirect)."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//") and "\\" not in target:
            return target
    return default or url_for("core.home")


def apply_service_error(form, error) -> None:
    """Attach a ServiceError to its field (or to the form) so the error summary shows it."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        # WTForms leaves ``errors`` as a tuple on fields that were not validated.
        field.errors = [*field.errors, error.message]
    else:
        form.form_errors.append(error.message)


def commit_or_flash(change, message: str) -> bool:
    """Run a service change: commit and flash ``message``, or roll back and flash the
    service's refusal.  For the small POST forms whose page is shown again by redirect."""
    from flask import flash

    from hub.core.errors import ServiceError
    from hub.extensions import db

    try:
        change()
    except ServiceError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return False
    db.session.commit()
    flash(message, "success")
    return True
