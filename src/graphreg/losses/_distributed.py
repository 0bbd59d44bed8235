"""Autograd-aware gathering of samples across DDP ranks, for losses defined on the global batch.

torch.distributed.nn.functional.all_gather does this but is deprecated in torch 2.13, and the
functional-collectives variant needs equal sizes on every rank; the last batch of an epoch
differs per rank, so this module pads to the largest rank and cuts the padding off again.
"""

from __future__ import annotations

import torch
import torch.distributed as dist
from torch import Tensor


def world_size() -> int:
    """The number of ranks when torch.distributed is initialized, else 1."""
    return dist.get_world_size() if dist.is_available() and dist.is_initialized() else 1


class _GatherRows(torch.autograd.Function):
    """Concatenate every rank's rows in rank order; backward returns this rank's rows of the
    gradient summed over ranks.

    Every rank evaluates the same loss on the same gathered tensor, and DDP then averages the
    parameter gradients over ranks; summing the gathered gradient over ranks before taking this
    rank's rows makes the result equal to the single-process gradient on the concatenated batch.
    """

    @staticmethod
    def forward(ctx, rows: Tensor, sizes: list[int]) -> Tensor:  # type: ignore[override]
        rank = dist.get_rank()
        padded = rows.new_zeros((max(sizes), *rows.shape[1:]))
        padded[: rows.shape[0]] = rows
        chunks = [torch.empty_like(padded) for _ in sizes]
        dist.all_gather(chunks, padded)
        ctx.offset, ctx.size = sum(sizes[:rank]), sizes[rank]
        return torch.cat([chunk[:size] for chunk, size in zip(chunks, sizes)])

    @staticmethod
    def backward(ctx, grad: Tensor) -> tuple[Tensor, None]:  # type: ignore[override]
        grad = grad.clone(memory_format=torch.contiguous_format)  # all_reduce works in place
        dist.all_reduce(grad, op=dist.ReduceOp.SUM)
        return grad[ctx.offset : ctx.offset + ctx.size], None


def gather_rows(rows: Tensor) -> Tensor:
    """Rows (dim 0) of ``rows`` from all ranks, concatenated in rank order; identity on one process.

    Per-rank row counts may differ. Gradients flow back to each rank's own rows (see
    :class:`_GatherRows` for the scaling). Every rank must call this, in the same order.
    """
    if world_size() == 1:
        return rows
    counts = [torch.zeros(1, dtype=torch.long, device=rows.device) for _ in range(world_size())]
    dist.all_gather(counts, torch.tensor([rows.shape[0]], dtype=torch.long, device=rows.device))
    return _GatherRows.apply(rows, [int(c.item()) for c in counts])
