"""Instances for the deep linear claims (C1–C3): data, labels in the range of the data,
``W* = X⁺Y`` of a drawn rank and spectrum."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from verify.instances import Instance
from verify.strategies.common import log_uniform, orthonormal_columns, rotation_seeds, spectra


@st.composite
def linear_instances(
    draw: st.DrawFn,
    depths: st.SearchStrategy[int] | None = None,
    max_dim: int = 5,
    rank: int | None = None,
    min_rank: int = 1,
    equal_singular_values: bool = False,
    t: st.SearchStrategy[float] | None = None,
    data_singular_values: tuple[float, float] = (0.3, 3.0),
    label_singular_values: tuple[float, float] = (0.1, 10.0),
) -> Instance:
    """A linear-network instance ``(X, Y, L, t)`` with ``Y = X W*`` exactly.

    ``depths`` draws ``L`` (default 2…8); ``t`` draws the norm bound (default log-uniform on
    ``[1/3, 3]``).

    Shapes cover N < d, N = d, N > d, K = 1 (1-D labels) and K > 1; ``rank(W*)`` ranges over
    ``min_rank…min(N, d, K)`` unless fixed by ``rank``, and ``N``, ``d``, ``K`` are at least
    that rank (with ``min_rank = 2`` every instance has a positive gap at ``L ≥ 3``). ``X`` has
    full rank with condition number at most the ratio of ``data_singular_values``; ``W*`` has
    singular values in ``label_singular_values`` (its column space lies in the row space of
    ``X``, as ``X⁺Y``'s must).

    When ``rank(W*) < min(d, K)``, the data is made *exact*: ``X`` and the factors of
    ``W* = AB`` are rounded to multiples of ``2⁻⁸`` and the products computed in integers, so
    that ``Y = XAB`` holds exactly in binary floating point and ``X⁺Y`` has exactly the drawn
    rank. (Float-rounded labels would give ``X⁺Y`` tiny but non-zero singular values, which a
    quasi-norm ``Σσ^{2/L}`` at depth ``L ≥ 4`` cannot ignore and float64 cannot resolve; the
    checker says so with ``inconclusive``.) Rounding moves the singular values by about
    ``2⁻⁸`` relative, within the drawn ranges' spirit.
    """
    smallest = rank if rank is not None else min_rank
    if not 1 <= smallest <= max_dim:
        raise ValueError(f"rank {smallest} must lie in 1…max_dim = {max_dim}")
    N = draw(st.integers(smallest, max_dim))
    d = draw(st.integers(smallest, max_dim))
    K = draw(st.integers(smallest, max_dim))
    scalar = K == 1 and draw(st.booleans())
    top = min(N, d, K)
    r = rank if rank is not None else draw(st.integers(min_rank, top))
    rng = draw(rotation_seeds())
    rho = min(N, d)
    data_s = draw(spectra(rho, *data_singular_values))
    Ux, Vx = orthonormal_columns(rng, N, rho), orthonormal_columns(rng, d, rho)
    X = (Ux * data_s) @ Vx.T
    sigma = draw(spectra(r, *label_singular_values, equal=equal_singular_values))
    U = Vx @ orthonormal_columns(rng, rho, r)
    V = orthonormal_columns(rng, K, r)
    if r < min(d, K):
        X, Y = exact_product(X, U * sigma, V.T)
    else:
        Y = X @ ((U * sigma) @ V.T)
    L = draw(depths if depths is not None else st.integers(2, 8))
    scale = draw(t if t is not None else log_uniform(1 / 3, 3.0))
    return Instance(X, Y[:, 0] if scalar else Y, L=L, t=scale, label="generated")


#: Fractional bits of the exact data (see :func:`exact_product`).
EXACT_BITS = 8


def exact_product(X: np.ndarray, A: np.ndarray, B: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``X``, ``A``, ``B`` rounded to multiples of ``2^{−EXACT_BITS}`` and ``Y = X A B`` computed
    exactly (integer arithmetic; every entry fits in 53 bits, which is checked)."""
    scale = 2**EXACT_BITS
    Xi, Ai, Bi = (np.round(M * scale).astype(np.int64) for M in (X, A, B))
    Yi = Xi @ (Ai @ Bi)
    if np.max(np.abs(Yi), initial=0) >= 2**53:
        raise ValueError("exact_product: entries beyond 53 bits")
    return Xi / scale, Yi.astype(float) / scale**3
