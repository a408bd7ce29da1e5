"""The real-model switch is real: every lesson runs with ``COURSE_LLM_BASE_URL`` set.

The course's own OpenAI-compatible server stands in for a real provider: the lessons then reach
their model only over HTTP through ``connect()``, and simulator-only checks must skip themselves
(saying so) instead of failing. Cells tagged ``raises-exception`` may fail, as in nbval.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from course_utils.serving import serve

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("[0-9][0-9]_*.ipynb"))


@pytest.fixture(scope="module")
def endpoint():
    # Generous limits: lessons that stage their own 429s do so with their own servers.
    with serve(seed=7) as base_url:
        yield base_url


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_lesson_runs_against_an_openai_compatible_endpoint(path, endpoint, monkeypatch):
    monkeypatch.setenv("COURSE_LLM_BASE_URL", endpoint)
    monkeypatch.setenv("COURSE_LLM_API_KEY", "not-a-real-key")
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=300, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    try:
        client.execute()
    except CellExecutionError as err:
        pytest.fail(f"{path.name} failed on a real endpoint:\n{str(err)[-3000:]}", pytrace=False)
