"""Certified three-layer parallel ReLU optima (C5 at ``L = 3``) against ``N``, run by hand:
``python benchmarks/relu_three_layer.py`` (``--quick`` stops at ``N = 10``).

Gaussian data ``X`` (``N × 2``) and labels ``y``, ``t = 1``, drawn from a printed seed; the
measurements as records (``benchmarks/record.py``, imported first: it pins OpenBLAS to one thread
before numpy loads).

1. **time against N**: the full convex program over every (outer, sign, inner) group
   (Clarabel through cvxpy, where it fits C5's size limit) and column generation
   (:mod:`verify.column_generation_three_layer`), each followed by its certificates (network
   rebuilt and re-evaluated, dual point checked over every group); the certified relative gap
   ``(P_upper − D_lower)/P_upper`` of each, their ratio of times, and whether each certified
   dual value lies below the other's network (weak duality across the paths);
2. **rounds** of column generation at the largest ``N``: working set, groups priced by their own
   program, the largest group value and the certified gap per round;
3. the growth of the column generation's time: the factor per added point (the groups number
   ``2(2^N − 1)``).
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence

# isort: off
from record import Record, arguments, finish, only  # first: this checkout, one BLAS thread
import numpy as np

# isort: on
from verify.claims.relu_parallel_zero_gap import program_size
from verify.column_generation_three_layer import Certificates, certify_three_layer, sampled_groups
from verify.networks import primal_certificate
from verify.relu_parallel import (
    reconstruct,
    relu_problem,
    rescaled_dual_point,
    solve,
    weak_duality_allowance,
)

#: warm start: sampled groups per data point (as C5's two-layer path samples directions)
WARM_START = 2
#: the full program (the cross-check) is solved up to this many variables (about N = 8 at d = 2)
FULL_PROGRAM_VARIABLES = 60_000


def network_cost(X: np.ndarray, y: np.ndarray, network) -> tuple[float, float]:
    """The network's t-objective and relative residual, recomputed from its weights."""
    bound = primal_certificate(X, y[:, None], network, "t", t=1.0, how="benchmark")
    return bound.value, bound.residual


def run(N: int, seed: int, full: bool) -> dict:
    rng = np.random.default_rng(seed + N)
    X, y = rng.standard_normal((N, 2)), rng.standard_normal(N)
    row: dict = {"N": N}
    begin = time.perf_counter()
    problem = relu_problem(X, y, 3, 1.0)
    row["enumerate"] = time.perf_counter() - begin
    row["groups"], row["inner"] = len(problem.outer), len(problem.inner)
    begin = time.perf_counter()
    start = sampled_groups(problem, WARM_START * N, np.random.default_rng(seed))
    generated: Certificates = certify_three_layer(problem, start)
    row["cg_time"] = time.perf_counter() - begin
    cost, residual = network_cost(X, y, generated.network)
    row["cg_gap"] = (cost - generated.dual.value) / cost
    row["cg_residual"] = residual
    row["holds"] = generated.certified and row["cg_gap"] <= 1e-6
    row["rounds"] = generated.outcome.rounds
    row["working"] = len(generated.outcome.working)
    row["priced"] = sum(r.priced for r in generated.outcome.rounds)
    row["branches"] = len(generated.network.branches)
    if full:
        begin = time.perf_counter()
        solution = solve(problem)
        network = reconstruct(problem, solution).network
        dual = rescaled_dual_point(problem, solution.dual, solution.outer_dual)
        row["full_time"] = time.perf_counter() - begin
        full_cost, _ = network_cost(X, y, network)
        row["full_gap"] = (full_cost - dual.value) / full_cost
        crossed = generated.dual.value <= full_cost + weak_duality_allowance(
            X, y, network, generated.dual.multipliers, full_cost
        ) and dual.value <= cost + weak_duality_allowance(
            X, y, generated.network, dual.multipliers, cost
        )
        row["crossed"] = crossed
    return row


FULL, COLGEN = "full program + certificates", "column generation + certificates"
ROUND = "column generation round"


def time_records(sizes: list[int], seed: int) -> tuple[list[Record], dict]:
    """Per ``N``: column generation (against the full program where C5's size limit lets it
    run), and the row of the largest ``N`` (for its rounds)."""
    out = []
    for N in sizes:
        full = program_size(N, 2, 3) <= FULL_PROGRAM_VARIABLES
        row = run(N, seed, full)
        size = {"N": N, "d": 2, "groups": row["groups"], "inner": row["inner"]}
        figures = {
            "gap": row["cg_gap"],
            "rounds": len(row["rounds"]),
            "working": row["working"],
            "priced": row["priced"],
            "branches": row["branches"],
            "holds": "yes" if row["holds"] else "NO",
        }
        if full:
            gap = {"gap": row["full_gap"]}
            out.append(Record("relu_three_layer", FULL, size, row["full_time"], None, None, gap))
            figures["crossed"] = "yes" if row["crossed"] else "NO"
            baseline = (FULL, row["full_time"])
        else:
            figures["full program"] = "refused"
            baseline = (None, None)
        out.append(Record("relu_three_layer", COLGEN, size, row["cg_time"], *baseline, figures))
    return out, row


def round_records(row: dict) -> list[Record]:
    """Column generation's rounds at one ``N``: groups in the master, groups priced, the
    largest group value and the certified gap."""
    return [
        Record(
            "relu_three_layer",
            ROUND,
            {"N": row["N"], "d": 2, "round": k},
            r.seconds,
            None,
            None,
            {
                "groups": r.groups,
                "priced": r.priced,
                "max value": r.violation,
                "gap": r.relative_gap,
            },
        )
        for k, r in enumerate(row["rounds"], 1)
    ]


def growth(found: Sequence[Record]) -> tuple[float, int, int] | None:
    """Column generation's time factor per added point (least squares on ``log(time)`` against
    ``N`` over the sizes from 8 on) and the range of ``N`` it was fitted on."""
    timed = only(found, COLGEN)
    tail = [r for r in timed if r.size["N"] >= 8] or timed
    if len(tail) < 2:
        return None
    sizes = [r.size["N"] for r in tail]
    slope = np.polyfit(sizes, [math.log(r.seconds) for r in tail], 1)[0]
    return math.exp(slope), sizes[0], sizes[-1]


def records(seed: int, quick: bool) -> list[Record]:
    timed, last = time_records(list(range(4, 11 if quick else 13)), seed)
    return timed + round_records(last)


def headline(found: Sequence[Record]) -> str:
    generated = only(found, COLGEN)
    compared = [r for r in generated if r.ratio is not None]
    largest = generated[-1]
    parts = []
    if compared:  # the largest N both run at (the first full solve also pays cvxpy's start-up)
        last = compared[-1]
        parts.append(
            f"column generation {1 / last.ratio:.1f}× faster than the full program at "
            f"N = {last.size['N']}, d = 2"
        )
    full_gaps = [r.figures["gap"] for r in only(found, FULL)]
    parts.append(
        f"certified N = {largest.size['N']}, d = 2 in {largest.seconds:.1f} s "
        f"({largest.figures['rounds']} rounds); gaps ≤ "
        f"{max(r.figures['gap'] for r in generated):.1e} (column generation)"
        + (f", ≤ {max(full_gaps):.1e} (full program)" if full_gaps else "")
    )
    fitted = growth(found)
    if fitted:
        parts.append(f"time ×{fitted[0]:.2f} per added point (N = {fitted[1]}–{fitted[2]})")
    return "; ".join(parts)


def main() -> None:
    parser = arguments(__doc__.splitlines()[0], "N up to 10 only")
    args = parser.parse_args()
    print(f"L = 3, d = 2, t = 1, Gaussian X and y (seed {args.seed} + N)")
    finish(args, records(args.seed, args.quick), headline)


if __name__ == "__main__":
    main()
