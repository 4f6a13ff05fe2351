"""Speed and accuracy of the closed-form optimal singular values (C4), run by hand:
``python benchmarks/lowrank.py``.

For each depth, draws 10⁶ singular values ``σ`` log-uniformly in ``[τ/20, 20τ]`` (so that about
half fall on each side of the threshold, some within 1e-9 of it) and times
:func:`verify.lowrank.optimal_singular_values` on all of them. On a 10⁴ subset it runs
``scipy.optimize.minimize_scalar`` (bounded Brent) on the branch ``[branch_start, σ]``, keeping
``0`` when ``g(0)`` is lower (the minimiser scipy alone would miss: ``g`` is not unimodal on
``[0, σ]``), and prints the per-value time ratio and the largest disagreement, in ``s*`` and in
the objective ``g`` (relative to ``½σ²``, positive when the closed form is worse). Brent's
method locates a minimiser only to about ``√ε ≈ 1.5e-8`` relative (``g`` is flat there), so
``Δs`` measures scipy's accuracy; ``Δg`` is the fair comparison.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from scipy.optimize import minimize_scalar

from verify.lowrank import branch_start, optimal_singular_values, scalar_objective, threshold


def draw_sigma(L: int, beta: float, size: int, rng: np.random.Generator) -> np.ndarray:
    tau = threshold(L, beta)
    sigma = tau * np.exp(rng.uniform(np.log(1 / 20), np.log(20), size))
    sigma[: size // 100] = tau * (1 + rng.uniform(-1e-9, 1e-9, size // 100))  # around the tie
    return sigma


def scipy_minimiser(sigma: float, L: int, beta: float) -> float:
    if L == 2:
        low = 0.0
    else:
        low = min(branch_start(L, beta), sigma)
    res = minimize_scalar(
        scalar_objective,
        bounds=(low, sigma),
        args=(sigma, L, beta),
        method="bounded",
        options={"xatol": 1e-12 * sigma, "maxiter": 500},
    )
    zero = scalar_objective(0.0, sigma, L, beta)
    return float(res.x) if res.fun < zero else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--subset", type=int, default=10_000)
    parser.add_argument("--beta", type=float, default=0.7)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    header = (
        f"{'L':>2} {'closed form':>12} {'per value':>10} {'scipy':>10} {'per value':>10} "
        f"{'ratio':>7} {'max |Δs|/σ':>11} {'max Δg/½σ²':>11} {'ties':>5}"
    )
    print(f"β = {args.beta}; {args.size} values (closed form), {args.subset} (scipy)")
    print(header)
    for L in (2, 3, 4, 6, 8):
        sigma = draw_sigma(L, args.beta, args.size, rng)
        start = time.perf_counter()
        closed = optimal_singular_values(sigma, L, args.beta)
        closed_time = time.perf_counter() - start
        subset = rng.choice(args.size, args.subset, replace=False)
        start = time.perf_counter()
        reference = np.array([scipy_minimiser(sigma[i], L, args.beta) for i in subset])
        scipy_time = time.perf_counter() - start
        ours = closed[subset]
        scale = sigma[subset]
        ds = np.abs(ours - reference) / scale
        g_ours = scalar_objective(ours, scale, L, args.beta)
        g_ref = scalar_objective(reference, scale, L, args.beta)
        dg = (g_ours - g_ref) / (0.5 * scale**2)
        # At a tie (L ≥ 3) both 0 and s̄ are optimal: a different choice there is not a
        # disagreement in value, so count those separately from Δs.
        ties = ((ours == 0) != (reference == 0)) & (L > 2)
        per_closed = closed_time / args.size
        per_scipy = scipy_time / args.subset
        print(
            f"{L:>2} {closed_time:>11.3f}s {per_closed * 1e9:>8.1f}ns {scipy_time:>9.2f}s "
            f"{per_scipy * 1e6:>8.1f}µs {per_scipy / per_closed:>7.0f} "
            f"{ds[~ties].max(initial=0.0):>11.2e} {dg.max():>11.2e} {int(ties.sum()):>5}"
        )


if __name__ == "__main__":
    main()
