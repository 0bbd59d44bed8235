"""Scale-out: `study/run.py --ray-address` on a real 2-node Ray cluster (two `ray start`
nodes with one CPU each on this machine, so a trial's two DDP workers must land on different
nodes) against a private PostgreSQL server started for the test, whose password must not leak."""

from __future__ import annotations

import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import optuna
import pytest

from _study_processes import ROOT, free_port, kill_session, ray_tmp, start_run  # noqa: F401 - fixture
from graphreg.study import open_storage

SMOKE = ROOT / "search_spaces" / "smoke.yaml"
PASSWORD = "s3cret-Pg-pw"
RAY = str(Path(sys.executable).with_name("ray"))  # the CLI of the Ray this Python imports
PG_BINS = sorted(glob.glob("/usr/lib/postgresql/*/bin"))

pytestmark = pytest.mark.slow


def _as_postgres(*command: str) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else list(command)


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A private PostgreSQL server on a free loopback port (initdb + postgres as the
    ``postgres`` user when we are root), with password authentication; stopped by PID."""
    if not PG_BINS or shutil.which("runuser") is None:
        pytest.skip("PostgreSQL server binaries not installed (apt-get install -y postgresql)")
    bin_dir = Path(PG_BINS[-1])
    root = Path(tempfile.mkdtemp(prefix="rg_pg", dir="/tmp"))
    (root / "pw").write_text(PASSWORD + "\n")
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
        shutil.chown(root / "pw", "postgres")
    port = free_port()
    subprocess.run(
        _as_postgres(str(bin_dir / "initdb"), "-D", str(root / "data"), "-U", "graphreg", "--auth=scram-sha-256",
                     f"--pwfile={root / 'pw'}"),  # fmt: skip
        check=True,
        capture_output=True,
    )
    server = subprocess.Popen(
        _as_postgres(str(bin_dir / "postgres"), "-D", str(root / "data"), "-p", str(port), "-h", "127.0.0.1",
                     "-k", str(root)),  # fmt: skip
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while subprocess.run([str(bin_dir / "pg_isready"), "-h", "127.0.0.1", "-p", str(port)]).returncode != 0:
            assert server.poll() is None and time.monotonic() < deadline, "postgres did not start"
            time.sleep(0.3)
        yield f"postgresql://graphreg:{PASSWORD}@127.0.0.1:{port}/postgres"
    finally:
        kill_session(server.pid)
        server.wait()
        shutil.rmtree(root, ignore_errors=True)


def _ray_node(args: list[str], ray_tmp: str) -> subprocess.Popen:
    return subprocess.Popen(
        [RAY, "start", "--block", "--num-cpus=1", "--node-ip-address=127.0.0.1", "--disable-usage-stats", *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, **_ray_env(ray_tmp)},
        start_new_session=True,
    )


def test_two_node_cluster_with_postgres(tmp_path: Path, postgres_url: str, ray_tmp: str) -> None:
    port = free_port()
    address = f"127.0.0.1:{port}"
    head = _ray_node(["--head", f"--port={port}", "--include-dashboard=true", "--dashboard-host=127.0.0.1",
                      f"--dashboard-port={free_port()}"], ray_tmp)  # fmt: skip
    nodes = [head]
    try:
        time.sleep(5)
        nodes.append(_ray_node([f"--address={address}"], ray_tmp))
        _wait_for_nodes(address, 2, ray_tmp)
        study_dir = tmp_path / "study"
        args = ["--search-space", str(SMOKE), "--storage", postgres_url, "--ray-address", address, "--n-trials", "1",
                "--workers-per-trial", "2", "--study-dir", str(study_dir)]  # fmt: skip
        run = start_run(args, tmp_path / "run.out", ray_tmp, env={"RAY_AUTH_MODE": "token"})
        try:
            assert run.wait(timeout=400) == 0, (tmp_path / "run.out").read_text()[-3000:]
        finally:
            stragglers = kill_session(run.pid)
        assert not stragglers, f"processes outlived the run: {stragglers}"
    finally:
        for node in reversed(nodes):
            kill_session(node.pid)
            node.wait()

    study = optuna.load_study(study_name="smoke", storage=open_storage(postgres_url))
    [trial] = study.trials
    assert trial.state == optuna.trial.TrialState.COMPLETE
    assert trial.user_attrs["world_size"] == 2
    worker_nodes = trial.user_attrs["worker_nodes"].split(",")
    assert len(worker_nodes) == 2 and worker_nodes[0] != worker_nodes[1], "both DDP workers ran on one node"

    # The password is nowhere: output, logs, anything Ray or Tune wrote, the trial's attrs.
    assert PASSWORD not in json.dumps([t.user_attrs for t in study.trials], default=str)
    assert PASSWORD not in (tmp_path / "run.out").read_text()
    for path in study_dir.rglob("*"):
        if path.is_file():
            assert PASSWORD.encode() not in path.read_bytes(), f"password in {path}"


def _ray_env(ray_tmp: str) -> dict[str, str]:
    """`ray start` turns token authentication on; Ray 2.60 clients then need
    RAY_AUTH_MODE=token (the token is in ~/.ray/auth_token)."""
    return {"RAY_TMPDIR": ray_tmp, "RAY_AUTH_MODE": "token"}


def _wait_for_nodes(address: str, count: int, ray_tmp: str, timeout_s: float = 120) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        status = subprocess.run(
            [RAY, "status", f"--address={address}"],
            capture_output=True,
            text=True,
            env={**os.environ, **_ray_env(ray_tmp)},
        )
        if status.stdout.count("node_") >= count:
            return
        time.sleep(1)
    raise AssertionError(f"the Ray cluster at {address} did not reach {count} nodes")
