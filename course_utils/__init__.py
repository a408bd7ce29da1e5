"""Helpers for the course "Async Python for AI Agents".

Light to import: plotting (matplotlib) and widgets (ipywidgets) load only when first used.

>>> from course_utils import SimulatedLLM, Timeline, LagMonitor, compare, tools
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__version__ = "0.1.0"

# name -> module that defines it; resolved on first access so `import course_utils` stays cheap.
_EXPORTS = {
    "settings": "config", "Settings": "config", "simulated": "config",
    "time_scale": "clock", "now": "clock", "sleep": "clock", "sleep_blocking": "clock",
    "Stopwatch": "clock",
    "SimulatedLLM": "llm", "SimulatedLLMSync": "llm", "Completion": "llm", "TokenStream": "llm",
    "LLMEngine": "llm",
    "FaultPlan": "faults", "LLMError": "faults", "RateLimitError": "faults",
    "ServerError": "faults", "StreamInterrupted": "faults", "BadRequestError": "faults",
    "RateLimits": "ratelimit", "TokenBucket": "ratelimit",
    "PRESETS": "presets", "ModelPreset": "presets",
    "Metrics": "metrics",
    "Timeline": "tracing", "mark": "tracing",
    "LagMonitor": "lag",
    "compare": "comparison", "compare_many": "comparison", "Comparison": "comparison",
    "doctor": "health",
    "check": "checker", "hint": "checker",
    "connect": "provider", "connect_sync": "provider",
    "serve": "serving", "serve_async": "serving",
    "LiveText": "live", "NetworkDistance": "network",
    "serve_app": "background", "cancel_and_wait": "background", "BackgroundServer": "background",
    "quiz": "quizzes", "MultipleChoice": "quizzes", "ShortAnswer": "quizzes",
}
_SUBMODULES = {"coursetime", "background", "live", "network", "serving", "provider", "health", "comparison", "tools", "sync_tools", "records", "plots", "quizzes", "clock", "config", "llm", "tracing",
               "lag", "faults", "ratelimit", "metrics", "presets", "textgen", "seeding"}

__all__ = sorted(_EXPORTS) + sorted(_SUBMODULES)


# Inside a Jupyter kernel, the lesson's event loop starts counting course seconds right here, so
# learner code stays plain asyncio (see course_utils/coursetime.py). Elsewhere this does nothing.
import_module(".coursetime", __name__).install_in_kernel()


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        value = getattr(import_module(f".{_EXPORTS[name]}", __name__), name)
    elif name in _SUBMODULES:
        value = import_module(f".{name}", __name__)
    else:
        raise AttributeError(f"module 'course_utils' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
