"""Training steps with PointDistGraphReg, run either by real gloo ranks under
DistributedDataParallel or by one process on the concatenated batch, for tests/test_loss_ddp.py.

torch.multiprocessing.spawn needs the worker to be importable, hence this module.
"""

from __future__ import annotations

import gc
from datetime import timedelta
from pathlib import Path

import torch
import torch.distributed as dist
from torch import nn
from torch.nn.parallel import DistributedDataParallel

from graphreg.losses import PointDistGraphReg

STEPS = 4
FEATURES = 3

# Global batch of 64 per step; buffers of 96 fill after two steps and wrap on the third.
_DIST = {"min_samples_for_dist": 16, "min_samples_for_wasserstein": 16}
EQUAL_CONFIGS: dict[str, dict] = {
    "point": {"lambda_point": 1.0, "lambda_graph": 0.5},
    "dist": {"dist": "dist", "lambda_dist": 0.7, "lambda_graph": 0.5, **_DIST},
    "wasserstein": {"dist": "wasserstein", "lambda_dist": 0.7, "point": "mse", **_DIST},
    "buffered_dist": {"dist": "dist", "lambda_dist": 0.7, "buffered": True, "buffer_size": 96, "alpha": 0.3, **_DIST},
    # Threshold 100 > 64: the first step has no eligible term, later ones only batch ∪ buffer.
    "buffered_wasserstein": {"dist": "wasserstein", "lambda_dist": 0.7, "buffered": True, "buffer_size": 96,
                             "alpha": 0.6, "min_samples_for_wasserstein": 100},
}
# DDP averages per-rank means of the point loss, which equals the global mean only for equal
# per-rank sizes; with unequal sizes the distribution term alone must match exactly.
UNEQUAL_CONFIGS: dict[str, dict] = {
    name: {**kwargs, "lambda_point": 0.0, "lambda_graph": 0.0}
    for name, kwargs in EQUAL_CONFIGS.items()
    if name != "point"
}
SIZES = {"equal": (32, 32), "unequal": (41, 23)}


def _model() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(FEATURES, 16), nn.Tanh(), nn.Linear(16, 1)).double()


def _batch(config_index: int, step: int, total: int) -> tuple[torch.Tensor, torch.Tensor]:
    gen = torch.Generator().manual_seed(1000 * config_index + step)
    x = torch.randn(total, FEATURES, generator=gen, dtype=torch.float64)
    y = torch.sin(2 * x[:, 0]) + x[:, 1] * x[:, 2] + 0.1 * torch.randn(total, generator=gen, dtype=torch.float64)
    return x, y


def run_configs(configs: dict[str, dict], sizes: tuple[int, ...], rank: int, distributed: bool) -> dict[str, list[dict]]:
    """Per config and step: parameter gradients (after DDP's averaging), loss parts and buffer.

    A single process (``distributed=False``) takes the whole concatenated batch of all ``sizes``;
    rank ``rank`` of a DDP group takes its own slice of it.
    """
    lo, hi = (sum(sizes[:rank]), sum(sizes[: rank + 1])) if distributed else (0, sum(sizes))
    results: dict[str, list[dict]] = {}
    for index, (name, kwargs) in enumerate(configs.items()):
        model = _model()
        net = DistributedDataParallel(model) if distributed else model
        loss_fn = PointDistGraphReg(**kwargs).double()
        optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
        steps = []
        for step in range(STEPS):
            x, y = _batch(index, step, sum(sizes))
            optimizer.zero_grad()
            graph_reg = model[0].weight.square().sum()  # stands in for the model's regularizer
            total, parts = loss_fn(net(x[lo:hi]), y[lo:hi, None], graph_reg)
            total.backward()
            buffered = kwargs.get("buffered", False)
            steps.append({
                "grads": [p.grad.clone() for p in model.parameters()],
                "parts": parts,
                "buffer": [t.clone() for t in loss_fn.dist_loss.buffer_contents()] if buffered else None,
            })
            optimizer.step()
        results[name] = steps
        del net, model  # free the DDP reducer before the process group goes away
        gc.collect()
    return results


def worker(rank: int, world_size: int, init_file: str, out_dir: str) -> None:
    """One gloo rank: every configuration for both size layouts, saved to ``rank<r>.pt``."""
    torch.set_num_threads(1)
    dist.init_process_group("gloo", init_method=f"file://{init_file}", rank=rank, world_size=world_size,
                            timeout=timedelta(seconds=60))
    try:
        results = {
            layout: run_configs(EQUAL_CONFIGS if layout == "equal" else UNEQUAL_CONFIGS, sizes, rank, True)
            for layout, sizes in SIZES.items()
        }
        torch.save(results, Path(out_dir) / f"rank{rank}.pt")
    finally:
        gc.collect()
        dist.destroy_process_group()
