"""The reproducibility report: Table 1 regenerated from measured runs, rendered.

:func:`write_report` turns the claim runs (:class:`verify.runner.ClaimRun`) into ``report.md``
(Table 1, one section per claim, versions, the command to reproduce), ``table1.tex``,
``results.json`` (every check result) and the figures of :mod:`verify.figures`. Which claim
backs a cell, how its instances are drawn and how it is decided is :mod:`verify.table1`'s; this
module renders it (its docstring's account included, so that the two cannot drift apart).
Given the explorations of the conjectures (:mod:`verify.discovery`), it adds the section
*Conjectures explored*, writes their counterexamples under ``counterexamples/`` and lets
Table 1's open cells cite them.
"""

from __future__ import annotations

import importlib
import math
import re
import textwrap
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

from verify import table1 as table1_module
from verify.claims import Claim
from verify.discovery import Exploration, instance_text, write_files
from verify.figures import FIGURES, write_figures
from verify.result import FAILS, dumps_json, library_versions
from verify.runner import ClaimRun, Outcome
from verify.table1 import DEPTHS, ZERO_GAP, Table1Cell, measure_gap, measurements, table1

#: Where the formulations every claim is checked under are stated (in the repository).
FORMULATIONS = "docs/formulations/"
#: How the report names a statement of the paper: only its abstract was read (a sentence start).
ABSTRACT_READING_TEXT = (
    f"Under the formulation stated in `{FORMULATIONS}`, the abstract's statement read without "
    "further hypotheses"
)
#: The ``extra`` key in which a claim records whether the abstract's statement, read without
#: further hypotheses, holds on the instance (``holds``/``fails``; C6 writes it).


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
    """The grid (activation × architecture by depth), then one row per cell with the measured
    numbers."""
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
            f"{cell.instances} (≥ {cell.minimum})" if cell.claim else "—",
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
            "instances (minimum)",
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
        "% Table 1 (activation x architecture x depth) for Wang, Ergen, Pilanci (ICLR 2023),",
        f"% under the formulations in {FORMULATIONS}, regenerated by dualgap from measurements.",
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
            # a verdict ending in a parenthesis ("not checked here (…)") breaks before it
            parts = [latex_escape(part) for part in re.split(r" (?=\([^()]*\)$)", cell.verdict)]
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


#: The headings of a claim module's docstring, and of :mod:`verify.table1`'s.
CLAIM_HEADINGS = ("Statement", "Formulation", "Source", "How it is verified", "Known limits")
TABLE1_HEADINGS = ("How instances are drawn", "How a cell is decided")


def docstring_sections(doc: str | None, headings: tuple[str, ...]) -> dict[str, str]:
    """A module docstring split at its ``headings`` (each alone on an unindented line, its body
    indented below it), bodies dedented."""
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in (doc or "").splitlines():
        if line.strip() in headings and not line.startswith(" "):
            current = sections.setdefault(line.strip(), [])
        elif current is not None:
            current.append(line)
    return {name: textwrap.dedent("\n".join(body)).strip() for name, body in sections.items()}


def claim_docstring(claim: Claim) -> dict[str, str]:
    """The claim module's docstring by heading (*Statement*, *Formulation*, …)."""
    module = importlib.import_module(type(claim).__module__)
    return docstring_sections(module.__doc__, CLAIM_HEADINGS)


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
    against_abstract = [o for o in _abstract_readings(run) if _abstract_reading(run, o) == FAILS]
    if against_abstract:
        smallest = min(against_abstract, key=lambda o: tuple(o.result.instance[k] for k in "NdK"))
        result = smallest.result
        lo, hi = result.intervals["gap"]
        lines += [
            "",
            f"{ABSTRACT_READING_TEXT} fails on "
            f"{len(against_abstract)} instance(s) (certified positive gap). Minimal: "
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


def _abstract_reading(run: ClaimRun, outcome: Outcome) -> str | None:
    """``holds``/``fails``: the abstract's statement, read without further hypotheses, on this
    check (:attr:`verify.claims.Claim.abstract_reading_key`); ``None`` when not recorded."""
    key = run.claim.abstract_reading_key
    return None if key is None else outcome.result.extra.get(key)


def _abstract_readings(run: ClaimRun) -> list[Outcome]:
    """The pinned and generated checks of ``run`` that record the abstract's reading."""
    return [
        o for o in run.outcomes if o.kind != "control" and _abstract_reading(run, o) is not None
    ]


def _corrections(run: ClaimRun) -> list[str]:
    measured = _abstract_readings(run)
    if not measured:
        return ["None: the statement is checked as formulated (see the negative controls above)."]
    fails = sum(_abstract_reading(run, o) == FAILS for o in measured)
    confirmed = sum(o.ok for o in measured)
    return [
        f"{ABSTRACT_READING_TEXT} fails on {fails} of "
        f"{len(measured)} checked instances. What holds instead (the checker's prediction, "
        f"confirmed on {confirmed} of {len(measured)}):",
        "",
        f"> {_plain(run.claim.statement)}",
    ]


def claim_section(run: ClaimRun) -> list[str]:
    """The report section of one claim."""
    claim = run.claim
    sections = claim_docstring(claim)
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


# --- the report ----------------------------------------------------------------------------


def table1_method() -> list[str]:
    """How Table 1's instances are drawn and its cells decided: :mod:`verify.table1`'s own
    account (its docstring), as Markdown sections."""
    sections = docstring_sections(table1_module.__doc__, TABLE1_HEADINGS)
    lines = []
    for heading in TABLE1_HEADINGS:
        lines += [f"### {heading}", "", rst_to_markdown(sections[heading]), ""]
    return lines


#: The folder of the report that holds the explorations' counterexample files.
COUNTEREXAMPLES = "counterexamples"


def conjectures_section(explorations: list[Exploration], folder: Path | None) -> list[str]:
    """*Conjectures explored*: per conjecture the examples tried, the verdict, the minimal
    counterexample (or search-suggested instance) and the commands that reproduce it; its
    files are in ``folder`` (``None``: not written)."""
    lines = [
        "## Conjectures explored",
        "",
        "`dualgap explore NAME` searches a certified counterexample to a conjecture with "
        "hypothesis: a targeted search (`hypothesis.target` on a score: a certified relative "
        "gap, a threshold ratio), then shrinking to the simplest instance, re-checked with "
        "the full budget of `dualgap check`. Verdicts: *certified counterexample* (every "
        "number a proved closed form or a recomputed feasible point), *suggested by search "
        "only* (a local search stays above a certified bound: evidence, not proof), *none "
        "found*. The statements are this project's readings (the conjectures the project "
        "records as true are controls: the explorer must find nothing there); the method is "
        "described in `docs/exploration.md`.",
        "",
    ]
    rows = []
    for exploration in explorations:
        conjecture = exploration.conjecture
        verdict = exploration.verdict
        if not exploration.confirmed:
            verdict = f"**{verdict}, not confirmed by the full re-check**"
        elif exploration.unexpected:
            verdict = f"**{verdict} (UNEXPECTED)**"
        rows.append(
            [
                f"`{conjecture.name}`",
                conjecture.expected,
                conjecture.claim or "bounds outside the claims",
                str(exploration.tried),
                verdict,
                _plain(instance_text(exploration.instance)),
            ]
        )
    lines += _md_table(
        ["conjecture", "recorded", "checked by", "examples tried", "verdict", "instance"], rows
    )
    lines.append("")
    for exploration in explorations:
        conjecture = exploration.conjecture
        lines.append(f"- `{conjecture.name}`: {_plain(conjecture.statement)}.")
        lines.append(f"  Outcome: {_plain(exploration.summary())}.")
        if exploration.finding is not None:
            lines.append(
                f"  Evidence (full-budget re-check): {_plain(exploration.finding.evidence)}."
            )
        commands = exploration.reproduce(folder) if folder is not None else []
        commands = commands or [exploration.command()]
        lines.append("  Reproduce: " + "; ".join(f"`{command}`" for command in commands) + ".")
    lines.append("")
    return lines


def _short_reason(reason: str | None, width: int = 110) -> str:
    reason = reason or "—"
    return reason if len(reason) <= width else reason[: width - 1] + "…"


def proofs_section(runs: list[ClaimRun]) -> list[str]:
    """Proof mode (``--proof``): per claim, how many checks the independent exact checker
    re-verified, and the most common reason for the others."""
    header = ["claim", "proved", "proved within ε", "not proved", "most common reason"]
    rows = []
    for run in runs:
        statuses = run.proof_counts()
        if not statuses:
            continue
        reasons = Counter(
            _short_reason(o.result.proof["reason"])
            for o in run.outcomes
            if o.kind != "control" and o.result.proof and o.result.proof["status"] == "not proved"
        )
        common = reasons.most_common(1)[0][0] if reasons else "—"
        rows.append(
            [
                f"{run.claim.number} `{run.claim.id}`",
                str(statuses.get("proved", 0)),
                str(statuses.get("proved within ε", 0)),
                str(statuses.get("not proved", 0)),
                common,
            ]
        )
    return [
        "## Proofs",
        "",
        "Each check's witnesses (network weights, dual points, patterns and multipliers) were "
        "turned into an exact certificate (`docs/certificates.md`) and re-verified by the "
        "independent checker (`verify/proof/`) in exact rational and ball arithmetic. A check "
        "that is not proved keeps its floating-point verdict; the reason is the first failing "
        "step.",
        "",
        *_md_table(header, rows),
        "",
    ]


def report_markdown(
    runs: list[ClaimRun],
    cells: list[Table1Cell],
    *,
    seed: int,
    examples: int,
    command: str,
    explorations: list[Exploration] | None = None,
    counterexamples: Path | None = None,
) -> str:
    versions = library_versions()
    unexpected = sum(not o.ok for run in runs for o in run.outcomes)
    lines = [
        "# dualgap report: Table 1 of *Parallel Deep Neural Networks Have Zero Duality Gap*",
        "",
        "Wang, Ergen, Pilanci, ICLR 2023 (arXiv:2110.06482). Only the paper's abstract was "
        "available: every claim is checked under the formulation stated in "
        f"`{FORMULATIONS}` (Table 1: `{FORMULATIONS}table1.md`), and what the report says of "
        "the paper is said of its abstract. Every number below is measured: certified bounds "
        "recomputed from explicit feasible points, proved closed-form inequalities, never a "
        "solver's value alone.",
        "",
        f"Reproduce: `{command}` (seed {seed}; at least {examples} generated instance(s) per "
        f"measured Table 1 cell, drawn per cell; {examples} per claim outside Table 1; plus "
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
        *table1_method(),
    ]  # fmt: skip
    lines += [
        "## Results by claim",
        "",
        readme_results_table(runs),
        "## Figures",
        "",
    ]
    for name, caption in FIGURES.items():
        lines += [f"![{caption}]({name})", "", f"*{caption}*", ""]
    lines += ["## Claims", ""]
    for run in runs:
        lines += claim_section(run)
    if explorations:
        lines += conjectures_section(explorations, counterexamples)
    if any(run.proof_counts() for run in runs):
        lines += proofs_section(runs)
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
    out: Path,
    runs: list[ClaimRun],
    *,
    seed: int,
    examples: int,
    command: str,
    explorations: list[Exploration] | None = None,
) -> dict[str, Path]:
    """Write report.md, table1.tex, results.json and the figures into ``out`` (exists, writable,
    checked by the CLI); return ``{name: path}``, the name being the file name without its
    suffix (``report``, ``table1``, ``results``, and one per figure). With ``explorations``,
    also their counterexample files under ``out/counterexamples`` (name ``counterexamples``)."""
    out = Path(out)
    explorations = explorations or []
    citations = {e.conjecture.name: e.citation() for e in explorations}
    cells = table1(runs, minimum=examples, explored=citations)
    written = write_figures(out, runs, seed)
    folder = out / COUNTEREXAMPLES
    if any([write_files(exploration, folder) for exploration in explorations]):
        written["counterexamples"] = folder
    payload = {
        "command": command,
        "seed": seed,
        "examples": examples,
        "cell_minimum": examples,
        "versions": library_versions(),
        "table1": [cell.to_json() for cell in cells],
        "claims": [run.to_json() for run in runs],
        "conjectures": [exploration.to_json(folder) for exploration in explorations],
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
        report_markdown(
            runs,
            cells,
            seed=seed,
            examples=examples,
            command=command,
            explorations=explorations,
            counterexamples=folder,
        ),
        encoding="utf-8",
    )
    return {path.stem: path for path in [*paths.values(), *written.values()]}
