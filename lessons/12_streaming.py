# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # 12 · Streaming tokens
#
# A large model needs seconds to finish an answer, but it knows its first words almost at once.
# Streaming hands those words to your user as they are written: the wait feels like reading, not
# like a frozen screen.
#
# ## Learning objectives
# - Write async generators (`async def` + `yield`) and consume them with `async for`.
# - Stream an LLM answer into a live view, token by token.
# - Measure time to first token (TTFT) against total time, and know which one your user feels.
# - Stop a stream early so that its cleanup really runs: `aclose()` and `aclosing`, also when
#   the reading task is cancelled.
# - Handle a stream cut by a network fault, and decide what to do with the partial text.

# %%
import asyncio
from contextlib import aclosing

from course_utils import FaultPlan, StreamInterrupted, Timeline, config, connect, simulated
from course_utils.live import LiveText, plot_arrivals

loop = asyncio.get_running_loop()

# %% [markdown]
# ## Async generators: values that take time to arrive
#
# A generator produces values on demand. An *async* generator may also `await` between two
# values, which is exactly the shape of a token stream: wait for the network, hand over a token,
# wait again. Put `yield` inside `async def` and you have one; read it with `async for`, which
# awaits each item in turn.

# %%
async def countdown(n, pause=0.2):
    """Yield n, n-1, ..., 1, waiting `pause` seconds before each number after the first."""
    for i in range(n, 0, -1):
        if i != n:
            await asyncio.sleep(pause)
        yield i


gen = countdown(3)
print(type(gen).__name__, "| has __anext__:", hasattr(gen, "__anext__"))
async for i in gen:
    print(i, end=" ")
print("| as a list:", [i async for i in countdown(3)])

# %% [markdown]
# Calling `countdown(3)` runs nothing yet: it builds an `async_generator` object. Each
# `async for` step calls `await gen.__anext__()`, which runs the body until the next `yield`.
# While the body awaits, the event loop is free to run other tasks: an `async for` loop is just a
# sequence of awaits. Two differences from plain generators: there is no `yield from` (delegate
# with `async for x in inner: yield x`), and `return` cannot carry a value.

# %% [markdown]
# ## Streaming an answer, live
#
# `llm.stream(prompt)` returns a `TokenStream`, an async iterator of tokens (words and punctuation
# with their leading spaces). It remembers what it produced: `.ttft` (time to first token, in
# seconds), `.text` so far and, once it ends, `.completion` with the token counts. `LiveText`
# shows the tokens in one output that grows in place; run the cell and watch it type.

# %%
llm = connect(config.LARGE_MODEL)
prompt = "Why does a chat agent stream its answers?"

stream = llm.stream(prompt)
with LiveText(f"{llm.model} is typing...") as view:
    async for token in stream:
        view.append(token)
    view.note(f"first token after {stream.ttft:.2f} s, {stream.completion.completion_tokens} tokens "
              f"in {stream.completion.latency:.2f} s")

assert view.text == stream.text == stream.completion.text, "the view shows the whole answer"

# %% [markdown]
# ## Time to first token vs total time
#
# Streaming does not make the model write faster. It changes *when the user sees something*. Ask
# the same question twice, once with `complete` (the whole answer arrives at once) and once with
# `stream`, and record when each token reaches the screen. Two fresh simulated clients with the
# same seed plan the very same call, so the comparison is fair.

# %%
async def seen_at_complete(prompt):
    """When each token reaches the screen if we wait for the whole answer."""
    start = loop.time()
    answer = await connect(config.LARGE_MODEL).complete(prompt)
    return answer.text, [loop.time() - start] * answer.completion_tokens


async def seen_at_stream(prompt):
    """When each token reaches the screen if we stream it."""
    start = loop.time()
    times = []
    stream = connect(config.LARGE_MODEL).stream(prompt)
    async for _ in stream:
        times.append(loop.time() - start)
    return stream.text, times


text_c, at_complete = await seen_at_complete(prompt)
text_s, at_stream = await seen_at_stream(prompt)
sooner = at_complete[0] / at_stream[0]
total_ratio = at_stream[-1] / at_complete[-1]
print(f"first words: complete {at_complete[0]:.2f} s, stream {at_stream[0]:.2f} s "
      f"-> {sooner:.1f}x sooner")
print(f"whole answer: complete {at_complete[-1]:.2f} s, stream {at_stream[-1]:.2f} s")
if simulated():
    assert text_c == text_s, "the same answer either way"
    assert 2.0 < sooner < 5.0, "streaming shows the first words roughly 3x sooner"
    assert 0.9 < total_ratio < 2.0, "the whole answer takes about as long, never less"
else:
    print("(real endpoint: the simulator-only checks here are skipped)")

# %%
plot_arrivals({"complete()": at_complete, "stream()": at_stream},
              title=f"Same answer, same model ({llm.model}): "
                    f"streaming shows the first words {sooner:.1f}x sooner")

# %% [markdown]
# The user of `complete()` stares at nothing for the whole answer; the user of `stream()` starts
# reading after the time to first token, roughly 3x sooner here. The whole answer takes about as
# long either way (never less): streaming changes when words arrive, not how fast they are
# written. The longer the answer, the bigger the gap: TTFT depends on the prompt, total time on
# the answer's length. That is why chat UIs stream, and why TTFT is the latency figure chat
# products are tuned for.
#
# Two consequences for agent builders:
# - Stream what a **human** reads. A step whose output feeds the next tool call gains nothing
#   from streaming: the next step needs the whole answer anyway.
# - Measure TTFT and total time separately: a slow TTFT is a long prompt or a busy provider, a
#   slow total is a long answer.

# %% [markdown]
# ## Many streams at once
#
# `async for` is a chain of awaits, so while one stream waits for its next token the loop serves
# the others. Three agents answering three users at once take well under the sum of their
# times: the waits overlap. Each `LiveText` types in its own output.

# %%
questions = ["Why does a chat agent stream its answers?",
             "Summarize: event loops let one thread wait for many sockets.",
             "Plan a three-step research task about rate limits."]


async def answer(user, question):
    stream = llm.stream(question)
    with LiveText(f"agent for {user}") as view:
        async for token in stream:
            view.append(token)
    return stream.completion


async with Timeline() as tl:
    async with asyncio.TaskGroup() as tg:
        tasks = [tg.create_task(answer(f"user {i}", q), name=f"user {i}")
                 for i, q in enumerate(questions, 1)]

alone = sum(t.result().latency for t in tasks)
print(f"one after another: ~{alone:.2f} s; together: {tl.elapsed:.2f} s")
assert tl.elapsed < 0.75 * alone, "three streams together take well under the sum of their times"
tl.plot(title="Three streams share one event loop")

# %% [markdown]
# ## Stopping a stream early
#
# Users click "stop generating"; agents stop reading once they have what they need. Stopping
# must also *release* the stream: a real client holds an HTTP connection until the stream is
# closed. Here is a generator that streams an answer and, in its `finally`, closes the stream and
# logs it, as a real client would return its connection to the pool.

# %%
released = []  # one line per stream whose cleanup ran


async def answer_tokens(llm, prompt):
    """Stream an answer's tokens; the finally block is where the connection is released."""
    stream = llm.stream(prompt)
    try:
        async for token in stream:
            yield token
    finally:
        await stream.aclose()
        released.append(f"released after {len(stream.tokens)} tokens")


# %% [markdown]
# **The pitfall: `break` does not close an async generator.** Leaving the loop just stops asking
# for tokens. The generator stays suspended at its `yield`, still holding the stream, until
# someone calls `aclose()` or the garbage collector finds it (asyncio then schedules the cleanup
# for "later", which at interpreter exit may be never).

# %%
tokens = answer_tokens(llm, prompt)
async for token in tokens:
    if token.strip() == ".":   # we only wanted the first sentence
        break

print("after break:", released)
assert released == [], "nothing released: the stream is still open"

await tokens.aclose()           # GeneratorExit is thrown in at the yield; finally runs
print("after aclose():", released)
assert len(released) == 1 and released[0].startswith("released after"), "aclose() ran the finally"

# %% [markdown]
# **The fix: `contextlib.aclosing`.** It calls `aclose()` when the block ends, however it ends
# (a `break`, a `return`, an exception). Use it whenever you might leave an `async for` early.

# %%
released.clear()
async with aclosing(answer_tokens(llm, prompt)) as tokens:
    async for token in tokens:
        if token.strip() == ".":
            break
print(released)
assert len(released) == 1, "aclosing closed the generator at the break"

# %% [markdown]
# **Cancelling the reading task cleans up only sometimes.** When the user clicks "stop", you
# usually cancel the task that reads the stream. `CancelledError` is raised at the `await` where
# that task is suspended:
# - if it is inside the generator (waiting for the next token), the error travels up through the
#   generator and its `finally` runs;
# - if it is in the reader's *own* await between two tokens (say, sending the last token to a
#   browser), the generator sits at its `yield`, untouched: its `finally` waits for `aclose()`,
#   or for the garbage collector.
#
# Both cases, cancelled right after the third token:

# %%
async def read(tokens, third_token, own_work):
    count = 0
    async for token in tokens:
        count += 1
        if count == 3:
            third_token.set()
        if own_work:
            await asyncio.sleep(0.5)   # the reader's own await, e.g. sending the token to a browser


finally_ran = {}
for own_work in (False, True):
    released.clear()
    tokens, third_token = answer_tokens(llm, prompt), asyncio.Event()
    reader = asyncio.create_task(read(tokens, third_token, own_work))
    await third_token.wait()
    reader.cancel()                                  # the user clicks "stop"
    await asyncio.gather(reader, return_exceptions=True)
    finally_ran[own_work] = bool(released)
    await tokens.aclose()                            # the fix either way: close it yourself
    print(f"reader cancelled {'in its own await' if own_work else 'waiting for a token'}: "
          f"finally ran at once: {finally_ran[own_work]}; after aclose(): {bool(released)}")
assert finally_ran == {False: True, True: False}, "only a generator suspended in an await is cleaned up"
assert len(released) == 1, "aclose() runs the finally of a generator paused at its yield"

# %% [markdown]
# So do not rely on cancellation: give the reader an `aclosing` block, and the stream is closed
# whichever await the cancellation hits. Here is the "stop generating" button, pressed after 2 s:

# %%
released.clear()
view = LiveText("the user clicks stop after 2 s")


async def show_answer(prompt):
    async with aclosing(answer_tokens(llm, prompt)) as tokens:
        async for token in tokens:
            view.append(token)
            await asyncio.sleep(0.01)   # the reader's own await: the risky case above


task = asyncio.create_task(show_answer(prompt))
await asyncio.sleep(2.0)        # the user reads for a while, then clicks "stop generating"
task.cancel()
try:
    await task
except asyncio.CancelledError:
    view.fail("stopped by the user")

print(released)
assert task.cancelled() and len(released) == 1, "aclosing released the stream on cancellation"
assert 0 < len(view.text) < len(text_s), "part of the answer, not all of it"

# %% [markdown]
# ## When the network cuts a stream
#
# Connections drop mid-answer: a proxy times out, Wi-Fi blinks, the provider restarts a node.
# The stream then raises instead of ending. Here a fault plan cuts the first call halfway.

# %% tags=["raises-exception"]
# This cell fails on purpose: StreamInterrupted, halfway through the answer.
cut_llm = connect(config.LARGE_MODEL, faults=FaultPlan(script=["cut"]))
stream = cut_llm.stream(prompt)
with LiveText("a stream cut by the network") as view:
    async for token in stream:
        view.append(token)

# %% [markdown]
# The exception is `StreamInterrupted`, and the tokens received before the cut are still there:
# `stream.tokens` kept them, and `stream.completion` is `None` because the answer never finished.

# %%
print(f"{len(stream.tokens)} tokens arrived before the cut: ...{stream.text[-50:]!r}")
if simulated():
    assert stream.completion is None and 0 < len(stream.tokens) < len(text_s.split()), "a partial answer"
    assert cut_llm.usage.errors["cut"] == 1, "usage counted the cut"
else:
    print("(real endpoint: the simulator-only checks here are skipped)")

# %% [markdown]
# What should you do with the partial text? It depends on who reads it:
# - **Log it and count it**: you were billed for those tokens (`usage` recorded the cut).
# - **A tool or the next agent step**: never act on it. Half a JSON object or half a plan is not a
#   shorter answer, it is a wrong one. Retry the whole call.
# - **A human**: retry, and show that you did. If the retries run out, showing the partial text
#   marked "cut off" beats showing nothing.
#
# **The pitfall: appending the retry to what is on screen.** The retry writes its answer from the
# beginning, so gluing it to the partial text repeats the start (the simulator writes the same
# answer again; a real model would write a different one, and the splice would read as
# nonsense).

# %%
flaky = connect(config.LARGE_MODEL, faults=FaultPlan(script=["cut", "ok"]))
on_screen = []
for attempt in range(2):
    try:
        async for token in flaky.stream(prompt):
            on_screen.append(token)
        break
    except StreamInterrupted:
        pass                     # retry, but keep what is already on screen: wrong

naive = "".join(on_screen).strip()
opening = text_s[:40]
print(f"the opening {opening!r} appears {naive.count(opening)} times")
if simulated():
    assert naive.count(opening) == 2, "the retry repeated the opening on screen"
else:
    print("(real endpoint: the simulator-only checks here are skipped)")

# %% [markdown]
# **The fix:** a retry starts over on screen too. `view.restart(note)` wipes the box and says
# why; the partial text goes to your log, not to the user.

# %%
async def stream_with_retry(llm, prompt, view, attempts=3):
    """Stream into `view`; on a cut, start over (up to `attempts` tries) and say so."""
    for attempt in range(1, attempts + 1):
        stream = llm.stream(prompt)
        try:
            async for token in stream:
                view.append(token)
            return stream.completion
        except StreamInterrupted as error:
            if attempt == attempts:
                raise
            view.restart(f"connection lost after {error.tokens_received} tokens; "
                         f"retrying ({attempt}/{attempts - 1})")


flaky = connect(config.LARGE_MODEL, faults=FaultPlan(script=["cut", "ok"]))
with LiveText("stream with retry") as view:
    final = await stream_with_retry(flaky, prompt, view)
    view.note(f"answered after one retry; usage: {flaky.usage.calls} calls, "
              f"{dict(flaky.usage.errors)} failed")

assert view.text == final.text, "the screen shows the final answer, once"
if simulated():
    assert final.text == text_s and flaky.usage.calls == 2 and flaky.usage.errors["cut"] == 1, \
        "one cut, one retry, the whole answer"
else:
    print("(real endpoint: the simulator-only checks here are skipped)")

# %% [markdown]
# ## Exercises
#
# 1. [`exercises/ex12_first_sentence.py`](../exercises/ex12_first_sentence.py): stream an
#    answer, return its first sentence as soon as it is complete, and make sure the stream is
#    closed when you return.

# %%
from course_utils import check, hint  # noqa: E402

check("ex12_first_sentence")

# %% [markdown]
# 2. [`exercises/ex12_stream_deadline.py`](../exercises/ex12_stream_deadline.py): return all
#    the text that arrived within `seconds` and whether the answer was complete, closing the
#    stream either way.

# %%
check("ex12_stream_deadline")

# %% [markdown]
# ## Quiz

# %%
from course_utils import quiz  # noqa: E402

quiz("12")

# %% [markdown]
# ## Summary
# - An async generator (`async def` with `yield`) awaits between items; `async for` reads it,
#   and the loop runs other tasks during every wait.
# - Streaming shows the first words after the time to first token, several times sooner than a
#   whole answer, which takes about as long either way. Stream what humans read.
# - `break` does not close an async generator, and cancelling the reader runs its `finally`
#   only if the generator was suspended in an `await`, not at its `yield`: use
#   `async with aclosing(...)` or `await gen.aclose()`.
# - A cut stream raises `StreamInterrupted` and keeps its partial tokens: log and count them,
#   never act on them, and retry from the start on screen too.
#
# **Going further:** PEP 525 (asynchronous generators) and PEP 533 (the still-open question of
# deterministic cleanup for `async for`); lesson 13 streams the same tokens over real HTTP as
# Server-Sent Events.
