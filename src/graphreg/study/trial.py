"""One study trial on Ray: a Tune function trainable that builds and fits a Ray Train
``TorchTrainer`` (the Ray >= 2.45 "Train V2 with Tune" pattern) whose workers run
:func:`graphreg.training.train` under DDP.

Deterministic failures (a ``ValueError`` from the config, :class:`NonFiniteLossError`) are
reported as a final result carrying ``FAIL_REASON`` instead of raised, so Ray Train does not
retry them; crashes (a worker process dying) are retried by Train's ``FailureConfig`` from the
trial's last checkpoint.
"""

from __future__ import annotations

import gc
import math
from typing import Any

import ray
import ray.train
import torch.distributed as dist
from ray import tune
from ray.train import Checkpoint, CheckpointConfig, FailureConfig, RunConfig, ScalingConfig
from ray.train.torch import TorchConfig, TorchTrainer
from ray.tune.integration.ray_train import TuneReportCallback

from graphreg.training import NonFiniteLossError, load_checkpoint, train

FAIL_REASON = "fail_reason"
# The Tune trainable itself only waits on the Train controller: it needs no CPU, but a Tune
# placement group cannot be empty, so it asks for a token amount of memory.
TRAINABLE_RESOURCES = {"memory": 1 << 20}
# How long a rank waits for its peers in a collective (gloo/NCCL, and Ray Train's own report
# barrier) before the attempt fails and Train retries it from the last checkpoint. The ranks
# do the same work between collectives, so a wait this long means a stalled peer; the defaults
# (30 min for torch, none for Ray Train) would hold a study still for that long or forever.
COLLECTIVE_TIMEOUT_S = 300


def run_trial(trial_config: dict[str, Any]) -> None:
    """Tune function trainable: fit a ``TorchTrainer`` for one training config.

    ``trial_config`` holds ``train`` (the training config) and ``run`` (workers, GPUs per
    worker, failure budget, checkpoint storage path, metric and mode).
    """
    run = trial_config["run"]
    trainer = TorchTrainer(
        _train_worker,
        train_loop_config={"train": trial_config["train"], "run": run},
        torch_config=TorchConfig(timeout_s=COLLECTIVE_TIMEOUT_S),
        scaling_config=ScalingConfig(
            num_workers=run["workers"],
            use_gpu=run["gpus_per_worker"] > 0,
            resources_per_worker={"CPU": 1, **({"GPU": run["gpus_per_worker"]} if run["gpus_per_worker"] > 0 else {})},
        ),
        run_config=RunConfig(
            name=f"trial-{trial_config['number']}-{tune.get_context().get_trial_id()}",
            storage_path=run["storage_path"],
            callbacks=[TuneReportCallback()],
            failure_config=FailureConfig(max_failures=run["max_failures"]),
            checkpoint_config=CheckpointConfig(num_to_keep=1),
        ),
    )
    try:
        trainer.fit()
    except Exception as error:  # noqa: BLE001 - any failure becomes the trial's fail_reason
        tune.report({run["metric"]: _worst(run["mode"]), FAIL_REASON: _one_line(error)})


def _train_worker(loop_config: dict[str, Any]) -> None:
    """Ray Train worker: train on this rank, resuming from the trial's last checkpoint when
    Train restarted the worker group."""
    run = loop_config["run"]
    context = ray.train.get_context()
    nodes: list[Any] = [None] * context.get_world_size()
    node = ray.get_runtime_context().get_node_id()
    if dist.is_initialized():
        dist.all_gather_object(nodes, node)
    else:
        nodes = [node]
    wanted = loop_config["train"].get("training", {}).get("device", "auto")
    extra = {
        "world_size": context.get_world_size(),
        "device": "cpu" if wanted == "cpu" else ray.train.torch.get_device().type,
        "worker_nodes": ",".join(nodes),
    }
    checkpoint = ray.train.get_checkpoint()
    failure = None
    try:
        if checkpoint is None:
            train(loop_config["train"], _RayTrainReport(extra))
        else:
            # Train restarted the worker group after a failure: continue from the last epoch.
            with checkpoint.as_directory() as directory:
                extra["resumed_from_epoch"] = load_checkpoint(directory).epoch
                train(loop_config["train"], _RayTrainReport(extra), resume_from=directory)
    except (ValueError, NonFiniteLossError) as error:
        failure = _one_line(error)
    # Ray Train destroys the process group when this function returns; the DDP model, kept
    # alive by reference cycles (and by a failure's traceback), must go first, or gloo may
    # abort the worker at exit.
    gc.collect()
    if failure is not None:
        # Deterministic: retrying would fail the same way. Every rank reports, as Train requires.
        ray.train.report({run["metric"]: _worst(run["mode"]), FAIL_REASON: failure, **extra})


class _RayTrainReport:
    """The ``report`` callback of :func:`graphreg.training.train` on a Ray Train worker:
    every rank reports the epoch's metrics, rank 0 with the checkpoint."""

    def __init__(self, extra: dict[str, Any]) -> None:
        self._extra = extra

    def __call__(self, metrics: dict[str, float], checkpoint_dir: str | None) -> None:
        checkpoint = None if checkpoint_dir is None else Checkpoint.from_directory(checkpoint_dir)
        ray.train.report({**metrics, **self._extra}, checkpoint=checkpoint)


def _worst(mode: str) -> float:
    return -math.inf if mode == "max" else math.inf


def _one_line(error: BaseException) -> str:
    """The error's type and the last meaningful line of its message (Ray wraps worker errors
    in multi-line reports whose last line is the original exception)."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return (lines[-1] if lines else type(error).__name__)[:1000]

