"""Exact rational numbers and matrices (python-flint ``fmpq``/``fmpq_mat``) for the checker.

Everything here is exact: no rounding happens anywhere. A certificate writes a rational as a
string, ``"p/q"`` or an integer ``"p"``; a binary float ``x`` is the rational
``x.as_integer_ratio()``, so instance data read from floats lose nothing.

The only non-trivial algorithms are

* :func:`psd_defect`: whether a symmetric matrix is positive semidefinite, by an exact
  ``LDLᵀ`` elimination (every pivot must be ``≥ 0``; a zero pivot must have a zero row);
* :func:`pinv_solve`: ``A⁺B`` (Moore–Penrose) through an exact rank factorisation ``A = C F``
  (``C`` the pivot columns of ``A``, ``F`` the non-zero rows of its reduced row echelon form):
  ``A⁺ = Fᵀ(FFᵀ)⁻¹(CᵀC)⁻¹Cᵀ``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from itertools import chain

from flint import fmpq, fmpq_mat

_RATIONAL = re.compile(r"-?[0-9]+(/[0-9]+)?")


class CertificateError(ValueError):
    """A field of a certificate is not what the format says (the message names the field)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


def parse_rational(text: object, field: str) -> fmpq:
    """``"p/q"`` or ``"p"`` (``q > 0``) as an exact rational."""
    if not isinstance(text, str) or not _RATIONAL.fullmatch(text):
        raise CertificateError(
            field, f"must be a rational written as a string 'p/q' or 'p', got {text!r}"
        )
    numerator, _, denominator = text.partition("/")
    if denominator and int(denominator) == 0:
        raise CertificateError(field, f"has a zero denominator: {text!r}")
    return fmpq(int(numerator), int(denominator or 1))


def rational_text(value: fmpq) -> str:
    """The certificate spelling of an exact rational (lowest terms)."""
    return str(value.p) if value.q == 1 else f"{value.p}/{value.q}"


def from_float(value: float) -> fmpq:
    """The exact rational value of a binary float (which must be finite)."""
    numerator, denominator = float(value).as_integer_ratio()
    return fmpq(numerator, denominator)


def parse_matrix(value: object, field: str, shape: tuple[int | None, int | None]) -> fmpq_mat:
    """A matrix written as a list of rows of rational strings; ``None`` in ``shape`` is free."""
    if not isinstance(value, list) or not value or not all(isinstance(r, list) for r in value):
        raise CertificateError(
            field, "must be a non-empty list of rows (lists of rational strings)"
        )
    columns = len(value[0])
    if columns == 0 or any(len(row) != columns for row in value):
        raise CertificateError(field, "rows must be non-empty and of equal length")
    rows, cols = shape
    if (rows is not None and len(value) != rows) or (cols is not None and columns != cols):
        want = f"{'?' if rows is None else rows}×{'?' if cols is None else cols}"
        raise CertificateError(field, f"must be {want}, got {len(value)}×{columns}")
    entries = [
        parse_rational(entry, f"{field}[{i}][{j}]")
        for i, row in enumerate(value)
        for j, entry in enumerate(row)
    ]
    return fmpq_mat(len(value), columns, entries)


def parse_vector(value: object, field: str, size: int) -> list[fmpq]:
    if not isinstance(value, list) or len(value) != size:
        raise CertificateError(field, f"must be a list of {size} rational strings")
    return [parse_rational(entry, f"{field}[{i}]") for i, entry in enumerate(value)]


def matrix_text(matrix: fmpq_mat) -> list[list[str]]:
    return [[rational_text(v) for v in row] for row in rows_of(matrix)]


def matrix_from_floats(rows: Iterable[Iterable[float]]) -> fmpq_mat:
    """The exact rational matrix of a 2-D array of binary floats."""
    table = [[from_float(v) for v in row] for row in rows]
    return fmpq_mat(len(table), len(table[0]), [v for row in table for v in row])


def rows_of(matrix: fmpq_mat) -> list[list[fmpq]]:
    cols = matrix.ncols()
    flat = matrix.entries()
    return [flat[i * cols : (i + 1) * cols] for i in range(matrix.nrows())]


def from_rows(rows: Sequence[Sequence[fmpq]]) -> fmpq_mat:
    return fmpq_mat(len(rows), len(rows[0]), [v for row in rows for v in row])


def column(values: Sequence[fmpq]) -> fmpq_mat:
    return fmpq_mat(len(values), 1, list(values))


def identity(n: int, scale: fmpq | int = 1) -> fmpq_mat:
    return fmpq_mat(n, n, [fmpq(scale) if i == j else fmpq(0) for i in range(n) for j in range(n)])


def hstack(blocks: Sequence[fmpq_mat]) -> fmpq_mat:
    parts = [rows_of(b) for b in blocks]
    return from_rows([list(chain.from_iterable(p[i] for p in parts)) for i in range(len(parts[0]))])


def select_columns(matrix: fmpq_mat, indices: Sequence[int]) -> fmpq_mat:
    return from_rows([[row[j] for j in indices] for row in rows_of(matrix)])


def frobenius_squared(matrix: fmpq_mat) -> fmpq:
    return sum((v * v for v in matrix.entries()), fmpq(0))


def trace_product(A: fmpq_mat, B: fmpq_mat) -> fmpq:
    """``tr(AᵀB)``: the Frobenius inner product of two matrices of the same shape."""
    return sum((a * b for a, b in zip(A.entries(), B.entries(), strict=True)), fmpq(0))


def relu(matrix: fmpq_mat) -> fmpq_mat:
    return fmpq_mat(
        matrix.nrows(), matrix.ncols(), [v if v > 0 else fmpq(0) for v in matrix.entries()]
    )


def scaled(matrix: fmpq_mat, factor: fmpq) -> fmpq_mat:
    return fmpq_mat(matrix.nrows(), matrix.ncols(), [v * factor for v in matrix.entries()])


def largest_difference(A: fmpq_mat, B: fmpq_mat) -> fmpq:
    """``max |A − B|`` entrywise (0 iff the matrices are equal)."""
    return max((abs(a - b) for a, b in zip(A.entries(), B.entries(), strict=True)), default=fmpq(0))


def psd_defect(matrix: fmpq_mat) -> str | None:
    """``None`` if the symmetric ``matrix`` is positive semidefinite, else why not.

    Exact ``LDLᵀ`` (symmetric Gaussian elimination without pivoting): a symmetric matrix is PSD
    iff every pivot is ``≥ 0`` and every zero pivot has a zero remaining row (then that
    coordinate splits off). No tolerance: the arithmetic is exact.
    """
    work = rows_of(matrix)
    n = len(work)
    for i in range(n):
        for j in range(i):
            if work[i][j] != work[j][i]:
                return f"not symmetric at ({i}, {j})"
    for k in range(n):
        pivot = work[k][k]
        if pivot < 0:
            return f"pivot {k} of the LDLᵀ elimination is negative ({float(pivot):.3e})"
        if pivot == 0:
            if any(work[k][j] != 0 for j in range(k + 1, n)):
                return f"pivot {k} of the LDLᵀ elimination is zero with a non-zero row"
            continue
        for i in range(k + 1, n):
            factor = work[i][k] / pivot
            if factor != 0:
                row_i, row_k = work[i], work[k]
                for j in range(k + 1, n):
                    row_i[j] -= factor * row_k[j]
    return None


def pivot_columns(matrix: fmpq_mat) -> tuple[fmpq_mat, list[int]]:
    """The non-zero rows of the reduced row echelon form and the pivot column indices."""
    echelon, rank = matrix.rref()
    rows = rows_of(echelon)[:rank]
    pivots = [next(j for j, v in enumerate(row) if v != 0) for row in rows]
    return (from_rows(rows) if rank else fmpq_mat(0, matrix.ncols())), pivots


def pinv_solve(A: fmpq_mat, B: fmpq_mat) -> fmpq_mat:
    """``A⁺B`` exactly (the minimum-norm least-squares solution of ``A Z = B``)."""
    if A.nrows() == A.ncols() and A.rank() == A.nrows():
        return A.solve(B)  # invertible: A⁺ = A⁻¹, and one solve is the cheapest route
    F, pivots = pivot_columns(A)
    if not pivots:
        return fmpq_mat(A.ncols(), B.ncols())
    C = select_columns(A, pivots)
    Ct = C.transpose()
    inner = (Ct * C).solve(Ct * B)
    return F.transpose() * (F * F.transpose()).solve(inner)
