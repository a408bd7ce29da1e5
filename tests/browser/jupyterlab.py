"""Driving JupyterLab 4 in Chromium: open a file, run cells from the menu, read what is shown."""

from __future__ import annotations

import json
import os
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = Path(os.environ.get("COURSE_SCREENSHOT_DIR")
                   or Path(tempfile.gettempdir()) / "course-browser-screenshots")
#: Generous limits (seconds) for a loaded 2-core machine; every wait polls a condition.
WAIT = 120.0

_ACTIVE = ".jp-NotebookPanel:not(.lm-mod-hidden)"

# One snapshot of the visible notebook's cells, read in a single round trip.
_CELLS_JS = r"""
const panel = document.querySelector(arguments[0]);
if (!panel) return null;
return Array.from(panel.querySelectorAll('.jp-Notebook .jp-Cell')).map(cell => ({
  kind: cell.classList.contains('jp-CodeCell') ? 'code' : 'markdown',
  prompt: (cell.querySelector('.jp-InputPrompt') || {}).textContent || '',
  text: (cell.querySelector('.jp-OutputArea') || {}).textContent || '',
  // JupyterLab draws an exception as stderr text: count those that are tracebacks.
  errors: Array.from(cell.querySelectorAll('[data-mime-type="application/vnd.jupyter.stderr"]'))
    .filter(e => /Traceback|^\w*(Error|Exception|Group)\b/m.test(e.textContent)).length,
  stderr: cell.querySelectorAll('[data-mime-type="application/vnd.jupyter.stderr"]').length,
  widgets: cell.querySelectorAll('.jupyter-widgets').length,
}));
"""


def wait_for(condition: Callable[[], Any], what: str, timeout: float = WAIT) -> Any:
    """Poll ``condition`` until it returns something truthy; fail saying ``what`` never happened."""
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        try:
            value = condition()
            if value:
                return value
        except Exception as error:  # the page is changing under us: look again
            last_error = error
        time.sleep(0.25)
    detail = f" (last error: {last_error!r})" if last_error else ""
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}{detail}")


def notebook_calling(function: str) -> Path:
    """The lesson notebook whose code calls ``function(``: found by content, not by number."""
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        cells = json.loads(path.read_text())["cells"]
        if any(f"{function}(" in "".join(c["source"]) for c in cells if c["cell_type"] == "code"):
            return path
    raise AssertionError(f"no lesson calls {function}()")


class Lab:
    """The JupyterLab page a test drives."""

    def __init__(self, driver: Any, server: Any) -> None:
        self.driver = driver
        self.server = server
        self.sources: list[str] = []

    # -- navigation ---------------------------------------------------------------------

    def url(self, path: str) -> str:
        return f"{self.server.base}/lab/tree/{path}?token={self.server.token}"

    def open_notebook(self, relative: str) -> None:
        """Open ``relative`` (under the served folder) and wait until its kernel is idle."""
        # Cell sources come from the file: CodeMirror draws only the lines on screen.
        cells = json.loads((self.server.work / relative).read_text())["cells"]
        self.sources = ["".join(c["source"]) for c in cells]
        self.driver.get(self.url(relative))
        # JupyterLab renders long notebooks in batches: wait for every cell.
        wait_for(lambda: len(self.driver.execute_script(_CELLS_JS, _ACTIVE) or []) == len(self.sources),
                 f"{relative} to show its {len(self.sources)} cells")
        self.wait_idle(f"the kernel of {relative} to start")

    def kernel_status(self) -> str | None:
        return self.driver.execute_script(
            "const i = document.querySelector(arguments[0] + ' .jp-Notebook-ExecutionIndicator');"
            "return i ? i.getAttribute('data-status') : null;", _ACTIVE)

    def wait_idle(self, what: str, timeout: float = WAIT) -> None:
        wait_for(lambda: self.kernel_status() == "idle", what, timeout)

    def menu(self, top: str, item: str) -> None:
        """Click a main-menu entry, e.g. ``menu("Run", "Run All Cells")``."""
        from selenium.webdriver.common.by import By

        bar = wait_for(lambda: self.driver.find_element(
            By.XPATH, f"//li[contains(@class,'lm-MenuBar-item')][.//div[text()='{top}']]"),
            f"the {top} menu")
        bar.click()
        entry = wait_for(lambda: self.driver.find_element(
            By.XPATH, f"//li[contains(@class,'lm-Menu-item')][.//div[text()='{item}']]"),
            f"the menu entry {top} > {item}")
        entry.click()

    def cells(self) -> list[dict[str, Any]]:
        """Each cell as shown (prompt, output text, error count, ...) with its source."""
        shown = self.driver.execute_script(_CELLS_JS, _ACTIVE) or []
        if len(shown) == len(self.sources):
            for cell, source in zip(shown, self.sources):
                cell["source"] = source
        return shown

    def select(self, index: int) -> None:
        """Select cell ``index`` with a real click on its prompt (JupyterLab listens to mousedown).

        On a loaded machine a click can land while the notebook is still scrolling or
        re-rendering and be lost, so the click is repeated until the cell is active.
        """
        from selenium.webdriver.common.action_chains import ActionChains

        def selected() -> bool:
            return bool(self.driver.execute_script(
                "const cell = document.querySelectorAll(arguments[0] + ' .jp-Notebook .jp-Cell')[arguments[1]];"
                "return cell.classList.contains('jp-mod-active');", _ACTIVE, index))

        def click_and_check() -> bool:
            # A modal dialog swallows every click: name it, so a failure says what was in the way.
            dialog = self.driver.execute_script(
                "const d = document.querySelector('.jp-Dialog'); return d ? d.textContent : null;")
            if dialog:
                raise RuntimeError(f"a dialog is open: {dialog.strip()[:200]!r}")
            prompt = self.driver.execute_script(
                "const cell = document.querySelectorAll(arguments[0] + ' .jp-Notebook .jp-Cell')[arguments[1]];"
                "cell.scrollIntoView({block: 'center'});"
                "return cell.querySelector('.jp-InputPrompt, .jp-InputArea-prompt');", _ACTIVE, index)
            ActionChains(self.driver).move_to_element(prompt).click().perform()
            try:
                wait_for(selected, f"cell {index} to be selected", timeout=10)
            except AssertionError:
                return False
            return True

        wait_for(click_and_check, f"cell {index} to be selected")

    def run_cell(self, index: int, timeout: float = WAIT) -> dict[str, Any]:
        """Run one cell (Run > Run Selected Cell and Do not Advance) and wait for it to finish."""
        self.select(index)
        self.menu("Run", "Run Selected Cell and Do not Advance")
        return wait_for(lambda: (cell := self.cells()[index])["prompt"].strip() not in {"[ ]:", "[*]:", ""}
                        and self.kernel_status() == "idle" and cell, f"cell {index} to run", timeout)

    def add_cell_below(self, index: int, code: str) -> int:
        """Insert a code cell below cell ``index`` with the toolbar's + and type ``code`` into it."""
        self.select(index)
        self.active("[data-command='notebook:insert-cell-below']").click()
        self.sources.insert(index + 1, code)
        wait_for(lambda: len(self.cells()) == len(self.sources), "the new cell")
        editor = wait_for(lambda: self.active(".jp-Cell.jp-mod-active .cm-content"), "the new cell's editor")
        editor.click()
        editor.send_keys(code)
        wait_for(lambda: code.splitlines()[0] in editor.text, "the code to be typed")
        return index + 1

    def active(self, selector: str) -> Any:
        from selenium.webdriver.common.by import By

        return self.driver.find_element(By.CSS_SELECTOR, f"{_ACTIVE} {selector}")

    # -- evidence -----------------------------------------------------------------------

    def screenshot(self, name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}-{time.strftime('%H%M%S')}.png"
        try:
            self.driver.save_screenshot(str(path))
        except Exception as error:  # a crashed browser must not hide the test's own failure
            path = path.with_suffix(".txt")
            path.write_text(f"no screenshot: {error!r}\n")
        return path

    # -- cleanup ------------------------------------------------------------------------

    def close_all(self) -> None:
        """Stop every kernel (they cost CPU on a small machine) and leave the page."""
        api = f"{self.server.base}/api/kernels"
        headers = {"Authorization": f"token {self.server.token}"}
        try:
            with urllib.request.urlopen(urllib.request.Request(api, headers=headers), timeout=30) as r:
                kernels = json.load(r)
            for kernel in kernels:
                request = urllib.request.Request(f"{api}/{kernel['id']}", method="DELETE", headers=headers)
                urllib.request.urlopen(request, timeout=60).close()
        except OSError:
            pass
        try:
            # Unsaved notebooks ask "leave this page?"; the copies are throw-away, so do not ask.
            self.driver.execute_script("window.onbeforeunload = null;"
                                       "window.addEventListener('beforeunload',"
                                       " e => e.stopImmediatePropagation(), true);")
            self.driver.get("about:blank")
        except Exception:
            pass
