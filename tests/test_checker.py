"""check() and hint(): teaching messages, time limits, hint tiers, no solution leaks."""

from __future__ import annotations

import asyncio
import shutil
import sys
import time
from pathlib import Path

import pytest

from course_utils import checker, feedback
from course_utils.checker import check, hint
from course_utils.exercises import EXERCISES_DIR, SOLUTIONS_DIR, exercise_names, fresh_stub, hints_file, hints_of
from course_utils.feedback import JARGON

sys.path.insert(0, str(Path(__file__).resolve().parent))  # test_mutations' learner_file

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
    return [line.strip() for line in region.splitlines()[1:]
            if len(line.strip()) > 20 and not line.strip().startswith("# ")]


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


# ----------------------------------------------------------------------------- plain words
# The checker itself is tested: the message written for the most common mistake must reach the
# learner through check(), in plain words.

MUTATIONS = Path(__file__).resolve().parent.parent / "exercise_tests" / "mutations"


def check_mutation(tmp_path, name: str, mutation: str):
    """check() on a learner file made of the stub plus a mutation's code (as tests/test_mutations.py)."""
    from test_mutations import learner_file as build

    (tmp_path / f"{name}.py").write_bytes(build(name, MUTATIONS / name / f"{mutation}.py"))
    return check(name, directory=tmp_path, show=False)


def failed_messages(result) -> list[str]:
    return [r.message for r in result.results if not r.passed]


def assert_plain(result) -> None:
    text = result.to_text() + result.to_html()
    for word in JARGON:
        assert word not in text, f"runner jargon {word!r} reaches the learner:\n{result.to_text()}"


@pytest.mark.parametrize("name, mutation, words", [
    ("ex02_student_report", "wrong_swallows_errors", "Expected an UnknownStudent error for the unknown student id"),
    ("ex02_student_report", "wrong_each_students_calls_in_sequence",
     "each student's own three tool calls ran one after the other"),
    ("ex06_tool_calls", "wrong_plain_gather", "an ExceptionGroup was expected"),
    ("ex16_single_flight", "wrong_no_shield", "asyncio.shield"),
])
def test_the_common_mistake_gets_its_own_message(tmp_path, name, mutation, words):
    result = check_mutation(tmp_path, name, mutation)
    assert not result.passed
    assert any(words in m for m in failed_messages(result)), result.to_text()
    assert not any(m.startswith("Your code raised CancelledError") for m in failed_messages(result)), result.to_text()
    assert_plain(result)


def _raise(exc: BaseException) -> BaseException:
    try:
        raise exc
    except BaseException as error:
        return error


def test_did_not_raise_becomes_a_sentence():
    with pytest.raises(pytest.fail.Exception) as info:
        with pytest.raises(KeyError):
            pass
    message = feedback.message_for(info.value)
    assert message.startswith("Expected a KeyError to be raised here, but your code returned normally"), message
    assert not any(word in message for word in JARGON), message


def test_did_not_raise_with_several_kinds():
    text = feedback.plain("DID NOT RAISE (<class 'course_utils.tools.ToolError'>, <class 'ExceptionGroup'>)")
    assert text.startswith("Expected a ToolError or ExceptionGroup to be raised here"), text


def test_rewritten_asserts_keep_only_the_authors_sentence():
    error = AssertionError("The store holds 10.\nassert 10 == 100\n +  where 10 = store.value")
    assert feedback.message_for(error) == "The store holds 10."
    bare = AssertionError("assert 10 == 100")
    assert feedback.message_for(bare, "Adds accumulate.") == "This check failed: Adds accumulate."


def test_cancelled_error_and_groups_are_explained():
    message = feedback.message_for(_raise(asyncio.CancelledError()))
    assert "CancelledError" in message and "shield" in message and "Your code raised" not in message
    group = _raise(ExceptionGroup("tools", [ValueError("bad city")]))
    assert feedback.message_for(group) == "Your code raised ValueError: bad city (inside an ExceptionGroup)."


def test_time_limit_message_needs_no_import_of_the_plugin():
    class TestTimeLimit(SystemExit):
        seconds, where = 2.0, "ex07_rate_limit.py line 3: `while True:`"

    message = feedback.message_for(TestTimeLimit())
    assert message.startswith("Your code took longer than 2 s") and "line 3" in message


def test_sandbox_plugin_uses_the_feedback_module():
    from course_utils import sandbox_plugin

    assert sandbox_plugin.message_for is feedback.message_for


# ----------------------------------------------------------------------------- hints outside the file


@pytest.mark.parametrize("name", exercise_names())
def test_hints_live_outside_the_learners_file(name):
    stub = (EXERCISES_DIR / f"{name}.py").read_text(encoding="utf-8")
    hints = hints_of(name)
    assert "HINTS" not in stub and not any(h[:40] in stub for h in hints), f"{name}: hints in the stub"
    assert hints_file(name).is_file() and hints_file(name).parent.name == "hints"


@pytest.mark.parametrize("name", exercise_names())
def test_only_the_last_hint_comes_close_to_the_answer(name):
    """The hints before the last quote at most half of the solution's lines (an API call such as
    `await asyncio.sleep(0)` may be named early; the near-code tier is the last one)."""
    early = " ".join(hints_of(name)[:-1])
    lines = [line for line in secret_lines(name) if len(line) > 20]
    quoted = [line for line in lines if line in early]
    assert len(quoted) <= len(lines) / 2, f"{name}: the early hints give away {quoted}"
