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

import time
from collections.abc import Sequence

# isort: off
from record import Record, arguments, finish, only, span  # first: this checkout, one BLAS thread
import numpy as np
from scipy.optimize import minimize_scalar

# isort: on

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


CLOSED, SCIPY = "closed form, per value", "scipy minimize_scalar, per value"


def records(
    seed: int, quick: bool, size: int | None = None, subset: int | None = None, beta: float = 0.7
) -> list[Record]:
    """Per depth: the closed form's time per value (on ``size`` values) and scipy's (on a
    ``subset``) against it, with the largest disagreements (``Δs`` relative to σ, ``Δg`` relative
    to ½σ², positive when the closed form is worse) and the ties counted apart."""
    size = size or (100_000 if quick else 1_000_000)
    subset = subset or (2_000 if quick else 10_000)
    rng = np.random.default_rng(seed)
    out = []
    for L in (2, 3, 4, 6, 8):
        sigma = draw_sigma(L, beta, size, rng)
        start = time.perf_counter()
        closed = optimal_singular_values(sigma, L, beta)
        closed_time = time.perf_counter() - start
        chosen = rng.choice(size, subset, replace=False)
        start = time.perf_counter()
        reference = np.array([scipy_minimiser(sigma[i], L, beta) for i in chosen])
        scipy_time = time.perf_counter() - start
        ours, scale = closed[chosen], sigma[chosen]
        ds = np.abs(ours - reference) / scale
        g_ours = scalar_objective(ours, scale, L, beta)
        g_ref = scalar_objective(reference, scale, L, beta)
        dg = (g_ours - g_ref) / (0.5 * scale**2)
        # At a tie (L ≥ 3) both 0 and s̄ are optimal: a different choice there is not a
        # disagreement in value, so count those separately from Δs.
        ties = ((ours == 0) != (reference == 0)) & (L > 2)
        per_closed = closed_time / size
        figures = {
            "max |Δs|/σ": float(ds[~ties].max(initial=0.0)),
            "max Δg/½σ²": float(dg.max()),
            "ties": int(ties.sum()),
        }
        out += [
            Record("lowrank", CLOSED, {"L": L, "β": beta, "values": size}, per_closed),
            Record(
                "lowrank",
                SCIPY,
                {"L": L, "β": beta, "values": subset},
                scipy_time / subset,
                CLOSED,
                per_closed,
                figures,
            ),
        ]
    return out


def headline(found: Sequence[Record]) -> str:
    scipy = only(found, SCIPY)
    worse = max(r.figures["max Δg/½σ²"] for r in scipy)
    return (
        f"closed-form s* {span([r.ratio for r in scipy], 0)}× faster per value than "
        f"scipy.optimize.minimize_scalar; worse in objective by ≤ {worse:.1e}·½σ²"
    )


def main() -> None:
    parser = arguments(__doc__.splitlines()[0], "10⁵ values (closed form), 2 000 (scipy)")
    parser.add_argument("--size", type=int, help="values for the closed form (default 10⁶)")
    parser.add_argument("--subset", type=int, help="values for scipy (default 10⁴)")
    parser.add_argument("--beta", type=float, default=0.7)
    args = parser.parse_args()
    finish(args, records(args.seed, args.quick, args.size, args.subset, args.beta), headline)


if __name__ == "__main__":
    main()
