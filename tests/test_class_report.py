"""The instructor's class report: built from the grader's JSON, self-contained, rendered by a real browser."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from course_utils import class_report

CHROMIUM = os.environ.get("COURSE_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("COURSE_CHROMEDRIVER", "/usr/bin/chromedriver")
EXERCISES = ["ex02_student_report", "ex07_rate_limit"]


def learner(name: str, scores: dict[str, float], *, status: str = "ok", review: list[str] | None = None,
            message: str = "Your code raised KeyError: 'x'.", level: str = "strong") -> dict:
    tests = []
    for exercise, score in scores.items():
        tests += [{"exercise": exercise, "test": "test_one", "outcome": "passed" if score >= 0.5 else "failed",
                   "message": "" if score >= 0.5 else message},
                  {"exercise": exercise, "test": "test_two", "outcome": "passed" if score == 1.0 else "failed",
                   "message": "" if score == 1.0 else message}]
    total = sum(scores.values())
    return {"learner": name, "entry": name + "/", "scores": scores, "total": total, "max": len(scores),
            "percent": round(100 * total / len(scores), 1), "status": status, "trusted": not review,
            "review": review or [], "notes": ["ex07_rate_limit: Your code took longer than 10 s"] if status == "time limit" else [],
            "isolation": "bubblewrap, uid 65534, no capabilities" if level == "strong" else "rlimits only",
            "level": level, "tests": tests}


@pytest.fixture
def report() -> dict:
    return {"exercises": EXERCISES, "elapsed": 42.0, "isolation": "strong: bubblewrap 0.8.0",
            "skipped": [{"entry": "bob.tar.gz", "why": "skipped: only folders and .zip files are read"}],
            "learners": [
                learner("alice", {EXERCISES[0]: 1.0, EXERCISES[1]: 1.0}),
                learner("<script>alert(1)</script>", {EXERCISES[0]: 1.0, EXERCISES[1]: 0.5},
                        message="<b>bold</b> Your code returned None", level="partial"),
                learner("carol", {EXERCISES[0]: 0.0, EXERCISES[1]: 0.0}, status="time limit"),
                learner("mallory", {EXERCISES[0]: 1.0, EXERCISES[1]: 1.0}, status="review: possible tampering",
                        review=["a canary test that no honest run can pass was reported passed"]),
                learner("wes", {EXERCISES[0]: 1.0, EXERCISES[1]: 0.0}, level="weak"),
            ]}


def test_the_page_has_every_section(report: dict):
    page = class_report.build(report, title="Class report: test")
    for anchor in ("plots", "exercises", "flags", "skipped"):
        assert f"id='{anchor}'" in page, anchor
    assert page.count('src="data:image/png;base64,') == 2, "two embedded plots"
    assert "http://" not in page and "https://" not in page, "nothing is fetched: it opens offline"
    assert "bob.tar.gz" in page and "only folders and .zip files" in page
    assert re.search(r"possible tampering.*canary", page), "the tamper flag and its evidence"
    assert "time limit" in page and "weak isolation" in page
    assert "42 s" in page


def test_learner_text_is_escaped(report: dict):
    page = class_report.build(report)
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    assert "<b>bold</b>" not in page


def test_feedback_counts_carry_no_names_and_skip_untrusted(report: dict):
    page = class_report.build(report)
    messages = page.split("most frequent feedback")[1:]
    assert messages, "a feedback table per exercise with failures"
    for table in messages:
        body = table.split("</table>")[0]
        for name in ("alice", "carol", "mallory", "wes"):
            assert name not in body
    graded = re.search(r"<b>(\d+)</b>learners graded", page)
    assert graded and graded.group(1) == "5"
    # mallory's forged 100% is not counted: trusted mean = (100 + 75 + 0 + 50) / 4
    assert "56.2%" in page or "56.3%" in page


def test_browser_renders_the_report(report: dict, tmp_path: Path):
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed")
    if not all(Path(p).exists() for p in (CHROMIUM, CHROMEDRIVER)):
        if os.environ.get("CI"):
            pytest.fail("CI installs chromium and chromium-driver, yet they are missing")
        pytest.skip("Chromium not found; install it with `sudo apt-get install chromium chromium-driver`")
    from selenium.webdriver.chrome.service import Service

    path = class_report.write(report, tmp_path / "class-report.html", title="Class report: browser")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--window-size=1200,900",
                 f"--user-data-dir={tmp_path / 'profile'}"):
        options.add_argument(flag)
    browser = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    try:
        browser.set_page_load_timeout(120)
        browser.get(path.as_uri())
        assert browser.title == "Class report: browser"
        plots = browser.find_elements("css selector", "img[data-plot]")
        assert [p.get_attribute("data-plot") for p in plots] == ["score distribution", "pass rate per exercise"]
        for plot in plots:
            width = browser.execute_script("return arguments[0].complete && arguments[0].naturalWidth", plot)
            assert width and width > 200, "the embedded PNG decodes and has a real size"
        assert browser.find_element("id", "flagged-count").text.startswith("1")
        details = browser.find_elements("css selector", "details.exercise")
        assert len(details) == 2
    finally:
        browser.quit()
