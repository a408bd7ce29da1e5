"""JSON values valid against a JSON schema, drawn from a prompt where possible (issue 10).

The simulated model uses this for tool-call arguments and for structured output
(``response_format``). It understands the part of JSON Schema that function tools and
pydantic v2 use: ``type`` (or a list of types), ``properties``/``required``, ``items``,
``enum``/``const``, ``anyOf``/``oneOf``/``allOf``, ``$ref`` into ``$defs``/``definitions``,
string ``format``/``minLength``/``maxLength``, number bounds and ``multipleOf``, array
``minItems``/``maxItems``, ``default``.

>>> instance({"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
...          Hints("What is the weather in Oslo?"), seed=1)
{'city': 'Oslo'}

Deterministic: the same schema, hints and seed give the same value in every process.
"""

from __future__ import annotations

import copy
import re
from functools import lru_cache
from collections.abc import Mapping
from typing import Any

from .seeding import Draws

# Property names whose value is "a place or a name": a capitalised word of the prompt fits.
ENTITY_NAMES = frozenset({
    "city", "location", "place", "town", "country", "region", "name", "person", "destination",
    "origin", "company", "user", "username", "author", "ticker", "symbol", "airport", "station"})
# Property names whose value is "what the user asks about": a phrase of the prompt fits.
SENTENCE_NAMES = frozenset({
    "explanation", "reasoning", "rationale", "final_answer", "answer", "summary", "description",
    "comment", "note", "notes", "details", "reason", "response", "result", "output", "text"})
PHRASE_NAMES = frozenset({
    "query", "q", "search", "search_query", "text", "question", "topic", "prompt", "input",
    "keyword", "keywords", "term", "terms", "subject", "message", "content", "expression",
    "title", "description", "summary", "answer", "body", "task", "request", "reason"})
_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+\.[\w.-]+\b")
_URL = re.compile(r"\bhttps?://[^\s\"'<>]+")
_NUMBER = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?(?![\w.]\d)")
_CAPITAL = re.compile(r"\b[A-Z][a-zA-Z'-]+(?:\s+[A-Z][a-zA-Z'-]+)*")
_WORD = re.compile(r"[A-Za-z][A-Za-z'-]{2,}")
_PHRASE_LEAD = re.compile(r"\b(?:for|about|on|regarding|of)\s+(.+)$", re.IGNORECASE | re.DOTALL)
_FILLER = frozenset("""a an the is are was were be what whats what's who how when where which why
    please can could would you me my i we our us tell give find get show look up search check
    and or in at to for of on with about is it its it's this that these those do does did
    current today now some any all weather""".split())
# Sentence starters that are capitalised only because they start a sentence.
_NOT_NAMES = frozenset("""What Whats What's Who How When Where Which Why Please Can Could Would Is
    Are Do Does Did Tell Give Find Get Show Look Search Check The A An I It In On At For And Or
    Then Also Compare Use Call Summarize Hi Hello Thanks Yes No""".split())

MAX_DEPTH = 8  # recursive schemas ($ref to itself) stop nesting here


@lru_cache(maxsize=1024)
def hints_for(text: str) -> "Hints":
    """:class:`Hints` of ``text``, cached (agents resend the same user turn every round)."""
    return Hints(text)


class Hints:
    """What the prompt offers as values: capitalised names, numbers, a subject phrase, words."""

    def __init__(self, text: str) -> None:
        self.text = text
        names: list[str] = []
        openers: list[str] = []  # capitalised only because they open a sentence, perhaps
        for match in _CAPITAL.finditer(text):
            words = [w for w in match.group(0).split() if w not in _NOT_NAMES]
            if words:
                name = " ".join(words).strip("'")
                before = text[:match.start()].rstrip()
                first_word = words[0] == match.group(0).split()[0]
                at_start = first_word and (not before or before[-1] in ".!?:\n")
                target = openers if at_start else names
                if name and name not in names and name not in openers:
                    target.append(name)
        self.names = tuple(names or openers)
        self.numbers = tuple(float(n) for n in _NUMBER.findall(text))
        self.words = tuple(w for w in _WORD.findall(text) if w.lower() not in _FILLER)
        self.dates = tuple(_DATE.findall(text))
        self.emails = tuple(_EMAIL.findall(text))
        self.urls = tuple(_URL.findall(text))
        last = text.strip().splitlines()[-1] if text.strip() else ""
        lead = _PHRASE_LEAD.search(last)
        # "search the web for X" -> "X"; otherwise the question itself (at most 12 words).
        phrase = lead.group(1) if lead else " ".join(last.split()[:12])
        self.phrase = phrase.strip().rstrip("?.!").strip() or "example"

    def merged(self, other: "Hints") -> "Hints":
        """These hints, plus the numbers and words of ``other`` (e.g. tool results) after them."""
        out = copy.copy(self)
        out.numbers = self.numbers + tuple(n for n in other.numbers if n not in self.numbers)
        out.words = self.words + other.words
        out.dates, out.emails, out.urls = (self.dates + other.dates, self.emails + other.emails,
                                           self.urls + other.urls)
        return out

    def __repr__(self) -> str:
        return f"Hints(names={self.names}, numbers={self.numbers}, phrase={self.phrase!r})"


def resolve(schema: Any, root: Mapping[str, Any]) -> Any:
    """Follow ``$ref`` (``#/$defs/X`` or any ``#/a/b`` pointer) until a real schema is reached."""
    seen = 0
    while isinstance(schema, Mapping) and "$ref" in schema and seen < 32:
        ref = schema["$ref"]
        target: Any = root
        if isinstance(ref, str) and ref.startswith("#"):
            for part in ref[1:].split("/"):
                if not part:
                    continue
                part = part.replace("~1", "/").replace("~0", "~")
                target = target.get(part) if isinstance(target, Mapping) else None
        else:
            target = None
        siblings = {k: v for k, v in schema.items() if k != "$ref"}
        schema = {**target, **siblings} if isinstance(target, Mapping) else siblings
        seen += 1
    return schema


def instance(schema: Any, hints: Hints | None = None, *, seed: int = 0, name: str = "",
             pick: int = 0) -> Any:
    """A value valid against ``schema``. ``name`` is the property it fills (a hint for strings);
    ``pick`` chooses among several candidate values of the prompt (used for parallel calls)."""
    root = schema if isinstance(schema, Mapping) else {}
    hints = hints or hints_for("")
    return _Builder(root, hints, Draws("schema", seed, name, pick, hints.text[:80]), pick).value(
        schema, name, 0)


class _Builder:
    def __init__(self, root: Mapping[str, Any], hints: Hints, rng: Draws, pick: int) -> None:
        self.root, self.hints, self.rng, self.pick = root, hints, rng, pick

    def value(self, schema: Any, name: str, depth: int) -> Any:
        if schema is True or not isinstance(schema, Mapping):
            return self.string({}, name)
        schema = resolve(schema, self.root)
        if "const" in schema:
            return schema["const"]
        if isinstance(schema.get("enum"), list) and schema["enum"]:
            return self.enum(schema["enum"])
        for key in ("anyOf", "oneOf"):
            options = schema.get(key)
            if isinstance(options, list) and options:
                return self.value(self.choose(options, depth), name, depth)
        if isinstance(schema.get("allOf"), list):
            merged: dict[str, Any] = {k: v for k, v in schema.items() if k != "allOf"}
            for part in schema["allOf"]:
                part = resolve(part, self.root)
                if isinstance(part, Mapping):
                    for k, v in part.items():
                        if k == "properties" and isinstance(v, Mapping):
                            merged["properties"] = {**merged.get("properties", {}), **v}
                        elif k == "required" and isinstance(v, list):
                            merged["required"] = [*merged.get("required", []), *v]
                        else:
                            merged.setdefault(k, v)
            return self.value(merged, name, depth)
        kind = schema.get("type")
        if isinstance(kind, list):
            kinds = [k for k in kind if k != "null"] or ["null"]
            kind = kinds[0]
        if kind is None:
            kind = ("object" if "properties" in schema else "array" if "items" in schema
                    else "string")
        if kind == "object":
            return self.object(schema, depth)
        if kind == "array":
            return self.array(schema, name, depth)
        if kind == "integer":
            return int(self.number(schema, name, integer=True))
        if kind == "number":
            return self.number(schema, name, integer=False)
        if kind == "boolean":
            return self.rng.random() < 0.5
        if kind == "null":
            return None
        return self.string(schema, name)

    def choose(self, options: list[Any], depth: int) -> Any:
        """The first option that is not ``null`` (pydantic's ``Optional[X]`` gets an X); deep in a
        recursive schema, prefer ``null`` or a non-object so the value stays finite."""
        resolved = [resolve(o, self.root) if isinstance(o, Mapping) else o for o in options]
        non_null = [o for o in resolved if not (isinstance(o, Mapping) and o.get("type") == "null")]
        if depth >= MAX_DEPTH - 2:
            flat = [o for o in resolved if isinstance(o, Mapping) and o.get("type") not in ("object", "array")]
            if flat:
                return flat[0]
        return non_null[0] if non_null else resolved[0]

    def enum(self, values: list[Any]) -> Any:
        low = self.hints.text.lower()
        for value in values:
            if isinstance(value, str) and value and re.search(rf"\b{re.escape(value.lower())}\b", low):
                return value
        return values[int(self.rng.random() * len(values))]

    def object(self, schema: Mapping[str, Any], depth: int) -> dict[str, Any]:
        props = schema.get("properties")
        props = props if isinstance(props, Mapping) else {}
        required = [r for r in schema.get("required", []) if isinstance(r, str)] \
            if isinstance(schema.get("required"), list) else []
        out: dict[str, Any] = {}
        if depth >= MAX_DEPTH:
            keys = required
        else:
            # Optional properties too, when the prompt has something for them or by a coin flip:
            # a schema-valid answer that shows the optional fields now and then.
            keys = [k for k in props if k in required or self.rng.random() < 0.5]
        for key in keys:
            out[key] = self.value(props.get(key, {}), key, depth + 1)
        for key in required:  # required but not described: anything valid will do
            if key not in out:
                out[key] = self.string({}, key)
        min_props = schema.get("minProperties")
        if isinstance(min_props, int) and len(out) < min_props:
            for key in props:
                if key not in out and len(out) < min_props:
                    out[key] = self.value(props[key], key, depth + 1)
        return out

    def array(self, schema: Mapping[str, Any], name: str, depth: int) -> list[Any]:
        low = schema.get("minItems", 0) if isinstance(schema.get("minItems"), int) else 0
        high = schema.get("maxItems") if isinstance(schema.get("maxItems"), int) else None
        n = 0 if depth >= MAX_DEPTH else 1 + int(self.rng.random() * 3)
        n = max(n, low)
        if high is not None:
            n = min(n, high)
        items = schema.get("items", {})
        if isinstance(schema.get("prefixItems"), list):
            head = [self.value(s, name, depth + 1) for s in schema["prefixItems"]]
            if items is False:
                return head
            return head + [self.value(items, name, depth + 1) for _ in range(max(0, n - len(head)))]
        values = []
        for i in range(n):
            saved = self.pick
            self.pick = saved + i  # different items of a list get different prompt values
            values.append(self.value(items, name, depth + 1))
            self.pick = saved
        if schema.get("uniqueItems"):
            unique: list[Any] = []
            for v in values:
                if v not in unique:
                    unique.append(v)
            values = unique
            while len(values) < low:  # rare: pad with distinct strings/numbers
                values.append(f"item {len(values) + 1}" if not values or isinstance(values[0], str)
                              else len(values) + 1)
        return values

    def number(self, schema: Mapping[str, Any], name: str, *, integer: bool) -> float:
        def bound(key: str) -> float | None:
            v = schema.get(key)
            return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None

        low, high = bound("minimum"), bound("maximum")
        xlow, xhigh = bound("exclusiveMinimum"), bound("exclusiveMaximum")
        step = 1.0 if integer else 0.5
        if xlow is not None:
            low = max(low, xlow + step) if low is not None else xlow + step
        if xhigh is not None:
            high = min(high, xhigh - step) if high is not None else xhigh - step

        def fits(v: float) -> bool:
            return (low is None or v >= low) and (high is None or v <= high) and \
                (not integer or v == int(v))

        candidates = [n for n in self.hints.numbers if fits(n)]
        if candidates:
            value = candidates[self.pick % len(candidates)]
        else:
            lo = low if low is not None else (0.0 if high is None or high >= 0 else high - 100)
            hi = high if high is not None else lo + 100
            value = lo + (hi - lo) * self.rng.random()
            value = float(round(value)) if integer else round(value, 2)
            if not fits(value):
                value = lo
        multiple = bound("multipleOf")
        if multiple:
            value = multiple * round(value / multiple)
            if not fits(value):
                value = multiple * (int(low / multiple) + 1) if low is not None else 0.0
        default = schema.get("default")
        if (not candidates and isinstance(default, (int, float)) and not isinstance(default, bool)
                and fits(float(default))):
            value = float(default)
        return float(int(value)) if integer else float(value)

    def string(self, schema: Mapping[str, Any], name: str) -> str:
        hints, low = self.hints, name.lower()
        fmt = schema.get("format")
        if fmt == "date":
            value = hints.dates[0] if hints.dates else "2025-01-15"
        elif fmt == "date-time":
            value = (hints.dates[0] if hints.dates else "2025-01-15") + "T12:00:00Z"
        elif fmt == "time":
            value = "12:00:00"
        elif fmt == "email":
            value = hints.emails[0] if hints.emails else "someone@example.com"
        elif fmt in ("uri", "url", "uri-reference"):
            value = hints.urls[0] if hints.urls else "https://example.com/"
        elif fmt == "uuid":
            value = "00000000-0000-4000-8000-%012x" % int(self.rng.random() * 16**12)
        elif low in ENTITY_NAMES or low.endswith(("_name", "city", "location")):
            names = hints.names or [w.capitalize() for w in hints.words[:3]] or ["Example"]
            value = names[self.pick % len(names)]
        elif low in PHRASE_NAMES or low.endswith(("query", "_text", "question")):
            value = hints.phrase
        elif low in SENTENCE_NAMES:
            value = hints.phrase[:1].upper() + hints.phrase[1:] + "."
        elif low == "id" or low.endswith("_id"):
            ids = [m for m in re.findall(r"\b[A-Za-z]*\d[\w-]*\b", hints.text)]
            value = ids[self.pick % len(ids)] if ids else f"{int(self.rng.random() * 90000) + 10000}"
        elif isinstance(schema.get("default"), str):
            value = schema["default"]
        else:
            words = hints.words or ["example"]
            value = words[(self.pick + int(self.rng.random() * len(words))) % len(words)]
        lo = schema.get("minLength") if isinstance(schema.get("minLength"), int) else 0
        hi = schema.get("maxLength") if isinstance(schema.get("maxLength"), int) else None
        if len(value) < lo:
            value = value + "x" * (lo - len(value))
        if hi is not None and len(value) > hi:
            value = value[:hi]
        return value
