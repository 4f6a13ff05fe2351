"""Parallel ReLU networks beyond three layers (C5 at ``L ≥ 4``), run by hand:
``python benchmarks/relu_deep.py`` (``--quick`` for a smaller run).

Two measurements, from a printed seed, as records (``benchmarks/record.py``, imported first: it
pins OpenBLAS to one thread before numpy loads; threaded BLAS on a small shared machine is many
times slower here):

1. **closure**: on instances drawn from C5's strategy at ``L = 4`` and ``L = 5`` (general data,
   ``d = 2``; the sizes of :data:`verify.strategies.relu.THOROUGH_SIZES`), how often the certified
   interval ``[D_lower, P_upper]`` closes within the claim's tolerance, its relative width
   (``extra["interval_width"]``: largest when closed, and for the others), the method that
   closed it, and how many draws were rank 1 (exact closed forms instead);
2. **time**: a certified ``L = 4`` check against the ``L = 3`` check on the same data (no search:
   certificates only), with their ratio, measured in the same run.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Sequence

# isort: off
from record import Record, arguments, finish, only  # first: this checkout, one BLAS thread
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


CLOSURE, L3, L4 = "certified interval, per check", "L = 3 check", "L = 4 check"


def closure(counts: dict[int, int], seed: int) -> list[Record]:
    """Per depth: the mean time of a check over the drawn instances, and how the interval
    closed (counts, largest relative widths, the methods that closed it)."""
    out = []
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
        figures = {
            "drawn": len(instances),
            "rank-1": rank1,
            "general": general,
            "closed": closed,
            "width closed": max(widths_closed, default=None),
            "width open": max(widths_open, default=None),
            "closed by": "; ".join(f"{m} ({n})" for m, n in methods.items()) or "—",
        }
        size = {"L": L, "N max": THOROUGH_SIZES[L][0], "d": 2}
        out.append(
            Record(
                "relu_deep", CLOSURE, size, seconds / max(1, len(instances)), None, None, figures
            )
        )
    return out


def timing(rng: np.random.Generator, sizes: list[int], repeats: int) -> list[Record]:
    """A certified ``L = 4`` check against the ``L = 3`` check on the same data (best of
    ``repeats``), with the relative width of each interval."""
    out = []
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
        size = {"N": N, "d": 2}
        out += [
            Record("relu_deep", L3, size, times[3], None, None, {"width": widths[3]}),
            Record("relu_deep", L4, size, times[4], L3, times[3], {"width": widths[4]}),
        ]
    return out


def records(seed: int, quick: bool) -> list[Record]:
    counts = {4: 10, 5: 5} if quick else {4: 40, 5: 20}
    sizes = [3, 4] if quick else [3, 4, 5]
    timed = timing(np.random.default_rng(seed), sizes, 1 if quick else 3)
    return closure(counts, seed) + timed


def headline(found: Sequence[Record]) -> str:
    parts = []
    for record in only(found, CLOSURE):
        figures = record.figures
        parts.append(
            f"L = {record.size['L']}: interval closed on {figures['closed']}/{figures['general']} "
            f"general instances (width ≤ {figures['width closed'] or 0:.1e})"
        )
    ratios = ", ".join(f"{r.ratio:.1f}× at N = {r.size['N']}" for r in only(found, L4))
    return "; ".join(parts) + f"; a certified L = 4 check costs {ratios} the L = 3 check"


def main() -> None:
    parser = arguments(__doc__.splitlines()[0], "fewer instances and sizes")
    args = parser.parse_args()
    print(f"seed {args.seed}")
    finish(args, records(args.seed, args.quick), headline)


if __name__ == "__main__":
    main()
