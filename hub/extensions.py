"""Extensions are created here once and bound to the app in ``create_app``."""

from flask_babel import Babel
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine

# Stable constraint names, so Alembic migrations are the same on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

db = SQLAlchemy(metadata=MetaData(naming_convention=NAMING))
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()


@event.listens_for(Engine, "connect")
def _sqlite_connect(dbapi_connection, _record):
    """SQLite: enforce foreign keys, use WAL, and let SQLAlchemy own transactions.

    pysqlite's own transaction handling breaks SAVEPOINT; the documented remedy is to turn
    it off and emit BEGIN ourselves (see ``_sqlite_begin``).
    """
    module = type(dbapi_connection).__module__
    if not module.startswith("sqlite3"):
        return
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


@event.listens_for(Engine, "begin")
def _sqlite_begin(conn):
    if conn.dialect.name == "sqlite":
        # "IMMEDIATE" (see begin_write) takes the write lock at BEGIN, so a writer waits
        # for another instead of failing when its WAL snapshot went stale.
        mode = conn.get_execution_options().get("hub_begin", "")
        conn.exec_driver_sql(f"BEGIN {mode}".strip())


def begin_write() -> None:
    """Start the session's transaction as a writer (SQLite: BEGIN IMMEDIATE).

    For jobs that read, then write, and may run beside another copy of themselves (the
    chase sweep): on SQLite the second one then waits for the first instead of failing
    with "database is locked".  PostgreSQL needs nothing here.
    """
    session = db.session()  # the scoped session's current Session
    if session.get_bind().dialect.name == "sqlite" and not session.in_transaction():
        session.connection(execution_options={"hub_begin": "IMMEDIATE"})


def insert_or_skip(model, *key: str):
    """INSERT … ON CONFLICT (key) DO NOTHING for the session's database (SQLite or
    PostgreSQL): a row that another transaction wrote first is skipped, not an error."""
    from sqlalchemy.dialects import postgresql, sqlite

    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    # On the table, not the ORM class: a multi-row insert is then one statement per batch
    # without the ORM's per-row bookkeeping (nothing of it enters the session).
    return dialect.insert(model.__table__).on_conflict_do_nothing(index_elements=list(key))
