"""Shared test settings: a fast, fixed time scale and seed, so tests never depend on the shell."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")

TEST_SCALE = "0.05"


@pytest.fixture(autouse=True)
def course_settings(monkeypatch):
    """Every test runs at 1 course second = 0.05 real seconds, with the default seed."""
    monkeypatch.setenv("COURSE_TIME_SCALE", TEST_SCALE)
    monkeypatch.delenv("COURSE_SEED", raising=False)
    monkeypatch.delenv("COURSE_MODEL", raising=False)
    monkeypatch.delenv("COURSE_LLM_BASE_URL", raising=False)
    monkeypatch.delenv("COURSE_LLM_API_KEY", raising=False)
