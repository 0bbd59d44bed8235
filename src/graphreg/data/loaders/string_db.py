"""STRING ``protein.links`` / ``protein.links.detailed`` / ``protein.links.full`` files.

Scores are on STRING's 0-1000 scale. With ``channels`` the selected evidence channels are
combined the way STRING combines them (von Mering et al. 2005; STRING's
``combine_subscores.py``): remove the prior ``p = 0.041`` from each channel,
``s' = max(s - p, 0) / (1 - p)``, combine ``1 - prod(1 - s')`` and add the prior back,
``c (1 - p) + p``. A single channel thus keeps its own score.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from graphreg.data.loaders._graphs import edges_to_graph
from graphreg.data.loaders._read import WHITESPACE, PathLike, header_names, read_fields
from graphreg.graph import Graph

STRING_PRIOR = 0.041
_ID_COLUMNS = ("protein1", "protein2")
_COMBINED = "combined_score"


def load_string(
    path: PathLike,
    genes: Sequence[str],
    *,
    channels: Sequence[str] | None = None,
    min_score: float = 0.0,
    strip_taxon: bool = True,
    directed: bool = False,
    name: str | None = None,
) -> Graph:
    """A graph over ``genes`` from a STRING links file (space-separated, with header).

    ``channels=None`` uses ``combined_score``; otherwise the listed channel columns (e.g.
    ``["experimental", "database"]``, names as in the file's header) are combined as in
    the module docstring. Edges scoring below ``min_score`` (0-1000) are dropped.
    ``strip_taxon`` turns ``4932.YAL001C`` into ``YAL001C`` so that STRING proteins match
    ORF names. STRING lists each link in both directions, so ``directed`` changes nothing
    for complete files.
    """
    if not 0.0 <= min_score <= 1000.0:
        raise ValueError(f"min_score must lie in [0, 1000] (STRING's scale), got {min_score!r}")
    available = [column for column in header_names(path, WHITESPACE) if column not in _ID_COLUMNS]
    selected = [_COMBINED] if channels is None else list(channels)
    if not selected:
        raise ValueError("channels must name at least one STRING channel")
    for channel in selected:
        if channel not in available:
            raise ValueError(f"{path}: no STRING channel {channel!r}; columns are {', '.join(available)}")
    fields = {"source": _ID_COLUMNS[0], "target": _ID_COLUMNS[1]} | {channel: channel for channel in selected}
    frame = read_fields(path, fields, header=True, sep=WHITESPACE, numeric=selected)
    score = combine_string_channels(frame[selected].to_numpy()) if channels is not None else frame[_COMBINED].to_numpy()
    frame = frame[score >= min_score]
    ids = [frame[side] for side in ("source", "target")]
    if strip_taxon:
        ids = [column.str.replace(r"^\d+\.", "", regex=True) for column in ids]
    return edges_to_graph(path, ids[0].to_numpy(), ids[1].to_numpy(), genes, directed=directed, name=name)


def combine_string_channels(scores: np.ndarray) -> np.ndarray:
    """Combined 0-1000 score of each row of per-channel 0-1000 ``scores`` (shape ``(E, C)``)."""
    without_prior = np.clip((np.asarray(scores, dtype=np.float64) / 1000.0 - STRING_PRIOR) / (1.0 - STRING_PRIOR), 0.0, 1.0)
    combined = 1.0 - np.prod(1.0 - without_prior, axis=1)
    return 1000.0 * (combined * (1.0 - STRING_PRIOR) + STRING_PRIOR)
