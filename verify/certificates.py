"""Certificates: floating-point witnesses turned into exact ones that the checker accepts.

The checker (:mod:`verify.proof`) accepts only exact witnesses: a network that interpolates
``Y`` *exactly*, a dual point that satisfies its constraint *exactly*. Floating-point witnesses
do neither, so each builder here rationalises them (every float is an exact rational) and then
repairs, exactly, what rounding broke:

* a dual point is shrunk by the rational factor that makes its exact check pass (tried from
  ``1 − 2⁻⁵²`` downwards), or divided by a rational upper bound of its exact constraint value;
* norm-constrained layers are scaled into ``‖W_l‖_F ≤ t`` by a rational factor;
* the last layer is solved exactly over the rationals so that the network interpolates: for
  linear networks the first layer is written in the column space of ``W* = X⁺Y`` and the last
  layer solves the remaining small system exactly (:func:`_exact_linear_branches`); for ReLU
  networks the output weights are the exact least-squares solution over the last hidden units
  (plus helper units or branches when they do not span the labels' space), then every unit is
  rebalanced exactly.

When exact repair is impossible — typically float labels that are not *exactly* in the range
of the data (``Y = X·W`` rounded, with ``N > d``) — a builder raises :class:`NotCertifiable`
with the precise reason, rather than emit a certificate that would not verify.

:func:`write_certificate` and :func:`verify.proof.read_certificate` are the file I/O (``json``
only); :func:`prove` runs the independent checker on a built document and turns
:class:`NotCertifiable` into a ``not proved`` result.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import flint
import numpy as np
from flint import fmpq, fmpq_mat, fmpz
from scipy.optimize import nnls

from verify import __version__
from verify.arrangements import chamber_patterns
from verify.instances import Instance
from verify.result import CheckResult

if TYPE_CHECKING:
    from verify.claims.base import Claim
from verify.proof import FORMAT, PROBLEMS, ProofResult, check_certificate
from verify.proof.balls import semidefinite_defect
from verify.proof.document import parse_instance
from verify.proof.rank1 import dual_constraint as rank1_constraint
from verify.proof.rank1 import outer as rank1_outer
from verify.proof.rank1 import sides as rank1_sides
from verify.proof.rationals import (
    column,
    frobenius_squared,
    from_float,
    from_rows,
    hstack,
    identity,
    matrix_from_floats,
    matrix_text,
    pinv_solve,
    pivot_columns,
    rational_text,
    relu,
    rows_of,
    scaled,
    select_columns,
)
from verify.proof.relu import cone_bounds, outer_vector, pattern_text
from verify.proof.result import ARITHMETIC, NOT_PROVED, Check

Arrays = Sequence[np.ndarray]

#: Relative shrink factors ``1 − 2^{−k}`` tried, in this order, to make a dual point feasible.
SHRINK_EXPONENTS = (52, 48, 44, 40, 36, 32, 28, 24, 20)
#: Relative accuracy (bits) of the rational square roots used for scaling and balancing.
ROOT_BITS = 64


class NotCertifiable(Exception):
    """No exact certificate can be built from these witnesses; the message says why."""


# --- documents and files ---------------------------------------------------------------------


def instance_document(instance: Instance) -> dict[str, Any]:
    """The instance as exact rationals (its floats' exact values)."""
    document: dict[str, Any] = {
        "X": matrix_text(matrix_from_floats(instance.X)),
        "Y": matrix_text(matrix_from_floats(instance.Y)),
        "L": instance.L,
    }
    for name in ("t", "beta"):
        value = getattr(instance, name)
        document[name] = None if value is None else rational_text(from_float(value))
    document["width"] = instance.width
    return document


def certificate_document(claim: str, instance: Instance, **witnesses: Any) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "claim": claim,
        "problem": PROBLEMS[claim],
        "instance": instance_document(instance),
        **witnesses,
        "generator": {
            "dualgap": __version__,
            "python-flint": flint.__version__,
            "note": "informational; the checker reads only the fields above",
        },
    }


def instance_mismatch(document: dict[str, Any], instance: Instance) -> str | None:
    """Why the certificate is not for this instance (one line), or ``None`` if it is.

    The values are compared exactly (``"2/4"`` equals ``0.5``); a malformed instance object
    raises :class:`verify.proof.CertificateError`.
    """
    recorded = parse_instance(document.get("instance"))
    expected = parse_instance(instance_document(instance))
    for name in ("X", "Y", "L", "t", "beta", "width"):
        mine, theirs = getattr(expected, name), getattr(recorded, name)
        same = (
            mine.nrows() == theirs.nrows() and mine.ncols() == theirs.ncols() and mine == theirs
            if name in ("X", "Y")
            else mine == theirs
        )
        if not same:
            return f"the certificate is for another instance: field {name!r} differs"
    return None


def write_certificate(document: dict[str, Any], path: str | Path) -> None:
    Path(path).write_text(json.dumps(document, indent=1) + "\n")


def prove(
    claim: str, build: Callable[[], dict[str, Any]]
) -> tuple[dict[str, Any] | None, ProofResult]:
    """Build a certificate for ``claim`` and check it with the independent checker.

    Returns the document (``None`` when it could not be built) and the checker's result; a
    :class:`NotCertifiable` becomes a ``not proved`` result carrying its reason.
    """
    try:
        document = build()
    except NotCertifiable as exc:
        return None, not_certifiable_result(claim, str(exc))
    return document, check_certificate(document)


def prove_check(
    claim: Claim, instance: Instance, result: CheckResult
) -> tuple[dict[str, Any] | None, ProofResult]:
    """Proof mode for one check: the claim's certificate of ``result`` (built from the check's
    witnesses, :meth:`verify.claims.Claim.certificate`), re-verified by the independent checker."""
    return prove(claim.id, lambda: claim.certificate(instance, result))


def not_certifiable_result(claim: str, reason: str) -> ProofResult:
    """The ``not proved`` result of a certificate that could not be built."""
    return ProofResult(
        claim=claim,
        status=NOT_PROVED,
        arithmetic=ARITHMETIC,
        enclosures={},
        epsilon=None,
        reason=f"certificate: {reason}",
        checks=(Check("certificate", False, reason),),
    )


# --- exact repairs ----------------------------------------------------------------------------


def sqrt_below(value: fmpq, bits: int = ROOT_BITS) -> fmpq:
    """A rational ``r ≤ √value`` with ``bits`` significant bits."""
    return _sqrt_rounded(value, bits, upward=False)


def sqrt_above(value: fmpq, bits: int = ROOT_BITS) -> fmpq:
    """A rational ``r ≥ √value`` with ``bits`` significant bits."""
    return _sqrt_rounded(value, bits, upward=True)


def _sqrt_rounded(value: fmpq, bits: int, upward: bool) -> fmpq:
    if value <= 0:
        return fmpq(0)
    exponent = (int(value.p).bit_length() - int(value.q).bit_length()) // 2 - bits
    unit = fmpq(2) ** exponent if exponent >= 0 else fmpq(1, 2**-exponent)
    count = value / (unit * unit)
    root = fmpz(count.floor()).isqrt()
    if upward and root * root < count:
        root += 1
    return root * unit


def ball_factor(norm_squared: fmpq, bound_squared: fmpq) -> fmpq:
    """A rational ``f ≤ 1`` with ``f²·norm_squared ≤ bound_squared`` (1 when already inside)."""
    return fmpq(1) if norm_squared <= bound_squared else sqrt_below(bound_squared / norm_squared)


def fit_into_ball(W: fmpq_mat, bound_squared: fmpq) -> fmpq_mat:
    """``W`` scaled by a rational factor so that ``‖W‖_F² ≤ bound_squared`` exactly."""
    return scaled(W, ball_factor(frobenius_squared(W), bound_squared))


def shrink_into_spectral_ball(X: fmpq_mat, Lam: fmpq_mat, radius_squared: fmpq) -> fmpq_mat:
    """``Λ`` scaled so that ``‖XᵀΛ‖₂² ≤ radius_squared`` passes the exact ``LDLᵀ`` check.

    The factor is ``ρ/‖XᵀΛ‖₂`` (float estimate) times ``1 − 2^{−k}`` for the first ``k`` of
    :data:`SHRINK_EXPONENTS` that passes, or 1 when ``Λ`` is already exactly feasible.
    """
    if _spectral_excess(X, Lam, radius_squared) is None:
        return Lam
    B = X.transpose() * Lam
    estimate = float(np.linalg.norm(np.array(rows_of(B), dtype=float), 2))
    base = sqrt_below(radius_squared) / from_float(estimate)
    for k in SHRINK_EXPONENTS:
        candidate = scaled(Lam, base * (1 - fmpq(1, 2**k)))
        if _spectral_excess(X, candidate, radius_squared) is None:
            return candidate
    raise NotCertifiable("the dual point could not be shrunk into ‖XᵀΛ‖₂ ≤ c exactly")


def _spectral_excess(X: fmpq_mat, Lam: fmpq_mat, radius_squared: fmpq) -> str | None:
    B = X.transpose() * Lam
    gram = B.transpose() * B if B.ncols() <= B.nrows() else B * B.transpose()
    return semidefinite_defect(identity(gram.nrows(), radius_squared) - gram)


def exact_target(instance: Instance) -> tuple[fmpq_mat, fmpq_mat, fmpq_mat]:
    """``X``, ``Y`` and ``W* = X⁺Y`` exactly; :class:`NotCertifiable` unless ``XW* = Y``."""
    X, Y = matrix_from_floats(instance.X), matrix_from_floats(instance.Y)
    W = pinv_solve(X, Y)
    if X * W != Y:
        raise NotCertifiable(
            "Y is not exactly in the range of X (the float labels are X·W only up to rounding, "
            f"N = {instance.N} > rank(X) = {X.rank()}): the exact instance is infeasible, no "
            "linear network interpolates it"
        )
    return X, Y, W


def _chain(layers: Sequence[fmpq_mat]) -> fmpq_mat:
    product = layers[0]
    for W in layers[1:]:
        product = product * W
    return product


def _solve_last(G: fmpq_mat, target: fmpq_mat, what: str) -> fmpq_mat:
    """``Z = G⁺·target`` with ``G Z = target`` exactly, else :class:`NotCertifiable`."""
    Z = pinv_solve(G, target)
    if G * Z != target:
        raise NotCertifiable(
            f"{what} reach rank {G.rank()}, but the exact X⁺Y has rank {target.rank()} (the float "
            "witness drops singular values below its rank tolerance, which the exact data keep): "
            "the last layer cannot be solved exactly"
        )
    return Z


# --- deep linear claims (C1, C2, C3) ---------------------------------------------------------


def linear_standard_certificate(
    claim: str, instance: Instance, layers: Arrays, dual: np.ndarray
) -> dict[str, Any]:
    """C1 (``linear-standard-gap``, dual at ``c = t^{−(L−2)}``) or C2 (``weight-decay-schatten``,
    dual at ``t = 1``): a standard linear network and a dual matrix ``Λ``."""
    X, _, target = exact_target(instance)
    constrained = claim == "linear-standard-gap"
    bound = from_float(instance.t) ** 2 if constrained else None
    exact = _exact_linear_branches(target, [_nonempty(layers)], instance.L, bound)[0]
    radius_squared = _radius_squared(instance) if constrained else fmpq(1)
    Lam = shrink_into_spectral_ball(X, matrix_from_floats(dual), radius_squared)
    return certificate_document(
        claim,
        instance,
        primal=_network("standard", "linear", [exact]),
        dual={"Lambda": matrix_text(Lam)},
    )


def linear_parallel_certificate(
    instance: Instance, branches: Sequence[Arrays], dual: np.ndarray
) -> dict[str, Any]:
    """C3 (``linear-parallel-zero-gap``): parallel branches (last hidden layer one unit)."""
    X, _, target = exact_target(instance)
    bound = from_float(instance.t) ** 2
    exact = _exact_linear_branches(target, branches or [_zero_branch(instance)], instance.L, bound)
    Lam = shrink_into_spectral_ball(X, matrix_from_floats(dual), _radius_squared(instance))
    return certificate_document(
        "linear-parallel-zero-gap",
        instance,
        primal=_network("parallel", "linear", exact),
        dual={"Lambda": matrix_text(Lam)},
    )


def _exact_linear_branches(
    target: fmpq_mat, branches: Sequence[Arrays], L: int, bound: fmpq | None
) -> list[list[fmpq_mat]]:
    """Linear branches whose outputs sum to ``target = W*`` exactly.

    With ``W* = C F`` (``C`` its pivot columns, ``F`` the rows of its reduced echelon form), each
    first layer becomes ``C R`` — ``R`` the float least-squares coordinates of the float layer,
    rationalised — so that the product lies in the column space of ``W*`` exactly; the layers
    ``l ≤ L − 2`` are scaled into ``‖W_l‖_F² ≤ bound`` (when given); the last layers ``Z`` solve
    ``M Z = F`` (``M`` the product of the others without ``C``: short rationals) exactly.
    """
    F, pivots = pivot_columns(target)
    if not pivots:  # W* = 0: zero networks
        return [[fmpq_mat(*np.shape(W)) for W in layers] for layers in branches]
    C = select_columns(target, pivots)
    basis = np.array([[float(v) for v in row] for row in rows_of(C)])
    exact, products = [], []
    for layers in branches:
        R = matrix_from_floats(np.linalg.lstsq(basis, np.asarray(layers[0], float), rcond=None)[0])
        middle = [matrix_from_floats(W) for W in layers[1:-1]]
        if bound is not None and L > 2:
            R = scaled(R, ball_factor(frobenius_squared(C * R), bound))
            middle[: L - 3] = [fit_into_ball(W, bound) for W in middle[: L - 3]]
        exact.append([C * R, *middle])
        products.append(_chain([R, *middle]))
    Z = _solve_last(hstack(products), F, "the first L − 1 layers")
    start = 0
    for layers in exact:
        width = layers[-1].ncols()
        layers.append(from_rows(rows_of(Z)[start : start + width]))
        start += width
    return exact


def _zero_branch(instance: Instance) -> list[np.ndarray]:
    """A branch of zeros (``W* = 0`` has no singular pair to give one)."""
    hidden = [np.zeros((1, 1))] * (instance.L - 2)
    return [np.zeros((instance.d, 1)), *hidden, np.zeros((1, instance.K))]


def _nonempty(layers: Arrays) -> list[np.ndarray]:
    """The layers, with hidden width 0 (``W* = 0``: no singular pair) widened to one zero unit."""
    out = [np.asarray(W, dtype=float) for W in layers]
    for i in range(len(out) - 1):
        if out[i].shape[1] == 0:
            out[i] = np.zeros((out[i].shape[0], 1))
            out[i + 1] = np.zeros((1, out[i + 1].shape[1]))
    return out


def _radius_squared(instance: Instance) -> fmpq:
    """``c² = t^{−2(L−2)}`` exactly."""
    return 1 / from_float(instance.t) ** (2 * (instance.L - 2))


def _network(kind: str, activation: str, branches: Sequence[Sequence[fmpq_mat]]) -> dict[str, Any]:
    texts = [[matrix_text(W) for W in layers] for layers in branches]
    body: dict[str, Any] = {"network": kind, "activation": activation}
    if kind == "standard":
        body["layers"] = texts[0]
    else:
        body["branches"] = texts
    return body


# --- ReLU networks (C5, and the parallel and standard networks of C6) -------------------------

#: Helper branches are drawn in batches of N, up to this many batches.
HELPER_BATCHES = 4
#: Helper weights are rounded to multiples of 2^-HELPER_GRID_BITS (short exact rationals).
HELPER_GRID_BITS = 20


def relu_parallel_certificate(
    instance: Instance,
    branches: Sequence[Arrays],
    dual: np.ndarray,
    outer_multipliers: dict[tuple[tuple[int, ...], int], np.ndarray] | None = None,
    seed: int = 0,
) -> dict[str, Any]:
    """C5 (``relu-parallel-zero-gap``, scalar labels, ``L = 2, 3``).

    ``branches``: the float network (``[u, a]`` at ``L = 2``, ``[W₁, w₂, w₃]`` at ``L = 3``);
    ``dual``: the solver's ``λ``; ``outer_multipliers`` (``L = 3``): ``μ ≥ 0`` per (outer
    pattern as a 0/1 tuple, sign), missing ones are 0. ``seed`` draws the helper branches.
    """
    X = matrix_from_floats(instance.X)
    y = matrix_from_floats(instance.Y)
    t = from_float(instance.t)
    rng = np.random.default_rng(seed)
    exact = exact_parallel_relu(X, y, instance.L, t, branches, rng)
    return certificate_document(
        "relu-parallel-zero-gap",
        instance,
        primal=_network("parallel", "relu", exact),
        dual=relu_dual(instance, np.asarray(dual, dtype=float).ravel(), outer_multipliers or {}),
    )


def exact_parallel_relu(
    X: fmpq_mat,
    Y: fmpq_mat,
    L: int,
    t: fmpq,
    branches: Sequence[Arrays],
    rng: np.random.Generator,
) -> list[list[fmpq_mat]]:
    """Exact branches (one unit before the output each) with ``Σ_j branch_j(X) = Y`` exactly.

    The hidden layers are rationalised (the first scaled into ``‖W₁‖_F ≤ t`` when ``L ≥ 3``),
    the output weights solved exactly (:func:`exact_outputs`, helper branches drawn from
    ``rng``), then every branch is rebalanced exactly.
    """
    bound = t * t
    if L == 2:
        branches = merge_parallel_units(branches)
    primary = []
    for branch in branches:
        layers = [matrix_from_floats(W) for W in branch]
        if L >= 3:
            layers[0] = fit_into_ball(layers[0], bound)
        else:
            layers[0] = snap_to_boundaries(X, layers[0])
        primary.append(layers)

    def helper() -> tuple[fmpq_mat, list[fmpq_mat]]:
        layers = _helper_branch(rng, X.ncols(), L, bound, Y.ncols())
        return _unit_feature(layers, X), layers

    rows, helpers = exact_outputs(
        [_unit_feature(layers, X) for layers in primary],
        [layers[-1] for layers in primary],
        Y,
        helper,
        f"the network's {len(primary)} branches",
    )
    out = [
        _balanced([*layers[:-1], row])
        for layers, row in zip(primary + helpers, rows, strict=True)
        if any(v != 0 for v in row.entries())
    ]
    if not out:  # Y = 0: one branch of zeros
        shapes = _helper_branch(rng, X.ncols(), L, bound, Y.ncols())
        out.append([fmpq_mat(W.nrows(), W.ncols()) for W in shapes])
    return out


#: Two-layer units whose directions agree to this (``1 − cos``) are one unit (see below).
PARALLEL_UNITS = 1e-12
#: Two-layer branches carrying less than this share of the cost are dropped before the exact
#: last layer: as basis columns their tiny, arbitrary directions would carry the load.
NEGLIGIBLE_SHARE = 1e-9


#: A data row with ``|xᵀu| ≤ BOUNDARY·‖x‖‖u‖`` lies on the unit's hyperplane up to rounding.
BOUNDARY = 1e-12


def snap_to_boundaries(X: fmpq_mat, u: fmpq_mat) -> fmpq_mat:
    """A two-layer unit moved, exactly, onto the hyperplanes its float version lies on.

    Optimal units pass through data points (``xᵢᵀu = 0``), which the floats meet only up to
    rounding: a residual ``(xᵢᵀu)₊ ≈ 1e-16`` that no other unit may be able to cancel, so no
    exact last layer would exist. The rational ``u`` is projected onto ``{v : xᵢᵀv = 0}`` for
    those rows (exactly: ``v = u − Aᵀ(AAᵀ)⁺Au``); the other rows keep their signs, as the move
    is of rounding size."""
    rows = []
    u_float = np.array([float(v) for v in u.entries()])
    for i in range(X.nrows()):
        x = np.array([float(X[i, j]) for j in range(X.ncols())])
        scale = float(np.linalg.norm(x) * np.linalg.norm(u_float))
        if scale and abs(float(x @ u_float)) <= BOUNDARY * scale:
            rows.append([X[i, j] for j in range(X.ncols())])
    if not rows:
        return u
    A = fmpq_mat(rows)
    return u - A.transpose() * pinv_solve(A * A.transpose(), A * u)


def merge_parallel_units(branches: Sequence[Arrays]) -> list[list[np.ndarray]]:
    """Two-layer branches ``a·(Xu)₊`` whose units point the same way, merged into one (and
    negligible ones dropped).

    Two such units have proportional features, so the exact last layer would have to solve
    with a nearly singular basis (the float directions are parallel only up to rounding) and
    could change the cost a lot; merged, ``a₁‖u₁‖ + a₂‖u₂‖`` on the common unit direction gives
    the same output up to rounding, which the exact solve then removes cheaply."""
    merged: list[tuple[np.ndarray, np.ndarray]] = []
    costs = [float(np.linalg.norm(first) * np.linalg.norm(last)) for first, last in branches]
    floor = NEGLIGIBLE_SHARE * sum(costs)
    for (first, last), cost in zip(branches, costs, strict=True):
        norm = float(np.linalg.norm(first))
        if norm == 0.0 or cost <= floor:
            continue  # solver noise: the exact last layer absorbs its output, not its direction
        direction, weight = first / norm, norm * np.asarray(last, dtype=float)
        for k, (unit, total) in enumerate(merged):
            if 1.0 - float(unit.ravel() @ direction.ravel()) <= PARALLEL_UNITS:
                merged[k] = (unit, total + weight)
                break
        else:
            merged.append((direction, weight))
    return [[unit, total] for unit, total in merged]


def exact_outputs(
    features: list[fmpq_mat],
    start: list[fmpq_mat],
    Y: fmpq_mat,
    helper: Callable[[], tuple[fmpq_mat, Any]],
    what: str,
) -> tuple[list[fmpq_mat], list[Any]]:
    """Output rows ``r_j`` (1×K) with ``Σ_j f_j r_j = Y`` exactly for the feature columns ``f_j``.

    While ``Y`` is not in the span of the features, batches of ``N`` helpers (``helper()``
    returns a feature and what built it) are appended, at most :data:`HELPER_BATCHES` batches.
    The rows of a maximal independent set of features (the given ones first) are the exact
    least-squares solution; the others keep their ``start`` rows (zero for helpers). Returns
    the rows of every feature, helpers last, and the helpers.
    """
    features, start, helpers = list(features), list(start), []

    def spans() -> bool:
        return bool(features) and hstack(features).rank() == hstack([*features, Y]).rank()

    while not spans() and len(helpers) < HELPER_BATCHES * Y.nrows():
        for _ in range(Y.nrows()):
            feature, built = helper()
            features.append(feature)
            start.append(fmpq_mat(1, Y.ncols()))
            helpers.append(built)
    if not spans():
        rank = hstack(features).rank()
        raise NotCertifiable(
            f"Y is not exactly in the span of the features of {what} and {len(helpers)} helpers "
            f"(rank {rank} < {hstack([*features, Y]).rank()}): no exact last layer exists"
        )
    _, pivots = pivot_columns(hstack(features))
    if not pivots:  # every feature is 0, so is Y (it is in their span)
        return start, helpers
    rhs = Y
    for j in set(range(len(features))) - set(pivots):
        rhs = rhs - features[j] * start[j]
    basis = hstack([features[j] for j in pivots])
    solved = pinv_solve(basis, rhs)
    if basis * solved != rhs:
        raise NotCertifiable(f"the exact last layer of {what} does not interpolate")
    rows = list(start)
    for j, row in zip(pivots, rows_of(solved), strict=True):
        rows[j] = fmpq_mat(1, Y.ncols(), row)
    return rows, helpers


def _unit_feature(layers: Sequence[fmpq_mat], X: fmpq_mat) -> fmpq_mat:
    """The branch's last hidden unit on ``X`` (N×1): its output for an output weight of 1."""
    A = X
    for W in layers[:-1]:
        A = relu(A * W)
    return A


def _helper_branch(rng: np.random.Generator, d: int, L: int, bound: fmpq, K: int) -> list[fmpq_mat]:
    """A random branch (zero output weights): ``[u, 0]`` at ``L = 2``; at ``L = 3`` two first-layer
    units in the ``t``-ball and a random second layer, so that its unit can fire on any pattern."""
    if L == 2:
        return [_grid(rng.standard_normal((d, 1))), fmpq_mat(1, K)]
    first = fit_into_ball(_grid(rng.standard_normal((d, 2))), bound)
    middle = [_grid(rng.standard_normal((2, 2))) for _ in range(L - 3)]
    return [first, *middle, _grid(rng.standard_normal((2, 1))), fmpq_mat(1, K)]


def _grid(values: np.ndarray) -> fmpq_mat:
    scale = 2**HELPER_GRID_BITS
    return fmpq_mat(
        values.shape[0],
        values.shape[1],
        [fmpq(round(v * scale), scale) for v in values.ravel()],
    )


def _balanced(layers: list[fmpq_mat]) -> list[fmpq_mat]:
    """Rescale the last hidden weights by ``r > 0`` and the output by ``1/r`` (exact, by positive
    homogeneity) so that ``‖w_{L−1}‖ ≈ ‖w_L‖``: ``½(‖w_{L−1}‖² + ‖w_L‖²)`` then ≈ their product."""
    hidden, last = layers[-2], layers[-1]
    size = float(frobenius_squared(hidden)) ** 0.25
    out = float(frobenius_squared(last)) ** 0.25
    if size == 0.0 or out == 0.0:
        return layers
    factor = from_float(out / size)
    if factor == 0:
        return layers
    return [*layers[:-2], scaled(hidden, factor), scaled(last, 1 / factor)]


def relu_dual(
    instance: Instance,
    lam: np.ndarray,
    outer_multipliers: dict[tuple[tuple[int, ...], int], np.ndarray],
) -> dict[str, Any]:
    """The exact C5 dual: ``λ``, the patterns, and ``ν`` (and ``μ`` at ``L = 3``), all divided
    by a rational upper bound of the exact constraint value so that every bound holds."""
    X = instance.X
    inner = [tuple(int(b) for b in p) for p in chamber_patterns(X).patterns]
    if instance.L == 2:
        outer: list[tuple[int, ...]] = []
        groups = [((), 1, lam)]
    else:
        spanning = np.hstack([np.array(p, dtype=float)[:, None] * X for p in inner])
        outer = [tuple(int(b) for b in p) for p in chamber_patterns(spanning).patterns if any(p)]
        groups = []
        for pattern in outer:
            mask = np.array(pattern, dtype=float)
            for sign in (1, -1):
                mu = _outer_multiplier(outer_multipliers, pattern, sign, X)
                groups.append((pattern, sign, sign * mask * lam + (2 * mask - 1) * mu))
    multipliers = _cone_multipliers(X, inner, [c for _, _, c in groups])
    exact_lam = [from_float(v) for v in lam]
    Xq = matrix_from_floats(X)
    largest = fmpq(0)
    exact_groups = []
    for (pattern, sign, _), cones in zip(groups, multipliers, strict=True):
        if pattern:
            mu = [from_float(v) for v in _outer_multiplier(outer_multipliers, pattern, sign, X)]
            c = outer_vector(pattern, sign, exact_lam, mu)
        else:
            mu, c = [], exact_lam
        exact_cones = {key: [from_float(v) for v in nu] for key, nu in cones.items()}
        for _, _, value in cone_bounds(Xq, inner, c, exact_cones):
            largest = max(largest, value)
        exact_groups.append((pattern, sign, mu, exact_cones))
    if largest == 0:
        scale = fmpq(1)
    else:
        scale = sqrt_above(largest) * (from_float(instance.t) if instance.L == 3 else 1)
    body: dict[str, Any] = {
        "Lambda": [[rational_text(v / scale)] for v in exact_lam],
        "inner_patterns": [pattern_text(p) for p in inner],
    }
    if instance.L == 2:
        body["cones"] = _cone_entries(exact_groups[0][3], scale)
        return body
    body["outer_patterns"] = [pattern_text(p) for p in outer]
    body["groups"] = [
        {
            "outer": outer.index(pattern),
            "sign": sign,
            "mu": [rational_text(v / scale) for v in mu],
            "cones": _cone_entries(cones, scale),
        }
        for pattern, sign, mu, cones in exact_groups
        if any(v != 0 for v in mu) or cones
    ]
    return body


def _outer_multiplier(
    given: dict[tuple[tuple[int, ...], int], np.ndarray],
    pattern: tuple[int, ...],
    sign: int,
    X: np.ndarray,
) -> np.ndarray:
    """The solver's ``μ`` of an outer group, clipped at 0 (any ``μ ≥ 0`` is valid), or 0."""
    return np.maximum(np.asarray(given.get((pattern, sign), np.zeros(X.shape[0])), float), 0.0)


def _cone_entries(cones: dict[tuple[int, int], list[fmpq]], scale: fmpq) -> list[dict[str, Any]]:
    return [
        {"pattern": i, "sign": sign, "nu": [rational_text(v / scale) for v in nu]}
        for (i, sign), nu in sorted(cones.items())
    ]


def _cone_multipliers(
    X: np.ndarray, inner: list[tuple[int, ...]], vectors: list[np.ndarray]
) -> list[dict[tuple[int, int], np.ndarray]]:
    """Per vector ``c``: ``ν ≥ 0`` (NNLS) for the (pattern, sign) pairs whose plain bound
    ``‖XᵀD_ic‖`` exceeds the largest projected bound over all vectors (others need none)."""
    masks = np.array(inner, dtype=float)
    signs_of = 2 * masks - 1
    largest = 0.0
    found: list[dict[tuple[int, int], np.ndarray]] = []
    plain_norms = []
    for c in vectors:
        gradients = (masks * c) @ X
        norms = np.linalg.norm(gradients, axis=1)
        plain_norms.append(norms)
        cones: dict[tuple[int, int], np.ndarray] = {}
        for i in np.argsort(-norms):
            if norms[i] <= largest:
                break
            A = signs_of[i][:, None] * X
            for sign in (1, -1):
                g = sign * gradients[i]
                nu = nnls(-A.T, g)[0]
                largest = max(largest, float(np.linalg.norm(g + A.T @ nu)))
                if np.any(nu > 0):
                    cones[(int(i), sign)] = nu
        found.append(cones)
    # Multipliers are needed only where the plain bound exceeds the final largest bound.
    for cones, norms in zip(found, plain_norms, strict=True):
        for key in [k for k in cones if norms[k[0]] <= largest]:
            del cones[key]
    return found


# --- rank-1 data, three-layer standard ReLU networks (C6) ------------------------------------


def rank1_certificate(
    instance: Instance,
    layers: Arrays,
    bidual: Sequence[Arrays],
    dual: np.ndarray,
    seed: int = 0,
) -> dict[str, Any]:
    """C6 (``relu-rank1-three-layer``): the standard network ``[W₁, W₂, W₃]``, the bidual
    parallel network (branches ``[W₁ⱼ, w₂ⱼ, w₃ⱼ]``) and the dual ``Λ`` (N×K)."""
    X, Y = matrix_from_floats(instance.X), matrix_from_floats(instance.Y)
    t = from_float(instance.t)
    found = rank1_sides(X, Y)
    if found is None:
        raise NotCertifiable(
            "X is not exactly of rank 1 (its float entries are c·aᵀ only up to rounding): the "
            "rank-1 formulation does not apply to the exact data"
        )
    positive, negative, a, alpha, gamma = found
    if rank1_outer(positive, alpha) + rank1_outer(negative, gamma) != Y:
        raise NotCertifiable(
            "Y is not exactly of the form c₊αᵀ + c₋γᵀ: no network interpolates the exact data"
        )
    rng = np.random.default_rng(seed)
    W1, W2, W3 = exact_standard_relu(X, Y, t, layers, rng)
    branches = exact_parallel_relu(X, Y, 3, t, bidual, rng)
    Lam = matrix_from_floats(dual)
    value = rank1_constraint(Lam, positive, negative, t * t * sum((v * v for v in a), fmpq(0)))
    if value > 1:
        Lam = scaled(Lam, 1 / sqrt_above(value))
    return certificate_document(
        "relu-rank1-three-layer",
        instance,
        primal=_network("standard", "relu", [[W1, W2, W3]]),
        bidual=_network("parallel", "relu", branches),
        dual={"Lambda": matrix_text(Lam)},
    )


def exact_standard_relu(
    X: fmpq_mat, Y: fmpq_mat, t: fmpq, layers: Arrays, rng: np.random.Generator
) -> tuple[fmpq_mat, fmpq_mat, fmpq_mat]:
    """``[W₁, W₂, W₃]`` exactly: ``W₁`` scaled into the ``t``-ball, ``W₃`` solved exactly over the
    second-layer units (:func:`exact_outputs`; helper units are random columns of ``W₂``), and
    every unit rebalanced exactly."""
    W1 = fit_into_ball(matrix_from_floats(layers[0]), t * t)
    hidden = relu(X * W1)
    columns = rows_of(matrix_from_floats(layers[1]).transpose())

    def helper() -> tuple[fmpq_mat, list[fmpq]]:
        unit = _grid(rng.standard_normal((W1.ncols(), 1)))
        return relu(hidden * unit), unit.entries()

    start = [fmpq_mat(1, Y.ncols(), row) for row in rows_of(matrix_from_floats(layers[2]))]
    rows, helpers = exact_outputs(
        [relu(hidden * column(c)) for c in columns], start, Y, helper, "the network's units"
    )
    units = [
        _balanced([column(c), row])
        for c, row in zip(columns + helpers, rows, strict=True)
        if any(v != 0 for v in row.entries())
    ] or [[fmpq_mat(W1.ncols(), 1), fmpq_mat(1, Y.ncols())]]  # Y = 0: one silent unit
    W2 = from_rows([u[0].entries() for u in units]).transpose()
    W3 = from_rows([u[1].entries() for u in units])
    return W1, W2, W3


# --- weight-decayed regression (C4) ----------------------------------------------------------


def ridge_certificate(instance: Instance, layers: Arrays) -> dict[str, Any]:
    """C4 (``weight-decay-low-rank``): any network (its objective is an upper bound, no
    interpolation needed) and the largest rational ``θ`` tried with ``XᵀX ⪰ θI`` exactly."""
    exact = [matrix_from_floats(W) for W in layers]
    return certificate_document(
        "weight-decay-low-rank",
        instance,
        primal=_network("standard", "linear", [exact]),
        orthonormality={"theta": rational_text(orthonormality_margin(instance.X))},
    )


def orthonormality_margin(X: np.ndarray) -> fmpq:
    """A rational ``θ > 0`` with ``XᵀX − θI`` exactly positive semidefinite: 1 if it passes, else
    the float ``λ_min(XᵀX)`` times ``1 − 2^{−k}`` for the first passing ``k``."""
    Xq = matrix_from_floats(X)
    gram = Xq.transpose() * Xq
    if semidefinite_defect(gram - identity(gram.nrows())) is None:
        return fmpq(1)
    estimate = from_float(float(np.linalg.eigvalsh(X.T @ X)[0]))
    for k in SHRINK_EXPONENTS:
        theta = estimate * (1 - fmpq(1, 2**k))
        if theta > 0 and semidefinite_defect(gram - identity(gram.nrows(), theta)) is None:
            return theta
    raise NotCertifiable("XᵀX has no certified positive lower bound θ (X lacks full column rank)")
