"""The report: Table 1 from measured runs, its Markdown / LaTeX / JSON renderings, the figures.

The runs are real (every claim, its pinned examples and negative controls, one generated
instance) on a cheap budget; the expected numbers are computed here independently, from the
instances' arrays with numpy, or from facts proved in the claim modules.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from matplotlib import image

from verify.claims import REGISTRY, Budget
from verify.cli import main
from verify.figures import LINEAR_SPECTRA, linear_relative_gaps, rank1_curves
from verify.figures import seeded_linear_instance as linear_instance
from verify.report import (
    CONDITIONAL,
    CONTRADICTED,
    FIGURES,
    GAP,
    NOT_ESTABLISHED,
    NOT_PROVEN,
    NOT_RUN,
    PAPER_ONLY,
    ZERO_GAP,
    latex_escape,
    readme_results_table,
    table1,
    write_report,
)
from verify.result import HOLDS, INFEASIBLE, Bound, CheckResult, dumps_json, json_ready
from verify.runner import ClaimRun, run_claims

CHEAP = Budget(seed=0, restarts=1, solver=False, max_iter=200)
SEED, EXAMPLES = 0, 1
COMMAND = "dualgap report --out OUT --examples 1 --seed 0"

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
    ("ReLU", "standard", "≥ 4"): NOT_PROVEN,
    ("ReLU", "parallel", "2"): ZERO_GAP,
    ("ReLU", "parallel", "3"): ZERO_GAP,
    ("ReLU", "parallel", "≥ 4"): PAPER_ONLY,
}


@pytest.fixture(scope="module")
def runs() -> list[ClaimRun]:
    return run_claims(list(REGISTRY.values()), EXAMPLES, SEED, CHEAP)


@pytest.fixture(scope="module")
def written(runs, tmp_path_factory) -> tuple[Path, dict[str, Path]]:
    out = tmp_path_factory.mktemp("report")
    return out, write_report(out, runs, seed=SEED, examples=EXAMPLES, command=COMMAND)


def _by_claim(runs: list[ClaimRun], claim_id: str) -> ClaimRun:
    return next(run for run in runs if run.claim.id == claim_id)


def _cells(runs: list[ClaimRun]) -> dict[tuple[str, str, str], object]:
    return {(c.activation, c.architecture, c.depth): c for c in table1(runs)}


def _depth(L: int) -> str:
    return str(L) if L < 4 else "≥ 4"


def test_every_file_is_written_into_out(written):
    out, paths = written
    expected = {"report.md", "table1.tex", "results.json", *FIGURES}
    assert {p.name for p in out.iterdir()} == expected
    assert {path.name for path in paths.values()} == expected
    for name, path in paths.items():
        assert path.parent == out and path.stem == name and path.stat().st_size > 0


def test_every_figure_is_a_valid_non_blank_png(written):
    _, paths = written
    for name in FIGURES:
        path = paths[Path(name).stem]
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        pixels = image.imread(path)
        assert pixels.ndim == 3 and min(pixels.shape[:2]) > 200
        channels = np.round(pixels[..., :3] * 255).astype(np.uint32)
        packed = (channels[..., 0] << 16) | (channels[..., 1] << 8) | channels[..., 2]
        assert np.unique(packed).size > 20, f"{name} is (nearly) blank"
        assert float(pixels[..., :3].std()) > 0.02


def test_table1_has_the_recorded_verdict_in_every_cell(runs):
    cells = _cells(runs)
    assert set(cells) == set(RECORDED)
    for key, cell in cells.items():
        assert cell.verdict == RECORDED[key], (key, cell.note)
        assert cell.justified
        if cell.claim is None:
            assert cell.instances == 0 and cell.largest_gap is None


def test_table1_counts_the_feasible_instances_of_the_backing_claim(runs):
    cells = _cells(runs)
    for key, cell in cells.items():
        if cell.claim is None:
            continue
        run = _by_claim(runs, cell.claim)
        feasible = [
            o
            for o in run.outcomes
            if o.kind != "control"
            and o.result.verdict != INFEASIBLE
            and _depth(o.instance.L) == key[2]
        ]
        assert cell.instances == len(feasible) > 0
        assert cell.zero + cell.positive == cell.instances


def _schatten_relative_gap(X: np.ndarray, Y: np.ndarray, L: int) -> float:
    """``1 − ‖W*‖_*/‖W*‖_{S_{2/L}}`` from numpy's pseudo-inverse and SVD."""
    s = np.linalg.svd(np.linalg.pinv(X) @ Y, compute_uv=False)
    s = s[s > 1e-12 * s[0]]
    return 1.0 - s.sum() / (s ** (2.0 / L)).sum() ** (L / 2.0)


def test_linear_standard_gap_cells_equal_the_closed_form(runs):
    cells = _cells(runs)
    run = _by_claim(runs, "linear-standard-gap")
    for depth in ("3", "≥ 4"):
        gaps = [
            _schatten_relative_gap(o.instance.X, o.instance.Y, o.instance.L)
            for o in run.outcomes
            if o.kind != "control"
            and o.result.verdict != INFEASIBLE
            and _depth(o.instance.L) == depth
        ]
        cell = cells[("linear", "standard", depth)]
        assert cell.largest_gap == pytest.approx(max(gaps), rel=1e-9)
        assert cell.positive == sum(g > 1e-9 for g in gaps)
    # W* = I2, L = 3: P = 2√2, D = 2 — the pinned example is in the L = 3 cell
    assert cells[("linear", "standard", "3")].largest_gap >= 1 - 1 / math.sqrt(2) - 1e-12


def test_zero_gap_cells_certify_a_tiny_gap(runs):
    for cell in table1(runs):
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
    others = [
        r for r in runs if r.claim.id not in ("linear-standard-gap", "relu-rank1-three-layer")
    ]
    cells = _cells([replace(c1, outcomes=rank_one), *others])
    # only rank-1 instances at L ≥ 4: no certified positive gap, so "gap" is not shown
    assert cells[("linear", "standard", "≥ 4")].verdict == NOT_ESTABLISHED
    assert cells[("ReLU", "standard", "3")].verdict == NOT_RUN
    # a certified positive gap among a zero-gap claim's instances contradicts the cell
    polluted = replace(c3, outcomes=[*c3.outcomes, with_gap])
    cells = _cells([polluted])
    assert cells[("linear", "parallel", "3")].verdict == CONTRADICTED
    assert not cells[("linear", "parallel", "3")].justified


def test_markdown_table1_has_every_cell(written, runs):
    out, _ = written
    text = (out / "report.md").read_text(encoding="utf-8")
    cells = table1(runs)
    for activation, architecture in {(c.activation, c.architecture) for c in cells}:
        rows = [
            line
            for line in text.splitlines()
            if line.startswith(f"| {activation} | {architecture} |")
        ]
        grid_row, *detail_rows = rows
        grid_cells = grid_row.strip("|").split(" | ")[2:]
        expected = [
            c for c in cells if (c.activation, c.architecture) == (activation, architecture)
        ]
        assert len(grid_cells) == 3 and len(detail_rows) == 3
        for shown, cell, detail in zip(grid_cells, expected, detail_rows, strict=True):
            assert shown.startswith(f"**{cell.verdict}")
            assert detail.startswith(
                f"| {activation} | {architecture} | {cell.depth} | {cell.verdict}"
            )
    assert COMMAND in text and f"seed {SEED}" in text
    for name in FIGURES:
        assert f"]({name})" in text
    for package in ("python", "numpy", "scipy", "sympy", "cvxpy", "clarabel"):
        assert re.search(rf"^\| {package} \| \S+ \|$", text, flags=re.MULTILINE)
    for run in runs:
        assert f"### {run.claim.number} `{run.claim.id}`" in text
    assert "Minimal: `minimal counterexample`" in text  # C6's counterexample, from the run


def _reject_constant(name: str) -> None:
    raise ValueError(f"non-strict JSON constant {name}")


def test_results_json_is_strict_and_holds_every_outcome(written, runs):
    out, _ = written
    payload = json.loads(
        (out / "results.json").read_text(encoding="utf-8"), parse_constant=_reject_constant
    )
    assert payload["seed"] == SEED and payload["command"] == COMMAND
    assert payload["examples"] == EXAMPLES
    assert set(payload["versions"]) >= {"python", "numpy", "scipy", "sympy", "cvxpy", "clarabel"}
    assert [c["claim"] for c in payload["claims"]] == [run.claim.id for run in runs]
    for stored, run in zip(payload["claims"], runs, strict=True):
        assert len(stored["outcomes"]) == len(run.outcomes)
        for entry, outcome in zip(stored["outcomes"], run.outcomes, strict=True):
            assert entry["label"] == outcome.label
            assert entry["result"]["verdict"] == outcome.result.verdict
    assert len(payload["table1"]) == 12


def test_one_json_policy_writes_non_finite_numbers_as_null():
    value = {
        "a": np.float64("nan"),
        "b": [np.int64(3), math.inf, (-math.inf, 1.5)],
        "c": np.array([1.5, np.inf]),
        4: np.bool_(True),
        "s": "text",
    }
    expected = {"a": None, "b": [3, None, [None, 1.5]], "c": [1.5, None], "4": True, "s": "text"}
    assert json_ready(value) == expected
    assert json.loads(dumps_json(value), parse_constant=_reject_constant) == expected
    assert dumps_json({"x": np.bool_(True)}) == '{"x": true}'


def test_a_check_result_with_non_finite_values_anywhere_dumps_as_strict_json():
    result = CheckResult(
        claim="c",
        verdict=HOLDS,
        instance={"N": 1},
        bounds={"primal_upper": Bound(math.inf, "closed-form"), "dual_lower": None},
        predicted={"primal": math.inf},
        intervals={"gap": (-math.inf, math.nan)},
        tolerance=1e-9,
        extra={"search": {"best": math.inf, "values": np.array([1.0, np.nan])}},
    )
    payload = json.loads(result.dumps(), parse_constant=_reject_constant)
    assert payload["primal_value"] is None and payload["dual_value"] is None
    assert payload["predicted"] == {"primal": None} and payload["intervals"]["gap"] == [None, None]
    assert payload["search"] == {"best": None, "values": [1.0, None]}
    assert payload["bound_details"]["primal_upper"]["value"] is None
    assert result.to_json() == payload  # to_json is JSON-ready under the same policy


def test_verify_json_writes_infeasible_values_as_null(tmp_path, capsys):
    target = tmp_path / "out.json"
    assert main(["verify", "weight-decay-schatten", "--examples", "0", "--json", str(target)]) == 0
    capsys.readouterr()
    payload = json.loads(target.read_text(), parse_constant=_reject_constant)
    outcomes = payload["claims"][0]["outcomes"]
    infeasible = [o["result"] for o in outcomes if o["result"]["verdict"] == "infeasible"]
    assert infeasible and all(r["primal_value"] is None for r in infeasible)


def test_table1_tex_has_one_row_per_activation_and_architecture(written):
    out, _ = written
    tex = (out / "table1.tex").read_text(encoding="utf-8")
    assert tex.count(r"\begin{tabular}") == tex.count(r"\end{tabular}") == 1
    rows = [line for line in tex.splitlines() if re.match(r"^(linear|ReLU) & ", line)]
    assert len(rows) == 4
    for row in rows:
        assert row.endswith(r"\\") and row.count("&") == 4  # 5 columns
    assert r"$L \geq 4$" in tex


def test_latex_escape():
    assert latex_escape("a_b & 50% #1 {x} ≥ 2") == r"a\_b \& 50\% \#1 \{x\} $\geq$ 2"
    assert latex_escape("\\~^") == r"\textbackslash{}\textasciitilde{}\textasciicircum{}"


def test_readme_table_has_one_row_per_claim(runs):
    table = readme_results_table(runs)
    lines = table.strip().splitlines()
    assert len(lines) == 2 + len(runs)
    for line, run in zip(lines[2:], runs, strict=True):
        cells = re.split(r"(?<!\\)\|", line)[1:-1]
        assert len(cells) == 6
        assert cells[0].strip() == f"{run.claim.number} `{run.claim.id}`"
        refuted, controls = run.controls
        assert cells[5].strip() == f"{refuted}/{controls}" and refuted == controls
        assert cells[3].strip() == str(run.examples)


def test_figure_data_are_the_closed_forms():
    """The gap curve for equal singular values is ``1 − r^{1 − L/2}``; on ``X = [1; −1]`` the
    label ``y = (1, −1)/√2`` has ``P = 2``, ``D = √2``, and ``y ≥ 0`` has no gap."""
    depths = [2, 3, 4, 7]
    equal = linear_instance(LINEAR_SPECTRA["σ = (1, 1, 1)"], seed=3)
    expected = [1 - 3.0 ** (1 - L / 2) for L in depths]
    assert linear_relative_gaps(equal, depths) == pytest.approx(expected, abs=1e-12)
    rank_one = linear_instance(LINEAR_SPECTRA["σ = (3), rank 1"], seed=3)
    assert linear_relative_gaps(rank_one, depths) == pytest.approx(0.0, abs=1e-12)
    curves = rank1_curves(samples=9)  # θ = kπ/4
    assert curves["primal"][7] == pytest.approx(2.0, rel=1e-12)
    assert curves["dual"][7] == pytest.approx(math.sqrt(2.0), rel=1e-12)
    assert curves["primal"][1] == pytest.approx(curves["dual"][1], rel=1e-12)
    assert list(curves["zero_gap"][1::2]) == [True, False, True, False]  # y ≥ 0, mixed, y ≤ 0, …
