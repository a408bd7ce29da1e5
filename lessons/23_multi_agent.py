# %% [markdown]
# # 23 · Several agents: hand-offs and pools
#
# One agent's answer is often another agent's input: a summarizer feeds an analyst, a
# researcher feeds a writer. Writing `summarizer >> analyst` is pleasant; making it *correct* is
# the async part: the hand-off runs in the background, it must not grow without bound, someone
# must be able to wait for it, and its errors and cancellation must reach that someone.
#
# ## Learning objectives
# - Connect agents with `a >> b`: results forwarded in the background over a bounded queue.
# - Wait for every hand-off with `wait_for_connections()`, and see errors and cancellation arrive.
# - Reuse a few stateful agents from a pool: taken from a queue, returned in `finally`, used
#   inside `async with`.

# %%
import asyncio
from contextlib import asynccontextmanager

import course_utils
from course_utils import openai_client

client = openai_client(seed=23)
MODEL = course_utils.settings().model
TICKETS = [f"Ticket {i}: the export to PDF fails on page {i + 2} since the update." for i in range(6)]


async def ask(instruction, text):
    reply = await client.chat.completions.create(
        model=MODEL, max_tokens=30,
        messages=[{"role": "system", "content": instruction}, {"role": "user", "content": text}])
    return reply.choices[0].message.content

# %% [markdown]
# ## The tempting version: fire and forget
#
# `a >> b` could simply start a task for `b` whenever `a` has an answer. The cell returns at once,
# and the analyst's work is still running somewhere: nothing to wait for, and an error in it would
# only be logged ("Task exception was never retrieved") when the task is garbage-collected.

# %%
class NaiveAgent:
    def __init__(self, name, instruction):
        self.name, self.instruction, self.answers, self.next = name, instruction, [], None

    async def send(self, text):
        answer = await ask(self.instruction, text)
        self.answers.append(answer)
        if self.next is not None:
            asyncio.create_task(self.next.send(answer))   # nobody keeps or awaits this task
        return answer

    def __rshift__(self, other):
        self.next = other
        return other


# %% tags=["raises-exception"]
# This cell fails on purpose: AssertionError, the analyst has not finished (nothing waited for it)
summarizer = NaiveAgent("summarizer", "Summarize the ticket in one sentence.")
analyst = NaiveAgent("analyst", "Rate the urgency of this summary.")
summarizer >> analyst
for ticket in TICKETS[:3]:
    await summarizer.send(ticket)
print(f"summaries: {len(summarizer.answers)}, analyses: {len(analyst.answers)}")
assert len(analyst.answers) == 3, "every summary was analysed"

# %% [markdown]
# ## Done right: a connection is a queue plus a forwarding task
#
# `a >> b` now creates a **bounded** `asyncio.Queue` and one background task that takes a's
# answers off it and sends them to `b`. The task is kept (in `self.links`), so it can be waited
# for and cancelled; the queue's `maxsize` gives backpressure: when `b` falls behind, `a.send()`
# waits in `put()` instead of piling up work. `wait_for_connections()` waits until every queue is
# drained (`queue.join()`), then does the same downstream, and raises what went wrong there as an
# `ExceptionGroup`. If *it* is cancelled (or times out), it cancels the forwarding tasks too.

# %%
class Agent:
    def __init__(self, name, instruction, queue_size=2):
        self.name, self.instruction, self.queue_size = name, instruction, queue_size
        self.answers, self.errors, self.links = [], [], []

    async def handle(self, text):
        return await ask(self.instruction, text)

    async def send(self, text):
        answer = await self.handle(text)
        self.answers.append(answer)
        for queue, _, _ in self.links:
            await queue.put(answer)          # waits while the next agent is queue_size behind
        return answer

    def __rshift__(self, other):
        queue = asyncio.Queue(maxsize=self.queue_size)
        task = asyncio.create_task(self._forward(queue, other), name=f"{self.name} >> {other.name}")
        self.links.append((queue, other, task))
        return other                         # so a >> b >> c connects b to c

    async def _forward(self, queue, other):
        while True:
            text = await queue.get()
            try:
                await other.send(text)
            except Exception as error:       # keep forwarding; report it to whoever waits
                self.errors.append(error)
            finally:
                queue.task_done()

    async def wait_for_connections(self):
        try:
            for queue, other, _ in self.links:
                await queue.join()
                await other.wait_for_connections()
        except asyncio.CancelledError:       # our waiter gave up: stop the hand-offs as well
            await self.close()
            raise
        if self.errors:
            errors, self.errors = self.errors, []
            raise ExceptionGroup(f"hand-offs from {self.name} failed", errors)

    async def close(self):
        for _, other, task in self.links:
            task.cancel()
        await asyncio.gather(*(task for *_, task in self.links), return_exceptions=True)
        for _, other, _ in self.links:
            await other.close()

# %% [markdown]
# Three agents in a chain, six tickets. We record how far the summarizer ran ahead of the
# analyst: with `queue_size=1` it can never be more than a few answers ahead.

# %%
summarizer = Agent("summarizer", "Summarize the ticket in one sentence.", queue_size=1)
analyst = Agent("analyst", "Rate the urgency of this summary.", queue_size=1)
writer = Agent("writer", "Write a one-line reply to the customer.", queue_size=1)
summarizer >> analyst >> writer

loop = asyncio.get_running_loop()
start, lead = loop.time(), []
for ticket in TICKETS:
    await summarizer.send(ticket)
    lead.append(len(summarizer.answers) - len(analyst.answers))
await summarizer.wait_for_connections()
elapsed = loop.time() - start
print(f"{len(writer.answers)} replies in {elapsed:.2f} s; summarizer ahead of the analyst by at most {max(lead)}")
assert len(summarizer.answers) == len(analyst.answers) == len(writer.answers) == len(TICKETS), \
    "every ticket passed every agent"
assert max(lead) <= 3, "the bounded queue kept the summarizer at most queue_size + 2 answers ahead"
await summarizer.close()

# %% [markdown]
# Why "queue_size + 2": one answer waits in the queue, one is being analysed, and the summarizer's
# `put()` of a third is what makes it wait.
#
# ## Errors and cancellation reach the waiter
#
# An analyst that fails on one summary: the other summaries still go through, and the failure comes
# out of `wait_for_connections()` instead of vanishing. Then a writer that hangs, and a waiter
# with a deadline: the timeout cancels `wait_for_connections()`, which cancels the hand-offs, so
# nothing is left running.

# %%
class Picky(Agent):
    calls = 0

    async def handle(self, text):
        self.calls += 1
        if self.calls == 3:                  # fails on its third summary only
            raise ValueError("cannot rate this one")
        return await super().handle(text)


class Stuck(Agent):
    async def handle(self, text):
        await asyncio.sleep(3600)


summarizer = Agent("summarizer", "Summarize the ticket.")
summarizer >> Picky("analyst", "Rate the urgency.")
for ticket in TICKETS[:4]:
    await summarizer.send(ticket)
failures = 0
try:
    await summarizer.wait_for_connections()
except* ValueError as group:
    print("the waiter sees:", group.exceptions[0])
    failures = len(group.exceptions)
assert failures == 1, "the analyst's error reached wait_for_connections"
await summarizer.close()                     # done with this chain: stop its forwarding task

summarizer = Agent("summarizer", "Summarize the ticket.")
summarizer >> Stuck("writer", "Reply.")
await summarizer.send(TICKETS[0])
try:
    async with asyncio.timeout(2):
        await summarizer.wait_for_connections()
except TimeoutError:
    print("gave up after 2 s")
left = [t.get_name() for t in asyncio.all_tasks() if ">>" in t.get_name() and not t.done()]
print("hand-off tasks still running:", left)
assert left == [], "cancelling the waiter cancelled the hand-offs"

# %% [markdown]
# ## A pool of reusable agents
#
# Some agents are expensive to create or carry state worth keeping (a warm conversation, a
# cache, an open MCP session from lesson 22). Instead of a new one per request, keep a few in an
# `asyncio.Queue`: a request **takes** one (waiting if all are busy) and **gives it back in
# `finally`**, so a failing request does not lose an agent. An `async with` block makes the
# give-back impossible to forget. First the version without `finally`:

# %%
class Helper:
    """A stateful agent: it remembers how many requests it has handled."""

    def __init__(self, name):
        self.name, self.handled = name, 0

    async def answer(self, text):
        self.handled += 1
        if "boom" in text:
            raise ValueError(f"{self.name} cannot answer {text!r}")
        return await ask("Answer briefly.", text)


class LeakyPool:
    def __init__(self, size):
        self.idle = asyncio.Queue()
        for i in range(size):
            self.idle.put_nowait(Helper(f"helper {i}"))

    async def run(self, text):
        helper = await self.idle.get()
        result = await helper.answer(text)    # if this raises, the helper is never given back
        self.idle.put_nowait(helper)
        return result


leaky = LeakyPool(3)
await asyncio.gather(*(leaky.run(q) for q in ["hi", "boom 1", "boom 2", "hello"]), return_exceptions=True)

# %% tags=["raises-exception"]
# This cell fails on purpose: AssertionError, two helpers were lost with the two failed requests
print("helpers left in the pool:", leaky.idle.qsize())
assert leaky.idle.qsize() == 3, "every helper came back to the pool"

# %%
class AgentPool:
    def __init__(self, size):
        self.idle = asyncio.Queue()
        self.helpers = [Helper(f"helper {i}") for i in range(size)]
        for helper in self.helpers:
            self.idle.put_nowait(helper)

    @asynccontextmanager
    async def agent(self):
        helper = await self.idle.get()        # waits while every helper is busy
        try:
            yield helper
        finally:
            self.idle.put_nowait(helper)      # back in the pool, whatever happened


pool, busy, peak = AgentPool(3), 0, 0


async def request(text):
    global busy, peak
    async with pool.agent() as helper:
        busy += 1
        peak = max(peak, busy)
        try:
            return await helper.answer(text)
        finally:
            busy -= 1


questions = [f"question {i}" for i in range(10)] + ["boom 1", "boom 2"]
results = await asyncio.gather(*(request(q) for q in questions), return_exceptions=True)
failed = sum(isinstance(r, Exception) for r in results)
print(f"{len(questions)} requests, {failed} failed, at most {peak} at once; "
      f"handled per helper: {[h.handled for h in pool.helpers]}; back in the pool: {pool.idle.qsize()}")
assert pool.idle.qsize() == 3, "every helper came back, failures included"
assert peak == 3, "never more requests at once than helpers"
assert sum(h.handled for h in pool.helpers) == len(questions), "the same three helpers served all"

# %% [markdown]
# ## Exercise
#
# In [`exercises/ex23_handoff.py`](../exercises/ex23_handoff.py) you write a hand-off between two
# agents as one structured function: the first agent's answers go to the second over a bounded
# queue while the first keeps working, and an error in either stops both and reaches the caller.

# %%
from course_utils import check, hint  # noqa: E402

check("ex23_handoff")

# %%
hint("ex23_handoff")

# %% [markdown]
# ## Quiz

# %%
from course_utils import quiz  # noqa: E402

quiz("23")

# %% [markdown]
# ## Summary
#
# - `a >> b` done right is a bounded queue plus a forwarding task that someone keeps.
# - A bounded queue is backpressure: the producer waits when the consumer falls behind.
# - `wait_for_connections()`: `queue.join()` each link, then downstream; raise the errors it
#   collected; when cancelled, cancel the hand-offs too.
# - Fire-and-forget hand-offs lose results, errors and the ability to stop them.
# - A pool of stateful agents is an `asyncio.Queue` of instances: take one, give it back in
#   `finally`, and wrap that in `async with` so it cannot be forgotten.
#
# **Going further:** the capstone puts tools, MCP and several agents into one service.
