"""Start the course's HTTP server from a notebook and stop it cleanly (introduced in lesson 10;
lesson 01 already borrows :func:`serve_async` to try the provider switch).

>>> with serve(rpm=60) as base_url:      # "http://127.0.0.1:PORT/v1"
...     client = AsyncOpenAI(base_url=base_url, api_key="anything")
>>> async with serve_async(error_rate=0.2) as base_url:   # the same, without blocking the loop
...     ...

Why a subprocess and not uvicorn in a thread of the notebook's kernel: the server then has its
own event loop, its own GIL and its own crash domain. A lesson that blocks the kernel's loop
(lesson 11 does so on purpose) cannot freeze the server, the latencies a client measures are
real network latencies, a server bug cannot take the learner's kernel down, and stopping it
really frees the port. The cost is about a second of start-up, paid once per ``with`` block.

Readiness is not guessed with a sleep: the server prints its URL only once it accepts
connections, and ``serve`` then confirms with one ``GET /health`` before returning.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import queue
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import AsyncIterator, Iterable, Iterator

import httpx

_URL = re.compile(r"(https?://\S+/v1)\b")
_PACKAGE_ROOT = str(Path(__file__).resolve().parent.parent)
_live: set["ServerProcess"] = set()


class ServerStartError(RuntimeError):
    """A course server did not come up (port taken, startup failed, ...); the message says why.

    For the server subprocess, the message ends with what it wrote to stderr.
    """


def server_args(*, model: str | None = None, seed: int | None = None, host: str = "127.0.0.1",
                port: int = 0, rpm: float | None = None, tpm: float | None = None,
                burst: float | None = None, per_key: bool = False, error_rate: float = 0.0,
                overloaded_rate: float = 0.0, hang_rate: float = 0.0, cut_rate: float = 0.0,
                hang_seconds: float | None = None, fault_script: Iterable[str] = (),
                time_scale: float | None = None, max_body_bytes: int | None = None,
                fault_header: bool = True, log_level: str = "warning",
                access_log: bool = False) -> list[str]:
    """The command-line options of ``python -m course_utils.server`` for these settings."""
    args = ["--host", host, "--port", str(port), "--log-level", log_level]
    for flag, value in (("--model", model), ("--seed", seed), ("--rpm", rpm), ("--tpm", tpm),
                        ("--burst", burst), ("--hang-seconds", hang_seconds),
                        ("--time-scale", time_scale), ("--max-body-bytes", max_body_bytes)):
        if value is not None:
            args += [flag, str(value)]
    for flag, rate in (("--error-rate", error_rate), ("--overloaded-rate", overloaded_rate),
                       ("--hang-rate", hang_rate), ("--cut-rate", cut_rate)):
        if rate:
            args += [flag, str(rate)]
    script = list(fault_script)
    if script:
        args += ["--fault-script", ",".join(script)]
    if per_key:
        args.append("--per-key")
    if not fault_header:
        args.append("--no-fault-header")
    if access_log:
        args.append("--access-log")
    return args


class ServerProcess:
    """One ``python -m course_utils.server`` child process. Introduced in lesson 10.

    ``start()`` returns once it answers; ``stop()`` asks it to finish (SIGTERM), kills it if it
    does not within ``grace`` seconds, and always reaps it, so no zombie is left behind.
    """

    def __init__(self, args: list[str], *, env: dict[str, str] | None = None,
                 startup_timeout: float = 30.0, grace: float = 5.0,
                 command: list[str] | None = None) -> None:
        # ``command`` replaces ``python -m course_utils.server`` (the benchmark's baseline
        # server); it must print its ``http://.../v1`` URL once ready, like the real one.
        self.command = command or [sys.executable, "-m", "course_utils.server"]
        self.args = args
        self.env = env
        self.startup_timeout = startup_timeout
        self.grace = grace
        self.base_url: str | None = None
        self._returncode: int | None = None
        self._proc: subprocess.Popen[str] | None = None
        self._stderr = tempfile.TemporaryFile(mode="w+", encoding="utf-8", errors="replace")
        self._final_stderr = ""
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._reader: threading.Thread | None = None

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    @property
    def root_url(self) -> str:
        """The server's address without ``/v1`` (where ``/health`` and ``/stats`` live)."""
        if self.base_url is None:
            raise RuntimeError("the server is not running")
        return self.base_url[: -len("/v1")]

    def stderr_text(self) -> str:
        """Everything the server wrote to stderr so far (kept after ``stop()`` too)."""
        if self._stderr.closed:
            return self._final_stderr
        fd = self._stderr.fileno()
        if hasattr(os, "pread"):
            # The child shares this file's offset: read without moving it under its writes.
            size = os.fstat(fd).st_size
            return os.pread(fd, size, 0).decode("utf-8", "replace") if size else ""
        self._stderr.seek(0)
        text = self._stderr.read()
        self._stderr.seek(0, os.SEEK_END)
        return text

    def _child_env(self) -> dict[str, str]:
        env = dict(os.environ if self.env is None else self.env)
        # The child must import this very course_utils, installed or not.
        env["PYTHONPATH"] = os.pathsep.join(p for p in (_PACKAGE_ROOT, env.get("PYTHONPATH")) if p)
        env["PYTHONUNBUFFERED"] = "1"
        return env

    def start(self) -> str:
        """Launch the server and wait until it answers; return its base URL (``.../v1``)."""
        command = [*self.command, *self.args, "--exit-with-parent"]
        self._proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=self._stderr,
                                      stdin=subprocess.DEVNULL, text=True, encoding="utf-8",
                                      errors="replace", env=self._child_env())
        _live.add(self)
        # A thread keeps reading stdout so the pipe can never fill up and stall the server.
        self._reader = threading.Thread(target=self._read_stdout, name="course-server-stdout",
                                        daemon=True)
        self._reader.start()
        try:
            self.base_url = self._wait_for_url(time.monotonic() + self.startup_timeout)
            self._check_health(time.monotonic() + self.startup_timeout)
        except BaseException:
            self.stop()
            raise
        return self.base_url

    def _read_stdout(self) -> None:
        assert self._proc is not None and self._proc.stdout is not None
        for line in self._proc.stdout:
            self._lines.put(line)
        self._lines.put(None)

    def _fail(self, why: str) -> ServerStartError:
        assert self._proc is not None
        with contextlib.suppress(subprocess.TimeoutExpired):
            self._proc.wait(timeout=1.0)  # let it finish writing stderr if it is dying
        stderr = self.stderr_text().strip() or "(nothing on stderr)"
        command = " ".join(["python -m course_utils.server", *self.args])
        return ServerStartError(f"{command} {why}.\n--- server stderr ---\n{stderr[-4000:]}")

    def _wait_for_url(self, deadline: float) -> str:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise self._fail(f"did not start within {self.startup_timeout:g} s")
            try:
                line = self._lines.get(timeout=min(left, 0.5))
            except queue.Empty:
                continue
            if line is None:
                code = self._proc.wait() if self._proc else None
                raise self._fail(f"exited with code {code} before it was ready")
            found = _URL.search(line)
            if found:
                return found.group(1)

    def _check_health(self, deadline: float) -> None:
        # The URL is printed once uvicorn listens, so this normally succeeds at once; the
        # loop only covers a slow first request on a loaded machine.
        with httpx.Client(trust_env=False, timeout=5.0) as client:
            while True:
                try:
                    if client.get(f"{self.root_url}/health").status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                if self._proc is not None and self._proc.poll() is not None:
                    raise self._fail(f"exited with code {self._proc.returncode}")
                if time.monotonic() > deadline:
                    raise self._fail("printed its URL but does not answer /health")
                time.sleep(0.05)

    def stats(self) -> dict:
        """What the server counted (requests, statuses, SDK retries, usage): ``GET /stats``."""
        with httpx.Client(trust_env=False, timeout=5.0) as client:
            return client.get(f"{self.root_url}/stats").json()

    def stop(self) -> None:
        """Stop the server (politely, then forcefully) and reap it. Safe to call twice."""
        proc, self._proc = self._proc, None
        _live.discard(self)
        if proc is not None:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=self.grace)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
            if self._reader is not None:
                self._reader.join(timeout=2.0)
            if proc.stdout is not None:
                proc.stdout.close()
            self._returncode = proc.returncode
        self.base_url = None
        if not self._stderr.closed:
            self._final_stderr = self.stderr_text()
            self._stderr.close()

    @property
    def returncode(self) -> int | None:
        """The exit status once stopped (``None`` while running)."""
        return self._returncode

    def __enter__(self) -> "ServerProcess":
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"ServerProcess(base_url={self.base_url!r}, pid={self.pid})"


@atexit.register
def _stop_all() -> None:
    # A notebook kernel that exits without leaving its ``with`` block must not leak servers.
    for server in list(_live):
        with contextlib.suppress(Exception):
            server.stop()


@contextlib.contextmanager
def serve(model: str | None = None, seed: int | None = None, *, env: dict[str, str] | None = None,
          startup_timeout: float = 30.0, **options: object) -> Iterator[str]:
    """Run the simulated LLM server for the ``with`` block and yield its base URL.

    ``options`` are those of :func:`server_args`: ``rpm``, ``tpm``, ``burst``, ``per_key``,
    ``error_rate``, ``overloaded_rate``, ``hang_rate``, ``cut_rate``, ``hang_seconds``,
    ``fault_script``, ``time_scale``, ``port`` (0 = a free one), ``max_body_bytes``... The
    server inherits ``COURSE_TIME_SCALE`` unless ``time_scale`` is given. Introduced in lesson 10.
    """
    server = ServerProcess(server_args(model=model, seed=seed, **options),  # type: ignore[arg-type]
                           env=env, startup_timeout=startup_timeout)
    server.start()
    try:
        yield server.base_url  # type: ignore[misc]
    finally:
        server.stop()


@contextlib.asynccontextmanager
async def serve_async(model: str | None = None, seed: int | None = None, *,
                      env: dict[str, str] | None = None, startup_timeout: float = 30.0,
                      **options: object) -> AsyncIterator[str]:
    """``async with serve_async(...) as base_url:``, the event loop keeps running while the
    server starts and stops (both happen in a worker thread). Introduced in lesson 10."""
    import asyncio

    server = ServerProcess(server_args(model=model, seed=seed, **options),  # type: ignore[arg-type]
                           env=env, startup_timeout=startup_timeout)
    try:
        await asyncio.to_thread(server.start)
    except BaseException:
        # Cancelled while starting: the thread finishes start() regardless, so stop it here.
        await asyncio.shield(asyncio.to_thread(server.stop))
        raise
    try:
        yield server.base_url  # type: ignore[misc]
    finally:
        await asyncio.to_thread(server.stop)
