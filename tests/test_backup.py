"""Backup and restore drill: `hub backup` of a hub with data and a stored file, `hub restore`
into an empty database and an empty upload folder, the same data and a verifying audit
chain; and the refusals (a database that is not empty, a damaged archive, another secret
key)."""

from __future__ import annotations

import hashlib
import io
import tarfile
from itertools import count
from pathlib import Path

import pytest
from sqlalchemy import select, text
from werkzeug.datastructures import FileStorage

from hub.extensions import db
from tests.conftest import build_app, user_named

PDF = (b"%PDF-1.4\n1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\n"
       b"trailer <</Root 1 0 R>>\n%%EOF\n")
_names = count(1)


def _empty_database(backend, postgres, tmp_path: Path) -> str:
    if backend == "postgresql":
        name = f"hub_restore_{next(_names)}"
        postgres.admin_sql(f"CREATE DATABASE {name}")
        return postgres.url(name)
    return f"sqlite:///{tmp_path / f'restored-{next(_names)}.db'}"


def _fingerprint(app) -> dict:
    """Every table's row count and a digest of the case, audit and attachment rows."""
    from hub.core.backup import _counts

    with app.app_context():
        with db.engine.connect() as connection:
            counts = _counts(connection)
            digests = {}
            for table, columns in (("cases", "id, number, title, status, restricted"),
                                   ("audit_events", "seq, hash"),
                                   ("attachments", "id, sha256, filename")):
                rows = connection.execute(text(
                    f"SELECT {columns} FROM {table} ORDER BY 1")).all()  # noqa: S608
                digests[table] = hashlib.sha256(repr(rows).encode()).hexdigest()
        db.engine.dispose()
    return {"counts": counts, "digests": digests}


@pytest.fixture
def source(make_app, tmp_path):
    """A hub with the demo accounts, two cases (one forwarded) and a stored PDF, committed."""
    app = make_app(HUB_UPLOAD_DIR=str(tmp_path / "uploads-source"))
    with app.app_context():
        from hub.attachments.services import store
        from tests.cases.factories import forwarded, registered

        registered(title="芒市某小区停车位产权纠纷")
        case = forwarded()
        store(user_named("secretariat"), "cases", case.id,
              FileStorage(io.BytesIO(PDF), filename="补偿协议.pdf"))
        db.session.commit()
        db.session.remove()
    return app


@pytest.fixture
def empty_hub(backend, postgres, workdir, redis_url, tmp_path):
    """Hubs on new, empty databases with their own upload folders (disposed afterwards)."""
    made = []

    def factory(**overrides):
        n = next(_names)
        app = build_app(workdir, _empty_database(backend, postgres, tmp_path), redis_url,
                        HUB_UPLOAD_DIR=str(tmp_path / f"uploads-{n}"), **overrides)
        made.append(app)
        return app

    yield factory
    for app in made:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def _backup(app, tmp_path) -> Path:
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["hub", "backup", "--to",
                                                    str(tmp_path / "backups")])
    assert result.exit_code == 0, result.output
    archive = Path(result.output.split("backup: ", 1)[1].split(" (", 1)[0])
    assert archive.exists() and oct(archive.stat().st_mode & 0o777) == "0o600"
    return archive


def _restore(target, archive):
    with target.app_context():
        return target.test_cli_runner().invoke(args=["hub", "restore", str(archive)])


def test_restore_into_an_empty_database_finds_the_same_data(source, empty_hub, tmp_path):
    archive = _backup(source, tmp_path)
    before = _fingerprint(source)
    assert before["counts"]["cases"] > 0 and before["counts"]["attachments"] >= 1

    target = empty_hub()
    result = _restore(target, archive)
    assert result.exit_code == 0, result.output
    assert "audit chain: OK" in result.output
    assert _fingerprint(target) == before

    # The stored file came back and is served as it was uploaded.
    stored = list(Path(target.config["HUB_UPLOAD_DIR"]).rglob("*"))
    assert hashlib.sha256(PDF).hexdigest() in {p.name for p in stored if p.is_file()}
    with target.app_context():
        from hub.attachments.models import Attachment
        from hub.attachments.services import open_for_download
        from hub.audit.services import verify_chain

        attachment = db.session.scalar(select(Attachment).order_by(Attachment.id.desc()))
        with open_for_download(attachment) as fh:
            assert fh.read() == PDF
        assert verify_chain().ok
        db.session.remove()
        db.engine.dispose()

    # A second restore into the now filled database is refused, nothing touched.
    again = _restore(target, archive)
    assert again.exit_code == 1 and "not empty" in again.output
    assert _fingerprint(target) == before


def test_a_damaged_file_in_the_archive_is_reported(source, empty_hub, tmp_path):
    archive = _backup(source, tmp_path)
    damaged = tmp_path / "damaged.tar.gz"
    with tarfile.open(archive, "r:gz") as src, tarfile.open(damaged, "w:gz") as dst:
        for member in src.getmembers():
            data = src.extractfile(member).read() if member.isfile() else None
            if member.name.startswith("files/") and data == PDF:
                data = PDF.replace(b"Catalog", b"Katalog")
                member.size = len(data)
            dst.addfile(member, io.BytesIO(data) if data is not None else None)
    result = _restore(empty_hub(), damaged)
    assert result.exit_code == 1
    assert "missing or damaged in the backup" in result.output


def test_another_secret_key_is_named_as_the_reason_the_chain_fails(source, empty_hub,
                                                                  tmp_path):
    archive = _backup(source, tmp_path)
    target = empty_hub(SECRET_KEY="another-secret-key-of-a-different-hub-0123456789")
    result = _restore(target, archive)
    assert result.exit_code == 1
    assert "secret key is not the one the audit chain was written with" in result.output
    assert "BROKEN at event #1" in result.output


def test_a_file_that_is_not_a_backup_is_refused(make_app, tmp_path):
    app = make_app()
    bogus = tmp_path / "bogus.tar.gz"
    bogus.write_bytes(b"not an archive")
    result = _restore(app, bogus)
    assert result.exit_code == 1 and "not a hub backup" in result.output
