"""Table 1: instances drawn per cell (stratified by depth and condition), cells decided from the
certified gaps.

The runs are real (the four claims behind Table 1, their pinned examples and negative controls,
instances drawn per cell) on a cheap budget; the expected numbers are computed here
independently, from the instances' arrays with numpy, or from facts proved in the claim modules.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import replace

import numpy as np
import pytest

from verify.claims import Budget, get
from verify.result import INCONCLUSIVE, INFEASIBLE
from verify.runner import ClaimRun, run_claims
from verify.table1 import (
    CELLS,
    CONDITIONAL,
    CONTRADICTED,
    GAP,
    NOT_ESTABLISHED,
    NOT_RUN,
    RANK_ONE,
    ZERO_GAP,
    CellSpec,
    Stratum,
    cell_instances,
    depth_of,
    stratum_seed,
    table1,
)

CHEAP = Budget(seed=0, restarts=1, solver=False, max_iter=200)
SEED, MINIMUM = 0, 3
TABLE_CLAIMS = (
    "linear-standard-gap",
    "linear-parallel-zero-gap",
    "relu-parallel-zero-gap",
    "relu-rank1-standard",
)

#: The verdict the project records for each cell (activation, architecture, depth).
RECORDED = {
    ("linear", "standard", "2"): ZERO_GAP,
    ("linear", "standard", "3"): GAP,
    ("linear", "standard", "≥ 4"): GAP,
    ("linear", "parallel", "2"): ZERO_GAP,
    ("linear", "parallel", "3"): ZERO_GAP,
    ("linear", "parallel", "≥ 4"): ZERO_GAP,
    ("ReLU", "standard", "2"): ZERO_GAP,
    ("ReLU", "standard", "3"): CONDITIONAL,
    ("ReLU", "standard", "≥ 4"): CONDITIONAL,
    ("ReLU", "parallel", "2"): ZERO_GAP,
    ("ReLU", "parallel", "3"): ZERO_GAP,
    ("ReLU", "parallel", "≥ 4"): ZERO_GAP,
}


@pytest.fixture(scope="module")
def drawn() -> dict:
    return cell_instances(MINIMUM, SEED)


@pytest.fixture(scope="module")
def runs(drawn) -> list[ClaimRun]:
    claims = [get(claim_id) for claim_id in TABLE_CLAIMS]
    return run_claims(claims, 0, SEED, CHEAP, instances=drawn)


def _by_claim(runs: list[ClaimRun], claim_id: str) -> ClaimRun:
    return next(run for run in runs if run.claim.id == claim_id)


def _cells(runs: list[ClaimRun], minimum: int = MINIMUM) -> dict[tuple[str, str, str], object]:
    return {(c.activation, c.architecture, c.depth): c for c in table1(runs, minimum)}


def _rank(X: np.ndarray, Y: np.ndarray) -> int:
    """``rank(X⁺Y)`` from numpy's pseudo-inverse and SVD."""
    s = np.linalg.svd(np.linalg.pinv(X) @ Y.reshape(len(Y), -1), compute_uv=False)
    return int(np.sum(s > 1e-9 * s[0]))


def _aligned_rows(Y: np.ndarray) -> bool:
    """Whether every label row is a non-negative multiple of one vector (C6's condition),
    from the label matrix alone: rank ≤ 1 and no two rows pointing apart."""
    Y = Y.reshape(len(Y), -1)
    s = np.linalg.svd(Y, compute_uv=False)
    if s[0] == 0.0:
        return True
    return bool(np.all(s[1:] <= 1e-9 * s[0]) and np.all(Y @ Y.T >= -1e-9 * s[0] ** 2))


# --- drawing --------------------------------------------------------------------------------


def test_every_cell_backed_by_a_claim_draws_from_strata():
    for spec in CELLS:
        assert (spec.claim is None) == (not spec.strata)
        if spec.condition is not None:
            assert sorted(s.zero_side for s in spec.strata) == [False, True]


def test_each_depth_column_gets_its_share_of_instances(drawn):
    per_side = math.ceil(MINIMUM / 2)
    depths = {claim: Counter(depth_of(i.L) for i in found) for claim, found in drawn.items()}
    assert set(drawn) == set(TABLE_CLAIMS)
    assert depths["linear-standard-gap"] == {"2": MINIMUM, "3": 2 * per_side, "≥ 4": 2 * per_side}
    assert depths["linear-parallel-zero-gap"] == {"2": MINIMUM, "3": MINIMUM, "≥ 4": MINIMUM}
    # the two C5 cells at L = 2 share one stratum: drawn once
    assert depths["relu-parallel-zero-gap"] == {"2": MINIMUM, "3": MINIMUM, "≥ 4": 2 * per_side}
    assert depths["relu-rank1-standard"] == {"3": 2 * per_side, "≥ 4": 2 * per_side}
    deep = [i.L for i in drawn["linear-standard-gap"] if i.L >= 4]
    assert all(4 <= L <= 8 for L in deep)


def test_stratification_covers_both_sides_of_each_condition(drawn):
    """Checked from the arrays, not from the claims' own condition."""
    per_side = math.ceil(MINIMUM / 2)
    for depth in ("3", "≥ 4"):
        instances = [i for i in drawn["linear-standard-gap"] if depth_of(i.L) == depth]
        ranks = Counter(_rank(i.X, i.Y) == 1 for i in instances)
        assert ranks == {True: per_side, False: per_side}
    for depth in ("3", "≥ 4"):
        instances = [i for i in drawn["relu-rank1-standard"] if depth_of(i.L) == depth]
        aligned = Counter(_aligned_rows(i.Y) for i in instances)
        assert aligned == {True: per_side, False: per_side}


def test_cell_instances_are_reproducible_from_the_seed(drawn):
    again = cell_instances(MINIMUM, SEED)
    other = cell_instances(MINIMUM, SEED + 1)
    for claim, instances in drawn.items():
        assert len(again[claim]) == len(instances) == len(other[claim])
        for first, second in zip(instances, again[claim], strict=True):
            assert np.array_equal(first.X, second.X) and np.array_equal(first.Y, second.Y)
            assert (first.L, first.t) == (second.L, second.t)
        assert any(
            a.X.shape != b.X.shape or not np.allclose(a.X, b.X)
            for a, b in zip(instances, other[claim], strict=True)
        )
    seeds = {stratum_seed(SEED, spec.claim, s.name) for spec in CELLS for s in spec.strata}
    strata = {(spec.claim, s.name) for spec in CELLS for s in spec.strata}
    assert len(seeds) == len(strata)


def test_cell_instances_can_be_limited_to_some_claims():
    drawn = cell_instances(2, SEED, ["relu-rank1-standard", "weight-decay-schatten"])
    # two cells (L = 3 and L ≥ 4), one instance from each of their two strata
    assert list(drawn) == ["relu-rank1-standard"] and len(drawn["relu-rank1-standard"]) == 4
    assert cell_instances(0, SEED)["linear-standard-gap"] == []


def test_a_cell_with_a_condition_needs_a_stratum_on_each_side():
    one_side = (CELLS[1].strata[0],)
    with pytest.raises(ValueError, match="one stratum per side"):
        CellSpec("linear", "standard", "3", "linear-standard-gap", GAP, "", RANK_ONE, one_side)
    with pytest.raises(ValueError, match="strata exactly when a claim backs it"):
        CellSpec("linear", "standard", "3", "linear-standard-gap", GAP, "")
    with pytest.raises(ValueError, match="needs its condition"):
        CellSpec("ReLU", "standard", "3", "c", CONDITIONAL, "", None, (Stratum("s", None),))


# --- deciding -------------------------------------------------------------------------------


def test_table1_has_the_recorded_verdict_in_every_cell(runs):
    cells = _cells(runs)
    assert set(cells) == set(RECORDED)
    for key, cell in cells.items():
        assert cell.verdict == RECORDED[key], (key, cell.note)
        assert cell.justified
        if cell.claim is None:
            assert cell.instances == 0 and cell.largest_gap is None


def test_every_measured_cell_has_at_least_the_minimum(runs):
    for key, cell in _cells(runs).items():
        if cell.claim is None:
            continue
        run = _by_claim(runs, cell.claim)
        feasible = [
            o
            for o in run.outcomes
            if o.kind != "control"
            and o.result.verdict not in (INFEASIBLE, INCONCLUSIVE)
            and depth_of(o.instance.L) == key[2]
        ]
        generated = [o for o in feasible if o.kind == "generated"]
        assert cell.instances == len(feasible) >= len(generated) >= MINIMUM == cell.minimum
        assert cell.zero + cell.positive == cell.instances
        undecided = [
            o
            for o in run.outcomes
            if o.kind != "control"
            and o.result.verdict == INCONCLUSIVE
            and depth_of(o.instance.L) == key[2]
        ]
        assert cell.undecided == len(undecided)


def test_condition_cells_measure_both_sides(runs):
    per_side = math.ceil(MINIMUM / 2)
    for key in (("linear", "standard", "3"), ("linear", "standard", "≥ 4")):
        assert _cells(runs)[key].zero >= per_side and _cells(runs)[key].positive >= per_side
    cell = _cells(runs)[("ReLU", "standard", "3")]
    assert cell.zero >= per_side and cell.positive >= per_side


def _schatten_relative_gap(X: np.ndarray, Y: np.ndarray, L: int) -> float:
    """``1 − ‖W*‖_*/‖W*‖_{S_{2/L}}`` from numpy's pseudo-inverse and SVD (0 for ``Y = 0``)."""
    s = np.linalg.svd(np.linalg.pinv(X) @ Y, compute_uv=False)
    s = s[s > 1e-12 * s[0]]
    if s.size == 0:
        return 0.0
    return 1.0 - s.sum() / (s ** (2.0 / L)).sum() ** (L / 2.0)


def test_linear_standard_gap_cells_equal_the_closed_form(runs):
    cells = _cells(runs)
    run = _by_claim(runs, "linear-standard-gap")
    for depth in ("3", "≥ 4"):
        gaps = [
            _schatten_relative_gap(o.instance.X, o.instance.Y, o.instance.L)
            for o in run.outcomes
            if o.kind != "control"
            and o.result.verdict not in (INFEASIBLE, INCONCLUSIVE)
            and depth_of(o.instance.L) == depth
        ]
        cell = cells[("linear", "standard", depth)]
        assert cell.largest_gap == pytest.approx(max(gaps), rel=1e-9)
        assert cell.positive == sum(g > 1e-9 for g in gaps)
    # W* = I2, L = 3: P = 2√2, D = 2 — the pinned example is in the L = 3 cell
    assert cells[("linear", "standard", "3")].largest_gap >= 1 - 1 / math.sqrt(2) - 1e-12


def test_zero_gap_cells_certify_a_tiny_gap(runs):
    for cell in table1(runs, MINIMUM):
        if cell.verdict == ZERO_GAP:
            assert cell.largest_gap == 0.0
            assert 0.0 <= cell.gap_bound < 1e-6


def test_rank1_cell_attains_the_sqrt2_bound(runs):
    """C6: P ≤ √2·D, with equality at y = ±(1, −1) (the minimal counterexample, pinned), so the
    largest relative gap is exactly 1 − 1/√2."""
    cell = _cells(runs)[("ReLU", "standard", "3")]
    assert cell.largest_gap == pytest.approx(1 - 1 / math.sqrt(2), rel=1e-12)
    assert cell.zero > 0 and cell.positive > 0


def test_cell_verdicts_follow_the_measurements(runs):
    c1 = _by_claim(runs, "linear-standard-gap")
    c3 = _by_claim(runs, "linear-parallel-zero-gap")
    rank_one = [o for o in c1.outcomes if o.result.extra.get("rank") == 1]
    with_gap = next(o for o in c1.outcomes if o.label == "W* = I2" and o.kind == "pinned")
    others = [r for r in runs if r.claim.id not in ("linear-standard-gap", "relu-rank1-standard")]
    cells = _cells([replace(c1, outcomes=rank_one), *others], minimum=0)
    # only rank-1 instances at L ≥ 4: no certified positive gap, so "gap" is not shown
    assert cells[("linear", "standard", "≥ 4")].verdict == NOT_ESTABLISHED
    assert cells[("ReLU", "standard", "3")].verdict == NOT_RUN
    # a certified positive gap among a zero-gap claim's instances contradicts the cell
    polluted = replace(c3, outcomes=[*c3.outcomes, with_gap])
    cells = _cells([polluted], minimum=0)
    assert cells[("linear", "parallel", "3")].verdict == CONTRADICTED
    assert not cells[("linear", "parallel", "3")].justified
    # a positive gap on the zero side of C1's condition: the condition does not separate
    mislabelled = replace(with_gap, result=replace(with_gap.result, extra={"rank": 1}))
    cells = _cells([replace(c1, outcomes=[*c1.outcomes, mislabelled])], minimum=0)
    assert cells[("linear", "standard", "3")].verdict == GAP  # a gap cell needs no separation
    c6 = _by_claim(runs, "relu-rank1-standard")
    gap_side = next(o for o in c6.outcomes if o.label == "minimal counterexample")
    flipped = replace(gap_side, result=replace(gap_side.result, extra={"zero_gap_condition": True}))
    cells = _cells([replace(c6, outcomes=[*c6.outcomes, flipped])], minimum=0)
    assert cells[("ReLU", "standard", "3")].verdict == CONTRADICTED
    assert "the condition does not separate" in cells[("ReLU", "standard", "3")].note


def test_a_confirmation_needs_the_minimum_and_a_contradiction_does_not(runs):
    cells = _cells(runs, minimum=1000)
    for key, cell in cells.items():
        if cell.claim is not None:
            assert cell.verdict == NOT_ESTABLISHED, key
            assert f"{cell.instances} instance(s), fewer than the minimum 1000" in cell.note
    c1, c3 = _by_claim(runs, "linear-standard-gap"), _by_claim(runs, "linear-parallel-zero-gap")
    with_gap = next(o for o in c1.outcomes if o.label == "W* = I2" and o.kind == "pinned")
    cells = _cells([replace(c3, outcomes=[with_gap])], minimum=1000)
    assert cells[("linear", "parallel", "3")].verdict == CONTRADICTED


def test_explicit_instances_give_the_same_runs_with_two_jobs(runs, drawn):
    claims = [get("linear-standard-gap"), get("relu-rank1-standard")]
    parallel = run_claims(claims, 0, SEED, CHEAP, jobs=2, instances=drawn)
    for run in parallel:
        serial = _by_claim(runs, run.claim.id)
        assert [o.to_json() | {"result": _untimed(o)} for o in run.outcomes] == [
            o.to_json() | {"result": _untimed(o)} for o in serial.outcomes
        ]
        generated = [o.instance for o in run.outcomes if o.kind == "generated"]
        assert len(generated) == len(drawn[run.claim.id])
        for ours, given in zip(generated, drawn[run.claim.id], strict=True):
            assert np.array_equal(ours.X, given.X) and ours.L == given.L


def _untimed(outcome) -> dict:
    result = outcome.result.to_json()
    result.pop("elapsed_s")
    return result
