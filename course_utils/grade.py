"""Grade a class: ``python -m course_utils.grade SUBMISSIONS_DIR --out gradebook.csv``.

Each entry of SUBMISSIONS_DIR is one learner's copy of ``exercises/``: a folder or a ``.zip``
(named after the learner). Only the expected ``exNN_slug.py`` files are taken from it -- never a
learner's conftest, tests or other files -- and they run in :mod:`course_utils.sandbox`, one
isolated, time-limited process per learner. A submission that hangs, exits, crashes at import,
floods output or eats memory scores zero for what it broke, with the reason; the rest of the
class is graded anyway. The submissions themselves are only read.

Outputs: a CSV gradebook (one row per learner, one column per exercise scored 0-1 as the
fraction of its tests passed, a total), an optional JSON report with every test's outcome and
reason, and a summary table on stdout.

    python -m course_utils.grade submissions/ --out gradebook.csv --json report.json \\
        --jobs 4 --timeout 300 --tests ~/hidden_tests
"""

from __future__ import annotations

import argparse
import concurrent.futures
import csv
import json
import os
import re
import stat
import sys
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import sandbox
from .exercises import exercise_names, test_files_for

MAX_FILE_BYTES = sandbox.MAX_SOURCE_BYTES
MAX_ZIP_BYTES = 50 * 1024 * 1024
MAX_ZIP_ENTRIES = 5000
MAX_DEPTH = 4
_SKIP_DIRS = {"__pycache__", "__MACOSX", ".backup", ".ipynb_checkpoints", ".git", "node_modules"}


@dataclass
class Submission:
    learner: str
    source: str                      # "folder", "zip" or "other"
    files: dict[str, bytes] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


@dataclass
class LearnerResult:
    learner: str
    source: str
    scores: dict[str, float]
    passed: dict[str, str]
    total: float
    maximum: int
    status: str
    notes: list[str]
    tests: list[dict[str, Any]]
    elapsed: float

    @property
    def percent(self) -> float:
        return round(100.0 * self.total / self.maximum, 1) if self.maximum else 0.0

    def to_json(self) -> dict[str, Any]:
        return {"learner": self.learner, "source": self.source, "total": self.total, "max": self.maximum,
                "percent": self.percent, "scores": self.scores, "passed": self.passed,
                "status": self.status, "notes": self.notes, "elapsed": self.elapsed, "tests": self.tests}


# ----------------------------------------------------------------------------- reading submissions


def read_folder(path: Path, names: list[str]) -> Submission:
    """Find the expected files (shallowest match, depth <= MAX_DEPTH), never following links."""
    sub = Submission(path.name, "folder")
    wanted = set(names)
    found: dict[str, tuple[int, Path]] = {}
    root_depth = len(path.parts)
    for dirpath, dirnames, filenames in os.walk(path, followlinks=False):
        depth = len(Path(dirpath).parts) - root_depth
        dirnames[:] = sorted(d for d in dirnames if d not in _SKIP_DIRS and not d.startswith(".")
                             and depth + 1 < MAX_DEPTH)
        for filename in sorted(filenames):
            stem = filename[:-3] if filename.endswith(".py") else None
            if stem not in wanted:
                continue
            full = Path(dirpath) / filename
            try:
                info = os.lstat(full)
            except OSError:
                continue
            if not stat.S_ISREG(info.st_mode):
                sub.notes.append(f"ignored {full.relative_to(path)}: not a regular file (a link?)")
                continue
            if info.st_size > MAX_FILE_BYTES:
                sub.notes.append(f"ignored {full.relative_to(path)}: larger than {MAX_FILE_BYTES // 1024} KB")
                continue
            if stem not in found or depth < found[stem][0]:
                found[stem] = (depth, full)
    for stem, (_, full) in sorted(found.items()):
        try:
            with open(full, "rb") as fh:
                data = fh.read(MAX_FILE_BYTES + 1)
        except OSError as error:
            sub.notes.append(f"could not read {full.name}: {error.strerror}")
            continue
        if len(data) <= MAX_FILE_BYTES:
            sub.files[stem] = data
    return sub


def _unsafe(name: str) -> bool:
    norm = name.replace("\\", "/")
    parts = norm.split("/")
    return norm.startswith("/") or bool(re.match(r"^[A-Za-z]:", norm)) or ".." in parts or "\x00" in norm


def read_zip(path: Path, names: list[str]) -> Submission:
    """Read the expected files straight out of the zip: nothing is extracted, nothing written.

    Guards: archive size, entry count, absolute / ``..`` paths and links (ignored and noted),
    per-file size checked both as declared and while decompressing (zip bombs).
    """
    sub = Submission(path.stem, "zip")
    wanted = set(names)
    try:
        if path.stat().st_size > MAX_ZIP_BYTES:
            sub.notes.append(f"the zip is larger than {MAX_ZIP_BYTES // (1024 * 1024)} MB and was not opened")
            return sub
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            if len(infos) > MAX_ZIP_ENTRIES:
                sub.notes.append(f"the zip has {len(infos)} entries; only the first {MAX_ZIP_ENTRIES} were looked at")
                infos = infos[:MAX_ZIP_ENTRIES]
            chosen: dict[str, tuple[int, zipfile.ZipInfo]] = {}
            for info in infos:
                if _unsafe(info.filename):
                    sub.notes.append(f"ignored unsafe path in zip: {info.filename[:100]!r}")
                    continue
                if info.is_dir():
                    continue
                if stat.S_ISLNK(info.external_attr >> 16):
                    sub.notes.append(f"ignored link in zip: {info.filename[:100]!r}")
                    continue
                parts = [p for p in info.filename.replace("\\", "/").split("/") if p not in ("", ".")]
                if not parts:
                    continue
                stem = parts[-1][:-3] if parts[-1].endswith(".py") else None
                if stem not in wanted or len(parts) > MAX_DEPTH:
                    continue
                if any(p in _SKIP_DIRS or p.startswith(".") for p in parts[:-1]):
                    continue
                if info.file_size > MAX_FILE_BYTES:
                    sub.notes.append(f"ignored {info.filename[:100]!r}: larger than {MAX_FILE_BYTES // 1024} KB")
                    continue
                depth = len(parts)
                if stem not in chosen or depth < chosen[stem][0]:
                    chosen[stem] = (depth, info)
            for stem, (_, info) in sorted(chosen.items()):
                try:
                    with zf.open(info) as fh:
                        data = fh.read(MAX_FILE_BYTES + 1)
                except (zipfile.BadZipFile, RuntimeError, OSError, NotImplementedError, EOFError) as error:
                    sub.notes.append(f"could not read {info.filename[:100]!r} from the zip: {error}")
                    continue
                if len(data) > MAX_FILE_BYTES:
                    sub.notes.append(f"ignored {info.filename[:100]!r}: decompresses to more than "
                                     f"{MAX_FILE_BYTES // 1024} KB")
                    continue
                sub.files[stem] = data
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        sub.notes.append(f"not a readable zip file: {error}")
    return sub


def discover(directory: Path, names: list[str]) -> list[Submission]:
    subs: list[Submission] = []
    for entry in sorted(directory.iterdir(), key=lambda p: p.name.lower()):
        if entry.name.startswith(".") or entry.name == "__MACOSX":
            continue
        if entry.is_symlink():
            subs.append(Submission(entry.name, "other", notes=["a link, not a folder or zip: not graded"]))
        elif entry.is_dir():
            subs.append(read_folder(entry, names))
        elif entry.suffix.lower() == ".zip":
            subs.append(read_zip(entry, names))
    return subs


# ----------------------------------------------------------------------------- grading


def grade_one(sub: Submission, names: list[str], *, timeout: float, test_timeout: float,
              extra_tests: Path | None, memory_mb: int, shards: int = 2) -> LearnerResult:
    started = time.monotonic()
    notes = list(sub.notes)
    missing = [n for n in names if n not in sub.files]
    if missing and len(missing) < len(names):
        notes.append("missing: " + ", ".join(missing))
    elif missing:
        notes.append("no exercise files found")
    try:
        run = sandbox.run_tests(sub.files, names, timeout=timeout, test_timeout=test_timeout,
                                extra_tests=extra_tests, memory_mb=memory_mb, shards=shards)
        tests = run.tests
        status = run.status
        notes += [n for n in run.notes if n not in notes]
    except Exception as error:  # a bug in the grader must not stop the class
        tests, status = [], "error"
        notes.append(f"grader error: {type(error).__name__}: {error}")
    for name in names:
        reasons = {t.message.split(" — ")[0].split(":")[0] for t in tests
                   if t.exercise == name and not t.passed and t.message.startswith(("Your code took longer",
                                                                                     "The test process"))}
        for reason in sorted(reasons):
            note = f"{name}: {reason}"
            if not any(n.startswith(note) for n in notes):
                notes.append(note)
    scores: dict[str, float] = {}
    passed: dict[str, str] = {}
    for name in names:
        mine = [t for t in tests if t.exercise == name]
        ok = sum(t.passed for t in mine)
        scores[name] = round(ok / len(mine), 4) if mine else 0.0
        passed[name] = f"{ok}/{len(mine)}"
    return LearnerResult(
        learner=sub.learner, source=sub.source, scores=scores, passed=passed,
        total=round(sum(scores.values()), 4), maximum=len(names), status=status, notes=notes,
        tests=[{"exercise": t.exercise, "test": t.name, "nodeid": t.nodeid, "outcome": t.outcome,
                "message": t.message, "duration": round(t.duration, 4)} for t in tests],
        elapsed=round(time.monotonic() - started, 2))


def _cell(value: str) -> str:
    """Defuse spreadsheet formulas in learner-controlled text."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def write_csv(path: Path, results: list[LearnerResult], names: list[str]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["learner", *names, "total", "max", "percent", "status", "notes"])
        for r in results:
            writer.writerow([_cell(r.learner), *(f"{r.scores[n]:.2f}" for n in names), f"{r.total:.2f}",
                             r.maximum, f"{r.percent:.1f}", r.status, _cell("; ".join(r.notes))[:2000]])


def summary(results: list[LearnerResult], names: list[str]) -> str:
    width = max([len("learner")] + [len(r.learner[:40]) for r in results])
    lines = [f"{'learner':<{width}}  {'total':>11}  {'%':>5}  {'solved':>6}  status / notes",
             "-" * (width + 48)]
    for r in results:
        solved = sum(1 for n in names if r.scores[n] == 1.0)
        note = r.status if r.status != "ok" else ""
        if r.notes:
            note = (note + ": " if note else "") + r.notes[0][:60] + (" ..." if len(r.notes) > 1 else "")
        lines.append(f"{r.learner[:40]:<{width}}  {r.total:>5.2f} / {r.maximum:<3}  {r.percent:>5.1f}  "
                     f"{solved:>6}  {note}")
    lines += ["", f"{'exercise':<26} {'mean':>5}  {'solved by':>9}"]
    for n in names:
        mean = sum(r.scores[n] for r in results) / len(results) if results else 0.0
        solved = sum(1 for r in results if r.scores[n] == 1.0)
        lines.append(f"{n:<26} {mean:>5.2f}  {solved:>4} / {len(results):<3}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m course_utils.grade", description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("submissions", type=Path, help="folder with one folder or .zip per learner")
    parser.add_argument("--out", type=Path, default=Path("gradebook.csv"), help="CSV gradebook to write")
    parser.add_argument("--json", type=Path, default=None, help="also write a JSON report with every test")
    parser.add_argument("--jobs", type=int, default=min(4, os.cpu_count() or 1),
                        help="learners graded in parallel (default: min(4, CPUs))")
    parser.add_argument("--timeout", type=float, default=300.0,
                        help="wall-clock seconds allowed per learner, all exercises (default 300)")
    parser.add_argument("--test-timeout", type=float, default=10.0,
                        help="real seconds allowed per test (default 10)")
    parser.add_argument("--memory-mb", type=int, default=1024, help="address-space limit per test process (MB)")
    parser.add_argument("--shards", type=int, default=2,
                        help="test processes per learner, side by side (default 2)")
    parser.add_argument("--tests", type=Path, default=None,
                        help="folder of extra (hidden) test_exNN_*.py files, kept out of the repo")
    parser.add_argument("--exercises", default=None,
                        help="comma-separated exercise names to grade (default: all)")
    parser.add_argument("--quiet", action="store_true", help="no progress lines")
    args = parser.parse_args(argv)

    if not args.submissions.is_dir():
        print(f"error: {args.submissions} is not a folder", file=sys.stderr)
        return 2
    if args.tests is not None and not args.tests.is_dir():
        print(f"error: --tests {args.tests} is not a folder", file=sys.stderr)
        return 2
    names = [n for n in exercise_names() if test_files_for(n)]
    if args.exercises:
        chosen = [n.strip() for n in args.exercises.split(",") if n.strip()]
        unknown = [n for n in chosen if n not in names]
        if unknown:
            print(f"error: unknown exercise(s): {', '.join(unknown)}", file=sys.stderr)
            return 2
        names = chosen
    subs = discover(args.submissions, names)
    if not subs:
        print(f"error: no folders or .zip files in {args.submissions}", file=sys.stderr)
        return 2
    started = time.monotonic()
    results: dict[str, LearnerResult] = {}
    jobs = max(1, args.jobs)
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = {pool.submit(grade_one, sub, names, timeout=args.timeout, test_timeout=args.test_timeout,
                               extra_tests=args.tests, memory_mb=args.memory_mb, shards=args.shards): sub
                   for sub in subs}
        for i, future in enumerate(concurrent.futures.as_completed(futures), start=1):
            sub = futures[future]
            result = future.result()
            results[sub.learner + "\0" + sub.source] = result
            if not args.quiet:
                print(f"[{i}/{len(subs)}] {result.learner}: {result.total:.2f}/{result.maximum} "
                      f"({result.elapsed:.1f} s){' ' + result.status if result.status != 'ok' else ''}",
                      file=sys.stderr, flush=True)
    ordered = [results[s.learner + "\0" + s.source] for s in subs]
    write_csv(args.out, ordered, names)
    if args.json is not None:
        report = {"exercises": names, "max": len(names), "submissions": str(args.submissions),
                  "extra_tests": str(args.tests) if args.tests else None,
                  "elapsed": round(time.monotonic() - started, 2),
                  "learners": [r.to_json() for r in ordered]}
        args.json.write_text(json.dumps(report, indent=1), encoding="utf-8")
    print(summary(ordered, names))
    print(f"\ngraded {len(ordered)} submission(s) in {time.monotonic() - started:.1f} s -> {args.out}"
          + (f", {args.json}" if args.json else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
