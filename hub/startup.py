"""Build the app for a real process, turning bad configuration into one clear line."""

from __future__ import annotations

import sys

from flask import Flask
from sqlalchemy import text
from sqlalchemy.engine import make_url

from hub import create_app
from hub.config import ConfigError


def check_database(app: Flask) -> None:
    from hub.extensions import db

    with app.app_context():
        try:
            with db.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except Exception as exc:  # noqa: BLE001 - reported as one line below
            url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
            reason = str(getattr(exc, "orig", exc)).strip().splitlines()[0]
            raise ConfigError(
                f"cannot connect to HUB_DATABASE_URL ({url.render_as_string(hide_password=True)}): {reason}"
            ) from None
        finally:
            db.engine.dispose()


def checked_app() -> Flask:
    try:
        app = create_app()
        check_database(app)
    except ConfigError as exc:
        print(f"配置错误 / configuration error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    return app
