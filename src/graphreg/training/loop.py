"""One training run of the gene-attention model, executed identically on every rank.

Independent of Ray and Optuna: if ``torch.distributed`` is initialized (Ray Train's
TorchTrainer or :func:`graphreg.training.launch_local` did it) the run is data-parallel over
that process group, otherwise it is a single process.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Mapping
from contextlib import nullcontext
from typing import Any

import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DistributedSampler

from graphreg.data import build_dataset, split_pairs
from graphreg.losses import PointDistGraphReg
from graphreg.model import GeneAttentionModel
from graphreg.training.checkpoint import TrainState, load_checkpoint, save_checkpoint
from graphreg.training.config import TrainConfig
from graphreg.training.metrics import regression_metrics

Report = Callable[[dict[str, float], "str | None"], None]

# The loss parts averaged over an epoch's steps and reported as metrics.
_PART_KEYS = tuple(f"norm_{kind}_{term}" for kind in ("weighted", "unweighted") for term in ("point", "dist", "graph"))


class NonFiniteLossError(RuntimeError):
    """The training loss became NaN or Inf; raised on every rank at the same step."""


def train(
    config: TrainConfig | Mapping[str, Any],
    report: Report | None = None,
    resume_from: str | None = None,
) -> dict[str, float]:
    """Train for ``config.training.epochs`` epochs and return the last epoch's metrics.

    Each epoch, ``report(metrics, checkpoint_dir)`` is called on every rank with identical
    metrics; ``checkpoint_dir`` is a fresh directory with a complete checkpoint on rank 0
    (deleted when ``report`` returns, so copy it to keep it) and ``None`` elsewhere.
    ``resume_from`` continues from such a checkpoint. ``training.batch_size`` is per rank (the
    DDP convention): with ``W`` ranks an optimizer step sees ``W × batch_size`` pairs and an
    epoch has ``W`` times fewer steps. That is what makes more workers faster here: every step
    runs the encoder over all genes on every rank, so only fewer steps save time.
    """
    if not isinstance(config, TrainConfig):
        config = TrainConfig.from_dict(config)
    opt = config.training
    distributed = dist.is_available() and dist.is_initialized()
    rank, world = (dist.get_rank(), dist.get_world_size()) if distributed else (0, 1)
    device = _resolve_device(opt.device)

    data = build_dataset(config.data)
    split = split_pairs(data, config.data.split, config.data.val_fraction, config.data.test_fraction, config.data.seed)
    torch.manual_seed(opt.seed)  # the same initial weights on every rank
    model = GeneAttentionModel(
        data.num_genes,
        d_model=config.model.d_model,
        n_layers=config.model.n_layers,
        n_heads=config.model.n_heads,
        dropout=config.model.dropout,
        node_features=data.node_features,
        graphs=data.graphs,
        graph_heads=config.model.heads(),
    ).to(device)
    loss_fn = PointDistGraphReg(**config.loss).to(device)
    optimizer = torch.optim.AdamW(model.parameters(), lr=opt.lr, weight_decay=opt.weight_decay)
    first_epoch, metrics = 0, {}
    if resume_from is not None:
        state = load_checkpoint(resume_from)
        model.load_state_dict(state.model)
        optimizer.load_state_dict(state.optimizer)
        loss_fn.load_state_dict(state.loss)
        first_epoch, metrics = state.epoch, state.metrics
    net = DistributedDataParallel(model) if world > 1 else model
    # λ_graph = 0: the model never computes the regularizer (no N x N log-attention kept).
    with_graph_reg = config.lambda_graph > 0
    autocast = (
        torch.autocast("cuda", dtype=torch.bfloat16) if device.type == "cuda" and opt.precision == "bf16" else nullcontext()
    )

    pairs, scores = data.pairs.to(device), data.scores.to(device)
    train_index = split.train.to(device)
    sampler = DistributedSampler(range(len(train_index)), num_replicas=world, rank=rank, shuffle=True, seed=opt.seed)
    for epoch in range(first_epoch, opt.epochs):
        torch.manual_seed(opt.seed + 1_000_003 * (epoch + 1) + rank)  # dropout stream of this epoch and rank
        sampler.set_epoch(epoch)
        local = train_index[torch.tensor(list(sampler), dtype=torch.long, device=device)]
        net.train()
        metrics = {"epoch": float(epoch + 1)}
        metrics.update(_train_epoch(net, loss_fn, optimizer, pairs, scores, local, opt.batch_size, with_graph_reg, autocast, epoch))
        last = epoch + 1 == opt.epochs
        metrics.update(_evaluate(model, loss_fn, pairs, scores, split.val, split.test if last else None, autocast))
        if report is not None:
            _report(
                report,
                metrics,
                rank,
                lambda: TrainState(model.state_dict(), optimizer.state_dict(), loss_fn.state_dict(), epoch + 1, metrics),
            )
    return metrics


def _train_epoch(
    net: torch.nn.Module,
    loss_fn: PointDistGraphReg,
    optimizer: torch.optim.Optimizer,
    pairs: torch.Tensor,
    scores: torch.Tensor,
    local: torch.Tensor,
    batch_size: int,
    with_graph_reg: bool,
    autocast: Any,
    epoch: int,
) -> dict[str, float]:
    """One pass over this rank's shard ``local`` of the training pairs; returns the mean total
    loss and loss parts over the steps of all ranks (identical on every rank)."""
    distributed = dist.is_available() and dist.is_initialized()
    sums = torch.zeros(len(_PART_KEYS) + 2, dtype=torch.float64, device=pairs.device)
    for start in range(0, len(local), batch_size):
        batch = local[start : start + batch_size]
        with autocast:
            out = net(pairs[batch], with_graph_reg=with_graph_reg)
        graph_reg = None if out.graph_reg is None else out.graph_reg.float()
        total, parts = loss_fn(out.pred.float(), scores[batch], graph_reg)
        _raise_if_non_finite(total, distributed, epoch)
        optimizer.zero_grad(set_to_none=True)
        total.backward()
        optimizer.step()
        sums += torch.tensor([total.item(), *(parts[k] for k in _PART_KEYS), 1.0], dtype=torch.float64, device=sums.device)
    if distributed:
        dist.all_reduce(sums)
    return {"train_loss": float(sums[0] / sums[-1]), **{key: float(sums[i + 1] / sums[-1]) for i, key in enumerate(_PART_KEYS)}}


def _resolve_device(name: str) -> torch.device:
    """``auto`` means CUDA when available. On CUDA the current device is used: Ray Train and the
    local launcher set it per worker."""
    if name == "cuda" and not torch.cuda.is_available():
        raise ValueError("training.device is 'cuda' but no CUDA device is available")
    if name == "cpu" or not torch.cuda.is_available():
        return torch.device("cpu")
    return torch.device("cuda", torch.cuda.current_device())


def _raise_if_non_finite(total: torch.Tensor, distributed: bool, epoch: int) -> None:
    """Stop every rank at the same step when the loss of any rank is NaN or Inf (a rank that
    stopped alone would leave the others waiting in DDP's gradient all-reduce)."""
    bad = (~torch.isfinite(total.detach())).to(torch.float32).reshape(1)
    if distributed:
        dist.all_reduce(bad, op=dist.ReduceOp.MAX)
    if bad.item() > 0:
        raise NonFiniteLossError(f"training loss became NaN or Inf in epoch {epoch + 1}")


@torch.no_grad()
def _evaluate(
    model: GeneAttentionModel,
    loss_fn: PointDistGraphReg,
    pairs: torch.Tensor,
    scores: torch.Tensor,
    val: torch.Tensor,
    test: torch.Tensor | None,
    autocast: Any,
) -> dict[str, float]:
    """Validation (and, when given, test) metrics over the full sets, computed identically on
    every rank from the same weights, plus the attention's alignment with the graphs.
    ``val_loss`` is the point loss alone, so it is comparable across loss configurations."""
    model.eval()
    index = val if test is None else torch.cat([val, test])
    index = index.to(pairs.device)
    with autocast:
        pred = model(pairs[index]).pred.float()
    target = scores[index]
    n_val = len(val)
    metrics = {"val_loss": float(loss_fn.point_loss(pred[:n_val], target[:n_val]))}
    metrics.update(regression_metrics(pred[:n_val], target[:n_val], "val"))
    if test is not None:
        metrics.update(regression_metrics(pred[n_val:], target[n_val:], "test"))
    with autocast:
        metrics["attention_edge_mass"] = model.attention_edge_mass()
    return metrics


def _report(report: Report, metrics: dict[str, float], rank: int, state: Callable[[], TrainState]) -> None:
    """Call ``report`` on every rank; rank 0 passes a fresh checkpoint directory with
    ``state()``, removed once ``report`` has returned (Ray Train copies it during the call)."""
    if rank != 0:
        report(dict(metrics), None)
        return
    directory = tempfile.mkdtemp(prefix="graphreg-ckpt-")
    try:
        save_checkpoint(directory, state())
        report(dict(metrics), directory)
    finally:
        shutil.rmtree(directory, ignore_errors=True)
