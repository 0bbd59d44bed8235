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
from graphreg.data.planted import PLANTED_GRAPH, PlantedConfig, degree_preserving_shuffle, make_planted
from graphreg.data.build import DATA_SOURCES, DataConfig, build_dataset, parse_section
from graphreg.data.splits import SPLIT_KINDS, PairSplit, split_pairs

__all__ = [
    "DATA_SOURCES",
    "DataConfig",
    "PLANTED_GRAPH",
    "PlantedConfig",
    "build_dataset",
    "degree_preserving_shuffle",
    "make_planted",
    "parse_section",
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
