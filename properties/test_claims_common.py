"""One test body shared by every registered claim (cf. scipy.optimize's shared method tests).

Each claim must: reach its recorded verdict on generated instances with every accepted bound
feasible within tolerance and every prediction inside its certified interval; reach the recorded
verdict on each pinned edge case; refute every one of its negative controls; be reproducible
from its seed; and produce strict JSON.
"""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from verify.claims import REGISTRY, Budget
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
