"""The in-memory dataset every loader and generator returns."""

from __future__ import annotations

from dataclasses import dataclass, field

import torch

from graphreg.graph import Graph


@dataclass
class PairData:
    """Scores of gene pairs, with graphs over the same gene index.

    ``genes[i]`` names token ``i``; ``pairs[k] = (a, b)`` indexes into ``genes`` and
    ``scores[k]`` is that pair's measured (or planted) interaction score. Every graph in
    ``graphs`` has ``num_nodes == len(genes)``; genes absent from a source graph simply
    have no edges. ``node_features`` is an optional ``(len(genes), F)`` float tensor.
    """

    genes: list[str]
    pairs: torch.Tensor
    scores: torch.Tensor
    graphs: dict[str, Graph] = field(default_factory=dict)
    node_features: torch.Tensor | None = None

    def __post_init__(self) -> None:
        if self.pairs.ndim != 2 or self.pairs.shape[1] != 2:
            raise ValueError(f"pairs must have shape (P, 2), got {tuple(self.pairs.shape)}")
        if self.scores.shape != (self.pairs.shape[0],):
            raise ValueError("scores must have one value per pair")
        for name, graph in self.graphs.items():
            if graph.num_nodes != len(self.genes):
                raise ValueError(f"graph {name!r} has {graph.num_nodes} nodes, expected {len(self.genes)}")

    @property
    def num_genes(self) -> int:
        return len(self.genes)

    @property
    def num_pairs(self) -> int:
        return int(self.pairs.shape[0])
