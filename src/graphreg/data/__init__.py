"""Datasets of gene-pair scores with graphs over the same genes."""

from graphreg.data.pairs import PairData
from graphreg.data.splits import SPLIT_KINDS, PairSplit, split_pairs

__all__ = ["PairData", "PairSplit", "SPLIT_KINDS", "split_pairs"]
