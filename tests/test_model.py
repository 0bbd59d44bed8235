"""The gene-attention model: attention shapes, symmetry, node features, and the λ_graph = 0
path that never computes the regularizer."""

from __future__ import annotations

import pytest
import torch

import graphreg.model as model_module
from graphreg.graph import Graph
from graphreg.model import GeneAttentionModel, GraphHead

N = 12


def _model(**kwargs) -> GeneAttentionModel:
    graph = Graph.from_edges(torch.arange(N - 1), torch.arange(1, N), N, name="chain")
    torch.manual_seed(0)
    return GeneAttentionModel(N, d_model=8, n_layers=2, n_heads=2, graphs={"chain": graph}, graph_heads=[GraphHead(1, 0, "chain")], **kwargs)


def test_attention_shapes_and_rows_sum_to_one() -> None:
    h, attention = _model().encode(need_attention={(0, 1), (1, 0), (1, 1)})
    assert h.shape == (N, 8) and set(attention) == {(0, 1), (1, 0), (1, 1)}
    for log_attention in attention.values():
        assert log_attention.shape == (N, N)
        torch.testing.assert_close(log_attention.exp().sum(-1), torch.ones(N))


def test_graph_reg_does_not_change_the_prediction() -> None:
    model = _model()
    pairs = torch.tensor([[0, 5], [3, 11], [7, 7]])
    assert torch.equal(model(pairs).pred, model(pairs, with_graph_reg=True).pred)


def test_prediction_is_symmetric_in_the_two_genes() -> None:
    model = _model()
    pairs = torch.tensor([[0, 5], [3, 11]])
    torch.testing.assert_close(model(pairs).pred, model(pairs.flip(1)).pred)


def test_lambda_zero_path_skips_the_regularizer(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without with_graph_reg, no log-attention is computed and the KL is never evaluated."""
    calls = []
    monkeypatch.setattr(model_module, "_edge_log_attention", lambda *args: calls.append(args) or torch.zeros(2 * (N - 1)))
    model = _model()
    out = model(torch.tensor([[0, 1]]))
    assert out.graph_reg is None and calls == []
    assert model(torch.tensor([[0, 1]]), with_graph_reg=True).graph_reg is not None and len(calls) == 1


def test_regularizer_gradient_reaches_the_gene_embeddings() -> None:
    model = _model()
    model(torch.tensor([[0, 1]]), with_graph_reg=True).graph_reg.backward()
    assert model.embedding.grad is not None and model.embedding.grad.abs().sum() > 0


def test_node_features_change_the_tokens() -> None:
    features = torch.randn(N, 3)
    model = _model(node_features=features)
    before = model(torch.tensor([[0, 1]])).pred
    model.node_features.mul_(2.0)
    assert not torch.allclose(before, model(torch.tensor([[0, 1]])).pred)


def test_attention_edge_mass_without_graph_heads_measures_every_head() -> None:
    graph = Graph.from_edges(torch.arange(N - 1), torch.arange(1, N), N)
    torch.manual_seed(1)
    model = GeneAttentionModel(N, d_model=8, n_layers=2, n_heads=2, graphs={"g": graph}).double()
    _, attention = model.encode(need_attention={(layer, head) for layer in (0, 1) for head in (0, 1)})
    adjacency = torch.zeros(N, N, dtype=torch.float64)
    adjacency[graph.edge_index[0], graph.edge_index[1]] = 1.0
    # Dense: per head, the mean over nodes of the attention on their neighbours; then over heads.
    dense = torch.stack([(a.exp() * adjacency).sum(-1).mean() for a in attention.values()])
    assert model.attention_edge_mass() == pytest.approx(dense.mean().item(), rel=1e-10)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"graph_heads": [GraphHead(2, 0, "chain")]}, "outside"),
        ({"graph_heads": [GraphHead(0, 0, "other")]}, "unknown graph 'other'"),
        ({"n_heads": 3}, "divisible"),
        ({"node_features": torch.zeros(N + 1, 2)}, "node_features"),
    ],
)
def test_bad_model_arguments_are_named(kwargs: dict, message: str) -> None:
    graph = Graph.from_edges(torch.arange(N - 1), torch.arange(1, N), N)
    arguments = {"d_model": 8, "n_layers": 2, "n_heads": 2, "graphs": {"chain": graph}, **kwargs}
    with pytest.raises(ValueError, match=message):
        GeneAttentionModel(N, **arguments)
