"""Sympy derivations of the closed forms behind C2 (weight decay) and C4 (low rank).

Every derivation is returned as a dict of named *residuals*: sympy expressions that are exactly
zero when the step holds. :func:`proves` simplifies each and accepts only exact zeros (no
floating point). The ``*_identity`` functions are the one-call versions the claim modules and
tests use. Symbols carry the assumptions the statements need (``positive=True``), so that sympy
may combine powers; ``L`` is a concrete integer unless a function says otherwise (symbolic ``L``
is written ``L = k + 2`` with ``k > 0``, i.e. ``L > 2``).

C2 (weight decay is a Schatten-2/L penalty)
    :func:`weight_decay_rescaling_identity` — ``min_{Π_l a_l = c} Σ_l a_l² = L c^{2/L}`` at
    ``a_l = c^{1/L}``: feasibility, value, Lagrange stationarity, and convexity in the
    coordinates ``a_l = c^{1/L} e^{x_l}`` (where the constraint is linear, ``Σ x_l = 0``, and the
    objective ``c^{2/L} Σ e^{2x_l}`` has a positive diagonal Hessian), so the stationary point is
    the global minimum. Applied to the layer norms it gives ``½ Σ_l ‖W_l‖² = min over
    rescalings = (L/2) (Π_l ‖W_l‖)^{2/L}``.
    :func:`t_optimisation_identity` — ``min_{t>0} ((L−2)/2) t² + t^{−(L−2)} S = (L/2) S^{2/L}``
    at ``t* = S^{1/L}`` (the only critical point; the function is convex in ``t``).

C4 (weight decay drives training to low rank; ``g(s) = ½(s − σ)² + (βL/2) s^{2/L}``)
    :func:`soft_threshold_identity` — ``L = 2``: ``s* = (σ − β)_+``, the prox of ``β|·|``.
    :func:`threshold_identities` — ``s̄ = (β(L−2))^{L/(2L−2)}``, ``τ = ((L−1)/(L−2)) s̄`` give
    ``g'(s̄) = 0``, ``g(s̄) = g(0)`` and ``g''(s̄) = (L−1)/L > 0`` at ``σ = τ``.
    :func:`explicit_root_L3`, :func:`explicit_root_L4` — the largest root of
    ``u⁴ − σu + β = 0`` (``u = s^{1/3}``, Ferrari with Cardano's resolvent) and of
    ``v³ − σv + β = 0`` (``v = s^{1/2}``, trigonometric form), with the algebra of each derivation
    as residuals and :func:`largest_real_root` for the numeric comparison.
    :func:`depth_growth_beta` and friends — where ``τ`` grows with ``L`` (see
    :mod:`verify.lowrank` for the statement): the exact step identity
    ``log τ(L+1) − log τ(L) = (log β_L − log β)/(2L(L−1))`` and the proof that ``β_L`` increases
    for ``L ≥ 3``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import sympy as sp

beta, sigma, s, c, S, t = sp.symbols("beta sigma s c S t", positive=True)
#: symbolic depth ``L = k + 2`` with ``k > 0``
k = sp.Symbol("k", positive=True)


def proves(residuals: Mapping[str, sp.Expr | sp.Matrix]) -> bool:
    """Whether every residual simplifies to exactly zero."""
    return all(_is_zero(r) for r in residuals.values())


def _is_zero(residual: sp.Expr | sp.Matrix) -> bool:
    if isinstance(residual, sp.MatrixBase):
        return all(_is_zero(entry) for entry in residual)
    expr = sp.powsimp(sp.expand_power_base(sp.sympify(residual), force=False))
    return sp.simplify(expr) == 0


# --- C2 -------------------------------------------------------------------------------------


def rescaling_minimum(L: int | sp.Expr) -> sp.Expr:
    """``L c^{2/L}``: the minimum of ``Σ_l a_l²`` over ``a_l > 0`` with ``Π_l a_l = c``."""
    return L * c ** (sp.Integer(2) / L)


def _log_curvature(L: int, x_l: sp.Symbol) -> sp.Expr:
    """``∂²/∂x_l² of c^{2/L} Σ e^{2x_l}``: the Hessian's diagonal entry in log coordinates."""
    return 4 * c ** (sp.Integer(2) / L) * sp.exp(2 * x_l)


def weight_decay_rescaling_residuals(L: int) -> dict[str, sp.Expr | sp.Matrix]:
    """The steps of ``min_{Π a_l = c} Σ a_l² = L c^{2/L}`` for a concrete ``L ≥ 2``."""
    a = sp.symbols(f"a1:{L + 1}", positive=True)
    x = sp.symbols(f"x1:{L + 1}", real=True)
    balanced = {a_l: c ** (sp.Integer(1) / L) for a_l in a}
    multiplier = 2 * c ** (sp.Integer(2) / L) / c
    product = sp.Mul(*a)
    residuals: dict[str, sp.Expr | sp.Matrix] = {
        "feasible": product.subs(balanced) - c,
        "value": sum(a_l**2 for a_l in a).subs(balanced) - rescaling_minimum(L),
    }
    for i, a_l in enumerate(a):
        lagrangian_gradient = sp.diff(sum(b**2 for b in a) - multiplier * product, a_l)
        residuals[f"stationary_{i + 1}"] = lagrangian_gradient.subs(balanced)
    # a_l = c^{1/L} e^{x_l}: the constraint becomes Σ x_l = 0 (linear), the objective convex.
    log_objective = c ** (sp.Integer(2) / L) * sum(sp.exp(2 * x_l) for x_l in x)
    hessian = sp.hessian(log_objective, x)
    diagonal = sp.diag(*[_log_curvature(L, x_l) for x_l in x])
    residuals["hessian_is_positive_diagonal"] = hessian - diagonal
    residuals["log_coordinates"] = (
        sum((c ** (sp.Integer(1) / L) * sp.exp(x_l)) ** 2 for x_l in x) - log_objective
    )
    return residuals


def weight_decay_rescaling_identity(L: int) -> bool:
    """``min_{Π_l a_l = c} Σ_l a_l² = L c^{2/L}``, proved for a concrete ``L ≥ 2``."""
    positive_curvature = bool(_log_curvature(L, sp.Symbol("x", real=True)).is_positive)
    return positive_curvature and proves(weight_decay_rescaling_residuals(L))


def weight_decay_rescaling_identity_symbolic() -> bool:
    """The value at the balanced point, ``L (c^{1/L})² = L c^{2/L}``, for symbolic ``L``."""
    L = k + 2
    return proves({"value": L * (c ** (1 / L)) ** 2 - rescaling_minimum(L)})


def t_objective(L: int | sp.Expr) -> sp.Expr:
    """``((L−2)/2) t² + t^{−(L−2)} S``: weight decay of the first ``L−2`` layers plus ``P(t)``."""
    return (L - 2) / sp.Integer(2) * t**2 + t ** (-(L - 2)) * S


def t_optimum(L: int | sp.Expr) -> tuple[sp.Expr, sp.Expr]:
    """``(t*, min) = (S^{1/L}, (L/2) S^{2/L})``."""
    return S ** (sp.Integer(1) / L), L / sp.Integer(2) * S ** (sp.Integer(2) / L)


def t_optimisation_residuals(L: int | None = None) -> dict[str, sp.Expr]:
    """``min_t ((L−2)/2)t² + t^{−(L−2)}S = (L/2)S^{2/L}`` at ``t* = S^{1/L}``.

    ``L = None``: symbolic ``L > 2``. The objective is convex in ``t > 0`` (both terms are), so
    the stationary point is the minimum; ``L = 2`` is the constant ``S``.
    """
    depth = k + 2 if L is None else sp.Integer(L)
    h = t_objective(depth)
    t_star, value = t_optimum(depth)
    return {
        "stationary": sp.diff(h, t).subs(t, t_star),
        "value": h.subs(t, t_star) - value,
    }


def t_optimisation_identity(L: int | None = None) -> bool:
    """The t-optimisation identity for a concrete ``L ≥ 2`` or (``None``) symbolic ``L > 2``."""
    depth = k + 2 if L is None else sp.Integer(L)
    curvature = sp.diff(t_objective(depth), t, 2)
    convex = depth == 2 or bool(curvature.is_positive)
    return convex and proves(t_optimisation_residuals(L))


# --- C4 -------------------------------------------------------------------------------------


def scalar_objective(L: int | sp.Expr) -> sp.Expr:
    """``g(s) = ½(s − σ)² + (βL/2) s^{2/L}``: one singular value of the regularised fit."""
    return (s - sigma) ** 2 / 2 + beta * L / 2 * s ** (sp.Integer(2) / L)


def soft_threshold_residuals() -> dict[str, sp.Expr]:
    """``L = 2``: ``g = ½(s−σ)² + βs`` is convex (``g'' = 1``); ``g'(σ − β) = 0`` (optimal when
    ``σ > β``) and ``g'(0) = β − σ`` (``0`` optimal on ``s ≥ 0`` iff ``σ ≤ β``), i.e.
    ``s* = (σ − β)_+``, the proximal map of ``β|·|`` restricted to ``s ≥ 0``."""
    g = scalar_objective(2)
    return {
        "penalty_is_linear": g - ((s - sigma) ** 2 / 2 + beta * s),
        "curvature": sp.diff(g, s, 2) - 1,
        "stationary_at_shrunk": sp.diff(g, s).subs(s, sigma - beta),
        "slope_at_zero": sp.diff(g, s).subs(s, 0) - (beta - sigma),
    }


def soft_threshold_identity() -> bool:
    stationary = sp.solve(sp.diff(scalar_objective(2), s), s)
    return stationary == [sigma - beta] and proves(soft_threshold_residuals())


def jump(L: int | sp.Expr) -> sp.Expr:
    """``s̄ = (β(L−2))^{L/(2L−2)}``."""
    depth = sp.sympify(L)
    return (beta * (depth - 2)) ** (depth / (2 * depth - 2))


def threshold(L: int | sp.Expr) -> sp.Expr:
    """``τ = ((L−1)/(L−2)) s̄``."""
    return (L - 1) / sp.sympify(L - 2) * jump(L)


def threshold_residuals(L: int | None = None, factor: sp.Expr | int = 1) -> dict[str, sp.Expr]:
    """At ``σ = factor·τ``: ``g'(s̄)``, ``g(s̄) − g(0)`` and ``g''(s̄) − (L−1)/L``.

    All three vanish for ``factor = 1`` (used with another factor, they show that the
    threshold is pinned down exactly). ``L = None``: symbolic ``L > 2``, parametrised by
    ``b = s̄ > 0`` with ``β = b^{(2L−2)/L}/(L−2)`` (an extra residual checks that this inverts
    ``s̄(β)``).
    """
    if L is None:
        depth = k + 2
        b = sp.Symbol("b", positive=True)
        beta_of_b = b ** ((2 * depth - 2) / depth) / (depth - 2)
        bar = b
        tau = (depth - 1) / (depth - 2) * b
        extra = {"inverse": (beta_of_b * (depth - 2)) ** (depth / (2 * depth - 2)) - b}
    else:
        depth = sp.Integer(L)
        beta_of_b = beta
        bar = jump(L)
        tau = threshold(L)
        extra = {}
    g = scalar_objective(depth).subs(beta, beta_of_b)
    at_tie = {sigma: factor * tau}
    residuals = {
        "stationary": sp.diff(g, s).subs(at_tie).subs(s, bar),
        "equal_objective": (g - g.subs(s, 0)).subs(at_tie).subs(s, bar),
        "curvature": sp.diff(g, s, 2).subs(at_tie).subs(s, bar) - (depth - 1) / depth,
    }
    residuals.update(extra)
    return residuals


def threshold_identities(L: int | None = None) -> bool:
    """``g'(s̄) = 0`` and ``g(s̄) = g(0)`` at ``σ = τ`` (and ``g''(s̄) = (L−1)/L``), ``L ≥ 3``."""
    return proves(threshold_residuals(L))


def explicit_root_L3(sig: sp.Expr = sigma, bet: sp.Expr = beta) -> sp.Expr:
    """``s*`` for ``L = 3`` and ``σ > τ``: ``u = s^{1/3}`` is the largest root of
    ``u⁴ − σu + β``.

    Ferrari: ``u⁴ − σu + β = (u² + au + b)(u² − au + e)`` with ``b, e = (a² ± σ/a)/2`` needs
    ``z = a²`` to solve the resolvent ``z³ − 4βz − σ² = 0``, whose only real root (for
    ``27σ⁴ > 256β³``, implied by ``σ > τ = 2β^{3/4}``) is Cardano's
    ``z = ∛(σ²/2 + √Δ) + ∛(σ²/2 − √Δ)``, ``Δ = σ⁴/4 − 64β³/27``. The first factor has no
    positive root; the largest root of the second is ``u = (a + √(2σ/a − a²))/2``.
    """
    delta = sp.sqrt(sig**4 / 4 - sp.Rational(64, 27) * bet**3)
    # ∛(σ²/2 − √Δ) = (4β/3)/∛(σ²/2 + √Δ) (the radicands multiply to 64β³/27): the same number
    # without the cancellation of σ²/2 − √Δ when σ ≫ τ.
    cube_root = sp.cbrt(sig**2 / 2 + delta)
    z = cube_root + sp.Rational(4, 3) * bet / cube_root
    a = sp.sqrt(z)
    u = (a + sp.sqrt(2 * sig / a - a**2)) / 2
    return u**3


def explicit_root_L4(sig: sp.Expr = sigma, bet: sp.Expr = beta) -> sp.Expr:
    """``s*`` for ``L = 4`` and ``σ > τ``: ``v = s^{1/2}`` is the largest root of
    ``v³ − σv + β``, which has three real roots when ``4σ³ > 27β²`` (implied by ``σ > τ``):
    ``v = 2√(σ/3) cos(⅓ arccos(−(3β/(2σ))√(3/σ)))``."""
    angle = sp.acos(-sp.Rational(3, 2) * bet / sig * sp.sqrt(3 / sig)) / 3
    v = 2 * sp.sqrt(sig / 3) * sp.cos(angle)
    return v**2


def root_polynomial(L: int, variable: sp.Symbol) -> sp.Expr:
    """``u^{2L−2} − σ u^{L−2} + β`` (``u = s^{1/L}``); for ``L = 4`` the cubic in ``v = u²``."""
    if L == 4:
        return variable**3 - sigma * variable + beta
    return variable ** (2 * L - 2) - sigma * variable ** (L - 2) + beta


def explicit_root_residuals() -> dict[str, sp.Expr]:
    """The algebra of both explicit formulas, as exact residuals.

    ``L = 3``: the Ferrari factorisation leaves ``(a⁶ − 4βa² − σ²)/(4a²)``; Cardano's ``z = A + B``
    with ``A³ + B³ = σ²`` and ``AB = 4β/3`` solves the resolvent (``A³B³ = 64β³/27`` holds for the
    two radicands). ``L = 4``: ``v = 2√(σ/3) cos θ`` gives ``v³ − σv = 2(σ/3)^{3/2} cos 3θ``,
    which equals ``−β`` for the stated angle. The stationarity equation ``s + βs^{2/L−1} = σ``
    multiplied by ``s^{1−2/L}`` is the polynomial in ``u = s^{1/L}``.
    """
    u, a, A, B, theta = sp.symbols("u a A B theta", positive=True)
    b = (a**2 + sigma / a) / 2
    e = (a**2 - sigma / a) / 2
    factorisation = sp.expand((u**2 + a * u + b) * (u**2 - a * u + e))
    delta_sq = sigma**4 / 4 - sp.Rational(64, 27) * beta**3
    cubic_of_sum = (A + B) ** 3 - 4 * beta * (A + B) - sigma**2
    v = 2 * sp.sqrt(sigma / 3) * sp.cos(theta)
    cos_triple = -sp.Rational(3, 2) * beta / sigma * sp.sqrt(3 / sigma)
    residuals = {
        "L3_ferrari": factorisation
        - root_polynomial(3, u)
        - (a**6 - 4 * beta * a**2 - sigma**2) / (4 * a**2),
        "L3_cardano": sp.expand(cubic_of_sum)
        - ((A**3 + B**3 - sigma**2) + (A + B) * (3 * A * B - 4 * beta)),
        "L3_radicands": (sigma**2 / 2 + sp.sqrt(delta_sq)) * (sigma**2 / 2 - sp.sqrt(delta_sq))
        - sp.Rational(64, 27) * beta**3,
        "L4_triple_angle": sp.expand(v**3 - sigma * v)
        - 2 * (sigma / 3) ** sp.Rational(3, 2) * sp.expand_trig(sp.cos(3 * theta)),
        "L4_angle": 2 * (sigma / 3) ** sp.Rational(3, 2) * cos_triple + beta,
    }
    for L in range(3, 11):
        stationarity = s + beta * s ** (sp.Integer(2) / L - 1) - sigma
        scaled = sp.expand(stationarity * s ** (1 - sp.Integer(2) / L))
        variable = s ** (sp.Rational(1, 2) if L == 4 else sp.Integer(1) / L)
        residuals[f"polynomial_L{L}"] = scaled - root_polynomial(L, u).subs(u, variable)
    return residuals


def largest_real_root(L: int, sig: sp.Rational, bet: sp.Rational, digits: int = 40) -> sp.Float:
    """``s*`` from the numeric roots of the polynomial of ``u = s^{1/L}`` (``L = 4``: of ``v``)."""
    variable = sp.Symbol("u")
    poly = sp.Poly(root_polynomial(L, variable).subs({sigma: sig, beta: bet}), variable)
    real = [r for r in poly.nroots(n=digits, maxsteps=200) if r.is_real]
    top = max(real)
    return top**2 if L == 4 else top**L


def explicit_root_function(L: int) -> Callable:
    """The explicit formula for ``L`` in ``{3, 4}`` as a numpy function of ``(σ, β)``."""
    formula = {3: explicit_root_L3, 4: explicit_root_L4}[L]()
    return sp.lambdify((sigma, beta), formula, "numpy")


# --- where τ grows with depth -----------------------------------------------------------------


def depth_growth_beta(L: int) -> sp.Rational:
    """``β_L = L^{2L(L−1)} (L−2)^{L(L−2)} / (L−1)^{(L−1)(3L−1)}`` exactly (``0⁰ = 1``)."""
    L = sp.Integer(L)
    return L ** (2 * L * (L - 1)) * (L - 2) ** (L * (L - 2)) / (L - 1) ** ((L - 1) * (3 * L - 1))


def _log_threshold(L: int) -> sp.Expr:
    """``log τ(L, β)`` (``τ(2, β) = β``), expanded into logs of integers and of ``β``."""
    tau = beta if L == 2 else threshold(L)
    return sp.expand_log(sp.log(tau), force=True)


def depth_growth_step_residual(L: int) -> sp.Expr:
    """``log τ(L+1) − log τ(L) − (log β_L − log β)/(2L(L−1))``: zero for every ``L ≥ 2``."""
    step = _log_threshold(L + 1) - _log_threshold(L)
    claimed = (sp.expand_log(sp.log(depth_growth_beta(L)), force=True) - sp.log(beta)) / (
        2 * L * (L - 1)
    )
    return sp.expand_log(step - claimed, force=True)


def depth_growth_step_identity(L: int) -> bool:
    """``τ(L+1, β) > τ(L, β) ⇔ β < β_L``, by the exact step identity."""
    return proves({"step": depth_growth_step_residual(L)})


def depth_growth_monotonicity_residuals() -> dict[str, sp.Expr]:
    """The proof that ``β_x`` increases for ``x ≥ 3`` (continuous ``x``), as exact residuals.

    ``F(x) = log β_x = 2x(x−1) log(x/(x−1)) − (x−1)² log(x−1) + x(x−2) log(x−2)`` has
    ``F'(x) = (4x−2) log(1 + 1/(x−1)) − 2(x−1) log(1 + 1/(x−2)) − 1``. With
    ``log(1 + 1/n) ≥ 2/(2n+1)`` (``q₁(y) = log((1+y)/(1−y)) − 2y`` has ``q₁(0) = 0`` and
    ``q₁' = 2y²/(1−y²) ≥ 0``; ``y = 1/(2n+1)``) and ``log(1 + x) ≤ x(2+x)/(2(1+x))`` (``q₂`` =
    right minus left has ``q₂(0) = 0`` and ``q₂' = x²/(2(1+x)²) ≥ 0``; ``x = 1/n``):
    ``F'(x) ≥ 4 − (2x−3)/(x−2) − 1 = (x−3)/(x−2) ≥ 0`` for ``x ≥ 3``, ``> 0`` for ``x > 3``.
    """
    x, y, n = sp.symbols("x y n", positive=True)
    F_prime = (4 * x - 2) * sp.log(x / (x - 1)) - 2 * (x - 1) * sp.log((x - 1) / (x - 2)) - 1
    q1 = sp.log((1 + y) / (1 - y)) - 2 * y
    q2 = y * (2 + y) / (2 * (1 + y)) - sp.log(1 + y)
    lower_first = (4 * x - 2) * 2 / (2 * (x - 1) + 1)
    upper_second = 2 * (x - 1) * (2 * (x - 2) + 1) / (2 * (x - 2) * (x - 1))
    return {
        "derivative": sp.expand_log(sp.diff(log_depth_growth_beta(x), x) - F_prime, force=True),
        "q1_at_zero": q1.subs(y, 0),
        "q1_slope": sp.diff(q1, y) - 2 * y**2 / (1 - y**2),
        "q1_argument": ((1 + y) / (1 - y)).subs(y, 1 / (2 * n + 1)) - (1 + 1 / n),
        "q2_at_zero": q2.subs(y, 0),
        "q2_slope": sp.diff(q2, y) - y**2 / (2 * (1 + y) ** 2),
        "q2_argument": (y * (2 + y) / (2 * (1 + y))).subs(y, 1 / n)
        - (2 * n + 1) / (2 * n * (n + 1)),
        "first_term_bound": lower_first - 4,
        "combined_bound": lower_first - upper_second - 1 - (x - 3) / (x - 2),
    }


def log_depth_growth_beta(x: sp.Expr) -> sp.Expr:
    """``F(x) = log β_x`` for real ``x > 2`` (the function whose monotonicity is proved)."""
    return (
        2 * x * (x - 1) * sp.log(x / (x - 1))
        - (x - 1) ** 2 * sp.log(x - 1)
        + x * (x - 2) * sp.log(x - 2)
    )
