"""Instances for C6 (standard ReLU networks on rank-1 data): ``X = c aᵀ`` with labels
``Y = c₊αᵀ + c₋γᵀ`` on either side of the zero-gap condition, at depths ``L ≥ 3``, and whitened
data.

Conditioning is built in: entries of ``c``, ``‖a‖``, ``‖α‖``, ``‖γ‖`` are drawn on log scales
within stated ranges, directions from a drawn seed, and the gap side keeps ``α`` and ``γ`` at
least :data:`MIN_ANGLE` apart (scalar outputs: opposite signs), so that every gap instance has a
relative gap far above the claim's tolerance (at least 2e-2 with these ranges). On the zero-gap
side, from depth :data:`EXACT_ALIGNMENT_DEPTH` on, vector labels point along a coordinate axis:
the gap opens like ``Δ^{2/(L−1)}`` near the condition, so labels aligned only up to rounding are
not resolved at the claim's tolerance there (:func:`verify.rank1.rounding_sensitivity`).
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from verify.instances import Instance
from verify.strategies.common import log_uniform, orthonormal_columns, rotation_seeds

ZERO_GAP, GAP = "zero-gap", "gap"
#: the smallest angle between ``α`` and ``γ`` on the gap side (vector outputs)
MIN_ANGLE = 0.3
#: the depth from which zero-gap vector labels are drawn exactly aligned (along an axis)
EXACT_ALIGNMENT_DEPTH = 4


@st.composite
def sign_patterns(draw: st.DrawFn, side: str, max_rows: int) -> np.ndarray:
    """Signs (+1, −1, 0) of ``c``: both signs present on the gap side, at least one +1 always."""
    positives = draw(st.integers(1, max_rows - 1))
    least = 1 if side == GAP else 0
    negatives = draw(st.integers(least, max_rows - positives))
    zeros = draw(st.integers(0, max(0, min(1, max_rows - positives - negatives))))
    return np.array([1.0] * positives + [-1.0] * negatives + [0.0] * zeros)


@st.composite
def label_sides(
    draw: st.DrawFn, side: str, K: int, rng: np.random.Generator, axis: bool = False
) -> np.ndarray:
    """``(α, γ)`` as a 2×K array: aligned (or ``γ = 0``) for the zero-gap side — along a signed
    coordinate axis if ``axis`` — otherwise at an angle in ``[MIN_ANGLE, π]`` (opposite signs
    when ``K = 1``)."""
    size_alpha = draw(log_uniform(0.1, 10.0))
    size_gamma = draw(log_uniform(0.1, 10.0))
    v = orthonormal_columns(rng, K, 1)[:, 0]
    if side == ZERO_GAP:
        if axis:
            v = np.eye(K)[draw(st.integers(0, K - 1))] * draw(st.sampled_from([1.0, -1.0]))
        size_gamma = size_gamma if draw(st.booleans()) else 0.0
        return np.vstack([size_alpha * v, size_gamma * v])
    if K == 1:
        return np.vstack([size_alpha * v, -size_gamma * v])
    angle = draw(st.floats(MIN_ANGLE, np.pi))
    w = orthonormal_columns(rng, K, 2)
    w = w[:, 1] - (w[:, 1] @ v) * v
    w /= np.linalg.norm(w)
    return np.vstack([size_alpha * v, size_gamma * (np.cos(angle) * v + np.sin(angle) * w)])


@st.composite
def rank1_instances(
    draw: st.DrawFn,
    side: str | None = None,
    depths: st.SearchStrategy[int] | None = None,
    max_rows: int = 6,
    max_dim: int = 3,
    max_outputs: int = 3,
) -> Instance:
    """A C6 instance ``(X = c aᵀ, Y = c₊αᵀ + c₋γᵀ, L, t)``; ``side`` is ``"zero-gap"``
    (``α·γ = ‖α‖‖γ‖``), ``"gap"`` or ``None`` (drawn); ``depths`` draws ``L`` (default 3).
    ``c`` may have zero entries (their labels are zero) and may be one-signed on the zero-gap
    side."""
    side = side if side is not None else draw(st.sampled_from([ZERO_GAP, GAP]))
    L = draw(depths if depths is not None else st.just(3))
    rng = draw(rotation_seeds())
    signs = draw(sign_patterns(side, max_rows))
    c = rng.permutation(signs * np.array([draw(log_uniform(0.3, 3.0)) for _ in signs]))
    d = draw(st.integers(1, max_dim))
    a = orthonormal_columns(rng, d, 1)[:, 0] * draw(log_uniform(0.3, 3.0))
    K = draw(st.integers(1, max_outputs))
    alpha, gamma = draw(label_sides(side, K, rng, axis=L >= EXACT_ALIGNMENT_DEPTH))
    Y = np.outer(np.maximum(c, 0.0), alpha) + np.outer(np.maximum(-c, 0.0), gamma)
    scalar = K == 1 and draw(st.booleans())
    t = draw(log_uniform(1 / 3, 3.0))
    return Instance(np.outer(c, a), Y[:, 0] if scalar else Y, L=L, t=t, label=f"rank-1 {side}")


@st.composite
def whitened_instances(
    draw: st.DrawFn, orientation: str | None = None, mixed_signs: bool | None = None
) -> Instance:
    """Whitened data with scalar labels: ``X`` with orthonormal ``"rows"`` (``XXᵀ = I``, N ≤ d)
    or ``"columns"`` (``XᵀX = I``, N ≥ d), labels of mixed or one sign, ``L = 3``. A single
    column (rank 1) gets interpolable labels ``αc₊ + γc₋``; every other whitened ``X`` here
    can be interpolated with any labels (rows) or generically (columns, N ≤ 4)."""
    orientation = orientation or draw(st.sampled_from(["rows", "columns"]))
    rng = draw(rotation_seeds())
    small, large = draw(st.integers(1, 3)), draw(st.integers(1, 4))
    small, large = min(small, large), max(small, large)
    if orientation == "rows":
        X = orthonormal_columns(rng, large, small).T
    else:
        X = orthonormal_columns(rng, large, small)
    N = X.shape[0]
    mixed = mixed_signs if mixed_signs is not None else draw(st.booleans())
    if X.shape[1] == 1:
        # A single column is rank 1: only labels c₊α + c₋γ are interpolable (see verify.rank1).
        c = X[:, 0]
        alpha = draw(log_uniform(0.1, 10.0))
        gamma = draw(log_uniform(0.1, 10.0)) * (-1.0 if mixed else 1.0)
        y = alpha * np.maximum(c, 0.0) + gamma * np.maximum(-c, 0.0)
    else:
        magnitudes = np.array([draw(log_uniform(0.1, 10.0)) for _ in range(N)])
        signs = np.ones(N)
        if mixed and N >= 2:
            signs[draw(st.integers(1, N - 1)) :] = -1.0
        y = rng.permutation(signs * magnitudes)
    t = draw(log_uniform(1 / 3, 3.0))
    return Instance(X, y, L=3, t=t, label=f"whitened {orientation}")
