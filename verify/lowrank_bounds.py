"""Certified bounds for weight-decayed deep linear regression (claim C4), in ball arithmetic.

The scalar problem of :mod:`verify.lowrank`, ``g(s) = ½(s − σ)² + (βL/2) s^{2/L}`` on ``s ≥ 0``,
is bounded from below rigorously: floats only *guess* a bracket, and every fact used is
re-established on python-flint ``arb`` balls.

* ``L = 2``: ``g`` is convex, ``min g = σβ − β²/2`` if ``σ > β``, else ``g(0) = ½σ²``.
* ``L ≥ 3``: ``g' = φ − σ`` with ``φ(s) = s + βs^{2/L−1}`` convex and minimal at ``a`` (the branch
  start). On ``[0, a]``, ``g'`` decreases, so ``g`` is concave there and its minimum is at an
  end; on ``[a, ∞)``, ``g`` is convex (``g'' = φ' ≥ 0``) and increasing beyond ``σ``. If the
  minimiser over ``[a, ∞)`` lies in ``[lo, hi]`` (``g'(lo) ≤ 0 ≤ g'(hi)``, checked on balls; else
  ``[a, σ]``), the tangent at ``hi`` gives ``min ≥ g(hi) − g'(hi)(hi − lo)``. Hence
  ``min_{s≥0} g ≥ min(g(0), g(a), tangent bound)``.

``min g`` increases with ``σ`` (its derivative is ``σ − s* ≥ 0``), so the bound at a certified
lower end of ``σ`` bounds every ``σ`` above it.
"""

from __future__ import annotations

import flint

from verify.lowrank import branch_start, threshold

#: float bisection steps for the guessed bracket (1100 reach any float64 spacing)
BISECTION_STEPS = 1100
#: relative widenings tried until the guessed bracket is certified on balls
WIDENINGS = (0.0, 2.0**-50, 2.0**-45, 2.0**-40, 2.0**-30, 2.0**-20)


def _g(s: flint.arb, sigma: flint.arb, L: int, beta: flint.arb) -> flint.arb:
    power = s ** (flint.arb(2) / L) if s != 0 else flint.arb(0)
    return (s - sigma) ** 2 / 2 + beta * L / 2 * power


def _g_prime(s: flint.arb, sigma: flint.arb, L: int, beta: flint.arb) -> flint.arb:
    return s + beta * s ** (flint.arb(2) / L - 1) - sigma


def _bracket(sigma: float, L: int, beta: float, start: float) -> tuple[float, float]:
    """A float guess ``[lo, hi]`` of the root of ``φ(s) = σ`` right of ``start``."""
    lo, hi = start, sigma
    for _ in range(BISECTION_STEPS):
        mid = 0.5 * (lo + hi)
        if not lo < mid < hi:
            break
        if mid + beta * mid ** (2.0 / L - 1.0) >= sigma:
            hi = mid
        else:
            lo = mid
    return lo, hi


def _convex_part_lower(sigma: float, L: int, beta: float) -> flint.arb:
    """A ball whose lower end bounds ``min_{s ≥ a} g`` (``L ≥ 3``)."""
    s_, b = flint.arb(sigma), flint.arb(beta)
    start = branch_start(L, beta)
    a = flint.arb(start)
    if _g_prime(a, s_, L, b) >= 0:
        return _g(a, s_, L, b)  # g increasing on [a, ∞)
    lo_f, hi_f = _bracket(sigma, L, beta, start)
    # The float bracket is a guess: widen it until the signs of g' at its ends are certain on
    # balls; failing that, the whole [a, σ] (g'(a) < 0 < g'(σ) hold there).
    lo, hi = a, s_
    for widening in WIDENINGS:
        lo_w = flint.arb(max(start, lo_f * (1 - widening)))
        hi_w = flint.arb(min(sigma, hi_f * (1 + widening)))
        if _g_prime(lo_w, s_, L, b) <= 0 and _g_prime(hi_w, s_, L, b) >= 0:
            lo, hi = lo_w, hi_w
            break
    return _g(hi, s_, L, b) - _g_prime(hi, s_, L, b) * (hi - lo)


def _min(a: flint.arb, b: flint.arb) -> flint.arb:
    """A ball containing ``min(x, y)`` for every ``x ∈ a``, ``y ∈ b``."""
    return flint.arb(min(float(a.lower()), float(b.lower()))).union(
        flint.arb(min(float(a.upper()), float(b.upper())))
    )


def minimum_lower_bound(sigma: float, L: int, beta: float) -> flint.arb:
    """A ball whose lower end bounds ``min_{s ≥ 0} g_σ(s)`` (module docstring)."""
    s_, b = flint.arb(sigma), flint.arb(beta)
    zero = s_**2 / 2
    if L == 2:
        branch = s_ * b - b**2 / 2
        return branch if s_ > b else zero if s_ <= b else _min(zero, branch)
    a = flint.arb(branch_start(L, beta))
    return _min(_min(zero, _g(a, s_, L, b)), _convex_part_lower(sigma, L, beta))


def threshold_bracket(L: int, beta: float, relative: float = 1e-10) -> tuple[float, float] | None:
    """A certified bracket ``(σ_lo, σ_hi)`` of the threshold around :func:`lowrank.threshold`.

    At ``σ_lo = τ(1 − relative)`` every ``s > 0`` has ``g(s) > g(0)``: ``min(g(a), convex-part
    bound) > g(0)`` on balls (and ``g'(0+) = +∞``), so ``0`` is the unique minimiser. At
    ``σ_hi = τ(1 + relative)`` the float branch point has ``g < g(0)`` on balls. As
    ``min_{s>0} g − g(0)`` decreases in ``σ``, the true threshold lies in between. ``L = 2``:
    ``0`` is optimal iff ``σ ≤ β``. ``None`` when the balls do not confirm the bracket.
    """
    tau = threshold(L, beta)
    sigma_lo, sigma_hi = tau * (1 - relative), tau * (1 + relative)
    b = flint.arb(beta)
    lo_ball, hi_ball = flint.arb(sigma_lo), flint.arb(sigma_hi)
    if L == 2:
        confirmed = lo_ball < b < hi_ball
    else:
        a = flint.arb(branch_start(L, beta))
        positive_part = _min(_g(a, lo_ball, L, b), _convex_part_lower(sigma_lo, L, beta))
        _, point = _bracket(sigma_hi, L, beta, branch_start(L, beta))
        confirmed = positive_part > lo_ball**2 / 2 and (
            _g(flint.arb(point), hi_ball, L, b) < hi_ball**2 / 2
        )
    return (sigma_lo, sigma_hi) if confirmed else None
