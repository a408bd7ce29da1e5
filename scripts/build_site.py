#!/usr/bin/env python3
"""Build the course's static website: every lesson executed, offline, solutions never published.

    python scripts/build_site.py [--out build/site] [--jobs N]     (or: python3 run.py site)

Steps, each a function below:

1. *Discover* ``notebooks/*.ipynb`` and ``exercises/ex*.py`` (never a hard-coded list).
2. *Execute* each lesson in a fresh kernel at ``COURSE_TIME_SCALE=0.05`` (the lesson loop runs on
   course time, so outputs still read in course seconds) with ``COURSE_SITE_BUILD=1``, so widgets
   show a static picture (:mod:`course_utils.sitebuild`). An error output in a cell not tagged
   ``raises-exception`` stops the build: a page must never show a crash.
3. *Stage* a Sphinx source tree in ``build/site-src``: the executed notebooks with widget views
   replaced by a note, the home page generated from README.md's "## The lessons" section (so the
   two never drift), and one page per exercise made of its instructions only (the docstring of
   ``exercises/exNN_*.py``; the stubs carry no solution, and solutions/ is never read).
4. *Render* with Sphinx + myst-nb (no execution there) and the Furo theme: navigation, prev/next
   links and the built-in, offline search.

The output is plain HTML under ``--out``; open ``index.html`` in any browser, no server needed.
Build dates, random ids and timings of the build are kept out of the pages, so rendering the
same executed lessons twice gives byte-identical files. Executed lessons are kept in
``build/site-executed`` with a key of what they depend on (the notebook, ``course_utils``, the
pins, the time scale): a lesson is executed again only when its key changes, so two builds of
the same course give the same pages, byte for byte. ``--fresh`` executes every lesson again;
then a lesson page differs only where the lesson's run prints or draws something measured
(course seconds, figures drawn from them, a temporary directory's name, a free port number).
"""

from __future__ import annotations

import argparse
import ast
import functools
import hashlib
import json
import os
import re
import shutil
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
EXERCISES = ROOT / "exercises"
README = ROOT / "README.md"
DEFAULT_OUT = ROOT / "build" / "site"
#: Executed lessons, each kept with the key of what produced it (see execution_key).
DEFAULT_CACHE = ROOT / "build" / "site-executed"
#: The lessons run fast, as under the tests; the printed figures are course seconds regardless.
SITE_TIME_SCALE = "0.05"
CELL_TIMEOUT = 300  # seconds per cell, as nbval's --nbval-cell-timeout in run.py
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
TITLE = "Async Python for AI Agents"
#: What a widget view with no static form of its own becomes on the page. (Quizzes and the
#: playground draw their own static form on the site; a progress bar shows its last state.)
WIDGET_WHAT = "An interactive widget is here in JupyterLab"

if str(ROOT) not in sys.path:  # run as a script: make course_utils importable from the checkout
    sys.path.insert(0, str(ROOT))

from course_utils.sitebuild import PLAY_NOTE, SITE_BUILD_ENV, snapshot_note  # noqa: E402


@dataclass(frozen=True)
class Exercise:
    stem: str          # ex06_rate_limit
    lesson: str        # 06
    instructions: str  # the module docstring of exercises/ex06_rate_limit.py


def lessons() -> list[Path]:
    """Every lesson notebook, in course order."""
    return sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))


def exercises() -> list[Exercise]:
    """Every exercise stub with its instructions (only the docstring is ever read out of it)."""
    found = []
    for path in sorted(EXERCISES.glob("ex[0-9][0-9]_*.py")):
        doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
        found.append(Exercise(path.stem, path.stem[2:4], doc))
    return found


# -- 2. execute --------------------------------------------------------------------------------

def kernel_environment() -> None:
    """The environment every lesson kernel inherits (set in this process before kernels start)."""
    os.environ["COURSE_TIME_SCALE"] = SITE_TIME_SCALE
    os.environ[SITE_BUILD_ENV] = "1"
    os.environ.pop("COURSE_SEED", None)            # the default seed, as the tests use
    os.environ.pop("COURSE_LLM_BASE_URL", None)    # the simulated LLM, never a real provider
    os.environ.pop("COURSE_LLM_API_KEY", None)
    os.environ.pop("MPLBACKEND", None)             # Agg would hide the inline figures
    os.environ["PYTHONHASHSEED"] = "0"


def execute(path: Path) -> tuple[str, str, float]:
    """Run one lesson in a fresh kernel; return (name, executed notebook JSON, seconds)."""
    import nbformat
    from nbclient import NotebookClient

    started = time.perf_counter()
    nb = nbformat.read(path, as_version=4)
    # allow_errors: a broken cell must not hide the rest of the lesson; unexpected_errors()
    # reports it and the build then fails.
    NotebookClient(nb, timeout=CELL_TIMEOUT, kernel_name="python3", allow_errors=True,
                   record_timing=False, resources={"metadata": {"path": str(NOTEBOOKS)}}).execute()
    return path.name, nbformat.writes(nb), time.perf_counter() - started


@functools.lru_cache(maxsize=1)
def _shared_inputs_digest() -> str:
    """What every lesson's outputs depend on: the course package (course_utils, its quizzes and
    data), the pinned requirements and the time scale. Read once per build, not per lesson."""
    digest = hashlib.sha256(f"{SITE_TIME_SCALE}\n".encode())
    for dep in sorted((ROOT / "course_utils").rglob("*")) + [ROOT / "constraints.txt"]:
        if dep.is_file() and "__pycache__" not in dep.parts:
            digest.update(str(dep.relative_to(ROOT)).encode() + b"\0" + dep.read_bytes())
    return digest.hexdigest()


def execution_key(path: Path) -> str:
    """What a lesson's outputs depend on: the notebook and the shared inputs above. Same key,
    same lesson run."""
    digest = hashlib.sha256(f"{_shared_inputs_digest()}\n{path.name}\n".encode())
    digest.update(path.read_bytes())
    return digest.hexdigest()


def execute_cached(paths: list[Path], jobs: int, cache: Path | None) -> tuple[dict[str, tuple[str, float]], int]:
    """Every lesson executed, reusing ``cache/NAME.ipynb`` where its key still matches (so a
    second build of an unchanged course executes nothing and gives the same pages); returns the
    executed notebooks and how many were executed now."""
    executed: dict[str, tuple[str, float]] = {}
    keys = {path.name: execution_key(path) for path in paths}  # before running: an edit made
    stale = []                                                  # meanwhile must not be cached
    for path in paths:
        cached, key = (cache / path.name, cache / (path.name + ".key")) if cache else (None, None)
        if cached and cached.exists() and key.exists() and key.read_text() == keys[path.name]:
            executed[path.name] = (cached.read_text(encoding="utf-8"), 0.0)
        else:
            stale.append(path)
    if stale:
        fresh = execute_all(stale, jobs)
        executed.update(fresh)
        if cache is not None:
            cache.mkdir(parents=True, exist_ok=True)
            for path in stale:
                (cache / path.name).write_text(fresh[path.name][0], encoding="utf-8")
                (cache / (path.name + ".key")).write_text(keys[path.name])
    return executed, len(stale)


def execute_all(paths: list[Path], jobs: int) -> dict[str, tuple[str, float]]:
    """Execute the lessons, ``jobs`` kernels at a time (they mostly wait on course time)."""
    kernel_environment()
    results: dict[str, tuple[str, float]] = {}
    with ProcessPoolExecutor(max_workers=max(1, jobs)) as pool:
        for name, text, seconds in pool.map(execute, paths):
            print(f"[site] executed {name} in {seconds:.1f} s", flush=True)
            results[name] = (text, seconds)
    return results


def unexpected_errors(name: str, nb) -> list[str]:
    """Error outputs of cells not tagged ``raises-exception``, as 'lesson cell N: Error: msg'."""
    found = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code" or "raises-exception" in cell.metadata.get("tags", []):
            continue
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                found.append(f"{name} cell {i} ({cell.get('id', '?')}): "
                             f"{out.get('ename')}: {out.get('evalue', '')[:200]}")
    return found


# -- 3. stage ----------------------------------------------------------------------------------

def progress_bar(model_id: str, state: dict) -> str | None:
    """A progress bar's last state (tqdm's HBox of label, bar and counts) as static HTML, or None
    if the view is something else. It is not interactive, so it needs no note."""
    def model(ref: str) -> dict:
        return state.get(ref.removeprefix("IPY_MODEL_"), {})

    box = model(model_id)
    children = [model(c) for c in box.get("state", {}).get("children", [])]
    if box.get("model_name") != "HBoxModel" or len(children) != 3:
        return None
    label, bar, counts = children
    if bar.get("model_name") not in ("FloatProgressModel", "IntProgressModel") or any(
            c.get("model_name") != "HTMLModel" for c in (label, counts)):
        return None
    value, top = bar["state"].get("value", 0), bar["state"].get("max", 100)
    # tqdm writes its label and counts as HTML already (escaped); they are kept as written.
    return (f'<div class="course-progress">{label["state"].get("value", "")} '
            f'<progress value="{value}" max="{top}"></progress> {counts["state"].get("value", "")}</div>')


def static_widgets(nb) -> int:
    """Replace every widget view by a static stand-in (a progress bar's last state, else the note);
    return how many. Widget state is dropped too."""
    import nbformat

    replaced = 0
    widgets = nb.metadata.pop("widgets", None) or {}
    state = widgets.get("application/vnd.jupyter.widget-state+json", {}).get("state", {})
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        outputs = []
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if WIDGET_MIME in data:
                replaced += 1
                bar = progress_bar(data[WIDGET_MIME].get("model_id", ""), state)
                stand_in = ({"text/html": bar, "text/plain": re.sub(r"<[^>]+>", "", bar)} if bar else
                            {"text/html": snapshot_note(WIDGET_WHAT),
                             "text/plain": f"({WIDGET_WHAT}: {PLAY_NOTE})"})
                out = nbformat.from_dict({"output_type": "display_data", "metadata": {},
                                          "data": stand_in})
            outputs.append(out)
        cell.outputs = outputs
    return replaced


#: A lesson's link to an exercise file, as JupyterLab opens it: ``](../exercises/exNN_x.py)``.
EXERCISE_LINK = re.compile(r"\]\(\.\./exercises/(ex\d\d_\w+)\.py\)")


def link_exercise_pages(nb, exs: list[Exercise]) -> None:
    """Point each lesson link to an exercise *file* at that exercise's page on the site (a link
    to a ``.py`` file Sphinx does not render would be a dead anchor)."""
    known = {e.stem for e in exs}

    def page(match: re.Match) -> str:
        stem = match.group(1)
        return f"](../exercises/{stem}.rst)" if stem in known else match.group(0)

    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source = EXERCISE_LINK.sub(page, cell.source)


def lesson_exercises_cell(nb, number: str, exs: list[Exercise]):
    import nbformat

    mine = [e for e in exs if e.lesson == number]
    if not mine:
        return None
    lines = ["## Exercises of this lesson (on the site)", "",
             "Their instructions are on these pages; solve them in JupyterLab:"]
    lines += [f"- [{e.stem}](../exercises/{e.stem}.rst)" for e in mine]
    return nbformat.v4.new_markdown_cell("\n".join(lines), id=f"{number}-site-exercises")


def readme_section(text: str, heading: str) -> str:
    """The body of ``## heading`` in README.md, up to the next ``## ``."""
    match = re.search(rf"^## {re.escape(heading)}\n(.*?)(?=^## |\Z)", text, re.S | re.M)
    if not match:
        raise SystemExit(f"README.md has no '## {heading}' section: the home page is built from it")
    return match.group(1).strip()


def home_page(readme: str, lesson_names: list[str]) -> str:
    """index.md: README's title, intro and lesson table, each lesson number linked to its page."""
    by_number = {name[:2]: name for name in lesson_names}
    intro = readme.split("\n## ", 1)[0].strip()
    table = readme_section(readme, "The lessons")

    def link(match: re.Match) -> str:
        number, title = match.group(1), match.group(2)
        if number not in by_number:
            return match.group(0)
        return f"| {number} | [{title}](lessons/{by_number[number]}) |"

    table = re.sub(r"^\|\s*(\d{2})\s*\|\s*([^|]*?)\s*\|", link, table, flags=re.M)
    toc = "\n".join(f"lessons/{Path(n).stem}" for n in lesson_names)
    return (f"{intro}\n\n## The lessons\n\n{table}\n\n"
            "This site shows every lesson executed, with its outputs. To run the lessons and "
            "solve the exercises yourself, clone the course and run `python3 run.py lab`.\n\n"
            f"```{{toctree}}\n:hidden:\n:caption: Lessons\n\n{toc}\n```\n\n"
            "```{toctree}\n:hidden:\n:caption: Exercises\n\nexercises/index\n```\n")


def _rst_title(text: str, char: str = "=") -> str:
    return f"{text}\n{char * len(text)}\n"


def exercise_page(ex: Exercise, lesson_name: str | None) -> str:
    """One exercise as its instructions, where its file is, and the two cells that run it."""
    lesson = (f":doc:`lesson {ex.lesson} <../lessons/{Path(lesson_name).stem}>`"
              if lesson_name else f"lesson {ex.lesson}")
    return (f"{_rst_title(ex.stem)}\n{ex.instructions}\n\n{_rst_title('Run it', '-')}\n"
            f"Open ``exercises/{ex.stem}.py`` in your clone of the course (``python3 run.py "
            f"lab``), write your code where it raises ``NotImplementedError``, then run these "
            f"cells in {lesson}:\n\n.. code-block:: python\n\n"
            f"    check(\"{ex.stem}\")   # instant feedback on your answer\n"
            f"    hint(\"{ex.stem}\")    # a nudge when you are stuck\n")


def exercises_index(exs: list[Exercise]) -> str:
    toc = "\n".join(f"   {e.stem}" for e in exs)
    return (f"{_rst_title('Exercises')}\nEach exercise is a file in ``exercises/`` of the "
            "course; these pages show its instructions (the solutions are not published).\n\n"
            f".. toctree::\n   :maxdepth: 1\n\n{toc}\n")


CONF = '''\
# Generated by scripts/build_site.py: edit it there.
project = {title!r}
author = "the course authors"
copyright = "the course authors"  # no year: a build date would make two builds differ
extensions = ["myst_nb"]
html_theme = "furo"
html_title = project
html_last_updated_fmt = None
html_copy_source = False       # the pages are the publication; no _sources/ copies
html_show_sourcelink = False
html_static_path = []
nb_execution_mode = "off"      # scripts/build_site.py has executed every lesson already
nb_ipywidgets_js = {{}}         # widget views are replaced by a picture: no CDN widget manager
nb_merge_streams = True
myst_heading_anchors = 3
smartquotes = False            # code-like text stays as written: 'x' must not become a curly quote
# mathjax_path: see render()
suppress_warnings = ["myst.header", "mystnb.unknown_mime_type"]
exclude_patterns = []
'''


def stage(src: Path, executed: dict[str, tuple[str, float]], exs: list[Exercise]) -> int:
    """Write the Sphinx source tree; return how many widget views became static notes."""
    import nbformat

    if src.exists():
        shutil.rmtree(src)
    (src / "lessons").mkdir(parents=True)
    (src / "exercises").mkdir()
    widgets = 0
    names = sorted(executed)
    for name in names:
        nb = nbformat.reads(executed[name][0], as_version=4)
        widgets += static_widgets(nb)
        link_exercise_pages(nb, exs)
        extra = lesson_exercises_cell(nb, name[:2], exs)
        if extra is not None:
            nb.cells.append(extra)
        nbformat.write(nb, src / "lessons" / name)
    (src / "index.md").write_text(home_page(README.read_text(encoding="utf-8"), names),
                                  encoding="utf-8")
    by_number = {name[:2]: name for name in names}
    for ex in exs:
        (src / "exercises" / f"{ex.stem}.rst").write_text(
            exercise_page(ex, by_number.get(ex.lesson)), encoding="utf-8")
    (src / "exercises" / "index.rst").write_text(exercises_index(exs), encoding="utf-8")
    (src / "conf.py").write_text(CONF.format(title=TITLE), encoding="utf-8")
    return widgets


# -- 4. render ---------------------------------------------------------------------------------

def render(src: Path, out: Path) -> None:
    from sphinx.cmd.build import build_main

    if out.exists():
        shutil.rmtree(out)
    doctrees = src.parent / (src.name + "-doctrees")
    shutil.rmtree(doctrees, ignore_errors=True)
    os.environ["SOURCE_DATE_EPOCH"] = "0"  # Sphinx reads it for any date it would print
    code = build_main(["-b", "html", "-q", "-E", "-d", str(doctrees), str(src), str(out)])
    if code:
        raise SystemExit(f"sphinx-build failed (exit {code})")
    shutil.rmtree(out / "_sources", ignore_errors=True)  # empty: html_copy_source is off
    # Sphinx's incremental-build record: its hash of the config is not needed by readers.
    (out / ".buildinfo").unlink(missing_ok=True)
    (out / ".buildinfo.bak").unlink(missing_ok=True)


def size_of(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def build(out: Path = DEFAULT_OUT, jobs: int = 1, cache: Path | None = DEFAULT_CACHE) -> dict:
    """Build the site into ``out``; return figures of the build (also written as build.json).
    ``cache``: where executed lessons are kept and reused while their key matches (None: execute
    every lesson, keep nothing)."""
    started = time.perf_counter()
    paths = lessons()
    if not paths:
        raise SystemExit(f"no lessons found in {NOTEBOOKS}")
    exs = exercises()
    executed, ran = execute_cached(paths, jobs, cache)
    executed_s = time.perf_counter() - started
    import nbformat

    errors = [e for name, (text, _) in sorted(executed.items())
              for e in unexpected_errors(name, nbformat.reads(text, as_version=4))]
    src = out.parent / (out.name + "-src")
    widgets = stage(src, executed, exs)
    render(src, out)
    figures = {"errors": errors, "lessons": len(paths), "exercises": len(exs), "static_widgets": widgets,
               "executed_now": ran, "execute_seconds": round(executed_s, 1),
               "build_seconds": round(time.perf_counter() - started, 1),
               "size_bytes": size_of(out)}
    # Beside the site, not in it: the figures differ from build to build.
    (out.parent / (out.name + "-build.json")).write_text(json.dumps(figures, indent=1) + "\n")
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where the site goes")
    # One at a time by default, as the nbval suite runs them: lessons assert on measured timing
    # ratios, and two kernels at once on a 2-core machine once broke a margin in lesson 06.
    parser.add_argument("--jobs", type=int, default=1,
                        help="lessons executed at once (default 1; 2 is faster, less steady)")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, metavar="DIR",
                        help="keep executed lessons in DIR and reuse each while the lesson, "
                             "course_utils and the pins are unchanged (default build/site-executed)")
    parser.add_argument("--fresh", action="store_true",
                        help="execute every lesson again (the cache is refreshed)")
    args = parser.parse_args(argv)
    cache = args.cache.resolve()
    if args.fresh:
        shutil.rmtree(cache, ignore_errors=True)
    figures = build(args.out.resolve(), args.jobs, cache)
    reused = figures["lessons"] - figures["executed_now"]
    print(f"[site] executed {figures['executed_now']} of {figures['lessons']} lessons now"
          + (f"; {reused} unchanged, reused from {cache}" if reused else ""))
    print(f"[site] {figures['lessons']} lessons, {figures['exercises']} exercises, "
          f"{figures['size_bytes'] / 1e6:.1f} MB in {figures['build_seconds']:.0f} s")
    print(f"[site] open {args.out / 'index.html'} in a browser (works offline, no server)")
    print(json.dumps(figures))
    for error in figures["errors"]:
        print(f"[site] ERROR, shown on its page: {error}", file=sys.stderr)
    return 1 if figures["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
