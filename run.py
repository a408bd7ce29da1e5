#!/usr/bin/env python3
"""The course's commands, needing nothing but Python 3.11+.

    python3 run.py lab       install everything into .venv and open the course in JupyterLab
    python3 run.py test      install everything into .venv and run the whole test suite

    python3 run.py doctor    check the setup
    python3 run.py reset [NAME ...]
                             restore lessons/exercises in my-work/ to the course's version
                             (NAME: 06 or ex06_rate_limit; all when none); yours are backed up
    python3 run.py update    get the latest course (git pull), then refresh my-work/
    python3 run.py site      build the course website (every lesson executed) into build/site/
    python3 run.py lock      re-resolve requirements.txt and rewrite constraints.txt (authors)
    python3 run.py exercises regenerate exercises/ from solutions/ (authors)

You work in my-work/, your own copy of the lessons and exercises (git ignores it), so the
course's files stay clean and updates never conflict with your work. Installing is skipped when
requirements.txt, constraints.txt and pyproject.toml have not changed since the last install;
pip's full output goes to .venv/install.log.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
STAMP = VENV / ".course-installed"
LOG = VENV / "install.log"
REQUIREMENTS = ROOT / "requirements.txt"
CONSTRAINTS = ROOT / "constraints.txt"
#: CI and the test command run lessons fast; outputs still read in course seconds.
TEST_TIME_SCALE = "0.05"
TEST_COMMAND = [
    "-m", "pytest", "tests", "notebooks",
    "--nbval-lax", "--nbval-current-env", "--nbval-cell-timeout=300",
    "-p", "no:cacheprovider",
    # Two workers (pytest-xdist); --dist loadfile keeps each notebook's cells, in order, on one
    # worker and kernel. Two, not one per core: timing demos must not run on a starved machine.
    # Pass `-n 0` to run everything in one process.
    "-n", "2", "--dist", "loadfile",
]
#: The lesson JupyterLab opens, relative to the folder it serves.
FIRST_LESSON = "notebooks/01_start_here.ipynb"
#: Packages pip would pin in the lock although they are tools, not course dependencies.
_NOT_LOCKED = {"setuptools", "wheel", "distribute"}


def _say(message: str) -> None:
    print(f"[course] {message}", flush=True)


def _run(args: list[str], **kwargs) -> None:
    result = subprocess.run(args, **kwargs)
    if result.returncode != 0:
        sys.exit(result.returncode)


# ----------------------------------------------------------------------------- installing


def _step(label: str, args: list[str], log: Path) -> None:
    """Run one install step with its output in the log; on failure show the log's tail."""
    started = time.monotonic()
    print(f"[course]   {label} ...", end="", flush=True)
    with log.open("a", encoding="utf-8") as out:
        out.write(f"\n$ {' '.join(args)}\n")
        out.flush()
        result = subprocess.run(args, stdout=out, stderr=subprocess.STDOUT,
                                env={**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"})
    if result.returncode != 0:
        print(" failed", flush=True)
        tail = log.read_text(encoding="utf-8", errors="replace").splitlines()[-25:]
        print("\n".join(f"    {line}" for line in tail), file=sys.stderr)
        _say(f"the install failed; the full log is {log}")
        sys.exit(result.returncode)
    print(f" done ({time.monotonic() - started:.0f} s)", flush=True)


def _pip_install(python: Path, log: Path, *, lock: bool = True) -> None:
    pip = [str(python), "-m", "pip", "install"]
    pinned = ["-c", str(CONSTRAINTS)] if lock and CONSTRAINTS.exists() else []
    # pip itself is pinned in the lock, so the installer is the same everywhere too.
    _step("pip", [*pip, *pinned, "--upgrade", "pip"], log)
    _step("the course's packages", [*pip, *pinned, "-r", str(REQUIREMENTS)], log)


def install() -> None:
    if sys.version_info < (3, 11):
        sys.exit(f"Python 3.11 or newer is needed; this is {sys.version.split()[0]}.")
    wanted = hashlib.sha256(b"".join(p.read_bytes() for p in (REQUIREMENTS, CONSTRAINTS,
                                                               ROOT / "pyproject.toml")
                                     if p.exists())).hexdigest()
    if PYTHON.exists() and STAMP.exists() and STAMP.read_text().strip() == wanted:
        return
    started = time.monotonic()
    first = not PYTHON.exists()
    if first:
        venv.EnvBuilder(with_pip=True).create(VENV)
    LOG.write_text(f"install log, Python {sys.version.split()[0]}\n", encoding="utf-8")
    _say(("setting up" if first else "updating") + " the course's packages in .venv/ "
         + ("(a few minutes the first time; " if first else "(") + f"log: {LOG.relative_to(ROOT)})")
    _pip_install(PYTHON, LOG)
    _step("course_utils", [str(PYTHON), "-m", "pip", "install", "--no-deps", "-e", str(ROOT)], LOG)
    STAMP.write_text(wanted)
    _say(f"ready in {time.monotonic() - started:.0f} s")


def lock() -> None:
    """Resolve requirements.txt afresh in a throw-away venv and pin everything it installed."""
    if sys.version_info < (3, 11):
        sys.exit(f"Python 3.11 or newer is needed; this is {sys.version.split()[0]}.")
    with tempfile.TemporaryDirectory(prefix="course-lock-") as tmp:
        env_dir = Path(tmp) / "venv"
        venv.EnvBuilder(with_pip=True).create(env_dir)
        python = env_dir / BIN.name / PYTHON.name
        log = Path(tmp) / "lock.log"
        _say(f"resolving {REQUIREMENTS.name} in a fresh environment (no constraints)")
        try:
            _pip_install(python, log, lock=False)
        except SystemExit:
            shutil.copy(log, ROOT / "lock.log")
            _say(f"log kept as {ROOT / 'lock.log'}")
            raise
        frozen = subprocess.run([str(python), "-m", "pip", "freeze", "--all"], capture_output=True,
                                text=True, check=True).stdout.splitlines()
    pins = sorted((line for line in frozen
                   if "==" in line and line.split("==")[0].lower() not in _NOT_LOCKED),
                  key=str.lower)
    header = [
        "# Every package the course installs, pinned exactly: pip installs with",
        "#   pip install -r requirements.txt -c constraints.txt",
        "# Generated by `python3 run.py lock` (a fresh venv, requirements.txt, pip freeze --all);",
        f"# resolved on Python {sys.version_info.major}.{sys.version_info.minor}. Do not edit by hand.",
        "# A package only some platforms need (say, on Windows) and that is missing here is",
        "# still installed there, at the version pip resolves.",
    ]
    CONSTRAINTS.write_text("\n".join(header + pins) + "\n")
    _say(f"wrote {CONSTRAINTS.name}: {len(pins)} pins")


# ----------------------------------------------------------------------------- JupyterLab


def _free_port(preferred: int = 8888) -> int:
    for port in [preferred, *range(preferred + 1, preferred + 20), 0]:
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return s.getsockname()[1]
    raise RuntimeError("no free port on 127.0.0.1")


def lab_command(work: Path, port: int, open_browser: bool = True) -> list[str]:
    """The ``jupyter lab`` command line: serve ``work``, open lesson 01, talk little."""
    args = [
        str(PYTHON), "-m", "jupyter", "lab",
        f"--ServerApp.root_dir={work}",             # the whole course copy, exercises/ included
        f"--LabApp.default_url=/lab/tree/{FIRST_LESSON}",  # lesson 01, not the Launcher
        "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
        "--ServerApp.log_level=WARN",               # run.py prints the one URL that matters
        # Kernels get CurveZMQ keys from the server, so ipykernel 7 has no reason to warn
        # about plain-text TCP (the python3 kernelspec declares Curve support).
        "--KernelManager.transport_encryption=auto",
        "-y",                                       # Ctrl+C stops without a yes/no question
    ]
    if not open_browser:
        args.append("--no-browser")
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        args.append("--allow-root")  # containers often run as root; Jupyter refuses without this
    return args


def _wait_until_up(url: str, process: subprocess.Popen, timeout: float = 180.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return True
        except OSError:
            pass
        time.sleep(0.25)
    return False


def lab(argv: list[str]) -> None:
    install()
    port = int(argv[argv.index("--port") + 1]) if "--port" in argv else _free_port()
    open_browser = "--no-browser" not in argv
    env = dict(os.environ)
    work = Path(env.get("COURSE_WORK_DIR") or ROOT / "my-work").resolve()
    env["COURSE_WORK_DIR"] = str(work)
    # check() reads the learner's exercises from their copy, next to their lessons.
    env["COURSE_EXERCISES_DIR"] = str(work / "exercises")
    # JupyterLab's defaults for the course (no "get Jupyter news?" toast, no update checks)
    # live in jupyter-config/; later entries of the path still apply.
    env["JUPYTER_CONFIG_PATH"] = os.pathsep.join(
        p for p in (str(ROOT / "jupyter-config"), env.get("JUPYTER_CONFIG_PATH")) if p)
    _run([str(PYTHON), "-m", "course_utils.workspace", "prepare"], cwd=ROOT, env=env)
    token = env.setdefault("JUPYTER_TOKEN", secrets.token_urlsafe(24))
    base = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(lab_command(work, port, open_browser), cwd=work, env=env)
    try:
        if not _wait_until_up(f"{base}/api/status?token={token}", process):
            process.terminate()
            sys.exit(process.wait() or 1)
        _say(f"the course is open in JupyterLab: {base}/lab/tree/{FIRST_LESSON}?token={token}")
        _say(f"your work is saved in {work.name}/; Ctrl+C here stops JupyterLab")
        sys.exit(process.wait())
    except KeyboardInterrupt:  # the server got the same Ctrl+C and is shutting down
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.terminate()
        sys.exit(0)


# ----------------------------------------------------------------------------- the rest


def test(extra: list[str]) -> None:
    install()
    env = dict(os.environ)
    env.setdefault("COURSE_TIME_SCALE", TEST_TIME_SCALE)
    env.setdefault("MPLBACKEND", "Agg")
    _say(f"running the test suite at COURSE_TIME_SCALE={env['COURSE_TIME_SCALE']}")
    _run([str(PYTHON), *TEST_COMMAND, *extra], cwd=ROOT, env=env)


def update() -> None:
    """git pull the course (your work in my-work/ is not tracked, so it cannot conflict)."""
    if not (ROOT / ".git").exists() or shutil.which("git") is None:
        sys.exit("This folder is not a git clone: download the new course version and copy your "
                 "my-work/ folder into it; `python3 run.py lab` then merges it as usual.")
    changed = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                             capture_output=True, text=True, check=True).stdout.splitlines()
    if changed:
        names = ", ".join(line[3:] for line in changed)
        sys.exit(f"You changed course files outside my-work/ ({names}). Copy what you want to "
                 f"keep into my-work/, then `git checkout -- {' '.join(l[3:] for l in changed)}` "
                 "and run update again.")
    _say("getting the latest course (git pull --ff-only)")
    _run(["git", "pull", "--ff-only"], cwd=ROOT)
    install()
    _run([str(PYTHON), "-m", "course_utils.workspace", "prepare"], cwd=ROOT)


def site(extra: list[str]) -> None:
    """Build the static course website (scripts/build_site.py; ``--help`` for its options)."""
    install()
    _say("building the course website: every lesson executed at the test time scale")
    _run([str(PYTHON), str(ROOT / "scripts" / "build_site.py"), *extra], cwd=ROOT)


def main(argv: list[str]) -> None:
    command = argv[0] if argv else "help"
    if command == "lab":
        lab(argv[1:])
    elif command == "test":
        test(argv[1:])
    elif command == "site":
        site(argv[1:])
    elif command == "doctor":
        install()
        _run([str(PYTHON), "-m", "course_utils", "doctor", *argv[1:]], cwd=ROOT)
    elif command == "exercises":
        install()
        _run([str(PYTHON), "-m", "course_utils.exercises", "build", *argv[1:]], cwd=ROOT)
    elif command == "reset":
        install()
        _run([str(PYTHON), "-m", "course_utils.workspace", "reset", *argv[1:]], cwd=ROOT)
    elif command == "update":
        update()
    elif command == "lock":
        lock()
    else:
        print(__doc__)
        sys.exit(0 if command in {"help", "-h", "--help"} else 2)


if __name__ == "__main__":
    main(sys.argv[1:])
