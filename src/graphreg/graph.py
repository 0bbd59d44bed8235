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


def _check_shape(log_attention: torch.Tensor, graph: Graph) -> None:
    if log_attention.shape != (graph.num_nodes, graph.num_nodes):
        raise ValueError(
            f"log_attention has shape {tuple(log_attention.shape)}, expected ({graph.num_nodes}, {graph.num_nodes}) "
            f"for graph {graph.name!r}"
        )


def _row_weights(graph: Graph, like: torch.Tensor) -> tuple[torch.Tensor, int]:
    """Weights ``Ã_ij = 1 / outdeg(i)`` of the row-normalized adjacency, per edge in
    ``graph.edge_index`` order, on ``like``'s device and dtype, and the number of nodes with at
    least one out-edge (the rows the regularizer and the alignment metric average over)."""
    sources = graph.edge_index[0].to(like.device)
    out_degree = torch.bincount(sources, minlength=graph.num_nodes)
    return 1.0 / out_degree[sources].to(like.dtype), int((out_degree > 0).sum())


def graph_attention_kl(log_attention: torch.Tensor, graph: Graph) -> torch.Tensor:
    """Mean over nodes ``i`` with at least one out-edge of ``KL(Ã_i ‖ α_i)``.

    ``log_attention`` is an ``(N, N)`` matrix of log attention weights of one head (rows sum to
    one after ``exp``); ``Ã`` is ``graph``'s row-normalized adjacency, so a directed graph keeps
    its direction. Only the attention at edge positions is used (see
    :func:`graph_kl_from_edges`), so no dense adjacency is ever built.
    """
    _check_shape(log_attention, graph)
    edge_index = graph.edge_index.to(log_attention.device)
    return graph_kl_from_edges(log_attention[edge_index[0], edge_index[1]], graph)


def graph_kl_from_edges(edge_log_attention: torch.Tensor, graph: Graph) -> torch.Tensor:
    """The regularizer from the log attention ``log α_ij`` at ``graph``'s edges alone, in the
    order of ``graph.edge_index`` (shape ``(E,)``): ``KL(Ã_i ‖ α_i) = Σ_{j ∈ N(i)} Ã_ij (log Ã_ij −
    log α_ij)`` with ``Ã_ij = 1 / outdeg(i)``, averaged over nodes with an out-edge. Zero when a
    head spreads each row's mass uniformly over the row's neighbours; 0 for a graph without edges.
    """
    weights, num_rows = _row_weights(graph, edge_log_attention)
    if num_rows == 0:
        return edge_log_attention.new_zeros(())
    return (weights * (torch.log(weights) - edge_log_attention)).sum() / num_rows


def attention_edge_mass(log_attention: torch.Tensor, graph: Graph) -> torch.Tensor:
    """Alignment of one head with ``graph`` from its ``(N, N)`` log attention: see
    :func:`edge_mass_from_edges`."""
    _check_shape(log_attention, graph)
    edge_index = graph.edge_index.to(log_attention.device)
    return edge_mass_from_edges(log_attention[edge_index[0], edge_index[1]], graph)


def edge_mass_from_edges(edge_log_attention: torch.Tensor, graph: Graph) -> torch.Tensor:
    """Mean over nodes with at least one out-edge of the attention mass ``Σ_{j ∈ N(i)} α_ij``
    that row ``i`` puts on its neighbours (1 = fully on the graph; ``outdeg(i) / N`` for uniform
    attention), from ``log α`` at the edges in ``graph.edge_index`` order."""
    _, num_rows = _row_weights(graph, edge_log_attention)
    if num_rows == 0:
        return edge_log_attention.new_zeros(())
    return edge_log_attention.exp().sum() / num_rows
