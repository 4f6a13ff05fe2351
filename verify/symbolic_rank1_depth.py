"""Sympy proofs of the algebraic steps behind the depth-``L`` rank-1 closed forms
(:mod:`verify.rank1`; the three-layer base case is :mod:`verify.symbolic_rank1`).

Every function returns named sympy expressions that are identically zero (checked with
``sympy.simplify``, after ``powsimp(force=True)`` for the powers of positive symbols: no floating
point). The inequalities the derivation also needs — Horn's singular-value inequality with
Karamata and Hölder (the chain bound), the atom bound ``(w·p)₊ + (w·q)₊ ≤ ‖w‖‖p + q‖`` and
the power-mean inequality — are standard and stated in :mod:`verify.rank1`; they are tested
numerically in ``properties/test_relu_rank1_standard.py``.
"""

from __future__ import annotations

import sympy as sp

_POSITIVE = {"positive": True}


def _gram(name: str) -> tuple[sp.Matrix, sp.Symbol, sp.Symbol, sp.Symbol]:
    g11, g12, g22 = sp.symbols(f"{name}11 {name}12 {name}22", **_POSITIVE)
    return sp.Matrix([[g11, g12], [g12, g22]]), g11, g12, g22


def wasted_negative_part() -> dict[str, sp.Expr]:
    """A unit with pre-activations ``g = (z₁, −n)`` (``n > 0``) outputs ``z = g₊ = (z₁, 0)`` but
    costs ``gᵀG⁻¹g = zᵀG⁻¹z + (2nz₁G₁₂ + n²G₁₁)/det G``: more, as ``G₁₂ ≥ 0`` for non-negative
    streams. So the least norm that produces ``z`` is ``zᵀG⁻¹z`` (the other sign pattern is the
    same identity with the streams swapped), and ``tr(G⁻¹M) ≤ ‖W‖_F²`` for ``M = Σ z_j z_jᵀ``."""
    G, g11, g12, _ = _gram("g")
    z1, n = sp.symbols("z1 n", **_POSITIVE)
    inverse = G.inv()
    g, z = sp.Matrix([z1, -n]), sp.Matrix([z1, 0])
    excess = (g.T * inverse * g)[0] - (z.T * inverse * z)[0]
    return {"excess": excess - (2 * n * z1 * g12 + n**2 * g11) / G.det()}


def orthogonalised_target() -> dict[str, sp.Expr]:
    """``tr(M⁻¹B) = tr(M⁻¹ diag(A, C)) − 2ρM₁₂/det M``: for ``ρ = α·γ < 0`` and a last Gram matrix
    ``M`` with ``M₁₂ ≥ 0`` the output layer costs at least as much as for orthogonal labels of the
    same norms, so ``B̂ = diag(A, C)`` replaces ``B`` in the lower bound (and the diagonal chain,
    whose cost is the same for ``B`` and ``B̂``, attains it)."""
    M, _, m12, _ = _gram("m")
    A, C = sp.symbols("A C", **_POSITIVE)
    rho = sp.symbols("rho", real=True)
    B, orthogonal = sp.Matrix([[A, rho], [rho, C]]), sp.diag(A, C)
    inverse = M.inv()
    difference = (inverse * B).trace() - (inverse * orthogonal).trace()
    return {"trace": difference + 2 * rho * m12 / M.det()}


def geodesic_coefficients() -> dict[str, sp.Expr]:
    """For a 2×2 ``Z`` with eigenvalues ``λ₁ ≠ λ₂``, ``Z^θ = c₀I + c₁Z`` (Cayley–Hamilton) with
    ``c₁ = (λ₁^θ − λ₂^θ)/(λ₁ − λ₂)`` and ``c₀ = λ₁λ₂(λ₂^{θ−1} − λ₁^{θ−1})/(λ₁ − λ₂)``: both are
    ``≥ 0`` for ``θ ∈ [0, 1]`` (``λ^θ`` increases, ``λ^{θ−1}`` does not), so the geodesic point
    ``G #_θ B̂ = c₀G + c₁B̂`` is entrywise non-negative whenever ``G`` and ``B̂`` are."""
    l1, l2, theta = sp.symbols("lambda1 lambda2 theta", **_POSITIVE)
    c1 = (l1**theta - l2**theta) / (l1 - l2)
    c0 = l1 * l2 * (l2 ** (theta - 1) - l1 ** (theta - 1)) / (l1 - l2)
    return {"first": c0 + c1 * l1 - l1**theta, "second": c0 + c1 * l2 - l2**theta}


def split_spectrum() -> dict[str, sp.Expr]:
    """The spectrum of ``Z(x) = diag(x, y)^{−1/2} B̂ diag(x, y)^{−1/2}`` (``y = 1 − x``) as
    :func:`verify.rank1._split_value_and_slope` computes it: trace ``τ = A/x + C/y``, determinant
    ``δ = det B̂/(xy)``, discriminant ``τ² − 4δ = (A/x − C/y)² + 4ρ²/(xy)`` (a sum of squares), and
    ``B̂⁻¹diag(x, y)`` (affine in ``x``) has trace ``τ/δ`` and determinant ``1/δ``: its eigenvalues
    are the reciprocals of ``Z``'s, which makes ``h = tr Z^{1/m} = tr(B̂⁻¹diag(x, y))^{−1/m}``
    convex in ``x``."""
    A, C, x = sp.symbols("A C x", **_POSITIVE)
    rho = sp.symbols("rho", real=True)
    y = 1 - x
    B = sp.Matrix([[A, rho], [rho, C]])
    D = sp.diag(1 / sp.sqrt(x), 1 / sp.sqrt(y))
    Z = D * B * D
    tau, delta = A / x + C / y, (A * C - rho**2) / (x * y)
    W = B.inv() * sp.diag(x, y)
    return {
        "trace": Z.trace() - tau,
        "determinant": Z.det() - delta,
        "discriminant": tau**2 - 4 * delta - ((A / x - C / y) ** 2 + 4 * rho**2 / (x * y)),
        "reciprocal_trace": W.trace() - tau / delta,
        "reciprocal_determinant": W.det() - 1 / delta,
    }


def split_slope() -> dict[str, sp.Expr]:
    """The derivatives in :func:`verify.rank1._split_value_and_slope`: with ``ν₊ = (τ + √disc)/2``,
    ``ν₊′ = (τ′ + (2ττ′ − 4δ′)/(2√disc))/2``, where ``τ′ = −(A/x)/x + (C/y)/y`` and
    ``δ′ = δ(x − y)/(xy)``; and for ``ν₋ = δ/ν₊`` (any differentiable ``δ``, ``ν₊``),
    ``ν₋′ = (δ′ − ν₋ν₊′)/ν₊``."""
    A, C, x, rho = sp.symbols("A C x rho", **_POSITIVE)
    y = 1 - x
    tau, delta = A / x + C / y, (A * C - rho**2) / (x * y)
    root = sp.sqrt((A / x - C / y) ** 2 + 4 * rho**2 / (x * y))
    nu_hi = (tau + root) / 2
    dtau = -(A / x) / x + (C / y) / y
    ddelta = delta * (x - y) / (x * y)
    dnu_hi = (dtau + (2 * tau * dtau - 4 * ddelta) / (2 * root)) / 2
    top, bottom = sp.Function("delta")(x), sp.Function("nu")(x)
    quotient = top / bottom
    return {
        "tau": sp.diff(tau, x) - dtau,
        "delta": sp.diff(delta, x) - ddelta,
        "nu_hi": sp.diff(nu_hi, x) - dnu_hi,
        "nu_lo": sp.diff(quotient, x) - (sp.diff(top, x) - quotient * sp.diff(bottom, x)) / bottom,
    }


def orthogonal_chain() -> dict[str, sp.Expr]:
    """``ρ ≤ 0``: with ``m = L − 1``, ``‖α‖ = a^L``, ``‖γ‖ = c^L`` and ``B̂ = diag(a^{2L}, c^{2L})``,
    ``h(x) = (A/x)^{1/m} + (C/y)^{1/m}`` is stationary at ``x = a²/(a² + c²)``, where
    ``h = (a² + c²)^{L/m}`` and ``h^{m/2} = (a² + c²)^{L/2} = ℓ_{2/L}(‖α‖, ‖γ‖)`` (``h`` is convex,
    so that is the minimum). Symbolic in ``L``."""
    a, c, m, x = sp.symbols("a c m x", **_POSITIVE)
    A, C = a ** (2 * m + 2), c ** (2 * m + 2)
    h = (A / x) ** (1 / m) + (C / (1 - x)) ** (1 / m)
    at = {x: a**2 / (a**2 + c**2)}

    def clean(expr: sp.Expr) -> sp.Expr:
        return sp.powsimp(
            sp.powdenest(sp.expand_power_base(expr, force=True), force=True), force=True
        )

    return {
        "stationary": clean(sp.diff(h, x).subs(at)),
        "value": clean(sp.factor(A / at[x]) ** (1 / m) + sp.factor(C / (1 - at[x])) ** (1 / m))
        - (a**2 + c**2) ** ((m + 1) / m),
        "power": clean(((a**2 + c**2) ** ((m + 1) / m)) ** (m / 2))
        - (a**2 + c**2) ** ((m + 1) / 2),
    }


def chain_balance() -> dict[str, sp.Expr]:
    """The scaling of :func:`verify.rank1.gram_chain`: with ``τ = h`` the trace of one geodesic
    step, ``G_l = (t²/τ)^{l−1}P_{l−1}`` spends ``(t²/τ)τ = t²`` per constrained layer, and
    ``G_{L−1} = (t²/τ)^{(L−3)/2}P_{L−2}`` makes the last two traces equal,
    ``a = b = τ^{(L−1)/2}/t^{L−3}``: the cost ``½(a + b)`` is the chain bound."""
    tau, t, L = sp.symbols("tau t L", **_POSITIVE)
    before = (t**2 / tau) ** (L - 3)
    last = (t**2 / tau) ** ((L - 3) / 2)
    a = last / before * tau
    b = tau / last
    goal = tau ** ((L - 1) / 2) / t ** (L - 3)
    return {
        "step": (t**2 / tau) * tau - t**2,
        "balanced": sp.powsimp(a - b, force=True),
        "value": sp.powsimp(sp.expand_power_base(b - goal, force=True), force=True),
    }


def three_layer_case() -> dict[str, sp.Expr]:
    """At ``L = 3`` (``m = 2``), ``h(x)² = (tr Z^{1/2})² = τ + 2√δ = A/x + C/y + 2Δ/√(xy)``, which
    at ``x = 1/(1 + τ₀²)`` (``τ₀ = r₂/r₁``) is the ``f(τ₀) = (1 + τ₀²)(A + C/τ₀² + 2Δ/τ₀)`` of
    :func:`verify.symbolic_rank1.vector_stationarity`: the general form reduces to the quartic."""
    A, C, delta, tau0 = sp.symbols("A C Delta tau0", **_POSITIVE)
    x = 1 / (1 + tau0**2)
    y = 1 - x
    h_squared = A / x + C / y + 2 * delta / sp.sqrt(x * y)
    f = (1 + tau0**2) * (A + C / tau0**2 + 2 * delta / tau0)
    return {"quartic_objective": h_squared - f}


def depth_ratio() -> dict[str, sp.Expr]:
    """The lower bound on ``P_L/D_L``: ``det Z = det B̂/(x(1 − x))`` and
    ``1/(x(1 − x)) − 4 = (1 − 2x)²/(x(1 − x)) ≥ 0``; and the worst case ``α = −γ``:
    ``ℓ_{2/L}(1, 1)/ℓ₁(1, 1) = 2^{L/2}/2 = 2^{(L−2)/2}``."""
    x, L = sp.symbols("x L", **_POSITIVE)
    worst = (1 + 1) ** (L / 2) / 2
    return {
        "split": 1 / (x * (1 - x)) - 4 - (1 - 2 * x) ** 2 / (x * (1 - x)),
        "worst_case": sp.powsimp(worst - 2 ** ((L - 2) / 2), force=True),
    }


def all_identities() -> dict[str, sp.Expr]:
    """Every identity above, keyed ``group.name``; each must simplify to zero."""
    groups = {
        "negative_part": wasted_negative_part,
        "target": orthogonalised_target,
        "geodesic": geodesic_coefficients,
        "spectrum": split_spectrum,
        "slope": split_slope,
        "orthogonal": orthogonal_chain,
        "balance": chain_balance,
        "three_layer": three_layer_case,
        "ratio": depth_ratio,
    }
    return {
        f"{group}.{name}": expr for group, make in groups.items() for name, expr in make().items()
    }


def verify_all() -> dict[str, bool]:
    """``{identity: simplifies to 0}`` for :func:`all_identities`."""
    return {name: sp.simplify(expr) == 0 for name, expr in all_identities().items()}
