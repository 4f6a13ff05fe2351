"""Certified bounds on ``P_L`` and ``D_L`` for rank-1 data (C6; C5 at any depth on rank-1 data).

The data are read as their rank-1 reduction: ``X̂ = c aᵀ`` and ``Ŷ = c₊αᵀ + c₋γᵀ`` from
:func:`verify.rank1.rank1_data`, whose floats are exact rationals; the distance of ``(X, Y)`` from
``(X̂, Ŷ)`` is every bound's residual (the convention of C6). For ``(X̂, Ŷ)`` every bound here is
true for the exact numbers, whatever the rounding of its computation:

* **closed forms** in ball arithmetic (python-flint ``arb``, :mod:`verify.rigorous`):
  ``F_L`` from :func:`verify.rank1.primal_bracket` and ``‖α‖ + ‖γ‖``, divided by the ball
  ``σ_L = ‖a‖t^{L−2}``; the upper end of ``P_L``'s enclosure is the value of an explicit
  construction (the Gram geodesic of :func:`verify.rank1.gram_chain` at the computed split);
* **a network is not believed as computed** (:func:`network_upper_bound`): its first ``L − 1``
  layers are kept, a constrained layer whose norm may exceed ``t`` is scaled to ``t`` exactly
  (positive homogeneity scales the later streams by the same factor), the streams on ``±a`` are
  enclosed through every layer (the ReLU of a ball), a stream whose label is 0 is removed exactly
  (replacing ``W₁`` by ``W₁ − σ a (σb)₊ᵀ/(aᵀa)`` silences side ``σ`` without touching the other
  stream or raising ``‖W₁‖``), and the last layer is replaced by the exact least-norm solution
  of ``W_Lᵀ[p q] = [α γ]``, of cost ``tr(T G⁻¹ Tᵀ)`` with the streams' Gram matrix ``G``,
  enclosed: an exactly interpolating network costs at most the returned value. When ``G`` is
  not certified invertible (streams parallel to rounding) there is no bound;
* **the parallel network** likewise, branch by branch (:func:`parallel_upper_bound`);
* **the dual point** ``Λ``: ``Λᵀc±`` enclosed, its exact constraint
  ``σ_L·max(‖Λᵀc₊‖, ‖Λᵀc₋‖)`` bounded above, ``Λ`` divided by that bound, ``tr(ΛᵀŶ)`` bounded
  below (:func:`dual_point_lower_bound`).
"""

from __future__ import annotations

import flint
import numpy as np

from verify.linalg import relative_residual
from verify.networks import Network
from verify.rank1 import (
    INTERVAL_BITS,
    Rank1Data,
    dual_point,
    parallel_network,
    primal_bracket,
    primal_network,
    rounding_sensitivity,
    squared_norm,
)
from verify.result import Bound
from verify.rigorous import lower, upper

REDUCTION_PROOF = (
    "rank-1 reduction to two streams; per-layer Gram bound tr(G⁻¹M) ≤ ‖W‖_F², the chain "
    "inequality (Horn, Hölder) and the minimum over the first-layer split (verify.rank1); "
    "ball arithmetic"
)
CONSTRUCTION_PROOF = (
    "explicit construction: the Gram geodesic from the split to the labels' Gram matrix "
    "(verify.rank1.gram_chain), its cost enclosed in ball arithmetic"
)
DUAL_PROOF = "Cauchy–Schwarz: tr(ΛᵀY) = (Λᵀc₊)·α + (Λᵀc₋)·γ ≤ (‖α‖ + ‖γ‖)/σ_L; ball arithmetic"
PARALLEL_PROOF = (
    "weak duality: every dual-feasible Λ has tr(ΛᵀY) ≤ Σ_j ‖w_{L−1,j}‖‖w_{L,j}‖ ≤ the cost of any "
    "interpolating parallel network (its constraint is per branch)"
)


def _matrix(A: np.ndarray) -> flint.arb_mat:
    return flint.arb_mat(np.asarray(A, dtype=float).tolist())


def _atom_radius(data: Rank1Data, L: int, t: float) -> flint.arb:
    """The ball ``σ_L = ‖a‖ t^{L−2}``."""
    return squared_norm(data.a).sqrt() * flint.arb(t) ** (L - 2)


def primal_enclosure(data: Rank1Data, L: int, t: float) -> tuple[float, float]:
    """``[lo, hi] ∋ P_L(t)`` for ``(X̂, Ŷ)``; ``hi`` is attained by the explicit construction."""
    lo, hi = primal_bracket(data.alpha, data.gamma, L)
    with flint.ctx.workprec(INTERVAL_BITS):
        sigma = _atom_radius(data, L, t)
        return lower(flint.arb(lo) / sigma), upper(flint.arb(hi) / sigma)


def dual_enclosure(data: Rank1Data, L: int, t: float) -> tuple[float, float]:
    """``[lo, hi] ∋ D_L(t) = (‖α‖ + ‖γ‖)/σ_L`` for ``(X̂, Ŷ)``."""
    with flint.ctx.workprec(INTERVAL_BITS):
        total = squared_norm(data.alpha).sqrt() + squared_norm(data.gamma).sqrt()
        value = total / _atom_radius(data, L, t)
        return lower(value), upper(value)


def _relu(S: flint.arb_mat) -> flint.arb_mat:
    """The ReLU of every entry of a ball matrix (a ball straddling 0 becomes ``[0, upper]``)."""
    out = flint.arb_mat(S.nrows(), S.ncols())
    for i in range(S.nrows()):
        for j in range(S.ncols()):
            x = S[i, j]
            if x >= 0:
                out[i, j] = x
            elif not x <= 0:
                out[i, j] = flint.arb(0).union(x.upper())
    return out


def _least_norm_cost(streams: list[flint.arb_mat], targets: list[np.ndarray]) -> flint.arb | None:
    """``tr(T G⁻¹ Tᵀ)``: the squared norm of the least-norm ``W`` with ``Wᵀh_k = target_k`` for
    every stream ``h_k`` (rows of ``streams``), or ``None`` unless ``G = [h_iᵀh_j]`` is certified
    invertible."""
    if not streams:
        return flint.arb(0)
    gram = [[(h * k.transpose())[0, 0] for k in streams] for h in streams]
    if len(streams) == 1:
        if not gram[0][0] > 0:
            return None
        return squared_norm(targets[0]) / gram[0][0]
    g11, g12, g22 = gram[0][0], gram[0][1], gram[1][1]
    det = g11 * g22 - g12 * g12
    if not det > 0:
        return None
    total = flint.arb(0)
    for first, second in zip(targets[0], targets[1], strict=True):
        u, v = flint.arb(float(first)), flint.arb(float(second))
        total += g22 * u * u - 2 * g12 * u * v + g11 * v * v
    return total / det


def _refit_cost(
    network: Network, a: np.ndarray, targets: tuple[np.ndarray, np.ndarray], L: int, t: float
) -> flint.arb | None:
    """A ball containing the cost of an exactly interpolating network with ``f(a) = targets[0]``,
    ``f(−a) = targets[1]``, built from ``network`` as in the module docstring (``None`` if its
    streams' Gram matrix is not certified invertible)."""
    weights = network.weights
    streams = _matrix(np.vstack([a, -a]))
    shrink = flint.arb(1)
    for level, W in enumerate(weights[:-1], start=1):
        streams = _relu(streams * _matrix(W))
        if level <= L - 2:
            norm = squared_norm(W).sqrt()
            if not norm <= t:
                # the exact factor min(1, t/‖W‖) lies in this ball
                shrink *= flint.arb(1).union(flint.arb(t) / norm)
    present = [k for k in (0, 1) if np.any(targets[k])]
    rows = [flint.arb_mat([[streams[k, j] for j in range(streams.ncols())]]) for k in present]
    last = _least_norm_cost(rows, [targets[k] for k in present])
    if last is None:
        return None
    return (squared_norm(weights[-2]) + last / (shrink * shrink)) / 2


def network_upper_bound(network: Network, data: Rank1Data, L: int, t: float) -> float | None:
    """A certified upper bound on ``P_L(t)`` for ``(X̂, Ŷ)`` from a standard network of depth
    ``L`` (module docstring), or ``None``."""
    with flint.ctx.workprec(INTERVAL_BITS):
        cost = _refit_cost(network, data.a, (data.alpha, data.gamma), L, t)
        return None if cost is None else upper(cost)


def parallel_upper_bound(data: Rank1Data, L: int, t: float) -> float | None:
    """A certified upper bound on the parallel network's value (``= D_L``) from
    :func:`verify.rank1.parallel_network`: its branches fit ``α`` on ``a`` and ``γ`` on ``−a``."""
    zero = np.zeros_like(data.alpha)
    targets = [(data.alpha, zero), (zero, data.gamma)]
    present = [pair for pair in targets if np.any(pair[0]) or np.any(pair[1])]
    branches = parallel_network(data, L, t).branches
    with flint.ctx.workprec(INTERVAL_BITS):
        total = flint.arb(0)
        for branch, pair in zip(branches, present, strict=False):
            cost = _refit_cost(branch, data.a, pair, L, t)
            if cost is None:
                return None
            total += cost
        return upper(total)


def dual_point_lower_bound(data: Rank1Data, L: int, t: float) -> tuple[float, float]:
    """``(value, constraint)``: a certified lower bound on ``D_L(t)`` for ``(X̂, Ŷ)`` from
    :func:`verify.rank1.dual_point`, and the certified upper bound on its constraint that it was
    divided by (when above 1)."""
    Lam = dual_point(data, L, t)
    with flint.ctx.workprec(INTERVAL_BITS):
        projections = [_matrix(part[None, :]) * _matrix(Lam) for part in (data.c_pos, data.c_neg)]
        value, norms = flint.arb(0), []
        for projection, target in zip(projections, (data.alpha, data.gamma), strict=True):
            entries = [projection[0, j] for j in range(projection.ncols())]
            value += sum((e * flint.arb(float(v)) for e, v in zip(entries, target, strict=True)),
                         flint.arb(0))  # fmt: skip
            norms.append(sum((e * e for e in entries), flint.arb(0)).sqrt())
        sigma = _atom_radius(data, L, t)
        constraint = max(upper(sigma * norm) for norm in norms)
        return lower(value / max(1.0, constraint)), constraint


def certified_bounds(
    X: np.ndarray, Y: np.ndarray, data: Rank1Data, L: int, t: float, width: int = 2
) -> dict[str, list[Bound]]:
    """Every certified bound on ``P_L(t)`` and ``D_L(t)`` for interpolable labels, keyed like
    :data:`verify.claims.base.BOUND_NAMES`; residual: the distance of ``(X, Y)`` from
    ``(X̂, Ŷ)`` (and, on the closed forms, :func:`verify.rank1.rounding_sensitivity`). Weak
    duality (``P ≥ D``) is left to the caller (:meth:`verify.claims.base.Claim.check`)."""
    off_rank1 = relative_residual(X - np.outer(data.c, data.a), X)
    closed = max(data.residual, off_rank1)
    exact = max(closed, rounding_sensitivity(data.alpha, data.gamma, L))
    P_lo, P_hi = primal_enclosure(data, L, t)
    _, D_hi = dual_enclosure(data, L, t)
    found: dict[str, list[Bound]] = {
        "primal_lower": [Bound(P_lo, "closed-form", exact, REDUCTION_PROOF)],
        "primal_upper": [Bound(P_hi, "closed-form", exact, CONSTRUCTION_PROOF)],
        "dual_lower": [],
        "dual_upper": [Bound(D_hi, "closed-form", closed, DUAL_PROOF)],
    }
    witness = network_upper_bound(primal_network(data, L, t, width), data, L, t)
    if witness is not None:
        how = f"explicit optimal weights, depth {L} (verify.rank1), last layer refit exactly"
        found["primal_upper"].append(Bound(witness, "certificate", closed, how))
    value, constraint = dual_point_lower_bound(data, L, t)
    how = (
        "Λ = c₊pᵀ/‖c₊‖² + c₋qᵀ/‖c₋‖², p = α/(σ_L‖α‖), q = γ/(σ_L‖γ‖); exact constraint "
        f"σ_L·max(‖Λᵀc₊‖, ‖Λᵀc₋‖) ≤ {constraint:.12g}, certified"
    )
    found["dual_lower"].append(Bound(value, "certificate", closed, how))
    parallel = parallel_upper_bound(data, L, t)
    if parallel is not None:
        found["dual_upper"].append(Bound(parallel, "certificate", closed, PARALLEL_PROOF))
    return found
