"""Evaluation metrics of predicted against measured pair scores, in float64."""

from __future__ import annotations

import numpy as np
import torch
from scipy import stats

TAIL_QUANTILE = 0.95


def regression_metrics(pred: torch.Tensor, target: torch.Tensor, prefix: str) -> dict[str, float]:
    """``{prefix}_pearson``, ``_spearman``, ``_mse`` and ``_tail_mae``: the mean absolute error
    on the pairs whose ``|target|`` lies in the top 5% (the strong interactions that matter
    most and that a model predicting ~0 everywhere gets wrong). Correlations of a constant
    prediction are NaN, not an error."""
    p = pred.detach().double().cpu().numpy()
    y = target.detach().double().cpu().numpy()
    tail = np.abs(y) >= np.quantile(np.abs(y), TAIL_QUANTILE)
    constant = np.ptp(p) == 0 or np.ptp(y) == 0
    return {
        f"{prefix}_pearson": float("nan") if constant else float(stats.pearsonr(p, y).statistic),
        f"{prefix}_spearman": float("nan") if constant else float(stats.spearmanr(p, y).statistic),
        f"{prefix}_mse": float(np.mean((p - y) ** 2)),
        f"{prefix}_tail_mae": float(np.mean(np.abs(p - y)[tail])),
    }
