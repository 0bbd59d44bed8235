"""Input validation shared by every loss: one place decides what a valid (pred, target) pair is."""

from __future__ import annotations

import torch
from torch import Tensor, nn


def _as_samples(name: str, x: Tensor) -> Tensor:
    """Flatten a ``(B,)`` or ``(B, 1)`` tensor to ``(B,)``; anything else is a ValueError."""
    if not isinstance(x, Tensor):
        raise ValueError(f"{name} must be a torch.Tensor, got {type(x).__name__}")
    if not (x.dim() == 1 or (x.dim() == 2 and x.shape[1] == 1)):
        raise ValueError(f"{name} must have shape (B,) or (B, 1), got {tuple(x.shape)}")
    if x.shape[0] == 0:
        raise ValueError(f"{name} is empty")
    return x.reshape(-1)


def check_pair(pred: Tensor, target: Tensor, *, paired: bool = True) -> tuple[Tensor, Tensor]:
    """Validate and flatten predictions and targets.

    Returns both as 1-D tensors, the targets in the predictions' dtype and device. ``paired``
    requires equally many predictions and targets (sample ``i`` of one belongs to sample ``i``
    of the other); distribution distances compare two samples and do not need it.
    """
    pred, target = _as_samples("pred", pred), _as_samples("target", target)
    if paired and pred.shape != target.shape:
        raise ValueError(f"pred and target must hold the same number of samples, got {pred.numel()} and {target.numel()}")
    if not torch.isfinite(target).all():
        raise ValueError("target contains NaN or Inf")
    return pred, target.to(dtype=pred.dtype, device=pred.device)


def check_positive(name: str, value: float) -> None:
    """Raise a ValueError naming ``name`` unless ``value`` is a finite number > 0."""
    if not (isinstance(value, (int, float)) and not isinstance(value, bool) and 0 < value < float("inf")):
        raise ValueError(f"{name} must be a finite number > 0, got {value!r}")


def check_count(name: str, value: int, minimum: int) -> None:
    """Raise a ValueError naming ``name`` unless ``value`` is an integer >= ``minimum``."""
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")


def check_fraction(name: str, value: float) -> None:
    """Raise a ValueError naming ``name`` unless ``value`` is a number in [0, 1]."""
    if not (isinstance(value, (int, float)) and not isinstance(value, bool) and 0.0 <= value <= 1.0):
        raise ValueError(f"{name} must be a number in [0, 1], got {value!r}")


def check_choice(name: str, value: object, valid: tuple) -> None:
    """Raise a ValueError naming ``name`` and listing the valid values unless ``value`` is one of them."""
    if value not in valid:
        raise ValueError(f"unknown {name} {value!r}; valid: {', '.join(repr(v) for v in valid)}")


class PairLoss(nn.Module):
    """A loss of predictions against targets: ``forward`` validates, :meth:`compute` computes.

    The composite validates its inputs once and then calls :meth:`compute` of its parts, so
    that each step checks the targets for NaN/Inf (a device synchronization) only once.
    """

    #: Whether predictions and targets must be equally many (see :func:`check_pair`).
    paired: bool = True

    def forward(self, pred: Tensor, target: Tensor) -> Tensor:
        """Validate ``pred`` and ``target`` (shapes ``(B,)`` or ``(B, 1)``) and return the loss."""
        return self.compute(*check_pair(pred, target, paired=self.paired))

    def compute(self, pred: Tensor, target: Tensor) -> Tensor:
        """The loss on already validated 1-D ``pred`` and ``target`` of the same dtype."""
        raise NotImplementedError
