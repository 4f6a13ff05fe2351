"""Ball arithmetic (python-flint ``arb``) and rigorous decimal output for the checker.

An ``arb`` is a ball ``[m ± r]`` that contains the true value whatever the rounding on the way;
every irrational quantity of the checker (square roots, Schatten quasi-norms, roots of
polynomials) is such a ball, computed at :data:`PRECISION` bits.

* :func:`singular_values`: the exact rank of a rational matrix ``A`` and balls containing its
  non-zero singular values ``σ = √λ``, ``λ`` the eigenvalues of the smaller Gram matrix ``G``.
  The rank is exact (``fmpq_mat.rank``), never decided from a ball that touches 0. The fast
  route encloses the eigenvalues of ``G`` (rounded into a ball matrix that contains it) with
  arb's certified eigenvalue isolation (``acb_mat.eig``); it is used only when the isolation
  succeeds and exactly ``n − rank`` of the ``n`` disjoint balls contain 0 — then those hold the
  zero eigenvalues and the others the positive ones. Otherwise (repeated eigenvalues, several
  zero ones) the exact route: the characteristic polynomial of ``G`` (``fmpq_mat.charpoly``),
  its zero root of multiplicity ``n − rank`` removed, the others isolated with multiplicities
  (``fmpq_poly.complex_roots``: exact square-free factorisation, then certified isolation).
  The exact route grows with the size of the entries (about 10 s for a 40×40 ``G`` of
  5000-bit entries, against 0.1 s for the fast one; see ``benchmarks/proof.py``).
* :func:`lower_text`, :func:`upper_text`: exact rationals or balls written as decimal strings
  rounded outward (the lower end down, the upper end up), so that printed enclosures stay true.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from flint import acb_mat, arb, arb_mat, ctx, fmpq, fmpq_mat, fmpq_poly

from verify.proof.rationals import psd_defect

#: Working precision of the ball arithmetic, in bits (about 77 decimal digits).
PRECISION = 256
#: Significant digits of the printed enclosures.
DIGITS = 40

Real = arb | fmpq


@contextmanager
def working_precision() -> Iterator[None]:
    with ctx.workprec(PRECISION):
        yield


def ball(value: Real | int) -> arb:
    return value if isinstance(value, arb) else arb(fmpq(value))


@dataclass(frozen=True)
class Enclosure:
    """A real quantity lies in ``[lower end of lo, upper end of hi]``."""

    lo: arb
    hi: arb

    def text(self) -> list[str]:
        return [lower_text(self.lo), upper_text(self.hi)]

    def certainly_positive(self) -> bool:
        return bool(self.lo > 0)


def exact_bounds(value: Real) -> tuple[fmpq, fmpq]:
    """The exact rational endpoints of a ball (or the rational itself twice)."""
    if isinstance(value, fmpq):
        return value, value
    mid, rad = (_dyadic(part) for part in (value.mid(), value.rad()))
    return mid - rad, mid + rad


def _dyadic(exact: arb) -> fmpq:
    mantissa, exponent = exact.man_exp()
    mantissa, exponent = int(mantissa), int(exponent)
    return fmpq(mantissa * 2**exponent) if exponent >= 0 else fmpq(mantissa, 2**-exponent)


def lower_text(value: Real, digits: int = DIGITS) -> str:
    if not _finite(value):
        return "-inf"  # a ball without finite ends encloses nothing useful, but still encloses
    return _decimal(exact_bounds(value)[0], digits, upward=False)


def upper_text(value: Real, digits: int = DIGITS) -> str:
    if not _finite(value):
        return "inf"
    return _decimal(exact_bounds(value)[1], digits, upward=True)


def _finite(value: Real) -> bool:
    return isinstance(value, fmpq) or bool(value.is_finite())


def _decimal(q: fmpq, digits: int, upward: bool) -> str:
    """``q`` rounded to ``digits`` significant decimal digits, up or down (exactly)."""
    if q == 0:
        return "0"
    exponent = _decimal_exponent(abs(q)) - digits + 1
    scaled = q / _power_of_ten(exponent)
    return _plain(int(scaled.ceil() if upward else scaled.floor()), exponent)


def _decimal_exponent(q: fmpq) -> int:
    """``floor(log10 q)`` for a positive rational, exactly."""
    guess = len(str(q.p)) - len(str(q.q))  # within one of the answer
    while _power_of_ten(guess) > q:
        guess -= 1
    while _power_of_ten(guess + 1) <= q:
        guess += 1
    return guess


def _power_of_ten(exponent: int) -> fmpq:
    return fmpq(10**exponent) if exponent >= 0 else fmpq(1, 10**-exponent)


def _plain(mantissa: int, exponent: int) -> str:
    """``mantissa·10^exponent`` written exactly: plainly when short, else in E notation."""
    sign, digits = ("-" if mantissa < 0 else ""), str(abs(mantissa))
    digits, exponent = digits.rstrip("0") or "0", exponent + len(digits) - len(digits.rstrip("0"))
    leading = exponent + len(digits) - 1  # the power of ten of the first digit
    if 0 <= exponent <= 20 - len(digits):
        return sign + digits + "0" * exponent
    if exponent < 0 and -8 <= leading <= 20:
        point = len(digits) + exponent
        body = digits[:point] + "." + digits[point:] if point > 0 else "0." + "0" * -point + digits
        return sign + body
    fraction = "." + digits[1:] if len(digits) > 1 else ""
    return f"{sign}{digits[0]}{fraction}E{leading:+d}"


def power(value: arb, numerator: int, denominator: int) -> arb:
    """``value^{numerator/denominator}`` for a ball of non-negative numbers."""
    return value.root(denominator) ** numerator


@dataclass(frozen=True)
class Spectrum:
    """Exact rank and balls of the non-zero singular values (with multiplicity)."""

    rank: int
    values: tuple[arb, ...]


def singular_values(matrix: fmpq_mat) -> Spectrum:
    """See the module docstring. Call under :func:`working_precision`."""
    gram = (
        matrix.transpose() * matrix
        if matrix.ncols() <= matrix.nrows()
        else matrix * matrix.transpose()
    )
    rank = gram.rank()
    eigenvalues = _isolated_eigenvalues(gram, rank)
    if eigenvalues is None:
        eigenvalues = _characteristic_roots(gram)
    values = sorted((v.sqrt() for v in eigenvalues), key=lambda v: -float(v.mid()))
    return Spectrum(rank, tuple(values))


def _isolated_eigenvalues(gram: fmpq_mat, rank: int) -> list[arb] | None:
    """The ``rank`` positive eigenvalues of the symmetric ``gram`` from certified, pairwise
    disjoint enclosures of all of them, or ``None`` when the balls do not decide."""
    n = gram.nrows()
    if n - rank > 1:
        return None  # a multiple eigenvalue 0 cannot be isolated
    balls = acb_mat(arb_mat(gram)).eig(nonstop=True)
    if not all(b.is_finite() for b in balls):
        return None
    positive = [b.real for b in balls if not b.real.contains(0)]
    if len(positive) != rank or not all(v > 0 for v in positive):
        return None
    return positive


def semidefinite_defect(matrix: fmpq_mat) -> str | None:
    """``None`` if the symmetric rational ``matrix`` is positive semidefinite, else why not.

    Fast route: certified enclosures of its eigenvalues (the matrix rounded into a ball matrix
    that contains it; arb's non-``approx`` methods bound their errors rigorously) that isolate
    them and lie above 0 prove it positive definite. Otherwise — a boundary case with an
    eigenvalue 0, repeated eigenvalues, or a negative one — the exact ``LDLᵀ`` decides
    (:func:`verify.proof.rationals.psd_defect`) and says what fails.
    """
    if matrix.nrows() and matrix == matrix.transpose():
        with working_precision():
            balls = acb_mat(arb_mat(matrix)).eig(nonstop=True)
            if all(b.is_finite() and b.real > 0 for b in balls):
                return None
    return psd_defect(matrix)


def _characteristic_roots(gram: fmpq_mat) -> list[arb]:
    """The positive eigenvalues of ``gram`` with multiplicity, from its exact characteristic
    polynomial (zero root removed)."""
    coefficients = gram.charpoly().coeffs()
    zero = next(i for i, c in enumerate(coefficients) if c != 0)
    reduced = fmpq_poly(coefficients[zero:])
    values: list[arb] = []
    for root, multiplicity in reduced.complex_roots() if reduced.degree() > 0 else []:
        values.extend([root.real.nonnegative_part()] * multiplicity)
    return values


def interval(lo: fmpq, hi: fmpq) -> arb:
    """A ball containing ``[lo, hi]``."""
    return arb(lo).union(arb(hi))


def bracket_root(
    sign_of: Callable[[fmpq], arb], lo: fmpq, hi: fmpq, positive_from: fmpq | None = None
) -> tuple[fmpq, fmpq]:
    """Shrink ``[lo, hi]`` around a sign change (negative before, positive after) by bisection
    at exact rational midpoints, while the ball of the function at the midpoint decides its
    sign (at most :data:`PRECISION` halvings). A positive value at a midpoint below
    ``positive_from`` proves nothing (the function may not be monotone there) and ends the
    bisection."""
    for _ in range(PRECISION):
        mid = (lo + hi) / 2
        value = sign_of(mid)
        if value > 0 and (positive_from is None or mid >= positive_from):
            hi = mid
        elif value < 0:
            lo = mid
        else:
            break
    return lo, hi
