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


def in_values(column, values):
    """``column IN (values)`` — on PostgreSQL as ``= ANY(array)``, one parameter: the driver
    parses a statement with a thousand placeholders far more slowly than the database runs
    it."""
    values = list(values)
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy import any_, literal
        from sqlalchemy.dialects.postgresql import ARRAY

        return column == any_(literal(values, ARRAY(column.type)))
    return column.in_(values)


def bulk_insert(table, rows: list[dict], returning: tuple[str, ...] = ()) -> list[tuple]:
    """Insert many rows of a Core table in one statement; returns the ``returning`` columns
    of every row (in no particular order).

    SQLite: a multi-row INSERT (SQLAlchemy's insertmanyvalues).  PostgreSQL: ``INSERT …
    SELECT FROM unnest(array, array, …)`` with one array parameter per column, so the cost
    does not grow with placeholders (a 1,000-row batch of cases would otherwise be a
    statement of 25,000 parameters for the driver to parse).  Python-side column defaults
    are applied as a Core insert would."""
    from sqlalchemy import insert, text

    if not rows:
        return []
    if db.session.get_bind().dialect.name != "postgresql":
        stmt = insert(table)
        if returning:
            stmt = stmt.returning(*(table.c[name] for name in returning))
            return list(db.session.execute(stmt, rows).tuples().all())
        db.session.execute(stmt, rows)
        return []
    sql, params = _unnest_insert(table, rows)
    if returning:
        quote = db.session.get_bind().dialect.identifier_preparer.quote
        sql += f" RETURNING {', '.join(quote(table.c[n].name) for n in returning)}"
        return list(db.session.execute(text(sql), params).tuples().all())
    db.session.execute(text(sql), params)
    return []


def bulk_upsert(table, rows: list[dict], keys: tuple[str, ...], *, add: tuple[str, ...] = (),
                replace: tuple[str, ...] = ()) -> None:
    """Insert many rows; where a row with the same ``keys`` exists, add the new values of
    the ``add`` columns to it and overwrite the ``replace`` columns (one statement; on
    PostgreSQL with array parameters as ``bulk_insert``).  ``rows`` must not repeat a key."""
    from sqlalchemy import text

    if not rows:
        return
    bind = db.session.get_bind()
    if bind.dialect.name != "postgresql":
        from sqlalchemy.dialects.sqlite import insert

        stmt = insert(table)
        sets = {n: table.c[n] + stmt.excluded[n] for n in add}
        sets |= {n: stmt.excluded[n] for n in replace}
        db.session.execute(stmt.on_conflict_do_update(index_elements=list(keys), set_=sets),
                           rows)
        return
    sql, params = _unnest_insert(table, rows)
    quote = bind.dialect.identifier_preparer.quote
    name = quote(table.name)
    sets = [f"{quote(table.c[n].name)} = {name}.{quote(table.c[n].name)} + "
            f"EXCLUDED.{quote(table.c[n].name)}" for n in add]
    sets += [f"{quote(table.c[n].name)} = EXCLUDED.{quote(table.c[n].name)}" for n in replace]
    sql += (f" ON CONFLICT ({', '.join(quote(table.c[k].name) for k in keys)})"  # nosec B608
            f" DO UPDATE SET {', '.join(sets)}")
    db.session.execute(text(sql), params)


def _unnest_insert(table, rows: list[dict]) -> tuple[str, dict]:
    """PostgreSQL: ``INSERT INTO table (…) SELECT * FROM unnest(:p0, :p1, …)``, one array
    parameter per column (Python-side column defaults applied as a Core insert would)."""
    dialect = db.session.get_bind().dialect
    names = list(rows[0])
    defaults = {}
    for column in table.c:
        if column.name not in names and column.default is not None and not column.primary_key:
            arg = column.default.arg
            defaults[column.name] = arg(None) if column.default.is_callable else arg
    names += list(defaults)
    params, casts = {}, []
    for index, name in enumerate(names):
        column = table.c[name]
        process = column.type.bind_processor(dialect)
        if name in defaults:
            values = [defaults[name]] * len(rows)
        else:
            values = [row[name] for row in rows]
        if process is not None:
            values = [process(v) for v in values]
        params[f"p{index}"] = values
        casts.append(f"CAST(:p{index} AS {column.type.compile(dialect)}[])")
    # Only identifiers of the table itself (each looked up in table.c above) and bound
    # parameters go into the text.
    quote = dialect.identifier_preparer.quote
    sql = (f"INSERT INTO {quote(table.name)} ({', '.join(quote(n) for n in names)}) "  # noqa: S608 # nosec B608
           f"SELECT * FROM unnest({', '.join(casts)})")
    return sql, params


def listen_on_sessions(**handlers) -> None:
    """Listen to every ORM session's events (``after_flush=…``, ``before_commit=…``), once
    per process however often the listening module is imported.  The keep-in-step hooks
    (indicator tallies, the similar-cases index) use it."""
    from sqlalchemy.orm import Session

    for name, handler in handlers.items():
        if not event.contains(Session, name, handler):
            event.listen(Session, name, handler)
