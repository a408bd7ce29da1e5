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
