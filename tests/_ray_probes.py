"""Ray Train worker functions for the tests; the tests ship this module to Ray's workers by
value (``ray.cloudpickle.register_pickle_by_value``), since they cannot import it."""

from __future__ import annotations

import gc
import json
from pathlib import Path
from typing import Any


def train_worker_without_automatic_gc(loop_config: dict[str, Any]) -> None:
    """Run the study's Train worker function with automatic garbage collection off, then record
    how many DDP modules are still alive when Ray Train is about to destroy the process group."""
    import ray.train
    from torch.nn.parallel import DistributedDataParallel

    from graphreg.study.trial import _train_worker

    gc.disable()
    try:
        _train_worker(loop_config)
        alive = sum(isinstance(obj, DistributedDataParallel) for obj in gc.get_objects())
    finally:
        gc.enable()
    rank = ray.train.get_context().get_world_rank()
    (Path(loop_config["probe_dir"]) / f"rank{rank}.json").write_text(json.dumps({"ddp_modules_alive": alive}))
