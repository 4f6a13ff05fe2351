"""Exact enumeration of hyperplane-arrangement sign patterns (verify.arrangements).

Independent references: a linear program per candidate over all 2^N sign vectors (strict
feasibility with a margin), Cover's closed-form count for general position, Whitney's formula
``r = Σ_S (−1)^{|S| − rank S}`` for arbitrary arrangements, and covering/witness checks on
sampled and tie directions.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from properties.profile import examples
from properties.strategies import rotation_seeds
from verify.arrangements import (
    chamber_patterns,
    general_position_count,
    masks,
    sampled_patterns,
    subspace_patterns,
)
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
