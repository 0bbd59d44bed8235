"""Building a :class:`PairData` from the ``data.pairs`` / ``data.graphs`` sections of a
training config: the one entry point training uses for real data.

A spec is a mapping whose ``format`` picks the loader and whose other keys are that
loader's keyword arguments, so the config accepts exactly what the loaders accept::

    pairs:  {path: emap.tsv.gz, format: table, gene_a: gene_a, gene_b: gene_b, score: S_score}
    graphs: [{name: ppi, path: biogrid.tsv, format: table, gene_a: orf_a, gene_b: orf_b},
             {name: complexes, path: Krogan-2006.txt, format: edgelist}]
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from graphreg.data.loaders._read import PathLike
from graphreg.data.loaders.biogrid import load_biogrid
from graphreg.data.loaders.edge_lists import load_edge_list
from graphreg.data.loaders.pair_tables import load_costanzo, load_pair_table
from graphreg.data.loaders.string_db import load_string
from graphreg.data.pairs import PairData
from graphreg.graph import Graph


def _load_graph_table(
    path: PathLike,
    genes: Sequence[str],
    *,
    gene_a: str,
    gene_b: str,
    sep: str | None = None,
    directed: bool = False,
    name: str | None = None,
) -> Graph:
    """Graph format ``table``: two named columns of a table with a header, like pairs."""
    return load_edge_list(path, genes, columns=(gene_a, gene_b), header=True, sep=sep, directed=directed, name=name)


PAIR_FORMATS: dict[str, Callable[..., PairData]] = {"table": load_pair_table, "costanzo": load_costanzo}
GRAPH_FORMATS: dict[str, Callable[..., Graph]] = {
    "edgelist": load_edge_list,
    "table": _load_graph_table,
    "string": load_string,
    "biogrid": load_biogrid,
}


def load_pairs_with_graphs(pairs_spec: Mapping[str, Any], graph_specs: Sequence[Mapping[str, Any]] = ()) -> PairData:
    """Pairs from ``pairs_spec`` with every graph of ``graph_specs`` over their genes.

    The gene index is the sorted genes of the pairs; graph genes absent from the pairs are
    ignored and pair genes absent from a graph have no edges in it. ``pairs_spec`` needs
    ``path`` and takes ``format`` (``table``, the default, or ``costanzo``); each graph
    spec needs ``name``, ``path`` and ``format`` (``edgelist``, ``table``, ``string`` or
    ``biogrid``). Unknown formats or keys, missing keys, duplicate graph names and missing
    files raise ``ValueError``.
    """
    pairs_spec = dict(pairs_spec)
    data = _call(PAIR_FORMATS, pairs_spec.pop("format", "table"), pairs_spec, "data.pairs")
    graphs: dict[str, Graph] = {}
    for i, spec in enumerate(graph_specs):
        spec = dict(spec)
        where = f"data.graphs[{i}]"
        if "name" not in spec:
            raise ValueError(f"{where}: missing key 'name'")
        if spec["name"] in graphs:
            raise ValueError(f"{where}: duplicate graph name {spec['name']!r}")
        if "format" not in spec:
            raise ValueError(f"{where}: missing key 'format'; expected one of {', '.join(GRAPH_FORMATS)}")
        graph = _call(GRAPH_FORMATS, spec.pop("format"), spec, where, genes=data.genes)
        graphs[graph.name] = graph
    data.graphs = graphs
    return data


def _call(formats: Mapping[str, Callable[..., Any]], fmt: str, spec: dict[str, Any], where: str, **given: Any) -> Any:
    """Call ``formats[fmt]`` with ``spec`` and ``given`` as keyword arguments, after checking
    ``spec``'s keys against the loader's own signature so that a typo names itself."""
    if not isinstance(fmt, str) or fmt not in formats:
        raise ValueError(f"{where}: unknown format {fmt!r}; expected one of {', '.join(map(str, formats))}")
    loader = formats[fmt]
    parameters = {name: p for name, p in inspect.signature(loader).parameters.items() if name not in given}
    for key in spec:
        if key not in parameters:
            raise ValueError(f"{where}: unknown key {key!r} for format {fmt!r}; expected one of {', '.join(parameters)}")
    for name, parameter in parameters.items():
        if parameter.default is inspect.Parameter.empty and name not in spec:
            raise ValueError(f"{where}: missing key {name!r} for format {fmt!r}")
    return loader(**spec, **given)
