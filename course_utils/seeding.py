"""Stable randomness: the same seed and the same inputs give the same draws in every process.

Python's ``hash()`` of a string changes between processes, so seeds are derived with BLAKE2
instead (introduced in lesson 01, where the simulated LLM's determinism is shown).
"""

from __future__ import annotations

import hashlib
import math
import random
from functools import lru_cache


def stable_int(*parts: object) -> int:
    """A 64-bit integer that depends only on ``parts`` (their ``repr``), never on the process."""
    digest = hashlib.blake2b(repr(parts).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def rng_for(*parts: object) -> random.Random:
    """A ``random.Random`` seeded from ``parts``: independent streams for independent things."""
    return random.Random(stable_int(*parts))


def stable_unit(*parts: object) -> float:
    """A float in [0, 1) that depends only on ``parts``; cheaper than seeding a generator."""
    return stable_int(*parts) / 2**64


_MASK = (1 << 64) - 1


def mix_unit(base: int, index: int) -> float:
    """A float in [0, 1) from a 64-bit ``base`` (e.g. a :func:`stable_int`) and an index.

    One SplitMix64 step: for per-call draws on the hot path, where hashing a ``repr`` with
    BLAKE2 on every call would be the most expensive part of planning it.
    """
    z = (base + (index + 1) * 0x9E3779B97F4A7C15) & _MASK
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
    return (z ^ (z >> 31)) / 18446744073709551616.0


class Draws:
    """A tiny SplitMix64 generator: a few draws per call, without seeding a Mersenne Twister.

    Seeding ``random.Random`` and ``random.sample`` cost ~15 us together; at 10,000 simulated
    calls that alone would show up in the scale benchmark.
    """

    __slots__ = ("_state",)

    def __init__(self, *parts: object) -> None:
        self._state = stable_int(*parts)

    def random(self) -> float:
        self._state = z = (self._state + 0x9E3779B97F4A7C15) & _MASK
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
        return (z ^ (z >> 31)) / 18446744073709551616.0

    def uniform(self, low: float, high: float) -> float:
        return low + (high - low) * self.random()

    def choice(self, seq):  # type: ignore[no-untyped-def]
        return seq[int(self.random() * len(seq))]

    def sample(self, seq, k: int) -> list:  # type: ignore[no-untyped-def]
        """``k`` distinct items: a random start and a random stride coprime with ``len(seq)``."""
        n = len(seq)
        start = int(self.random() * n)
        strides = _coprime_strides(n)
        stride = strides[int(self.random() * len(strides))]
        return [seq[(start + j * stride) % n] for j in range(min(k, n))]


@lru_cache(maxsize=64)
def _coprime_strides(n: int) -> tuple[int, ...]:
    return tuple(s for s in range(1, max(n, 2)) if math.gcd(s, n) == 1) or (1,)

