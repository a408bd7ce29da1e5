#!/usr/bin/env python3
"""The course's two commands, needing nothing but Python 3.11+.

    python3 run.py lab     install everything into .venv and open the course in JupyterLab
    python3 run.py test    install everything into .venv and run the whole test suite

Other commands: ``doctor`` (check the setup), ``exercises`` (regenerate exercises/ from
solutions/), ``reset`` (restore your exercises to fresh stubs), ``site`` (build the course
website into build/site/). Installing is skipped when requirements.txt has not changed since
the last install.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
STAMP = VENV / ".course-installed"
#: CI and the test command run lessons fast; outputs still read in course seconds.
TEST_TIME_SCALE = "0.05"
TEST_COMMAND = [
    "-m", "pytest", "tests", "notebooks",
    "--nbval-lax", "--nbval-current-env", "--nbval-cell-timeout=300",
    "-p", "no:cacheprovider",
]


def _say(message: str) -> None:
    print(f"[course] {message}", flush=True)


def _run(args: list[str], **kwargs) -> None:
    result = subprocess.run(args, **kwargs)
    if result.returncode != 0:
        sys.exit(result.returncode)


def install() -> None:
    if sys.version_info < (3, 11):
        sys.exit(f"Python 3.11 or newer is needed; this is {sys.version.split()[0]}.")
    wanted = hashlib.sha256((ROOT / "requirements.txt").read_bytes()
                            + (ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if PYTHON.exists() and STAMP.exists() and STAMP.read_text().strip() == wanted:
        return
    if not PYTHON.exists():
        _say(f"creating a virtual environment in {VENV.relative_to(ROOT)}/")
        venv.EnvBuilder(with_pip=True).create(VENV)
    _say("installing the course's packages (a few minutes the first time)")
    quiet = ["-q"] if os.environ.get("CI") else []
    _run([str(PYTHON), "-m", "pip", "install", *quiet, "--upgrade", "pip"])
    _run([str(PYTHON), "-m", "pip", "install", *quiet, "-r", str(ROOT / "requirements.txt")])
    _run([str(PYTHON), "-m", "pip", "install", *quiet, "--no-deps", "-e", str(ROOT)])
    STAMP.write_text(wanted)


def lab() -> None:
    install()
    _say("opening the course in JupyterLab (Ctrl+C here to stop it)")
    start = ROOT / "notebooks" / "01_start_here.ipynb"
    target = str(start.relative_to(ROOT)) if start.exists() else "notebooks"
    os.chdir(ROOT)
    args = [str(PYTHON), "-m", "jupyter", "lab", target]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        args.append("--allow-root")  # containers often run as root; Jupyter refuses without this
    os.execv(str(PYTHON), args)


def test(extra: list[str]) -> None:
    install()
    env = dict(os.environ)
    env.setdefault("COURSE_TIME_SCALE", TEST_TIME_SCALE)
    env.setdefault("MPLBACKEND", "Agg")
    _say(f"running the test suite at COURSE_TIME_SCALE={env['COURSE_TIME_SCALE']}")
    _run([str(PYTHON), *TEST_COMMAND, *extra], cwd=ROOT, env=env)


def site(extra: list[str]) -> None:
    """Build the static course website (scripts/build_site.py; ``--help`` for its options)."""
    install()
    _say("building the course website: every lesson executed at the test time scale")
    _run([str(PYTHON), str(ROOT / "scripts" / "build_site.py"), *extra], cwd=ROOT)


def main(argv: list[str]) -> None:
    command = argv[0] if argv else "help"
    if command == "lab":
        lab()
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
        _run([str(PYTHON), "-m", "course_utils.exercises", "reset", *argv[1:]], cwd=ROOT)
    else:
        print(__doc__)
        sys.exit(0 if command in {"help", "-h", "--help"} else 2)


if __name__ == "__main__":
    main(sys.argv[1:])
