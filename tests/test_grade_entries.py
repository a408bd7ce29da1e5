"""Every entry of the submissions folder is accounted for; the gradebook survives a crash."""

from __future__ import annotations

import csv
import io
import json
import os
import sys
import zipfile
from pathlib import Path

import pytest

from course_utils import grade, isolation
from course_utils.exercises import SOLUTIONS_DIR, fresh_stub

NAME = "ex02_student_report"
WEAK_OK = [] if isolation.detect().level == isolation.STRONG else ["--allow-weak-isolation"]


def solution() -> str:
    return (SOLUTIONS_DIR / f"{NAME}.py").read_text()


def quiet_main(args: list[str]) -> int:
    old, sys.stdout = sys.stdout, io.StringIO()
    try:
        return grade.main(args)
    finally:
        sys.stdout = old


@pytest.fixture
def messy(tmp_path: Path) -> Path:
    subs = tmp_path / "subs"
    subs.mkdir()
    (subs / "alice").mkdir()
    (subs / "alice" / f"{NAME}.py").write_text(solution())
    with zipfile.ZipFile(subs / "alice.zip", "w") as zf:  # the same learner twice
        zf.writestr(f"{NAME}.py", fresh_stub(NAME))
    (subs / "bob.tar.gz").write_bytes(b"\x1f\x8b not really")
    (subs / f"{NAME}.py").write_text(solution())  # a bare .py
    (subs / ".carol").mkdir()
    (subs / ".carol" / f"{NAME}.py").write_text(solution())
    dave = subs / "dave"  # several candidates: a backup copy and the real one
    (dave / "exercises").mkdir(parents=True)
    (dave / "exercises" / f"{NAME}.py").write_text(solution())
    (dave / "old").mkdir()
    (dave / "old" / f"{NAME}.py").write_text(fresh_stub(NAME))
    (subs / "erin").mkdir()  # a hard link to alice's file
    os.link(subs / "alice" / f"{NAME}.py", subs / "erin" / f"{NAME}.py")
    with zipfile.ZipFile(subs / "frank.zip", "w") as zf:  # a whole copy of the course
        zf.writestr(f"course/solutions/{NAME}.py", solution())
        zf.writestr(f"course/exercises/{NAME}.py", fresh_stub(NAME))
    (subs / " =cmd|'calc'!A0").mkdir()
    ((subs / " =cmd|'calc'!A0") / f"{NAME}.py").write_text(fresh_stub(NAME))
    return subs


def test_discover_explains_every_entry(messy: Path):
    subs = {s.entry: s for s in grade.discover(messy, [NAME])}
    assert set(subs) == {"alice/", "alice.zip", "bob.tar.gz", f"{NAME}.py", ".carol", "dave/", "erin/",
                         "frank.zip", " =cmd|'calc'!A0/"}
    assert not subs["alice/"].skipped and "alice.zip" in " ".join(subs["alice/"].notes)
    assert "same learner" in subs["alice.zip"].skipped
    assert "unpack" in subs["bob.tar.gz"].skipped
    assert "single .py" in subs[f"{NAME}.py"].skipped
    assert "dot" in subs[".carol"].skipped
    dave = subs["dave/"]
    assert dave.files[NAME] == solution().encode() and "several candidate files" in " ".join(dave.notes)
    assert NAME not in subs["erin/"].files and "hard link" in " ".join(subs["erin/"].notes)
    assert "shared with 'alice/'" in " ".join(subs["erin/"].notes), "the other learner is named"
    assert "shared with 'erin/'" in " ".join(subs["alice/"].notes)
    frank = subs["frank.zip"]
    assert frank.files[NAME] == fresh_stub(NAME).encode(), "a whole-repo zip is graded from exercises/"
    assert "whole copy of the course" in frank.notes[0]


def test_every_entry_gets_a_row(messy: Path, tmp_path: Path):
    out, report = tmp_path / "book.csv", tmp_path / "report.json"
    assert quiet_main([str(messy), "--out", str(out), "--json", str(report), "--exercises", NAME, "--jobs", "2",
                       "--quiet", "--test-timeout", "5", *WEAK_OK]) == 0
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert len(rows) == 9, [r["learner"] for r in rows]
    by = {r["learner"]: r for r in rows}
    assert by["alice"]["status"] == "ok" and by["alice"][NAME] == "0.00" and "erin" in by["alice"]["notes"]
    skipped = [r for r in rows if r["status"].startswith("skipped")]
    assert len(skipped) == 4 and all(r["total"] == "" for r in skipped)
    assert by["dave"][NAME] == "1.00" and by["erin"][NAME] == "0.00" and by["frank"][NAME] == "0.00"
    assert "' =cmd|'calc'!A0" in by, "a name with a space then = is defused"
    data = json.loads(report.read_text())
    assert len(data["skipped"]) == 4 and data["isolation"]
    assert not (tmp_path / "book.csv.progress.jsonl").exists(), "the journal goes once the run is complete"
    page = (tmp_path / "class-report.html").read_text(encoding="utf-8")
    assert "bob.tar.gz" in page and page.count("data:image/png;base64,") == 2, "the class report sits beside it"


@pytest.mark.parametrize("value", ["=1+1", " =1+1", "\t=1", "+1", "-1", "@SUM(A1)", "  @x", "\n=1"])
def test_formula_cells_are_defused(value: str):
    assert grade._cell(value).startswith("'")


def test_plain_cells_are_kept():
    assert grade._cell("alice") == "alice" and grade._cell("O'Brien") == "O'Brien"


def test_weak_isolation_is_refused_unless_allowed(tmp_path: Path, monkeypatch, capsys):
    weak = isolation.Capabilities(bwrap=None, bwrap_version="", bwrap_problem="bwrap is not installed",
                                  root=False, cgroup="", cgroup_controllers=())
    monkeypatch.setattr(isolation, "detect", lambda: weak)
    (tmp_path / "subs").mkdir()
    assert grade.main([str(tmp_path / "subs"), "--out", str(tmp_path / "b.csv")]) == 2
    err = capsys.readouterr().err
    assert "strong sandbox" in err and "bubblewrap" in err and "--allow-weak-isolation" in err
    (tmp_path / "subs" / "amy").mkdir()
    (tmp_path / "subs" / "amy" / f"{NAME}.py").write_text(solution())
    assert quiet_main([str(tmp_path / "subs"), "--out", str(tmp_path / "b.csv"), "--exercises", NAME,
                       "--allow-weak-isolation", "--quiet"]) == 0
    row = next(csv.DictReader((tmp_path / "b.csv").open()))
    assert row[NAME] == "1.00" and "WEAK ISOLATION" in row["notes"]


def test_a_crashed_run_resumes(tmp_path: Path, monkeypatch):
    subs = tmp_path / "subs"
    for name in ("ann", "ben", "cat", "dan"):
        (subs / name).mkdir(parents=True)
        (subs / name / f"{NAME}.py").write_text(solution() if name != "ben" else fresh_stub(NAME))
    out = tmp_path / "book.csv"
    real = grade.grade_one
    calls: list[str] = []

    def crashing(sub, *args, **kwargs):
        calls.append(sub.learner)
        if len(calls) == 3:
            raise KeyboardInterrupt("the grader's machine went down")
        return real(sub, *args, **kwargs)

    monkeypatch.setattr(grade, "grade_one", crashing)
    args = [str(subs), "--out", str(out), "--exercises", NAME, "--jobs", "1", "--quiet", *WEAK_OK]
    with pytest.raises(KeyboardInterrupt):
        quiet_main(args)
    rows = list(csv.DictReader(out.open()))
    assert [r["learner"] for r in rows] == ["ann", "ben"], "rows are written as learners finish"
    calls.clear()
    monkeypatch.setattr(grade, "grade_one", lambda sub, *a, **k: calls.append(sub.learner) or real(sub, *a, **k))
    assert quiet_main(args + ["--resume"]) == 0
    assert calls == ["cat", "dan"], "only the learners not graded yet are graded again"
    rows = {r["learner"]: r for r in csv.DictReader(out.open())}
    assert list(rows) == ["ann", "ben", "cat", "dan"]
    assert rows["ann"][NAME] == "1.00" and rows["ben"][NAME] == "0.00" and rows["dan"][NAME] == "1.00"
