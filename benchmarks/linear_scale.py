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

import time
from collections.abc import Sequence

# isort: off
from record import Record, arguments, finish, only, span  # first: this checkout, one BLAS thread
import numpy as np

# isort: on
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


SVD, CERTIFICATE, CHECK = "SVD of X⁺Y (values)", "certificate alone", "default check"


def records(seed: int, quick: bool) -> list[Record]:
    """Per ``N = d = K`` and data kind: one SVD, the certificate against it and the default check
    against the certificate (best of 3 up to ``N = 200``, else one run), with the verdict and how
    the falsification search was planned."""
    sizes = [50, 100, 200] if quick else [50, 100, 200, 500]
    out = []
    claim = get("linear-standard-gap")
    for n in sizes:
        for conditioned in (True, False):
            inst = instance(n, conditioned, seed)
            W = np.linalg.lstsq(inst.X, inst.Y, rcond=None)[0]
            repeats = 3 if n <= 200 else 1
            svd = best_of(repeats, lambda W=W: np.linalg.svd(W, compute_uv=False))
            cert = best_of(repeats, lambda inst=inst: certificate_alone(inst))
            result = None

            def check(inst=inst):
                nonlocal result
                result = claim.check(inst, Budget(seed=seed))

            full = best_of(1, check)
            size = {"N=d=K": n, "data": "κ ≤ 10" if conditioned else "Gaussian"}
            figures = {
                "verdict": result.verdict,
                "search": result.extra["search"]["note"] or "as asked",
            }
            out += [
                Record("linear_scale", SVD, size, svd),
                Record("linear_scale", CERTIFICATE, size, cert, SVD, svd),
                Record("linear_scale", CHECK, size, full, CERTIFICATE, cert, figures),
            ]
    return out


def headline(found: Sequence[Record]) -> str:
    checks = only(found, CHECK)
    largest = max(r.size["N=d=K"] for r in checks)
    top = [r for r in checks if r.size["N=d=K"] == largest]
    certificates = [r.ratio for r in only(found, CERTIFICATE) if r.size["N=d=K"] == largest]
    verdicts = sorted({r.figures["verdict"] for r in checks})
    return (
        f"default C1 check at N = d = K = {largest}: {span([r.seconds for r in top])} s, "
        f"{span([r.ratio for r in top])}× the certificate alone, which is "
        f"{span(certificates, 0)}× one SVD of X⁺Y; verdicts {', '.join(verdicts)}"
    )


def main() -> None:
    parser = arguments(__doc__.splitlines()[0], "sizes up to 200 only")
    args = parser.parse_args()
    finish(args, records(args.seed, args.quick), headline)


if __name__ == "__main__":
    main()
