"""What a learner meets in JupyterLab, checked in a real browser (see conftest.py)."""

from __future__ import annotations

import shutil

import pytest

from .jupyterlab import ROOT, Lab, notebook_calling, wait_for

FIRST = "notebooks/01_start_here.ipynb"


def _finished(lab: Lab) -> list[dict] | None:
    """The cells once Run All has stopped: every code cell ran, or one showed an error."""
    cells = lab.cells()
    code = [c for c in cells if c["kind"] == "code"]
    if not code or lab.kernel_status() != "idle" or any("*" in c["prompt"] for c in code):
        return None
    done = all(c["prompt"].strip() not in {"[ ]:", ""} for c in code)
    return cells if done or any(c["errors"] for c in code) else None


def test_lab_opens_lesson_01_not_the_launcher(lab: Lab) -> None:
    lab.driver.get(lab.server.url)  # exactly the URL run.py printed
    tab = wait_for(lambda: lab.driver.execute_script(
        "const t = document.querySelector('.lm-DockPanel-tabBar .lm-TabBar-tab.lm-mod-current');"
        "return t && t.innerText.trim();"), "a tab to open")
    assert tab == "01_start_here.ipynb", f"JupyterLab opened {tab!r}, not lesson 01"
    assert not lab.driver.execute_script("return document.querySelector('.jp-Launcher') !== null")
    toasts = lab.driver.execute_script(
        "return Array.from(document.querySelectorAll('.Toastify__toast')).map(t => t.innerText)")
    assert not toasts, f"a toast is in the learner's way: {toasts}"
    # The served folder is the learner's course copy: exercises/ is inside it, so reachable.
    root = lab.driver.execute_script(
        "return fetch('/api/contents/?content=1', {headers: {Authorization: 'token ' + arguments[0]}})"
        ".then(r => r.json()).then(j => j.content.map(c => c.name))", lab.server.token)
    assert {"notebooks", "exercises"} <= set(root), root


def test_lesson_01_runs_all_cells_without_errors_and_its_widgets_render(lab: Lab) -> None:
    lab.open_notebook(FIRST)
    lab.menu("Run", "Run All Cells")
    cells = wait_for(lambda: _finished(lab), "Run All to finish lesson 01", timeout=300)
    broken = [c["source"].splitlines()[:1] + [c["text"][-600:]] for c in cells
              if c["errors"] and not c["source"].startswith("# This cell fails on purpose")]
    assert not broken, f"cells showed an error: {broken}"
    assert all(c["prompt"].strip() != "[ ]:" for c in cells if c["kind"] == "code")
    code = [c for c in cells if c["kind"] == "code"]
    doctor = next(c for c in code if "doctor()" in c["source"])
    assert "You are ready" in doctor["text"], doctor["text"][-500:]
    quiz = next(c for c in code if 'quiz("01")' in c["source"])
    assert quiz["widgets"], "the quiz widgets did not render"
    # The widgets react: "Check" without a choice asks for one.
    from selenium.webdriver.common.by import By

    buttons = lab.driver.find_elements(By.XPATH, "//button[normalize-space()='Check']")
    assert buttons, "the quiz shows no Check button"
    buttons[0].click()

    def shown() -> str:
        return lab.driver.find_element(By.CSS_SELECTOR, ".jp-NotebookPanel:not(.lm-mod-hidden)").text

    wait_for(lambda: "Pick one of the options" in shown(), "the quiz to answer the click")
    # The short-answer question: its Check (the last one) asks for words, its other button
    # reveals the model answer.
    from course_utils.quizzes import ShortAnswer, quiz

    short = next(q for q in quiz("01").questions if isinstance(q, ShortAnswer))
    lab.driver.find_elements(By.XPATH, "//button[normalize-space()='Check']")[-1].click()
    wait_for(lambda: "Write a sentence or two first" in shown(), "the short answer's Check to react")
    lab.driver.find_element(By.XPATH, "//button[normalize-space()='Show a model answer']").click()
    wait_for(lambda: short.model_answer[:40] in " ".join(shown().split()), "the model answer to show")


def test_playground_redraws_on_every_press(lab: Lab) -> None:
    from selenium.webdriver.common.keys import Keys

    lesson = notebook_calling("concurrency_playground")
    lab.open_notebook(f"notebooks/{lesson.name}")
    # Run only what the playground needs: the first code cell (imports, limits), the cells
    # defining measure() and draw_sweep(), and the playground itself. (Running the whole
    # lesson would tie this test to every timing assertion in it.)
    code = [i for i, c in enumerate(lab.cells()) if c["kind"] == "code"]
    needed = [code[0]] + [i for i in code if "def measure(" in lab.sources[i]
                          or "def draw_sweep(" in lab.sources[i]]
    at = next(i for i in code if "concurrency_playground(" in lab.sources[i])
    for index in dict.fromkeys(needed):
        ran = lab.run_cell(index)
        assert not ran["errors"], f"cell {index} failed: {ran['text'][-500:]}"
    lab.run_cell(at, timeout=300)
    status = wait_for(lambda: lab.active(".course-playground .widget-html-content"),
                      "the playground to appear", timeout=300)
    wait_for(lambda: "with 4 in flight" in status.text, "the playground's first run", timeout=300)
    image = lab.active(".course-playground img")
    before = image.screenshot_as_png

    for value in (8, 16):
        readout = lab.active(".course-playground .widget-readout")
        readout.click()
        readout.send_keys(Keys.END, Keys.BACKSPACE, Keys.BACKSPACE, Keys.BACKSPACE, str(value), Keys.ENTER)
        lab.active(".course-playground button").click()
        wait_for(lambda: f"with {value} in flight:" in status.text,
                 f"the run with {value} in flight to finish and say so (status: {status.text!r})",
                 timeout=180)
        after = wait_for(lambda: (png := lab.active(".course-playground img").screenshot_as_png) != before
                         and png, f"the plot to redraw after the run with {value} in flight")
        before = after


def test_exercise_opens_in_the_editor_from_the_lesson_link(lab: Lab) -> None:
    from selenium.webdriver.common.by import By

    lab.open_notebook("notebooks/02_why_async.ipynb")
    link = wait_for(lambda: lab.active("a[href*='ex02_student_report.py']"),
                    "a link to exercises/ex02_student_report.py in lesson 02")
    lab.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", link)
    link.click()
    wait_for(lambda: lab.driver.execute_script(
        "const t = document.querySelector('.lm-DockPanel-tabBar .lm-TabBar-tab.lm-mod-current');"
        "return t && t.innerText.trim();") == "ex02_student_report.py", "the exercise's tab")
    editor = wait_for(lambda: lab.driver.find_element(
        By.CSS_SELECTOR, ".jp-FileEditor:not(.lm-mod-hidden) .cm-content"), "the file editor")
    wait_for(lambda: "def " in editor.text, "the exercise's code in the editor")


def test_check_and_hint_work_from_the_notebook(lab: Lab) -> None:
    lab.open_notebook("notebooks/02_why_async.ipynb")
    last = len(lab.sources) - 1

    def run_in_new_cell(code: str) -> str:
        nonlocal last
        last = lab.add_cell_below(last, code)
        return wait_for(lambda: lab.run_cell(last)["text"].strip(), f"the output of {code!r}")

    name = "ex02_student_report"
    stub = run_in_new_cell(f'from course_utils import check, hint; check("{name}")')
    assert name in stub and "Well done" not in stub, stub
    hinted = run_in_new_cell(f'hint("{name}")')
    assert "Hint 1" in hinted, hinted
    # check() reads the learner's copy in my-work/exercises/: put a correct answer there.
    shutil.copy(ROOT / "solutions" / f"{name}.py", lab.server.work / "exercises" / f"{name}.py")
    solved = run_in_new_cell(f'check("{name}")')
    assert "pass. Well done" in solved, solved


def test_run_py_lab_prints_one_url_and_kernels_start_without_warnings(lab: Lab) -> None:
    lab.open_notebook(FIRST)  # starts a kernel, whose warnings would land in run.py's output
    lab.run_cell(next(i for i, c in enumerate(lab.cells()) if c["kind"] == "code"))
    printed = "\n".join(lab.server.lines)
    urls = [line for line in lab.server.lines if "http://" in line]
    assert len(urls) == 1 and lab.server.token in urls[0], printed
    assert "without encryption" not in printed and "WARNING" not in printed, printed
