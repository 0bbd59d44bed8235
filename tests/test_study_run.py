"""Whole studies with the real training on a real local Ray instance (smoke search space):
true trial states and user attrs, optuna-dashboard reading while the study writes, and a
SIGKILL of the whole process group followed by a resume."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import optuna
import pytest
from optuna.trial import TrialState

from _study_processes import ROOT, free_port, kill_session, ray_tmp, session_pids, start_run  # noqa: F401 - fixture
from graphreg.study import count_finished, open_storage

SMOKE = ROOT / "search_spaces" / "smoke.yaml"
METRICS = {"val_pearson", "val_spearman", "val_mse", "val_tail_mae", "train_loss", "val_loss", "attention_edge_mass",
           "norm_weighted_point", "norm_weighted_dist", "norm_weighted_graph", "norm_unweighted_point",
           "norm_unweighted_dist", "norm_unweighted_graph"}  # fmt: skip
TEST_METRICS = {"test_pearson", "test_spearman", "test_mse", "test_tail_mae"}

pytestmark = pytest.mark.slow


def _load(db: Path, name: str = "smoke") -> optuna.Study:
    return optuna.load_study(study_name=name, storage=open_storage(f"sqlite:///{db}"))


def _wait_for(predicate, timeout_s: float, what: str, process: subprocess.Popen) -> None:
    """Poll ``predicate`` (errors mean "not yet": the storage or server may not exist yet)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if predicate():
                return
        except Exception:  # noqa: BLE001 - not there yet
            pass
        if process.poll() is not None:
            raise AssertionError(f"run exited ({process.returncode}) before {what}")
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


def _get(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.loads(response.read())


def test_smoke_study_states_attrs_and_dashboard_while_writing(tmp_path: Path, ray_tmp: str) -> None:
    db, log = tmp_path / "smoke.db", tmp_path / "run.out"
    args = ["--search-space", str(SMOKE), "--storage", f"sqlite:///{db}", "--study-dir", str(tmp_path / "study"),
            "--n-trials", "3"]  # fmt: skip
    run = start_run(args, log, ray_tmp)
    port = free_port()
    dashboard_log = tmp_path / "dashboard.out"
    with open(dashboard_log, "wb") as out:
        dashboard = subprocess.Popen(
            [sys.executable, str(ROOT / "study" / "dashboard.py"), "--storage", f"sqlite:///{db}", "--port", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        seen_live = {}

        def dashboard_shows_a_reporting_trial() -> bool:
            studies = _get(f"http://127.0.0.1:{port}/api/studies")["study_summaries"]
            study = next(s for s in studies if s["study_name"] == "smoke")
            trials = _get(f"http://127.0.0.1:{port}/api/studies/{study['study_id']}")["trials"]
            done = [t for t in trials if t["state"] in ("Complete", "Pruned") and t["intermediate_values"]]
            if done and run.poll() is None:
                attrs = {a["key"] for a in done[0]["user_attrs"]}
                seen_live.update(trial=done[0], attrs=attrs)
                return True
            return False

        try:
            _wait_for(dashboard_shows_a_reporting_trial, 240, "the dashboard to show a finished trial mid-study", run)
        except AssertionError as error:
            state = "running" if dashboard.poll() is None else f"exited ({dashboard.returncode})"
            raise AssertionError(f"{error}; the dashboard {state}, its output:\n{dashboard_log.read_text()[-3000:]}") from None
        assert {"val_pearson", "world_size", "wall_time_s", "config"} <= seen_live["attrs"]
        assert run.wait(timeout=300) == 0, log.read_text()[-3000:]
    finally:
        dashboard.kill()
        dashboard.wait()
        stragglers = kill_session(run.pid)
    assert not stragglers, f"processes outlived the run: {stragglers}"
    output = log.read_text()
    assert "database is locked" not in output
    assert "Trial status" not in output and "trial 0 " in output  # our progress, not Ray's table
    assert (tmp_path / "study" / "run.log").stat().st_size > 0

    study = _load(db)
    trials = study.get_trials()
    assert len(trials) == 3 and count_finished(study) == 3
    for trial in trials:
        config = trial.user_attrs["config"]
        assert trial.user_attrs["world_size"] == 2 and trial.user_attrs["device"] == "cpu"
        assert trial.user_attrs["wall_time_s"] > 0
        assert METRICS <= set(trial.user_attrs)
        epochs = sorted(trial.intermediate_values)
        assert epochs == list(range(1, len(epochs) + 1))
        assert trial.intermediate_values[epochs[-1]] == pytest.approx(trial.user_attrs["val_pearson"])
        # λ_graph is 0 exactly when the switch is off, and the effective value otherwise.
        expected_graph = trial.params["loss.lambda_graph"] if trial.params["loss.graph_reg"] else 0.0
        assert config["loss"]["lambda_graph"] == expected_graph
        assert config["loss"]["lambda_point"] == trial.params["loss.lambda_point"]
        if trial.state == TrialState.COMPLETE:
            assert epochs[-1] == config["training"]["epochs"] and TEST_METRICS <= set(trial.user_attrs)
            assert trial.value == pytest.approx(trial.user_attrs["val_pearson"])
        else:
            assert trial.state == TrialState.PRUNED
            assert epochs[-1] < config["training"]["epochs"] and not TEST_METRICS & set(trial.user_attrs)
    assert trials[0].state == TrialState.COMPLETE  # the first trial has no rival to be pruned by


def test_sigkill_mid_study_then_resume(tmp_path: Path, ray_tmp: str) -> None:
    """Kill the whole process group while a trial runs; the rerun marks the orphan FAIL,
    retries its params once, runs only what is missing, and repeats no other config."""
    db = tmp_path / "smoke.db"
    args = ["--search-space", str(SMOKE), "--storage", f"sqlite:///{db}", "--study-dir", str(tmp_path / "study"),
            "--n-trials", "3"]  # fmt: skip
    first = start_run(args, tmp_path / "first.out", ray_tmp)
    try:

        def one_finished_one_running() -> bool:
            trials = _load(db).get_trials()
            running = [t for t in trials if t.state == TrialState.RUNNING]
            return count_finished(_load(db)) >= 1 and bool(running)

        _wait_for(one_finished_one_running, 240, "a finished and a running trial", first)
        before_kill = session_pids(first.pid)
        assert len(before_kill) > 3  # the driver and the Ray processes it started
    finally:
        stragglers = kill_session(first.pid)
    assert not stragglers, f"killpg missed processes of the run: {stragglers}"
    first.wait()

    killed = _load(db).get_trials()
    orphans = [t for t in killed if t.state == TrialState.RUNNING]
    assert len(orphans) == 1

    second = start_run(args, tmp_path / "second.out", ray_tmp)
    try:
        assert second.wait(timeout=400) == 0, (tmp_path / "second.out").read_text()[-3000:]
    finally:
        stragglers = kill_session(second.pid)
    assert not stragglers, f"processes outlived the rerun: {stragglers}"

    study = _load(db)
    trials = study.get_trials()
    assert not [t for t in trials if t.state in (TrialState.RUNNING, TrialState.WAITING)]
    assert count_finished(study) == 3
    orphan = study.trials[orphans[0].number]
    assert orphan.state == TrialState.FAIL and orphan.user_attrs["fail_reason"].startswith("orphaned")
    retries = [t for t in trials if t.user_attrs.get("retry_of") == orphan.number]
    assert len(retries) == 1 and retries[0].params == orphan.params
    assert retries[0].state in (TrialState.COMPLETE, TrialState.PRUNED)
    others = [t for t in trials if t.number not in (orphan.number, retries[0].number)]
    assert len({json.dumps(t.params, sort_keys=True) for t in others + [orphan]}) == len(others) + 1
