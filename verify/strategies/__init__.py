"""Hypothesis strategies for problem instances, one module per family of claims.

Conditioning is built in rather than filtered for: a strategy draws the singular values it wants
(on a log scale, within stated ratios), then random orthogonal factors from a drawn seed. The
seed is a hypothesis-drawn integer, so every instance is reproducible from hypothesis' blob.
"""

from verify.strategies.common import log_uniform, orthonormal_columns, rotation_seeds, spectra
from verify.strategies.linear import linear_instances

__all__ = ["linear_instances", "log_uniform", "orthonormal_columns", "rotation_seeds", "spectra"]
