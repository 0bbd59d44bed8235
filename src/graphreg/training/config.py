"""The training config: one nested dict (the same layout as a study YAML's fixed values)
parsed into typed sections, with unknown keys rejected."""

from __future__ import annotations

import copy
import inspect
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from typing import Any

import yaml

from graphreg.data import PLANTED_GRAPH, DataConfig, parse_section
from graphreg.losses import PointDistGraphReg
from graphreg.model import GraphHead

DEVICES: tuple[str, ...] = ("auto", "cpu", "cuda")
PRECISIONS: tuple[str, ...] = ("fp32", "bf16")


_LOSS_DEFAULTS: dict[str, Any] = {
    name: p.default for name, p in inspect.signature(PointDistGraphReg).parameters.items() if p.default is not p.empty
}


def _as_number_like(value: Any, default: Any) -> Any:
    """YAML reads ``1e-3`` as a string: turn such a string into a number where the loss
    argument's default is a number; anything else is left for the loss to validate."""
    if isinstance(value, str) and isinstance(default, (int, float)) and not isinstance(default, bool):
        try:
            return float(value)
        except ValueError:
            return value
    return value


@dataclass(frozen=True)
class ModelConfig:
    """The ``model`` section: transformer size and the heads regularized toward graphs
    (``graph_heads``: list of ``{layer, head, graph}``)."""

    d_model: int = 32
    n_layers: int = 1
    n_heads: int = 2
    dropout: float = 0.0
    graph_heads: list[dict[str, Any]] = field(default_factory=list)

    def heads(self) -> list[GraphHead]:
        return [GraphHead(layer=int(h["layer"]), head=int(h["head"]), graph=str(h["graph"])) for h in self.graph_heads]


@dataclass(frozen=True)
class OptimConfig:
    """The ``training`` section: optimization and where it runs. ``batch_size`` is per DDP
    rank; ``precision: bf16`` enables bf16 autocast on CUDA (ignored on CPU)."""

    epochs: int = 20
    batch_size: int = 256
    lr: float = 0.003
    weight_decay: float = 0.0
    seed: int = 0
    device: str = "auto"
    precision: str = "fp32"


@dataclass(frozen=True)
class TrainConfig:
    """A full training config: ``data``, ``model``, ``loss`` (``PointDistGraphReg`` keyword
    arguments exactly) and ``training``."""

    data: DataConfig = field(default_factory=DataConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    loss: dict[str, Any] = field(default_factory=dict)
    training: OptimConfig = field(default_factory=OptimConfig)

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> "TrainConfig":
        """Parse and validate a nested config dict; any unknown key or bad value is a one-line
        ``ValueError`` naming it."""
        if not isinstance(values, Mapping):
            raise ValueError(f"a training config must be a mapping, got {type(values).__name__}")
        values = copy.deepcopy(dict(values))
        for key in values:
            if key not in {f.name for f in fields(cls)}:
                raise ValueError(f"unknown config section {key!r}; known: data, loss, model, training")
        model = parse_section(ModelConfig, "model", values.get("model"))
        if not isinstance(model.graph_heads, list):
            raise ValueError("model.graph_heads must be a list of {layer, head, graph}")
        data = DataConfig.from_dict(values.get("data") or {})
        graph_names = {PLANTED_GRAPH} if data.source == "planted" else {g.get("name") for g in data.graphs}
        for head in model.graph_heads:
            if not isinstance(head, Mapping) or set(head) != {"layer", "head", "graph"}:
                raise ValueError(f"model.graph_heads entry {head!r} must have exactly the keys layer, head, graph")
            if not all(isinstance(head[k], int) and not isinstance(head[k], bool) and head[k] >= 0 for k in ("layer", "head")):
                raise ValueError(f"model.graph_heads entry {dict(head)}: layer and head must be integers >= 0")
            if head["graph"] not in graph_names:
                raise ValueError(f"model.graph_heads entry {dict(head)}: unknown graph; data provides {sorted(map(str, graph_names))}")
        for name in ("d_model", "n_layers", "n_heads"):
            if getattr(model, name) < 1:
                raise ValueError(f"model.{name} must be >= 1, got {getattr(model, name)}")
        training = parse_section(OptimConfig, "training", values.get("training"))
        if training.device not in DEVICES:
            raise ValueError(f"training.device must be one of {', '.join(DEVICES)}, got {training.device!r}")
        if training.precision not in PRECISIONS:
            raise ValueError(f"training.precision must be one of {', '.join(PRECISIONS)}, got {training.precision!r}")
        for name in ("epochs", "batch_size"):
            if getattr(training, name) < 1:
                raise ValueError(f"training.{name} must be >= 1, got {getattr(training, name)}")
        if not training.lr > 0:
            raise ValueError(f"training.lr must be > 0, got {training.lr}")
        loss = values.get("loss") or {}
        if not isinstance(loss, Mapping):
            raise ValueError("config section 'loss' must be a mapping")
        known = set(inspect.signature(PointDistGraphReg).parameters)
        for key in loss:
            if key not in known:
                raise ValueError(f"unknown loss option {key!r}; known: {', '.join(sorted(known))}")
        loss = {key: _as_number_like(value, _LOSS_DEFAULTS.get(key)) for key, value in loss.items()}
        PointDistGraphReg(**loss)  # the loss validates its own values
        return cls(data=data, model=model, loss=loss, training=training)

    def to_dict(self) -> dict[str, Any]:
        """The resolved nested config (defaults filled in), e.g. to store with a trial. The loss
        section lists every ``PointDistGraphReg`` argument, so ``loss.lambda_graph`` is always
        the effective value."""
        return {
            "data": self.data.to_dict(),
            "model": asdict(self.model),
            "loss": {**_LOSS_DEFAULTS, **self.loss},
            "training": asdict(self.training),
        }

    @property
    def lambda_graph(self) -> float:
        """The effective λ_graph (the loss's default when the config leaves it out)."""
        return float(self.to_dict()["loss"]["lambda_graph"])


def set_config_value(config: dict[str, Any], path: str, value: Any) -> None:
    """Set ``config["a"]["b"] = value`` for the dotted ``path == "a.b"``, creating sections as
    needed (the addressing that study parameters and ``--set`` overrides share)."""
    *sections, key = path.split(".")
    node = config
    for section in sections:
        child = node.setdefault(section, {})
        if not isinstance(child, dict):
            raise ValueError(f"{path!r}: {section!r} is not a config section")
        node = child
    node[key] = value


def apply_overrides(config: dict[str, Any], overrides: list[str]) -> dict[str, Any]:
    """A copy of ``config`` with each ``"dotted.path=value"`` applied, the value read as YAML
    (``loss.lambda_graph=0``, ``data.split=random``, ``loss.dist=null``)."""
    config = copy.deepcopy(config)
    for override in overrides:
        path, sep, text = override.partition("=")
        if not sep or not path.strip():
            raise ValueError(f"bad override {override!r}: expected dotted.path=value")
        try:
            value = yaml.safe_load(text)
        except yaml.YAMLError:
            raise ValueError(f"bad override {override!r}: the value is not valid YAML") from None
        set_config_value(config, path.strip(), value)
    return config

