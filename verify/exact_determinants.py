"""Exact signs of the determinants an arrangement enumeration asks for.

For hyperplane normals ``n_1 … n_H`` in ``R^r`` (integer vectors, exact) and a set ``I`` of
``r − 1`` of them, the line ``⋂_{i∈I} n_i^⊥`` is spanned by the cofactor vector ``v_I``
(``n·v_I = det[n_I; n]`` for every ``n``), and the enumeration needs the exact sign of
``n_j·v_I`` for every ``j``. Two ways, both exact:

* small ``r`` (:data:`FILTERED_RANK` at most): floating point with a certified error bound
  (a *filter*, as in robust geometric predicates): the determinant is expanded by cofactors
  (Laplace) in float64, and its error is at most ``θ_r`` times the same expansion in absolute
  values (``θ_r`` from the standard model ``fl(a∘b) = (a∘b)(1 + δ)``, ``|δ| ≤ u``, see
  :func:`laplace_error`), plus an absolute term for underflow. When ``|det|`` exceeds the
  bound its sign is certain; otherwise (a tie, or nearly one) it is recomputed in integer
  arithmetic;
* larger ``r``: the kernel vector of ``n_I`` in integer arithmetic (fraction-free
  elimination), then integer dot products.

The float normals given must equal the integer ones up to a positive power of two per row
(exact scaling), with entries at most 2 in absolute value.
"""

from __future__ import annotations

import math

import numpy as np

UNIT = np.finfo(float).eps / 2
SUBNORMAL = float(np.finfo(float).smallest_subnormal)
#: Largest rank whose determinants go through the floating-point filter (the Laplace expansion
#: has ``r!`` terms).
FILTERED_RANK = 4


def _gamma(n: int) -> float:
    return n * UNIT / (1 - n * UNIT)


def laplace_error(r: int) -> float:
    """``θ_r``: ``|fl(det M) − det M| ≤ θ_r · perm|M|`` for the Laplace expansion of an ``r×r``
    determinant (before underflow). With ``α = θ_{r−1} + u(1 + θ_{r−1})`` for the products of
    an entry and a computed minor, and ``γ_{r−1}`` for summing ``r`` terms:
    ``θ_r = α + γ_{r−1}(1 + α)``, ``θ_1 = 0``."""
    theta = 0.0
    for k in range(2, r + 1):
        alpha = theta + UNIT * (1 + theta)
        theta = alpha + _gamma(k - 1) * (1 + alpha)
    return theta


def _laplace(M: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Determinants of the stacked square matrices ``M`` (S×m×m), expanded along the first
    row, and the same expansion of ``|M|`` (the permanent of ``|M|``)."""
    m = M.shape[1]
    if m == 1:
        return M[:, 0, 0], np.abs(M[:, 0, 0])
    det = np.zeros(M.shape[0])
    perm = np.zeros(M.shape[0])
    for j in range(m):
        minor = np.delete(M[:, 1:, :], j, axis=2)
        sub, sub_abs = _laplace(minor)
        det += (-1) ** j * M[:, 0, j] * sub
        perm += np.abs(M[:, 0, j]) * sub_abs
    return det, perm


def cofactor_vectors(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``v`` with ``n·v = det[rows; n]`` for the stacked ``(r−1)×r`` matrices ``rows`` (S×(r−1)×r),
    by Laplace expansion along the last row, and the companion expansion in absolute values."""
    S, k, r = rows.shape
    V = np.empty((S, r))
    Vabs = np.empty((S, r))
    for j in range(r):
        det, perm = _laplace(np.delete(rows, j, axis=2)) if k else (np.ones(S), np.ones(S))
        V[:, j] = (-1) ** (k + j) * det
        Vabs[:, j] = perm
    return V, Vabs


def integer_determinant(rows: list[list[int]]) -> int:
    """Exact determinant of a square integer matrix (Bareiss' fraction-free elimination)."""
    M = [list(r) for r in rows]
    n = len(M)
    sign, previous = 1, 1
    for k in range(n - 1):
        if M[k][k] == 0:
            swap = next((i for i in range(k + 1, n) if M[i][k]), None)
            if swap is None:
                return 0
            M[k], M[swap] = M[swap], M[k]
            sign = -sign
        for i in range(k + 1, n):
            for j in range(k + 1, n):
                M[i][j] = (M[i][j] * M[k][k] - M[i][k] * M[k][j]) // previous
        previous = M[k][k]
    return sign * M[n - 1][n - 1] if n else 1


def integer_cofactors(rows: list[list[int]]) -> list[int]:
    """``v`` with ``n·v = det[rows; n]`` for an ``(r−1)×r`` integer matrix (exact)."""
    r = len(rows[0])
    k = len(rows)
    return [
        (-1) ** (k + j) * integer_determinant([row[:j] + row[j + 1 :] for row in rows])
        for j in range(r)
    ]


def vertex_signs(
    normals: list[list[int]], floats: np.ndarray | None, subsets: np.ndarray
) -> np.ndarray:
    """``sign(n_j · v_I)`` (exact, int8, one row per subset ``I`` of ``subsets``, one column per
    normal ``j``). ``floats`` (the normals scaled by powers of two, entries at most 2) enables
    the floating-point filter; without it, or above :data:`FILTERED_RANK`, integers only."""
    r = len(normals[0])
    if floats is None or r > FILTERED_RANK:
        out = np.empty((len(subsets), len(normals)), dtype=np.int8)
        for s, subset in enumerate(subsets):
            v = integer_cofactors([normals[i] for i in subset])
            out[s] = [_sign(sum(a * b for a, b in zip(n, v, strict=True))) for n in normals]
        return out
    V, Vabs = cofactor_vectors(floats[subsets])
    dets = V @ floats.T
    bound = laplace_error(r) * (Vabs @ np.abs(floats).T)
    bound += math.factorial(r) * r * 2.0**r * 2 * SUBNORMAL
    out = np.sign(dets).astype(np.int8)
    rows = np.arange(len(subsets))[:, None]
    out[rows, subsets] = 0  # a repeated row: exactly zero
    bound[rows, subsets] = -1.0
    for s, j in zip(*np.nonzero(np.abs(dets) <= bound), strict=True):
        rows = [normals[i] for i in subsets[s]] + [normals[j]]
        out[s, j] = _sign(integer_determinant(rows))
    return out


def _sign(value: int) -> int:
    return (value > 0) - (value < 0)
