"""Primal witnesses checked exactly: forward pass on rationals, interpolation, norms, cost.

Standard network: ``A_0 = X``, ``A_l = φ(A_{l−1} W_l)`` (``l < L``), ``f(X) = A_{L−1} W_L``;
a parallel network is the sum of its branches. ``φ`` is the identity or the ReLU, evaluated on
rationals (``max(v, 0)`` is exact).
"""

from __future__ import annotations

from flint import fmpq, fmpq_mat

from verify.proof.balls import upper_text
from verify.proof.document import InstanceData, NetworkData
from verify.proof.rationals import frobenius_squared, largest_difference, relu
from verify.proof.result import Ledger


def branch_output(layers: tuple[fmpq_mat, ...], X: fmpq_mat, activation: str) -> fmpq_mat:
    A = X
    for W in layers[:-1]:
        A = A * W
        if activation == "relu":
            A = relu(A)
    return A * layers[-1]


def output(network: NetworkData, X: fmpq_mat) -> fmpq_mat:
    total = None
    for layers in network.branches:
        part = branch_output(layers, X, network.activation)
        total = part if total is None else total + part
    return total


def t_cost(network: NetworkData) -> fmpq:
    """``½ Σ_branches (‖W_{L−1}‖² + ‖W_L‖²)`` (the t-formulation's objective)."""
    return (
        sum(
            (frobenius_squared(b[-2]) + frobenius_squared(b[-1]) for b in network.branches), fmpq(0)
        )
        / 2
    )


def weight_decay_cost(network: NetworkData) -> fmpq:
    """``½ Σ_l ‖W_l‖²`` summed over branches."""
    return sum((frobenius_squared(W) for b in network.branches for W in b), fmpq(0)) / 2


def require_interpolation(
    ledger: Ledger, network: NetworkData, data: InstanceData, what: str
) -> None:
    """``f(X) = Y`` exactly."""
    miss = largest_difference(output(network, data.X), data.Y)
    ledger.require(
        miss == 0,
        f"{what} interpolation",
        f"f(X) = Y exactly ({len(network.branches)} branch(es), {network.activation})",
        f"f(X) ≠ Y: largest entry of |f(X) − Y| is {upper_text(miss, 6)} (must be exactly 0)",
    )


def require_norm_bounds(
    ledger: Ledger, network: NetworkData, data: InstanceData, what: str
) -> None:
    """``‖W_l‖_F² ≤ t²`` for the first ``L − 2`` layers of every branch."""
    if data.L <= 2:
        return
    bound = data.t * data.t
    for b, layers in enumerate(network.branches):
        for index, W in enumerate(layers[:-2]):
            norm = frobenius_squared(W)
            if norm > bound:
                ledger.require(
                    False,
                    f"{what} norm constraints",
                    "",
                    f"branch {b} layer {index + 1}: ‖W‖_F² = {upper_text(norm, 12)} > t² = "
                    f"{upper_text(bound, 12)}",
                )
    ledger.passed(
        f"{what} norm constraints",
        f"‖W_l‖_F² ≤ t² exactly for the first L − 2 = {data.L - 2} layer(s) of every branch",
    )


def require_width(ledger: Ledger, network: NetworkData, data: InstanceData, what: str) -> None:
    """Hidden widths (standard) or branch count (parallel) within the instance's ``width``."""
    if data.width is None:
        return
    if network.kind == "parallel":
        used, unit = len(network.branches), "branches"
    else:
        used, unit = max(W.ncols() for W in network.layers[:-1]), "hidden units per layer"
    ledger.require(
        used <= data.width,
        f"{what} width",
        f"{used} {unit} ≤ width {data.width}",
        f"{used} {unit} exceed the instance's width {data.width}",
    )
