"""DDP equivalence with 2 real gloo processes: the gradients through DistributedDataParallel equal
those of one process on the concatenated batch, and every rank's buffer equals the single
process's, for point-only, KDE, Wasserstein and buffered configurations, with equal and unequal
per-rank batch sizes."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
import torch.multiprocessing as mp

import _ddp_loss_workers as workers

WORLD_SIZE = 2
CASES = [("equal", name) for name in workers.EQUAL_CONFIGS] + [("unequal", name) for name in workers.UNEQUAL_CONFIGS]


@pytest.fixture(scope="module")
def ddp_results(tmp_path_factory: pytest.TempPathFactory) -> list[dict]:
    """One spawn of two gloo ranks runs every case; each rank's results, loaded back."""
    out = tmp_path_factory.mktemp("ddp_loss")
    mp.spawn(workers.worker, args=(WORLD_SIZE, str(out / "init"), str(out)), nprocs=WORLD_SIZE, join=True)
    return [torch.load(out / f"rank{rank}.pt") for rank in range(WORLD_SIZE)]


@pytest.fixture(scope="module")
def single_results() -> dict[str, dict]:
    return {
        layout: workers.run_configs(
            workers.EQUAL_CONFIGS if layout == "equal" else workers.UNEQUAL_CONFIGS, sizes, 0, distributed=False
        )
        for layout, sizes in workers.SIZES.items()
    }


@pytest.mark.parametrize("layout, name", CASES, ids=[f"{layout}-{name}" for layout, name in CASES])
def test_ddp_matches_single_process(layout: str, name: str, ddp_results: list[dict], single_results: dict) -> None:
    single = single_results[layout][name]
    for rank, results in enumerate(ddp_results):
        for step, (got, expected) in enumerate(zip(results[layout][name], single)):
            where = f"rank {rank}, step {step}"
            for g, e in zip(got["grads"], expected["grads"]):
                torch.testing.assert_close(g, e, rtol=1e-5, atol=1e-5, msg=lambda m: f"{where}: {m}")
            # The distribution term is computed on the global batch: the same value on every rank.
            assert got["parts"]["dist"] == pytest.approx(expected["parts"]["dist"], rel=1e-9, abs=1e-12), where
            if expected["buffer"] is not None:
                for g, e, other in zip(got["buffer"], expected["buffer"], ddp_results[1 - rank][layout][name][step]["buffer"]):
                    assert torch.equal(g, other), f"{where}: the ranks' buffers differ"
                    torch.testing.assert_close(g, e, rtol=1e-9, atol=1e-12)
    # The gradients are not trivially zero, and the buffered runs really fill and wrap their buffer.
    assert any(float(g.abs().sum()) > 0 for g in single[-1]["grads"])
    if single[-1]["buffer"] is not None:
        assert single[-1]["buffer"][0].numel() == workers.EQUAL_CONFIGS[name]["buffer_size"]


def test_threshold_branch_is_taken_together() -> None:
    """The buffered Wasserstein case really exercises the threshold: its first step is below it
    (inactive), the later ones are not, so the DDP comparison above covers both branches."""
    single = workers.run_configs({"b": workers.EQUAL_CONFIGS["buffered_wasserstein"]}, (32, 32), 0, distributed=False)["b"]
    assert single[0]["parts"]["dist"] == 0.0 and all(s["parts"]["dist"] > 0 for s in single[1:])
