"""Column generation with exact pricing for the two-layer parallel ReLU problem (C5, ``L = 2``).

The problem is a linear program over infinitely many columns, one per first layer ``u``
(``‖u‖ = 1``): ``P = min Σ_j |a_j|`` s.t. ``Σ_j a_j (Xu_j)_+ = y``, with dual ``max yᵀλ`` s.t.
``|λᵀ(Xu)_+| ≤ 1`` for every ``u``, i.e. ``σ(λ) ≤ 1``. Column generation solves it without ever
building the convex program over all arrangement patterns:

* restricted master: the LP over a working set of columns (HiGHS, kept between rounds and
  warm started from its last basis), with a slack column of cost ``M`` per label so that it is
  feasible from the start (``M`` grows tenfold while pricing has nothing to add and the slack
  is still used); once the columns interpolate, the slack is closed for good; columns far
  from active leave the working set once it exceeds ``MAX_COLUMNS·N``;
* pricing: multipliers are checked over *every* exact pattern and sign
  (:func:`verify.cone_support.price`), at a point smoothed between the master's ``λ`` and the
  best feasible multipliers (see :func:`two_layer`): each violated pattern contributes its
  exact maximiser ``u`` (the projection onto the pattern's cone, on the exact face) as a new
  column;
* every round's pass also gives a certified ``ρ ≥ σ(π)`` for the priced point ``π``, so
  ``π/ρ`` is dual feasible: a certified lower bound
  (:func:`verify.relu_parallel.feasible_multipliers`) in every round, not only the last. It
  stops when the master's value is within :data:`GAP_TARGET` of the best one.

The master's value is an upper bound only up to the LP's tolerance: the certified upper bound
is the network of the final basis, solved exactly (:func:`certify_two_layer`). Within a
pattern the optimal first layer moves with ``λ``, so the last rounds shrink the gap by a
constant factor each (2–4, measured), not faster.

The working set starts from given columns (a warm start: sampled directions).
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass, field

import highspy
import numpy as np

from verify.arrangements import PatternSet
from verify.cone_support import Pricing, dot_lower, price
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
GAP_TARGET = 1e-8
#: Columns added per round at most, in units of N: the first violated maximisers found (in
#: decreasing order of the patterns' bounds).
COLUMNS_PER_ROUND = 4
#: Columns with ``|λᵀf| <`` this and no weight are dropped from the working set once it holds
#: more than ``MAX_COLUMNS·N`` columns.
PRUNE_BELOW = 0.95
MAX_COLUMNS = 30
#: Weight of the best feasible multipliers in the smoothed pricing point (Wentges).
SMOOTHING = 0.25
#: Rounds at most (the bounds are certified whenever the loop ends; only their gap suffers).
MAX_ROUNDS = 200
#: HiGHS tolerances: the multipliers must satisfy the master's constraints far below the
#: convergence threshold.
LP_TOLERANCE = 1e-10
#: Seconds one master solve may take (ill-conditioned data, e.g. random labels on
#: two-dimensional data without bias, can make the simplex crawl): beyond, no certificate.
SOLVE_SECONDS = 60.0


class MasterFailure(RuntimeError):
    """The restricted master LP was not solved."""


@dataclass(frozen=True)
class MasterSolution:
    """A solved restricted master: output weights of the columns, slack, value, multipliers."""

    weights: np.ndarray
    slack: np.ndarray
    value: float
    multipliers: np.ndarray

    @property
    def uses_slack(self) -> bool:
        """Whether the slack is used beyond the LP's feasibility tolerance."""
        return float(np.max(np.abs(self.slack))) > 1e3 * LP_TOLERANCE


class Master:
    """``min Σ|a_j| + M·Σ|s_k|`` s.t. ``Σ_j a_j f_j + s = y``: a HiGHS model that keeps its basis
    between solves, with the ``2N`` slack columns ``e_1, −e_1, …`` then ``f_1, −f_1, …``
    (cost 1): column ``j`` and its negative are always adjacent."""

    def __init__(self, y: np.ndarray, penalty: float) -> None:
        self.N = len(y)
        self.columns = 0
        self.highs = _quiet_highs()
        for option, value in (
            ("output_flag", False),
            ("primal_feasibility_tolerance", LP_TOLERANCE),
            ("dual_feasibility_tolerance", LP_TOLERANCE),
            # new columns keep the basis primal feasible: primal simplex goes on from it
            # (measured 3× faster than dual simplex at N = 200, d = 3)
            ("simplex_strategy", 4),
        ):
            self.highs.setOptionValue(option, value)
        empty = np.array([], dtype=np.int32)
        self.highs.addRows(self.N, y, y, 0, empty, empty, np.array([]))
        self._add(_signed_pairs(np.eye(self.N)), penalty)

    def _add(self, columns: np.ndarray, cost: float) -> None:
        k = columns.shape[1]
        index = np.tile(np.arange(self.N, dtype=np.int32), k)
        starts = np.arange(k, dtype=np.int32) * self.N
        bounds = np.full(k, highspy.kHighsInf)
        values = np.ascontiguousarray(columns.T).ravel()
        self.highs.addCols(
            k, np.full(k, cost), np.zeros(k), bounds, k * self.N, starts, index, values
        )

    def add(self, features: np.ndarray) -> None:
        """Append the columns ``f, −f`` for each column ``f`` of ``features``."""
        self._add(_signed_pairs(features), 1.0)
        self.columns += features.shape[1]

    def keep(self, mask: np.ndarray) -> None:
        """Remove the columns (both signs) where ``mask`` is false."""
        gone = np.flatnonzero(~mask)
        if gone.size:
            where = (2 * self.N + np.concatenate([2 * gone, 2 * gone + 1])).astype(np.int32)
            self.highs.deleteCols(where.size, np.sort(where))
            self.columns -= gone.size

    def set_penalty(self, penalty: float) -> None:
        where = np.arange(2 * self.N, dtype=np.int32)
        self.highs.changeColsCost(where.size, where, np.full(where.size, penalty))

    def close_slack(self) -> None:
        """Forbid the slack (once the columns interpolate: the basis stays feasible, since only
        columns without weight ever leave)."""
        where = np.arange(2 * self.N, dtype=np.int32)
        zeros = np.zeros(where.size)
        self.highs.changeColsBounds(where.size, where, zeros, zeros)

    def solve(self, seconds: float = SOLVE_SECONDS) -> MasterSolution:
        """Solve from the last basis, within ``seconds`` (HiGHS' time limit counts its total run
        time, hence the offset)."""
        self.highs.setOptionValue("time_limit", self.highs.getRunTime() + seconds)
        self.highs.run()
        status = self.highs.getModelStatus()
        if status not in (highspy.HighsModelStatus.kOptimal, highspy.HighsModelStatus.kTimeLimit):
            # HiGHS occasionally gives up on a warm basis after columns left: once from scratch
            self.highs.clearSolver()
            self.highs.setOptionValue("time_limit", self.highs.getRunTime() + seconds)
            self.highs.run()
            status = self.highs.getModelStatus()
        if status != highspy.HighsModelStatus.kOptimal:
            raise MasterFailure(f"HiGHS: {self.highs.modelStatusToString(status)}")
        solution = self.highs.getSolution()
        x = np.array(solution.col_value)
        N = self.N
        return MasterSolution(
            weights=x[2 * N :: 2] - x[2 * N + 1 :: 2],
            slack=x[: 2 * N : 2] - x[1 : 2 * N : 2],
            value=float(self.highs.getInfo().objective_function_value),
            multipliers=np.array(solution.row_dual),
        )


def _quiet_highs() -> highspy.Highs:
    """A HiGHS instance, created with the C-level stdout closed: its constructor prints a
    banner there the first time, which would corrupt ``--json`` output."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 1)
            return highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)


def _signed_pairs(columns: np.ndarray) -> np.ndarray:
    """``[c_1, −c_1, c_2, −c_2, …]``."""
    return np.stack([columns, -columns], axis=2).reshape(columns.shape[0], -1)


@dataclass(frozen=True)
class Round:
    """One round: columns in the master, its value, the largest pattern value of its ``λ``
    (floating point), the certified ``ρ`` and the certified lower bound ``yᵀλ/ρ'`` of the best
    multipliers so far, the columns added, and the time taken."""

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


def relu_features(X: np.ndarray, directions: np.ndarray) -> np.ndarray:
    """``(X u_j)_+`` for the unit directions ``u_j`` (rows of ``directions``): N×m."""
    return np.maximum(X @ directions.T, 0.0)


def two_layer(
    X: np.ndarray,
    y: np.ndarray,
    inner: PatternSet,
    start: np.ndarray,
    max_rounds: int = MAX_ROUNDS,
    deadline: float | None = None,
) -> Outcome:
    """Column generation for ``L = 2`` from the unit directions ``start`` (rows), until the
    gap closes, pricing finds nothing, ``max_rounds`` rounds, or ``time.perf_counter()`` passes
    ``deadline`` (the bounds are certified whenever it stops; only their gap suffers).

    Pricing is *smoothed* (Wentges): it runs at ``π = αλ̂ + (1 − α)λ`` between the best feasible
    multipliers ``λ̂`` so far (``|λ̂ᵀf| ≤ 1`` for every column ``f``) and the master's ``λ``. A
    column with ``|πᵀf| > 1`` then has ``|λᵀf| > 1``: it is violated by the master too, so
    pricing never proposes a useless column; when nothing is violated at ``π``, ``π`` itself is
    feasible and the lower bound moves at least ``1 − α`` of the way to the master's value. This
    damps the oscillation of the degenerate master's ``λ`` (its optimal face is large: the
    solution has few active columns), which otherwise stalls the method."""
    directions = _unit_rows(start)
    features = relu_features(X, directions)
    penalty = _initial_penalty(features, y)
    master = Master(y, penalty)
    master.add(features)
    rounds: list[Round] = []
    best = (-np.inf, np.zeros_like(y), np.inf)  # certified lower bound, multipliers, ρ
    center = np.zeros_like(y)  # λ̂: the best multipliers, rescaled to be feasible
    closed = False
    while True:
        begin = time.perf_counter()
        solution = master.solve()
        slack = solution.uses_slack
        # while the slack is used λ is capped by the penalty, not yet a dual of the problem
        weight = 0.0 if slack or not np.isfinite(best[0]) else SMOOTHING
        point = weight * center + (1 - weight) * solution.multipliers
        pricing = _price(X, y, inner, point)
        lower = _lower(X, y, point, pricing.bound)
        if lower > best[0]:
            best = (lower, point, pricing.bound)
            center = rescaled_multipliers(X, point, pricing.bound, 1.0)
        fresh = _new_rows(pricing.directions, directions)
        rounds.append(
            Round(
                features.shape[1],
                solution.value,
                float(pricing.values[0]) if pricing.values.size else 1.0,
                best[2],
                best[0],
                len(fresh),
                time.perf_counter() - begin,
            )
        )
        close = not slack and rounds[-1].relative_gap <= GAP_TARGET
        late = deadline is not None and time.perf_counter() > deadline
        stuck = len(fresh) == 0 and not slack and weight == 0.0
        if close or stuck or late or len(rounds) >= max_rounds:
            weights = solution.weights
            return Outcome(directions, features, weights, best[1], best[2], slack, rounds)
        if slack and len(fresh) == 0:
            penalty *= 10  # the slack is still used: λ is capped by the penalty
            master.set_penalty(penalty)
        if not slack and not closed:
            master.close_slack()  # phase 1 over: the labels are interpolated
            closed = True
        if features.shape[1] > MAX_COLUMNS * len(y):
            # Columns far from active leave the working set (only when it is large: pruning
            # every round makes the method cycle); should one be needed again, pricing finds
            # it again.
            values = np.abs(features.T @ solution.multipliers)
            keep = (solution.weights != 0) | (values >= PRUNE_BELOW)
            master.keep(keep)
            directions, features = directions[keep], features[:, keep]
        added = relu_features(X, fresh)
        master.add(added)
        directions = np.vstack([directions, fresh])
        features = np.hstack([features, added])


def _lower(X: np.ndarray, y: np.ndarray, multipliers: np.ndarray, rho: float) -> float:
    """The certified lower bound ``yᵀλ/ρ'`` of multipliers with certified maximum ``ρ``."""
    return dot_lower(y, rescaled_multipliers(X, multipliers, rho, 1.0))


def _price(X: np.ndarray, y: np.ndarray, inner: PatternSet, multipliers: np.ndarray) -> Pricing:
    """Pricing: violated patterns' maximisers (up to ``COLUMNS_PER_ROUND·N``)."""
    return price(X, inner, multipliers, 1 + CONVERGED, COLUMNS_PER_ROUND * len(y))


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
    dual point of the best multipliers, and how column generation got there."""

    network: ParallelNetwork
    dual: DualCertificate
    outcome: Outcome


def certify_two_layer(problem: ReluProblem, start: np.ndarray) -> Certificates:
    """Column generation from ``start`` on ``problem`` (``L = 2``), then both certificates.

    Complementary slackness: an optimal network uses only first layers where ``|λᵀ(Xu)_+|``
    reaches its maximum. Those of the best ``λ`` (exact maximisers, on the exact faces) join
    the basis and the nearly active columns in a last LP that prefers them
    (:func:`verify.relu_parallel.last_layer`), whose basis is then solved exactly."""
    X, y = problem.X, problem.y
    outcome = two_layer(X, y, problem.inner, start)
    level = outcome.rho * (1 - NEAR_OPTIMAL)
    optimal = price(X, problem.inner, outcome.multipliers, level, 2 * len(y))
    values = np.abs(outcome.features.T @ outcome.multipliers)
    near = (outcome.weights != 0) | (values >= level / outcome.rho)
    kept = int(np.count_nonzero(near))
    directions = np.vstack([outcome.directions[near], optimal.directions])
    features = np.hstack([outcome.features[:, near], relu_features(X, optimal.directions)])
    weights = np.concatenate([outcome.weights[near], np.zeros(len(optimal.directions))])
    preferred = (weights != 0) | (np.arange(len(weights)) >= kept)
    weights = last_layer(features, weights, y, preferred)
    candidates = [UnitBranch((u[:, None],)) for u in directions]
    dual = feasible_multipliers(problem, outcome.multipliers, outcome.rho)
    return Certificates(assemble(candidates, weights), dual, outcome)


def sampled_directions(d: int, count: int, rng: np.random.Generator) -> np.ndarray:
    """``count`` Gaussian directions: the warm start (their patterns are sampled patterns)."""
    return rng.standard_normal((count, d))
