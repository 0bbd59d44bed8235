"""Synthetic graphreg-shaped Optuna studies for the analysis tests.

Trials are added with ``study.add_trial`` to a real storage, shaped like the study runner's
(dotted parameter names, a ``loss.graph_reg`` switch with a conditional log-scale
``loss.lambda_graph``, a ``config`` user attr with the effective values, metrics and
per-epoch intermediate values), with an objective the test chooses.
"""

from __future__ import annotations

from collections.abc import Callable
import copy
import math

import numpy as np
import optuna
from optuna.distributions import CategoricalDistribution, FloatDistribution

DISTRIBUTIONS = {
    "loss.graph_reg": CategoricalDistribution([False, True]),
    "loss.lambda_graph": FloatDistribution(1e-3, 10.0, log=True),
    "loss.dist": CategoricalDistribution([None, "dist", "wasserstein"]),
    "loss.lambda_dist": FloatDistribution(1e-3, 1.0, log=True),
    "loss.point": CategoricalDistribution(["logcosh", "mse"]),
    "training.lr": FloatDistribution(1e-4, 1e-2, log=True),
}
EPOCHS = 4


def base_config() -> dict:
    """A full nested config shaped like the training contract."""
    return {
        "data": {"source": "planted", "seed": 0, "split": "gene_disjoint", "val_fraction": 0.1,
                 "test_fraction": 0.2, "planted": {"n_genes": 64}},
        "model": {"d_model": 16, "n_layers": 1, "n_heads": 2, "dropout": 0.0,
                  "graph_heads": [{"layer": 0, "head": 0, "graph": "planted"}]},
        "loss": {"lambda_point": 1.0, "lambda_dist": 0.0, "lambda_graph": 0.0, "point": "logcosh",
                 "dist": None},
        "training": {"epochs": EPOCHS, "batch_size": 64, "lr": 3e-3, "weight_decay": 0.0,
                     "seed": 0, "device": "cpu"},
    }


def sample_params(rng: np.random.Generator) -> dict:
    """Random search over :data:`DISTRIBUTIONS`, with the conditional parameters."""
    params: dict = {"loss.graph_reg": bool(rng.integers(2))}
    if params["loss.graph_reg"]:
        params["loss.lambda_graph"] = float(10 ** rng.uniform(-3, 1))
    params["loss.dist"] = [None, "dist", "wasserstein"][int(rng.integers(3))]
    if params["loss.dist"] is not None:
        params["loss.lambda_dist"] = float(10 ** rng.uniform(-3, 0))
    params["loss.point"] = ["logcosh", "mse"][int(rng.integers(2))]
    params["training.lr"] = float(10 ** rng.uniform(-4, -2))
    return params


def config_of(params: dict, base: dict | None = None) -> dict:
    """The config a trial with ``params`` trains with (λ_graph = 0 when off)."""
    config = copy.deepcopy(base) if base is not None else base_config()
    # Switched-off terms weigh 0, as the study runner resolves them.
    config["loss"]["lambda_graph"] = 0.0
    config["loss"]["lambda_dist"] = 0.0
    for name, value in params.items():
        if name == "loss.graph_reg":
            continue
        section, key = name.split(".")
        config[section][key] = value
    return config


def lambda_effect(params: dict) -> float:
    """Test Pearson that rises with log λ_graph and is ~0 without graph regularization."""
    lam = params.get("loss.lambda_graph", 0.0)
    return 0.0 if lam == 0 else 0.5 / (1.0 + math.exp(-2.0 * (math.log10(lam) + 1.5)))


def lr_effect(params: dict) -> float:
    """Test Pearson that depends on the learning rate only."""
    return 0.5 * (math.log10(params["training.lr"]) + 4.0) / 2.0


def add_trials(study: optuna.Study, n: int, objective: Callable[[dict], float], seed: int = 0,
               noise: float = 0.01, base: dict | None = None) -> None:
    """Add ``n`` finished trials whose value (val Pearson) is ``objective(params)`` + noise.

    ``base``: the config the parameters are set into (default :func:`base_config`).
    """
    rng = np.random.default_rng(seed)
    for _ in range(n):
        params = sample_params(rng)
        test = objective(params) + noise * rng.standard_normal()
        val = test + noise * rng.standard_normal()
        lam = params.get("loss.lambda_graph", 0.0)
        shares = np.array([1.0, params.get("loss.lambda_dist", 0.0), lam])
        shares /= shares.sum()
        attrs = {
            "config": config_of(params, base),
            "val_pearson": val,
            "test_pearson": test,
            "test_spearman": test * 0.9,
            "test_mse": 1.0 - test,
            "test_tail_mae": 1.2 - test,
            "norm_weighted_point": float(shares[0]),
            "norm_weighted_dist": float(shares[1]),
            "norm_weighted_graph": float(shares[2]),
            "world_size": 2,
            "device": "cpu",
            "wall_time_s": 1.0,
        }
        curve = {e: val * (e + 1) / EPOCHS for e in range(EPOCHS)}
        study.add_trial(
            optuna.trial.create_trial(
                params=params,
                distributions={k: DISTRIBUTIONS[k] for k in params},
                value=val,
                user_attrs=attrs,
                intermediate_values=curve,
            )
        )
