"""Checkpoints of a training run: one ``checkpoint.pt`` file in a directory (the form Ray Train
copies), holding everything needed to continue exactly where the run stopped."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

CHECKPOINT_FILE = "checkpoint.pt"


@dataclass
class TrainState:
    """Model, optimizer and loss state (the loss's sample buffers) after ``epoch`` epochs.

    No RNG state is stored: every epoch re-seeds from ``(seed, epoch, rank)``, so the epoch
    number determines the random stream of the continuation.
    """

    model: dict[str, Any]
    optimizer: dict[str, Any]
    loss: dict[str, Any]
    epoch: int
    metrics: dict[str, float]


def save_checkpoint(directory: str | Path, state: TrainState) -> Path:
    """Write ``state`` into ``directory`` (created if needed) and return the file's path.

    Written to a temporary name first and renamed, so a crash mid-write never leaves a
    truncated checkpoint where a valid one is expected."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / CHECKPOINT_FILE
    partial = path.with_suffix(".partial")
    torch.save(vars(state), partial)
    partial.replace(path)
    return path


def load_checkpoint(directory: str | Path) -> TrainState:
    """Read the checkpoint saved in ``directory`` (onto the CPU); a missing or unreadable
    checkpoint is a ``ValueError`` naming the directory."""
    path = Path(directory) / CHECKPOINT_FILE
    if not path.is_file():
        raise ValueError(f"no checkpoint found at {path}")
    try:
        values = torch.load(path, map_location="cpu", weights_only=True)
        return TrainState(**values)
    except Exception as error:  # a corrupt or foreign file: report which one, keep the cause
        raise ValueError(f"cannot read checkpoint {path}: {error}") from error
