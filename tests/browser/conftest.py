"""Real-browser tests: JupyterLab started the README way (``run.py lab``), driven by Chromium.

nbval executes notebooks without a frontend, so it cannot see what a learner meets: a widget
whose output JupyterLab drops, a link that leads nowhere, a toast in the way. These tests open
the course in headless Debian Chromium through its chromedriver (Selenium downloads nothing
when given the driver's path).

Chromium is found at ``/usr/bin/chromium`` and ``/usr/bin/chromedriver`` (override with
``COURSE_CHROMIUM`` / ``COURSE_CHROMEDRIVER``); without them every test here is skipped with one
line saying how to get them. On a failure, a screenshot is saved and its path is printed in the
failure report. Every wait is on a condition, with generous limits for a loaded 2-core machine.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .jupyterlab import ROOT, WAIT, Lab

CHROMIUM = os.environ.get("COURSE_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("COURSE_CHROMEDRIVER", "/usr/bin/chromedriver")
#: Generous limit (seconds): a loaded 2-core machine starts JupyterLab slowly.
START_TIMEOUT = 240.0
ENABLE = ("browser tests skipped: Chromium not found; install it with "
          "`sudo apt-get install chromium chromium-driver` (Debian/Ubuntu) to run them")


def _have_browser() -> bool:
    return all(Path(p).exists() and os.access(p, os.X_OK) for p in (CHROMIUM, CHROMEDRIVER))


if not _have_browser():
    # Not collected at all, so the run says it once (below) rather than once per test.
    collect_ignore_glob = ["test_*.py"]


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not _have_browser():
        terminalreporter.write_line(ENABLE)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LabServer:
    """``python3 run.py lab`` in its own process group, on a free port, with a known token."""

    def __init__(self, work: Path, home: Path) -> None:
        self.work = work
        self.port = _free_port()
        self.token = "course-browser-test-" + os.urandom(8).hex()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "COURSE_"))}
        env.update({
            "COURSE_TIME_SCALE": "0.05",      # lessons twenty times faster, as in the test suite
            "COURSE_WORK_DIR": str(work),     # a throw-away my-work/, not the developer's
            "JUPYTER_TOKEN": self.token,
            # Fresh JupyterLab state: no remembered layout, settings or open tabs.
            "JUPYTERLAB_SETTINGS_DIR": str(home / "settings"),
            "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces"),
            "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
            "MPLBACKEND": "module://matplotlib_inline.backend_inline",
        })
        self.lines: list[str] = []
        self.url: str | None = None
        self._ready = threading.Event()
        self.process = subprocess.Popen(
            [sys.executable, str(ROOT / "run.py"), "lab", "--port", str(self.port), "--no-browser"],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            start_new_session=True,  # so teardown can stop run.py and JupyterLab together
        )
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.rstrip())
            found = re.search(r"open in JupyterLab: (\S+)", line)
            if found:
                self.url = found.group(1)
                self._ready.set()
        self._ready.set()

    def wait_ready(self) -> str:
        if not self._ready.wait(START_TIMEOUT) or self.url is None:
            self.stop()
            raise RuntimeError("`run.py lab` did not report a URL:\n" + "\n".join(self.lines[-30:]))
        return self.url

    def stop(self) -> None:
        if self.process.poll() is not None:
            return
        pgid = os.getpgid(self.process.pid)
        os.killpg(pgid, signal.SIGINT)  # what Ctrl+C does: run.py and JupyterLab both stop
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(pgid, signal.SIGKILL)
            self.process.wait()


@pytest.fixture(scope="session")
def lab_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabServer]:
    if not _have_browser():
        pytest.skip(ENABLE)
    home = tmp_path_factory.mktemp("lab-home")
    server = LabServer(home / "my-work", home)
    try:
        server.wait_ready()
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def driver(lab_server: LabServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", "--window-size=1400,1000",
                 f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}"):
        options.add_argument(flag)
    browser = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    browser.set_page_load_timeout(WAIT)
    try:
        yield browser
    finally:
        browser.quit()


@pytest.fixture
def lab(driver: Any, lab_server: LabServer) -> Iterator[Lab]:
    page = Lab(driver, lab_server)
    yield page
    page.close_all()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    page = getattr(item, "funcargs", {}).get("lab")
    if report.when == "call" and report.failed and page is not None:
        path = page.screenshot(item.name)
        report.sections.append(("browser screenshot", f"saved to {path}"))
        report.longrepr = f"{report.longrepr}\n\nscreenshot of the browser: {path}"
