"""Biological graphs over a fixed gene index, and the attention regularizer that pulls
attention heads toward them."""

from __future__ import annotations

from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class Graph:
    """A graph over genes ``0 .. num_nodes - 1`` stored as an edge list (never a dense matrix).

    ``edge_index[0]`` holds sources and ``edge_index[1]`` targets. An undirected graph holds
    each edge in both directions, so that row ``i`` of its adjacency lists all of ``i``'s
    neighbours; a directed graph (e.g. regulator -> target) keeps only the given direction.
    Self-loops and duplicate edges are removed by :meth:`from_edges`.
    """

    edge_index: torch.Tensor
    num_nodes: int
    directed: bool = False
    name: str = "graph"

    @classmethod
    def from_edges(
        cls,
        sources: torch.Tensor,
        targets: torch.Tensor,
        num_nodes: int,
        *,
        directed: bool = False,
        name: str = "graph",
    ) -> "Graph":
        """Build a graph from parallel source/target index tensors, de-duplicated and
        without self-loops; undirected graphs get both directions."""
        sources = torch.as_tensor(sources, dtype=torch.long).reshape(-1)
        targets = torch.as_tensor(targets, dtype=torch.long).reshape(-1)
        if sources.shape != targets.shape:
            raise ValueError("sources and targets must have the same length")
        if sources.numel() and (min(sources.min(), targets.min()) < 0 or max(sources.max(), targets.max()) >= num_nodes):
            raise ValueError(f"edge endpoints must lie in [0, {num_nodes})")
        if not directed:
            sources, targets = torch.cat([sources, targets]), torch.cat([targets, sources])
        keep = sources != targets
        keys = torch.unique(sources[keep] * num_nodes + targets[keep])
        edge_index = torch.stack([keys // num_nodes, keys % num_nodes])
        return cls(edge_index=edge_index, num_nodes=num_nodes, directed=directed, name=name)

    @property
    def num_edges(self) -> int:
        """Number of stored (directed) edges; an undirected edge counts twice."""
        return int(self.edge_index.shape[1])
