"""Three-layer standard ReLU networks on rank-1 data ``X = c aᵀ``: exact primal and dual values.

Formulation (``docs/formulations/C6-relu-rank1-three-layer.md``):
``f(X) = ((X W₁)₊ W₂)₊ W₃``, ``‖W₁‖_F ≤ t``, cost ``½(‖W₂‖² + ‖W₃‖²)``, interpolation ``f(X) = Y``;
hidden widths ``≥ 2`` (enough for every optimum below). The dual is ``D = max tr(ΛᵀY)`` s.t.
``‖Λᵀ((X W₁)₊ w)₊‖ ≤ 1`` for every ``‖W₁‖_F ≤ t`` and ``‖w‖ ≤ 1``. Throughout
``c₊ = max(c, 0)``, ``c₋ = max(−c, 0)`` and ``s = t‖a‖``.

**Reduction.** ``X W₁ = c bᵀ`` with ``b = W₁ᵀa``; the attainable ``b`` are exactly ``‖b‖ ≤ s``
(``W₁ = a bᵀ/‖a‖²``). Since ``(c_i b_j)₊ = c₊ᵢ b₊ⱼ + c₋ᵢ b₋ⱼ``, ``(X W₁)₊ = c₊uᵀ + c₋vᵀ`` with
``u = b₊ ⊥ v = b₋`` (disjoint supports), ``r₁ = ‖u‖``, ``r₂ = ‖v‖``, ``r₁² + r₂² ≤ s²``. As
``c₊, c₋ ≥ 0`` have disjoint supports, every later ReLU acts on the two blocks separately and

    ``f(X) = c₊αᵀ + c₋γᵀ``,  ``α = f(a)``, ``γ = f(−a)``   (positive homogeneity of ReLU).

So ``Y`` is interpolable iff ``Y = c₊αᵀ + c₋γᵀ`` (then ``α = Yᵀc₊/‖c₊‖²``, ``γ = Yᵀc₋/‖c₋‖²``;
an absent side is set to 0); otherwise the primal is infeasible and the dual unbounded along
the ray ``Λ = Y − c₊αᵀ − c₋γᵀ`` (``Λᵀc± = 0``, ``tr(ΛᵀY) = ‖Λ‖² > 0``).

**Primal.** A second-layer neuron with unit input weight ``w`` sees ``(wᵀu)₊, (wᵀv)₊``, which
(``u ⊥ v``) range over ``(r₁ζ₁, r₂ζ₂)`` with ``ζ ∈ R²₊``, ``‖ζ‖ ≤ 1``. Rescaling each neuron
(``½(‖w₂‖² + ‖w₃‖²) ≥ ‖w₂‖‖w₃‖``, equality when balanced) gives
``P = min_{r₁²+r₂²=s²} G([α/r₁, γ/r₂])`` with the gauge ``G(M) = min Σ‖ρⱼ‖‖ζⱼ‖`` over
``M = Σ ρⱼζⱼᵀ``, ``ζⱼ ≥ 0``. For ``M = [m₁, m₂]`` (:func:`gauge`):

* ``m₁·m₂ < 0``: ``G = ‖m₁‖ + ‖m₂‖`` (``ζ = e₁, e₂``; dual point ``[m₁/‖m₁‖, m₂/‖m₂‖]``, whose
  columns have a negative inner product, so ``‖Λζ‖ ≤ 1`` on the non-negative unit quarter circle);
* ``m₁·m₂ ≥ 0``: ``G = ‖M‖_*`` (``Λ = UVᵀ`` is a dual point; ``M = Λ S``, ``S = (MᵀM)^{1/2}``
  is entrywise non-negative — its off-diagonal has the sign of ``m₁·m₂`` — and a non-negative
  2×2 PSD matrix is completely positive, which gives the factors).

Minimising over ``r`` (:func:`primal_value`, proofs in :mod:`verify.symbolic_rank1`):

* ``α·γ < 0``: ``P = (‖α‖^{2/3} + ‖γ‖^{2/3})^{3/2} / s`` (``r ∝ (‖α‖^{1/3}, ‖γ‖^{1/3})``);
* ``α·γ ≥ 0``, with ``A = ‖α‖², C = ‖γ‖², Δ = ‖α ∧ γ‖ = √(AC − (α·γ)²)``: with ``τ = r₂/r₁``,
  ``s²P² = min_τ (1+τ²)(A + C/τ² + 2Δ/τ)``, attained at the unique positive root of
  ``Aτ⁴ + Δτ³ − Δτ − C`` (one sign change); for ``Δ = 0`` (in particular ``K = 1``):
  ``P = (‖α‖ + ‖γ‖)/s``.

**Dual.** The constraint vectors are ``((X W₁)₊ w)₊ = c₊x + c₋y`` with ``x, y ≥ 0``,
``x + y ≤ s`` (the union over ``r₁² + r₂² ≤ s²`` of the ellipses ``x²/r₁² + y²/r₂² ≤ 1`` is the
ℓ₁ ball of radius ``s``), so ``Λ`` is feasible iff ``s·max(‖Λᵀc₊‖, ‖Λᵀc₋‖) ≤ 1``
(:func:`dual_constraint`: a convex function on a triangle peaks at a vertex) and
``D = (‖α‖ + ‖γ‖)/s`` (Cauchy–Schwarz on ``tr(ΛᵀY) = (Λᵀc₊)·α + (Λᵀc₋)·γ``).

**Zero gap.** ``P ≥ D`` always, and ``P = D`` iff ``α·γ = ‖α‖‖γ‖``: ``α`` and ``γ`` point the
same way (or one is 0). Equivalently the label rows are non-negative multiples of one vector,
``Y = h vᵀ`` with ``h ≥ 0``; for scalar outputs: ``y ≥ 0`` or ``y ≤ 0``. Otherwise ``P > D``
strictly (``α·γ < 0``: ℓ_{2/3} > ℓ₁ for two non-zero entries; ``Δ > 0``: ``‖M‖_* > ‖M‖_F`` and
``min_r ‖[α/r₁, γ/r₂]‖_F = D``), and ``P ≤ √2·D`` (``G ≤ ‖m₁‖ + ‖m₂‖`` and ℓ_{2/3} ≤ √2·ℓ₁ in
R²), equality at ``α = −γ``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq

from verify.instances import InstanceError
from verify.linalg import RANK_RTOL, compact_svd, rank_from_singular_values, relative_residual
from verify.networks import Network, ParallelNetwork, primal_certificate
from verify.result import Bound

#: ``X`` counts as rank 1 when ``σ₂ ≤ RANK1_RTOL·σ₁`` (the project's numerical-rank tolerance).
RANK1_RTOL = RANK_RTOL

REDUCTION_PROOF = (
    "rank-1 reduction: (XW₁)₊ = c₊uᵀ + c₋vᵀ, u ⊥ v, ‖u‖² + ‖v‖² ≤ (t‖a‖)²; per-neuron rescaling "
    "and the two-column gauge G (verify.rank1); minimum over the radii (verify.symbolic_rank1)"
)
DUAL_PROOF = "Cauchy–Schwarz: tr(ΛᵀY) = (Λᵀc₊)·α + (Λᵀc₋)·γ ≤ (‖α‖ + ‖γ‖)/s for every feasible Λ"
PARALLEL_PROOF = (
    "weak duality: every dual-feasible Λ has tr(ΛᵀY) ≤ Σ_j ‖w₂ⱼ‖‖w₃ⱼ‖ ≤ the cost of any "
    "interpolating parallel network (its constraint is per neuron)"
)


@dataclass(frozen=True)
class Rank1Data:
    """``X = c aᵀ`` and the labels' coordinates ``Y ≈ c₊αᵀ + c₋γᵀ``.

    ``residual`` is ``‖Y − c₊αᵀ − c₋γᵀ‖/‖Y‖``: above the tolerance no network interpolates.
    """

    c: np.ndarray
    a: np.ndarray
    alpha: np.ndarray
    gamma: np.ndarray
    residual: float

    @property
    def c_pos(self) -> np.ndarray:
        return np.maximum(self.c, 0.0)

    @property
    def c_neg(self) -> np.ndarray:
        return np.maximum(-self.c, 0.0)

    def radius(self, t: float) -> float:
        """``s = t‖a‖``: the largest ``‖W₁ᵀa‖`` under ``‖W₁‖_F ≤ t``."""
        return t * float(np.linalg.norm(self.a))

    def fitted(self) -> np.ndarray:
        """``c₊αᵀ + c₋γᵀ``: the labels every network output on ``X`` has the form of."""
        return np.outer(self.c_pos, self.alpha) + np.outer(self.c_neg, self.gamma)


def factor_rank1(X: np.ndarray, rtol: float = RANK1_RTOL) -> tuple[np.ndarray, np.ndarray]:
    """``X = c aᵀ`` with ``‖a‖ = 1`` and the first non-zero entry of ``c`` positive; entries
    with ``|c_i| ≤ rtol·max|c|`` are set to 0.

    Raises :class:`InstanceError` (field ``X``) unless ``X`` has numerical rank exactly 1,
    i.e. ``σ₂ ≤ rtol·σ₁`` and ``σ₁ > 0``.
    """
    X = np.asarray(X, dtype=float)
    U, s, Vt = np.linalg.svd(X, full_matrices=False)
    rank = rank_from_singular_values(s, rtol)
    if rank != 1:
        ratio = f"σ₂/σ₁ = {s[1] / s[0]:.2e}" if s.size > 1 and s[0] > 0 else "X = 0"
        raise InstanceError(
            "X",
            f"must have rank 1 (X = c aᵀ) within σ₂ ≤ {rtol:.0e}·σ₁; got rank {rank} ({ratio}): "
            "give rank-1 data",
        )
    c, a = U[:, 0] * s[0], Vt[0]
    # A zero row of X must give c_i = 0 exactly, not SVD rounding of either sign: the sign
    # decides which side the row is on, and a label there must be 0.
    c = np.where(np.abs(c) <= rtol * np.abs(c).max(), 0.0, c)
    first = c[np.flatnonzero(c)[0]]
    sign = 1.0 if first > 0 else -1.0
    return sign * c, sign * a


def _side(Y: np.ndarray, part: np.ndarray) -> np.ndarray:
    norm2 = float(part @ part)
    return Y.T @ part / norm2 if norm2 > 0 else np.zeros(Y.shape[1])


def rank1_data(X: np.ndarray, Y: np.ndarray) -> Rank1Data:
    """Factor ``X`` and project ``Y`` (N×K) onto the attainable outputs ``c₊αᵀ + c₋γᵀ``.

    ``c₊`` and ``c₋`` are orthogonal, so the projection is the two separate least-squares fits.
    """
    c, a = factor_rank1(X)
    Y = np.asarray(Y, dtype=float)
    alpha, gamma = _side(Y, np.maximum(c, 0.0)), _side(Y, np.maximum(-c, 0.0))
    data = Rank1Data(c, a, alpha, gamma, 0.0)
    residual = relative_residual(Y - data.fitted(), Y)
    return Rank1Data(c, a, alpha, gamma, residual)


def wedge_norm(alpha: np.ndarray, gamma: np.ndarray) -> float:
    """``Δ = ‖α ∧ γ‖ = √(‖α‖²‖γ‖² − (α·γ)²)``, summed as 2×2 minors (no cancellation)."""
    minors = np.outer(alpha, gamma) - np.outer(gamma, alpha)
    return float(np.sqrt(np.sum(np.triu(minors, 1) ** 2)))


def dual_value(alpha: np.ndarray, gamma: np.ndarray, s: float) -> float:
    """``D = (‖α‖ + ‖γ‖)/s``."""
    return (float(np.linalg.norm(alpha)) + float(np.linalg.norm(gamma))) / s


def _quartic_root(A: float, delta: float, C: float) -> float:
    """The unique positive root of ``Aτ⁴ + Δτ³ − Δτ − C`` (``A, C > 0``)."""

    def h(tau: float) -> float:
        return ((A * tau + delta) * tau * tau - delta) * tau - C

    hi = 1.0
    while h(hi) <= 0:
        hi *= 2.0
    lo = hi / 2.0
    while h(lo) > 0:
        lo /= 2.0
    return brentq(h, lo, hi, xtol=1e-300, rtol=4 * np.finfo(float).eps, maxiter=500)


def optimal_radii(alpha: np.ndarray, gamma: np.ndarray, s: float) -> tuple[float, float]:
    """``(r₁, r₂)`` with ``r₁² + r₂² = s²`` minimising ``G([α/r₁, γ/r₂])``."""
    na, ng = float(np.linalg.norm(alpha)), float(np.linalg.norm(gamma))
    if ng == 0.0:
        return s, 0.0
    if na == 0.0:
        return 0.0, s
    if float(alpha @ gamma) < 0.0:
        weights = np.array([na, ng]) ** (1.0 / 3.0)
    else:
        delta = wedge_norm(alpha, gamma)
        tau = math.sqrt(ng / na) if delta == 0.0 else _quartic_root(na * na, delta, ng * ng)
        weights = np.array([1.0, tau])
    r1, r2 = s * weights / float(np.linalg.norm(weights))
    return float(r1), float(r2)


def primal_value(alpha: np.ndarray, gamma: np.ndarray, s: float) -> float:
    """``P(t)`` of the standard network for interpolable labels (see the module docstring)."""
    na, ng = float(np.linalg.norm(alpha)), float(np.linalg.norm(gamma))
    if na == 0.0 or ng == 0.0:
        return (na + ng) / s
    if float(alpha @ gamma) < 0.0:
        return (na ** (2.0 / 3.0) + ng ** (2.0 / 3.0)) ** 1.5 / s
    delta = wedge_norm(alpha, gamma)
    if delta == 0.0:
        return (na + ng) / s
    A, C = na * na, ng * ng
    tau = _quartic_root(A, delta, C)
    return math.sqrt((1.0 + tau * tau) * (A + C / (tau * tau) + 2.0 * delta / tau)) / s


def zero_gap(alpha: np.ndarray, gamma: np.ndarray, rtol: float = 1e-12) -> bool:
    """The exact zero-gap condition ``α·γ = ‖α‖‖γ‖`` (``α``, ``γ`` aligned or one of them 0).

    Tested as ``α·γ ≥ 0`` and ``‖α ∧ γ‖ ≤ rtol·‖α‖‖γ‖``: the gap grows linearly in the wedge
    ``Δ = ‖α ∧ γ‖`` (quadratically small angles would hide it in ``‖α‖‖γ‖ − α·γ``), so ``rtol``
    at the claim's tolerance classifies the same instances as the certified gap does.
    """
    product = float(np.linalg.norm(alpha)) * float(np.linalg.norm(gamma))
    return float(alpha @ gamma) >= 0.0 and wedge_norm(alpha, gamma) <= rtol * product


def gauge(M: np.ndarray) -> float:
    """``G(M)``, ``M = [m₁, m₂]`` (K×2): ``‖m₁‖ + ‖m₂‖`` if ``m₁·m₂ < 0``, else ``‖M‖_*``."""
    m1, m2 = M[:, 0], M[:, 1]
    if float(m1 @ m2) < 0.0:
        return float(np.linalg.norm(m1) + np.linalg.norm(m2))
    return float(np.sum(np.linalg.svd(M, compute_uv=False)))


def nonnegative_factors(M: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """Pairs ``(ρⱼ, ζⱼ)``, ``ζⱼ ∈ R²₊``, with ``Σ ρⱼζⱼᵀ = M`` and ``Σ ‖ρⱼ‖‖ζⱼ‖ = G(M)``."""
    m1, m2 = M[:, 0], M[:, 1]
    e1, e2 = np.eye(2)
    if float(m1 @ m2) < 0.0:
        return [(m1, e1), (m2, e2)]
    U, sv, Vt = compact_svd(M)
    if sv.size == 0:
        return []
    polar = U @ Vt
    S = (Vt.T * sv) @ Vt
    # S₁₂ has the sign of m₁·m₂ ≥ 0; clip the rounding so that every factor is exactly ≥ 0.
    s11, s12, s22 = S[0, 0], max(S[0, 1], 0.0), S[1, 1]
    if s22 <= 0.0:
        zetas = [math.sqrt(max(s11, 0.0)) * e1]
    else:
        # S = (S₁₁ − S₁₂²/S₂₂) e₁e₁ᵀ + ggᵀ, g = (S₁₂, S₂₂)/√S₂₂: complete positivity of 2×2.
        g = np.array([s12, s22]) / math.sqrt(s22)
        zetas = [g, math.sqrt(max(s11 - s12 * s12 / s22, 0.0)) * e1]
    return [(polar @ z, z) for z in zetas if np.any(z > 0)]


def _pad(A: np.ndarray, rows: int, cols: int) -> np.ndarray:
    out = np.zeros((max(rows, A.shape[0]), max(cols, A.shape[1])))
    out[: A.shape[0], : A.shape[1]] = A
    return out


def primal_network(data: Rank1Data, t: float, width: int = 2) -> Network:
    """Explicit optimal weights: ``W₁ = a bᵀ/‖a‖²`` with ``b = (r₁, −r₂)``, then one balanced
    second-layer neuron per factor of ``[α/r₁, γ/r₂] = Σ ρⱼζⱼᵀ`` (``w₂ⱼ = κζⱼ``, ``w₃ⱼ = ρⱼ/κ``,
    ``κ² = ‖ρⱼ‖/‖ζⱼ‖``), zero-padded to ``width``. Its cost is :func:`primal_value`."""
    s = data.radius(t)
    r1, r2 = optimal_radii(data.alpha, data.gamma, s)
    a = data.a
    W1 = np.outer(a, [r1, -r2]) / float(a @ a)
    M = np.column_stack(
        [
            data.alpha / r1 if r1 > 0 else np.zeros_like(data.alpha),
            data.gamma / r2 if r2 > 0 else np.zeros_like(data.gamma),
        ]
    )
    factors = nonnegative_factors(M)
    K = M.shape[0]
    W2, W3 = np.zeros((2, max(len(factors), 1))), np.zeros((max(len(factors), 1), K))
    for j, (rho, zeta) in enumerate(factors):
        kappa = math.sqrt(float(np.linalg.norm(rho)) / float(np.linalg.norm(zeta)))
        if kappa > 0:
            W2[:, j], W3[j] = kappa * zeta, rho / kappa
    return Network((_pad(W1, a.size, width), _pad(W2, width, width), _pad(W3, width, K)), "relu")


def parallel_network(data: Rank1Data, t: float) -> ParallelNetwork:
    """The bidual point: one width-1 branch per side, ``W₁ = ±t a/‖a‖``, cost ``D(t)``.

    Branch ``+`` has first-layer output ``s c₊``, then ``w₂ = κ``, ``w₃ = α/(sκ)``: it outputs
    ``c₊αᵀ`` at cost ``½(κ² + ‖α‖²/(sκ)²) = ‖α‖/s`` for ``κ² = ‖α‖/s``; branch ``−`` likewise.
    """
    s, a = data.radius(t), data.a
    branches = []
    for sign, target in ((1.0, data.alpha), (-1.0, data.gamma)):
        norm = float(np.linalg.norm(target))
        if norm == 0.0:
            continue
        kappa = math.sqrt(norm / s)
        W1 = sign * s * a[:, None] / float(a @ a)
        branches.append(Network((W1, np.array([[kappa]]), target[None, :] / (s * kappa)), "relu"))
    if not branches:
        K = data.alpha.size
        branches.append(
            Network((np.zeros((a.size, 1)), np.zeros((1, 1)), np.zeros((1, K))), "relu")
        )
    return ParallelNetwork(tuple(branches))


def dual_point(data: Rank1Data, t: float) -> np.ndarray:
    """``Λ = c₊pᵀ/‖c₊‖² + c₋qᵀ/‖c₋‖²`` with ``p = α/(s‖α‖)``, ``q = γ/(s‖γ‖)``: value ``D(t)``."""
    s = data.radius(t)
    Lam = np.zeros((data.c.size, data.alpha.size))
    for part, target in ((data.c_pos, data.alpha), (data.c_neg, data.gamma)):
        norm, weight = float(np.linalg.norm(target)), float(part @ part)
        if norm > 0 and weight > 0:
            Lam += np.outer(part, target) / (weight * s * norm)
    return Lam


def dual_constraint(Lam: np.ndarray, data: Rank1Data, t: float) -> float:
    """``max ‖Λᵀ((XW₁)₊w)₊‖`` over ``‖W₁‖_F ≤ t``, ``‖w‖ ≤ 1``, exactly:
    ``s·max(‖Λᵀc₊‖, ‖Λᵀc₋‖)`` (the vertices of the reduced constraint set)."""
    s = data.radius(t)
    return s * max(
        float(np.linalg.norm(Lam.T @ data.c_pos)), float(np.linalg.norm(Lam.T @ data.c_neg))
    )


def rank1_dual_bound(Y: np.ndarray, data: Rank1Data, t: float, residual: float) -> Bound:
    """``Λ`` of :func:`dual_point`: its exact constraint recomputed, ``Λ`` shrunk into the
    feasible set if needed, ``tr(ΛᵀY)`` recomputed. ``residual`` is the caller's distance of
    ``X`` from ``c aᵀ`` (the reduced constraint set is exact for ``c aᵀ``)."""
    Lam = dual_point(data, t)
    constraint = dual_constraint(Lam, data, t)
    if constraint > 1.0:
        Lam = Lam / constraint
    how = (
        "Λ = c₊pᵀ/‖c₊‖² + c₋qᵀ/‖c₋‖², p = α/(s‖α‖), q = γ/(s‖γ‖); exact constraint "
        f"s·max(‖Λᵀc₊‖, ‖Λᵀc₋‖) = {constraint:.12g} recomputed"
    )
    return Bound(float(np.sum(Lam * Y)), "certificate", residual, how)


def certified_bounds(
    X: np.ndarray, Y: np.ndarray, data: Rank1Data, t: float, width: int = 2
) -> dict[str, list[Bound]]:
    """Every exact bound on ``P(t)`` and ``D(t)`` for interpolable labels, keyed like
    :data:`verify.claims.base.BOUND_NAMES`: closed forms (proved), the explicit network and
    parallel network (recomputed on ``X, Y``) and the dual point (recomputed). Weak duality
    (``P ≥ D``) is left to the caller (:meth:`verify.claims.base.Claim.check` applies it).
    """
    s = data.radius(t)
    P, D = primal_value(data.alpha, data.gamma, s), dual_value(data.alpha, data.gamma, s)
    # The closed forms are exact for c aᵀ and the projected labels: record both distances.
    off_rank1 = relative_residual(X - np.outer(data.c, data.a), X)
    closed = max(data.residual, off_rank1)
    dual_lower = rank1_dual_bound(Y, data, t, off_rank1)
    network = primal_network(data, t, width)
    return {
        "primal_lower": [Bound(P, "closed-form", closed, REDUCTION_PROOF)],
        "primal_upper": [
            primal_certificate(X, Y, network, "t", t=t, how="explicit optimal weights (rank1)")
        ],
        "dual_lower": [dual_lower],
        "dual_upper": [
            Bound(D, "closed-form", closed, DUAL_PROOF),
            primal_certificate(X, Y, parallel_network(data, t), "t", t=t, how=PARALLEL_PROOF),
        ],
    }


def _sides(data: Rank1Data) -> list[tuple[float, np.ndarray, np.ndarray]]:
    """``(sign, c±, target)`` for the sides present in ``c``: ``(+1, c₊, α)``, ``(−1, c₋, γ)``."""
    sides = [(1.0, data.c_pos, data.alpha), (-1.0, data.c_neg, data.gamma)]
    return [side for side in sides if np.any(side[1] > 0)]


def reduced_problem(data: Rank1Data) -> tuple[np.ndarray, np.ndarray]:
    """Data ``X̃`` (≤ 2 rows) and labels ``Ỹ`` with the same optimal value as ``(X, Y)``.

    One row ``±‖c±‖aᵀ`` with label ``‖c±‖·(α or γ)`` per side present in ``c`` whose label is
    non-zero. By positive homogeneity ``f(X) = c₊f(a)ᵀ + c₋f(−a)ᵀ``, and ``c₊, c₋`` are
    linearly independent, so ``f(X) = Y`` iff ``f(a) = α`` and ``f(−a) = γ`` for the sides
    present. A side with zero label is dropped: :func:`silence_zero_sides` turns any network
    that fits the kept rows into one that also outputs 0 on the dropped side, at no extra cost.
    """
    rows, labels = [], []
    for sign, part, target in _sides(data):
        if np.any(target != 0):
            weight = float(np.linalg.norm(part))
            rows.append(sign * weight * data.a)
            labels.append(weight * target)
    return np.array(rows).reshape(len(rows), data.a.size), np.array(labels)


def silence_zero_sides(network: Network, data: Rank1Data) -> Network:
    """Make the network exactly 0 on every side of ``c`` whose label is 0.

    With ``b = W₁ᵀa`` and ``σ = ±1`` the side: ``W₁ ↦ W₁ − σ a (σb)₊ᵀ/‖a‖²``. For ``γ = 0``
    (``σ = −1``) that is ``W₁ + a b₋ᵀ/‖a‖²``, so ``W₁ᵀa = b₊``: nothing fires on ``−a``, and
    ``(aᵀW₁)₊`` is unchanged; for ``α = 0`` it is ``W₁ − a b₊ᵀ/‖a‖²``.
    ``‖W₁‖_F²`` drops by ``‖b∓‖²/‖a‖²`` (``⟨W₁, a b₋ᵀ⟩ = bᵀb₋ = −‖b₋‖²``), the other layers are
    unchanged: the cost and the norm constraint can only improve.
    """
    W1 = network.weights[0].copy()
    a = data.a
    for sign, _, target in _sides(data):
        if not np.any(target != 0):
            b = W1.T @ a
            W1 -= sign * np.outer(a, np.maximum(sign * b, 0.0)) / float(a @ a)
    return Network((W1, *network.weights[1:]), network.activation)
