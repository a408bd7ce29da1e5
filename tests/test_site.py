"""The static course website (``python3 run.py site``): built once here, then checked page by page.

One full build (every lesson executed at the test time scale) is shared by the checks; a second
build of the unchanged course must execute nothing (its lessons come from the build's cache) and
give byte-identical files (what a lesson measures can differ between two *executions*, see README).
"""

from __future__ import annotations

import ast
import html
import json
import os
import re
import subprocess
import sys
import time
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
BUILDER = ROOT / "scripts" / "build_site.py"
sys.path.insert(0, str(ROOT / "scripts"))
import build_site  # noqa: E402

from course_utils import sitebuild  # noqa: E402

LESSONS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
EXERCISES = sorted((ROOT / "exercises").glob("ex[0-9][0-9]_*.py"))
SOLUTIONS = sorted((ROOT / "solutions").glob("ex[0-9][0-9]_*.py"))
#: Code that draws: a lesson whose code contains one of these must show at least one figure.
DRAWS = re.compile(r"\bplot_\w+\(|\.plot\(|\bplt\.|\bdraw_\w+\(")


def _build(out: Path, executed: Path) -> tuple[dict, float, str]:
    started = time.perf_counter()
    result = subprocess.run([sys.executable, str(BUILDER), "--out", str(out), "--jobs", "1",
                             "--cache", str(executed)],
                            cwd=ROOT, capture_output=True, text=True, timeout=1800)
    seconds = time.perf_counter() - started
    if not (out / "index.html").exists():
        pytest.fail(f"the site build failed (exit {result.returncode}):\n{result.stderr[-3000:]}")
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    return figures, seconds, result.stderr


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> dict:
    """One full build. COURSE_SITE_EXECUTED=DIR (authors only) reuses executed lessons there."""
    base = tmp_path_factory.mktemp("site")
    executed = Path(os.environ.get("COURSE_SITE_EXECUTED") or base / "executed").resolve()
    figures, seconds, _ = _build(base / "site", executed)
    print(f"\nsite build: {seconds:.0f} s, {figures['size_bytes'] / 1e6:.1f} MB "
          f"({figures['lessons']} lessons)")
    return {"out": base / "site", "executed": executed, "figures": figures,
            "base": base}


def _files(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def _title(notebook: Path) -> str:
    nb = nbformat.read(notebook, as_version=4)
    first = next(c for c in nb.cells if c.cell_type == "markdown")
    return first.source.splitlines()[0].lstrip("# ").strip()


class _Assets(HTMLParser):
    """Every URL a page loads (scripts, styles, images, fonts, icons) -- not plain links."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.images: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in ("script", "img", "iframe", "source", "video", "audio") and a.get("src"):
            self.urls.append(a["src"])
            if tag == "img":
                self.images.append(a["src"])
        if tag == "link" and a.get("href") and a.get("rel") not in (None, "next", "prev",
                                                                    "index", "search"):
            self.urls.append(a["href"])


def _assets(page: Path) -> _Assets:
    parser = _Assets()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser


def _external(url: str) -> bool:
    return bool(re.match(r"^(https?:)?//", url.strip(), re.I))


# -- the pages -----------------------------------------------------------------------------------

def test_the_build_reports_no_lesson_errors(site):
    assert site["figures"]["errors"] == [], (
        "cells raised where the lesson does not expect it (tag them raises-exception if the "
        "error is the point):\n" + "\n".join(site["figures"]["errors"]))


def test_every_lesson_has_a_page_with_its_title(site):
    assert LESSONS, "no lessons found"
    for notebook in LESSONS:
        page = site["out"] / "lessons" / f"{notebook.stem}.html"
        assert page.exists(), f"no page for {notebook.name}"
        text = html.unescape(page.read_text(encoding="utf-8"))
        assert _title(notebook) in text, f"{page.name} lacks its title {_title(notebook)!r}"


def test_lessons_that_draw_show_their_figures(site):
    drawing = 0
    for notebook in LESSONS:
        code = "\n".join(c.source for c in nbformat.read(notebook, as_version=4).cells
                         if c.cell_type == "code")
        page = site["out"] / "lessons" / f"{notebook.stem}.html"
        images = _assets(page).images
        for src in images:
            target = (page.parent / src).resolve()
            assert target.is_file() and target.stat().st_size > 1000, (
                f"{page.name} shows {src}, which is missing or empty")
        executed = nbformat.read(site["executed"] / notebook.name, as_version=4)
        drawn = sum("image/png" in o.get("data", {}) for c in executed.cells
                    if c.cell_type == "code" for o in c.outputs)
        assert len(images) >= drawn, f"{page.name}: {drawn} figures drawn, {len(images)} shown"
        if DRAWS.search(code):
            drawing += 1
            assert images, f"{notebook.name} draws a figure but its page shows none"
    assert drawing >= len(LESSONS) // 2, "most lessons draw timelines; the detector is broken"


def test_no_error_output_outside_raises_exception_cells(site):
    for notebook in LESSONS:
        executed = nbformat.read(site["executed"] / notebook.name, as_version=4)
        assert build_site.unexpected_errors(notebook.name, executed) == []


def test_pages_load_nothing_from_the_network(site):
    pages = sorted(site["out"].rglob("*.html"))
    assert len(pages) >= len(LESSONS) + len(EXERCISES)
    for page in pages:
        external = [u for u in _assets(page).urls if _external(u)]
        assert not external, f"{page.relative_to(site['out'])} loads {external}"
    for sheet in site["out"].rglob("*.css"):
        text = sheet.read_text(encoding="utf-8", errors="replace")
        found = re.findall(r"(?:url\(\s*['\"]?|@import\s+['\"])((?:https?:)?//[^'\")\s]+)", text)
        assert not found, f"{sheet.name} loads {found}"


def test_home_page_is_the_readme_lesson_table(site):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = build_site.readme_section(readme, "The lessons")
    index = html.unescape((site["out"] / "index.html").read_text(encoding="utf-8"))
    rows = re.findall(r"^\|\s*(\d{2})\s*\|\s*([^|]*?)\s*\|\s*([^|]*?)\s*\|", table, re.M)
    assert rows, "README's lesson table has no rows"
    for number, title, _ in rows:
        assert title in index
        match = [n for n in LESSONS if n.name.startswith(number)]
        if match:
            assert f'href="lessons/{match[0].stem}.html"' in index, f"lesson {number} unlinked"
    for notebook in LESSONS:  # navigation reaches every lesson from the home page
        assert f"lessons/{notebook.stem}.html" in index


def test_lessons_link_to_the_next_one(site):
    for before, after in zip(LESSONS, LESSONS[1:]):
        page = (site["out"] / "lessons" / f"{before.stem}.html").read_text(encoding="utf-8")
        assert f'href="{after.stem}.html"' in page, f"{before.stem} does not lead to {after.stem}"


def test_search_is_there_and_indexes_the_lessons(site):
    assert (site["out"] / "search.html").exists()
    index = (site["out"] / "searchindex.js").read_text(encoding="utf-8")
    for notebook in LESSONS:
        assert f"lessons/{notebook.stem}" in index


# -- exercises and solutions -----------------------------------------------------------------------

def test_exercises_appear_as_instructions_with_how_to_run_them(site):
    assert EXERCISES
    for path in EXERCISES:
        page = site["out"] / "exercises" / f"{path.stem}.html"
        assert page.exists(), f"no page for {path.name}"
        text = html.unescape(re.sub(r"<[^>]+>", "", page.read_text(encoding="utf-8")))
        doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")))
        first_words = re.sub(r"``?", "", doc.splitlines()[0])[:40]
        assert first_words in text, f"{page.name} lacks its instructions"
        assert f"exercises/{path.stem}.py" in text
        assert f'check("{path.stem}")' in text and f'hint("{path.stem}")' in text


class _Links(HTMLParser):
    """Every ``<a href>`` of a page and every ``id`` it defines."""

    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(a["id"])
        if tag == "a" and a.get("href") is not None:
            self.hrefs.append(a["href"])


def _links(page: Path) -> _Links:
    parser = _Links()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser


def test_every_link_on_the_site_leads_somewhere(site):
    """No dead link: a page or file that exists, and an anchor its page defines (a lesson's link
    to an exercise file once became the dead anchor ``#../exercises/ex02_x.py``)."""
    dead = []
    for page in sorted(site["out"].rglob("*.html")):
        links = _links(page)
        for href in links.hrefs:
            if _external(href) or href.startswith(("mailto:", "javascript:")):
                continue
            target, _, anchor = href.partition("#")
            path = (page.parent / target).resolve() if target else page
            if not path.exists():
                dead.append(f"{page.relative_to(site['out'])}: {href} (no such page)")
            elif anchor and path.suffix == ".html" and anchor not in _links(path).ids:
                dead.append(f"{page.relative_to(site['out'])}: {href} (no such anchor)")
    assert not dead, f"{len(dead)} dead links, e.g.:\n" + "\n".join(dead[:15])


def test_lessons_link_their_exercises_to_the_exercise_pages(site):
    for notebook in LESSONS:
        named = set(re.findall(r"\.\./exercises/(ex\d\d_\w+)\.py", "\n".join(
            c.source for c in nbformat.read(notebook, as_version=4).cells if c.cell_type == "markdown")))
        hrefs = _links(site["out"] / "lessons" / f"{notebook.stem}.html").hrefs
        for stem in named:
            assert f"../exercises/{stem}.html" in hrefs, f"{notebook.stem} does not link to {stem}'s page"


def _solution_lines(path: Path) -> list[str]:
    body = re.findall(r"# BEGIN SOLUTION\n(.*?)# END SOLUTION", path.read_text(encoding="utf-8"),
                      re.S)
    return [line.strip() for block in body for line in block.splitlines() if line.strip()]


def test_no_solution_is_published(site):
    """A solution line the lessons do not show themselves must appear nowhere on the site."""
    shown = "\n".join([c.source for p in LESSONS for c in nbformat.read(p, as_version=4).cells]
                      + [e.instructions for e in build_site.exercises()]).replace("`", "")
    site_text = "\n".join(html.unescape(p.read_text(encoding="utf-8", errors="replace"))
                          for p in site["out"].rglob("*") if p.suffix in {".html", ".js", ".txt"})
    site_text = re.sub(r"<[^>]+>", "", site_text)  # highlighted code is split by spans
    checked = 0
    for path in SOLUTIONS:
        for line in _solution_lines(path):
            if len(line) < 25 or line in shown or line.startswith("#"):
                continue  # too generic to tell, or the lesson teaches this very line
            checked += 1
            assert line not in site_text, f"the site publishes {path.name}'s solution: {line!r}"
    assert checked >= len(SOLUTIONS), "too few distinctive solution lines to make this check"


# -- widgets and determinism -------------------------------------------------------------------

def test_widget_views_become_a_note(site):
    for page in (site["out"] / "lessons").glob("*.html"):
        assert "widget-view+json" not in page.read_text(encoding="utf-8")
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("w")])
    nb.cells[0].outputs = [nbformat.from_dict({
        "output_type": "display_data", "metadata": {},
        "data": {build_site.WIDGET_MIME: {"model_id": "x"}, "text/plain": "VBox()"}})]
    nb.metadata["widgets"] = {"state": {}}
    assert build_site.static_widgets(nb) == 1
    assert "widgets" not in nb.metadata
    assert sitebuild.PLAY_NOTE in nb.cells[0].outputs[0]["data"]["text/html"]


def test_quizzes_show_their_questions_but_no_answers(site):
    from course_utils.quizzes import MultipleChoice, quiz

    for notebook in LESSONS:
        if "quiz(" not in "".join(c.source for c in nbformat.read(notebook, as_version=4).cells):
            continue
        page = site["out"] / "lessons" / f"{notebook.stem}.html"
        block = re.search(r'<ol class="course-quiz">.*?course-static-widget.*?</p>',
                          page.read_text(encoding="utf-8"), re.S)  # the questions and their note
        assert block, f"{page.name} shows no quiz"
        text = re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", "", block.group(0))))
        for q in quiz(notebook.stem[:2]).questions:
            shown = re.sub(r"\s+", " ", q.question.replace("`", ""))[:50]
            assert shown in text, f"{page.name} lacks the quiz question {shown!r}"
            answer = q.explanation if isinstance(q, MultipleChoice) else q.model_answer
            assert re.sub(r"\s+", " ", answer)[:60] not in text, f"{page.name} gives a quiz answer away"
        assert sitebuild.PLAY_NOTE in text, f"{page.name}: the quiz has no 'run it in JupyterLab' note"


def test_the_playground_is_a_picture_with_a_note(site):
    pages = [p for p in sorted((site["out"] / "lessons").glob("*.html"))
             if "concurrency playground is interactive" in p.read_text(encoding="utf-8")]
    assert len(pages) == 1, f"the playground should appear on one lesson page, not {len(pages)}"
    page = pages[0]
    text = page.read_text(encoding="utf-8")
    assert sitebuild.PLAY_NOTE in text
    note = text.index("concurrency playground is interactive")
    assert any(text.rfind(f'src="{src}"', 0, note) > 0 for src in _assets(page).images), \
        "the playground's note comes with no picture before it"


def test_progress_bars_show_their_last_state(site):
    page = next((site["out"] / "lessons").glob("02_*.html")).read_text(encoding="utf-8")
    bars = re.findall(r'<div class="course-progress">(.*?)</div>', page, re.S)
    assert len(bars) == 2, f"lesson 02 has two progress bars, the page shows {len(bars)}"
    for bar in bars:
        value, top = re.search(r'<progress value="([\d.]+)" max="([\d.]+)">', bar).groups()
        assert float(value) == float(top) > 0, "a finished bar is full"
        counts = html.unescape(re.sub(r"<[^>]+>", "", bar))
        assert re.search(r"(\d+)/\1", counts), f"the counts are shown: {counts!r}"


def test_a_lesson_runs_again_when_what_it_depends_on_changes(tmp_path):
    lesson = LESSONS[0]
    copy = tmp_path / lesson.name
    copy.write_bytes(lesson.read_bytes())
    assert build_site.execution_key(copy) == build_site.execution_key(lesson), "same lesson, same key"
    copy.write_bytes(lesson.read_bytes().replace(b"asyncio", b"asyncio ", 1))
    assert build_site.execution_key(copy) != build_site.execution_key(lesson), "an edit is not noticed"


def test_the_site_flag_is_set_only_by_the_builder(monkeypatch):
    monkeypatch.delenv(sitebuild.SITE_BUILD_ENV, raising=False)
    assert not sitebuild.building_site()
    monkeypatch.setenv(sitebuild.SITE_BUILD_ENV, "1")
    assert sitebuild.building_site()
    assert sitebuild.PLAY_NOTE in sitebuild.snapshot_note("The playground")


def test_a_second_build_executes_nothing_and_gives_identical_files(site):
    again = site["base"] / "again"
    figures, _, _ = _build(again, site["executed"])  # nothing changed: every lesson is reused
    assert figures["executed_now"] == 0, f"{figures['executed_now']} lessons ran again"
    first, second = _files(site["out"]), _files(again)
    assert sorted(first) == sorted(second), "the two builds have different page lists"
    differ = [name for name in first if first[name] != second[name]]
    assert not differ, f"files differ between two renderings: {differ[:10]}"
