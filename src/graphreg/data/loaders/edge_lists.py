"""Plain edge lists: two gene columns per line, separated by tabs, commas or whitespace."""

from __future__ import annotations

from collections.abc import Sequence

from graphreg.data.loaders._graphs import edges_to_graph
from graphreg.data.loaders._read import PathLike, read_fields
from graphreg.graph import Graph


def load_edge_list(
    path: PathLike,
    genes: Sequence[str],
    *,
    columns: Sequence[str | int] = (0, 1),
    header: bool = False,
    sep: str | None = None,
    directed: bool = False,
    name: str | None = None,
) -> Graph:
    """A graph over ``genes`` from an edge list file (plain or gzipped).

    ``columns`` picks the source and target columns, by 0-based position or by header name
    (a name implies ``header=True``); further columns such as weights are ignored. ``sep``
    is sniffed when ``None`` (tab, else comma, else whitespace). A header read as an edge
    is harmless in practice (its names are no genes), but ``header=True`` says what is
    meant. ``directed`` keeps the source -> target direction; otherwise both directions.
    A line with fewer than the needed fields raises ``ValueError`` naming file and line.
    """
    if len(columns) != 2:
        raise ValueError(f"columns must name 2 columns (source, target), got {list(columns)!r}")
    header = header or any(isinstance(column, str) for column in columns)
    frame = read_fields(path, {"source": columns[0], "target": columns[1]}, header=header, sep=sep)
    return edges_to_graph(
        path, frame["source"].to_numpy(), frame["target"].to_numpy(), genes, directed=directed, name=name
    )
