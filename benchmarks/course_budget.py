#!/usr/bin/env python3
"""Does the whole course fit its budgets (issue 12)? ``python benchmarks/course_budget.py``

Executes every lesson notebook through nbval, as the test command does, and reports the wall
time of the whole run and of each lesson (the sum of its cells' setup, call and teardown).

- ``--scale 0.05`` (default): the test scale, on the test command's two workers. Budget: the
  whole nbval run in at most 120 s.
- ``--scale 1 --workers 0``: what a learner waits for when running every cell of every lesson
  at real speed, one lesson after another. Budget: at most 12 minutes in total. (This includes
  the CPU a cell spends, kernel start-ups and the check() runs, so it over-counts "waiting".)

Prints, as its last line, one JSON object: ``scale``, ``workers``, ``wall_s`` (the pytest run),
``lessons_s`` (sum over lessons), ``budget_s``, ``within_budget``, ``per_lesson_s``, ``passed``
and the load average before the run (wall seconds are only comparable at a similar load).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUDGETS = {"test": 120.0, "learner": 12 * 60.0}
DURATION = re.compile(r"^([0-9.]+)s (?:setup|call|teardown)\s+(notebooks/[^:]+)::")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=0.05, help="COURSE_TIME_SCALE (default 0.05)")
    parser.add_argument("--workers", type=int, default=2, help="pytest-xdist workers; 0 runs serially")
    parser.add_argument("notebooks", nargs="*", default=["notebooks"])
    args = parser.parse_args(argv)
    env = dict(os.environ, COURSE_TIME_SCALE=str(args.scale), MPLBACKEND="Agg")
    cmd = [sys.executable, "-m", "pytest", *args.notebooks, "--nbval-lax", "--nbval-current-env",
           "--nbval-cell-timeout=600", "-p", "no:cacheprovider", "-q", "--durations=0", "--durations-min=0",
           "-n", str(args.workers), *(["--dist", "loadfile"] if args.workers else [])]
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    started = time.perf_counter()
    run = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - started
    per: dict[str, float] = defaultdict(float)
    for line in run.stdout.splitlines():
        match = DURATION.match(line.strip())
        if match:
            per[Path(match.group(2)).stem] += float(match.group(1))
    summary = [line for line in run.stdout.splitlines() if " passed" in line or " failed" in line]
    budget = BUDGETS["test"] if args.scale < 1 else BUDGETS["learner"]
    measured = wall if args.scale < 1 else sum(per.values())
    for name, seconds in sorted(per.items(), key=lambda kv: -kv[1]):
        print(f"{seconds:7.1f} s  {name}")
    print(summary[-1] if summary else run.stdout[-2000:])
    print(json.dumps({"scale": args.scale, "workers": args.workers, "wall_s": round(wall, 1),
                      "lessons_s": round(sum(per.values()), 1), "budget_s": budget,
                      "within_budget": run.returncode == 0 and measured <= budget,
                      "passed": run.returncode == 0, "load_before": load,
                      "per_lesson_s": {k: round(v, 1) for k, v in sorted(per.items())}}))
    return run.returncode


if __name__ == "__main__":
    sys.exit(main())
