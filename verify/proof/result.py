"""What the checker answers: :class:`ProofResult`, and the ledger of checks it performed."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import flint

from verify.proof.balls import DIGITS, PRECISION, Enclosure, upper_text

PROVED = "proved"
PROVED_WITHIN = "proved within ε"
NOT_PROVED = "not proved"
STATUSES = (PROVED, PROVED_WITHIN, NOT_PROVED)

ARITHMETIC = (
    f"exact rationals (python-flint {flint.__version__} fmpq/fmpq_mat) and ball arithmetic "
    f"(arb, {PRECISION} bits); enclosures printed to {DIGITS} digits, rounded outward"
)


@dataclass(frozen=True)
class Check:
    """One verified (or failed) step: its name and what was found."""

    name: str
    passed: bool
    detail: str

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "passed": self.passed, "detail": self.detail}


@dataclass(frozen=True)
class ProofResult:
    """The checker's verdict on one certificate.

    ``status``: :data:`PROVED` (a positive gap: the enclosure of ``P − D`` lies above 0),
    :data:`PROVED_WITHIN` (a zero-gap statement: the gap lies in ``[0, ε]``, or for a claim
    without a dual the optimum lies within ``ε`` of the closed form's bound) or
    :data:`NOT_PROVED` (``reason`` names the first failing check). ``enclosures`` maps each
    quantity (``primal``, ``dual``, ``gap`` and the closed forms) to decimal strings
    ``[lo, hi]`` rounded outward; ``epsilon`` is the upper end of the gap enclosure when the
    statement is a zero gap.
    """

    claim: str
    status: str
    arithmetic: str
    enclosures: dict[str, list[str]]
    epsilon: str | None
    reason: str | None
    checks: tuple[Check, ...]
    statement: str = ""

    @property
    def proved(self) -> bool:
        return self.status != NOT_PROVED

    def to_json(self) -> dict[str, Any]:
        return {
            "claim": self.claim,
            "status": self.status,
            "statement": self.statement,
            "arithmetic": self.arithmetic,
            "enclosures": self.enclosures,
            "epsilon": self.epsilon,
            "reason": self.reason,
            "checks": [c.to_json() for c in self.checks],
        }

    def summary(self) -> str:
        """One line for human output."""
        if self.status == NOT_PROVED:
            return f"{NOT_PROVED}: {self.reason}"
        gap = self.enclosures.get("gap")
        where = f"gap in [{gap[0]}, {gap[1]}]" if gap else ""
        if self.status == PROVED_WITHIN:
            return f"{PROVED_WITHIN} = {self.epsilon}" + (f" ({where})" if where else "")
        return f"{PROVED} ({where})"


class Refuted(Exception):
    """A check failed: the certificate does not prove the statement (not a format error)."""

    def __init__(self, check: str, detail: str) -> None:
        super().__init__(f"{check}: {detail}")
        self.check = check
        self.detail = detail


@dataclass
class Ledger:
    """The checks performed so far and the enclosures established."""

    claim: str
    checks: list[Check] = field(default_factory=list)
    enclosures: dict[str, Enclosure] = field(default_factory=dict)

    def passed(self, name: str, detail: str) -> None:
        self.checks.append(Check(name, True, detail))

    def require(self, condition: bool, name: str, detail: str, failure: str) -> None:
        """Record ``name`` as passed, or raise :class:`Refuted` with ``failure``."""
        if not condition:
            raise Refuted(name, failure)
        self.passed(name, detail)

    def refuted(self, error: Refuted) -> ProofResult:
        self.checks.append(Check(error.check, False, error.detail))
        return self._result(NOT_PROVED, None, str(error), "")

    def conclude(self, statement: str, zero_gap: bool, gap: Enclosure) -> ProofResult:
        """The status of a statement about the gap ``P − D`` whose enclosure is ``gap``.

        A positive-gap statement is proved when ``gap`` lies above 0; a zero-gap statement is
        proved within ``ε`` (the upper end of ``gap``, already clamped below at 0 by weak
        duality) unless ``gap`` lies above 0, which refutes it.
        """
        self.enclosures["gap"] = gap
        if zero_gap:
            if gap.certainly_positive():
                error = Refuted(
                    "statement", "the certified gap is positive, contradicting a zero gap"
                )
                self.checks.append(Check(error.check, False, error.detail))
                return self._result(NOT_PROVED, None, str(error), statement)
            return self._result(PROVED_WITHIN, upper_text(gap.hi), None, statement)
        if gap.certainly_positive():
            return self._result(PROVED, None, None, statement)
        reason = f"statement: the gap enclosure {gap.text()} does not lie above 0"
        self.checks.append(Check("statement", False, reason))
        return self._result(NOT_PROVED, None, reason, statement)

    def conclude_within(self, statement: str, excess: Enclosure) -> ProofResult:
        """A statement that a certified value is within ``ε`` of a proved bound (no dual)."""
        return self._result(PROVED_WITHIN, upper_text(excess.hi), None, statement)

    def _result(
        self, status: str, epsilon: str | None, reason: str | None, statement: str
    ) -> ProofResult:
        return ProofResult(
            claim=self.claim,
            status=status,
            arithmetic=ARITHMETIC,
            enclosures={name: e.text() for name, e in self.enclosures.items()},
            epsilon=epsilon,
            reason=reason,
            checks=tuple(self.checks),
            statement=statement,
        )
