"""Claim runs: each claim on its pinned, generated and negative-control instances.

Generated instances come from the claim's hypothesis strategy, drawn under a fixed
``hypothesis.seed`` so that a run is reproduced exactly by its seed (printed with every run),
or are handed in by the caller (the report draws them per cell of Table 1:
:func:`verify.table1.cell_instances`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis.strategies import SearchStrategy

from verify.claims import Budget, Claim, get
from verify.instances import Instance
from verify.result import CheckResult

REFUTED = "refuted"
NOT_REFUTED = "not refuted"

#: How many generated instances and local-search starts each profile uses.
PROFILES = {
    "dev": {"examples": 10, "restarts": 6},
    "thorough": {"examples": 100, "restarts": 16},
}


def draw_instances(strategy: SearchStrategy[Instance], count: int, seed: int) -> list[Instance]:
    """``count`` instances from ``strategy``, reproducibly from ``seed``."""
    collected: list[Instance] = []
    if count == 0:  # hypothesis refuses max_examples=0
        return collected

    @hypothesis_seed(seed)
    @settings(
        max_examples=count,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def collect(instance: Instance) -> None:
        collected.append(instance)

    collect()
    return collected[:count]


@dataclass
class Outcome:
    """One check inside an exploration run."""

    kind: str  # "pinned", "generated" or "control"
    label: str
    verdict: str
    expected: str
    result: CheckResult
    instance: Instance

    @property
    def ok(self) -> bool:
        return self.verdict == self.expected

    def to_json(self) -> dict[str, Any]:
        out = {
            "kind": self.kind,
            "label": self.label,
            "verdict": self.verdict,
            "expected": self.expected,
            "ok": self.ok,
            "result": self.result.to_json(),
        }
        if not self.ok:
            out["instance_data"] = self.instance.to_json()
        return out


@dataclass
class ClaimRun:
    """The outcomes of one claim's exploration; ``elapsed_s`` sums the checks' own times."""

    claim: Claim
    outcomes: list[Outcome] = field(default_factory=list)
    elapsed_s: float = 0.0

    @property
    def ok(self) -> bool:
        return all(o.ok for o in self.outcomes)

    def counts(self) -> Counter:
        return Counter(o.verdict for o in self.outcomes if o.kind != "control")

    @property
    def examples(self) -> int:
        return sum(o.kind != "control" for o in self.outcomes)

    @property
    def controls(self) -> tuple[int, int]:
        controls = [o for o in self.outcomes if o.kind == "control"]
        return sum(o.verdict == REFUTED for o in controls), len(controls)

    @property
    def largest_residual(self) -> float:
        """Largest recomputed residual among the bounds the verdicts rest on."""
        return max(
            (
                b.residual
                for o in self.outcomes
                for b in o.result.bounds.values()
                if b is not None and b.kind != "closed-form"
            ),
            default=0.0,
        )

    def to_json(self) -> dict[str, Any]:
        refuted, controls = self.controls
        return {
            "claim": self.claim.id,
            "ok": self.ok,
            "examples": self.examples,
            "counts": dict(self.counts()),
            "controls_refuted": refuted,
            "controls": controls,
            "largest_residual": self.largest_residual,
            "elapsed_s": self.elapsed_s,
            "outcomes": [o.to_json() for o in self.outcomes],
        }


def _run_task(task: tuple[str, str, Any], budget: Budget) -> Outcome:
    """One check. Tasks name pinned examples and controls by index so that they can cross a
    process boundary (a control's ``predict`` may be a lambda, which does not pickle)."""
    kind, claim_id, payload = task
    claim = get(claim_id)
    if kind == "pinned":
        example = claim.pinned_examples()[payload]
        result = claim.check(example.instance, budget)
        label = example.instance.label or example.why
        return Outcome(kind, label, result.verdict, example.expected, result, example.instance)
    if kind == "generated":
        index, instance = payload
        result = claim.check(instance, budget)
        return Outcome(kind, f"#{index}", result.verdict, claim.expected, result, instance)
    control = claim.negative_controls()[payload]
    refuted, result = claim.refutes(control, budget)
    verdict = REFUTED if refuted else NOT_REFUTED
    return Outcome(kind, control.name, verdict, REFUTED, result, control.instance)


def run_claims(
    claims: list[Claim],
    examples: int,
    seed: int,
    budget: Budget,
    progress: Callable[[str, int, int], None] | None = None,
    jobs: int = 1,
    instances: Mapping[str, Sequence[Instance]] | None = None,
) -> list[ClaimRun]:
    """Explore several claims, spreading the checks over ``jobs`` processes.

    A claim's generated checks are its entry in ``instances`` (by claim id), in that order,
    when it has one; otherwise ``examples`` instances drawn from its strategy under ``seed``.
    Instances are drawn in this process and every check seeds its own generator from
    ``budget.seed``, so the outcomes do not depend on ``jobs`` or on scheduling.
    """
    given = instances or {}
    tasks: list[tuple[str, str, Any]] = []
    for claim in claims:
        tasks += [("pinned", claim.id, i) for i in range(len(claim.pinned_examples()))]
        if claim.id in given:
            generated = list(given[claim.id])
        else:
            generated = draw_instances(claim.instances(), examples, seed)
        tasks += [("generated", claim.id, (i, inst)) for i, inst in enumerate(generated)]
        tasks += [("control", claim.id, i) for i in range(len(claim.negative_controls()))]
    totals = Counter(task[1] for task in tasks)
    done: Counter = Counter()
    runs = {claim.id: ClaimRun(claim) for claim in claims}

    def record(task: tuple[str, str, Any], outcome: Outcome) -> None:
        claim_id = task[1]
        runs[claim_id].outcomes.append(outcome)
        runs[claim_id].elapsed_s += outcome.result.elapsed_s
        done[claim_id] += 1
        if progress is not None:
            progress(claim_id, done[claim_id], totals[claim_id])

    if jobs <= 1:
        for task in tasks:
            record(task, _run_task(task, budget))
    else:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            for task, outcome in zip(
                tasks, pool.map(_run_task, tasks, [budget] * len(tasks)), strict=True
            ):
                record(task, outcome)
    return [runs[claim.id] for claim in claims]
