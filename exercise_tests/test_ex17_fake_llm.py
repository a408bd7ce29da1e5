"""Tests for ex17_fake_llm: a scripted fake model for tests."""

from __future__ import annotations

import asyncio

from _helpers import Timer, assert_no_leftovers, expect_raises

from course_utils.faults import RateLimitError, ServerError

EXERCISE = "ex17_fake_llm"


async def test_answers_in_script_order(ex):
    """Strings in the script come back, in order, as objects with a .text attribute."""
    llm = ex.ScriptedLLM("first", "second")
    one = await llm.complete("q1")
    two = await llm.complete("q2")
    assert getattr(one, "text", None) == "first", f"The first call should return Reply('first'), got {one!r}."
    assert getattr(two, "text", None) == "second", f"The second call should return Reply('second'), got {two!r}."


async def test_raises_scripted_exceptions_and_carries_on(ex):
    """An exception in the script is raised at its step; the next step still answers."""
    boom = ServerError("503")
    llm = ex.ScriptedLLM(boom, "recovered")
    with expect_raises(ServerError, "the scripted ServerError to be raised at its step") as info:
        await llm.complete("q")
    assert info.value is boom, "Raise the very exception object from the script."
    answer = await llm.complete("q again")
    assert getattr(answer, "text", None) == "recovered", "After a scripted failure, the next step should answer."


async def test_records_every_prompt(ex):
    """Prompts are recorded in order, including the call that raised."""
    llm = ex.ScriptedLLM(RateLimitError("slow down", retry_after=1.0), "ok")
    with expect_raises(RateLimitError, "the scripted RateLimitError to be raised at its step"):
        await llm.complete("first prompt")
    await llm.complete([{"role": "user", "content": "second"}])
    assert llm.prompts == ["first prompt", [{"role": "user", "content": "second"}]], (
        f"llm.prompts should list both prompts in order (also the one that raised), got {llm.prompts!r}.")


async def test_counts_calls_and_remaining(ex):
    """calls counts the calls made; remaining counts the unused steps."""
    llm = ex.ScriptedLLM("a", ServerError("x"), "c")
    assert (llm.calls, llm.remaining) == (0, 3), f"A fresh fake: calls 0, remaining 3; got {llm.calls}, {llm.remaining}."
    await llm.complete("1")
    with expect_raises(ServerError, "the scripted ServerError to be raised at step 2"):
        await llm.complete("2")
    assert (llm.calls, llm.remaining) == (2, 1), (
        f"After two calls: calls 2, remaining 1; got calls={llm.calls}, remaining={llm.remaining}.")


async def test_an_exhausted_script_says_so(ex):
    """A call beyond the script raises ScriptExhausted, naming the script's length."""
    llm = ex.ScriptedLLM("only", "two")
    await llm.complete("1")
    await llm.complete("2")
    with expect_raises(ex.ScriptExhausted, "ScriptExhausted for a call beyond the script") as info:
        await llm.complete("3")
    assert "2" in str(info.value), f"Say how many steps the script had; the message was {str(info.value)!r}."
    assert llm.calls == 3, "The extra call still counts as a call (its prompt is recorded too)."


async def test_latency_on_the_loop_clock(ex):
    """Each call waits `latency` seconds; with latency 0 it does not wait."""
    slow = ex.ScriptedLLM("a", "b", latency=2.0)
    with Timer() as t:
        await slow.complete("1")
    assert abs(t.elapsed - 2.0) < 1e-6, f"With latency=2.0 a call should take 2.0 s, took {t.elapsed:.3f}."
    fast = ex.ScriptedLLM("a")
    with Timer() as t:
        await fast.complete("1")
    assert t.elapsed < 1e-6, f"With the default latency=0 a call should not wait, it took {t.elapsed:.3f} s."


async def test_concurrent_calls_overlap(ex):
    """Three calls at once take one latency, not three: the fake waits without blocking."""
    llm = ex.ScriptedLLM("a", "b", "c", latency=1.5)
    with Timer() as t:
        replies = await asyncio.gather(*(llm.complete(str(i)) for i in range(3)))
    assert [r.text for r in replies] == ["a", "b", "c"], "Concurrent calls should still take the steps in order."
    assert abs(t.elapsed - 1.5) < 1e-6, (f"Three concurrent calls took {t.elapsed:.2f} s instead of 1.5: "
                                         f"wait with await asyncio.sleep(...), not time.sleep.")
    await assert_no_leftovers("ScriptedLLM.complete")


async def test_it_drives_a_retrying_agent(ex):
    """Used as an agent's model: two failures, then the answer; the agent's prompts are visible."""
    llm = ex.ScriptedLLM(ServerError("503"), ServerError("500"), "Paris.")

    async def ask(question: str) -> str:  # a minimal retrying agent, as in the lesson
        for attempt in range(3):
            try:
                return (await llm.complete(f"Answer: {question}")).text
            except ServerError:
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    assert await ask("Capital of France?") == "Paris."
    assert llm.prompts == ["Answer: Capital of France?"] * 3 and llm.remaining == 0
