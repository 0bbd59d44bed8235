"""Running a study: Ray Tune drives the trials, Optuna (through
:class:`~graphreg.study.searcher.OptunaAskTellSearcher`) samples them and records the outcome,
every trial is a Ray Train DDP run (:mod:`graphreg.study.trial`).

Everything that can be checked is checked before the storage is touched, so bad input leaves
nothing behind. The storage is the state: a rerun of the same command recovers orphans
(:mod:`graphreg.study.resume`) and runs only the missing trials.
"""

from __future__ import annotations

import copy
import os
import shutil
import socket
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import optuna
import ray
from ray import tune
from ray.tune.schedulers import ASHAScheduler, FIFOScheduler, TrialScheduler

from graphreg.study.progress import Progress, output_to_log
from graphreg.study.resume import count_finished, recover_orphans
from graphreg.study.search_space import SearchSpace
from graphreg.study.searcher import OptunaAskTellSearcher, TrialFactory
from graphreg.study.storage import check_storage_url, open_storage
from graphreg.study.trial import COLLECTIVE_TIMEOUT_S, TRAINABLE_RESOURCES, run_trial
from graphreg.training import TrainConfig

DEFAULT_STORAGE = "sqlite:///studies/graphreg.db"
# Ray Train settings for short trials (measured in bench/study_overhead.py); set the variables
# yourself to override. The controller polls its workers every health-check interval, and with
# the 2 s default every report() waits up to 2 s; the preemption watcher is one more actor
# process per trial, of no use on machines that are not preempted. Train's own barriers get
# the trials' collective timeout.
_RAY_ENV = {
    "RAY_TRAIN_HEALTH_CHECK_INTERVAL_S": "0.05",
    "RAY_TRAIN_ENABLE_PREEMPTION_WATCHER": "0",
    "RAY_TRAIN_COLLECTIVE_TIMEOUT_S": str(COLLECTIVE_TIMEOUT_S),
}


@dataclass(frozen=True)
class Resources:
    """Where and how wide trials run."""

    workers_per_trial: int = 2
    max_concurrent_trials: int = 1
    ray_address: str | None = None
    gpus_per_worker: float = 0.0
    max_failures: int = 1

    def __post_init__(self) -> None:
        if self.workers_per_trial < 1:
            raise ValueError(f"workers per trial must be >= 1, got {self.workers_per_trial}")
        if self.max_concurrent_trials < 1:
            raise ValueError(f"max concurrent trials must be >= 1, got {self.max_concurrent_trials}")
        if self.gpus_per_worker < 0:
            raise ValueError(f"GPUs per worker must be >= 0, got {self.gpus_per_worker}")


def run_study(
    space: SearchSpace,
    storage: str = DEFAULT_STORAGE,
    study_name: str | None = None,
    n_trials: int | None = None,
    resources: Resources | None = None,
    study_dir: str | Path | None = None,
) -> optuna.Study:
    """Run (or resume) the study until it has ``n_trials`` finished trials.

    ``n_trials`` counts trials of earlier runs too (orphans of a killed run excepted: they are
    retried). Defaults come from the search space's ``study`` section; the study is named
    after ``study.name``. Trial logs go to ``<study_dir>/run.log`` (default
    ``studies/<name>``).
    """
    settings = space.study
    name = study_name or settings.name
    if not name:
        raise ValueError("no study name: pass one or set study.name in the search space")
    n_trials = settings.n_trials if n_trials is None else n_trials
    if n_trials < 1:
        raise ValueError(f"n_trials must be >= 1, got {n_trials}")
    resources = resources or Resources(settings.workers_per_trial, settings.max_concurrent_trials, max_failures=settings.max_failures)
    fixed = _absolute_data_paths(space.fixed)
    space = SearchSpace(study=settings, fixed=fixed, params=space.params)
    scheduler = _scheduler(settings.scheduler, space.epochs())

    def make_trial(study: optuna.Study) -> tuple[optuna.Trial, dict[str, Any]]:
        trial = study.ask()
        return trial, space.sample(trial)

    def sampler_for(study: optuna.Study) -> optuna.samplers.BaseSampler:
        # A new seed per run: a resumed run must not replay the first run's random draws.
        seed = settings.seed + len(study.get_trials(deepcopy=False))
        if settings.sampler["type"] == "random":
            return optuna.samplers.RandomSampler(seed=seed)
        options = {k: v for k, v in settings.sampler.items() if k != "type"}
        return optuna.samplers.TPESampler(seed=seed, **options)

    return _run(
        name,
        storage,
        make_trial,
        lambda study: n_trials - count_finished(study),
        settings.metric,
        settings.direction,
        resources,
        Path(study_dir) if study_dir else Path("studies") / name,
        scheduler,
        sampler_for,
        requeue=True,
    )


def run_fixed_configs(
    study_name: str,
    storage: str,
    configs: Sequence[Mapping[str, Any]],
    user_attrs: Sequence[Mapping[str, Any]] | None = None,
    *,
    workers_per_trial: int = 2,
    max_concurrent_trials: int = 1,
    ray_address: str | None = None,
    gpus_per_worker: float = 0.0,
    metric: str = "val_pearson",
    direction: str = "maximize",
    study_dir: str | Path | None = None,
) -> optuna.Study:
    """Run each full training config once as a DDP trial in the study ``study_name``, with
    ``user_attrs[i]`` stored on config ``i``'s trial. A config whose trial (same attrs, same
    resolved config) is already COMPLETE is skipped, so a rerun resumes. No early stopping."""
    user_attrs = [{} for _ in configs] if user_attrs is None else list(user_attrs)
    if len(user_attrs) != len(configs):
        raise ValueError(f"got {len(configs)} configs but {len(user_attrs)} user_attrs")
    if direction not in ("maximize", "minimize"):
        raise ValueError(f"direction must be maximize or minimize, got {direction!r}")
    resolved = [TrainConfig.from_dict(_absolute_data_paths(c)).to_dict() for c in configs]
    resources = Resources(workers_per_trial, max_concurrent_trials, ray_address, gpus_per_worker)

    def pending(study: optuna.Study) -> list[int]:
        done = [
            t.user_attrs
            for t in study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,))
        ]
        return [
            i
            for i, (config, attrs) in enumerate(zip(resolved, user_attrs))
            if not any(d.get("config") == config and all(d.get(k) == v for k, v in attrs.items()) for d in done)
        ]

    queue: list[int] = []

    def make_trial(study: optuna.Study) -> tuple[optuna.Trial, dict[str, Any]]:
        i = queue.pop(0)
        trial = study.ask()
        for key, value in user_attrs[i].items():
            trial.set_user_attr(key, value)
        return trial, resolved[i]

    def remaining(study: optuna.Study) -> int:
        queue[:] = pending(study)
        return len(queue)

    return _run(
        study_name,
        storage,
        make_trial,
        remaining,
        metric,
        direction,
        resources,
        Path(study_dir) if study_dir else Path("studies") / study_name,
        FIFOScheduler(),
        lambda study: optuna.samplers.RandomSampler(),
        requeue=False,
    )


def _run(
    name: str,
    storage_url: str,
    make_trial: TrialFactory,
    remaining: Callable[[optuna.Study], int],
    metric: str,
    direction: str,
    resources: Resources,
    study_dir: Path,
    scheduler: TrialScheduler,
    sampler_for: Callable[[optuna.Study], optuna.samplers.BaseSampler],
    requeue: bool,
) -> optuna.Study:
    """Connect to Ray, open the study, recover orphans and run the remaining trials."""
    study_dir = study_dir.resolve()
    check_storage_url(storage_url)
    if resources.ray_address:
        _check_reachable(resources.ray_address)
    storage = open_storage(storage_url)
    study = optuna.create_study(study_name=name, storage=storage, direction=direction, load_if_exists=True)
    if study.direction.name.lower() != direction:
        raise ValueError(f"study {name!r} exists with direction {study.direction.name.lower()}, not {direction}")
    recovered = recover_orphans(study, requeue=requeue)
    if recovered:
        print(f"recovered {len(recovered)} orphaned trial(s) of an earlier run: {recovered}", flush=True)
    todo = remaining(study)
    if todo <= 0:
        print(f"study {name!r} already has the requested trials", flush=True)
        return study
    mode = "max" if direction == "maximize" else "min"
    run = {
        "workers": resources.workers_per_trial,
        "gpus_per_worker": resources.gpus_per_worker,
        "max_failures": resources.max_failures,
        "storage_path": str(study_dir / "checkpoints"),
        "metric": metric,
        "mode": mode,
    }
    done = len(study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,)))
    study.sampler = sampler_for(study)
    with output_to_log(study_dir / "run.log") as terminal, _ray_session(resources):
        finished = count_finished(study)
        progress = Progress(finished, finished + todo, study.best_value if done else None, metric, mode == "max", terminal)
        searcher = OptunaAskTellSearcher(study, make_trial, run, progress)
        tuner = tune.Tuner(
            tune.with_resources(run_trial, TRAINABLE_RESOURCES),
            tune_config=tune.TuneConfig(
                search_alg=searcher,
                scheduler=scheduler,
                num_samples=todo,
                max_concurrent_trials=resources.max_concurrent_trials,
                metric=metric,
                mode=mode,
                reuse_actors=False,
            ),
            run_config=tune.RunConfig(
                name=f"run-{time.strftime('%Y%m%d-%H%M%S')}",
                storage_path=str(study_dir / "tune"),
                verbose=0,
            ),
        )
        try:
            tuner.fit()
        finally:
            progress.close()
            # Trials still in flight (Ctrl-C, an internal error) must not stay RUNNING.
            recover_orphans(study, requeue=requeue)
    return study


@contextmanager
def _ray_session(resources: Resources) -> Iterator[None]:
    """Connect to ``resources.ray_address``, or start a private local Ray instance sized so that
    a trial's workers fit (never PENDING forever) and stop it afterwards.

    Ray Train's placement-group cleaner auto-detects its cluster; with another Ray instance on
    the machine that fails and a stopped trial's workers keep their CPUs (the next trial then
    waits forever). So joined clusters get ``RAY_ADDRESS`` in the job's environment, and a
    local instance gets a temp dir of its own and is recorded as that dir's current cluster.
    """
    if ray.is_initialized():
        _check_capacity(resources)
        yield
        return
    for key, value in _RAY_ENV.items():
        os.environ.setdefault(key, value)  # Tune and Train propagate these to trials and controllers
    # A local instance gets a private temp dir (unless the user chose one with RAY_TMPDIR): that
    # is where Ray's processes look up "the current cluster", and a shared /tmp/ray is rewritten
    # by every other Ray instance started on the machine meanwhile.
    private_tmp = None
    if not resources.ray_address and "RAY_TMPDIR" not in os.environ:
        private_tmp = tempfile.mkdtemp(prefix="graphreg-ray-")
        os.environ["RAY_TMPDIR"] = private_tmp  # inherited by every Ray process started below
    try:
        if resources.ray_address:
            _join_cluster(resources.ray_address)
        else:
            _start_local_instance(resources)
        _check_capacity(resources)
        yield
    finally:
        ray.shutdown()  # a no-op when Ray never started
        if private_tmp:
            del os.environ["RAY_TMPDIR"]
            shutil.rmtree(private_tmp, ignore_errors=True)


def _join_cluster(address: str) -> None:
    env = {key: os.environ[key] for key in _RAY_ENV} | {"RAY_ADDRESS": address}
    try:
        ray.init(address=address, runtime_env={"env_vars": env}, log_to_driver=True)
    except (ConnectionError, RuntimeError, ValueError) as error:
        raise ValueError(f"cannot join the Ray cluster at {address}: {error}") from None


def _start_local_instance(resources: Resources) -> None:
    ray.init(
        address="local",
        num_cpus=max(os.cpu_count() or 1, resources.workers_per_trial * resources.max_concurrent_trials),
        include_dashboard=True,  # Train's placement-group cleaner queries the state API
        dashboard_host="127.0.0.1",
        log_to_driver=True,
    )
    # Record this instance as the one to auto-detect (what `ray start` does), since the
    # workers were started before its address was known.
    ray._private.utils.write_ray_address(ray.get_runtime_context().gcs_address)


def _check_capacity(resources: Resources) -> None:
    cpus = ray.cluster_resources().get("CPU", 0)
    gpus = ray.cluster_resources().get("GPU", 0)
    if cpus < resources.workers_per_trial:
        raise ValueError(f"the Ray cluster has {cpus:g} CPUs but a trial needs {resources.workers_per_trial} (one per worker)")
    if gpus < resources.gpus_per_worker * resources.workers_per_trial:
        raise ValueError(
            f"the Ray cluster has {gpus:g} GPUs but a trial needs {resources.gpus_per_worker * resources.workers_per_trial:g}"
        )


def _check_reachable(address: str) -> None:
    """Fail fast on an unreachable ``host:port`` (``ray.init`` would retry for a minute)."""
    if address == "auto" or "://" in address:
        return
    host, _, port = address.rpartition(":")
    if not host or not port.isdigit():
        raise ValueError(f"bad Ray address {address!r}: expected host:port or auto")
    if not _reachable(address):
        raise ValueError(f"cannot reach the Ray cluster at {address}: connection refused or timed out")


def _reachable(address: str, timeout_s: float = 5.0) -> bool:
    host, _, port = address.rpartition(":")
    try:
        socket.create_connection((host, int(port)), timeout=timeout_s).close()
    except OSError:
        return False
    return True



def _scheduler(spec: Mapping[str, Any], epochs: int) -> TrialScheduler:
    """ASHA on the epoch count (``max_t`` = the training's epochs), or FIFO for ``none``."""
    if spec["type"] == "none":
        return FIFOScheduler()
    return ASHAScheduler(
        time_attr="epoch",
        max_t=epochs,
        grace_period=int(spec.get("grace_period", 1)),
        reduction_factor=float(spec.get("reduction_factor", 2)),
        # A trial that reached max_t ends by itself; stopping it there would cut off its
        # final report and tear its Train run down mid-exit.
        stop_last_trials=False,
    )


def _absolute_data_paths(config: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``config`` whose data file paths are absolute (workers run elsewhere) and
    checked to exist, so a missing file fails before anything is stored."""
    config = copy.deepcopy(dict(config))
    data = config.get("data") or {}
    specs = [data.get("pairs")] + list(data.get("graphs") or [])
    for spec in specs:
        if isinstance(spec, dict) and "path" in spec:
            path = Path(str(spec["path"])).expanduser()
            if not path.is_file():
                raise ValueError(f"data file not found: {spec['path']}")
            spec["path"] = str(path.resolve())
    return config
