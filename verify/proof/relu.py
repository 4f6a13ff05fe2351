"""Parallel ReLU networks (C5, scalar labels, ``L = 2, 3``): exact re-verification.

Dual constraint (``ρ = 1`` at ``L = 2``, ``ρ = 1/t`` at ``L = 3``):
``|λᵀ(h)_+| ≤ 1`` for every second-layer pre-activation ``h`` of a branch with ``‖w‖ ≤ 1``, i.e.
``sup_{h ∈ Q} |λᵀ(h)_+| ≤ ρ`` with ``Q = X`` itself at ``L = 2`` (``h = Xu``, ``‖u‖ ≤ 1``) and
``Q = {Σ_k (Xu_k)_+ c_k : Σ_k ‖u_k‖|c_k| ≤ 1}`` at ``L = 3`` (by Cauchy–Schwarz
``Σ‖u_k‖|w_k| ≤ ‖W₁‖_F‖w‖ ≤ t``). What is proved:

* **inner patterns** ``D_i``: the chamber patterns of the arrangement of the rows of ``X``,
  regenerated exactly (:func:`verify.arrangements.chamber_patterns`, integer arithmetic) and
  compared with the certificate's. Their closed cones ``K_i = {u : (2D_i − I)Xu ≥ 0}`` cover
  ``R^d`` and ``(Xu)_+ = D_iXu`` on ``K_i``.
* **cone bounds**: for a vector ``c``, ``sup_{‖u‖≤1} |cᵀ(Xu)_+|`` is the largest, over ``i`` and
  ``σ = ±1``, of ``sup_{u ∈ K_i, ‖u‖ ≤ 1} σ gᵢᵀu`` with ``gᵢ = XᵀD_ic``; for any ``ν ≥ 0``,
  ``σgᵢᵀu ≤ (σgᵢ + A_iᵀν)ᵀu ≤ ‖σgᵢ + A_iᵀν‖`` on that set (``A_i = (2D_i − I)X``, ``A_iu ≥ 0``).
  The certificate gives ``ν`` where needed (``0`` otherwise); ``‖·‖² ≤ ρ²`` is compared exactly.
* **outer groups** (``L = 3``): ``Q`` lies in ``S = span{D_iX}``, whose chamber patterns ``D2``
  (regenerated exactly from the rows of ``[D_1X, …, D_PX]`` and compared) cover it with closed
  cones on which ``(h)_+ = D2h``. For ``μ ≥ 0``, ``sλᵀD2h ≤ cᵀh`` with
  ``c = sD2λ + (2D2 − I)μ`` on that cone, and ``sup_{h∈Q} cᵀh = sup_{‖u‖≤1} |cᵀ(Xu)_+|``
  (``Q`` is the convex hull of ``±(Xu)_+``), bounded as above. The zero pattern needs nothing.
* **primal**: the network interpolates ``y`` exactly, ``‖W_{1,j}‖_F² ≤ t²`` (``L = 3``), cost
  ``½Σ_j(‖w_{L−1,j}‖² + w_{L,j}²)`` exact.
* weak duality ``P ≥ D ≥ yᵀλ`` and ``D ≤ P ≤ cost`` give the gap in ``[0, cost − yᵀλ]``: the
  zero-gap statement is proved within ``ε = cost − yᵀλ``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from flint import fmpq, fmpq_mat

from verify.arrangements import chamber_patterns
from verify.proof.balls import Enclosure, ball, upper_text
from verify.proof.document import Certificate, InstanceData
from verify.proof.networks import (
    require_interpolation,
    require_norm_bounds,
    require_width,
    t_cost,
)
from verify.proof.rationals import (
    CertificateError,
    from_rows,
    parse_vector,
    rows_of,
)
from verify.proof.result import Ledger, ProofResult, Refuted

Pattern = tuple[int, ...]


def pattern_text(pattern: Pattern) -> str:
    return "".join(str(bit) for bit in pattern)


def parse_patterns(value: object, field: str, size: int) -> list[Pattern]:
    if not isinstance(value, list) or not value:
        raise CertificateError(field, "must be a non-empty list of 0/1 strings")
    patterns = []
    for k, text in enumerate(value):
        if not isinstance(text, str) or len(text) != size or set(text) - {"0", "1"}:
            raise CertificateError(f"{field}[{k}]", f"must be a string of {size} characters 0/1")
        patterns.append(tuple(int(ch) for ch in text))
    return patterns


def arrangement_patterns(rows: Sequence[Sequence[fmpq]], what: str) -> list[Pattern]:
    """The chamber patterns of the arrangement with these normals, exactly.

    Each row is scaled by a positive integer (which moves no hyperplane) to primitive integers,
    which the enumeration receives as floats — exactly, or the check fails (``what`` names it).
    """
    integral = []
    for row in rows:
        scale = math.lcm(*(int(v.q) for v in row))
        ints = [int(v.p) * (scale // int(v.q)) for v in row]
        common = math.gcd(*ints)
        ints = [n // common for n in ints] if common > 1 else ints
        if any(abs(n).bit_length() > 1000 or int(float(n)) != n for n in ints):
            raise Refuted(what, "a row of integers is not exactly a float: cannot enumerate")
        integral.append([float(n) for n in ints])
    found = chamber_patterns(integral).patterns
    return [tuple(int(b) for b in row) for row in found]


def require_same_patterns(
    ledger: Ledger, claimed: list[Pattern], regenerated: list[Pattern], name: str, what: str
) -> None:
    missing = [p for p in regenerated if p not in set(claimed)]
    extra = [p for p in claimed if p not in set(regenerated)]
    duplicates = len(claimed) - len(set(claimed))
    if missing:
        failure = (
            f"pattern {pattern_text(missing[0])} of {what} is missing from the certificate "
            f"({len(missing)} of {len(regenerated)} missing)"
        )
    elif extra:
        failure = f"pattern {pattern_text(extra[0])} is not a chamber pattern of {what}"
    else:
        failure = f"{duplicates} duplicate pattern(s)"
    ledger.require(
        not missing and not extra and not duplicates,
        name,
        f"{len(regenerated)} chamber patterns of {what}, regenerated exactly, equal the "
        "certificate's",
        failure,
    )


def parse_cones(
    value: object, field: str, patterns: int, size: int
) -> dict[tuple[int, int], list[fmpq]]:
    if value is None:
        return {}
    if not isinstance(value, list):
        raise CertificateError(field, "must be a list of {pattern, sign, nu} objects")
    cones: dict[tuple[int, int], list[fmpq]] = {}
    for k, entry in enumerate(value):
        where = f"{field}[{k}]"
        if not isinstance(entry, dict):
            raise CertificateError(where, "must be an object {pattern, sign, nu}")
        index, sign = entry.get("pattern"), entry.get("sign")
        if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < patterns:
            raise CertificateError(f"{where}.pattern", f"must be an index below {patterns}")
        if sign not in (1, -1) or isinstance(sign, bool):
            raise CertificateError(f"{where}.sign", "must be 1 or -1")
        if (index, sign) in cones:
            raise CertificateError(where, "repeats a (pattern, sign) pair")
        cones[(index, sign)] = parse_vector(entry.get("nu"), f"{where}.nu", size)
    return cones


def cone_bounds(
    X: fmpq_mat,
    patterns: Sequence[Pattern],
    c: Sequence[fmpq],
    cones: dict[tuple[int, int], list[fmpq]],
) -> list[tuple[int, int, fmpq]]:
    """``(i, σ, ‖σXᵀD_ic + A_iᵀν‖²)`` for every pattern ``i`` and sign ``σ`` (``ν = 0`` unless
    given), exactly."""
    masked = from_rows([[c[k] if bit else fmpq(0) for k, bit in enumerate(p)] for p in patterns])
    gradients = rows_of(masked * X)
    data = rows_of(X)
    out = []
    for i, pattern in enumerate(patterns):
        for sign in (1, -1):
            vector = [sign * g for g in gradients[i]]
            nu = cones.get((i, sign))
            if nu is not None:
                for k, weight in enumerate(nu):
                    if weight != 0:
                        signed = weight if pattern[k] else -weight
                        vector = [v + signed * x for v, x in zip(vector, data[k], strict=True)]
            out.append((i, sign, sum((v * v for v in vector), fmpq(0))))
    return out


def outer_vector(
    pattern: Pattern, sign: int, lam: Sequence[fmpq], mu: Sequence[fmpq]
) -> list[fmpq]:
    """``c = s·D2λ + (2D2 − I)μ``: the vector whose support function bounds an outer group."""
    return [(sign * lam[k] + mu[k]) if bit else -mu[k] for k, bit in enumerate(pattern)]


def require_nonnegative(values: Sequence[fmpq], field: str) -> None:
    """Multipliers must be ``≥ 0`` (a negative one proves nothing)."""
    for k, v in enumerate(values):
        if v < 0:
            raise Refuted("dual multipliers", f"{field}[{k}] = {upper_text(v, 12)} is negative")


def check_parallel(cert: Certificate, ledger: Ledger) -> ProofResult:
    data = cert.instance
    if data.K != 1:
        raise CertificateError("instance.Y", "C5 certificates need scalar labels (K = 1)")
    if data.L not in (2, 3):
        raise CertificateError("instance.L", "C5 certificates are for L = 2 or L = 3")
    if data.t is None:
        raise CertificateError("instance.t", f"is required by {cert.claim}")
    network = cert.primal
    require_width(ledger, network, data, "primal")
    require_interpolation(ledger, network, data, "primal")
    require_norm_bounds(ledger, network, data, "primal")
    cost = t_cost(network)
    ledger.passed("primal cost", "½Σ_j(‖w_{L−1,j}‖² + w_{L,j}²), an exact rational")
    Lam = cert.matrix("dual.Lambda", (data.N, 1))
    lam = Lam.entries()
    body = cert.body.get("dual")
    inner = parse_patterns(body.get("inner_patterns"), "dual.inner_patterns", data.N)
    require_same_patterns(
        ledger,
        inner,
        arrangement_patterns(rows_of(data.X), "inner patterns"),
        "inner patterns",
        "the rows of X",
    )
    rho_squared = fmpq(1) if data.L == 2 else 1 / (data.t * data.t)
    if data.L == 2:
        cones = parse_cones(body.get("cones"), "dual.cones", len(inner), data.N)
        worst = _require_group(ledger, data, inner, lam, cones, rho_squared, "dual feasibility")
    else:
        worst = _require_outer_groups(ledger, data, inner, lam, body, rho_squared)
    ledger.passed(
        "dual feasibility",
        f"every cone bound ‖σg + Aᵀν‖² ≤ ρ² = {upper_text(rho_squared, 12)} exactly "
        f"(largest {upper_text(worst, 12)})",
    )
    value = sum((a * b for a, b in zip(lam, data.Y.entries(), strict=True)), fmpq(0))
    ledger.passed("dual value", "yᵀλ computed exactly")
    ledger.require(
        value <= cost,
        "weak duality",
        "yᵀλ ≤ cost",
        f"yᵀλ = {upper_text(value, 12)} exceeds the primal cost {upper_text(cost, 12)}",
    )
    primal = Enclosure(ball(value), ball(cost))
    ledger.enclosures.update(primal=primal, dual=primal)
    statement = f"C5: parallel ReLU network, L = {data.L}: zero duality gap"
    return ledger.conclude(statement, True, Enclosure(ball(0), ball(cost - value)))


def _require_group(
    ledger: Ledger,
    data: InstanceData,
    inner: list[Pattern],
    c: Sequence[fmpq],
    cones: dict[tuple[int, int], list[fmpq]],
    rho_squared: fmpq,
    name: str,
    where: str = "",
) -> fmpq:
    """Every cone bound of ``c`` at most ``rho_squared``; returns the largest."""
    for nu in cones.values():
        require_nonnegative(nu, "dual.cones.nu")
    worst = fmpq(0)
    for i, sign, value in cone_bounds(data.X, inner, c, cones):
        if value > rho_squared:
            ledger.require(
                False,
                name,
                "",
                f"{where}inner pattern {pattern_text(inner[i])}, sign {sign:+d}: "
                f"‖σg + Aᵀν‖² = {upper_text(value, 12)} > ρ² = {upper_text(rho_squared, 12)}",
            )
        worst = max(worst, value)
    return worst


def _require_outer_groups(
    ledger: Ledger,
    data: InstanceData,
    inner: list[Pattern],
    lam: list[fmpq],
    body: dict,
    rho_squared: fmpq,
) -> fmpq:
    spanning = [
        [x if pattern[k] else fmpq(0) for pattern in inner for x in row]
        for k, row in enumerate(rows_of(data.X))
    ]
    regenerated = [p for p in arrangement_patterns(spanning, "outer patterns") if any(p)]
    outer = parse_patterns(body.get("outer_patterns"), "dual.outer_patterns", data.N)
    require_same_patterns(
        ledger, outer, regenerated, "outer patterns", "the subspace span{D_i X} (non-zero ones)"
    )
    groups = _parse_groups(body.get("groups"), len(outer), len(inner), data.N)
    worst = fmpq(0)
    for g, pattern in enumerate(outer):
        for sign in (1, -1):
            mu, cones = groups.get((g, sign), ([fmpq(0)] * data.N, {}))
            c = outer_vector(pattern, sign, lam, mu)
            where = f"outer pattern {pattern_text(pattern)}, sign {sign:+d}, "
            value = _require_group(
                ledger, data, inner, c, cones, rho_squared, "dual feasibility", where
            )
            worst = max(worst, value)
    return worst


def _parse_groups(
    value: object, outer: int, inner: int, size: int
) -> dict[tuple[int, int], tuple[list[fmpq], dict]]:
    if value is None:
        return {}
    if not isinstance(value, list):
        raise CertificateError("dual.groups", "must be a list of {outer, sign, mu, cones} objects")
    groups: dict[tuple[int, int], tuple[list[fmpq], dict]] = {}
    for k, entry in enumerate(value):
        where = f"dual.groups[{k}]"
        if not isinstance(entry, dict):
            raise CertificateError(where, "must be an object {outer, sign, mu, cones}")
        index, sign = entry.get("outer"), entry.get("sign")
        if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < outer:
            raise CertificateError(f"{where}.outer", f"must be an index below {outer}")
        if sign not in (1, -1) or isinstance(sign, bool):
            raise CertificateError(f"{where}.sign", "must be 1 or -1")
        if (index, sign) in groups:
            raise CertificateError(where, "repeats an (outer, sign) pair")
        mu = parse_vector(entry.get("mu"), f"{where}.mu", size)
        require_nonnegative(mu, f"{where}.mu")
        groups[(index, sign)] = (mu, parse_cones(entry.get("cones"), f"{where}.cones", inner, size))
    return groups
