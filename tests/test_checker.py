"""check() and hint(): teaching messages, time limits, hint tiers, no solution leaks."""

from __future__ import annotations

import shutil
import time

import pytest

from course_utils import checker
from course_utils.checker import check, hint
from course_utils.exercises import EXERCISES_DIR, SOLUTIONS_DIR, fresh_stub, hints_of

NAME = "ex07_rate_limit"
STUB_LINE = "raise NotImplementedError("


def learner_file(tmp_path, body: str, name: str = NAME):
    """A learner's exercises/ folder where the stub's first unwritten body is replaced."""
    stub = fresh_stub(name)
    start = stub.index(STUB_LINE)
    end = stub.index("\n", start)
    indent = "    "
    code = "\n".join(indent + line if line else line for line in body.strip("\n").splitlines())
    (tmp_path / f"{name}.py").write_text(stub[:start - len(indent)] + code + stub[end:])
    return tmp_path


def secret_lines(name: str) -> list[str]:
    text = (SOLUTIONS_DIR / f"{name}.py").read_text()
    region = text[text.index("# BEGIN SOLUTION"):text.rindex("# END SOLUTION")]
    return [line.strip() for line in region.splitlines()[1:] if len(line.strip()) > 20]


def assert_no_leak(result, name: str = NAME) -> None:
    rendered = result.to_text() + result.to_html()
    for line in secret_lines(name):
        assert line not in rendered, f"solution line shown to the learner: {line!r}"


def test_stub_gets_a_clear_not_written_yet_message():
    result = check(NAME, show=False)
    assert not result.passed and result.results
    assert all(not r.passed for r in result.results)
    assert all("fetch_all is not written yet" in r.message and f"hint('{NAME}')" in r.message
               for r in result.results)
    text = result.to_text()
    assert "0 of" in text and f"hint('{NAME}')" in text
    assert "<table" in result.to_html()
    assert_no_leak(result)


def test_solution_passes(tmp_path):
    shutil.copy(SOLUTIONS_DIR / f"{NAME}.py", tmp_path)
    result = check(NAME, directory=tmp_path, show=False)
    assert result.passed, result.to_text()
    assert "Well done" in result.to_text()
    assert repr(result).endswith("passed)")


def test_wrong_answer_teaches_without_revealing(tmp_path):
    folder = learner_file(tmp_path, """
results = []
for prompt in prompts:
    results.append(await llm.complete(prompt))
return results
""")
    result = check(NAME, directory=folder, show=False)
    assert not result.passed
    failed = {r.name: r.message for r in result.results if not r.passed}
    assert any("ran at once though limit" in m for m in failed.values()), failed
    assert any("one after the other" in m or "wastes the slots" in m for m in failed.values()), failed
    assert_no_leak(result)


def test_infinite_loop_is_stopped_with_a_clear_message(tmp_path):
    folder = learner_file(tmp_path, "while True:\n    pass")
    t0 = time.monotonic()
    result = check(NAME, directory=folder, test_time_limit=1.5, time_limit=30, show=False)
    assert time.monotonic() - t0 < 15
    assert not result.passed
    first, *rest = result.results
    assert "took longer than 1.5 s" in first.message and "infinite loop" in first.message
    assert f"{NAME}.py line" in first.message, "says where the code was stuck"
    assert rest and all("ran out of time" in r.message for r in rest), "the rest is not run"


def test_blocking_sleep_is_named(tmp_path):
    folder = learner_file(tmp_path, "import time\ntime.sleep(1000)\nreturn []")
    result = check(NAME, directory=folder, test_time_limit=3, show=False)
    assert not result.passed
    assert all("blocked the event loop" in r.message and "time.sleep" in r.message for r in result.results)


def test_other_blocking_call_hits_the_time_limit(tmp_path):
    folder = learner_file(tmp_path, "import threading\nthreading.Event().wait()\nreturn []")
    result = check(NAME, directory=folder, test_time_limit=1.5, time_limit=30, show=False)
    assert "blocking call" in result.results[0].message and "threading.Event().wait()" in result.results[0].message


def test_code_that_swallows_the_time_limit_is_killed(tmp_path):
    folder = learner_file(tmp_path, """
while True:
    try:
        while True:
            pass
    except BaseException:
        pass
""")
    t0 = time.monotonic()
    result = check(NAME, directory=folder, test_time_limit=1, time_limit=4, show=False)
    assert time.monotonic() - t0 < 12
    assert result.status == "time limit"
    assert "took longer than" in result.results[0].message
    assert any("time limit" in note for note in result.notes)
    assert all(not r.passed for r in result.results)


def test_missing_file_and_unknown_name(tmp_path):
    result = check(NAME, directory=tmp_path, show=False)
    assert not result.passed and any("reset" in n for n in result.notes)
    assert all("missing" in r.message for r in result.results)
    unknown = check("ex07_rate_limt", show=False)
    assert not unknown.passed and "Did you mean 'ex07_rate_limit'" in unknown.notes[0]


def test_hints_come_in_tiers(capsys):
    checker.reset_hints()
    hints = hints_of(NAME)
    shown = [hint(NAME, show=False) for _ in range(len(hints) + 1)]
    assert [h.number for h in shown] == [1, 2, 3, 3]
    assert [h.text for h in shown[:3]] == hints
    assert "last hint" in shown[-1].note
    assert hint(NAME, 2, show=False).text == hints[1]
    assert "ask for 1 to 3" in hint(NAME, 9, show=False).text
    check(NAME, show=False)
    assert hint(1, show=False).text == hints[0], "hint(n) refers to the exercise last checked"
    assert "Did you mean" in hint("ex07_rate_limitt", show=False).text
    hint(NAME)  # plain text outside Jupyter
    assert f"Hint 3 of 3 for {NAME}" in capsys.readouterr().out


def test_hints_are_read_without_running_code(tmp_path, monkeypatch):
    """hint() parses HINTS from the course's source; it never imports (runs) a learner's file."""
    monkeypatch.setenv("COURSE_EXERCISES_DIR", str(tmp_path))
    (tmp_path / f"{NAME}.py").write_text("raise SystemExit('should never run')\n")
    assert hint(NAME, 1, show=False).text == hints_of(NAME)[0]


@pytest.mark.parametrize("name", ["ex10_retry", "ex11_pipeline"])
def test_no_leak_in_other_exercises(name):
    result = check(name, directory=EXERCISES_DIR, show=False)
    assert not result.passed
    assert_no_leak(result, name)
