"""Certified three-layer parallel ReLU optima (C5 at ``L = 3``) against ``N``, run by hand:
``python benchmarks/relu_three_layer.py`` (``--quick`` stops at ``N = 10``).

Gaussian data ``X`` (``N × 2``) and labels ``y``, ``t = 1``, drawn from a printed seed
(``verify`` is imported first: it pins OpenBLAS to one thread before numpy loads).

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

import argparse
import math
import time

# isort: off
import verify  # noqa: F401  (first: it pins OpenBLAS to one thread before numpy loads)
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


def time_table(sizes: list[int], seed: int) -> list[dict]:
    print(f"L = 3, d = 2, t = 1, Gaussian X and y (seed {seed} + N)")
    header = (
        f"{'N':>3}{'groups':>8}{'inner':>7}{'full':>9}{'gap':>10}{'col. gen.':>11}{'gap':>10}"
        f"{'ratio':>7}{'rounds':>8}{'working':>9}{'priced':>8}{'branches':>10}{'crossed':>9}"
        f"{'holds':>7}"
    )
    print(header)
    rows = []
    for N in sizes:
        full = program_size(N, 2, 3) <= FULL_PROGRAM_VARIABLES
        row = run(N, seed, full)
        rows.append(row)
        if full:
            full_text = f"{row['full_time']:>8.2f}s{row['full_gap']:>10.1e}"
            ratio = f"{row['full_time'] / row['cg_time']:>6.1f}×"
            crossed = "yes" if row["crossed"] else "NO"
        else:
            full_text, ratio, crossed = f"{'refused':>9}{'':>10}", f"{'':>7}", ""
        print(
            f"{N:>3}{row['groups']:>8}{row['inner']:>7}{full_text}{row['cg_time']:>10.2f}s"
            f"{row['cg_gap']:>10.1e}{ratio}{len(row['rounds']):>8}{row['working']:>9}"
            f"{row['priced']:>8}{row['branches']:>10}{crossed:>9}"
            f"{'yes' if row['holds'] else 'NO':>7}",
            flush=True,
        )
    return rows


def rounds_table(row: dict) -> None:
    print(f"\ncolumn generation rounds at N = {row['N']}")
    print(f"{'round':>6}{'groups':>8}{'priced':>8}{'max value':>12}{'gap':>11}{'time':>9}")
    for k, r in enumerate(row["rounds"], 1):
        print(
            f"{k:>6}{r.groups:>8}{r.priced:>8}{r.violation:>12.8f}{r.relative_gap:>11.2e}"
            f"{r.seconds:>8.2f}s"
        )


def growth(rows: list[dict]) -> None:
    """Least-squares slope of ``log(time)`` against ``N`` over the sizes from 8 on."""
    tail = [r for r in rows if r["N"] >= 8] or rows
    if len(tail) < 2:
        return
    slope = np.polyfit([r["N"] for r in tail], [math.log(r["cg_time"]) for r in tail], 1)[0]
    print(
        f"\ncolumn generation time grows by ×{math.exp(slope):.2f} per added point "
        f"(N = {tail[0]['N']}…{tail[-1]['N']}; the groups double)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true", help="N up to 10 only")
    args = parser.parse_args()
    sizes = list(range(4, 11 if args.quick else 13))
    rows = time_table(sizes, args.seed)
    rounds_table(rows[-1])
    growth(rows)


if __name__ == "__main__":
    main()
