"""Certified means true: the judging machinery, conditioning, scale and degenerate inputs.

Each test here pins one behaviour that a wrong verdict would break (the closing note of the issue
that asked for them lists the one-line code change each one catches):

* a candidate bound with a residual just above the tolerance is rejected, and the verdict is
  then ``inconclusive``;
* the tolerance is ``rtol``, whatever the conditioning of the data (not ``rtol·κ(X)``);
* the gap interval is ``[P_lower − D_upper, P_upper − D_lower]``; certificates that contradict
  each other (or weak duality) give ``inconclusive``, never a verdict;
* judging is relative: the same instance in other units gets the same verdict;
* across ``κ(X) = 1e2 … 1e14`` no certified bound of the deep linear claims excludes the exact
  value (50-digit references), and ``holds`` comes only with values that match them;
* degenerate and extreme instances get a verdict or a clean ``InstanceError``, never another
  exception.
"""

from __future__ import annotations

import math

import mpmath as mp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from properties.strategies import linear_instances
from verify.claims import REGISTRY, Budget, Claim, Evidence
from verify.claims.deep_linear_base import linear_pinned_examples
from verify.instances import Instance, InstanceError
from verify.result import FAILS, HOLDS, INCONCLUSIVE, VERDICTS, Bound

CHEAP = Budget(seed=0, restarts=1, max_iter=300)
LINEAR = ("linear-standard-gap", "weight-decay-schatten", "linear-parallel-zero-gap")


class FixedClaim(Claim):
    """A claim whose evidence is given: to test the judging alone."""

    id, number, title, source, statement = "fixed", "C0", "fixed", "test", "test"
    required = ()

    def __init__(self, found: Evidence) -> None:
        self.found = found

    def evidence(self, instance: Instance, budget: Budget) -> Evidence:
        return Evidence(
            dict(self.found.predicted),
            {name: list(bounds) for name, bounds in self.found.candidates.items()},
        )

    def instances(self):
        return st.nothing()


def _judged(candidates: dict[str, list[Bound]], predicted: dict[str, float]):
    claim = FixedClaim(Evidence(predicted, candidates))
    return claim.check(Instance(np.eye(1), np.ones(1)))


def _bound(value: float, residual: float = 0.0) -> Bound:
    return Bound(value, "certificate", residual, "test")


@pytest.mark.parametrize("factor", [1.5, 2.0, 9.9])
def test_a_residual_just_above_the_tolerance_is_rejected(factor):
    tol = FixedClaim.rtol
    exact = {"primal_lower": [_bound(1.0)], "dual_lower": [_bound(1.0)]}
    result = _judged(
        {**exact, "primal_upper": [_bound(1.0, factor * tol)], "dual_upper": [_bound(1.0)]},
        {"primal": 1.0, "dual": 1.0, "gap": 0.0},
    )
    assert result.bounds["primal_upper"] is None
    assert any("rejected primal_upper" in line for line in result.details)
    assert result.verdict == INCONCLUSIVE
    accepted = _judged(
        {**exact, "primal_upper": [_bound(1.0, tol)], "dual_upper": [_bound(1.0)]},
        {"primal": 1.0, "dual": 1.0, "gap": 0.0},
    )
    assert accepted.verdict == HOLDS


def test_the_gap_interval_combines_opposite_ends():
    result = _judged(
        {
            "primal_lower": [_bound(2.0)],
            "primal_upper": [_bound(3.0)],
            "dual_lower": [_bound(0.5)],
            "dual_upper": [_bound(1.5)],
        },
        {"gap": 1.0},
    )
    assert result.intervals["gap"] == (2.0 - 1.5, 3.0 - 0.5)
    assert result.verdict == INCONCLUSIVE  # [0.5, 2.5] does not pin the gap down


def test_certificates_that_contradict_weak_duality_are_inconclusive_not_a_verdict():
    result = _judged(
        {
            "primal_lower": [_bound(1.0)],
            "primal_upper": [_bound(1.0)],
            "dual_lower": [_bound(1.0 + 1e-6)],  # a "certified" D above a certified P
            "dual_upper": [_bound(1.0 + 1e-6)],
        },
        {"primal": 1.0, "dual": 1.0, "gap": 0.0},
    )
    assert result.verdict == INCONCLUSIVE
    assert any("contradict" in line for line in result.details)


def test_a_gap_reaching_below_zero_by_rounding_is_clamped_and_said():
    result = _judged(
        {
            "primal_lower": [_bound(1.0)],
            "primal_upper": [_bound(1.0 + 1e-12)],
            "dual_lower": [_bound(1.0 - 1e-12)],
            "dual_upper": [_bound(1.0 + 1e-12)],
        },
        {"primal": 1.0, "dual": 1.0, "gap": 0.0},
    )
    assert result.intervals["gap"][0] == 0.0
    assert any("clamped to 0 by weak duality" in line for line in result.details)
    assert result.verdict == HOLDS


def test_judging_is_relative_not_absolute():
    """A 10% error on a value of size 1e-8 is a contradiction, not within an absolute 1e-9."""
    tiny = {"primal_lower": [_bound(1e-8)], "primal_upper": [_bound(1e-8)]}
    assert _judged(tiny, {"primal": 1.1e-8}).verdict == FAILS
    assert _judged(tiny, {"primal": 1e-8}).verdict == HOLDS


@pytest.mark.parametrize("claim_id", LINEAR)
def test_the_tolerance_does_not_grow_with_the_conditioning(claim_id):
    claim = REGISTRY[claim_id]
    ill = next(e.instance for e in linear_pinned_examples() if e.instance.label == "κ(X) = 1e12")
    ill = Instance(ill.X, ill.Y, ill.L, ill.t, beta=1.0)
    result = claim.check(ill, CHEAP)
    assert result.tolerance == claim.rtol == 1e-9
    assert result.verdict == INCONCLUSIVE


HOMOGENEOUS = [
    claim.id
    for claim in REGISTRY.values()
    if claim.homogeneity(claim.pinned_examples()[0].instance) is not None
]


@pytest.mark.parametrize("claim_id", HOMOGENEOUS)
@pytest.mark.parametrize("factor", [1e8, 1e-8])
def test_labels_in_other_units_get_the_same_verdict(claim_id, factor):
    claim = REGISTRY[claim_id]
    instance = claim.pinned_examples()[0].instance
    degrees = claim.homogeneity(instance)
    scaled = Instance(
        instance.X,
        instance.Y[:, 0] * factor if instance.scalar_output else instance.Y * factor,
        instance.L,
        instance.t,
        instance.beta,
        instance.width,
    )
    base, other = claim.check(instance, CHEAP), claim.check(scaled, CHEAP)
    assert other.verdict == base.verdict
    for quantity, (_, b) in degrees.items():
        if quantity in base.predicted and math.isfinite(base.predicted[quantity]):
            expected = base.predicted[quantity] * factor ** float(b)
            assert other.predicted[quantity] == pytest.approx(expected, rel=1e-9, abs=1e-300)


# --- conditioning: 50-digit references ----------------------------------------------------------


def _mp_matrix(A: np.ndarray) -> mp.matrix:
    out = mp.matrix(*A.shape)
    for (i, j), value in np.ndenumerate(A):
        out[i, j] = mp.mpf(float(value))
    return out


def reference_values(X: np.ndarray, Y: np.ndarray, L: int, t: float) -> dict[str, mp.mpf]:
    """``P``, ``D`` of C1 and the weight-decay values of C2 for the exact floats (full column
    rank ``X``): ``W* = (XᵀX)⁻¹XᵀY`` and its singular values at 60 digits."""
    with mp.workdps(60):
        Xm, Ym = _mp_matrix(X), _mp_matrix(Y)
        W = mp.inverse(Xm.T * Xm) * (Xm.T * Ym)
        values = mp.svd_r(W, compute_uv=False)
        sigma = [values[i] for i in range(values.rows) if values[i] > mp.mpf(10) ** -40]
        c = mp.mpf(t) ** (2 - L)
        p = mp.mpf(2) / L
        return {
            "primal": c * mp.fsum(s**p for s in sigma) ** (1 / p),
            "dual": c * mp.fsum(sigma),
            "weight_decay": mp.mpf(L) / 2 * mp.fsum(s**p for s in sigma),
        }


def ill_conditioned(kappa: float, seed: int) -> Instance:
    rng = np.random.default_rng(seed)
    left = np.linalg.qr(rng.standard_normal((4, 3)))[0]
    right = np.linalg.qr(rng.standard_normal((3, 3)))[0]
    X = (left * np.logspace(0, -math.log10(kappa), 3)) @ right
    return Instance(X, X @ rng.standard_normal((3, 2)), L=3, t=1.0, label=f"κ = {kappa:g}")


@pytest.mark.parametrize("kappa", [1e2, 1e4, 1e6, 1e8, 1e10, 1e12, 1e14])
def test_certified_bounds_hold_at_every_conditioning(kappa):
    instance = ill_conditioned(kappa, seed=int(math.log10(kappa)))
    exact = reference_values(instance.X, instance.Y, instance.L, instance.t)
    for claim_id, key in (("linear-standard-gap", "primal"), ("weight-decay-schatten", None)):
        result = REGISTRY[claim_id].check(instance, CHEAP)
        assert result.verdict in (HOLDS, INCONCLUSIVE), result.details
        values = (
            {"primal": exact["primal"], "dual": exact["dual"]}
            if key
            else {"primal": exact["weight_decay"]}
        )
        for quantity, value in values.items():
            lo, hi = result.intervals[quantity]
            assert mp.mpf(lo) <= value <= mp.mpf(hi), (claim_id, kappa, quantity, lo, value, hi)
            if result.verdict == HOLDS:
                assert abs(result.predicted[quantity] - value) <= 1e-9 * value
    if kappa <= 1e4:
        assert REGISTRY["linear-standard-gap"].check(instance, CHEAP).verdict == HOLDS


@settings(max_examples=10)
@given(linear_instances(max_dim=3, depths=st.integers(2, 4)))
def test_generated_linear_bounds_contain_the_exact_values(instance):
    if instance.N < instance.d:
        return  # the reference solves the normal equations: full column rank only
    exact = reference_values(instance.X, instance.Y, instance.L, instance.t)
    result = REGISTRY["linear-standard-gap"].check(instance, CHEAP)
    for quantity in ("primal", "dual"):
        lo, hi = result.intervals[quantity]
        assert mp.mpf(lo) <= exact[quantity] <= mp.mpf(hi)


# --- degenerate and extreme instances ------------------------------------------------------------


def _degenerate(claim: Claim) -> list[tuple[str, object]]:
    """(what, instance factory) pairs at the edges of what a user may give."""
    base = claim.pinned_examples()[0].instance

    def like(X, Y, **scalars):
        fields = {"L": base.L, "t": base.t, "beta": base.beta, "width": base.width} | scalars
        return lambda: Instance(X, Y, **fields)

    X, Y = base.X, (base.Y[:, 0] if base.scalar_output else base.Y)
    return [
        ("zero labels", like(X, np.zeros_like(Y))),
        ("one row", like(X[:1], Y[:1])),
        ("one column", like(X[:, :1], Y)),
        ("duplicate rows", like(np.vstack([X, X[:1]]), np.concatenate([Y, Y[:1]]))),
        ("scale 1e150", like(X * 1e150, Y * 1e150)),
        ("scale 1e-150", like(X * 1e-150, Y * 1e-150)),
        ("labels 1e150", like(X, Y * 1e150)),
        ("tiny t", like(X, Y, t=1e-8) if base.t else like(X, Y)),
        ("huge t", like(X, Y, t=1e8) if base.t else like(X, Y)),
        ("tiny beta", like(X, Y, beta=1e-12) if base.beta else like(X, Y)),
        ("huge beta", like(X, Y, beta=1e12) if base.beta else like(X, Y)),
        ("deepest", like(X, Y, L=claim.max_depth)),
        ("too deep", like(X, Y, L=10**6)),
    ]


CASES = [(c.id, what, make) for c in REGISTRY.values() for what, make in _degenerate(c)]


@pytest.mark.parametrize(
    ("claim_id", "make"), [(c, m) for c, _, m in CASES], ids=[f"{c}: {w}" for c, w, _ in CASES]
)
def test_degenerate_and_extreme_instances_get_a_verdict_or_a_clean_refusal(claim_id, make):
    claim = REGISTRY[claim_id]
    try:
        instance = make()
        result = claim.check(instance, CHEAP)
    except InstanceError as exc:
        assert exc.field and str(exc)
        return
    assert result.verdict in VERDICTS
    for name, (lo, hi) in result.intervals.items():
        assert not lo > hi, (name, lo, hi, result.details)
