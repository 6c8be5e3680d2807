"""Shared test setup: never touch the repository's result cache, never draw progress
bars."""

from __future__ import annotations

import os

import pytest
from hypothesis import settings

# CI draws the same property-test examples on every run (a red CI is then always
# reproducible); local runs keep hypothesis's random exploration.
settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI"):
    settings.load_profile("ci")


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path_factory, monkeypatch):
    # Safety net: a test that forgets cache=False or a tmp ResultCache still writes only
    # here.
    monkeypatch.setenv(
        "FRACTAL_CACHE_DIR", str(tmp_path_factory.mktemp("default_cache"))
    )
    monkeypatch.setenv("FRACTAL_PROGRESS", "0")
