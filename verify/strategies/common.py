"""Building blocks shared by the instance strategies."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st


def orthonormal_columns(rng: np.random.Generator, n: int, k: int) -> np.ndarray:
    """A Haar-random ``n×k`` matrix with orthonormal columns (``k ≤ n``)."""
    Q, R = np.linalg.qr(rng.standard_normal((n, k)))
    return Q * np.sign(np.diag(R))


def rotation_seeds() -> st.SearchStrategy[np.random.Generator]:
    """A numpy generator seeded by a hypothesis-drawn integer."""
    return st.integers(0, 2**32 - 1).map(np.random.default_rng)


def log_uniform(low: float, high: float) -> st.SearchStrategy[float]:
    """Floats whose logarithm is uniform on ``[log low, log high]`` (shrinks towards ``low``)."""
    lo, hi = np.log10(low), np.log10(high)
    return st.floats(0.0, 1.0).map(lambda u: float(10 ** (lo + u * (hi - lo))))


@st.composite
def spectra(
    draw: st.DrawFn, size: int, low: float = 0.1, high: float = 10.0, equal: bool = False
) -> np.ndarray:
    """``size`` singular values in ``[low, high]``, descending; all equal when ``equal``."""
    if equal:
        return np.full(size, draw(log_uniform(low, high)))
    values = [draw(log_uniform(low, high)) for _ in range(size)]
    return np.sort(np.array(values))[::-1]
