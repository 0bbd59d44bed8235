"""Local data-parallel launch: ``N`` worker processes on this machine, each running
:func:`graphreg.training.train` in one gloo (CPU) or nccl (GPU) process group.

This is what ``study/train.py --workers N`` uses; on a Ray cluster, Ray Train's TorchTrainer
plays this role instead.
"""

from __future__ import annotations

import gc
import json
import os
import shutil
import socket
import sys
import tempfile
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

import torch
import torch.distributed as dist
import torch.multiprocessing as mp

from graphreg.training.config import TrainConfig
from graphreg.training.loop import NonFiniteLossError, Report, train

# A rank that never joins (or a peer that died) fails the run after this long instead of hanging.
PROCESS_GROUP_TIMEOUT = timedelta(seconds=60)
_RESULT_FILE = "result.json"


class ConsoleReport:
    """Prints one line per epoch on rank 0 (and the test metrics after the last epoch);
    with ``keep_checkpoint`` it also copies each epoch's checkpoint there, replacing the
    previous one. A class rather than a closure so that spawned workers can unpickle it."""

    def __init__(self, keep_checkpoint: str | None = None) -> None:
        self.keep_checkpoint = keep_checkpoint

    def __call__(self, metrics: dict[str, float], checkpoint_dir: str | None) -> None:
        if checkpoint_dir is None:
            return
        print(format_epoch(metrics), flush=True)
        if any(key.startswith("test_") for key in metrics):
            print(" ".join(f"{k}={metrics[k]:.4f}" for k in sorted(metrics) if k.startswith("test_")), flush=True)
        if self.keep_checkpoint is not None:
            shutil.copytree(checkpoint_dir, self.keep_checkpoint, dirs_exist_ok=True)


def format_epoch(metrics: Mapping[str, float]) -> str:
    """One human-readable line with the epoch's main metrics."""
    shown = ("train_loss", "val_loss", "val_pearson", "attention_edge_mass")
    norms = "/".join(f"{metrics[f'norm_weighted_{t}']:.2f}" for t in ("point", "dist", "graph"))
    return f"epoch {int(metrics['epoch']):3d} " + " ".join(f"{k}={metrics[k]:.4f}" for k in shown) + f" norm_weighted(point/dist/graph)={norms}"


def launch_local(
    config: TrainConfig | Mapping[str, Any],
    workers: int = 1,
    report: Report | None = None,
    resume_from: str | None = None,
) -> dict[str, float]:
    """Run :func:`train` on ``workers`` local processes and return rank 0's final metrics.

    ``workers == 1`` runs in this process without a process group. Otherwise workers are
    spawned with a fresh gloo/nccl group on a free loopback port; ``report`` must be
    picklable (e.g. :class:`ConsoleReport`). A ``ValueError`` or :class:`NonFiniteLossError`
    in a worker is raised again here with its message.
    """
    if not isinstance(config, TrainConfig):
        config = TrainConfig.from_dict(config)
    if workers < 1:
        raise ValueError(f"workers must be >= 1, got {workers}")
    if workers == 1:
        return train(config, report, resume_from)
    with tempfile.TemporaryDirectory(prefix="graphreg-launch-") as scratch:
        try:
            mp.spawn(
                _worker,
                args=(workers, _free_port(), config.to_dict(), report, resume_from, scratch),
                nprocs=workers,
                join=True,
            )
        except (mp.ProcessRaisedException, mp.ProcessExitedException) as error:
            _raise_worker_error(Path(scratch), error)
        return json.loads((Path(scratch) / _RESULT_FILE).read_text())


def _worker(
    rank: int, world: int, port: int, config: dict[str, Any], report: Report | None, resume_from: str | None, scratch: str
) -> None:
    """Entry point of one spawned rank (module-level so that ``spawn`` can import it)."""
    use_cuda = config["training"]["device"] != "cpu" and torch.cuda.is_available()
    if use_cuda:
        torch.cuda.set_device(rank % torch.cuda.device_count())
    else:
        # The ranks share the machine's cores; oversubscribing them slows every rank down.
        torch.set_num_threads(max(1, (os.cpu_count() or 1) // world))
    dist.init_process_group(
        "nccl" if use_cuda else "gloo",
        init_method=f"tcp://127.0.0.1:{port}",
        rank=rank,
        world_size=world,
        timeout=PROCESS_GROUP_TIMEOUT,
    )
    failed = False
    try:
        metrics = train(config, report, resume_from)
        if rank == 0:
            (Path(scratch) / _RESULT_FILE).write_text(json.dumps(metrics))
    except (ValueError, NonFiniteLossError) as error:
        # Recorded as text and not re-raised: a live exception keeps the training frames, and
        # with them the DDP model, alive past destroy_process_group.
        (Path(scratch) / f"error_{rank}.json").write_text(json.dumps({"type": type(error).__name__, "message": str(error)}))
        failed = True
    finally:
        gc.collect()  # free the DDP model before the group goes, or gloo may abort at exit
        dist.destroy_process_group()
    if failed:
        sys.exit(1)


def _raise_worker_error(scratch: Path, error: Exception) -> None:
    """Re-raise a worker's ``ValueError``/``NonFiniteLossError`` as itself; anything else
    propagates with the worker's traceback."""
    for path in sorted(scratch.glob("error_*.json")):
        recorded = json.loads(path.read_text())
        kind = NonFiniteLossError if recorded["type"] == NonFiniteLossError.__name__ else ValueError
        raise kind(recorded["message"]) from error
    raise error


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
