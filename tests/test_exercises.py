"""The exercise machinery: stubs up to date, conventions kept, tests proven both ways, reset."""

from __future__ import annotations

import ast
import concurrent.futures
import subprocess
import sys
from pathlib import Path

import pytest

from course_utils import exercises, sandbox
from course_utils.exercises import (EXERCISES_DIR, SOLUTIONS_DIR, ExerciseError, ExerciseImportError,
                                    ExerciseMissing, exercise_names, make_stub, registry, test_files_for)

NAMES = exercise_names()
#: The final plan (PLAN.md): exercises per lesson.
PLANNED = {2: 2, 3: 2, 4: 2, 5: 1, 6: 1, 7: 1, 8: 1, 9: 1, 10: 2, 11: 2, 12: 2, 13: 2, 14: 2, 15: 1,
           16: 1, 17: 2, 18: 1, 19: 1, 20: 1, 21: 1, 22: 1, 23: 1, 24: 2}


def test_exercises_dir_is_up_to_date():
    """exercises/ is exactly what `python3 run.py exercises` generates from solutions/."""
    assert exercises.build(check=True, quiet=True) == 0, (
        "exercises/ is out of date: run `python3 run.py exercises` and commit the result")


def test_registry_covers_the_lessons():
    reg = registry()
    counts = {lesson: len(names) for lesson, names in reg.items()}
    assert counts == PLANNED, f"exercises per lesson differ from the plan: {counts}"


@pytest.mark.parametrize("name", NAMES)
def test_conventions(name):
    """Docstring, tiered hints outside the learner's file, a solution region, a test file, a stub
    that imports and holds no hints."""
    source = (SOLUTIONS_DIR / f"{name}.py").read_text(encoding="utf-8")
    tree = ast.parse(source)
    doc = ast.get_docstring(tree)
    assert doc, f"{name}: the module docstring states the task"
    lesson = exercises.lesson_of(name)
    assert doc.startswith(f"Lesson {lesson:02d} ("), f"{name}: the docstring starts 'Lesson {lesson:02d} (title) · ...'"
    assert "Your task" in doc, f"{name}: the docstring has a 'Your task' section"
    hints = exercises.hints_of(name)
    assert 2 <= len(hints) <= 5, f"{name}: hints should be tiered: nudge, approach, near-code"
    assert exercises.hints_file(name).parent != EXERCISES_DIR
    assert test_files_for(name), f"{name}: no exercise_tests/test_{name}.py"
    stub = load_stub(name)
    assert not hasattr(stub, "HINTS"), f"{name}: the learner's file must not hold the hints"
    text = (EXERCISES_DIR / f"{name}.py").read_text(encoding="utf-8")
    assert "course_utils.clock" not in source and "from course_utils import clock" not in source, (
        f"{name}: learners write plain asyncio; the course clock stays below their code")
    assert "# BEGIN SOLUTION" not in text and "# END SOLUTION" not in text
    assert f"hint('{name}')" in text


def load_stub(name: str):
    return exercises.load(name, EXERCISES_DIR)


# ----------------------------------------------------------------------------- the generator

SAMPLE = '''"""Task."""


class Pool:
    def __init__(self, n):
        # BEGIN SOLUTION
        self.n = n
        # END SOLUTION

    async def run(self):
        """Run it."""
        # BEGIN SOLUTION
        for i in range(self.n):
            await step(i)
        # END SOLUTION


async def tokens():
    # BEGIN SOLUTION
    yield "a"
    # END SOLUTION
'''


def test_make_stub_replaces_regions_keeping_indentation():
    stub = make_stub(SAMPLE, "ex99_sample")
    assert stub.startswith("# Exercise stub generated from solutions/ex99_sample.py")
    assert "self.n = n" not in stub and "await step" not in stub
    assert ("        raise NotImplementedError(\"ex99_sample.Pool.__init__ is not written yet: replace this "
            "line with your code. Need a nudge? hint('ex99_sample')\")") in stub
    assert "ex99_sample.Pool.run is not written yet" in stub
    assert '"""Run it."""' in stub and "HINTS" not in stub
    namespace: dict = {}
    exec(compile(stub, "stub", "exec"), namespace)
    import inspect
    assert inspect.isasyncgenfunction(namespace["tokens"]), "a generator stays a generator"


@pytest.mark.parametrize("bad, message", [
    ('"""T."""\ndef f():\n    # BEGIN SOLUTION\n    return 1\n', "never closed"),
    ('"""T."""\ndef f():\n    # BEGIN SOLUTION\n    return 1\n  # END SOLUTION\n', "indented"),
    ('"""T."""\n# BEGIN SOLUTION\nx = 1\n# END SOLUTION\n', "inside a function"),
    ('"""T."""\nHINTS = ["a", "b"]\ndef f():\n    # BEGIN SOLUTION\n    return 1\n    # END SOLUTION\n', "course_utils/hints"),
    ('def f():\n    # BEGIN SOLUTION\n    return 1\n    # END SOLUTION\n', "docstring"),
    ('"""T."""\ndef f():\n    return 1\n', "no # BEGIN SOLUTION"),
])
def test_make_stub_rejects_broken_solutions(bad, message):
    with pytest.raises(ExerciseError, match=message):
        make_stub(bad, "ex99_sample")


def test_build_check_detects_stale(tmp_path):
    src, dst = tmp_path / "solutions", tmp_path / "exercises"
    src.mkdir()
    (src / "ex99_sample.py").write_text(SAMPLE)
    assert exercises.build(check=True, solutions=src, exercises=dst, quiet=True) == 1
    assert exercises.build(solutions=src, exercises=dst, quiet=True) == 0
    assert exercises.build(check=True, solutions=src, exercises=dst, quiet=True) == 0
    (src / "ex99_sample.py").write_text(SAMPLE.replace('"""Run it."""', '"""Run it all."""'))
    assert exercises.build(check=True, solutions=src, exercises=dst, quiet=True) == 1


# ----------------------------------------------------------------------------- loading and reset


def test_load_gives_friendly_errors(tmp_path):
    with pytest.raises(ExerciseMissing, match="reset ex99_gone"):
        exercises.load("ex99_gone", tmp_path)
    (tmp_path / "ex99_syntax.py").write_text("def f(:\n    pass\n")
    with pytest.raises(ExerciseImportError, match="syntax error on line 1"):
        exercises.load("ex99_syntax", tmp_path)
    (tmp_path / "ex99_exit.py").write_text("import sys\nsys.exit(3)\n")
    with pytest.raises(ExerciseImportError, match="sys.exit"):
        exercises.load("ex99_exit", tmp_path)
    (tmp_path / "ex99_boom.py").write_text("x = 1\nraise ValueError('nope')\n")
    with pytest.raises(ExerciseImportError, match=r"ValueError: nope \(line 2\)"):
        exercises.load("ex99_boom", tmp_path)
    (tmp_path / "ex99_ok.py").write_text("COUNT = [0]\nCOUNT[0] += 1\n")
    first, second = exercises.load("ex99_ok", tmp_path), exercises.load("ex99_ok", tmp_path)
    assert first is not second and second.COUNT == [1], "every load is a fresh import"


def test_reset_backs_up_and_touches_nothing_else(tmp_path):
    name, other = "ex07_rate_limit", "ex10_retry"
    (tmp_path / f"{name}.py").write_text("# my attempt\n")
    (tmp_path / f"{other}.py").write_text("# my other work\n")
    (tmp_path / "notes.txt").write_text("keep me")
    backups = exercises.reset([name], directory=tmp_path, quiet=True)
    assert (tmp_path / f"{name}.py").read_text() == exercises.fresh_stub(name)
    assert len(backups) == 1 and backups[0].parent == tmp_path / ".backup"
    assert backups[0].read_text() == "# my attempt\n"
    assert (tmp_path / f"{other}.py").read_text() == "# my other work\n"
    assert (tmp_path / "notes.txt").read_text() == "keep me"
    assert exercises.reset([name], directory=tmp_path, quiet=True) == [], "a fresh stub needs no backup"
    with pytest.raises(ExerciseMissing):
        exercises.reset(["ex99_nope"], directory=tmp_path, quiet=True)


def test_reset_command_line(tmp_path):
    (tmp_path / "ex02_student_report.py").write_text("# mine\n")
    proc = subprocess.run([sys.executable, "-m", "course_utils.exercises", "reset", "ex02_student_report",
                           "--dir", str(tmp_path)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "saved as .backup" in proc.stdout
    assert (tmp_path / "ex02_student_report.py").read_text() == exercises.fresh_stub("ex02_student_report")
    assert len(list((tmp_path / ".backup").glob("ex02_student_report.*.py"))) == 1


# ----------------------------------------------------------------------------- both ways


@pytest.fixture(scope="module")
def runs():
    """All exercise tests against solutions/ and against the stubs, side by side."""
    names = [n for n in NAMES if test_files_for(n)]

    def run(folder: Path) -> sandbox.SandboxResult:
        sources = {n: (folder / f"{n}.py").read_bytes() for n in names}
        return sandbox.run_tests(sources, names, timeout=150, test_timeout=15, shards=2)

    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        solutions, stubs = pool.map(run, [SOLUTIONS_DIR, EXERCISES_DIR])
    return names, solutions, stubs


def test_every_test_passes_on_the_solutions(runs):
    names, solutions, _ = runs
    assert solutions.status == "ok", (solutions.status, solutions.notes, solutions.output[-2000:])
    failing = [f"{t.nodeid}: {t.message}" for t in solutions.tests if not t.passed]
    assert not failing, "tests failing on solutions/:\n" + "\n".join(failing)
    missing = [n for n in names if not solutions.for_exercise(n)]
    assert not missing, f"no tests ran for {missing}"


def test_every_test_fails_on_the_stubs(runs):
    """A test that passes on an unmodified stub checks nothing (and gives free points)."""
    names, _, stubs = runs
    passing = [t.nodeid for t in stubs.tests if t.passed]
    assert not passing, "tests passing on the unmodified stubs:\n" + "\n".join(passing)
    assert {t.exercise for t in stubs.tests} == set(names)


def test_stub_messages_never_reveal_the_solution(runs):
    _, _, stubs = runs
    secret = solution_lines()
    leaks = [(t.nodeid, line) for t in stubs.tests for line in secret if line in t.message or line in t.doc]
    assert not leaks, f"solution code in a learner-facing message: {leaks[:3]}"


def solution_lines() -> set[str]:
    """Distinctive lines from inside the solution regions (never in a stub)."""
    lines: set[str] = set()
    for name in NAMES:
        inside = False
        for raw in (SOLUTIONS_DIR / f"{name}.py").read_text(encoding="utf-8").splitlines():
            text = raw.strip()
            if text.startswith("# BEGIN SOLUTION"):
                inside = True
            elif text.startswith("# END SOLUTION"):
                inside = False
            elif inside and len(text) >= 24 and not text.startswith(("#", "return", '"""')):
                lines.add(text)
    return lines


def test_stub_messages_are_plain_words(runs):
    """What a learner reads on an unwritten exercise carries no test-runner jargon."""
    from course_utils.feedback import JARGON

    _, _, stubs = runs
    jargon = [(t.nodeid, word) for t in stubs.tests for word in JARGON if word in t.message]
    assert not jargon, f"runner jargon in a learner-facing message: {jargon[:3]}"
