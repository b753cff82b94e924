"""Shared test setup: hypothesis profiles and an isolated working directory for anything on disk."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci", max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=False
)
settings.register_profile(
    "thorough", max_examples=5000, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("LEADSCORE_HYPOTHESIS_PROFILE", "ci"))

pytest_plugins = ["tests.notion_fake.plugin"]
