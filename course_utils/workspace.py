"""The learner's own copy of the course: ``my-work/`` (git-ignored), kept in step with the course.

``python3 run.py lab`` serves ``my-work/``, never the tracked ``notebooks/`` and ``exercises/``,
so running and editing lessons leaves the git checkout clean and ``git pull`` never conflicts.
Every start brings ``my-work/`` up to date without losing anything:

* a lesson or exercise you do not have yet is copied in;
* a copy you have not changed (cell outputs do not count as changes) takes the course's new
  version when the course changed it; if it held outputs, the old file is backed up first;
* a copy you changed is kept, and if the course changed it too you are told how to take the
  new version (``python3 run.py reset NAME``, which backs yours up first).

Backups go to ``my-work/.backup/<time>/``. What each copy was copied from is remembered in
``my-work/.course-copies.json``.

    python -m course_utils.workspace prepare          # create or refresh my-work/
    python -m course_utils.workspace reset [NAME ...] # restore copies (all when no NAME)
    python -m course_utils.workspace status           # which copies you changed
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["COURSE_ROOT", "work_dir", "Report", "prepare", "reset", "status", "resolve"]

COURSE_ROOT = Path(__file__).resolve().parent.parent
#: The folders a learner works in, copied from the course (relative to both roots).
FOLDERS = {"notebooks": "*.ipynb", "exercises": "ex[0-9][0-9]_*.py"}
STATE_FILE = ".course-copies.json"
BACKUP_DIR = ".backup"


def work_dir() -> Path:
    """``$COURSE_WORK_DIR`` if set (tests use a temporary one), else ``my-work/`` in the course."""
    return Path(os.environ.get("COURSE_WORK_DIR") or COURSE_ROOT / "my-work").resolve()


def fingerprint(path: Path) -> str:
    """What a learner wrote in a file: for a notebook its cells' types and sources only.

    Running a notebook adds outputs, execution counts and metadata; none of that is the
    learner's work, so it does not count as a change.
    """
    data = path.read_bytes()
    if path.suffix == ".ipynb":
        try:
            cells = json.loads(data)["cells"]
            data = json.dumps([(c["cell_type"], "".join(c["source"]) if isinstance(c["source"], list)
                                else c["source"]) for c in cells]).encode()
        except (ValueError, KeyError, TypeError):
            pass  # not a readable notebook: compare the bytes, so it is never silently replaced
    return hashlib.sha256(data).hexdigest()


def _sources(course: Path) -> dict[str, Path]:
    found: dict[str, Path] = {}
    for folder, pattern in FOLDERS.items():
        for path in sorted((course / folder).glob(pattern)):
            found[f"{folder}/{path.name}"] = path
    return found


@dataclass
class Report:
    """What :func:`prepare` or :func:`reset` did, as paths relative to the work folder."""

    work: Path
    created: bool = False
    copied: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)       # changed by you and by the course
    backups: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = []
        if self.created:
            out.append(f"created {self.work.name}/: your own copy of the lessons and exercises "
                       f"({len(self.copied)} files); the course's originals stay untouched")
        elif self.copied:
            out.append(f"new in the course, copied to {self.work.name}/: " + ", ".join(self.copied))
        if self.updated:
            out.append("updated from the course (you had not changed them): " + ", ".join(self.updated))
        for name in self.kept:
            out.append(f"the course changed {name}, and so did you: yours is kept; "
                       f"`python3 run.py reset {Path(name).stem}` takes the new version "
                       "(yours is backed up first)")
        if self.backups:
            out.append(f"backed up to {self.work.name}/{BACKUP_DIR}/: " + ", ".join(self.backups))
        return out


class _Backup:
    """One timestamped backup folder per run, made only when something is backed up."""

    def __init__(self, work: Path, report: Report) -> None:
        self.folder = work / BACKUP_DIR / time.strftime("%Y%m%d-%H%M%S")
        self.report = report

    def save(self, work: Path, relative: str) -> None:
        target = self.folder / relative
        n = 1
        while target.exists():  # two resets in the same second keep both versions
            n += 1
            target = self.folder.with_name(f"{self.folder.name}-{n}") / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(work / relative, target)
        self.report.backups.append(str(target.relative_to(work / BACKUP_DIR)))


def _load_state(work: Path) -> dict[str, str]:
    try:
        state = json.loads((work / STATE_FILE).read_text())
        return {str(k): str(v) for k, v in state.items()}
    except (OSError, ValueError, AttributeError):
        return {}


def _save_state(work: Path, state: dict[str, str]) -> None:
    tmp = work / (STATE_FILE + ".tmp")
    tmp.write_text(json.dumps(state, indent=1, sort_keys=True) + "\n")
    os.replace(tmp, work / STATE_FILE)  # never a half-written state file


def _copy(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".course-tmp")
    shutil.copyfile(source, tmp)
    os.replace(tmp, target)


def prepare(work: Path | None = None, course: Path = COURSE_ROOT) -> Report:
    """Create ``work`` or bring it up to date with the course; never loses a learner's change."""
    work = Path(work or work_dir())
    report = Report(work, created=not work.exists())
    work.mkdir(parents=True, exist_ok=True)
    state = _load_state(work)
    backup = _Backup(work, report)
    for relative, source in _sources(course).items():
        target = work / relative
        new = fingerprint(source)
        if not target.exists():
            _copy(source, target)
            report.copied.append(relative)
            state[relative] = new
            continue
        old = state.get(relative)
        if old == new:
            continue  # the course did not change it
        mine = fingerprint(target)
        if mine == new:
            state[relative] = new  # already the new content (e.g. copied by hand)
        elif old is not None and mine == old:
            if target.read_bytes() != source.read_bytes():
                backup.save(work, relative)  # only outputs differ, but they may be wanted
            _copy(source, target)
            report.updated.append(relative)
            state[relative] = new
        else:
            report.kept.append(relative)
    _save_state(work, state)
    return report


def resolve(names: list[str], course: Path = COURSE_ROOT) -> list[str]:
    """Turn ``06``, ``07_limiting_concurrency``, ``ex07_rate_limit`` or a path into copies."""
    sources = _sources(course)
    chosen: list[str] = []
    for name in names:
        stem = Path(name).stem
        matches = [rel for rel in sources
                   if Path(rel).stem == stem or (stem.isdigit() and rel.startswith(f"notebooks/{int(stem):02d}_"))]
        if not matches:
            raise ValueError(f"no lesson or exercise called {name!r}; try a lesson number like 06 "
                             "or an exercise name like ex07_rate_limit")
        chosen += [m for m in matches if m not in chosen]
    return chosen


def reset(names: list[str] | None = None, work: Path | None = None,
          course: Path = COURSE_ROOT) -> Report:
    """Restore copies from the course (all of them when ``names`` is empty); back up changed ones."""
    work = Path(work or work_dir())
    report = prepare(work, course)
    sources = _sources(course)
    chosen = resolve(names, course) if names else list(sources)
    state = _load_state(work)
    backup = _Backup(work, report)
    for relative in chosen:
        source, target = sources[relative], work / relative
        if target.exists() and target.read_bytes() == source.read_bytes():
            continue
        if target.exists():
            backup.save(work, relative)
        _copy(source, target)
        state[relative] = fingerprint(source)
        if relative not in report.copied:
            report.updated.append(relative)
        if relative in report.kept:
            report.kept.remove(relative)
    _save_state(work, state)
    return report


def status(work: Path | None = None, course: Path = COURSE_ROOT) -> dict[str, str]:
    """``{copy: "changed by you" | "as in the course" | "missing" | ...}`` for every copy."""
    work = Path(work or work_dir())
    state = _load_state(work)
    result = {}
    for relative, source in _sources(course).items():
        target = work / relative
        if not target.exists():
            result[relative] = "missing (run.py lab copies it)"
            continue
        mine, new = fingerprint(target), fingerprint(source)
        if mine == new:
            result[relative] = "as in the course"
        elif mine == state.get(relative):
            result[relative] = "the course has a newer version (run.py lab takes it)"
        else:
            result[relative] = "changed by you"
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m course_utils.workspace", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["prepare", "reset", "status"])
    parser.add_argument("names", nargs="*", help="lessons (06) or exercises (ex07_rate_limit)")
    args = parser.parse_args(argv)
    try:
        if args.command == "status":
            for relative, state in status().items():
                print(f"{relative}: {state}")
            return 0
        report = prepare() if args.command == "prepare" else reset(args.names)
    except ValueError as error:
        print(error, file=sys.stderr)
        return 2
    for line in report.lines():
        print(f"[course] {line}")
    if args.command == "reset" and not (report.updated or report.copied):
        print("[course] nothing to reset: your copies are as in the course")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
