"""Backups (备份) and restores of the whole hub: the database and the stored files.

A backup is one ``.tar.gz`` (mode 0600: it holds personal data) with

- ``manifest.json``: format, time, backend, schema revision, the row count of every table
  *in the dumped snapshot*, the audit chain's head, and a fingerprint of the audit key
  (the chain can only be verified with the secret key it was written with);
- the database: ``database.sqlite3`` (SQLite's online backup API: a consistent copy while
  the hub runs) or ``database.pgdump`` (``pg_dump --format=custom`` of an exported
  snapshot, the snapshot the counts were taken in);
- ``files/``: everything under ``HUB_UPLOAD_DIR`` (attachments, kept reports, import and
  export files) and ``files.sha256``, one ``<sha256>  <path>`` line per file.

Files are copied after the database: stored files are only ever added (attachments are
named by their content and written before their row commits), so every file a dumped row
names is in the archive.

A restore goes into an *empty* database (no tables) and an upload folder without
conflicting files, then checks what it restored: every table's count against the
manifest, every file's SHA-256, and the audit chain (``verify_chain``).  Anything that
does not match is reported and the restore is a failure.
"""

from __future__ import annotations

import glob
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from flask import current_app
from sqlalchemy import inspect, text

from hub.audit.services import chain_key_fingerprint, verify_chain
from hub.extensions import db

FORMAT = 1
MANIFEST = "manifest.json"
FILE_LIST = "files.sha256"
FILES = "files"
CHUNK = 1024 * 1024


class BackupError(RuntimeError):
    """A backup or restore that cannot go on; the message says why."""


@dataclass
class RestoreReport:
    manifest: dict
    files: int = 0
    problems: list[str] = field(default_factory=list)
    audit_line: str = ""

    @property
    def ok(self) -> bool:
        return not self.problems


# --- helpers ------------------------------------------------------------------------------

def _backend() -> str:
    return db.engine.dialect.name


def _sqlite_path() -> Path:
    path = db.engine.url.database
    if not path or path == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up or restored")
    return Path(path)


def postgres_tool(name: str) -> str:
    """``pg_dump`` / ``pg_restore``: the newest server version's, else the one on PATH."""
    for folder in sorted(glob.glob("/usr/lib/postgresql/*/bin"),
                         key=lambda p: int(Path(p).parent.name)
                         if Path(p).parent.name.isdigit() else 0, reverse=True):
        candidate = Path(folder) / name
        if candidate.exists():
            return str(candidate)
    found = shutil.which(name)
    if found:
        return found
    raise BackupError(f"{name} not found (Debian: apt-get install postgresql-client)")


def _libpq() -> tuple[str, dict]:
    """The database as a libpq URL without the password, and the environment with it."""
    url = db.engine.url
    env = {**os.environ}
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return url.set(drivername="postgresql", password=None).render_as_string(
        hide_password=False), env


def _table_names() -> list[str]:
    return sorted({t.name for t in db.metadata.sorted_tables} | {"alembic_version"})


def _counts(connection) -> dict[str, int]:
    present = set(inspect(connection).get_table_names())
    return {name: connection.execute(text(f'SELECT count(*) FROM "{name}"')).scalar_one()  # noqa: S608 # nosec B608 - our table names
            for name in _table_names() if name in present}


def _audit_head(connection) -> dict:
    row = connection.execute(text(
        "SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1")).first()
    return {"seq": row[0], "hash": row[1]} if row else {"seq": 0, "hash": None}


def _revision(connection) -> str | None:
    if "alembic_version" not in inspect(connection).get_table_names():
        return None
    return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def _upload_dir() -> Path:
    return Path(current_app.config["HUB_UPLOAD_DIR"])


def _stored_files(root: Path) -> Iterator[Path]:
    """Every stored file, in a stable order (not the half-written temporaries)."""
    if not root.exists():
        return
    for folder, dirs, names in os.walk(root):
        dirs.sort()
        for name in sorted(names):
            if not name.startswith("."):
                yield Path(folder) / name


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as source:
        while chunk := source.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _add_bytes(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(datetime.now(UTC).timestamp())
    info.mode = 0o600
    archive.addfile(info, io.BytesIO(data))


# --- backup -------------------------------------------------------------------------------

def _dump_database(work: Path) -> tuple[str, dict]:
    """Dump the database into ``work``; the file's name and what the manifest says of it."""
    if _backend() == "sqlite":
        target = work / "database.sqlite3"
        source = sqlite3.connect(_sqlite_path())
        copy = sqlite3.connect(target)
        try:
            source.backup(copy)
        finally:
            source.close()
            copy.close()
        # The counts of the copy itself: exactly what the archive holds.
        from sqlalchemy import create_engine

        engine = create_engine(f"sqlite:///{target}")
        try:
            with engine.connect() as connection:
                facts = {"tables": _counts(connection), "audit_head": _audit_head(connection),
                         "revision": _revision(connection)}
        finally:
            engine.dispose()
        return target.name, facts
    if _backend() != "postgresql":
        raise BackupError(f"unsupported database {_backend()}")
    target = work / "database.pgdump"
    url, env = _libpq()
    with db.engine.connect() as connection:
        connection = connection.execution_options(isolation_level="REPEATABLE READ")
        with connection.begin():
            # The counts and the dump read one snapshot.
            snapshot = connection.execute(text("SELECT pg_export_snapshot()")).scalar_one()
            facts = {"tables": _counts(connection), "audit_head": _audit_head(connection),
                     "revision": _revision(connection)}
            done = subprocess.run(  # noqa: S603 # nosec B603 - fixed program, arguments from our settings
                [postgres_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges",
                 f"--snapshot={snapshot}", f"--file={target}", f"--dbname={url}"],
                env=env, capture_output=True, text=True, check=False)
    if done.returncode:
        raise BackupError(f"pg_dump failed: {done.stderr.strip()}")
    return target.name, facts


def create_backup(destination: Path) -> Path:
    """Write a backup archive into the folder ``destination``; returns its path."""
    destination.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    final = destination / f"hub-backup-{stamp}.tar.gz"
    with tempfile.TemporaryDirectory(prefix="hub-backup-", dir=destination) as tmp:
        work = Path(tmp)
        database_file, facts = _dump_database(work)
        partial = work / "archive.part"
        root = _upload_dir()
        listing = []
        with tarfile.open(partial, "w:gz") as archive:
            archive.add(work / database_file, arcname=database_file)
            for path in _stored_files(root):
                relative = path.relative_to(root).as_posix()
                listing.append(f"{_sha256(path)}  {relative}")
                archive.add(path, arcname=f"{FILES}/{relative}", recursive=False)
            _add_bytes(archive, FILE_LIST, ("\n".join(listing) + "\n").encode())
            manifest = {
                "format": FORMAT, "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "backend": _backend(), "database_file": database_file,
                "revision": facts["revision"], "tables": facts["tables"],
                "audit_head": facts["audit_head"], "audit_key": chain_key_fingerprint(),
                "files": len(listing)}
            _add_bytes(archive, MANIFEST, json.dumps(manifest, ensure_ascii=False,
                                                     indent=2).encode())
        os.chmod(partial, 0o600)
        os.replace(partial, final)
    return final


# --- restore ------------------------------------------------------------------------------

def read_manifest(archive_path: Path) -> dict:
    try:
        with tarfile.open(archive_path, "r:gz") as archive:
            member = archive.extractfile(MANIFEST)
            manifest = json.loads(member.read()) if member else None
    except (OSError, KeyError, tarfile.TarError, json.JSONDecodeError) as exc:
        raise BackupError(f"not a hub backup: {archive_path} ({exc})") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"unknown backup format in {archive_path}")
    return manifest


def _require_empty_database() -> None:
    with db.engine.connect() as connection:
        tables = inspect(connection).get_table_names()
    if tables:
        raise BackupError(f"the target database is not empty ({len(tables)} tables); "
                          "restore into a new, empty database")


def _restore_database(work: Path, manifest: dict) -> None:
    source = work / manifest["database_file"]
    if manifest["backend"] == "sqlite":
        db.engine.dispose()
        target = _sqlite_path()
        target.parent.mkdir(parents=True, exist_ok=True)
        src, dst = sqlite3.connect(source), sqlite3.connect(target)
        try:
            src.backup(dst)
        finally:
            src.close()
            dst.close()
        return
    url, env = _libpq()
    done = subprocess.run(  # noqa: S603 # nosec B603 - fixed program, arguments from our settings
        [postgres_tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error",
         "--single-transaction", f"--dbname={url}", str(source)],
        env=env, capture_output=True, text=True, check=False)
    db.engine.dispose()
    if done.returncode:
        raise BackupError(f"pg_restore failed: {done.stderr.strip()}")


def _restore_files(work: Path, report: RestoreReport) -> None:
    root = _upload_dir()
    lines = (work / FILE_LIST).read_text().splitlines()
    for line in filter(None, lines):
        digest, _sep, relative = line.partition("  ")
        source = work / FILES / relative
        if not source.is_file() or _sha256(source) != digest:
            report.problems.append(f"file {relative}: missing or damaged in the backup")
            continue
        target = root / relative
        if target.exists():
            if _sha256(target) != digest:
                report.problems.append(f"file {relative}: a different file is already there")
            continue
        target.parent.mkdir(mode=0o750, parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        report.files += 1


def restore_backup(archive_path: Path) -> RestoreReport:
    """Restore ``archive_path`` into this app's (empty) database and upload folder, then
    check it.  Raises BackupError when it cannot start; problems found afterwards are in
    the report."""
    manifest = read_manifest(archive_path)
    if manifest["backend"] != _backend():
        raise BackupError(f"the backup is of a {manifest['backend']} database; this hub "
                          f"uses {_backend()}")
    _require_empty_database()
    report = RestoreReport(manifest)
    root = _upload_dir()
    with tempfile.TemporaryDirectory(prefix="hub-restore-",
                                     dir=root.parent if root.parent.exists() else None) as tmp:
        work = Path(tmp)
        with tarfile.open(archive_path, "r:gz") as archive:
            archive.extractall(work, filter="data")
        _restore_database(work, manifest)
        _restore_files(work, report)
    with db.engine.connect() as connection:
        counts = _counts(connection)
        head = _audit_head(connection)
    for name, expected in sorted(manifest["tables"].items()):
        if counts.get(name) != expected:
            report.problems.append(f"table {name}: {counts.get(name)} rows, the backup "
                                   f"has {expected}")
    if head != manifest["audit_head"]:
        report.problems.append("the audit chain's head differs from the backup's")
    if manifest["audit_key"] != chain_key_fingerprint():
        report.problems.append("this hub's secret key is not the one the audit chain was "
                               "written with: restore HUB_SECRET_KEY (or instance/secret_key) "
                               "from the backed-up instance")
    result = verify_chain()
    db.session.remove()
    report.audit_line = result.line()
    if not result.ok:
        report.problems.append(f"audit chain: {result.line()}")
    return report
