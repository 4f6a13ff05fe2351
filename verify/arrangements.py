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

Everything is exact, in integer arithmetic on the floating-point data as given (each row is
scaled by a power of two to make it integral, which moves no hyperplane), with floating point
used only where its error is bounded (:mod:`verify.exact_determinants`). First the rows are
reduced to their distinct hyperplanes (parallel rows share one, with an orientation each) and
to the column space's pivot columns (the realisable sign vectors depend only on the column
space); then, with ``r`` the rank:

* ``r = 2``: an angular sweep. The ``2H`` rays ``±n_h^⊥`` are sorted by angle with exact integer
  comparisons (``O(H log H)``), the chambers are the arcs between consecutive rays, and crossing
  a ray flips the sign of its hyperplane: each chamber costs one flip;
* ``r ≥ 3``: vertex rays. A chamber's closure is a pointed cone (rank ``r``), so it has an
  extreme ray, on at least ``r − 1`` independent hyperplanes: the line of a set ``I`` of
  ``r − 1`` normals, spanned by their cofactor vector ``v_I``. The chambers whose closure
  contains ``±v_I`` have the sign of ``±n_j·v_I`` on every hyperplane off the line, and on the
  hyperplanes ``Z`` through it the sign vectors of the chambers of ``Z`` alone (an arrangement
  of rank ``r − 1``, enumerated the same way; in general position ``Z = I`` and these are all
  ``2^{r−1}`` sign vectors). The cost follows the ``O(H^{r−1})`` vertex rays, i.e. the number of
  chambers, not the number of row subsets up to size ``r + 1``;
* independent normals (``H = r``): every sign vector.

:func:`subspace_patterns` gives the patterns of vectors ranging over a subspace (the outer layer
of a three-layer network): ``z = A a`` ranges over the column space of ``A``, so it is the same
enumeration. :func:`sampled_patterns` is a fast mode that samples directions; its result is never
marked certified.
"""

from __future__ import annotations

import functools
import itertools
import math
from dataclasses import dataclass, replace

import numpy as np

from verify.exact_determinants import vertex_signs

EXACT = "exact"
SAMPLED = "sampled"
#: an exact set with patterns taken out (the negative controls use it)
REDUCED = "reduced"


#: Patterns unpacked at a time by :meth:`PatternSet.chunks`.
CHUNK = 4096


@dataclass(frozen=True)
class PatternSet:
    """Patterns ``D`` (one 0/1 row per pattern, one column per row of the arrangement's matrix),
    stored as packed bits (``np.packbits`` along the rows, ``width`` columns): a million patterns
    of a thousand rows take 125 MB, and :meth:`chunks` streams them unpacked.

    ``certified`` is true only for the exact enumeration; ``rank`` is the exact rank of the
    matrix (``None`` when sampled).
    """

    packed: np.ndarray
    width: int
    method: str
    rank: int | None
    #: for each pattern, the rows whose hyperplanes bound its cone (at least; −1 pads), see
    #: :func:`facet_rows`; ``None`` when not computed
    facets: np.ndarray | None = None

    @classmethod
    def of(cls, patterns: np.ndarray, method: str, rank: int | None) -> PatternSet:
        patterns = np.asarray(patterns, dtype=bool)
        return cls(np.packbits(patterns, axis=1), patterns.shape[1], method, rank)

    @property
    def patterns(self) -> np.ndarray:
        """All patterns unpacked (P×K booleans): for small sets; large ones use :meth:`chunks`."""
        return self.rows(slice(None))

    def rows(self, index) -> np.ndarray:
        """The patterns ``index`` selects (an index, slice or array), unpacked."""
        block = np.atleast_2d(self.packed[index])
        return np.unpackbits(block, axis=1, count=self.width).astype(bool)

    def chunks(self, size: int = CHUNK):
        """``(start, block)`` pairs covering the patterns in order, ``size`` at a time."""
        for start in range(0, len(self), size):
            yield start, self.rows(slice(start, start + size))

    @property
    def certified(self) -> bool:
        return self.method == EXACT

    def __len__(self) -> int:
        return int(self.packed.shape[0])

    def without(self, index: int) -> PatternSet:
        """The same set with one pattern removed (no longer certified complete)."""
        kept = np.delete(self.packed, index, axis=0)
        facets = None if self.facets is None else np.delete(self.facets, index, axis=0)
        return PatternSet(kept, self.width, REDUCED, self.rank, facets)


def chamber_patterns(A: np.ndarray) -> PatternSet:
    """All chamber patterns of the arrangement with normals the rows of ``A`` (see module doc)."""
    A = np.asarray(A, dtype=float)
    if A.ndim != 2 or not np.all(np.isfinite(A)):
        raise ValueError("the arrangement needs a finite 2-D array")
    planes = _Hyperplanes.of(A)
    rank, cells = _chambers(planes.normals, planes.floats)
    rows = np.flatnonzero(planes.index >= 0)
    flip = planes.orientation[rows] < 0
    blocks = []
    for start in range(0, len(cells), CHUNK):
        positive = np.unpackbits(cells[start : start + CHUNK], axis=1, count=len(planes.normals))
        patterns = np.ones((positive.shape[0], A.shape[0]), dtype=bool)
        patterns[:, rows] = positive[:, planes.index[rows]].astype(bool) ^ flip
        blocks.append(np.packbits(patterns, axis=1))
    packed = _sorted_unique(np.vstack(blocks))
    found = PatternSet(packed, A.shape[0], EXACT, rank)
    return replace(found, facets=facet_rows(found, planes.index))


def facet_rows(patterns: PatternSet, hyperplane: np.ndarray) -> np.ndarray:
    """For each pattern, representative rows of the hyperplanes that bound its closed cone:
    ``h`` is a facet of a chamber exactly when flipping ``h``'s sign gives another chamber (the
    neighbour across it). Flips are found by 64-bit hashes of the patterns (a random weight
    per row), so a collision could only add a redundant row, never lose a facet. Returns a
    P×m array of row indices, −1 padded (``hyperplane[k]`` is row ``k``'s hyperplane, −1 for a
    zero row)."""
    rng = np.random.default_rng(0)
    weights = rng.integers(0, 2**63, size=patterns.width, dtype=np.uint64)
    rows = np.flatnonzero(hyperplane >= 0)
    rows = rows[np.argsort(hyperplane[rows], kind="stable")]  # grouped by hyperplane
    if rows.size == 0:
        return np.full((len(patterns), 0), -1, dtype=np.int64)
    starts = np.flatnonzero(np.r_[True, np.diff(hyperplane[rows]) != 0])
    hashes = np.empty(len(patterns), dtype=np.uint64)
    flips = np.empty((len(patterns), len(starts)), dtype=np.uint64)
    with np.errstate(over="ignore"):  # hashes wrap around modulo 2^64 on purpose
        for start, block in patterns.chunks():
            stop = start + len(block)
            hashes[start:stop] = np.where(block, weights, np.uint64(0)).sum(axis=1)
            # flipping a row adds its weight where it was 0 and subtracts it where it was 1
            change = np.where(block[:, rows], -weights[rows], weights[rows])
            flips[start:stop] = hashes[start:stop, None] + np.add.reduceat(change, starts, axis=1)
    known = np.sort(hashes)
    where = np.minimum(np.searchsorted(known, flips), len(known) - 1)
    bounding = known[where] == flips
    width = int(bounding.sum(axis=1).max()) if bounding.size else 0
    first = np.argsort(~bounding, axis=1, kind="stable")[:, :width]
    taken = np.take_along_axis(bounding, first, axis=1)
    return np.where(taken, rows[starts][first], -1)


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
    return PatternSet.of(np.unique(found.T, axis=0), SAMPLED, None)


def general_position_count(points: int, rank: int) -> int:
    """Number of chambers of ``points`` central hyperplanes in general position in ``R^rank``:
    ``2 Σ_{k<rank} C(points−1, k)`` (Cover 1965; Zaslavsky)."""
    if points == 0:
        return 1
    return 2 * sum(math.comb(points - 1, k) for k in range(rank))


def masks(patterns: PatternSet) -> np.ndarray:
    """The patterns as a float 0/1 array (P×K), ready to multiply data with (small sets; large
    ones are streamed by :meth:`PatternSet.chunks`)."""
    return patterns.patterns.astype(float)


@dataclass(frozen=True)
class _Hyperplanes:
    """The distinct hyperplanes of the rows of ``A``: primitive integer ``normals`` (first
    non-zero entry positive), the same scaled by powers of two to entries in ``[1, 2)``
    (``floats``, ``None`` when some row's scaling would underflow), and for each row its
    hyperplane ``index`` (−1 for a zero row) and ``orientation`` (±1)."""

    normals: list[list[int]]
    floats: np.ndarray | None
    index: np.ndarray
    orientation: np.ndarray

    @classmethod
    def of(cls, A: np.ndarray) -> _Hyperplanes:
        found: dict[tuple[int, ...], int] = {}
        normals, representatives = [], []
        index = np.full(A.shape[0], -1)
        orientation = np.ones(A.shape[0], dtype=np.int8)
        for k, row in enumerate(A):
            if not np.any(row):
                continue
            integral = _primitive(_integer_row(row))
            lead = next(v for v in integral if v)
            key = tuple(v if lead > 0 else -v for v in integral)
            if key not in found:
                found[key] = len(normals)
                normals.append(list(key))
                representatives.append(row if lead > 0 else -row)
            index[k], orientation[k] = found[key], 1 if lead > 0 else -1
        floats = _scaled(np.array(representatives).reshape(len(normals), A.shape[1]))
        return cls(normals, floats, index, orientation)


def _scaled(rows: np.ndarray) -> np.ndarray | None:
    """Each row times the power of two that brings its largest entry into ``[1, 2)``, or
    ``None`` if that is not exact for some row (entries so small that they would underflow)."""
    if rows.size == 0:
        return rows
    exponents = np.frexp(np.max(np.abs(rows), axis=1))[1] - 1
    scaled = np.ldexp(rows, -exponents[:, None])
    exact = np.array_equal(np.ldexp(scaled, exponents[:, None]), rows)
    return scaled if exact else None


def _chambers(normals: list[list[int]], floats: np.ndarray | None) -> tuple[int, np.ndarray]:
    """The rank and the chambers of the arrangement of the distinct hyperplanes with these
    normals, as packed bits (``np.packbits`` of ``sign > 0``, one row per chamber)."""
    H = len(normals)
    if H == 0:
        return 0, np.zeros((1, 0), dtype=np.uint8)
    rank, pivots = _echelon(normals)
    if rank < len(normals[0]):
        normals = [[n[j] for j in pivots] for n in normals]
        floats = None if floats is None else _scaled(floats[:, pivots])
    if rank >= 3 and H > rank:
        return rank, _vertex_chambers(normals, floats)
    if H == rank:  # independent normals: every sign vector
        signs = np.array(list(itertools.product((1, -1), repeat=H)), dtype=np.int8)
    else:
        signs = _sweep(normals)
    return rank, np.packbits(signs > 0, axis=1)


def _sweep(normals: list[list[int]]) -> np.ndarray:
    """Chambers of distinct lines through the origin of the plane (rank 2): the rays
    ``±(−q, p)`` of the normals ``(p, q)`` sorted by angle (exact integer comparisons); the
    chamber after ray ``k`` differs from the one before it in the sign of ray ``k``'s line."""
    rays = []
    for h, (p, q) in enumerate(normals):
        rays += [((-q, p), h), ((q, -p), h)]
    rays.sort(key=functools.cmp_to_key(_angular))
    (x0, y0), (x1, y1) = rays[0][0], rays[1][0]
    inside = (x0 + x1, y0 + y1)  # the first arc's bisector direction: on no line
    first = np.array([_sign_of(p * inside[0] + q * inside[1]) for p, q in normals], np.int8)
    crossed = np.zeros((len(rays), len(normals)), dtype=np.int8)
    crossed[np.arange(1, len(rays)), [h for _, h in rays[1:]]] = 1
    flips = np.cumsum(crossed, axis=0) % 2
    return (first * (1 - 2 * flips)).astype(np.int8)


def _angular(a: tuple, b: tuple) -> int:
    """Order of two rays by angle in ``[0, 2π)`` (exact: half-plane, then cross product)."""
    (ax, ay), (bx, by) = a[0], b[0]
    upper_a = ay > 0 or (ay == 0 and ax > 0)
    upper_b = by > 0 or (by == 0 and bx > 0)
    if upper_a != upper_b:
        return -1 if upper_a else 1
    cross = ax * by - ay * bx
    return -1 if cross > 0 else (1 if cross < 0 else 0)


#: Vertex subsets handled per block (bounds the memory of the float filter's arrays).
BLOCK = 4096


def _vertex_chambers(normals: list[list[int]], floats: np.ndarray | None) -> np.ndarray:
    """Chambers of an arrangement of rank ``r ≥ 3`` with more hyperplanes than ``r``: the
    chambers around each vertex ray ``±v_I`` (see the module docstring), as packed bits,
    deduplicated block by block so that memory follows the number of chambers."""
    H, r = len(normals), len(normals[0])
    subsets = itertools.combinations(range(H), r - 1)
    found: list[np.ndarray] = []
    lines_seen: set[bytes] = set()
    combos = np.array(list(itertools.product((1, -1), repeat=r - 1)), dtype=np.int8)
    while True:
        block = np.array(list(itertools.islice(subsets, BLOCK)), dtype=np.int64)
        if block.size == 0:
            break
        signs = vertex_signs(normals, floats, block)
        zeros = signs == 0
        generic = zeros.sum(axis=1) == r - 1
        cells = []
        if np.any(generic):
            cells.append(_around_generic(signs[generic], block[generic], combos))
        for s in np.flatnonzero(~generic & ~zeros.all(axis=1)):
            line = np.packbits(zeros[s]).tobytes()
            if line not in lines_seen:  # the same line from several subsets: once
                lines_seen.add(line)
                cells.append(_around_degenerate(normals, floats, signs[s], zeros[s]))
        if cells:
            found.append(_sorted_unique(np.packbits(np.vstack(cells) > 0, axis=1)))
    return _sorted_unique(np.vstack(found))


def _around_generic(signs: np.ndarray, subsets: np.ndarray, combos: np.ndarray) -> np.ndarray:
    """Chambers around ``±v_I`` when only the hyperplanes of ``I`` contain the line: the signs
    off ``I`` are those of ``±n_j·v_I``, every sign vector on ``I``."""
    out = []
    rows = np.arange(len(signs))[:, None]
    for side in (signs, -signs):
        for combo in combos:
            cell = side.copy()
            cell[rows, subsets] = combo
            out.append(cell)
    return np.vstack(out)


def _around_degenerate(
    normals: list[list[int]], floats: np.ndarray | None, signs: np.ndarray, on_line: np.ndarray
) -> np.ndarray:
    """Chambers around ``±v`` when the hyperplanes ``Z`` (``on_line``) through the line are more
    than ``r − 1``: the chambers of ``Z`` alone on ``Z``, the signs of ``±n_j·v`` elsewhere."""
    members = np.flatnonzero(on_line)
    local_floats = None if floats is None else floats[members]
    _, packed = _chambers([normals[j] for j in members], local_floats)
    local = np.where(np.unpackbits(packed, axis=1, count=len(members)), 1, -1).astype(np.int8)
    out = []
    for side in (signs, -signs):
        cells = np.repeat(side[None, :], len(local), axis=0)
        cells[:, members] = local
        out.append(cells)
    return np.vstack(out)


def _sorted_unique(packed: np.ndarray) -> np.ndarray:
    """The distinct rows of a packed-bit matrix, in lexicographic order of the unpacked rows
    (``np.packbits`` is big-endian, so byte order is that order)."""
    if packed.shape[1] == 0:
        return packed[:1]
    keys = np.ascontiguousarray(packed).view(np.dtype((np.void, packed.shape[1])))[:, 0]
    _, first = np.unique(keys, return_index=True)
    return packed[first]


def _integer_row(row: np.ndarray) -> list[int]:
    """The row times the power of two that makes it integral (exact: floats are dyadic)."""
    ratios = [float(v).as_integer_ratio() for v in row]
    scale = max(den for _, den in ratios)
    return [num * (scale // den) for num, den in ratios]


def _primitive(row: list[int]) -> list[int]:
    """Divide an integer row by the gcd of its entries (keeps numbers small)."""
    g = math.gcd(*row)
    return [v // g for v in row] if g > 1 else row


def _sign_of(value: int) -> int:
    return (value > 0) - (value < 0)


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
