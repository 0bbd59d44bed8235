"""From a config's ``data`` section to a :class:`PairData`: the planted benchmark generated in
memory, or real pair scores with graphs read from files."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from typing import Any, TypeVar

from graphreg.data.loaders import load_pairs_with_graphs
from graphreg.data.pairs import PairData
from graphreg.data.planted import PlantedConfig, make_planted
from graphreg.data.splits import SPLIT_KINDS

DATA_SOURCES: tuple[str, ...] = ("planted", "pairs", "emap")

_Section = TypeVar("_Section")
_SCALARS = {"int": int, "float": float, "str": str, "bool": bool}


def parse_section(cls: type[_Section], section: str, values: Mapping[str, Any] | None) -> _Section:
    """Build the config dataclass ``cls`` from one config section: unknown keys are a
    ``ValueError`` naming the key, and scalar fields are converted to their declared type (YAML
    reads ``3e-3`` as a string), so a bad value is a ``ValueError`` naming the option."""
    values = {} if values is None else values
    if not isinstance(values, Mapping):
        raise ValueError(f"config section {section!r} must be a mapping, got {type(values).__name__}")
    declared = {f.name: f.type for f in fields(cls)}  # type: ignore[arg-type]
    converted = {}
    for key, value in values.items():
        if key not in declared:
            raise ValueError(f"unknown {section} option {key!r}; known: {', '.join(sorted(declared))}")
        kind = _SCALARS.get(str(declared[key]))
        if kind is bool and not isinstance(value, bool):
            raise ValueError(f"{section}.{key} must be true or false, got {value!r}")
        try:
            converted[key] = kind(value) if kind is not None and kind is not bool else value
        except (TypeError, ValueError):
            raise ValueError(f"{section}.{key} must be {declared[key]}, got {value!r}") from None
    return cls(**converted)


@dataclass(frozen=True)
class DataConfig:
    """The ``data`` section of a training config.

    ``source`` is ``planted`` (the in-memory generator, knobs in ``planted``) or ``pairs`` /
    ``emap`` (real scores: ``pairs`` and ``graphs`` are handed to
    :func:`graphreg.data.load_pairs_with_graphs`). ``seed`` seeds both the generator and the
    split.
    """

    source: str = "planted"
    seed: int = 0
    split: str = "gene_disjoint"
    val_fraction: float = 0.1
    test_fraction: float = 0.2
    planted: dict[str, Any] = field(default_factory=dict)
    pairs: dict[str, Any] = field(default_factory=dict)
    graphs: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> "DataConfig":
        """Build and validate; unknown keys and bad values are a ``ValueError`` naming them."""
        config = parse_section(cls, "data", values)
        for name in ("planted", "pairs"):
            if not isinstance(getattr(config, name), Mapping):
                raise ValueError(f"data.{name} must be a mapping")
        if not isinstance(config.graphs, list) or not all(isinstance(g, Mapping) for g in config.graphs):
            raise ValueError("data.graphs must be a list of mappings")
        if config.source not in DATA_SOURCES:
            raise ValueError(f"unknown data source {config.source!r}; expected one of {', '.join(DATA_SOURCES)}")
        if config.split not in SPLIT_KINDS:
            raise ValueError(f"unknown data split {config.split!r}; expected one of {', '.join(SPLIT_KINDS)}")
        if config.source == "planted":
            PlantedConfig.from_dict(config.planted)  # fail at parse time, not in a worker
        elif not config.pairs:
            raise ValueError(f"data source {config.source!r} needs a 'pairs' section (path, columns)")
        return config

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def build_dataset(config: DataConfig | Mapping[str, Any]) -> PairData:
    """The dataset a ``data`` config section describes (deterministic for a given config)."""
    if not isinstance(config, DataConfig):
        config = DataConfig.from_dict(config)
    if config.source == "planted":
        return make_planted(PlantedConfig.from_dict(config.planted), seed=config.seed)
    return load_pairs_with_graphs(config.pairs, config.graphs)
