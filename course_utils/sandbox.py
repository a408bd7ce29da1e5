"""Run the course's exercise tests against a learner's code, isolated (used by checker and grader).

Learner code is untrusted. :func:`run_tests`

* copies only the expected exercise files (given as bytes) into a fresh temporary directory,
  next to the course-owned tests and the course-owned ``conftest.py`` -- never anything else a
  learner wrote (their conftest, tests or helper files are never copied);
* starts ``python -I -B -m course_utils.sandbox CONFIG`` in its own session / process group with
  a cleaned environment, CPU, memory, file-size and open-file limits (``resource.setrlimit`` in
  ``preexec_fn``) and, where the kernel offers Landlock, writes confined to the temporary
  directory and reads confined to Python, the course package and that directory;
* runs pytest with ``-p no:cacheprovider``, ``--rootdir`` and ``--confcutdir`` in the temporary
  directory (only the course's conftest can load), no auto-loaded plugins, and
  :mod:`course_utils.sandbox_plugin`, which streams results as JSON lines and stops any single
  test after ``test_timeout`` real seconds;
* kills the whole process group at the wall-clock limit; if the process dies in the middle (a
  time limit, ``os._exit``, a crash), the test that was running fails with the reason, the rest of
  that exercise is marked not run, and the remaining exercises are run in a fresh process, in a
  directory rebuilt from trusted copies (nothing the learner's code wrote carries over).

Results come back as JSON, never pickle. Nothing outside the temporary directory is written.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from .exercises import TESTS_DIR, test_files_for

try:  # Unix only; on Windows the sandbox runs with a wall-clock limit alone.
    import resource
except ImportError:  # pragma: no cover
    resource = None  # type: ignore[assignment]

PACKAGE_DIR = Path(__file__).resolve().parent
#: Time scale the exercise tests run at (their clocks are mostly fast-forwarded anyway).
SANDBOX_TIME_SCALE = "0.05"
MAX_SOURCE_BYTES = 512 * 1024
MAX_RESULTS_BYTES = 4 * 1024 * 1024
PYTEST_PLUGINS = ("asyncio", "looptime_plugin", "looptime_timeproxies", "looptime_chronometers")

INI = """[pytest]
asyncio_mode = auto
asyncio_default_fixture_loop_scope = function
asyncio_default_test_loop_scope = function
addopts =
filterwarnings =
    ignore::DeprecationWarning
    ignore::pytest.PytestUnraisableExceptionWarning
"""


@dataclass
class TestOutcome:
    """One test's result as a learner sees it."""

    __test__ = False  # a result, not a test class (for pytest)

    exercise: str
    name: str
    nodeid: str
    outcome: str           # "passed" or "failed" (skips count as failed for grading)
    message: str = ""      # why it failed, in words for a learner; "" when it passed
    doc: str = ""          # what the test checks (its docstring's first paragraph)
    duration: float = 0.0  # real seconds

    @property
    def passed(self) -> bool:
        return self.outcome == "passed"


@dataclass
class SandboxResult:
    tests: list[TestOutcome] = field(default_factory=list)
    status: str = "ok"     # "ok", "time limit", "crashed", "error"
    notes: list[str] = field(default_factory=list)
    output: str = ""       # tail of the runner's own output, for diagnosing course bugs
    elapsed: float = 0.0
    runs: int = 0
    isolation: str = ""

    def for_exercise(self, name: str) -> list[TestOutcome]:
        return [t for t in self.tests if t.exercise == name]

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


# ----------------------------------------------------------------------------- parent side


def _limits(cpu_seconds: int, memory_mb: int, file_mb: int) -> Any:
    """The ``preexec_fn``: resource limits for the child, set between fork and exec."""
    if resource is None:
        return None
    mem = memory_mb * 1024 * 1024
    fsize = file_mb * 1024 * 1024
    settings = [
        (getattr(resource, "RLIMIT_CPU", None), (cpu_seconds, cpu_seconds + 5)),
        (getattr(resource, "RLIMIT_AS", None), (mem, mem)),
        (getattr(resource, "RLIMIT_FSIZE", None), (fsize, fsize)),
        (getattr(resource, "RLIMIT_NOFILE", None), (256, 256)),
        (getattr(resource, "RLIMIT_CORE", None), (0, 0)),
    ]
    setrlimit = resource.setrlimit
    sig_ign = signal.SIG_IGN
    sigxfsz = getattr(signal, "SIGXFSZ", None)

    def preexec() -> None:  # runs in the child: keep it to plain system calls
        for which, value in settings:
            if which is None:
                continue
            try:
                setrlimit(which, value)
            except (ValueError, OSError):
                pass
        if sigxfsz is not None:
            # Writing past the file-size limit then fails with an error instead of killing.
            try:
                signal.signal(sigxfsz, sig_ign)
            except (ValueError, OSError):
                pass  # child_main sets it again before any learner code runs

    return preexec


def _clean_env(stage: "_Stage") -> dict[str, str]:
    bindir = str(Path(sys.executable).parent)
    env = {
        "PATH": os.pathsep.join([bindir, "/usr/local/bin", "/usr/bin", "/bin"]),
        "HOME": str(stage.root / "home"),
        "TMPDIR": str(stage.root / "tmp"),
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "COURSE_TIME_SCALE": SANDBOX_TIME_SCALE,
        "COURSE_EXERCISES_DIR": str(stage.exercises),
        "COURSE_SANDBOX": "1",
        "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
        "MALLOC_ARENA_MAX": "2",
        "MPLBACKEND": "Agg",
        "NO_COLOR": "1",
    }
    if os.name == "nt":  # pragma: no cover
        env["SYSTEMROOT"] = os.environ.get("SYSTEMROOT", "")
    return env


def _read_events(path: Path) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    try:
        with open(path, "rb") as fh:
            data = fh.read(MAX_RESULTS_BYTES)
    except OSError:
        return events
    for raw in data.splitlines():
        try:
            event = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            continue
        if isinstance(event, dict) and isinstance(event.get("event"), str):
            events.append(event)
    return events


def _tail(path: Path, limit: int) -> str:
    try:
        size = path.stat().st_size
        with open(path, "rb") as fh:
            fh.seek(max(0, size - limit))
            return fh.read(limit).decode("utf-8", errors="replace")
    except OSError:
        return ""


def _rmtree(path: Path) -> None:
    def onerror(func: Any, p: str, exc: Any) -> None:
        try:
            os.chmod(p, 0o700)
            parent = os.path.dirname(p)
            os.chmod(parent, 0o700)
            func(p)
        except OSError:
            pass

    shutil.rmtree(path, onerror=onerror)


def _crash_reason(returncode: int | None, timed_out: bool, budget: float, cpu_seconds: int,
                  memory_mb: int) -> tuple[str, str]:
    """(status, message) for a run that ended before all its tests reported."""
    if timed_out:
        return "time limit", (f"Your code took longer than {budget:g} s (real time) — an infinite loop, "
                              f"or a blocking call like time.sleep inside async def?")
    if returncode is not None and returncode < 0:
        sig = -returncode
        if sig == getattr(signal, "SIGXCPU", -1):
            return "time limit", (f"Your code used more than {cpu_seconds} s of CPU time: an infinite "
                                  f"loop that never awaits?")
        if sig == signal.SIGKILL:
            return "crashed", (f"The test process was killed, most likely for using too much memory "
                               f"(limit {memory_mb} MB).")
        if sig == signal.SIGSEGV:
            return "crashed", "The test process crashed (segmentation fault)."
        return "crashed", f"The test process was stopped by signal {sig}."
    return "crashed", (f"The test process exited (code {returncode}) while this test ran: does your "
                       f"code call os._exit() or sys.exit()? Return or raise instead.")


def run_tests(sources: Mapping[str, bytes], exercises: Sequence[str], *,
              timeout: float = 60.0, test_timeout: float = 10.0,
              extra_tests: str | os.PathLike[str] | None = None,
              tests_dir: str | os.PathLike[str] | None = None,
              memory_mb: int = 1024, file_mb: int = 16, output_limit: int = 64 * 1024,
              isolate: bool = True, keep: bool = False, shards: int = 1) -> SandboxResult:
    """Run the tests of ``exercises`` against ``sources`` (exercise name -> file contents).

    ``timeout`` is the wall-clock budget for the whole run (all restarts included);
    ``test_timeout`` the real-time limit of one test. ``extra_tests`` is an instructor's folder of
    additional (hidden) ``test_exNN_*.py`` files. ``shards`` > 1 splits the exercises over that
    many processes running side by side (each with the same limits), which pays off when many
    tests wait on the real clock. Never raises for anything the learner's code does; every
    failure is reported in the result.
    """
    start = time.monotonic()
    result = SandboxResult()
    exercises = list(dict.fromkeys(exercises))
    tdir = Path(tests_dir) if tests_dir is not None else TESTS_DIR
    files: dict[str, bytes] = {}
    for name in exercises:
        data = sources.get(name)
        if data is None:
            continue
        if len(data) > MAX_SOURCE_BYTES:
            result.notes.append(f"{name}.py is larger than {MAX_SOURCE_BYTES // 1024} KB and was not run")
            continue
        files[name] = bytes(data)
    helpers = [tdir / h for h in ("conftest.py", "_helpers.py") if (tdir / h).is_file()]
    tests: dict[str, list[Path]] = {}
    for name in exercises:
        for path in test_files_for(name, tdir):
            tests.setdefault(name, []).append(path)
    hidden: dict[str, list[Path]] = {}
    hidden_helpers: list[Path] = []
    if extra_tests is not None:
        for path in sorted(Path(extra_tests).glob("*.py")):
            owner = next((n for n in sorted(exercises, key=len, reverse=True)
                          if path.name.startswith(f"test_{n}")), None)
            if owner is not None:
                hidden.setdefault(owner, []).append(path)
            elif not path.name.startswith("test_"):
                hidden_helpers.append(path)  # the instructor's conftest.py / helper modules
    names = [n for n in exercises if n in tests or n in hidden]
    if not names:
        result.status = "error"
        result.notes.append("no tests found for: " + ", ".join(exercises))
        result.elapsed = round(time.monotonic() - start, 3)
        return result
    tmp = Path(tempfile.mkdtemp(prefix="course-sandbox-"))
    try:
        groups = _split(names, max(1, shards))
        parts = [SandboxResult() for _ in groups]

        def run_group(k: int) -> None:
            group = groups[k]
            stage = _Stage(tmp / f"s{k}", {n: files[n] for n in group if n in files}, helpers,
                           [p for n in group for p in tests.get(n, [])],
                           [p for n in group for p in hidden.get(n, [])], hidden_helpers)
            _run_rounds(parts[k], stage, group, shard=k, start=start, timeout=timeout,
                        test_timeout=test_timeout, memory_mb=memory_mb, file_mb=file_mb,
                        output_limit=output_limit, isolate=isolate)

        if len(groups) == 1:
            run_group(0)
        else:
            threads = [threading.Thread(target=run_group, args=(k,), daemon=True) for k in range(len(groups))]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        _merge(result, parts, exercises, output_limit)
    finally:
        result.elapsed = round(time.monotonic() - start, 3)
        if keep:
            result.notes.append(f"kept sandbox at {tmp}")
        else:
            _rmtree(tmp)
    return result


@dataclass
class _Stage:
    """One test process's directory. Rebuilt from trusted copies before every (re)start, so
    nothing a learner's code wrote during one run can reach the next (e.g. a planted conftest).

    Layout: ``exercises/`` (the learner's files), ``tests/`` (course tests, course conftest,
    ``hidden/``), ``pytest.ini`` -- read-only under Landlock -- and the writable ``home/``,
    ``tmp/``, ``work/`` (the current directory) and ``run/`` (results, logs).
    """

    root: Path
    files: dict[str, bytes]
    helpers: list[Path]
    tests: list[Path]
    hidden: list[Path]
    hidden_helpers: list[Path]

    @property
    def exercises(self) -> Path:
        return self.root / "exercises"

    @property
    def writable(self) -> list[Path]:
        return [self.root / d for d in ("home", "tmp", "work", "run")]

    def build(self) -> list[Path]:
        for name in ("exercises", "tests", "pytest.ini"):
            target = self.root / name
            if target.is_dir() and not target.is_symlink():
                _rmtree(target)
            elif target.exists() or target.is_symlink():
                try:
                    target.unlink()
                except OSError:
                    pass
        for directory in [self.exercises, self.root / "tests", *self.writable]:
            directory.mkdir(parents=True, exist_ok=True)
        for name, data in self.files.items():
            (self.exercises / f"{name}.py").write_bytes(data)
        paths: list[Path] = []
        for path in self.helpers:
            shutil.copyfile(path, self.root / "tests" / path.name)
        for path in self.tests:
            shutil.copyfile(path, self.root / "tests" / path.name)
            paths.append(self.root / "tests" / path.name)
        if self.hidden:
            (self.root / "tests" / "hidden").mkdir()
            for path in self.hidden_helpers:
                shutil.copyfile(path, self.root / "tests" / "hidden" / path.name)
            for path in self.hidden:
                shutil.copyfile(path, self.root / "tests" / "hidden" / path.name)
                paths.append(self.root / "tests" / "hidden" / path.name)
        (self.root / "pytest.ini").write_text(INI, encoding="utf-8")
        return paths


def _split(names: list[str], shards: int) -> list[list[str]]:
    """Deal the exercises round-robin into at most ``shards`` non-empty groups."""
    shards = min(shards, len(names)) or 1
    return [names[k::shards] for k in range(shards)]


_STATUS_ORDER = ("ok", "crashed", "time limit", "error")


def _merge(result: SandboxResult, parts: list[SandboxResult], exercises: list[str], output_limit: int) -> None:
    order = {name: i for i, name in enumerate(exercises)}
    for part in parts:
        result.tests += part.tests
        result.notes += part.notes
        result.runs += part.runs
        result.isolation = result.isolation or part.isolation
        if _STATUS_ORDER.index(part.status) > _STATUS_ORDER.index(result.status):
            result.status = part.status
    result.tests.sort(key=lambda t: order.get(t.exercise, len(order)))  # stable: test order kept
    result.output = "".join(p.output for p in parts)[-output_limit:]


def _run_rounds(result: SandboxResult, stage: _Stage, exercises: list[str], *, shard: int, start: float,
                timeout: float, test_timeout: float, memory_mb: int, file_mb: int, output_limit: int,
                isolate: bool) -> None:
    collected: list[dict[str, Any]] | None = None
    done: dict[str, TestOutcome] = {}
    skip_exercises: dict[str, str] = {}
    by_id: dict[str, dict[str, Any]] = {}
    output_parts: list[str] = []
    rounds = 0
    run_dir = stage.root / "run"
    while True:
        remaining = timeout - (time.monotonic() - start)
        if remaining <= 0.5 or rounds > len(exercises) + 2:
            _fail_rest(collected, done, by_id, "not run: the time limit for the whole run was used up")
            if result.status == "ok":
                result.status = "time limit"
            break
        rounds += 1
        test_paths = stage.build()
        results_path = run_dir / f"results-{rounds}.jsonl"
        config = {
            "results": str(results_path),
            "exercises": exercises,
            "exercises_dir": str(stage.exercises) + os.sep,
            "tests": [str(p) for p in test_paths],
            "rootdir": str(stage.root),
            "ini": str(stage.root / "pytest.ini"),
            "confcutdir": str(stage.root / "tests"),
            "test_timeout": test_timeout,
            "skip_nodeids": sorted(done),
            "skip_exercises": skip_exercises,
            "memory_mb": memory_mb,
            "isolate": isolate,
            "read_paths": _read_paths() + [str(stage.root)],
            "write_paths": [str(p) for p in stage.writable],
        }
        # The config lives outside the stage: nothing the child can write.
        config_path = stage.root.parent / f"config-{shard}-{rounds}.json"
        config_path.write_text(json.dumps(config), encoding="utf-8")
        log_path = stage.root.parent / f"output-{shard}-{rounds}.log"
        cpu_seconds = int(remaining) + 2
        returncode, timed_out = _spawn(config_path, log_path, stage, remaining, cpu_seconds, memory_mb, file_mb)
        result.runs = rounds
        output_parts.append(_tail(log_path, output_limit))
        events = _read_events(results_path)
        started: list[str] = []
        reported_now = 0
        for event in events:
            kind = event.get("event")
            if kind == "collected" and collected is None and isinstance(event.get("tests"), list):
                collected = [t for t in event["tests"] if isinstance(t, dict) and isinstance(t.get("nodeid"), str)]
                by_id = {t["nodeid"]: t for t in collected}
            elif kind == "isolation" and isinstance(event.get("mode"), str):
                result.isolation = event["mode"][:200]
            elif kind == "start" and isinstance(event.get("nodeid"), str):
                started.append(event["nodeid"])
            elif kind == "report":
                nodeid = event.get("nodeid")
                if nodeid in by_id and nodeid not in done:  # the first report wins
                    done[nodeid] = _outcome(by_id[nodeid], event)
                    reported_now += 1
        if collected is None:
            result.status = "error"
            result.notes.append("the tests could not be started"
                                + (f" (exit code {returncode})" if returncode else ""))
            break
        if all(t["nodeid"] in done for t in collected):
            break
        # The run ended early: blame the test that was running, skip the rest of its exercise.
        status, reason = _crash_reason(returncode, timed_out, round(remaining, 1), cpu_seconds, memory_mb)
        culprit = next((n for n in reversed(started) if n in by_id and n not in done), None)
        if culprit is not None:
            done[culprit] = _outcome(by_id[culprit], {"outcome": "failed", "message": reason})
            exercise = by_id[culprit].get("exercise", "")
            skip_exercises[exercise] = ("not run: an earlier test of this exercise "
                                        + ("ran out of time" if status == "time limit" else "crashed the test process"))
            result.notes.append(f"{exercise}: {reason}")
        elif reported_now == 0:
            _fail_rest(collected, done, by_id, reason)
            result.notes.append(reason)
        if result.status == "ok":
            result.status = status
    result.output = "".join(output_parts)[-output_limit:]
    order = {t["nodeid"]: i for i, t in enumerate(collected or [])}
    result.tests = sorted(done.values(), key=lambda t: order.get(t.nodeid, 0))


def _fail_rest(collected: list[dict[str, Any]] | None, done: dict[str, TestOutcome],
               by_id: dict[str, dict[str, Any]], message: str) -> None:
    for test in collected or []:
        if test["nodeid"] not in done:
            done[test["nodeid"]] = _outcome(test, {"outcome": "failed", "message": message})


def _outcome(test: dict[str, Any], event: dict[str, Any]) -> TestOutcome:
    outcome = event.get("outcome")
    duration = event.get("duration")
    return TestOutcome(
        exercise=str(test.get("exercise", ""))[:100],
        name=str(test.get("name", ""))[:200],
        nodeid=str(test.get("nodeid", ""))[:300],
        outcome="passed" if outcome == "passed" else "failed",
        message=str(event.get("message") or "")[:1000],
        doc=str(test.get("doc", ""))[:500],
        duration=float(duration) if isinstance(duration, (int, float)) else 0.0,
    )


def _read_paths() -> list[str]:
    """What a sandboxed run may read: Python, its packages, the course package, system files."""
    paths = {sys.prefix, sys.base_prefix, sys.exec_prefix, str(PACKAGE_DIR),
             "/usr", "/lib", "/lib64", "/bin", "/sbin", "/etc", "/proc", "/sys", "/dev", "/opt"}
    for entry in sys.path:
        if entry and os.path.isdir(entry) and Path(entry).resolve() != PACKAGE_DIR.parent:
            paths.add(entry)
    for p in list(paths):
        try:
            paths.add(str(Path(p).resolve()))
        except OSError:
            pass
    return sorted(p for p in paths if os.path.exists(p))


def _spawn(config_path: Path, log_path: Path, stage: "_Stage", budget: float,
           cpu_seconds: int, memory_mb: int, file_mb: int) -> tuple[int | None, bool]:
    args = [sys.executable, "-I", "-B", "-m", "course_utils.sandbox", str(config_path)]
    kwargs: dict[str, Any] = {}
    if os.name == "posix":
        kwargs["start_new_session"] = True
        kwargs["preexec_fn"] = _limits(cpu_seconds, memory_mb, file_mb)
    else:  # pragma: no cover
        kwargs["creationflags"] = getattr(subprocess, "CREATE_NEW_PROCESS_GROUP", 0)
    timed_out = False
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(args, cwd=str(stage.root / "work"), env=_clean_env(stage),
                                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                close_fds=True, **kwargs)
        try:
            proc.wait(timeout=max(0.5, budget))
        except subprocess.TimeoutExpired:
            timed_out = True
        finally:
            _kill_group(proc)
    return proc.returncode, timed_out


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    if os.name == "posix":
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # the session leader's pid is the group id
        except (ProcessLookupError, PermissionError):
            pass
    else:  # pragma: no cover
        proc.kill()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:  # pragma: no cover
        pass


# ----------------------------------------------------------------------------- child side


def _landlock(read_paths: Iterable[str], write_paths: Iterable[str]) -> str:
    """Confine this process (and its children) with Landlock, if the kernel offers it.

    Writes only under ``write_paths`` (plus /dev/null and /dev/shm for process pools), reads only
    under ``read_paths`` and ``write_paths``; signals to processes outside are refused (ABI 6).
    """
    if not sys.platform.startswith("linux"):
        return "rlimits only (no Landlock on this system)"
    import ctypes
    import platform

    numbers = {"x86_64": (444, 445, 446), "aarch64": (444, 445, 446)}
    machine = platform.machine()
    if machine not in numbers:
        return "rlimits only (no Landlock on this system)"
    create, add_rule, restrict = numbers[machine]
    libc = ctypes.CDLL(None, use_errno=True)
    syscall = libc.syscall
    syscall.restype = ctypes.c_long
    abi = syscall(ctypes.c_long(create), None, ctypes.c_size_t(0), ctypes.c_uint32(1))
    if abi < 1:
        return "rlimits only (Landlock unavailable)"

    EXECUTE, WRITE_FILE, READ_FILE, READ_DIR = 1, 2, 4, 8
    REMOVE_DIR, REMOVE_FILE, MAKE_CHAR, MAKE_DIR = 16, 32, 64, 128
    MAKE_REG, MAKE_SOCK, MAKE_FIFO, MAKE_BLOCK, MAKE_SYM = 256, 512, 1024, 2048, 4096
    REFER, TRUNCATE = 1 << 13, 1 << 14
    write = (WRITE_FILE | REMOVE_DIR | REMOVE_FILE | MAKE_CHAR | MAKE_DIR | MAKE_REG | MAKE_SOCK
             | MAKE_FIFO | MAKE_BLOCK | MAKE_SYM)
    if abi >= 2:
        write |= REFER
    if abi >= 3:
        write |= TRUNCATE
    read = READ_FILE | READ_DIR
    handled = write | read

    class RulesetAttr(ctypes.Structure):
        _fields_ = [("handled_access_fs", ctypes.c_uint64), ("handled_access_net", ctypes.c_uint64),
                    ("scoped", ctypes.c_uint64)]

    class PathBeneath(ctypes.Structure):
        _pack_ = 1
        _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]

    attr = RulesetAttr(handled, 0, 2 if abi >= 6 else 0)  # 2 = LANDLOCK_SCOPE_SIGNAL
    size = 24 if abi >= 6 else 8
    ruleset = syscall(ctypes.c_long(create), ctypes.byref(attr), ctypes.c_size_t(size), ctypes.c_uint32(0))
    if ruleset < 0:
        return f"rlimits only (Landlock refused: errno {ctypes.get_errno()})"
    file_rights = WRITE_FILE | READ_FILE | (TRUNCATE if abi >= 3 else 0)

    def allow(path: str, rights: int) -> None:
        try:
            fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
        except OSError:
            return
        try:
            if not os.path.isdir(path):
                rights &= file_rights | EXECUTE
            rule = PathBeneath(rights, fd)
            syscall(ctypes.c_long(add_rule), ctypes.c_int(ruleset), ctypes.c_int(1), ctypes.byref(rule),
                    ctypes.c_uint32(0))
        finally:
            os.close(fd)

    try:
        for path in read_paths:
            allow(path, read)
        for path in write_paths:
            allow(path, read | write)
        allow("/dev/null", READ_FILE | WRITE_FILE)
        allow("/dev/shm", read | write)  # multiprocessing's semaphores live here
        if libc.prctl(38, 1, 0, 0, 0) != 0:  # PR_SET_NO_NEW_PRIVS
            return "rlimits only (could not set no_new_privs)"
        if syscall(ctypes.c_long(restrict), ctypes.c_int(ruleset), ctypes.c_uint32(0)) != 0:
            return f"rlimits only (Landlock refused: errno {ctypes.get_errno()})"
    finally:
        os.close(ruleset)
    return f"Landlock ABI {abi}: writes confined to the sandbox directory"


def child_main(config_path: str) -> int:
    """Entry point inside the sandbox: confine, then run pytest with the course plugin."""
    with open(config_path, encoding="utf-8") as fh:
        config = json.load(fh)
    if hasattr(signal, "SIGXFSZ"):
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    isolation = "none"
    if config.get("isolate", True):
        try:
            isolation = _landlock(config.get("read_paths", []), config.get("write_paths", []))
        except Exception as error:  # pragma: no cover - best effort
            isolation = f"rlimits only (Landlock failed: {error})"
    from . import sandbox_plugin

    sandbox_plugin.CONFIG.update(config)
    sandbox_plugin._emit({"event": "isolation", "mode": isolation})
    import pytest

    args = ["-c", config["ini"], "--rootdir", config["rootdir"], "--confcutdir", config["confcutdir"],
            "-q", "--tb=no", "--show-capture=no", "--assert=plain",
            "--no-header", "-p", "no:cacheprovider", "-p", "no:stepwise", "--import-mode=importlib"]
    for plugin in PYTEST_PLUGINS:
        args += ["-p", plugin]
    args += ["-p", "course_utils.sandbox_plugin", *config["tests"]]
    return int(pytest.main(args))


if __name__ == "__main__":
    sys.exit(child_main(sys.argv[1]))
