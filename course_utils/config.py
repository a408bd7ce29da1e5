"""One place for every setting the course reads: time scale, seed, model, provider.

Lessons never hard-code a model name, a latency or a seed; they read them from here, so a
workshop can retune the whole course with environment variables (introduced in lesson 01).

Environment variables
---------------------
COURSE_TIME_SCALE   real seconds per course second (default 1.0; CI uses about 0.05).
COURSE_SEED         seed for every simulated latency, text and failure (default 42).
COURSE_MODEL        model preset (or real model name) used when a lesson does not name one.
COURSE_LLM_BASE_URL point the course's LLM clients at a real OpenAI-compatible endpoint.
COURSE_LLM_API_KEY  key for that endpoint; read from the environment only, never printed.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

DEFAULT_SEED = 42
DEFAULT_MODEL = "sim-fast"
LARGE_MODEL = "sim-large"


class ConfigError(ValueError):
    """A course environment variable holds a value the course cannot use."""


def _float_from_env(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a number; try {name}=1.0") from None
    if not (value > 0 and value < float("inf")):
        raise ConfigError(f"{name} must be a positive number of real seconds per course second, got {raw!r}")
    return value


def _int_from_env(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not an integer; try {name}={default}") from None


@dataclass(frozen=True)
class Settings:
    """A snapshot of the course settings; read it with :func:`settings`."""

    time_scale: float
    seed: int
    model: str
    llm_base_url: str | None
    llm_api_key_set: bool

    @property
    def uses_real_provider(self) -> bool:
        return self.llm_base_url is not None

    def __repr__(self) -> str:  # the key itself is never part of any repr
        provider = self.llm_base_url or "simulated (no network)"
        return (
            f"Settings(time_scale={self.time_scale}, seed={self.seed}, model={self.model!r}, "
            f"provider={provider!r}, api_key={'set' if self.llm_api_key_set else 'not set'})"
        )


def settings() -> Settings:
    """Read the course settings from the environment (cheap; call it whenever you need them)."""
    base_url = os.environ.get("COURSE_LLM_BASE_URL", "").strip() or None
    return Settings(
        time_scale=_float_from_env("COURSE_TIME_SCALE", 1.0),
        seed=_int_from_env("COURSE_SEED", DEFAULT_SEED),
        model=os.environ.get("COURSE_MODEL", "").strip() or DEFAULT_MODEL,
        llm_base_url=base_url,
        llm_api_key_set=bool(os.environ.get("COURSE_LLM_API_KEY")),
    )


def simulated() -> bool:
    """True when the lessons talk to the course's simulated model (no ``COURSE_LLM_BASE_URL``).

    Cells whose checks hold only for the simulator (exact latencies, seeded failures) test this
    and say so when they skip (introduced in lesson 01).
    """
    return not settings().uses_real_provider


def api_key() -> str | None:
    """The real provider's key, straight from the environment (never stored or logged)."""
    return os.environ.get("COURSE_LLM_API_KEY") or None
