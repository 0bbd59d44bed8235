"""The graph attention regularizer and the alignment metric against a dense float64 numpy
reference built from an explicit adjacency matrix."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from graphreg.graph import Graph, attention_edge_mass, graph_attention_kl
from graphreg.model import GeneAttentionModel, GraphHead


def _dense_reference(log_attention: np.ndarray, edges: list[tuple[int, int]], n: int, directed: bool) -> tuple[float, float]:
    """KL(Ã_i ‖ α_i) averaged over rows with edges, and the attention mass on edges, from a
    dense adjacency: the straightforward definition the edge-list version must match."""
    adjacency = np.zeros((n, n))
    for a, b in edges:
        if a != b:
            adjacency[a, b] = 1.0
            if not directed:
                adjacency[b, a] = 1.0
    rows = adjacency.sum(axis=1) > 0
    normalized = adjacency[rows] / adjacency[rows].sum(axis=1, keepdims=True)
    attention = np.exp(log_attention[rows])
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(normalized > 0, normalized * (np.log(normalized) - np.log(attention)), 0.0)
    return float(terms.sum(axis=1).mean()), float((attention * (adjacency[rows] > 0)).sum(axis=1).mean())


def _random_log_attention(n: int, seed: int) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed)
    return torch.log_softmax(torch.randn(n, n, generator=generator, dtype=torch.float64) * 2, dim=-1)


EDGES = [(0, 1), (0, 2), (1, 2), (3, 4), (4, 0), (2, 5), (5, 5), (1, 0)]  # a self-loop and a duplicate


@pytest.mark.parametrize("directed", [False, True])
def test_kl_and_edge_mass_match_dense_reference(directed: bool) -> None:
    n = 7  # node 6 has no edges, node 3 has no in-edges when directed
    graph = Graph.from_edges(torch.tensor([a for a, _ in EDGES]), torch.tensor([b for _, b in EDGES]), n, directed=directed)
    log_attention = _random_log_attention(n, seed=1)
    kl, mass = _dense_reference(log_attention.numpy(), EDGES, n, directed)
    assert graph_attention_kl(log_attention, graph).item() == pytest.approx(kl, rel=1e-12)
    assert attention_edge_mass(log_attention, graph).item() == pytest.approx(mass, rel=1e-12)


def test_kl_is_zero_exactly_when_attention_is_the_normalized_adjacency() -> None:
    graph = Graph.from_edges(torch.tensor([0, 0, 1]), torch.tensor([1, 2, 2]), 4)
    adjacency = torch.zeros(4, 4, dtype=torch.float64)
    adjacency[graph.edge_index[0], graph.edge_index[1]] = 1.0
    attention = adjacency / adjacency.sum(1, keepdim=True).clamp(min=1)
    attention[3] = 0.25  # the edgeless row does not count
    log_attention = attention.clamp(min=1e-300).log()
    assert graph_attention_kl(log_attention, graph).item() == pytest.approx(0.0, abs=1e-12)
    assert attention_edge_mass(log_attention, graph).item() == pytest.approx(1.0, rel=1e-12)


def test_graph_without_edges_gives_zero_and_wrong_shape_is_rejected() -> None:
    empty = Graph.from_edges(torch.tensor([], dtype=torch.long), torch.tensor([], dtype=torch.long), 3)
    assert graph_attention_kl(_random_log_attention(3, 0), empty).item() == 0.0
    with pytest.raises(ValueError, match="expected \\(3, 3\\)"):
        graph_attention_kl(_random_log_attention(4, 0), empty)


def test_kl_gradcheck() -> None:
    graph = Graph.from_edges(torch.tensor([0, 1, 3]), torch.tensor([1, 2, 0]), 5, directed=True)
    scores = torch.randn(5, 5, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda s: graph_attention_kl(torch.log_softmax(s, -1), graph), (scores,))


def test_model_sums_the_regularizer_over_heads_layers_and_graphs() -> None:
    """Several graphs on several heads of several layers: the model's graph_reg equals the sum
    of the dense reference over the assignments, on the model's own attention."""
    n = 9
    edges_a = [(0, 1), (1, 2), (2, 3), (5, 6)]
    edges_b = [(8, 0), (0, 4), (4, 7), (7, 8)]
    graphs = {
        "ppi": Graph.from_edges(torch.tensor([a for a, _ in edges_a]), torch.tensor([b for _, b in edges_a]), n, name="ppi"),
        "reg": Graph.from_edges(
            torch.tensor([a for a, _ in edges_b]), torch.tensor([b for _, b in edges_b]), n, directed=True, name="reg"
        ),
    }
    heads = [GraphHead(0, 1, "ppi"), GraphHead(1, 0, "reg"), GraphHead(1, 1, "ppi")]
    torch.manual_seed(0)
    model = GeneAttentionModel(n, d_model=8, n_layers=2, n_heads=2, graphs=graphs, graph_heads=heads).double()
    _, attention = model.encode(need_attention={(h.layer, h.head) for h in heads})
    expected = 0.0
    for head, edges in zip(heads, (edges_a, edges_b, edges_a)):
        log_attention = attention[head.layer, head.head].detach().numpy()
        expected += _dense_reference(log_attention, edges, n, directed=graphs[head.graph].directed)[0]
    out = model(torch.tensor([[0, 1], [2, 3]]), with_graph_reg=True)
    assert out.graph_reg.item() == pytest.approx(expected, rel=1e-10)


def test_edge_log_attention_in_row_blocks_matches_dense_values_and_gradients(monkeypatch: pytest.MonkeyPatch) -> None:
    """The model's memory-light path (edge scores minus row log-normalizers computed in
    recomputed blocks of rows) equals gathering from the dense float64 log-softmax, values and
    gradients, also when the rows are split into several uneven blocks."""
    import graphreg.model as model_module

    monkeypatch.setattr(model_module, "_SCORE_CHUNK_ELEMENTS", 3 * 11)  # blocks of 3 rows of 11
    generator = torch.Generator().manual_seed(0)
    query = torch.randn(11, 4, dtype=torch.float64, generator=generator, requires_grad=True)
    key = torch.randn(11, 4, dtype=torch.float64, generator=generator, requires_grad=True)
    graph = Graph.from_edges(torch.tensor([0, 2, 5, 9, 10, 3]), torch.tensor([1, 7, 5, 4, 0, 8]), 11, directed=True)
    weights = torch.randn(graph.num_edges, dtype=torch.float64, generator=generator)

    edge = model_module._edge_log_attention(query, key, graph.edge_index)
    (edge * weights).sum().backward()
    grads = query.grad.clone(), key.grad.clone()
    query.grad = key.grad = None
    dense = torch.log_softmax(query @ key.T / 2.0, dim=-1)[graph.edge_index[0], graph.edge_index[1]]
    (dense * weights).sum().backward()
    torch.testing.assert_close(edge, dense, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(grads, (query.grad, key.grad), rtol=1e-12, atol=1e-12)
