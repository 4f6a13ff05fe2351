"""C6: the two hypotheses that rescue the abstract's rank-1 statement, and what happens without.

Under the project's formulation (``docs/formulations/C6-relu-rank1-standard.md``) the
abstract's "strong duality holds for three-layer standard ReLU networks given rank-1 data
matrices" fails when read without further hypotheses. Instances are built here from drawn
``c``, ``a``, ``α``, ``γ`` (``X = c aᵀ``, ``Y = c₊αᵀ + c₋γᵀ``) and checked through the C6 claim;
the expected values come from the drawn quantities, not from :mod:`verify.rank1`:

* one-signed data (``c ≥ 0`` or ``c ≤ 0``): a certified zero gap for every interpolable ``Y``,
  ``P = D = ‖α‖/(t‖a‖)`` (``α`` the labels' direction on the one side present);
* one-signed labels (all label rows non-negative multiples of one vector; scalar labels of one
  sign), ``c`` with both signs: a certified zero gap, ``P = D = (‖α‖ + ‖γ‖)/(t‖a‖)``;
* negative control, both hypotheses dropped (``c`` with both signs, ``α·γ < ‖α‖‖γ‖``, including
  entrywise non-negative vector labels that are not aligned): a certified positive gap.
"""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from verify.claims import Budget, get
from verify.instances import Instance
from verify.result import FAILS, HOLDS
from verify.strategies import log_uniform, orthonormal_columns, rotation_seeds

CLAIM = get("relu-rank1-standard")
BUDGET = Budget(seed=0, restarts=2, max_iter=400)
#: agreement of the certified values with the independently computed ones
RTOL = 1e-9
#: the smallest angle between ``α`` and ``γ`` when the labels are not aligned: keeps every gap
#: far above the claim's tolerance
MIN_ANGLE = 0.3


def unit_vector(rng: np.random.Generator, size: int) -> np.ndarray:
    return orthonormal_columns(rng, size, 1)[:, 0]


@st.composite
def data_factors(draw: st.DrawFn, both_signs: bool) -> tuple[np.ndarray, np.ndarray]:
    """``(c, a)``: ``c`` with both signs, or one-signed (either sign, possibly a zero entry)."""
    rng = draw(rotation_seeds())
    positives = draw(st.integers(1, 4))
    negatives = draw(st.integers(1, 3)) if both_signs else 0
    zeros = draw(st.integers(0, 1))
    signs = np.array([1.0] * positives + [-1.0] * negatives + [0.0] * zeros)
    if not both_signs and draw(st.booleans()):
        signs = -signs
    c = rng.permutation(signs * np.array([draw(log_uniform(0.3, 3.0)) for _ in signs]))
    a = unit_vector(rng, draw(st.integers(1, 3))) * draw(log_uniform(0.3, 3.0))
    return c, a


def instance_of(c: np.ndarray, a: np.ndarray, alpha: np.ndarray, gamma: np.ndarray, t: float):
    Y = np.outer(np.maximum(c, 0.0), alpha) + np.outer(np.maximum(-c, 0.0), gamma)
    return Instance(np.outer(c, a), Y[:, 0] if alpha.size == 1 else Y, L=3, t=t)


def side_norms(c: np.ndarray, alpha: np.ndarray, gamma: np.ndarray) -> tuple[float, float]:
    """``‖α‖``, ``‖γ‖`` for the sides present in ``c`` (an absent side carries no label)."""
    return (
        float(np.linalg.norm(alpha)) if np.any(c > 0) else 0.0,
        float(np.linalg.norm(gamma)) if np.any(c < 0) else 0.0,
    )


def assert_certified_zero_gap(instance: Instance, value: float) -> None:
    result = CLAIM.check(instance, BUDGET)
    assert result.verdict == HOLDS, result.details
    lower, upper = result.intervals["gap"]
    assert upper <= result.tolerance * max(1.0, result.primal_value), (lower, upper)
    assert math.isclose(result.primal_value, value, rel_tol=RTOL)
    assert math.isclose(result.dual_value, value, rel_tol=RTOL)
    assert result.extra["zero_gap_condition"] is True
    assert result.extra["abstract_reading"] == HOLDS == result.extra["paper_claim"]


@given(factors=data_factors(both_signs=False), seed=rotation_seeds(), data=st.data())
def test_one_signed_data_has_zero_gap_for_every_interpolable_label(factors, seed, data):
    c, a = factors
    K = data.draw(st.integers(1, 3), label="K")
    # any labels on the one side present, of any sign pattern
    labels = seed.standard_normal(K) * data.draw(log_uniform(0.1, 10.0), label="size")
    t = data.draw(log_uniform(1 / 3, 3.0), label="t")
    instance = instance_of(c, a, labels, labels, t)
    assert_certified_zero_gap(instance, float(np.linalg.norm(labels)) / (t * np.linalg.norm(a)))


@given(factors=data_factors(both_signs=True), seed=rotation_seeds(), data=st.data())
def test_one_signed_labels_have_zero_gap(factors, seed, data):
    c, a = factors
    K = data.draw(st.integers(1, 3), label="K")
    direction = unit_vector(seed, K) * data.draw(st.sampled_from([1.0, -1.0]), label="sign")
    p = data.draw(log_uniform(0.1, 10.0), label="p")
    q = data.draw(st.just(0.0) | log_uniform(0.1, 10.0), label="q")
    alpha, gamma = p * direction, q * direction
    t = data.draw(log_uniform(1 / 3, 3.0), label="t")
    norm_alpha, norm_gamma = side_norms(c, alpha, gamma)
    value = (norm_alpha + norm_gamma) / (t * np.linalg.norm(a))
    assert_certified_zero_gap(instance_of(c, a, alpha, gamma, t), value)


@st.composite
def unaligned_labels(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray]:
    """``(α, γ)`` with ``α·γ < ‖α‖‖γ‖``: scalar labels of opposite signs, vector labels at an
    angle of at least :data:`MIN_ANGLE`, or entrywise non-negative vector labels, not aligned."""
    p, q = draw(log_uniform(0.3, 3.0)), draw(log_uniform(0.3, 3.0))
    kind = draw(st.sampled_from(["scalar", "vector", "non-negative"]))
    if kind == "scalar":
        sign = draw(st.sampled_from([1.0, -1.0]))
        return np.array([sign * p]), np.array([-sign * q])
    if kind == "non-negative":
        first = draw(st.floats(0.0, math.pi / 2 - MIN_ANGLE))
        second = draw(st.floats(first + MIN_ANGLE, math.pi / 2))
        return (
            p * np.array([math.cos(first), math.sin(first)]),
            q * np.array([math.cos(second), math.sin(second)]),
        )
    rng = draw(rotation_seeds())
    K = draw(st.integers(2, 3))
    frame = orthonormal_columns(rng, K, 2)
    angle = draw(st.floats(MIN_ANGLE, math.pi))
    return p * frame[:, 0], q * (math.cos(angle) * frame[:, 0] + math.sin(angle) * frame[:, 1])


@given(factors=data_factors(both_signs=True), labels=unaligned_labels(), data=st.data())
def test_without_the_hypotheses_the_gap_is_certified_positive(factors, labels, data):
    c, a = factors
    alpha, gamma = labels
    t = data.draw(log_uniform(1 / 3, 3.0), label="t")
    result = CLAIM.check(instance_of(c, a, alpha, gamma, t), BUDGET)
    assert result.verdict == HOLDS, result.details
    lower, _ = result.intervals["gap"]
    assert lower > result.tolerance * max(1.0, result.primal_value), result.intervals
    assert result.extra["zero_gap_condition"] is False
    assert result.extra["abstract_reading"] == FAILS == result.extra["paper_claim"]
    s = t * float(np.linalg.norm(a))
    norm_alpha, norm_gamma = float(np.linalg.norm(alpha)), float(np.linalg.norm(gamma))
    assert math.isclose(result.dual_value, (norm_alpha + norm_gamma) / s, rel_tol=RTOL)
    if float(alpha @ gamma) < 0:
        l23 = (norm_alpha ** (2 / 3) + norm_gamma ** (2 / 3)) ** 1.5 / s
        assert math.isclose(result.primal_value, l23, rel_tol=RTOL)
    # the gap is at most a factor √2 (attained at α = −γ)
    assert result.primal_value <= math.sqrt(2) * result.dual_value * (1 + RTOL)
