"""One test body shared by every registered claim (cf. scipy.optimize's shared method tests).

Each claim must: reach its recorded verdict on generated instances with every accepted bound
feasible within tolerance and every prediction inside its certified interval; reach the recorded
verdict on each pinned edge case; refute every one of its negative controls; refuse the inputs it
does not apply to, naming the field (:data:`REFUSED`); name every missing required field; be
reproducible from its seed; and produce strict JSON.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from verify.claims import REGISTRY, Budget
from verify.claims.weight_decay_low_rank import ORTHONORMAL_TOL
from verify.instances import Instance, InstanceError, from_mapping
from verify.result import HOLDS

CLAIMS = list(REGISTRY.values())
IDS = [claim.id for claim in CLAIMS]


@pytest.mark.parametrize("claim", CLAIMS, ids=IDS)
@given(data=st.data())
def test_generated_instances_reach_the_recorded_verdict(claim, data):
    instance = data.draw(claim.instances(), label="instance")
    result = claim.check(instance, Budget(seed=0, restarts=3))
    assert result.verdict == claim.expected, result.details
    for name, bound in result.bounds.items():
        if bound is not None:
            assert bound.residual <= result.tolerance, (name, bound)
    if result.verdict == HOLDS:
        for name, value in result.predicted.items():
            if name in result.intervals and math.isfinite(value):
                lo, hi = result.intervals[name]
                slack = result.tolerance * max(1.0, abs(value))
                assert lo - slack <= value <= hi + slack, (name, lo, value, hi)
    json.loads(result.dumps())


@pytest.mark.parametrize("claim", CLAIMS, ids=IDS)
def test_pinned_examples_reach_their_recorded_verdicts(claim):
    examples = claim.pinned_examples()
    assert examples, "every claim pins its edge cases"
    for example in examples:
        result = claim.check(example.instance)
        assert result.verdict == example.expected, (example.why, result.details)


@pytest.mark.parametrize("claim", CLAIMS, ids=IDS)
def test_every_negative_control_is_refuted(claim):
    controls = claim.negative_controls()
    assert len(controls) >= 2, "every claim ships negative controls"
    for control in controls:
        refuted, result = claim.refutes(control)
        assert refuted, (control.name, control.statement, result.intervals)


ANTIPODAL = (np.array([[1.0], [-1.0]]), np.array([1.0, -1.0]))
NOT_ORTHONORMAL = np.array([[1.0, 0.5], [0.0, 1.0], [0.0, 0.0]])

#: Instances each claim does not apply to: (claim, what is wrong, instance, field, fix fragment).
#: Each must be refused with an ``InstanceError`` naming the field (and the fix, where given).
REFUSED: list[tuple[str, str, Callable[[], Instance], str, str]] = [
    ("linear-standard-gap", "no t", lambda: Instance(np.eye(2), np.eye(2), L=3), "t", ""),
    ("linear-parallel-zero-gap", "no t", lambda: Instance(np.eye(2), np.eye(2), L=3), "t", ""),
    (
        "weight-decay-low-rank",
        "non-orthonormal X",
        lambda: Instance(NOT_ORTHONORMAL, np.ones((3, 1)), L=3, beta=1.0),
        "X",
        "qr",
    ),
    (
        "weight-decay-low-rank",
        "X orthonormal only up to 10× the tolerance",
        lambda: Instance(np.eye(2) * (1 + 10 * ORTHONORMAL_TOL), np.eye(2), L=3, beta=1.0),
        "X",
        "orthonormal",
    ),
    (
        "weight-decay-low-rank",
        "more columns than rows",
        lambda: Instance(np.ones((1, 2)) / np.sqrt(2), np.ones(1), L=3, beta=1.0),
        "X",
        "",
    ),
    ("weight-decay-low-rank", "no beta", lambda: Instance(np.eye(2), np.eye(2), L=3), "beta", ""),
    (
        "relu-parallel-zero-gap",
        "vector labels",
        lambda: Instance(np.eye(3), np.eye(3)[:, :2], L=2, t=1.0),
        "Y",
        "1-D",
    ),
    (
        "relu-parallel-zero-gap",
        "L = 8 on general data (the largest supported depth is 7)",
        lambda: Instance(np.eye(2), [1.0, -1.0], L=8, t=1.0),
        "L",
        "largest supported depth",
    ),
    ("relu-parallel-zero-gap", "no t", lambda: Instance(np.eye(2), [1.0, -1.0], L=3), "t", ""),
    (
        "relu-parallel-zero-gap",
        "program too large",
        lambda: Instance(np.vstack([np.eye(3), np.ones((9, 3))]), np.ones(12), L=3, t=1.0),
        "X",
        "reduce",
    ),
    (
        "relu-rank1-standard",
        "rank-2 X",
        lambda: Instance(np.eye(2), np.ones(2), L=3, t=1.0),
        "X",
        "",
    ),
    (
        "relu-rank1-standard",
        "zero X",
        lambda: Instance(np.zeros((2, 2)), np.zeros(2), L=3, t=1.0),
        "X",
        "",
    ),
    (
        "relu-rank1-standard",
        "rank 1 only up to 1e-6",
        lambda: Instance(np.outer([1, 2], [1, 1]) + 1e-6 * np.eye(2), np.ones(2), L=3, t=1.0),
        "X",
        "",
    ),
    ("relu-rank1-standard", "no t", lambda: Instance(*ANTIPODAL, L=3), "t", ""),
    ("relu-rank1-standard", "L = 2", lambda: Instance(*ANTIPODAL, t=1.0), "L", ""),
    (
        "relu-rank1-standard",
        "L above the largest supported depth",
        lambda: Instance(*ANTIPODAL, L=65, t=1.0),
        "L",
        "largest supported depth 64",
    ),
    (
        "relu-rank1-standard",
        "width 1",
        lambda: Instance(*ANTIPODAL, L=3, t=1.0, width=1),
        "width",
        "",
    ),
]


@pytest.mark.parametrize(
    ("claim_id", "make", "field", "fix"),
    [(claim_id, make, field, fix) for claim_id, _, make, field, fix in REFUSED],
    ids=[f"{claim_id}: {why}" for claim_id, why, *_ in REFUSED],
)
def test_inputs_a_claim_does_not_apply_to_are_refused_naming_the_field(claim_id, make, field, fix):
    with pytest.raises(InstanceError) as info:
        REGISTRY[claim_id].check(make(), Budget(seed=0, restarts=1))
    assert info.value.field == field
    assert fix.lower() in str(info.value).lower()


@pytest.mark.parametrize("claim", CLAIMS, ids=IDS)
def test_every_missing_required_field_is_named(claim):
    complete = claim.pinned_examples()[0].instance
    for name in claim.required:
        data = {"X": complete.X, "Y": complete.Y}
        data |= {other: getattr(complete, other) for other in claim.required if other != name}
        with pytest.raises(InstanceError) as info:
            from_mapping(data, claim.required)
        assert info.value.field == name


@pytest.mark.parametrize("claim", CLAIMS, ids=IDS)
def test_a_check_is_reproducible_from_its_seed(claim):
    instance = claim.pinned_examples()[0].instance
    first, second = (claim.check(instance, Budget(seed=7)).to_json() for _ in range(2))
    for volatile in ("elapsed_s",):
        first.pop(volatile), second.pop(volatile)
    assert first == second


def test_claims_are_numbered_and_described():
    numbers = [int(claim.number.lstrip("C")) for claim in CLAIMS]
    assert numbers == sorted(numbers)
    for claim in CLAIMS:
        description = claim.describe()
        assert all(description[key] for key in ("id", "title", "source", "statement"))
        module_doc = __import__(claim.__class__.__module__, fromlist=["x"]).__doc__
        for heading in ("Statement", "Formulation", "Source", "How it is verified", "Known limits"):
            assert heading in module_doc, (claim.id, heading)
