"""Wider instance strategies for the explorer (:mod:`verify.discovery`), built to shrink well.

A claim's own strategy draws the instances on which the claim is expected to hold, with the
conditioning built in (:mod:`verify.strategies`). A conjecture needs the opposite: a family wide
enough to contain its counterexamples, whose *simplest* members are the instances worth printing.
So these strategies draw small-integer entries (shrinking goes to ``0`` and ``±1``), lists whose
length is a number of rows or columns, simple scalars before log-uniform ones (``t = 1``,
integer ``β``) and signed permutations before random rotations. Every instance is then put in
:func:`compact` form: a row that is zero in both ``X`` and ``Y``, a zero column of ``X`` and a
zero column of ``Y`` carry nothing (every primal and dual value of every claim here is unchanged
without them), so they are dropped, and a shrinker that zeroes entries also removes rows and
columns. Every draw is a valid instance of its family by construction, except in
:func:`general_relu_instances`, which rejects draws of too low a rank.
"""

from __future__ import annotations

import numpy as np
from hypothesis import assume
from hypothesis import strategies as st

from verify.instances import Instance
from verify.linalg import numerical_rank
from verify.strategies.common import log_uniform, orthonormal_columns, rotation_seeds

#: the values a norm bound ``t`` tries first (then log-uniform on ``[0.1, 10]``)
SIMPLE_T = (1.0, 2.0, 0.5)


def small_integers(bound: int = 3) -> st.SearchStrategy[float]:
    """Integers in ``[−bound, bound]`` as floats (shrink towards 0, then +1, then −1)."""
    return st.integers(-bound, bound).map(float)


def norm_bounds() -> st.SearchStrategy[float]:
    """One of :data:`SIMPLE_T`, or log-uniform on ``[0.1, 10]`` (shrinks to ``t = 1``)."""
    return st.one_of(st.sampled_from(SIMPLE_T), log_uniform(0.1, 10.0))


def compact(X: np.ndarray, Y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``X`` and ``Y`` (2-D) without the rows that are zero in both, the zero columns of ``X``
    and the zero columns of ``Y`` (at least one row and one column of each is kept)."""

    def kept(nonzero: np.ndarray) -> np.ndarray:
        return nonzero if nonzero.any() else np.arange(nonzero.size) == 0

    rows = kept(X.any(axis=1) | Y.any(axis=1))
    X, Y = X[rows], Y[rows]
    return X[:, kept(X.any(axis=0))], Y[:, kept(Y.any(axis=0))]


def compact_instance(draw: st.DrawFn, X: np.ndarray, Y: np.ndarray, **fields) -> Instance:
    """The :func:`compact` instance; a single label column is 1-D unless a drawn flag asks for
    ``N×1``."""
    X, Y = compact(X, Y)
    labels = Y[:, 0] if Y.shape[1] == 1 and not draw(st.booleans()) else Y
    return Instance(X, labels, **fields)


@st.composite
def nonzero_vector(draw: st.DrawFn, min_size: int, max_size: int, bound: int = 3) -> np.ndarray:
    """A non-zero small-integer vector; the all-zero draw becomes ``e₁`` (so shrinking ends at
    ``(1, 0, …)``)."""
    values = np.array(draw(st.lists(small_integers(bound), min_size=min_size, max_size=max_size)))
    if not values.any():
        values[0] = 1.0
    return values


@st.composite
def integer_matrix(draw: st.DrawFn, rows: int, cols: int, bound: int = 3) -> np.ndarray:
    """A ``rows × cols`` small-integer matrix, never zero (the zero draw gets ``X₁₁ = 1``)."""
    flat = draw(st.lists(small_integers(bound), min_size=rows * cols, max_size=rows * cols))
    matrix = np.array(flat).reshape(rows, cols)
    if not matrix.any():
        matrix[0, 0] = 1.0
    return matrix


@st.composite
def partial_isometry(draw: st.DrawFn, rows: int, cols: int) -> np.ndarray:
    """A ``rows × cols`` signed partial permutation matrix of rank ``min(rows, cols)``: every
    singular value is 1 (rows and columns drawn without repetition, signs drawn)."""
    rank = min(rows, cols)
    picked_rows = draw(st.permutations(range(rows)))[:rank]
    picked_cols = draw(st.permutations(range(cols)))[:rank]
    signs = [-1.0 if draw(st.booleans()) else 1.0 for _ in range(rank)]
    matrix = np.zeros((rows, cols))
    matrix[picked_rows, picked_cols] = signs
    return matrix


@st.composite
def rank1_instances(draw: st.DrawFn, max_rows: int = 6, max_dim: int = 3) -> Instance:
    """Rank-1 data ``X = c aᵀ`` and *any* interpolable labels ``Y = c₊αᵀ + c₋γᵀ``, ``L = 3``.

    Wider than :func:`verify.strategies.rank1_instances`: one row is allowed, ``c`` may repeat
    values or have zeros, and ``α, γ`` are arbitrary (aligned, opposite or at any angle), so
    both sides of the zero-gap condition appear without being asked for.
    """
    c = draw(nonzero_vector(1, max_rows))
    a = draw(nonzero_vector(1, max_dim))
    K = draw(st.integers(1, 3))
    alpha = np.array(draw(st.lists(small_integers(), min_size=K, max_size=K)))
    gamma = np.array(draw(st.lists(small_integers(), min_size=K, max_size=K)))
    Y = np.outer(np.maximum(c, 0.0), alpha) + np.outer(np.maximum(-c, 0.0), gamma)
    return compact_instance(draw, np.outer(c, a), Y, L=3, t=draw(norm_bounds()))


@st.composite
def linear_instances(
    draw: st.DrawFn, depths: st.SearchStrategy[int] | None = None, max_dim: int = 4
) -> Instance:
    """Deep linear instances ``Y = X W`` with small-integer ``X`` (any rank) and ``W`` either a
    small-integer matrix or a multiple of a signed partial permutation (so that ``X⁺Y`` often
    has all its singular values equal). ``L`` from ``depths`` (default 2…8)."""
    N = draw(st.integers(1, max_dim))
    d = draw(st.integers(1, max_dim))
    K = draw(st.integers(1, max_dim))
    X = draw(integer_matrix(N, d))
    if draw(st.booleans()):
        W = draw(st.integers(1, 3)) * draw(partial_isometry(d, K))
    else:
        W = draw(integer_matrix(d, K))
    if not (X @ W).any():  # zero labels say nothing about a gap: map a used column of X
        W = np.zeros((d, K))
        W[np.flatnonzero(X.any(axis=0))[0], 0] = 1.0
    L = draw(depths if depths is not None else st.integers(2, 8))
    return compact_instance(draw, X, X @ W, L=L, t=draw(norm_bounds()))


def _values(draw: st.DrawFn, count: int) -> np.ndarray:
    """``count`` integers in ``[1, 1000]`` as floats (hypothesis' target phase climbs integer
    choices step by step, which it does not do well for floats)."""
    return np.array([float(draw(st.integers(1, 1000))) for _ in range(count)])


@st.composite
def lowrank_instances(draw: st.DrawFn, depths: st.SearchStrategy[int] | None = None) -> Instance:
    """C4 instances with wide ``β`` and singular values: ``X`` with orthonormal columns (the
    identity's first columns, or Haar-random), ``XᵀY = U diag(σ) Vᵀ`` (identity-aligned or
    Haar-random factors), ``β`` and ``σ`` integers in ``[1, 1000]`` (the claim's strategy
    keeps ``β ≤ 100`` and places ``σ`` relative to ``τ(L, β)``), ``L`` from ``depths``
    (default 2…7)."""
    L = draw(depths if depths is not None else st.integers(2, 7))
    beta = float(_values(draw, 1)[0])
    d = draw(st.integers(1, 3))
    K = draw(st.integers(1, 3))
    N = d + draw(st.integers(0, 2))
    r = draw(st.integers(1, min(d, K)))
    sigma = np.sort(_values(draw, r))[::-1]
    if draw(st.booleans()):
        rng = draw(rotation_seeds())
        X = orthonormal_columns(rng, N, d)
        U, V = orthonormal_columns(rng, d, r), orthonormal_columns(rng, K, r)
    else:
        X, U, V = np.eye(N)[:, :d], np.eye(d)[:, :r], np.eye(K)[:, :r]
    return compact_instance(draw, X, X @ ((U * sigma) @ V.T), L=L, beta=beta)


@st.composite
def rotation(draw: st.DrawFn, size: int) -> np.ndarray:
    """A ``size × size`` rotation: a product of Givens rotations, one per pair of axes, with
    drawn angles (every rotation is one; shrinking the angles to 0 gives the identity)."""
    Q = np.eye(size)
    for i in range(size):
        for j in range(i + 1, size):
            angle = draw(st.floats(0.0, 2 * np.pi, allow_subnormal=False))
            cos, sin = np.cos(angle), np.sin(angle)
            givens = np.eye(size)
            givens[i, i] = givens[j, j] = cos
            givens[i, j], givens[j, i] = -sin, sin
            Q = Q @ givens
    return Q


WHITENED_KINDS = ("signed permutation", "unit vector", "rotation")


@st.composite
def whitened_instances(draw: st.DrawFn) -> Instance:
    """Whitened data with small-integer scalar labels of any signs, ``L = 3``: orthonormal rows
    (``N ≤ d``) or columns (``N ≥ d``) from a signed partial permutation, a Haar rotation (two
    or more vectors) or a single unit vector ``c/‖c‖`` with ``c`` a small-integer vector. A
    single column is rank 1: its labels are drawn interpolable, ``αc₊ + γc₋``."""
    small = draw(st.integers(1, 3))
    large = draw(st.integers(small, 4))
    rows = draw(st.sampled_from(["rows", "columns"])) == "rows"
    kind = draw(st.sampled_from(WHITENED_KINDS))
    if kind == "signed permutation":
        Q = draw(partial_isometry(large, small))
    elif kind == "rotation" and small >= 2:
        Q = draw(rotation(large))[:, :small]
    else:  # a single direction: c/‖c‖ for a small-integer c
        c = draw(nonzero_vector(large, large))
        Q = (c / np.linalg.norm(c))[:, None]
    X = Q.T if rows else Q
    if X.shape[1] == 1:
        c = X[:, 0]
        alpha, gamma = draw(small_integers()), draw(small_integers())
        y = alpha * np.maximum(c, 0.0) + gamma * np.maximum(-c, 0.0)
    else:
        y = draw(nonzero_vector(X.shape[0], X.shape[0]))
    return compact_instance(draw, X, y[:, None], L=3, t=draw(norm_bounds()))


@st.composite
def general_relu_instances(
    draw: st.DrawFn, depths: tuple[int, ...] = (3,), max_rows: int = 5, min_rank: int = 2
) -> Instance:
    """Small-integer data of rank ``≥ min_rank`` (default 2: not rank 1), ``N ≤ max_rows``,
    ``d ≤ 3``, small-integer scalar labels, ``L`` one of ``depths``. Labels need not be
    interpolable (duplicate rows with different labels, zero rows): a checker says so."""
    N = draw(st.integers(max(2, min_rank), max_rows))
    d = draw(st.integers(min_rank, 3))
    X = draw(integer_matrix(N, d))
    y = draw(nonzero_vector(N, N))
    instance = compact_instance(
        draw, X, y[:, None], L=draw(st.sampled_from(depths)), t=draw(norm_bounds())
    )
    assume(numerical_rank(instance.X) >= min_rank)
    return instance


def relu_instances(depths: tuple[int, ...] = (2,), max_rows: int = 6) -> st.SearchStrategy:
    """Small-integer data of any rank (``d ≤ 3``) with small-integer scalar labels, for the
    parallel ReLU programs (:func:`general_relu_instances` with rank 1 allowed)."""
    return general_relu_instances(depths, max_rows, min_rank=1)
