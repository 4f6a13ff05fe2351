"""Validated problem instances and their file formats.

An :class:`Instance` is immutable and validated when it is made: arrays are finite and of
consistent shape, ``L`` is an integer ``≥ 2``, ``t`` and ``beta`` are positive. Anything wrong
raises :class:`InstanceError` naming the field and the fix; nothing is silently coerced.
Claim-specific preconditions (orthonormal ``X``, rank-1 ``X``, …) are checked by the claims.
"""

from __future__ import annotations

import json
import math
import numbers
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

FIELDS = ("X", "Y", "L", "t", "beta", "width")
#: An acceptable value of each field, named when the field is missing; a claim can name a more
#: specific one (:attr:`verify.claims.base.Claim.field_hints`).
ACCEPTABLE_VALUES = {
    "X": "an N×d array of real numbers",
    "Y": "an N×K array of real labels (1-D for scalar labels)",
    "L": "an integer ≥ 2 (the number of weight layers)",
    "t": "a positive number (the norm bound of the first L − 2 layers), e.g. 1.0",
    "beta": "a positive number (the regularisation strength), e.g. 0.1",
    "width": "an integer ≥ 1 (the hidden width, or the number of branches)",
}


class InstanceError(ValueError):
    """Bad input: the message names the field and says how to fix it."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(f"{field_name}: {message}")
        self.field = field_name


def missing(name: str, why: str, hints: Mapping[str, str] | None = None) -> InstanceError:
    """The error for an absent field: ``why`` it is needed, and a value to add (from ``hints``
    when it names one, otherwise :data:`ACCEPTABLE_VALUES`)."""
    value = (hints or {}).get(name) or ACCEPTABLE_VALUES.get(name, "a value")
    return InstanceError(name, f"{why}: add {name} = {value}")


def _as_matrix(name: str, value: Any) -> np.ndarray:
    """A real float array, or :class:`InstanceError`: numbers only (integers or floats), never
    coerced from strings, booleans or complex numbers."""
    try:
        array = np.asarray(value)
    except (TypeError, ValueError) as exc:
        raise InstanceError(name, f"must be a real numeric array ({exc})") from None
    kinds = {"b": "booleans", "c": "complex numbers", "U": "strings", "S": "bytes", "O": "objects"}
    if array.dtype.kind in kinds:
        raise InstanceError(
            name,
            f"must hold real numbers, got {kinds[array.dtype.kind]} (dtype {array.dtype}); fix: "
            "store the values as a float array",
        )
    if array.dtype.kind not in "iuf":
        raise InstanceError(name, f"must be a real numeric array, got dtype {array.dtype}")
    return array.astype(float)


def _integer(name: str, value: Any, minimum: int) -> int:
    if isinstance(value, np.ndarray) and value.shape == ():
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise InstanceError(name, f"must be an integer ≥ {minimum}, got {value!r}")
    if not math.isfinite(value) or float(value) != int(value):
        raise InstanceError(name, f"must be an integer ≥ {minimum}, got {value!r}")
    if int(value) < minimum:
        raise InstanceError(name, f"must be an integer ≥ {minimum}, got {int(value)}")
    return int(value)


def _positive(name: str, value: Any) -> float:
    if isinstance(value, np.ndarray) and value.shape == ():
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise InstanceError(name, f"must be a positive finite number, got {value!r}")
    value = float(value)
    if not math.isfinite(value) or value <= 0:
        raise InstanceError(name, f"must be a positive finite number, got {value!r}")
    return value


@dataclass(frozen=True, eq=False)
class Instance:
    """Data ``X`` (N×d), labels ``Y`` (N×K; a 1-D ``Y`` means K = 1), depth ``L`` and the
    claim-dependent scalars: ``t`` (norm bound of the first L−2 layers), ``beta``
    (regularisation strength), ``width`` (hidden width of a standard network, or number of
    branches of a parallel one; ``None`` means "as wide as needed")."""

    X: np.ndarray
    Y: np.ndarray
    L: int = 2
    t: float | None = None
    beta: float | None = None
    width: int | None = None
    label: str = ""
    scalar_output: bool = field(default=False, init=False)

    def __post_init__(self) -> None:
        X = _as_matrix("X", self.X)
        Y = _as_matrix("Y", self.Y)
        if X.ndim != 2 or X.size == 0:
            raise InstanceError("X", f"must be a non-empty 2-D array (N×d), got shape {X.shape}")
        if Y.ndim == 1:
            scalar = True
            Y = Y[:, None]
        elif Y.ndim == 2 and Y.size > 0:
            scalar = False
        else:
            raise InstanceError(
                "Y", f"must be a non-empty 1-D (N) or 2-D (N×K) array, got shape {Y.shape}"
            )
        if Y.shape[0] != X.shape[0]:
            raise InstanceError(
                "Y",
                f"has {Y.shape[0]} rows but X has {X.shape[0]}: one label row per data row",
            )
        for name, array in (("X", X), ("Y", Y)):
            if not np.all(np.isfinite(array)):
                bad = int(np.size(array) - np.count_nonzero(np.isfinite(array)))
                raise InstanceError(name, f"has {bad} non-finite entries (NaN or inf): remove them")
        X.setflags(write=False)
        Y.setflags(write=False)
        object.__setattr__(self, "X", X)
        object.__setattr__(self, "Y", Y)
        object.__setattr__(self, "scalar_output", scalar)
        object.__setattr__(self, "L", _integer("L", self.L, 2))
        if self.t is not None:
            object.__setattr__(self, "t", _positive("t", self.t))
        if self.beta is not None:
            object.__setattr__(self, "beta", _positive("beta", self.beta))
        if self.width is not None:
            object.__setattr__(self, "width", _integer("width", self.width, 1))

    @property
    def N(self) -> int:
        return self.X.shape[0]

    @property
    def d(self) -> int:
        return self.X.shape[1]

    @property
    def K(self) -> int:
        return self.Y.shape[1]

    def require(self, *names: str, hints: Mapping[str, str] | None = None) -> None:
        """Raise :class:`InstanceError` unless every named scalar field is set; the message names
        an acceptable value (from ``hints``, else a generic one)."""
        for name in names:
            if getattr(self, name) is None:
                raise missing(name, "is required by this claim", hints)

    def with_bias(self) -> Instance:
        """The same instance with a column of ones appended to ``X`` (an explicit bias input)."""
        X = np.hstack([self.X, np.ones((self.N, 1))])
        Y = self.Y[:, 0] if self.scalar_output else self.Y
        label = f"{self.label} + bias" if self.label else "bias"
        return Instance(X, Y, self.L, self.t, self.beta, self.width, label)

    def summary(self) -> dict[str, Any]:
        """A small JSON-ready description (shapes and scalars, not the arrays)."""
        out: dict[str, Any] = {"N": self.N, "d": self.d, "K": self.K, "L": self.L}
        for name in ("t", "beta", "width"):
            if getattr(self, name) is not None:
                out[name] = getattr(self, name)
        if self.label:
            out["label"] = self.label
        return out

    def to_json(self) -> dict[str, Any]:
        out = self.summary()
        out["X"] = self.X.tolist()
        out["Y"] = (self.Y[:, 0] if self.scalar_output else self.Y).tolist()
        return out

    def save_npz(self, path: str | Path) -> None:
        arrays: dict[str, Any] = {
            "X": self.X,
            "Y": self.Y[:, 0] if self.scalar_output else self.Y,
            "L": self.L,
        }
        for name in ("t", "beta", "width"):
            if getattr(self, name) is not None:
                arrays[name] = getattr(self, name)
        np.savez(path, **arrays)


def from_mapping(
    data: dict[str, Any],
    required: tuple[str, ...] = (),
    hints: Mapping[str, str] | None = None,
) -> Instance:
    """Build an instance from a mapping of field names (as read from ``.npz`` or ``.json``).

    A missing ``X``, ``Y`` or ``required`` field is an error naming an acceptable value: the
    claim's ``hints`` for that field, else a generic one (:data:`ACCEPTABLE_VALUES`).
    """
    for name in ("X", "Y", *required):
        if name not in data or data[name] is None:
            raise missing(name, "is missing from the instance", hints)
    unknown = sorted(set(data) - set(FIELDS) - {"label", "N", "d", "K"})
    if unknown:
        raise InstanceError(unknown[0], f"is not an instance field (known: {', '.join(FIELDS)})")
    kwargs = {name: data[name] for name in FIELDS if name in data}
    kwargs["label"] = str(data.get("label", ""))
    return Instance(**kwargs)


def load(
    path: str | Path,
    required: tuple[str, ...] = (),
    hints: Mapping[str, str] | None = None,
) -> Instance:
    """Read an instance from ``.npz`` (arrays ``X``, ``Y`` and scalars) or ``.json``; ``required``
    and ``hints`` as in :func:`from_mapping`."""
    path = Path(path)
    if path.is_dir():
        raise InstanceError("instance", f"{str(path)!r} is a folder: give an .npz or .json file")
    if not path.is_file():
        raise InstanceError("instance", f"file {str(path)!r} does not exist: give a readable file")
    if path.suffix == ".json":
        try:
            data = json.loads(path.read_text())
        except (OSError, json.JSONDecodeError) as exc:
            raise InstanceError("instance", f"{path} is not valid JSON ({exc})") from None
        if not isinstance(data, dict):
            raise InstanceError("instance", f"{path} must hold a JSON object of fields")
        return from_mapping(data, required, hints)
    if not zipfile.is_zipfile(path):
        raise InstanceError(
            "instance",
            f"{path} is not an .npz archive (numpy.savez writes one; a .json file of fields works "
            "too)",
        )
    try:
        with np.load(path, allow_pickle=False) as npz:
            data = {name: npz[name] for name in npz.files}
    except Exception as exc:  # numpy raises several types for a corrupt or non-npz file
        raise InstanceError(
            "instance", f"{path} is not a readable .npz file ({type(exc).__name__}: {exc})"
        ) from None
    for name in ("L", "t", "beta", "width"):
        if name in data:
            value = data[name]
            if value.shape != ():
                raise InstanceError(name, f"must be a scalar, got an array of shape {value.shape}")
            data[name] = value.item()
    return from_mapping(data, required, hints)
