"""Three-layer standard ReLU networks on rank-1 data (C6): exact re-verification.

Formulation: ``f = ((XW₁)₊W₂)₊W₃``, ``‖W₁‖_F ≤ t``, cost ``½(‖W₂‖² + ‖W₃‖²)``, ``f(X) = Y``;
``X = c aᵀ``, ``c₊ = max(c, 0)``, ``c₋ = max(−c, 0)``, ``s = t‖a‖``. What is proved:

* ``X = c aᵀ`` exactly and ``Y = c₊αᵀ + c₋γᵀ`` exactly (else the instance is not the claim's);
* ``P ≤ cost`` of the certificate's standard network (exact interpolation, ``‖W₁‖_F² ≤ t²``);
* ``D ≤ cost`` of the certificate's *parallel* network (the bidual point): weak duality, as
  every dual-feasible ``Λ`` has ``tr(ΛᵀY) = Σ_j (Λᵀh_j)·w₃ⱼ ≤ Σ_j ‖w₂ⱼ‖‖w₃ⱼ‖`` (the constraint
  is per neuron), which is at most the cost;
* ``D ≥ tr(ΛᵀY)`` for the certificate's ``Λ`` with ``s²·max(‖Λᵀc₊‖², ‖Λᵀc₋‖²) ≤ 1`` exactly:
  the rank-1 reduction shows that the constraint vectors ``((XW₁)₊w)₊`` are ``c₊x + c₋y`` with
  ``x, y ≥ 0`` (vectors of the hidden layer's outputs) and ``‖x‖ + ‖y‖ ≤ s``, so the constraint
  peaks at a vertex of that set;
* ``P ≥`` the closed form (the rank-1 reduction, a proved formula rather than a certificate):
  ``(‖α‖^{2/3} + ‖γ‖^{2/3})^{3/2}/s`` if ``α·γ ≤ 0``; ``(‖α‖ + ‖γ‖)/s`` if one of them is 0 or
  they are aligned (``Δ = ‖α∧γ‖ = 0``); else ``√(min_τ (1+τ²)(A + C/τ² + 2Δ/τ))/s``
  (``A = ‖α‖²``, ``C = ‖γ‖²``) at the unique positive root of ``Aτ⁴ + Δτ³ − Δτ − C``, isolated
  by bisection in ball arithmetic;
* the statement: ``P = D`` iff ``α·γ = ‖α‖‖γ‖`` (decided exactly: ``α·γ ≥ 0`` and
  ``(α·γ)² = AC``), a positive gap otherwise.
"""

from __future__ import annotations

from flint import arb, fmpq, fmpq_mat

from verify.proof.balls import Enclosure, ball, bracket_root, interval, power, upper_text
from verify.proof.document import Certificate
from verify.proof.linear import gap_enclosure, require_not_below
from verify.proof.networks import (
    require_interpolation,
    require_norm_bounds,
    require_width,
    t_cost,
)
from verify.proof.rationals import CertificateError, largest_difference, rows_of
from verify.proof.result import Ledger, ProofResult


def rank_one_factors(X: fmpq_mat) -> tuple[list[fmpq], list[fmpq]] | None:
    """``(c, a)`` with ``X = c aᵀ`` exactly (``a`` the first non-zero row), or ``None``."""
    rows = rows_of(X)
    a = next((row for row in rows if any(v != 0 for v in row)), None)
    if a is None:
        return None
    norm = sum((v * v for v in a), fmpq(0))
    c = [sum((x * y for x, y in zip(row, a, strict=True)), fmpq(0)) / norm for row in rows]
    if any(row[j] != c[i] * a[j] for i, row in enumerate(rows) for j in range(len(a))):
        return None
    return c, a


def sides(
    X: fmpq_mat, Y: fmpq_mat
) -> tuple[list[fmpq], list[fmpq], list[fmpq], list[fmpq], list[fmpq]] | None:
    """``(c₊, c₋, a, α, γ)`` for rank-1 ``X``, or ``None`` if ``X`` is not exactly rank 1."""
    factors = rank_one_factors(X)
    if factors is None:
        return None
    c, a = factors
    positive = [v if v > 0 else fmpq(0) for v in c]
    negative = [-v if v < 0 else fmpq(0) for v in c]
    return positive, negative, a, _side(Y, positive), _side(Y, negative)


def _side(Y: fmpq_mat, part: list[fmpq]) -> list[fmpq]:
    weight = sum((v * v for v in part), fmpq(0))
    rows = rows_of(Y)
    if weight == 0:
        return [fmpq(0)] * Y.ncols()
    return [
        sum((p * row[k] for p, row in zip(part, rows, strict=True)), fmpq(0)) / weight
        for k in range(Y.ncols())
    ]


def outer(u: list[fmpq], v: list[fmpq]) -> fmpq_mat:
    return fmpq_mat(len(u), len(v), [x * y for x in u for y in v])


def dual_constraint(
    Lam: fmpq_mat, positive: list[fmpq], negative: list[fmpq], s_squared: fmpq
) -> fmpq:
    """``s²·max(‖Λᵀc₊‖², ‖Λᵀc₋‖²)`` exactly (feasible iff ``≤ 1``)."""
    values = []
    for part in (positive, negative):
        vector = fmpq_mat(1, len(part), part) * Lam
        values.append(sum((v * v for v in vector.entries()), fmpq(0)))
    return s_squared * max(values)


def _dot(u: list[fmpq], v: list[fmpq]) -> fmpq:
    return sum((x * y for x, y in zip(u, v, strict=True)), fmpq(0))


def primal_closed_form(A: fmpq, C: fmpq, dot: fmpq, s: arb) -> arb:
    """The rank-1 closed form of ``P`` (module docstring), as a ball."""
    if A == 0 or C == 0 or (dot >= 0 and dot * dot == A * C):
        return (ball(A).sqrt() + ball(C).sqrt()) / s
    if dot <= 0:  # the two streams never mix (orthogonal sides included): the ℓ_{2/3} value
        return power(power(ball(A), 1, 3) + power(ball(C), 1, 3), 3, 2) / s
    delta = ball(A * C - dot * dot).sqrt()

    def quartic(tau: fmpq) -> arb:
        x = arb(tau)
        return ((A * x + delta) * x * x - delta) * x - C

    high = fmpq(1)
    while not quartic(high) > 0:
        high *= 2
    lo, hi = bracket_root(quartic, fmpq(0), high)
    tau = interval(lo, hi)
    return ((1 + tau * tau) * (A + C / (tau * tau) + 2 * delta / tau)).sqrt() / s


def check_rank1(cert: Certificate, ledger: Ledger) -> ProofResult:
    data = cert.instance
    if data.L != 3:
        raise CertificateError("instance.L", "C6 certificates are for L = 3")
    if data.t is None:
        raise CertificateError("instance.t", f"is required by {cert.claim}")
    found = sides(data.X, data.Y)
    ledger.require(
        found is not None,
        "instance rank 1",
        "X = c aᵀ exactly",
        "X is not exactly of rank 1: the rank-1 formulation does not apply to the exact data",
    )
    positive, negative, a, alpha, gamma = found
    fitted = outer(positive, alpha) + outer(negative, gamma)
    ledger.require(
        largest_difference(fitted, data.Y) == 0,
        "instance feasibility",
        "Y = c₊αᵀ + c₋γᵀ exactly",
        "Y is not exactly of the form c₊αᵀ + c₋γᵀ: no network interpolates the exact data",
    )
    s_squared = data.t * data.t * _dot(a, a)
    s = ball(s_squared).sqrt()
    network = cert.primal
    require_width(ledger, network, data, "primal")
    require_interpolation(ledger, network, data, "primal")
    require_norm_bounds(ledger, network, data, "primal")
    cost = t_cost(network)
    ledger.passed("primal cost", "½(‖W₂‖² + ‖W₃‖²), an exact rational")
    bidual = cert.network("bidual", "parallel", "relu")
    require_interpolation(ledger, bidual, data, "bidual")
    require_norm_bounds(ledger, bidual, data, "bidual")
    upper = t_cost(bidual)
    ledger.passed("bidual cost", "a parallel network's cost bounds D from above (weak duality)")
    Lam = cert.matrix("dual.Lambda", (data.N, data.K))
    constraint = dual_constraint(Lam, positive, negative, s_squared)
    ledger.require(
        constraint <= 1,
        "dual feasibility",
        f"s²·max(‖Λᵀc₊‖², ‖Λᵀc₋‖²) = {upper_text(constraint, 12)} ≤ 1 exactly (rank-1 reduction)",
        f"s²·max(‖Λᵀc₊‖², ‖Λᵀc₋‖²) = {upper_text(constraint, 12)} > 1",
    )
    lower = sum((x * y for x, y in zip(Lam.entries(), data.Y.entries(), strict=True)), fmpq(0))
    ledger.passed("dual value", "tr(ΛᵀY) computed exactly")
    A, C, dot = _dot(alpha, alpha), _dot(gamma, gamma), _dot(alpha, gamma)
    closed_primal = primal_closed_form(A, C, dot, s)
    closed_dual = (ball(A).sqrt() + ball(C).sqrt()) / s
    ledger.enclosures["primal_closed_form"] = Enclosure(closed_primal, closed_primal)
    ledger.enclosures["dual_closed_form"] = Enclosure(closed_dual, closed_dual)
    require_not_below(
        ledger, cost, closed_primal, "primal lower bound", "cost ≥ the rank-1 closed form of P"
    )
    require_not_below(ledger, closed_dual, ball(lower), "dual upper bound", "tr(ΛᵀY) ≤ (‖α‖+‖γ‖)/s")
    require_not_below(ledger, upper, closed_dual, "bidual bound", "bidual cost ≥ (‖α‖+‖γ‖)/s")
    primal = Enclosure(closed_primal.max(ball(lower)), ball(cost))
    dual = Enclosure(ball(lower), ball(upper).min(ball(cost)))
    ledger.enclosures.update(primal=primal, dual=dual)
    zero_gap = A == 0 or C == 0 or (dot >= 0 and dot * dot == A * C)
    statement = "C6: zero gap (α·γ = ‖α‖‖γ‖)" if zero_gap else "C6: positive gap (α·γ < ‖α‖‖γ‖)"
    return ledger.conclude(statement, zero_gap, gap_enclosure(primal, dual))
