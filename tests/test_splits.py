"""Splits: partition, sizes, gene disjointness, determinism and input validation, checked
with plain Python sets against the pairs themselves."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from graphreg.data import PairData, PairSplit, split_pairs


def _data(num_genes: int = 60, num_pairs: int = 900, seed: int = 0) -> PairData:
    """Distinct unordered pairs over ``num_genes`` genes, as a real screen would have."""
    rng = np.random.default_rng(seed)
    a, b = np.triu_indices(num_genes, k=1)
    chosen = rng.choice(a.size, size=num_pairs, replace=False)
    pairs = torch.as_tensor(np.stack([a[chosen], b[chosen]], axis=1))
    return PairData(
        genes=[f"g{i}" for i in range(num_genes)],
        pairs=pairs,
        scores=torch.as_tensor(rng.standard_normal(num_pairs), dtype=torch.float32),
    )


def _as_sets(split: PairSplit) -> dict[str, set[int]]:
    return {name: set(getattr(split, name).tolist()) for name in ("train", "val", "test", "dropped")}


def _assert_partition(split: PairSplit, num_pairs: int) -> None:
    sets = _as_sets(split)
    sizes = split.sizes()
    for name, indices in sets.items():
        assert len(indices) == sizes[name], f"{name} holds repeated indices"
        tensor = getattr(split, name)
        assert tensor.dtype == torch.long
        assert torch.equal(tensor, tensor.sort().values)
    assert sum(sizes.values()) == num_pairs
    assert set().union(*sets.values()) == set(range(num_pairs))


def test_random_split_partitions_pairs_with_requested_sizes():
    data = _data()
    split = split_pairs(data, "random", val_fraction=0.1, test_fraction=0.2, seed=3)
    _assert_partition(split, data.num_pairs)
    assert split.sizes() == {"train": 630, "val": 90, "test": 180, "dropped": 0}


def test_gene_disjoint_split_never_shows_a_val_or_test_gene_in_training():
    data = _data()
    split = split_pairs(data, "gene_disjoint", val_fraction=0.2, test_fraction=0.3, seed=1)
    _assert_partition(split, data.num_pairs)
    pairs = data.pairs.tolist()
    genes = {name: {g for k in getattr(split, name).tolist() for g in pairs[k]} for name in ("train", "val", "test")}
    assert not genes["train"] & genes["val"]
    assert not genes["train"] & genes["test"]
    assert not genes["val"] & genes["test"]
    # Maximal: every pair whose two genes both lie in one split's genes is in that split,
    # so a dropped pair straddles groups rather than being thrown away for nothing.
    for name in ("train", "val", "test"):
        members = set(getattr(split, name).tolist())
        expected = {k for k, (a, b) in enumerate(pairs) if a in genes[name] and b in genes[name]}
        assert members == expected
    # Group sizes follow the gene fractions: 60 genes -> 12 val, 18 test, 30 train.
    assert len(genes["val"]) <= 12 and len(genes["test"]) <= 18 and len(genes["train"]) <= 30
    assert split.sizes()["dropped"] > 0


def test_gene_disjoint_fractions_are_of_genes_occurring_in_pairs():
    # Genes 0..19 have pairs; genes 20..99 occur in none and must not count.
    data = _data(num_genes=20, num_pairs=190)
    data = PairData(genes=[f"g{i}" for i in range(100)], pairs=data.pairs, scores=data.scores)
    split = split_pairs(data, "gene_disjoint", val_fraction=0.25, test_fraction=0.25, seed=0)
    # All 190 pairs of 20 genes exist, so each group of n genes yields exactly n(n-1)/2 pairs.
    assert split.sizes() == {"train": 45, "val": 10, "test": 10, "dropped": 125}


@pytest.mark.parametrize("kind", ["random", "gene_disjoint"])
def test_split_is_reproducible_and_depends_on_seed(kind):
    data = _data()
    first = split_pairs(data, kind, seed=7)
    again = split_pairs(data, kind, seed=7)
    other = split_pairs(data, kind, seed=8)
    for name in ("train", "val", "test", "dropped"):
        assert torch.equal(getattr(first, name), getattr(again, name))
    assert not torch.equal(first.test, other.test)


def test_zero_fraction_gives_an_empty_split():
    data = _data()
    split = split_pairs(data, "random", val_fraction=0.0, test_fraction=0.5)
    assert split.sizes() == {"train": 450, "val": 0, "test": 450, "dropped": 0}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"kind": "by_gene"}, "unknown split kind 'by_gene'"),
        ({"kind": "random", "val_fraction": -0.1}, "val_fraction must lie in"),
        ({"kind": "random", "test_fraction": 1.0}, "test_fraction must lie in"),
        ({"kind": "random", "val_fraction": 0.5, "test_fraction": 0.5}, "val_fraction \\+ test_fraction"),
    ],
)
def test_bad_arguments_raise_value_error(kwargs, message):
    with pytest.raises(ValueError, match=message):
        split_pairs(_data(), **kwargs)


def test_split_that_comes_out_empty_is_an_error():
    data = _data(num_genes=4, num_pairs=6)
    with pytest.raises(ValueError, match="leaves 'val' empty"):
        split_pairs(data, "gene_disjoint", val_fraction=0.1, test_fraction=0.3)
