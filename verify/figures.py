"""The report's figures (PNG): closed-form curves, with measured certified values marked.

:func:`write_figures` draws every figure of :data:`FIGURES` from the claim runs. Each drawing
function writes one figure to ``path``. The curves are exact closed forms
(:mod:`verify.deep_linear`, :mod:`verify.lowrank`, :mod:`verify.rank1`) evaluated on grids; the
measured points are the certified gaps of :mod:`verify.table1` and the C5 search summaries. The
figures are drawn on :class:`matplotlib.figure.Figure` objects with the Agg canvas, never through
``pyplot``: no global backend state, so the report can run in any process (workers, tests, a
headless server).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from verify.deep_linear import linear_data
from verify.instances import Instance
from verify.lowrank import depth_growth_beta, singular_value_curves, threshold_grid
from verify.rank1 import dual_value, primal_value, rank1_data, zero_gap
from verify.result import INFEASIBLE
from verify.runner import ClaimRun
from verify.strategies.common import orthonormal_columns
from verify.table1 import measurements

DPI = 120
#: Depths of the closed-form gap curves (the relative gap does not depend on ``t``).
GAP_DEPTHS = range(2, 11)
#: Spectra of the seeded linear instances: generic, equal (the false "gap iff unequal"
#: paraphrase), rank 1 (no gap at any depth).
LINEAR_SPECTRA = {
    "σ = (4, 2, 1)": (4.0, 2.0, 1.0),
    "σ = (1, 1, 1)": (1.0, 1.0, 1.0),
    "σ = (3), rank 1": (3.0,),
}
LOWRANK_BETA = 1.0
LOWRANK_DEPTHS = range(2, 7)
THRESHOLD_DEPTHS = range(2, 13)

GAP_FIGURE, LOWRANK_FIGURE = "gap_vs_depth.png", "lowrank.png"
RELU_FIGURE, RANK1_FIGURE = "relu_search.png", "rank1_gap.png"
#: The figures: file name → caption.
FIGURES = {
    GAP_FIGURE: "Relative duality gap (P − D)/P of deep linear networks against depth: "
    "closed forms (C1, C3) on seeded instances, and the certified gaps measured on the checked "
    "instances (lower ends of the certified intervals).",
    LOWRANK_FIGURE: "C4: the optimal singular value map s*(σ) of weight-decayed deep linear "
    "regression for L = 2…6, and the rank threshold τ against L for several β (τ grows with L "
    "on every step iff β < β₃ = 3¹²/2¹⁶).",
    RELU_FIGURE: "C5: value reached by random-start training (L-BFGS) divided by the "
    "certified optimum P = D of the parallel ReLU network (1 = optimal), per checked instance.",
    RANK1_FIGURE: "C6: exact P(t) and D(t) of the standard three-layer ReLU network on "
    "X = [1; −1] over the unit label circle y = (cos θ, sin θ); shaded: the zero-gap region.",
}
#: The claims whose measurements the figures mark, and C5's ``extra`` keys for its random-start
#: searches (the parallel network's, and at L = 3 the standard network's of the same width).
LINEAR_STANDARD, LINEAR_PARALLEL = "linear-standard-gap", "linear-parallel-zero-gap"
RELU_PARALLEL = "relu-parallel-zero-gap"
SEARCH_KEY, STANDARD_SEARCH_KEY = "search", "standard_search"


@dataclass(frozen=True)
class SearchPoint:
    """C5 on one instance: the certified value ``P = D`` and what random-start training found."""

    label: str
    L: int
    certified: float
    parallel_best: float | None
    parallel_median: float | None
    standard_best: float | None


def _new_figure(width: float, height: float, columns: int = 1) -> tuple[Figure, list]:
    figure = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(figure)
    axes = [figure.add_subplot(1, columns, i + 1) for i in range(columns)]
    return figure, axes


def _save(figure: Figure, path: Path) -> Path:
    figure.savefig(path, dpi=DPI, format="png")
    return path


def seeded_linear_instance(spectrum: Sequence[float], seed: int) -> Instance:
    """``X`` (6×4, Gaussian) and ``Y = X W*`` with ``W*`` of the given singular values and
    Haar-random singular vectors, all from ``seed``."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((6, 4))
    r = len(spectrum)
    W = orthonormal_columns(rng, 4, r) @ np.diag(spectrum) @ orthonormal_columns(rng, 3, r).T
    return Instance(X, X @ W, L=2, t=1.0)


def linear_relative_gaps(instance: Instance, depths: Sequence[int]) -> np.ndarray:
    """``(P_lin − D_lin)/P_lin`` at each depth, from the closed forms (C1): the common factor
    ``t^{−(L−2)}`` cancels, leaving ``1 − ‖W*‖_*/‖W*‖_{S_{2/L}}``."""
    data = linear_data(instance)
    return np.array([1.0 - data.nuclear / data.schatten(L) for L in depths])


def gap_against_depth(
    path: Path,
    seed: int,
    standard: Sequence[tuple[int, float]],
    parallel: Sequence[tuple[int, float]],
) -> Path:
    """Relative duality gap against depth: closed-form curves for standard networks on seeded
    instances, zero for parallel networks, and the measured certified gaps (``(L, gap)`` pairs:
    the lower end of each certified interval, relative to ``P``)."""
    figure, (ax,) = _new_figure(7.0, 4.6)
    depths = list(GAP_DEPTHS)
    styles = (("-", "tab:blue"), ("--", "tab:orange"), (":", "tab:gray"))
    for (name, spectrum), (style, colour) in zip(LINEAR_SPECTRA.items(), styles, strict=True):
        gaps = linear_relative_gaps(seeded_linear_instance(spectrum, seed), depths)
        ax.plot(depths, gaps, style, color=colour, marker="o", ms=3,
                label=f"standard, closed form, {name}")  # fmt: skip
    ax.plot(depths, np.zeros(len(depths)), "-", color="tab:green", lw=2.5, alpha=0.6,
            label="parallel (m ≥ rank), closed form: zero gap")  # fmt: skip
    if standard:
        L, gap = zip(*standard, strict=True)
        ax.scatter(L, gap, marker="x", s=50, color="black", zorder=3,
                   label="standard, measured certified gap (C1 instances)")  # fmt: skip
    if parallel:
        L, gap = zip(*parallel, strict=True)
        ax.scatter(L, gap, marker="s", s=40, facecolors="none", edgecolors="tab:green",
                   zorder=3, label="parallel, measured certified gap (C3 instances)")  # fmt: skip
    ax.set_xlabel("depth L (number of weight layers)")
    ax.set_ylabel("relative duality gap (P − D) / P")
    ax.set_title("Deep linear networks: duality gap against depth")
    ax.set_xticks(depths)
    ax.set_ylim(bottom=-0.05)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="upper left")
    return _save(figure, path)


def lowrank_maps(path: Path, betas: Sequence[float] = (0.5, 2.0, 20.0, 100.0)) -> Path:
    """Left: the optimal singular value map ``s*(σ)`` for ``L = 2…6`` (C4). Right: the
    threshold ``τ`` against ``L`` for several ``β``, with ``β₃ = 3¹²/2¹⁶``, the largest ``β`` for
    which ``τ`` grows with depth on every step."""
    figure, (left, right) = _new_figure(11.0, 4.6, columns=2)
    depths = list(LOWRANK_DEPTHS)
    top = 2.5 * float(threshold_grid(depths, [LOWRANK_BETA]).max())
    sigma = np.linspace(0.0, top, 1201)
    for L, s in singular_value_curves(depths, LOWRANK_BETA, sigma).items():
        left.plot(sigma, s, label=f"L = {L}")
    left.plot(sigma, sigma, "k:", lw=1, label="s = σ (no penalty)")
    left.set_xlabel("singular value σ of XᵀY")
    left.set_ylabel("optimal singular value s*(σ)")
    left.set_title(f"Optimal singular values, β = {LOWRANK_BETA:g}")
    left.grid(alpha=0.3)
    left.legend(fontsize=8, loc="upper left")

    boundary = depth_growth_beta(3)
    all_betas = sorted({*betas, boundary})
    thresholds = list(THRESHOLD_DEPTHS)
    grid = threshold_grid(thresholds, all_betas)
    for column, beta in enumerate(all_betas):
        name = f"β = β₃ ≈ {beta:.3f}" if beta == boundary else f"β = {beta:g}"
        style = "k--" if beta == boundary else "-"
        right.plot(thresholds, grid[:, column], style, marker="o", ms=3, label=name)
    right.set_yscale("log")
    right.set_xlabel("depth L")
    right.set_ylabel("threshold τ(L, β)")
    right.set_title("Rank threshold against depth (grows with L iff β < β_L)")
    right.set_xticks(thresholds)
    right.grid(alpha=0.3, which="both")
    right.legend(fontsize=8, loc="lower right")
    return _save(figure, path)


def relu_search(path: Path, points: Sequence[SearchPoint]) -> Path:
    """Random-start training against the certified optimum for parallel ReLU networks (C5):
    the ratio of the value each search reached to the certified ``P = D`` (1 = optimal)."""
    figure, (ax,) = _new_figure(max(9.0, 0.45 * len(points) + 5.0), 4.8)
    if not points:
        ax.text(0.5, 0.5, "no C5 (parallel ReLU) instances in this run", ha="center",
                va="center", transform=ax.transAxes, fontsize=12)  # fmt: skip
        ax.set_axis_off()
        return _save(figure, path)
    x = np.arange(len(points))
    series = (
        ("parallel_best", "o", "tab:blue", "parallel network, best start"),
        ("parallel_median", "v", "tab:orange", "parallel network, median start"),
        ("standard_best", "s", "tab:red", "standard network (L = 3), best start"),
    )
    for name, marker, colour, label in series:
        ratios = [
            (i, getattr(p, name) / p.certified)
            for i, p in zip(x, points, strict=True)
            if getattr(p, name) is not None
        ]
        if ratios:
            i, r = zip(*ratios, strict=True)
            ax.scatter(i, r, marker=marker, s=45, color=colour, label=label, zorder=3)
    ax.axhline(1.0, color="tab:green", lw=2, label="certified optimum P = D (convex program)")
    ax.set_ylim(bottom=0.95)
    ax.set_xticks(x, [f"{p.label} (L={p.L})" for p in points], rotation=35, ha="right")
    ax.set_ylabel("training value / certified value")
    ax.set_title("Parallel ReLU: random-start training vs the certified optimum")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))  # beside: no overlap
    return _save(figure, path)


def rank1_curves(samples: int = 721, t: float = 1.0) -> dict[str, np.ndarray]:
    """``P`` and ``D`` (C6) for ``X = [1; −1]`` and unit labels ``y = (cos θ, sin θ)``, with the
    exact zero-gap condition (``y ≥ 0`` or ``y ≤ 0``) at each ``θ``."""
    theta = np.linspace(0.0, 2.0 * np.pi, samples)
    X = np.array([[1.0], [-1.0]])
    primal, dual, aligned = [], [], []
    for angle in theta:
        data = rank1_data(X, np.array([[np.cos(angle)], [np.sin(angle)]]))
        s = data.radius(t)
        primal.append(primal_value(data.alpha, data.gamma, s, 3))
        dual.append(dual_value(data.alpha, data.gamma, s))
        aligned.append(zero_gap(data.alpha, data.gamma, 3))
    return {
        "theta": theta,
        "primal": np.array(primal),
        "dual": np.array(dual),
        "zero_gap": np.array(aligned),
    }


def rank1_gap(path: Path) -> Path:
    """P(θ) and D(θ) over the unit label circle of ``X = [1; −1]`` (C6), the zero-gap region
    shaded; right: the ratio ``P/D`` against its bound ``√2``."""
    curves = rank1_curves()
    theta, primal, dual = curves["theta"], curves["primal"], curves["dual"]
    figure, (left, right) = _new_figure(11.0, 4.4, columns=2)
    for ax in (left, right):
        shade = ax.get_xaxis_transform()  # x in data, y in axes coordinates: full height
        ax.fill_between(theta, 0, 1, where=curves["zero_gap"], color="tab:green", alpha=0.15,
                        transform=shade, label="zero gap: y ≥ 0 or y ≤ 0")  # fmt: skip
        ax.set_xticks(np.pi * np.arange(0, 2.01, 0.5), ["0", "π/2", "π", "3π/2", "2π"])
        ax.set_xlabel("label angle θ, y = (cos θ, sin θ)")
        ax.grid(alpha=0.3)
    left.plot(theta, primal, lw=2, label="P(t): standard three-layer ReLU")
    left.plot(theta, dual, "--", lw=2, label="D(t): its dual")
    left.set_ylabel("optimal value (t = 1)")
    left.set_title("Rank-1 data X = [1; −1]: primal and dual")
    left.set_ylim(0.9, 1.25 * float(primal.max()))  # headroom for the legend above the curves
    left.legend(fontsize=8, loc="upper center")
    right.plot(theta, primal / dual, lw=2, color="tab:red", label="P / D")
    right.axhline(np.sqrt(2.0), color="black", ls=":", label="√2 (largest ratio, y = ±(1, −1))")
    right.set_ylabel("P / D")
    right.set_title("Duality gap ratio over the label circle")
    right.set_ylim(0.95, 1.6)
    right.legend(fontsize=8, loc="upper center")
    return _save(figure, path)


def measured_linear_gaps(run: ClaimRun | None) -> list[tuple[int, float]]:
    """``(L, certified relative gap)`` of every measured check of a deep linear claim."""
    return [(o.instance.L, m.lower) for o, m in measurements(run)]


def search_points(run: ClaimRun | None) -> list[SearchPoint]:
    """What random-start training reached on each feasible C5 check with a positive certified
    value (negative controls excluded)."""
    if run is None:
        return []
    points = []
    for outcome in run.outcomes:
        result = outcome.result
        search = result.extra.get(SEARCH_KEY, {})
        certified = result.dual_value
        if outcome.kind == "control" or result.verdict == INFEASIBLE or "best" not in search:
            continue
        if not (math.isfinite(certified) and certified > 0):
            continue
        standard = result.extra.get(STANDARD_SEARCH_KEY, {})
        points.append(
            SearchPoint(
                label=outcome.label,
                L=outcome.instance.L,
                certified=certified,
                parallel_best=search["best"],
                parallel_median=search.get("median"),
                standard_best=standard.get("best"),
            )
        )
    return points


def write_figures(out: Path, runs: list[ClaimRun], seed: int) -> dict[str, Path]:
    """Draw every figure of :data:`FIGURES` into ``out``; return ``{file name: path}``."""
    by_id = {run.claim.id: run for run in runs}
    return {
        GAP_FIGURE: gap_against_depth(
            out / GAP_FIGURE,
            seed,
            measured_linear_gaps(by_id.get(LINEAR_STANDARD)),
            measured_linear_gaps(by_id.get(LINEAR_PARALLEL)),
        ),
        LOWRANK_FIGURE: lowrank_maps(out / LOWRANK_FIGURE),
        RELU_FIGURE: relu_search(out / RELU_FIGURE, search_points(by_id.get(RELU_PARALLEL))),
        RANK1_FIGURE: rank1_gap(out / RANK1_FIGURE),
    }
