"""The gene-attention model: a transformer over all gene tokens whose attention heads can be
regularized toward biological graphs, and a symmetric head that scores gene pairs.

The encoder's input (one token per gene) does not depend on the sample, so it runs once per
batch over all ``N`` genes; a batch of pairs then only indexes the contextual embeddings. That
makes every head's attention an ``(N, N)`` gene-by-gene matrix, directly comparable to a graph's
adjacency, which is what :func:`graphreg.graph.graph_kl_from_edges` regularizes, from the
attention at the graph's edges only.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.checkpoint import checkpoint

from graphreg.graph import Graph, edge_mass_from_edges, graph_kl_from_edges


@dataclass(frozen=True)
class GraphHead:
    """Assigns head ``head`` of encoder layer ``layer`` to the graph named ``graph``."""

    layer: int
    head: int
    graph: str


@dataclass
class ModelOutput:
    """Pair scores ``pred`` ``(B,)`` and the summed graph regularization (``None`` when it was
    not requested, so that λ_graph = 0 costs nothing)."""

    pred: torch.Tensor
    graph_reg: torch.Tensor | None


# Rows of the attention scores held at once when log-normalizers are computed: bounds that
# computation's memory to about this many floats, whatever the number of genes.
_SCORE_CHUNK_ELEMENTS = 1 << 20


class _AttentionLayer(nn.Module):
    """Pre-norm transformer layer. Attention runs through ``scaled_dot_product_attention``
    (never materializing ``N × N`` on backends with a fused kernel); the layer also returns its
    per-head queries and keys ``(H, N, d_head)``, from which the model derives log-attention
    where it needs it. Dropout acts on the layer outputs, not on attention weights."""

    def __init__(self, d_model: int, n_heads: int, dropout: float) -> None:
        super().__init__()
        self.n_heads = n_heads
        self.norm_attn = nn.LayerNorm(d_model)
        self.qkv = nn.Linear(d_model, 3 * d_model)
        self.out = nn.Linear(d_model, d_model)
        self.norm_ff = nn.LayerNorm(d_model)
        self.ff = nn.Sequential(nn.Linear(d_model, 4 * d_model), nn.GELU(), nn.Linear(4 * d_model, d_model))
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        n, d = x.shape
        q, k, v = self.qkv(self.norm_attn(x)).view(n, 3, self.n_heads, d // self.n_heads).permute(1, 2, 0, 3)
        mixed = F.scaled_dot_product_attention(q.unsqueeze(0), k.unsqueeze(0), v.unsqueeze(0)).squeeze(0)
        x = x + self.dropout(self.out(mixed.transpose(0, 1).reshape(n, d)))
        x = x + self.dropout(self.ff(self.norm_ff(x)))
        return x, q, k


def _scores(query: torch.Tensor, key: torch.Tensor) -> torch.Tensor:
    """Scaled dot-product scores ``q kᵀ / √d`` in at least float32, also under bf16 autocast:
    the regularizer takes logs of small probabilities."""
    dtype = torch.promote_types(query.dtype, torch.float32)
    with torch.autocast(query.device.type, enabled=False):
        return (query.to(dtype) @ key.to(dtype).transpose(-1, -2)) / math.sqrt(query.shape[-1])


def _row_logsumexp(query: torch.Tensor, key: torch.Tensor) -> torch.Tensor:
    """``log Σ_j exp(s_ij)`` of every row of the scores, computed over blocks of rows that are
    recomputed in the backward pass instead of stored, so memory stays ``O(N)`` beyond a block."""
    n = query.shape[0]
    rows = max(1, _SCORE_CHUNK_ELEMENTS // max(1, key.shape[0]))
    blocks = [
        checkpoint(lambda q, k: torch.logsumexp(_scores(q, k), dim=-1), query[start : start + rows], key, use_reentrant=False)
        for start in range(0, n, rows)
    ]
    return torch.cat(blocks)


def _edge_log_attention(query: torch.Tensor, key: torch.Tensor, edge_index: torch.Tensor) -> torch.Tensor:
    """``log α_ij = s_ij − logsumexp_k s_ik`` of one head at the given edges only."""
    sources, targets = edge_index[0], edge_index[1]
    dtype = torch.promote_types(query.dtype, torch.float32)
    with torch.autocast(query.device.type, enabled=False):
        edge_scores = (query[sources].to(dtype) * key[targets].to(dtype)).sum(-1) / math.sqrt(query.shape[-1])
    return edge_scores - _row_logsumexp(query, key)[sources]


class GeneAttentionModel(nn.Module):
    """Transformer over gene tokens that predicts a score for each gene pair.

    Token ``g`` is a learnable embedding, plus a linear projection of ``node_features[g]`` when
    node features are given. ``graph_heads`` assigns heads to graphs in ``graphs``; with
    ``with_graph_reg=True`` the forward pass returns the sum over assignments of
    ``graph_attention_kl`` (weighted once by λ_graph in the loss). The pair head is symmetric in
    the two genes: an MLP on ``[h_a + h_b, h_a ⊙ h_b]``.
    """

    def __init__(
        self,
        num_genes: int,
        *,
        d_model: int = 32,
        n_layers: int = 1,
        n_heads: int = 2,
        dropout: float = 0.0,
        node_features: torch.Tensor | None = None,
        graphs: Mapping[str, Graph] | None = None,
        graph_heads: Sequence[GraphHead] = (),
    ) -> None:
        super().__init__()
        graphs = dict(graphs or {})
        if num_genes < 1:
            raise ValueError(f"num_genes must be >= 1, got {num_genes}")
        if d_model % n_heads:
            raise ValueError(f"d_model ({d_model}) must be divisible by n_heads ({n_heads})")
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"dropout must lie in [0, 1), got {dropout}")
        for assignment in graph_heads:
            if not (0 <= assignment.layer < n_layers and 0 <= assignment.head < n_heads):
                raise ValueError(
                    f"graph head (layer={assignment.layer}, head={assignment.head}) outside {n_layers} layers x {n_heads} heads"
                )
            if assignment.graph not in graphs:
                raise ValueError(f"graph head refers to unknown graph {assignment.graph!r}; known: {sorted(graphs)}")
            if graphs[assignment.graph].num_nodes != num_genes:
                raise ValueError(f"graph {assignment.graph!r} has {graphs[assignment.graph].num_nodes} nodes, expected {num_genes}")
        self.graphs = graphs
        self.graph_heads = tuple(graph_heads)
        self.embedding = nn.Parameter(torch.randn(num_genes, d_model) * 0.02)
        if node_features is not None:
            if node_features.ndim != 2 or node_features.shape[0] != num_genes:
                raise ValueError(f"node_features must have shape ({num_genes}, F), got {tuple(node_features.shape)}")
            self.register_buffer("node_features", node_features.float())
            self.feature_proj: nn.Linear | None = nn.Linear(node_features.shape[1], d_model)
        else:
            self.node_features = None
            self.feature_proj = None
        self.layers = nn.ModuleList(_AttentionLayer(d_model, n_heads, dropout) for _ in range(n_layers))
        self.norm_out = nn.LayerNorm(d_model)
        self.pair_head = nn.Sequential(nn.Linear(2 * d_model, d_model), nn.GELU(), nn.Linear(d_model, 1))

    def _run(self) -> tuple[torch.Tensor, list[tuple[torch.Tensor, torch.Tensor]]]:
        """Contextual gene embeddings ``(N, d)`` and each layer's queries and keys."""
        x = self.embedding
        if self.feature_proj is not None:
            x = x + self.feature_proj(self.node_features)
        queries_keys = []
        for layer in self.layers:
            x, q, k = layer(x)
            queries_keys.append((q, k))
        return self.norm_out(x), queries_keys

    def encode(self, need_attention: Collection[tuple[int, int]] = ()) -> tuple[torch.Tensor, dict[tuple[int, int], torch.Tensor]]:
        """Contextual gene embeddings ``(N, d)`` and, for inspection, the full log-attention
        ``(N, N)`` of each ``(layer, head)`` in ``need_attention`` (row ``i``: how gene ``i``
        attends). Training never builds these matrices."""
        h, queries_keys = self._run()
        attention = {}
        for layer, head in need_attention:
            q, k = queries_keys[layer]
            attention[layer, head] = torch.log_softmax(_scores(q[head], k[head]), dim=-1)
        return h, attention

    def forward(self, pairs: torch.Tensor, with_graph_reg: bool = False) -> ModelOutput:
        """Scores of ``pairs`` ``(B, 2)``; the graph regularization only when asked for (and
        only for models with graph heads). The regularizer needs the log-attention at the
        graph's edges and one log-normalizer per row, never an ``N × N`` matrix."""
        h, queries_keys = self._run()
        h_a, h_b = h[pairs[:, 0]], h[pairs[:, 1]]
        pred = self.pair_head(torch.cat([h_a + h_b, h_a * h_b], dim=-1)).squeeze(-1)
        graph_reg = None
        if with_graph_reg and self.graph_heads:
            graph_reg = sum(
                graph_kl_from_edges(self._edge_log_attention(queries_keys, a), self.graphs[a.graph]) for a in self.graph_heads
            )
        return ModelOutput(pred=pred, graph_reg=graph_reg)

    def _edge_log_attention(self, queries_keys: list[tuple[torch.Tensor, torch.Tensor]], assignment: GraphHead) -> torch.Tensor:
        q, k = queries_keys[assignment.layer]
        edge_index = self.graphs[assignment.graph].edge_index.to(q.device)
        return _edge_log_attention(q[assignment.head], k[assignment.head], edge_index)

    @torch.no_grad()
    def attention_edge_mass(self) -> float:
        """Alignment of the attention with the graphs: mean over graph heads of the fraction of
        attention mass on their graph's edges. Without graph heads, every head of every layer is
        measured against every graph, so a model trained with λ_graph = 0 is still comparable;
        NaN when there are no graphs."""
        assignments = self.graph_heads or tuple(
            GraphHead(layer, head, name)
            for layer in range(len(self.layers))
            for head in range(self.layers[layer].n_heads)
            for name in self.graphs
        )
        if not assignments:
            return float("nan")
        _, queries_keys = self._run()
        masses = [edge_mass_from_edges(self._edge_log_attention(queries_keys, a), self.graphs[a.graph]) for a in assignments]
        return float(torch.stack(masses).mean())
