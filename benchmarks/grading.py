#!/usr/bin/env python3
"""How long does grading a class take? ``python benchmarks/grading.py``

Generates 30 submissions -- correct, partial, wrong-but-running, broken at import, missing
files, zipped, and one with an infinite loop -- grades them with
``python -m course_utils.grade --jobs 2`` (the strong sandbox where the machine has it) and
then measures what the isolation costs per submission: one correct submission of every exercise
run ``REPS`` times in the strong sandbox and in the light one (``check()``'s), alternately.
Prints, as its last line, one JSON object with ``grade_30_s`` (wall seconds for the whole class;
target <= 90) and ``isolation_overhead_s`` / ``isolation_overhead_ratio`` per submission, with the
load average: wall seconds on a shared machine are only comparable at a similar load. (CPU time
is not reported: a sandbox's processes are reaped inside its own PID namespace, so the grader's
rusage never sees them.)
"""

from __future__ import annotations

import csv
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from course_utils import isolation, sandbox  # noqa: E402
from course_utils.exercises import exercise_names, fresh_stub, test_files_for  # noqa: E402

N = 30
REPS = 3
JOBS = 2
TARGET = 90.0


def _solution(name: str) -> str:
    return (ROOT / "solutions" / f"{name}.py").read_text(encoding="utf-8")


def _hang(name: str) -> str:
    """The stub with every unwritten body replaced by an endless loop."""
    return re.sub(r"raise NotImplementedError\(.*\)", "while True:\n        pass", fresh_stub(name), count=1)


def _broken(name: str) -> str:
    return _solution(name) + "\n\ndef oops(:\n    pass\n"


def make_class(root: Path, rng: random.Random) -> dict[str, int]:
    names = [n for n in exercise_names() if test_files_for(n)]
    kinds = (["correct"] * 10 + ["partial"] * 8 + ["stubs"] * 3 + ["import_error"] * 3
             + ["missing"] * 2 + ["zip_correct"] + ["zip_partial"] + ["empty"] + ["hang"])
    assert len(kinds) == N
    mix: dict[str, int] = {}
    for i, kind in enumerate(kinds):
        mix[kind] = mix.get(kind, 0) + 1
        files: dict[str, str] = {}
        for name in names:
            if kind in ("correct", "zip_correct"):
                files[name] = _solution(name)
            elif kind in ("partial", "zip_partial"):
                files[name] = _solution(name) if rng.random() < 0.5 else fresh_stub(name)
            elif kind == "stubs":
                files[name] = fresh_stub(name)
            elif kind == "import_error":
                files[name] = _broken(name) if rng.random() < 0.4 else _solution(name)
            elif kind == "missing":
                if rng.random() < 0.5:
                    files[name] = _solution(name)
            elif kind == "hang":
                files[name] = _solution(name)
        if kind == "hang":
            victim = rng.choice(names)
            files[victim] = _hang(victim)
        learner = f"learner{i:02d}_{kind}"
        if kind.startswith("zip"):
            with zipfile.ZipFile(root / f"{learner}.zip", "w", zipfile.ZIP_DEFLATED) as zf:
                for name, text in files.items():
                    zf.writestr(f"exercises/{name}.py", text)
        else:
            folder = root / learner
            folder.mkdir()
            for name, text in files.items():
                (folder / f"{name}.py").write_text(text, encoding="utf-8")
    return mix


def measure_overhead(caps: isolation.Capabilities) -> dict[str, object]:
    """Seconds per correct submission (all exercises, 2 shards) in each sandbox, alternating."""
    if not caps.bwrap:
        return {"isolation_overhead_s": None, "isolation_overhead_note": caps.summary()}
    names = [n for n in exercise_names() if test_files_for(n)]
    sources = {n: _solution(n).encode() for n in names}
    expected = sandbox.collect(names)
    times: dict[str, list[float]] = {"strong": [], "light": []}
    for _ in range(REPS):
        for mode in ("light", "strong"):
            t0 = time.perf_counter()
            run = sandbox.run_tests(sources, names, timeout=300, shards=2, isolation=mode,
                                    expected=expected if mode == "strong" else None,
                                    canaries=1 if mode == "strong" else 0)
            times[mode].append(time.perf_counter() - t0)
            assert run.status == "ok" and all(t.passed for t in run.tests) and not run.review, run.notes
    strong = sorted(times["strong"])[len(times["strong"]) // 2]
    light = sorted(times["light"])[len(times["light"]) // 2]
    return {"strong_s_per_submission": round(strong, 2), "light_s_per_submission": round(light, 2),
            "isolation_overhead_s": round(strong - light, 2),
            "isolation_overhead_ratio": round(strong / light, 2), "overhead_reps": REPS,
            "load_average_after": round(os.getloadavg()[0], 1)}


def main() -> int:
    rng = random.Random(2024)
    with tempfile.TemporaryDirectory(prefix="grading-bench-") as tmp:
        tmp_path = Path(tmp)
        subs = tmp_path / "submissions"
        subs.mkdir()
        mix = make_class(subs, rng)
        out, report = tmp_path / "gradebook.csv", tmp_path / "report.json"
        caps = isolation.detect()
        weak = [] if caps.level == isolation.STRONG else ["--allow-weak-isolation"]
        load = os.getloadavg()[0]
        t0 = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "course_utils.grade", str(subs), "--out", str(out),
                               "--json", str(report), "--jobs", str(JOBS), "--quiet", *weak],
                              cwd=ROOT, capture_output=True, text=True)
        elapsed = time.perf_counter() - t0
        print(proc.stdout)
        if proc.returncode != 0:
            print(proc.stderr, file=sys.stderr)
        rows = list(csv.DictReader(out.open())) if out.exists() else []
        by_kind: dict[str, list[float]] = {}
        for row in rows:
            kind = row["learner"].split("_", 1)[1]
            by_kind.setdefault(kind, []).append(float(row["percent"] or "nan"))
        sane = (len(rows) == N and min(by_kind.get("correct", [0])) == 100.0
                and max(by_kind.get("stubs", [100])) == 0.0 and max(by_kind.get("empty", [100])) == 0.0)
        flagged = [r["learner"] for r in rows if r["status"].startswith("review")]
    overhead = measure_overhead(caps)
    result = {
        "grade_30_s": round(elapsed, 2),
        "load_average_at_start": round(load, 1),
        "cpus": os.cpu_count(),
        "submissions": N,
        "jobs": JOBS,
        "target_s": TARGET,
        "within_target": elapsed <= TARGET,
        "rows": len(rows),
        "results_as_expected": sane and not flagged,
        "flagged_for_review": flagged,
        "isolation": caps.summary(),
        **overhead,
        "mean_percent_by_kind": {k: round(sum(v) / len(v), 1) for k, v in sorted(by_kind.items())},
        "mix": mix,
    }
    print(json.dumps(result))
    return 0 if proc.returncode == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
