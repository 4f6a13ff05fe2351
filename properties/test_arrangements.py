"""Exact enumeration of hyperplane-arrangement sign patterns (verify.arrangements).

Independent references: a linear program per candidate over all 2^N sign vectors (strict
feasibility with a margin), Cover's closed-form count for general position, Whitney's formula
``r = Σ_S (−1)^{|S| − rank S}`` for arbitrary arrangements, and covering/witness checks on
sampled and tie directions.
"""

from __future__ import annotations

import itertools
import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from properties.profile import examples
from properties.strategies import rotation_seeds
from verify.arrangements import (
    _integer_row,
    chamber_patterns,
    general_position_count,
    masks,
    sampled_patterns,
    subspace_patterns,
)
from verify.exact_determinants import _laplace as _laplace_for_test
from verify.exact_determinants import laplace_error, vertex_signs
from verify.relu_parallel import pattern_span


@st.composite
def arrangements(draw: st.DrawFn, max_rows: int = 6, max_dim: int = 3) -> np.ndarray:
    """Gaussian (general position) or small-integer matrices (parallel, zero and coincident
    rows: degenerate arrangements)."""
    rng = draw(rotation_seeds())
    N = draw(st.integers(1, max_rows))
    d = draw(st.integers(1, max_dim))
    if draw(st.booleans()):
        return rng.standard_normal((N, d))
    return rng.integers(-2, 3, size=(N, d)).astype(float)


def brute_force(A: np.ndarray) -> set[tuple[int, ...]]:
    """Every 0/1 vector whose open cone is non-empty, by one LP per candidate: maximise ``s``
    with ``(2D − I) a_k·u ≥ s`` on non-zero rows, ``|u_i| ≤ 1``; zero rows must be 1."""
    N, d = A.shape
    nonzero = np.any(A != 0, axis=1)
    found = set()
    for bits in itertools.product((0, 1), repeat=N):
        D = np.array(bits, dtype=bool)
        if not np.all(D[~nonzero]):
            continue
        signed = (2.0 * D - 1.0)[nonzero, None] * A[nonzero]
        if signed.shape[0] == 0:
            found.add(bits)
            continue
        res = linprog(
            np.r_[np.zeros(d), -1.0],
            A_ub=np.hstack([-signed, np.ones((signed.shape[0], 1))]),
            b_ub=np.zeros(signed.shape[0]),
            bounds=[(-1, 1)] * d + [(None, 1)],
            method="highs",
        )
        if -res.fun > 1e-9:
            found.add(bits)
    return found


def whitney_count(A: np.ndarray) -> int:
    """Chambers of the arrangement of the distinct hyperplanes of the integer rows of ``A``:
    ``Σ_{S} (−1)^{|S| − rank S}`` over subsets ``S`` of distinct hyperplanes (Zaslavsky)."""
    hyperplanes = set()
    for row in A.astype(int):
        if np.any(row):
            g = math.gcd(*map(abs, row))
            key = row // g
            key = key * (1 if key[np.flatnonzero(key)[0]] > 0 else -1)
            hyperplanes.add(tuple(key))
    rows = np.array(sorted(hyperplanes))
    total = 0
    for size in range(len(rows) + 1):
        for subset in itertools.combinations(range(len(rows)), size):
            rank = np.linalg.matrix_rank(rows[list(subset)]) if size else 0
            total += (-1) ** (size - rank)
    return total


def as_set(patterns: np.ndarray) -> set[tuple[int, ...]]:
    return set(map(tuple, patterns.astype(int).tolist()))


@settings(max_examples=examples(25), deadline=None)
@given(arrangements())
@example(np.array([[1.0, 0.0], [2.0, 0.0], [0.0, 1.0], [1.0, 1.0], [-1.0, -1.0], [0.0, 0.0]]))
@example(np.zeros((3, 2)))
@example(np.array([[1.0], [-2.0], [3.0]]))
def test_enumeration_equals_brute_force_over_all_candidates(A):
    found = chamber_patterns(A)
    assert found.certified
    assert len(found) == len(as_set(found.patterns)), "patterns are distinct"
    assert as_set(found.patterns) == brute_force(A)


@settings(max_examples=examples(30), deadline=None)
@given(rotation_seeds(), st.integers(1, 11), st.integers(1, 4))
def test_general_position_count(rng, N, d):
    A = rng.standard_normal((N, d))
    found = chamber_patterns(A)
    assert found.rank == min(N, d)
    assert len(found) == general_position_count(N, d)


def test_general_position_formula_values():
    # Cover (1965): 2 Σ_{k<d} C(N−1, k); N ≤ d gives every sign vector.
    assert general_position_count(8, 3) == 58
    assert general_position_count(5, 2) == 10
    assert general_position_count(3, 5) == 8
    assert general_position_count(0, 2) == 1


@settings(max_examples=examples(25), deadline=None)
@given(rotation_seeds(), st.integers(1, 8), st.integers(1, 3))
def test_degenerate_integer_arrangements_match_whitneys_formula(rng, N, d):
    A = rng.integers(-2, 3, size=(N, d)).astype(float)
    assert len(chamber_patterns(A)) == whitney_count(A)


@settings(max_examples=examples(25), deadline=None)
@given(arrangements(max_rows=8), rotation_seeds())
def test_closed_cones_cover_every_direction_including_ties(A, rng):
    """Every u — random, or orthogonal to some rows (ties) — lies in the closed cone of an
    enumerated pattern, where (Au)_+ = D A u."""
    D = masks(chamber_patterns(A))
    directions = [rng.standard_normal(A.shape[1]) for _ in range(20)]
    for row in A:
        if np.any(row) and A.shape[1] > 1:
            u = rng.standard_normal(A.shape[1])
            directions.append(u - (row @ u) / (row @ row) * row)  # a tie: row·u = 0
    scale = np.abs(A).sum(axis=1)
    for u in directions:
        z = A @ u
        slack = 1e-12 * scale * np.linalg.norm(u)
        inside = np.all((2 * D - 1) * z >= -slack, axis=1)
        assert inside.any()
        assert np.allclose(D[inside] * z, np.maximum(z, 0.0), atol=1e-12 * np.linalg.norm(u))


@settings(max_examples=examples(20), deadline=None)
@given(arrangements(max_rows=8))
def test_every_sampled_pattern_is_enumerated(A):
    exact = chamber_patterns(A)
    sampled = sampled_patterns(A, np.random.default_rng(0), samples=2000)
    assert not sampled.certified
    assert as_set(sampled.patterns) <= as_set(exact.patterns)


@settings(max_examples=examples(15), deadline=None)
@given(rotation_seeds(), st.integers(1, 6), st.integers(1, 6))
def test_subspace_patterns(rng, N, r):
    """Vectors of a random r-dimensional subspace of R^N: all 2^N patterns when r = N, Cover's
    count otherwise, and every pattern of a sampled vector is among them."""
    r = min(r, N)
    basis = rng.standard_normal((N, r))
    found = subspace_patterns(basis)
    assert len(found) == (2**N if r == N else general_position_count(N, r))
    z = basis @ rng.standard_normal((r, 500))
    assert as_set((z >= 0).T) <= as_set(found.patterns)


@settings(max_examples=examples(10), deadline=None)
@given(rotation_seeds(), st.integers(2, 6))
def test_outer_patterns_of_generic_data_are_all_sign_vectors(rng, N):
    """For generic data with d ≥ 2, span{(Xu)_+} = R^N, so every 0/1 vector is an outer
    pattern at L = 3."""
    X = rng.standard_normal((N, 2))
    outer = subspace_patterns(pattern_span(X, chamber_patterns(X)))
    assert outer.rank == N and len(outer) == 2**N


def test_removing_a_pattern_loses_the_certificate():
    found = chamber_patterns(np.random.default_rng(1).standard_normal((5, 2)))
    reduced = found.without(0)
    assert len(reduced) == len(found) - 1 and not reduced.certified


def test_bad_input_is_rejected():
    with pytest.raises(ValueError, match="finite 2-D"):
        chamber_patterns(np.array([[1.0, np.nan]]))
    with pytest.raises(ValueError, match="finite 2-D"):
        chamber_patterns(np.ones(3))


@settings(max_examples=examples(10), deadline=None)
@given(rotation_seeds(), st.integers(12, 60), st.integers(2, 4))
def test_cover_count_at_sizes_beyond_brute_force(rng, N, d):
    """Generic data: exactly Cover's count, every pattern distinct, and every pattern of 2000
    sampled directions among them (the angular sweep at d = 2, vertex rays at d ≥ 3)."""
    if d == 4:
        N = min(N, 25)
    A = rng.standard_normal((N, d))
    found = chamber_patterns(A)
    assert len(found) == general_position_count(N, d) == len(as_set(found.patterns))
    assert as_set(sampled_patterns(A, rng, samples=2000).patterns) <= as_set(found.patterns)


@st.composite
def degenerate_arrangements(draw) -> np.ndarray:
    """Integer rows with repeats, parallel and antiparallel copies, zero rows and rows with a
    huge dynamic range (whose power-of-two scaling is not exact in floating point)."""
    rng = draw(rotation_seeds())
    N, d = draw(st.integers(3, 9)), draw(st.integers(2, 5))
    A = rng.integers(-2, 3, size=(N, d)).astype(float)
    A[rng.integers(N)] = A[rng.integers(N)] * draw(st.sampled_from([1.0, -3.0, 0.5]))
    if draw(st.booleans()):
        A[rng.integers(N), rng.integers(d)] = 1e-310  # subnormal next to ordinary entries
    return A


@settings(max_examples=examples(20), deadline=None)
@given(degenerate_arrangements())
def test_degenerate_arrangements_match_brute_force(A):
    assert as_set(chamber_patterns(A).patterns) == circuit_patterns(A)


def circuit_patterns(A: np.ndarray) -> set[tuple[int, ...]]:
    """An independent exact enumeration (the project's earlier algorithm, slow but simple): a
    strict sign vector is realised iff no circuit of the rows (a minimal dependency, found by
    integer elimination on every row subset of size ≤ rank + 1) conforms to it (Gordan's
    alternative); candidates are built row by row, pruned by the circuits ending there."""
    N = A.shape[0]
    nonzero = [k for k in range(N) if np.any(A[k])]
    rows = [_integer_row(A[k]) for k in nonzero]
    rank = _exact_rank(rows)
    circuits = []
    for size in range(2, rank + 2) if rank < len(rows) else ():
        for support in itertools.combinations(range(len(rows)), size):
            combination = _unique_dependency([rows[k] for k in support])
            if combination is not None:
                circuits.append((support, [1 if c > 0 else -1 for c in combination]))
    topes = [()]
    for n in range(len(rows)):
        topes = [(*t, s) for t in topes for s in (1, -1)]
        for support, signs in circuits:
            if support[-1] == n:
                topes = [
                    t
                    for t in topes
                    if not all(t[k] == s for k, s in zip(support, signs, strict=True))
                    and not all(t[k] == -s for k, s in zip(support, signs, strict=True))
                ]
    found = set()
    for tope in topes:
        pattern = [1] * N
        for k, s in zip(nonzero, tope, strict=True):
            pattern[k] = int(s > 0)
        found.add(tuple(pattern))
    return found


def _exact_rank(rows: list[list[int]]) -> int:
    work = [[Fraction(v) for v in row] for row in rows]
    rank = 0
    for col in range(len(work[0]) if work else 0):
        pick = next((i for i in range(rank, len(work)) if work[i][col] != 0), None)
        if pick is None:
            continue
        work[rank], work[pick] = work[pick], work[rank]
        for i in range(len(work)):
            if i != rank and work[i][col] != 0:
                f = work[i][col] / work[rank][col]
                work[i] = [a - f * b for a, b in zip(work[i], work[rank], strict=True)]
        rank += 1
    return rank


def _unique_dependency(rows: list[list[int]]) -> list[Fraction] | None:
    """The dependency ``c`` (``Σ c_k row_k = 0``) of these rows if it is unique up to scale and
    has full support, else ``None`` (rational elimination on ``[rows | I]``)."""
    s, width = len(rows), len(rows[0])
    work = [
        [Fraction(v) for v in r] + [Fraction(int(i == j)) for j in range(s)]
        for i, r in enumerate(rows)
    ]
    top = 0
    for col in range(width):
        pick = next((i for i in range(top, s) if work[i][col] != 0), None)
        if pick is None:
            continue
        work[top], work[pick] = work[pick], work[top]
        for i in range(s):
            if i != top and work[i][col] != 0:
                f = work[i][col] / work[top][col]
                work[i] = [a - f * b for a, b in zip(work[i], work[top], strict=True)]
        top += 1
    if top != s - 1:
        return None
    combination = work[s - 1][width:]
    return combination if all(c != 0 for c in combination) else None


@settings(max_examples=examples(30), deadline=None)
@given(rotation_seeds(), st.integers(2, 4), st.sampled_from(["gaussian", "near-singular"]))
def test_the_determinant_filter_never_misjudges_a_sign(rng, r, kind):
    """The float filter's sign agrees with the exact sign (integers) for every vertex and row,
    including nearly dependent rows, where it must defer to integers."""
    H = r + 3
    floats = rng.uniform(-2, 2, size=(H, r))
    if kind == "near-singular":
        floats[-1] = floats[0] + floats[1] * 0.5 + 1e-15 * rng.standard_normal(r)
    normals = [_integer_row(row) for row in floats]
    subsets = np.array(list(itertools.combinations(range(H), r - 1)))
    filtered = vertex_signs(normals, floats, subsets)
    exact = vertex_signs(normals, None, subsets)
    assert np.array_equal(filtered, exact)


@settings(max_examples=examples(40), deadline=None)
@given(rotation_seeds(), st.integers(2, 5))
def test_laplace_error_bound_covers_the_rounding(rng, r):
    """|fl(det) − det| ≤ θ_r·perm|M| on random matrices (the exact determinant in rationals)."""
    M = rng.uniform(-2, 2, size=(1, r, r))
    det, perm = _laplace_for_test(M)
    exact = _rational_determinant([[Fraction(float(v)) for v in row] for row in M[0]])
    assert abs(Fraction(float(det[0])) - exact) <= Fraction(laplace_error(r) * float(perm[0]))


def _rational_determinant(M: list[list[Fraction]]) -> Fraction:
    M = [list(r) for r in M]
    n, det = len(M), Fraction(1)
    for k in range(n):
        pick = next((i for i in range(k, n) if M[i][k] != 0), None)
        if pick is None:
            return Fraction(0)
        if pick != k:
            M[k], M[pick] = M[pick], M[k]
            det = -det
        det *= M[k][k]
        for i in range(k + 1, n):
            f = M[i][k] / M[k][k]
            M[i] = [a - f * b for a, b in zip(M[i], M[k], strict=True)]
    return det
