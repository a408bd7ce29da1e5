"""Named latency profiles for the simulated LLM (introduced in lesson 01).

All figures are course seconds. Time to first token grows with the prompt, each generated token
costs ``per_token``, and ``jitter`` spreads every call by up to that fraction, drawn from the seed.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ModelPreset:
    name: str
    ttft: float                 # time to first token for an empty prompt
    ttft_per_prompt_token: float
    per_token: float            # time per generated token
    jitter: float               # +/- fraction applied to each latency
    typical_tokens: int         # how long an answer usually is
    max_tokens: int             # hard cap when the caller gives none
    context_window: int
    description: str

    def describe(self) -> str:
        return (f"{self.name}: {self.description}; first token after ~{self.ttft:.2f} s, "
                f"{1 / self.per_token:.0f} tokens/s" if self.per_token else f"{self.name}: {self.description}")


PRESETS: dict[str, ModelPreset] = {
    p.name: p
    for p in (
        ModelPreset("sim-fast", ttft=0.25, ttft_per_prompt_token=0.0004, per_token=0.008, jitter=0.2,
                    typical_tokens=40, max_tokens=256, context_window=16_000,
                    description="a fast small model"),
        ModelPreset("sim-large", ttft=0.8, ttft_per_prompt_token=0.0012, per_token=0.03, jitter=0.25,
                    typical_tokens=60, max_tokens=512, context_window=128_000,
                    description="a slow large model that writes longer answers"),
        ModelPreset("sim-instant", ttft=0.0, ttft_per_prompt_token=0.0, per_token=0.0, jitter=0.0,
                    typical_tokens=20, max_tokens=256, context_window=16_000,
                    description="no latency at all (for benchmarks and tests)"),
    )
}


def get_preset(name: str) -> ModelPreset:
    """The preset called ``name``; the error lists the ones that exist."""
    try:
        return PRESETS[name]
    except KeyError:
        raise ValueError(f"unknown model {name!r}; the simulator knows {', '.join(PRESETS)}") from None
