"""Run the course's exercise tests against a learner's code, isolated (used by checker and grader).

Learner code is untrusted. :func:`run_tests` copies only the expected exercise files (given as
bytes) into a fresh stage folder next to the course-owned tests and ``conftest.py`` -- never
anything else a learner wrote -- and runs pytest with :mod:`course_utils.sandbox_plugin` in a
separate process, in one of two ways:

* ``isolation="strong"`` (the grader): inside bubblewrap (:mod:`course_utils.isolation`): new PID,
  network, IPC and mount namespaces; a read-only view of the system libraries, Python, the course
  package, the learner's files and the tests; size-capped private ``/tmp``, ``/dev/shm`` and
  working folder; a clean environment. As root, the test process reads the tests, then switches
  to uid 65534 before any learner code runs, so the tests (hidden ones included) are unreadable
  to it; a cgroup caps the processes and the summed memory of the whole process tree and is
  killed at the end.
* ``isolation="light"`` (the in-notebook ``check()``): a process group with a cleaned
  environment and rlimits, writes confined by Landlock where the kernel has it.

Results come back as JSON lines over a pipe the parent opened (no file learner code could
append to). The parent checks the stream against its own expectations: the tests it collected
itself, one start then one report per test in collection order, canary tests (see
:func:`_canaries`) failing as they must, pytest's own exit status. Anything inconsistent is
kept as evidence in :attr:`SandboxResult.review`.

A time limit or crash in one exercise costs that exercise only: the test that ran fails with the
reason, the rest of its exercise is marked not run, and the remaining exercises are run again in
a fresh process, in a stage rebuilt from trusted copies.
"""

from __future__ import annotations

import ast
import json
import os
import random
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

from . import isolation as iso
from .exercises import TESTS_DIR, test_files_for

try:  # Unix only; on Windows the sandbox runs with a wall-clock limit alone.
    import resource
except ImportError:  # pragma: no cover
    resource = None  # type: ignore[assignment]

PACKAGE_DIR = Path(__file__).resolve().parent
MAX_SOURCE_BYTES = 512 * 1024
MAX_RESULTS_BYTES = 4 * 1024 * 1024
PYTEST_PLUGINS = ("asyncio", "looptime_plugin", "looptime_timeproxies", "looptime_chronometers")
#: Where the stage appears inside the bubblewrap sandbox.
SANDBOX_ROOT = "/sandbox"
#: Exit code of a test process that stopped on purpose after a time limit (the parent restarts).
EXIT_RESTART = 75
#: Exit code of a test process that could not drop its privileges (no learner code ran).
EXIT_NO_DROP = 76
#: Caps of one test process tree in strong isolation.
PIDS_MAX = 128
#: Without a pids cgroup: RLIMIT_NPROC, which counts every process of the user on the machine.
NPROC_FALLBACK = 1024
TMP_MB, SHM_MB, WORK_MB = 64, 16, 64

INI = """[pytest]
asyncio_mode = auto
asyncio_default_fixture_loop_scope = function
asyncio_default_test_loop_scope = function
addopts =
filterwarnings =
    ignore::DeprecationWarning
    ignore::pytest.PytestUnraisableExceptionWarning
"""


class IsolationUnavailable(RuntimeError):
    """``isolation="strong"`` was asked for on a machine that cannot give it."""


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
    isolation: str = ""    # what the runs were isolated with, in words
    level: str = ""        # "strong", "partial", "weak" or "light"
    review: list[str] = field(default_factory=list)  # evidence of tampering; empty when none

    def for_exercise(self, name: str) -> list[TestOutcome]:
        return [t for t in self.tests if t.exercise == name]

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


# ----------------------------------------------------------------------------- the parent's own collection


@dataclass(frozen=True)
class Collection:
    """The tests the parent collected itself, with no learner code anywhere: nodeid -> exercise."""

    tests: dict[str, str]

    def for_exercises(self, names: Iterable[str]) -> set[str]:
        wanted = set(names)
        return {n for n, ex in self.tests.items() if ex in wanted}


def collect(exercises: Sequence[str], *, extra_tests: str | os.PathLike[str] | None = None,
            tests_dir: str | os.PathLike[str] | None = None, timeout: float = 120.0) -> Collection:
    """Collect the tests of ``exercises`` in a trusted process (no learner files at all).

    Node ids are relative to the stage root, so they are the same as in a sandboxed run."""
    plan = _plan({}, list(dict.fromkeys(exercises)), tests_dir, extra_tests)
    tmp = Path(tempfile.mkdtemp(prefix="course-collect-"))
    try:
        stage = _Stage(tmp / "s", {}, plan.helpers, [p for n in plan.names for p in plan.tests.get(n, [])],
                       [p for n in plan.names for p in plan.hidden.get(n, [])], plan.hidden_helpers, [])
        stage.names = plan.names
        test_paths = stage.build(strong=False)
        config = _config(stage, plan.names, test_paths, inside=None, test_timeout=0, done=[], skip={},
                         memory_mb=1024, isolate=False, collect_only=True)
        run = _Process(config, stage, mode="light", caps=None, budget=timeout, cpu_seconds=int(timeout),
                       memory_mb=2048, file_mb=16)
        run.start_and_wait()
        collected = next((e for e in run.events if e.get("event") == "collected"), None)
        if collected is None:
            raise RuntimeError("the grader could not collect the tests: " + run.output[-2000:])
        return Collection({t["nodeid"]: str(t.get("exercise", "")) for t in collected["tests"]})
    finally:
        _rmtree(tmp)


# ----------------------------------------------------------------------------- canaries


_TEST_DEF = (ast.FunctionDef, ast.AsyncFunctionDef)
#: CPython 3.11 (up to 3.11.7) shares the AST converter's recursion counter between threads
#: (gh-106905): two graders' threads parsing at once can raise "SystemError: AST constructor
#: recursion depth mismatch". Canaries are built under this lock; it costs microseconds.
_AST_LOCK = threading.Lock()


def _canary_module(public: Path, rng: random.Random) -> tuple[str, str] | None:
    """A canary built from a public test module: one of its tests (same body), renamed, the rest
    of its tests removed, and the module's ``ex`` fixture giving a stand-in whose every use
    raises -- so no honest run can pass it. Returns (source, test name) or None."""
    try:
        text = public.read_text(encoding="utf-8")
    except OSError:
        return None
    with _AST_LOCK:
        return _canary_from(_parse_or_none(text), public.name, rng)


def _parse_or_none(text: str) -> ast.Module | None:
    try:
        return ast.parse(text)
    except SyntaxError:
        return None


def _canary_from(tree: ast.Module | None, filename: str, rng: random.Random) -> tuple[str, str] | None:
    if tree is None:
        return None
    candidates = [node for node in tree.body if isinstance(node, _TEST_DEF) and node.name.startswith("test")
                  and "ex" in [a.arg for a in node.args.args]
                  and not any("parametrize" in ast.unparse(d) or "skip" in ast.unparse(d) or "xfail" in ast.unparse(d)
                              for d in node.decorator_list)]
    if not candidates:
        return None
    chosen = rng.choice(candidates)
    words = [w for node in tree.body if isinstance(node, _TEST_DEF) and node.name.startswith("test_")
             for w in node.name[5:].split("_") if w]
    existing = {node.name for node in tree.body if isinstance(node, (*_TEST_DEF, ast.ClassDef))}
    name = chosen.name
    while name in existing:
        name = "test_" + "_".join(rng.sample(words, min(len(words), rng.randint(2, 4)))) if words else \
            f"test_case_{rng.randint(10, 99)}"
    body = []
    for node in tree.body:
        if node is chosen:
            node.name = name
            body.append(node)
        elif isinstance(node, _TEST_DEF) and node.name.startswith("test"):
            continue
        elif isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
            continue
        else:
            body.append(node)
    tree.body = body
    source = ast.unparse(tree) + (
        "\nimport pytest\n\n\nclass _Unwritten(BaseException):\n    pass\n\n\n"
        "class _Missing:\n\n    def __getattr__(self, name):\n"
        "        raise _Unwritten(f'{name} is not written yet')\n\n\n"
        "@pytest.fixture\ndef ex():\n    return _Missing()\n")
    try:  # a canary that does not even compile would break the run for an honest learner
        compile(source, filename, "exec")
    except SyntaxError:
        return None
    return source, name


def _canaries(plan: "_Plan", group: list[str], rng: random.Random, count: int) -> list[tuple[str, str, str, str]]:
    """``count`` canaries per exercise of ``group``: (path under ``tests/``, source, node id,
    exercise). Each sits beside the public tests or, where the exercise has hidden tests, at
    random among those, so neither its folder nor its place in the run gives it away (a forger
    that spares the hidden folder still meets one)."""
    out: list[tuple[str, str, str, str]] = []
    for exercise in group:
        publics = plan.tests.get(exercise) or []
        hidden = plan.hidden.get(exercise) or []
        taken = {p.name for p in publics} | {f"hidden/{p.name}" for p in hidden}
        made = 0
        for _ in range(4 * count):
            if made >= count or not publics:
                break
            built = _canary_module(rng.choice(publics), rng)
            if built is None:
                continue
            source, name = built
            suffix = rng.choice(["edge", "extra", "more", "cases", "regression", "robust", "spec", "check"])
            folder = "hidden/" if hidden and rng.random() < 0.5 else ""
            relative = f"{folder}test_{exercise}_{suffix}{rng.randint(2, 9)}.py"
            if relative in taken:
                continue
            taken.add(relative)
            out.append((relative, source, f"tests/{relative}::{name}", exercise))
            made += 1
    return out


# ----------------------------------------------------------------------------- parent side


@dataclass
class _Plan:
    names: list[str]
    files: dict[str, bytes]
    helpers: list[Path]
    tests: dict[str, list[Path]]
    hidden: dict[str, list[Path]]
    hidden_helpers: list[Path]
    notes: list[str]


def _plan(sources: Mapping[str, bytes], exercises: list[str], tests_dir: str | os.PathLike[str] | None,
          extra_tests: str | os.PathLike[str] | None) -> _Plan:
    tdir = Path(tests_dir) if tests_dir is not None else TESTS_DIR
    files: dict[str, bytes] = {}
    notes: list[str] = []
    for name in exercises:
        data = sources.get(name)
        if data is None:
            continue
        if len(data) > MAX_SOURCE_BYTES:
            notes.append(f"{name}.py is larger than {MAX_SOURCE_BYTES // 1024} KB and was not run")
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
    return _Plan(names, files, helpers, tests, hidden, hidden_helpers, notes)


def _limits(cpu_seconds: int, memory_mb: int, file_mb: int, nproc: int | None = None) -> list[tuple[int, tuple[int, int]]]:
    if resource is None:
        return []
    mem = memory_mb * 1024 * 1024
    fsize = file_mb * 1024 * 1024
    wanted = [
        ("RLIMIT_CPU", (cpu_seconds, cpu_seconds + 5)),
        ("RLIMIT_AS", (mem, mem)),
        ("RLIMIT_FSIZE", (fsize, fsize)),
        ("RLIMIT_NOFILE", (256, 256)),
        ("RLIMIT_CORE", (0, 0)),
    ]
    if nproc is not None:
        wanted.append(("RLIMIT_NPROC", (nproc, nproc)))
    return [(getattr(resource, k), v) for k, v in wanted if hasattr(resource, k)]


def _preexec(settings: list[tuple[int, tuple[int, int]]], join_cgroup: Any = None) -> Any:
    """The ``preexec_fn``: join the cgroup and set resource limits, between fork and exec."""
    setrlimit = resource.setrlimit if resource is not None else None
    sig_ign = signal.SIG_IGN
    sigxfsz = getattr(signal, "SIGXFSZ", None)

    def preexec() -> None:  # runs in the child: keep it to plain system calls
        if join_cgroup is not None:
            join_cgroup()  # an error here aborts the start: never run outside the cgroup
        for which, value in settings:
            try:
                setrlimit(which, value)  # type: ignore[misc]
            except (ValueError, OSError):
                pass
        if sigxfsz is not None:
            # Writing past the file-size limit then fails with an error instead of killing.
            try:
                signal.signal(sigxfsz, sig_ign)
            except (ValueError, OSError):
                pass

    return preexec


def _env(exercises_dir: str, home: str, tmp: str) -> dict[str, str]:
    """A clean environment: nothing of the instructor's (no keys, no COURSE_* settings). The
    time scale is left at its default: the exercise tests run on looptime's virtual clock, so
    learner code using plain ``asyncio.timeout(seconds)`` behaves as under ``check()``."""
    bindir = str(Path(sys.executable).parent)
    env = {
        "PATH": os.pathsep.join([bindir, "/usr/local/bin", "/usr/bin", "/bin"]),
        "HOME": home,
        "TMPDIR": tmp,
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "COURSE_EXERCISES_DIR": exercises_dir,
        "COURSE_SANDBOX": "1",
        "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
        "MALLOC_ARENA_MAX": "2",
        "MPLBACKEND": "Agg",
        "NO_COLOR": "1",
    }
    if os.name == "nt":  # pragma: no cover
        env["SYSTEMROOT"] = os.environ.get("SYSTEMROOT", "")
    return env


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
                  memory_mb: int, oom: bool = False) -> tuple[str, str]:
    """(status, message) for a run that ended before all its tests reported."""
    if timed_out:
        return "time limit", (f"Your code took longer than {budget:g} s (real time) — an infinite loop, "
                              f"or a blocking call like time.sleep inside async def?")
    if oom:
        return "crashed", (f"The test process was killed for using too much memory (all your code's "
                           f"processes together; limit {memory_mb} MB).")
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
              isolate: bool = True, keep: bool = False, shards: int = 1,
              isolation: str = "light", expected: Collection | None = None, canaries: int = 0,
              seed: int | None = None) -> SandboxResult:
    """Run the tests of ``exercises`` against ``sources`` (exercise name -> file contents).

    ``timeout`` is the wall-clock budget for the whole run (all restarts included);
    ``test_timeout`` the real-time limit of one test. ``extra_tests`` is an instructor's folder of
    additional (hidden) ``test_exNN_*.py`` files. ``shards`` > 1 splits the exercises over that
    many processes running side by side (each with the same limits). ``isolation``: ``"light"``,
    ``"strong"`` (raises :class:`IsolationUnavailable` without bubblewrap) or ``"auto"``.
    ``expected``: the parent's own :func:`collect`; ``canaries``: canary tests planted per exercise.
    Never raises for anything the learner's code does; every failure is reported in the result.
    """
    start = time.monotonic()
    result = SandboxResult()
    caps: iso.Capabilities | None = None
    if isolation in ("strong", "auto"):
        caps = iso.detect()
        if not caps.bwrap:
            if isolation == "strong":
                raise IsolationUnavailable(caps.summary())
            caps = None
    mode = "strong" if caps is not None else "light"
    result.level = caps.level if caps is not None else ("weak" if isolation == "auto" else "light")
    plan = _plan(sources, list(dict.fromkeys(exercises)), tests_dir, extra_tests)
    result.notes += plan.notes
    if not plan.names:
        result.status = "error"
        result.notes.append("no tests found for: " + ", ".join(exercises))
        result.elapsed = round(time.monotonic() - start, 3)
        return result
    rng = random.Random(seed) if seed is not None else random.SystemRandom()
    hidden_text = [p.read_text(encoding="utf-8", errors="replace") for ps in plan.hidden.values() for p in ps]
    tmp = Path(tempfile.mkdtemp(prefix="course-sandbox-"))
    os.chmod(tmp, 0o700)
    try:
        groups = _split(plan.names, max(1, shards))
        parts = [SandboxResult() for _ in groups]

        def run_group(k: int) -> None:
            group = groups[k]
            try:
                planted = _canaries(plan, group, rng, canaries) if canaries else []
                stage = _Stage(tmp / f"s{k}", {n: plan.files[n] for n in group if n in plan.files}, plan.helpers,
                               [p for n in group for p in plan.tests.get(n, [])],
                               [p for n in group for p in plan.hidden.get(n, [])], plan.hidden_helpers,
                               [(c[0], c[1]) for c in planted])
                want = None
                if expected is not None:
                    want = expected.for_exercises(group) | {c[2] for c in planted}
                _run_rounds(parts[k], stage, group, start=start, timeout=timeout, test_timeout=test_timeout,
                            memory_mb=memory_mb, file_mb=file_mb, output_limit=output_limit, isolate=isolate,
                            mode=mode, caps=caps, expected=want, canaries={c[2]: c[3] for c in planted})
            except Exception as error:  # a bug in the grader must not take the other shards down
                parts[k].status = "error"
                parts[k].notes.append(f"grader error: {type(error).__name__}: {error}")

        if len(groups) == 1:
            run_group(0)
        else:
            threads = [threading.Thread(target=run_group, args=(k,), daemon=True) for k in range(len(groups))]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        _merge(result, parts, list(exercises), output_limit)
        _check_hidden_leaks(result, hidden_text)
    finally:
        result.elapsed = round(time.monotonic() - start, 3)
        if keep:
            result.notes.append(f"kept sandbox at {tmp}")
        else:
            _rmtree(tmp)
    return result


def _check_hidden_leaks(result: SandboxResult, hidden_text: list[str]) -> None:
    """A failure message quoting a hidden test's source: redact it and flag the learner."""
    lines = {line.strip() for text in hidden_text for line in text.splitlines() if len(line.strip()) >= 24}
    if not lines:
        return
    for test in result.tests:
        # A docstring line may honestly reach a message ("This check failed: <the test's doc>").
        leaked = next((line for line in lines if line in test.message and line not in test.doc), None)
        if leaked is not None:
            test.message = "(message withheld: it quoted a hidden test's source)"
            result.review.append(f"{test.nodeid}: the failure message quoted a hidden test's source "
                                 f"({leaked[:60]!r})")


@dataclass
class _Stage:
    """One test process's folder. Rebuilt from trusted copies before every (re)start, so
    nothing a learner's code wrote during one run can reach the next (e.g. a planted conftest).

    Layout: ``exercises/`` (the learner's files), ``tests/`` (course tests, course conftest,
    canaries, ``hidden/`` with hidden tests and canaries; root-only), ``pytest.ini``. The light mode adds the
    writable ``home/``, ``tmp/`` and ``work/``; in strong isolation those are private tmpfs mounts.
    """

    root: Path
    files: dict[str, bytes]
    helpers: list[Path]
    tests: list[Path]
    hidden: list[Path]
    hidden_helpers: list[Path]
    canaries: list[tuple[str, str]]

    @property
    def exercises(self) -> Path:
        return self.root / "exercises"

    @property
    def writable(self) -> list[Path]:
        return [self.root / d for d in ("home", "tmp", "work")]

    def build(self, *, strong: bool) -> list[Path]:
        """(Re)write the stage; returns the test files to run, as paths under the stage root."""
        for name in ("exercises", "tests", "pytest.ini", "home", "tmp", "work"):
            target = self.root / name
            if target.is_dir() and not target.is_symlink():
                _rmtree(target)
            elif target.exists() or target.is_symlink():
                try:
                    target.unlink()
                except OSError:
                    pass
        self.root.mkdir(parents=True, exist_ok=True)
        self.exercises.mkdir(mode=0o755)
        os.chmod(self.exercises, 0o755)
        tests = self.root / "tests"
        tests.mkdir(mode=0o700)
        os.chmod(tests, 0o700 if strong else 0o755)
        if not strong:
            for directory in self.writable:
                directory.mkdir()
        for name, data in self.files.items():
            path = self.exercises / f"{name}.py"
            path.write_bytes(data)
            os.chmod(path, 0o644)
        paths: list[Path] = []
        for path in self.helpers:
            shutil.copyfile(path, tests / path.name)
        for path in self.tests:
            shutil.copyfile(path, tests / path.name)
            paths.append(tests / path.name)
        if self.hidden or any(name.startswith("hidden/") for name, _ in self.canaries):
            (tests / "hidden").mkdir()
            for path in self.hidden_helpers:
                shutil.copyfile(path, tests / "hidden" / path.name)
            for path in self.hidden:
                shutil.copyfile(path, tests / "hidden" / path.name)
                paths.append(tests / "hidden" / path.name)
        for name, text in self.canaries:  # each where _canaries put it: beside public or hidden tests
            (tests / name).write_text(text, encoding="utf-8")
            paths.append(tests / name)
        (self.root / "pytest.ini").write_text(INI, encoding="utf-8")
        return self._order(paths)

    def _order(self, paths: list[Path]) -> list[Path]:
        """Each exercise's public tests, then its hidden tests, each folder sorted by name (a
        canary sorts among the tests of its folder)."""
        def key(p: Path) -> tuple[str, int, str]:
            stem = p.stem[5:] if p.stem.startswith("test_") else p.stem
            owner = next((n for n in sorted(self.names, key=len, reverse=True)
                          if stem == n or stem.startswith(n + "_")), stem)
            return owner, int(p.parent.name == "hidden"), p.name
        return sorted(paths, key=key)

    names: list[str] = field(default_factory=list)


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
        result.review += part.review
        result.runs += part.runs
        result.isolation = result.isolation or part.isolation
        if _STATUS_ORDER.index(part.status) > _STATUS_ORDER.index(result.status):
            result.status = part.status
    result.tests.sort(key=lambda t: order.get(t.exercise, len(order)))  # stable: test order kept
    result.output = "".join(p.output for p in parts)[-output_limit:]


def _config(stage: _Stage, exercises: list[str], test_paths: list[Path], *, inside: str | None,
            test_timeout: float, done: list[str], skip: dict[str, str], memory_mb: int, isolate: bool,
            collect_only: bool = False, drop_uid: int | None = None) -> dict[str, Any]:
    """The child's configuration; ``inside`` is where the stage root appears to the child."""
    def at(path: Path) -> str:
        return str(path) if inside is None else inside + "/" + str(path.relative_to(stage.root))

    root = str(stage.root) if inside is None else inside
    return {
        "exercises": exercises,
        "exercises_dir": at(stage.exercises) + os.sep,
        "tests": [at(p) for p in test_paths],
        "rootdir": root,
        "ini": at(stage.root / "pytest.ini"),
        "confcutdir": at(stage.root / "tests"),
        "test_timeout": test_timeout,
        "skip_nodeids": sorted(done),
        "skip_exercises": skip,
        "memory_mb": memory_mb,
        "isolate": isolate and inside is None,
        "read_paths": _read_paths() + [str(stage.root)] if inside is None else [],
        "write_paths": [str(p) for p in stage.writable] if inside is None else [],
        "collect_only": collect_only,
        "drop_uid": drop_uid,
    }


class _Process:
    """One test process: the config goes in over one pipe, results come out over another."""

    def __init__(self, config: dict[str, Any], stage: _Stage, *, mode: str, caps: iso.Capabilities | None,
                 budget: float, cpu_seconds: int, memory_mb: int, file_mb: int) -> None:
        self.config = config
        self.stage = stage
        self.mode = mode
        self.caps = caps
        self.budget = budget
        self.cpu_seconds = cpu_seconds
        self.memory_mb = memory_mb
        self.file_mb = file_mb
        self.events: list[dict[str, Any]] = []
        self.garbage = 0          # lines that were not JSON objects
        self.truncated = False    # the stream ended in the middle of a line
        self.output = ""
        self.returncode: int | None = None
        self.timed_out = False
        self.oom = False
        self.leftovers = False    # processes still alive after the run (all killed)

    def start_and_wait(self) -> None:
        config_r, config_w = os.pipe()
        results_r, results_w = os.pipe()
        self.config["results_fd"] = results_w
        self.config["config_fd"] = config_r
        payload = json.dumps(self.config).encode()
        cgroup: iso.Cgroup | None = None
        strong = self.mode == "strong" and self.caps is not None
        argv = [sys.executable, "-I", "-B", "-m", "course_utils.sandbox", "--config-fd", str(config_r)]
        join = None
        nproc = None
        if strong:
            assert self.caps is not None
            if self.caps.cgroup_controllers:
                cgroup = iso.Cgroup(self.caps, pids_max=PIDS_MAX, memory_bytes=self.memory_mb * 1024 * 1024)
                join = iso.join_cgroup_preexec(cgroup.procs_files)
            if "pids" not in self.caps.cgroup_controllers:
                nproc = NPROC_FALLBACK  # per user, not per learner: a coarse net against fork bombs
            root = SANDBOX_ROOT
            cmd = iso.bwrap_command(
                self.caps, binds=[(str(self.stage.exercises), f"{root}/exercises"),
                                  (str(self.stage.root / "tests"), f"{root}/tests"),
                                  (str(self.stage.root / "pytest.ini"), f"{root}/pytest.ini")],
                package_dir=str(PACKAGE_DIR), cwd=f"{root}/work",
                env=_env(f"{root}/exercises", f"{root}/work", "/tmp"),
                tmp_bytes=TMP_MB << 20, shm_bytes=SHM_MB << 20, work_bytes=WORK_MB << 20, argv=argv)
            env = None
            cwd = None
        else:
            cmd = argv
            env = _env(str(self.stage.exercises), str(self.stage.root / "home"), str(self.stage.root / "tmp"))
            cwd = str(self.stage.root / "work")
        kwargs: dict[str, Any] = {}
        if os.name == "posix":
            kwargs["start_new_session"] = True
            kwargs["preexec_fn"] = _preexec(_limits(self.cpu_seconds, self.memory_mb, self.file_mb, nproc), join)
        reader = threading.Thread(target=self._read, args=(results_r,), daemon=True)
        log_path = self.stage.root.parent / f"output-{self.stage.root.name}-{time.monotonic_ns()}.log"
        try:
            with open(log_path, "wb") as log:
                try:
                    proc = subprocess.Popen(cmd, cwd=cwd, env=env if env is not None else {"PATH": "/usr/bin:/bin"},
                                            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                            close_fds=True, pass_fds=(config_r, results_w), **kwargs)
                finally:
                    os.close(results_w)
                    os.close(config_r)
                reader.start()
                try:
                    os.write(config_w, payload) if len(payload) < 60000 else self._write_all(config_w, payload)
                except OSError:
                    pass
                finally:
                    os.close(config_w)
                try:
                    proc.wait(timeout=max(0.5, self.budget))
                except subprocess.TimeoutExpired:
                    self.timed_out = True
                finally:
                    _kill_group(proc)
                    if cgroup is not None:
                        self.oom = cgroup.oom_killed()
                        self.leftovers = bool(cgroup.pids())
                        cgroup.kill_all()
                reader.join(timeout=10)
            self.returncode = proc.returncode
            if strong and self.returncode is not None and self.returncode > 128:
                self.returncode = -(self.returncode - 128)  # bwrap reports a killed child as 128 + signal
            self.output = _tail(log_path, 64 * 1024)
        finally:
            if cgroup is not None:
                cgroup.remove()
            try:
                log_path.unlink()
            except OSError:
                pass

    @staticmethod
    def _write_all(fd: int, data: bytes) -> None:
        view = memoryview(data)
        while view:
            n = os.write(fd, view)
            view = view[n:]

    def _read(self, fd: int) -> None:
        chunks: list[bytes] = []
        size = 0
        with os.fdopen(fd, "rb", buffering=0) as fh:
            while True:
                try:
                    chunk = fh.read(65536)
                except OSError:
                    break
                if not chunk:
                    break
                if size < MAX_RESULTS_BYTES:
                    chunks.append(chunk)
                size += len(chunk)
        data = b"".join(chunks)[:MAX_RESULTS_BYTES]
        lines = data.split(b"\n")
        if lines and lines[-1]:
            self.truncated = True
        for raw in lines[:-1]:
            try:
                event = json.loads(raw)
            except (ValueError, UnicodeDecodeError):
                self.garbage += 1
                continue
            if isinstance(event, dict) and isinstance(event.get("event"), str):
                self.events.append(event)
            else:
                self.garbage += 1


def _tail(path: Path, limit: int) -> str:
    try:
        size = path.stat().st_size
        with open(path, "rb") as fh:
            fh.seek(max(0, size - limit))
            return fh.read(limit).decode("utf-8", errors="replace")
    except OSError:
        return ""


def _run_rounds(result: SandboxResult, stage: _Stage, exercises: list[str], *, start: float,
                timeout: float, test_timeout: float, memory_mb: int, file_mb: int, output_limit: int,
                isolate: bool, mode: str, caps: iso.Capabilities | None, expected: set[str] | None,
                canaries: dict[str, str]) -> None:
    collected: list[dict[str, Any]] | None = None
    done: dict[str, TestOutcome] = {}
    skip_exercises: dict[str, str] = {}
    by_id: dict[str, dict[str, Any]] = {}
    output_parts: list[str] = []
    rounds = 0
    stage.names = exercises
    drop = iso.SANDBOX_UID if (mode == "strong" and caps is not None and caps.root) else None
    while True:
        remaining = timeout - (time.monotonic() - start)
        if remaining <= 0.5 or rounds > len(exercises) + 4:
            _fail_rest(collected, done, by_id, "not run: the time limit for the whole run was used up")
            if result.status == "ok":
                result.status = "time limit"
            break
        rounds += 1
        test_paths = stage.build(strong=mode == "strong")
        config = _config(stage, exercises, test_paths, inside=SANDBOX_ROOT if mode == "strong" else None,
                         test_timeout=test_timeout, done=sorted(done), skip=skip_exercises,
                         memory_mb=memory_mb, isolate=isolate, drop_uid=drop)
        cpu_seconds = int(remaining) + 2
        run = _Process(config, stage, mode=mode, caps=caps, budget=remaining, cpu_seconds=cpu_seconds,
                       memory_mb=memory_mb, file_mb=file_mb)
        run.start_and_wait()
        result.runs = rounds
        output_parts.append(run.output[-output_limit:])
        if run.returncode == EXIT_NO_DROP:
            result.status = "error"
            result.notes.append("the test process could not drop its privileges; no learner code was run")
            break
        verdict = _Verifier(expected=expected, canaries=canaries, done=set(done), strong_uid=drop,
                            skipped=set(skip_exercises))
        verdict.check(run)
        result.review += [e for e in verdict.evidence if e not in result.review]
        if verdict.problems:
            result.status = "error"
            result.notes += [p for p in verdict.problems if p not in result.notes]
        if verdict.isolation:
            result.isolation = verdict.isolation
        if collected is None and verdict.collected is not None:
            collected = verdict.collected
            by_id = {t["nodeid"]: t for t in collected}
        if collected is None:
            result.status = "error"
            result.notes.append("the tests could not be started"
                                + (f" (exit code {run.returncode})" if run.returncode else ""))
            break
        restart_for: list[str] = []
        for nodeid, event in verdict.reports:
            if nodeid in by_id and nodeid not in done:
                done[nodeid] = _outcome(by_id[nodeid], event)
                if event.get("abandon"):
                    exercise = by_id[nodeid].get("exercise", "")
                    skip_exercises.setdefault(exercise, "not run: an earlier test of this exercise ran out of time")
                    restart_for.append(exercise)
                    if result.status == "ok":
                        result.status = "time limit"
        for exercise in restart_for:
            note = f"{exercise}: a test ran out of time; the remaining exercises were re-run in a fresh process"
            if note not in result.notes:
                result.notes.append(note)
        if all(t["nodeid"] in done for t in collected):
            break
        if restart_for and run.returncode == EXIT_RESTART:
            continue
        # The run ended early: blame the test that was running, skip the rest of its exercise.
        status, reason = _crash_reason(run.returncode, run.timed_out, round(remaining, 1), cpu_seconds,
                                       memory_mb, run.oom)
        culprit = verdict.running if verdict.running in by_id and verdict.running not in done else None
        if culprit is not None:
            done[culprit] = _outcome(by_id[culprit], {"outcome": "failed", "message": reason})
            exercise = by_id[culprit].get("exercise", "")
            skip_exercises[exercise] = ("not run: an earlier test of this exercise "
                                        + ("ran out of time" if status == "time limit" else "crashed the test process"))
            result.notes.append(f"{exercise}: {reason} The remaining exercises were re-run in a fresh process.")
        elif not verdict.reports:
            _fail_rest(collected, done, by_id, reason)
            result.notes.append(reason)
        if result.status == "ok":
            result.status = status
    result.output = "".join(output_parts)[-output_limit:]
    order = {t["nodeid"]: i for i, t in enumerate(collected or [])}
    outcomes = sorted(done.values(), key=lambda t: order.get(t.nodeid, 0))
    result.tests = [t for t in outcomes if t.nodeid not in canaries]


class _Verifier:
    """Read one process's event stream as a skeptic: what it claims must be what could happen."""

    def __init__(self, *, expected: set[str] | None, canaries: dict[str, str], done: set[str],
                 strong_uid: int | None, skipped: set[str]) -> None:
        self.expected = expected
        self.canaries = canaries      # node id -> exercise
        self.done = done
        self.strong_uid = strong_uid
        self.skipped = skipped        # exercises this run marks "not run" (skips, not failures)
        self.evidence: list[str] = []
        self.problems: list[str] = []   # the grader's own trouble (not the learner's doing)
        self.collected: list[dict[str, Any]] | None = None
        self.reports: list[tuple[str, dict[str, Any]]] = []
        self.running: str | None = None
        self.isolation = ""

    def flag(self, text: str) -> None:
        if text not in self.evidence and len(self.evidence) < 20:
            self.evidence.append(text)

    def check(self, run: _Process) -> None:
        events = run.events
        if run.garbage:
            self.flag(f"{run.garbage} unreadable line(s) on the results channel")
        if not events:
            return
        first = events[0]
        if first.get("event") != "collected" or not isinstance(first.get("tests"), list):
            self.flag(f"the results stream did not start with the collected tests (got {str(first)[:80]!r})")
            return
        tests = [t for t in first["tests"] if isinstance(t, dict) and isinstance(t.get("nodeid"), str)]
        self.collected = tests
        ids = [t["nodeid"] for t in tests]
        if self.expected is not None and set(ids) != self.expected:
            # Collection ends before any learner code runs: a difference is the grader's problem
            # (e.g. a hidden test file that does not import), not the learner's doing.
            extra = sorted(set(ids) - self.expected)[:3]
            gone = sorted(self.expected - set(ids))[:3]
            self.problems.append(f"the tests collected in the sandbox differ from the grader's own collection "
                                 f"(extra {extra}, missing {gone}): a test file that does not import?")
        order = {n: i for i, n in enumerate(ids) if self.expected is None or n in self.expected}
        position = -1
        dropped = False
        finished = False
        reported: set[str] = set()
        for event in events[1:]:
            kind = event.get("event")
            if finished:
                self.flag(f"an event after the end of the run: {str(event)[:100]!r}")
                continue
            if kind == "isolation":
                if position >= 0 or dropped:
                    self.flag("an isolation report in the middle of the run")
                    continue
                dropped = True
                self.isolation = str(event.get("mode", ""))[:300]
                if self.strong_uid is not None and (event.get("uid") != self.strong_uid or event.get("caps") != 0):
                    self.flag(f"the test process did not run as uid {self.strong_uid} without capabilities "
                              f"(uid {event.get('uid')}, caps {event.get('caps')})")
            elif kind == "start":
                nodeid = event.get("nodeid")
                if self.strong_uid is not None and not dropped:
                    self.flag("a test started before the test process dropped its privileges")
                    dropped = True
                if nodeid not in order:
                    self.flag(f"a start for a test nobody collected: {str(nodeid)[:120]!r}")
                    continue
                if self.running is not None:
                    self.flag(f"{nodeid} started while {self.running} had not reported")
                if order[nodeid] <= position or nodeid in self.done or nodeid in reported:
                    self.flag(f"{nodeid} ran out of order or twice")
                position = max(position, order[nodeid])
                self.running = nodeid
            elif kind == "report":
                nodeid = event.get("nodeid")
                if nodeid != self.running:
                    self.flag(f"a report for {str(nodeid)[:120]!r}, which was not the test running")
                    continue
                if event.get("outcome") not in ("passed", "failed", "skipped"):
                    self.flag(f"a report with an unknown outcome for {nodeid}")
                    continue
                if nodeid in self.canaries and event.get("outcome") == "passed":
                    self.flag(f"a canary test that no honest run can pass was reported passed ({nodeid})")
                reported.add(nodeid)
                self.reports.append((nodeid, event))
                self.running = None
            elif kind == "finish":
                finished = True
                status = event.get("exitstatus")
                ran_canary = any(self.canaries.get(n) not in (None, *self.skipped) for n in reported)
                if run.returncode is not None and run.returncode >= 0 and status != run.returncode \
                        and run.returncode not in (EXIT_RESTART,):
                    self.flag(f"the runner reported exit status {status} but the process exited with "
                              f"{run.returncode}")
                if ran_canary and run.returncode == 0:
                    self.flag("pytest's own exit status says every test passed, but a canary test must fail")
            else:
                self.flag(f"an unknown event on the results channel: {str(kind)[:40]!r}")
        if self.strong_uid is not None and not dropped and reported:
            self.flag("the test process never reported dropping its privileges")


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
    """What a light-mode run may read: Python, its packages, the course package, system files."""
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


def _cap_eff() -> int:
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("CapEff:"):
                    return int(line.split()[1], 16)
    except (OSError, ValueError):
        pass
    return -1


def _drop_privileges(uid: int) -> dict[str, Any]:
    """Become ``uid`` with no capabilities and no way back (called before any learner code)."""
    import ctypes

    try:
        os.setgroups([])
        os.setresgid(uid, uid, uid)
        os.setresuid(uid, uid, uid)
        if ctypes.CDLL(None, use_errno=True).prctl(38, 1, 0, 0, 0) != 0:  # PR_SET_NO_NEW_PRIVS
            raise OSError("no_new_privs refused")
    except OSError:
        os._exit(EXIT_NO_DROP)
    caps = _cap_eff()
    if os.getuid() != uid or os.geteuid() != uid or caps != 0:
        os._exit(EXIT_NO_DROP)
    return {"uid": os.getuid(), "caps": caps}


def child_main(argv: list[str]) -> int:
    """Entry point inside the sandbox: read the config, confine, then run pytest with the plugin."""
    fd = int(argv[argv.index("--config-fd") + 1])
    with os.fdopen(fd, "rb") as fh:
        config = json.loads(fh.read(4 * 1024 * 1024))
    if hasattr(signal, "SIGXFSZ"):
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    from . import sandbox_plugin

    isolation = "bubblewrap" if config.get("drop_uid") is not None or config.get("rootdir") == SANDBOX_ROOT else "none"
    if config.get("isolate", True) and config.get("rootdir") != SANDBOX_ROOT:
        try:
            isolation = _landlock(config.get("read_paths", []), config.get("write_paths", []))
        except Exception as error:  # pragma: no cover - best effort
            isolation = f"rlimits only (Landlock failed: {error})"
    uid = config.get("drop_uid")

    def after_collection() -> None:
        info: dict[str, Any] = {"uid": os.getuid(), "caps": _cap_eff()}
        if uid is not None:
            info = _drop_privileges(int(uid))
        mode = isolation if uid is None else f"bubblewrap, uid {info['uid']}, no capabilities"
        sandbox_plugin.emit_isolation(mode, info)

    sandbox_plugin.CONFIG.update(config)
    sandbox_plugin.set_after_collection(after_collection)
    import pytest

    args = ["-c", config["ini"], "--rootdir", config["rootdir"], "--confcutdir", config["confcutdir"],
            "-q", "--tb=no", "--show-capture=no", "--assert=plain", "--continue-on-collection-errors",
            "--no-header", "-p", "no:cacheprovider", "-p", "no:stepwise", "--import-mode=importlib"]
    if config.get("collect_only"):
        args.append("--collect-only")
    for plugin in PYTEST_PLUGINS:
        args += ["-p", plugin]
    args += ["-p", "course_utils.sandbox_plugin", *config["tests"]]
    return int(pytest.main(args))


if __name__ == "__main__":
    sys.exit(child_main(sys.argv[1:]))
