"""The report: Table 1 from measured runs, its Markdown / LaTeX / JSON renderings, the figures.

The runs are real (every claim, its pinned examples and negative controls, one instance per
Table 1 cell or per other claim) on a cheap budget; the expected numbers are computed here
independently, from the instances' arrays with numpy, or from facts proved in the claim modules.
How the cells are drawn and decided is tested in ``test_table1.py``.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import numpy as np
import pytest
from matplotlib import image

from verify import table1 as table1_module
from verify.claims import REGISTRY, Budget
from verify.cli import main
from verify.figures import FIGURES, LINEAR_SPECTRA, linear_relative_gaps, rank1_curves
from verify.figures import seeded_linear_instance as linear_instance
from verify.report import (
    TABLE1_HEADINGS,
    docstring_sections,
    latex_escape,
    readme_results_table,
    rst_to_markdown,
    write_report,
)
from verify.result import FAILS, HOLDS, Bound, CheckResult, dumps_json, json_ready
from verify.runner import ClaimRun, run_claims
from verify.table1 import CONDITIONAL, cell_instances, table1

CHEAP = Budget(seed=0, restarts=1, solver=False, max_iter=200)
SEED, EXAMPLES = 0, 1
COMMAND = "dualgap report --out OUT --examples 1 --seed 0"


@pytest.fixture(scope="module")
def runs() -> list[ClaimRun]:
    drawn = cell_instances(EXAMPLES, SEED)
    return run_claims(list(REGISTRY.values()), EXAMPLES, SEED, CHEAP, instances=drawn)


@pytest.fixture(scope="module")
def written(runs, tmp_path_factory) -> tuple[Path, dict[str, Path]]:
    out = tmp_path_factory.mktemp("report")
    return out, write_report(out, runs, seed=SEED, examples=EXAMPLES, command=COMMAND)


def _by_claim(runs: list[ClaimRun], claim_id: str) -> ClaimRun:
    return next(run for run in runs if run.claim.id == claim_id)


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


def test_markdown_table1_has_every_cell(written, runs):
    out, _ = written
    text = (out / "report.md").read_text(encoding="utf-8")
    cells = table1(runs, EXAMPLES)
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
            if cell.claim is not None:  # the count of each measured cell, in the grid
                assert f"({cell.instances} inst., " in shown and cell.instances >= EXAMPLES
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


def test_the_method_of_table1_is_rendered_from_its_one_account(written):
    out, _ = written
    text = (out / "report.md").read_text(encoding="utf-8")
    sections = docstring_sections(table1_module.__doc__, TABLE1_HEADINGS)
    assert set(sections) == set(TABLE1_HEADINGS)
    for heading, body in sections.items():
        assert text.count(heading) == 1 and f"### {heading}" in text
        assert rst_to_markdown(body) in text and len(body) > 400
    assert "``" not in text.split("### How instances are drawn")[1].split("## Results")[0]


def test_the_report_says_only_what_the_abstract_shows(written, runs):
    out, _ = written
    text = (out / "report.md").read_text(encoding="utf-8")
    tex = (out / "table1.tex").read_text(encoding="utf-8")
    for phrase in ("paper's statement", "no result in the paper", "paper's theorem", "(paper)"):
        assert phrase not in text and phrase not in tex
    c6 = _by_claim(runs, "relu-rank1-standard")
    readings = [
        o for o in c6.outcomes if o.kind != "control" and "abstract_reading" in o.result.extra
    ]
    fails = sum(o.result.extra["abstract_reading"] == FAILS for o in readings)
    # every certified positive gap of the C6 cells is an instance against the abstract's reading
    cells = [c for c in table1(runs) if c.claim == "relu-rank1-standard"]
    assert [c.depth for c in cells] == ["3", "≥ 4"]
    assert fails == sum(c.positive for c in cells) > 0
    assert len(readings) == sum(c.instances for c in cells)
    reading = (
        "Under the formulation stated in `docs/formulations/`, the abstract's statement read "
        "without further hypotheses fails on"
    )
    assert f"{reading} {fails} of {len(readings)} checked instances." in text
    assert f"{reading} {fails} instance(s) (certified positive gap). Minimal: " in text
    row = next(line for line in text.splitlines() if line.startswith("| ReLU | standard |"))
    deep = f"{cells[1].instances} inst., max gap {cells[1].largest_gap:.3g}; C6"
    assert row.endswith(f"| **{CONDITIONAL} ({deep})** |"), row


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
    assert len(payload["table1"]) == 12 and payload["cell_minimum"] == EXAMPLES
    for cell in payload["table1"]:
        if cell["claim"] is not None:
            assert cell["minimum"] == EXAMPLES <= cell["instances"] and cell["justified"]


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
