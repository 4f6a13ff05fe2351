"""Column generation with exact pricing for the two-layer parallel ReLU problem (C5, ``L = 2``).

The problem is a linear program over infinitely many columns, one per first layer ``u``
(``‖u‖ = 1``): ``P = min Σ_j |a_j|`` s.t. ``Σ_j a_j (Xu_j)_+ = y``, with dual ``max yᵀλ`` s.t.
``|λᵀ(Xu)_+| ≤ 1`` for every ``u``, i.e. ``σ(λ) ≤ 1``. Column generation solves it without ever
building the convex program over all arrangement patterns:

* restricted master: the LP over a working set of columns (HiGHS), with a slack column of cost
  ``M`` per label so that it is always feasible (an exact penalty once ``M`` exceeds the
  optimal ``‖λ‖_∞``; ``M`` is doubled while the slack is used);
* pricing: its multipliers ``λ`` are checked over *every* exact pattern and sign
  (:func:`verify.cone_support.price`): each violated pattern contributes its exact maximiser
  ``u`` (the projection onto the pattern's cone, on the exact face) as a new column;
* stop when no pattern is violated beyond :data:`CONVERGED`. The same pass gives a certified
  ``ρ ≥ σ(λ)``, so ``λ/ρ`` is dual feasible (a certified lower bound, see
  :func:`verify.relu_parallel.feasible_multipliers`) in every round, not only the last, and the
  master's basis, solved exactly on its columns, is a network that interpolates ``y`` up to
  rounding (:func:`verify.relu_parallel.last_layer`): a certified upper bound.

The working set starts from given columns (a warm start: sampled directions, or the solution of
a smaller program).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import linprog

from verify.arrangements import PatternSet
from verify.cone_support import Pricing, cone_multipliers, dot_lower, price
from verify.networks import ParallelNetwork
from verify.relu_parallel import (
    NEAR_OPTIMAL,
    DualCertificate,
    ReluProblem,
    UnitBranch,
    assemble,
    feasible_multipliers,
    last_layer,
    rescaled_multipliers,
)

#: Pricing looks for patterns whose value exceeds ``1 + CONVERGED``.
CONVERGED = 1e-10
#: Column generation stops when the master's value is within this relative distance of the
#: best certified lower bound.
GAP_TARGET = 1e-9
#: Columns added per round, in units of N: the most violated maximisers first.
COLUMNS_PER_ROUND = 1
#: Newton's polish is tried once the master's multipliers violate no pattern by more than this.
POLISH_FROM = 1e-2
#: Rounds at most (the bounds are certified whenever the loop ends; only their gap suffers).
MAX_ROUNDS = 200
#: HiGHS tolerances: the multipliers must satisfy the master's constraints far below the
#: convergence threshold.
LP_OPTIONS = {"primal_feasibility_tolerance": 1e-10, "dual_feasibility_tolerance": 1e-10}


class MasterFailure(RuntimeError):
    """The restricted master LP was not solved."""


@dataclass(frozen=True)
class Master:
    """A solved restricted master: weights of the columns, slack, value and multipliers."""

    weights: np.ndarray
    slack: np.ndarray
    value: float
    multipliers: np.ndarray


def solve_master(features: np.ndarray, y: np.ndarray, penalty: float) -> Master:
    """``min Σ|a_j| + penalty·Σ|s_k|`` s.t. ``features·a + s = y`` (HiGHS)."""
    N, m = features.shape
    identity = np.eye(N)
    program = linprog(
        np.concatenate([np.ones(2 * m), np.full(2 * N, penalty)]),
        A_eq=np.hstack([features, -features, identity, -identity]),
        b_eq=y,
        bounds=(0, None),
        method="highs",
        options=LP_OPTIONS,
    )
    if program.status != 0:
        raise MasterFailure(f"HiGHS: {program.message}")
    x = program.x
    weights = x[:m] - x[m : 2 * m]
    slack = x[2 * m : 2 * m + N] - x[2 * m + N :]
    return Master(weights, slack, float(program.fun), np.asarray(program.eqlin.marginals))


@dataclass(frozen=True)
class Round:
    """One round: columns in the master, its value, the largest pattern value of its ``λ``
    (floating point), the certified ``ρ`` and the certified lower bound ``yᵀλ/ρ'`` it gives, the
    columns added, and the time taken."""

    columns: int
    master_value: float
    violation: float
    rho: float
    dual_lower: float
    added: int
    seconds: float

    @property
    def relative_gap(self) -> float:
        """``(master − certified lower)/master``: the master's value is an upper bound up to
        the LP's tolerance (the final network is the certified one)."""
        return (self.master_value - self.dual_lower) / self.master_value

    def to_json(self) -> dict[str, float | int]:
        return {
            "columns": self.columns,
            "max_pattern_value": self.violation,
            "relative_gap": self.relative_gap,
            "added": self.added,
            "seconds": round(self.seconds, 4),
        }


@dataclass
class Outcome:
    """Where column generation ended: the columns (unit ``directions`` and their ``features``),
    the last master's output ``weights``, the ``multipliers`` with the best certified lower
    bound and their certified ``rho``, whether the master used its slack, and the rounds."""

    directions: np.ndarray
    features: np.ndarray
    weights: np.ndarray
    multipliers: np.ndarray
    rho: float
    slack: bool
    rounds: list[Round] = field(default_factory=list)

    @property
    def converged(self) -> bool:
        return bool(not self.slack and self.rounds[-1].relative_gap <= GAP_TARGET)


def _uses_slack(master: Master) -> bool:
    """Whether the master leans on its slack beyond the LP's feasibility tolerance."""
    return float(np.max(np.abs(master.slack))) > 1e3 * LP_OPTIONS["primal_feasibility_tolerance"]


def relu_features(X: np.ndarray, directions: np.ndarray) -> np.ndarray:
    """``(X u_j)_+`` for the unit directions ``u_j`` (rows of ``directions``): N×m."""
    return np.maximum(X @ directions.T, 0.0)


def two_layer(
    X: np.ndarray,
    y: np.ndarray,
    inner: PatternSet,
    start: np.ndarray,
    max_rounds: int = MAX_ROUNDS,
) -> Outcome:
    """Column generation for ``L = 2`` from the unit directions ``start`` (rows).

    Each round solves the master, prices its multipliers and, near the end, those of a Newton
    polish (:func:`newton_polish`), adding the violated patterns' maximisers (and Newton's
    directions) as columns. It stops when the master's value is within :data:`GAP_TARGET` of
    the best certified lower bound so far (the master's value is an upper bound up to the LP's
    tolerance; the final network is re-certified by the caller)."""
    directions = _unit_rows(start)
    features = relu_features(X, directions)
    penalty = _initial_penalty(features, y)
    rounds: list[Round] = []
    best = (-np.inf, np.zeros_like(y), np.inf)  # certified lower bound, multipliers, ρ
    while True:
        begin = time.perf_counter()
        master = solve_master(features, y, penalty)
        slack = _uses_slack(master)
        pricing = _price(X, y, inner, master.multipliers)
        violation = float(pricing.values[0]) if pricing.values.size else 1.0
        tried = [(master.multipliers, pricing)]
        added = [pricing.directions]
        if not slack and violation <= 1 + POLISH_FROM:
            polished = newton_polish(X, y, master, directions)
            if polished is not None:
                again = _price(X, y, inner, polished.multipliers)
                tried.append((polished.multipliers, again))
                added += [polished.directions, again.directions]
        for multipliers, found in tried:
            lower = _lower(X, y, multipliers, found.bound)
            if lower > best[0]:
                best = (lower, multipliers, found.bound)
        fresh = _new_rows(np.vstack(added), directions)
        rounds.append(
            Round(
                features.shape[1],
                master.value,
                violation,
                best[2],
                best[0],
                len(fresh),
                time.perf_counter() - begin,
            )
        )
        close = not slack and rounds[-1].relative_gap <= GAP_TARGET
        if close or len(rounds) >= max_rounds or (len(fresh) == 0 and not slack):
            return Outcome(directions, features, master.weights, best[1], best[2], slack, rounds)
        if slack and len(fresh) == 0:
            penalty *= 2  # the slack is still used: λ is capped by the penalty
        directions = np.vstack([directions, fresh])
        features = np.hstack([features, relu_features(X, fresh)])


def _lower(X: np.ndarray, y: np.ndarray, multipliers: np.ndarray, rho: float) -> float:
    """The certified lower bound ``yᵀλ/ρ'`` of multipliers with certified maximum ``ρ``."""
    return dot_lower(y, rescaled_multipliers(X, multipliers, rho, 1.0))


def _price(X: np.ndarray, y: np.ndarray, inner: PatternSet, multipliers: np.ndarray) -> Pricing:
    """Pricing: the most violated patterns' maximisers (up to ``COLUMNS_PER_ROUND·N``)."""
    return price(X, inner, multipliers, 1 + CONVERGED, COLUMNS_PER_ROUND * len(y))


def _with_columns(
    X: np.ndarray,
    directions: np.ndarray,
    features: np.ndarray,
    new: np.ndarray,
    new_weights: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The columns with ``new`` appended, and weights that are ``new_weights`` on those."""
    weights = np.concatenate([np.zeros(len(directions)), new_weights])
    return np.vstack([directions, new]), np.hstack([features, relu_features(X, new)]), weights


def _unit_rows(directions: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(directions, axis=1)
    keep = norms > 0
    return directions[keep] / norms[keep, None]


def _new_rows(candidates: np.ndarray, existing: np.ndarray) -> np.ndarray:
    """The candidate directions not already among the columns (exact duplicates only)."""
    if candidates.size == 0:
        return candidates
    seen = {row.tobytes() for row in existing}
    fresh, kept = [], set()
    for row in candidates:
        key = row.tobytes()
        if key not in seen and key not in kept:
            kept.add(key)
            fresh.append(row)
    return np.array(fresh).reshape(-1, candidates.shape[1])


def _initial_penalty(features: np.ndarray, y: np.ndarray) -> float:
    """A slack cost above what interpolating with the columns would cost per unit of label,
    when they can (the minimum-norm weights' ``Σ|a|/‖y‖_1``), and at least 1."""
    weights = np.linalg.lstsq(features, y, rcond=None)[0]
    return max(1.0, 10.0 * float(np.sum(np.abs(weights))) / max(float(np.sum(np.abs(y))), 1e-300))


@dataclass(frozen=True)
class Certificates:
    """The network of the last master's basis (interpolating up to rounding), the certified
    dual point of its multipliers, and how column generation got there."""

    network: ParallelNetwork
    dual: DualCertificate
    outcome: Outcome


def certify_two_layer(problem: ReluProblem, start: np.ndarray) -> Certificates:
    """Column generation from ``start`` on ``problem`` (``L = 2``), then both certificates."""
    X, y = problem.X, problem.y
    outcome = two_layer(X, y, problem.inner, start)
    # Complementary slackness: an optimal network uses only first layers where |λᵀ(Xu)_+|
    # reaches its maximum. Those of the final λ (exact maximisers, on the exact faces) join the
    # columns, preferred with the best point's own by the LP over all of them; the basis is
    # then solved exactly.
    level = outcome.rho * (1 - NEAR_OPTIMAL)
    optimal = price(X, problem.inner, outcome.multipliers, level, 2 * len(y))
    directions, features, weights = _with_columns(
        X, outcome.directions, outcome.features, optimal.directions, np.zeros(len(optimal.values))
    )
    weights[: len(outcome.weights)] = outcome.weights
    preferred = (weights != 0) | (np.arange(len(weights)) >= len(outcome.weights))
    weights = last_layer(features, weights, y, preferred)
    candidates = [UnitBranch((u[:, None],)) for u in directions]
    dual = feasible_multipliers(problem, outcome.multipliers, outcome.rho)
    return Certificates(assemble(candidates, weights), dual, outcome)


def sampled_directions(d: int, count: int, rng: np.random.Generator) -> np.ndarray:
    """``count`` Gaussian directions: the warm start (their patterns are sampled patterns)."""
    return rng.standard_normal((count, d))


#: Newton steps at most per polish, and the relative residual of the optimality conditions at
#: which it stops.
NEWTON_STEPS = 12
NEWTON_TOL = 1e-14
#: A polish is kept only when it reduced the residual of the conditions by this factor (a
#: residual that cannot vanish, e.g. the LP's feasibility error outside the active columns'
#: span, still leaves useful multipliers: pricing judges them).
NEWTON_GAIN = 1e-2


@dataclass(frozen=True)
class Polished:
    """Newton's refinement of a master: multipliers, unit directions and signed weights."""

    multipliers: np.ndarray
    directions: np.ndarray
    weights: np.ndarray


def newton_polish(
    X: np.ndarray, y: np.ndarray, master: Master, directions: np.ndarray
) -> Polished | None:
    """Newton's method on the optimality conditions of the master's active columns.

    Column generation in the space of first layers converges only linearly (within a pattern
    the optimal direction moves with ``λ``). With the active columns' patterns ``D_j``, signs
    ``s_j`` and faces (the null space ``B_j`` of the cone rows active at the maximiser of
    ``s_j λᵀ D_j X u``), the optimum satisfies, in ``λ`` and ``v_j = B_j w_j``:
    ``Σ_j s_j D_j X B_j w_j = y`` and ``s_j B_jᵀXᵀD_jλ = w_j/‖w_j‖``, a square smooth system
    that Newton's method solves to rounding from the master's point. The result is only a
    candidate: the caller prices it and rebuilds both certificates from it."""
    lam = master.multipliers.copy()
    # Columns of one pattern and sign are one branch of the convex program: their vectors add.
    merged: dict[tuple[bytes, float], np.ndarray] = {}
    for j in np.flatnonzero(master.weights):
        u, weight = directions[j], master.weights[j]
        key = ((X @ u >= 0).tobytes(), float(np.sign(weight)))
        merged[key] = merged.get(key, 0.0) + abs(weight) * u
    bases, patterns, signs, ws = [], [], [], []
    for (mask, sign), vector in merged.items():
        pattern = np.frombuffer(mask, dtype=bool).astype(float)
        A = (2 * pattern - 1)[:, None] * X
        nu = cone_multipliers(A, sign * X.T @ (pattern * lam))
        basis = _null_space(A[nu > 0], X.shape[1])
        if basis.shape[1] == 0:
            continue
        bases.append(basis)
        patterns.append(pattern)
        signs.append(sign)
        ws.append(basis.T @ vector)
    if not bases:
        return None
    sizes = [b.shape[1] for b in bases]
    blocks = [s * (p[:, None] * X) @ b for s, p, b in zip(signs, patterns, bases, strict=True)]
    N, total = X.shape[0], sum(sizes)
    w = np.concatenate(ws)
    first = None
    for _ in range(NEWTON_STEPS):
        parts = np.split(w, np.cumsum(sizes)[:-1])
        norms = [float(np.linalg.norm(p)) for p in parts]
        if min(norms) == 0.0:
            return None
        fit = sum(B @ p for B, p in zip(blocks, parts, strict=True)) - y
        stationary = np.concatenate(
            [B.T @ lam - p / n for B, p, n in zip(blocks, parts, norms, strict=True)]
        )
        residual = np.concatenate([fit, stationary])
        size = float(np.linalg.norm(residual))
        first = size if first is None else first
        if size <= NEWTON_TOL * (np.linalg.norm(y) + 1.0):
            break
        jacobian = np.zeros((N + total, N + total))
        jacobian[:N, N:] = np.hstack(blocks)
        jacobian[N:, :N] = np.vstack([B.T for B in blocks])
        start = N
        for p, n in zip(parts, norms, strict=True):
            k = p.size
            unit = p / n
            jacobian[start : start + k, start : start + k] = -(np.eye(k) - np.outer(unit, unit)) / n
            start += k
        step = np.linalg.lstsq(jacobian, -residual, rcond=None)[0]
        lam, w = lam + step[:N], w + step[N:]
    if not size < first * NEWTON_GAIN:
        return None  # no progress: the active set was not the optimal one
    parts = np.split(w, np.cumsum(sizes)[:-1])
    vectors = np.array([B @ p for B, p in zip(bases, parts, strict=True)])
    norms = np.linalg.norm(vectors, axis=1)
    return Polished(lam, vectors / norms[:, None], np.array(signs) * norms)


def _null_space(rows: np.ndarray, d: int) -> np.ndarray:
    """Orthonormal basis (columns) of ``{v : rows·v = 0}``."""
    if rows.shape[0] == 0:
        return np.eye(d)
    _, s, Vt = np.linalg.svd(rows)
    rank = int(np.count_nonzero(s > s[0] * d * np.finfo(float).eps * 10))
    return Vt[rank:].T
