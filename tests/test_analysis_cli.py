"""``python study/analyze.py`` as a user runs it: results, and one-line errors with exit code 2."""

from __future__ import annotations

import importlib.util
from pathlib import Path
import subprocess
import sys

import optuna
import optuna_dashboard
import pytest
from _analysis_studies import add_trials, lambda_effect

from graphreg.analysis import MIN_TRIALS

REPO = Path(__file__).resolve().parents[1]
# The entry point is a script, not a module of the package: load it from its file.
_spec = importlib.util.spec_from_file_location("analyze_cli", REPO / "study" / "analyze.py")
analyze_cli = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(analyze_cli)


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


def _snapshot(url: str) -> list:
    """Every study's attrs (the dashboard note is a system attr) and trials, as stored."""
    storage = optuna.storages.RDBStorage(url)
    snapshot = []
    for name in sorted(optuna.get_all_study_names(storage)):
        sid = storage.get_study_id_from_name(name)
        trials = [(t.number, t.state, t.value, t.params, t.user_attrs, t.system_attrs)
                  for t in storage.get_all_trials(sid)]
        snapshot.append((name, storage.get_study_user_attrs(sid), storage.get_study_system_attrs(sid), trials))
    return snapshot


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
    before = _snapshot(storage)
    result = _run("--storage", storage, "--study-name", study_name, "--out", str(tmp_path / "out"))
    _assert_one_line_error(result, *fragments)
    assert not (tmp_path / "out").exists()
    assert _snapshot(storage) == before  # nothing stored was touched


def _main(capsys, *args: str) -> tuple[int, str, str]:
    """The CLI's ``main`` in this process (the options' checks; the subprocess tests above cover
    how it runs as a script)."""
    try:
        code = analyze_cli.main(list(args))
    except SystemExit as exit_:
        code = exit_.code
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _assert_one_line_error_in_process(result: tuple[int, str, str], *fragments: str) -> None:
    code, out, err = result
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1, err
    for fragment in fragments:
        assert fragment in err


def test_missing_storage_file_is_not_created(tmp_path, capsys):
    db = tmp_path / "typo.db"
    result = _main(capsys, "--storage", f"sqlite:///{db}", "--study-name", "x", "--out", str(tmp_path / "out"))
    _assert_one_line_error_in_process(result, "storage file not found", str(db))
    assert not db.exists()
    journal = tmp_path / "typo.journal"
    result = _main(capsys, "--storage", str(journal), "--study-name", "x", "--out", str(tmp_path / "out"))
    _assert_one_line_error_in_process(result, "storage file not found", str(journal))
    assert not journal.exists()


def test_bad_storage_url_hides_password(tmp_path, capsys):
    result = _main(capsys, "--storage", "nosuchdb://user:hunter2@localhost/x", "--study-name", "x",
                   "--out", str(tmp_path / "out"))
    _assert_one_line_error_in_process(result, "nosuchdb://user:***@localhost/x")
    assert "hunter2" not in result[2]


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--seeds", "1"], "seeds must be at least 2"),
        (["--bootstrap", "-1"], "must be >= 0"),
        (["--workers-per-trial", "0"], "workers_per_trial must be >= 1"),
        (["--seeds", "two"], "invalid int value"),
    ],
)
def test_bad_options_are_one_line_exit_2(storage, tmp_path, capsys, args, fragment):
    result = _main(capsys, "--storage", storage, "--study-name", "full", "--out", str(tmp_path / "out"), *args)
    _assert_one_line_error_in_process(result, fragment)
    assert not (tmp_path / "out").exists()


def test_missing_required_option(capsys):
    # --storage defaults to the runner's storage; --out has no default.
    _assert_one_line_error_in_process(_main(capsys, "--study-name", "x"), "required", "--out")
