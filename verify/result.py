"""Bounds, check results and the verdict vocabulary.

A verdict is never taken from a solver's word: it is computed by :func:`judge` from certified
intervals, each end of which is a :class:`Bound` that says how it was obtained.
"""

from __future__ import annotations

import functools
import json
import math
import platform
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any

import numpy as np

HOLDS = "holds"
FAILS = "fails"
INCONCLUSIVE = "inconclusive"
INFEASIBLE = "infeasible"
VERDICTS = (HOLDS, FAILS, INCONCLUSIVE, INFEASIBLE)

#: How a bound was obtained.
#: ``closed-form``: a proved inequality evaluated at the instance (the proof is named in ``how``);
#: ``certificate``: a feasible point whose feasibility and objective were recomputed from scratch;
#: ``solver``: a convex solver's point, made feasible and re-evaluated (so also a certificate);
#: ``search``: the best feasible point found by local search (an upper bound, never a lower one).
BOUND_KINDS = ("closed-form", "certificate", "solver", "search")


@dataclass(frozen=True)
class Bound:
    """One side of a certified interval."""

    value: float
    kind: str
    residual: float = 0.0
    how: str = ""

    def __post_init__(self) -> None:
        if self.kind not in BOUND_KINDS:
            raise ValueError(f"Bound.kind must be one of {BOUND_KINDS}, got {self.kind!r}")

    def to_json(self) -> dict[str, Any]:
        return json_ready(
            {"value": self.value, "kind": self.kind, "residual": self.residual, "how": self.how}
        )


def json_ready(value: Any) -> Any:
    """``value`` as plain JSON data, under the one policy of every JSON that dualgap writes.

    Mappings get string keys; tuples and numpy arrays become lists; numpy scalars become Python
    ones; and every non-finite float (``NaN``, ``+inf``, ``−inf``) becomes ``null``: strict JSON
    has no such numbers, and ``null`` reads as "no finite value" (an infeasible primal, a
    missing bound). Anything else is returned unchanged.
    """
    if isinstance(value, Mapping):
        return {str(k): json_ready(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_ready(v) for v in value]
    if isinstance(value, np.ndarray):
        return json_ready(value.tolist())
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value) if math.isfinite(value) else None
    return value


def dumps_json(value: Any, **kwargs: Any) -> str:
    """The one JSON writer (``check --json``, ``verify --json``, the report's results.json):
    ``value`` made plain by :func:`json_ready` — non-finite numbers written as ``null`` — then
    ``json.dumps(..., allow_nan=False, **kwargs)``, so that a non-finite number can never be
    written as the non-standard ``NaN``/``Infinity``."""
    return json.dumps(json_ready(value), allow_nan=False, **kwargs)


#: The distributions every result depends on, recorded with it.
DEPENDENCIES = ("numpy", "scipy", "sympy", "cvxpy", "clarabel", "python-flint")


@functools.cache
def library_versions() -> dict[str, str]:
    """Versions of everything a result depends on, recorded with every result (read from the
    installed distributions' metadata: importing cvxpy only to read its version costs seconds)."""
    from verify import __version__

    versions = {"dualgap": __version__, "python": platform.python_version()}
    for name in DEPENDENCIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


Interval = tuple[float, float]


def judge(predicted: Mapping[str, float], intervals: Mapping[str, Interval], tol: float) -> str:
    """Verdict of a set of predictions against certified intervals.

    Every predicted quantity ``q`` is compared with its interval ``[lo, hi]`` using the relative
    tolerance ``tol`` scaled by ``|q|`` — for the duality ``gap``, by the primal value it is a
    gap of (a predicted zero gap is zero relative to ``P``); a predicted ``0`` with nothing to be
    relative to is judged against the interval's own size. Judging is relative, never absolute,
    so that a verdict does not depend on the units of the data. Outside the widened interval is
    ``fails`` (a certified contradiction); inside but with an interval too wide to pin ``q`` down
    is ``inconclusive``; otherwise ``holds``. Quantities without an interval are not judged.
    """
    verdict = HOLDS
    primal_scale = max((abs(v) for v in intervals.get("primal", ()) if math.isfinite(v)), default=0)
    for name, value in predicted.items():
        if name not in intervals:
            continue
        lo, hi = intervals[name]
        if math.isinf(value):
            if not (math.isinf(hi) and (value > 0) == (hi > 0)):
                return FAILS
            continue
        scale = abs(value)
        if name == "gap":
            scale = max(scale, primal_scale)
        if scale == 0.0:
            scale = max((abs(v) for v in (lo, hi) if math.isfinite(v)), default=0.0)
        slack = tol * scale
        if value < lo - slack or value > hi + slack:
            return FAILS
        if hi - lo > 2 * slack:
            verdict = INCONCLUSIVE
    return verdict


@dataclass
class CheckResult:
    """The outcome of checking one claim on one instance (cf. ``scipy.optimize.OptimizeResult``).

    ``bounds`` holds ``primal_lower``, ``primal_upper``, ``dual_lower``, ``dual_upper`` (each a
    :class:`Bound` or ``None``); ``intervals`` the certified interval of every judged quantity;
    ``predicted`` the claim's closed-form values; ``extra`` claim-specific JSON keys.
    """

    claim: str
    verdict: str
    instance: dict[str, Any]
    bounds: dict[str, Bound | None]
    predicted: dict[str, float]
    intervals: dict[str, Interval]
    tolerance: float
    details: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
    elapsed_s: float = 0.0
    seed: int | None = None
    versions: dict[str, str] = field(default_factory=lambda: dict(library_versions()))
    #: the check's floating-point witnesses, for proof mode (never serialised)
    witnesses: dict[str, Any] = field(default_factory=dict, repr=False)
    #: the independent checker's answer on the check's certificate (``--proof``), as JSON
    proof: dict[str, Any] | None = None

    @property
    def primal_value(self) -> float:
        """The primal value attained by the best certified point (``inf`` when infeasible)."""
        bound = self.bounds.get("primal_upper")
        return math.inf if bound is None else bound.value

    @property
    def dual_value(self) -> float:
        """The dual value attained by the best certified dual point."""
        bound = self.bounds.get("dual_lower")
        return math.nan if bound is None else bound.value

    @property
    def gap(self) -> float:
        return self.primal_value - self.dual_value

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "claim": self.claim,
            "verdict": self.verdict,
            "primal_value": self.primal_value,
            "dual_value": self.dual_value,
            "gap": self.gap,
            "predicted": self.predicted,
            "bounds": {name: None if b is None else b.value for name, b in self.bounds.items()},
            "bound_details": {
                name: None if b is None else b.to_json() for name, b in self.bounds.items()
            },
            "intervals": self.intervals,
            "tolerance": self.tolerance,
            "instance": self.instance,
            "details": self.details,
            "elapsed_s": self.elapsed_s,
            "seed": self.seed,
            "versions": self.versions,
        }
        if self.proof is not None:
            out["proof"] = self.proof
        out.update(self.extra)
        return json_ready(out)

    def dumps(self, **kwargs: Any) -> str:
        return dumps_json(self.to_json(), **kwargs)
