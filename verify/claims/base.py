"""The :class:`Claim` interface shared by every claim module.

A claim module subclasses :class:`Claim` and implements :meth:`Claim.evidence`, which returns
*candidate* bounds (feasible points re-evaluated from scratch, proved inequalities, solver and
search values). :meth:`Claim.check` then does what every claim needs done the same way: it
rejects any candidate whose recomputed residual exceeds the tolerance, keeps the tightest
survivors, builds the certified intervals and judges the claim's predictions against them.
"""

from __future__ import annotations

import math
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar

import numpy as np
from hypothesis.strategies import SearchStrategy

from verify.instances import Instance, InstanceError
from verify.rescaling import rescaling_for
from verify.result import (
    FAILS,
    HOLDS,
    INCONCLUSIVE,
    INFEASIBLE,
    Bound,
    CheckResult,
    Interval,
    judge,
)
from verify.rigorous import OutOfRange

BOUND_NAMES = ("primal_lower", "primal_upper", "dual_lower", "dual_upper")


@dataclass(frozen=True)
class Budget:
    """How much work a check may do. ``seed`` drives every random choice of the check."""

    seed: int = 0
    restarts: int = 6
    max_iter: int = 2000
    #: multiplies the work a falsification search may do (:func:`verify.search.plan_search`):
    #: large instances get fewer starts and iterations, reported; 0 runs no search
    work: float = 1.0
    #: seconds the falsification search may take in all (``None``: no limit; a limit makes the
    #: search's outcome depend on the machine, which the output says)
    timeout: float | None = None
    #: proof mode: re-verify each check's exact certificate with the independent checker
    #: (:func:`verify.certificates.prove_check`; ``dualgap verify/report --proof``)
    proof: bool = False
    solver: bool = True
    #: ``N·d·K`` above which the convex-solver cross-check is skipped (it is a cross-check only).
    solver_max_size: int = 600


@dataclass
class Evidence:
    """What a claim gathered on one instance, before the shared judging in :meth:`Claim.check`.

    ``candidates`` maps bound names to the bounds found for them: the four of
    :data:`BOUND_NAMES`, and ``q_lower``/``q_upper`` for any other quantity ``q`` the claim
    predicts (each becomes the certified interval of ``q``); ``intervals`` adds intervals that
    are not built from bounds; ``verdict`` is set only when the instance itself decides the
    outcome (``infeasible``), or when float64 cannot decide it (``inconclusive``, the reason in
    ``details``).
    """

    predicted: dict[str, float] = field(default_factory=dict)
    candidates: dict[str, list[Bound]] = field(default_factory=dict)
    intervals: dict[str, Interval] = field(default_factory=dict)
    details: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
    verdict: str | None = None
    #: the floating-point witnesses the certified bounds rest on (network weights, dual points),
    #: kept for :meth:`Claim.certificate` (proof mode); never serialised
    witnesses: dict[str, Any] = field(default_factory=dict)

    def add(self, name: str, *bounds: Bound) -> None:
        """Add candidate bounds for ``name`` (e.g. ``"primal_upper"``)."""
        self.candidates.setdefault(name, []).extend(bounds)


def infeasible_evidence(
    message: str, primal_reason: str, ray: str, leak: float, growth: float
) -> Evidence:
    """Evidence that no network interpolates the labels: the primal is ``+∞`` (``primal_reason``)
    and a dual ray ``Λ`` (described by ``ray``) with relative constraint value ``leak`` ≈ 0 and
    objective ``growth = tr(ΛᵀY) > 0`` makes the dual unbounded, both recomputed by the caller."""
    return Evidence(
        predicted={"primal": math.inf, "dual": math.inf},
        candidates={
            "primal_lower": [Bound(math.inf, "closed-form", 0.0, primal_reason)],
            "dual_lower": [Bound(math.inf, "certificate", leak, ray)],
        },
        details=[message, f"dual ray: relative constraint {leak:.2e}, tr(ΛᵀY) = {growth:.6g} > 0"],
        extra={"infeasible": message},
        verdict=INFEASIBLE,
    )


@dataclass(frozen=True)
class PinnedExample:
    """An edge case every run checks, with the verdict the project records for it."""

    instance: Instance
    expected: str
    why: str


@dataclass(frozen=True)
class NegativeControl:
    """A false variant of a claim: ``predict`` gives the variant's values, which the checker's
    certified intervals on ``instance`` must contradict (verdict ``fails``)."""

    name: str
    statement: str
    instance: Instance
    predict: Callable[[Instance], dict[str, float]]


class Claim(ABC):
    """One claim of the paper as an executable checker."""

    id: str
    #: former ids that still name this claim (:func:`verify.claims.get` and the registry accept
    #: them; results carry :attr:`id`)
    aliases: tuple[str, ...] = ()
    number: str
    title: str
    source: str
    statement: str
    #: instance fields this claim needs besides ``X`` and ``Y``
    required: tuple[str, ...] = ("L",)
    #: an acceptable value for a required field, named when it is missing (e.g. ``"3 (…)"``)
    field_hints: ClassVar[dict[str, str]] = {}
    #: relative tolerance of the judging (see :meth:`tolerance`)
    rtol: float = 1e-9
    #: the deepest network a check accepts (the search builds every layer)
    max_depth: int = 100
    #: the verdict the project records for generated (valid, feasible) instances
    expected: str = HOLDS
    #: ``extra`` keys that the human-readable output of a check shows, in this order
    shown_fields: tuple[str, ...] = ()
    #: ``extra`` key holding ``holds``/``fails`` for the abstract's statement read without
    #: further hypotheses, when the claim's statement corrects that reading; ``None`` otherwise
    abstract_reading_key: str | None = None
    #: whether ``P ≥ D`` holds between the claim's ``primal`` and ``dual`` (weak duality): then
    #: :meth:`check` turns every dual lower bound into a primal lower bound and every primal
    #: upper bound into a dual upper bound, so no claim writes that step by hand
    weak_duality: bool = True

    def validate(self, instance: Instance) -> None:
        """Raise :class:`~verify.instances.InstanceError` unless the claim applies."""
        instance.require(*self.required, hints=self.field_hints)
        if instance.L > self.max_depth:
            raise InstanceError(
                "L",
                f"at most {self.max_depth} weight layers are checked (got {instance.L}): the "
                "falsification search trains every layer; use a smaller L",
            )

    def tolerance(self, instance: Instance) -> float:
        """The relative tolerance of the judging: :attr:`rtol`, whatever the data. It is not
        scaled by the conditioning of ``X``: ill-conditioned data widens the certified intervals
        instead (the bounds account for their rounding), and then the verdict is
        ``inconclusive``, with the reason in the details."""
        return self.rtol

    def homogeneity(self, instance: Instance) -> dict[str, tuple[float, float]] | None:
        """Degrees ``(a, b)`` with ``q(2^i X, 2^j Y) = 2^{ai + bj} q(X, Y)`` for each quantity
        ``q`` the claim bounds or predicts (unlisted quantities are scale-free), or ``None`` when
        the claim has no such scaling. :meth:`check` uses it to compute on data rescaled into
        float64's comfortable range by exact powers of two."""
        return None

    @abstractmethod
    def evidence(self, instance: Instance, budget: Budget) -> Evidence:
        """Gather candidate bounds and predictions for a validated instance."""

    @abstractmethod
    def instances(self) -> SearchStrategy[Instance]:
        """A hypothesis strategy of valid instances on which the claim is expected to hold."""

    def pinned_examples(self) -> list[PinnedExample]:
        return []

    def negative_controls(self) -> list[NegativeControl]:
        return []

    def check(self, instance: Instance, budget: Budget | None = None) -> CheckResult:
        budget = budget or Budget()
        self.validate(instance)
        start = time.perf_counter()
        tol = self.tolerance(instance)
        rescaling = rescaling_for(instance, self.homogeneity(instance))
        try:
            # Overflow and invalid operations are not warned about but detected: bounds are
            # computed with explicit finiteness checks (verify.rigorous.OutOfRange), and a
            # non-finite search value simply gives no bound.
            with np.errstate(all="ignore"):
                found = self.evidence(rescaling.instance if rescaling else instance, budget)
        except OutOfRange as exc:
            found = Evidence(details=[f"not computable in float64: {exc}"], verdict=INCONCLUSIVE)
        if rescaling is not None:
            rescaling.map_back(found)
            found.witnesses = {}  # they belong to the rescaled instance: no proof of this one
        if self.weak_duality:
            apply_weak_duality(found)
        details = list(found.details)
        names = sorted(set(BOUND_NAMES) | set(found.candidates))
        bounds: dict[str, Bound | None] = {}
        for name in names:
            accepted = []
            for bound in found.candidates.get(name, []):
                if bound.residual <= tol:
                    accepted.append(bound)
                else:
                    details.append(
                        f"rejected {name} ({bound.kind}, {bound.how}): residual "
                        f"{bound.residual:.2e} > tolerance {tol:.2e}"
                    )
            pick = min if name.endswith("_upper") else max
            bounds[name] = pick(accepted, key=lambda b: b.value) if accepted else None
        intervals = _intervals(bounds)
        intervals.update(found.intervals)
        contradictions = _crossed(intervals, self.weak_duality, details)
        verdict = found.verdict or judge(found.predicted, intervals, tol)
        if contradictions and verdict != INFEASIBLE:
            verdict = INCONCLUSIVE
        return CheckResult(
            claim=self.id,
            verdict=verdict,
            instance=instance.summary(),
            bounds=bounds,
            predicted=found.predicted,
            intervals=intervals,
            tolerance=tol,
            details=details,
            extra=found.extra,
            elapsed_s=time.perf_counter() - start,
            seed=budget.seed,
            witnesses=found.witnesses,
        )

    def certificate(self, instance: Instance, result: CheckResult) -> dict[str, Any]:
        """An exact certificate (``docs/certificates.md``) of ``result``'s verdict, built from
        the check's witnesses (:attr:`Evidence.witnesses`) by :mod:`verify.certificates`; raises
        :class:`verify.certificates.NotCertifiable` with the reason when there is none."""
        from verify.certificates import NotCertifiable

        raise NotCertifiable(f"proof mode does not cover {self.id}")

    def refutes(
        self, control: NegativeControl, budget: Budget | None = None
    ) -> tuple[bool, CheckResult]:
        """Whether the certified intervals on ``control.instance`` contradict the false variant."""
        result = self.check(control.instance, budget)
        variant = control.predict(control.instance)
        return judge(variant, result.intervals, result.tolerance) == FAILS, result

    def describe(self) -> dict[str, str]:
        return {
            "id": self.id,
            "number": self.number,
            "title": self.title,
            "source": self.source,
            "statement": self.statement,
            "expected": self.expected,
        }


def witnesses_of(result: CheckResult, *names: str) -> tuple[Any, ...]:
    """The named witnesses of a check, or :class:`verify.certificates.NotCertifiable` saying
    why there are none (a verdict that rests on no witness, e.g. ``infeasible``)."""
    from verify.certificates import NotCertifiable

    missing = [name for name in names if name not in result.witnesses]
    if missing:
        raise NotCertifiable(
            f"the check (verdict {result.verdict}) has no {', '.join(missing)} witness to "
            "certify: proof mode covers feasible instances within float64's range"
        )
    return tuple(result.witnesses[name] for name in names)


def apply_weak_duality(found: Evidence) -> None:
    """``P ≥ D``: each dual lower bound is a primal lower bound, each primal upper bound (a
    feasible primal point, recomputed) a dual upper bound; residuals carry over."""
    for bound in found.candidates.get("dual_lower", []):
        found.add("primal_lower", replace(bound, how=f"weak duality P ≥ D; {bound.how}"))
    for bound in found.candidates.get("primal_upper", []):
        found.add("dual_upper", replace(bound, how=f"weak duality D ≤ P; {bound.how}"))


def _crossed(intervals: dict[str, Interval], weak_duality: bool, details: list[str]) -> bool:
    """Apply the rules certified intervals obey, in place, and report contradictions.

    Weak duality (``P ≥ D``) makes every gap non-negative: a gap interval reaching below 0 is
    clamped at 0, and the details say so. An interval whose lower end exceeds its upper end means
    two bounds called certified contradict each other — one of them is not a true bound, a
    defect — and is reported (the verdict becomes ``inconclusive``), never silently reordered.
    """
    crossed = False
    for name, (lo, hi) in list(intervals.items()):
        if lo > hi:
            crossed = True
            details.append(
                f"certified bounds contradict each other: {name} lower {lo!r} > upper {hi!r}; "
                "one of them is not a true bound (please report this instance)"
            )
    if weak_duality and "gap" in intervals:
        lo, hi = intervals["gap"]
        if hi < 0.0:
            crossed = True
            details.append(
                f"certified bounds contradict weak duality: primal upper − dual lower = {hi!r} "
                "< 0; one of them is not a true bound (please report this instance)"
            )
        elif lo < 0.0:
            intervals["gap"] = (0.0, hi)
            details.append(f"gap lower end {lo:.3g} clamped to 0 by weak duality (P ≥ D)")
    return crossed


def _bound_value(bound: Bound | None, default: float) -> float:
    return default if bound is None else bound.value


def _intervals(bounds: dict[str, Bound | None]) -> dict[str, Interval]:
    """``[q_lower, q_upper]`` for every quantity ``q`` with a bound, and the duality gap."""
    quantities = {name.rsplit("_", 1)[0] for name in bounds}
    intervals = {
        q: (
            _bound_value(bounds.get(f"{q}_lower"), -math.inf),
            _bound_value(bounds.get(f"{q}_upper"), math.inf),
        )
        for q in quantities
    }
    (p_lo, p_hi), (d_lo, d_hi) = intervals["primal"], intervals["dual"]
    intervals["gap"] = (p_lo - d_hi, p_hi - d_lo)
    return intervals
