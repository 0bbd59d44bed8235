"""The planted benchmark: shapes, the heavy negative tail, determinism, the graph's link to the
scores, and the degree-preserving negative control."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy import stats

from graphreg.data import PLANTED_GRAPH, PlantedConfig, build_dataset, degree_preserving_shuffle, make_planted

SMALL = {"n_genes": 200, "n_pairs": 5000, "density": 6}


def _degrees(data) -> np.ndarray:
    graph = data.graphs[PLANTED_GRAPH]
    return np.bincount(graph.edge_index[0].numpy(), minlength=graph.num_nodes)


def _edge_set(data) -> set[tuple[int, int]]:
    return set(map(tuple, data.graphs[PLANTED_GRAPH].edge_index.T.tolist()))


def test_shapes_and_distinct_pairs() -> None:
    data = make_planted(SMALL, seed=3)
    assert data.num_genes == 200 and len(set(data.genes)) == 200
    assert data.pairs.shape == (5000, 2) and data.scores.shape == (5000,) and data.scores.dtype == torch.float32
    pairs = data.pairs.numpy()
    assert (pairs[:, 0] < pairs[:, 1]).all() and pairs.min() >= 0 and pairs.max() < 200
    assert len({tuple(p) for p in pairs}) == 5000
    graph = data.graphs[PLANTED_GRAPH]
    assert not graph.directed and graph.num_edges == 2 * round(6 * 200 / 2)  # both directions stored
    assert _degrees(data).mean() == pytest.approx(6.0)


def test_scores_are_heavy_tailed_and_mostly_near_zero() -> None:
    y = make_planted(SMALL, seed=0).scores.double().numpy()
    assert stats.skew(y) < -2  # a tail of strong negative interactions
    assert np.mean(np.abs(y) < 0.3) > 0.6  # most pairs near 0
    assert np.quantile(y, 0.01) < -8 * np.median(np.abs(y))
    assert -y.min() > 3 * y.max()  # the negative side reaches much further than the positive


def test_same_seed_same_data_other_seed_other_data() -> None:
    a, b, c = make_planted(SMALL, seed=7), make_planted(SMALL, seed=7), make_planted(SMALL, seed=8)
    assert torch.equal(a.pairs, b.pairs) and torch.equal(a.scores, b.scores)
    assert torch.equal(a.graphs[PLANTED_GRAPH].edge_index, b.graphs[PLANTED_GRAPH].edge_index)
    assert not torch.equal(a.scores, c.scores)


def test_graph_neighbours_share_their_score_profiles() -> None:
    """The planted signal flows over the graph: genes adjacent in the graph have more similar
    interaction profiles than random gene pairs (noise-free scores, a dense pair set)."""
    data = make_planted({"n_genes": 60, "n_pairs": 60 * 59 // 2, "density": 4, "noise": 0.0}, seed=0)
    profile = np.zeros((60, 60))
    pairs = data.pairs.numpy()
    profile[pairs[:, 0], pairs[:, 1]] = profile[pairs[:, 1], pairs[:, 0]] = data.scores.numpy()
    correlation = np.corrcoef(profile)
    edges = data.graphs[PLANTED_GRAPH].edge_index.numpy()
    upper = np.triu_indices(60, 1)
    assert correlation[edges[0], edges[1]].mean() > correlation[upper].mean() + 0.2


def test_negative_control_keeps_scores_and_degrees_but_rewires_edges() -> None:
    true, control = make_planted(SMALL, seed=2), make_planted({**SMALL, "negative_control": True}, seed=2)
    assert torch.equal(true.scores, control.scores) and torch.equal(true.pairs, control.pairs)
    assert np.array_equal(_degrees(true), _degrees(control))
    kept = len(_edge_set(true) & _edge_set(control)) / len(_edge_set(true))
    assert kept < 0.2
    edges = control.graphs[PLANTED_GRAPH].edge_index
    assert (edges[0] != edges[1]).all()


def test_degree_preserving_shuffle_on_a_small_graph() -> None:
    edges = np.array([[0, 1], [1, 2], [2, 3], [3, 0], [0, 2], [4, 5], [5, 6]])
    shuffled = degree_preserving_shuffle(edges, 200, np.random.default_rng(0))
    degree = lambda e: np.bincount(e.reshape(-1), minlength=7)  # noqa: E731
    assert np.array_equal(degree(edges), degree(shuffled))
    keys = {tuple(sorted(e)) for e in shuffled.tolist()}
    assert len(keys) == len(edges) and all(a != b for a, b in keys)
    assert keys != {tuple(sorted(e)) for e in edges.tolist()}


@pytest.mark.parametrize(
    ("knobs", "message"),
    [
        ({"n_genes": 2}, "n_genes"),
        ({"n_pairs": 10**9}, "n_pairs"),
        ({"graph_signal": 1.5}, "graph_signal"),
        ({"noise": -1}, "noise"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_knobs_are_named(knobs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        PlantedConfig.from_dict(knobs)


def test_build_dataset_dispatches_to_the_generator() -> None:
    data = build_dataset({"source": "planted", "seed": 5, "planted": SMALL})
    assert torch.equal(data.scores, make_planted(SMALL, seed=5).scores)
    with pytest.raises(ValueError, match="source"):
        build_dataset({"source": "nowhere"})
