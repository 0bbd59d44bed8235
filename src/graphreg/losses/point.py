"""Point losses: per-sample error between each prediction and its own target, averaged."""

from __future__ import annotations

import math

from torch import Tensor

from graphreg.losses._checks import PairLoss

_LOG2 = math.log(2.0)


class LogCoshLoss(PairLoss):
    """Mean of log(cosh(ŷ − y)) over samples.

    Computed as ``|x| + log1p(exp(−2|x|)) − log 2``, which equals log cosh x exactly but never
    forms cosh x, so it stays finite and accurate for errors up to float32's range (cosh
    overflows float32 beyond |x| ≈ 89). Autograd of this form yields tanh(x), also at x = 0.
    """

    def compute(self, pred: Tensor, target: Tensor) -> Tensor:
        x = (pred - target).abs()
        return (x + (-2.0 * x).exp().log1p() - _LOG2).mean()


class MSELoss(PairLoss):
    """Mean of (ŷ − y)² over samples."""

    def compute(self, pred: Tensor, target: Tensor) -> Tensor:
        return (pred - target).square().mean()
