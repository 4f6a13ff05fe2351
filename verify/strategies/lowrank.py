"""Instances for C4 (weight decay → low rank): orthonormal ``X`` and labels whose ``XᵀY`` has
singular values placed below, exactly at, or above the threshold ``τ(L, β)``."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from verify.instances import Instance
from verify.lowrank import threshold
from verify.strategies.common import log_uniform, orthonormal_columns, rotation_seeds

#: the depths C4 is checked at
DEPTHS = st.integers(2, 8)
#: where a singular value of ``XᵀY`` sits relative to ``τ``
PLACEMENTS = ("below", "at", "above")


@st.composite
def placed_singular_values(
    draw: st.DrawFn, size: int, tau: float, placements: tuple[str, ...] = PLACEMENTS
) -> np.ndarray:
    """``size`` values, each ``τ`` times a factor in ``[0.05, 0.98]`` (below), exactly ``τ``
    (at) or a factor in ``[1.02, 5]`` (above); descending."""
    values = []
    for _ in range(size):
        where = draw(st.sampled_from(placements))
        if where == "below":
            values.append(tau * draw(log_uniform(0.05, 0.98)))
        elif where == "at":
            values.append(tau)
        else:
            values.append(tau * draw(log_uniform(1.02, 5.0)))
    return np.sort(np.array(values))[::-1]


@st.composite
def lowrank_instances(
    draw: st.DrawFn,
    depths: st.SearchStrategy[int] = DEPTHS,
    betas: st.SearchStrategy[float] | None = None,
    max_dim: int = 4,
    placements: tuple[str, ...] = PLACEMENTS,
) -> Instance:
    """``(X, Y, L, β)`` with ``XᵀX = I`` (Haar-random columns) and ``XᵀY = U diag(σ) Vᵀ``.

    ``β`` spans ``10⁻²…10²`` on a log scale unless given; ``rank(XᵀY)`` ranges over
    ``1…min(d, K)``; the part of ``Y`` outside the range of ``X`` is drawn too (it adds a
    constant to the objective), and shapes cover ``N = d``, ``N > d``, ``K = 1`` (1-D labels).
    """
    L = draw(depths)
    beta = draw(betas if betas is not None else log_uniform(1e-2, 1e2))
    d = draw(st.integers(1, max_dim))
    N = d + draw(st.integers(0, 2))
    K = draw(st.integers(1, max_dim))
    scalar = K == 1 and draw(st.booleans())
    r = draw(st.integers(1, min(d, K)))
    tau = threshold(L, beta)
    sigma = draw(placed_singular_values(r, tau, placements))
    rng = draw(rotation_seeds())
    X = orthonormal_columns(rng, N, d)
    M = (orthonormal_columns(rng, d, r) * sigma) @ orthonormal_columns(rng, K, r).T
    off_range = draw(st.sampled_from([0.0, 0.3 * tau]))
    noise = (np.eye(N) - X @ X.T) @ rng.standard_normal((N, K)) * off_range
    Y = X @ M + noise
    return Instance(X, Y[:, 0] if scalar else Y, L=L, beta=beta, label="generated")
