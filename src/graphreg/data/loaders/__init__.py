"""Real-data loaders: gene-pair score tables and biological graphs in their usual formats.

Pair loaders return a :class:`~graphreg.data.PairData` (no graphs yet); graph loaders take
the gene index and return a :class:`~graphreg.graph.Graph` over it;
:func:`load_pairs_with_graphs` combines both from config specs. Malformed rows raise
``ValueError("<file>:<line>: ...")``.
"""

from graphreg.data.loaders.biogrid import load_biogrid
from graphreg.data.loaders.edge_lists import load_edge_list
from graphreg.data.loaders.pair_tables import load_costanzo, load_pair_table, pairs_from_columns
from graphreg.data.loaders.spec import GRAPH_FORMATS, PAIR_FORMATS, load_pairs_with_graphs
from graphreg.data.loaders.string_db import combine_string_channels, load_string

__all__ = [
    "GRAPH_FORMATS",
    "PAIR_FORMATS",
    "combine_string_channels",
    "load_biogrid",
    "load_costanzo",
    "load_edge_list",
    "load_pair_table",
    "load_pairs_with_graphs",
    "load_string",
    "pairs_from_columns",
]
