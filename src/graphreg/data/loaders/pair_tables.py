"""Gene-pair score tables: generic TSV/CSV tables and the Costanzo 2016 SGA files.

Both return a :class:`PairData` without graphs whose gene index is the sorted set of genes
occurring in the pairs. A pair is unordered: ``(a, b)`` and ``(b, a)`` are the same pair,
stored once as ``a <= b`` (by gene name) with the mean of all its measurements, because
screens measure many pairs more than once (both orientations, several alleles, several
screens) and the model should see one target per pair.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np
import pandas as pd
import torch
from numpy.typing import ArrayLike

from graphreg.data.loaders._read import PathLike, header_names, read_fields, resolve_sep
from graphreg.data.pairs import PairData

COSTANZO_QUERY = "Query Strain ID"
COSTANZO_ARRAY = "Array Strain ID"
COSTANZO_SCORE_PREFIX = "Genetic interaction score"  # "(ε)" follows; matched by prefix, encodings vary
COSTANZO_PVALUE = "P-value"


def load_pair_table(
    path: PathLike | Sequence[PathLike],
    gene_a: str = "gene_a",
    gene_b: str = "gene_b",
    score: str = "score",
    sep: str | None = None,
) -> PairData:
    """Pairs and scores from delimited tables with a header row.

    ``gene_a``, ``gene_b`` and ``score`` name the columns; ``sep`` is sniffed from the
    header when ``None`` (tab, else comma, else whitespace). Files may be gzipped
    (detected from their first bytes). Several paths are read as one table. Duplicated
    unordered pairs are averaged. A row with a missing field or a non-numeric score raises
    ``ValueError`` naming the file and line.
    """
    frames = [
        read_fields(file, {"a": gene_a, "b": gene_b, "score": score}, header=True, sep=sep, numeric=["score"])
        for file in _as_list(path)
    ]
    return pairs_from_columns(*_concat(frames, path))


def load_costanzo(path: PathLike | Sequence[PathLike], max_pvalue: float | None = None) -> PairData:
    """Pairs from Costanzo et al. 2016 SGA files (``SGA_ExE.txt``, ``SGA_NxN.txt``,
    ``SGA_ExN_NxE.txt``; tab-separated with a header).

    The gene is the strain ID before its first ``_`` (``YAL002W_dma1`` -> ``YAL002W``), so
    several alleles of a gene and both screen orientations average into one pair; the
    score is the genetic interaction score ε. ``max_pvalue`` keeps only measurements with
    ``P-value <= max_pvalue`` (Costanzo's lenient cut-off is 0.05).
    """
    if max_pvalue is not None and not 0.0 < max_pvalue <= 1.0:
        raise ValueError(f"max_pvalue must lie in (0, 1], got {max_pvalue!r}")
    frames = []
    for file in _as_list(path):
        sep = resolve_sep(file, None)
        names = header_names(file, sep)
        score = next((name for name in names if name.startswith(COSTANZO_SCORE_PREFIX)), None)
        if score is None:
            raise ValueError(f"{file}: no column starting with {COSTANZO_SCORE_PREFIX!r}; is it a Costanzo SGA file?")
        fields = {"a": COSTANZO_QUERY, "b": COSTANZO_ARRAY, "score": score}
        if max_pvalue is not None:
            fields["pvalue"] = COSTANZO_PVALUE
        frame = read_fields(file, fields, header=True, sep=sep, numeric=[name for name in ("score", "pvalue") if name in fields])
        if max_pvalue is not None:
            frame = frame[frame["pvalue"].to_numpy() <= max_pvalue]
        for side in ("a", "b"):
            frame[side] = frame[side].str.replace(r"_.*", "", regex=True)
        frames.append(frame)
    return pairs_from_columns(*_concat(frames, path))


def pairs_from_columns(gene_a: ArrayLike, gene_b: ArrayLike, score: ArrayLike) -> PairData:
    """A :class:`PairData` from parallel arrays of gene names and scores, with unordered
    duplicates averaged (in float64) and genes indexed in sorted order."""
    names = pd.concat([pd.Series(gene_a, dtype="str"), pd.Series(gene_b, dtype="str")], ignore_index=True)
    codes, genes = pd.factorize(names, sort=True)
    a, b = np.split(codes.astype(np.int64), 2)
    low, high = np.minimum(a, b), np.maximum(a, b)  # sorted genes: index order is name order
    keys, inverse = np.unique(low * len(genes) + high, return_inverse=True)
    means = np.bincount(inverse, weights=np.asarray(score, dtype=np.float64)) / np.bincount(inverse)
    pairs = np.stack([keys // len(genes), keys % len(genes)], axis=1) if len(genes) else np.zeros((0, 2), np.int64)
    return PairData(
        genes=[str(gene) for gene in genes],
        pairs=torch.as_tensor(pairs, dtype=torch.long),
        scores=torch.as_tensor(means, dtype=torch.float32),
    )


def _as_list(path: PathLike | Sequence[PathLike]) -> list[PathLike]:
    if isinstance(path, (str, os.PathLike)):
        return [path]
    if not path:
        raise ValueError("no pair file given")
    return list(path)


def _concat(frames: list[pd.DataFrame], path: PathLike | Sequence[PathLike]) -> tuple[pd.Series, pd.Series, pd.Series]:
    frame = pd.concat(frames, ignore_index=True)
    if frame.empty:
        raise ValueError(f"{', '.join(map(str, _as_list(path)))}: no pairs")
    return frame["a"], frame["b"], frame["score"]
