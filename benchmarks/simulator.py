#!/usr/bin/env python3
"""How cheap is the simulator? Run by hand: ``python benchmarks/simulator.py``.

Prints a few readable lines, then one JSON object as the last line:
  gather_ratio      wall of 1,000 concurrent simulated calls / the longest single call (<= 1.05)
  scale_ratio_10k   10,000 concurrent simulated calls / 10,000 bare asyncio.sleep of the same
                    durations, same run (<= 1.3)
  tracer_overhead   traced / untraced wall on 1,000 tasks (<= 1.05)
  plot_1000_s       seconds to draw a 1,000-task timeline (<= 1.0)
  import_ms         milliseconds to `import course_utils` with the simulator and tools (<= 150)
Runs at time scale 1 (real seconds), whatever COURSE_TIME_SCALE says.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from pathlib import Path

os.environ["COURSE_TIME_SCALE"] = "1.0"
sys.path.insert(0, str(Path(__file__).resolve().parent))

from course_utils.llm import SimulatedLLM  # noqa: E402


async def gather_ratio(n: int = 1000) -> float:
    llm = SimulatedLLM(seed=1)
    start = time.perf_counter()
    answers = await asyncio.gather(*(llm.complete(f"Summarize: report {i}") for i in range(n)))
    wall = time.perf_counter() - start
    return wall / max(a.latency for a in answers)


async def scale_ratio(n: int = 10_000) -> tuple[float, float, float]:
    # The same seed plans the same durations, so the bare run sleeps exactly as long per call.
    twin = SimulatedLLM(seed=2)
    durations = [twin.engine.plan(f"q{i}").duration for i in range(n)]
    llm = SimulatedLLM(seed=2)
    start = time.perf_counter()
    await asyncio.gather(*(llm.complete(f"q{i}") for i in range(n)))
    simulated = time.perf_counter() - start
    start = time.perf_counter()
    await asyncio.gather(*(asyncio.sleep(d) for d in durations))
    bare = time.perf_counter() - start
    return simulated / bare, simulated, bare


def import_ms(runs: int = 5) -> float:
    code = ("import time; t=time.perf_counter(); import course_utils, course_utils.llm, "
            "course_utils.tools, course_utils.tracing, course_utils.lag; "
            "print((time.perf_counter()-t)*1000)")
    samples = [float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                    check=True).stdout) for _ in range(runs)]
    return min(samples)


def main() -> None:
    from _timing_bench import plot_1000_s, tracer_overhead

    figures = {}
    figures["gather_ratio"] = round(asyncio.run(gather_ratio()), 4)
    print(f"1,000 concurrent calls took {figures['gather_ratio']:.3f}x the longest single call")
    ratio, simulated, bare = asyncio.run(scale_ratio())
    figures["scale_ratio_10k"] = round(ratio, 4)
    print(f"10,000 calls: simulated {simulated:.2f} s vs bare sleeps {bare:.2f} s")
    figures["tracer_overhead"] = round(tracer_overhead(), 4)
    print(f"tracing 1,000 tasks costs {100 * (figures['tracer_overhead'] - 1):.1f} % extra wall time")
    figures["plot_1000_s"] = round(plot_1000_s(), 3)
    print(f"drawing a 1,000-task timeline takes {figures['plot_1000_s']:.2f} s")
    figures["import_ms"] = round(import_ms(), 1)
    print(f"import course_utils (+llm, tools, tracing, lag): {figures['import_ms']:.0f} ms")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
