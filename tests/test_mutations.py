"""The mutation suite: plausible wrong answers must fail with a message that teaches, and correct
answers written differently must pass.

Each exercise has a folder ``exercise_tests/mutations/<exercise>/`` of learner code:

* ``wrong_*.py``: a mistake a learner would make. Its header says what it is (``# MUTATION: ...``)
  and what the learner must read (``# EXPECT: words`` lines: each must appear, case-insensitive,
  in the message of at least one failed check);
* ``right_*.py``: a correct answer unlike the solution; every check must pass.

A mutation file holds only what the learner wrote (their functions or classes, with the imports
they need). It is appended to the exercise's fresh stub, so its definitions replace the stub's
unwritten ones -- the file ``check()`` then sees is exactly a learner's file. The files run through
the same sandbox, plugin and messages as ``check()`` and the grader (``sandbox.run_tests``); for
speed, one run holds one mutation of every exercise (rounds run two at a time).
"""

from __future__ import annotations

import concurrent.futures
import re
from pathlib import Path

import pytest

from course_utils import sandbox
from course_utils.checker import CheckResult
from course_utils.exercises import TESTS_DIR, exercise_names, fresh_stub
from course_utils.feedback import JARGON

MUTATIONS_DIR = TESTS_DIR / "mutations"
NAMES = exercise_names()
#: Real seconds a mutation's single check may take (a hanging wrong answer must not stall CI).
TEST_TIME_LIMIT = 5.0


def _files() -> list[tuple[str, Path]]:
    found = []
    for name in NAMES:
        folder = MUTATIONS_DIR / name
        for path in sorted(folder.glob("*.py")) if folder.is_dir() else []:
            if path.stem.startswith(("wrong_", "right_")):
                found.append((name, path))
    return found


FILES = _files()
WRONG = [(n, p) for n, p in FILES if p.stem.startswith("wrong_")]
RIGHT = [(n, p) for n, p in FILES if p.stem.startswith("right_")]


def _id(item: tuple[str, Path]) -> str:
    return f"{item[0]}/{item[1].stem}"


def expectations(path: Path) -> list[str]:
    return [m.group(1).strip() for m in re.finditer(r"^# EXPECT:(.*)$", path.read_text(), re.M)]


def learner_file(name: str, path: Path) -> bytes:
    """The stub with the learner's code appended (later definitions replace the stub's)."""
    code = "\n".join(line for line in path.read_text(encoding="utf-8").splitlines()
                     if not line.startswith("from __future__"))
    return (fresh_stub(name) + "\n\n# ---- the learner's code ----\n" + code + "\n").encode("utf-8")


@pytest.fixture(scope="session")
def outcomes() -> dict[tuple[str, str], CheckResult]:
    per_exercise: dict[str, list[Path]] = {}
    for name, path in FILES:
        per_exercise.setdefault(name, []).append(path)
    rounds = []
    for k in range(max((len(v) for v in per_exercise.values()), default=0)):
        rounds.append({name: paths[k] for name, paths in per_exercise.items() if k < len(paths)})

    def run(batch: dict[str, Path]) -> dict[tuple[str, str], CheckResult]:
        sources = {name: learner_file(name, path) for name, path in batch.items()}
        result = sandbox.run_tests(sources, list(batch), timeout=240, test_timeout=TEST_TIME_LIMIT)
        return {(name, path.stem): CheckResult(name=name, results=result.for_exercise(name), status=result.status)
                for name, path in batch.items()}

    merged: dict[tuple[str, str], CheckResult] = {}
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        for part in pool.map(run, rounds):
            merged.update(part)
    return merged


@pytest.mark.parametrize("name", NAMES)
def test_every_exercise_has_a_mutation_suite(name):
    wrong = [p for n, p in WRONG if n == name]
    right = [p for n, p in RIGHT if n == name]
    assert len(wrong) >= 2, f"{name}: at least two plausible wrong answers in {MUTATIONS_DIR / name}"
    assert len(right) >= 1, f"{name}: at least one correct answer written differently"
    for path in wrong:
        assert expectations(path), f"{path}: say what the learner must read (# EXPECT: ...)"
        assert re.search(r"^# MUTATION:", path.read_text(), re.M), f"{path}: say what the mistake is"


def _no_jargon(result: CheckResult) -> None:
    text = result.to_text()
    found = [word for word in JARGON if word in text]
    assert not found, f"runner jargon {found} reaches the learner:\n{text}"


@pytest.mark.parametrize("item", WRONG, ids=_id)
def test_wrong_answer_fails_and_teaches(item, outcomes):
    name, path = item
    result = outcomes[(name, path.stem)]
    assert result.results, f"no checks ran for {_id(item)}"
    failed = [r.message for r in result.results if not r.passed]
    assert failed, f"{_id(item)} passes every check, but it is wrong:\n{path.read_text()}"
    for words in expectations(path):
        assert any(words.lower() in m.lower() for m in failed), (
            f"{_id(item)}: no failed check says {words!r}; the learner reads:\n{result.to_text()}")
    _no_jargon(result)


@pytest.mark.parametrize("item", RIGHT, ids=_id)
def test_right_answer_passes(item, outcomes):
    name, path = item
    result = outcomes[(name, path.stem)]
    assert result.passed, f"{_id(item)} is correct but fails:\n{result.to_text()}"
