"""Table 1: which claim backs each cell, how the cell's instances are drawn, how it is decided.

The table crosses the activation (linear, ReLU), the architecture (standard, parallel) and the
depth (``L = 2``, ``L = 3``, ``L ≥ 4``); the formulation behind each cell is stated in
``docs/formulations/table1.md``. :data:`CELLS` names, for every cell, the claim whose checks
back it, the verdict the project records for it and the strata its instances are drawn from;
:func:`table1` decides the cells from measured runs (:class:`verify.runner.ClaimRun`).

How instances are drawn
    Every cell backed by a claim lists its *strata*: the claim's instance strategy
    (:mod:`verify.strategies`) restricted to the cell's depth and, in a cell whose zero and
    positive gaps are separated by a condition, to one side of that condition (C1:
    ``rank(X⁺Y) = 1`` or ``≥ 2``; C6: label rows non-negative multiples of one vector or not).
    For a per-cell minimum ``n`` (``dualgap report --examples n``, 10 by default),
    :func:`cell_instances` draws ``⌈n / s⌉`` instances from each of a cell's ``s`` strata,
    reproducibly from the run's seed (each stratum draws under its own seed, derived from the
    run's seed, the claim and the stratum's name). Every measured cell so rests on at least
    ``n`` generated instances, at least ``⌈n/2⌉`` on each side of its condition, besides the
    claim's pinned examples at that depth. The two cells backed by C5 at ``L = 2`` (a two-layer
    standard ReLU network with ``m`` hidden units is a parallel one with ``m`` branches) share
    their instances.

How a cell is decided
    Only certified numbers enter. For every feasible, non-control check of the backing claim at
    the cell's depth, the certified interval of the duality gap
    ``[P_lower − D_upper, P_upper − D_lower]`` is divided by the certified primal value ``P``.
    An instance has a *certified zero gap* when the upper end is within the check's tolerance,
    a *certified positive gap* when the lower end exceeds it. The recorded verdict is printed
    only when the measurements justify it:

    * ``zero gap``: at least one certified zero gap, no certified positive gap;
    * ``gap``: at least one certified positive gap;
    * ``holds under condition``: certified zero and positive gaps, separated exactly by the
      cell's condition (every zero on its zero side, every positive gap off it);
    * a cell that no claim checks prints what the abstract states, marked *not checked here*.

    A failed check, or a measurement against the recorded verdict, makes the cell
    ``contradicted``; too few measurements (no certified gap of the kind needed, or fewer
    instances than the run's per-cell minimum) make it ``not established``; the cell's note
    says why. *Largest certified relative gap*: the largest lower end over the cell (a lower
    end within the tolerance counts as 0, as weak duality ``P ≥ D`` is proved); *largest
    relative gap bound*: the largest upper end (for a zero-gap cell: how small the gap is
    certified to be).

    The ≥ 4 parallel ReLU cell also says what its checks showed (:func:`deep_parallel_remark`):
    how many rank-1 instances were certified exactly, and on general data how many certified
    intervals closed, how narrow the closed ones are and how wide the others stayed.

    The open cells, standard ReLU networks on data no claim covers
    (:data:`EXPLORED_CELLS`), cite what ``dualgap explore`` measured there
    (:mod:`verify.discovery`), labelled by how it was obtained: a certified counterexample,
    a suggestion of search only, or none found. The citation does not change the verdict.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from verify.instances import Instance
from verify.result import FAILS, INCONCLUSIVE, INFEASIBLE, CheckResult
from verify.runner import ClaimRun, Outcome, draw_instances
from verify.strategies import linear_instances, rank1_instances, relu_instances
from verify.strategies.rank1 import GAP as GAP_SIDE
from verify.strategies.rank1 import ZERO_GAP as ZERO_GAP_SIDE

ZERO_GAP = "zero gap"
GAP = "gap"
CONDITIONAL = "holds under condition"
CONTRADICTED = "contradicted"
NOT_ESTABLISHED = "not established"
NOT_RUN = "not run"

ACTIVATIONS = ("linear", "ReLU")
ARCHITECTURES = ("standard", "parallel")
DEPTHS = ("2", "3", "≥ 4")
#: the depths a "≥ 4" cell draws
DEEP = st.integers(4, 8)


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
class Stratum:
    """Instances drawn for a cell: the backing claim's strategy restricted to the cell's depth
    and, in a cell with a condition, to one side of it (``zero_side``; ``None`` without one).
    ``name`` identifies the stratum within its claim (two cells naming the same stratum share
    its instances)."""

    name: str
    strategy: SearchStrategy[Instance]
    zero_side: bool | None = None


@dataclass(frozen=True)
class CellSpec:
    activation: str
    architecture: str
    depth: str
    claim: str | None
    expected: str
    note: str
    condition: Condition | None = None
    strata: tuple[Stratum, ...] = ()
    #: what the cell's checks showed, in words, from its non-control outcomes (added to the note)
    remark: Callable[[list[Outcome]], str] | None = None

    def __post_init__(self) -> None:
        where = f"cell {self.activation}/{self.architecture}/L {self.depth}"
        if self.expected == CONDITIONAL and self.condition is None:
            raise ValueError(f"{where}: a 'holds under condition' cell needs its condition")
        if (self.claim is None) != (not self.strata):
            raise ValueError(f"{where}: a cell has strata exactly when a claim backs it")
        sides = sorted(s.zero_side for s in self.strata if s.zero_side is not None)
        if self.condition is not None and sides != [False, True]:
            raise ValueError(f"{where}: a cell with a condition draws one stratum per side")


def _depth_name(depth: str) -> str:
    return f"L {depth}" if depth.startswith("≥") else f"L = {depth}"


def _linear(depth: str, **kwargs: Any) -> SearchStrategy[Instance]:
    depths = DEEP if depth.startswith("≥") else st.just(int(depth))
    return linear_instances(depths=depths, **kwargs)


def _any_rank(depth: str) -> tuple[Stratum, ...]:
    return (Stratum(_depth_name(depth), _linear(depth)),)


def _by_rank(depth: str) -> tuple[Stratum, ...]:
    name = _depth_name(depth)
    return (
        Stratum(f"{name}, rank(X⁺Y) = 1", _linear(depth, rank=1), zero_side=True),
        Stratum(f"{name}, rank(X⁺Y) ≥ 2", _linear(depth, min_rank=2), zero_side=False),
    )


RELU_2 = (Stratum("L = 2", relu_instances(depths=(2,))),)
RELU_3 = (Stratum("L = 3", relu_instances(depths=(3,))),)
RANK1_SIDES = (
    Stratum("aligned label rows", rank1_instances(side=ZERO_GAP_SIDE), zero_side=True),
    Stratum("label rows not aligned", rank1_instances(side=GAP_SIDE), zero_side=False),
)
RANK1_DEEP_SIDES = (
    Stratum("L ≥ 4, aligned label rows", rank1_instances(side=ZERO_GAP_SIDE, depths=DEEP),
            zero_side=True),
    Stratum("L ≥ 4, label rows not aligned", rank1_instances(side=GAP_SIDE, depths=DEEP),
            zero_side=False),
)  # fmt: skip
LINEAR_GAP_NOTE = "P − D > 0 iff rank(X⁺Y) ≥ 2"
LINEAR_PARALLEL_NOTE = "m ≥ rank(X⁺Y) branches"
RELU_PARALLEL_NOTE = "m ≥ N + 1 branches; exact arrangement enumeration"
#: The ≥ 4 parallel ReLU cell: rank-1 data at L = 4…8 (closed forms, exact) and small general
#: data at L = 4, 5 (certified intervals of verify.relu_deep), one stratum each.
RELU_DEEP = (
    Stratum("L ≥ 4, rank-1 data", rank1_instances(depths=DEEP)),
    Stratum("L = 4, 5, general data", relu_instances(depths=(4, 5), min_dim=2)),
)
RELU_PARALLEL_DEEP_NOTE = (
    "this project's check of the abstract's statement beyond L = 3: rank-1 data exactly (closed "
    "forms at every depth); small general data as certified intervals [D_lower, P_upper] (the "
    "L = 3 solution embedded at depth L against the outer approximation of the atoms)"
)


def deep_parallel_remark(outcomes: list[Outcome]) -> str:
    """What the ≥ 4 parallel ReLU cell showed: rank-1 instances certified exactly, and on general
    data how many certified intervals closed (within the tolerance, the widest closed one) and
    how wide the others stayed (``extra["interval_width"]``, relative to ``P_upper``)."""
    feasible = [o for o in outcomes if o.result.verdict != INFEASIBLE]
    rank1 = [o for o in feasible if o.result.extra.get("rank1")]
    general = [o for o in feasible if not o.result.extra.get("rank1")]
    exact = sum(_certified_zero(o.result) for o in rank1)
    closed = [o for o in general if _certified_zero(o.result)]
    open_ = [o for o in general if not _certified_zero(o.result)]
    depths = sorted({o.instance.L for o in general})
    text = f"rank-1 data: zero gap certified on {exact}/{len(rank1)} (closed forms)"
    text += f"; general data (L = {', '.join(map(str, depths)) or '—'}): interval closed on "
    text += f"{len(closed)}/{len(general)}"
    widths = [o.result.extra.get("interval_width") for o in closed]
    widths = [w for w in widths if w is not None]
    if widths:
        text += f", width ≤ {max(widths):.1e}"
    if open_:
        wide = [o.result.extra.get("interval_width") for o in open_]
        wide = [w for w in wide if w is not None]
        text += f"; {len(open_)} not closed"
        text += f", widest {max(wide):.1e}" if wide else " (no interval)"
    return text


def _certified_zero(result: CheckResult) -> bool:
    measured = measure_gap(result)
    return measured is not None and measured.zero and not measured.failed


#: Table 1: which claim backs each cell, the verdict the project records for it, its strata.
CELLS = (
    CellSpec("linear", "standard", "2", "linear-standard-gap", ZERO_GAP,
             "no norm-constrained layer: P = D = ‖X⁺Y‖_*", strata=_any_rank("2")),
    CellSpec("linear", "standard", "3", "linear-standard-gap", GAP, LINEAR_GAP_NOTE,
             RANK_ONE, _by_rank("3")),
    CellSpec("linear", "standard", "≥ 4", "linear-standard-gap", GAP, LINEAR_GAP_NOTE,
             RANK_ONE, _by_rank("≥ 4")),
    CellSpec("linear", "parallel", "2", "linear-parallel-zero-gap", ZERO_GAP,
             LINEAR_PARALLEL_NOTE, strata=_any_rank("2")),
    CellSpec("linear", "parallel", "3", "linear-parallel-zero-gap", ZERO_GAP,
             LINEAR_PARALLEL_NOTE, strata=_any_rank("3")),
    CellSpec("linear", "parallel", "≥ 4", "linear-parallel-zero-gap", ZERO_GAP,
             LINEAR_PARALLEL_NOTE, strata=_any_rank("≥ 4")),
    CellSpec("ReLU", "standard", "2", "relu-parallel-zero-gap", ZERO_GAP,
             "a two-layer standard ReLU network with m hidden units is a parallel network with "
             "m branches: C5's L = 2 instances", strata=RELU_2),
    CellSpec("ReLU", "standard", "3", "relu-rank1-standard", CONDITIONAL,
             "rank-1 data only; zero gap iff the label rows are non-negative multiples of one "
             "vector, otherwise D < P ≤ √2·D (the abstract's statement read without further "
             "hypotheses fails)", ALIGNED_LABELS, RANK1_SIDES),
    CellSpec("ReLU", "standard", "≥ 4", "relu-rank1-standard", CONDITIONAL,
             "rank-1 data only (this project's extension: the abstract states no result for this "
             "cell); zero gap iff the label rows are non-negative multiples of one vector, "
             "otherwise D_L < P_L ≤ 2^{(L−2)/2}·D_L, the gap growing with depth", ALIGNED_LABELS,
             RANK1_DEEP_SIDES),
    CellSpec("ReLU", "parallel", "2", "relu-parallel-zero-gap", ZERO_GAP, RELU_PARALLEL_NOTE,
             strata=RELU_2),
    CellSpec("ReLU", "parallel", "3", "relu-parallel-zero-gap", ZERO_GAP, RELU_PARALLEL_NOTE,
             strata=RELU_3),
    CellSpec("ReLU", "parallel", "≥ 4", "relu-parallel-zero-gap", ZERO_GAP,
             RELU_PARALLEL_DEEP_NOTE, strata=RELU_DEEP, remark=deep_parallel_remark),
)  # fmt: skip


#: The cells whose note cites an exploration: cell → (conjecture, the data it explores).
EXPLORED_CELLS = {
    ("ReLU", "standard", "3"): ("standard-relu3-zero-gap", "on general (not rank-1) data"),
    ("ReLU", "standard", "≥ 4"): ("standard-relu-deep-zero-gap", "at L = 4, 5"),
}


def stratum_seed(seed: int, claim: str, stratum: str) -> int:
    """The seed a stratum draws under: stable across processes and Python versions (unlike
    ``hash``), different for every stratum of a run."""
    return zlib.crc32(f"{seed}/{claim}/{stratum}".encode())


def cell_instances(
    minimum: int, seed: int, claims: Iterable[str] | None = None
) -> dict[str, list[Instance]]:
    """The generated instances of every claim that backs a cell (only those in ``claims``, if
    given): ``⌈minimum / s⌉`` from each of a cell's ``s`` strata, a stratum shared by two cells
    drawn once. Claims in the order of :data:`CELLS`, instances by stratum."""
    wanted = None if claims is None else set(claims)
    counts: dict[tuple[str, str], tuple[Stratum, int]] = {}
    for spec in CELLS:
        if spec.claim is None or (wanted is not None and spec.claim not in wanted):
            continue
        each = math.ceil(minimum / len(spec.strata))
        for stratum in spec.strata:
            _, count = counts.get((spec.claim, stratum.name), (stratum, 0))
            counts[(spec.claim, stratum.name)] = (stratum, max(count, each))
    drawn: dict[str, list[Instance]] = {}
    for (claim, name), (stratum, count) in counts.items():
        instances = draw_instances(stratum.strategy, count, stratum_seed(seed, claim, name))
        drawn.setdefault(claim, []).extend(instances)
    return drawn


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
    certified upper bound. Both are ``None`` without measurements. ``minimum`` is the number of
    instances the run promised per measured cell; ``undecided`` counts the checks at this depth
    that came out ``inconclusive`` (float64 could not decide them: they measure nothing).
    """

    activation: str
    architecture: str
    depth: str
    verdict: str
    expected: str
    claim: str | None
    claim_number: str | None
    instances: int
    minimum: int
    zero: int
    positive: int
    largest_gap: float | None
    gap_bound: float | None
    note: str
    undecided: int = 0

    @property
    def justified(self) -> bool:
        return self.verdict == self.expected

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "justified": self.justified}


def measure_gap(result: CheckResult) -> GapMeasurement | None:
    """The certified gap of a check, or ``None`` when it certifies none (infeasible instance,
    an ``inconclusive`` check — counted apart, see :class:`Table1Cell` — or a claim without a
    dual, such as C4)."""
    if result.verdict in (INFEASIBLE, INCONCLUSIVE) or "gap" not in result.intervals:
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


def depth_of(L: int) -> str:
    """The Table 1 column of depth ``L``."""
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


def _decide(
    spec: CellSpec, measured: list[tuple[Outcome, GapMeasurement]], minimum: int
) -> tuple[str, str]:
    """The cell's verdict and the remarks for its note (how the condition splits the
    instances; why the verdict is not the recorded one). A contradiction stands on any number
    of instances; a confirmation needs ``minimum`` of them."""
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
    if verdict == spec.expected and len(measured) < minimum:
        verdict = NOT_ESTABLISHED
        why = f"{len(measured)} instance(s), fewer than the minimum {minimum}"
    return verdict, "; ".join(filter(None, [split, why]))


def table1(
    runs: Iterable[ClaimRun], minimum: int = 0, explored: Mapping[str, str] | None = None
) -> list[Table1Cell]:
    """Table 1 decided from ``runs``: one cell per (activation, architecture, depth), in the
    order of :data:`CELLS`; a measured cell needs ``minimum`` instances to show its recorded
    verdict. ``explored`` maps a conjecture's name to what its exploration measured
    (:meth:`verify.discovery.Exploration.citation`), cited in the notes of
    :data:`EXPLORED_CELLS`."""
    by_id = {run.claim.id: run for run in runs}
    cells = []
    for spec in CELLS:
        run = by_id.get(spec.claim) if spec.claim else None
        measured = [(o, m) for o, m in measurements(run) if depth_of(o.instance.L) == spec.depth]
        undecided = _undecided(run, spec.depth)
        note = spec.note
        if spec.claim is None:
            verdict = spec.expected
        elif run is None:
            verdict, note = NOT_RUN, f"{spec.claim} was not run; {note}"
        else:
            verdict, remarks = _decide(spec, measured, minimum)
            note += f"; {remarks}" if remarks else ""
            if spec.remark is not None:
                note += f"; {spec.remark(_outcomes_at(run, spec.depth))}"
            if undecided:
                note += f"; {undecided} inconclusive in float64 (not counted)"
        cited = EXPLORED_CELLS.get((spec.activation, spec.architecture, spec.depth))
        if cited is not None and cited[0] in (explored or {}):
            note += f"; {cited[1]}, {explored[cited[0]]}"
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
                minimum=minimum if spec.claim is not None else 0,
                zero=sum(m.zero for _, m in measured),
                positive=sum(m.positive for _, m in measured),
                largest_gap=max((m.lower for _, m in measured), default=None),
                gap_bound=max((m.upper for _, m in measured), default=None),
                note=note,
                undecided=undecided,
            )
        )
    return cells


def _outcomes_at(run: ClaimRun, depth: str) -> list[Outcome]:
    """The pinned and generated (not control) outcomes of ``run`` at the cell's depth."""
    return [o for o in run.outcomes if o.kind != "control" and depth_of(o.instance.L) == depth]


def _undecided(run: ClaimRun | None, depth: str) -> int:
    if run is None:
        return 0
    return sum(
        o.kind != "control" and o.result.verdict == INCONCLUSIVE and depth_of(o.instance.L) == depth
        for o in run.outcomes
    )
