#!/usr/bin/env python3
"""Build notebooks/*.ipynb from the lesson sources in lessons/*.py (jupytext py:percent).

Lessons are written and reviewed as plain Python files; the notebooks learners open are
generated, without outputs or execution counts. ``--check`` exits 1 if any notebook is stale.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import jupytext
import nbformat

ROOT = Path(__file__).resolve().parent.parent
LESSONS = ROOT / "lessons"
NOTEBOOKS = ROOT / "notebooks"


def render(source: Path) -> str:
    notebook = jupytext.read(source, fmt="py:percent")
    notebook.metadata = {
        "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    }
    for i, cell in enumerate(notebook.cells):
        cell.id = f"{source.stem[:2]}-{i:03d}"  # stable ids: rebuilding changes nothing
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
        cell.metadata.pop("lines_to_next_cell", None)
    return nbformat.writes(notebook) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail if a notebook is out of date")
    args = parser.parse_args(argv)
    NOTEBOOKS.mkdir(exist_ok=True)
    stale = []
    sources = sorted(LESSONS.glob("[0-9][0-9]_*.py"))
    for source in sources:
        target = NOTEBOOKS / f"{source.stem}.ipynb"
        text = render(source)
        if not target.exists() or target.read_text() != text:
            stale.append(target.name)
            if not args.check:
                target.write_text(text)
    orphans = sorted({p.stem for p in NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")} - {s.stem for s in sources})
    if args.check:
        if stale or orphans:
            print("out of date: " + ", ".join(stale + [f"{o}.ipynb (no source)" for o in orphans]))
            print("run: python scripts/build_notebooks.py")
            return 1
        print(f"{len(sources)} notebooks up to date")
        return 0
    print(f"built {len(stale)} of {len(sources)} notebooks" + (f"; orphans: {orphans}" if orphans else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
