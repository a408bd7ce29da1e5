"""Grade a class: ``python -m course_utils.grade SUBMISSIONS_DIR --out gradebook.csv``.

Each entry of SUBMISSIONS_DIR is one learner's copy of ``exercises/``: a folder or a ``.zip``
(named after the learner). Every entry gets a row: graded, or "skipped: why" (a ``.tar.gz``, a
bare ``.py``, a dot-folder, a zip with the same name as a folder, ...). Only the expected
``exNN_slug.py`` files are taken from it -- never a learner's conftest, tests or other files, never
a link or a hard link -- and they run in :mod:`course_utils.sandbox` under bubblewrap (see
:mod:`course_utils.isolation`): one isolated, time-limited process tree per learner and shard.
A submission that hangs, exits, crashes at import, floods output or eats memory scores zero for
what it broke, with the reason; the rest of the class is graded anyway. Results the sandbox
reports are checked (the grader's own collection, canary tests); a learner whose results look
forged is marked "review: possible tampering" with the evidence and gets no score in the CSV.
The submissions themselves are only read.

Outputs: a CSV gradebook (one row per entry, one column per exercise scored 0-1 as the fraction
of its tests passed, a total, the isolation it ran under), written row by row as learners finish
(``--resume`` continues a run that stopped), an optional JSON report with every test's outcome
and reason, and a summary table on stdout.

    python -m course_utils.grade submissions/ --out gradebook.csv --json report.json \\
        --jobs 4 --timeout 300 --tests ~/hidden_tests
"""

from __future__ import annotations

import argparse
import concurrent.futures
import csv
import hashlib
import json
import os
import re
import stat
import sys
import threading
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import isolation, sandbox
from .exercises import exercise_names, test_files_for

MAX_FILE_BYTES = sandbox.MAX_SOURCE_BYTES
MAX_ZIP_BYTES = 50 * 1024 * 1024
MAX_ZIP_ENTRIES = 5000
MAX_DEPTH = 4
_SKIP_DIRS = {"__pycache__", "__MACOSX", ".backup", ".ipynb_checkpoints", ".git", "node_modules"}
_ARCHIVES = (".tar.gz", ".tgz", ".tar", ".tar.bz2", ".tbz2", ".tar.xz", ".txz", ".7z", ".rar", ".gz", ".bz2", ".xz")
REVIEW = "review: possible tampering"


@dataclass
class Submission:
    learner: str
    source: str                      # "folder", "zip" or "other"
    files: dict[str, bytes] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    entry: str = ""                  # the entry's name in the submissions folder
    skipped: str = ""                # why this entry is not graded ("" when it is)
    links: list[tuple[int, int, str]] = field(default_factory=list)  # hard-linked files (dev, inode, path)

    def fingerprint(self) -> str:
        digest = hashlib.sha256()
        for name in sorted(self.files):
            digest.update(name.encode() + b"\0" + hashlib.sha256(self.files[name]).digest())
        digest.update("\n".join(self.notes).encode())
        return digest.hexdigest()[:16]


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
    entry: str = ""
    isolation: str = ""              # what the learner's code ran under, in words
    level: str = ""                  # "strong", "partial", "weak"
    review: list[str] = field(default_factory=list)
    fingerprint: str = ""

    @property
    def percent(self) -> float:
        return round(100.0 * self.total / self.maximum, 1) if self.maximum else 0.0

    @property
    def trusted(self) -> bool:
        return not self.review and not self.status.startswith("skipped")

    def to_json(self) -> dict[str, Any]:
        return {"learner": self.learner, "entry": self.entry, "source": self.source, "total": self.total,
                "max": self.maximum, "percent": self.percent, "scores": self.scores, "passed": self.passed,
                "status": self.status, "trusted": self.trusted, "review": self.review,
                "isolation": self.isolation, "level": self.level, "notes": self.notes,
                "elapsed": self.elapsed, "fingerprint": self.fingerprint, "tests": self.tests}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "LearnerResult":
        return cls(learner=data["learner"], source=data["source"], scores=data["scores"], passed=data["passed"],
                   total=data["total"], maximum=data["max"], status=data["status"], notes=data["notes"],
                   tests=data["tests"], elapsed=data["elapsed"], entry=data.get("entry", ""),
                   isolation=data.get("isolation", ""), level=data.get("level", ""),
                   review=data.get("review", []), fingerprint=data.get("fingerprint", ""))


# ----------------------------------------------------------------------------- reading submissions


def _rank(parts: list[str]) -> tuple[int, int, str]:
    """Which of several candidate files to grade: one in an ``exercises/`` folder first, one in a
    ``solutions/`` folder last (a whole copy of the course holds the course's own solutions
    there), then the shallowest, then by path."""
    folders = [p.lower() for p in parts[:-1]]
    kind = 0 if "exercises" in folders else (2 if "solutions" in folders else 1)
    return kind, len(parts), "/".join(parts)


def _choose(sub: Submission, candidates: dict[str, list[tuple[tuple[int, int, str], Any]]]) -> dict[str, Any]:
    """Pick one file per exercise and say so when there was a choice."""
    chosen: dict[str, Any] = {}
    whole_repo = False
    for stem, found in sorted(candidates.items()):
        found.sort(key=lambda c: c[0])
        best_rank, best = found[0]
        chosen[stem] = best
        if len(found) > 1:
            others = ", ".join(c[0][2][:80] for c in found[1:4]) + (" ..." if len(found) > 4 else "")
            sub.notes.append(f"{stem}: several candidate files; graded {best_rank[2][:80]}, ignored {others}")
            whole_repo = whole_repo or (best_rank[0] == 0 and any(c[0][0] == 2 for c in found[1:]))
    if whole_repo:
        sub.notes.insert(0, "this looks like a whole copy of the course: graded its exercises/ folder, "
                            "not solutions/")
    elif any(rank[0] == 2 for rank, _ in (found[0] for found in candidates.values())):
        sub.notes.append("some files were taken from a folder named solutions/ (no exercises/ copy was found)")
    return chosen


def read_folder(path: Path, names: list[str]) -> Submission:
    """Find the expected files (depth <= MAX_DEPTH), never following links, never hard links."""
    sub = Submission(path.name, "folder", entry=path.name + "/")
    wanted = set(names)
    candidates: dict[str, list[tuple[tuple[int, int, str], Path]]] = {}
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
            rel = full.relative_to(path)
            try:
                info = os.lstat(full)
            except OSError:
                continue
            if not stat.S_ISREG(info.st_mode):
                sub.notes.append(f"ignored {rel}: not a regular file (a link?)")
                continue
            if info.st_nlink > 1:  # which copy is the original cannot be told: grade neither
                sub.links.append((info.st_dev, info.st_ino, str(rel)))
                continue
            if info.st_size > MAX_FILE_BYTES:
                sub.notes.append(f"ignored {rel}: larger than {MAX_FILE_BYTES // 1024} KB")
                continue
            candidates.setdefault(stem, []).append((_rank(list(rel.parts)), full))
    for stem, full in _choose(sub, candidates).items():
        try:
            fd = os.open(full, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
            with os.fdopen(fd, "rb") as fh:
                if os.fstat(fh.fileno()).st_nlink > 1:  # linked between the walk and the read
                    sub.notes.append(f"ignored {full.name}: a hard link")
                    continue
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
    sub = Submission(path.stem, "zip", entry=path.name)
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
            candidates: dict[str, list[tuple[tuple[int, int, str], zipfile.ZipInfo]]] = {}
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
                if stem not in wanted or len(parts) > MAX_DEPTH + 1:
                    continue
                if any(p in _SKIP_DIRS or p.startswith(".") for p in parts[:-1]):
                    continue
                if info.file_size > MAX_FILE_BYTES:
                    sub.notes.append(f"ignored {info.filename[:100]!r}: larger than {MAX_FILE_BYTES // 1024} KB")
                    continue
                candidates.setdefault(stem, []).append((_rank(parts), info))
            for stem, info in _choose(sub, candidates).items():
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


def _skip(entry: Path) -> str:
    """Why a top-level entry is not a submission ("" when it is one)."""
    name = entry.name
    lower = name.lower()
    if name.startswith("."):
        return "skipped: a hidden entry (its name starts with a dot)"
    if name == "__MACOSX":
        return "skipped: macOS archive metadata, not a submission"
    if entry.is_symlink():
        return "skipped: a link, not a folder or zip (links are never followed)"
    if entry.is_dir():
        return ""
    if lower.endswith(".zip") and entry.is_file():
        return ""
    if lower.endswith(_ARCHIVES):
        return ("skipped: only folders and .zip files are read; unpack this archive into a folder named "
                "after the learner (or zip it) and grade again")
    if lower.endswith(".py"):
        return ("skipped: a single .py file; put it in a folder named after the learner (the file keeps "
                "its exNN_slug.py name) and grade again")
    if not entry.is_file():
        return "skipped: not a regular file or folder"
    return "skipped: not a folder or .zip file"


def discover(directory: Path, names: list[str]) -> list[Submission]:
    """One :class:`Submission` per entry of ``directory``; entries not graded carry ``skipped``."""
    subs: list[Submission] = []
    for entry in sorted(directory.iterdir(), key=lambda p: p.name.lower()):
        why = _skip(entry)
        if why:  # named by the entry itself: the row says exactly what was left out
            subs.append(Submission(entry.name, "other", entry=entry.name, skipped=why))
        elif entry.is_dir():
            subs.append(read_folder(entry, names))
        else:
            subs.append(read_zip(entry, names))
    # Hard links: name the other learners sharing the file, so the instructor can decide.
    owners: dict[tuple[int, int], list[str]] = {}
    for sub in subs:
        for dev, ino, _ in sub.links:
            owners.setdefault((dev, ino), []).append(sub.entry)
    for sub in subs:
        for dev, ino, rel in sub.links:
            others = [e for e in owners[(dev, ino)] if e != sub.entry]
            where = f"shared with {', '.join(repr(o) for o in others)}" if others else "linked to a file elsewhere on disk"
            sub.notes.append(f"ignored {rel}: a hard link, the same file as one {where}; "
                             f"graded for no one (check who wrote it)")
    # A folder and a zip (or two entries) for the same learner: grade one, say so for both.
    first: dict[str, Submission] = {}
    for sub in sorted((s for s in subs if not s.skipped), key=lambda s: (s.source != "folder", s.entry)):
        key = sub.learner.casefold()
        if key in first:
            kept = first[key]
            sub.skipped = (f"skipped: the same learner as {kept.entry!r}, which is graded; remove one of "
                           f"them (or merge them) and grade again")
            sub.learner = sub.entry
            kept.notes.append(f"{sub.entry!r} has the same name and was not graded")
        else:
            first[key] = sub
    return subs


# ----------------------------------------------------------------------------- grading


def skipped_result(sub: Submission, names: list[str]) -> LearnerResult:
    return LearnerResult(learner=sub.learner, source=sub.source, scores={n: 0.0 for n in names},
                         passed={n: "" for n in names}, total=0.0, maximum=len(names), status=sub.skipped,
                         notes=list(sub.notes), tests=[], elapsed=0.0, entry=sub.entry)


def grade_one(sub: Submission, names: list[str], *, timeout: float, test_timeout: float,
              extra_tests: Path | None, memory_mb: int, shards: int = 2, isolation_mode: str = "strong",
              expected: sandbox.Collection | None = None, canaries: int = 1) -> LearnerResult:
    if sub.skipped:
        return skipped_result(sub, names)
    started = time.monotonic()
    notes = list(sub.notes)
    missing = [n for n in names if n not in sub.files]
    if missing and len(missing) < len(names):
        notes.append("missing: " + ", ".join(missing))
    elif missing:
        notes.append("no exercise files found")
    level, where, review = "", "", []
    for attempt in (1, 2):
        try:
            run = sandbox.run_tests(sub.files, names, timeout=timeout, test_timeout=test_timeout,
                                    extra_tests=extra_tests, memory_mb=memory_mb, shards=shards,
                                    isolation=isolation_mode, expected=expected, canaries=canaries)
        except Exception as error:  # a bug in the grader must not stop the class
            run = sandbox.SandboxResult(status="error", notes=[f"grader error: {type(error).__name__}: {error}"])
        grader_errors = [n for n in run.notes if n.startswith("grader error")]
        if not grader_errors or attempt == 2:
            break
        # The grader's own fault (never the learner's): grade this learner once more, and say so.
        notes.append(f"graded twice: the first attempt hit {grader_errors[0]}")
    tests = run.tests
    status = run.status
    level, where, review = run.level, run.isolation, list(run.review)
    notes += [n for n in run.notes if n not in notes]
    for name in names:
        reasons = {t.message.split(" — ")[0].split(":")[0] for t in tests
                   if t.exercise == name and not t.passed and t.message.startswith(("Your code took longer",
                                                                                     "The test process"))}
        for reason in sorted(reasons):
            note = f"{name}: {reason}"
            if not any(n.startswith(note) for n in notes):
                notes.append(note)
    if level in ("weak", "partial"):
        notes.insert(0, f"WEAK ISOLATION ({level}): this learner's code ran without the full sandbox")
    scores: dict[str, float] = {}
    passed: dict[str, str] = {}
    for name in names:
        mine = [t for t in tests if t.exercise == name]
        ok = sum(t.passed for t in mine)
        scores[name] = round(ok / len(mine), 4) if mine else 0.0
        passed[name] = f"{ok}/{len(mine)}"
    if review:
        status = REVIEW
    return LearnerResult(
        learner=sub.learner, source=sub.source, scores=scores, passed=passed,
        total=round(sum(scores.values()), 4), maximum=len(names), status=status, notes=notes,
        tests=[{"exercise": t.exercise, "test": t.name, "nodeid": t.nodeid, "outcome": t.outcome,
                "message": t.message, "duration": round(t.duration, 4)} for t in tests],
        elapsed=round(time.monotonic() - started, 2), entry=sub.entry, isolation=where or level, level=level,
        review=review, fingerprint=sub.fingerprint())


_FORMULA = ("=", "+", "-", "@", "\t", "\r", "\n", "|", "%")


def _cell(value: str) -> str:
    """Defuse spreadsheet formulas in learner-controlled text (leading whitespace included:
    spreadsheets skip it, so `` =1+1`` is a formula too)."""
    return "'" + value if value[:1] in _FORMULA or value.lstrip()[:1] in _FORMULA else value


HEADER_TAIL = ["total", "max", "percent", "status", "isolation", "notes"]


def csv_row(r: LearnerResult, names: list[str]) -> list[str | int]:
    blank = r.status.startswith("skipped") or not r.trusted
    scores = ["" if blank else f"{r.scores[n]:.2f}" for n in names]
    notes = list(r.notes)
    if r.review:
        notes = ["score not trusted: " + "; ".join(r.review)] + notes
    return [_cell(r.learner), *scores, "" if blank else f"{r.total:.2f}", r.maximum,
            "" if blank else f"{r.percent:.1f}", _cell(r.status), _cell(r.isolation or r.level)[:200],
            _cell("; ".join(notes))[:2000]]


def write_csv(path: Path, results: list[LearnerResult], names: list[str]) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["learner", *names, *HEADER_TAIL])
        for r in results:
            writer.writerow(csv_row(r, names))
    os.replace(tmp, path)


class Journal:
    """The gradebook as it grows: each finished learner is appended to the CSV and to a JSON-lines
    journal beside it at once, so a crash loses nothing; ``--resume`` reads the journal back."""

    def __init__(self, out: Path, names: list[str], resume: bool) -> None:
        self.out = out
        self.names = names
        self.path = out.with_name(out.name + ".progress.jsonl")
        self.lock = threading.Lock()
        self.done: dict[tuple[str, str], LearnerResult] = {}
        if resume and self.path.exists():
            for line in self.path.read_text(encoding="utf-8").splitlines():
                try:
                    data = json.loads(line)
                    if data.get("names") == names:
                        result = LearnerResult.from_json(data["result"])
                        self.done[(result.entry, result.fingerprint)] = result
                except (ValueError, KeyError, TypeError):
                    continue
        mode = "a" if resume and self.path.exists() else "w"
        self.fh = open(self.path, mode, encoding="utf-8")
        self.csv = open(out, "w", newline="", encoding="utf-8")
        self.writer = csv.writer(self.csv)
        self.writer.writerow(["learner", *names, *HEADER_TAIL])
        for result in self.done.values():
            self.writer.writerow(csv_row(result, names))
        self.csv.flush()

    def previous(self, sub: Submission) -> LearnerResult | None:
        return None if sub.skipped else self.done.get((sub.entry, sub.fingerprint()))

    def add(self, result: LearnerResult, fresh: bool) -> None:
        with self.lock:
            if fresh:
                self.fh.write(json.dumps({"names": self.names, "result": result.to_json()}) + "\n")
                self.fh.flush()
                os.fsync(self.fh.fileno())
            if fresh or (result.entry, result.fingerprint) not in self.done:
                self.writer.writerow(csv_row(result, self.names))
                self.csv.flush()

    def close(self, complete: bool) -> None:
        self.fh.close()
        self.csv.close()
        if complete:
            try:
                self.path.unlink()
            except OSError:
                pass


def summary(results: list[LearnerResult], names: list[str]) -> str:
    graded = [r for r in results if not r.status.startswith("skipped")]
    width = max([len("learner")] + [len(r.learner[:40]) for r in results])
    lines = [f"{'learner':<{width}}  {'total':>11}  {'%':>5}  {'solved':>6}  status / notes",
             "-" * (width + 48)]
    for r in results:
        if r.status.startswith("skipped"):
            lines.append(f"{r.learner[:40]:<{width}}  {'-':>11}  {'-':>5}  {'-':>6}  {r.entry}: {r.status[:90]}")
            continue
        solved = sum(1 for n in names if r.scores[n] == 1.0)
        note = r.status if r.status != "ok" else ""
        if r.review:
            note = f"{REVIEW}: {r.review[0][:70]}"
        elif r.notes:
            note = (note + ": " if note else "") + r.notes[0][:60] + (" ..." if len(r.notes) > 1 else "")
        lines.append(f"{r.learner[:40]:<{width}}  {r.total:>5.2f} / {r.maximum:<3}  {r.percent:>5.1f}  "
                     f"{solved:>6}  {note}")
    trusted = [r for r in graded if r.trusted]
    lines += ["", f"{'exercise':<26} {'mean':>5}  {'solved by':>9}   (trusted results only)"]
    for n in names:
        mean = sum(r.scores[n] for r in trusted) / len(trusted) if trusted else 0.0
        solved = sum(1 for r in trusted if r.scores[n] == 1.0)
        lines.append(f"{n:<26} {mean:>5.2f}  {solved:>4} / {len(trusted):<3}")
    skipped = [r for r in results if r.status.startswith("skipped")]
    flagged = [r for r in graded if r.review]
    if skipped:
        lines += ["", f"{len(skipped)} entr{'y' if len(skipped) == 1 else 'ies'} not graded (see the status column)."]
    if flagged:
        lines += [f"{len(flagged)} learner(s) marked '{REVIEW}': " + ", ".join(r.learner for r in flagged)]
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
    parser.add_argument("--memory-mb", type=int, default=1024,
                        help="memory per test process tree: summed over its processes (cgroup) and the "
                             "address-space limit of each (default 1024)")
    parser.add_argument("--shards", type=int, default=None,
                        help="test processes per learner, side by side (default: the CPUs left over "
                             "by --jobs, 1 to 4; on 2 CPUs with 2 jobs that is 1)")
    parser.add_argument("--tests", type=Path, default=None,
                        help="folder of extra (hidden) test_exNN_*.py files, kept out of the repo")
    parser.add_argument("--exercises", default=None,
                        help="comma-separated exercise names to grade (default: all)")
    parser.add_argument("--canaries", type=int, default=1,
                        help="canary tests planted per exercise (default 1; 0 turns them off)")
    strength = parser.add_mutually_exclusive_group()
    strength.add_argument("--require-isolation", dest="require", action="store_true", default=True,
                          help="refuse to grade without the strong sandbox (the default)")
    strength.add_argument("--allow-weak-isolation", dest="require", action="store_false",
                          help="grade even without the strong sandbox; every row says so")
    parser.add_argument("--report", type=Path, default=None,
                        help="the class report to write (default: class-report.html beside --out)")
    parser.add_argument("--no-report", action="store_true", help="do not write the class report")
    parser.add_argument("--resume", action="store_true",
                        help="continue a run that stopped: keep learners already graded (unchanged files)")
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
    caps = isolation.detect()
    if args.require and caps.level != isolation.STRONG:
        print(f"error: this machine does not give the grader its strong sandbox.\n  isolation: {caps.summary()}\n"
              f"  to get it: {isolation.advice(caps)}\n  or pass --allow-weak-isolation to grade anyway "
              f"(every row is then marked WEAK ISOLATION; do not use it for untrusted submissions)",
              file=sys.stderr)
        return 2
    subs = discover(args.submissions, names)
    if not subs:
        print(f"error: the folder {args.submissions} is empty", file=sys.stderr)
        return 2
    started = time.monotonic()
    try:
        expected = sandbox.collect(names, extra_tests=args.tests)
    except RuntimeError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    journal = Journal(args.out, names, args.resume)
    results: dict[int, LearnerResult] = {}
    todo: list[int] = []
    for i, sub in enumerate(subs):
        previous = journal.previous(sub)
        if previous is not None:
            results[i] = previous
        else:
            todo.append(i)
    if args.resume and results and not args.quiet:
        print(f"resuming: {len(results)} learner(s) already graded, {len(todo)} to go", file=sys.stderr)
    jobs = max(1, args.jobs)
    # Shards only shorten one learner's wait; once the jobs fill the CPUs, each extra pytest
    # start-up is pure cost (30 learners on 2 CPUs: 94 s with 2 shards, 82 s with 1).
    shards = args.shards if args.shards is not None else max(1, min(4, (os.cpu_count() or 1) // jobs))
    mode = "strong" if caps.bwrap else "auto"
    complete = False
    try:
        with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
            futures = {pool.submit(grade_one, subs[i], names, timeout=args.timeout, test_timeout=args.test_timeout,
                                   extra_tests=args.tests, memory_mb=args.memory_mb, shards=max(1, shards),
                                   isolation_mode=mode, expected=expected, canaries=max(0, args.canaries)): i
                       for i in todo}
            try:
                for n, future in enumerate(concurrent.futures.as_completed(futures), start=1):
                    i = futures[future]
                    result = future.result()
                    results[i] = result
                    journal.add(result, fresh=True)
                    if not args.quiet:
                        flag = f" {result.status}" if result.status != "ok" else ""
                        print(f"[{n}/{len(todo)}] {result.learner}: {result.total:.2f}/{result.maximum} "
                              f"({result.elapsed:.1f} s){flag}", file=sys.stderr, flush=True)
            except BaseException:
                for future in futures:  # stop at once; --resume picks up from the journal
                    future.cancel()
                raise
        complete = True
    finally:
        journal.close(complete)
    ordered = [results[i] for i in range(len(subs))]
    write_csv(args.out, ordered, names)
    report = {"exercises": names, "max": len(names), "submissions": str(args.submissions),
              "extra_tests": str(args.tests) if args.tests else None,
              "isolation": caps.summary(), "elapsed": round(time.monotonic() - started, 2),
              "skipped": [{"entry": r.entry, "why": r.status} for r in ordered if r.status.startswith("skipped")],
              "learners": [r.to_json() for r in ordered]}
    written = [str(args.out)]
    if args.json is not None:
        args.json.write_text(json.dumps(report, indent=1), encoding="utf-8")
        written.append(str(args.json))
    if not args.no_report:
        target = args.report or args.out.with_name("class-report.html")
        try:
            from . import class_report

            class_report.write(report, target, title=f"Class report: {args.submissions.resolve().name}")
            written.append(str(target))
        except Exception as error:  # the gradebook is written; a report problem must not hide it
            print(f"warning: the class report could not be written: {type(error).__name__}: {error}",
                  file=sys.stderr)
    print(summary(ordered, names))
    print(f"\nisolation: {caps.summary()}")
    print(f"graded {len(ordered)} entr{'y' if len(ordered) == 1 else 'ies'} in {time.monotonic() - started:.1f} s "
          f"-> {', '.join(written)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
