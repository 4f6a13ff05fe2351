"""The shipped real data (``verify/data/penguins.csv``) and its instances (:mod:`verify.datasets`).

Expected counts and statistics are computed here from the CSV with the standard library's
``csv`` module and exact fractions, independently of the loader.
"""

from __future__ import annotations

import csv
from collections import Counter
from fractions import Fraction
from statistics import fmean, pstdev

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from verify.claims.base import Budget
from verify.claims.relu_parallel_zero_gap import ReluParallelZeroGap
from verify.datasets import (
    DEFAULT_FEATURES,
    DEFAULT_SPECIES,
    MEASUREMENTS,
    PENGUINS,
    WorkedExample,
    main,
    read_penguins,
    subset,
    two_class,
    worked_example,
)
from verify.instances import Instance, InstanceError, load
from verify.report import real_data_section
from verify.result import HOLDS, INFEASIBLE


def _raw_rows() -> list[dict[str, str]]:
    with PENGUINS.open(newline="") as handle:
        return list(csv.DictReader(handle))


def test_the_csv_loads_with_the_stated_shape():
    table = read_penguins()
    assert table.measurements.shape == (342, 4)
    assert table.columns == MEASUREMENTS
    assert np.all(np.isfinite(table.measurements))
    assert Counter(table.species.tolist()) == {"Adelie": 151, "Chinstrap": 68, "Gentoo": 123}
    raw = _raw_rows()
    assert [float(row["body_mass_g"]) for row in raw] == table.column("body_mass_g").tolist()


def test_the_full_rows_have_no_duplicates_but_bill_measurements_do():
    raw = _raw_rows()
    full = Counter(tuple(row[name] for name in MEASUREMENTS) for row in raw)
    assert max(full.values()) == 1
    bills = Counter((row["bill_length_mm"], row["bill_depth_mm"], row["species"]) for row in raw)
    repeated = {key for key, count in bills.items() if count > 1}
    # four repeated (length, depth) pairs, each within one species: no conflicting labels
    assert {key[2] for key in repeated} == {"Adelie", "Gentoo"} and len(repeated) == 4


def test_the_default_two_class_data_has_no_duplicates_and_is_standardised_over_all_rows():
    data = two_class(read_penguins())
    raw = _raw_rows()
    kept = [raw[i] for i in data.rows]
    assert len(kept) == 217 and data.duplicates_dropped == 2
    assert {row["species"] for row in kept} == set(DEFAULT_SPECIES)
    assert len({tuple(row[name] for name in DEFAULT_FEATURES) for row in kept}) == len(kept)
    assert len({tuple(x) for x in data.X.tolist()}) == len(kept)
    for column, name in enumerate(DEFAULT_FEATURES):
        values = [float(row[name]) for row in raw]
        expected = [(float(row[name]) - fmean(values)) / pstdev(values) for row in kept]
        np.testing.assert_allclose(data.X[:, column], expected, rtol=1e-12, atol=1e-12)
    labels = [1.0 if row["species"] == DEFAULT_SPECIES[0] else -1.0 for row in kept]
    assert data.y.tolist() == labels


def test_raw_bill_measurements_put_points_on_one_ray_and_standardised_ones_do_not():
    """Without a bias a two-layer ReLU network is positively homogeneous, f(cx) = c f(x): two
    points on one ray with the same label ±1 and c ≠ 1 cannot both be interpolated. The raw
    millimetres have such pairs; the standardised data has none."""
    raw = _raw_rows()
    chosen = [row for row in raw if row["species"] in DEFAULT_SPECIES]
    rays: dict[Fraction, set[tuple[str, str]]] = {}
    for row in chosen:
        point = (row["bill_length_mm"], row["bill_depth_mm"])
        rays.setdefault(Fraction(point[0]) / Fraction(point[1]), set()).add(point)
    assert sum(len(points) > 1 for points in rays.values()) == 2
    X = two_class(read_penguins()).X
    unit = X / np.linalg.norm(X, axis=1, keepdims=True)
    cosines = unit @ unit.T - 2 * np.eye(len(X))
    assert cosines.max() < 1 - 1e-10


@given(st.integers(2, 217), st.integers(0, 2**32 - 1))
def test_a_subset_is_rows_of_the_full_data_in_order_and_reproducible(points, seed):
    full = two_class(read_penguins())
    part = subset(full, points, seed)
    assert len(part.rows) == points and np.all(np.diff(part.rows) > 0)
    where = np.searchsorted(full.rows, part.rows)
    np.testing.assert_array_equal(full.rows[where], part.rows)
    np.testing.assert_array_equal(full.X[where], part.X)
    np.testing.assert_array_equal(full.y[where], part.y)
    np.testing.assert_array_equal(subset(full, points, seed).rows, part.rows)


def test_bad_choices_name_the_field():
    table = read_penguins()
    with pytest.raises(InstanceError, match="features"):
        two_class(table, ("beak",))
    with pytest.raises(InstanceError, match="species"):
        two_class(table, DEFAULT_FEATURES, ("Adelie", "Adelie"))
    with pytest.raises(InstanceError, match="points"):
        subset(two_class(table), 1, 0)


def test_the_script_writes_an_instance_and_refuses_bad_input(tmp_path, capsys):
    out = tmp_path / "penguins.npz"
    assert main([str(out), "--points", "30", "--seed", "3"]) == 0
    instance = load(out)
    assert (instance.N, instance.d, instance.L) == (30, 2, 2)
    np.testing.assert_array_equal(instance.X, subset(two_class(read_penguins()), 30, 3).X)
    bad = tmp_path / "bad.npz"
    assert main([str(bad), "--species", "Adelie", "Emperor"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: species:") and "\n" not in err
    assert not bad.exists()
    for wrong in (tmp_path / "penguins.txt", tmp_path / "missing" / "penguins.npz"):
        assert main([str(wrong)]) == 2
        assert capsys.readouterr().err.startswith("error: out:")
        assert not wrong.exists()


@pytest.fixture(scope="module")
def example() -> WorkedExample:
    return worked_example(12, seed=1, starts=4, iterations=300)


def test_a_small_subset_is_certified_and_training_never_beats_it(example):
    result, training = example.result, example.training
    assert example.instance.d == 3 and np.all(example.instance.X[:, -1] == 1.0)
    assert result.verdict == HOLDS
    assert training.usable > 0
    tolerance = result.tolerance * max(1.0, result.primal_value)
    assert result.dual_value <= training.best  # weak duality: no feasible network is cheaper
    assert result.primal_value <= training.best + tolerance
    assert result.primal_value - result.dual_value <= tolerance


def test_the_report_section_shows_the_certified_bounds_and_the_training(example):
    text = "\n".join(real_data_section(example))
    assert text.startswith("## Real data: Palmer penguins")
    assert "N = 12, d = 3" in text and "**holds**" in text
    for value in (example.result.primal_value, example.result.dual_value, example.training.best):
        assert f"{value:.10g}" in text
    assert f"{example.training.reached} of {example.training.usable} usable" in text


def test_raw_points_on_one_ray_are_certified_infeasible_without_a_bias():
    """The two raw pairs on one ray (each within one species: equal labels ±1 cannot be fitted
    when f(cx) = c f(x) with c ≠ 1), with one more point of each species; a bias fixes it."""
    table = read_penguins()
    bills = np.column_stack([table.column(name) for name in DEFAULT_FEATURES])
    pairs = [(39.2, 19.6), (40.2, 20.1), (52.8, 20.0), (46.2, 17.5), (39.1, 18.7), (50.0, 19.5)]
    rows = [int(np.flatnonzero(np.all(bills == point, axis=1))[0]) for point in pairs]
    species = table.species[rows]
    assert species.tolist()[:4] == ["Adelie", "Adelie", "Chinstrap", "Chinstrap"]
    y = np.where(species == "Adelie", 1.0, -1.0)
    instance = Instance(X=bills[rows], Y=y, L=2, t=1.0)
    claim = ReluParallelZeroGap()
    assert claim.check(instance, Budget(seed=0, restarts=1)).verdict == INFEASIBLE
    assert claim.check(instance.with_bias(), Budget(seed=0, restarts=1)).verdict == HOLDS
