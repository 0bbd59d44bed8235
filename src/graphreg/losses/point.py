"""Point losses: per-sample error between each prediction and its own target, averaged."""

from __future__ import annotations

import math

import torch
from torch import Tensor

from graphreg.losses._checks import PairLoss

_LOG2 = math.log(2.0)
_SWITCH = 1.0  # |x| where LogCoshLoss changes form


class LogCoshLoss(PairLoss):
    """Mean of log(cosh(ŷ − y)) over samples, finite and accurate for any finite error.

    cosh overflows float32 beyond |x| ≈ 89, so cosh is never formed:

    - for |x| >= 1, log cosh x = |x| + log1p(exp(−2|x|)) − log 2 (|x| dominates: no cancellation);
    - for |x| < 1, log cosh x = log1p(2 sinh²(x/2)), which keeps full relative precision as
      x → 0, where the first form would subtract two numbers close to log 2.

    Autograd of either form is tanh(x) without cancellation; each form only ever sees inputs in
    its own range (clamped), so the branch not taken never produces inf or NaN gradients.
    """

    def compute(self, pred: Tensor, target: Tensor) -> Tensor:
        x = (pred - target).abs()
        small = x < _SWITCH
        near = (2.0 * (0.5 * x.clamp(max=_SWITCH)).sinh().square()).log1p()
        far = x.clamp(min=_SWITCH)
        far = far + (-2.0 * far).exp().log1p() - _LOG2
        return torch.where(small, near, far).mean()


class MSELoss(PairLoss):
    """Mean of (ŷ − y)² over samples."""

    def compute(self, pred: Tensor, target: Tensor) -> Tensor:
        return (pred - target).square().mean()
