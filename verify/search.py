"""Multi-start local search on the non-convex primal problems, to falsify claims.

The interpolation constraint ``f(X) = Y`` is eliminated exactly rather than penalised: for fixed
layers ``1…L−1`` the last layer enters linearly, and the cheapest interpolating last layer is the
minimum-norm solution ``W_L = A⁺Y`` of ``A W_L = Y``, where ``A`` (N×h) holds the features before
the last layer (for a parallel network, column ``j`` is branch ``j``'s single last hidden unit).
When ``A`` has full row rank this costs ``½‖W_L‖² = ½ tr(Yᵀ (AAᵀ)⁻¹ Y)``, a smooth function of the
other layers with gradient ``−(AAᵀ)⁻¹ Y Yᵀ (AAᵀ)⁻¹ A`` with respect to ``A``. Layers ``1…L−2``
either sit on the sphere ``‖W_l‖_F = t`` (the t-formulation: the optimum is on the boundary, since
growing a constrained layer lets the penalised ones shrink) or carry weight decay ``½‖W_l‖²``;
layer ``L−1`` always carries ``½‖W_{L−1}‖²``. So every search point, once its last layer is
filled in, is feasible, and its value is an honest upper bound on the primal optimum.

The regularised fit ``½‖f(X) − Y‖² + (β/2) Σ_l ‖W_l‖²`` (``objective="ridge"``) is eliminated the
same way: the best last layer is the ridge solution ``Aᵀ(AAᵀ + βI)⁻¹Y`` and the fit plus its
penalty cost ``(β/2) tr(Yᵀ (AAᵀ + βI)⁻¹ Y)``, with gradient ``−β G⁻¹YYᵀG⁻¹A`` for
``G = AAᵀ + βI``; every layer ``1…L−1`` then carries ``(β/2)‖W_l‖²``.

Minimisation is scipy's L-BFGS-B with analytic gradients (``method="L-BFGS-B"``); plain gradient
descent with Armijo backtracking (``method="gradient-descent"``) is kept as the baseline that the
benchmarks measure it against.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import minimize

from verify.networks import Model, Network, ParallelNetwork
from verify.result import Bound

LOG = logging.getLogger(__name__)
METHODS = ("L-BFGS-B", "gradient-descent")
SEARCH_OBJECTIVES = ("t", "weight-decay", "ridge")
#: L-BFGS-B runs per start at most (see ``_minimise``)
MAX_RESTARTS = 20


@dataclass(frozen=True)
class Architecture:
    """Depth ``L``, activation, number of ``branches`` (1: a standard network) and ``width``
    (hidden width of a standard network; of layers ``1…L−2`` of each branch otherwise)."""

    L: int
    activation: str = "linear"
    branches: int = 1
    width: int = 1
    parallel: bool = False

    def layer_shapes(self, d: int) -> list[tuple[int, int, int]]:
        """Shapes ``(batch, fan_in, fan_out)`` of layers ``1…L−1`` (the last is eliminated)."""
        batch = self.branches if self.parallel else 1
        last_width = 1 if self.parallel else self.width
        widths = [d] + [self.width] * (self.L - 2) + [last_width]
        return [(batch, widths[i], widths[i + 1]) for i in range(self.L - 1)]


@dataclass
class SearchOutcome:
    """Per-start final models and internal objective values, best first accessible via ``best``."""

    models: list[Model] = field(default_factory=list)
    values: list[float] = field(default_factory=list)
    iterations: list[int] = field(default_factory=list)
    evaluations: int = 0

    @property
    def best(self) -> int:
        return int(np.argmin(self.values))


class _EliminatedObjective:
    """Value and gradient of the primal with the last layer eliminated (see module docstring)."""

    def __init__(
        self,
        X: np.ndarray,
        Y: np.ndarray,
        arch: Architecture,
        objective: str,
        t: float | None,
        beta: float | None = None,
    ) -> None:
        self.X, self.Y, self.arch, self.t = X, Y, arch, t
        # ridge: G = AAᵀ + βI and every penalty is scaled by β; interpolation: G = AAᵀ.
        self.ridge = beta if objective == "ridge" else 0.0
        self.weight = beta if objective == "ridge" else 1.0
        self.shapes = arch.layer_shapes(X.shape[1])
        self.sizes = [int(np.prod(s)) for s in self.shapes]
        L = arch.L
        self.on_sphere = [objective == "t" and i < L - 2 for i in range(L - 1)]
        self.YYt = Y @ Y.T
        self.evaluations = 0

    def unpack(self, x: np.ndarray) -> list[np.ndarray]:
        parts, start = [], 0
        for shape, size in zip(self.shapes, self.sizes, strict=True):
            parts.append(x[start : start + size].reshape(shape))
            start += size
        return parts

    def layers(self, x: np.ndarray) -> list[np.ndarray]:
        """The actual layer weights: sphere layers are ``t·V/‖V‖`` per branch."""
        out = []
        for V, sphere in zip(self.unpack(x), self.on_sphere, strict=True):
            if sphere:
                norms = np.sqrt(np.sum(V * V, axis=(1, 2), keepdims=True))
                V = self.t * V / norms
            out.append(V)
        return out

    def features(self, mats: list[np.ndarray]) -> tuple[np.ndarray, list[np.ndarray]]:
        """Features ``A`` before the last layer, and every layer's input (for backprop)."""
        inputs, A = [], np.broadcast_to(self.X, (mats[0].shape[0], *self.X.shape))
        for M in mats:
            inputs.append(A)
            A = A @ M
            if self.arch.activation == "relu":
                A = np.maximum(A, 0.0)
        # Standard network: the batch has one member, its output is N×h. Parallel: one column
        # per branch.
        feats = A[:, :, 0].T if self.arch.parallel else A[0]
        return feats, inputs

    def last_layer(self, feats: np.ndarray) -> np.ndarray:
        if self.ridge:
            gram = feats @ feats.T + self.ridge * np.eye(feats.shape[0])
            return feats.T @ np.linalg.solve(gram, self.Y)
        return np.linalg.lstsq(feats, self.Y, rcond=None)[0]

    def __call__(self, x: np.ndarray) -> tuple[float, np.ndarray]:
        self.evaluations += 1
        mats = self.layers(x)
        feats, inputs = self.features(mats)
        gram = feats @ feats.T
        if self.ridge:
            gram[np.diag_indices_from(gram)] += self.ridge
        try:
            chol = np.linalg.cholesky(gram)
        except np.linalg.LinAlgError:
            return math.inf, np.zeros_like(x)
        # (w/2) tr(Yᵀ G⁻¹ Y) and its gradient −w G⁻¹YYᵀG⁻¹A, via the Cholesky factor of G.
        solved = _cho_solve(chol, self.Y)
        value = 0.5 * self.weight * float(np.sum(self.Y * solved))
        grad_feats = -self.weight * _cho_solve(chol, self.YYt @ _cho_solve(chol, feats))
        if self.arch.parallel:
            grad_out = grad_feats.T[:, :, None]
        else:
            grad_out = grad_feats[None]
        grads: list[np.ndarray] = [np.empty(0)] * len(mats)
        out = self._outputs(inputs, mats)
        for i in range(len(mats) - 1, -1, -1):
            if self.arch.activation == "relu":
                grad_out = grad_out * (out[i] > 0)
            grads[i] = np.swapaxes(inputs[i], 1, 2) @ grad_out
            if i:
                grad_out = grad_out @ np.swapaxes(mats[i], 1, 2)
        return self._finish(x, mats, grads, value)

    def _outputs(self, inputs: list[np.ndarray], mats: list[np.ndarray]) -> list[np.ndarray]:
        return [inp @ M for inp, M in zip(inputs, mats, strict=True)]

    def _finish(
        self, x: np.ndarray, mats: list[np.ndarray], grads: list[np.ndarray], value: float
    ) -> tuple[float, np.ndarray]:
        flat = []
        for V, M, G, sphere in zip(self.unpack(x), mats, grads, self.on_sphere, strict=True):
            if sphere:
                # Chain rule through V ↦ t V/‖V‖ (per branch): project out the radial part.
                norms = np.sqrt(np.sum(V * V, axis=(1, 2), keepdims=True))
                unit = V / norms
                radial = np.sum(G * unit, axis=(1, 2), keepdims=True)
                G = self.t / norms * (G - radial * unit)
            else:
                value += 0.5 * self.weight * float(np.sum(M * M))
                G = G + self.weight * M
            flat.append(G.ravel())
        return value, np.concatenate(flat)

    def balance(self, x: np.ndarray) -> np.ndarray:
        """Rescale the weight-decayed layers of ``x`` by the optimal common factor.

        Scaling those ``k`` layers by ``s`` scales the features by ``s^k`` (linear and ReLU
        layers are positively homogeneous), so the fit term goes as ``s^{−2k}`` and the penalty
        as ``s²``; their sum is least at ``s^{2k+2} = k·fit/penalty``. A random start is far
        from balanced when the sphere layers shrink the features, and this one step saves
        the optimiser from crawling out of that region. (Not used for the ridge fit, whose
        ``βI`` breaks the homogeneity.)
        """
        if self.ridge:
            return x
        decayed = [not sphere for sphere in self.on_sphere]
        parts = self.unpack(x)
        penalty = 0.5 * sum(float(np.sum(V * V)) for V, d in zip(parts, decayed, strict=True) if d)
        value, _ = self(x)
        fit, k = value - penalty, sum(decayed)
        if not (math.isfinite(fit) and fit > 0 and penalty > 0):
            return x
        scale = (k * fit / penalty) ** (1.0 / (2 * k + 2))
        return np.concatenate(
            [(V * scale if d else V).ravel() for V, d in zip(parts, decayed, strict=True)]
        )

    def model(self, x: np.ndarray) -> Model:
        mats = self.layers(x)
        feats, _ = self.features(mats)
        last = self.last_layer(feats)
        activation = self.arch.activation
        if not self.arch.parallel:
            return Network((*(M[0] for M in mats), last), activation)
        return ParallelNetwork(
            tuple(
                Network((*(M[j] for M in mats), last[j : j + 1]), activation)
                for j in range(self.arch.branches)
            )
        )


def _cho_solve(chol: np.ndarray, B: np.ndarray) -> np.ndarray:
    from scipy.linalg import cho_solve

    return cho_solve((chol, True), B, check_finite=False)


def _gradient_descent(fun, x0: np.ndarray, max_iter: int, target: float | None, deadline: float):
    x, (value, grad) = x0, fun(x0)
    step, iterations = 1.0 / max(float(np.linalg.norm(grad)), 1e-12), 0
    for iterations in range(1, max_iter + 1):
        if (target is not None and value <= target) or time.perf_counter() > deadline:
            break
        norm2 = float(grad @ grad)
        if norm2 < 1e-30:
            break
        while True:  # Armijo backtracking
            trial = x - step * grad
            trial_value, trial_grad = fun(trial)
            if trial_value <= value - 1e-4 * step * norm2:
                break
            step *= 0.5
            if step * math.sqrt(norm2) < 1e-16 * max(1.0, float(np.linalg.norm(x))):
                return x, value, iterations
        x, value, grad = trial, trial_value, trial_grad
        step *= 2.0
    return x, value, iterations


def local_search(
    X: np.ndarray,
    Y: np.ndarray,
    arch: Architecture,
    *,
    objective: str = "t",
    t: float | None = None,
    beta: float | None = None,
    restarts: int = 6,
    max_iter: int = 2000,
    rng: np.random.Generator,
    method: str = "L-BFGS-B",
    target: float | None = None,
    starts: list[np.ndarray] | None = None,
    time_limit: float | None = None,
) -> SearchOutcome:
    """Minimise the primal from ``restarts`` random starts (or the given ``starts``).

    ``objective`` is ``"t"`` (layers ``1…L−2`` on the sphere of radius ``t``),
    ``"weight-decay"`` (interpolation with ``½ Σ ‖W_l‖²``) or ``"ridge"`` (the regularised fit
    with strength ``beta``). ``target`` stops a start once its value is at or below it (used to
    measure time-to-optimum); ``time_limit`` (seconds) caps each start. Random starts are
    drawn from ``rng`` only.
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}")
    if objective not in SEARCH_OBJECTIVES:
        raise ValueError(f"objective must be one of {SEARCH_OBJECTIVES}")
    if objective == "t" and t is None:
        raise ValueError("the t-formulation needs t")
    if objective == "ridge" and not (beta and beta > 0):
        raise ValueError("the ridge objective needs beta > 0")
    fun = _EliminatedObjective(np.asarray(X, float), np.asarray(Y, float), arch, objective, t, beta)
    if starts is None:
        starts = [initial_point(fun.shapes, rng, Y) for _ in range(restarts)]
    starts = [fun.balance(x0) for x0 in starts]
    outcome = SearchOutcome()
    for number, x0 in enumerate(starts, 1):
        LOG.info("search: start %d of %d (≤ %d L-BFGS iterations)", number, len(starts), max_iter)
        deadline = math.inf if time_limit is None else time.perf_counter() + time_limit
        x, value, iterations = _minimise(fun, x0, method, max_iter, target, deadline)
        outcome.models.append(fun.model(x))
        outcome.values.append(value)
        outcome.iterations.append(iterations)
    outcome.evaluations = fun.evaluations
    return outcome


#: A start "reaches" the claimed optimum when within this relative distance of it.
REACHED = 1e-6
#: Floating-point operations a falsification search may spend at budget 1 (about a second of
#: one core); larger problems get fewer starts and iterations (:func:`plan_search`).
SEARCH_WORK = 5e9
#: The fewest iterations a start gets before the number of starts is cut.
MIN_ITERATIONS = 100


@dataclass(frozen=True)
class SearchPlan:
    """How many starts and iterations a search runs; ``note`` says why when fewer than asked."""

    restarts: int
    max_iter: int
    note: str = ""


def plan_search(
    arch: Architecture, d: int, N: int, K: int, restarts: int, max_iter: int, work: float = 1.0
) -> SearchPlan:
    """Scale a search to the problem's size, deterministically (so results stay reproducible).

    One evaluation of the eliminated objective costs about ``6N·n`` (forward and backward passes
    over ``n`` weights on ``N`` rows) ``+ N³/3 + 2N²(h + K)`` (Gram matrix, Cholesky, solves;
    ``h`` features) ``+ 120n`` (L-BFGS with 30 corrections) operations, about 1.2 per iteration.
    A search may spend ``work · SEARCH_WORK`` of them; within that it keeps the requested
    ``restarts × max_iter``, else cuts iterations (to ``MIN_ITERATIONS``) and then starts; when
    not even ``MIN_ITERATIONS/10`` iterations fit, it runs none. The plan is reported with the
    search, never applied silently; ``work = 0`` runs no search.
    """
    if work <= 0:
        return SearchPlan(0, 0, "search skipped: budget 0")
    shapes = arch.layer_shapes(d)
    weights = sum(batch * fan_in * fan_out for batch, fan_in, fan_out in shapes)
    features = shapes[-1][0] * shapes[-1][2]
    per_iteration = 1.2 * (6 * N * weights + N**3 / 3 + 2 * N**2 * (features + K) + 120 * weights)
    affordable = int(work * SEARCH_WORK / per_iteration)
    if affordable >= restarts * max_iter:
        return SearchPlan(restarts, max_iter)
    if affordable < MIN_ITERATIONS // 10:
        return SearchPlan(
            0,
            0,
            f"search skipped: one start of {MIN_ITERATIONS // 10} iterations exceeds the budget "
            f"({work:g}) at this size; a larger --budget runs it",
        )
    starts = max(1, min(restarts, affordable // MIN_ITERATIONS))
    iterations = max(1, min(max_iter, affordable // starts))
    return SearchPlan(
        starts,
        iterations,
        f"scaled to {starts} start(s) × ≤ {iterations} iterations for this size "
        f"(budget {work:g}; a larger --budget searches longer)",
    )


@dataclass(frozen=True)
class SearchSummary:
    """What a falsification search did: how many starts ran, the re-evaluated values of the
    usable ones (feasible within the tolerance), and how they compare with the ``claimed``
    optimum. Whether any went *below* a certified lower bound is judged elsewhere (it is a
    bound like any other), so the summary only reports."""

    starts: int
    values: tuple[float, ...]
    claimed: float | None
    max_iterations: int
    reach: float = REACHED
    #: why the search did less than asked (a size-scaled plan, a timeout), or ""
    note: str = ""

    @property
    def usable(self) -> int:
        return len(self.values)

    @property
    def best(self) -> float | None:
        return min(self.values) if self.values else None

    @property
    def median(self) -> float | None:
        return float(np.median(self.values)) if self.values else None

    @property
    def worst(self) -> float | None:
        return max(self.values) if self.values else None

    def _excess(self, value: float | None) -> float | None:
        if value is None or self.claimed is None:
            return None
        return (value - self.claimed) / max(1.0, abs(self.claimed))

    @property
    def relative_excess(self) -> float | None:
        """``(best − claimed)/max(1, |claimed|)``."""
        return self._excess(self.best)

    @property
    def reached(self) -> int:
        """Usable starts within :attr:`reach` (relative) of the claimed optimum."""
        if self.claimed is None:
            return 0
        return sum(abs(self._excess(v)) <= self.reach for v in self.values)

    def to_json(self) -> dict[str, float | int | None]:
        return {
            "starts": self.starts,
            "usable_starts": self.usable,
            "max_iterations": self.max_iterations,
            "best": self.best,
            "median": self.median,
            "worst": self.worst,
            "claimed": self.claimed,
            "relative_excess": self.relative_excess,
            "relative_excess_median": self._excess(self.median),
            "reached": self.reached,
            "reach": self.reach,
            "note": self.note,
        }

    def describe(self) -> str:
        note = f" [{self.note}]" if self.note else ""
        if not self.starts:
            return f"no search{note}"
        if not self.values:
            return f"{self.starts} starts, none usable (features never spanned the labels){note}"
        text = (
            f"{self.starts} starts ({self.usable} usable) of ≤ {self.max_iterations} L-BFGS "
            f"iterations, best {self.best:.10g}"
        )
        if self.claimed is not None:
            text += (
                f", relative excess over {self.claimed:.10g}: {self.relative_excess:.2e} "
                f"(median {self._excess(self.median):.2e}), {self.reached} within {self.reach:g}"
            )
        return text


def search_bounds(
    X: np.ndarray,
    Y: np.ndarray,
    arch: Architecture,
    *,
    evaluate: Callable[[Model], Bound],
    claimed: float | None,
    restarts: int,
    max_iter: int,
    rng: np.random.Generator,
    objective: str = "t",
    t: float | None = None,
    beta: float | None = None,
    tolerance: float = math.inf,
    starts: list[np.ndarray] | None = None,
    reach: float = REACHED,
    work: float = 1.0,
    timeout: float | None = None,
) -> tuple[list[Bound], SearchSummary]:
    """Run :func:`local_search` on ``(X, Y)`` and turn every start's network into a bound.

    ``evaluate`` maps a found network to a :class:`~verify.result.Bound` recomputed from its
    weights on the *original* problem (usually :func:`verify.networks.primal_certificate`, after
    lifting a network found on a reduced problem back). Starts whose features lost rank (value
    ``inf``) are counted but give no bound; only *usable* starts (recomputed residual within
    ``tolerance``) are returned; one *reached* the ``claimed`` optimum when within ``reach`` of it.
    The search is sized by :func:`plan_search` (``work`` scales its budget) and, when
    ``timeout`` is given, stopped after that many seconds in all (which makes its outcome depend
    on the machine: the summary says so).
    """
    plan = plan_search(arch, X.shape[1], X.shape[0], Y.shape[1], restarts, max_iter, work)
    if plan.restarts == 0:
        return [], SearchSummary(0, (), claimed, 0, reach, plan.note)
    note = plan.note
    time_limit = None
    if timeout is not None:
        time_limit = timeout / (len(starts) if starts is not None else plan.restarts)
        note = "; ".join(filter(None, [note, f"stopped after {timeout:g} s (machine-dependent)"]))
    outcome = local_search(
        X,
        Y,
        arch,
        objective=objective,
        t=t,
        beta=beta,
        restarts=plan.restarts,
        max_iter=plan.max_iter,
        rng=rng,
        starts=starts,
        time_limit=time_limit,
    )
    evaluated = [
        evaluate(model)
        for model, value in zip(outcome.models, outcome.values, strict=True)
        if math.isfinite(value)
    ]
    bounds = [b for b in evaluated if b.residual <= tolerance and math.isfinite(b.value)]
    summary = SearchSummary(
        len(outcome.models), tuple(b.value for b in bounds), claimed, plan.max_iter, reach, note
    )
    return bounds, summary


def initial_point(
    shapes: list[tuple[int, int, int]], rng: np.random.Generator, Y: np.ndarray
) -> np.ndarray:
    """Gaussian layers scaled so that the end-to-end map has roughly the size of the labels."""
    depth = len(shapes) + 1
    scale = max(float(np.linalg.norm(Y)) / math.sqrt(Y.size), 1e-3) ** (1.0 / depth)
    return np.concatenate(
        [rng.standard_normal(int(np.prod(s))) * scale / math.sqrt(s[1]) for s in shapes]
    )


def search_starts(
    X: np.ndarray, Y: np.ndarray, arch: Architecture, restarts: int, rng: np.random.Generator
) -> list[np.ndarray]:
    """The random starts :func:`local_search` would draw (so two methods can share them)."""
    shapes = arch.layer_shapes(np.asarray(X).shape[1])
    return [initial_point(shapes, rng, np.asarray(Y, float)) for _ in range(restarts)]


def _minimise(
    fun, x0: np.ndarray, method: str, max_iter: int, target: float | None, deadline: float
):
    if method == "gradient-descent":
        return _gradient_descent(fun, x0, max_iter, target, deadline)

    def stop_at_target(intermediate_result) -> None:
        if target is not None and intermediate_result.fun <= target:
            raise StopIteration
        if time.perf_counter() > deadline:
            raise StopIteration

    # L-BFGS-B can stop early on a "relative reduction" test when a line search meets the
    # edge of the domain (a singular Gram matrix); a fresh start from where it stopped, with
    # the curvature memory cleared, gets past it. Restart while it still makes progress.
    x, value, iterations = x0, math.inf, 0
    for _ in range(MAX_RESTARTS):
        res = minimize(
            fun,
            x,
            jac=True,
            method="L-BFGS-B",
            callback=stop_at_target,
            options={"maxiter": max_iter - iterations, "maxcor": 30, "ftol": 1e-16, "gtol": 1e-12},
        )
        improved = value - float(res.fun) > 1e-13 * abs(float(res.fun))
        x, value, iterations = res.x, min(value, float(res.fun)), iterations + int(res.nit)
        reached = target is not None and value <= target
        if not improved or reached or iterations >= max_iter or time.perf_counter() > deadline:
            break
    return x, value, iterations
