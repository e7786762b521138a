"""The schema comes from the real migrations, and they match the models."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from hub.extensions import db


def test_models_and_migrations_agree(app):
    with app.app_context():
        with db.engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = compare_metadata(ctx, db.metadata)
    assert diff == [], f"models and migrations disagree: {diff}"


def test_schema_was_built_by_alembic(app):
    with app.app_context():
        with db.engine.connect() as conn:
            version = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
            tables = set(inspect(conn).get_table_names())
    assert version
    assert {"agencies", "users", "user_sessions", "audit_events", "audit_head"} <= tables
