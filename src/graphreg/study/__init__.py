"""Optuna studies over the loss, distributed with Ray: every trial is a Ray Train DDP run.

Public API: :class:`SearchSpace` (YAML search spaces), :func:`run_study` (search, resumable),
:func:`run_fixed_configs` (fixed configs, e.g. the ablation), :func:`open_storage` and
:func:`redact_url` (storages), :func:`serve_dashboard` (optuna-dashboard).
"""

from graphreg.study.dashboard import serve_dashboard
from graphreg.study.resume import count_finished, recover_orphans
from graphreg.study.runner import DEFAULT_STORAGE, Resources, run_fixed_configs, run_study
from graphreg.study.search_space import ParamSpec, SearchSpace, StudySettings
from graphreg.study.storage import open_storage, redact_text, redact_url

__all__ = [
    "DEFAULT_STORAGE",
    "ParamSpec",
    "Resources",
    "SearchSpace",
    "StudySettings",
    "count_finished",
    "open_storage",
    "recover_orphans",
    "redact_text",
    "redact_url",
    "run_fixed_configs",
    "run_study",
    "serve_dashboard",
]
