"""Speed and scale of the parallel ReLU checks (C5), run by hand: ``python benchmarks/relu.py``
(``--quick`` for smaller sizes).

Measurements as records (``benchmarks/record.py``, imported first: it pins OpenBLAS to one thread
before numpy loads), on Gaussian data and labels drawn from a printed seed:

1. pattern enumeration (exact, integer arithmetic) against ``N``: time, pattern count, the
   closed-form count for general position, and how many of them 10 000 sampled directions find;
2. the convex program (Clarabel) and the certificate (reconstruction + pruning + the exact dual
   check) against ``N``, at ``L = 2`` and ``L = 3``, with the relative gap they certify;
3. SCS against Clarabel on the same program: time ratio and value agreement;
4. scale (``L = 2``, ratios measured in the same run): column generation against the full
   program at ``N = 40, d = 3``; time and peak memory (the child process's peak resident set)
   of the whole certified check (search included) at ``N = 200, d = 3`` (Gaussian labels) and
   ``N = 1000, d = 2`` (labels of a random four-unit ReLU network: Gaussian labels make the
   master LP too ill-conditioned at ``d = 2``, see the report); the growth exponent of the
   certified solve against ``N``; sampled-pattern solving (no certificate) against certified
   solving at the same size. ``--quick`` keeps the first two of these at ``N = 40`` and
   ``N = 200, d = 3``; ``--scale`` runs only these.
"""

from __future__ import annotations

import math
import resource
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor

# isort: off
from record import Record, arguments, finish, only  # first: this checkout, one BLAS thread
import numpy as np

# isort: on

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

ENUMERATION = "pattern enumeration (exact)"
PROGRAM = "convex program (Clarabel) + certificates"
CLARABEL, SCS = "Clarabel solve", "SCS solve"
FULL, COLGEN = "full program, certified (L = 2)", "column generation, certified (L = 2)"
CHECK = "whole certified check (search included)"
GROWTH = "certified solve by column generation"
SAMPLED, EXACT = "column generation, sampled patterns (NOT certified)", "column generation, exact"


def timed(fn):
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


def enumeration(rng: np.random.Generator, sizes: list[tuple[int, int]]) -> list[Record]:
    """Exact enumeration's time and count against Cover's count and 10⁴ sampled directions'."""
    out = []
    for N, d in sizes:
        X = rng.standard_normal((N, d))
        found, seconds = timed(lambda X=X: chamber_patterns(X))
        sampled = sampled_patterns(X, rng, samples=10_000)
        figures = {
            "patterns": len(found),
            "Cover": general_position_count(N, d),
            "sampled": len(sampled),
        }
        out.append(Record("relu", ENUMERATION, {"N": N, "d": d}, seconds, None, None, figures))
    return out


def programs(rng: np.random.Generator, cases: list[tuple[int, int, int]]) -> list[Record]:
    """The program's solve time, with the enumeration's and the certificates' times, the
    pattern and group counts, the branches kept and the certified relative gap."""
    out = []
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
        figures = {
            "patterns": len(problem.inner),
            "groups": 1 if problem.outer is None else problem.outer.shape[0],
            "enumerate s": t_enum,
            "certify s": t_cert,
            "branches": branches,
            "gap": (primal - dual) / primal,
        }
        out.append(Record("relu", PROGRAM, {"L": L, "N": N, "d": d}, t_solve, None, None, figures))
    return out


def solvers(rng: np.random.Generator, cases: list[tuple[int, int, int]]) -> list[Record]:
    """SCS against Clarabel on the same program, with their relative difference in value."""
    out = []
    for L, N, d in cases:
        X, y = rng.standard_normal((N, d)), rng.standard_normal(N)
        problem = relu_problem(X, y, L, 1.0)
        clarabel, t_clarabel = timed(lambda problem=problem: solve(problem))
        scs, t_scs = timed(lambda problem=problem: solve(problem, "SCS"))
        figures = {"rel. diff": abs(scs.value - clarabel.value) / clarabel.value}
        size = {"L": L, "N": N, "d": d}
        out += [
            Record("relu", CLARABEL, size, t_clarabel),
            Record("relu", SCS, size, t_scs, CLARABEL, t_clarabel, figures),
        ]
    return out


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


def scale(seed: int, quick: bool) -> list[Record]:
    """``L = 2`` at scale: column generation against the full program (``N = 40, d = 3``), the
    whole certified check, and (not ``quick``) the growth of the certified solve and sampled
    patterns against the exact ones."""
    X, y = gaussian(40, 3, seed)
    full_gap, t_full = timed(lambda: full_program(X, y))
    cg_gap, t_cg = timed(lambda: column_generation(X, y))
    size = {"N": 40, "d": 3}
    out = [
        Record("relu", FULL, size, t_full, None, None, {"gap": full_gap}),
        Record("relu", COLGEN, size, t_cg, FULL, t_full, {"gap": cg_gap}),
    ]
    checks = ((200, 3, "gaussian"),) if quick else ((200, 3, "gaussian"), (1000, 2, "teacher"))
    for N, d, labels in checks:
        seconds, verdict, gap, peak = isolated(whole_check, N, d, labels, seed)
        figures = {"verdict": verdict, "gap": gap, "peak MB": round(peak)}
        out.append(
            Record("relu", CHECK, {"N": N, "d": d, "labels": labels}, seconds, None, None, figures)
        )
    if quick:
        return out
    sizes, times = (50, 100, 200), []
    for N in sizes:
        X, y = gaussian(N, 3, seed)
        gap, seconds = timed(lambda X=X, y=y: column_generation(X, y))
        times.append(seconds)
        figures = {"gap": gap}
        if N == sizes[-1]:  # least squares on log-log over every size
            figures["growth exponent"] = float(np.polyfit(np.log(sizes), np.log(times), 1)[0])
        out.append(Record("relu", GROWTH, {"N": N, "d": 3}, seconds, None, None, figures))
    X, y = gaussian(200, 3, seed)
    sampled_gap, t_sampled = timed(lambda: column_generation(X, y, sampled=2000))
    exact_gap, t_exact = timed(lambda: column_generation(X, y))
    size = {"N": 200, "d": 3}
    out += [
        Record("relu", EXACT, size, t_exact, None, None, {"gap": exact_gap}),
        Record(
            "relu",
            SAMPLED,
            {**size, "directions": 2000},
            t_sampled,
            EXACT,
            t_exact,
            {"gap": sampled_gap},
        ),
    ]
    return out


def records(seed: int, quick: bool, only_scale: bool = False) -> list[Record]:
    if only_scale:
        return scale(seed, quick)
    rng = np.random.default_rng(seed)
    top = 12 if quick else 24
    out = enumeration(rng, [(N, d) for d in (2, 3) for N in range(4, top + 1, 4)])
    two = [(2, N, d) for d in (2, 3) for N in (4, 8, 12, 16) if not (quick and N > 8)]
    three = [(3, N, 2) for N in (3, 4, 5, 6)] + [(3, 5, 3)]
    out += programs(rng, two + (three[:3] if quick else three))
    out += solvers(rng, [(2, 6, 2), (2, 8, 3), (3, 4, 2)] + ([] if quick else [(3, 5, 2)]))
    return out + scale(seed, quick)


def headline(found: Sequence[Record]) -> str:
    parts = [
        f"column generation {1 / r.ratio:.1f}× faster than the full program at "
        f"N = {r.size['N']}, d = {r.size['d']}"
        for r in only(found, COLGEN)
    ]
    checks = [
        f"N = {r.size['N']}, d = {r.size['d']}: {r.seconds:.0f} s, {r.figures['verdict']}, "
        f"{r.figures['peak MB']} MB"
        for r in only(found, CHECK)
    ]
    parts.append("certified check " + "; ".join(checks))
    parts += [f"time ~ N^{r.figures['growth exponent']:.1f}" for r in only(found, GROWTH)[-1:]]
    parts += [
        f"sampled patterns (not certified) {1 / r.ratio:.1f}× faster than exact"
        for r in only(found, SAMPLED)
    ]
    return "; ".join(parts)


def main() -> None:
    parser = arguments(
        __doc__.splitlines()[0],
        "smaller sizes; at scale only N = 40 (column generation) and the check at N = 200, d = 3",
    )
    parser.add_argument("--scale", action="store_true", help="only the L = 2 scale measurements")
    args = parser.parse_args()
    print(f"seed {args.seed}")
    finish(args, records(args.seed, args.quick, args.scale), headline)


if __name__ == "__main__":
    main()
