"""What the active hypothesis profile means for tests that set their own example counts."""

from __future__ import annotations

from hypothesis import settings

#: the thorough profile (``HYPOTHESIS_PROFILE=thorough``) also draws larger instances
THOROUGH = settings._current_profile == "thorough"


def examples(count: int) -> int:
    """Examples for a costly property: ``count``, or ten times as many in the thorough profile."""
    return 10 * count if THOROUGH else count
