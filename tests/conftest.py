"""Test fixtures: real SQLite or PostgreSQL (``--db``), a real Redis, migrations-built schema,
and a rolled-back transaction around every test."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest
from flask import current_app, g, has_app_context, request_started
from flask_migrate import upgrade
from sqlalchemy import select
from sqlalchemy.orm import scoped_session, sessionmaker

from hub import create_app
from hub.core.services import start_redis, stop_tree
from hub.extensions import db
from tests.servers import PostgresServer

DEMO_PASSWORD = "Demo-Pass-2026"
SECRET = "test-secret-key-that-is-long-enough-0123456789"


def pytest_addoption(parser):
    parser.addoption("--db", choices=["sqlite", "postgresql"], default="sqlite",
                     help="database backend for this run")


def pytest_report_header(config):
    return f"hub database backend: {config.getoption('--db')}"


@pytest.fixture(scope="session")
def backend(pytestconfig) -> str:
    return pytestconfig.getoption("--db")


@pytest.fixture(scope="session")
def workdir():
    # World-traversable so the postgres user can reach its data folder when we are root.
    path = Path(tempfile.mkdtemp(prefix="hub-test-"))
    os.chmod(path, 0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def redis_url(workdir):
    proc = start_redis(workdir / "redis.sock", workdir / "redis.log")
    yield f"unix://{workdir / 'redis.sock'}"
    stop_tree(proc)


@pytest.fixture(scope="session")
def postgres(backend, workdir):
    if backend != "postgresql":
        yield None
        return
    server = PostgresServer(workdir).start()
    yield server
    server.stop()


def app_environ(workdir: Path, database_url: str, redis_url: str | None) -> dict:
    env = {
        "HUB_INSTANCE_PATH": str(workdir / "instance"),
        "HUB_DATABASE_URL": database_url,
        "HUB_SECRET_KEY": SECRET,
        "HUB_DEMO_PASSWORD": DEMO_PASSWORD,
        "PATH": os.environ.get("PATH", ""),
    }
    if redis_url:
        env["HUB_REDIS_URL"] = redis_url
    return env


TEST_OVERRIDES = {
    "TESTING": True,
    "WTF_CSRF_ENABLED": False,
    # Fast hashing in tests only; production uses the config defaults.
    "HUB_ARGON2": {"time_cost": 1, "memory_cost": 1024, "parallelism": 1},
}


def build_app(workdir, database_url, redis_url, **overrides):
    return create_app({**TEST_OVERRIDES, **overrides},
                      environ=app_environ(workdir, database_url, redis_url))


class Databases:
    """A migrated template with the demo data, and fresh copies of it on demand."""

    def __init__(self, backend, workdir, postgres, redis_url):
        self.backend, self.workdir, self.postgres, self.redis_url = backend, workdir, postgres, redis_url
        self.count = 0
        if backend == "postgresql":
            postgres.admin_sql("CREATE DATABASE hub_template")
            self.template = postgres.url("hub_template")
        else:
            self.template_file = workdir / "template.db"
            self.template = f"sqlite:///{self.template_file}"
        app = build_app(workdir, self.template, redis_url)
        with app.app_context():
            upgrade()
            from hub.demo import load_demo

            load_demo()
            db.session.commit()
            db.session.remove()
            db.engine.dispose()

    def fresh(self) -> str:
        """A new database: a copy of the template."""
        self.count += 1
        name = f"hub_copy_{self.count}"
        if self.backend == "postgresql":
            self.postgres.admin_sql(f"CREATE DATABASE {name} TEMPLATE hub_template")
            return self.postgres.url(name)
        path = self.workdir / f"{name}.db"
        shutil.copy(self.template_file, path)
        return f"sqlite:///{path}"


@pytest.fixture(scope="session")
def databases(backend, workdir, postgres, redis_url):
    return Databases(backend, workdir, postgres, redis_url)


def _fresh_g(sender, **_extra):
    # Tests keep one app context pushed (to roll back), and Flask reuses it for each test
    # request; in production every request gets a new one.  Start each request with an
    # empty ``g`` as production does (Flask-Login caches the user there).
    g.__dict__.clear()


@pytest.fixture(scope="session")
def app(databases, workdir, redis_url):
    app = build_app(workdir, databases.fresh(), redis_url)
    request_started.connect(_fresh_g, app)
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def make_app(databases, workdir, redis_url):
    """Build another app on a fresh database copy (for committed data, servers, CLI)."""
    made = []

    def factory(redis=True, **overrides):
        new = build_app(workdir, databases.fresh(), redis_url if redis else None, **overrides)
        request_started.connect(_fresh_g, new)
        made.append(new)
        return new

    yield factory
    for a in made:
        with a.app_context():
            db.engine.dispose()


@pytest.fixture(autouse=True)
def _transaction(request, app):
    """Each test runs inside a transaction that is rolled back (commits become savepoints)."""
    if "no_transaction" in request.keywords:
        yield
        return
    with app.app_context():
        connection = db.engine.connect()
        outer = connection.begin()
        original = db.session
        # A plain session bound to this connection (Flask-SQLAlchemy's own Session would
        # pick the engine again and escape the transaction).  Only the session app uses
        # it: apps from ``make_app`` keep their own database and session.
        isolated = scoped_session(
            sessionmaker(bind=connection, join_transaction_mode="create_savepoint")
        )
        db.session = _SessionRouter(app, isolated, original)
        try:
            yield
        finally:
            isolated.remove()
            db.session = original
            outer.rollback()
            connection.close()


class _SessionRouter:
    """``db.session`` during a test: the rolled-back session for the session app, the
    normal one for any other app (servers and CLI runs on fresh database copies)."""

    def __init__(self, app, isolated, original):
        self._app, self._isolated, self._original = app, isolated, original

    def _target(self):
        if has_app_context() and current_app._get_current_object() is self._app:
            return self._isolated
        return self._original

    def __getattr__(self, name):
        return getattr(self._target(), name)

    def __call__(self, *args, **kwargs):
        return self._target()(*args, **kwargs)


@pytest.fixture
def ctx(app):
    with app.test_request_context():
        yield


@pytest.fixture
def client(app):
    return app.test_client()


def user_named(username):
    from hub.auth.models import User

    return db.session.scalar(select(User).where(User.username == username))


def agency_coded(code):
    from hub.agencies.models import Agency

    return db.session.scalar(select(Agency).where(Agency.code == code))


def login(client, username, password=DEMO_PASSWORD):
    resp = client.post("/login", data={"username": username, "password": password})
    assert resp.status_code == 302, resp.get_data(as_text=True)[:500]
    return resp


@pytest.fixture
def login_as(client):
    def do(username, password=DEMO_PASSWORD):
        login(client, username, password)
        return client

    return do


def pytest_configure(config):
    config.addinivalue_line("markers", "no_transaction: the test manages its own database")
