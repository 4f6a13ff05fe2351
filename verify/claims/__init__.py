"""The registry of claims: every module in this package that defines ``CLAIM`` is registered.

Discovery (rather than a hand-kept list) lets each claim live in its own module and be added
without touching a shared file. Claims are ordered by their number (C1, C2, …).
"""

from __future__ import annotations

import importlib
import pkgutil

from verify.claims.base import Budget, Claim, Evidence, NegativeControl, PinnedExample
from verify.instances import InstanceError


def _discover() -> dict[str, Claim]:
    found: list[Claim] = []
    for module_info in pkgutil.iter_modules(__path__):
        if module_info.name == "base":
            continue
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        claim = getattr(module, "CLAIM", None)
        if isinstance(claim, Claim):
            found.append(claim)
    found.sort(key=lambda claim: int(claim.number.lstrip("C")))
    return {claim.id: claim for claim in found}


REGISTRY: dict[str, Claim] = _discover()


def get(claim_id: str) -> Claim:
    """The claim with this id, or an :class:`InstanceError` listing the known ids."""
    try:
        return REGISTRY[claim_id]
    except KeyError:
        known = ", ".join(REGISTRY)
        raise InstanceError("claim", f"unknown claim id {claim_id!r}; known: {known}") from None


__all__ = ["REGISTRY", "Budget", "Claim", "Evidence", "NegativeControl", "PinnedExample", "get"]
