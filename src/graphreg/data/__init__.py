"""Datasets of gene-pair scores with graphs over the same genes."""

from graphreg.data.loaders import (
    GRAPH_FORMATS,
    PAIR_FORMATS,
    combine_string_channels,
    load_biogrid,
    load_costanzo,
    load_edge_list,
    load_pair_table,
    load_pairs_with_graphs,
    load_string,
    pairs_from_columns,
)
from graphreg.data.pairs import PairData
from graphreg.data.splits import SPLIT_KINDS, PairSplit, split_pairs

__all__ = [
    "GRAPH_FORMATS",
    "PAIR_FORMATS",
    "PairData",
    "PairSplit",
    "SPLIT_KINDS",
    "combine_string_channels",
    "load_biogrid",
    "load_costanzo",
    "load_edge_list",
    "load_pair_table",
    "load_pairs_with_graphs",
    "load_string",
    "pairs_from_columns",
    "split_pairs",
]
