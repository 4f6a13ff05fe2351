"""Deep linear claims at realistic sizes: the default check against the certificate alone.

For ``N = d = K`` in a range, on well-conditioned data (``κ(X) ≤ 10``, as the strategies draw)
and on Gaussian data, it times in one run:

* one SVD of ``X⁺Y`` (values only; the baseline every ratio is measured against),
* the certificate alone: ``W*`` enclosed, the dual certificate, the bidual bound and the closed
  forms (what the verdict rests on),
* the default ``dualgap check linear-standard-gap`` (certificate, construction check, the
  solver cross-check where it is small enough, the size-planned falsification search),

and prints the ratios check/certificate (target ≤ 10 at ``N = 500``) and certificate/SVD, with
the verdict and how the search was planned. Run: ``python benchmarks/linear_scale.py [--quick]``.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import verify  # noqa: F401  (before numpy: single-threaded BLAS, see verify/__init__.py)
from verify.claims import Budget, get
from verify.deep_linear import aligned_dual_bound, bidual_bound, linear_data
from verify.instances import Instance


def instance(n: int, conditioned: bool, seed: int = 0) -> Instance:
    rng = np.random.default_rng(seed)
    if conditioned:
        left = np.linalg.qr(rng.standard_normal((n, n)))[0]
        right = np.linalg.qr(rng.standard_normal((n, n)))[0]
        X = (left * np.linspace(1.0, 0.1, n)) @ right.T
    else:
        X = rng.standard_normal((n, n))
    return Instance(X, X @ rng.standard_normal((n, n)), L=3, t=1.0)


def best_of(repeats: int, work) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times)


def certificate_alone(inst: Instance) -> None:
    data = linear_data(inst)
    aligned_dual_bound(inst, data, 1.0)
    bidual_bound(data, 1.0)


def rows(sizes: list[int]) -> list[dict[str, object]]:
    out = []
    claim = get("linear-standard-gap")
    for n in sizes:
        for conditioned in (True, False):
            inst = instance(n, conditioned)
            W = np.linalg.lstsq(inst.X, inst.Y, rcond=None)[0]
            repeats = 3 if n <= 200 else 1
            svd = best_of(repeats, lambda W=W: np.linalg.svd(W, compute_uv=False))
            cert = best_of(repeats, lambda inst=inst: certificate_alone(inst))
            result = None

            def check(inst=inst):
                nonlocal result
                result = claim.check(inst, Budget())

            full = best_of(1, check)
            out.append(
                {
                    "N=d=K": n,
                    "data": "κ ≤ 10" if conditioned else "Gaussian",
                    "svd_s": svd,
                    "certificate_s": cert,
                    "check_s": full,
                    "check/certificate": full / cert,
                    "certificate/svd": cert / svd,
                    "verdict": result.verdict,
                    "search": result.extra["search"]["note"] or "as asked",
                }
            )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="sizes up to 200 only")
    args = parser.parse_args()
    sizes = [50, 100, 200] if args.quick else [50, 100, 200, 500]
    table = rows(sizes)
    header = f"{'N=d=K':>6} {'data':>9} {'svd':>8} {'cert':>8} {'check':>8} {'check/cert':>11} "
    header += f"{'cert/svd':>9}  verdict       search"
    print(header)
    for row in table:
        times = f"{row['svd_s']:>7.3f}s {row['certificate_s']:>7.3f}s {row['check_s']:>7.3f}s"
        ratios = f"{row['check/certificate']:>10.1f}× {row['certificate/svd']:>8.1f}×"
        print(
            f"{row['N=d=K']:>6} {row['data']:>9} {times} {ratios}  {row['verdict']:<13} "
            f"{row['search']}"
        )


if __name__ == "__main__":
    main()
