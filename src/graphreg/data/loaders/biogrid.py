"""BioGRID TAB 3.0 files (``BIOGRID-*.tab3.txt``): one interaction per line, tab-separated,
with the TAB 3.0 header (``#BioGRID Interaction ID``, ``Systematic Name Interactor A``, ...)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from graphreg.data.loaders._graphs import edges_to_graph
from graphreg.data.loaders._read import PathLike, read_fields
from graphreg.graph import Graph

SACCHAROMYCES_CEREVISIAE_S288C = 559292  # BioGRID's organism ID for budding yeast
SYSTEM_TYPES = ("physical", "genetic")
_MISSING = "-"  # BioGRID's placeholder for an absent identifier


def load_biogrid(
    path: PathLike,
    genes: Sequence[str],
    *,
    organism: int | None = SACCHAROMYCES_CEREVISIAE_S288C,
    system_type: str | None = "physical",
    id_column: str = "Systematic Name",
    directed: bool = False,
    name: str | None = None,
) -> Graph:
    """A graph over ``genes`` from a BioGRID TAB 3.0 file (plain or gzipped).

    Keeps interactions whose ``Experimental System Type`` is ``system_type`` (``None``:
    all) and whose two interactors both belong to ``organism`` (NCBI taxonomy ID as in
    ``Organism ID Interactor A/B``; ``None``: any). Genes are named by the
    ``<id_column> Interactor A/B`` columns (systematic ORF names by default; e.g.
    ``"Official Symbol"`` for symbols); interactors without such a name (``-``) are
    dropped. ``directed`` keeps interactor A -> B (bait -> prey in most assays).
    """
    if system_type is not None and system_type not in SYSTEM_TYPES:
        raise ValueError(f"system_type must be one of {', '.join(SYSTEM_TYPES)} or None, got {system_type!r}")
    fields = {"source": f"{id_column} Interactor A", "target": f"{id_column} Interactor B"}
    if system_type is not None:
        fields["system_type"] = "Experimental System Type"
    if organism is not None:
        fields |= {"organism_a": "Organism ID Interactor A", "organism_b": "Organism ID Interactor B"}
    frame = read_fields(path, fields, header=True, sep="\t")
    keep = (frame["source"] != _MISSING).to_numpy() & (frame["target"] != _MISSING).to_numpy()
    if system_type is not None:
        keep &= (frame["system_type"].str.lower() == system_type).to_numpy()
    if organism is not None:
        keep &= (frame["organism_a"] == str(organism)).to_numpy() & (frame["organism_b"] == str(organism)).to_numpy()
    frame = frame[keep]
    return edges_to_graph(
        path, np.asarray(frame["source"]), np.asarray(frame["target"]), genes, directed=directed, name=name
    )
