"""Floating-point linear algebra with rigorous error bounds.

A certified bound must hold for the exact numbers the instance holds (every binary float is an
exact rational), whatever the rounding of the computation that produced it. This module computes
the quantities certificates need — products of matrices, norms, singular values, inner products —
as *enclosures*: the exact value provably lies in the returned set.

* Matrices are :class:`Enclosure` objects ``mid ± rad`` (elementwise). Products use the standard
  a-priori bound for a float dot product of length ``k``,
  ``|fl(xᵀy) − xᵀy| ≤ γ_k |x|ᵀ|y| + k·η`` with ``γ_k = k u/(1 − k u)``, ``u = 2⁻⁵³`` and
  ``η = 2⁻¹⁰⁷⁴`` the underflow unit (Higham, *Accuracy and Stability of Numerical Algorithms*,
  2nd ed., §3.1 and §3.5; it holds for any order of summation, so for any BLAS), and the
  midpoint-radius product of Rump (*BIT* 39, 1999) for inputs that are enclosures themselves.
  Radii are computed in floating point too: each one is inflated by a factor that covers its own
  rounding (a few more ``γ``), so that the computed radius is never smaller than the exact one.
* Scalars are python-flint ``arb`` balls (arbitrary-precision ball arithmetic, rigorous by
  construction, with an unbounded exponent range): sums of powers of singular values, ``t^{−(L−2)}``
  and the like are computed on balls and rounded outward to floats only at the end
  (:func:`lower`, :func:`upper`).
* Singular values of an enclosed matrix ``A`` are enclosed a posteriori from a float SVD
  ``A_mid ≈ P diag(s) Qᵀ``: with ``e ≥ ‖A − P diag(s) Qᵀ‖_F`` (residual and radius, enclosed) and
  ``g_P ≥ ‖PᵀP − I‖_F``, ``g_Q ≥ ‖QᵀQ − I‖_F``, Weyl's inequality and
  ``σ_min(P)σ_i(S)σ_min(Q) ≤ σ_i(PSQᵀ) ≤ ‖P‖₂σ_i(S)‖Q‖₂`` give
  ``σ_i(A) ∈ [s_i √((1 − g_P)(1 − g_Q)) − e, s_i √((1 + g_P)(1 + g_Q)) + e]``.

Nothing here decides a verdict: the claims turn these enclosures into bounds. Inputs must be
finite; a non-finite intermediate (overflow) raises :class:`OutOfRange`, which the claims report as
"outside float64's range" rather than compute with.
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass

import flint
import numpy as np

#: unit roundoff of binary64
UNIT = 2.0**-53
#: underflow unit: the absolute error a product may make when its result is subnormal
TINY = 2.0**-1074


class OutOfRange(ArithmeticError):
    """An intermediate result left float64's range (overflow to ``inf`` or ``nan``)."""


def gamma(k: int) -> float:
    """``γ_k = k u/(1 − k u)``, the relative error bound of ``k`` successive roundings."""
    return k * UNIT / (1.0 - k * UNIT)


def _inflate(radius: np.ndarray, k: int) -> np.ndarray:
    """A radius computed with at most ``k`` roundings per entry, made safe against them."""
    return radius * (1.0 + 2.0 * gamma(k + 2)) + (k + 2) * TINY


def _finite(*arrays: np.ndarray) -> None:
    for array in arrays:
        if not np.all(np.isfinite(array)):
            raise OutOfRange("an intermediate result overflowed float64")


@dataclass(frozen=True)
class Enclosure:
    """A real matrix known to lie in ``[mid − rad, mid + rad]`` (elementwise)."""

    mid: np.ndarray
    rad: np.ndarray

    @staticmethod
    def exact(A: np.ndarray) -> Enclosure:
        """The floats of ``A`` as exact numbers (radius 0)."""
        A = np.asarray(A, dtype=float)
        return Enclosure(A, np.zeros_like(A))

    @property
    def T(self) -> Enclosure:
        return Enclosure(self.mid.T, self.rad.T)

    @property
    def shape(self) -> tuple[int, ...]:
        return self.mid.shape

    def __matmul__(self, other: Enclosure | np.ndarray) -> Enclosure:
        other = other if isinstance(other, Enclosure) else Enclosure.exact(other)
        k = self.mid.shape[-1]
        mid = self.mid @ other.mid
        abs_a, abs_b = np.abs(self.mid), np.abs(other.mid)
        # γ_k|A||B| bounds the rounding of the midpoint product; the other two terms carry the
        # input radii (Rump's midpoint-radius product). Every term is a sum of k non-negative
        # products, computed with relative error at most γ_k, hence the inflation.
        rad = gamma(k) * (abs_a @ abs_b) + k * TINY
        if np.any(other.rad):
            rad = rad + abs_a @ other.rad
        if np.any(self.rad):
            rad = rad + self.rad @ (abs_b + other.rad)
        rad = _inflate(rad, 2 * k + 3)
        _finite(mid, rad)
        return Enclosure(mid, rad)

    def __rmatmul__(self, other: np.ndarray) -> Enclosure:
        return Enclosure.exact(other) @ self

    def __add__(self, other: Enclosure | np.ndarray) -> Enclosure:
        other = other if isinstance(other, Enclosure) else Enclosure.exact(other)
        mid = self.mid + other.mid
        rad = _inflate(self.rad + other.rad + UNIT * np.abs(mid), 2)
        _finite(mid, rad)
        return Enclosure(mid, rad)

    def __sub__(self, other: Enclosure | np.ndarray) -> Enclosure:
        other = other if isinstance(other, Enclosure) else Enclosure.exact(other)
        return self + Enclosure(-other.mid, other.rad)

    def scale(self, factors: np.ndarray | float) -> Enclosure:
        """Entrywise product with exact float ``factors`` (broadcast like numpy)."""
        mid = self.mid * factors
        rad = _inflate(self.rad * np.abs(factors) + UNIT * np.abs(mid), 2)
        _finite(mid, rad)
        return Enclosure(mid, rad)

    def magnitude(self) -> np.ndarray:
        """Entrywise upper bound on ``|A|``."""
        return self.mid.__abs__() + self.rad

    def frobenius(self) -> flint.arb:
        """A ball containing ``‖A‖_F`` for every ``A`` in the enclosure."""
        upper_sq = sum_of_squares(self.magnitude().ravel())
        lower_sq = sum_of_squares(np.maximum(np.abs(self.mid) - self.rad, 0.0).ravel())
        return ball(sqrt_lower(lower_sq), sqrt_upper(upper_sq), floor=0.0)

    def singular_values(self) -> tuple[np.ndarray, np.ndarray]:
        """``(lo, hi)``: ``lo[i] ≤ σ_i(A) ≤ hi[i]`` for every ``A`` in the enclosure, ``i <
        min(shape)`` (descending; see the module docstring for the argument)."""
        lo, hi, _ = self.singular_values_and_svd()
        return lo, hi

    def singular_values_and_svd(
        self,
    ) -> tuple[np.ndarray, np.ndarray, tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """:meth:`singular_values` and the float SVD ``(P, s, Qt)`` of the midpoint it rests on
        (so that a caller needing both computes one SVD)."""
        P, s, Qt = np.linalg.svd(self.mid, full_matrices=False)
        rebuilt = Enclosure.exact(P).scale(s) @ Qt
        e = upper((self - rebuilt).frobenius())
        g_P = upper((Enclosure.exact(P.T) @ P - np.eye(P.shape[1])).frobenius())
        g_Q = upper((Enclosure.exact(Qt) @ Qt.T - np.eye(Qt.shape[0])).frobenius())
        shrink = sqrt_lower(flint.arb(max(0.0, 1.0 - g_P)) * flint.arb(max(0.0, 1.0 - g_Q)))
        grow = sqrt_upper((1 + flint.arb(g_P)) * (1 + flint.arb(g_Q)))
        lo = np.array([max(0.0, lower(flint.arb(v) * shrink - e)) for v in s])
        hi = np.array([upper(flint.arb(v) * grow + e) for v in s])
        return lo, hi, (P, s, Qt)

    def spectral_upper(self) -> float:
        """An upper bound on ``‖A‖₂`` over the enclosure."""
        if self.mid.size == 0:
            return 0.0
        return float(self.singular_values()[1][0])


#: Largest ``N·d + d·K`` for which :func:`exact_residual` multiplies in exact integers.
EXACT_PRODUCT_MAX_ENTRIES = 600_000


def _integers(A: np.ndarray) -> tuple[flint.fmpz_mat, int]:
    """``A = M · 2^e`` exactly with an integer matrix ``M`` (every float is a dyadic rational)."""
    nonzero = A[A != 0]
    if nonzero.size == 0:
        return flint.fmpz_mat(A.shape[0], A.shape[1]), 0
    exponent = int(np.frexp(nonzero)[1].min()) - 53
    scaled = np.ldexp(A, -exponent)  # exact: every entry becomes an integer below 2^1077
    rows = [[int(v) for v in row] for row in scaled.tolist()]
    return flint.fmpz_mat(rows), exponent


def exact_residual(Y: np.ndarray, X: np.ndarray, W: np.ndarray) -> Enclosure:
    """``Y − XW`` for exact float matrices, computed exactly in integers (python-flint) and
    rounded once to floats: an enclosure whose radius is half an ulp per entry. Unlike
    :meth:`Enclosure.__matmul__`'s a-priori bound (``γ_k|X||W|``, pessimistic by ``√k`` or
    more), it is as small as the residual itself allows. Falls back to the a-priori enclosure
    for very large matrices."""
    if X.size + W.size > EXACT_PRODUCT_MAX_ENTRIES or not (
        np.all(np.isfinite(X)) and np.all(np.isfinite(W))
    ):
        return Enclosure.exact(Y) - product(X, W)
    Xi, ex = _integers(X)
    Wi, ew = _integers(W)
    Yi, ey = _integers(Y)
    shift = min(ex + ew, ey)
    XW = (Xi * Wi) * (2 ** (ex + ew - shift))
    difference = Yi * (2 ** (ey - shift)) - XW
    mid = _to_floats(difference, shift)
    rad = _inflate(2 * UNIT * np.abs(mid), 0)
    _finite(mid, rad)
    return Enclosure(mid, rad)


def _to_floats(M: flint.fmpz_mat, exponent: int) -> np.ndarray:
    """Floats within one ulp of ``M · 2^exponent`` (an integer matrix): the top 60 bits of each
    integer, converted once and scaled by an exact power of two."""

    def one(value: int) -> float:
        shift = max(value.bit_length() - 60, 0)
        return math.ldexp(float(value >> shift if value >= 0 else -((-value) >> shift)),
                          shift + exponent)  # fmt: skip

    return np.array([[one(int(v)) for v in row] for row in M.tolist()], dtype=float).reshape(
        M.nrows(), M.ncols()
    )


def product(*matrices: Enclosure | np.ndarray) -> Enclosure:
    """An enclosure of the exact product ``M_1 M_2 ⋯ M_n``."""
    first, *rest = matrices
    out = first if isinstance(first, Enclosure) else Enclosure.exact(first)
    for M in rest:
        out = out @ M
    return out


def sum_of_squares(values: np.ndarray) -> flint.arb:
    """A ball containing ``Σ v_i²`` for exact float ``v``."""
    values = np.asarray(values, dtype=float).ravel()
    if values.size == 0:
        return flint.arb(0)
    total = float(values @ values)
    _finite(np.array(total))
    slack = gamma(values.size + 1) * total + (values.size + 1) * TINY
    return ball(total - slack, total + slack, floor=0.0)


def inner(A: Enclosure | np.ndarray, B: Enclosure | np.ndarray) -> flint.arb:
    """A ball containing ``tr(AᵀB) = Σ A_ij B_ij``."""
    A = A if isinstance(A, Enclosure) else Enclosure.exact(A)
    B = B if isinstance(B, Enclosure) else Enclosure.exact(B)
    a, b = A.mid.ravel(), B.mid.ravel()
    value = float(a @ b)
    k = a.size
    slack = gamma(k + 1) * float(np.abs(a) @ np.abs(b)) + (k + 1) * TINY
    slack += float(np.abs(a) @ B.rad.ravel() + A.rad.ravel() @ (np.abs(b) + B.rad.ravel()))
    slack = float(_inflate(np.array(slack), 2 * k + 2))
    _finite(np.array([value, slack]))
    return ball(value - slack, value + slack)


def ball(lo: float, hi: float, floor: float | None = None) -> flint.arb:
    """The smallest ``arb`` ball containing the float interval ``[lo, hi]`` (``lo`` raised to
    ``floor`` when given: for quantities known to be non-negative)."""
    if floor is not None:
        lo = max(lo, floor)
    lo_ball, hi_ball = flint.arb(lo), flint.arb(hi)
    return lo_ball.union(hi_ball)


def sqrt_lower(x: flint.arb) -> float:
    """A float ``≤ √y`` for every ``y ≥ 0`` in the ball (``√`` is correctly rounded in IEEE
    arithmetic, so one step down covers it)."""
    value = max(lower(x), 0.0)
    return max(0.0, math.nextafter(math.sqrt(value), -math.inf))


def sqrt_upper(x: flint.arb) -> float:
    """A float ``≥ √y`` for every ``y`` in the ball."""
    value = upper(x)
    return math.nextafter(math.sqrt(max(value, 0.0)), math.inf) if math.isfinite(value) else value


def _exact_float(x: flint.arb) -> float | None:
    """The ball's value when it is a single float (radius 0, representable), else ``None``."""
    if x.is_exact():
        value = float(x.mid())
        if flint.arb(value) == x:
            return value
    return None


def lower(x: flint.arb) -> float:
    """A float ``≤`` every point of the ball (``-inf`` below float64's range): the end rounded
    one step down, unless the ball is a single float."""
    exact = _exact_float(x)
    if exact is not None:
        return exact
    value = float(x.lower())
    if value == math.inf:  # a ball beyond float64's range: the largest float is still below it
        return sys.float_info.max
    return math.nextafter(value, -math.inf) if math.isfinite(value) else value


def upper(x: flint.arb) -> float:
    """A float ``≥`` every point of the ball (``inf`` beyond float64's range): the end rounded
    one step up, unless the ball is a single float."""
    exact = _exact_float(x)
    if exact is not None:
        return exact
    value = float(x.upper())
    if value == -math.inf:
        return -sys.float_info.max
    return math.nextafter(value, math.inf) if math.isfinite(value) else value


def power_of_two(A: np.ndarray) -> int:
    """The exponent ``e`` with ``2^e ≤ max|A| < 2^{e+1}`` (0 for a zero array): dividing by
    ``2^e`` rescales ``A`` exactly (no rounding), into a range where squares cannot overflow."""
    top = float(np.max(np.abs(A))) if np.size(A) else 0.0
    return 0 if top == 0.0 else math.frexp(top)[1] - 1
