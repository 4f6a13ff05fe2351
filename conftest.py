"""Hypothesis profiles and shared fixtures.

Profiles: ``dev`` (the default: few examples, fast), hypothesis' built-in ``ci`` (selected when
``CI`` is set: derandomised, no example database), ``thorough`` (hundreds of examples per
property). ``HYPOTHESIS_PROFILE`` overrides the choice. Every profile prints the reproduction
blob of a failure.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import settings

import verify  # noqa: F401  (before numpy: selects single-threaded BLAS, see verify/__init__.py)

settings.register_profile("dev", max_examples=10, deadline=None, print_blob=True)
settings.register_profile("thorough", max_examples=300, deadline=None, print_blob=True)
_default = "ci" if os.environ.get("CI", "").lower() in ("1", "true", "yes") else "dev"
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", _default))


def pytest_report_header(config: pytest.Config) -> str:
    return f"hypothesis profile: {settings._current_profile}"
