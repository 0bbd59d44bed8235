"""Seeded train/val/test splits of a :class:`PairData`'s pairs.

Two kinds:

- ``random``: a seeded permutation of the pairs, cut by the pair fractions. Genes of test
  pairs are seen in training (through other pairs); this measures interpolation.
- ``gene_disjoint``: the genes that occur in pairs are partitioned (seeded) into train, val
  and test groups by the fractions, and a pair goes to a split only when *both* its genes
  lie in that split's group. No val/test gene is ever seen in training, which measures
  generalization to unseen genes. Pairs whose genes lie in different groups belong to no
  split and are returned as ``dropped``: with gene fractions ``v`` and ``t`` the splits
  keep roughly ``(1-v-t)^2``, ``v^2`` and ``t^2`` of the pairs and drop the rest.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import torch

from graphreg.data.pairs import PairData

SplitKind = Literal["random", "gene_disjoint"]
SPLIT_KINDS: tuple[str, ...] = ("random", "gene_disjoint")


@dataclass(frozen=True)
class PairSplit:
    """Sorted LongTensor indices into ``data.pairs`` for each split.

    ``dropped`` holds the pairs that belong to no split (always empty for ``random``; the
    pairs straddling gene groups for ``gene_disjoint``).
    """

    train: torch.Tensor
    val: torch.Tensor
    test: torch.Tensor
    dropped: torch.Tensor

    def sizes(self) -> dict[str, int]:
        """Number of pairs per split, for logs and reports."""
        return {name: int(getattr(self, name).numel()) for name in ("train", "val", "test", "dropped")}


def split_pairs(
    data: PairData,
    kind: SplitKind,
    val_fraction: float = 0.1,
    test_fraction: float = 0.2,
    seed: int = 0,
) -> PairSplit:
    """Split ``data``'s pairs into train/val/test, reproducibly for a given ``seed``.

    For ``random`` the fractions are of pairs; for ``gene_disjoint`` they are of the genes
    that occur in pairs (see the module docstring). Raises ``ValueError`` for an unknown
    kind, fractions outside ``[0, 1)`` or summing to 1 or more, and when a split that was
    asked for (fraction > 0, or train) comes out empty.
    """
    if kind not in SPLIT_KINDS:
        raise ValueError(f"unknown split kind {kind!r}; expected one of {', '.join(SPLIT_KINDS)}")
    _check_fractions(val_fraction, test_fraction)
    generator = torch.Generator().manual_seed(int(seed))
    if kind == "random":
        split = _random_split(data.num_pairs, val_fraction, test_fraction, generator)
    else:
        split = _gene_disjoint_split(data.pairs, val_fraction, test_fraction, generator)
    for name, fraction in (("train", 1.0), ("val", val_fraction), ("test", test_fraction)):
        if fraction > 0 and getattr(split, name).numel() == 0:
            raise ValueError(
                f"{kind} split leaves {name!r} empty ({data.num_pairs} pairs, {data.num_genes} genes, "
                f"val_fraction={val_fraction}, test_fraction={test_fraction}); use more data or larger fractions"
            )
    return split


def _check_fractions(val_fraction: float, test_fraction: float) -> None:
    for name, fraction in (("val_fraction", val_fraction), ("test_fraction", test_fraction)):
        if not 0.0 <= fraction < 1.0:
            raise ValueError(f"{name} must lie in [0, 1), got {fraction!r}")
    if val_fraction + test_fraction >= 1.0:
        raise ValueError(f"val_fraction + test_fraction must be < 1, got {val_fraction} + {test_fraction}")


def _cut(n: int, val_fraction: float, test_fraction: float) -> tuple[int, int]:
    """Sizes of the val and test groups out of ``n`` items."""
    return round(n * val_fraction), round(n * test_fraction)


def _random_split(
    num_pairs: int, val_fraction: float, test_fraction: float, generator: torch.Generator
) -> PairSplit:
    order = torch.randperm(num_pairs, generator=generator)
    n_val, n_test = _cut(num_pairs, val_fraction, test_fraction)
    return PairSplit(
        train=order[n_val + n_test :].sort().values,
        val=order[:n_val].sort().values,
        test=order[n_val : n_val + n_test].sort().values,
        dropped=torch.empty(0, dtype=torch.long),
    )


def _gene_disjoint_split(
    pairs: torch.Tensor, val_fraction: float, test_fraction: float, generator: torch.Generator
) -> PairSplit:
    genes = torch.unique(pairs)  # only genes that occur in pairs count toward the fractions
    order = genes[torch.randperm(genes.numel(), generator=generator)]
    n_val, n_test = _cut(genes.numel(), val_fraction, test_fraction)
    # group[g]: 0 = train, 1 = val, 2 = test; genes outside pairs are never looked up.
    num_nodes = int(pairs.max()) + 1 if pairs.numel() else 0
    group = torch.zeros(num_nodes, dtype=torch.long)
    group[order[:n_val]] = 1
    group[order[n_val : n_val + n_test]] = 2
    group_a, group_b = group[pairs[:, 0]], group[pairs[:, 1]]
    same = group_a == group_b

    def members(g: int) -> torch.Tensor:
        return torch.nonzero(same & (group_a == g)).reshape(-1)

    return PairSplit(
        train=members(0), val=members(1), test=members(2), dropped=torch.nonzero(~same).reshape(-1)
    )
