"""The planted benchmark: gene-pair scores whose signal flows over a known gene graph.

Generated in memory from a seed (no downloads), so the truth is known:

1. Genes fall into ``n_modules`` random modules (complexes, pathways). A random undirected
   graph with mean degree ``density`` (``density * n_genes / 2`` distinct edges) links each
   edge's endpoints inside one module with probability ``homophily`` and uniformly otherwise.
2. Latent factors: module ``m`` has ``c_m ~ N(0, I_k)`` and gene ``g`` of module ``m`` has
   ``u_g = c_m + factor_noise · ε_g``. A gene's effective factor mixes its own factor with the
   mean of its neighbours': ``v_g = (1 − s) u_g + s · mean_{j ∈ N(g)} u_j`` with
   ``s = graph_signal`` (an isolated gene keeps ``v_g = u_g``).
3. ``n_pairs`` distinct random gene pairs; ``z_ab = ⟨v_a, v_b⟩`` standardized over the pairs,
   and the score ``y_ab = −tail · relu(z_ab − threshold)^tail_power + positive · relu(−z_ab − threshold)
   + noise · ε``: most pairs sit near 0, with a long tail of strong negative interactions and a
   weaker positive side, like genetic-interaction scores.

With ``graph_signal = 1`` a gene's score profile is fully determined by its neighbours' factors,
so under a gene-disjoint split an unseen gene (whose own embedding was never trained) can only be
predicted by routing information from its trained graph neighbours, which mostly share its
module. The negative control hands the model a degree-preserving shuffle
of the true graph (seeded double-edge swaps), which keeps every gene's degree but destroys the
information the graph carries about the scores.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields

import numpy as np
import torch

from graphreg.data.pairs import PairData
from graphreg.graph import Graph

PLANTED_GRAPH = "planted"


@dataclass(frozen=True)
class PlantedConfig:
    """Knobs of the planted benchmark (see the module docstring for the generative model)."""

    n_genes: int = 500
    n_pairs: int = 20000
    density: float = 8.0
    n_modules: int = 10
    homophily: float = 0.9
    factor_noise: float = 0.5
    graph_signal: float = 1.0
    noise: float = 0.1
    n_factors: int = 8
    threshold: float = 0.5
    tail: float = 1.0
    tail_power: float = 1.5
    positive: float = 0.3
    negative_control: bool = False
    swaps_per_edge: int = 10

    @classmethod
    def from_dict(cls, values: Mapping[str, object]) -> "PlantedConfig":
        """Build from a config section; an unknown key is a ``ValueError`` naming it."""
        known = {f.name for f in fields(cls)}
        for key in values:
            if key not in known:
                raise ValueError(f"unknown planted data option {key!r}; known: {', '.join(sorted(known))}")
        config = cls(**values)  # type: ignore[arg-type]
        config._validate()
        return config

    def _validate(self) -> None:
        if self.n_genes < 4:
            raise ValueError(f"planted n_genes must be >= 4, got {self.n_genes}")
        max_pairs = self.n_genes * (self.n_genes - 1) // 2
        if not 1 <= self.n_pairs <= max_pairs:
            raise ValueError(f"planted n_pairs must lie in [1, {max_pairs}] for {self.n_genes} genes, got {self.n_pairs}")
        if not 0.0 <= self.density <= (self.n_genes - 1) / 2:
            raise ValueError(f"planted density (mean degree) must lie in [0, {(self.n_genes - 1) / 2}], got {self.density}")
        for name in ("graph_signal", "homophily"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"planted {name} must lie in [0, 1], got {getattr(self, name)}")
        if not 1 <= self.n_modules <= self.n_genes:
            raise ValueError(f"planted n_modules must lie in [1, n_genes], got {self.n_modules}")
        for name in ("noise", "factor_noise", "threshold", "tail", "tail_power", "positive"):
            if getattr(self, name) < 0:
                raise ValueError(f"planted {name} must be >= 0, got {getattr(self, name)}")
        if self.n_factors < 1:
            raise ValueError(f"planted n_factors must be >= 1, got {self.n_factors}")
        if self.swaps_per_edge < 1:
            raise ValueError(f"planted swaps_per_edge must be >= 1, got {self.swaps_per_edge}")


def make_planted(config: PlantedConfig | Mapping[str, object] | None = None, seed: int = 0) -> PairData:
    """Generate the planted benchmark for ``seed``; the model's graph is ``graphs["planted"]``.

    With ``negative_control`` the scores are generated from the true graph but the graph handed
    out is its degree-preserving shuffle.
    """
    if not isinstance(config, PlantedConfig):
        config = PlantedConfig.from_dict(config or {})
    rng = np.random.default_rng(seed)
    n = config.n_genes
    modules = rng.integers(0, config.n_modules, size=n)
    edges = _modular_edges(modules, round(config.density * n / 2), config.homophily, rng)
    centers = rng.standard_normal((config.n_modules, config.n_factors))
    factors = centers[modules] + config.factor_noise * rng.standard_normal((n, config.n_factors))
    effective = _mix_with_neighbours(factors, edges, config.graph_signal)
    pairs = _random_pairs(n, config.n_pairs, rng)
    z = np.einsum("pk,pk->p", effective[pairs[:, 0]], effective[pairs[:, 1]])
    z = (z - z.mean()) / (z.std() + 1e-12)
    scores = (
        -config.tail * np.maximum(z - config.threshold, 0.0) ** config.tail_power
        + config.positive * np.maximum(-z - config.threshold, 0.0)
        + config.noise * rng.standard_normal(len(z))
    )
    if config.negative_control:
        edges = degree_preserving_shuffle(edges, config.swaps_per_edge * len(edges), rng)
    graph = Graph.from_edges(torch.from_numpy(edges[:, 0]), torch.from_numpy(edges[:, 1]), n, name=PLANTED_GRAPH)
    width = len(str(n - 1))
    return PairData(
        genes=[f"G{i:0{width}d}" for i in range(n)],
        pairs=torch.from_numpy(pairs),
        scores=torch.from_numpy(scores).float(),
        graphs={PLANTED_GRAPH: graph},
    )


def degree_preserving_shuffle(edges: np.ndarray, n_swaps: int, rng: np.random.Generator) -> np.ndarray:
    """Randomize an undirected simple graph ``(E, 2)`` by ``n_swaps`` attempted double-edge swaps
    (``a–b, c–d → a–d, c–b``); swaps that would create a self-loop or a duplicate edge are
    rejected, so every node keeps its degree."""
    edges = edges.copy()
    present = {_key(a, b) for a, b in edges}
    picks = rng.integers(0, len(edges), size=(n_swaps, 2)) if len(edges) >= 2 else np.empty((0, 2), dtype=np.int64)
    flips = rng.random(n_swaps) < 0.5
    for (i, j), flip in zip(picks, flips):
        a, b = edges[i]
        c, d = edges[j] if not flip else edges[j][::-1]
        if len({a, b, c, d}) < 4 or _key(a, d) in present or _key(c, b) in present:
            continue
        present -= {_key(a, b), _key(c, d)}
        present |= {_key(a, d), _key(c, b)}
        edges[i], edges[j] = (a, d), (c, b)
    return edges


def _key(a: int, b: int) -> tuple[int, int]:
    return (a, b) if a < b else (b, a)


def _modular_edges(modules: np.ndarray, n_edges: int, homophily: float, rng: np.random.Generator) -> np.ndarray:
    """``n_edges`` distinct undirected edges ``(E, 2)`` with ``a < b``: a uniform endpoint ``a``
    and, with probability ``homophily``, a partner from ``a``'s module, else a uniform one.
    Candidates are drawn in rounds until enough distinct edges exist (the density bound of
    :class:`PlantedConfig` keeps this short)."""
    n = len(modules)
    order = np.argsort(modules, kind="stable")
    sizes = np.bincount(modules, minlength=modules.max() + 1)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    keys = np.empty(0, dtype=np.int64)
    while len(keys) < n_edges:
        m = 2 * (n_edges - len(keys)) + 16
        a = rng.integers(0, n, size=m)
        within = order[starts[modules[a]] + (rng.random(m) * sizes[modules[a]]).astype(np.int64)]
        b = np.where(rng.random(m) < homophily, within, rng.integers(0, n, size=m))
        candidates = np.minimum(a, b) * n + np.maximum(a, b)
        candidates = np.concatenate([keys, candidates[a != b]])
        _, first = np.unique(candidates, return_index=True)
        keys = candidates[np.sort(first)][:n_edges]  # keep draw order so the result is seeded
    return np.stack([keys // n, keys % n], axis=1)


def _random_pairs(n: int, n_pairs: int, rng: np.random.Generator) -> np.ndarray:
    """``n_pairs`` distinct unordered gene pairs, drawn uniformly (independently of the graph)."""
    return _distinct_pairs(n, n_pairs, rng)


def _distinct_pairs(n: int, count: int, rng: np.random.Generator) -> np.ndarray:
    """``count`` distinct unordered pairs ``(a < b)`` of ``range(n)``, sampled without replacement
    from the ``n (n − 1) / 2`` pair indices."""
    total = n * (n - 1) // 2
    flat = np.sort(rng.choice(total, size=count, replace=False))
    # invert flat = a * n - a (a + 1) / 2 + (b - a - 1) for the row a
    a = (n - 0.5 - np.sqrt((n - 0.5) ** 2 - 2 * flat)).astype(np.int64)
    row_start = a * n - a * (a + 1) // 2
    # floating-point guard: move a by one where the closed form overshoots or undershoots
    a = np.where(row_start > flat, a - 1, a)
    row_start = a * n - a * (a + 1) // 2
    next_start = (a + 1) * n - (a + 1) * (a + 2) // 2
    a = np.where(flat >= next_start, a + 1, a)
    row_start = a * n - a * (a + 1) // 2
    b = flat - row_start + a + 1
    return np.stack([a, b], axis=1).astype(np.int64)


def _mix_with_neighbours(factors: np.ndarray, edges: np.ndarray, graph_signal: float) -> np.ndarray:
    """``v_g = (1 − s) u_g + s · mean_{j ∈ N(g)} u_j``; isolated genes keep ``u_g``."""
    n = factors.shape[0]
    sources = np.concatenate([edges[:, 0], edges[:, 1]])
    targets = np.concatenate([edges[:, 1], edges[:, 0]])
    degree = np.bincount(sources, minlength=n)
    neighbour_sum = np.zeros_like(factors)
    np.add.at(neighbour_sum, sources, factors[targets])
    neighbour_mean = np.where(degree[:, None] > 0, neighbour_sum / np.maximum(degree, 1)[:, None], factors)
    return (1.0 - graph_signal) * factors + graph_signal * neighbour_mean
