"""Weight-decayed deep linear regression (C4): the optimum enclosed, closed forms enclosed.

Problem: ``P = min ½‖XW₁⋯W_L − Y‖² + (β/2)Σ_l‖W_l‖²`` over networks of hidden width ``w``
(the instance's ``width``, default ``min(d, K)``). No interpolation constraint, no dual. What
is proved, with ``M = XᵀY`` (singular values ``σ_i``, enclosed rigorously) and the
certificate's rational ``θ > 0``:

* ``P ≤ cost``: the certificate's network, its objective an exact rational;
* ``XᵀX ⪰ θI``: exact ``LDLᵀ`` of ``XᵀX − θI`` (for exactly orthonormal columns ``θ = 1``);
* ``P ≥ ½‖Y‖² + θ Σ_{i ≤ w} min_{s≥0} (g_i(s) − g_i(0))``,
  ``g_i(s) = ½(s − σ_i/θ)² + (β/θ)(L/2)s^{2/L}``: from ``½‖XW − Y‖² ≥ ½θ‖W‖² − ⟨W, M⟩ + ½‖Y‖²``,
  von Neumann's trace inequality ``⟨W, M⟩ ≤ Σ s_iσ_i`` (``s_i`` the singular values of
  ``W = W₁⋯W_L``, at most ``w`` non-zero) and ``½Σ_l‖W_l‖² ≥ (L/2)Σ s_i^{2/L}`` (AM–GM and the
  generalised Hölder inequality): proved inequalities, evaluated in ball arithmetic. Each
  scalar minimum is bounded below rigorously: ``g`` is convex on ``[s_b, ∞)``
  (``s_b = (β'(L−2)/L)^{L/(2L−2)}``, where ``g'`` is smallest), the root of ``g'`` there is
  bracketed by bisection and the tangent at the bracket's right end bounds ``g`` below; on
  ``[0, s_b]`` the minimum is ``g(0)`` or ``g(s_b)`` (``L ≥ 3``); ``L = 2`` is the soft threshold;
* the closed forms of the statement (``XᵀX = I``): the threshold
  ``τ = ((L−1)/(L−2))(β(L−2))^{L/(2L−2)}`` (``β`` for ``L = 2``), each ``s*_i`` (``0`` below
  ``τ``, the largest root of ``s + βs^{2/L−1} = σ_i`` above it, bracketed by bisection; a
  ``σ_i`` whose ball touches ``τ`` gives ``[0, root]``) and the rank ``#{σ_i > τ}`` (an
  interval when a comparison is undecided).

The status is ``proved within ε``: ``P`` lies in ``[lower bound, cost]``, ``ε`` its width.
"""

from __future__ import annotations

from flint import arb, fmpq

from verify.proof.balls import (
    Enclosure,
    ball,
    bracket_root,
    exact_bounds,
    interval,
    power,
    semidefinite_defect,
    singular_values,
    upper_text,
)
from verify.proof.document import Certificate
from verify.proof.linear import require_not_below
from verify.proof.networks import require_width, weight_decay_cost
from verify.proof.rationals import (
    CertificateError,
    frobenius_squared,
    identity,
    parse_rational,
)
from verify.proof.result import Ledger, ProofResult


def _g(s: arb, sigma: arb, beta: arb, L: int) -> arb:
    """``g(s) − g(0) = s(½s − σ) + (βL/2)s^{2/L}``."""
    return s * (s / 2 - sigma) + beta * L / 2 * power(s, 2, L)


def _slope(s: arb, sigma: arb, beta: arb, L: int) -> arb:
    """``g'(s) = s + βs^{2/L−1} − σ`` (``s > 0``)."""
    return s + beta * power(s, 2, L) / s - sigma


def root_bracket(sigma: arb, beta: arb, L: int) -> tuple[fmpq, fmpq]:
    """``(l, h)`` with ``g'(h) > 0``, ``h ≥ s_b`` and either ``l ≤ s_b`` or ``g'(l) < 0``
    (``L ≥ 3``; ``s_b = (β(L−2)/L)^{L/(2L−2)}`` minimises ``g'``, which increases after it):
    the largest root of ``g'``, if any, lies in ``[l, h]``, and ``g`` is convex on ``[s_b, ∞)``."""
    start_lo, start_hi = exact_bounds(power(beta * (L - 2) / L, L, 2 * L - 2))
    high = exact_bounds(sigma.max(arb(start_hi)))[1] + 1
    return bracket_root(lambda s: _slope(arb(s), sigma, beta, L), start_lo, high, start_hi)


def minimum_gain(sigma: arb, beta: arb, L: int) -> arb:
    """A ball whose lower end bounds ``min_{s≥0} g(s) − g(0)`` from below (``≤ 0``).

    ``L ≥ 3``: on ``[0, s_b]`` the minimum is ``g(0)`` or ``g(s_b)`` (``g'`` decreases from
    ``+∞`` there); on ``[s_b, ∞)``, with ``(l, h)`` of :func:`root_bracket`,
    ``g ≥ g(h) − g'(h)(h − l)`` (the tangent at ``h``; ``g`` decreases on ``[s_b, l]``).
    """
    if L == 2:
        excess = (sigma - beta).nonnegative_part()
        return -(excess * excess) / 2
    lo, hi = root_bracket(sigma, beta, L)
    right = arb(hi)
    tangent = _g(right, sigma, beta, L) - _slope(right, sigma, beta, L) * (hi - lo)
    return arb(0).min(tangent)


def check_ridge(cert: Certificate, ledger: Ledger) -> ProofResult:
    data = cert.instance
    if data.beta is None:
        raise CertificateError("instance.beta", f"is required by {cert.claim}")
    network = cert.primal
    require_width(ledger, network, data, "primal")
    product = network.layers[0]
    for W in network.layers[1:]:
        product = product * W
    misfit = frobenius_squared(data.X * product - data.Y) / 2
    cost = misfit + data.beta * weight_decay_cost(network)
    ledger.passed("primal cost", "½‖XW₁⋯W_L − Y‖² + (β/2)Σ‖W_l‖², an exact rational")
    theta = _orthonormality(cert)
    defect = semidefinite_defect(data.X.transpose() * data.X - identity(data.d, theta))
    ledger.require(
        theta > 0 and defect is None,
        "orthonormality margin",
        f"XᵀX ⪰ θI exactly with θ = {upper_text(theta, 20)}",
        f"XᵀX − θI is not positive semidefinite or θ ≤ 0 ({defect or 'θ ≤ 0'})",
    )
    found = singular_values(data.X.transpose() * data.Y)
    ledger.passed(
        "singular values of XᵀY",
        f"rank {found.rank} exactly; {len(found.values)} non-zero values enclosed",
    )
    width = min(data.width or min(data.d, data.K), data.d, data.K)
    L, beta = data.L, ball(data.beta)
    scaled_beta = beta / theta
    gains = [minimum_gain(s / theta, scaled_beta, L) for s in found.values[:width]]
    lower = ball(frobenius_squared(data.Y) / 2) + theta * sum(gains, arb(0))
    require_not_below(ledger, cost, lower, "primal lower bound", "cost ≥ the proved lower bound")
    ledger.enclosures["primal"] = Enclosure(lower, ball(cost))
    _closed_forms(ledger, found.values, beta, L, width)
    statement = f"C4: the optimum of weight-decayed regression (L = {L}) is enclosed"
    return ledger.conclude_within(statement, Enclosure(ball(0), ball(cost) - lower))


def _orthonormality(cert: Certificate) -> fmpq:
    body = cert.body.get("orthonormality")
    if not isinstance(body, dict):
        raise CertificateError("orthonormality", "must be an object {theta}")
    return parse_rational(body.get("theta"), "orthonormality.theta")


def threshold(beta: arb, L: int) -> arb:
    if L == 2:
        return beta
    return fmpq(L - 1, L - 2) * power(beta * (L - 2), L, 2 * L - 2)


def optimal_value(sigma: arb, beta: arb, L: int, tau: arb) -> arb:
    """A ball containing ``s*(σ)``; when ``σ`` touches ``τ`` both ``0`` and the root are
    optimal and the ball contains both."""
    if L == 2:
        return (sigma - beta).nonnegative_part()
    if sigma < tau:
        return arb(0)
    root = interval(*root_bracket(sigma, beta, L))
    return root if sigma > tau else arb(0).union(root)


def _closed_forms(ledger: Ledger, values: tuple[arb, ...], beta: arb, L: int, width: int) -> None:
    tau = threshold(beta, L)
    ledger.enclosures["threshold"] = Enclosure(tau, tau)
    above = undecided = 0
    for i, sigma in enumerate(values[:width]):
        value = optimal_value(sigma, beta, L, tau)
        ledger.enclosures[f"s*_{i + 1}"] = Enclosure(value, value)
        above += bool(sigma > tau)
        undecided += not (sigma > tau or sigma < tau)
    ledger.enclosures["rank"] = Enclosure(ball(above), ball(above + undecided))
    rank = f"{above}" if not undecided else f"in [{above}, {above + undecided}] (σ_i touches τ)"
    ledger.passed(
        "closed forms",
        f"τ and s*_i enclosed for {min(width, len(values))} singular value(s); rank {rank}",
    )
