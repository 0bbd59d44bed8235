"""Turning named edges into a :class:`Graph` over a given gene index."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from graphreg.data.loaders._read import PathLike
from graphreg.graph import Graph


def edges_to_graph(
    path: PathLike,
    sources: np.ndarray,
    targets: np.ndarray,
    genes: Sequence[str],
    *,
    directed: bool,
    name: str | None,
) -> Graph:
    """A graph over ``genes`` (token ``i`` is ``genes[i]``) from parallel arrays of gene
    names. Edges touching a gene outside ``genes`` are ignored, genes without edges are
    kept as isolated nodes, and duplicates and self-loops go (see ``Graph.from_edges``).

    Raises ``ValueError`` when no edge joins two of ``genes``: the graph would regularize
    nothing, and almost always the file uses other gene identifiers than the pairs.
    """
    index = pd.Index(list(genes))
    if not index.is_unique:
        raise ValueError("genes must be unique")
    src = index.get_indexer(sources)
    dst = index.get_indexer(targets)
    keep = (src >= 0) & (dst >= 0)
    graph = Graph.from_edges(
        torch.as_tensor(src[keep], dtype=torch.long),
        torch.as_tensor(dst[keep], dtype=torch.long),
        len(index),
        directed=directed,
        name=name if name is not None else Path(path).name.split(".")[0],
    )
    if graph.num_edges == 0:
        raise ValueError(
            f"{path}: no edge joins two of the {len(index)} genes ({int(len(sources))} edges read); "
            "do the graph and the pairs use the same gene identifiers?"
        )
    return graph
