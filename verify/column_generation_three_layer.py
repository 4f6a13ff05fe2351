"""Column generation with exact pricing for the three-layer parallel ReLU problem (C5, ``L = 3``).

The ``L = 3`` program (:func:`verify.convex.relu_three_layer_program`) has one group per outer
pattern ``D2`` of the subspace ``S = span{(Xu)_+}`` and sign ``s = ±1``, each holding every inner
pattern: ``2(2^N − 1)`` groups when ``S = R^N``. Only a few carry weight at the optimum, so it is
solved over a working set of groups and the rest are *priced*:

* restricted master: the program over the working set, with a slack of cost ``M`` per label so
  that it is feasible from the start (``M`` grows tenfold while pricing has nothing to add and
  the slack is still used); its multipliers are ``λ`` (labels) and ``μ_g ≥ 0`` (outer cones);
* pricing, over *every* group: group ``g`` is violated when
  ``v_g(λ) = max{s_g λᵀD2_g h : h ∈ Q, (2D2_g − I)h ≥ 0}`` exceeds 1 (``Q`` the pre-activations
  of one branch at ``t = 1``). For every ``μ ≥ 0``, ``v_g ≤ σ(s_g D2_g λ + (2D2_g − I)μ)`` (the
  support function of ``Q``, bounded with every rounding error by
  :func:`verify.cone_support.batch_maxima`), with equality at the optimal ``μ`` (conic duality).
  Each group keeps the best ``μ`` known to it, moved along with ``λ`` between rounds
  (:func:`_follow`). A group whose certified bound exceeds ``1 +`` :data:`CONVERGED` gets
  cheaper multipliers first — borrowed from the nearest group already solved
  (:func:`_borrowed`), then a few subgradient steps (:func:`_descend`): heuristics, only their
  certified bound counts — and, if still above, its exact value and ``μ`` from its own
  second-order cone program (Clarabel, a few groups per block-diagonal program). The most
  violated groups join the working set;
* every round, ``ρ = max_g σ(…)`` over all groups is a certified bound, so ``λ/(tρ')`` is dual
  feasible: a certified lower bound (:func:`verify.relu_parallel.feasible_multipliers`). It stops
  when every group is certified within ``1 + CONVERGED`` and the slack is unused.

The certified upper bound is the network rebuilt (:func:`verify.relu_parallel.reconstruct`)
from a last master over the working set and the groups tied with the optimum
(:func:`certify_three_layer`), its output weights solved exactly and its cost recomputed.
Unlike ``L = 2`` the groups are finitely many, so the loop ends once the working set holds the
groups the optimum needs: the gap is then the master's accuracy, not a geometric tail.

Cost: every group is certified in the last round, and most need their own cone program once
(the heuristics spare about a third to a half of them), so the time follows the ``2(2^N − 1)``
outer groups: measured (``python benchmarks/relu_three_layer.py``, ``d = 2``) about 10 s at
``N = 10`` and under a minute at ``N = 12`` on two shared cores, doubling per added point.

Both programs are assembled directly as sparse matrices for Clarabel (no modelling layer): the
groups are independent blocks, so the cost follows the number of groups solved.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import clarabel
import numpy as np
import scipy.sparse as sp

from verify.arrangements import PatternSet
from verify.cone_support import UNIT, batch_maxima, dot_lower, norm_upper, pattern_gradients
from verify.convex import GroupLassoSolution, SolverFailure
from verify.networks import ParallelNetwork
from verify.relu_parallel import (
    NEAR_OPTIMAL,
    DualCertificate,
    ReluProblem,
    feasible_multipliers,
    reconstruct,
    rescaled_multipliers,
)

#: A group counts as violated when its value exceeds ``1 + CONVERGED`` (the certified gap ends
#: near this; C5's tolerance is 1e-6).
CONVERGED = 1e-7
#: Clarabel's gap and feasibility tolerances for the master (its accuracy is the final gap's)
#: and for pricing (Clarabel's default: a group's value only needs to be compared with 1).
MASTER_TOLERANCE = 1e-10
PRICING_TOLERANCE = 1e-8
#: The slack counts as used above this fraction of ``‖y‖`` (the master's tolerance is 1e-10).
SLACK_USED = 1e-8
#: Violated groups added per round at most, in units of N (the most violated first). Measured
#: (``N = 8, 10, 11, 12``, ``d = 2``): 3 matches 1 up to ``N = 11`` and halves the time at 12
#: (fewer rounds, each of which prices again).
GROUPS_PER_ROUND = 3
#: Groups solved together in one pricing program.
PRICING_BATCH = 8
#: Rounds at most (the bounds are certified whenever the loop ends; only their gap suffers).
MAX_ROUNDS = 60
#: The slack's cost per unit of label at the start (divided by the largest entry of ``X``: the
#: multipliers scale like ``1/X``; measured ``‖λ‖_∞ ≤ 30`` for ``N ≤ 8`` on Gaussian data with
#: entries of order 1), and its largest value.
INITIAL_PENALTY = 1000.0
MAX_PENALTY = 1e8


@dataclass(frozen=True)
class GroupLayout:
    """One group's block of variables, the same for every group: per unit (inner pattern ``i``,
    side ``v`` or ``w``) a norm bound ``r`` and a first layer ``u`` (``d + 1`` columns, in that
    order: a second-order cone). ``pre`` maps the block to the group's pre-activation
    ``z = Σ_i D1_i X (v_i − w_i)`` (N × block, sparse), ``cone`` holds the inner cone rows
    ``(2D1_i − I)X u ≥ 0`` on the facet rows (rows × block), ``norms`` the ``r`` columns."""

    pre: sp.csr_matrix
    cone: sp.csr_matrix
    norms: np.ndarray
    width: int
    units: int
    patterns: int

    @classmethod
    def of(cls, X: np.ndarray, inner: PatternSet) -> GroupLayout:
        N, d = X.shape
        D = inner.patterns
        P = len(D)
        units = 2 * P
        width = units * (d + 1)
        rows, cols, vals = [], [], []
        cone_rows, cone_cols, cone_vals = [], [], []
        row = 0
        for j in range(units):
            i, sign = j % P, (1.0 if j < P else -1.0)
            first = j * (d + 1) + 1
            points = np.flatnonzero(D[i])
            for a in range(d):
                rows.append(points)
                cols.append(np.full(points.size, first + a))
                vals.append(sign * X[points, a])
            facets = np.arange(N) if inner.facets is None else inner.facets[i]
            facets = facets[facets >= 0]
            normals = (2.0 * D[i, facets] - 1.0)[:, None] * X[facets]
            for a in range(d):
                cone_rows.append(row + np.arange(facets.size))
                cone_cols.append(np.full(facets.size, first + a))
                cone_vals.append(normals[:, a])
            row += facets.size
        pre = sp.csr_matrix(
            (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), (N, width)
        )
        cone = sp.csr_matrix(
            (np.concatenate(cone_vals), (np.concatenate(cone_rows), np.concatenate(cone_cols))),
            (row, width),
        )
        return cls(pre, cone, np.arange(units) * (d + 1), width, units, P)

    @property
    def soc_size(self) -> int:
        return self.width // self.units

    def point(self, x: np.ndarray, groups: int, d: int) -> np.ndarray:
        """``point[side, g, i]``: the first layers of the solution ``x`` (groups' blocks first)."""
        blocks = x[: groups * self.width].reshape(groups, self.units, d + 1)[:, :, 1:]
        return blocks.reshape(groups, 2, self.patterns, d).transpose(1, 0, 2, 3)


def _weighted_copies(layout: GroupLayout, weights: np.ndarray, diagonal: bool) -> sp.csc_matrix:
    """``diag(weights_g)·pre`` for each row ``weights_g`` of ``weights`` (G×N), side by side
    (N × G·width), or block-diagonal (G·N × G·width) when ``diagonal``."""
    G, N = weights.shape
    pre = layout.pre.tocoo()
    copies = np.arange(G)[:, None]
    rows = pre.row[None, :] + (N * copies if diagonal else 0)
    cols = pre.col[None, :] + layout.width * copies
    vals = weights[:, pre.row] * pre.data[None, :]
    shape = (G * N if diagonal else N, G * layout.width)
    return sp.csc_matrix(
        (vals.ravel(), (np.broadcast_to(rows, vals.shape).ravel(), cols.ravel())), shape
    )


@dataclass(frozen=True)
class _Program:
    """``min qᵀx`` s.t. ``Ax + s = b``, ``s`` in zero, non-negative, then second-order cones."""

    A: sp.csc_matrix
    b: np.ndarray
    q: np.ndarray
    zero: int
    nonneg: int
    socs: int
    soc_size: int
    tolerance: float

    def solve(self) -> clarabel.DefaultSolution:
        settings = clarabel.DefaultSettings()
        settings.verbose = False
        settings.tol_gap_abs = settings.tol_gap_rel = settings.tol_feas = self.tolerance
        cones = []
        if self.zero:
            cones.append(clarabel.ZeroConeT(self.zero))
        cones.append(clarabel.NonnegativeConeT(self.nonneg))
        cones += [clarabel.SecondOrderConeT(self.soc_size)] * self.socs
        n = self.A.shape[1]
        P = sp.csc_matrix((n, n))
        solution = clarabel.DefaultSolver(P, self.q, self.A, self.b, cones, settings).solve()
        status = str(solution.status)
        if status not in ("Solved", "AlmostSolved"):
            raise SolverFailure(f"Clarabel returned status {status}")
        return solution


def _group_rows(
    layout: GroupLayout, outer: np.ndarray, budget: bool
) -> tuple[sp.csc_matrix, sp.csc_matrix, sp.csc_matrix]:
    """The rows every group has, for the groups ``outer`` (G×N 0/1): outer cones
    ``−(2D2 − I)·pre`` (G·N rows), inner cones (and, with ``budget``, ``Σ r ≤ 1``), and the
    second-order cones ``(r, u)`` (``−I``)."""
    G = len(outer)
    orthant = _weighted_copies(layout, 1.0 - 2.0 * outer, diagonal=True)
    inner = -layout.cone
    if budget:
        ones = np.zeros((1, layout.width))
        ones[0, layout.norms] = 1.0
        inner = sp.vstack([inner, sp.csr_matrix(ones)])
    inner_rows = sp.kron(sp.identity(G), inner, format="csc")
    socs = -sp.identity(G * layout.width, format="csc")
    return orthant, inner_rows, socs


@dataclass(frozen=True)
class MasterSolution:
    """The restricted master at the labels' scale: value, ``point[side, g, i]``, ``λ``,
    ``μ`` (N × groups), the slack and ``‖y‖``."""

    value: float
    point: np.ndarray
    multipliers: np.ndarray
    outer: np.ndarray
    slack: np.ndarray
    scale: float

    @property
    def uses_slack(self) -> bool:
        """Whether the slack is used beyond the solver's feasibility tolerance (relative to
        ``‖y‖``: the master is solved for ``y/‖y‖``)."""
        return float(np.max(np.abs(self.slack))) > SLACK_USED * self.scale


def solve_master(
    X: np.ndarray,
    y: np.ndarray,
    layout: GroupLayout,
    outer: np.ndarray,
    signs: np.ndarray,
    penalty: float,
) -> MasterSolution:
    """``min Σ r + M Σ|slack|`` s.t. ``Σ_g s_g D2_g z_g + slack = y``, every cone, over the groups
    ``outer`` with ``signs``; solved for ``y/‖y‖`` and scaled back (``λ`` does not scale)."""
    N = len(y)
    G = len(outer)
    scale = float(np.linalg.norm(y))
    copies = _weighted_copies(layout, signs[:, None] * outer, diagonal=False)
    fit = sp.hstack([copies, sp.identity(N), -sp.identity(N)])
    orthant, inner, socs = _group_rows(layout, outer, budget=False)
    n = G * layout.width
    pad = sp.csc_matrix((orthant.shape[0] + inner.shape[0] + socs.shape[0], 2 * N))
    slack_rows = sp.hstack([sp.csc_matrix((2 * N, n)), -sp.identity(2 * N)])
    A = sp.vstack(
        [fit, slack_rows, sp.hstack([sp.vstack([orthant, inner, socs]), pad])], format="csc"
    )
    b = np.concatenate([y / scale, np.zeros(A.shape[0] - N)])
    q = np.zeros(n + 2 * N)
    for g in range(G):
        q[g * layout.width + layout.norms] = 1.0
    q[n:] = penalty
    nonneg = 2 * N + orthant.shape[0] + inner.shape[0]
    program = _Program(A, b, q, N, nonneg, G * layout.units, layout.soc_size, MASTER_TOLERANCE)
    solution = program.solve()
    x, z = np.array(solution.x), np.array(solution.z)
    mu = z[3 * N : 3 * N + G * N].reshape(G, N).T
    return MasterSolution(
        value=scale * float(solution.obj_val),
        point=scale * layout.point(x, G, X.shape[1]),
        multipliers=-z[:N],
        outer=np.maximum(mu, 0.0),
        slack=scale * (x[n : n + N] - x[n + N :]),
        scale=scale,
    )


def solve_pricing(
    layout: GroupLayout, outer: np.ndarray, signs: np.ndarray, lam: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """For each group ``(D2_g, s_g)``: ``v_g = max s_g λᵀD2_g z`` over ``z ∈ Q``,
    ``(2D2_g − I)z ≥ 0`` (floating point) and its multipliers ``μ_g ≥ 0`` (G×N), all groups in
    one block-diagonal program (their sum is maximised, so each is)."""
    G, N = outer.shape
    orthant, inner, socs = _group_rows(layout, outer, budget=True)
    A = sp.vstack([orthant, inner, socs], format="csc")
    n = G * layout.width
    b = np.zeros(A.shape[0])
    per_group = inner.shape[0] // G
    b[orthant.shape[0] + per_group - 1 : orthant.shape[0] + inner.shape[0] : per_group] = 1.0
    gains = (signs[:, None] * outer * lam) @ layout.pre  # G × width: objective per block
    q = -np.asarray(gains).ravel()
    nonneg = orthant.shape[0] + inner.shape[0]
    program = _Program(A, b, q, 0, nonneg, G * layout.units, layout.soc_size, PRICING_TOLERANCE)
    solution = program.solve()
    x, z = np.array(solution.x), np.array(solution.z)
    values = np.einsum("gw,gw->g", np.asarray(gains), x[:n].reshape(G, layout.width))
    mu = np.maximum(z[: G * N].reshape(G, N), 0.0)
    return values, mu


def _solved_groups(
    layout: GroupLayout, outer: np.ndarray, signs: np.ndarray, lam: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`solve_pricing` for a batch of groups, or, should Clarabel fail on the batch, for
    each group alone; also returns which groups were solved. A group left unsolved keeps its
    bound: if that is above ``1 + CONVERGED`` the loop cannot report convergence."""
    try:
        values, mu = solve_pricing(layout, outer, signs, lam)
        return values, mu, np.ones(len(outer), dtype=bool)
    except SolverFailure:
        if len(outer) == 1:
            return np.full(1, np.nan), np.zeros((1, outer.shape[1])), np.zeros(1, dtype=bool)
    alone = [
        _solved_groups(layout, outer[g : g + 1], signs[g : g + 1], lam) for g in range(len(outer))
    ]
    return tuple(np.concatenate(parts) for parts in zip(*alone, strict=True))


#: Rows (group × inner pattern) bounded together by :func:`certified_bounds`.
BOUND_BATCH = 16384


def certified_bounds(
    problem: ReluProblem, groups: np.ndarray, lam: np.ndarray, mu: np.ndarray, threshold: float
) -> np.ndarray:
    """For each group ``g`` of ``groups`` (indices into the problem's outer groups), a certified
    upper bound on ``σ(s_g D2_g λ + (2D2_g − I)μ_g)`` (``μ`` rows, clipped at 0), hence on
    ``v_g(λ)``. Every pattern and sign is bounded by :func:`verify.cone_support.batch_maxima`;
    a group whose bound exceeds ``threshold`` while every maximum found exactly is below it has
    its patterns bounded again with NNLS where the vectorised projections could not decide (a
    group with an exact maximum above ``threshold`` would gain nothing). Forming the
    combination rounds by at most ``u`` per entry, which moves ``σ`` by at most
    ``u·‖c‖·‖X‖_F`` (twice that is added, as in
    :func:`verify.relu_parallel.rescaled_dual_point`)."""
    X, inner = problem.X, problem.inner
    D1 = inner.patterns.astype(float)
    P = len(D1)
    outer = problem.outer[groups].astype(float)
    signs = problem.signs[groups]
    combined = signs[:, None] * outer * lam + (2 * outer - 1) * np.maximum(mu, 0.0)
    spread = norm_upper(X.ravel())
    bounds = np.empty(len(groups))
    step = max(1, BOUND_BATCH // P)
    for start in range(0, len(groups), step):
        chunk = combined[start : start + step]
        pieces = [pattern_gradients(X, D1, c) for c in chunk]
        gradients = np.vstack([g for g, _ in pieces]).reshape(len(chunk), P, -1)
        err = np.concatenate([e for _, e in pieces]).reshape(len(chunk), P)
        largest = _largest_bounds(X, inner, gradients, err, np.inf)
        found = (largest[1] <= threshold) & (largest[0] > threshold)
        if np.any(found):
            largest[0][found] = _largest_bounds(X, inner, gradients[found], err[found], threshold)[
                0
            ]
        rounding = np.array([2 * UNIT * norm_upper(c) * spread for c in chunk])
        bounds[start : start + len(chunk)] = largest[0] + rounding
    return bounds


def _largest_bounds(
    X: np.ndarray, inner: PatternSet, gradients: np.ndarray, err: np.ndarray, threshold: float
) -> tuple[np.ndarray, np.ndarray]:
    """For groups of pattern gradients (G×P×d, errors G×P): the largest certified bound over
    each group's patterns and signs, and the largest maximum found exactly (−∞ if none)."""
    G, P, d = gradients.shape
    D1 = inner.patterns
    facets = None if inner.facets is None else np.tile(inner.facets, (G, 1))
    maxima = batch_maxima(
        X, np.tile(D1, (G, 1)), gradients.reshape(-1, d), err.ravel(), threshold, facets
    )
    exact = np.where(np.isnan(maxima.values), -np.inf, maxima.values)
    return maxima.bounds.reshape(G, 2 * P).max(axis=1), exact.reshape(G, 2 * P).max(axis=1)


@dataclass(frozen=True)
class Round:
    """One round: groups in the master, its value, the largest group value found by pricing
    (floating point), groups priced by their own program, the certified ``ρ`` and lower bound
    ``yᵀλ/(tρ')`` of the best multipliers so far (at ``t = 1``), groups added, time taken."""

    groups: int
    master_value: float
    violation: float
    priced: int
    rho: float
    dual_lower: float
    added: int
    seconds: float

    @property
    def relative_gap(self) -> float:
        """``(master − certified lower)/master`` (the final network is the certified upper)."""
        return (self.master_value - self.dual_lower) / self.master_value

    def to_json(self) -> dict[str, float | int]:
        """The round without its time: a check's JSON is reproducible from its seed (the time
        is for the benchmarks)."""
        return {
            "groups": self.groups,
            "max_group_value": self.violation,
            "priced": self.priced,
            "relative_gap": self.relative_gap,
            "added": self.added,
        }


@dataclass
class Outcome:
    """Where column generation ended: the working set (indices of the problem's groups), the
    last master, the multipliers with the best certified lower bound, their ``ρ`` and the
    outer multipliers it was certified with (``μ_g ≥ 0``, one row per group of the problem),
    whether every group was certified within ``1 + CONVERGED`` in the last round, the certified
    bound of every group for the last master's ``λ``, the slack's final cost, and the rounds."""

    working: np.ndarray
    master: MasterSolution
    multipliers: np.ndarray
    rho: float
    outer_multipliers: np.ndarray
    priced_out: bool
    bounds: np.ndarray
    penalty: float
    rounds: list[Round] = field(default_factory=list)

    @property
    def converged(self) -> bool:
        return bool(self.priced_out and not self.master.uses_slack)


#: Steps of :func:`_descend`, the level its Polyak steps aim at, and the groups it takes at a
#: time during pricing.
DESCENT_STEPS = 10
DESCENT_TARGET = 0.9
DESCENT_CHUNK = 256


def _descend(
    problem: ReluProblem, groups: np.ndarray, lam: np.ndarray, mu: np.ndarray
) -> np.ndarray:
    """Multipliers ``μ ≥ 0`` (rows, one per group of ``groups``) that lower
    ``σ(s D2 λ + (2D2 − I)μ)``, by projected subgradient steps from ``mu`` with Polyak's step
    towards :data:`DESCENT_TARGET`, all groups at once; the best found per group is returned.
    A heuristic: only the certified bound of its result is ever used. At ``c`` the largest
    pattern value ``±(XᵀD1_i c)ᵀu*`` has the subgradient ``±D1_i X u*`` in ``c``, i.e.
    ``(2D2 − I)·(±D1_i X u*)`` in ``μ``; groups whose maximiser is not found (a face the
    vectorised projections missed) stop moving."""
    X, inner = problem.X, problem.inner
    D1 = inner.patterns.astype(float)
    P, d = D1.shape[0], X.shape[1]
    outer = problem.outer[groups].astype(float)
    signs = problem.signs[groups]
    facets = None if inner.facets is None else np.tile(inner.facets, (len(groups), 1))
    patterns = np.tile(D1, (len(groups), 1))
    mu = np.maximum(mu, 0.0)
    best, best_value = mu.copy(), np.full(len(groups), np.inf)
    rows = np.arange(len(groups))
    for _ in range(DESCENT_STEPS):
        combined = signs[:, None] * outer * lam + (2 * outer - 1) * mu
        gradients = ((combined[:, None, :] * D1[None]) @ X).reshape(-1, d)
        maxima = batch_maxima(X, patterns, gradients, np.zeros(len(gradients)), np.inf, facets)
        values = maxima.bounds.reshape(len(groups), 2 * P)
        top = np.argmax(values, axis=1)
        value = values[rows, top]
        improved = value < best_value
        best[improved], best_value[improved] = mu[improved], value[improved]
        pattern, side = top // 2, top % 2
        direction = maxima.directions.reshape(len(groups), 2 * P, d)[rows, top]
        moving = (value > DESCENT_TARGET) & np.all(np.isfinite(direction), axis=1)
        if not np.any(moving):
            break
        atom = D1[pattern] * (X @ np.nan_to_num(direction).T).T * (1 - 2 * side)[:, None]
        step = (2 * outer - 1) * atom
        length = np.maximum(np.sum(step * step, axis=1), 1e-300)
        move = np.where(moving, (value - DESCENT_TARGET) / length, 0.0)
        mu = np.maximum(mu - move[:, None] * step, 0.0)
    return best


def _borrowed(
    problem: ReluProblem, groups: np.ndarray, donors: np.ndarray, lam: np.ndarray, mu: np.ndarray
) -> np.ndarray:
    """Multipliers for ``groups`` borrowed from the nearest group among ``donors`` (fewest
    differing outer signs, same sign ``s``) whose ``μ`` came from a program: its
    ``c = sD2λ + (2D2 − I)μ`` kept where the group's own ``μ ≥ 0`` allows (``μ_k = c_k − sλ_k``
    on ``D2``, ``−c_k`` off it, clipped at 0). Neighbouring orthants tend to have neighbouring
    multipliers; a heuristic, only its certified bound is used."""
    own = problem.outer[groups].astype(float)
    theirs = problem.outer[donors].astype(float)
    distance = own @ (1 - theirs).T + (1 - own) @ theirs.T
    distance += (problem.signs[groups][:, None] != problem.signs[donors][None, :]) * own.shape[1]
    nearest = donors[np.argmin(distance, axis=1)]
    near = problem.outer[nearest].astype(float)
    combined = problem.signs[nearest][:, None] * near * lam + (2 * near - 1) * mu[nearest]
    sign = problem.signs[groups][:, None]
    return np.where(own > 0, np.maximum(combined - sign * lam, 0.0), np.maximum(-combined, 0.0))


def _follow(problem: ReluProblem, mu: np.ndarray, anchor: np.ndarray, lam: np.ndarray) -> None:
    """Move each group's ``μ`` (found for the multipliers ``anchor``) to the new ``λ`` keeping
    ``c = sD2λ + (2D2 − I)μ`` where it can: on ``D2`` the entries are ``sλ_k + μ_k``, so
    ``μ_k + s(anchor_k − λ_k)`` (clipped at 0) keeps them; off ``D2``, ``c_k = −μ_k`` does not
    depend on ``λ``. A group certified for the old ``λ`` then stays certified unless the clip
    bites, without solving its program again (any ``μ ≥ 0`` gives a valid bound)."""
    outer = problem.outer.astype(bool)
    moved = np.maximum(mu + problem.signs[:, None] * (anchor - lam), 0.0)
    mu[:] = np.where(outer, moved, mu)
    anchor[:] = lam


def _price_groups(
    problem: ReluProblem,
    layout: GroupLayout,
    lam: np.ndarray,
    mu: np.ndarray,
    anchor: np.ndarray,
    solved: np.ndarray,
    working: np.ndarray,
    limit: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """One pricing pass for ``λ``: certified bounds of every group with its best known ``μ``
    (rows of ``mu``, found for the multipliers in the rows of ``anchor``, both updated in place,
    see :func:`_follow`; ``solved`` marks the groups whose ``μ`` came from a program). The groups
    above ``1 + CONVERGED`` are taken by decreasing bound, :data:`DESCENT_CHUNK` at a time:
    cheap multipliers first (:func:`_borrowed` from a solved neighbour, then :func:`_descend`:
    the groups far below 1 need no program of their own), then the groups still above solved
    by their own programs, until ``limit`` violated groups outside the working set are found.
    Returns the bounds, the violated groups (most violated first), their values, and how many
    groups were solved."""
    G = len(problem.outer)
    level = 1 + CONVERGED
    _follow(problem, mu, anchor, lam)
    bounds = certified_bounds(problem, np.arange(G), lam, mu, level)
    pending = np.flatnonzero(bounds > level)
    pending = pending[np.argsort(-bounds[pending])]
    outside = np.ones(G, dtype=bool)
    outside[working] = False
    violated, values, priced = [], [], 0

    def adopt(groups: np.ndarray, candidates: np.ndarray) -> None:
        refreshed = certified_bounds(problem, groups, lam, candidates, level)
        better = refreshed < bounds[groups]
        mu[groups[better]] = candidates[better]
        bounds[groups] = np.minimum(bounds[groups], refreshed)

    for first in range(0, len(pending), DESCENT_CHUNK):
        chunk = pending[first : first + DESCENT_CHUNK]
        donors = np.flatnonzero(solved)
        if donors.size:
            adopt(chunk, _borrowed(problem, chunk, donors, lam, mu))
            chunk = chunk[bounds[chunk] > level]
        adopt(chunk, _descend(problem, chunk, lam, mu[chunk]))
        chunk = chunk[bounds[chunk] > level]
        for start in range(0, len(chunk), PRICING_BATCH):
            if len(violated) >= limit:
                break
            batch = chunk[start : start + PRICING_BATCH]
            found, multipliers, ok = _solved_groups(
                layout, problem.outer[batch], problem.signs[batch], lam
            )
            priced += len(batch)
            batch, found, multipliers = batch[ok], found[ok], multipliers[ok]
            adopt(batch, multipliers)
            solved[batch] = True
            new = (found > level) & outside[batch]
            violated.extend(batch[new])
            values.extend(found[new])
        if len(violated) >= limit:
            break
    order = np.argsort(-np.array(values))
    return bounds, np.array(violated, dtype=int)[order], np.array(values)[order], priced


def three_layer(problem: ReluProblem, start: np.ndarray, max_rounds: int = MAX_ROUNDS) -> Outcome:
    """Column generation over the outer groups of ``problem`` (``L = 3``, at ``t = 1``) from the
    working set ``start`` (group indices)."""
    X, y = problem.X, problem.y
    N = len(y)
    layout = GroupLayout.of(X, problem.inner)
    working = np.unique(np.asarray(start, dtype=int))
    mu = np.zeros((len(problem.outer), N))
    anchor = np.zeros((len(problem.outer), N))
    solved = np.zeros(len(problem.outer), dtype=bool)
    penalty = INITIAL_PENALTY / float(np.max(np.abs(X)))
    rounds: list[Round] = []
    # certified lower bound, multipliers, ρ, outer multipliers
    best = (-np.inf, np.zeros_like(y), np.inf, mu.copy())
    limit = GROUPS_PER_ROUND * N
    while True:
        begin = time.perf_counter()
        master = solve_master(X, y, layout, problem.outer[working], problem.signs[working], penalty)
        lam = master.multipliers
        mu[working], anchor[working], solved[working] = master.outer.T, lam, True
        bounds, violated, values, priced = _price_groups(
            problem, layout, lam, mu, anchor, solved, working, limit
        )
        rho = float(bounds.max())
        lower = dot_lower(y, rescaled_multipliers(X, lam, rho, 1.0))
        if lower > best[0]:
            best = (lower, lam, rho, mu.copy())
        priced_out = violated.size == 0 and rho <= 1 + CONVERGED
        rounds.append(
            Round(
                len(working),
                master.value,
                float(values[0]) if values.size else float(rho),
                priced,
                best[2],
                best[0],
                len(violated),
                time.perf_counter() - begin,
            )
        )
        slack = master.uses_slack
        # done when every group is certified, or when nothing can be added (the bounds above
        # 1 + CONVERGED are then the solver's accuracy), or out of rounds
        stuck = violated.size == 0 and (not slack or penalty >= MAX_PENALTY)
        if (priced_out and not slack) or stuck or len(rounds) >= max_rounds:
            return Outcome(working, master, *best[1:], priced_out, bounds, penalty, rounds)
        if violated.size == 0:
            penalty *= 10  # the slack is still used: λ is capped by the penalty
        working = np.concatenate([working, violated])


@dataclass(frozen=True)
class Certificates:
    """The network rebuilt from the last master (interpolating up to rounding), the dual point
    of the best multipliers, how column generation got there, and whether the dual point is
    certified: only when every group was priced, i.e. both pattern sets are the exact
    enumeration (a reduced or sampled set can miss a violated group)."""

    network: ParallelNetwork
    dual: DualCertificate
    outcome: Outcome
    certified: bool


def certify_three_layer(problem: ReluProblem, start: np.ndarray) -> Certificates:
    """Column generation from the groups ``start`` on ``problem`` (``L = 3``), then both
    certificates: the last master's solution rebuilt as a network
    (:func:`verify.relu_parallel.reconstruct`), and the best ``λ`` divided by ``t`` times its
    certified ``ρ`` (:func:`verify.relu_parallel.feasible_multipliers`).

    Complementary slackness: an optimal network uses only groups whose value reaches 1, and
    such ties are common (a pre-activation ``h`` with ``h_k = 0`` lies in the orthants of both
    signs of ``k``). The master only adds groups above ``1 + CONVERGED``, so it may hold one of
    the tied groups where the exact optimum needs another: an interior-point ``z`` then keeps
    a tiny positive entry (the solver's accuracy) where the optimum has 0, which no last layer
    removes. The groups whose certified bound reaches ``1 −`` :data:`NEAR_OPTIMAL` join the
    working set for a last master, and the last layer chooses among all their branches."""
    if problem.L != 3 or problem.outer is None or len(problem.outer) == 0:
        raise ValueError("certify_three_layer needs an L = 3 problem with its outer groups")
    if not np.any(problem.y):
        raise ValueError("y = 0: the empty network is optimal, there is nothing to generate")
    outcome = three_layer(problem, start)
    working, master = outcome.working, outcome.master
    tied = np.setdiff1d(np.flatnonzero(outcome.bounds >= 1 - NEAR_OPTIMAL), working)
    if tied.size:
        working = np.concatenate([working, tied])
        layout = GroupLayout.of(problem.X, problem.inner)
        outer, signs = problem.outer[working], problem.signs[working]
        master = solve_master(problem.X, problem.y, layout, outer, signs, outcome.penalty)
    restricted = ReluProblem(
        problem.X,
        problem.y,
        3,
        problem.t,
        problem.inner,
        problem.outer[working],
        problem.signs[working],
        problem.outer_certified,
    )
    solution = GroupLassoSolution(
        master.value,
        master.point,
        "CLARABEL",
        "column generation",
        dual=master.multipliers,
        outer_dual=master.outer,
    )
    network = reconstruct(restricted, solution).network
    dual = feasible_multipliers(problem, outcome.multipliers, outcome.rho)
    return Certificates(network, dual, outcome, problem.certified)


def sampled_groups(problem: ReluProblem, count: int, rng: np.random.Generator) -> np.ndarray:
    """The warm start: the groups (both signs) of ``count`` sampled pre-activations
    ``h = Σ_k c_k (X u_k)_+`` (one to three units, Gaussian ``u_k``, ``c_k``), and the all-ones
    pattern (the two-layer networks), as indices into the problem's groups."""
    X = problem.X
    index = {
        (row.tobytes(), float(s)): g
        for g, (row, s) in enumerate(zip(problem.outer.astype(bool), problem.signs, strict=True))
    }
    patterns = [np.ones(X.shape[0], dtype=bool)]
    for _ in range(count):
        units = int(rng.integers(1, 4))
        directions = rng.standard_normal((X.shape[1], units))
        h = np.maximum(X @ directions, 0.0) @ rng.standard_normal(units)
        patterns.append(h >= 0)
    chosen = {index.get((p.tobytes(), s)) for p in patterns for s in (1.0, -1.0)}
    return np.array(sorted(g for g in chosen if g is not None), dtype=int)
