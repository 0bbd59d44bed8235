"""Helpers for the study tests: run `study/run.py` in its own session and find, kill and wait
for exactly the processes of that session (never anyone else's Ray)."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def ray_tmp() -> Iterator[str]:
    """A short private Ray temp dir (Ray's unix socket paths must stay short), removed after."""
    path = f"/tmp/rg_e{free_port()}"
    yield path
    shutil.rmtree(path, ignore_errors=True)


def start_run(
    args: list[str], log: Path, ray_tmp: str, cwd: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.Popen:
    """`python study/run.py ARGS` as the leader of a new session (so that every process it
    starts, Ray's included, can be found and killed by session id)."""
    env = {**os.environ, "RAY_TMPDIR": ray_tmp, **(env or {})}
    with open(log, "ab") as out:
        return subprocess.Popen(
            [sys.executable, str(ROOT / "study" / "run.py"), *args],
            cwd=cwd or ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )


def session_pids(sid: int) -> set[int]:
    """Live (non-zombie) processes whose session id is ``sid``."""
    pids = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        state, session = fields[0], int(fields[3])
        if session == sid and state != "Z":
            pids.add(int(entry.name))
    return pids


def kill_session(sid: int, timeout_s: float = 30.0) -> dict[int, str]:
    """SIGKILL the process group ``sid`` and then any straggler of the session; returns the
    processes that were still alive after the group kill had had time to act, with their
    command lines (so a failing test says what survived)."""
    try:
        os.killpg(sid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    deadline = time.monotonic() + timeout_s
    while session_pids(sid) and time.monotonic() < deadline:
        time.sleep(0.2)
    stragglers = {pid: _command_line(pid) for pid in session_pids(sid)}
    for pid in stragglers:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    return stragglers


def _command_line(pid: int) -> str:
    try:
        return (Path("/proc") / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return "(gone)"
