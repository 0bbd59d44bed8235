"""graphreg: does graph regularization help a gene-attention model learn?

The library is layered so that dependencies point one way:

- ``graphreg.losses``: the ``PointDistGraphReg`` composite loss (knows nothing of models).
- ``graphreg.graph``: biological graphs and the attention regularizer (knows nothing of models).
- ``graphreg.data``: the planted benchmark, real-data loaders and splits.
- ``graphreg.model``: the gene-attention transformer.
- ``graphreg.training``: one DDP training run (knows nothing of Optuna or Ray).
- ``graphreg.study``: Optuna studies distributed with Ray (the only layer touching either).
- ``graphreg.analysis``: importance, ablation and the report.
"""

__version__ = "0.1.0"
