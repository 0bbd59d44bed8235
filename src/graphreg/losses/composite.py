"""The PointDistGraphReg composite loss: λ_point·L_point + λ_dist·L_dist + λ_graph·L_graph."""

from __future__ import annotations

import torch
from torch import Tensor

from graphreg.losses._checks import PairLoss, check_choice, check_count, check_fraction, check_pair
from graphreg.losses.buffered import BufferedDistributionLoss, GatheredDistributionLoss
from graphreg.losses.distribution import KDEDistLoss, WassersteinLoss
from graphreg.losses.point import LogCoshLoss, MSELoss

_POINT_LOSSES = {"logcosh": LogCoshLoss, "mse": MSELoss}
_DIST_LOSSES = (None, "dist", "wasserstein")
_TERMS = ("point", "dist", "graph")


def _check_weight(name: str, value: float) -> float:
    if not (isinstance(value, (int, float)) and not isinstance(value, bool) and 0.0 <= value < float("inf")):
        raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")
    return float(value)


def _ratios(values: dict[str, float], active: dict[str, bool]) -> dict[str, float]:
    """value_k / Σ_j value_j over the active terms; 0 for inactive terms or a zero sum."""
    denominator = sum(v for k, v in values.items() if active[k])
    return {k: values[k] / denominator if active[k] and denominator != 0 else 0.0 for k in values}


class PointDistGraphReg(PairLoss):
    """L_total = λ_point·L_point + λ_dist·L_dist + λ_graph·L_graph, each λ applied once.

    - L_point: ``point`` = "logcosh" (:class:`LogCoshLoss`) or "mse" (:class:`MSELoss`), on this
      rank's samples (DDP averages its gradient over ranks).
    - L_dist: ``dist`` = None (off), "dist" (:class:`KDEDistLoss` with ``bandwidth``) or
      "wasserstein" (:class:`WassersteinLoss` with ``wasserstein_p``), on the samples of all
      ranks; with ``buffered`` mixed with a buffer of past samples by ``alpha``
      (:class:`BufferedDistributionLoss`). It is inactive (0) below ``min_samples_for_dist`` /
      ``min_samples_for_wasserstein`` samples.
    - L_graph: the model's graph regularization, passed to :meth:`forward` as ``graph_reg``
      (inactive when None).

    ``forward`` returns ``(total, parts)``; ``parts`` holds plain floats: for k in point, dist,
    graph the raw loss ``k``, ``weighted_k`` = λ_k·L_k, ``norm_weighted_k`` = λ_k·L_k / L_total
    and ``norm_unweighted_k`` = L_k / Σ_j L_j (sums over active terms; 0 where inactive or where
    the denominator is 0).
    """

    def __init__(
        self,
        lambda_point: float = 1.0,
        lambda_dist: float = 0.1,
        lambda_graph: float = 1.0,
        point: str = "logcosh",
        dist: str | None = None,
        wasserstein_p: float = 2,
        bandwidth: float = 0.5,
        buffered: bool = False,
        buffer_size: int = 256,
        alpha: float = 0.5,
        min_samples_for_dist: int = 64,
        min_samples_for_wasserstein: int = 224,
    ) -> None:
        super().__init__()
        self.lambdas = {
            "point": _check_weight("lambda_point", lambda_point),
            "dist": _check_weight("lambda_dist", lambda_dist),
            "graph": _check_weight("lambda_graph", lambda_graph),
        }
        check_choice("point loss", point, tuple(_POINT_LOSSES))
        check_choice("dist loss", dist, _DIST_LOSSES)
        if not isinstance(buffered, bool):
            raise ValueError(f"buffered must be True or False, got {buffered!r}")
        # Every argument is validated even when its component is off: a bad value is a bad value.
        check_count("buffer_size", buffer_size, 1)
        check_fraction("alpha", alpha)
        self.point_loss = _POINT_LOSSES[point]()
        bases = {"dist": KDEDistLoss(bandwidth), "wasserstein": WassersteinLoss(wasserstein_p)}
        min_samples = {"dist": min_samples_for_dist, "wasserstein": min_samples_for_wasserstein}
        terms = {
            name: BufferedDistributionLoss(bases[name], buffer_size, alpha, min_samples[name])
            if buffered
            else GatheredDistributionLoss(bases[name], min_samples[name])
            for name in bases
        }
        self.dist_loss: GatheredDistributionLoss | BufferedDistributionLoss | None = terms[dist] if dist else None

    def extra_repr(self) -> str:
        return ", ".join(f"lambda_{k}={v}" for k, v in self.lambdas.items())

    def forward(self, pred: Tensor, target: Tensor, graph_reg: Tensor | None = None) -> tuple[Tensor, dict[str, float]]:  # type: ignore[override]
        """Total loss and its parts for predictions and targets of shape ``(B,)`` or ``(B, 1)``.

        Under torch.distributed with world size > 1 every rank must call this for every batch
        (the distribution term gathers the samples of all ranks).
        """
        pred, target = check_pair(pred, target)
        losses: dict[str, Tensor | None] = {"point": self.point_loss.compute(pred, target), "dist": None, "graph": None}
        total = self.lambdas["point"] * losses["point"]
        if self.dist_loss is not None:
            # An inactive distribution term is a zero still connected to pred: adding it keeps
            # every parameter in the autograd graph, as DDP expects.
            dist_value = self.dist_loss.compute(pred, target)
            total = total + self.lambdas["dist"] * dist_value
            losses["dist"] = dist_value if self.dist_loss.active else None
        if graph_reg is not None:
            if not isinstance(graph_reg, Tensor) or graph_reg.numel() != 1:
                raise ValueError("graph_reg must be a tensor holding one value")
            losses["graph"] = graph_reg.reshape(())
            total = total + self.lambdas["graph"] * losses["graph"]
        return total, self._parts(losses)

    def _parts(self, losses: dict[str, Tensor | None]) -> dict[str, float]:
        active = {k: v is not None for k, v in losses.items()}
        names = [k for k in _TERMS if active[k]]
        values = dict.fromkeys(_TERMS, 0.0)
        # One device-to-host copy for all terms rather than one .item() each.
        if names:
            values.update(zip(names, torch.stack([losses[k].detach().double() for k in names]).tolist()))
        weighted = {k: self.lambdas[k] * values[k] for k in _TERMS}
        parts = dict(values)
        parts.update({f"weighted_{k}": v for k, v in weighted.items()})
        parts.update({f"norm_weighted_{k}": v for k, v in _ratios(weighted, active).items()})
        parts.update({f"norm_unweighted_{k}": v for k, v in _ratios(values, active).items()})
        return parts
