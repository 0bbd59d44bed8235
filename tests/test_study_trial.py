"""The study's Ray Train worker function on a real local Ray instance with 2 gloo workers."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
import ray
import yaml
from ray.train import RunConfig, ScalingConfig
from ray.train.torch import TorchTrainer

import _ray_probes
from _study_processes import ROOT, ray_tmp  # noqa: F401 - fixture

pytestmark = pytest.mark.slow


def test_train_worker_frees_the_ddp_model_before_ray_destroys_the_process_group(
    tmp_path: Path, monkeypatch, ray_tmp: str
) -> None:
    # DDP modules sit in reference cycles and outlive train(); if one is still alive when Ray
    # Train's shutdown destroys the gloo group, the worker may abort. With automatic garbage
    # collection off, only the worker function's own collection can free it.
    monkeypatch.setenv("RAY_TMPDIR", ray_tmp)
    monkeypatch.setenv("RAY_TRAIN_HEALTH_CHECK_INTERVAL_S", "0.05")
    config = copy.deepcopy(yaml.safe_load((ROOT / "search_spaces" / "smoke.yaml").read_text())["fixed"])
    config["training"]["epochs"] = 1
    probe_dir = tmp_path / "probe"
    probe_dir.mkdir()
    ray.init(address="local", num_cpus=2, include_dashboard=False)
    try:
        ray.cloudpickle.register_pickle_by_value(_ray_probes)
        trainer = TorchTrainer(
            _ray_probes.train_worker_without_automatic_gc,
            train_loop_config={"train": config, "run": {"metric": "val_pearson", "mode": "max"}, "probe_dir": str(probe_dir)},
            scaling_config=ScalingConfig(num_workers=2, resources_per_worker={"CPU": 1}),
            run_config=RunConfig(name="gc-probe", storage_path=str(tmp_path / "train")),
        )
        trainer.fit()
    finally:
        ray.cloudpickle.unregister_pickle_by_value(_ray_probes)
        ray.shutdown()
    recorded = {path.name: json.loads(path.read_text()) for path in sorted(probe_dir.glob("rank*.json"))}
    assert recorded == {"rank0.json": {"ddp_modules_alive": 0}, "rank1.json": {"ddp_modules_alive": 0}}
