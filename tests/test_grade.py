"""Grading a mixed class: good, partial and hostile submissions, graded safely and completely."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from course_utils import grade, isolation
from course_utils.exercises import SOLUTIONS_DIR, fresh_stub

EXERCISES = ["ex02_student_report", "ex07_rate_limit", "ex10_retry"]
STUB_LINE = "raise NotImplementedError("
#: Grade with the strong sandbox wherever the machine has it (CI installs bubblewrap).
WEAK_OK = [] if isolation.detect().level == isolation.STRONG else ["--allow-weak-isolation"]


def solution(name: str) -> str:
    return (SOLUTIONS_DIR / f"{name}.py").read_text()


def with_body(name: str, body: str, prelude: str = "") -> str:
    """The stub with its first unwritten body replaced by ``body`` (and ``prelude`` after HINTS)."""
    stub = fresh_stub(name)
    start = stub.index(STUB_LINE)
    end = stub.index("\n", start)
    code = "\n".join("    " + line if line else line for line in body.strip("\n").splitlines())
    text = stub[:start - 4] + code + stub[end:]
    if prelude:
        text = text.replace("\nHINTS = [", "\n" + prelude + "\nHINTS = [", 1)
    return text


def write(folder: Path, files: dict[str, str]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / f"{name}.py").write_text(text)


def snapshot(root: Path) -> dict[str, tuple[int, int]]:
    out = {}
    for path in sorted(root.rglob("*")):
        st = os.lstat(path)
        out[str(path.relative_to(root))] = (st.st_size, st.st_mtime_ns)
    return out


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    base = tmp_path_factory.mktemp("class")
    subs = base / "submissions"
    outside = base / "outside"          # where hostile code tries to write
    outside.mkdir()
    correct = {n: solution(n) for n in EXERCISES}

    write(subs / "alice", correct)
    write(subs / "bob", {"ex02_student_report": solution("ex02_student_report"),
                         "ex07_rate_limit": fresh_stub("ex07_rate_limit"),
                         "ex10_retry": with_body("ex10_retry", "return await llm.complete(prompt)")})
    write(subs / "carol", {**correct, "ex07_rate_limit": solution("ex07_rate_limit") + "\ndef broken(:\n"})
    write(subs / "dave", {**correct,
                          "ex02_student_report": "import sys\nsys.exit(0)\n",
                          "ex07_rate_limit": with_body("ex07_rate_limit", "import os\nos._exit(3)")})
    write(subs / "erin", {**correct, "ex07_rate_limit": with_body("ex07_rate_limit", "while True:\n    pass")})
    write(subs / "frank", {**correct, "ex02_student_report": with_body(
        "ex02_student_report", "while True:\n    print('spam ' * 2000)")})
    write(subs / "grace", {**correct, "ex10_retry": with_body(
        "ex10_retry", "hog = []\nwhile True:\n    hog.append(bytes(256 * 1024 * 1024))")})
    # A learner's own conftest and tests try to force passes and write outside: never even copied.
    write(subs / "ivan", {n: fresh_stub(n) for n in EXERCISES})
    (subs / "ivan" / "conftest.py").write_text(
        f"import pathlib, pytest\npathlib.Path({str(outside / 'ivan')!r}).write_text('pwned')\n"
        "@pytest.hookimpl(hookwrapper=True)\ndef pytest_runtest_makereport(item, call):\n"
        "    rep = (yield).get_result()\n    rep.outcome = 'passed'\n")
    (subs / "ivan" / "test_ex07_rate_limit.py").write_text("def test_free_points():\n    pass\n")
    # Code that plants a conftest in the sandbox and crashes, hoping the restart loads it.
    plant = (
        "import os, pathlib\n"
        "hook = 'import pytest\\n@pytest.hookimpl(hookwrapper=True)\\n"
        "def pytest_runtest_makereport(item, call):\\n    rep = (yield).get_result()\\n    rep.outcome = \"passed\"\\n'\n"
        "here = pathlib.Path(__file__).resolve().parent.parent\n"
        "for target in (here / 'tests' / 'conftest.py', here / 'conftest.py', here / 'work' / 'conftest.py'):\n"
        "    try:\n        target.write_text(hook)\n    except OSError:\n        pass\n"
        f"try:\n    pathlib.Path({str(outside / 'mallory')!r}).write_text('pwned')\nexcept OSError:\n    pass\n"
        "os._exit(0)\n")
    write(subs / "mallory", {"ex02_student_report": plant, "ex07_rate_limit": fresh_stub("ex07_rate_limit"),
                             "ex10_retry": fresh_stub("ex10_retry")})
    # A symlink to the course's solution is not a submission.
    (subs / "kim").mkdir()
    os.symlink(SOLUTIONS_DIR / "ex02_student_report.py", subs / "kim" / "ex02_student_report.py")
    # Zips: nested folder, path traversal, absolute path, a zip bomb, a link.
    with zipfile.ZipFile(subs / "heidi.zip", "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("heidi/exercises/ex02_student_report.py", solution("ex02_student_report"))
        zf.writestr("../../evil_heidi.py", "print('escaped')")
        zf.writestr("/tmp/evil_heidi_abs.py", "print('escaped')")
        zf.writestr("ex10_retry.py", b"#" * (20 * 1024 * 1024))
        link = zipfile.ZipInfo("ex07_rate_limit.py")
        link.external_attr = (0o120777 << 16)
        zf.writestr(link, str(SOLUTIONS_DIR / "ex07_rate_limit.py"))
    (subs / "notazip.zip").write_bytes(b"this is not a zip")
    write(subs / "=HYPERLINK(1)", {"ex02_student_report": solution("ex02_student_report")})
    before = snapshot(subs)
    hidden = base / "hidden_tests"      # an instructor's extra tests, kept out of the repo
    hidden.mkdir()
    (hidden / "test_ex07_rate_limit_hidden.py").write_text(
        "from _helpers import FakeLLM\n\n"
        "async def test_no_prompts(ex):\n"
        "    \"\"\"No prompts: no calls, an empty list.\"\"\"\n"
        "    llm = FakeLLM()\n"
        "    assert await ex.fetch_all(llm, [], 3) == [], 'fetch_all([]) should return []'\n"
        "    assert llm.calls == 0\n")

    out, report = base / "gradebook.csv", base / "report.json"
    stdout = io.StringIO()
    old = sys.stdout
    sys.stdout = stdout
    try:
        code = grade.main([str(subs), "--out", str(out), "--json", str(report), "--jobs", "2",
                           "--timeout", "60", "--test-timeout", "2", "--exercises", ",".join(EXERCISES),
                           "--tests", str(hidden), "--quiet", *WEAK_OK])
    finally:
        sys.stdout = old
    rows = {r["learner"]: r for r in csv.DictReader(out.open())}
    data = json.loads(report.read_text())
    learners = {entry["learner"]: entry for entry in data["learners"]}
    return {"code": code, "rows": rows, "json": learners, "stdout": stdout.getvalue(), "subs": subs,
            "before": before, "outside": outside, "base": base}


def scores(graded, learner: str) -> dict[str, float]:
    return {n: float(graded["rows"][learner][n]) for n in EXERCISES}


def messages(graded, learner: str, exercise: str) -> str:
    return " | ".join(t["message"] for t in graded["json"][learner]["tests"] if t["exercise"] == exercise)


def test_gradebook_shape(graded):
    assert graded["code"] == 0
    rows = graded["rows"]
    assert set(rows) == {"alice", "bob", "carol", "dave", "erin", "frank", "grace", "ivan", "mallory",
                         "kim", "heidi", "notazip", "'=HYPERLINK(1)"}, "formulas in names are defused"
    assert list(next(iter(rows.values())))[: len(EXERCISES) + 4] == ["learner", *EXERCISES, "total", "max", "percent"]
    assert rows["alice"]["total"] == "3.00" and rows["alice"]["percent"] == "100.0"
    assert "alice" in graded["stdout"] and "solved by" in graded["stdout"]


def test_correct_and_partial(graded):
    assert scores(graded, "alice") == {n: 1.0 for n in EXERCISES}
    bob = scores(graded, "bob")
    assert bob["ex02_student_report"] == 1.0 and bob["ex07_rate_limit"] == 0.0
    assert 0.0 < bob["ex10_retry"] < 1.0, "a no-retry version passes some checks, not all"
    assert "not written yet" in messages(graded, "bob", "ex07_rate_limit")


def test_each_breakage_costs_only_what_it_broke(graded):
    cases = {
        "carol": ("ex07_rate_limit", "syntax error"),
        "dave": ("ex02_student_report", "sys.exit"),
        "erin": ("ex07_rate_limit", "took longer than 2 s"),
        "frank": ("ex02_student_report", "too much output"),
        "grace": ("ex10_retry", "out of memory"),
    }
    for learner, (broken, reason) in cases.items():
        got = scores(graded, learner)
        assert got[broken] == 0.0, (learner, got)
        assert reason in messages(graded, learner, broken), (learner, messages(graded, learner, broken))
        others = [n for n in EXERCISES if n != broken and not (learner == "dave" and n == "ex07_rate_limit")]
        assert all(got[n] == 1.0 for n in others), (learner, got)
    dave = scores(graded, "dave")
    assert dave["ex07_rate_limit"] == 0.0 and dave["ex10_retry"] == 1.0, "grading went on after os._exit"
    assert "exited" in messages(graded, "dave", "ex07_rate_limit")


def test_cheats_are_ineffective(graded):
    assert float(graded["rows"]["ivan"]["total"]) == 0.0, "the learner's conftest/tests were used"
    assert float(graded["rows"]["mallory"]["total"]) == 0.0, "a conftest planted at run time was used"
    assert not (graded["outside"] / "ivan").exists()
    where = graded["json"]["mallory"].get("isolation", "")
    if "Landlock" in where or "bubblewrap" in where:
        assert not (graded["outside"] / "mallory").exists(), "code wrote outside its sandbox"
    assert float(graded["rows"]["kim"]["total"]) == 0.0, "a symlink to the solutions was graded"
    assert any("not a regular file" in n for n in graded["json"]["kim"]["notes"])


def test_zip_guards(graded):
    heidi = graded["json"]["heidi"]
    assert heidi["scores"]["ex02_student_report"] == 1.0, "a nested exercises/ folder in a zip is found"
    assert heidi["scores"]["ex07_rate_limit"] == 0.0 and heidi["scores"]["ex10_retry"] == 0.0
    notes = " ".join(heidi["notes"])
    assert "unsafe path" in notes and "link in zip" in notes and "larger than" in notes
    for place in (graded["base"], graded["subs"], graded["subs"].parent.parent, Path("/tmp")):
        assert not (place / "evil_heidi.py").exists()
    assert not Path("/tmp/evil_heidi_abs.py").exists()
    assert "not a readable zip" in " ".join(graded["json"]["notazip"]["notes"])


def test_hidden_tests_count(graded):
    def hidden(learner):
        return [t for t in graded["json"][learner]["tests"] if t["test"].startswith("hidden: ")]
    assert [(t["test"], t["outcome"]) for t in hidden("alice")] == [("hidden: test_no_prompts", "passed")]
    assert [t["outcome"] for t in hidden("bob")] == ["failed"]
    assert graded["rows"]["alice"]["ex07_rate_limit"] == "1.00"


def test_report_has_every_test_with_a_reason(graded):
    for learner, entry in graded["json"].items():
        if learner in ("notazip", "=HYPERLINK(1)"):
            continue
        assert entry["tests"], learner
        for test in entry["tests"]:
            assert test["outcome"] in ("passed", "failed")
            assert test["exercise"] in EXERCISES
            assert test["outcome"] == "passed" or test["message"], (learner, test)


def test_submissions_are_only_read(graded):
    assert snapshot(graded["subs"]) == graded["before"]


def test_command_line_entry_points():
    for args in (["-m", "course_utils.grade", "--help"], ["-m", "course_utils", "grade", "--help"]):
        proc = subprocess.run([sys.executable, *args], capture_output=True, text=True, timeout=60)
        assert proc.returncode == 0 and "--jobs" in proc.stdout, proc.stderr


def test_bad_arguments(tmp_path, capsys):
    assert grade.main([str(tmp_path / "nope")]) == 2
    assert grade.main([str(tmp_path), "--exercises", "ex99_nope"]) == 2



def test_a_grader_error_is_retried_not_charged_to_the_learner(tmp_path, monkeypatch, capsys):
    """CPython 3.11 before 3.11.8 can raise a spurious ``SystemError`` from ``ast`` when threads
    parse at once (gh-106905); in CI that once zeroed an honest learner. The sandbox now builds
    canaries under a lock, and any error of the grader's own makes it grade that learner again."""
    from course_utils import sandbox

    real, calls = sandbox._canaries, []

    def flaky(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise SystemError("AST constructor recursion depth mismatch (before=21, after=16)")
        return real(*args, **kwargs)

    monkeypatch.setattr(sandbox, "_canaries", flaky)
    write(tmp_path / "subs" / "alice", {"ex02_student_report": solution("ex02_student_report")})
    out, report = tmp_path / "book.csv", tmp_path / "report.json"
    code = grade.main([str(tmp_path / "subs"), "--out", str(out), "--json", str(report), "--jobs", "1",
                       "--shards", "1", "--exercises", "ex02_student_report", "--quiet", *WEAK_OK])
    assert code == 0
    (row,) = csv.DictReader(out.open())
    assert float(row["total"]) == 1.0, f"a grader error cost an honest learner their score: {row}"
    assert "graded twice" in row["notes"] and "SystemError" in row["notes"], row["notes"]
    assert len(calls) == 2
