"""Property exploration: run a claim on pinned, generated and negative-control instances.

Generated instances come from the claim's hypothesis strategy, drawn under a fixed
``hypothesis.seed`` so that a run is reproduced exactly by its seed (printed with every run).
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis.strategies import SearchStrategy

from verify.claims import Budget, Claim
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

    if count > 0:
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


def explore(
    claim: Claim,
    examples: int,
    seed: int,
    budget: Budget,
    progress: Callable[[str, int, int], None] | None = None,
) -> ClaimRun:
    """Pinned examples, then ``examples`` generated instances, then the negative controls."""
    start = time.perf_counter()
    run = ClaimRun(claim)
    pinned = claim.pinned_examples()
    generated = draw_instances(claim.instances(), examples, seed)
    controls = claim.negative_controls()
    total, done = len(pinned) + len(generated) + len(controls), 0

    def tick() -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(claim.id, done, total)

    for example in pinned:
        result = claim.check(example.instance, budget)
        run.outcomes.append(
            Outcome(
                "pinned",
                example.instance.label or example.why,
                result.verdict,
                example.expected,
                result,
                example.instance,
            )
        )
        tick()
    for index, instance in enumerate(generated):
        result = claim.check(instance, budget)
        run.outcomes.append(
            Outcome("generated", f"#{index}", result.verdict, claim.expected, result, instance)
        )
        tick()
    for control in controls:
        refuted, result = claim.refutes(control, budget)
        run.outcomes.append(
            Outcome(
                "control",
                control.name,
                REFUTED if refuted else NOT_REFUTED,
                REFUTED,
                result,
                control.instance,
            )
        )
        tick()
    run.elapsed_s = time.perf_counter() - start
    return run
