"""Cost of proof mode against the floating-point check, run by hand: ``python benchmarks/proof.py``.

Three tables, every ratio measured in the same run:

1. per claim at ``N ≤ 20``: the floating-point check (``Claim.check``, default budget: search
   and solver cross-checks included), the float witnesses (SVD or convex program, as the check
   computes them), the exact certificate built from them (:mod:`verify.certificates`) and the
   independent checker (:mod:`verify.proof`); the ratio is (certificate + checker) / float check;
2. scale: the same per family at growing sizes, until the proof takes longer than 60 s or the
   size cap; the summary gives the first size at which proof / float exceeds 10× and 60 s;
3. arithmetic: python-flint ``fmpq``/``fmpq_mat`` against ``fractions.Fraction`` on the dual
   check's kernel (``G = (XᵀΛ)ᵀ(XᵀΛ)``, then the exact ``LDLᵀ`` of ``I − G``) at growing ``n``.

``--quick`` caps the scale table lower. The float witnesses come from the test module's plain
numpy constructions (``properties/test_proof.py``) until the claims export their own.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

# Measure this checkout (its ``verify`` and ``properties``), not an installed copy.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np
from flint import fmpq, fmpq_mat

from properties.test_proof import (
    parallel_witnesses,
    rank1_witnesses,
    relu_witnesses,
    ridge_witnesses,
    standard_witnesses,
    weight_decay_witnesses,
)
from verify.certificates import (
    linear_parallel_certificate,
    linear_standard_certificate,
    rank1_certificate,
    relu_parallel_certificate,
    ridge_certificate,
)
from verify.claims import Budget, get
from verify.instances import Instance
from verify.proof import check_certificate
from verify.proof.rationals import identity, psd_defect

#: proof time beyond which the scale table stops growing a family
TIME_CAP = 60.0
RATIO_CAP = 10.0


def timed(fn: Callable):
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


# --- instances and the way to certify them ---------------------------------------------------


def gaussian_linear(rng: np.random.Generator, N: int) -> Instance:
    """Square invertible ``X`` (so float ``Y = XW`` is exactly in its range), ``K = N/2``."""
    X = rng.standard_normal((N, N))
    return Instance(X, X @ rng.standard_normal((N, max(1, N // 2))), L=3, t=1.0)


def lowrank_instance(rng: np.random.Generator, N: int) -> Instance:
    Q = np.linalg.qr(rng.standard_normal((N, max(1, N // 2))))[0]
    return Instance(Q, rng.standard_normal((N, 2)) * 2, L=3, beta=0.5)


def relu_instance(rng: np.random.Generator, N: int, L: int) -> Instance:
    d = 3 if L == 2 else 2
    return Instance(rng.standard_normal((N, d)), rng.standard_normal(N), L=L, t=1.0)


def rank1_instance(rng: np.random.Generator, N: int) -> Instance:
    """``X = c aᵀ`` with small integers (exactly rank 1 in floats), labels of both signs."""
    c = rng.integers(1, 4, N) * np.where(np.arange(N) % 2 == 0, 1.0, -1.0)
    a = rng.integers(-3, 4, 2).astype(float)
    a[0] = a[0] or 1.0
    y = np.maximum(c, 0) * 1.5 + np.maximum(-c, 0) * -0.625
    return Instance(np.outer(c, a), y, L=3, t=0.75)


def certify_standard(claim: str) -> Callable:
    witness = standard_witnesses if claim == "linear-standard-gap" else weight_decay_witnesses

    def certify(instance: Instance):
        (layers, Lam), seconds = timed(lambda: witness(instance))
        return seconds, lambda: linear_standard_certificate(claim, instance, layers, Lam)

    return certify


def certify_parallel(instance: Instance):
    (branches, Lam), seconds = timed(lambda: parallel_witnesses(instance))
    return seconds, lambda: linear_parallel_certificate(instance, branches, Lam)


def certify_ridge(instance: Instance):
    layers, seconds = timed(lambda: ridge_witnesses(instance))
    return seconds, lambda: ridge_certificate(instance, layers)


def certify_relu(instance: Instance):
    (branches, lam, mu), seconds = timed(lambda: relu_witnesses(instance))
    return seconds, lambda: relu_parallel_certificate(instance, branches, lam, mu)


def certify_rank1(instance: Instance):
    (layers, bidual, Lam), seconds = timed(lambda: rank1_witnesses(instance))
    return seconds, lambda: rank1_certificate(instance, layers, bidual, Lam)


#: (label, claim id, instance maker(rng, N), certify, sizes at N ≤ 20, scale sizes, quick cap)
FAMILIES = [
    (
        "C1",
        "linear-standard-gap",
        gaussian_linear,
        certify_standard("linear-standard-gap"),
        (5, 10, 20),
        (40, 80, 160, 320),
        80,
    ),
    (
        "C2",
        "weight-decay-schatten",
        gaussian_linear,
        certify_standard("weight-decay-schatten"),
        (5, 10, 20),
        (40, 80, 160),
        80,
    ),
    (
        "C3",
        "linear-parallel-zero-gap",
        gaussian_linear,
        certify_parallel,
        (5, 10, 20),
        (40, 80, 160),
        80,
    ),
    (
        "C4",
        "weight-decay-low-rank",
        lowrank_instance,
        certify_ridge,
        (6, 10, 20),
        (40, 80, 160),
        80,
    ),
    (
        "C5 L=2",
        "relu-parallel-zero-gap",
        lambda rng, N: relu_instance(rng, N, 2),
        certify_relu,
        (5, 10, 20),
        (30, 40),
        30,
    ),
    (
        "C5 L=3",
        "relu-parallel-zero-gap",
        lambda rng, N: relu_instance(rng, N, 3),
        certify_relu,
        (4, 5, 6),
        (7, 8),
        7,
    ),
    ("C6", "relu-rank1-three-layer", rank1_instance, certify_rank1, (5, 10, 20), (40, 80, 160), 80),
]


def measure(claim: str, instance: Instance, certify: Callable) -> dict[str, float | str]:
    result, float_time = timed(lambda: get(claim).check(instance, Budget(seed=0)))
    witness_time, build = certify(instance)
    document, build_time = timed(build)
    proof, check_time = timed(lambda: check_certificate(document))
    proof_time = build_time + check_time
    epsilon = "—"
    if proof.epsilon is not None:
        top = max(abs(float(Fraction(proof.enclosures["primal"][1]))), 1e-300)
        epsilon = f"{float(Fraction(proof.epsilon)) / top:.1e}"
    return {
        "epsilon": epsilon,
        "float": float_time,
        "witness": witness_time,
        "build": build_time,
        "check": check_time,
        "ratio": proof_time / float_time,
        "status": proof.status,
        "verdict": result.verdict,
    }


def row(label: str, N: int, m: dict) -> str:
    return (
        f"{label:<8}{N:>5}{m['float']:>10.3f}{m['witness']:>10.3f}{m['build']:>10.3f}"
        f"{m['check']:>10.3f}{m['ratio']:>9.2f}  {m['verdict']:<13}{m['status']:<16}{m['epsilon']}"
    )


HEADER = (
    f"{'claim':<8}{'N':>5}{'float s':>10}{'witness':>10}{'build s':>10}{'check s':>10}"
    f"{'ratio':>9}  {'float':<13}{'proof':<16}ε/P"
)


def per_claim_table(seed: int) -> None:
    print("proof mode against the floating-point check, N ≤ 20")
    print("(ratio = (build + check) / float check; witness = float witnesses, part of the check;")
    print(" ε/P = the proved gap bound ε relative to the upper end of P, for 'proved within ε')")
    print(HEADER)
    for label, claim, make, certify, sizes, _, _ in FAMILIES:
        for N in sizes:
            rng = np.random.default_rng(seed + N)
            print(row(label, N, measure(claim, make(rng, N), certify)), flush=True)


def scale_table(seed: int, quick: bool) -> None:
    print(f"\nscale: growing N until the proof exceeds {TIME_CAP:.0f} s (or the size cap)")
    print(HEADER)
    summary = []
    for label, claim, make, certify, small, large, quick_cap in FAMILIES:
        over_ratio = over_time = None
        for N in (*small[-1:], *large):
            if quick and N > quick_cap:
                break
            rng = np.random.default_rng(seed + N)
            m = measure(claim, make(rng, N), certify)
            print(row(label, N, m), flush=True)
            if over_ratio is None and m["ratio"] > RATIO_CAP:
                over_ratio = N
            if m["build"] + m["check"] > TIME_CAP:
                over_time = N
                break
        summary.append(
            f"{label:<8} proof/float > {RATIO_CAP:.0f}× from N = {over_ratio or '—'}; "
            f"proof > {TIME_CAP:.0f} s from N = {over_time or '—'}"
        )
    print("\n" + "\n".join(summary))


def fraction_matrix(
    rows: list[list[Fraction]], other: list[list[Fraction]]
) -> list[list[Fraction]]:
    columns = list(zip(*other, strict=True))
    return [
        [sum((a * b for a, b in zip(r, c, strict=True)), Fraction(0)) for c in columns]
        for r in rows
    ]


def fraction_psd(matrix: list[list[Fraction]]) -> bool:
    """The same ``LDLᵀ`` as :func:`verify.proof.rationals.psd_defect`, on Fractions."""
    work = [list(r) for r in matrix]
    n = len(work)
    for k in range(n):
        pivot = work[k][k]
        if pivot < 0 or (pivot == 0 and any(work[k][j] for j in range(k + 1, n))):
            return False
        if pivot == 0:
            continue
        for i in range(k + 1, n):
            factor = work[i][k] / pivot
            if factor:
                for j in range(k + 1, n):
                    work[i][j] -= factor * work[k][j]
    return True


def arithmetic_table(seed: int) -> None:
    print("\narithmetic: the dual check's kernel, G = (XᵀΛ)ᵀ(XᵀΛ) then LDLᵀ of I − G/‖G‖")
    print(f"{'n':>5}{'fmpq s':>10}{'Fraction s':>12}{'ratio':>8}")
    rng = np.random.default_rng(seed)
    for n in (5, 10, 20, 40):
        X = rng.standard_normal((n, n))
        Lam = rng.standard_normal((n, n)) / (n * n)
        Xf = [[Fraction(v) for v in r] for r in X]
        Lf = [[Fraction(v) for v in r] for r in Lam]
        Xq = fmpq_mat(n, n, [fmpq(*float(v).as_integer_ratio()) for v in X.ravel()])
        Lq = fmpq_mat(n, n, [fmpq(*float(v).as_integer_ratio()) for v in Lam.ravel()])

        def flint_kernel(Xq=Xq, Lq=Lq, n=n):
            B = Xq.transpose() * Lq
            return psd_defect(identity(n) - B.transpose() * B)

        def fraction_kernel(Xf=Xf, Lf=Lf, n=n):
            B = fraction_matrix([list(c) for c in zip(*Xf, strict=True)], Lf)
            G = fraction_matrix([list(c) for c in zip(*B, strict=True)], B)
            return fraction_psd([[int(i == j) - G[i][j] for j in range(n)] for i in range(n)])

        found, fast = timed(flint_kernel)
        same, slow = timed(fraction_kernel)
        assert (found is None) == same
        print(f"{n:>5}{fast:>10.4f}{slow:>12.4f}{slow / fast:>8.1f}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true", help="cap the scale table lower")
    args = parser.parse_args()
    print(f"seed {args.seed}")
    per_claim_table(args.seed)
    scale_table(args.seed, args.quick)
    arithmetic_table(args.seed)


if __name__ == "__main__":
    main()
