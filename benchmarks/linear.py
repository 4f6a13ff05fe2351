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

import argparse
import time

import numpy as np

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
    bidual_bound(instance, data.W, c, "certificate", "benchmark", data.s)


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 50, 200])
    parser.add_argument("--depths", type=int, nargs="+", default=[3, 6])
    parser.add_argument("--gd-seconds", type=float, default=60.0, help="cap on gradient descent")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true", help="N ∈ {10, 50}, 10 s caps")
    args = parser.parse_args()
    if args.quick:
        args.sizes, args.gd_seconds = [10, 50], 10.0
    rng = np.random.default_rng(args.seed)
    print(f"seed {args.seed}; times are best of 5 (certificates) or one run (search)")
    header = (
        f"{'N=d=K':>6}{'L':>3}{'svd ms':>9}{'cert ms':>9}{'cert/svd':>9}"
        f"{'lbfgs s':>9}{'iters':>7}{'gd s':>9}{'iters':>8}{'gd/lbfgs':>10}"
    )
    print(header)
    print("-" * len(header))
    for n in args.sizes:
        for L in args.depths:
            instance = make_instance(n, L, rng)
            W = linear_data(instance).W
            svd = best_time(lambda W=W: np.linalg.svd(W))
            cert = best_time(lambda inst=instance: certificate_part(inst))
            data = linear_data(instance)
            arch = Architecture(L=L, width=data.rank)
            start = search_starts(np.eye(data.rank), data.s[:, None] * data.Vt, arch, 1, rng)[0]
            lb_s, lb_ok, lb_it = time_to_optimum(instance, "L-BFGS-B", start, args.gd_seconds)
            gd_s, gd_ok, gd_it = time_to_optimum(
                instance, "gradient-descent", start, args.gd_seconds
            )
            ratio = f"{gd_s / lb_s:.1f}" + ("" if gd_ok else "+")
            lb_text = f"{lb_s:.3f}" + ("" if lb_ok else "*")
            print(
                f"{n:>6}{L:>3}{svd * 1e3:>9.2f}{cert * 1e3:>9.2f}{cert / svd:>9.1f}"
                f"{lb_text:>9}{lb_it:>7}{gd_s:>9.2f}{gd_it:>8}{ratio:>10}"
            )
    print("* L-BFGS did not reach 1e-8 relative within its budget")
    print("+ gradient descent did not reach it within its time cap: the ratio is a lower bound")


if __name__ == "__main__":
    main()
