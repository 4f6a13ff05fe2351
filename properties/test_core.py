"""Core objects: instance validation and files, bounds and judging, Schatten quasi-norms."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from properties.strategies import bad_scalars, spectra
from verify.instances import Instance, InstanceError, from_mapping, load
from verify.linalg import (
    least_squares_solution,
    matrix_schatten_quasi_norm,
    numerical_rank,
    schatten_quasi_norm,
)
from verify.result import FAILS, HOLDS, INCONCLUSIVE, Bound, judge


@given(bad_scalars())
def test_bad_scalars_are_rejected_naming_the_field(bad):
    field, value = bad
    with pytest.raises(InstanceError) as info:
        Instance(np.eye(2), np.eye(2), **{"L": 3, field: value})
    assert info.value.field == field
    assert str(info.value).startswith(f"{field}: ")


@pytest.mark.parametrize(
    ("X", "Y", "field"),
    [
        (np.array([[1.0, np.nan]]), np.ones(1), "X"),
        (np.eye(2), np.array([1.0, np.inf]), "Y"),
        (np.ones(3), np.ones(3), "X"),
        (np.ones((3, 2)), np.ones(2), "Y"),
        (np.ones((2, 2, 2)), np.ones(2), "X"),
        (np.ones((2, 2)), np.ones((2, 2, 1)), "Y"),
        (np.empty((0, 2)), np.empty(0), "X"),
        ([["a", "b"]], np.ones(1), "X"),
    ],
)
def test_bad_arrays_are_rejected_naming_the_field(X, Y, field):
    with pytest.raises(InstanceError) as info:
        Instance(X, Y, L=3, t=1.0)
    assert info.value.field == field


def test_instances_are_immutable_and_copy_their_input():
    X = np.eye(2)
    instance = Instance(X, np.ones(2), L=3, t=1.0)
    X[0, 0] = 7.0
    assert instance.X[0, 0] == 1.0
    with pytest.raises(ValueError):
        instance.X[0, 0] = 3.0
    assert instance.scalar_output and instance.K == 1


def test_npz_and_json_round_trip(tmp_path):
    instance = Instance(np.arange(6.0).reshape(3, 2), np.ones(3), L=4, t=0.5, beta=2.0, width=3)
    instance.save_npz(tmp_path / "a.npz")
    (tmp_path / "a.json").write_text(__import__("json").dumps(instance.to_json()))
    for name in ("a.npz", "a.json"):
        loaded = load(tmp_path / name)
        assert np.array_equal(loaded.X, instance.X) and np.array_equal(loaded.Y, instance.Y)
        assert (loaded.L, loaded.t, loaded.beta, loaded.width) == (4, 0.5, 2.0, 3)
        assert loaded.scalar_output


def test_missing_files_and_fields_are_named(tmp_path):
    with pytest.raises(InstanceError, match="does not exist"):
        load(tmp_path / "nope.npz")
    np.savez(tmp_path / "noy.npz", X=np.eye(2), L=3)
    with pytest.raises(InstanceError) as info:
        load(tmp_path / "noy.npz")
    assert info.value.field == "Y"
    np.savez(tmp_path / "not.npz", X=np.eye(2), Y=np.eye(2))
    with pytest.raises(InstanceError) as info:
        load(tmp_path / "not.npz", required=("L", "t"))
    assert info.value.field == "L"
    (tmp_path / "garbage.npz").write_bytes(b"not a zip")
    with pytest.raises(InstanceError, match=r"not an \.npz archive"):
        load(tmp_path / "garbage.npz")
    with pytest.raises(InstanceError) as info:
        from_mapping({"X": np.eye(2), "Y": np.eye(2), "gamma": 1})
    assert info.value.field == "gamma"


def test_with_bias_appends_a_column_of_ones():
    instance = Instance(np.eye(2), np.ones(2), L=2).with_bias()
    assert instance.X.shape == (2, 3) and np.all(instance.X[:, 2] == 1.0)


def test_judge_distinguishes_holds_fails_inconclusive():
    intervals = {"primal": (2.0, 2.0), "dual": (1.0, 3.0)}
    assert judge({"primal": 2.0}, intervals, 1e-9) == HOLDS
    assert judge({"primal": 2.1}, intervals, 1e-9) == FAILS
    assert judge({"dual": 2.0}, intervals, 1e-9) == INCONCLUSIVE
    assert judge({"dual": 3.5}, intervals, 1e-9) == FAILS
    assert judge({"primal": math.inf}, {"primal": (math.inf, math.inf)}, 1e-9) == HOLDS
    assert judge({"primal": 1.0}, {"primal": (math.inf, math.inf)}, 1e-9) == FAILS


def test_bound_kinds_are_a_closed_vocabulary():
    with pytest.raises(ValueError):
        Bound(1.0, "hope")
    assert Bound(math.inf, "closed-form").to_json()["value"] is None


@given(st.integers(1, 5).flatmap(lambda n: spectra(n, 0.01, 100.0)))
def test_schatten_quasi_norm_special_cases(s):
    assert schatten_quasi_norm(s, 1.0) == pytest.approx(np.sum(s), rel=1e-12)
    assert schatten_quasi_norm(s, 2.0) == pytest.approx(np.sqrt(np.sum(s**2)), rel=1e-12)
    for L in (3, 4, 8):  # p < 1: above the nuclear norm, equal iff rank one
        value = schatten_quasi_norm(s, 2 / L)
        assert value >= np.sum(s) * (1 - 1e-12)
        if s.size == 1:
            assert value == pytest.approx(s[0], rel=1e-12)


def test_rounding_noise_does_not_inflate_small_p_quasi_norms():
    u = np.array([[1.0], [2.0], [3.0]])
    product = (u @ u.T) @ np.diag([1.0, 1.0, 1.0 + 1e-16])
    assert matrix_schatten_quasi_norm(product, 2 / 7) == pytest.approx(14.0, rel=1e-12)
    assert numerical_rank(product) == 1


def test_least_squares_solution_reports_the_range_residual():
    X = np.vstack([np.eye(2), np.zeros((1, 2))])
    W, residual = least_squares_solution(X, np.array([[1.0], [2.0], [0.0]]))
    assert residual == pytest.approx(0.0, abs=1e-15) and W[:, 0] == pytest.approx([1.0, 2.0])
    _, residual = least_squares_solution(X, np.array([[0.0], [0.0], [1.0]]))
    assert residual == pytest.approx(1.0)
