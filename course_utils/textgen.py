"""Plausible, deterministic answers for the simulated LLM (introduced in lesson 01).

No language model here: the answer is assembled from the prompt's own key words and a small
corpus, chosen by a seeded generator, so a summarize -> analyze pipeline prints readable text
and the same prompt with the same seed always gets the same answer.
"""

from __future__ import annotations

import re
from functools import lru_cache

from .seeding import Draws

_SENTENCE_ENDS = frozenset({".", "!", "?"})
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


def _fill(template: str, terms: list[str]) -> str:
    a = terms[0]
    b = terms[1] if len(terms) > 1 else "the wider system"
    return template.format(a=a, A=a[:1].upper() + a[1:], b=b)


def _body(rng: Draws, terms: list[str], sentences: int) -> list[str]:
    picks = rng.sample(_FACTS, k=min(sentences, len(_FACTS)))
    return [_fill(t, terms) for t in picks]


def _compose(prompt: str, rng: Draws, terms: list[str]) -> str:
    low = prompt.lower()
    if "sentiment" in low or "classify" in low:
        words = set(re.findall(r"[a-z]+", low))
        score = len(words & _POSITIVE) - len(words & _NEGATIVE)
        label = "positive" if score > 0 else "negative" if score < 0 else "neutral"
        return (f"Sentiment: {label} (confidence {0.6 + rng.random() * 0.35:.2f}). "
                + " ".join(_body(rng, terms, 2)))
    if "keyword" in low or "extract" in low:
        return "Keywords: " + ", ".join(_key_terms(prompt, 5)) + ". " + " ".join(_body(rng, terms, 2))
    if "summar" in low or "tl;dr" in low:
        return f"Summary: this text is about {', '.join(terms)}. " + " ".join(_body(rng, terms, 3))
    if "analy" in low or "insight" in low:
        points = _body(rng, terms, 4)
        return "Analysis:\n" + "\n".join(f"{i}. {p}" for i, p in enumerate(points, 1))
    if "plan" in low or "steps" in low:
        steps = ["Gather the facts", "Look them up concurrently", "Check the answers",
                 "Combine them", "Report the result"]
        return "Plan:\n" + "\n".join(f"{i}. {s} about {terms[0]}." for i, s in enumerate(steps, 1))
    if "translate" in low:
        return "Traduction : " + " ".join(w[::-1] for w in terms) + ". " + " ".join(_body(rng, terms, 1))
    return f"Here is what I know about {terms[0]}. " + " ".join(_body(rng, terms, 4))


@lru_cache(maxsize=4096)
def generate(prompt: str, *, seed: int, model: str, typical_tokens: int,
             max_tokens: int) -> tuple[str, tuple[str, ...], str]:
    """Return ``(text, tokens, finish_reason)``: deterministic in ``(prompt, seed, model)``.

    The answer is cut at ``max_tokens`` (finish reason ``"length"``) or at a length drawn around
    ``typical_tokens`` on a sentence boundary (finish reason ``"stop"``).
    """
    rng = Draws("text", seed, model, prompt)
    # "Summarize: <text>" -> the key terms come from the text, not from the instruction.
    _, colon, subject = prompt.partition(":")
    terms = _key_terms(subject if colon and subject.strip() else prompt)
    tokens = split_tokens(_compose(prompt, rng, terms))
    target = max(5, int(typical_tokens * (0.6 + 0.8 * rng.random())))
    while len(tokens) < target:  # long answers: keep adding sentences from the corpus
        more = " " + " ".join(_body(rng, terms, 2))
        tokens.extend(split_tokens(more))
    finish = "stop"
    if len(tokens) > max_tokens:
        tokens, finish = tokens[:max_tokens], "length"
    else:
        # Stop at the first sentence end at or beyond the target: answers read as whole sentences.
        for i in range(target - 1, len(tokens)):
            if tokens[i] in _SENTENCE_ENDS:
                tokens = tokens[: i + 1]
                break
    return "".join(tokens).strip(), tuple(tokens), finish
