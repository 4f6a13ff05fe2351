"""Exact rescaling of an instance into float64's comfortable range, and back.

Every claim's values are homogeneous in the data: ``q(2^i X, 2^j Y) = 2^{ai + bj} q(X, Y)`` with
degrees ``(a, b)`` the claim declares (:meth:`verify.claims.Claim.homogeneity`; e.g. ``(−1, 1)``
for ``t^{−(L−2)}‖X⁺Y‖_{S_{2/L}}``). Data far from 1 in magnitude (entries near ``1e±150``) would
overflow in squares and Gram matrices, or underflow to subnormals. Dividing ``X`` and ``Y`` by
powers of two is *exact* (it changes only exponents) as long as no entry becomes subnormal, which
is verified, so the rescaled instance is the same problem in other units: the claim is checked
on it and every bound and prediction is multiplied back by ``2^{a·i + b·j}``, rounded outward
(lower bounds down, upper bounds up) with ball arithmetic, so the bounds stay certified.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import TYPE_CHECKING

import flint
import numpy as np

from verify.instances import Instance
from verify.result import Bound
from verify.rigorous import lower, power_of_two, upper

if TYPE_CHECKING:
    from verify.claims.base import Evidence

#: Data whose largest magnitude lies within ``2^±COMFORT`` is used as given.
COMFORT = 200

Degrees = dict[str, tuple[Fraction, Fraction]]


def _exponent(A: np.ndarray) -> int:
    e = power_of_two(A)
    return e if abs(e) > COMFORT else 0


def _exactly_scaled(A: np.ndarray, exponent: int) -> np.ndarray | None:
    scaled = np.ldexp(A, -exponent)
    return scaled if np.array_equal(np.ldexp(scaled, exponent), A) else None


@dataclass(frozen=True)
class Rescaling:
    """``instance`` is the given one with ``X/2^x_exponent`` and ``Y/2^y_exponent``."""

    instance: Instance
    x_exponent: int
    y_exponent: int
    degrees: Degrees

    def factor(self, quantity: str) -> flint.arb:
        a, b = self.degrees.get(quantity, (Fraction(0), Fraction(0)))
        exponent = a * self.x_exponent + b * self.y_exponent
        return flint.arb(2) ** (flint.arb(exponent.numerator) / exponent.denominator)

    def map_back(self, found: Evidence) -> None:
        """Multiply every bound, interval and prediction of ``found`` back to the given units."""
        for name, bounds in found.candidates.items():
            quantity, side = name.rsplit("_", 1)
            factor = self.factor(quantity)
            found.candidates[name] = [
                _scaled_bound(bound, factor, side == "upper") for bound in bounds
            ]
        for quantity, (lo, hi) in list(found.intervals.items()):
            factor = self.factor(quantity)
            found.intervals[quantity] = (_times(lo, factor, False), _times(hi, factor, True))
        for quantity, value in list(found.predicted.items()):
            factor = self.factor(quantity)
            if math.isfinite(value):
                found.predicted[quantity] = float((flint.arb(value) * factor).mid())
        found.details.append(
            f"computed on X·2^{-self.x_exponent}, Y·2^{-self.y_exponent} (an exact rescaling); "
            "bounds and predictions mapped back with outward rounding, values in the other "
            "fields are in the rescaled units"
        )


def _times(value: float, factor: flint.arb, round_up: bool) -> float:
    if not math.isfinite(value) or value == 0.0:
        return value
    product = flint.arb(value) * factor
    return upper(product) if round_up else lower(product)


def _scaled_bound(bound: Bound, factor: flint.arb, round_up: bool) -> Bound:
    return replace(bound, value=_times(bound.value, factor, round_up))


def rescaling_for(instance: Instance, degrees: Degrees | None) -> Rescaling | None:
    """The exact power-of-two rescaling the instance needs, or ``None`` (data already in range,
    a claim without homogeneity, or a rescaling that would not be exact)."""
    if degrees is None:
        return None
    x_exponent, y_exponent = _exponent(instance.X), _exponent(instance.Y)
    if x_exponent == 0 and y_exponent == 0:
        return None
    X = _exactly_scaled(instance.X, x_exponent)
    Y = _exactly_scaled(instance.Y, y_exponent)
    if X is None or Y is None:
        return None
    labels = Y[:, 0] if instance.scalar_output else Y
    scaled = Instance(
        X, labels, instance.L, instance.t, instance.beta, instance.width, instance.label
    )
    return Rescaling(scaled, x_exponent, y_exponent, degrees)
