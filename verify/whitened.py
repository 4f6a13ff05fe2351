"""Three-layer standard ReLU networks on whitened data, scalar outputs (C6, issue item 4).

The v1 abstract claimed a non-zero duality gap for whitened data. Formulation as in
:mod:`verify.rank1` (``‖W₁‖_F ≤ t``, cost ``½(‖W₂‖² + ‖W₃‖²)``, interpolation), ``y ∈ R^N``.

Two bounds hold for **every** ``X`` (proofs below), with ``ℓ_p(u, v) = (u^p + v^p)^{1/p}``:

* **label-split lower bound** ``P ≥ ℓ_{2/3}(‖y₊‖, ‖y₋‖)/(t‖X‖₂)``: write the output as
  ``Σⱼ ρⱼ(A ŵⱼ)₊`` (``A = (XW₁)₊``, unit ``ŵⱼ``, cost ``≥ Σ|ρⱼ|``). On the rows ``I₊`` where
  ``y > 0``, ``0 < y_{I₊} ≤ Σ_{ρⱼ>0} ρⱼ(A_{I₊}ŵⱼ)₊``, so ``Σ_{ρⱼ>0} ρⱼ ≥ ‖y₊‖/‖A_{I₊}‖₂``;
  likewise for ``I₋``; and ``‖A_{I₊}‖₂² + ‖A_{I₋}‖₂² ≤ ‖A‖_F² ≤ ‖XW₁‖_F² ≤ (t‖X‖₂)²``.
  Minimising ``‖y₊‖/r₁ + ‖y₋‖/r₂`` over ``r₁² + r₂² ≤ (t‖X‖₂)²`` gives the bound;
* **sign dual point** ``λ = (ŷ₊ − ŷ₋)/(t‖X‖₂)`` is dual feasible, so
  ``D ≥ ℓ₁(‖y₊‖, ‖y₋‖)/(t‖X‖₂)``: every constraint vector ``z = ((XW₁)₊w)₊`` is ``≥ 0`` with
  ``‖z‖ ≤ t‖X‖₂``, and for ``z ≥ 0``, ``|λᵀz| ≤ max(‖λ₊‖, ‖λ₋‖)‖z‖``.

**Orthonormal rows** (``XXᵀ = I``, ``N ≤ d``): ``XW₁`` ranges over all ``‖H‖_F ≤ t``, so both
bounds are attained — by the standard network ``W₁ = Xᵀ[r₁ŷ₊, r₂ŷ₋]`` (the radii of
:func:`verify.rank1.optimal_radii`) and by the two-branch parallel network
``W₁ = t Xᵀŷ±`` (weak duality bounds ``D`` by its cost). Certified and exact:
``P = ℓ_{2/3}(‖y₊‖, ‖y₋‖)/t``, ``D = ℓ₁(‖y₊‖, ‖y₋‖)/t``: a gap iff ``y`` has both signs, at most
a factor ``√2``. **Orthonormal columns** (``XᵀX = I``, ``N > d``): the two bounds still hold
(``‖X‖₂ = 1``) but are not attained in general; upper bounds come from search — the standard
network (an upper bound on ``P`` only) and the parallel network (a feasible parallel network is
a certificate: weak duality bounds ``D`` by its cost). A gap is *certified* when the proved lower
bound on ``P`` exceeds a parallel network's cost; otherwise the question rests on search.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from verify.instances import Instance, InstanceError
from verify.linalg import numerical_rank, spectral_norm
from verify.networks import Model, Network, ParallelNetwork, primal_certificate
from verify.rank1 import optimal_radii, rank1_data
from verify.rank1_bounds import certified_bounds
from verify.relu_parallel import exact_last_layer
from verify.result import Bound
from verify.search import Architecture, search_bounds

#: the v1 abstract's whitened-data statement is about three-layer networks
WHITENED_DEPTH = 3
#: ``XXᵀ = I`` or ``XᵀX = I`` within this (absolute, entrywise) tolerance
ORTHONORMAL_ATOL = 1e-10

SPLIT_PROOF = "label-split bound P ≥ ℓ_{2/3}(‖y₊‖,‖y₋‖)/(t‖X‖₂) (verify.whitened)"
PARALLEL_PROOF = "weak duality: D ≤ the cost of any interpolating parallel network"


def orientation(X: np.ndarray, atol: float = ORTHONORMAL_ATOL) -> str:
    """``"rows"`` if ``XXᵀ = I`` (square orthogonal ``X`` counts as rows), ``"columns"`` if
    ``XᵀX = I``; otherwise :class:`InstanceError` (field ``X``)."""
    N, d = X.shape
    if N <= d and np.allclose(X @ X.T, np.eye(N), rtol=0, atol=atol):
        return "rows"
    if np.allclose(X.T @ X, np.eye(d), rtol=0, atol=atol):
        return "columns"
    raise InstanceError("X", f"must have orthonormal rows or columns (within {atol:.0e})")


def _sign_parts(y: np.ndarray) -> tuple[np.ndarray, np.ndarray, float, float]:
    pos, neg = np.maximum(y, 0.0), np.maximum(-y, 0.0)
    return pos, neg, float(np.linalg.norm(pos)), float(np.linalg.norm(neg))


def split_lower_bound(X: np.ndarray, y: np.ndarray, t: float) -> Bound:
    """``ℓ_{2/3}(‖y₊‖, ‖y₋‖)/(t‖X‖₂)`` ≤ ``P``, for any ``X``."""
    _, _, p, m = _sign_parts(y)
    value = (p ** (2 / 3) + m ** (2 / 3)) ** 1.5 / (t * spectral_norm(X))
    return Bound(value, "closed-form", 0.0, SPLIT_PROOF)


def sign_dual_bound(X: np.ndarray, y: np.ndarray, t: float) -> Bound:
    """``λ = (ŷ₊ − ŷ₋)/(t‖X‖₂)``: feasibility ``t‖X‖₂·max(‖λ₊‖, ‖λ₋‖) ≤ 1`` and ``λᵀy``
    recomputed (``λ`` is rescaled into the feasible set if rounding pushed it out)."""
    pos, neg, p, m = _sign_parts(y)
    radius = t * spectral_norm(X)
    lam = np.zeros_like(y)
    if p > 0:
        lam += pos / (radius * p)
    if m > 0:
        lam -= neg / (radius * m)
    constraint = radius * max(
        np.linalg.norm(np.maximum(lam, 0)), np.linalg.norm(np.minimum(lam, 0))
    )
    if constraint > 1.0:
        lam = lam / constraint
    how = f"sign dual point; t‖X‖₂·max(‖λ₊‖, ‖λ₋‖) = {constraint:.12g} recomputed"
    return Bound(float(lam @ y), "certificate", 0.0, how)


def rows_primal_network(X: np.ndarray, y: np.ndarray, t: float) -> Network:
    """Orthonormal rows: ``W₁ = Xᵀ[r₁ŷ₊, r₂ŷ₋]`` (so ``(XW₁)₊ = [r₁ŷ₊, r₂ŷ₋]``), then one balanced
    neuron per sign: cost ``ℓ_{2/3}(‖y₊‖, ‖y₋‖)/t``."""
    pos, neg, p, m = _sign_parts(y)
    r = optimal_radii(np.array([p]), np.array([-m]), t, WHITENED_DEPTH)
    H, W2, W3 = np.zeros((y.size, 2)), np.zeros((2, 2)), np.zeros((2, 1))
    for j, (part, size, sign) in enumerate(((pos, p, 1.0), (neg, m, -1.0))):
        if size > 0 and r[j] > 0:
            H[:, j] = r[j] * part / size
            kappa = math.sqrt(size / r[j])
            W2[j, j], W3[j, 0] = kappa, sign * size / (r[j] * kappa)
    return Network((X.T @ H, W2, W3), "relu")


def rows_parallel_network(X: np.ndarray, y: np.ndarray, t: float) -> ParallelNetwork:
    """Orthonormal rows: branch ``±`` has ``W₁ = t Xᵀŷ±``: cost ``(‖y₊‖ + ‖y₋‖)/t``."""
    pos, neg, p, m = _sign_parts(y)
    branches = []
    for part, size, sign in ((pos, p, 1.0), (neg, m, -1.0)):
        if size > 0:
            kappa = math.sqrt(size / t)
            W1 = X.T @ (t * part / size)[:, None]
            branches.append(
                Network((W1, np.array([[kappa]]), np.array([[sign * size / (t * kappa)]])), "relu")
            )
    if not branches:  # y = 0: the zero network
        branches.append(Network((np.zeros((X.shape[1], 1)), np.zeros((1, 1)), np.zeros((1, 1)))))
    return ParallelNetwork(tuple(branches))


@dataclass(frozen=True)
class WhitenedFinding:
    """Bounds on ``P`` and ``D`` for one whitened instance; each :class:`Bound` says how it was
    obtained (``closed-form``/``certificate``: certified; ``search``: rests on search)."""

    orientation: str
    primal_lower: Bound
    primal_upper: Bound | None
    dual_lower: Bound
    dual_upper: Bound | None
    tolerance: float

    def _slack(self, value: float) -> float:
        return self.tolerance * max(1.0, abs(value))

    @property
    def gap_certified(self) -> bool:
        """Proved ``P`` lower bound above a certified ``D`` upper bound."""
        if self.dual_upper is None:
            return False
        lo, hi = self.primal_lower.value, self.dual_upper.value
        return lo - hi > self._slack(lo)

    @property
    def exact(self) -> bool:
        """Both values pinned by certified bounds from both sides."""
        pairs = ((self.primal_lower, self.primal_upper), (self.dual_lower, self.dual_upper))
        return all(
            hi is not None and hi.kind != "search" and hi.value - lo.value <= self._slack(lo.value)
            for lo, hi in pairs
        )

    def to_json(self) -> dict[str, object]:
        def side(bound: Bound | None) -> dict[str, object] | None:
            return None if bound is None else bound.to_json()

        return {
            "orientation": self.orientation,
            "primal_lower": side(self.primal_lower),
            "primal_upper": side(self.primal_upper),
            "dual_lower": side(self.dual_lower),
            "dual_upper": side(self.dual_upper),
            "gap_certified": self.gap_certified,
            "exact": self.exact,
        }


def _best(bounds: list[Bound], tol: float, pick=min) -> Bound | None:
    """The tightest bound whose recomputed residual is within ``tol`` (``pick``: min or max)."""
    valid = [b for b in bounds if b.residual <= tol and math.isfinite(b.value)]
    return pick(valid, key=lambda b: b.value) if valid else None


def _rank1_bounds(instance: Instance, tol: float) -> dict[str, list[Bound]]:
    """Whitened and rank 1 (one row, or one column): C6's exact bounds (:mod:`verify.rank1`)."""
    data = rank1_data(instance.X, instance.Y)
    if data.residual > tol:
        raise InstanceError(
            "Y", "no network interpolates these labels on rank-1 data: use Y = c₊α + c₋γ"
        )
    return certified_bounds(instance.X, instance.Y, data, WHITENED_DEPTH, instance.t)


def _rows_bounds(X: np.ndarray, Y: np.ndarray, t: float) -> dict[str, list[Bound]]:
    y = Y[:, 0]
    network = rows_primal_network(X, y, t)
    parallel = rows_parallel_network(X, y, t)
    how = f"explicit parallel network W₁ = t Xᵀŷ±; {PARALLEL_PROOF}"
    return {
        "primal_upper": [
            primal_certificate(X, Y, network, "t", t=t, how="explicit network W₁ = Xᵀ[r₁ŷ₊, r₂ŷ₋]")
        ],
        "dual_upper": [primal_certificate(X, Y, parallel, "t", t=t, how=how)],
    }


def exact_output_weights(X: np.ndarray, y: np.ndarray, network: Model) -> Model:
    """A parallel ReLU network (scalar output) whose output weights are re-solved so that it
    interpolates ``y`` up to rounding (:func:`verify.relu_parallel.exact_last_layer` on the
    branches' unit features, then every branch rebalanced): a search's network, feasible only
    within the search's tolerance, becomes a certificate for the labels as given."""
    if not isinstance(network, ParallelNetwork):
        return network
    norms = np.array([np.linalg.norm(b.weights[-2]) for b in network.branches])
    if np.any(norms == 0):
        return network
    units = [b.weights[-2] / n for b, n in zip(network.branches, norms, strict=True)]
    features = np.column_stack(
        [
            Network((*b.weights[:-2], u, np.ones((1, 1))), "relu").forward(X)[:, 0]
            for b, u in zip(network.branches, units, strict=True)
        ]
    )
    weights = norms * np.array([float(b.weights[-1][0, 0]) for b in network.branches])
    weights = exact_last_layer(features, weights, y)
    return ParallelNetwork(
        tuple(
            Network(
                (
                    *b.weights[:-2],
                    u * math.sqrt(abs(w)),
                    np.array([[math.copysign(math.sqrt(abs(w)), w)]]),
                ),
                "relu",
            )
            for b, u, w in zip(network.branches, units, weights, strict=True)
        )
    )


def _signed_root(w: float) -> float:
    return math.copysign(math.sqrt(abs(w)), w)


def _search_bounds(
    X: np.ndarray, Y: np.ndarray, t: float, rng: np.random.Generator, restarts: int, max_iter: int
) -> dict[str, list[Bound]]:
    """Standard-network search (upper bounds on ``P``: search) and parallel-network search
    (feasible parallel networks: certified upper bounds on ``D`` by weak duality)."""
    N = X.shape[0]
    standard = Architecture(L=WHITENED_DEPTH, activation="relu", width=N + 2)
    parallel = Architecture(
        L=WHITENED_DEPTH, activation="relu", width=N, branches=2 * N + 2, parallel=True
    )
    found: dict[str, list[Bound]] = {}
    for name, arch, kind, how in (
        ("primal_upper", standard, "search", "standard-network search"),
        ("dual_upper", parallel, "certificate", f"parallel network from search; {PARALLEL_PROOF}"),
    ):

        def evaluate(model, kind=kind, how=how):
            if kind == "certificate":  # a feasible point must interpolate up to rounding
                model = exact_output_weights(X, Y[:, 0], model)
            return primal_certificate(X, Y, model, "t", t=t, how=how, bound_kind=kind)

        found[name], _ = search_bounds(
            X,
            Y,
            arch,
            evaluate=evaluate,
            claimed=None,
            restarts=restarts,
            max_iter=max_iter,
            rng=rng,
            t=t,
        )
    return found


def whitened_gap_bounds(
    instance: Instance,
    rng: np.random.Generator,
    restarts: int = 4,
    max_iter: int = 2000,
    tol: float = 1e-9,
) -> WhitenedFinding:
    """Bounds on ``P`` and ``D`` for scalar labels on whitened ``X``: exact (certified) for
    orthonormal rows and for rank-1 ``X``; otherwise the proved bounds plus search."""
    instance.require("t")
    if instance.K != 1:
        raise InstanceError("Y", "the whitened exploration covers scalar outputs only: K = 1")
    X, Y, t = instance.X, instance.Y, instance.t
    kind = orientation(X)
    found: dict[str, list[Bound]] = {
        "primal_lower": [split_lower_bound(X, Y[:, 0], t)],
        "dual_lower": [sign_dual_bound(X, Y[:, 0], t)],
    }
    if numerical_rank(X) == 1:
        extra = _rank1_bounds(instance, tol)
    elif kind == "rows":
        extra = _rows_bounds(X, Y, t)
    else:
        extra = _search_bounds(X, Y, t, rng, restarts, max_iter)
    for name, bounds in extra.items():
        found.setdefault(name, []).extend(bounds)
    return WhitenedFinding(
        orientation=kind,
        primal_lower=_best(found["primal_lower"], tol, max),
        primal_upper=_best(found["primal_upper"], tol),
        dual_lower=_best(found["dual_lower"], tol, max),
        dual_upper=_best(found["dual_upper"], tol),
        tolerance=tol,
    )
