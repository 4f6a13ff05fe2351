"""Speed of the deep linear checks (C1), run by hand: ``python benchmarks/linear.py``.

Two measurements, each a ratio against a baseline timed in the same run:

1. certificate cost: the certificate part of a C1 check (W* = X⁺Y and its SVD, the balanced
   weights re-evaluated, the dual certificate Λ with ‖XᵀΛ‖₂ recomputed, the bidual bound)
   divided by one SVD of X⁺Y (target ≤ 10× at N = 200);
2. search speed: time for the falsification search (L-BFGS, last layer eliminated) to come
   within 1e-8 relative of the closed-form optimum, against plain gradient descent with
   Armijo backtracking from the same start (target: ≥ 10× faster).
"""

from __future__ import annotations

import time
from collections.abc import Sequence

# isort: off
from record import Record, arguments, finish, only, span  # first: this checkout, one BLAS thread
import numpy as np

# isort: on

from verify.deep_linear import (
    aligned_dual_bound,
    bidual_bound,
    depth_scale,
    linear_data,
    standard_t_weights,
)
from verify.instances import Instance
from verify.networks import primal_certificate
from verify.search import Architecture, local_search, search_starts
from verify.strategies.common import orthonormal_columns


def make_instance(n: int, L: int, rng: np.random.Generator) -> Instance:
    X = (orthonormal_columns(rng, n, n) * np.geomspace(2.0, 0.5, n)) @ orthonormal_columns(
        rng, n, n
    ).T
    W = (orthonormal_columns(rng, n, n) * np.geomspace(10.0, 0.1, n)) @ orthonormal_columns(
        rng, n, n
    ).T
    return Instance(X, X @ W, L=L, t=1.0)


def best_time(fn, repeats: int = 5) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def certificate_part(instance: Instance) -> None:
    data = linear_data(instance)
    c = depth_scale(instance.L, instance.t)
    network = standard_t_weights(data, instance.L, instance.t, data.rank)
    primal_certificate(instance.X, instance.Y, network, "t", t=instance.t, how="benchmark")
    aligned_dual_bound(instance, data, c)
    bidual_bound(data, c)


def time_to_optimum(instance: Instance, method: str, start: np.ndarray, budget_s: float):
    data = linear_data(instance)
    target = depth_scale(instance.L, instance.t) * data.schatten(instance.L) * (1 + 1e-8)
    core = data.s[:, None] * data.Vt
    arch = Architecture(L=instance.L, width=data.rank)
    begin = time.perf_counter()
    outcome = local_search(
        np.eye(data.rank),
        core,
        arch,
        t=instance.t,
        rng=None,
        method=method,
        target=target,
        starts=[start],
        max_iter=10**7,
        time_limit=budget_s,
    )
    elapsed = time.perf_counter() - begin
    reached = outcome.values[0] <= target
    return elapsed, reached, outcome.iterations[0]


SVD, CERTIFICATE = "SVD of X⁺Y", "certificate"
LBFGS, DESCENT = "L-BFGS to 1e-8", "gradient descent to 1e-8"


def records(
    seed: int,
    quick: bool,
    sizes: Sequence[int] | None = None,
    depths: Sequence[int] = (3, 6),
    gd_seconds: float | None = None,
) -> list[Record]:
    """Per ``N = d = K`` and depth: the SVD (best of 5), the certificate part against it (best of
    5), L-BFGS's time to 1e-8 and gradient descent's against it (one run each, same start;
    ``reached`` false when a method stopped short: gradient descent at its time cap, which makes
    its ratio a lower bound)."""
    sizes = sizes or ([10, 50] if quick else [10, 50, 200])
    gd_seconds = gd_seconds or (10.0 if quick else 60.0)
    rng = np.random.default_rng(seed)
    out = []
    for n in sizes:
        for L in depths:
            size = {"N": n, "L": L}
            instance = make_instance(n, L, rng)
            data = linear_data(instance)
            svd = best_time(lambda W=data.W: np.linalg.svd(W))
            cert = best_time(lambda inst=instance: certificate_part(inst))
            arch = Architecture(L=L, width=data.rank)
            start = search_starts(np.eye(data.rank), data.s[:, None] * data.Vt, arch, 1, rng)[0]
            lb_s, lb_ok, lb_it = time_to_optimum(instance, "L-BFGS-B", start, gd_seconds)
            gd_s, gd_ok, gd_it = time_to_optimum(instance, "gradient-descent", start, gd_seconds)
            out += [
                Record("linear", SVD, size, svd),
                Record("linear", CERTIFICATE, size, cert, SVD, svd),
                Record(
                    "linear", LBFGS, size, lb_s, figures={"iterations": lb_it, "reached": lb_ok}
                ),
                Record(
                    "linear",
                    DESCENT,
                    size,
                    gd_s,
                    LBFGS,
                    lb_s,
                    {"iterations": gd_it, "reached": gd_ok, "cap_s": gd_seconds},
                ),
            ]
    return out


def headline(found: Sequence[Record]) -> str:
    """The largest certificate/SVD ratio per size; gradient descent against L-BFGS where L-BFGS
    reached 1e-8 (a lower bound where gradient descent hit its cap); how often L-BFGS did not."""
    by_size: dict[int, float] = {}
    for record in only(found, CERTIFICATE):
        by_size[record.size["N"]] = max(record.ratio, by_size.get(record.size["N"], 0.0))
    ratios = ", ".join(f"{ratio:.1f}× at N = {n}" for n, ratio in sorted(by_size.items()))
    text = f"certificate part of a C1 check against one SVD of X⁺Y: ≤ {ratios}"
    reached = {(r.size["N"], r.size["L"]) for r in only(found, LBFGS) if r.figures["reached"]}
    descents = [r for r in only(found, DESCENT) if (r.size["N"], r.size["L"]) in reached]
    ratios = [r.ratio for r in descents if r.figures["reached"]]
    capped = [r.ratio for r in descents if not r.figures["reached"]]
    if ratios:
        text += f"; GD/L-BFGS time to 1e-8 {span(ratios)}×"
    if capped:
        text += f"; ≥ {min(capped):.1f}× where GD hit its time cap"
    runs = len(only(found, LBFGS))
    missed = runs - len(reached)
    return text + (f"; L-BFGS short of 1e-8 in {missed} of {runs}" if missed else "")


def main() -> None:
    parser = arguments(__doc__.splitlines()[0], "N ∈ {10, 50}, 10 s caps")
    parser.add_argument("--sizes", type=int, nargs="+")
    parser.add_argument("--depths", type=int, nargs="+", default=[3, 6])
    parser.add_argument("--gd-seconds", type=float, help="cap on gradient descent (default 60)")
    args = parser.parse_args()
    print(f"seed {args.seed}; times are best of 5 (SVD, certificate) or one run (search)")
    found = records(args.seed, args.quick, args.sizes, args.depths, args.gd_seconds)
    finish(args, found, headline)


if __name__ == "__main__":
    main()
