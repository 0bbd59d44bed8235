"""The loaders on the real yeast files in ``../shared/data`` (skipped where absent): counts
against each folder's PROVENANCE.md, and every pair and edge against a plain ``csv``
re-reading of the files."""

from __future__ import annotations

import csv
import gzip
from pathlib import Path

import pytest
import torch

from graphreg.data import PairData, load_pairs_with_graphs, split_pairs

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
EMAP = DATA / "schuldiner2005_emap" / "schuldiner2005_emap_long.tsv.gz"
BIOGRID = DATA / "biogrid_3.5.174_physical" / "biogrid_3.5.174_sce_edges_orf.tsv"
KROGAN = DATA / "krogan2006_ppi" / "Krogan-2006.txt"

pytestmark = pytest.mark.skipif(
    not all(path.is_file() for path in (EMAP, BIOGRID, KROGAN)), reason=f"real data not found under {DATA}"
)


@pytest.fixture(scope="module")
def emap() -> PairData:
    return load_pairs_with_graphs(
        {"path": str(EMAP), "format": "table", "gene_a": "gene_a", "gene_b": "gene_b", "score": "S_score"},
        [
            {"name": "biogrid", "path": str(BIOGRID), "format": "table", "gene_a": "orf_a", "gene_b": "orf_b"},
            {"name": "krogan", "path": str(KROGAN), "format": "edgelist"},
        ],
    )


def _csv_pairs() -> dict[tuple[str, str], float]:
    with gzip.open(EMAP, "rt", newline="") as handle:
        rows = csv.DictReader(handle, delimiter="\t")
        return {tuple(sorted((row["gene_a"], row["gene_b"]))): float(row["S_score"]) for row in rows}


def _csv_edges(path: Path, genes: set[str], *, header: bool, delimiter: str | None) -> set[tuple[str, str]]:
    with path.open(newline="") as handle:
        lines = handle.read().splitlines()[1 if header else 0 :]
    fields = [line.split(delimiter)[:2] for line in lines]
    return {(a, b) for a, b in fields if a in genes and b in genes and a != b} | {
        (b, a) for a, b in fields if a in genes and b in genes and a != b
    }


def _edges(data: PairData, name: str) -> set[tuple[str, str]]:
    return {(data.genes[s], data.genes[t]) for s, t in data.graphs[name].edge_index.t().tolist()}


def test_emap_counts_and_scores_match_provenance_and_the_file(emap):
    assert (emap.num_genes, emap.num_pairs) == (424, 83_118)
    scores = emap.scores.double()
    assert scores.mean().item() == pytest.approx(-0.140, abs=5e-4)
    assert scores.std().item() == pytest.approx(1.500, abs=5e-4)
    assert scores.min().item() == pytest.approx(-23.2, abs=1e-3)
    assert scores.max().item() == pytest.approx(7.07, abs=5e-3)
    expected = _csv_pairs()  # each unordered pair occurs once in the file
    got = {(emap.genes[a], emap.genes[b]): s for (a, b), s in zip(emap.pairs.tolist(), emap.scores.tolist())}
    assert got.keys() == expected.keys()
    assert max(abs(got[pair] - expected[pair]) for pair in expected) < 1e-5


def test_biogrid_and_krogan_graphs_over_emap_genes(emap):
    genes = set(emap.genes)
    assert _edges(emap, "biogrid") == _csv_edges(BIOGRID, genes, header=True, delimiter="\t")
    assert _edges(emap, "krogan") == _csv_edges(KROGAN, genes, header=False, delimiter=None)
    # PROVENANCE.md: 1,396 of the E-MAP pairs are BioGRID edges.
    edge_keys = set(_edges(emap, "biogrid"))
    assert sum((emap.genes[a], emap.genes[b]) in edge_keys for a, b in emap.pairs.tolist()) == 1_396
    # Isolated genes are kept: every graph has all 424 nodes, some without edges.
    for name in ("biogrid", "krogan"):
        graph = emap.graphs[name]
        with_edges = torch.unique(graph.edge_index[0]).numel()
        assert graph.num_nodes == 424 and 0 < with_edges < 424 and not graph.directed


def test_gene_disjoint_split_of_emap_has_no_gene_leak(emap):
    split = split_pairs(emap, "gene_disjoint", val_fraction=0.1, test_fraction=0.2, seed=0)
    train_genes = set(emap.pairs[split.train].reshape(-1).tolist())
    held_out = set(emap.pairs[torch.cat([split.val, split.test])].reshape(-1).tolist())
    assert not train_genes & held_out
    # 424 genes -> 42 val, 85 test, 297 train; all pairs among the 297 genes are measured
    # except the few absent from the screen, so train holds close to 297 * 296 / 2 pairs.
    sizes = split.sizes()
    assert sum(sizes.values()) == emap.num_pairs
    assert 0.8 * 297 * 296 / 2 < sizes["train"] <= 297 * 296 / 2
