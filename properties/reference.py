"""Reference computations the tests compare the library with, written out independently of it."""

from __future__ import annotations

import numpy as np


def hand_forward(network, X: np.ndarray) -> tuple[np.ndarray, float, float]:
    """A parallel ReLU network's output (N×K), its t-objective ``½ Σ (‖W_{L−1}‖² + ‖W_L‖²)``
    and the largest Frobenius norm of a constrained layer (``W_1 … W_{L−2}``; 0 at ``L = 2``),
    computed layer by layer with ``np.where`` rather than the library's forward pass."""
    out, cost, largest = np.zeros((X.shape[0], 1)), 0.0, 0.0
    for branch in network.branches:
        *hidden, last = branch.weights
        A = X
        for W in hidden:
            A = np.where(A @ W > 0, A @ W, 0.0)
        out = out + A @ last
        cost += 0.5 * (np.sum(hidden[-1] ** 2) + np.sum(last**2)) if hidden else 0.0
        for W in hidden[:-1]:
            largest = max(largest, float(np.sqrt(np.sum(W * W))))
    return out, cost, largest
