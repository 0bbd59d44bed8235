"""One training run of the gene-attention model (independent of Optuna and Ray)."""

from graphreg.training.checkpoint import TrainState, load_checkpoint, save_checkpoint
from graphreg.training.config import ModelConfig, OptimConfig, TrainConfig, apply_overrides, set_config_value
from graphreg.training.launch import ConsoleReport, format_epoch, launch_local
from graphreg.training.loop import NonFiniteLossError, Report, train

__all__ = [
    "ConsoleReport",
    "ModelConfig",
    "NonFiniteLossError",
    "OptimConfig",
    "Report",
    "TrainConfig",
    "TrainState",
    "apply_overrides",
    "format_epoch",
    "launch_local",
    "load_checkpoint",
    "save_checkpoint",
    "set_config_value",
    "train",
]
