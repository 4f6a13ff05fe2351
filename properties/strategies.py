"""Strategies for the test suite: the one place tests import strategies from.

The instance strategies live in :mod:`verify.strategies` (``dualgap verify`` uses them too); this
module re-exports them and adds what only the tests need: bad inputs and edge-case instances.
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from verify.instances import Instance
from verify.strategies import (
    linear_instances,
    log_uniform,
    lowrank_instances,
    orthonormal_columns,
    rank1_instances,
    relu_instances,
    rotation_seeds,
    spectra,
    whitened_instances,
)
from verify.strategies.rank1 import ZERO_GAP
from verify.strategies.relu import DEFAULT_SIZES, THOROUGH_SIZES

__all__ = [
    "DEFAULT_SIZES",
    "THOROUGH_SIZES",
    "ZERO_GAP",
    "bad_scalars",
    "factor_tuples",
    "linear_instances",
    "log_uniform",
    "lowrank_instances",
    "orthonormal_columns",
    "outside_range_instances",
    "rank1_instances",
    "relu_instances",
    "rotation_seeds",
    "spectra",
    "whitened_instances",
]


def bad_scalars() -> st.SearchStrategy[tuple[str, object]]:
    """``(field, value)`` pairs that an instance must reject."""
    return st.one_of(
        st.tuples(st.just("L"), st.sampled_from([1, 0, -3, 2.5, float("nan"), "three", True])),
        st.tuples(st.just("t"), st.sampled_from([0.0, -1.0, float("inf"), float("nan"), "1"])),
        st.tuples(st.just("beta"), st.sampled_from([0.0, -0.5, float("-inf")])),
        st.tuples(st.just("width"), st.sampled_from([0, -1, 1.5])),
    )


@st.composite
def outside_range_instances(draw: st.DrawFn) -> Instance:
    """Labels with a component outside the range of ``X`` (needs N > d)."""
    rng = draw(rotation_seeds())
    d = draw(st.integers(1, 3))
    N = d + draw(st.integers(1, 3))
    K = draw(st.integers(1, 3))
    Q = orthonormal_columns(rng, N, d + 1)
    X = Q[:, :d] * draw(spectra(d, 0.5, 2.0))
    Y = X @ rng.standard_normal((d, K)) + np.outer(Q[:, d], draw(spectra(K, 0.1, 1.0)))
    return Instance(X, Y, L=draw(st.integers(2, 6)), t=draw(log_uniform(0.5, 2.0)))


@st.composite
def factor_tuples(draw: st.DrawFn) -> list[np.ndarray]:
    """Random matrices ``W_1, …, W_L`` of chaining shapes (any ranks, including deficient)."""
    rng = draw(rotation_seeds())
    L = draw(st.integers(2, 6))
    widths = [draw(st.integers(1, 4)) for _ in range(L + 1)]
    return [rng.standard_normal((widths[i], widths[i + 1])) for i in range(L)]
