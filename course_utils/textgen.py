"""Plausible, deterministic answers for the simulated LLM (introduced in lesson 01).

No language model here: the answer is assembled from the prompt's own key words and a small
corpus, chosen by a seeded generator, so a summarize -> analyze pipeline prints readable text
and the same prompt with the same seed always gets the same answer.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Callable

from .seeding import Draws

_TOKEN = re.compile(r"\s*(?:\w+|[^\w\s])")
_WORD = re.compile(r"[A-Za-z][A-Za-z'-]{3,}")

_STOPWORDS = frozenset(
    """about above after again against also among because been before being below between both
    could does doing down during each from further have having here into itself just more most
    other over same should some such than that their them then there these they this those
    through under until very what when where which while whom will with would your yours please
    give write tell make answer question following text summarize summary analyze analysis
    explain describe short sentence sentences words using list into three five student students
    sentiment classify keyword keywords extract translate plan steps lets""".split()
)

_FACTS = [
    "{A} depends mostly on waiting for other systems, not on computing.",
    "The key point about {a} is that independent steps can overlap in time.",
    "Most of the cost of {a} comes from latency rather than from processing.",
    "Evidence on {a} suggests that small delays add up quickly when steps run one after another.",
    "{A} works best when each step has a clear input, a clear output and a time limit.",
    "A careful look at {a} shows three recurring themes: cost, reliability and speed.",
    "In practice, {a} benefits from caching answers that do not change often.",
    "Teams that handle {a} well measure before they optimise.",
    "When {a} fails, it usually fails at the boundaries between components.",
    "{A} is easier to reason about once every external call has a timeout.",
    "Recent reports on {a} highlight both the opportunities and the risks.",
    "For {a}, a short plan followed by concurrent lookups is usually the fastest route.",
    "Reviewers of {a} point out that retries without backoff make outages worse.",
    "The most useful summary of {a} fits in two sentences.",
    "{A} connects naturally to {b}, which is often handled by the same team.",
    "Compared with {b}, {a} needs more coordination but less raw computation.",
]

_POSITIVE = frozenset("good great excellent love happy improved success fast helpful clear win best".split())
_NEGATIVE = frozenset("bad poor terrible hate sad slow broken failure fail worse worst error late".split())


def split_tokens(text: str) -> list[str]:
    """Split text into the simulator's tokens (words and punctuation, with leading spaces).

    ``"".join(split_tokens(t))`` gives back ``t`` without surrounding whitespace, which is what
    streaming relies on.
    """
    return _TOKEN.findall(text)


def count_tokens(text: str) -> int:
    """How many tokens the simulator charges for ``text`` (roughly what real tokenizers say)."""
    return len(_TOKEN.findall(text))


def _key_terms(prompt: str, n: int = 3) -> list[str]:
    seen: dict[str, int] = {}
    for word in _WORD.findall(prompt):
        low = word.lower()
        if low not in _STOPWORDS:
            seen[low] = seen.get(low, 0) + 1
    # Most frequent first, ties broken by first appearance (dicts keep insertion order).
    ranked = sorted(seen, key=lambda w: -seen[w])
    return ranked[:n] or ["the topic"]


# Corpus sentences are tokenized once, with sentinel words where the prompt's terms go, so an
# answer's length is known from counts alone and its text is only built when someone reads it:
# the simulator must know how long to wait before it needs the words themselves.
_SLOTS = {"zzqa": "a", "zzqA": "A", "zzqb": "b"}


def _pretokenize(template: str) -> tuple[tuple[str, ...], int, tuple[str, ...]]:
    tokens = tuple(split_tokens(" " + template.format(a="zzqa", A="zzqA", b="zzqb")))
    slots = tuple(_SLOTS[t.strip()] for t in tokens if t.strip() in _SLOTS)
    return tokens, len(tokens) - len(slots), slots


_FACT_TOKENS = [_pretokenize(t) for t in _FACTS]


class _Terms:
    """The prompt's key terms as token lists, ready to drop into corpus sentences."""

    __slots__ = ("tokens", "counts", "_facts")

    def __init__(self, words: tuple[str, ...]) -> None:
        a = words[0]
        b = words[1] if len(words) > 1 else "the wider system"
        self.tokens = {"a": split_tokens(a), "A": split_tokens(a[:1].upper() + a[1:]), "b": split_tokens(b)}
        self.counts = {k: len(v) for k, v in self.tokens.items()}
        self._facts: dict[int, list[str]] = {}  # terms recur across prompts: build each once

    def fact_count(self, index: int) -> int:
        _, literal, slots = _FACT_TOKENS[index]
        return literal + sum(self.counts[s] for s in slots)

    def fact_tokens(self, index: int) -> list[str]:
        cached = self._facts.get(index)
        if cached is not None:
            return cached
        out: list[str] = []
        for token in _FACT_TOKENS[index][0]:
            key = token.strip()
            slot = _SLOTS.get(key)
            if slot is None:
                out.append(token)
            else:
                sub = self.tokens[slot]
                out.append(token[: len(token) - len(key)] + sub[0])
                out.extend(sub[1:])
        self._facts[index] = out
        return out


@lru_cache(maxsize=1024)
def _terms_for(words: tuple[str, ...]) -> _Terms:
    return _Terms(words)


class Answer:
    """A planned answer: its length is known at once, its text is built on first read."""

    __slots__ = ("_units", "_terms", "count", "finish_reason", "_tokens")

    def __init__(self, units: list[tuple[tuple[str, ...], int | None]], terms: _Terms, count: int,
                 finish_reason: str) -> None:
        self._units = units
        self._terms = terms
        self.count = count
        self.finish_reason = finish_reason
        self._tokens: tuple[str, ...] | None = None

    @property
    def tokens(self) -> tuple[str, ...]:
        if self._tokens is None:
            out: list[str] = []
            for prefix, fact in self._units:
                out.extend(prefix)
                if fact is not None:
                    out.extend(self._terms.fact_tokens(fact))
            self._tokens = tuple(out[: self.count])
        return self._tokens

    @property
    def text(self) -> str:
        return "".join(self.tokens).strip()


def _facts(rng: Draws, k: int) -> list[int]:
    return rng.sample(range(len(_FACTS)), k)


def _head(prompt: str, rng: Draws, terms: list[str]) -> tuple[str, list[int], bool]:
    """The answer's opening (text), the corpus sentences that follow, and whether to number them."""
    low = prompt.lower()
    if "sentiment" in low or "classify" in low:
        words = set(re.findall(r"[a-z]+", low))
        score = len(words & _POSITIVE) - len(words & _NEGATIVE)
        label = "positive" if score > 0 else "negative" if score < 0 else "neutral"
        return f"Sentiment: {label} (confidence {0.6 + rng.random() * 0.35:.2f}).", _facts(rng, 2), False
    if "keyword" in low or "extract" in low:
        return "Keywords: " + ", ".join(_key_terms(prompt, 5)) + ".", _facts(rng, 2), False
    if "summar" in low or "tl;dr" in low:
        return f"Summary: this text is about {', '.join(terms)}.", _facts(rng, 3), False
    if "analy" in low or "insight" in low:
        return "Analysis:", _facts(rng, 4), True
    if "plan" in low or "steps" in low:
        steps = ["Gather the facts", "Look them up concurrently", "Check the answers",
                 "Combine them", "Report the result"]
        return "Plan:\n" + "\n".join(f"{i}. {s} about {terms[0]}." for i, s in enumerate(steps, 1)), [], False
    if "translate" in low:
        return "Traduction : " + " ".join(w[::-1] for w in terms) + ".", _facts(rng, 1), False
    return f"Here is what I know about {terms[0]}.", _facts(rng, 4), False


@lru_cache(maxsize=4096)
def generate(prompt: str, *, seed: int, model: str, typical_tokens: int, max_tokens: int) -> Answer:
    """Plan the answer to ``prompt``: deterministic in ``(prompt, seed, model)``.

    The answer ends on the first sentence boundary at or past a length drawn around
    ``typical_tokens`` (finish reason ``"stop"``), or is cut at ``max_tokens`` (``"length"``).
    """
    rng = Draws("text", seed, model, prompt)
    # "Summarize: <text>" -> the key terms come from the text, not from the instruction.
    _, colon, subject = prompt.partition(":")
    words = _key_terms(subject if colon and subject.strip() else prompt)
    terms = _terms_for(tuple(words))
    head, facts, numbered = _head(prompt, rng, words)
    units: list[tuple[tuple[str, ...], int | None]] = [(tuple(split_tokens(head)), None)]
    for n, fact in enumerate(facts, 1):
        units.append((tuple(split_tokens(f"\n{n}.")) if numbered else (), fact))
    target = max(5, int(typical_tokens * (0.6 + 0.8 * rng.random())))

    def size(unit: tuple[tuple[str, ...], int | None]) -> int:
        prefix, fact = unit
        return len(prefix) + (terms.fact_count(fact) if fact is not None else 0)

    total, kept = 0, 0
    while True:
        if kept == len(units):  # long answers: keep adding sentences from the corpus
            units.extend(((), fact) for fact in _facts(rng, 2))
        total += size(units[kept])
        kept += 1
        if total >= target:
            break
    if total > max_tokens:
        return Answer(units[:kept], terms, max_tokens, "length")
    return Answer(units[:kept], terms, total, "stop")


class FixedAnswer:
    """An answer whose text is known in full (a scripted reply, JSON, a cut at ``stop``).

    Same interface as :class:`Answer`: ``tokens``, ``count``, ``text``, ``finish_reason``.
    """

    __slots__ = ("tokens", "count", "finish_reason")

    def __init__(self, tokens: tuple[str, ...], finish_reason: str) -> None:
        self.tokens = tokens
        self.count = len(tokens)
        self.finish_reason = finish_reason

    @classmethod
    def of(cls, text: str, max_tokens: int, tokenize: "Callable[[str], list[str]] | None" = None,
           finish_reason: str = "stop") -> "FixedAnswer":
        tokens = tuple((tokenize or split_tokens)(text))
        if len(tokens) > max_tokens:
            return cls(tokens[:max_tokens], "length")
        return cls(tokens, finish_reason)

    @property
    def text(self) -> str:
        return "".join(self.tokens).strip()


def cut_at_stop(answer: "Answer | FixedAnswer", stop: tuple[str, ...]) -> "Answer | FixedAnswer":
    """The answer up to (not including) the first stop sequence, finish reason ``"stop"``.

    Like OpenAI: the stop sequence itself is not returned. Unchanged if none occurs.
    """
    tokens = answer.tokens
    raw = "".join(tokens)
    cuts = [i for i in (raw.find(s) for s in stop if s) if i >= 0]
    if not cuts:
        return answer
    end = min(cuts)
    kept: list[str] = []
    size = 0
    for token in tokens:
        if size + len(token) <= end:
            kept.append(token)
            size += len(token)
            continue
        if end > size:
            kept.append(token[: end - size])  # the stop sequence starts inside this token
        break
    return FixedAnswer(tuple(kept), "stop")
