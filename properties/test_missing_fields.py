"""A missing field is a one-line error that names the field and a value to add (claim-specific
where the claim gives one), on the library path and on the command line (exit code 2)."""

from __future__ import annotations

import numpy as np
import pytest

from verify.claims import REGISTRY
from verify.cli import main
from verify.instances import ACCEPTABLE_VALUES, FIELDS, Instance, InstanceError, from_mapping

CLAIMS = list(REGISTRY.values())
IDS = [claim.id for claim in CLAIMS]
#: a value of every scalar field, to build instances that lack exactly one
PRESENT = {"L": 3, "t": 1.0, "beta": 0.5, "width": 2}


def test_every_field_has_a_generic_acceptable_value():
    assert set(ACCEPTABLE_VALUES) == set(FIELDS)


@pytest.mark.parametrize("claim", CLAIMS, ids=IDS)
def test_every_required_field_has_a_claim_hint(claim):
    assert set(claim.required) <= set(claim.field_hints), claim.field_hints
    assert all(hint.strip() for hint in claim.field_hints.values())


@pytest.mark.parametrize("claim", CLAIMS, ids=IDS)
def test_missing_required_field_names_the_claims_value(claim):
    for name in claim.required:
        data = {"X": np.eye(2), "Y": np.eye(2), **{k: PRESENT[k] for k in claim.required}}
        del data[name]
        with pytest.raises(InstanceError) as caught:
            from_mapping(data, claim.required, claim.field_hints)
        assert caught.value.field == name
        expected = f"{name}: is missing from the instance: add {name} = {claim.field_hints[name]}"
        assert str(caught.value) == expected


def test_rank1_claim_message_names_the_depths():
    with pytest.raises(InstanceError) as caught:
        from_mapping({"X": [[1.0], [-1.0]], "Y": [1.0, -1.0], "t": 1.0}, ("L", "t"),
                     REGISTRY["relu-rank1-standard"].field_hints)  # fmt: skip
    assert str(caught.value) == (
        "L: is missing from the instance: add L = 3 (the number of weight layers: any 3 ≤ L ≤ 64)"
    )


@pytest.mark.parametrize("name", ["X", "Y", "L", "t", "beta", "width"])
def test_without_hints_a_generic_value_is_named(name):
    data = {"X": np.eye(2), "Y": np.eye(2), **PRESENT}
    del data[name]
    with pytest.raises(InstanceError) as caught:
        from_mapping(data, ("L", "t", "beta", "width"))
    assert str(caught.value) == (
        f"{name}: is missing from the instance: add {name} = {ACCEPTABLE_VALUES[name]}"
    )


def test_require_names_an_acceptable_value():
    instance = Instance(np.eye(2), np.eye(2), L=3)
    with pytest.raises(InstanceError, match=r"^t: is required by this claim: add t = a positive"):
        instance.require("t")
    with pytest.raises(InstanceError, match=r"^beta: is required by this claim: add beta = 0\.5$"):
        instance.require("beta", hints={"beta": "0.5"})


def test_cli_missing_field_is_one_line_with_the_hint(capsys, tmp_path):
    path = tmp_path / "no_depth.npz"
    np.savez(path, X=np.array([[1.0], [-1.0]]), Y=np.array([1.0, -1.0]), t=1.0)
    code = main(["check", "relu-rank1-standard", "--instance", str(path)])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert err == (
        "dualgap: error: L: is missing from the instance: "
        "add L = 3 (the number of weight layers: any 3 ≤ L ≤ 64)\n"
    )
