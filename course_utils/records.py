"""The data behind the simulated tools: students, a small document shelf, cities (lesson 02).

Generated from the course seed, so every learner sees the same students with the same grades.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from .seeding import rng_for

STUDENT_COUNT = 500
COURSES = ("math", "physics", "history", "literature", "computing")
_FIRST = ("Ada", "Alan", "Grace", "Linus", "Barbara", "Guido", "Margaret", "Dennis", "Frances",
          "Ken", "Radia", "Tim", "Hedy", "Donald", "Katherine", "John", "Sophie", "Edsger")
_LAST = ("Lovelace", "Turing", "Hopper", "Torvalds", "Liskov", "van Rossum", "Hamilton", "Ritchie",
         "Allen", "Thompson", "Perlman", "Berners-Lee", "Lamarr", "Knuth", "Johnson", "Backus",
         "Wilson", "Dijkstra")
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri")
CITIES = ("Paris", "Lagos", "Tokyo", "Lima", "Oslo", "Austin", "Pune", "Sydney")
_CONDITIONS = ("sunny", "cloudy", "rain", "windy", "snow", "fog")

DOCUMENTS: dict[str, str] = {
    "event_loop.md": "The event loop runs one callback at a time. While a coroutine awaits, "
                     "the loop runs others. Blocking calls stop every task at once.",
    "rate_limits.md": "Providers limit requests per minute and tokens per minute. A 429 answer "
                      "carries Retry-After; honour it and back off with jitter.",
    "agents.md": "An agent plans, calls tools, reads the results and answers. Most of its time is "
                 "spent waiting for models and tools, which is why concurrency pays.",
    "timeouts.md": "Every network call needs a timeout. Without one, a single hung connection can "
                   "hold an agent forever.",
    "streaming.md": "Streaming shows the first tokens early. Time to first token matters more to "
                    "users than total time.",
}


class UnknownStudent(KeyError):
    """There is no student with that id (ids run from 1 to STUDENT_COUNT)."""

    def __str__(self) -> str:
        return f"no student with id {self.args[0]!r}; ids run from 1 to {STUDENT_COUNT}"


@dataclass(frozen=True)
class Student:
    id: int
    name: str


def _check_id(student_id: int) -> int:
    if not isinstance(student_id, int) or isinstance(student_id, bool) or not 1 <= student_id <= STUDENT_COUNT:
        raise UnknownStudent(student_id)
    return student_id


@lru_cache(maxsize=None)
def student(student_id: int) -> Student:
    rng = rng_for("student", _check_id(student_id))
    return Student(student_id, f"{rng.choice(_FIRST)} {rng.choice(_LAST)}")


def all_student_ids() -> list[int]:
    return list(range(1, STUDENT_COUNT + 1))


@lru_cache(maxsize=None)
def grades(student_id: int) -> dict[str, int]:
    rng = rng_for("grades", _check_id(student_id))
    base = rng.randint(55, 92)
    return {c: max(0, min(100, base + rng.randint(-12, 12))) for c in COURSES}


@lru_cache(maxsize=None)
def attendance(student_id: int) -> dict[str, float]:
    rng = rng_for("attendance", _check_id(student_id))
    present = rng.randint(70, 100)
    return {"sessions": 100, "present": present, "rate": present / 100}


@lru_cache(maxsize=None)
def schedule(student_id: int) -> list[dict[str, str]]:
    rng = rng_for("schedule", _check_id(student_id))
    courses = rng.sample(COURSES, k=3)
    return [{"course": c, "day": rng.choice(_DAYS), "time": f"{rng.randint(8, 16)}:00"} for c in courses]


def weather(city: str) -> dict[str, object]:
    rng = rng_for("weather", city.strip().lower())
    return {"city": city, "temperature_c": rng.randint(-5, 35), "conditions": rng.choice(_CONDITIONS)}


def search_results(query: str, results: int) -> list[dict[str, str]]:
    rng = rng_for("search", query)
    words = [w for w in query.split() if len(w) > 2] or ["asyncio"]
    out = []
    for i in range(results):
        topic = rng.choice(words)
        out.append({
            "title": f"{topic.title()}: {rng.choice(('a guide', 'what to know', 'explained', 'in practice'))}",
            "url": f"https://example.org/{topic.lower()}/{stable_slug(query, i)}",
            "snippet": f"Result {i + 1} for '{query}': an overview of {topic} and why it matters.",
        })
    return out


def stable_slug(query: str, i: int) -> str:
    return f"{rng_for('slug', query, i).getrandbits(32):08x}"
