"""my-work/: the learner's copy is created, refreshed from the course, and never loses work."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from course_utils import workspace


def notebook(*sources: str, outputs: bool = False) -> str:
    cells = [{"cell_type": "code", "source": s, "metadata": {}, "execution_count": 1 if outputs else None,
              "outputs": [{"output_type": "stream", "name": "stdout", "text": "ran"}] if outputs else []}
             for s in sources]
    return json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5})


@pytest.fixture
def course(tmp_path: Path) -> Path:
    root = tmp_path / "course"
    (root / "notebooks").mkdir(parents=True)
    (root / "exercises").mkdir()
    (root / "notebooks" / "01_start.ipynb").write_text(notebook("print(1)"))
    (root / "notebooks" / "02_next.ipynb").write_text(notebook("print(2)"))
    (root / "exercises" / "ex02_task.py").write_text("def task():\n    ...\n")
    return root


def test_first_prepare_copies_everything(course: Path, tmp_path: Path) -> None:
    work = tmp_path / "my-work"
    report = workspace.prepare(work, course)
    assert report.created and len(report.copied) == 3
    assert (work / "notebooks" / "01_start.ipynb").read_text() == (course / "notebooks" / "01_start.ipynb").read_text()
    assert "created my-work/" in report.lines()[0]
    assert workspace.prepare(work, course).lines() == []  # nothing new: nothing to say


def test_course_update_reaches_unchanged_copies_even_after_running_them(course: Path, tmp_path: Path) -> None:
    work = tmp_path / "my-work"
    workspace.prepare(work, course)
    (work / "notebooks" / "01_start.ipynb").write_text(notebook("print(1)", outputs=True))  # ran it
    (course / "notebooks" / "01_start.ipynb").write_text(notebook("print('new')"))
    (course / "exercises" / "ex03_more.py").write_text("x = 1\n")
    report = workspace.prepare(work, course)
    assert report.updated == ["notebooks/01_start.ipynb"] and report.copied == ["exercises/ex03_more.py"]
    assert "print('new')" in (work / "notebooks" / "01_start.ipynb").read_text()
    (backup,) = (work / ".backup").glob("*/notebooks/01_start.ipynb")  # the outputs were kept
    assert '"ran"' in backup.read_text()


def test_a_learners_change_is_kept_and_reset_takes_the_new_version_with_a_backup(
        course: Path, tmp_path: Path) -> None:
    work = tmp_path / "my-work"
    workspace.prepare(work, course)
    mine = "def task():\n    return 42  # my answer\n"
    (work / "exercises" / "ex02_task.py").write_text(mine)
    (course / "exercises" / "ex02_task.py").write_text("def task():\n    ...  # clearer stub\n")
    report = workspace.prepare(work, course)
    assert report.kept == ["exercises/ex02_task.py"] and not report.updated
    assert (work / "exercises" / "ex02_task.py").read_text() == mine
    assert "run.py reset ex02_task" in " ".join(report.lines())
    assert workspace.status(work, course)["exercises/ex02_task.py"] == "changed by you"

    report = workspace.reset(["ex02_task"], work, course)
    assert "clearer stub" in (work / "exercises" / "ex02_task.py").read_text()
    (backup,) = (work / ".backup").glob("*/exercises/ex02_task.py")
    assert backup.read_text() == mine


def test_reset_names_lessons_by_number_and_refuses_unknown_names(course: Path, tmp_path: Path) -> None:
    assert workspace.resolve(["2"], course) == ["notebooks/02_next.ipynb"]
    assert workspace.resolve(["01_start", "ex02_task"], course) == ["notebooks/01_start.ipynb",
                                                                    "exercises/ex02_task.py"]
    with pytest.raises(ValueError, match="no lesson or exercise called 'ex99_nope'"):
        workspace.resolve(["ex99_nope"], course)


def test_the_real_course_has_copies_for_every_lesson_and_exercise(tmp_path: Path) -> None:
    report = workspace.prepare(tmp_path / "w")
    names = {Path(r).name for r in report.copied}
    assert "01_start_here.ipynb" in names and "ex02_student_report.py" in names
