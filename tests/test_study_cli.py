"""`python study/run.py` on bad input: exit code 2, one line on stderr, no traceback, nothing
written to the storage, no password anywhere."""

from __future__ import annotations

import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
SMOKE = ROOT / "search_spaces" / "smoke.yaml"


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(ROOT / "study" / "run.py"), *args], cwd=cwd, capture_output=True, text=True, timeout=120
    )


def _space(tmp_path: Path, change=None, text: str | None = None) -> Path:
    path = tmp_path / "space.yaml"
    if text is None:
        values = yaml.safe_load(SMOKE.read_text())
        change(values)
        text = yaml.safe_dump(values, sort_keys=False)
    path.write_text(text)
    return path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _assert_one_line_error(result: subprocess.CompletedProcess, *fragments: str) -> None:
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


def _missing_data(values: dict) -> None:
    values["fixed"]["data"] = {
        "source": "emap",
        "pairs": {"path": "no/such/emap.tsv.gz", "format": "table", "score": "S_score"},
        "graphs": [],
    }
    values["fixed"]["model"]["graph_heads"] = []


CASES = {
    "malformed_yaml": (None, "study: [\n", ("malformed YAML",)),
    "unknown_param": (lambda v: v["params"].update({"loss.lamda": {"type": "float", "low": 0.1, "high": 1}}), None, ("lamda",)),
    "unknown_distribution": (lambda v: v["params"]["loss.alpha"].update(type="beta"), None, ("unknown distribution 'beta'",)),
    "low_above_high": (lambda v: v["params"]["loss.alpha"].update(low=0.9, high=0.1), None, ("low (0.9) > high (0.1)",)),
    "unknown_condition": (lambda v: v["params"]["loss.alpha"].update(when={"loss.nope": True}), None, ("unknown parameter 'loss.nope'",)),
    "missing_data_file": (_missing_data, None, ("data file not found", "no/such/emap.tsv.gz")),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_search_space_exits_2_and_writes_nothing(tmp_path: Path, case: str) -> None:
    change, text, fragments = CASES[case]
    db = tmp_path / "studies" / "s.db"
    result = _run("--search-space", str(_space(tmp_path, change, text)), "--storage", f"sqlite:///{db}", cwd=tmp_path)
    _assert_one_line_error(result, *fragments)
    assert not db.exists() and not (tmp_path / "studies").exists()


def test_missing_search_space_file(tmp_path: Path) -> None:
    _assert_one_line_error(_run("--search-space", "nope.yaml", cwd=tmp_path), "not found", "nope.yaml")
    assert not (tmp_path / "studies").exists()


@pytest.mark.parametrize(
    ("url", "fragment"),
    [("nodialect://user:hunter2pw@localhost/db", "bad storage URL"), ("::not a url::", "bad storage URL")],
)
def test_bad_storage_url(tmp_path: Path, url: str, fragment: str) -> None:
    result = _run("--search-space", str(SMOKE), "--storage", url, cwd=tmp_path)
    _assert_one_line_error(result, fragment)
    assert "hunter2pw" not in result.stderr + result.stdout
    assert not (tmp_path / "studies").exists()


def test_unreachable_database_hides_the_password(tmp_path: Path) -> None:
    url = f"postgresql://graphreg:hunter2pw@127.0.0.1:{_free_port()}/graphreg"
    result = _run("--search-space", str(SMOKE), "--storage", url, cwd=tmp_path)
    _assert_one_line_error(result, "cannot open storage", "graphreg:***@127.0.0.1")
    assert "hunter2pw" not in result.stderr + result.stdout


def test_unreachable_ray_address_writes_nothing(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    result = _run(
        "--search-space", str(SMOKE), "--storage", f"sqlite:///{db}", "--ray-address", f"127.0.0.1:{_free_port()}", cwd=tmp_path
    )
    _assert_one_line_error(result, "cannot reach the Ray cluster")
    assert not db.exists()


def test_bad_numbers_on_the_command_line(tmp_path: Path) -> None:
    _assert_one_line_error(_run("--n-trials", "many", cwd=tmp_path), "--n-trials")
    db = tmp_path / "s.db"
    result = _run("--search-space", str(SMOKE), "--storage", f"sqlite:///{db}", "--n-trials", "0", cwd=tmp_path)
    _assert_one_line_error(result, "n_trials must be >= 1")
    result = _run("--search-space", str(SMOKE), "--storage", f"sqlite:///{db}", "--workers-per-trial", "0", cwd=tmp_path)
    _assert_one_line_error(result, "workers per trial must be >= 1")
    assert not db.exists()


def test_existing_study_is_untouched_by_bad_input(tmp_path: Path) -> None:
    """A bad rerun against an existing storage changes nothing in it."""
    import optuna

    db = tmp_path / "s.db"
    study = optuna.create_study(study_name="smoke", storage=f"sqlite:///{db}", direction="maximize")
    study.enqueue_trial({"loss.lambda_point": 1.0})
    before = sqlite3.connect(db).execute("select count(*) from trials").fetchone()
    bad = _space(tmp_path, CASES["low_above_high"][0])
    _assert_one_line_error(_run("--search-space", str(bad), "--storage", f"sqlite:///{db}", cwd=tmp_path), "low")
    assert sqlite3.connect(db).execute("select count(*) from trials").fetchone() == before
