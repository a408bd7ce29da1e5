"""Tests for ex20_agent_loop: a model's tool calls run concurrently, each with its own deadline;
failures become error results; the loop ends with an answer or at its step budget."""

from __future__ import annotations

import asyncio
import json

import pytest
from _helpers import Probe, Timer, assert_no_leftovers, expect_raises
from openai.types.chat import ChatCompletion

from course_utils.tools import ToolError

EXERCISE = "ex20_agent_loop"


def tool_call(call_id: str, name: str, arguments: dict | str) -> dict:
    args = arguments if isinstance(arguments, str) else json.dumps(arguments)
    return {"id": call_id, "type": "function", "function": {"name": name, "arguments": args}}


def completion(tool_calls: list[dict] | None = None, content: str | None = None) -> ChatCompletion:
    """A real openai ChatCompletion, as the SDK returns it."""
    message = {"role": "assistant", "content": content}
    if tool_calls:
        message["tool_calls"] = tool_calls
    return ChatCompletion.model_validate({
        "id": "chatcmpl-test", "object": "chat.completion", "created": 0, "model": "sim-fast",
        "choices": [{"index": 0, "message": message,
                     "finish_reason": "tool_calls" if tool_calls else "stop"}]})


def calls_of(*specs: tuple[str, str, dict | str]):
    return completion([tool_call(*spec) for spec in specs]).choices[0].message.tool_calls


@pytest.fixture
def fakes(ex, monkeypatch):
    """Fake tools with known durations, tracked by a probe."""
    probe = Probe()

    def timed(label: str, seconds: float, result=None, error: Exception | None = None):
        async def tool(**arguments):
            async with probe.track(label):
                await asyncio.sleep(seconds)
            if error is not None:
                raise error
            return {"tool": label, **arguments} if result is None else result
        return tool

    monkeypatch.setitem(ex.TOOLS, "fast", timed("fast", 0.1))
    monkeypatch.setitem(ex.TOOLS, "medium", timed("medium", 0.3))
    monkeypatch.setitem(ex.TOOLS, "slow", timed("slow", 0.4))
    monkeypatch.setitem(ex.TOOLS, "hangs", timed("hangs", 30.0))
    monkeypatch.setitem(ex.TOOLS, "broken", timed("broken", 0.05, error=ToolError("the service is down")))
    monkeypatch.setitem(ex.TIMEOUTS, "hangs", 0.5)
    monkeypatch.setitem(ex.TIMEOUTS, "slow", 2.0)
    return probe


async def test_results_in_order_and_concurrent(ex, fakes):
    """Three calls of 0.4, 0.3 and 0.1 s give three tool messages, in order, in about 0.4 s."""
    calls = calls_of(("c1", "slow", {"x": 1}), ("c2", "medium", {"x": 2}), ("c3", "fast", {"x": 3}))
    with Timer() as t:
        out = await ex.run_tool_calls(calls)
    assert isinstance(out, list) and len(out) == 3, "There should be exactly one tool message per call."
    assert [m.get("tool_call_id") for m in out] == ["c1", "c2", "c3"], (
        "Each tool message carries its call's id, in the order of the calls.")
    assert all(m.get("role") == "tool" for m in out), "Each message has role 'tool'."
    assert [json.loads(m["content"]) for m in out] == [
        {"tool": "slow", "x": 1}, {"tool": "medium", "x": 2}, {"tool": "fast", "x": 3}], (
        "A success's content is json.dumps of the tool's result, called with the parsed arguments.")
    assert fakes.peak == 3 and t.elapsed <= 0.45, (
        f"Three calls of 0.4, 0.3 and 0.1 s took {t.elapsed:.2f} s with at most {fakes.peak} running at "
        f"once; run together they take about 0.4 s. Start every call before waiting for any.")


async def test_each_call_has_its_own_deadline(ex, fakes):
    """A call past its tool's own timeout becomes an error result; the others are not held to it."""
    calls = calls_of(("a", "hangs", {}), ("b", "slow", {}), ("c", "get_weather", {"city": "Oslo"}))
    with Timer() as t:
        out = await ex.run_tool_calls(calls)
    contents = [m["content"] for m in out]
    assert contents[0].startswith("error:") and "TimeoutError" in contents[0], (
        f"The call of 'hangs' (timeout 0.5 s) should end as an error result naming TimeoutError, got "
        f"{contents[0][:80]!r}.")
    assert not contents[1].startswith("error:"), (
        "The call of 'slow' takes 0.4 s and its tool's timeout is 2 s, so it should succeed: look up "
        "each call's own timeout by the tool's name (TIMEOUTS.get(name, DEFAULT_TIMEOUT)).")
    assert not contents[2].startswith("error:"), "get_weather is well within the default timeout."
    assert t.elapsed <= 0.55, (f"The turn took {t.elapsed:.2f} s; the slowest call should be cut at its "
                               f"0.5 s deadline while the others run alongside it.")
    await assert_no_leftovers("run_tool_calls")


async def test_failures_are_results_not_crashes(ex, fakes):
    """A raising tool, an unknown tool and bad JSON each become an error result; the rest carry on."""
    calls = calls_of(("a", "broken", {}), ("b", "no_such_tool", {}), ("c", "fast", "{not json"),
                     ("d", "medium", {"x": 1}))
    try:
        out = await ex.run_tool_calls(calls)
    except BaseException as error:
        raise AssertionError(
            f"run_tool_calls raised {type(error).__name__} because one tool call failed. Each call's "
            f"failure should become its own tool message whose content starts with 'error:', so the "
            f"model can read it and the other calls go on.") from None
    contents = [m["content"] for m in out]
    for i, kind in ((0, "ToolError"), (1, "KeyError"), (2, "JSONDecodeError")):
        assert contents[i].startswith("error:") and kind in contents[i], (
            f"Call {i + 1} should give content like 'error: {kind}: ...', got {contents[i][:80]!r}.")
    assert json.loads(contents[3]) == {"tool": "medium", "x": 1}, "The healthy call still gives its result."
    assert fakes.cancelled == 0, "A failing call must not cancel its siblings."


async def test_cancellation_still_stops_everything(ex, fakes):
    """Turning errors into results must not swallow a cancellation from outside."""
    calls = calls_of(("a", "slow", {}), ("b", "slow", {}))
    with expect_raises(TimeoutError, "the caller's TimeoutError: a cancellation from outside must stop "
                       "the tool calls, not become an error result (CancelledError is a BaseException; "
                       "catch Exception)"):
        async with asyncio.timeout(0.2):
            await ex.run_tool_calls(calls)
    assert fakes.cancelled == 2, "Both running calls should be cancelled with the caller."
    await assert_no_leftovers("run_tool_calls")


class FakeClient:
    """Looks like openai.AsyncOpenAI for chat.completions.create; replies from a list."""

    def __init__(self, replies: list[ChatCompletion], latency: float = 0.2):
        self.replies, self.latency, self.requests = list(replies), latency, []
        self.chat = self.completions = self

    async def create(self, **kwargs):
        self.requests.append(json.loads(json.dumps(kwargs["messages"])))
        await asyncio.sleep(self.latency)
        return self.replies[min(len(self.requests), len(self.replies)) - 1]


async def test_the_loop_sends_results_back_and_returns_the_answer(ex, fakes):
    """The loop answers each call with a tool message after the assistant message, then returns the text."""
    client = FakeClient([
        completion([tool_call("c1", "fast", {"x": 1}), tool_call("c2", "slow", {"x": 2})]),
        completion([tool_call("c3", "broken", {})]),
        completion(content="All done."),
    ])
    with Timer() as t:
        answer = await ex.agent_loop(client, "do things")
    assert answer == "All done.", f"agent_loop should return the final reply's content, got {answer!r}."
    assert len(client.requests) == 3, f"Expected 3 model calls (tools, tools, answer), got {len(client.requests)}."
    second = client.requests[1]
    assert [m["role"] for m in second] == ["user", "assistant", "tool", "tool"], (
        f"The second request should hold the question, the assistant message with its tool_calls, then "
        f"one tool message per call; its roles were {[m['role'] for m in second]}.")
    assert [c["id"] for c in second[1].get("tool_calls", [])] == ["c1", "c2"], (
        "The assistant message sent back must keep its tool_calls.")
    third = client.requests[2]
    assert third[-1]["role"] == "tool" and third[-1]["content"].startswith("error:"), (
        "A failed tool goes back to the model as an error result.")
    assert t.elapsed <= 3 * 0.2 + 0.4 + 0.05 + 0.05, f"The loop took {t.elapsed:.2f} s: are the tools concurrent?"


async def test_the_step_budget(ex, fakes):
    """A model that keeps calling tools is stopped after max_steps model calls."""
    client = FakeClient([completion([tool_call("c", "fast", {})])])
    with expect_raises(ex.StepBudgetExceeded, "StepBudgetExceeded after 3 model calls"):
        await ex.agent_loop(client, "loop forever", max_steps=3)
    assert len(client.requests) == 3, (
        f"max_steps=3 allows exactly 3 model calls; the loop made {len(client.requests)}.")
