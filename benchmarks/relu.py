"""Speed and scale of the parallel ReLU checks (C5), run by hand: ``python benchmarks/relu.py``.

One table per measurement, on Gaussian data and labels drawn from a fixed seed:

1. pattern enumeration (exact, integer arithmetic) against ``N``: time, pattern count, the
   closed-form count for general position, and how many of them 10 000 sampled directions find;
2. the convex program (Clarabel) and the certificate (reconstruction + pruning + the exact dual
   check) against ``N``, at ``L = 2`` and ``L = 3``, with the relative gap they certify;
3. Clarabel against SCS on the same program: time ratio and value agreement.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from verify.arrangements import chamber_patterns, general_position_count, sampled_patterns
from verify.networks import primal_certificate
from verify.relu_parallel import reconstruct, relu_problem, rescaled_dual_point, solve


def timed(fn):
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


def enumeration_table(rng: np.random.Generator, sizes: list[tuple[int, int]]) -> None:
    print("pattern enumeration (exact)")
    print(f"{'N':>4}{'d':>4}{'patterns':>10}{'Cover':>8}{'sampled':>9}{'time':>10}")
    for N, d in sizes:
        X = rng.standard_normal((N, d))
        found, seconds = timed(lambda X=X: chamber_patterns(X))
        sampled = sampled_patterns(X, rng, samples=10_000)
        print(
            f"{N:>4}{d:>4}{len(found):>10}{general_position_count(N, d):>8}"
            f"{len(sampled):>9}{seconds:>9.3f}s"
        )


def program_table(rng: np.random.Generator, cases: list[tuple[int, int, int]]) -> None:
    print("\nconvex program and certificates (Clarabel)")
    header = (
        f"{'L':>3}{'N':>4}{'d':>4}{'patterns':>10}{'groups':>8}{'enumerate':>11}{'solve':>9}"
        f"{'certify':>9}{'branches':>10}{'rel. gap':>10}"
    )
    print(header)
    for L, N, d in cases:
        X, y = rng.standard_normal((N, d)), rng.standard_normal(N)
        problem, t_enum = timed(lambda X=X, y=y, L=L: relu_problem(X, y, L, 1.0))
        solution, t_solve = timed(lambda problem=problem: solve(problem))

        def certify(problem=problem, solution=solution):
            rebuilt = reconstruct(problem, solution)
            bound = primal_certificate(
                problem.X, problem.y[:, None], rebuilt.network, "t", t=1.0, how="benchmark"
            )
            dual = rescaled_dual_point(problem, solution.dual, solution.outer_dual)
            return rebuilt.branches, bound.value, dual.value

        (branches, primal, dual), t_cert = timed(certify)
        groups = 1 if problem.outer is None else problem.outer.shape[0]
        print(
            f"{L:>3}{N:>4}{d:>4}{len(problem.inner):>10}{groups:>8}{t_enum:>10.3f}s"
            f"{t_solve:>8.3f}s{t_cert:>8.3f}s{branches:>10}{(primal - dual) / primal:>10.1e}"
        )


def solver_table(rng: np.random.Generator, cases: list[tuple[int, int, int]]) -> None:
    print("\nClarabel against SCS (same program)")
    print(
        f"{'L':>3}{'N':>4}{'d':>4}{'Clarabel':>10}{'SCS':>9}{'SCS/Clarabel':>14}{'rel. diff':>11}"
    )
    for L, N, d in cases:
        X, y = rng.standard_normal((N, d)), rng.standard_normal(N)
        problem = relu_problem(X, y, L, 1.0)
        clarabel, t_clarabel = timed(lambda problem=problem: solve(problem))
        scs, t_scs = timed(lambda problem=problem: solve(problem, "SCS"))
        diff = abs(scs.value - clarabel.value) / clarabel.value
        print(
            f"{L:>3}{N:>4}{d:>4}{t_clarabel:>9.3f}s{t_scs:>8.3f}s{t_scs / t_clarabel:>14.1f}"
            f"{diff:>11.1e}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true", help="smaller sizes")
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    top = 12 if args.quick else 24
    enumeration_table(rng, [(N, d) for d in (2, 3) for N in range(4, top + 1, 4)])
    two = [(2, N, d) for d in (2, 3) for N in (4, 8, 12, 16) if not (args.quick and N > 8)]
    three = [(3, N, 2) for N in (3, 4, 5, 6)] + [(3, 5, 3)]
    program_table(rng, two + (three[:3] if args.quick else three))
    solver_table(rng, [(2, 6, 2), (2, 8, 3), (3, 4, 2)] + ([] if args.quick else [(3, 5, 2)]))


if __name__ == "__main__":
    main()
