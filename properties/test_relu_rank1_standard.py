"""C6 ``relu-rank1-standard``: exact P_L(t), D_L(t) on rank-1 data at every depth L ≥ 3, and
exactly where P = D.

Every closed form is compared with a computation that does not use it: at L = 3 a convex program
for the two-column gauge and a grid over the first-layer split; at every depth a multi-start
optimisation over the Gram matrices of the two streams (the reduced problem, with the true label
Gram matrix), a grid over the split with an independent eigenvalue routine, random networks (each
is feasible for its own labels, so none may cost less than the closed form), random Gram chains
(the chain inequality), sampled deep first layers (the dual constraint), and local search on the
standard network.
"""

from __future__ import annotations

import itertools
import math

import cvxpy as cp
import mpmath as mp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import minimize, minimize_scalar

from properties.profile import examples
from properties.strategies import ZERO_GAP, log_uniform, rank1_instances, whitened_instances
from verify.claims import Budget, get
from verify.claims.relu_rank1_standard import ANCHOR, CLAIM, COUNTEREXAMPLE, MAX_DEPTH
from verify.convex import solve_program
from verify.instances import Instance, InstanceError
from verify.linalg import schatten_quasi_norm
from verify.networks import Network, primal_certificate
from verify.rank1 import (
    completely_positive_factor,
    dual_constraint,
    dual_point,
    dual_value,
    factor_rank1,
    gram_chain,
    largest_ratio,
    parallel_network,
    parallel_value,
    primal_bracket,
    primal_network,
    primal_value,
    rank1_data,
    reduced_problem,
    rounding_sensitivity,
    silence_zero_sides,
    target_gram,
    zero_gap,
)
from verify.rank1_bounds import (
    certified_bounds,
    dual_enclosure,
    dual_point_lower_bound,
    network_upper_bound,
    parallel_upper_bound,
    primal_enclosure,
)
from verify.result import FAILS, HOLDS, INCONCLUSIVE, INFEASIBLE, judge
from verify.symbolic_rank1 import sqrt2_cofactor
from verify.symbolic_rank1 import verify_all as verify_three_layer
from verify.symbolic_rank1_depth import verify_all as verify_depth
from verify.whitened import orientation, whitened_gap_bounds

#: a light search for the generated-instance properties (the pinned examples use the default)
QUICK = Budget(seed=0, restarts=2, max_iter=400)
EXACT = 1e-12
DEPTHS = st.integers(3, 5)


def relu(Z: np.ndarray) -> np.ndarray:
    return np.maximum(Z, 0.0)


def random_network(rng: np.random.Generator, d: int, K: int, L: int = 3) -> Network:
    widths = [d] + [int(rng.integers(1, 5)) for _ in range(L - 1)] + [K]
    return Network(tuple(rng.standard_normal((widths[i], widths[i + 1])) for i in range(L)), "relu")


@st.composite
def label_pairs(draw: st.DrawFn, K: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``(α, γ)`` of sizes in ``[0.1, 10]``: at an angle in ``[0.3, π]`` (scalar: opposite
    signs), or aligned along a coordinate axis (exactly, in floating point), or ``γ = 0``."""
    K = K if K is not None else draw(st.integers(1, 3))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    kind = draw(st.sampled_from(["angle", "aligned", "one side"]))
    p, q = draw(log_uniform(0.1, 10.0)), draw(log_uniform(0.1, 10.0))
    if kind != "angle":
        axis = np.eye(K)[draw(st.integers(0, K - 1))] * draw(st.sampled_from([1.0, -1.0]))
        return p * axis, (0.0 if kind == "one side" else q) * axis
    frame = np.linalg.qr(rng.standard_normal((max(K, 2), 2)))[0][:K]
    angle = draw(st.floats(0.3, math.pi)) if K > 1 else math.pi
    return p * frame[:, 0], q * (np.cos(angle) * frame[:, 0] + np.sin(angle) * frame[:, 1])


# --- the reduction lemma ------------------------------------------------------------------------


@settings(deadline=None)
@given(rank1_instances(depths=DEPTHS), st.integers(0, 2**32 - 1))
def test_network_output_has_the_two_sided_form(instance: Instance, seed: int) -> None:
    """Any ReLU network of any depth: ``(XW₁)₊ = c₊b₊ᵀ + c₋b₋ᵀ`` and
    ``f(X) = c₊f(a)ᵀ + c₋f(−a)ᵀ`` (positive homogeneity), computed on the raw rows."""
    rng = np.random.default_rng(seed)
    c, a = factor_rank1(instance.X)
    net = random_network(rng, instance.d, instance.K, instance.L)
    b = net.weights[0].T @ a
    first = relu(instance.X @ net.weights[0])
    assert np.allclose(first, np.outer(relu(c), relu(b)) + np.outer(relu(-c), relu(-b)))
    f_a, f_minus_a = net.forward(a[None, :])[0], net.forward(-a[None, :])[0]
    expected = np.outer(relu(c), f_a) + np.outer(relu(-c), f_minus_a)
    assert np.allclose(net.forward(instance.X), expected, atol=1e-12 * (1 + np.abs(expected).max()))


@settings(deadline=None)
@given(rank1_instances(depths=DEPTHS), st.integers(0, 2**32 - 1))
def test_reduced_problem_and_silencing_preserve_outputs(instance: Instance, seed: int) -> None:
    """A network fitting the reduced rows, silenced, outputs ``Y`` on ``X`` at no higher cost."""
    rng = np.random.default_rng(seed)
    data = rank1_data(instance.X, instance.Y)
    Xr, Yr = reduced_problem(data)
    net = random_network(rng, instance.d, instance.K, instance.L)
    quiet = silence_zero_sides(net, data)
    assert np.linalg.norm(quiet.weights[0]) <= np.linalg.norm(net.weights[0]) * (1 + 1e-12)
    if Xr.shape[0]:
        assert np.allclose(quiet.forward(Xr), net.forward(Xr))
        # The optimal network for (X, Y) fits the reduced rows too.
        optimal = primal_network(data, instance.L, instance.t)
        assert np.allclose(optimal.forward(Xr), Yr, atol=1e-10 * max(1.0, np.abs(Yr).max()))
    # On X, every side the reduction dropped outputs 0 (up to rounding in W₁ᵀa).
    out = quiet.forward(instance.X)
    scale = np.prod([np.linalg.norm(W) for W in net.weights]) * np.linalg.norm(instance.X)
    for part, target in ((relu(data.c), data.alpha), (relu(-data.c), data.gamma)):
        if not np.any(target) and np.any(part):
            assert np.abs(out[part > 0]).max() <= 1e-14 * scale


def stream_grams(net: Network, a: np.ndarray) -> list[np.ndarray]:
    """The Gram matrices ``G_l`` of the streams ``[p_l q_l]`` (activations on ``a``, ``−a``)."""
    H, grams = np.vstack([a, -a]), []
    for W in net.weights[:-1]:
        H = relu(H @ W)
        grams.append(H @ H.T)
    return grams


@settings(deadline=None)
@given(st.integers(3, 6), st.integers(0, 2**32 - 1))
def test_every_layer_spends_at_least_the_trace_of_its_gram_step(L: int, seed: int) -> None:
    """Random networks: ``G₁`` is diagonal with trace ``≤ ‖W₁ᵀa‖²``, and every later layer has
    ``tr(G_{l−1}⁻¹G_l) ≤ ‖W_l‖_F²`` (negative pre-activations are wasted norm)."""
    rng = np.random.default_rng(seed)
    a = rng.standard_normal(3)
    net = random_network(rng, 3, 2, L)
    grams = stream_grams(net, a)
    assert grams[0][0, 1] == 0.0
    assert np.trace(grams[0]) <= np.linalg.norm(net.weights[0].T @ a) ** 2 * (1 + 1e-12)
    for previous, gram, W in zip(grams, grams[1:], net.weights[1:], strict=False):
        if np.linalg.det(previous) > 1e-10 * np.trace(previous) ** 2:
            spent = np.trace(np.linalg.solve(previous, gram))
            assert spent <= np.linalg.norm(W) ** 2 * (1 + 1e-9)


@settings(deadline=None)
@given(st.integers(3, 7), st.integers(0, 2**32 - 1))
def test_chain_inequality_on_random_gram_chains(L: int, seed: int) -> None:
    """Horn, Karamata and Hölder: for positive definite ``G₁ … G_{L−1}`` and PSD ``B``,
    ``(Σ_j ν_j^{1/m})^m ≤ Π_i tr(G_{i−1}⁻¹G_i) · tr(G_{L−1}⁻¹B)``, ``ν`` the eigenvalues of
    ``G₁⁻¹B``, ``m = L − 1``."""
    rng = np.random.default_rng(seed)

    def spd() -> np.ndarray:
        F = rng.standard_normal((2, 2))
        return F @ F.T + 1e-3 * np.eye(2)

    chain, B = [spd() for _ in range(L - 1)], spd()
    m = L - 1
    nu = np.linalg.eigvals(np.linalg.solve(chain[0], B)).real
    left = float(np.sum(np.maximum(nu, 0.0) ** (1 / m))) ** m
    steps = [*itertools.pairwise(chain), (chain[-1], B)]
    right = math.prod(float(np.trace(np.linalg.solve(G, H))) for G, H in steps)
    assert left <= right * (1 + 1e-9)


@settings(max_examples=examples(30), deadline=None)
@given(st.integers(3, 6), st.integers(0, 2**32 - 1), log_uniform(1 / 3, 3.0))
def test_random_networks_never_cost_less_than_the_closed_form(L: int, seed: int, t: float) -> None:
    """Every network interpolates its own labels ``α = f(a)``, ``γ = f(−a)``: with its first
    ``L − 2`` layers scaled to ``‖W_l‖_F ≤ t``, its cost is at least ``P_L(t)`` for those labels."""
    rng = np.random.default_rng(seed)
    a = rng.standard_normal(2)
    net = random_network(rng, 2, int(rng.integers(1, 4)), L)
    weights = [W * t * rng.uniform(0.5, 1.0) / np.linalg.norm(W) for W in net.weights[: L - 2]]
    net = Network((*weights, *net.weights[L - 2 :]), "relu")
    alpha, gamma = net.forward(a[None, :])[0], net.forward(-a[None, :])[0]
    if not (np.any(alpha) or np.any(gamma)):
        return
    X = np.vstack([a, -a])
    data = rank1_data(X, np.vstack([alpha, gamma]))
    value = primal_value(data.alpha, data.gamma, data.atom_radius(L, t), L)
    cost = 0.5 * sum(float(np.sum(W * W)) for W in net.weights[-2:])
    slack = max(1e-9, 10 * rounding_sensitivity(data.alpha, data.gamma, L))
    assert cost >= value * (1 - slack)
    # The certified version, without any slack: the network with its last layer refit exactly
    # to the reduced labels never costs less than the certified lower end.
    witness = network_upper_bound(net, data, L, t)
    if witness is not None:
        assert witness >= primal_enclosure(data, L, t)[0]


# --- closed forms against independent computations ----------------------------------------------


def reference_primal(alpha: np.ndarray, gamma: np.ndarray, L: int) -> mp.mpf:
    """``F_L(α, γ)`` at 50 digits with mpmath, from the exact floats: the closed forms, or the
    minimum of ``h(x)^{m/2}`` by golden-section search over the logit of ``x`` (200 steps)."""
    with mp.workdps(50):
        al, ga = [mp.mpf(float(v)) for v in alpha], [mp.mpf(float(v)) for v in gamma]
        A, C = mp.fsum(v * v for v in al), mp.fsum(v * v for v in ga)
        rho = mp.fsum(u * v for u, v in zip(al, ga, strict=True))
        det = A * C - rho * rho
        if A == 0 or C == 0 or rho <= 0:
            return (A ** (mp.mpf(1) / L) + C ** (mp.mpf(1) / L)) ** (mp.mpf(L) / 2)
        if det == 0:
            return mp.sqrt(A) + mp.sqrt(C)
        m = L - 1

        def h(x):
            a, c, off = A / x, C / (1 - x), rho / mp.sqrt(x * (1 - x))
            root = mp.sqrt((a - c) ** 2 + 4 * off**2)
            return ((a + c + root) / 2) ** (mp.mpf(1) / m) + ((a + c - root) / 2) ** (mp.mpf(1) / m)

        def at(u):
            return h(1 / (1 + mp.exp(-u)))

        lo, hi, ratio = mp.mpf(-60), mp.mpf(60), (mp.sqrt(5) - 1) / 2
        for _ in range(200):
            left, right = hi - ratio * (hi - lo), lo + ratio * (hi - lo)
            if at(left) <= at(right):
                hi = right
            else:
                lo = left
        return at((lo + hi) / 2) ** (mp.mpf(m) / 2)


@settings(max_examples=examples(10), deadline=None)
@given(label_pairs(), st.integers(3, 8))
def test_enclosures_contain_fifty_digit_values(labels, L: int) -> None:
    """The certified enclosure of ``F_L`` contains mpmath's 50-digit value and is a few ulps
    wide; likewise ``D_L``, and the explicit witnesses sit inside the intervals they bound."""
    alpha, gamma = labels
    lo, hi = primal_bracket(alpha, gamma, L)
    reference = reference_primal(alpha, gamma, L)
    assert mp.mpf(lo) <= reference <= mp.mpf(hi)
    assert hi <= lo * (1 + 4e-15)
    # the same through the reduction of X = [2; −1]·(0.6, 0.8), whose floats are rounded
    data = rank1_data(np.outer([2.0, -1.0], [0.6, 0.8]), np.vstack([2 * alpha, gamma]))
    P_lo, P_hi = primal_enclosure(data, L, 0.75)
    D_lo, D_hi = dual_enclosure(data, L, 0.75)
    with mp.workdps(50):

        def norm(v: np.ndarray) -> mp.mpf:
            return mp.sqrt(mp.fsum(mp.mpf(float(x)) ** 2 for x in v))

        sigma = norm(data.a) * mp.mpf(0.75) ** (L - 2)
        assert mp.mpf(D_lo) <= (norm(data.alpha) + norm(data.gamma)) / sigma <= mp.mpf(D_hi)
        P = reference_primal(data.alpha, data.gamma, L) / sigma
        assert mp.mpf(P_lo) <= P <= mp.mpf(P_hi)
    value, constraint = dual_point_lower_bound(data, L, 0.75)
    assert value <= D_hi and value >= D_lo * (1 - 1e-14) and constraint <= 1 + 1e-14
    parallel = parallel_upper_bound(data, L, 0.75)
    assert parallel >= D_lo and parallel <= D_hi * (1 + 1e-14)


def gauge(M: np.ndarray) -> float:
    """The two-column gauge of the three-layer case (independent of :mod:`verify.rank1`):
    ``‖m₁‖ + ‖m₂‖`` if ``m₁·m₂ < 0``, else ``‖M‖_*``."""
    m1, m2 = M[:, 0], M[:, 1]
    if float(m1 @ m2) < 0.0:
        return float(np.linalg.norm(m1) + np.linalg.norm(m2))
    return float(np.sum(np.linalg.svd(M, compute_uv=False)))


def gauge_program(M: np.ndarray, directions: int = 361) -> float:
    """``min Σ‖ρ_k‖`` s.t. ``Σ ρ_k ζ_kᵀ = M`` over unit ``ζ_k`` on a grid of the quarter circle
    (an upper bound on the gauge that converges as the grid refines)."""
    angles = np.linspace(0.0, np.pi / 2, directions)
    Z = np.column_stack([np.cos(angles), np.sin(angles)])
    rho = cp.Variable((M.shape[0], directions))
    problem = cp.Problem(cp.Minimize(cp.sum(cp.norm(rho, axis=0))), [rho @ Z == M])
    solve_program(problem, "CLARABEL")
    return float(problem.value)


@pytest.mark.parametrize(
    "M",
    [
        np.array([[1.0, -2.0]]),
        np.array([[1.0, 2.0]]),
        np.array([[1.0, 0.3], [0.2, 1.0]]),
        np.array([[1.0, -0.3], [0.2, 1.0], [0.5, 0.5]]),
        np.array([[2.0, 0.0], [0.0, 1.0]]),
    ],
)
def test_three_layer_gauge_matches_a_convex_program(M: np.ndarray) -> None:
    """The last two layers on orthogonal streams (L = 3): the gauge's closed form vs a
    discretised group lasso (Clarabel)."""
    value = gauge(M)
    program = gauge_program(M)
    assert value <= program + 1e-7
    assert program - value <= 1e-4 * value


def brute_force_three_layer(alpha: np.ndarray, gamma: np.ndarray, s: float) -> float:
    """``min_θ G([α/(s cos θ), γ/(s sin θ)])`` on a 4001-point grid, refined by bounded search."""
    if not np.any(alpha) or not np.any(gamma):
        return (np.linalg.norm(alpha) + np.linalg.norm(gamma)) / s

    def objective(theta: float) -> float:
        return gauge(np.column_stack([alpha / (s * np.cos(theta)), gamma / (s * np.sin(theta))]))

    grid = np.linspace(1e-6, np.pi / 2 - 1e-6, 4001)
    values = [objective(theta) for theta in grid]
    k = int(np.argmin(values))
    lo, hi = grid[max(k - 1, 0)], grid[min(k + 1, grid.size - 1)]
    refined = minimize_scalar(objective, bounds=(lo, hi), method="bounded",
                              options={"xatol": 1e-13})  # fmt: skip
    return min(min(values), float(refined.fun))


@settings(max_examples=examples(8), deadline=None)  # 4001-point grid per example
@given(rank1_instances())
def test_three_layer_closed_form_matches_brute_force(instance: Instance) -> None:
    data = rank1_data(instance.X, instance.Y)
    s = data.radius(instance.t)
    closed = primal_value(data.alpha, data.gamma, s, 3)
    brute = brute_force_three_layer(data.alpha, data.gamma, s)
    assert closed <= brute * (1 + 1e-12)
    assert brute - closed <= 1e-9 * max(1.0, closed)


def quartic_value(alpha: np.ndarray, gamma: np.ndarray) -> float:
    """The three-layer value for ``α·γ > 0``, ``α ∦ γ``: ``√f(τ)`` at the positive root of
    ``Aτ⁴ + Δτ³ − Δτ − C`` (:mod:`verify.symbolic_rank1`), by numpy's polynomial roots."""
    A, C = float(alpha @ alpha), float(gamma @ gamma)
    delta = math.sqrt(max(A * C - float(alpha @ gamma) ** 2, 0.0))
    roots = np.roots([A, delta, 0.0, -delta, -C])
    tau = max(r.real for r in roots if abs(r.imag) < 1e-9 and r.real > 0)
    return math.sqrt((1 + tau * tau) * (A + C / tau**2 + 2 * delta / tau))


@given(label_pairs(K=2))
def test_depth_three_is_the_quartic(labels: tuple[np.ndarray, np.ndarray]) -> None:
    """The general formula at L = 3 is the three-layer quartic closed form."""
    alpha, gamma = labels
    if float(alpha @ gamma) <= 0 or zero_gap(alpha, gamma, 3):
        return  # closed forms without a quartic
    _, hi = primal_bracket(alpha, gamma, 3)
    assert math.isclose(hi, quartic_value(alpha, gamma), rel_tol=1e-12)


def split_grid_minimum(alpha: np.ndarray, gamma: np.ndarray, L: int) -> float:
    """``min_x (Σ ν(x)^{1/m})^{m/2}`` by numpy's eigenvalues of ``G⁻¹B̂`` on a grid of the
    first-layer split, refined by bounded search (no interval arithmetic, no derivative)."""
    B, m = target_gram(alpha, gamma), L - 1

    def objective(x: float) -> float:
        values = np.linalg.eigvals(np.diag([1 / x, 1 / (1 - x)]) @ B).real
        return float(np.sum(np.maximum(values, 0.0) ** (1 / m))) ** (m / 2)

    grid = np.linspace(1e-6, 1 - 1e-6, 2001)
    values = [objective(x) for x in grid]
    k = int(np.argmin(values))
    refined = minimize_scalar(objective, bounds=(grid[max(k - 1, 0)], grid[min(k + 1, 2000)]),
                              method="bounded", options={"xatol": 1e-14})  # fmt: skip
    return min(min(values), float(refined.fun))


@settings(max_examples=examples(15), deadline=None)
@given(label_pairs(), st.integers(3, 9))
def test_split_minimum_matches_a_grid(labels: tuple[np.ndarray, np.ndarray], L: int) -> None:
    """The certified enclosure of ``F_L`` contains (to rounding) the grid-and-refine minimum."""
    alpha, gamma = labels
    lo, hi = primal_bracket(alpha, gamma, L)
    assert lo <= hi <= lo * (1 + 1e-14)
    if zero_gap(alpha, gamma, L):
        # γ = 0: the minimum sits at x = 1, outside the grid's domain; aligned: B̂ is singular
        # and the eigensolver's rounding-level ν₋, raised to 1/m, would swamp the comparison.
        return
    brute = split_grid_minimum(alpha, gamma, L)
    assert lo <= brute * (1 + 1e-12)
    assert brute <= hi * (1 + 1e-9)


def chain_cost(params: np.ndarray, B: np.ndarray, L: int) -> float:
    """Cost of a network given by its stream Gram matrices (``s = t = 1``): ``G₁ = diag(x, 1 − x)``,
    then completely positive ``M_l = Z_lᵀZ_l`` (``Z_l`` entrywise squares), each constrained step
    scaled to spend exactly 1, and the balanced last two layers ``√(tr(G⁻¹M) tr(M⁻¹B))`` with the
    *true* label Gram matrix ``B``."""
    x = 1 / (1 + math.exp(-params[0]))
    G = np.diag([x, 1 - x])
    factors = params[1:].reshape(L - 2, 2, 2) ** 2
    for Z in factors[:-1]:
        M = Z.T @ Z
        G = M / np.trace(np.linalg.solve(G, M))
    M = factors[-1].T @ factors[-1]
    value = math.sqrt(np.trace(np.linalg.solve(G, M)) * np.trace(np.linalg.solve(M, B)))
    return value if math.isfinite(value) else 1e300


def chain_optimum(alpha: np.ndarray, gamma: np.ndarray, L: int, starts: int, seed: int) -> float:
    """Multi-start BFGS over the reduced problem's Gram matrices: an upper bound on ``F_L`` that
    never uses the geodesic, the chain inequality or the orthogonalised target."""
    T = np.column_stack([alpha, gamma])
    B, rng, best = T.T @ T, np.random.default_rng(seed), math.inf
    for _ in range(starts):
        start = np.concatenate([[rng.normal()], rng.uniform(0.2, 1.2, 4 * (L - 2))])
        found = minimize(chain_cost, start, args=(B, L), method="BFGS", options={"gtol": 1e-12})
        best = min(best, float(found.fun))
    return best


@settings(max_examples=examples(3), deadline=None)
@given(label_pairs(K=2), st.sampled_from([4, 5]), st.integers(0, 2**32 - 1))
def test_depth_closed_form_matches_the_gram_chain_optimum(labels, L: int, seed: int) -> None:
    """L = 4, 5: optimising directly over the streams' Gram matrices never beats the closed form
    and reaches it."""
    alpha, gamma = labels
    if not np.any(gamma) or float(alpha @ gamma) == float(np.linalg.norm(alpha)) * float(
        np.linalg.norm(gamma)
    ):
        return  # aligned or one-sided: the optimum is a singular limit (checked elsewhere)
    lo, hi = primal_bracket(alpha, gamma, L)
    found = chain_optimum(alpha, gamma, L, starts=4, seed=seed)
    assert found >= lo * (1 - 1e-12)
    assert found <= hi * (1 + 1e-8)


@settings(max_examples=examples(10), deadline=None)  # 300 sampled constraints per example
@given(rank1_instances(depths=DEPTHS), st.integers(0, 2**32 - 1))
def test_dual_point_is_feasible_on_the_unreduced_constraint(instance: Instance, seed: int) -> None:
    """Random feasible first ``L − 2`` layers and units never violate the constraint the
    reduction computes exactly, and come close to it; the dual point's value is ``D_L``."""
    rng = np.random.default_rng(seed)
    data = rank1_data(instance.X, instance.Y)
    L, t = instance.L, instance.t
    Lam = dual_point(data, L, t)
    exact = dual_constraint(Lam, data, L, t)
    sampled = 0.0
    for _ in range(300):
        net = random_network(rng, instance.d, 1, L)
        features = instance.X
        for W in net.weights[: L - 2]:
            features = relu(features @ (W * t / np.linalg.norm(W)))
        w = net.weights[L - 2][:, 0]
        z = relu(features @ (w / np.linalg.norm(w)))
        sampled = max(sampled, float(np.linalg.norm(Lam.T @ z)))
    assert sampled <= exact * (1 + 1e-12) + 1e-15
    if np.any(instance.Y):
        assert exact <= 1 + 1e-12
        value = float(np.sum(Lam * instance.Y))
        assert math.isclose(value, parallel_value(data, L, t), rel_tol=1e-12)
    if np.any(instance.Y) and L == 3:
        assert sampled >= 0.5 * exact


@settings(deadline=None)
@given(rank1_instances(depths=st.integers(2, 6)))
def test_parallel_network_attains_the_dual_value(instance: Instance) -> None:
    """For C5: the two-branch parallel network interpolates with cost ``D_L`` at every depth
    ``L ≥ 2`` (at ``L = 2`` it is a two-layer network), recomputed from its weights."""
    data = rank1_data(instance.X, instance.Y)
    L, t = instance.L, instance.t
    network = parallel_network(data, L, t)
    bound = primal_certificate(instance.X, instance.Y, network, "t", t=t, how="test")
    assert bound.residual <= 1e-12
    assert math.isclose(bound.value, parallel_value(data, L, t), rel_tol=1e-12, abs_tol=1e-300)
    assert all(branch.depth == L for branch in network.branches)


@settings(max_examples=examples(10), deadline=None)
@given(rank1_instances(depths=st.integers(3, 8)))
def test_explicit_network_realises_the_gram_chain(instance: Instance) -> None:
    """The explicit network has width 2, constrained layers of norm exactly ``t``, the Gram
    matrices of :func:`gram_chain`, and cost ``P_L`` (recomputed)."""
    data = rank1_data(instance.X, instance.Y)
    L, t = instance.L, instance.t
    network = primal_network(data, L, t)
    bound = primal_certificate(instance.X, instance.Y, network, "t", t=t, how="test")
    P = primal_value(data.alpha, data.gamma, data.atom_radius(L, t), L)
    assert bound.residual <= 1e-12
    assert math.isclose(bound.value, P, rel_tol=1e-11, abs_tol=1e-300)
    if np.any(instance.Y):
        for W in network.weights[: L - 2]:
            assert math.isclose(float(np.linalg.norm(W)), t, rel_tol=1e-12)
        chain = gram_chain(data.alpha, data.gamma, L, data.radius(t), t)
        grams = stream_grams(network, data.a)
        for (expected, det), gram in zip(chain, grams, strict=True):
            assert np.allclose(gram, expected, rtol=1e-9, atol=1e-12 * np.abs(expected).max())
            factor = completely_positive_factor(expected, det)
            assert np.all(factor >= 0) and np.allclose(factor.T @ factor, expected, rtol=1e-9)


# --- depth: the ratio P_L / D_L -----------------------------------------------------------------


@settings(max_examples=examples(20), deadline=None)
@given(label_pairs())
def test_ratio_grows_geometrically_with_depth(labels: tuple[np.ndarray, np.ndarray]) -> None:
    """Off the condition, ``P_L/D_L`` is strictly increasing in ``L``, within
    ``[2^{L/2}(det B̂)^{1/4}/ℓ₁, 2^{(L−2)/2}]``, and ``2^{−L/2}P_L/D_L`` falls to
    ``(det B̂)^{1/4}/ℓ₁``; on it the ratio is 1 at every depth."""
    alpha, gamma = labels
    l1 = float(np.linalg.norm(alpha)) + float(np.linalg.norm(gamma))
    kappa = max(float(np.linalg.det(target_gram(alpha, gamma))), 0.0) ** 0.25 / l1
    ratios = [primal_bracket(alpha, gamma, L)[1] / l1 for L in range(3, 13)]
    if zero_gap(alpha, gamma, 3):
        assert all(math.isclose(r, 1.0, rel_tol=EXACT) for r in ratios)
        return
    assert all(later > earlier * (1 + 1e-9) for earlier, later in itertools.pairwise(ratios))
    for L, ratio in zip(range(3, 13), ratios, strict=True):
        assert 2 ** (L / 2) * kappa * (1 - EXACT) <= ratio <= largest_ratio(L) * (1 + EXACT)
    scaled = [r / 2 ** (L / 2) for L, r in zip(range(3, 13), ratios, strict=True)]
    assert all(later <= earlier * (1 + EXACT) for earlier, later in itertools.pairwise(scaled))
    # The excess over the limit falls like 1/L (power means approach the geometric mean).
    deep, deeper = (primal_bracket(alpha, gamma, L)[1] / l1 / 2 ** (L / 2) for L in (60, 240))
    assert kappa * (1 - EXACT) <= deeper <= kappa * 1.05
    assert deeper - kappa <= 0.3 * (deep - kappa) + EXACT * kappa


def test_ratio_bound_is_attained_at_opposite_labels() -> None:
    """``α = −γ``: ``P_L/D_L = 2^{(L−2)/2}`` exactly, at every depth."""
    for L in range(3, 21):
        _, hi = primal_bracket(np.array([1.0, 2.0]), np.array([-1.0, -2.0]), L)
        assert math.isclose(hi / (2 * math.sqrt(5)), largest_ratio(L), rel_tol=1e-13)


@settings(max_examples=examples(30), deadline=None)
@given(label_pairs(), st.integers(3, 12))
def test_zero_gap_condition_is_exact_at_every_depth(labels, L: int) -> None:
    """``P_L = D_L`` when ``α·γ = ‖α‖‖γ‖`` (the enclosure of ``P_L`` contains ``D_L`` and is
    rounding-tight), otherwise a gap of at least 1e-3 relative with these label ranges; the
    condition agrees."""
    alpha, gamma = labels
    lo, hi = primal_bracket(alpha, gamma, L)
    D = dual_value(alpha, gamma, 1.0)
    if zero_gap(alpha, gamma, L):
        assert lo <= D * (1 + 1e-15) and D <= hi * (1 + 1e-15) and hi <= lo * (1 + 1e-15)
    else:
        assert lo > D * (1 + 1e-3)


# --- the claim on generated instances -----------------------------------------------------------


@settings(max_examples=examples(10), deadline=None)  # a full check with search per example
@given(rank1_instances(depths=DEPTHS))
def test_check_is_exact_and_the_condition_predicts_the_gap(instance: Instance) -> None:
    """Verdict ``holds`` (the statement that holds) with every interval pinned; the zero-gap
    condition — on ``(α, γ)`` and, equivalently, on the label rows — agrees with the certified
    gap and with the side the strategy drew; ``D ≤ P ≤ 2^{(L−2)/2}·D``; search never beats ``P``."""
    result = CLAIM.check(instance, QUICK)
    assert result.verdict == HOLDS, result.details
    tol = result.tolerance
    gap_lo, gap_hi = result.intervals["gap"]
    P, D = result.predicted["primal"], result.predicted["dual"]
    data = rank1_data(instance.X, instance.Y)
    condition = zero_gap(data.alpha, data.gamma, instance.L, tol)
    Y = instance.Y
    rows_aligned = np.linalg.matrix_rank(Y, tol=1e-9 * max(1.0, np.abs(Y).max())) <= 1 and bool(
        np.all(Y @ Y.T >= -1e-12 * max(1.0, np.abs(Y).max()) ** 2)
    )
    assert condition == rows_aligned
    assert condition == instance.label.endswith(ZERO_GAP)
    assert result.extra["zero_gap_condition"] == condition
    if condition:
        assert abs(gap_hi) <= tol * max(1.0, P) and result.extra["abstract_reading"] == HOLDS
    else:
        assert gap_lo > 1e-4 * D and result.extra["abstract_reading"] == FAILS
    assert D * (1 - EXACT) <= P <= largest_ratio(instance.L) * D * (1 + EXACT)
    search = result.extra["search"]
    if search["best"] is not None:
        assert search["best"] >= P * (1 - tol)


@pytest.mark.parametrize(
    "label",
    [
        "minimal counterexample",
        "same-sign labels",
        "acute vector sides",
        "anchor, L = 4",
        "acute vector sides, L = 4",
        "orthogonal vector sides, L = 5",
    ],
)
def test_search_reaches_the_closed_form(label: str) -> None:
    """Seeded starts on the standard network reach ``P`` (gap and zero-gap sides, scalar and
    vector outputs, L = 3, 4, 5) and never go below it."""
    instance = next(e.instance for e in CLAIM.pinned_examples() if e.instance.label == label)
    result = CLAIM.check(instance, Budget(seed=0, restarts=6))
    search = result.extra["search"]
    assert search["reached"], search
    assert search["best"] >= result.predicted["primal"] * (1 - result.tolerance)


# --- pinned examples, the counterexample and negative controls ----------------------------------


def test_minimal_counterexample_values() -> None:
    """``X = [1; −1]``, ``y = (1, −1)``, ``t = 1``: ``P = 2√2``, ``D = 2`` exactly; the
    abstract's statement without hypotheses fails there, and ``y = (1, 1)`` gives ``P = D = 2``."""
    result = CLAIM.check(COUNTEREXAMPLE, QUICK)
    assert result.verdict == HOLDS
    assert math.isclose(result.predicted["primal"], 2 * math.sqrt(2), rel_tol=EXACT)
    assert math.isclose(result.predicted["dual"], 2.0, rel_tol=EXACT)
    assert math.isclose(result.primal_value, 2 * math.sqrt(2), rel_tol=1e-9)
    assert math.isclose(result.dual_value, 2.0, rel_tol=1e-9)
    assert result.extra["abstract_reading"] == FAILS and not result.extra["zero_gap_condition"]
    same = Instance(COUNTEREXAMPLE.X, np.array([1.0, 1.0]), L=3, t=1.0)
    result = CLAIM.check(same, QUICK)
    assert math.isclose(result.predicted["primal"], 2.0, rel_tol=EXACT)
    assert math.isclose(result.predicted["gap"], 0.0, abs_tol=EXACT)
    assert result.extra["abstract_reading"] == HOLDS
    # Minimal: a single row never has a gap (one side of c is empty).
    single = Instance(np.array([[-2.0, 1.0]]), np.array([3.0]), L=3, t=0.5)
    assert CLAIM.check(single, QUICK).extra["abstract_reading"] == HOLDS


@pytest.mark.parametrize(("L", "primal"), [(4, 4.0), (5, 4 * math.sqrt(2))])
def test_anchor_at_depth(L: int, primal: float) -> None:
    """The anchor at depth L: ``P_L = ℓ_{2/L}(1, 1) = 2^{L/2}``, ``D_L = 2``, certified from both
    sides; with ``t = 2`` both scale by ``2^{−(L−2)}``."""
    result = CLAIM.check(ANCHOR[L], QUICK)
    assert result.verdict == HOLDS
    assert math.isclose(result.predicted["primal"], primal, rel_tol=EXACT)
    assert math.isclose(result.predicted["dual"], 2.0, rel_tol=EXACT)
    assert math.isclose(result.primal_value, primal, rel_tol=1e-9)
    assert math.isclose(result.dual_value, 2.0, rel_tol=1e-9)
    assert result.extra["abstract_reading"] == FAILS
    scaled = Instance(ANCHOR[L].X, ANCHOR[L].Y, L=L, t=2.0)
    result = CLAIM.check(scaled, QUICK)
    assert math.isclose(result.predicted["primal"], primal / 2 ** (L - 2), rel_tol=EXACT)
    assert math.isclose(result.predicted["dual"], 2.0 / 2 ** (L - 2), rel_tol=EXACT)


def test_infeasible_labels_are_an_outcome_not_an_error() -> None:
    """Labels no network can produce: verdict ``infeasible``, with the reason and the dual ray."""
    for example in CLAIM.pinned_examples():
        if example.expected == INFEASIBLE:
            result = CLAIM.check(example.instance)
            assert result.verdict == INFEASIBLE
            assert "not of the form c₊αᵀ + c₋γᵀ" in result.details[0]
            assert result.bounds["dual_lower"].value == math.inf
    # A zero row whose SVD factor is rounding noise still counts as c_i = 0: its label must be 0.
    noisy_zero_row = Instance(
        np.outer([1.0, 0.0, -2.0], [0.5, -1.0, 2.0]), [1.0, 1.0, 0.0], L=4, t=1.0
    )
    assert CLAIM.check(noisy_zero_row).verdict == INFEASIBLE


def test_pinned_vector_values() -> None:
    """Orthogonal sides: the ``ℓ_{2/L}`` value although ``α·γ = 0``; acute sides at L = 3: the
    quartic root; at L = 4: below ``ℓ_{2/4}`` (the streams mix)."""
    examples_ = {e.instance.label: e.instance for e in CLAIM.pinned_examples()}
    for label in ("orthogonal vector sides", "orthogonal vector sides, L = 5"):
        instance = examples_[label]
        data = rank1_data(instance.X, instance.Y)
        na, ng = np.linalg.norm(data.alpha), np.linalg.norm(data.gamma)
        expected = schatten_quasi_norm(np.array([na, ng]), 2 / instance.L)
        expected /= data.atom_radius(instance.L, instance.t)
        result = CLAIM.check(instance, QUICK)
        assert math.isclose(result.predicted["primal"], expected, rel_tol=1e-12)
    acute = examples_["acute vector sides"]
    data = rank1_data(acute.X, acute.Y)
    s = data.radius(acute.t)
    assert math.isclose(primal_value(data.alpha, data.gamma, s, 3),
                        quartic_value(data.alpha, data.gamma) / s, rel_tol=1e-12)  # fmt: skip
    deep = examples_["acute vector sides, L = 4"]
    result = CLAIM.check(deep, QUICK)
    data = rank1_data(deep.X, deep.Y)
    na, ng = np.linalg.norm(data.alpha), np.linalg.norm(data.gamma)
    orthogonal = schatten_quasi_norm(np.array([na, ng]), 0.5) / data.atom_radius(4, deep.t)
    assert result.primal_value < orthogonal * (1 - 1e-2)


def test_wrong_closed_form_fails_against_the_intervals() -> None:
    """Feeding a wrong primal value (``√2·D`` on same-sign labels) to the judge fails."""
    same = Instance(COUNTEREXAMPLE.X, np.array([2.0, 0.5]), L=3, t=2.0)
    result = CLAIM.check(same, QUICK)
    wrong = {"primal": math.sqrt(2) * result.predicted["dual"]}
    assert judge(wrong, result.intervals, result.tolerance) == FAILS
    assert (
        judge({"primal": result.predicted["primal"]}, result.intervals, result.tolerance) == HOLDS
    )


def test_rounding_level_misalignment_is_inconclusive_at_depth() -> None:
    """Vector labels aligned only up to rounding: resolved at L = 3 (the gap is linear in the
    wedge), ``inconclusive`` with the reason at L = 6 (Hölder-(2/5)) — never ``fails``; labels
    aligned exactly are resolved at every depth."""
    direction = np.array([0.6, 0.8])
    gamma = 0.5 * direction
    gamma[0] += 1e-16  # a rounding-level tilt
    X = np.outer([1.0, -1.0], [1.0])
    Y = np.vstack([direction, gamma])
    shallow = CLAIM.check(Instance(X, Y, L=3, t=1.0), QUICK)
    assert shallow.verdict == HOLDS and shallow.extra["abstract_reading"] == HOLDS
    deep = CLAIM.check(Instance(X, Y, L=6, t=1.0), QUICK)
    assert deep.verdict == INCONCLUSIVE and deep.extra["abstract_reading"] == INCONCLUSIVE
    assert any("Hölder" in line for line in deep.details)
    # Aligned along an axis, the labels are aligned exactly: nothing for rounding to tilt.
    axis = np.array([[1.0, 0.0], [0.5, 0.0]])
    assert rounding_sensitivity(axis[0], axis[1], 6) == 0.0
    exact = CLAIM.check(Instance(X, axis, L=6, t=1.0), QUICK)
    assert exact.verdict == HOLDS and exact.extra["abstract_reading"] == HOLDS


# --- bad input ----------------------------------------------------------------------------------


@pytest.mark.parametrize("t", [0.0, -1.0, math.inf])
def test_non_positive_t_is_refused(t: float) -> None:
    with pytest.raises(InstanceError) as err:
        Instance(COUNTEREXAMPLE.X, COUNTEREXAMPLE.Y, L=3, t=t)
    assert err.value.field == "t"


@pytest.mark.parametrize(
    ("L", "t", "fragment"),
    [
        (2, 1.0, "relu-parallel-zero-gap"),
        (MAX_DEPTH + 1, 1.0, f"largest supported depth {MAX_DEPTH}"),
        (40, 1e-4, "largest supported depth for this t is 27"),
    ],
)
def test_depth_outside_the_supported_range_is_refused(L: int, t: float, fragment: str) -> None:
    with pytest.raises(InstanceError) as err:
        CLAIM.check(Instance(COUNTEREXAMPLE.X, COUNTEREXAMPLE.Y, L=L, t=t), QUICK)
    assert err.value.field == "L" and fragment in str(err.value)


@pytest.mark.parametrize("labels", ["anchor", "acute vectors"])
def test_certificates_stay_exact_at_the_largest_supported_depth(labels: str) -> None:
    """At ``L = MAX_DEPTH`` every certificate is recomputed exact to rounding and the check pins
    ``P`` and ``D`` (the basis of the depth limit)."""
    if labels == "anchor":
        instance = Instance(COUNTEREXAMPLE.X, COUNTEREXAMPLE.Y, L=MAX_DEPTH, t=1.0)
    else:
        Y = np.outer([2.0, 0.0, 1.0], [1.0, 0.2]) + np.outer([0.0, 1.0, 0.0], [0.3, 1.0])
        instance = Instance(np.outer([2.0, -1.0, 1.0], [1.0]), Y, L=MAX_DEPTH, t=0.9)
    result = CLAIM.check(instance, QUICK)
    assert result.verdict == HOLDS, result.details
    data = rank1_data(instance.X, instance.Y)
    found = certified_bounds(instance.X, instance.Y, data, MAX_DEPTH, instance.t)
    P = result.predicted["primal"]
    for name, bounds in found.items():
        for bound in bounds:
            assert bound.residual <= 1e-13, (name, bound)
            if bound.kind == "certificate":  # explicit network, parallel network, dual point
                assert bound.residual <= 1e-15, (name, bound)
    (witness,) = (b for b in found["primal_upper"] if b.kind == "certificate")
    assert P <= witness.value <= P * (1 + 1e-12)
    if labels == "anchor":
        assert math.isclose(result.primal_value, 2.0**32, rel_tol=1e-12)


def test_the_former_id_names_the_same_claim() -> None:
    assert get("relu-rank1-three-layer") is CLAIM is get("relu-rank1-standard")
    assert CLAIM.check(COUNTEREXAMPLE, QUICK).claim == "relu-rank1-standard"


def test_rank_tolerance_accepts_rounding_noise() -> None:
    """``σ₂ ≤ 1e-9·σ₁`` is rank 1: rounding-level noise passes and every certificate holds."""
    X = np.outer([1.0, -2.0, 0.5], [0.6, 0.8]) + 1e-13 * np.eye(3, 2)
    Y = np.outer(relu(np.array([1.0, -2.0, 0.5])), [1.0]) - np.outer([0.0, 2.0, 0.0], [1.0])
    for L in (3, 5):
        result = CLAIM.check(Instance(X, Y[:, 0], L=L, t=1.0), QUICK)
        assert result.verdict == HOLDS, result.details


# --- symbolic proofs ----------------------------------------------------------------------------


def test_symbolic_identities_hold() -> None:
    for results in (verify_three_layer(), verify_depth()):
        assert results and all(results.values()), results
    assert all(c > 0 for c in sqrt2_cofactor().coeffs())


# --- whitened data ------------------------------------------------------------------------------


@settings(deadline=None)
@given(whitened_instances(orientation="rows"))
def test_whitened_rows_are_exact_and_gap_iff_mixed_signs(instance: Instance) -> None:
    """Orthonormal rows: ``P = ℓ_{2/3}(‖y₊‖, ‖y₋‖)/t`` and ``D = ℓ₁(…)/t``, certified from both
    sides; a certified gap iff ``y`` has both signs."""
    finding = whitened_gap_bounds(instance, np.random.default_rng(0))
    assert finding.exact
    y, t = instance.Y[:, 0], instance.t
    p, m = np.linalg.norm(relu(y)), np.linalg.norm(relu(-y))
    assert math.isclose(finding.primal_upper.value, (p ** (2 / 3) + m ** (2 / 3)) ** 1.5 / t,
                        rel_tol=1e-9)  # fmt: skip
    assert math.isclose(finding.dual_lower.value, (p + m) / t, rel_tol=1e-9)
    assert finding.gap_certified == (p > 0 and m > 0)
    assert finding.primal_upper.kind != "search" and finding.dual_upper.kind != "search"


@settings(max_examples=4, deadline=None)  # two searches per example
@given(whitened_instances(orientation="columns"))
def test_whitened_columns_bounds_are_ordered_and_labelled(instance: Instance) -> None:
    """Orthonormal columns: the proved bounds sit below the certified and searched upper bounds;
    a single column is rank 1 and exact; otherwise ``P``'s upper bound rests on search."""
    finding = whitened_gap_bounds(instance, np.random.default_rng(0), restarts=1, max_iter=100)
    tol = 1e-9
    assert finding.dual_lower.value <= finding.primal_lower.value * (1 + tol)
    if finding.primal_upper is not None:
        assert finding.primal_lower.value <= finding.primal_upper.value * (1 + tol)
    if finding.dual_upper is not None:
        assert finding.dual_lower.value <= finding.dual_upper.value * (1 + tol)
    if instance.d == 1 or finding.orientation == "rows":  # rank 1, or square orthogonal
        assert finding.exact
        y = instance.Y[:, 0]
        assert finding.gap_certified == (y.max() > 0 > y.min())
    elif finding.primal_upper is not None:
        assert finding.primal_upper.kind == "search" and not finding.exact


def test_whitened_needs_orthonormal_data() -> None:
    with pytest.raises(InstanceError) as err:
        orientation(np.array([[1.0, 0.0], [1.0, 1.0]]))
    assert err.value.field == "X"


def test_whitened_gap_is_certified_on_the_rank1_counterexample() -> None:
    """``X = [1; −1]/√2`` has an orthonormal column: the counterexample, whitened, has a
    certified gap ``P = 4``, ``D = 2√2`` (``t = 1``)."""
    X = COUNTEREXAMPLE.X / math.sqrt(2)
    finding = whitened_gap_bounds(
        Instance(X, np.array([1.0, -1.0]), L=3, t=1.0), np.random.default_rng(0)
    )
    assert finding.exact and finding.gap_certified
    assert math.isclose(finding.primal_lower.value, 4.0, rel_tol=1e-12)
    assert math.isclose(finding.dual_upper.value, 2 * math.sqrt(2), rel_tol=1e-12)


@pytest.mark.parametrize("relative", [1e-8, 3e-8, 1e-7])
def test_labels_just_off_the_rank1_form_are_infeasible(relative) -> None:
    """Rows 1 and 3 share the sign of c (c = (1, −1, 2)), so interpolable labels need
    y₃ = 2y₁; moving y₃ off that by a relative 1e-8 … 1e-7 (above the tolerance 1e-9) is
    ``infeasible``, and the on-form labels are not."""
    X = np.array([[1.0], [-1.0], [2.0]])
    on_form = np.array([1.0, -0.5, 2.0])
    assert CLAIM.check(Instance(X, on_form, L=3, t=1.0), QUICK).verdict == HOLDS
    off_form = on_form + np.array([0.0, 0.0, relative * np.linalg.norm(on_form)])
    assert CLAIM.check(Instance(X, off_form, L=3, t=1.0), QUICK).verdict == INFEASIBLE
