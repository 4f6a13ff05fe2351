"""Speed and scale of the parallel ReLU checks (C5), run by hand: ``python benchmarks/relu.py``.

One table per measurement, on Gaussian data and labels drawn from a fixed seed:

1. pattern enumeration (exact, integer arithmetic) against ``N``: time, pattern count, the
   closed-form count for general position, and how many of them 10 000 sampled directions find;
2. the convex program (Clarabel) and the certificate (reconstruction + pruning + the exact dual
   check) against ``N``, at ``L = 2`` and ``L = 3``, with the relative gap they certify;
3. Clarabel against SCS on the same program: time ratio and value agreement;
4. ``--scale`` (``L = 2``, ratios measured in the same run): column generation against the full
   program at ``N = 40, d = 3``; time and peak memory (the child process's peak resident set)
   of the whole certified check (search included) at ``N = 200, d = 3`` (Gaussian labels) and
   ``N = 1000, d = 2`` (labels of a random four-unit ReLU network: Gaussian labels make the
   master LP too ill-conditioned at ``d = 2``, see the report); the growth exponent of the
   certified solve against ``N``; sampled-pattern solving (no certificate) against certified
   solving at the same size.
"""

from __future__ import annotations

import argparse
import math
import resource
import time
from concurrent.futures import ProcessPoolExecutor

import verify  # noqa: F401  (before numpy: it sets the BLAS threads)

# isort: split
import numpy as np

from verify.arrangements import chamber_patterns, general_position_count, sampled_patterns
from verify.claims import Budget, get
from verify.column_generation import certify_two_layer, sampled_directions
from verify.instances import Instance
from verify.networks import primal_certificate
from verify.relu_parallel import (
    ReluProblem,
    reconstruct,
    relu_problem,
    rescaled_dual_point,
    solve,
)


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


def gaussian(N: int, d: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.standard_normal((N, d)), rng.standard_normal(N)


def teacher(N: int, d: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian data, labels of a random parallel ReLU network with four units."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((N, d))
    return X, np.maximum(X @ rng.standard_normal((d, 4)), 0.0) @ rng.standard_normal(4)


def full_program(X: np.ndarray, y: np.ndarray) -> float:
    """Enumeration, the program over every pattern (Clarabel), reconstruction and the exact dual
    check: the certified relative gap."""
    problem = relu_problem(X, y, 2, 1.0)
    solution = solve(problem)
    network = reconstruct(problem, solution).network
    primal = primal_certificate(X, y[:, None], network, "t", t=1.0, how="benchmark").value
    return (primal - rescaled_dual_point(problem, solution.dual, None).value) / primal


def column_generation(X: np.ndarray, y: np.ndarray, sampled: int = 0) -> float:
    """Enumeration (or ``sampled`` directions' patterns), column generation and both
    certificates: the relative gap (certified only with the exact patterns)."""
    rng = np.random.default_rng(0)
    if sampled:
        problem = ReluProblem(X, y, 2, 1.0, sampled_patterns(X, rng, sampled))
    else:
        problem = relu_problem(X, y, 2, 1.0)
    found = certify_two_layer(problem, sampled_directions(X.shape[1], 2 * len(y), rng))
    network = found.network
    primal = primal_certificate(X, y[:, None], network, "t", t=1.0, how="benchmark").value
    return (primal - found.dual.value) / primal


def whole_check(N: int, d: int, labels: str, seed: int) -> tuple[float, str, float, float]:
    """``claim.check`` as ``dualgap check`` runs it (default budget, search included), in this
    (fresh) process: seconds, verdict, certified relative gap, peak resident MB."""
    X, y = (gaussian if labels == "gaussian" else teacher)(N, d, seed)
    claim = get("relu-parallel-zero-gap")
    start = time.perf_counter()
    result = claim.check(Instance(X, y, L=2, t=1.0), Budget(seed=seed))
    seconds = time.perf_counter() - start
    primal, dual = result.primal_value, result.dual_value
    gap = (primal - dual) / primal if dual is not None else math.nan
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return seconds, result.verdict, gap, peak


def isolated(fn, *args):
    """``fn(*args)`` in a fresh process (so that its peak memory is its own)."""
    with ProcessPoolExecutor(max_workers=1) as pool:
        return pool.submit(fn, *args).result()


def scale_table(seed: int) -> None:
    print("\ncolumn generation against the full program (L = 2, Gaussian X and y)")
    X, y = gaussian(40, 3, seed)
    full_gap, t_full = timed(lambda: full_program(X, y))
    cg_gap, t_cg = timed(lambda: column_generation(X, y))
    print(f"{'N':>5}{'d':>3}{'full':>9}{'gap':>9}{'colgen':>9}{'gap':>9}{'speed-up':>10}")
    print(f"{40:>5}{3:>3}{t_full:>8.2f}s{full_gap:>9.1e}{t_cg:>8.2f}s{cg_gap:>9.1e}"
          f"{t_full / t_cg:>9.1f}x")  # fmt: skip

    print("\nwhole certified check (dualgap check, default budget, search included)")
    print(f"{'N':>5}{'d':>3}{'labels':>10}{'time':>9}{'verdict':>9}{'gap':>9}{'peak MB':>9}")
    for N, d, labels in ((200, 3, "gaussian"), (1000, 2, "teacher")):
        seconds, verdict, gap, peak = isolated(whole_check, N, d, labels, seed)
        print(f"{N:>5}{d:>3}{labels:>10}{seconds:>8.1f}s{verdict:>9}{gap:>9.1e}{peak:>9.0f}")

    print("\ngrowth of the certified solve (enumeration + column generation + certificates)")
    sizes, times = (50, 100, 200), []
    for N in sizes:
        X, y = gaussian(N, 3, seed)
        times.append(timed(lambda X=X, y=y: column_generation(X, y))[1])
        print(f"  N = {N:>4}, d = 3: {times[-1]:7.2f}s")
    slope = np.polyfit(np.log(sizes), np.log(times), 1)[0]
    print(f"  time ~ N^{slope:.2f} (least squares on log-log)")

    print("\nsampled patterns (no certificate) against the exact ones, N = 200, d = 3")
    X, y = gaussian(200, 3, seed)
    sampled_gap, t_sampled = timed(lambda: column_generation(X, y, sampled=2000))
    exact_gap, t_exact = timed(lambda: column_generation(X, y))
    print(f"  sampled (2000 directions): {t_sampled:.2f}s, gap {sampled_gap:.1e} (NOT certified)")
    ratio = t_exact / t_sampled
    print(f"  exact: {t_exact:.2f}s, certified gap {exact_gap:.1e}; exact/sampled {ratio:.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true", help="smaller sizes")
    parser.add_argument("--scale", action="store_true", help="only the L = 2 scale tables")
    args = parser.parse_args()
    if args.scale:
        scale_table(args.seed)
        return
    rng = np.random.default_rng(args.seed)
    top = 12 if args.quick else 24
    enumeration_table(rng, [(N, d) for d in (2, 3) for N in range(4, top + 1, 4)])
    two = [(2, N, d) for d in (2, 3) for N in (4, 8, 12, 16) if not (args.quick and N > 8)]
    three = [(3, N, 2) for N in (3, 4, 5, 6)] + [(3, 5, 3)]
    program_table(rng, two + (three[:3] if args.quick else three))
    solver_table(rng, [(2, 6, 2), (2, 8, 3), (3, 4, 2)] + ([] if args.quick else [(3, 5, 2)]))


if __name__ == "__main__":
    main()
