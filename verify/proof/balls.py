"""Ball arithmetic (python-flint ``arb``) and rigorous decimal output for the checker.

An ``arb`` is a ball ``[m ± r]`` that contains the true value whatever the rounding on the way;
every irrational quantity of the checker (square roots, Schatten quasi-norms, roots of
polynomials) is such a ball, computed at :data:`PRECISION` bits.

* :func:`singular_values`: the exact rank of a rational matrix ``A`` and balls containing its
  non-zero singular values. The characteristic polynomial of the smaller Gram matrix is exact
  (``fmpq_mat.charpoly``); its zero root has multiplicity ``n − rank`` (a symmetric matrix is
  diagonalisable), so the rank is decided exactly, never from a ball that touches 0. The other
  roots are isolated rigorously with multiplicities (``fmpq_poly.complex_roots``: exact
  square-free factorisation, then certified isolation), and ``σ = √λ``.
* :func:`lower_text`, :func:`upper_text`: exact rationals or balls written as decimal strings
  rounded outward (the lower end down, the upper end up), so that printed enclosures stay true.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from flint import arb, ctx, fmpq, fmpq_mat, fmpq_poly

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

    @staticmethod
    def of(lo: Real, hi: Real | None = None) -> Enclosure:
        return Enclosure(ball(lo), ball(lo if hi is None else hi))

    def text(self) -> list[str]:
        return [lower_text(self.lo), upper_text(self.hi)]

    def certainly_positive(self) -> bool:
        return bool(self.lo > 0)

    def contains_point(self, value: Real) -> bool:
        v = ball(value)
        return bool(exact_bounds(v)[0] >= exact_bounds(self.lo)[0]) and bool(
            exact_bounds(v)[1] <= exact_bounds(self.hi)[1]
        )


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
    return _decimal(exact_bounds(value)[0], digits, upward=False)


def upper_text(value: Real, digits: int = DIGITS) -> str:
    return _decimal(exact_bounds(value)[1], digits, upward=True)


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


def sqrt(value: Real) -> arb:
    return ball(value).sqrt()


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
    coefficients = gram.charpoly().coeffs()
    zero = next(i for i, c in enumerate(coefficients) if c != 0)
    reduced = fmpq_poly(coefficients[zero:])
    values: list[arb] = []
    for root, multiplicity in reduced.complex_roots() if reduced.degree() > 0 else []:
        eigenvalue = root.real.nonnegative_part()
        values.extend([eigenvalue.sqrt()] * multiplicity)
    values.sort(key=lambda v: -float(v.mid()))
    return Spectrum(gram.nrows() - zero, tuple(values))


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
