"""The PointDistGraphReg composite loss and its components.

- :class:`LogCoshLoss`, :class:`MSELoss`: point losses.
- :class:`KDEDistLoss`, :class:`WassersteinLoss`: distribution distances.
- :class:`GatheredDistributionLoss`, :class:`BufferedDistributionLoss`: a distance on the samples
  of all DDP ranks, the latter mixed with a FIFO buffer of past samples.
- :class:`PointDistGraphReg`: λ_point·L_point + λ_dist·L_dist + λ_graph·L_graph.

This package knows nothing of models: the graph term is whatever tensor the model returns.
"""

from graphreg.losses.buffered import BufferedDistributionLoss, GatheredDistributionLoss
from graphreg.losses.composite import PointDistGraphReg
from graphreg.losses.distribution import KDEDistLoss, WassersteinLoss
from graphreg.losses.point import LogCoshLoss, MSELoss

__all__ = [
    "BufferedDistributionLoss",
    "GatheredDistributionLoss",
    "KDEDistLoss",
    "LogCoshLoss",
    "MSELoss",
    "PointDistGraphReg",
    "WassersteinLoss",
]
