"""Sympy proofs of the algebraic steps behind C6's closed forms (see :mod:`verify.rank1`).

Every function returns named sympy expressions that are identically zero (checked with
``sympy.simplify``: no floating point), or polynomials whose factorisation shows their sign.
Magnitudes are written as cubes or squares of positive symbols so that the fractional powers of
the closed forms become polynomial.
"""

from __future__ import annotations

import sympy as sp

_POSITIVE = {"positive": True}


def mixed_sign_optimum() -> dict[str, sp.Expr]:
    """``α·γ < 0``: ``min_{r₁²+r₂²=s²} ‖α‖/r₁ + ‖γ‖/r₂ = (‖α‖^{2/3} + ‖γ‖^{2/3})^{3/2}/s``.

    With ``‖α‖ = a³``, ``‖γ‖ = g³`` and ``r = s(a, g)/√(a²+g²)``: the point is on the circle,
    it is stationary (the gradient ``(a³/r₁², g³/r₂²)`` is parallel to ``(r₁, r₂)``), and the
    value is the closed form. On the arc ``r = s(cos θ, sin θ)`` the objective
    ``(a³ sec θ + g³ csc θ)/s`` is strictly convex (``second_derivative`` below is a sum of
    positive terms), so the stationary point is the global minimum.
    """
    a, g, s, theta = sp.symbols("a g s theta", **_POSITIVE)
    norm = sp.sqrt(a**2 + g**2)
    r1, r2 = s * a / norm, s * g / norm
    objective = a**3 / sp.cos(theta) + g**3 / sp.sin(theta)
    second = a**3 * (1 + 2 * sp.tan(theta) ** 2) / sp.cos(theta) + g**3 * (
        1 + 2 * sp.cot(theta) ** 2
    ) / sp.sin(theta)
    return {
        "on_circle": r1**2 + r2**2 - s**2,
        "stationary": (a**3 / r1**2) * r2 - (g**3 / r2**2) * r1,
        "value": a**3 / r1 + g**3 / r2 - norm**3 / s,
        "second_derivative": sp.diff(objective, theta, 2) - second,
    }


def same_sign_optimum() -> dict[str, sp.Expr]:
    """``α·γ ≥ 0`` with ``α ∥ γ`` (all scalar outputs), and the dual's ℓ₁ ball.

    ``(α²/x + γ²/y)(x + y) − (|α| + |γ|)² = (|α|y − |γ|x)²/(xy) ≥ 0`` (``x = r₁²``, ``y = r₂²``),
    with equality at ``x/y = |α|/|γ|``: so ``min_{x+y=s²} √(α²/x + γ²/y) = (|α| + |γ|)/s``. The same
    identity shows that the union of the ellipses ``p²/r₁² + q²/r₂² ≤ 1`` over ``r₁² + r₂² ≤ s²``
    is the ℓ₁ ball ``|p| + |q| ≤ s`` (the dual's constraint set).
    """
    al, ga, x, y, s = sp.symbols("alpha gamma x y s", **_POSITIVE)
    at_optimum = {x: s**2 * al / (al + ga), y: s**2 * ga / (al + ga)}
    return {
        "cauchy_schwarz": (al**2 / x + ga**2 / y) * (x + y)
        - (al + ga) ** 2
        - (al * y - ga * x) ** 2 / (x * y),
        "value": (al**2 / x + ga**2 / y).subs(at_optimum) - (al + ga) ** 2 / s**2,
    }


def nuclear_norm_two_columns() -> dict[str, sp.Expr]:
    """``‖[m₁, m₂]‖_*² = ‖m₁‖² + ‖m₂‖² + 2Δ``, ``Δ = √(det MᵀM)``, via the 2×2 square root.

    For ``A = MᵀM = [[p, q], [q, r]]`` and ``δ = √(pr − q²)``, Cayley–Hamilton gives
    ``(A + δI)² = (tr A + 2δ) A``, so ``√A = (A + δI)/√(tr A + 2δ)``: its trace is
    ``√(tr A + 2δ)`` (the nuclear norm) and its off-diagonal ``q/√(tr A + 2δ)`` has the sign of
    ``q = m₁·m₂``: for ``m₁·m₂ ≥ 0`` the factors are non-negative
    (:func:`verify.rank1.completely_positive_factor`).
    """
    p, r, delta = sp.symbols("p r delta", **_POSITIVE)
    q = sp.symbols("q", real=True)
    A = sp.Matrix([[p, q], [q, r]])
    identity = sp.eye(2)
    square = (A + delta * identity) ** 2 - (p + r + 2 * delta) * A
    on_det = square.subs(delta**2, p * r - q**2).applyfunc(sp.expand)
    root = (A + delta * identity) / sp.sqrt(p + r + 2 * delta)
    return {
        "square_root_00": on_det[0, 0],
        "square_root_01": on_det[0, 1],
        "square_root_11": on_det[1, 1],
        "trace": root.trace() - sp.sqrt(p + r + 2 * delta),
    }


def vector_stationarity() -> dict[str, sp.Expr]:
    """``α·γ ≥ 0``: ``s²‖[α/r₁, γ/r₂]‖_*² = f(τ)``, ``τ = r₂/r₁``, and ``f'(τ) = 0`` iff
    ``Aτ⁴ + Δτ³ − Δτ − C = 0`` (``A = ‖α‖²``, ``C = ‖γ‖²``).

    The quartic has one sign change, so one positive root (Descartes); ``f → ∞`` at both ends
    of ``(0, ∞)``, so that root is the minimum. For ``Δ = 0`` (``A = p⁴``, ``C = q⁴``) the root is
    ``τ = q/p`` and ``f = (p² + q²)²``, i.e. ``P = (‖α‖ + ‖γ‖)/s``.
    """
    A, C, tau, s, p, q = sp.symbols("A C tau s p q", **_POSITIVE)
    delta = sp.symbols("Delta", nonnegative=True)
    f = (1 + tau**2) * (A + C / tau**2 + 2 * delta / tau)
    r1, r2 = s / sp.sqrt(1 + tau**2), s * tau / sp.sqrt(1 + tau**2)
    quartic = A * tau**4 + delta * tau**3 - delta * tau - C
    f_parallel = f.subs({delta: 0, A: p**4, C: q**4})
    return {
        "objective": s**2 * (A / r1**2 + C / r2**2 + 2 * delta / (r1 * r2)) - f,
        "derivative": sp.diff(f, tau) * tau**3 / 2 - quartic,
        "parallel_root": quartic.subs({delta: 0, A: p**4, C: q**4, tau: q / p}),
        "parallel_value": f_parallel.subs(tau, q / p) - (p**2 + q**2) ** 2,
    }


def sqrt2_cofactor() -> sp.Poly:
    """``q(a, g) = (2(a³ + g³)² − (a² + g²)³)/(a − g)²`` as a polynomial: all its coefficients
    are positive, so ``P ≤ √2·D`` for ``α·γ < 0``, with equality iff ``a = g``."""
    a, g = sp.symbols("a g", **_POSITIVE)
    upper = 2 * (a**3 + g**3) ** 2 - (a**2 + g**2) ** 3
    return sp.Poly(sp.cancel(upper / (a - g) ** 2), a, g)


def gap_bounds() -> dict[str, sp.Expr]:
    """``D < P ≤ √2·D`` for ``α·γ < 0`` (``‖α‖ = a³``, ``‖γ‖ = g³``): ``P/D`` is
    ``(a² + g²)^{3/2}/(a³ + g³)`` and

    ``(a² + g²)³ − (a³ + g³)² = a²g²(3a² − 2ag + 3g²)`` (> 0: the quadratic's discriminant is
    negative), ``2(a³ + g³)² − (a² + g²)³ = (a − g)²·q(a, g)`` (:func:`sqrt2_cofactor`).
    """
    a, g = sp.symbols("a g", **_POSITIVE)
    lower = (a**2 + g**2) ** 3 - (a**3 + g**3) ** 2
    upper = 2 * (a**3 + g**3) ** 2 - (a**2 + g**2) ** 3
    return {
        "strict_gap": lower - a**2 * g**2 * (3 * a**2 - 2 * a * g + 3 * g**2),
        "sqrt2_bound": upper - (a - g) ** 2 * sqrt2_cofactor().as_expr(),
    }


def all_identities() -> dict[str, sp.Expr]:
    """Every identity above, keyed ``group.name``; each must simplify to zero."""
    groups = {
        "mixed_sign": mixed_sign_optimum,
        "same_sign": same_sign_optimum,
        "nuclear": nuclear_norm_two_columns,
        "vector": vector_stationarity,
        "gap": gap_bounds,
    }
    return {
        f"{group}.{name}": expr for group, make in groups.items() for name, expr in make().items()
    }


def verify_all() -> dict[str, bool]:
    """``{identity: simplifies to 0}`` for :func:`all_identities`."""
    return {name: sp.simplify(expr) == 0 for name, expr in all_identities().items()}
