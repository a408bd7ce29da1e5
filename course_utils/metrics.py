"""Counting calls, tokens, failures and latencies (introduced in lesson 01, used in lesson 12).

Every simulated client keeps one :class:`Metrics` record as ``client.usage``; lessons also use
the class directly to instrument their own agents.
"""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass, field


@dataclass
class Metrics:
    """Calls, failures by kind, token totals and latency statistics (course seconds)."""

    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    errors: Counter = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)

    def record(self, latency: float, *, error: str | None = None,
               prompt_tokens: int = 0, completion_tokens: int = 0) -> None:
        """Add one finished call; ``error`` names its failure kind (``None`` if it succeeded)."""
        self.calls += 1
        self.latencies.append(latency)
        self.prompt_tokens += prompt_tokens
        self.completion_tokens += completion_tokens
        if error is not None:
            self.errors[error] += 1

    @property
    def failures(self) -> int:
        return sum(self.errors.values())

    @property
    def successes(self) -> int:
        return self.calls - self.failures

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    @property
    def latency_min(self) -> float:
        return min(self.latencies, default=0.0)

    @property
    def latency_median(self) -> float:
        return statistics.median(self.latencies) if self.latencies else 0.0

    @property
    def latency_mean(self) -> float:
        return statistics.fmean(self.latencies) if self.latencies else 0.0

    @property
    def latency_max(self) -> float:
        return max(self.latencies, default=0.0)

    def summary(self) -> dict[str, float | int | dict[str, int]]:
        return {
            "calls": self.calls,
            "failures": self.failures,
            "errors": dict(self.errors),
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "latency_min": round(self.latency_min, 4),
            "latency_median": round(self.latency_median, 4),
            "latency_mean": round(self.latency_mean, 4),
            "latency_max": round(self.latency_max, 4),
        }

    def reset(self) -> None:
        self.calls = self.prompt_tokens = self.completion_tokens = 0
        self.errors.clear()
        self.latencies.clear()

    def __str__(self) -> str:
        errors = ", ".join(f"{k}={v}" for k, v in sorted(self.errors.items())) or "none"
        return (f"{self.calls} calls ({errors} failed), {self.total_tokens} tokens, latency "
                f"min {self.latency_min:.2f} / median {self.latency_median:.2f} / "
                f"max {self.latency_max:.2f} course s")
