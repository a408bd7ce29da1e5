# %% [markdown]
# # 02 · Why async
#
# Your agent looks up a student's grades, attendance and schedule, and the user waits about a
# second. The computer did nearly nothing in that second: it was waiting. Waiting is the work.
#
# ## Learning objectives
# - Measure how much of an agent's time is waiting rather than computing.
# - Make three independent tool calls overlap with `asyncio.gather`, and measure the speedup.
# - Explain why `async def` alone makes nothing faster.
# - Tell concurrency (one thread, overlapping waits) from parallelism (many cores computing).
# - Predict when async helps (I/O-bound work) and when it cannot (CPU-bound work).

# %%
import asyncio
import threading
import time

from tqdm.auto import tqdm

from course_utils import Timeline, compare, records, sync_tools, tools
from course_utils.plots import plot_comparison

loop = asyncio.get_running_loop()  # its clock, loop.time(), reads course seconds (lesson 01)

# %% [markdown]
# ## Waiting is the work
#
# The agent needs three facts about a student, and each comes from a different service. The
# plain, synchronous way asks them one after another. `sync_tools` holds blocking versions of the
# course's tools: each call holds the thread until its answer arrives, like `requests.get` would.

# %%
SYNC_TOOLS = [sync_tools.get_grades, sync_tools.get_attendance, sync_tools.get_schedule]


def student_profile_sync(student_id):
    profile = {"student_id": student_id}
    for tool in SYNC_TOOLS:
        profile[tool.__name__] = tool(student_id)
    return profile


start, cpu_before, wall_before = loop.time(), time.process_time(), time.perf_counter()
profile = student_profile_sync(7)
elapsed = loop.time() - start
cpu_share = (time.process_time() - cpu_before) / (time.perf_counter() - wall_before)

print(f"wall time: {elapsed:.2f} s; the CPU worked for {cpu_share:.1%} of it")
print(profile["get_grades"])
assert cpu_share < 0.1, "the CPU is busy for under a tenth of the wall time"

# %% [markdown]
# The CPU worked for well under a tenth of the wall time; the rest was spent waiting for the
# three services. (The CPU share compares two clocks of *real* seconds, `time.process_time()` and
# `time.perf_counter()`: the processor knows nothing of course time.) An agent is full of such
# waits: model calls take seconds, tool calls hundreds of milliseconds. If the waits could
# overlap, the whole profile would take as long as its slowest call.

# %% [markdown]
# ## The pitfall: `async def` alone changes nothing
#
# `course_utils.tools` has async versions of the same tools. A natural first try: make the function
# `async def` and `await` each call. It reads well, and it is exactly as slow, because each `await`
# waits for its call to finish before the next call even starts.

# %%
ASYNC_TOOLS = [tools.get_grades, tools.get_attendance, tools.get_schedule]


async def student_profile_one_by_one(student_id):
    profile = {"student_id": student_id}
    for tool in ASYNC_TOOLS:
        profile[tool.__name__] = await tool(student_id)  # waits here before starting the next
    return profile


slow = await compare(lambda: student_profile_sync(7), lambda: student_profile_one_by_one(7),
                     labels=("sync", "async, awaited one by one"))
print(slow)
assert 0.7 < slow.speedup < 1.4, "awaiting one by one is no faster than sync"

# %% [markdown]
# ## The fix: start all three, then wait once
#
# `asyncio.gather` starts all the calls, then waits until every one has answered and returns their
# results **in the order you passed them**. While the first call waits for its service, the second
# and third are already on their way. (Lesson 05 covers `gather` and its siblings in depth.)

# %%
async def student_profile(student_id):
    results = await asyncio.gather(*(tool(student_id) for tool in ASYNC_TOOLS))
    return {"student_id": student_id, **dict(zip((t.__name__ for t in ASYNC_TOOLS), results))}


fast = await compare(lambda: student_profile_sync(7), lambda: student_profile(7))
assert fast.async_result == fast.sync_result, "same answer..."
assert 1.7 < fast.speedup < 4.0, f"...about 3x sooner (measured {fast.speedup:.1f}x)"
fast

# %% [markdown]
# About 3x faster (a little less when the tests run the course 20x faster on a busy machine,
# where the loop's own bookkeeping weighs 20x more), and no surprise once you see it: on top,
# three calls back to back, each holding the thread for its whole duration. Below, three calls
# waiting side by side (grey). Each also takes the thread for a moment to start and to finish:
# the thin running slivers (blue). The next cell measures them.

# %%
fast.plot()

# %% [markdown]
# ## Concurrency is not parallelism
#
# Nothing above ran in parallel. All three calls ran on **one thread**, taking turns: each ran
# until it had to wait, then handed the thread back to the event loop, which ran whichever call
# was ready next. That is *concurrency*: many things in progress at once. *Parallelism* is many
# things **executing** at the same instant, which needs several cores.
#
# The timeline proves it. Its running slivers never overlap, and together they fill a small
# fraction of the wall time:

# %%
timeline = fast.async_timeline
running = sorted((seg.start, seg.end) for task in timeline.tasks
                 for seg in task.segments if seg.state == "running")
overlaps = sum(1 for (_, end), (start, _) in zip(running, running[1:]) if start < end)
busy = timeline.busy_time / timeline.elapsed
print(f"{len(running)} running slivers, {overlaps} overlapping; "
      f"the thread was busy {busy:.1%} of the {timeline.elapsed:.2f} s")
assert overlaps == 0, "no two running slivers overlap: one thread"
assert busy < 0.25, "the thread is busy for a small fraction of the wall time"

# %% [markdown]
# And every call really runs on the thread that runs this notebook's code:

# %%
threads_seen = set()


async def call_and_note_thread(tool, student_id):
    threads_seen.add(threading.current_thread().name)
    result = await tool(student_id)
    threads_seen.add(threading.current_thread().name)
    return result


await asyncio.gather(*(call_and_note_thread(tool, 7) for tool in ASYNC_TOOLS))
print("threads used:", threads_seen)
assert threads_seen == {threading.current_thread().name}, "every call ran on this one thread"

# %% [markdown]
# ## I/O-bound vs CPU-bound
#
# Concurrency helps when the work is **waiting** (I/O-bound: network, disk, model calls). It cannot
# help when the work is **computing** (CPU-bound), because one thread computes one thing at a time.
# `tools.crunch_numbers(s)` burns the CPU for about `s` course seconds: here, the same 0.3 s as one
# tool call, spent computing instead of waiting. Wrap it in `async def` and gather three:

# %%
WORK = tools.LATENCY["get_grades"]  # as long as one tool call, but spent computing
tools.crunch_numbers(0.01)  # the first call calibrates the CPU speed: keep that out of the timing


async def crunch_async(seconds):
    return tools.crunch_numbers(seconds)  # async def, but nothing to await: it never lets go


async with Timeline() as cpu_timeline:
    await asyncio.gather(*(crunch_async(WORK) for _ in range(3)))

# %% [markdown]
# Did gathering make them overlap? Compare, within each run, the time the jobs needed with the wall
# time they took together. The three tool calls packed about 3 seconds of calls into each second
# of wall time. The three crunches packed just their own computing time: a speedup of 1x, none.
# (Measuring both inside one run matters for CPU work: on a busy machine, two separate runs of
# the same computation can differ by more than the effect you are looking for.)

# %%
io_overlap = sum(task.duration for task in fast.async_timeline.tasks) / fast.async_timeline.elapsed
cpu_overlap = cpu_timeline.busy_time / cpu_timeline.elapsed
print(f"tool calls: {io_overlap:.2f} s of calls per second of wall time")
print(f"crunches:   {cpu_overlap:.2f} s of computing per second of wall time")
assert 2.0 < io_overlap < 3.6, "about 3 s of tool calls per second of wall time"
assert 0.8 < cpu_overlap < 1.3, "about 1 s of computing per second: no overlap"

# %% [markdown]
# Side by side, the difference is plain: gathered tool calls **wait** together, while gathered
# computations **run** one after another, because the thread is never free. The orange stretches
# are *queued* time: a crunch was ready to start, but another one held the thread.

# %%
plot_comparison(fast.async_timeline, cpu_timeline,
                labels=["I/O-bound: 3 tool calls, gathered", "CPU-bound: 3 crunches, gathered"],
                title="One thread: waits overlap, computing does not")

# %% [markdown]
# Threads do not rescue pure-Python CPU work either: in standard CPython the global interpreter lock
# (GIL) lets only one thread execute Python bytecode at a time. (The free-threaded builds of
# Python 3.13 and 3.14, `python3.13t`, drop the GIL, and there threads can compute in parallel.)
# With the GIL, CPU-bound work needs other *processes* (other cores); lesson 14 measures threads
# and processes side by side. An agent is
# mostly I/O-bound, which is why async fits it so well.

# %% [markdown]
# ## A report for 500 students
#
# The registrar wants the profile of all 500 students. Synchronously that is 1,500 calls back to
# back, about 7.5 minutes at full speed, so we measure the sync version on a sample of 10 students
# and extrapolate: each student costs the same three calls, so the time grows in a straight line.

# %%
STUDENTS = records.all_student_ids()
SAMPLE = STUDENTS[:10]
per_student_planned = sum(tools.LATENCY[tool.__name__] for tool in SYNC_TOOLS)
assert len(STUDENTS) == 500 and 7 < per_student_planned * len(STUDENTS) / 60 < 8, "about 7.5 minutes"

start = loop.time()
sample_rows = [student_profile_sync(i) for i in tqdm(SAMPLE, desc="sync sample")]
per_student = (loop.time() - start) / len(SAMPLE)
sync_estimate = per_student * len(STUDENTS)
print(f"measured: {len(SAMPLE)} students in {loop.time() - start:.1f} s "
      f"({per_student:.2f} s each); estimated for {len(STUDENTS)}: {sync_estimate:.0f} s")
assert 0.9 < per_student / per_student_planned < 1.6, "each student costs the sum of three calls"

# %% [markdown]
# The async version starts every student's profile at once and shows progress as each one
# completes. `tqdm.as_completed` wraps `asyncio.as_completed`, which hands you the profiles in the
# order they **finish**, so each result carries its student id.

# %%
async def report(student_ids):
    rows = {}
    profiles = [student_profile(i) for i in student_ids]
    for next_done in tqdm.as_completed(profiles, desc="async, all students"):
        profile = await next_done
        rows[profile["student_id"]] = profile
    return rows


start = loop.time()
rows = await report(STUDENTS)
async_elapsed = loop.time() - start
speedup = sync_estimate / async_elapsed
floor = max(tools.LATENCY[tool.__name__] for tool in SYNC_TOOLS)
print(f"async: {len(rows)} students ({3 * len(rows)} tool calls) in {async_elapsed:.2f} s, "
      f"{speedup:.0f}x faster than the sync estimate")
print(f"floor: one call, ~{floor:.2f} s; above it: {async_elapsed - floor:.2f} s of loop bookkeeping")
assert len(rows) == len(STUDENTS), "every student is in the report"
assert rows[SAMPLE[0]] == sample_rows[0], "the same profile as the sync version"
assert speedup > 25, "dozens of times faster than the sync estimate"

# %% [markdown]
# Dozens of times faster than the estimate, at least 25x (the sync figure is extrapolated from 10
# students; the async one is measured on all 500). No report can beat the floor of one tool call, since every profile
# waits for one. What is above the floor is the loop's own bookkeeping for 1,500 calls: real CPU
# time, which looks larger at the fast time scale the tests use than at full speed.
#
# A real API would refuse 1,500 requests at once; lesson 07 caps how many run together.

# %% [markdown]
# ## Exercises
#
# Open each file (the link opens it in the editor), write your code, then run its check here;
# `hint("...")` helps if you are stuck.
#
# 1. [`exercises/ex02_student_report.py`](../exercises/ex02_student_report.py): fetch one
#    student's grades, attendance and schedule at the same time, then the reports of a whole
#    class, in order, letting errors reach the caller.
# 2. [`exercises/ex02_research_step.py`](../exercises/ex02_research_step.py): run an agent's web
#    searches concurrently, then make one model call with everything they found.

# %%
from course_utils import check, hint  # noqa: E402

# %%
check("ex02_student_report")

# %%
check("ex02_research_step")

# %% [markdown]
# ## Quiz

# %%
from course_utils import quiz  # noqa: E402

quiz("02")

# %% [markdown]
# ## Summary
# - An agent's time is mostly waiting: three tool calls kept the CPU busy for under a tenth of
#   their wall time.
# - `async def` plus one `await` after another is as slow as sync code; the speedup comes from
#   starting calls together (`asyncio.gather`) and waiting once: about 3x for three calls.
# - That is concurrency on one thread: waits overlap, running slivers never do.
# - CPU-bound work gets no speedup from async (and, in standard CPython, none from threads).
# - At scale, the same idea turned a 500-student report from minutes into seconds;
#   lesson 07 keeps that from overwhelming real APIs.
