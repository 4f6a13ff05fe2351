"""Instances for the parallel ReLU claim (C5): small ``N`` and ``d``, scalar labels, ``t``.

Three kinds of data: Gaussian data of a drawn spectrum (random orthogonal factors), the same
with a bias column of ones, and small-integer "grid" data (ties, parallel and zero rows: a
non-general-position arrangement). Labels are Gaussian when the data are generic with
``d ≥ 2`` (every label vector is then interpolable), otherwise the output of a random parallel
"teacher" network of the instance's depth, which is interpolable by construction.
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from verify.instances import Instance
from verify.strategies.common import log_uniform, orthonormal_columns, rotation_seeds, spectra

#: Largest ``(N, d)`` per depth (``d`` counts a bias column): the default profile's sizes …
DEFAULT_SIZES = {2: (8, 3), 3: (6, 2), 4: (4, 2), 5: (3, 2)}
#: … and the larger ones of the thorough profile (at ``L ≥ 4`` the outer program of
#: :mod:`verify.relu_deep` has ``(2(2^N − 1))^{L−2}`` groups: N = 5 at L = 4, 3 at L = 5).
THOROUGH_SIZES = {2: (12, 4), 3: (7, 2), 4: (5, 2), 5: (3, 2)}
DATA_KINDS = ("gaussian", "bias", "grid")


def teacher_labels(X: np.ndarray, L: int, t: float, rng: np.random.Generator) -> np.ndarray:
    """Output of a random parallel ReLU network with three branches (``‖W_1‖_F = t``), of depth 2,
    or 3 for every ``L ≥ 3`` (interpolable at any depth ``L ≥ 3``: a depth-3 branch embeds at depth
    ``L``, see :mod:`verify.relu_deep`)."""
    y = np.zeros(X.shape[0])
    for _ in range(3):
        if L == 2:
            hidden = np.maximum(X @ rng.standard_normal(X.shape[1]), 0.0)
        else:
            first = rng.standard_normal((X.shape[1], 2))
            first *= t / np.linalg.norm(first)
            hidden = np.maximum(np.maximum(X @ first, 0.0) @ rng.standard_normal(2), 0.0)
        y += rng.standard_normal() * hidden
    return y


@st.composite
def relu_instances(
    draw: st.DrawFn,
    depths: tuple[int, ...] = (2, 3),
    sizes: dict[int, tuple[int, int]] | None = None,
    kinds: tuple[str, ...] = DATA_KINDS,
    exact_size: bool = False,
    min_dim: int = 1,
) -> Instance:
    """A C5 instance ``(X, y, L, t)`` with interpolable scalar labels, ``L`` one of ``depths``;
    ``N`` and ``d`` up to ``sizes[L]`` (``d ≥ min_dim``), or exactly those with ``exact_size``."""
    L = draw(st.sampled_from(depths))
    max_points, max_dim = (sizes or DEFAULT_SIZES)[L]
    N = max_points if exact_size else draw(st.integers(2, max_points))
    d = max_dim if exact_size else draw(st.integers(min_dim, max_dim))
    kind = draw(st.sampled_from(kinds))
    rng = draw(rotation_seeds())
    t = draw(log_uniform(1 / 3, 3.0))
    if kind == "grid":
        X = rng.integers(-2, 3, size=(N, d)).astype(float)
    else:
        features = d - 1 if kind == "bias" else d
        rho = min(N, features)
        X = np.zeros((N, features))
        if rho:
            s = draw(spectra(rho, 0.5, 2.0))
            X = (orthonormal_columns(rng, N, rho) * s) @ orthonormal_columns(rng, features, rho).T
        if kind == "bias":
            X = np.hstack([X, np.ones((N, 1))])
    if kind != "grid" and d >= 2:
        y = rng.standard_normal(N) * draw(log_uniform(0.3, 3.0))
    else:
        y = teacher_labels(X, L, t, rng)
    return Instance(X, y, L=L, t=t, label=f"generated {kind}")
