"""Parallel ReLU networks beyond three layers (C5 at ``L ≥ 4``), run by hand:
``python benchmarks/relu_deep.py`` (``--quick`` for a smaller run).

Two tables, from a printed seed (``verify`` is imported first: it pins OpenBLAS to one thread
before numpy loads; threaded BLAS on a small shared machine is many times slower here):

1. **closure**: on instances drawn from C5's strategy at ``L = 4`` and ``L = 5`` (general data,
   ``d = 2``; the sizes of :data:`verify.strategies.relu.THOROUGH_SIZES`), how often the certified
   interval ``[D_lower, P_upper]`` closes within the claim's tolerance, its relative width
   (``extra["interval_width"]``: largest when closed, and for the others), the method that
   closed it, and how many draws were rank 1 (exact closed forms instead);
2. **time**: a certified ``L = 4`` check against the ``L = 3`` check on the same data (no search:
   certificates only), with their ratio, measured in the same run.
"""

from __future__ import annotations

import argparse
import time
from collections import Counter

# isort: off
import verify  # noqa: F401  (first: it pins OpenBLAS to one thread before numpy loads)
import numpy as np

# isort: on
from verify.claims import Budget, get
from verify.instances import Instance
from verify.result import HOLDS
from verify.runner import draw_instances
from verify.strategies.relu import THOROUGH_SIZES, relu_instances

CLAIM = get("relu-parallel-zero-gap")
#: certificates only: the falsification search does not enter the interval's closure
CERTIFY = Budget(seed=0, restarts=0)


def closure_table(counts: dict[int, int], seed: int) -> None:
    print("closure of the certified interval (general data, d = 2)")
    header = (
        f"{'L':>3}{'N max':>7}{'drawn':>7}{'rank-1':>8}{'general':>9}{'closed':>8}"
        f"{'width (closed)':>16}{'width (open)':>14}{'time/check':>12}  closed by"
    )
    print(header)
    for L, count in counts.items():
        strategy = relu_instances(depths=(L,), sizes=THOROUGH_SIZES, min_dim=2)
        instances = draw_instances(strategy, count, seed + L)
        rank1 = general = closed = 0
        widths_closed, widths_open, methods, seconds = [], [], Counter(), 0.0
        for instance in instances:
            start = time.perf_counter()
            result = CLAIM.check(instance, CERTIFY)
            seconds += time.perf_counter() - start
            if result.verdict == "infeasible":
                continue
            if result.extra.get("rank1"):
                rank1 += 1
                continue
            general += 1
            width = result.extra.get("interval_width")
            if result.verdict == HOLDS:
                closed += 1
                widths_closed.append(width)
                methods[result.extra.get("closed_by", "—")] += 1
            else:
                widths_open.append(width)
        widths_closed = [w for w in widths_closed if w is not None]  # None: y = 0, P = D = 0
        widths_open = [w for w in widths_open if w is not None]
        largest = f"{max(widths_closed):.1e}" if widths_closed else "—"
        widest = f"{max(widths_open):.1e}" if widths_open else "—"
        method = "; ".join(f"{m} ({n})" for m, n in methods.items()) or "—"
        print(
            f"{L:>3}{THOROUGH_SIZES[L][0]:>7}{len(instances):>7}{rank1:>8}{general:>9}"
            f"{closed:>8}{largest:>16}{widest:>14}{seconds / max(1, len(instances)):>11.2f}s"
            f"  {method}"
        )


def timing_table(rng: np.random.Generator, sizes: list[int], repeats: int) -> None:
    print("\ncertified check: L = 4 against L = 3 on the same data (d = 2, no search)")
    print(f"{'N':>3}{'L = 3':>10}{'L = 4':>10}{'ratio':>8}{'width L = 3':>13}{'width L = 4':>13}")
    for N in sizes:
        X, y = rng.standard_normal((N, 2)), rng.standard_normal(N)
        times, widths = {}, {}
        for L in (3, 4):
            instance = Instance(X, y, L=L, t=1.0)
            best = np.inf
            for _ in range(repeats):
                start = time.perf_counter()
                result = CLAIM.check(instance, CERTIFY)
                best = min(best, time.perf_counter() - start)
            times[L] = best
            primal, dual = result.bounds["primal_upper"], result.bounds["dual_lower"]
            widths[L] = (primal.value - dual.value) / primal.value
        print(
            f"{N:>3}{times[3]:>9.2f}s{times[4]:>9.2f}s{times[4] / times[3]:>8.1f}"
            f"{widths[3]:>13.1e}{widths[4]:>13.1e}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true", help="fewer instances and sizes")
    args = parser.parse_args()
    print(f"seed {args.seed}")
    counts = {4: 10, 5: 5} if args.quick else {4: 40, 5: 20}
    closure_table(counts, args.seed)
    sizes = [3, 4] if args.quick else [3, 4, 5]
    timing_table(np.random.default_rng(args.seed), sizes, 1 if args.quick else 3)


if __name__ == "__main__":
    main()
