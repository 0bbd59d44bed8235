"""Report callbacks for training tests that run in spawned worker processes (a module, so that
``torch.multiprocessing.spawn`` can import them by name)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import torch.distributed as dist


class RecordingReport:
    """Appends each epoch's metrics of every rank to ``<directory>/rank<r>.jsonl``, noting whether
    the rank got a checkpoint directory, and keeps rank 0's checkpoint of each epoch as
    ``<directory>/epoch<e>``."""

    def __init__(self, directory: str) -> None:
        self.directory = Path(directory)

    def __call__(self, metrics: dict[str, float], checkpoint_dir: str | None) -> None:
        rank = dist.get_rank() if dist.is_initialized() else 0
        with open(self.directory / f"rank{rank}.jsonl", "a") as log:
            log.write(json.dumps({"metrics": metrics, "checkpoint": checkpoint_dir is not None}) + "\n")
        if checkpoint_dir is not None:
            shutil.copytree(checkpoint_dir, self.directory / f"epoch{int(metrics['epoch'])}")

    def records(self, rank: int) -> list[dict]:
        return [json.loads(line) for line in (self.directory / f"rank{rank}.jsonl").read_text().splitlines()]
