"""Hypothesis strategies for problem instances, one module per family of claims.

Conditioning is built in rather than filtered for: a strategy draws the singular values it wants
(on a log scale, within stated ratios), then random orthogonal factors from a drawn seed. The
seed is a hypothesis-drawn integer, so every instance is reproducible from hypothesis' blob.

* :func:`linear_instances` — deep linear claims (C1–C3);
* :func:`lowrank_instances` — orthonormal data, singular values placed around the threshold (C4);
* :func:`relu_instances` — small data sets for parallel ReLU networks (C5);
* :func:`rank1_instances`, :func:`whitened_instances` — rank-1 and whitened data (C6).
"""

from verify.strategies.common import log_uniform, orthonormal_columns, rotation_seeds, spectra
from verify.strategies.linear import linear_instances
from verify.strategies.lowrank import lowrank_instances, placed_singular_values
from verify.strategies.rank1 import rank1_instances, whitened_instances
from verify.strategies.relu import relu_instances

__all__ = [
    "linear_instances",
    "log_uniform",
    "lowrank_instances",
    "orthonormal_columns",
    "placed_singular_values",
    "rank1_instances",
    "relu_instances",
    "rotation_seeds",
    "spectra",
    "whitened_instances",
]
