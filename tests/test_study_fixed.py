"""`run_fixed_configs` in-process on a real local Ray instance with the real training: a
diverging config FAILs with its reason (and is not retried), a complete config is skipped on
rerun, and a DDP worker killed mid-trial is restarted by Ray Train from the last checkpoint."""

from __future__ import annotations

import copy
import os
import signal
import threading
import time
from pathlib import Path

import optuna
import pytest
import yaml
from optuna.trial import TrialState

from _study_processes import ROOT, ray_tmp  # noqa: F401 - fixture
from graphreg.study import open_storage, run_fixed_configs
from graphreg.training import TrainConfig

pytestmark = pytest.mark.slow
FIXED = yaml.safe_load((ROOT / "search_spaces" / "smoke.yaml").read_text())["fixed"]


def _config(**training) -> dict:
    config = copy.deepcopy(FIXED)
    config["training"].update(training)
    return config


def test_fixed_configs_fail_reason_and_rerun_skips_complete(tmp_path: Path, monkeypatch, ray_tmp: str) -> None:
    monkeypatch.setenv("RAY_TMPDIR", ray_tmp)
    storage = f"sqlite:///{tmp_path / 'fixed.db'}"
    ok, diverging = _config(), _config(lr=1e30)
    study = run_fixed_configs(
        "fixed", storage, [ok, diverging], [{"arm": "ok"}, {"arm": "nan"}], study_dir=tmp_path / "study"
    )
    by_arm = {t.user_attrs["arm"]: t for t in study.get_trials()}
    assert len(study.trials) == 2  # the diverging run was not retried
    assert by_arm["ok"].state == TrialState.COMPLETE
    assert by_arm["ok"].user_attrs["config"] == TrainConfig.from_dict(ok).to_dict()
    assert by_arm["ok"].value == pytest.approx(by_arm["ok"].user_attrs["val_pearson"])
    assert sorted(by_arm["ok"].intermediate_values) == [1, 2, 3]
    assert by_arm["nan"].state == TrialState.FAIL
    assert "NaN or Inf" in by_arm["nan"].user_attrs["fail_reason"]

    again = run_fixed_configs("fixed", storage, [ok], [{"arm": "ok"}], study_dir=tmp_path / "study")
    assert len(again.trials) == 2  # the COMPLETE config was skipped, nothing new ran


def _train_workers() -> list[int]:
    """PIDs of Ray Train worker processes descended from this test process."""
    me, found = os.getpid(), []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
            sid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[3])
        except OSError:
            continue
        if b"RayTrainWorker" in cmdline and sid == os.getsid(me):
            found.append(int(entry.name))
    return found


def test_killed_ddp_worker_resumes_from_checkpoint(tmp_path: Path, monkeypatch, ray_tmp: str) -> None:
    monkeypatch.setenv("RAY_TMPDIR", ray_tmp)
    db = tmp_path / "restart.db"
    config = _config(epochs=8)
    config["data"]["planted"].update(n_genes=300, n_pairs=20000)
    killed: list[int] = []

    def kill_a_worker_after_epoch_2() -> None:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and not killed:
            time.sleep(0.2)
            try:
                trials = optuna.load_study(study_name="restart", storage=open_storage(f"sqlite:///{db}")).trials
            except (KeyError, ValueError):
                continue
            if trials and len(trials[0].intermediate_values) >= 2:
                workers = _train_workers()
                if workers:
                    os.kill(workers[0], signal.SIGKILL)
                    killed.append(workers[0])

    killer = threading.Thread(target=kill_a_worker_after_epoch_2, daemon=True)
    killer.start()
    study = run_fixed_configs("restart", f"sqlite:///{db}", [config], study_dir=tmp_path / "study")
    killer.join(timeout=5)
    assert killed, "no Ray Train worker was found to kill"
    [trial] = study.trials
    assert trial.state == TrialState.COMPLETE, trial.user_attrs.get("fail_reason")
    assert trial.user_attrs["resumed_from_epoch"] >= 2
    assert sorted(trial.intermediate_values) == list(range(1, 9))
