"""Distribution losses on the global batch (all DDP ranks), optionally mixed with a FIFO buffer
of past samples, and the sample-count thresholds below which they are switched off."""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

from graphreg.losses._checks import PairLoss, check_count, check_fraction
from graphreg.losses._distributed import gather_rows


def _gather_pairs(pred: Tensor, target: Tensor) -> tuple[Tensor, Tensor]:
    """Predictions and targets of all ranks in rank order, in one collective."""
    both = gather_rows(torch.stack([pred, target], dim=1))
    return both[:, 0], both[:, 1].detach()


def _inactive(pred: Tensor) -> Tensor:
    """A zero loss that is still connected to ``pred``, so backward() and DDP see every parameter."""
    return pred.sum() * 0.0


class GatheredDistributionLoss(PairLoss):
    """``base`` on the samples of all ranks, or inactive (0) below ``min_samples`` of them.

    After each call ``active`` tells whether the loss was computed. The count is the global one,
    so all ranks take the same branch.
    """

    def __init__(self, base: PairLoss, min_samples: int = 1) -> None:
        super().__init__()
        check_count("min_samples", min_samples, 0)
        self.base, self.min_samples = base, min_samples
        self.active = False

    def compute(self, pred: Tensor, target: Tensor) -> Tensor:
        pred_all, target_all = _gather_pairs(pred, target)
        self.active = pred_all.numel() >= self.min_samples
        return self.base.compute(pred_all, target_all) if self.active else _inactive(pred)


class BufferedDistributionLoss(PairLoss):
    """L = α·D(batch) + (1 − α)·D(batch ∪ buffer) for a distribution distance D = ``base``.

    ``batch`` is the current batch of all DDP ranks (gathered in rank order, gradients flowing
    back to each rank's own predictions); ``buffer`` is a FIFO ring of the last ``buffer_size``
    detached (prediction, target) pairs of earlier batches. The second term joins the batch to
    the buffer, because D(buffer) alone, holding only detached history, could send no gradient.

    A term with fewer than ``min_samples`` samples (global counts) is dropped and the other one
    gets weight 1; with neither eligible the loss is 0 and ``active`` is False.

    In training mode the buffer takes the current batch *after* the loss is computed, so no
    batch is counted twice; in eval mode (``.eval()``) it is left alone, so validation batches
    never enter it. Every rank pushes the same gathered batch, so all ranks hold identical
    buffers. The buffer and its write position are in ``state_dict()``.
    """

    def __init__(self, base: PairLoss, buffer_size: int = 256, alpha: float = 0.5, min_samples: int = 1) -> None:
        super().__init__()
        check_count("buffer_size", buffer_size, 1)
        check_count("min_samples", min_samples, 0)
        check_fraction("alpha", alpha)
        self.base, self.buffer_size, self.alpha, self.min_samples = base, buffer_size, float(alpha), min_samples
        self.register_buffer("buffer_pred", torch.zeros(buffer_size))
        self.register_buffer("buffer_target", torch.zeros(buffer_size))
        self._next = 0  # ring position of the next write
        self._count = 0  # filled entries, <= buffer_size
        self.active = False

    def extra_repr(self) -> str:
        return f"buffer_size={self.buffer_size}, alpha={self.alpha}, min_samples={self.min_samples}"

    def buffer_contents(self) -> tuple[Tensor, Tensor]:
        """The buffered (predictions, targets), oldest first."""
        order = (torch.arange(self._count, device=self.buffer_pred.device) + self._next - self._count) % self.buffer_size
        return self.buffer_pred[order], self.buffer_target[order]

    def compute(self, pred: Tensor, target: Tensor) -> Tensor:
        pred_all, target_all = _gather_pairs(pred, target)
        n = pred_all.numel()
        if n >= self.min_samples:
            w_batch, w_union = self.alpha, 1.0 - self.alpha
        elif n + self._count >= self.min_samples:
            w_batch, w_union = 0.0, 1.0
        else:
            w_batch, w_union = 0.0, 0.0
        loss = None
        if w_batch > 0:
            loss = w_batch * self.base.compute(pred_all, target_all)
        if w_union > 0:
            old_pred, old_target = (t.to(pred_all) for t in self.buffer_contents())
            union = self.base.compute(torch.cat([pred_all, old_pred]), torch.cat([target_all, old_target]))
            loss = w_union * union if loss is None else loss + w_union * union
        if self.training:
            self._push(pred_all.detach(), target_all)
        self.active = loss is not None
        return loss if loss is not None else _inactive(pred)

    @torch.no_grad()
    def _push(self, pred: Tensor, target: Tensor) -> None:
        """Append a batch to the ring; of a batch larger than the ring only its last entries fit."""
        n = pred.numel()
        keep = min(n, self.buffer_size)
        slots = (torch.arange(keep, device=self.buffer_pred.device) + self._next + n - keep) % self.buffer_size
        self.buffer_pred[slots] = pred[n - keep :].to(self.buffer_pred)
        self.buffer_target[slots] = target[n - keep :].to(self.buffer_target)
        self._next = (self._next + n) % self.buffer_size
        self._count = min(self._count + n, self.buffer_size)

    def get_extra_state(self) -> dict[str, Any]:
        return {"next": self._next, "count": self._count}

    def set_extra_state(self, state: dict[str, Any]) -> None:
        self._next, self._count = int(state["next"]), int(state["count"])
