# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # 21 · Streaming tool calls and structured output
#
# Lesson 20's agent waited for the model's whole message before running any tool. A streamed
# reply tells you each tool call piece by piece, so a tool can start while the model is still
# writing the next call. And when your code (not a person) reads the model's answer, ask for a
# typed result instead of prose.
#
# ## Learning objectives
# - Assemble streamed tool-call deltas, show text as it arrives, and start each tool the moment
#   its arguments are complete.
# - Stop a streaming turn cleanly: the stream closed, every started tool cancelled.
# - Get a typed result (a pydantic model) with `chat.completions.parse()`, and say why it beats
#   parsing prose.
# - Handle a result that fails validation with a bounded retry.

# %%
import asyncio
import json
import re

from pydantic import BaseModel, ValidationError, field_validator

from course_utils import Timeline, openai_client, settings, simulated, tools

loop = asyncio.get_running_loop()
MODEL = settings().model
client = openai_client(seed=21)


def function_tool(name, description, **params):
    return {"type": "function", "function": {"name": name, "description": description, "strict": True,
            "parameters": {"type": "object", "properties": {p: {"type": t} for p, t in params.items()},
                           "required": list(params), "additionalProperties": False}}}


TOOLS = {"get_weather": tools.get_weather, "get_grades": tools.get_grades}
SCHEMAS = [function_tool("get_weather", "The current weather in a city", city="string"),
           function_tool("get_grades", "Grades per course for one student", student_id="integer")]


async def run_tool(name, arguments):
    try:
        async with asyncio.timeout(5.0):
            return json.dumps(await TOOLS[name](**json.loads(arguments)))
    except Exception as error:
        return f"error: {type(error).__name__}: {error}"

# %% [markdown]
# ## Streamed tool calls, started as they complete
#
# With `stream=True` each chunk's `delta` carries either some text (`delta.content`) or pieces of
# tool calls (`delta.tool_calls`). A call's first piece has its `index`, `id` and name; the
# following pieces only add fragments of its JSON arguments. The API streams one call after the
# other (the SDK's own `.stream()` helper relies on that too), so **a call's arguments are
# complete as soon as a piece of the next call arrives**, or when `finish_reason` says so.
# That is the moment to start its tool, in a `TaskGroup` that outlives the stream.

# %%
async def stream_turn(client, messages):
    """Print text as it streams; start each tool call once its arguments are complete."""
    calls, tasks = {}, {}
    async with asyncio.TaskGroup() as tg:

        def start(index):
            call = calls[index]
            tasks[index] = tg.create_task(run_tool(call["name"], call["arguments"]), name=call["name"])

        stream = await client.chat.completions.create(
            model=MODEL, messages=messages, tools=SCHEMAS, stream=True)
        async with stream:  # closes the connection however we leave
            async for chunk in stream:
                choice = chunk.choices[0]
                if choice.delta.content:
                    print(choice.delta.content, end="", flush=True)
                for piece in choice.delta.tool_calls or []:
                    if piece.index not in calls:
                        if calls:
                            start(max(calls))  # the previous call is complete
                        calls[piece.index] = {"id": piece.id, "name": piece.function.name, "arguments": ""}
                        print(f"\n[{piece.function.name}] ", end="")
                    calls[piece.index]["arguments"] += piece.function.arguments or ""
                    print(piece.function.arguments or "", end="", flush=True)
                if choice.finish_reason == "tool_calls":
                    start(max(calls))
        stream_end = loop.time()
    return calls, {i: task.result() for i, task in tasks.items()}, stream_end

# %% [markdown]
# Watch the arguments arrive, fragment by fragment, and the tools start on the timeline while the
# `model` row (the reply still streaming) is running:

# %%
question = [{"role": "user", "content": "What's the weather in Oslo and Lima, and the grades of student 3?"}]
async with Timeline() as streamed:
    start = loop.time()
    calls, results, stream_end = await stream_turn(client, question)
print()
first_tool = min(t.start for t in streamed.tasks if t.label in TOOLS)
print(f"first tool started at {first_tool:.2f} s, the stream ended at {stream_end - start:.2f} s")
for index, call in calls.items():
    print(index, call["name"], call["arguments"], "->", results[index][:50])
if simulated():
    assert [c["name"] for c in calls.values()] == ["get_weather", "get_weather", "get_grades"], "three calls"
    assert first_tool < stream_end - start, "the first tool started before the model finished writing"
else:
    print("(real endpoint: the simulator-only checks here are skipped)")
streamed.plot(title="Tools start while the reply is still streaming")

# %% [markdown]
# The second turn, with the tool results, streams the final answer as text:

# %%
messages = question + [
    {"role": "assistant", "tool_calls": [{"id": c["id"], "type": "function",
     "function": {"name": c["name"], "arguments": c["arguments"]}} for c in calls.values()]},
    *({"role": "tool", "tool_call_id": calls[i]["id"], "content": results[i]} for i in calls),
]
final_calls, _, _ = await stream_turn(client, messages)
print()
if simulated():
    assert not final_calls, "with every result in, the model answers in prose"
else:
    print("(real endpoint: the simulator-only checks here are skipped)")

# %% [markdown]
# ## The user presses stop
#
# A chat UI has a stop button: it cancels the task running the turn. The `CancelledError`
# arrives at the `await` inside `async for`; leaving `async with stream` closes the connection
# (the server sees the client hang up and stops generating); leaving the `TaskGroup` cancels the
# tools it already started and waits for them. Nothing is left running:

# %%
turn = asyncio.create_task(stream_turn(client, question), name="turn")
await asyncio.sleep(0.8)  # the user presses stop here
turn.cancel()
try:
    await turn
except asyncio.CancelledError:
    print("\nstopped by the user")
await asyncio.sleep(0)
still_running = [t.get_name() for t in asyncio.all_tasks() if t.get_name() in {*TOOLS, "model"}]
print("still running:", still_running)
assert turn.cancelled() and not still_running, "the stop left no stream and no tool running"

# %% [markdown]
# ## Structured output: a typed result
#
# When a program reads the answer, prose is a trap. The model may say "around twelve degrees",
# "12 °C" or "12C"; your regular expression works on the first hundred replies and fails on the
# next. Here it fails at once:

# %%
prose = await client.chat.completions.create(
    model=MODEL, messages=[{"role": "user", "content": "Weather report for Oslo: city, temperature and a summary"}])
text = prose.choices[0].message.content
print(text[:160])
found = re.search(r"(-?\d+(?:\.\d+)?)\s*°?C\b", text)
print("temperature found by the regex:", found)
if simulated():
    assert found is None, "the regex found no temperature in this prose"
else:
    print("(real endpoint: the simulator-only checks here are skipped)")

# %% [markdown]
# Instead, describe the result as a pydantic model and pass it to `parse()`. The SDK sends its
# JSON schema as `response_format` (`strict`: every field required, no extra keys); the model
# must answer with JSON of that shape, and the SDK validates it into `message.parsed`, an
# instance of your class.

# %%
class WeatherReport(BaseModel):
    city: str
    temperature_c: float
    summary: str


completion = await client.chat.completions.parse(
    model=MODEL, messages=[{"role": "user", "content": "Weather report for Oslo"}], response_format=WeatherReport)
report = completion.choices[0].message.parsed
print(repr(report))
assert isinstance(report, WeatherReport) and isinstance(report.temperature_c, float), "a typed result"

# %% [markdown]
# ## When validation fails: a bounded retry
#
# A schema cannot say everything. Rules in your own validators (here: the summary must be a
# sentence of at least three words) are checked only after the reply arrives, and `parse()`
# raises `pydantic.ValidationError`. Tell the model what was wrong and ask again, a few times
# at most. Any other error (a timeout, a 500) is not a validation problem: let it through.

# %%
class CheckedReport(WeatherReport):
    @field_validator("summary")
    @classmethod
    def a_sentence(cls, summary):
        if len(summary.split()) < 3:
            raise ValueError("the summary must be a sentence of at least three words")
        return summary


async def ask_typed(client, question, schema, max_attempts=3):
    messages = [{"role": "user", "content": question}]
    for attempt in range(1, max_attempts + 1):
        try:
            completion = await client.chat.completions.parse(model=MODEL, messages=messages, response_format=schema)
            return completion.choices[0].message.parsed, attempt
        except ValidationError as error:
            print(f"attempt {attempt}: {error.errors()[0]['msg']}")
            if attempt == max_attempts:
                raise
            reason = error.errors()[0]["msg"]
            messages.append({"role": "user", "content": f"{question}, please fix this: {reason}"})


report, attempts = await ask_typed(client, "Weather report for Oslo", CheckedReport)
print(repr(report))
if simulated():
    assert attempts == 2, "the first answer failed the validator, the second passed"
else:
    print("(real endpoint: the simulator-only checks here are skipped)")

# %% [markdown]
# ## Exercise
#
# In [`exercises/ex21_structured_retry.py`](../exercises/ex21_structured_retry.py), write a bounded
# retry around `parse()` that feeds the validation error back, gives up after a budget, and does
# not retry what retrying cannot fix.

# %%
from course_utils import check, hint  # noqa: E402

check("ex21_structured_retry")

# %% [markdown]
# ## Quiz

# %%
from course_utils import quiz  # noqa: E402

quiz("21")

# %% [markdown]
# ## Summary
# - Streamed tool calls arrive as pieces keyed by `index`; a call is complete when the next
#   index (or `finish_reason`) arrives. Start its tool then, in a `TaskGroup`.
# - Stopping a turn is cancelling its task: `async with stream` closes the connection, the
#   `TaskGroup` cancels the tools it started. Check that nothing is left running.
# - For results a program reads, ask for a pydantic model with `parse()`: a typed object or a
#   `ValidationError`, never a silently wrong number from a regex.
# - Retry a validation failure a bounded number of times, telling the model what was wrong;
#   let every other error through.
