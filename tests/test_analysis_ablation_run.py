"""``study/analyze.py --ablate`` end to end: real DDP trials through Ray, recorded and resumed."""

from __future__ import annotations

import os
from pathlib import Path
import shutil
import subprocess
import sys
import tempfile

import optuna
import pytest
import yaml
from _analysis_studies import add_trials, lambda_effect

from graphreg.analysis import ablation_base, ablation_study_name
from graphreg.training import TrainConfig

REPO = Path(__file__).resolve().parents[1]
SEEDS = 2


def _smoke_config() -> dict:
    """The smoke search space's fixed config: a tiny planted benchmark, 3 epochs."""
    fixed = yaml.safe_load((REPO / "search_spaces" / "smoke.yaml").read_text())["fixed"]
    return TrainConfig.from_dict(fixed).to_dict()


@pytest.fixture
def ray_tmp():
    # Ray's unix sockets need a short path of our own.
    path = tempfile.mkdtemp(prefix="rg_an", dir="/tmp")
    yield path
    shutil.rmtree(path, ignore_errors=True)


def _analyze(tmp_path, storage, ray_tmp):
    env = {**os.environ, "RAY_TMPDIR": ray_tmp}
    try:
        result = subprocess.run(
            [sys.executable, str(REPO / "study" / "analyze.py"), "--storage", storage, "--study-name", "smoke",
             "--out", str(tmp_path / "report"), "--ablate", "--seeds", str(SEEDS), "--workers-per-trial", "2",
             "--bootstrap", "3"],
            capture_output=True, text=True, timeout=900, cwd=tmp_path, env=env)
    except subprocess.TimeoutExpired as error:
        pytest.fail(f"analyze.py --ablate ran past {error.timeout} s; the end of its run log:\n{_run_log(tmp_path)}")
    assert result.returncode == 0, f"{result.stderr[-3000:]}\nthe end of its run log:\n{_run_log(tmp_path)}"
    return result


def _run_log(tmp_path) -> str:
    """The end of the ablation's run log (Ray's and the trial workers' output)."""
    log = tmp_path / "studies" / ablation_study_name("smoke") / "run.log"
    return log.read_text(encoding="utf-8", errors="replace")[-6000:] if log.exists() else "(no run log)"


@pytest.mark.slow
def test_ablation_runs_both_arms_as_ddp_trials_and_resumes(tmp_path, ray_tmp):
    storage = f"sqlite:///{tmp_path / 'studies.db'}"
    study = optuna.create_study(study_name="smoke", storage=storage, direction="maximize")
    # The searched study's trials are recorded directly (their values do not matter here); the
    # ablation then trains the best one's real config with and without λ_graph.
    add_trials(study, 12, lambda_effect, base=_smoke_config())
    base = ablation_base(study)

    first = _analyze(tmp_path, storage, ray_tmp)
    ablation = optuna.load_study(study_name=ablation_study_name("smoke"), storage=storage)
    runs = ablation.get_trials(states=(optuna.trial.TrialState.COMPLETE,))
    assert sorted((t.user_attrs["arm"], t.user_attrs["seed"]) for t in runs) == [
        ("graph", 0), ("graph", 1), ("no_graph", 0), ("no_graph", 1)]
    base_lambda = base.user_attrs["config"]["loss"]["lambda_graph"]
    for t in runs:
        assert t.user_attrs["base_trial"] == base.number
        assert t.user_attrs["world_size"] == 2
        assert t.user_attrs["config"]["training"]["seed"] == t.user_attrs["seed"]
        if t.user_attrs["arm"] == "graph":
            assert t.user_attrs["config"]["loss"]["lambda_graph"] == base_lambda > 0
            assert t.user_attrs["norm_weighted_graph"] > 0
        else:
            assert t.user_attrs["config"]["loss"]["lambda_graph"] == 0.0
            assert t.user_attrs["norm_weighted_graph"] == 0.0
        assert len(t.intermediate_values) == 3  # one objective value per epoch
        assert "test_pearson" in t.user_attrs

    report = (tmp_path / "report" / "report.md").read_text(encoding="utf-8")
    answer = first.stdout.strip().splitlines()[-1]
    assert f"**Answer:** {answer}" in report
    assert "test Pearson" in answer and f"{SEEDS} seeds each" in answer
    assert "| test_pearson |" in report
    for name in ("ablation.csv", "ablation_curves.png", "ablation_distribution.png"):
        assert (tmp_path / "report" / name).stat().st_size > 0

    # A rerun resumes: nothing is trained again, the answer is the same.
    second = _analyze(tmp_path, storage, ray_tmp)
    assert len(optuna.load_study(study_name=ablation_study_name("smoke"), storage=storage).trials) == len(runs)
    assert second.stdout.strip().splitlines()[-1] == answer
