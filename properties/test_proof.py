"""Proof mode: exact certificates built from float witnesses, re-verified by the independent
checker (:mod:`verify.proof`).

The float witnesses are built here with plain numpy from the closed forms (SVDs), or for C5 by
the convex program of :mod:`verify.relu_parallel`; the checker's enclosures are compared with
values computed independently in 50-digit arithmetic (mpmath, sympy's exact pseudo-inverse).
Every kind of certificate also has negative controls: a one-ulp perturbation where it matters,
a dropped pattern, a swapped sign, each rejected with the failing check named.
"""

from __future__ import annotations

import ast
import copy
import json
import math
from fractions import Fraction
from pathlib import Path

import mpmath
import numpy as np
import pytest
import sympy
from flint import fmpq, fmpq_mat
from hypothesis import example, given, settings
from hypothesis import strategies as st

from properties.profile import THOROUGH, examples
from verify.certificates import (
    NotCertifiable,
    instance_mismatch,
    linear_parallel_certificate,
    linear_standard_certificate,
    prove,
    prove_check,
    rank1_certificate,
    relu_parallel_certificate,
    ridge_certificate,
    write_certificate,
)
from verify.claims import Budget, get
from verify.instances import Instance
from verify.proof import (
    NOT_PROVED,
    PROVED,
    PROVED_WITHIN,
    CertificateError,
    check_certificate,
    check_file,
)
from verify.proof.balls import (
    _characteristic_roots,
    _isolated_eigenvalues,
    lower_text,
    semidefinite_defect,
    singular_values,
    upper_text,
    working_precision,
)
from verify.proof.rationals import psd_defect
from verify.relu_parallel import reconstruct, relu_problem, solve

#: the float checks the tests compare with: no falsification search (it is tested elsewhere)
QUICK = Budget(seed=0, restarts=0)
PROOF_PACKAGE = Path(__file__).resolve().parent.parent / "verify" / "proof"
DIGITS = 50

# --- float witnesses (plain numpy) ------------------------------------------------------------


def solution_svd(instance: Instance) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``X⁺``, and the compact SVD of ``W* = X⁺Y`` (rank at 1e-9 relative)."""
    pinv = np.linalg.pinv(instance.X)
    U, s, Vt = np.linalg.svd(pinv @ instance.Y, full_matrices=False)
    r = int(np.count_nonzero(s > 1e-9 * s[0])) if s.size and s[0] > 0 else 0
    return pinv, U[:, :r], s[:r], Vt[:r]


def standard_witnesses(instance: Instance) -> tuple[list[np.ndarray], np.ndarray]:
    """C1: the balanced factorisation of the t-formulation and ``Λ = c (X⁺)ᵀUVᵀ``."""
    pinv, U, s, Vt = solution_svd(instance)
    L, t = instance.L, instance.t
    c = t ** (2 - L)
    S = float(np.sum(s ** (2 / L)))
    tail = np.sqrt(c * s ** (2 / L) * S ** ((L - 2) / 2))
    inner = t * s ** (1 / L) / math.sqrt(S)
    diagonals = [inner] * (L - 2) + [tail]
    layers = [U * diagonals[0], *[np.diag(v) for v in diagonals[1:]], tail[:, None] * Vt]
    return layers, c * pinv.T @ (U @ Vt)


def weight_decay_witnesses(instance: Instance) -> tuple[list[np.ndarray], np.ndarray]:
    """C2: balanced weights ``UΣ^{1/L}, Σ^{1/L}, …, Σ^{1/L}Vᵀ`` and ``Λ = (X⁺)ᵀUVᵀ`` (t = 1)."""
    pinv, U, s, Vt = solution_svd(instance)
    root = s ** (1 / instance.L)
    layers = [U * root, *[np.diag(root)] * (instance.L - 2), root[:, None] * Vt]
    return layers, pinv.T @ (U @ Vt)


def parallel_witnesses(instance: Instance) -> tuple[list[list[np.ndarray]], np.ndarray]:
    """C3: one branch per singular pair, layer norms ``t`` (L − 2 times), then ``√(cσ)``."""
    pinv, U, s, Vt = solution_svd(instance)
    L, t = instance.L, instance.t
    c = t ** (2 - L)
    branches = []
    for i, sigma in enumerate(s):
        tail = math.sqrt(c * sigma)
        first = (t if L > 2 else tail) * U[:, i : i + 1]
        middle = [np.array([[t]])] * (L - 3) + ([np.array([[tail]])] if L > 2 else [])
        branches.append([first, *middle, tail * Vt[i : i + 1]])
    return branches, c * pinv.T @ (U @ Vt)


def relu_witnesses(instance: Instance) -> tuple[list[list[np.ndarray]], np.ndarray, dict]:
    """C5: the convex program's network, its ``λ`` and (L = 3) the outer multipliers ``μ``."""
    problem = relu_problem(instance.X, instance.Y[:, 0], instance.L, instance.t)
    solution = solve(problem)
    network = reconstruct(problem, solution).network
    multipliers = {}
    if instance.L == 3:
        for g, (pattern, sign) in enumerate(zip(problem.outer, problem.signs, strict=True)):
            key = (tuple(int(b) for b in pattern), int(sign))
            multipliers[key] = solution.outer_dual[:, g]
    branches = [list(branch.weights) for branch in network.branches]
    return branches, solution.dual, multipliers


def rank1_witnesses(
    instance: Instance,
) -> tuple[list[np.ndarray], list[list[np.ndarray]], np.ndarray]:
    """C6 for scalar labels, ``X = c aᵀ`` and both ``α = yᵀc₊/‖c₊‖²``, ``γ = yᵀc₋/‖c₋‖²``
    non-zero, from the formulas of ``verify/rank1.py`` (``s = t‖a‖``): ``W₁ = a bᵀ/‖a‖²`` with
    ``b = (r₁, −r₂)``, ``r ∝ (|α|^{1/3}, |γ|^{1/3})`` when ``αγ < 0`` (one balanced neuron per
    side), else ``r ∝ (√|α|, √|γ|)`` (one neuron); the bidual's two branches
    ``W₁ = ±s a/‖a‖²``; ``Λ = c₊p/‖c₊‖² + c₋q/‖c₋‖²`` with ``p = sign(α)/s``, ``q = sign(γ)/s``."""
    X, y, t = instance.X, instance.Y[:, 0], instance.t
    a = next(row for row in X if np.any(row))
    c = X @ a / (a @ a)
    c_pos, c_neg = np.maximum(c, 0.0), np.maximum(-c, 0.0)
    alpha, gamma = y @ c_pos / (c_pos @ c_pos), y @ c_neg / (c_neg @ c_neg)
    s = t * float(np.linalg.norm(a))
    if alpha * gamma < 0:
        weights = np.array([abs(alpha), abs(gamma)]) ** (1 / 3)
    else:
        weights = np.array([math.sqrt(abs(alpha)), math.sqrt(abs(gamma))])
    r1, r2 = s * weights / np.linalg.norm(weights)
    W1 = np.outer(a, [r1, -r2]) / (a @ a)
    M = np.array([alpha / r1, gamma / r2])
    if alpha * gamma < 0:  # two neurons, one per side
        kappa = np.sqrt(np.abs(M))
        W2, W3 = np.diag(kappa), (M / kappa)[:, None]
    else:  # one neuron ζ ∝ (|m₁|, |m₂|), ρ = sign·‖M‖
        zeta = np.abs(M) / np.linalg.norm(M)
        rho = math.copysign(np.linalg.norm(M), alpha + gamma)
        kappa = math.sqrt(abs(rho))
        W2 = np.column_stack([kappa * zeta, np.zeros(2)])
        W3 = np.array([[rho / kappa], [0.0]])
    bidual = []
    for sign, target in ((1.0, alpha), (-1.0, gamma)):
        kappa = math.sqrt(abs(target) / s)
        first = sign * s * a[:, None] / (a @ a)
        bidual.append([first, np.array([[kappa]]), np.array([[target / (s * kappa)]])])
    p, q = math.copysign(1 / s, alpha), math.copysign(1 / s, gamma)
    Lam = (c_pos * p / (c_pos @ c_pos) + c_neg * q / (c_neg @ c_neg))[:, None]
    return [W1, W2, W3], bidual, Lam


def optimal_singular_value(sigma: float, L: int, beta: float) -> float:
    """C4's ``s*(σ)`` by Newton's method on ``s + βs^{2/L−1} = σ`` from ``s = σ`` (plain numpy)."""
    if L == 2:
        return max(sigma - beta, 0.0)
    jump = (beta * (L - 2)) ** (L / (2 * L - 2))
    if sigma <= (L - 1) / (L - 2) * jump:
        return 0.0
    s = sigma
    for _ in range(100):
        step = (s + beta * s ** (2 / L - 1) - sigma) / (1 + beta * (2 / L - 1) * s ** (2 / L - 2))
        if s - step >= s:
            break
        s -= step
    return s


def ridge_witnesses(instance: Instance) -> list[np.ndarray]:
    """C4: balanced weights of ``U diag(s*) Vᵀ`` for ``XᵀY = U diag(σ) Vᵀ``."""
    U, sigma, Vt = np.linalg.svd(instance.X.T @ instance.Y, full_matrices=False)
    s = np.array([optimal_singular_value(v, instance.L, instance.beta) for v in sigma])
    root = s ** (1 / instance.L)
    return [U * root, *[np.diag(root)] * (instance.L - 2), root[:, None] * Vt]


# --- independent 50-digit references ----------------------------------------------------------


def exact_matrix(A: np.ndarray) -> sympy.Matrix:
    return sympy.Matrix([[sympy.Rational(*float(v).as_integer_ratio()) for v in row] for row in A])


def reference_singular_values(X: np.ndarray, Y: np.ndarray) -> list[mpmath.mpf]:
    """Singular values of the exact ``X⁺Y`` (sympy rationals), to 50 digits (mpmath)."""
    return exact_singular_values(exact_matrix(X).pinv() * exact_matrix(Y))


def exact_singular_values(exact: sympy.Matrix) -> list[mpmath.mpf]:
    """The non-zero singular values of an exact rational matrix, to 50 digits."""
    rank = exact.rank()
    with mpmath.workdps(DIGITS + 20):
        gram = mpmath.matrix((exact.T * exact).tolist())
        eigenvalues = sorted(mpmath.eigsy(gram, eigvals_only=True), reverse=True)
        return [mpmath.sqrt(v) for v in eigenvalues[:rank]]


def contains(enclosure: list[str], value: mpmath.mpf) -> bool:
    """``value`` (accurate to 50 digits) lies in ``[lo, hi]`` up to its own accuracy."""
    with mpmath.workdps(DIGITS + 20):
        slack = abs(value) * mpmath.mpf(10) ** (2 - DIGITS)
        return mpmath.mpf(enclosure[0]) - slack <= value <= mpmath.mpf(enclosure[1]) + slack


def two_root_two() -> mpmath.mpf:
    with mpmath.workdps(DIGITS + 20):
        return 2 * mpmath.sqrt(2)


def width(enclosure: list[str]) -> float:
    return float(Fraction(enclosure[1]) - Fraction(enclosure[0]))


# --- the independence of the checker ----------------------------------------------------------

ALLOWED_IMPORTS = {
    "__future__",
    "collections",
    "contextlib",
    "dataclasses",
    "flint",
    "itertools",
    "json",
    "math",
    "pathlib",
    "re",
    "typing",
    "verify.arrangements",
    "verify.proof",
}


def test_checker_imports_nothing_but_exact_arithmetic():
    """The checker may import the standard library, python-flint, itself and the exact pattern
    enumeration — no numpy/scipy solver, no search, no claim module."""
    for path in sorted(PROOF_PACKAGE.glob("*.py")):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            for name in names:
                allowed = any(name == ok or name.startswith(ok + ".") for ok in ALLOWED_IMPORTS)
                assert allowed, f"{path.name} imports {name}"


# --- deep linear claims -----------------------------------------------------------------------

IDENTITY = Instance(np.eye(2), np.eye(2), L=3, t=1.0, label="W* = I2")


def identity_certificate() -> dict:
    layers, Lam = standard_witnesses(IDENTITY)
    return linear_standard_certificate("linear-standard-gap", IDENTITY, layers, Lam)


def test_identity_gap_is_proved():
    result = check_certificate(identity_certificate())
    assert result.status == PROVED, result.reason
    assert contains(result.enclosures["primal"], two_root_two())
    assert contains(result.enclosures["primal_closed_form"], two_root_two())
    assert result.enclosures["dual"] == ["2", "2"]
    with mpmath.workdps(DIGITS + 20):
        assert contains(result.enclosures["gap"], two_root_two() - 2)
    assert float(Fraction(result.enclosures["gap"][0])) > 0.82
    assert width(result.enclosures["primal_closed_form"]) < 1e-38


@st.composite
def integer_linear_instances(draw: st.DrawFn) -> Instance:
    """Small integer ``X`` and ``Y = X·W`` with integer ``W`` (exactly in the range of ``X``)."""
    top = 6 if THOROUGH else 4
    N, d, K = draw(st.integers(1, top)), draw(st.integers(1, top - 1)), draw(st.integers(1, 3))
    entries = st.integers(-3, 3)
    X = np.array(draw(st.lists(st.lists(entries, min_size=d, max_size=d), min_size=N, max_size=N)))
    W = np.array(draw(st.lists(st.lists(entries, min_size=K, max_size=K), min_size=d, max_size=d)))
    Y = (X @ W).astype(float)
    t = draw(st.sampled_from([0.5, 1.0, 1.5, 2.0]))
    return Instance(X.astype(float), Y, L=draw(st.integers(2, 4)), t=t, label="integer")


def linear_references(instance: Instance) -> tuple[mpmath.mpf, mpmath.mpf, int]:
    sigma = reference_singular_values(instance.X, instance.Y)
    L = instance.L
    with mpmath.workdps(DIGITS + 20):
        c = mpmath.mpf(instance.t) ** (2 - L)
        schatten = c * mpmath.fsum(s ** (mpmath.mpf(2) / L) for s in sigma) ** (mpmath.mpf(L) / 2)
        return schatten, c * mpmath.fsum(sigma), len(sigma)


@settings(max_examples=examples(25), deadline=None)
@given(integer_linear_instances())
@example(IDENTITY)
@example(Instance(np.eye(3), np.diag([3.0, 1.0, 0.0]), L=4, t=0.5))
@example(Instance(np.ones((3, 1)), np.full(3, 2.0), L=4, t=2.0))
def test_linear_standard_gap_proved_end_to_end(instance):
    """C1: the gap is proved positive iff ``L ≥ 3`` and rank ≥ 2, else zero within a tiny ε; the
    enclosures contain the 50-digit closed forms."""
    if not np.any(instance.Y):
        return
    primal, dual, rank = linear_references(instance)
    layers, Lam = standard_witnesses(instance)
    document, result = prove(
        "linear-standard-gap",
        lambda: linear_standard_certificate("linear-standard-gap", instance, layers, Lam),
    )
    assert document is not None
    assert contains(result.enclosures["primal_closed_form"], primal)
    assert contains(result.enclosures["dual_closed_form"], dual)
    assert contains(result.enclosures["primal"], primal)
    assert contains(result.enclosures["dual"], dual)
    if instance.L >= 3 and rank >= 2:
        assert result.status == PROVED, result.reason
    else:
        assert result.status == PROVED_WITHIN, result.reason
        assert float(result.epsilon) <= 1e-12 * float(primal)


@settings(max_examples=examples(15), deadline=None)
@given(integer_linear_instances())
@example(IDENTITY)
def test_weight_decay_and_parallel_proved_end_to_end(instance):
    """C2 (gap iff L ≥ 3 and rank ≥ 2, against the dual side) and C3 (zero gap)."""
    if not np.any(instance.Y):
        return
    sigma = reference_singular_values(instance.X, instance.Y)
    L = instance.L
    layers, Lam = weight_decay_witnesses(instance)
    _, decay = prove(
        "weight-decay-schatten",
        lambda: linear_standard_certificate("weight-decay-schatten", instance, layers, Lam),
    )
    with mpmath.workdps(DIGITS + 20):
        primal = mpmath.mpf(L) / 2 * mpmath.fsum(s ** (mpmath.mpf(2) / L) for s in sigma)
        side = mpmath.mpf(L) / 2 * mpmath.fsum(sigma) ** (mpmath.mpf(2) / L)
    assert contains(decay.enclosures["primal_closed_form"], primal)
    assert contains(decay.enclosures["dual_closed_form"], side)
    expected = PROVED if L >= 3 and len(sigma) >= 2 else PROVED_WITHIN
    assert decay.status == expected, decay.reason
    branches, Lam = parallel_witnesses(instance)
    _, parallel = prove(
        "linear-parallel-zero-gap", lambda: linear_parallel_certificate(instance, branches, Lam)
    )
    assert parallel.status == PROVED_WITHIN, parallel.reason
    _, dual, _ = linear_references(instance)
    assert contains(parallel.enclosures["dual_closed_form"], dual)
    assert float(parallel.epsilon) <= 1e-12 * float(dual)


def test_zero_labels_have_zero_gap():
    """``Y = 0``: ``W* = 0`` gives no singular pair; the certificates are zero networks and
    ``Λ = 0``, and ``P = D = 0`` exactly."""
    instance = Instance(np.eye(2), np.zeros((2, 2)), L=3, t=1.0)
    for claim in ("linear-standard-gap", "weight-decay-schatten"):
        layers = [np.zeros((2, 0)), np.zeros((0, 0)), np.zeros((0, 2))]
        result = check_certificate(
            linear_standard_certificate(claim, instance, layers, np.zeros((2, 2)))
        )
        assert result.status == PROVED_WITHIN and result.epsilon == "0", result.reason
    result = check_certificate(linear_parallel_certificate(instance, [], np.zeros((2, 2))))
    assert result.status == PROVED_WITHIN and result.epsilon == "0"
    relu = Instance(np.eye(3)[:, :2], np.zeros(3), L=3, t=2.0)
    result = check_certificate(relu_parallel_certificate(relu, [], np.zeros(3)))
    assert result.status == PROVED_WITHIN and result.epsilon == "0"


def test_labels_outside_the_exact_range_are_not_certifiable():
    """Float labels ``X·W`` with ``N > d`` are in the range only up to rounding: the exact
    instance is infeasible, and proof mode says so instead of emitting a wrong certificate."""
    rng = np.random.default_rng(3)
    X = rng.standard_normal((5, 2))
    instance = Instance(X, X @ rng.standard_normal((2, 2)), L=3, t=1.0)
    assert np.linalg.norm(np.linalg.lstsq(X, instance.Y, rcond=None)[1]) < 1e-25
    layers, Lam = standard_witnesses(instance)
    with pytest.raises(NotCertifiable, match="not exactly in the range of X"):
        linear_standard_certificate("linear-standard-gap", instance, layers, Lam)
    document, result = prove(
        "linear-standard-gap",
        lambda: linear_standard_certificate("linear-standard-gap", instance, layers, Lam),
    )
    assert (
        document is None and result.claim == "linear-standard-gap" and result.status == NOT_PROVED
    )
    assert "not exactly in the range of X" in result.reason


def bump(text: str, relative: Fraction) -> str:
    value = Fraction(text) * (1 + relative)
    return f"{value.numerator}/{value.denominator}"


ULP = Fraction(1, 2**52)


def rescale_layers(document: dict, relative: Fraction) -> None:
    """Scale the first layer by ``1 + relative`` and the second by its inverse (same product)."""
    layers = document["primal"]["layers"]
    layers[0] = [[bump(v, relative) for v in row] for row in layers[0]]
    inverse = 1 / (1 + relative) - 1
    layers[1] = [[bump(v, inverse) for v in row] for row in layers[1]]


@pytest.mark.parametrize(
    ("edit", "check"),
    [
        (lambda doc: doc["dual"]["Lambda"][0].__setitem__(0, bump("1", ULP)), "dual feasibility"),
        (
            lambda doc: doc["primal"]["layers"][-1][0].__setitem__(
                0, bump(doc["primal"]["layers"][-1][0][0], ULP)
            ),
            "primal interpolation",
        ),
        (lambda doc: rescale_layers(doc, Fraction(1, 2**40)), "primal norm constraints"),
    ],
    ids=["dual entry", "last layer entry", "constrained layer entry"],
)
def test_one_ulp_where_it_matters_is_rejected(edit, check):
    """``W* = I₂``: ``Λ = I`` is exactly on the boundary ``‖XᵀΛ‖₂ = 1`` and the network
    interpolates exactly, so one ulp breaks either; the first layer is within a float's
    rounding of ``‖W₁‖_F = t``, which ``2⁻⁴⁰`` breaks."""
    document = identity_certificate()
    assert document["dual"]["Lambda"][0][0] == "1"
    edit(document)
    result = check_certificate(document)
    assert result.status == NOT_PROVED
    assert result.reason.startswith(check), result.reason
    assert result.checks[-1].name == check and not result.checks[-1].passed


def test_rank_is_decided_exactly_not_from_a_ball():
    """``W* = diag(2, 2, 0)`` plus a direction of size 2⁻⁶⁰: rank 3, a tiny singular value that
    floating point would call 0; the checker's rank comes from the exact characteristic
    polynomial, and the gap statement follows it."""
    tiny = 2.0**-60
    instance = Instance(np.eye(3), np.diag([2.0, 2.0, tiny]), L=3, t=1.0)
    layers, Lam = standard_witnesses(instance)  # float rank 2: no exact last layer, said so
    with pytest.raises(NotCertifiable, match="the exact X⁺Y has rank 3"):
        linear_standard_certificate("linear-standard-gap", instance, layers, Lam)
    flat = Instance(np.eye(3), np.diag([2.0, 0.0, 0.0]), L=3, t=1.0)
    layers, Lam = standard_witnesses(flat)
    result = check_certificate(
        linear_standard_certificate("linear-standard-gap", flat, layers, Lam)
    )
    assert result.status == PROVED_WITHIN and "rank(X⁺Y) = 1" in result.statement


# --- C5: parallel ReLU networks ---------------------------------------------------------------

ANTIPODAL = Instance([[1.0], [-1.0]], [1.0, -1.0], L=3, t=1.0, label="X = [1; −1]")


RELU_TWO = Instance(
    [[1.0, 2.0], [3.0, -1.0], [0.0, 1.0], [-2.0, 1.0]], [1.0, -1.0, 2.0, 0.5], L=2, t=1.0
)
RELU_THREE = Instance(
    [[1.0, 2.0], [3.0, -1.0], [0.0, 1.0], [-2.0, 1.0]], [1.0, -1.0, 2.0, 0.5], L=3, t=0.5
)


def relu_certificate(instance: Instance) -> dict:
    branches, lam, multipliers = relu_witnesses(instance)
    return relu_parallel_certificate(instance, branches, lam, multipliers)


@pytest.fixture(scope="module")
def relu_documents() -> dict[int, dict]:
    return {2: relu_certificate(RELU_TWO), 3: relu_certificate(RELU_THREE)}


@pytest.mark.parametrize("L", [2, 3])
def test_relu_zero_gap_proved_within_eps(relu_documents, L):
    """C5 at ``L = 2, 3``: the gap lies in ``[0, ε]`` with ``ε`` at the solver's accuracy, and
    the enclosure contains the float check's values."""
    instance = RELU_TWO if L == 2 else RELU_THREE
    result = check_certificate(relu_documents[L])
    assert result.status == PROVED_WITHIN, result.reason
    lo, hi = (float(Fraction(v)) for v in result.enclosures["primal"])
    assert float(result.epsilon) <= 1e-6 * hi
    float_check = get("relu-parallel-zero-gap").check(instance, QUICK)
    assert lo - 1e-6 * hi <= float_check.primal_value <= hi + 1e-6 * hi


def test_relu_antipodal_three_layer_value():
    """``X = [1; −1]``, ``y = (1, −1)``, ``L = 3``: the parallel network's ``P = D = 2/t``."""
    result = check_certificate(relu_certificate(ANTIPODAL))
    assert result.status == PROVED_WITHIN, result.reason
    assert contains(result.enclosures["primal"], mpmath.mpf(2))


def test_dropped_inner_pattern_is_rejected(relu_documents):
    document = copy.deepcopy(relu_documents[2])
    dropped = document["dual"]["inner_patterns"].pop(0)
    document["dual"]["cones"] = [c for c in document["dual"]["cones"] if c["pattern"] != 0]
    for cone in document["dual"]["cones"]:
        cone["pattern"] -= 1
    result = check_certificate(document)
    assert result.status == NOT_PROVED
    assert result.reason.startswith("inner patterns") and dropped in result.reason


def test_dropped_outer_pattern_is_rejected(relu_documents):
    document = copy.deepcopy(relu_documents[3])
    dropped = document["dual"]["outer_patterns"].pop()
    last = len(document["dual"]["outer_patterns"])
    document["dual"]["groups"] = [g for g in document["dual"]["groups"] if g["outer"] != last]
    result = check_certificate(document)
    assert result.status == NOT_PROVED
    assert result.reason.startswith("outer patterns") and dropped in result.reason


@pytest.mark.parametrize("L", [2, 3])
def test_swapped_multiplier_sign_is_rejected(relu_documents, L):
    """The multipliers ``ν`` of a pattern's two signs exchanged (or one moved to the other sign):
    the cone bound they were needed for fails."""
    document = copy.deepcopy(relu_documents[L])
    body = document["dual"]
    cones = body["cones"] if L == 2 else next(g["cones"] for g in body["groups"] if g["cones"])
    pattern = cones[0]["pattern"]
    for cone in cones:
        if cone["pattern"] == pattern:
            cone["sign"] = -cone["sign"]
    result = check_certificate(document)
    assert result.status == NOT_PROVED and result.reason.startswith("dual feasibility")


def test_negative_multiplier_and_grown_dual_are_rejected(relu_documents):
    document = copy.deepcopy(relu_documents[2])
    document["dual"]["cones"][0]["nu"] = ["-1/3"] * RELU_TWO.N
    assert check_certificate(document).reason.startswith("dual multipliers")
    document = copy.deepcopy(relu_documents[2])
    grow = Fraction(1, 2**40)
    document["dual"]["Lambda"] = [[bump(v[0], grow)] for v in document["dual"]["Lambda"]]
    for cone in document["dual"]["cones"]:
        cone["nu"] = [bump(v, grow) for v in cone["nu"]]
    result = check_certificate(document)
    assert result.status == NOT_PROVED and result.reason.startswith("dual feasibility")


@st.composite
def integer_relu_instances(draw: st.DrawFn) -> Instance:
    """Pairwise non-parallel integer rows in R² (no row a positive multiple of another, no zero
    row) and integer labels; ``L = 2`` (N ≤ 5, 8 when thorough) or ``L = 3`` (N ≤ 4, 5)."""
    L = draw(st.sampled_from([2, 3]))
    candidates = [(a, b) for a in range(-2, 3) for b in range(-2, 3) if (a, b) != (0, 0)]
    rows: list[tuple[int, int]] = []
    largest = (8 if L == 2 else 5) if THOROUGH else (5 if L == 2 else 4)
    for row in draw(st.permutations(candidates))[: draw(st.integers(2, largest))]:
        if all(row[0] * r[1] != row[1] * r[0] or row[0] * r[0] + row[1] * r[1] < 0 for r in rows):
            rows.append(row)
    y = draw(st.lists(st.integers(-3, 3), min_size=len(rows), max_size=len(rows)))
    return Instance(
        np.array(rows, float), np.array(y, float), L=L, t=draw(st.sampled_from([0.5, 1.0, 2.0]))
    )


@settings(max_examples=examples(10), deadline=None)
@given(integer_relu_instances())
def test_relu_integer_instances_proved_end_to_end(instance):
    """Where the float check finds the labels interpolable, proof mode proves the zero gap;
    where it finds them infeasible, no exact network exists (even with helper branches)."""
    if not np.any(instance.Y):
        return
    float_check = get("relu-parallel-zero-gap").check(instance, QUICK)
    if float_check.verdict == "infeasible":
        zero = np.zeros(instance.N)
        with pytest.raises(NotCertifiable, match="not exactly in the span"):
            relu_parallel_certificate(instance, [], zero)
        return
    assert float_check.verdict == "holds", float_check.details
    # end to end: the certificate of the check's own witnesses (what `check --proof` builds)
    _, result = prove_check(get("relu-parallel-zero-gap"), instance, float_check)
    assert result.status == PROVED_WITHIN, result.reason
    hi = float(Fraction(result.enclosures["primal"][1]))
    assert float(result.epsilon) <= 1e-6 * max(1.0, hi)


# --- C6: rank-1 data --------------------------------------------------------------------------


def test_rank1_counterexample_gap_is_proved():
    """``X = [1; −1]``, ``y = (1, −1)``, ``t = 1``: ``P = 2√2 > D = 2``."""
    layers, bidual, Lam = rank1_witnesses(ANTIPODAL)
    result = check_certificate(rank1_certificate(ANTIPODAL, layers, bidual, Lam))
    assert result.status == PROVED, result.reason
    assert contains(result.enclosures["primal"], two_root_two())
    assert contains(result.enclosures["primal_closed_form"], two_root_two())
    assert result.enclosures["dual"] == ["2", "2"]
    assert float(Fraction(result.enclosures["gap"][0])) > 0.828


@pytest.mark.parametrize(("y", "t"), [((1.0, 1.0), 1.0), ((3.0, 0.5), 2.0), ((-2.0, -2.0), 0.5)])
def test_rank1_same_sign_labels_zero_gap_within_tiny_eps(y, t):
    instance = Instance([[1.0], [-1.0]], list(y), L=3, t=t)
    layers, bidual, Lam = rank1_witnesses(instance)
    result = check_certificate(rank1_certificate(instance, layers, bidual, Lam))
    assert result.status == PROVED_WITHIN, result.reason
    dual = (abs(y[0]) + abs(y[1])) / t
    assert contains(result.enclosures["dual_closed_form"], mpmath.mpf(dual))
    assert float(result.epsilon) <= 1e-14 * dual


@pytest.mark.parametrize(("y", "t"), [((2.0, -0.25), 1.5), ((-1.0, 3.0), 0.75)])
def test_rank1_opposite_signs_gap_is_proved_l23_closed_form(y, t):
    """``α·γ < 0``: ``P = (|α|^{2/3} + |γ|^{2/3})^{3/2}/s`` (the ℓ_{2/3} value), 50 digits."""
    instance = Instance([[1.0], [-1.0]], list(y), L=3, t=t)
    layers, bidual, Lam = rank1_witnesses(instance)
    result = check_certificate(rank1_certificate(instance, layers, bidual, Lam))
    assert result.status == PROVED, result.reason
    with mpmath.workdps(DIGITS + 20):
        third = mpmath.mpf(1) / 3
        value = (abs(mpmath.mpf(y[0])) ** (2 * third) + abs(mpmath.mpf(y[1])) ** (2 * third)) ** 1.5
        value /= mpmath.mpf(t)
    assert contains(result.enclosures["primal_closed_form"], value)
    assert contains(result.enclosures["primal"], value)


@pytest.mark.parametrize(("alpha", "gamma"), [(1.5, -0.5), (2.0, 0.25)])
def test_rank1_general_data(alpha, gamma):
    """``X = c aᵀ`` with ``d = 2``, a zero row, ``N = 5`` (exactly rank 1 in floats): the gap is
    proved iff ``αγ < 0``, and the dual is ``(|α| + |γ|)/s`` with ``s = t‖a‖``."""
    c, a = np.array([1.0, 2.0, -1.0, 0.0, -3.0]), np.array([1.0, -2.0])
    y = np.maximum(c, 0) * alpha + np.maximum(-c, 0) * gamma
    instance = Instance(np.outer(c, a), y, L=3, t=0.75)
    layers, bidual, Lam = rank1_witnesses(instance)
    result = check_certificate(rank1_certificate(instance, layers, bidual, Lam))
    assert result.status == (PROVED if alpha * gamma < 0 else PROVED_WITHIN), result.reason
    with mpmath.workdps(DIGITS + 20):
        s = mpmath.mpf("0.75") * mpmath.sqrt(5)
        dual = (abs(mpmath.mpf(alpha)) + abs(mpmath.mpf(gamma))) / s
    assert contains(result.enclosures["dual_closed_form"], dual)
    assert contains(result.enclosures["dual"], dual)


def test_rank1_data_off_rank_one_is_not_certifiable():
    rng = np.random.default_rng(0)
    X = np.outer(rng.standard_normal(3), rng.standard_normal(2))
    instance = Instance(X, np.ones(3), L=3, t=1.0)
    layers, bidual, _ = rank1_witnesses(Instance([[1.0], [-1.0]], [1.0, 1.0], L=3, t=1.0))
    with pytest.raises(NotCertifiable, match="rank 1"):
        rank1_certificate(instance, layers, bidual, np.ones((3, 1)))


def test_rank1_dual_one_ulp_outside_is_rejected():
    layers, bidual, Lam = rank1_witnesses(ANTIPODAL)
    document = rank1_certificate(ANTIPODAL, layers, bidual, Lam)
    document["dual"]["Lambda"][1][0] = bump(document["dual"]["Lambda"][1][0], ULP)
    result = check_certificate(document)
    assert result.status == NOT_PROVED and result.reason.startswith("dual feasibility")


# --- C4: weight-decayed regression ------------------------------------------------------------


def ridge_reference(sigma: mpmath.mpf, L: int, beta: float) -> tuple[mpmath.mpf, mpmath.mpf]:
    """``τ`` and ``s*(σ)`` to 50 digits (mpmath root finding from the float value)."""
    with mpmath.workdps(DIGITS + 20):
        b, x = mpmath.mpf(beta), sigma
        if L == 2:
            return b, max(x - b, mpmath.mpf(0))
        tau = mpmath.mpf(L - 1) / (L - 2) * (b * (L - 2)) ** (mpmath.mpf(L) / (2 * L - 2))
        if x < tau:
            return tau, mpmath.mpf(0)
        start = optimal_singular_value(float(sigma), L, beta)
        root = mpmath.findroot(lambda s: s + b * s ** (mpmath.mpf(2) / L - 1) - x, start)
        return tau, root


@pytest.mark.parametrize(("L", "beta"), [(2, 0.3), (3, 0.5), (4, 1.0), (6, 2.0)])
def test_ridge_optimum_and_closed_forms_enclosed(L, beta):
    """C4 on exactly orthonormal data (a signed permutation): ``θ = 1``, the optimum within a
    tiny ``ε``, ``τ`` and every ``s*_i`` containing the 50-digit values."""
    X = np.array([[0.0, -1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, 0.0, 0.0]])
    Y = np.array([[3.0, 1.0], [0.5, 2.0], [1.5, -1.0], [2.0, 2.0]])
    instance = Instance(X, Y, L=L, beta=beta)
    document = ridge_certificate(instance, ridge_witnesses(instance))
    assert document["orthonormality"]["theta"] == "1"
    result = check_certificate(document)
    assert result.status == PROVED_WITHIN, result.reason
    lo, hi = (float(Fraction(v)) for v in result.enclosures["primal"])
    assert float(result.epsilon) <= 1e-13 * hi
    sigma = exact_singular_values(exact_matrix(X).T * exact_matrix(Y))
    for i, value in enumerate(sigma):
        tau, root = ridge_reference(value, L, beta)
        assert contains(result.enclosures["threshold"], tau)
        assert contains(result.enclosures[f"s*_{i + 1}"], root)
    float_check = get("weight-decay-low-rank").check(instance, Budget(seed=0, restarts=1))
    assert lo - 1e-9 * hi <= float_check.primal_value <= hi + 1e-9 * hi


def test_ridge_near_orthonormal_data_and_ties():
    """A QR factor (orthonormal only up to rounding) gets a certified ``θ < 1``; ``σ = τ``
    exactly (``L = 2``, ``σ = β``) leaves the rank undecided, honestly."""
    rng = np.random.default_rng(7)
    Q = np.linalg.qr(rng.standard_normal((5, 3)))[0]
    instance = Instance(Q, rng.standard_normal((5, 2)), L=3, beta=0.4)
    document = ridge_certificate(instance, ridge_witnesses(instance))
    assert Fraction(document["orthonormality"]["theta"]) < 1
    result = check_certificate(document)
    assert result.status == PROVED_WITHIN and float(result.epsilon) < 1e-9
    tie = Instance(np.eye(2), np.diag([0.75, 2.0]), L=2, beta=0.75)
    result = check_certificate(ridge_certificate(tie, ridge_witnesses(tie)))
    assert result.status == PROVED_WITHIN
    assert result.enclosures["rank"] == ["1", "2"]


# --- documents, files and bad input -----------------------------------------------------------


def test_certificate_round_trips_through_a_file(tmp_path):
    document = identity_certificate()
    path = tmp_path / "identity.json"
    write_certificate(document, path)
    assert json.loads(path.read_text()) == document
    direct, from_file = check_certificate(document), check_file(path)
    assert from_file.to_json() == direct.to_json()
    assert from_file.status == PROVED


def test_instance_mismatch_names_the_field():
    document = identity_certificate()
    assert instance_mismatch(document, IDENTITY) is None
    other = Instance(np.eye(2), np.eye(2), L=3, t=2.0)
    assert "'t'" in instance_mismatch(document, other)


@pytest.mark.parametrize(
    ("edit", "field"),
    [
        (lambda doc: doc.update(format="dualgap-certificate/0"), "format"),
        (lambda doc: doc.update(claim="no-such-claim"), "claim"),
        (lambda doc: doc.update(problem="relu-parallel-t"), "problem"),
        (lambda doc: doc["instance"]["X"][0].__setitem__(0, 1.0), "instance.X[0][0]"),
        (lambda doc: doc["instance"]["X"][0].__setitem__(0, "1/0"), "instance.X[0][0]"),
        (lambda doc: doc["instance"].update(L=1), "instance.L"),
        (lambda doc: doc["primal"]["layers"].pop(), "primal.layers"),
        (lambda doc: doc["primal"].update(activation="relu"), "primal"),
        (lambda doc: doc["dual"].pop("Lambda"), "dual.Lambda"),
        (lambda doc: doc["dual"]["Lambda"].pop(), "dual.Lambda"),
    ],
)
def test_malformed_certificates_name_the_field(edit, field):
    document = identity_certificate()
    edit(document)
    with pytest.raises(CertificateError) as error:
        check_certificate(document)
    assert error.value.field == field
    assert "\n" not in str(error.value)


def test_missing_or_broken_file(tmp_path):
    with pytest.raises(CertificateError, match="does not exist"):
        check_file(tmp_path / "nothing.json")
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    with pytest.raises(CertificateError, match="not readable JSON"):
        check_file(broken)


@given(st.fractions(), st.integers(1, 45))
def test_printed_enclosures_round_outward(value, digits):
    q = fmpq(value.numerator, value.denominator)
    assert Fraction(lower_text(q, digits)) <= value <= Fraction(upper_text(q, digits))


@given(
    st.lists(st.lists(st.integers(-4, 4), min_size=3, max_size=3), min_size=3, max_size=4),
    st.integers(1, 3),
)
def test_both_eigenvalue_routes_agree(rows, rank):
    """The fast route (certified isolation of the Gram matrix's eigenvalues) and the exact one
    (characteristic polynomial) give overlapping balls, and the rank is the exact rank."""
    A = (
        np.array(rows)[:, :rank] @ np.array(rows)[:rank, :3]
        if len(rows) >= rank
        else np.array(rows)
    )
    matrix = fmpq_mat(A.tolist())
    gram = matrix.transpose() * matrix
    with working_precision():
        exact = sorted(_characteristic_roots(gram), key=lambda v: float(v.mid()))
        fast = _isolated_eigenvalues(gram, gram.rank())
        if fast is not None:
            fast = sorted(fast, key=lambda v: float(v.mid()))
            assert len(fast) == len(exact)
            assert all(f.overlaps(e) for f, e in zip(fast, exact, strict=True))
        assert singular_values(matrix).rank == np.linalg.matrix_rank(A) == len(exact)


@given(st.lists(st.integers(-3, 3), min_size=6, max_size=6), st.integers(-2, 4))
def test_semidefinite_fast_route_agrees_with_exact_ldl(entries, shift):
    """The eigenvalue-ball route may only say "positive semidefinite" when the exact ``LDLᵀ``
    agrees (3×3 symmetric integer matrices ``BᵀB + shift·I``, definite, singular and indefinite)."""
    B = np.array(entries).reshape(2, 3)
    M = fmpq_mat((B.T @ B + shift * np.eye(3, dtype=int)).tolist())
    assert (semidefinite_defect(M) is None) == (psd_defect(M) is None)
