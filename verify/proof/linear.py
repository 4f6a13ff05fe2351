"""Deep linear networks (C1 standard, C2 weight decay, C3 parallel): exact re-verification.

What is proved, with ``W* = X⁺Y`` computed exactly and ``c = t^{−(L−2)}``:

* the instance is feasible: ``X W* = Y`` exactly;
* ``P ≤ cost`` of the certificate's network: it interpolates exactly, its first ``L − 2``
  layers satisfy ``‖W_l‖_F² ≤ t²`` exactly, its cost is an exact rational;
* ``D ≥ tr(ΛᵀY)``: ``‖XᵀΛ‖₂ ≤ c`` by an exact ``LDLᵀ`` of ``c²I − G`` (``G`` the smaller Gram
  matrix of ``XᵀΛ``);
* ``D ≤ c‖W*‖_*`` (weak duality of the convex dual: ``tr(ΛᵀY) = ⟨XᵀΛ, W*⟩ ≤ ‖XᵀΛ‖₂‖W*‖_*``),
  with the singular values of the exact ``W*`` enclosed rigorously and its rank exact;
* ``P ≥ c‖W*‖_{S_{2/L}}`` (C1, C2): the generalised Hölder inequality for Schatten
  quasi-norms (``‖W_1⋯W_L‖_{S_{2/L}} ≤ Π_{l≤L−2}‖W_l‖_F ‖W_{L−1}W_L‖_*`` and
  ``‖AB‖_* ≤ ½(‖A‖² + ‖B‖²)``, after projecting the product onto the row space of ``X``), a
  proved inequality rather than a certificate: the non-convex primal has no cheap one;
* the gap ``P − D`` from these bounds, clamped below at 0 by weak duality (``P ≥ D``).

C2 (plain weight decay, no ``t``) compares ``P = min ½Σ_l‖W_l‖²`` with the dual side after
optimising the rescaling, ``min_t ((L−2)/2)t² + D(t) = (L/2) D(1)^{2/L}`` (``D(t) = c D(1)`` by
rescaling ``Λ``, and ``s ↦ (L/2)s^{2/L}`` is increasing), so the dual certificate is at ``t = 1``;
its primal lower bound is ``(L/2)Σσ_i^{2/L}`` (AM–GM, then Hölder).
"""

from __future__ import annotations

from flint import arb, fmpq, fmpq_mat

from verify.proof.balls import (
    Enclosure,
    Spectrum,
    ball,
    power,
    semidefinite_defect,
    singular_values,
    upper_text,
)
from verify.proof.document import Certificate, InstanceData
from verify.proof.networks import (
    require_interpolation,
    require_norm_bounds,
    require_width,
    t_cost,
    weight_decay_cost,
)
from verify.proof.rationals import (
    CertificateError,
    identity,
    largest_difference,
    pinv_solve,
    trace_product,
)
from verify.proof.result import Ledger, ProofResult

HOLDER = "generalised Hölder inequality for Schatten quasi-norms (proved, not a certificate)"


def minimum_norm_solution(ledger: Ledger, data: InstanceData) -> fmpq_mat:
    """``W* = X⁺Y`` exactly, after checking that ``X W* = Y`` (else the instance is infeasible)."""
    W = pinv_solve(data.X, data.Y)
    miss = largest_difference(data.X * W, data.Y)
    ledger.require(
        miss == 0,
        "instance feasibility",
        "X W* = Y exactly for W* = X⁺Y (exact pseudo-inverse)",
        "Y is not exactly in the range of X: no linear network interpolates the exact data "
        f"(largest |XX⁺Y − Y| = {upper_text(miss, 6)}); labels computed in floating point "
        "as X·W are in general not exactly in the range when N > d",
    )
    return W


def spectrum(ledger: Ledger, W: fmpq_mat) -> Spectrum:
    found = singular_values(W)
    ledger.passed(
        "singular values of W*",
        f"rank {found.rank} exactly (characteristic polynomial of the Gram matrix); "
        f"{len(found.values)} non-zero singular values enclosed by certified root isolation",
    )
    return found


def depth_scale_squared(data: InstanceData) -> fmpq:
    """``c² = t^{−2(L−2)}``."""
    return 1 / data.t ** (2 * (data.L - 2))


def dual_value(ledger: Ledger, cert: Certificate, radius_squared: fmpq) -> fmpq:
    """``tr(ΛᵀY)`` after proving ``‖XᵀΛ‖₂² ≤ radius_squared`` exactly."""
    data = cert.instance
    Lam = cert.matrix("dual.Lambda", (data.N, data.K))
    B = data.X.transpose() * Lam
    gram = B.transpose() * B if B.ncols() <= B.nrows() else B * B.transpose()
    defect = semidefinite_defect(identity(gram.nrows(), radius_squared) - gram)
    ledger.require(
        defect is None,
        "dual feasibility",
        f"‖XᵀΛ‖₂² ≤ {upper_text(radius_squared, 12)}: exact LDLᵀ of c²I − (XᵀΛ)ᵀ(XᵀΛ) has "
        "no negative pivot",
        f"‖XᵀΛ‖₂ > c: c²I − (XᵀΛ)ᵀ(XᵀΛ) is not positive semidefinite ({defect})",
    )
    value = trace_product(Lam, data.Y)
    ledger.passed("dual value", "tr(ΛᵀY) computed exactly")
    return value


def schatten_sum(found: Spectrum, L: int) -> arb:
    """``Σ σ_i^{2/L}``."""
    return sum((power(s, 2, L) for s in found.values), arb(0))


def nuclear(found: Spectrum) -> arb:
    return sum(found.values, arb(0))


def require_not_below(ledger: Ledger, value: fmpq | arb, bound: arb, name: str, what: str) -> None:
    """A certified value must not lie below a proved lower bound (else something is wrong)."""
    ledger.require(
        not bool(ball(value) < bound),
        name,
        f"consistent: {what}",
        f"inconsistent: {what} fails (value {upper_text(value, 12)} below the bound)",
    )


def gap_enclosure(primal: Enclosure, dual: Enclosure) -> Enclosure:
    """``[P_lo − D_hi, P_hi − D_lo]``, the lower end clamped at 0 by weak duality."""
    return Enclosure((primal.lo - dual.hi).max(arb(0)), primal.hi - dual.lo)


def check_standard(cert: Certificate, ledger: Ledger) -> ProofResult:
    """C1: ``P = c‖W*‖_{S_{2/L}} ≥ D = c‖W*‖_*``; the gap is positive iff ``L ≥ 3``, rank ≥ 2."""
    data = _require_t(cert)
    W = minimum_norm_solution(ledger, data)
    found = spectrum(ledger, W)
    cost = _primal_cost(ledger, cert, t_cost)
    c2 = depth_scale_squared(data)
    c = ball(c2).sqrt()
    lower = dual_value(ledger, cert, c2)
    schatten = c * schatten_sum(found, data.L).sqrt() ** data.L
    bidual = c * nuclear(found)
    ledger.enclosures["primal_closed_form"] = Enclosure(schatten, schatten)
    ledger.enclosures["dual_closed_form"] = Enclosure(bidual, bidual)
    require_not_below(ledger, cost, schatten, "primal lower bound", f"cost ≥ c‖W*‖_S2/L ({HOLDER})")
    require_not_below(ledger, bidual, ball(lower), "dual upper bound", "tr(ΛᵀY) ≤ c‖W*‖_*")
    primal = Enclosure(schatten.max(ball(lower)), ball(cost))
    dual = Enclosure(ball(lower), bidual)
    return _conclude(ledger, data, found, primal, dual, "C1")


def check_weight_decay(cert: Certificate, ledger: Ledger) -> ProofResult:
    """C2: ``P = (L/2)Σσ^{2/L}`` against the dual side ``(L/2)‖W*‖_*^{2/L}``."""
    data = cert.instance
    W = minimum_norm_solution(ledger, data)
    found = spectrum(ledger, W)
    cost = _primal_cost(ledger, cert, weight_decay_cost)
    lower = dual_value(ledger, cert, fmpq(1))
    half = fmpq(data.L, 2)
    schatten = half * schatten_sum(found, data.L)
    side_upper = half * power(nuclear(found), 2, data.L)
    side_lower = half * power(ball(lower).max(arb(0)), 2, data.L)
    ledger.enclosures["primal_closed_form"] = Enclosure(schatten, schatten)
    ledger.enclosures["dual_closed_form"] = Enclosure(side_upper, side_upper)
    require_not_below(
        ledger, cost, schatten, "primal lower bound", f"cost ≥ (L/2)Σσ^(2/L) (AM–GM, {HOLDER})"
    )
    require_not_below(ledger, side_upper, side_lower, "dual upper bound", "tr(ΛᵀY) ≤ ‖W*‖_*")
    primal = Enclosure(schatten.max(side_lower), ball(cost))
    dual = Enclosure(side_lower, side_upper)
    return _conclude(ledger, data, found, primal, dual, "C2")


def check_parallel(cert: Certificate, ledger: Ledger) -> ProofResult:
    """C3: ``P = D = c‖W*‖_*`` for a parallel network (zero gap)."""
    data = _require_t(cert)
    W = minimum_norm_solution(ledger, data)
    found = spectrum(ledger, W)
    cost = _primal_cost(ledger, cert, t_cost)
    c2 = depth_scale_squared(data)
    lower = dual_value(ledger, cert, c2)
    bidual = ball(c2).sqrt() * nuclear(found)
    ledger.enclosures["dual_closed_form"] = Enclosure(bidual, bidual)
    require_not_below(
        ledger, cost, bidual, "primal lower bound", "cost ≥ D = c‖W*‖_* (weak duality)"
    )
    require_not_below(ledger, bidual, ball(lower), "dual upper bound", "tr(ΛᵀY) ≤ c‖W*‖_*")
    primal = Enclosure(ball(lower), ball(cost))
    dual = Enclosure(ball(lower), bidual.min(ball(cost)))
    ledger.enclosures.update(primal=primal, dual=dual)
    statement = "parallel linear network: zero duality gap, P = D = t^-(L-2)‖X⁺Y‖_*"
    return ledger.conclude(statement, True, gap_enclosure(primal, dual))


def _require_t(cert: Certificate) -> InstanceData:
    if cert.instance.t is None:
        raise CertificateError("instance.t", f"is required by {cert.claim}")
    return cert.instance


def _primal_cost(ledger: Ledger, cert: Certificate, objective) -> fmpq:
    data, network = cert.instance, cert.primal
    require_width(ledger, network, data, "primal")
    require_interpolation(ledger, network, data, "primal")
    if objective is t_cost:
        require_norm_bounds(ledger, network, data, "primal")
    cost = objective(network)
    ledger.passed("primal cost", "the objective of the network, an exact rational")
    return cost


def _conclude(
    ledger: Ledger,
    data: InstanceData,
    found: Spectrum,
    primal: Enclosure,
    dual: Enclosure,
    number: str,
) -> ProofResult:
    """A positive gap exactly when ``L ≥ 3`` and ``rank(W*) ≥ 2`` (C1 and C2)."""
    ledger.enclosures.update(primal=primal, dual=dual)
    zero_gap = data.L == 2 or found.rank <= 1
    reason = "L = 2" if data.L == 2 else f"rank(X⁺Y) = {found.rank}"
    statement = (
        f"{number}: zero gap ({reason})"
        if zero_gap
        else f"{number}: positive gap (L = {data.L}, rank(X⁺Y) = {found.rank} ≥ 2)"
    )
    return ledger.conclude(statement, zero_gap, gap_enclosure(primal, dual))
