"""Standard ReLU networks of depth ``L ≥ 3`` on rank-1 data ``X = c aᵀ``: exact primal and dual.

Formulation (``docs/formulations/C6-relu-rank1-standard.md``, at every depth): ``A₀ = X``,
``A_l = (A_{l−1} W_l)₊``, ``f(X) = A_{L−1} W_L``; ``‖W_l‖_F ≤ t`` for ``l ≤ L − 2``; cost
``½(‖W_{L−1}‖_F² + ‖W_L‖_F²)``; interpolation ``f(X) = Y``; hidden widths ``≥ 2`` (enough for every
optimum below). The dual is ``D = max tr(ΛᵀY)`` s.t. ``‖Λᵀ(A_{L−2} w)₊‖ ≤ 1`` for every feasible
``W₁ … W_{L−2}`` and ``‖w‖ ≤ 1``. Throughout ``c₊ = max(c, 0)``, ``c₋ = max(−c, 0)``,
``s = t‖a‖``, ``σ_L = ‖a‖ t^{L−2} = s t^{L−3}`` and ``m = L − 1``.

**Two streams.** By positive homogeneity every network has ``f(X) = c₊f(a)ᵀ + c₋f(−a)ᵀ``, so ``Y``
is interpolable iff ``Y = c₊αᵀ + c₋γᵀ`` (``α = Yᵀc₊/‖c₊‖²``, ``γ = Yᵀc₋/‖c₋‖²``, an absent side
0; otherwise the primal is infeasible and the dual unbounded along ``Λ = Y − c₊αᵀ − c₋γᵀ``), and
the network processes two *streams*, its hidden activations ``p_l ≥ 0`` on ``a`` and
``q_l ≥ 0`` on ``−a``, through shared weights. ``T = [α γ]`` (K×2), ``B = TᵀT`` with entries
``A = ‖α‖²``, ``ρ = α·γ``, ``C = ‖γ‖²``, ``Δ = ‖α ∧ γ‖ = √(AC − ρ²)``; ``G_l`` is the 2×2 Gram
matrix of ``H_l = [p_l q_l]`` (entrywise ``≥ 0``, as ``p_l, q_l ≥ 0``).

* Layer 1: ``b = W₁ᵀa``, ``p₁ = b₊``, ``q₁ = b₋``: ``G₁ = diag(x, y)`` with ``x + y = ‖b‖² ≤ s²``,
  every such pair attained by ``W₁ = a bᵀ/‖a‖²``.
* Layer ``2 ≤ l ≤ L − 1``: a unit ``w`` sees ``g = Hᵀw`` and outputs ``z = g₊``. Then
  ``‖w‖² ≥ gᵀG⁻¹g`` (least norm), and with ``g = z − n``, ``n ≥ 0`` on the zero entries of
  ``z``, ``gᵀG⁻¹g = zᵀG⁻¹z − 2nᵀG⁻¹z + nᵀG⁻¹n ≥ zᵀG⁻¹z``, because ``(G⁻¹)₁₂ = −G₁₂/det G ≤ 0``:
  negative pre-activations are wasted norm. So ``tr(G_{l−1}⁻¹G_l) ≤ ‖W_l‖_F²``, and every
  doubly non-negative (= completely positive, for 2×2) ``M`` with ``tr(G⁻¹M) ≤ t²`` is reached by
  two units ``w_j = H G⁺z_j``, ``M = Σ z_j z_jᵀ``, ``z_j ≥ 0`` (:func:`completely_positive_factor`).
* Output: ``T = W_Lᵀ H_{L−1}``, so ``‖W_L‖² ≥ tr(G_{L−1}⁻¹B)``. If ``ρ < 0``,
  ``tr(M⁻¹B) = tr(M⁻¹B̂) − 2ρ M₁₂/det M ≥ tr(M⁻¹B̂)`` for ``B̂ = diag(A, C)``: with the *target*
  ``B̂ = B`` if ``ρ ≥ 0``, ``diag(A, C)`` if ``ρ < 0`` (:func:`target_gram`), the cost is at least
  ``½(a + b̂) ≥ √(a b̂)``, ``a = tr(G_{L−2}⁻¹G_{L−1})``, ``b̂ = tr(G_{L−1}⁻¹B̂)``.

**The chain bound.** With ``B_i = G_{i−1}^{−1/2}G_i^{1/2}`` (``i = 2 … L−1``) and
``B_L = G_{L−1}^{−1/2}B̂^{1/2}``, the product ``B₂⋯B_L = G₁^{−1/2}B̂^{1/2}`` has squared singular
values ``ν`` = the eigenvalues of ``Z = G₁^{−1/2}B̂G₁^{−1/2}``. For 2×2 matrices
``σ₁(XY) ≤ σ₁(X)σ₁(Y)`` and ``|det|`` multiplies, so ``log σ`` of the product is majorised by
``Σ_i log σ(B_i)``; Karamata (``u ↦ e^{2u/m}`` convex) and Hölder give
``Σ_j ν_j^{1/m} ≤ Σ_j Π_i σ_j(B_i)^{2/m} ≤ Π_i tr(B_iB_iᵀ)^{1/m} ≤ (t^{2(L−3)} a b̂)^{1/m}``:
every network costs at least ``h(G₁)^{m/2}/t^{L−3}`` with ``h(G) = tr((G⁻¹B̂)^{1/m})``. (A singular
``G_l``, ``l ≥ 2``, keeps the streams proportional or one of them 0 from there on: such a network
interpolates only labels on the zero-gap condition below, where the bound is ``D_L`` and weak
duality gives it.)

**Attained.** The geodesic ``P_i = G₁ #_{i/m} B̂ = G₁^{1/2}Z^{i/m}G₁^{1/2}``: for 2×2,
``Z^θ = c₀I + c₁Z`` with ``c₀, c₁ ≥ 0`` for ``θ ∈ [0, 1]``, so ``P_i = c₀G₁ + c₁B̂`` is entrywise
non-negative (``B̂`` is, by its choice), hence completely positive.
``G_l = (t²/h)^{l−1}P_{l−1}`` (``l ≤ L − 2``) spends exactly ``t²`` per constrained layer and
``G_{L−1} = (t²/h)^{(L−3)/2}P_{L−2}`` balances the last two: cost ``h^{m/2}/t^{L−3}``
(:func:`gram_chain`, :func:`primal_network`, identities in :mod:`verify.symbolic_rank1_depth`).
Hence, with ``G₁ = diag(x, 1 − x)`` at scale 1,

    ``P_L(t) = F_L(α, γ)/σ_L``,  ``F_L = min_{0 ≤ x ≤ 1} h(x)^{(L−1)/2}``
    (:func:`primal_value`, :func:`primal_bracket`):

* ``ρ ≤ 0`` (including one side 0): ``F_L = ℓ_{2/L}(‖α‖, ‖γ‖) = (‖α‖^{2/L} + ‖γ‖^{2/L})^{L/2}``
  at ``x = ‖α‖^{2/L}/(‖α‖^{2/L} + ‖γ‖^{2/L})``: the streams stay orthogonal and every constrained
  layer splits its Frobenius budget between them in that ratio;
* ``ρ > 0``, ``Δ = 0`` (``α``, ``γ`` point the same way): ``F_L = ‖α‖ + ‖γ‖`` at
  ``x = ‖α‖/(‖α‖ + ‖γ‖)``;
* ``ρ > 0``, ``Δ > 0``: the streams mix along the geodesic. ``h(x) = tr(W(x)^{−1/m})`` with
  ``W(x) = B̂^{−1/2}diag(x, 1 − x)B̂^{−1/2}`` affine in ``x`` (the eigenvalues of ``G⁻¹B̂`` are the
  reciprocals of those of ``B̂⁻¹G``) and ``W ↦ tr W^{−1/m}`` strictly convex: ``h`` is strictly
  convex on ``(0, 1)`` and tends to ``∞`` at both ends. No closed form (at ``L = 3`` the
  stationarity condition is the quartic of :mod:`verify.symbolic_rank1`); the minimum is
  *certified*: a floating-point root ``x̂`` of ``h′``, then ``h`` and ``h′`` in ball arithmetic
  (``flint.arb``, :data:`INTERVAL_BITS` bits) at ``x_l < x̂ < x_r`` with certified signs
  ``h′(x_l) < 0 < h′(x_r)``; convexity gives ``h ≥ h(x_l) + h′(x_l)(x_r − x_l)`` on all of
  ``(0, 1)`` and ``h(x̂)`` is attained: an enclosure of relative width ≈ 1e-16.

**Dual.** The constraint vectors are ``c₊x + c₋y`` with ``(x, y) = ((w·p)₊, (w·q)₊)``. For
``p, q ≥ 0``, ``(w·p)₊ + (w·q)₊ ≤ ‖w‖‖p + q‖`` (both terms positive: Cauchy–Schwarz on ``p + q``;
one: ``‖p‖ ≤ ‖p + q‖``), applied per unit ``‖p_l + q_l‖ ≤ ‖W_l‖_F‖p_{l−1} + q_{l−1}‖``, and
``‖p₁ + q₁‖ = ‖b‖ ≤ s``: every ``(x, y)`` lies in the triangle ``x, y ≥ 0``, ``x + y ≤ σ_L``, whose
vertices ``(σ_L, 0)``, ``(0, σ_L)`` are attained (a chain of single units). A convex function
peaks at a vertex: ``Λ`` is feasible iff ``σ_L·max(‖Λᵀc₊‖, ‖Λᵀc₋‖) ≤ 1`` (:func:`dual_constraint`)
and ``D_L(t) = (‖α‖ + ‖γ‖)/σ_L`` (Cauchy–Schwarz), attained by :func:`dual_point` and by the
two-branch parallel network of :func:`parallel_network`: the parallel network's value is
``D_L`` too (:func:`parallel_value`; at ``L = 2``, ``σ₂ = ‖a‖`` and the same holds).

**Zero gap.** ``P_L ≥ D_L``, and ``P_L = D_L`` iff ``ρ = ‖α‖‖γ‖`` (``α``, ``γ`` aligned, or one
of them 0), at every ``L ≥ 3``: ``ℓ_{2/L} > ℓ₁`` for two non-zero entries, and for ``Δ > 0``,
``(ν₁^{1/m} + ν₂^{1/m})^m > ν₁ + ν₂ ≥ (‖α‖ + ‖γ‖)²`` at every ``x``.

**Depth.** ``P_L/D_L = F_L/(‖α‖ + ‖γ‖)`` depends on neither ``t`` nor ``a``. Off the condition
(``det B̂ > 0``) it is strictly increasing in ``L`` (``F_L = min_x ℓ_{1/m}(ν(x))^{1/2}`` and
``ℓ_q`` grows as ``q`` falls) and

    ``2^{L/2}(det B̂)^{1/4}/(‖α‖ + ‖γ‖) ≤ P_L/D_L ≤ 2^{(L−2)/2}``,

the left side by AM–GM (``ν₁^p + ν₂^p ≥ 2(ν₁ν₂)^{p/2}``, ``ν₁ν₂ = det B̂/(x(1−x)) ≥ 4 det B̂``),
the right by ``F_L ≤ ℓ_{2/L}`` (the orthogonal chain is always feasible; equality iff ``ρ ≤ 0``)
and the power-mean inequality (equality iff also ``‖α‖ = ‖γ‖``); as ``L → ∞``,
``2^{−L/2}P_L/D_L → (det B̂)^{1/4}/(‖α‖ + ‖γ‖)`` (power means fall to the geometric mean). The gap
grows geometrically, by a factor → √2 per layer, and is unbounded: depth never closes it. Near the
condition it opens like ``Δ^{2/(L−1)}`` (Hölder, not Lipschitz, for ``L ≥ 4``), so a rounding-level
misalignment of vector labels moves ``P_L`` by ``≈ ε^{2/(L−1)}``: :func:`rounding_sensitivity`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

import flint
import numpy as np
from scipy.optimize import brentq

from verify.instances import InstanceError
from verify.linalg import RANK_RTOL, rank_from_singular_values, relative_residual
from verify.networks import Network, ParallelNetwork
from verify.rigorous import lower, sum_of_squares, upper

#: ``X`` counts as rank 1 when ``σ₂ ≤ RANK1_RTOL·σ₁`` (the project's numerical-rank tolerance).
RANK1_RTOL = RANK_RTOL
#: Precision (bits) of the ball arithmetic that certifies the minimum over the first-layer split.
INTERVAL_BITS = 128
#: Relative rounding of the computed ``α``, ``γ`` and of an explicit network's outputs: the size
#: of label perturbation :func:`rounding_sensitivity` propagates. Measured: the tilt that the
#: rounding of :func:`primal_network`'s outputs produces moves its cost by at most 0.7× what
#: this value predicts (1500 random near-aligned instances, L = 3…8).
LABEL_ROUNDING = 32 * np.finfo(float).eps


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

    def atom_radius(self, L: int, t: float) -> float:
        """``σ_L = ‖a‖ t^{L−2}``: the largest ``x + y`` of a constraint vector ``c₊x + c₋y`` (the
        output of one unit of layer ``L − 1`` on ``a`` and ``−a``, for a unit input weight)."""
        return float(np.linalg.norm(self.a)) * t ** (L - 2)

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


def label_relation(alpha: np.ndarray, gamma: np.ndarray) -> tuple[int, bool]:
    """The sign of ``α·γ`` and whether ``α ∧ γ = 0`` (aligned or one of them 0), decided exactly:
    the floats are exact rationals. Every branch between the closed forms is taken on these."""
    a, g = [Fraction(float(v)) for v in alpha], [Fraction(float(v)) for v in gamma]
    dot = sum((x * y for x, y in zip(a, g, strict=True)), Fraction(0))
    parallel = all(a[i] * g[j] == a[j] * g[i] for i in range(len(a)) for j in range(i + 1, len(a)))
    return (dot > 0) - (dot < 0), parallel


def target_gram(alpha: np.ndarray, gamma: np.ndarray) -> np.ndarray:
    """``B̂``: the Gram matrix ``[[‖α‖², α·γ], [α·γ, ‖γ‖²]]`` if ``α·γ > 0``, else its diagonal
    (the off-diagonal of ``B`` only helps a network whose last Gram matrix has a negative
    off-diagonal, which non-negative streams never have)."""
    A, C = float(alpha @ alpha), float(gamma @ gamma)
    rho = float(alpha @ gamma) if label_relation(alpha, gamma)[0] > 0 else 0.0
    return np.array([[A, rho], [rho, C]])


def largest_ratio(L: int) -> float:
    """``2^{(L−2)/2}``: the largest ``P_L/D_L`` over all labels (at ``α·γ ≤ 0``, ``‖α‖ = ‖γ‖``)."""
    return 2.0 ** ((L - 2) / 2)


def dual_value(alpha: np.ndarray, gamma: np.ndarray, scale: float) -> float:
    """``D_L = (‖α‖ + ‖γ‖)/σ_L`` (``scale = σ_L``; ``= s`` at ``L = 3``)."""
    return (float(np.linalg.norm(alpha)) + float(np.linalg.norm(gamma))) / scale


# --- the minimum over the first-layer split -----------------------------------------------------


def _split_value_and_slope(x, y, A, C, rho, det, p, sqrt):
    """``h(x) = ν₊^p + ν₋^p`` and ``h′(x)``, ``ν±`` the eigenvalues of
    ``diag(x, y)^{−1/2} B̂ diag(x, y)^{−1/2}`` (``y = 1 − x``, ``det = det B̂``, ``p = 1/(L−1)``).

    Written once for floats and for ``flint.arb`` balls (``sqrt`` is the matching square root):
    ``ν₋ = det/(xy ν₊)`` and the discriminant as a sum of squares avoid cancellation.
    """
    xy = x * y
    a, c = A / x, C / y
    tau = a + c
    root = sqrt((a - c) ** 2 + 4 * rho * rho / xy)
    nu_hi = (tau + root) / 2
    delta = det / xy
    nu_lo = delta / nu_hi
    value = nu_hi**p + nu_lo**p
    # d/dx with dy/dx = −1: τ′ = −a/x + c/y, δ′ = δ(x − y)/(xy), (τ² − 4δ)′ = 2ττ′ − 4δ′.
    dtau = -a / x + c / y
    ddelta = delta * (x - y) / xy
    dnu_hi = (dtau + (2 * tau * dtau - 4 * ddelta) / (2 * root)) / 2
    dnu_lo = (ddelta - nu_lo * dnu_hi) / nu_hi
    slope = p * (nu_hi ** (p - 1) * dnu_hi + nu_lo ** (p - 1) * dnu_lo)
    return value, slope


def _split_point(u: float) -> tuple[float, float]:
    """``(x, 1 − x)`` at logit ``u``, both to full relative precision."""
    return 1.0 / (1.0 + math.exp(-u)), 1.0 / (1.0 + math.exp(u))


def _split_root(A: float, C: float, rho: float, det: float, L: int) -> float:
    """The logit ``u`` of the minimiser of ``h`` (``ρ > 0``, ``det > 0``): the root of ``h′``
    (increasing in ``x``, so in ``u``), bracketed by doubling steps and found by Brent's method."""
    p = 1.0 / (L - 1)

    def slope(u: float) -> float:
        return _split_value_and_slope(*_split_point(u), A, C, rho, det, p, math.sqrt)[1]

    if det <= 0.0:
        # aligned to rounding: the wedge vanished in floating point; start from the aligned
        # optimum x/y = ‖α‖/‖γ‖ (the certification does not rely on this point being exact)
        return 0.5 * math.log(A / C)
    lo, hi = -1.0, 1.0
    while slope(lo) > 0:
        lo *= 2.0
    while slope(hi) < 0:
        hi *= 2.0
    return brentq(slope, lo, hi, xtol=1e-14, rtol=4 * np.finfo(float).eps, maxiter=500)


def _unit_scaled(alpha: np.ndarray, gamma: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``α``, ``γ`` times the power of 2 nearest ``1/(‖α‖ + ‖γ‖)``: an exact scaling (the
    minimiser does not depend on the scale), so a non-zero wedge stays non-zero."""
    power = -round(math.log2(float(np.linalg.norm(alpha)) + float(np.linalg.norm(gamma))))
    return np.ldexp(alpha, power), np.ldexp(gamma, power)


def squared_norm(v: np.ndarray) -> flint.arb:
    """A ball containing ``‖v‖²`` for exact floats ``v``: exactly 0 for a zero vector (a ball
    around 0 would not have a real square root)."""
    return sum_of_squares(v) if np.any(v) else flint.arb(0)


def _ball_entries(alpha: np.ndarray, gamma: np.ndarray) -> tuple[flint.arb, ...]:
    """``A, C, ρ, det B`` as balls from the exact floats ``α``, ``γ`` (``det`` by Lagrange's
    identity: the sum of the squared 2×2 minors)."""
    al, ga = [flint.arb(float(v)) for v in alpha], [flint.arb(float(v)) for v in gamma]
    zero = flint.arb(0)
    A = sum((v * v for v in al), zero)
    C = sum((v * v for v in ga), zero)
    rho = sum((u * v for u, v in zip(al, ga, strict=True)), zero)
    det = zero
    for i in range(len(al)):
        for j in range(i + 1, len(al)):
            minor = al[i] * ga[j] - al[j] * ga[i]
            det += minor * minor
    return A, C, rho, det


def _certified_split_minimum(alpha: np.ndarray, gamma: np.ndarray, L: int) -> tuple[float, float]:
    """An enclosure ``[lo, hi]`` of ``F_L = min_x h(x)^{(L−1)/2}`` (``ρ > 0``, ``Δ > 0``): see the
    module docstring. Raises ``ArithmeticError`` if the signs of ``h′`` cannot be certified."""
    a, g = _unit_scaled(alpha, gamma)
    u_hat = _split_root(float(a @ a), float(g @ g), float(a @ g), wedge_norm(a, g) ** 2, L)
    with flint.ctx.workprec(INTERVAL_BITS):
        A, C, rho, det = _ball_entries(alpha, gamma)
        p, power = flint.arb(1) / (L - 1), flint.arb(L - 1) / 2

        def at(u: float) -> tuple[flint.arb, tuple[flint.arb, flint.arb]]:
            point = flint.arb(u)
            x, y = 1 / (1 + (-point).exp()), 1 / (1 + point.exp())
            return x, _split_value_and_slope(x, y, A, C, rho, det, p, flint.arb.sqrt)

        high = upper(at(u_hat)[1][0] ** power)
        step = 1e-9 * max(1.0, abs(u_hat))
        while step < 1.0:
            x_l, (h_l, slope_l) = at(u_hat - step)
            x_r, (_, slope_r) = at(u_hat + step)
            if upper(slope_l) < 0.0 < lower(slope_r):
                # h convex: h ≥ h(x_l) + h′(x_l)(x − x_l) ≥ h(x_l) + h′(x_l)(x_r − x_l) on
                # [x_l, x_r], and h ≥ h(x_l) resp. h(x_r) outside it (h′ keeps its sign there).
                floor = h_l + slope_l * (x_r - x_l)
                return lower(floor**power), high
            step *= 10.0
    raise ArithmeticError("the sign of h′ could not be certified around its root")


def primal_bracket(alpha: np.ndarray, gamma: np.ndarray, L: int) -> tuple[float, float]:
    """A certified enclosure ``[lo, hi]`` of ``F_L(α, γ) = σ_L·P_L`` for the exact floats ``α``,
    ``γ``: the closed forms in ball arithmetic, otherwise the certified minimum over the split
    (module docstring). ``hi`` is also the value of the explicit construction (the Gram
    geodesic at the computed split)."""
    sign, parallel = label_relation(alpha, gamma)
    if sign > 0 and not parallel:
        return _certified_split_minimum(alpha, gamma, L)
    with flint.ctx.workprec(INTERVAL_BITS):
        A, C = squared_norm(alpha), squared_norm(gamma)
        if not (np.any(alpha) and np.any(gamma)):
            value = (A + C).sqrt()  # one side is exactly 0
        elif sign <= 0:
            value = (A ** (flint.arb(1) / L) + C ** (flint.arb(1) / L)) ** (flint.arb(L) / 2)
        else:
            value = A.sqrt() + C.sqrt()
        return lower(value), upper(value)


def primal_value(alpha: np.ndarray, gamma: np.ndarray, scale: float, L: int) -> float:
    """``P_L(t) = F_L(α, γ)/σ_L`` of the standard network for interpolable labels (``scale =
    σ_L = ‖a‖t^{L−2}``; ``= s = t‖a‖`` at ``L = 3``): the upper end of :func:`primal_bracket`."""
    return primal_bracket(alpha, gamma, L)[1] / scale


def optimal_split(alpha: np.ndarray, gamma: np.ndarray, L: int) -> tuple[float, float]:
    """``(x, y)``, ``x + y = 1``, each to full relative precision: the shares ``‖p₁‖²/s²`` and
    ``‖q₁‖²/s²`` of the first layer's budget on the streams of ``a`` and ``−a`` at the optimum."""
    na, ng = float(np.linalg.norm(alpha)), float(np.linalg.norm(gamma))
    if ng == 0.0:
        return 1.0, 0.0
    if na == 0.0:
        return 0.0, 1.0
    sign, parallel = label_relation(alpha, gamma)
    if sign <= 0:
        # x/y = (‖α‖/‖γ‖)^{2/L}, written without overflow for extreme ratios
        ratio = (ng / na) ** (2.0 / L)
        return 1.0 / (1.0 + ratio), ratio / (1.0 + ratio)
    if parallel or wedge_norm(alpha, gamma) == 0.0:
        return na / (na + ng), ng / (na + ng)
    a, g = _unit_scaled(alpha, gamma)
    return _split_point(_split_root(float(a @ a), float(g @ g), float(a @ g),
                                    wedge_norm(a, g) ** 2, L))  # fmt: skip


def optimal_radii(alpha: np.ndarray, gamma: np.ndarray, s: float, L: int) -> tuple[float, float]:
    """``(r₁, r₂) = (‖p₁‖, ‖q₁‖)`` with ``r₁² + r₂² = s²`` at the optimum."""
    x, y = optimal_split(alpha, gamma, L)
    return s * math.sqrt(x), s * math.sqrt(y)


def zero_gap(alpha: np.ndarray, gamma: np.ndarray, L: int, rtol: float = 1e-12) -> bool:
    """The exact zero-gap condition ``α·γ = ‖α‖‖γ‖`` (``α``, ``γ`` aligned or one of them 0).

    Tested as ``α·γ ≥ 0`` and ``‖α ∧ γ‖ ≤ rtol^{(L−1)/2}·‖α‖‖γ‖``: near the condition the relative
    gap grows like ``(Δ/‖α‖‖γ‖)^{2/(L−1)}`` (linearly at ``L = 3``), so this threshold classifies
    the same instances as a certified gap at tolerance ``rtol`` does.
    """
    product = float(np.linalg.norm(alpha)) * float(np.linalg.norm(gamma))
    threshold = rtol ** ((L - 1) / 2) * product
    return float(alpha @ gamma) >= 0.0 and wedge_norm(alpha, gamma) <= threshold


def rounding_sensitivity(alpha: np.ndarray, gamma: np.ndarray, L: int) -> float:
    """How far (relatively) ``P_L`` can move when ``α``, ``γ`` move by their rounding
    :data:`LABEL_ROUNDING`: ``(m/2)·((Δ + δΔ)^{2/m} − Δ^{2/m})/((x y ν₊)^{1/m} h)`` at the optimal
    split, ``δΔ = 2·LABEL_ROUNDING·‖α‖‖γ‖`` (``P_L ∝ h^{m/2}`` and ``ν₋^{1/m} = (Δ²/(xyν₊))^{1/m}``
    is the only term that is not Lipschitz in the labels: Hölder with exponent ``2/m``).

    Zero where rounding cannot tilt ``α`` against ``γ``: ``α·γ ≤ 0``, a side 0, or both
    supported on one output coordinate (scalar labels).
    """
    support = np.count_nonzero((alpha != 0) | (gamma != 0))
    if not (np.any(alpha) and np.any(gamma)) or label_relation(alpha, gamma)[0] <= 0:
        return 0.0
    if support < 2:
        return 0.0
    m = L - 1
    a, g = _unit_scaled(alpha, gamma)
    A, C, rho, wedge = float(a @ a), float(g @ g), float(a @ g), wedge_norm(a, g)
    x, y = optimal_split(a, g, L)
    if x == 0.0 or y == 0.0:
        return 0.0  # a side below the rounding of the other gets no budget: nothing to tilt
    tau = A / x + C / y
    nu_hi = (tau + math.sqrt((A / x - C / y) ** 2 + 4 * rho * rho / (x * y))) / 2
    h = nu_hi ** (1 / m) + (wedge * wedge / (x * y * nu_hi)) ** (1 / m)
    tilt = 2 * LABEL_ROUNDING * math.sqrt(A * C)
    change = (wedge + tilt) ** (2 / m) - wedge ** (2 / m)
    return (m / 2) * change / ((x * y * nu_hi) ** (1 / m) * h)


# --- the optimal networks -----------------------------------------------------------------------


def completely_positive_factor(S: np.ndarray, det: float | None = None) -> np.ndarray:
    """``Z`` (2×2, entrywise ``≥ 0``) with ``ZᵀZ = S`` for a doubly non-negative 2×2 ``S``: rows
    ``g = (S₁₂, S₂₂)/√S₂₂`` and ``(√(det S/S₂₂), 0)`` (complete positivity of 2×2). ``det``, when
    known more accurately than ``S₁₁S₂₂ − S₁₂²`` (which cancels for nearly singular ``S``), is
    used instead."""
    s11, s12, s22 = max(S[0, 0], 0.0), max(S[0, 1], 0.0), max(S[1, 1], 0.0)
    if s22 <= 0.0:
        return np.array([[math.sqrt(s11), 0.0], [0.0, 0.0]])
    root = math.sqrt(s22)
    det = s11 * s22 - s12 * s12 if det is None else det
    return np.array([[s12 / root, root], [math.sqrt(max(det, 0.0) / s22), 0.0]])


def _spectrum(Z: np.ndarray, det: float) -> tuple[np.ndarray, np.ndarray]:
    """Eigenvalues (ascending) and eigenvectors of a symmetric PSD 2×2 ``Z`` whose determinant
    ``det`` is known accurately: the small eigenvalue is taken as ``det/ν₊`` rather than from the
    eigensolver, whose absolute error (≈ 1e-16·ν₊) its powers ``ν₋^θ`` would amplify to
    ``1e-16^θ``."""
    values, vectors = np.linalg.eigh(Z)
    large = max(float(values[1]), 0.0)
    small = det / large if large > 0 else 0.0
    return np.array([small, large]), vectors


def gram_chain(
    alpha: np.ndarray, gamma: np.ndarray, L: int, s: float, t: float
) -> list[tuple[np.ndarray, float]]:
    """The Gram matrices ``G₁, …, G_{L−1}`` of an optimal network with their determinants
    (module docstring): ``G₁`` the optimal split of ``s²``, then the geodesic towards ``B̂``
    scaled so that every constrained layer spends ``t²`` and the last two layers are balanced.
    The determinants come from ``det(G₁ #_θ B̂) = det(G₁)^{1−θ} det(B̂)^θ``, accurate where the
    entries of a nearly singular ``G_l`` would cancel."""
    m = L - 1
    x, y = optimal_split(alpha, gamma, L)
    target = target_gram(alpha, gamma)
    first = np.diag([x, y]) * s * s
    if target[0, 1] == 0.0 or x * y == 0.0:
        # Diagonal target (or a side too small to get any budget in floating point): the
        # geodesic is diagonal, diag(x^{1−θ}A^θ, y^{1−θ}C^θ), and a stream with no budget stays 0.
        def geodesic(theta: float) -> tuple[np.ndarray, float]:
            diag = np.diag(first) ** (1 - theta) * np.diag(target) ** theta
            return np.diag(diag), float(np.prod(diag))

        present = np.diag(first) > 0
        ratios = np.diag(target)[present] / np.diag(first)[present]
        trace = float(np.sum(ratios ** (1 / m)))
    else:
        half = np.diag(np.sqrt(np.diag(first)))
        inverse_half = np.diag(1.0 / np.sqrt(np.diag(first)))
        base = float(first[0, 0] * first[1, 1])
        det = wedge_norm(alpha, gamma) ** 2 / base
        values, vectors = _spectrum(inverse_half @ target @ inverse_half, det)

        def geodesic(theta: float) -> tuple[np.ndarray, float]:
            power = half @ ((vectors * values**theta) @ vectors.T) @ half
            return power, base * float(values[0] * values[1]) ** theta

        trace = float(np.sum(values ** (1 / m)))
    step = t * t / trace
    chain = [(first, float(first[0, 0] * first[1, 1]))]
    scales = [step ** (level - 1) for level in range(2, L - 1)] + [step ** ((L - 3) / 2)]
    for level, scale in enumerate(scales, start=2):
        gram, det = geodesic((level - 1) / m)
        chain.append((scale * gram, scale * scale * det))
    return chain


def _pad(A: np.ndarray, rows: int, cols: int) -> np.ndarray:
    out = np.zeros((max(rows, A.shape[0]), max(cols, A.shape[1])))
    out[: A.shape[0], : A.shape[1]] = A
    return out


def primal_network(data: Rank1Data, L: int, t: float, width: int = 2) -> Network:
    """Explicit optimal weights at depth ``L`` (width 2, zero-padded to ``width``): ``W₁ = a bᵀ/
    ‖a‖²`` with ``b = (r₁, −r₂)``; each later layer maps the streams ``H`` (2×2, units × streams)
    to ``H′ = Z`` for the non-negative factor ``Z`` of the next Gram matrix of :func:`gram_chain`
    by the least-norm ``W`` with ``WᵀH = Z`` (so ``‖W‖_F² = tr(G⁻¹G′)``); ``W_L`` is the least-norm
    solution of ``W_LᵀH_{L−1} = [α γ]``. Its cost is :func:`primal_value`."""
    s, a = data.radius(t), data.a
    K = data.alpha.size
    sizes = [a.size] + [width] * (L - 1) + [K]
    targets = np.column_stack([data.alpha, data.gamma])
    if not np.any(targets):  # Y = 0: the zero network, cost 0
        return Network(tuple(np.zeros((sizes[i], sizes[i + 1])) for i in range(L)), "relu")
    chain = gram_chain(data.alpha, data.gamma, L, s, t)
    radii = np.sqrt(np.diag(chain[0][0]))
    weights = [np.outer(a, [radii[0], -radii[1]]) / float(a @ a)]
    streams = np.diag(radii)
    for gram, det in chain[1:]:
        factor = completely_positive_factor(gram, det)
        W = np.linalg.lstsq(streams.T, factor.T, rcond=None)[0]
        weights.append(W)
        streams = np.maximum(W.T @ streams, 0.0)
    weights.append(np.linalg.lstsq(streams.T, targets.T, rcond=None)[0])
    return Network(tuple(_pad(W, sizes[i], sizes[i + 1]) for i, W in enumerate(weights)), "relu")


def parallel_network(data: Rank1Data, L: int, t: float) -> ParallelNetwork:
    """The bidual point at depth ``L ≥ 2``: one chain of single units per side, cost ``D_L``.

    Branch ``+``: ``W₁ = t a/‖a‖`` (outputs ``s c₊``), ``W_l = t`` for ``2 ≤ l ≤ L − 2`` (then
    ``σ_L c₊``), ``w_{L−1} = κ``, ``w_L = α/(σ_Lκ)``: output ``c₊αᵀ``, cost
    ``½(κ² + ‖α‖²/(σ_Lκ)²) = ‖α‖/σ_L`` at ``κ² = ‖α‖/σ_L``. At ``L = 2`` the first layer is the
    balanced one, ``W₁ = κ a/‖a‖``. Branch ``−`` likewise with ``−a`` and ``γ``.
    """
    sigma, a = data.atom_radius(L, t), data.a
    unit = a[:, None] / float(np.linalg.norm(a))
    branches = []
    for sign, target in ((1.0, data.alpha), (-1.0, data.gamma)):
        norm = float(np.linalg.norm(target))
        if norm == 0.0:
            continue
        kappa = math.sqrt(norm / sigma)
        last = target[None, :] / (sigma * kappa)
        if L == 2:
            branches.append(Network((sign * kappa * unit, last), "relu"))
            continue
        middle = [np.array([[t]])] * (L - 3)
        weights = (sign * t * unit, *middle, np.array([[kappa]]), last)
        branches.append(Network(weights, "relu"))
    if not branches:
        shapes = [a.size] + [1] * (L - 1) + [data.alpha.size]
        zeros = tuple(np.zeros((shapes[i], shapes[i + 1])) for i in range(L))
        branches.append(Network(zeros, "relu"))
    return ParallelNetwork(tuple(branches))


def parallel_value(data: Rank1Data, L: int, t: float) -> float:
    """The value of the parallel network (= ``D_L``, module docstring) on rank-1 data at depth
    ``L ≥ 2``, for interpolable labels: ``(‖α‖ + ‖γ‖)/(‖a‖ t^{L−2})``."""
    return dual_value(data.alpha, data.gamma, data.atom_radius(L, t))


def dual_point(data: Rank1Data, L: int, t: float) -> np.ndarray:
    """``Λ = c₊pᵀ/‖c₊‖² + c₋qᵀ/‖c₋‖²``, ``p = α/(σ_L‖α‖)``, ``q = γ/(σ_L‖γ‖)``: value ``D_L``."""
    sigma = data.atom_radius(L, t)
    Lam = np.zeros((data.c.size, data.alpha.size))
    for part, target in ((data.c_pos, data.alpha), (data.c_neg, data.gamma)):
        norm, weight = float(np.linalg.norm(target)), float(part @ part)
        if norm > 0 and weight > 0:
            Lam += np.outer(part, target) / (weight * sigma * norm)
    return Lam


def dual_constraint(Lam: np.ndarray, data: Rank1Data, L: int, t: float) -> float:
    """``max ‖Λᵀ(A_{L−2}w)₊‖`` over every feasible ``W₁ … W_{L−2}`` and ``‖w‖ ≤ 1``, exactly:
    ``σ_L·max(‖Λᵀc₊‖, ‖Λᵀc₋‖)`` (the vertices of the reduced constraint set)."""
    sigma = data.atom_radius(L, t)
    return sigma * max(
        float(np.linalg.norm(Lam.T @ data.c_pos)), float(np.linalg.norm(Lam.T @ data.c_neg))
    )


def infeasibility_ray(Y: np.ndarray, data: Rank1Data, L: int, t: float) -> tuple[float, float]:
    """For labels not of the form ``c₊αᵀ + c₋γᵀ``: the ray ``Λ = Y − c₊αᵀ − c₋γᵀ`` has
    ``Λᵀc± = 0``, so every ``κΛ`` is dual feasible and ``tr(ΛᵀY) = ‖Λ‖² > 0``: the dual is
    unbounded (at every depth, for standard and parallel networks). Returns its recomputed
    relative constraint value (≈ 0) and its objective ``tr(ΛᵀY)``."""
    ray = Y - data.fitted()
    scale = data.atom_radius(L, t) * float(np.linalg.norm(ray)) * float(np.linalg.norm(data.c))
    return dual_constraint(ray, data, L, t) / scale, float(np.sum(ray * Y))


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
    The same holds at every depth (only the first layer sees ``±a``).
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
