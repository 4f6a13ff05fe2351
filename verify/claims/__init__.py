"""The registry of claims: every module in this package that defines ``CLAIM`` is registered.

Discovery (rather than a hand-kept list) lets each claim live in its own module and be added
without touching a shared file. Claims are ordered by their number (C1, C2, …). Discovery is
lazy (on first use of ``REGISTRY``), so shared numerics may import :mod:`verify.claims.base`
without importing every claim.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

from verify.claims.base import Budget, Claim, Evidence, NegativeControl, PinnedExample
from verify.instances import InstanceError


class _Registry(dict):
    """Claims by id; a claim's former id (:attr:`Claim.aliases`) looks it up too, without
    being listed (iteration yields every claim once)."""

    def __missing__(self, key: str) -> Claim:
        for claim in self.values():
            if key in claim.aliases:
                return claim
        raise KeyError(key)


_registry: _Registry = _Registry()


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


def registry() -> dict[str, Claim]:
    """Every registered claim by id, in claim order."""
    if not _registry:
        _registry.update(_discover())
    return _registry


def __getattr__(name: str) -> Any:
    if name == "REGISTRY":
        return registry()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def get(claim_id: str) -> Claim:
    """The claim with this id (or a former id, :attr:`Claim.aliases`), or an
    :class:`InstanceError` listing the known ids."""
    claims = registry()
    try:
        return claims[claim_id]
    except KeyError:
        known = ", ".join(claims)
        raise InstanceError("claim", f"unknown claim id {claim_id!r}; known: {known}") from None


__all__ = [
    "REGISTRY",
    "Budget",
    "Claim",
    "Evidence",
    "NegativeControl",
    "PinnedExample",
    "get",
    "registry",
]
