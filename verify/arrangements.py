"""Exact enumeration of the sign patterns of a central hyperplane arrangement.

For a matrix ``A`` (K×D) the patterns are the 0/1 vectors ``1[A u ≥ 0]``, ``u ∈ R^D``. What is
enumerated, exactly, is the set of **chamber patterns**: the sign vectors of the open cones
``{u : a_k·u > 0 for k ∈ D, a_k·u < 0 for k ∉ D}`` that are non-empty (every non-zero row strictly
on one side), with every zero row set to 1 (``1[0 ≥ 0] = 1``). This is the set the convex programs
and dual checks need, because

* the closed cones ``{u : (2D − I) A u ≥ 0}`` of the chamber patterns cover ``R^D`` (the chambers
  are open, disjoint and dense), and on each of them ``(A u)_+ = D A u``;
* a pattern with ties (``a_k·u = 0`` for some non-zero row) adds nothing: its closed cone is the
  closure of a face of the arrangement, which lies in the closure of a chamber with the same
  strict signs, so its constraint in a program or a dual check is implied by that chamber's.

The test of a candidate is exact, in integer arithmetic on the floating-point data as given (each
row is scaled by a power of two to make it integral, which moves no hyperplane): by Gordan's
alternative and the conformal decomposition of the left kernel ``{c : cᵀA = 0}``, a strict sign
vector ``σ`` is realised iff no *circuit* ``c`` (a dependency ``Σ c_k a_k = 0`` of minimal
support) has ``sign(c_k) = σ_k`` on its whole support, up to a global sign. The circuits are
found exactly (integer elimination on every row subset of size ≤ rank + 1: ``Σ_{s ≤ r+1} C(K, s)``
small eliminations, about a second for K = 20 rows in rank 3), then the patterns are built
incrementally, one row at a time, each new row doubling the candidates and the circuits that end
at that row pruning them. No sampling, no tolerance, no LP.

:func:`subspace_patterns` gives the patterns of vectors ranging over a subspace (the outer layer
of a three-layer network): ``z = A a`` ranges over the column space of ``A``, so it is the same
enumeration. :func:`sampled_patterns` is a fast mode that samples directions; its result is never
marked certified.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np

EXACT = "exact"
SAMPLED = "sampled"
#: an exact set with patterns taken out (the negative controls use it)
REDUCED = "reduced"


@dataclass(frozen=True)
class PatternSet:
    """Patterns ``D`` (one 0/1 row per pattern, one column per row of the arrangement's matrix).

    ``certified`` is true only for the exact enumeration; ``rank`` is the exact rank of the
    matrix (``None`` when sampled).
    """

    patterns: np.ndarray
    method: str
    rank: int | None

    @property
    def certified(self) -> bool:
        return self.method == EXACT

    def __len__(self) -> int:
        return int(self.patterns.shape[0])

    def without(self, index: int) -> PatternSet:
        """The same set with one pattern removed (no longer certified complete)."""
        kept = np.delete(self.patterns, index, axis=0)
        return PatternSet(kept, REDUCED, self.rank)


def chamber_patterns(A: np.ndarray) -> PatternSet:
    """All chamber patterns of the arrangement with normals the rows of ``A`` (see module doc)."""
    A = np.asarray(A, dtype=float)
    if A.ndim != 2 or not np.all(np.isfinite(A)):
        raise ValueError("the arrangement needs a finite 2-D array")
    nonzero = np.flatnonzero(np.any(A != 0.0, axis=1))
    rows = _integer_rows(A[nonzero])
    rank, pivots = _echelon(rows)
    rows = [[row[j] for j in pivots] for row in rows]  # same left kernel, fewer columns
    signs = _topes(len(rows), _circuits(rows, rank))
    patterns = np.ones((signs.shape[0], A.shape[0]), dtype=bool)
    patterns[:, nonzero] = signs > 0
    order = np.lexsort(patterns.T[::-1])
    return PatternSet(patterns[order], EXACT, rank)


def subspace_patterns(spanning: np.ndarray) -> PatternSet:
    """Patterns ``1[z ≥ 0]`` of the vectors ``z`` of the column space of ``spanning`` (N×m).

    ``z = spanning · a`` for ``a ∈ R^m``, so these are the chamber patterns of the arrangement
    whose normals are the rows of ``spanning``; coordinates that vanish on the whole subspace
    are ties, set to 1.
    """
    return chamber_patterns(spanning)


def sampled_patterns(A: np.ndarray, rng: np.random.Generator, samples: int = 10_000) -> PatternSet:
    """Patterns ``1[A u ≥ 0]`` of ``samples`` Gaussian directions: fast, possibly incomplete,
    never certified."""
    A = np.asarray(A, dtype=float)
    found = A @ rng.standard_normal((A.shape[1], samples)) >= 0.0
    unique = np.unique(found.T, axis=0)
    return PatternSet(unique, SAMPLED, None)


def general_position_count(points: int, rank: int) -> int:
    """Number of chambers of ``points`` central hyperplanes in general position in ``R^rank``:
    ``2 Σ_{k<rank} C(points−1, k)`` (Cover 1965; Zaslavsky)."""
    if points == 0:
        return 1
    return 2 * sum(math.comb(points - 1, k) for k in range(rank))


def masks(patterns: PatternSet) -> np.ndarray:
    """The patterns as a float 0/1 array (P×K), ready to multiply data with."""
    return patterns.patterns.astype(float)


def _integer_rows(A: np.ndarray) -> list[list[int]]:
    """Each row times the power of two that makes it integral (exact: floats are dyadic)."""
    out = []
    for row in A:
        ratios = [float(v).as_integer_ratio() for v in row]
        scale = max(den for _, den in ratios)
        out.append([num * (scale // den) for num, den in ratios])
    return out


def _primitive(row: list[int]) -> list[int]:
    """Divide an integer row by the gcd of its entries (keeps numbers small)."""
    g = math.gcd(*row)
    return [v // g for v in row] if g > 1 else row


def _echelon(rows: list[list[int]]) -> tuple[int, list[int]]:
    """Exact rank and pivot columns of an integer matrix (fraction-free elimination)."""
    work = [list(r) for r in rows]
    pivots: list[int] = []
    top = 0
    for col in range(len(work[0]) if work else 0):
        pick = next((i for i in range(top, len(work)) if work[i][col]), None)
        if pick is None:
            continue
        work[top], work[pick] = work[pick], work[top]
        _eliminate(work, top, col)
        pivots.append(col)
        top += 1
        if top == len(work):
            break
    return top, pivots


def _eliminate(work: list[list[int]], top: int, col: int) -> None:
    pivot = work[top]
    for i in range(len(work)):
        if i != top and work[i][col]:
            f, g = pivot[col], work[i][col]
            work[i] = _primitive([f * a - g * b for a, b in zip(work[i], pivot, strict=True)])


def _circuit(rows: list[list[int]]) -> list[int] | None:
    """The dependency ``c`` (``Σ c_k row_k = 0``) of these rows if it is unique and has full
    support (the rows form a circuit), else ``None``. Integer elimination on ``[rows | I]``."""
    s = len(rows)
    width = len(rows[0])
    work = [list(r) + [int(i == j) for j in range(s)] for i, r in enumerate(rows)]
    top = 0
    for col in range(width):
        pick = next((i for i in range(top, s) if work[i][col]), None)
        if pick is None:
            continue
        work[top], work[pick] = work[pick], work[top]
        _eliminate(work, top, col)
        top += 1
    if top != s - 1:
        return None
    combination = work[s - 1][width:]
    return combination if all(combination) else None


def _circuits(rows: list[list[int]], rank: int) -> list[tuple[tuple[int, ...], list[int]]]:
    """Every circuit as ``(support, signs)``: row subsets of size 2…rank+1 with a unique,
    full-support dependency (a set containing a smaller circuit fails the full-support test)."""
    found = []
    for size in range(2, rank + 2) if rank < len(rows) else ():
        for support in itertools.combinations(range(len(rows)), size):
            combination = _circuit([rows[k] for k in support])
            if combination is not None:
                found.append((support, [1 if c > 0 else -1 for c in combination]))
    return found


def _topes(count: int, circuits: list) -> np.ndarray:
    """Strict sign vectors (±1) on ``count`` rows that conform to no circuit, built row by row."""
    ending: dict[int, list] = {}
    for support, signs in circuits:
        ending.setdefault(support[-1], []).append((support, signs))
    topes = np.zeros((1, 0), dtype=np.int64)
    for n in range(count):
        plus = np.hstack([topes, np.ones((topes.shape[0], 1), dtype=np.int64)])
        topes = np.vstack([plus, plus * np.array([1] * n + [-1])])
        if n in ending:
            vectors = np.zeros((len(ending[n]), n + 1), dtype=np.int64)
            sizes = np.empty(len(ending[n]), dtype=np.int64)
            for i, (support, signs) in enumerate(ending[n]):
                vectors[i, list(support)] = signs
                sizes[i] = len(support)
            agreement = np.abs(topes @ vectors.T)
            topes = topes[np.all(agreement != sizes, axis=1)]
    return topes
