"""The reproducibility report: Table 1 of the paper regenerated from measured runs.

:func:`write_report` turns the exploration runs (:class:`verify.runner.ClaimRun`) into
``report.md`` (Table 1, one section per claim, versions, the command to reproduce),
``table1.tex``, ``results.json`` (every check result) and the figures of :mod:`verify.figures`.

How a cell of Table 1 is decided. Each cell names the claim whose checked instances back it
(:data:`CELLS`) and the verdict the project records for it. Only certified numbers enter: for every
feasible, non-control instance of that claim at the cell's depth, the certified interval of the
duality gap ``[P_lower − D_upper, P_upper − D_lower]`` (``CheckResult.intervals["gap"]``) is read
relative to the certified primal value ``P``. An instance has a *certified zero gap* when the
upper end is within the check's tolerance, a *certified positive gap* when the lower end exceeds
it. The recorded verdict is printed only when the measurements justify it:

* ``zero gap``: at least one certified zero gap, no certified positive gap, no failed check;
* ``gap``: at least one certified positive gap (and no failed check);
* ``holds under condition``: certified zero and positive gaps, separated exactly by the claim's
  condition (C6: the label rows are non-negative multiples of one vector);
* ``not proven`` / ``zero gap (paper), not checked here``: no claim checks the cell.

Otherwise the cell says ``contradicted`` (a measurement against the recorded verdict) or
``not established`` (too few measurements), and the report lists why.
"""

from __future__ import annotations

import importlib
import math
import re
import textwrap
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from verify import figures
from verify.claims import Claim
from verify.result import FAILS, INFEASIBLE, CheckResult, dumps_json, library_versions
from verify.runner import ClaimRun, Outcome

ZERO_GAP = "zero gap"
GAP = "gap"
CONDITIONAL = "holds under condition"
NOT_PROVEN = "not proven"
PAPER_ONLY = "zero gap (paper), not checked here"
CONTRADICTED = "contradicted"
NOT_ESTABLISHED = "not established"
NOT_RUN = "not run"

ACTIVATIONS = ("linear", "ReLU")
ARCHITECTURES = ("standard", "parallel")
DEPTHS = ("2", "3", "≥ 4")

GAP_FIGURE, LOWRANK_FIGURE = "gap_vs_depth.png", "lowrank.png"
RELU_FIGURE, RANK1_FIGURE = "relu_search.png", "rank1_gap.png"
#: The figures: file name → caption.
FIGURES = {
    GAP_FIGURE: "Relative duality gap (P − D)/P of deep linear networks against depth: "
    "closed forms (C1, C3) on seeded instances, and the certified gaps measured on the checked "
    "instances (lower ends of the certified intervals).",
    LOWRANK_FIGURE: "C4: the optimal singular value map s*(σ) of weight-decayed deep linear "
    "regression for L = 2…6, and the rank threshold τ against L for several β (τ grows with L "
    "on every step iff β < β₃ = 3¹²/2¹⁶).",
    RELU_FIGURE: "C5: value reached by random-start training (L-BFGS) divided by the "
    "certified optimum P = D of the parallel ReLU network (1 = optimal), per checked instance.",
    RANK1_FIGURE: "C6: exact P(t) and D(t) of the standard three-layer ReLU network on "
    "X = [1; −1] over the unit label circle y = (cos θ, sin θ); shaded: the zero-gap region.",
}


@dataclass(frozen=True)
class Condition:
    """A claim-specific predicate (read from ``CheckResult.extra[key]``) that says on which
    instances the gap should be zero."""

    key: str
    text: str
    zero_side: Callable[[Any], bool]


RANK_ONE = Condition("rank", "rank(X⁺Y) = 1", lambda rank: rank <= 1)
ALIGNED_LABELS = Condition(
    "zero_gap_condition", "label rows non-negative multiples of one vector", bool
)


@dataclass(frozen=True)
class CellSpec:
    activation: str
    architecture: str
    depth: str
    claim: str | None
    expected: str
    note: str
    condition: Condition | None = None

    def __post_init__(self) -> None:
        if self.expected == CONDITIONAL and self.condition is None:
            raise ValueError(f"cell {self.activation}/{self.architecture}/L {self.depth}: a "
                             "'holds under condition' cell needs its condition")  # fmt: skip


#: Table 1: which claim backs each cell and the verdict the project records for it.
CELLS = (
    CellSpec("linear", "standard", "2", "linear-standard-gap", ZERO_GAP,
             "no norm-constrained layer: P = D = ‖X⁺Y‖_*"),
    CellSpec("linear", "standard", "3", "linear-standard-gap", GAP,
             "P − D > 0 iff rank(X⁺Y) ≥ 2", RANK_ONE),
    CellSpec("linear", "standard", "≥ 4", "linear-standard-gap", GAP,
             "P − D > 0 iff rank(X⁺Y) ≥ 2", RANK_ONE),
    CellSpec("linear", "parallel", "2", "linear-parallel-zero-gap", ZERO_GAP,
             "m ≥ rank(X⁺Y) branches"),
    CellSpec("linear", "parallel", "3", "linear-parallel-zero-gap", ZERO_GAP,
             "m ≥ rank(X⁺Y) branches"),
    CellSpec("linear", "parallel", "≥ 4", "linear-parallel-zero-gap", ZERO_GAP,
             "m ≥ rank(X⁺Y) branches"),
    CellSpec("ReLU", "standard", "2", "relu-parallel-zero-gap", ZERO_GAP,
             "a two-layer standard ReLU network with m hidden units is a parallel network with "
             "m branches: C5's L = 2 instances"),
    CellSpec("ReLU", "standard", "3", "relu-rank1-three-layer", CONDITIONAL,
             "rank-1 data only; zero gap iff the label rows are non-negative multiples of one "
             "vector, otherwise D < P ≤ √2·D (the paper's unconditioned claim fails)",
             ALIGNED_LABELS),
    CellSpec("ReLU", "standard", "≥ 4", None, NOT_PROVEN, "no result in the paper"),
    CellSpec("ReLU", "parallel", "2", "relu-parallel-zero-gap", ZERO_GAP,
             "m ≥ N + 1 branches; exact arrangement enumeration"),
    CellSpec("ReLU", "parallel", "3", "relu-parallel-zero-gap", ZERO_GAP,
             "m ≥ N + 1 branches; exact arrangement enumeration"),
    CellSpec("ReLU", "parallel", "≥ 4", None, PAPER_ONLY,
             "the paper's theorem covers every depth; C5 checks L = 2 and 3 only"),
)  # fmt: skip


@dataclass(frozen=True)
class GapMeasurement:
    """The certified duality gap of one check, relative to the certified primal value."""

    lower: float
    upper: float
    zero: bool
    positive: bool
    failed: bool


@dataclass(frozen=True)
class Table1Cell:
    """One cell of Table 1 as measured.

    ``largest_gap`` is the largest certified lower bound on ``(P − D)/P`` over the cell's
    instances (a lower end within the tolerance counts as 0); ``gap_bound`` the largest
    certified upper bound (for a zero-gap cell: how small the gap is certified to be). Both are
    ``None`` without measurements.
    """

    activation: str
    architecture: str
    depth: str
    verdict: str
    expected: str
    claim: str | None
    claim_number: str | None
    instances: int
    zero: int
    positive: int
    largest_gap: float | None
    gap_bound: float | None
    note: str

    @property
    def justified(self) -> bool:
        return self.verdict == self.expected

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "justified": self.justified}


def measure_gap(result: CheckResult) -> GapMeasurement | None:
    """The certified gap of a check, or ``None`` when it certifies none (infeasible instance,
    or a claim without a dual, such as C4)."""
    if result.verdict == INFEASIBLE or "gap" not in result.intervals:
        return None
    lower, upper = result.intervals["gap"]
    if not (math.isfinite(lower) or math.isfinite(upper)):
        return None
    primal = result.primal_value
    scale = abs(primal) if math.isfinite(primal) and primal != 0.0 else 1.0
    slack = result.tolerance * max(1.0, scale)
    positive = lower > slack
    # Weak duality P ≥ D is proved: a lower end within the tolerance certifies only 0, and an
    # upper end below 0 is rounding (a real violation makes the check itself fail).
    return GapMeasurement(
        lower=lower / scale if positive else 0.0,
        upper=max(upper, 0.0) / scale,
        zero=upper <= slack,
        positive=positive,
        failed=result.verdict == FAILS,
    )


def _depth_of(L: int) -> str:
    return str(L) if L < 4 else "≥ 4"


def measurements(run: ClaimRun | None) -> list[tuple[Outcome, GapMeasurement]]:
    """Every pinned and generated check of ``run`` that certifies a gap (negative controls
    excluded: they re-check instances to refute false variants)."""
    if run is None:
        return []
    return [
        (outcome, measured)
        for outcome in run.outcomes
        if outcome.kind != "control" and (measured := measure_gap(outcome.result)) is not None
    ]


def _cell_outcomes(run: ClaimRun, depth: str) -> list[tuple[Outcome, GapMeasurement]]:
    return [(o, m) for o, m in measurements(run) if _depth_of(o.instance.L) == depth]


def _condition_split(
    condition: Condition, measured: list[tuple[Outcome, GapMeasurement]]
) -> tuple[bool, str]:
    """Whether ``condition`` separates the certified zero gaps from the certified positive ones
    exactly, and a sentence saying how the instances fall."""
    zero_ok = pos_ok = 0
    zeros = [o for o, m in measured if m.zero]
    positives = [o for o, m in measured if m.positive]
    for outcome in zeros:
        value = outcome.result.extra.get(condition.key)
        zero_ok += value is not None and condition.zero_side(value)
    for outcome in positives:
        value = outcome.result.extra.get(condition.key)
        pos_ok += value is not None and not condition.zero_side(value)
    exact = zero_ok == len(zeros) and pos_ok == len(positives)
    text = (
        f"{len(zeros)} certified zero ({zero_ok} with {condition.text}), {len(positives)} "
        f"certified positive ({pos_ok} without)"
    )
    return exact, text


def _verdict(expected: str, zeros: int, positives: int, separated: bool) -> tuple[str, str]:
    """The verdict the certified zero and positive gap counts justify, and why it is not the
    recorded one ``expected`` when it is not."""
    if expected == ZERO_GAP:
        if positives:
            return CONTRADICTED, f"{positives} certified positive gap(s)"
        return (ZERO_GAP, "") if zeros else (NOT_ESTABLISHED, "no certified zero gap")
    if expected == GAP:
        return (GAP, "") if positives else (NOT_ESTABLISHED, "no certified positive gap")
    if not (zeros and positives):
        return NOT_ESTABLISHED, "needs a certified zero and a certified positive gap"
    return (CONDITIONAL, "") if separated else (CONTRADICTED, "the condition does not separate")


def _decide(spec: CellSpec, measured: list[tuple[Outcome, GapMeasurement]]) -> tuple[str, str]:
    """The cell's verdict and the remarks for its note (how the condition splits the
    instances; why the verdict is not the recorded one)."""
    separated, split = (True, "")
    if spec.condition is not None and measured:
        separated, split = _condition_split(spec.condition, measured)
    failed = [o.label for o, m in measured if m.failed]
    if failed:
        verdict, why = CONTRADICTED, f"failed checks: {', '.join(failed)}"
    else:
        zeros = sum(m.zero for _, m in measured)
        positives = sum(m.positive for _, m in measured)
        verdict, why = _verdict(spec.expected, zeros, positives, separated)
    return verdict, "; ".join(filter(None, [split, why]))


def _claims_by_id(runs: Iterable[ClaimRun]) -> dict[str, ClaimRun]:
    return {run.claim.id: run for run in runs}


def table1(runs: list[ClaimRun]) -> list[Table1Cell]:
    """Table 1 regenerated from ``runs``: one cell per (activation, architecture, depth), in the
    order of :data:`CELLS`."""
    by_id = _claims_by_id(runs)
    cells = []
    for spec in CELLS:
        run = by_id.get(spec.claim) if spec.claim else None
        measured = _cell_outcomes(run, spec.depth) if run else []
        note = spec.note
        if spec.claim is None:
            verdict = spec.expected
        elif run is None:
            verdict, note = NOT_RUN, f"{spec.claim} was not run; {note}"
        else:
            verdict, remarks = _decide(spec, measured)
            note += f"; {remarks}" if remarks else ""
        cells.append(
            Table1Cell(
                activation=spec.activation,
                architecture=spec.architecture,
                depth=spec.depth,
                verdict=verdict,
                expected=spec.expected,
                claim=spec.claim,
                claim_number=run.claim.number if run else None,
                instances=len(measured),
                zero=sum(m.zero for _, m in measured),
                positive=sum(m.positive for _, m in measured),
                largest_gap=max((m.lower for _, m in measured), default=None),
                gap_bound=max((m.upper for _, m in measured), default=None),
                note=note,
            )
        )
    return cells


# --- formatting helpers --------------------------------------------------------------------


def _num(value: float | None, digits: int = 6) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if math.isinf(value):
        return "∞" if value > 0 else "−∞"
    return f"{value:.{digits}g}"


def _gap(value: float | None) -> str:
    """A relative gap: ``0`` when it is exactly zero, three significant digits otherwise."""
    if value is None:
        return "—"
    return "0" if value == 0.0 else f"{value:.3g}"


def _plain(text: str) -> str:
    """Free text (claim statements, labels, notes) with Markdown's emphasis and code characters
    escaped: ``‖X⁺Y‖_*`` or ``W* = I2`` must not start italics."""
    return re.sub(r"([*_`])", r"\\\1", text)


def _md(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return text.replace("|", "\\|").replace("\n", " ")


def _md_table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_md(cell) for cell in row) + " |" for row in rows]
    return lines


def _instance_text(summary: dict[str, Any]) -> str:
    parts = [f"{summary['N']}×{summary['d']}, K={summary['K']}, L={summary['L']}"]
    parts += [f"{name}={summary[name]:.4g}" for name in ("t", "beta") if name in summary]
    if "width" in summary:
        parts.append(f"width={summary['width']}")
    return ", ".join(parts)


def _claim_label(cell: Table1Cell) -> str:
    if cell.claim is None:
        return "—"
    return f"{cell.claim_number} {cell.claim}" if cell.claim_number else cell.claim


# --- Table 1 renderings ----------------------------------------------------------------------


def _grid(cells: list[Table1Cell]) -> dict[tuple[str, str], dict[str, Table1Cell]]:
    grid: dict[tuple[str, str], dict[str, Table1Cell]] = {}
    for cell in cells:
        grid.setdefault((cell.activation, cell.architecture), {})[cell.depth] = cell
    return grid


def _cell_summary(cell: Table1Cell) -> str:
    if cell.claim is None:
        return cell.verdict
    claim = cell.claim_number or cell.claim
    bound = f" (≤ {_gap(cell.gap_bound)})" if cell.verdict == ZERO_GAP else ""
    return (
        f"{cell.verdict} ({cell.instances} inst., max gap {_gap(cell.largest_gap)}{bound}; {claim})"
    )


def table1_markdown(cells: list[Table1Cell]) -> list[str]:
    """The grid as the paper lays it out, then one row per cell with the measured numbers."""
    grid = _grid(cells)
    rows = [
        [activation, architecture, *(f"**{_cell_summary(by_depth[d])}**" for d in DEPTHS)]
        for (activation, architecture), by_depth in grid.items()
    ]
    lines = _md_table(
        [
            "activation",
            "architecture",
            *(f"L {d}" if d.startswith("≥") else f"L = {d}" for d in DEPTHS),
        ],
        rows,
    )
    lines += ["", "Cell details:", ""]
    detail_rows = [
        [
            cell.activation,
            cell.architecture,
            cell.depth,
            cell.verdict + ("" if cell.justified else f" (recorded: {cell.expected})"),
            str(cell.instances),
            f"{cell.zero} / {cell.positive}",
            _gap(cell.largest_gap),
            _gap(cell.gap_bound),
            _claim_label(cell),
            _plain(cell.note),
        ]
        for cell in cells
    ]
    lines += _md_table(
        [
            "activation",
            "architecture",
            "L",
            "verdict",
            "instances",
            "certified zero / positive",
            "largest certified relative gap",
            "largest relative gap bound",
            "claim",
            "note",
        ],
        detail_rows,
    )
    return lines


_LATEX_SPECIAL = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "≥": r"$\geq$",
    "≤": r"$\leq$",
    "−": "-",
    "×": r"$\times$",
    "—": "---",
    "–": "--",
}


def latex_escape(text: str) -> str:
    """``text`` as LaTeX source: special characters escaped, the report's symbols mapped."""
    return "".join(_LATEX_SPECIAL.get(char, char) for char in text)


def table1_latex(cells: list[Table1Cell]) -> str:
    """A ``tabular`` of the grid: one row per (activation, architecture), one column per
    depth; each cell the verdict, the instances, the largest certified relative gap and the
    claim. Needs no package beyond LaTeX itself."""
    lines = [
        "% Table 1 of Wang, Ergen, Pilanci (ICLR 2023), regenerated by dualgap from measurements.",
        "% Cell: verdict; n = checked instances; gap = largest certified relative gap (P-D)/P.",
        r"\begin{tabular}{llccc}",
        r"\hline",
        "Activation & Architecture & "
        + " & ".join(f"$L = {d}$" if d != "≥ 4" else r"$L \geq 4$" for d in DEPTHS)
        + r" \\",
        r"\hline",
    ]
    for (activation, architecture), by_depth in _grid(cells).items():
        entries = []
        for depth in DEPTHS:
            cell = by_depth[depth]
            parts = [latex_escape(cell.verdict)]
            if cell.claim is not None:
                parts.append(f"$n = {cell.instances}$, gap {latex_escape(_gap(cell.largest_gap))}")
                parts.append(latex_escape(cell.claim_number or cell.claim))
            entries.append(r"\shortstack{" + r" \\ ".join(parts) + "}")
        lines.append(
            f"{latex_escape(activation)} & {latex_escape(architecture)} & "
            + " & ".join(entries)
            + r" \\"
        )
    lines += [r"\hline", r"\end{tabular}", ""]
    return "\n".join(lines)


# --- per-claim summaries ---------------------------------------------------------------------


def _run_verdict(run: ClaimRun) -> str:
    counts = ", ".join(f"{verdict} {n}" for verdict, n in sorted(run.counts().items()))
    unexpected = sum(not o.ok for o in run.outcomes)
    status = "as recorded" if not unexpected else f"{unexpected} UNEXPECTED"
    return f"{status} ({counts})" if counts else status


def readme_results_table(runs: list[ClaimRun]) -> str:
    """The README's results table: one row per claim run."""
    rows = []
    for run in runs:
        gaps = [m for _, m in measurements(run)]
        refuted, controls = run.controls
        rows.append(
            [
                f"{run.claim.number} `{run.claim.id}`",
                _plain(run.claim.statement),
                _run_verdict(run),
                str(run.examples),
                _gap(max(m.lower for m in gaps)) if gaps else "— (no dual)",
                f"{refuted}/{controls}",
            ]
        )
    header = [
        "claim",
        "statement",
        "verdict",
        "instances",
        "largest certified relative gap",
        "controls refuted",
    ]
    return "\n".join(_md_table(header, rows)) + "\n"


_HEADINGS = ("Statement", "Formulation", "Source", "How it is verified", "Known limits")


def docstring_sections(claim: Claim) -> dict[str, str]:
    """The claim module's docstring split at its headings (*Statement*, *Formulation*, …)."""
    doc = importlib.import_module(type(claim).__module__).__doc__ or ""
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in doc.splitlines():
        if line.strip() in _HEADINGS and not line.startswith(" "):
            current = sections.setdefault(line.strip(), [])
        elif current is not None:
            current.append(line)
    return {name: textwrap.dedent("\n".join(body)).strip() for name, body in sections.items()}


def rst_to_markdown(text: str) -> str:
    """Sphinx roles and double back-quotes to Markdown code; an RST grid table is kept as a
    preformatted block (Markdown has no equivalent)."""
    text = re.sub(r":[a-z]+:`~?([^`]+)`", r"`\1`", text)
    text = text.replace("``", "`")
    if re.search(r"^=+ +=+", text, flags=re.MULTILINE):
        return f"```text\n{text}\n```"
    return text


def _outcome_row(outcome: Outcome) -> list[str]:
    result = outcome.result
    lo, hi = result.intervals.get("gap", (math.nan, math.nan))
    verdict = (
        outcome.verdict if outcome.ok else f"**{outcome.verdict}** (expected {outcome.expected})"
    )
    return [
        outcome.kind,
        _plain(outcome.label),
        verdict,
        _instance_text(result.instance),
        _num(result.primal_value, 8),
        _num(result.dual_value, 8),
        f"[{_num(lo, 4)}, {_num(hi, 4)}]",
        f"{result.elapsed_s:.2f}",
    ]


def _generated_row(generated: list[Outcome]) -> list[str]:
    verdicts: dict[str, int] = {}
    for outcome in generated:
        verdicts[outcome.verdict] = verdicts.get(outcome.verdict, 0) + 1
    gaps = [m for o in generated if (m := measure_gap(o.result)) is not None]
    slowest = max(o.result.elapsed_s for o in generated)
    gap_text = "—"
    if gaps:
        largest, bound = max(m.lower for m in gaps), max(m.upper for m in gaps)
        gap_text = f"relative: largest certified {_gap(largest)}, bound {_gap(bound)}"
    return [
        "generated",
        f"{len(generated)} instance{'s' if len(generated) != 1 else ''}",
        ", ".join(f"{v} {n}" for v, n in sorted(verdicts.items())),
        "hypothesis strategy, seeded",
        "—",
        "—",
        gap_text,
        f"≤ {slowest:.2f}",
    ]


def _counterexamples(run: ClaimRun) -> list[str]:
    lines = []
    statements = {control.name: control.statement for control in run.claim.negative_controls()}
    controls = [o for o in run.outcomes if o.kind == "control"]
    refuted, total = run.controls
    lines.append(f"Negative controls (false variants the checker must refute): {refuted}/{total}.")
    lines.append("")
    for outcome in controls:
        result = outcome.result
        lines.append(
            f"- `{outcome.label}` — {outcome.verdict}: {_plain(statements.get(outcome.label, ''))} "
            f"(on {_instance_text(result.instance)}: certified P = {_num(result.primal_value)}, "
            f"D = {_num(result.dual_value)})"
        )
    against_paper = [
        o
        for o in run.outcomes
        if o.kind != "control" and o.result.extra.get("abstract_reading") == FAILS
    ]
    if against_paper:
        smallest = min(against_paper, key=lambda o: tuple(o.result.instance[k] for k in "NdK"))
        result = smallest.result
        lo, hi = result.intervals["gap"]
        lines += [
            "",
            f"Counterexamples to the paper's statement: {len(against_paper)} instance(s) with a "
            "certified positive gap. Minimal: "
            f"`{smallest.label}` ({_instance_text(result.instance)}; X = "
            f"{_matrix(smallest.instance.X)}, Y = {_matrix(smallest.instance.Y)}): "
            f"P = {_num(result.primal_value, 10)}, D = {_num(result.dual_value, 10)}, certified "
            f"gap in [{_num(lo, 10)}, {_num(hi, 10)}].",
        ]
    unexpected = [o for o in run.outcomes if not o.ok]
    lines.append("")
    if unexpected:
        lines.append(f"**Unexpected outcomes: {len(unexpected)}** (instances in results.json):")
        for outcome in unexpected:
            details = "; ".join(outcome.result.details)
            lines.append(
                f"- {outcome.kind} `{outcome.label}`: {outcome.verdict} (expected "
                f"{outcome.expected}); {_instance_text(outcome.result.instance)}; {details}"
            )
    else:
        lines.append("Unexpected outcomes: none.")
    return lines


def _matrix(array: np.ndarray) -> str:
    return dumps_json(np.round(array, 6))


def _corrections(run: ClaimRun) -> list[str]:
    measured = [
        o for o in run.outcomes if o.kind != "control" and "abstract_reading" in o.result.extra
    ]
    if not measured:
        return ["None: the statement is checked as formulated (see the negative controls above)."]
    fails = sum(o.result.extra["abstract_reading"] == FAILS for o in measured)
    confirmed = sum(o.ok for o in measured)
    return [
        f"The paper's statement fails on {fails} of {len(measured)} checked instances. What "
        f"holds instead (the checker's prediction, confirmed on {confirmed} of {len(measured)}):",
        "",
        f"> {_plain(run.claim.statement)}",
    ]


def claim_section(run: ClaimRun) -> list[str]:
    """The report section of one claim."""
    claim = run.claim
    sections = docstring_sections(claim)
    lines = [
        f"### {claim.number} `{claim.id}` — {_plain(claim.title)}",
        "",
        f"Source: {_plain(claim.source)}.",
        "",
        "#### Statement",
        "",
        f"> {_plain(claim.statement)}",
        "",
    ]
    if "Statement" in sections:
        lines += [rst_to_markdown(sections["Statement"]), ""]
    lines += ["#### Formulation", "", rst_to_markdown(sections.get("Formulation", "—")), ""]
    if "How it is verified" in sections:
        lines += [
            "#### How it is verified",
            "",
            rst_to_markdown(sections["How it is verified"]),
            "",
        ]
    lines += ["#### Results", ""]
    pinned = [o for o in run.outcomes if o.kind == "pinned"]
    generated = [o for o in run.outcomes if o.kind == "generated"]
    controls = [o for o in run.outcomes if o.kind == "control"]
    rows = [_outcome_row(o) for o in pinned]
    if generated:
        rows.append(_generated_row(generated))
        rows += [_outcome_row(o) for o in generated if not o.ok]
    rows += [_outcome_row(o) for o in controls]
    lines += _md_table(
        ["kind", "instance", "verdict", "shape", "P (certified)", "D (certified)", "gap interval",
         "time (s)"],
        rows,
    )  # fmt: skip
    lines += ["", "#### Counterexamples found", "", *_counterexamples(run), ""]
    lines += ["#### Corrected statements", "", *_corrections(run), ""]
    slowest = max(run.outcomes, key=lambda o: o.result.elapsed_s, default=None)
    timing = f"{len(run.outcomes)} checks in {run.elapsed_s:.2f} s"
    if slowest is not None:
        timing += f"; slowest `{slowest.label}` ({slowest.kind}) {slowest.result.elapsed_s:.2f} s"
    lines += [
        "#### Timing",
        "",
        timing + f"; largest recomputed residual {run.largest_residual:.1e}.",
        "",
    ]
    return lines


# --- figures -------------------------------------------------------------------------------


def _measured_linear_gaps(run: ClaimRun | None) -> list[tuple[int, float]]:
    return [(o.instance.L, m.lower) for o, m in measurements(run)]


def _search_points(run: ClaimRun | None) -> list[figures.SearchPoint]:
    if run is None:
        return []
    points = []
    for outcome in run.outcomes:
        result = outcome.result
        search = result.extra.get("search", {})
        certified = result.dual_value
        if outcome.kind == "control" or result.verdict == INFEASIBLE or "best" not in search:
            continue
        if not (math.isfinite(certified) and certified > 0):
            continue
        standard = result.extra.get("standard_search", {})
        points.append(
            figures.SearchPoint(
                label=outcome.label,
                L=outcome.instance.L,
                certified=certified,
                parallel_best=search["best"],
                parallel_median=search.get("median"),
                standard_best=standard.get("best"),
            )
        )
    return points


def write_figures(out: Path, runs: list[ClaimRun], seed: int) -> dict[str, Path]:
    """Draw every figure of :data:`FIGURES` into ``out``."""
    by_id = _claims_by_id(runs)
    return {
        GAP_FIGURE: figures.gap_against_depth(
            out / GAP_FIGURE,
            seed,
            _measured_linear_gaps(by_id.get("linear-standard-gap")),
            _measured_linear_gaps(by_id.get("linear-parallel-zero-gap")),
        ),
        LOWRANK_FIGURE: figures.lowrank_maps(out / LOWRANK_FIGURE),
        RELU_FIGURE: figures.relu_search(
            out / RELU_FIGURE, _search_points(by_id.get("relu-parallel-zero-gap"))
        ),
        RANK1_FIGURE: figures.rank1_gap(out / RANK1_FIGURE),
    }


# --- the report ----------------------------------------------------------------------------


def report_markdown(
    runs: list[ClaimRun], cells: list[Table1Cell], *, seed: int, examples: int, command: str
) -> str:
    versions = library_versions()
    unexpected = sum(not o.ok for run in runs for o in run.outcomes)
    lines = [
        "# dualgap report: Table 1 of *Parallel Deep Neural Networks Have Zero Duality Gap*",
        "",
        "Wang, Ergen, Pilanci, ICLR 2023 (arXiv:2110.06482). Every number below is measured: "
        "certified bounds recomputed from explicit feasible points, proved closed-form "
        "inequalities, never a solver's value alone.",
        "",
        f"Reproduce: `{command}` (seed {seed}, {examples} generated instance(s) per claim, plus "
        "every pinned example and negative control).",
        "",
        "Outcome: "
        + ("every check came out as the project records it." if not unexpected
           else f"**{unexpected} unexpected outcome(s)**, listed in the claim sections."),
        "",
        "## Table 1, regenerated",
        "",
        *table1_markdown(cells),
        "",
        "How a cell is decided: for each feasible instance of the backing claim at that depth "
        "(negative controls excluded), the certified gap interval [P_lower − D_upper, P_upper − "
        "D_lower] is divided by the certified primal value P. *Certified zero*: the upper end is "
        "within the check's tolerance; *certified positive*: the lower end exceeds it. "
        "`zero gap` needs certified zeros and no certified positive gap, `gap` at least one "
        "certified positive gap, `holds under condition` both, separated exactly by the claim's "
        "condition. *Largest certified relative gap*: the largest lower end (an end within the "
        "tolerance counts as 0, by weak duality P ≥ D); *largest relative gap bound*: the "
        "largest upper end.",
        "",
        "## Results by claim",
        "",
        readme_results_table(runs),
        "## Figures",
        "",
    ]  # fmt: skip
    for name, caption in FIGURES.items():
        lines += [f"![{caption}]({name})", "", f"*{caption}*", ""]
    lines += ["## Claims", ""]
    for run in runs:
        lines += claim_section(run)
    lines += [
        "## Environment",
        "",
        *_md_table(["package", "version"], [[k, v] for k, v in versions.items()]),
        "",
        "## Reproduce",
        "",
        f"```\n{command}\n```",
        "",
        f"Seed {seed}: every generated instance and every random start derives from it, so the "
        "same command on the same versions gives the same verdicts and bounds (timings differ).",
        "",
    ]
    return "\n".join(lines)


def write_report(
    out: Path, runs: list[ClaimRun], *, seed: int, examples: int, command: str
) -> dict[str, Path]:
    """Write report.md, table1.tex, results.json and the figures into ``out`` (exists, writable,
    checked by the CLI); return ``{name: path}``, the name being the file name without its
    suffix (``report``, ``table1``, ``results``, and one per figure)."""
    out = Path(out)
    cells = table1(runs)
    written = write_figures(out, runs, seed)
    payload = {
        "command": command,
        "seed": seed,
        "examples": examples,
        "versions": library_versions(),
        "table1": [cell.to_json() for cell in cells],
        "claims": [run.to_json() for run in runs],
    }
    paths = {
        "report.md": out / "report.md",
        "table1.tex": out / "table1.tex",
        "results.json": out / "results.json",
    }
    paths["results.json"].write_text(
        dumps_json(payload, indent=1, ensure_ascii=False),
        encoding="utf-8",
    )
    paths["table1.tex"].write_text(table1_latex(cells), encoding="utf-8")
    paths["report.md"].write_text(
        report_markdown(runs, cells, seed=seed, examples=examples, command=command),
        encoding="utf-8",
    )
    return {path.stem: path for path in [*paths.values(), *written.values()]}
