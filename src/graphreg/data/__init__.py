"""Datasets of gene-pair scores with graphs over the same genes."""

from graphreg.data.pairs import PairData

__all__ = ["PairData"]
