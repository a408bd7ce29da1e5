"""The repository's own conventions: generated notebooks are current and clean."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_notebooks_are_built_from_lessons():
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "build_notebooks.py"), "--check"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_notebooks_have_no_outputs_and_every_lesson_has_the_parts():
    notebooks = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    assert notebooks, "no lessons found"
    for path in notebooks:
        cells = json.loads(path.read_text())["cells"]
        code = [c for c in cells if c["cell_type"] == "code"]
        assert all(not c["outputs"] and c["execution_count"] is None for c in code), path.name
        text = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown").lower()
        for part in ("learning objectives", "summary"):
            assert part in text, f"{path.name} has no '{part}' section"


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    assert "python3 run.py test" in readme and "python3 run.py lab" in readme
    assert "python3 run.py test" in ci


def test_links_between_lessons_point_at_real_notebooks():
    import re

    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        cells = json.loads(path.read_text())["cells"]
        text = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
        for target in re.findall(r"\]\(([^)#]+\.ipynb)", text):
            assert (path.parent / target).exists(), f"{path.name} links to missing {target}"


def test_every_lesson_has_its_exercises_and_quiz():
    import re

    solutions = {p.stem for p in (ROOT / "solutions").glob("ex[0-9][0-9]_*.py")}
    quizzes = {p.stem[1:] for p in (ROOT / "course_utils" / "quizzes").glob("q[0-9][0-9].py")}
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        number = path.name[:2]
        code = "\n".join("".join(c["source"]) for c in json.loads(path.read_text())["cells"]
                         if c["cell_type"] == "code")
        assert re.search(rf'quiz\(\s*"?{number}"?\s*\)', code) and number in quizzes, f"{path.name}: no quiz"
        checked = set(re.findall(r'^check\("(ex\d\d_\w+)"\)', code, re.MULTILINE))
        assert checked <= solutions, f"{path.name} checks exercises that do not exist: {checked - solutions}"
        if number != "01":
            assert len(checked) >= 2 and all(n.startswith(f"ex{number}_") for n in checked), path.name
