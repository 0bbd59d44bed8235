"""``python study/analyze.py`` as a user runs it: results, and one-line errors with exit code 2."""

from __future__ import annotations

from pathlib import Path
import subprocess
import sys

import optuna
import optuna_dashboard
import pytest
from _analysis_studies import add_trials, lambda_effect

from graphreg.analysis import MIN_TRIALS

REPO = Path(__file__).resolve().parents[1]


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(REPO / "study" / "analyze.py"), *args],
                          capture_output=True, text=True, timeout=300, cwd=REPO)


@pytest.fixture
def storage(tmp_path):
    url = f"sqlite:///{tmp_path / 'studies.db'}"
    add_trials(optuna.create_study(study_name="full", storage=url, direction="maximize"), 16, lambda_effect)
    add_trials(optuna.create_study(study_name="few", storage=url, direction="maximize"), MIN_TRIALS - 1,
               lambda_effect)
    optuna.create_study(study_name="empty", storage=url, direction="maximize")
    return url


def _assert_one_line_error(result: subprocess.CompletedProcess, *fragments: str) -> None:
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    for fragment in fragments:
        assert fragment in lines[0]
    assert result.stdout == ""


def test_analyze_writes_report_and_prints_answer(storage, tmp_path):
    out = tmp_path / "report"
    result = _run("--storage", storage, "--study-name", "full", "--out", str(out), "--bootstrap", "3")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    report = (out / "report.md").read_text(encoding="utf-8")
    assert lines[-1].startswith("the trials suggest graph regularization helps")
    assert f"**Answer:** {lines[-1]}" in report
    assert {p.name for p in out.iterdir()} >= {"report.md", "importance.csv", "importance.png",
                                              "lambda_graph_slice.png", "contributions.png"}
    note = optuna_dashboard.get_note(optuna.load_study(study_name="full", storage=storage))
    assert lines[-1] in note


@pytest.mark.parametrize(
    ("study_name", "fragments"),
    [
        ("nope", ("unknown study 'nope'", "empty, few, full")),
        ("empty", ("study 'empty' has no finished trials",)),
        ("few", (f"study 'few' has {MIN_TRIALS - 1} finished trials", f"at least {MIN_TRIALS}")),
    ],
)
def test_bad_study_is_one_line_exit_2(storage, tmp_path, study_name, fragments):
    db = Path(storage.removeprefix("sqlite:///"))
    before = db.read_bytes()
    result = _run("--storage", storage, "--study-name", study_name, "--out", str(tmp_path / "out"))
    _assert_one_line_error(result, *fragments)
    assert not (tmp_path / "out").exists()
    assert sorted(optuna.get_all_study_names(storage)) == ["empty", "few", "full"]
    assert db.read_bytes() == before  # nothing stored was touched


def test_missing_storage_file_is_not_created(tmp_path):
    db = tmp_path / "typo.db"
    result = _run("--storage", f"sqlite:///{db}", "--study-name", "x", "--out", str(tmp_path / "out"))
    _assert_one_line_error(result, "storage file not found", str(db))
    assert not db.exists()


def test_bad_storage_url_hides_password(tmp_path):
    result = _run("--storage", "nosuchdb://user:hunter2@localhost/x", "--study-name", "x",
                  "--out", str(tmp_path / "out"))
    _assert_one_line_error(result, "cannot open storage")
    assert "hunter2" not in result.stderr


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--seeds", "1"], "seeds must be at least 2"),
        (["--bootstrap", "-1"], "must be >= 0"),
        (["--seeds", "two"], "invalid int value"),
    ],
)
def test_bad_options_are_one_line_exit_2(storage, tmp_path, args, fragment):
    result = _run("--storage", storage, "--study-name", "full", "--out", str(tmp_path / "out"), *args)
    _assert_one_line_error(result, fragment)


def test_missing_required_option(tmp_path):
    _assert_one_line_error(_run("--study-name", "x"), "required", "--storage")
