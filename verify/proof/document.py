"""Reading a certificate document (``docs/certificates.md``) into exact objects.

Only the structure is validated here (fields present, rationals well written, shapes that
chain); whether the witnesses prove anything is the business of the claim checkers. Every
problem raises :class:`~verify.proof.rationals.CertificateError` naming the field.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flint import fmpq, fmpq_mat

from verify.proof.rationals import CertificateError, parse_matrix, parse_rational

FORMAT = "dualgap-certificate/1"

#: the problem each claim's certificate is about (``docs/certificates.md``)
PROBLEMS = {
    "linear-standard-gap": "linear-standard-t",
    "weight-decay-schatten": "linear-weight-decay",
    "linear-parallel-zero-gap": "linear-parallel-t",
    "weight-decay-low-rank": "linear-ridge",
    "relu-parallel-zero-gap": "relu-parallel-t",
    "relu-rank1-three-layer": "relu-rank1-t",
}


@dataclass(frozen=True)
class InstanceData:
    """The instance as exact rationals: ``X`` (N×d), ``Y`` (N×K) and the scalars."""

    X: fmpq_mat
    Y: fmpq_mat
    L: int
    t: fmpq | None
    beta: fmpq | None
    width: int | None

    @property
    def N(self) -> int:
        return self.X.nrows()

    @property
    def d(self) -> int:
        return self.X.ncols()

    @property
    def K(self) -> int:
        return self.Y.ncols()


@dataclass(frozen=True)
class NetworkData:
    """A network: ``standard`` (one branch) or ``parallel`` (each branch ends in one unit)."""

    kind: str
    activation: str
    branches: tuple[tuple[fmpq_mat, ...], ...]

    @property
    def layers(self) -> tuple[fmpq_mat, ...]:
        """The layers of a standard network."""
        return self.branches[0]


@dataclass(frozen=True)
class Certificate:
    claim: str
    problem: str
    instance: InstanceData
    primal: NetworkData
    body: dict[str, Any]

    def network(self, key: str, kind: str, activation: str) -> NetworkData:
        """Another network of the document (e.g. ``bidual``), validated like the primal."""
        return parse_network(self.body.get(key), key, self.instance, kind, activation)

    def matrix(self, key: str, shape: tuple[int | None, int | None]) -> fmpq_mat:
        path = key.split(".")
        value: Any = self.body
        for part in path:
            if not isinstance(value, dict) or part not in value:
                raise CertificateError(key, "is missing from the certificate")
            value = value[part]
        return parse_matrix(value, key, shape)


def parse(document: Any) -> Certificate:
    if not isinstance(document, dict):
        raise CertificateError("certificate", "must be a JSON object")
    if document.get("format") != FORMAT:
        raise CertificateError(
            "format", f"must be {FORMAT!r}, got {document.get('format')!r}: not a certificate"
        )
    claim = document.get("claim")
    if claim not in PROBLEMS:
        raise CertificateError("claim", f"unknown claim {claim!r}; known: {', '.join(PROBLEMS)}")
    problem = document.get("problem")
    if problem != PROBLEMS[claim]:
        raise CertificateError(
            "problem", f"claim {claim} certifies problem {PROBLEMS[claim]!r}, got {problem!r}"
        )
    instance = parse_instance(document.get("instance"))
    kind, activation = PRIMAL_NETWORKS[problem]
    primal = parse_network(document.get("primal"), "primal", instance, kind, activation)
    return Certificate(claim, problem, instance, primal, document)


#: (architecture, activation) of the primal witness of each problem
PRIMAL_NETWORKS = {
    "linear-standard-t": ("standard", "linear"),
    "linear-weight-decay": ("standard", "linear"),
    "linear-parallel-t": ("parallel", "linear"),
    "linear-ridge": ("standard", "linear"),
    "relu-parallel-t": ("parallel", "relu"),
    "relu-rank1-t": ("standard", "relu"),
}


def parse_instance(value: Any) -> InstanceData:
    if not isinstance(value, dict):
        raise CertificateError("instance", "must be an object with X, Y, L and the scalars")
    X = parse_matrix(value.get("X"), "instance.X", (None, None))
    Y = parse_matrix(value.get("Y"), "instance.Y", (X.nrows(), None))
    L = value.get("L")
    if isinstance(L, bool) or not isinstance(L, int) or L < 2:
        raise CertificateError("instance.L", f"must be an integer ≥ 2, got {L!r}")
    scalars: dict[str, fmpq | None] = {}
    for name in ("t", "beta"):
        raw = value.get(name)
        scalars[name] = None if raw is None else parse_rational(raw, f"instance.{name}")
        if scalars[name] is not None and scalars[name] <= 0:
            raise CertificateError(f"instance.{name}", "must be positive")
    width = value.get("width")
    if width is not None and (isinstance(width, bool) or not isinstance(width, int) or width < 1):
        raise CertificateError("instance.width", f"must be an integer ≥ 1 or null, got {width!r}")
    return InstanceData(X, Y, L, scalars["t"], scalars["beta"], width)


def parse_network(
    value: Any, field: str, instance: InstanceData, kind: str, activation: str
) -> NetworkData:
    """A network of ``instance.L`` layers from ``R^d`` to ``R^K`` of the expected kind."""
    if not isinstance(value, dict):
        raise CertificateError(field, f"must be a {kind} {activation} network object")
    if value.get("network") != kind or value.get("activation") != activation:
        raise CertificateError(
            field,
            f"must be a {kind} {activation} network, got {value.get('network')!r} "
            f"{value.get('activation')!r}",
        )
    raw = [value.get("layers")] if kind == "standard" else value.get("branches")
    if not isinstance(raw, list) or not raw:
        key = "layers" if kind == "standard" else "branches"
        raise CertificateError(f"{field}.{key}", "must be a non-empty list")
    branches = []
    for b, layers in enumerate(raw):
        where = f"{field}.layers" if kind == "standard" else f"{field}.branches[{b}]"
        if not isinstance(layers, list) or len(layers) != instance.L:
            raise CertificateError(where, f"must be a list of L = {instance.L} weight matrices")
        widths: int | None = instance.d
        parsed = []
        for index, layer in enumerate(layers):
            last = index == instance.L - 1
            columns = (
                instance.K
                if last
                else (1 if kind == "parallel" and index == instance.L - 2 else None)
            )
            matrix = parse_matrix(layer, f"{where}[{index}]", (widths, columns))
            widths = matrix.ncols()
            parsed.append(matrix)
        branches.append(tuple(parsed))
    return NetworkData(kind, activation, tuple(branches))
