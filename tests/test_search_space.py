"""YAML search spaces: the shipped files, conditional sampling and validation (no Ray)."""

from __future__ import annotations

import copy
from pathlib import Path

import optuna
import pytest
import yaml

from graphreg.study import SearchSpace
from graphreg.training import TrainConfig

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ["default.yaml", "smoke.yaml", "negative_control.yaml", "emap.yaml"]
DATA = ROOT.parent / "shared" / "data"


def _smoke() -> dict:
    return yaml.safe_load((ROOT / "search_spaces" / "smoke.yaml").read_text())


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_search_spaces_load(name: str) -> None:
    space = SearchSpace.from_yaml(ROOT / "search_spaces" / name)
    assert space.study.name and space.params
    names = [p.name for p in space.params]
    for wanted in ("loss.lambda_point", "loss.point", "loss.dist", "loss.lambda_dist", "loss.buffered",
                   "loss.buffer_size", "loss.alpha", "loss.lambda_graph"):  # fmt: skip
        assert wanted in names, f"{name} does not search {wanted}"


@pytest.mark.parametrize("name", SHIPPED)
def test_sampled_configs_respect_conditions(name: str) -> None:
    """Over many random draws: λ_dist only with a distribution loss, buffer size and α only when
    buffered, λ_graph = 0 exactly when the graph-reg switch is off, and every config valid."""
    space = SearchSpace.from_yaml(ROOT / "search_spaces" / name)
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=1))
    seen_graph_off = seen_graph_on = seen_buffered = 0
    for _ in range(150):
        trial = study.ask()
        config = space.sample(trial)
        TrainConfig.from_dict(config)
        params, loss = trial.params, config["loss"]
        assert ("loss.lambda_dist" in params) == (params["loss.dist"] is not None)
        assert ("loss.buffered" in params) == (params["loss.dist"] is not None)
        buffered = params.get("loss.buffered", False)
        assert ("loss.buffer_size" in params) == buffered and ("loss.alpha" in params) == buffered
        assert loss.get("buffered", False) == buffered
        if params["loss.dist"] is None:
            assert loss.get("lambda_dist", 0.0) == 0.0 and loss["dist"] is None
        if params["loss.graph_reg"]:
            seen_graph_on += 1
            assert loss["lambda_graph"] == params["loss.lambda_graph"] > 0
        else:
            seen_graph_off += 1
            assert loss["lambda_graph"] == 0.0 and "loss.lambda_graph" not in params
        assert "graph_reg" not in loss  # a switch, not a loss argument
        seen_buffered += buffered
        study.tell(trial, 0.0)
    assert seen_graph_off and seen_graph_on and seen_buffered


def test_enqueued_params_are_reproduced() -> None:
    """A retried trial (enqueued params) gets exactly the same config."""
    space = SearchSpace.from_dict(_smoke())
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=3))
    first = study.ask()
    config = space.sample(first)
    study.enqueue_trial(first.params)
    again = study.ask()
    assert space.sample(again) == config and again.params == first.params


def _with(change) -> dict:
    values = _smoke()
    change(values)
    return values


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda v: v["params"].update({"loss.lamda_graph": {"type": "float", "low": 0.1, "high": 1}}), "lamda_graph"),
        (lambda v: v["params"].update({"loss.alpha": {"type": "gaussian", "low": 0, "high": 1}}), "unknown distribution 'gaussian'"),
        (lambda v: v["params"].update({"loss.alpha": {"type": "float", "low": 0.9, "high": 0.1}}), "low (0.9) > high (0.1)"),
        (lambda v: v["params"]["loss.alpha"].update(when={"loss.bufferd": True}), "condition on unknown parameter 'loss.bufferd'"),
        (lambda v: v["params"]["loss.alpha"].update(when={"loss.buffered": "yes"}), "not a choice"),
        (lambda v: v["params"].update({"loss.alpha": {"type": "float", "low": 0, "high": 1, "log": True}}), "low > 0"),
        (lambda v: v["params"].update({"loss.point": {"type": "categorical", "choices": []}}), "non-empty"),
        (lambda v: v["params"].update({"loss.point": {"type": "categorical", "choices": ["huber"]}}), "huber"),
        (lambda v: v["params"].update({"loss.alpha": {"type": "float", "low": "a", "high": 1}}), "low must be"),
        (lambda v: v["params"]["loss.alpha"].update(lo=1), "unknown key 'lo'"),
        (lambda v: v.update(paramz={}), "unknown section 'paramz'"),
        (lambda v: v["study"].update(direction="up"), "study.direction"),
        (lambda v: v["study"].update(scheduler={"type": "hyperband"}), "study.scheduler.type"),
        (lambda v: v["study"].update(sampler={"type": "grid"}), "study.sampler.type"),
        (lambda v: v["study"].update(sampler={"type": "tpe", "n_startup": 3}), "unknown study.sampler option 'n_startup'"),
        (lambda v: v["study"].update(n_trial=3), "unknown study setting 'n_trial'"),
        (lambda v: v["fixed"]["training"].update(epocs=3), "epocs"),
    ],
)
def test_bad_search_spaces_are_one_line_value_errors(change, message: str) -> None:
    with pytest.raises(ValueError, match=None) as info:
        SearchSpace.from_dict(_with(change))
    assert message in str(info.value) and "\n" not in str(info.value)


def test_malformed_yaml_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("study:\n  name: x\nparams: [\n")
    with pytest.raises(ValueError, match=r"malformed YAML .* line \d+"):
        SearchSpace.from_yaml(path)


def test_yaml_is_loaded_safely(tmp_path: Path) -> None:
    """A YAML tag that would construct Python objects is rejected, and runs nothing."""
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.yaml"
    path.write_text(f"study: !!python/object/apply:os.system ['touch {marker}']\n")
    with pytest.raises(ValueError, match="malformed YAML"):
        SearchSpace.from_yaml(path)
    assert not marker.exists()


def test_switch_gates_without_entering_the_config() -> None:
    values = _smoke()
    space = SearchSpace.from_dict(values)
    study = optuna.create_study()
    study.enqueue_trial({"loss.graph_reg": False, "loss.dist": None, "loss.point": "mse", "loss.lambda_point": 1.0})
    config = space.sample(study.ask())
    expected = copy.deepcopy(values["fixed"])
    expected["loss"].update(lambda_point=1.0, point="mse", dist=None, lambda_dist=0.0, buffered=False, lambda_graph=0.0)
    assert config == expected


@pytest.mark.skipif(not (DATA / "schuldiner2005_emap").is_dir(), reason="shared E-MAP data absent")
def test_emap_search_space_points_at_the_shared_data() -> None:
    space = SearchSpace.from_yaml(ROOT / "search_spaces" / "emap.yaml")
    paths = [space.fixed["data"]["pairs"]["path"]] + [g["path"] for g in space.fixed["data"]["graphs"]]
    for path in paths:
        assert (ROOT / path).resolve().is_file(), path
