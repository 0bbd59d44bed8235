"""Training runs on the planted benchmark: a 2-process gloo run that learns, identical metrics
on every rank, checkpoint/resume, reproducibility, non-finite losses, config errors and the
``study/train.py`` entry point."""

from __future__ import annotations

import copy
import math
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from _spawn_reports import RecordingReport
from graphreg.training import NonFiniteLossError, TrainConfig, apply_overrides, launch_local, load_checkpoint, train

ROOT = Path(__file__).resolve().parents[1]

# A small planted set where graph regularization lets unseen genes be predicted (README, "key finding").
SMALL = {
    "data": {"source": "planted", "seed": 0, "split": "gene_disjoint", "planted": {"n_genes": 150, "n_pairs": 4000}},
    "model": {"d_model": 16, "n_layers": 1, "n_heads": 2, "graph_heads": [{"layer": 0, "head": 0, "graph": "planted"}]},
    "loss": {"lambda_graph": 1.0},
    "training": {"epochs": 6, "batch_size": 128, "lr": 0.01, "seed": 0, "device": "cpu"},
}
EXPECTED_METRICS = {
    "epoch", "train_loss", "val_loss", "val_pearson", "val_spearman", "val_mse", "val_tail_mae", "attention_edge_mass",
    *(f"norm_{kind}_{term}" for kind in ("weighted", "unweighted") for term in ("point", "dist", "graph")),
}  # fmt: skip
TEST_METRICS = {"test_pearson", "test_spearman", "test_mse", "test_tail_mae"}


def _config(**overrides: dict) -> dict:
    config = copy.deepcopy(SMALL)
    for section, values in overrides.items():
        config[section].update(values)
    return config


def test_two_gloo_processes_learn_and_report_identical_metrics(tmp_path: Path) -> None:
    report = RecordingReport(str(tmp_path))
    final = launch_local(_config(), workers=2, report=report)
    rank0, rank1 = report.records(0), report.records(1)
    assert [r["metrics"] for r in rank0] == [r["metrics"] for r in rank1]  # every rank, every epoch
    assert all(r["checkpoint"] for r in rank0) and not any(r["checkpoint"] for r in rank1)
    assert len(rank0) == 6 and set(rank0[0]["metrics"]) == EXPECTED_METRICS
    assert set(final) == EXPECTED_METRICS | TEST_METRICS and final == rank0[-1]["metrics"]
    assert final["val_pearson"] > 0.5 and final["test_pearson"] > 0.5
    assert final["attention_edge_mass"] > max(0.5, rank0[0]["metrics"]["attention_edge_mass"])
    assert load_checkpoint(tmp_path / "epoch6").epoch == 6


@pytest.mark.parametrize("workers", [1, 2])
def test_seeded_cpu_runs_are_reproducible(workers: int) -> None:
    """Same seed, same metrics; with 2 gloo workers also through the gathered Wasserstein term."""
    config = _config(loss={"dist": "wasserstein", "min_samples_for_wasserstein": 100}, training={"epochs": 2})
    first = launch_local(config, workers)
    assert first == launch_local(config, workers) and first["norm_weighted_dist"] > 0


def test_resume_from_checkpoint_continues_identically(tmp_path: Path) -> None:
    """Stopping after epoch 2 and resuming gives the same epochs 3 and 4 as an uninterrupted run,
    with a buffered distribution term whose buffer must survive the checkpoint."""
    config = _config(
        loss={"dist": "dist", "lambda_dist": 0.1, "buffered": True, "buffer_size": 128, "min_samples_for_dist": 16},
        training={"epochs": 4},
    )
    full = RecordingReport(str(tmp_path / "full"))
    (tmp_path / "full").mkdir()
    train(config, full)
    resumed = RecordingReport(str(tmp_path / "resumed"))
    (tmp_path / "resumed").mkdir()
    train(config, resumed, resume_from=str(tmp_path / "full" / "epoch2"))
    continued = [r["metrics"] for r in resumed.records(0)]
    assert [m["epoch"] for m in continued] == [3.0, 4.0]
    assert continued == [r["metrics"] for r in full.records(0)][2:]
    assert continued[-1]["norm_weighted_dist"] > 0  # the buffered term was active


def test_lambda_zero_reports_no_graph_contribution() -> None:
    metrics = train(_config(loss={"lambda_graph": 0.0}, training={"epochs": 1}))
    assert metrics["norm_weighted_graph"] == 0.0 and metrics["norm_weighted_point"] == 1.0
    assert 0.0 < metrics["attention_edge_mass"] < 1.0


def test_non_finite_loss_stops_every_rank() -> None:
    with pytest.raises(NonFiniteLossError, match="NaN or Inf"):
        launch_local(_config(training={"lr": 1e30, "epochs": 2}), workers=2)


def test_resume_from_a_missing_checkpoint_is_a_value_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no checkpoint"):
        train(_config(training={"epochs": 1}), resume_from=str(tmp_path))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda c: c.update(optimizer={}), "unknown config section 'optimizer'"),
        (lambda c: c["training"].update(epocs=3), "unknown training option 'epocs'"),
        (lambda c: c["training"].update(lr="fast"), "training.lr"),
        (lambda c: c["loss"].update(lambda_graf=1.0), "unknown loss option 'lambda_graf'"),
        (lambda c: c["loss"].update(lambda_graph=-1.0), "lambda_graph"),
        (lambda c: c["model"].update(graph_heads=[{"layer": 0, "head": 0}]), "graph_heads"),
        (lambda c: c["data"].update(split="diagonal"), "split"),
        (lambda c: c["data"]["planted"].update(n_gense=3), "n_gense"),
        (lambda c: c["training"].update(device="tpu"), "training.device"),
        (lambda c: c["model"].update(graph_heads=[{"layer": 0, "head": 0, "graph": "string"}]), "unknown graph"),
        (lambda c: c["model"].update(graph_heads=[{"layer": "first", "head": 0, "graph": "planted"}]), "integers"),
    ],
)
def test_bad_config_is_a_value_error_naming_the_problem(change, message: str) -> None:
    config = _config()
    change(config)
    with pytest.raises(ValueError, match=message):
        TrainConfig.from_dict(config)


def test_config_round_trip_fills_defaults() -> None:
    resolved = TrainConfig.from_dict({"training": {"lr": "3e-3"}, "loss": {"lambda_graph": "1e-2"}}).to_dict()
    assert resolved["training"]["lr"] == 0.003 and resolved["loss"]["lambda_graph"] == 0.01
    assert resolved["loss"]["lambda_point"] == 1.0 and resolved["data"]["source"] == "planted"
    assert TrainConfig.from_dict(resolved).to_dict() == resolved


def _run_script(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "study" / "train.py"), *args], capture_output=True, text=True, cwd=ROOT)


def test_study_train_script_runs_two_workers_and_prints_each_epoch(tmp_path: Path) -> None:
    config_path = tmp_path / "config.yaml"
    config_path.write_text(yaml.safe_dump(_config(training={"epochs": 4})))
    # --set overrides the file: two epochs are run, not four.
    args = ("--workers", "2", "--save-checkpoint", str(tmp_path / "ckpt"), "--set", "training.epochs=2")
    done = _run_script("--config", str(config_path), *args)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert [line.split()[:2] for line in lines if line.startswith("epoch")] == [["epoch", "1"], ["epoch", "2"]]
    assert any("test_pearson=" in line for line in lines)
    assert load_checkpoint(tmp_path / "ckpt").epoch == 2
    assert math.isfinite(load_checkpoint(tmp_path / "ckpt").metrics["test_pearson"])


@pytest.mark.parametrize(
    ("content", "args", "message"),
    [
        (None, ["--workers", "1"], "no such config file"),
        ("training: {epocs: 3}\n", ["--workers", "1"], "epocs"),
        ("[unclosed\n", ["--workers", "1"], "YAML"),
        ("training: {epochs: 1}\n", ["--workers", "0"], "workers"),
        ("training: {epochs: 1}\n", ["--set", "training.epochs"], "dotted.path=value"),
        ("training: {epochs: 1}\n", ["--set", "training.epocs=2"], "epocs"),
    ],
)
def test_study_train_script_bad_input_exits_2_with_one_line(tmp_path: Path, content, args, message) -> None:
    config_path = tmp_path / "config.yaml"
    if content is not None:
        config_path.write_text(content)
    done = _run_script("--config", str(config_path), *args)
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1 and message in done.stderr
    assert "Traceback" not in done.stderr


def test_overrides_set_dotted_paths_on_a_copy() -> None:
    base = _config()
    changed = apply_overrides(base, ["loss.lambda_graph=0", "data.split=random", "loss.dist=null", "training.lr=0.01"])
    expected = copy.deepcopy(base)
    expected["loss"]["lambda_graph"] = 0
    expected["data"]["split"] = "random"
    expected["loss"]["dist"] = None
    expected["training"]["lr"] = 0.01
    assert changed == expected
    assert base == _config()  # the input is left alone
    assert TrainConfig.from_dict(changed).lambda_graph == 0.0
    with pytest.raises(ValueError, match="not a config section"):
        apply_overrides(base, ["loss.lambda_graph.x=1"])


SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
EMAP = SHARED_DATA / "schuldiner2005_emap" / "schuldiner2005_emap_long.tsv.gz"
BIOGRID = SHARED_DATA / "biogrid_3.5.174_physical" / "biogrid_3.5.174_sce_edges_orf.tsv"


@pytest.mark.skipif(not (EMAP.is_file() and BIOGRID.is_file()), reason="../shared/data (E-MAP, BioGRID) not present")
def test_one_epoch_on_real_emap_with_biogrid_graph() -> None:
    """The real-data path end to end: Schuldiner 2005 E-MAP S-scores, BioGRID physical graph,
    gene-disjoint split, graph regularization on (large batches keep it to a few steps)."""
    config = _config(training={"epochs": 1, "batch_size": 4096})
    config["data"] = {
        "source": "emap",
        "split": "gene_disjoint",
        "pairs": {"path": str(EMAP), "format": "table", "gene_a": "orf_a", "gene_b": "orf_b", "score": "S_score"},
        "graphs": [{"name": "biogrid", "format": "edgelist", "path": str(BIOGRID), "columns": ["orf_a", "orf_b"], "header": True}],
    }
    config["model"]["graph_heads"] = [{"layer": 0, "head": 0, "graph": "biogrid"}]
    metrics = train(config)
    assert set(metrics) == EXPECTED_METRICS | TEST_METRICS
    assert all(math.isfinite(metrics[key]) for key in ("train_loss", "val_pearson", "test_pearson", "attention_edge_mass"))
    assert metrics["norm_weighted_graph"] > 0


@pytest.mark.parametrize("name", ["train_example.yaml", "train_emap.yaml"])
def test_shipped_training_configs_parse(name: str) -> None:
    values = yaml.safe_load((ROOT / "search_spaces" / name).read_text())
    assert TrainConfig.from_dict(values).to_dict()["loss"]["lambda_graph"] == values["loss"]["lambda_graph"] > 0
