"""Real servers for the test suite: a throwaway PostgreSQL and Redis on this machine."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path


class ServerMissing(RuntimeError):
    pass


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def postgres_bin_dir() -> Path:
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    for path in candidates:
        if os.path.exists(os.path.join(path, "initdb")):
            return Path(path)
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    raise ServerMissing(
        "PostgreSQL server binaries not found (Debian: apt-get install postgresql); "
        ".ci/run installs them"
    )


class PostgresServer:
    """initdb + pg_ctl in a temporary folder.  As root, runs as the ``postgres`` user
    (PostgreSQL refuses to run as root)."""

    def __init__(self, base: Path):
        self.bin = postgres_bin_dir()
        self.dir = base / "pgdata"
        self.port = _free_port()
        self.as_root = os.geteuid() == 0

    def _run(self, *args: str) -> None:
        cmd = [str(self.bin / args[0]), *args[1:]]
        if self.as_root:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def start(self) -> PostgresServer:
        self.dir.mkdir(parents=True)
        if self.as_root:
            shutil.chown(self.dir, "postgres", "postgres")
            os.chmod(self.dir.parent, 0o755)
        self._run("initdb", "-D", str(self.dir), "-U", "postgres", "--auth=trust",
                  "-E", "UTF8", "--locale=C.UTF-8")
        opts = (f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off "
                "-c synchronous_commit=off -c full_page_writes=off")
        self._run("pg_ctl", "-D", str(self.dir), "-o", opts, "-l", str(self.dir / "log"),
                  "start", "-w")
        return self

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.dir), "stop", "-m", "immediate", "-w")
        except subprocess.CalledProcessError:
            pass

    def url(self, dbname: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{dbname}"

    def admin_sql(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(self.url("postgres").replace("+psycopg", ""), autocommit=True) as c:
            c.execute(sql)


def wait_for(predicate, timeout: float = 10, interval: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return False
