"""Shared linear algebra with stated tolerances.

Numerical rank: a singular value counts when it exceeds ``RANK_RTOL · σ_max``. The default
``1e-9`` sits far above the rounding noise of an SVD (≈ 1e-16 · κ) for the conditioning of the
instances this project generates (κ ≤ 1e4) and far below their smallest singular value ratio.
"""

from __future__ import annotations

import numpy as np

RANK_RTOL = 1e-9


def singular_values(A: np.ndarray) -> np.ndarray:
    """Singular values of ``A``, descending."""
    return np.linalg.svd(np.asarray(A, dtype=float), compute_uv=False)


def rank_from_singular_values(s: np.ndarray, rtol: float = RANK_RTOL) -> int:
    """Number of singular values above ``rtol · max(s)`` (0 for an all-zero matrix)."""
    s = np.asarray(s, dtype=float)
    if s.size == 0 or s[0] == 0.0:
        return 0
    return int(np.count_nonzero(s > rtol * s[0]))


def numerical_rank(A: np.ndarray, rtol: float = RANK_RTOL) -> int:
    return rank_from_singular_values(singular_values(A), rtol)


def compact_svd(
    A: np.ndarray, rtol: float = RANK_RTOL
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``A ≈ U diag(s) Vt`` truncated to the numerical rank."""
    U, s, Vt = np.linalg.svd(np.asarray(A, dtype=float), full_matrices=False)
    r = rank_from_singular_values(s, rtol)
    return U[:, :r], s[:r], Vt[:r]


def pseudo_inverse(A: np.ndarray, rtol: float = RANK_RTOL) -> np.ndarray:
    U, s, Vt = compact_svd(A, rtol)
    return (Vt.T / s) @ U.T


def condition_number(A: np.ndarray, rtol: float = RANK_RTOL) -> float:
    """``σ_max / σ_min`` over the non-zero singular values (1 for a zero matrix)."""
    s = singular_values(A)
    r = rank_from_singular_values(s, rtol)
    return float(s[0] / s[r - 1]) if r else 1.0


def relative_residual(residual: np.ndarray, reference: np.ndarray) -> float:
    """``‖residual‖_F / max(‖reference‖_F, tiny)``."""
    scale = max(float(np.linalg.norm(reference)), np.finfo(float).tiny)
    return float(np.linalg.norm(residual)) / scale


def least_squares_solution(X: np.ndarray, Y: np.ndarray) -> tuple[np.ndarray, float]:
    """``W* = X⁺Y`` and the relative interpolation residual ``‖XW* − Y‖ / ‖Y‖``.

    A residual above the instance tolerance means ``Y`` is outside the range of ``X``: no
    linear network interpolates it.
    """
    W = pseudo_inverse(X) @ Y
    return W, relative_residual(X @ W - Y, Y)


def schatten_quasi_norm(s: np.ndarray, p: float) -> float:
    """``‖A‖_{S_p} = (Σ σ_i^p)^{1/p}`` from the singular values ``s`` (a quasi-norm for p < 1)."""
    s = np.asarray(s, dtype=float)
    if s.size == 0:
        return 0.0
    # Scaling by σ_max keeps σ^p and the 1/p power in range for small p.
    top = float(np.max(s))
    if top == 0.0:
        return 0.0
    return top * float(np.sum((s / top) ** p)) ** (1.0 / p)


def matrix_schatten_quasi_norm(A: np.ndarray, p: float, rtol: float = RANK_RTOL) -> float:
    """``‖A‖_{S_p}`` over the numerically non-zero singular values of ``A``.

    The truncation matters for ``p < 1``: a rounding-level singular value ``ε·σ_max`` adds
    ``ε^p`` relative to ``σ_max^p``, which for ``ε = 1e−16``, ``p = 2/7`` is already ``3e−5``.
    """
    s = singular_values(A)
    return schatten_quasi_norm(s[: rank_from_singular_values(s, rtol)], p)


def nuclear_norm(s: np.ndarray) -> float:
    return float(np.sum(s))


def spectral_norm(A: np.ndarray) -> float:
    return float(singular_values(A)[0]) if np.size(A) else 0.0
