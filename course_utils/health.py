"""Is this machine ready for the course? ``python -m course_utils doctor`` (lesson 01).

Prints one ``[ OK ]`` or ``[FAIL]`` line per check, with the fix for each failure, and exits 1
if anything failed. From a notebook: ``from course_utils import doctor; doctor()``.
"""

from __future__ import annotations

import socket
import sys
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from .config import ConfigError, settings

MIN_PYTHON = (3, 11)
REQUIREMENTS = Path(__file__).resolve().parent.parent / "requirements.txt"
FIX_INSTALL = ("run: python -m pip install -r requirements.txt -c constraints.txt "
               "(from the course folder), or python3 run.py doctor")


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    fix: str = ""

    def line(self) -> str:
        text = f"[ OK ] {self.name}: {self.detail}" if self.ok else f"[FAIL] {self.name}: {self.detail}"
        if not self.ok and self.fix:
            text += f"\n       fix: {self.fix}"
        return text


def check_python() -> Check:
    version = ".".join(map(str, sys.version_info[:3]))
    ok = sys.version_info[:2] >= MIN_PYTHON
    return Check("Python", ok, version + ("" if ok else " is too old (TaskGroup and asyncio.timeout need 3.11)"),
                 "install Python 3.11 or newer and recreate the virtual environment")


def _requirements() -> list[str]:
    if not REQUIREMENTS.exists():
        return []
    lines = []
    for raw in REQUIREMENTS.read_text().splitlines():
        line = raw.split("#", 1)[0].strip()
        if line:
            lines.append(line)
    return lines


def check_packages(requirements: list[str] | None = None) -> list[Check]:
    from packaging.requirements import Requirement

    checks = []
    for spec in _requirements() if requirements is None else requirements:
        req = Requirement(spec)
        try:
            installed = metadata.version(req.name)
        except metadata.PackageNotFoundError:
            checks.append(Check(req.name, False, "not installed", FIX_INSTALL))
            continue
        ok = req.specifier.contains(installed, prereleases=True)
        detail = installed if ok else f"{installed} installed, the course needs {req.specifier}"
        checks.append(Check(req.name, ok, detail, FIX_INSTALL))
    return checks


def check_time_scale() -> Check:
    try:
        scale = settings().time_scale
    except ConfigError as error:
        return Check("time scale", False, str(error), "unset COURSE_TIME_SCALE or give it a number like 1.0")
    note = "real time" if scale == 1.0 else f"1 course second = {scale:g} real seconds"
    return Check("time scale", True, f"COURSE_TIME_SCALE={scale:g} ({note})")


def check_top_level_await(timeout: float = 60.0) -> Check:
    """Run ``await`` at the top level of a real kernel (or of this one, inside Jupyter)."""
    name = "top-level await in a kernel"
    try:
        shell = get_ipython()  # type: ignore[name-defined]  # noqa: F821 - exists only in IPython
    except NameError:
        shell = None
    if shell is not None and getattr(shell, "autoawait", False):
        return Check(name, True, "this kernel runs `await` at the top of a cell")
    try:
        from jupyter_client.manager import start_new_kernel
    except ImportError:
        return Check(name, False, "jupyter_client is missing", FIX_INSTALL)
    try:
        import zmq

        # With CurveZMQ keys from the manager (the python3 kernelspec declares support), the
        # kernel's sockets are encrypted and ipykernel 7 does not warn about plain-text TCP.
        encryption = "auto" if zmq.has("curve") else "disabled"
        km, kc = start_new_kernel(kernel_name="python3", startup_timeout=timeout,
                                  transport_encryption=encryption)
    except Exception as error:  # any failure to start is what the learner needs to hear about
        return Check(name, False, f"could not start a python3 kernel ({error})",
                     "python -m ipykernel install --user --name python3")
    try:
        reply = kc.execute_interactive("import asyncio\nawait asyncio.sleep(0)\n_doctor = 6 * 7",
                                       timeout=timeout, output_hook=lambda msg: None)
        ok = reply["content"]["status"] == "ok"
        detail = "the python3 kernel ran `await asyncio.sleep(0)` at the top of a cell"
        return Check(name, ok, detail if ok else f"the kernel answered {reply['content'].get('ename')}",
                     "upgrade ipykernel: python -m pip install -U ipykernel")
    except Exception as error:
        return Check(name, False, f"the kernel did not answer ({error})", "restart and run doctor again")
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def check_loopback() -> Check:
    """Lessons 10 and 15 serve the simulated LLM on 127.0.0.1; make sure a port can be bound."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        return Check("loopback network", True, f"can listen on 127.0.0.1 (tried port {port})")
    except OSError as error:
        return Check("loopback network", False, str(error), "allow local connections on 127.0.0.1")


def check_provider() -> Check:
    try:
        cfg = settings()
    except ConfigError as error:
        return Check("LLM provider", False, str(error), "fix the variable named above")
    if not cfg.uses_real_provider:
        return Check("LLM provider", True, f"simulated model {cfg.model!r}, no key or network needed")
    key = "an API key is set" if cfg.llm_api_key_set else "no API key set (fine for Ollama)"
    return Check("LLM provider", True, f"real endpoint {cfg.llm_base_url} with model {cfg.model!r}; {key}")


def check_isolation() -> Check:
    """Which sandbox ``python -m course_utils.grade`` gets here. Never a failure: only an
    instructor grading a class needs the strong one, and ``grade`` itself refuses without it."""
    from . import isolation

    caps = isolation.detect()
    detail = caps.summary()
    if caps.level != isolation.STRONG:
        detail += ("; learners need nothing more. To grade a class here, get the strong one: "
                   + isolation.advice(caps))
    return Check("grader isolation", True, detail)


def run_checks(*, kernel: bool = True) -> list[Check]:
    checks = [check_python(), *check_packages(), check_time_scale(), check_provider(), check_loopback(),
              check_isolation()]
    if kernel:
        checks.append(check_top_level_await())
    return checks


def doctor(*, kernel: bool = True, file=None) -> bool:
    """Print the checks; return ``True`` if all passed. Introduced in lesson 01."""
    out = file or sys.stdout
    checks = run_checks(kernel=kernel)
    for check in checks:
        print(check.line(), file=out)
    failed = [c for c in checks if not c.ok]
    print(f"\n{len(checks) - len(failed)} of {len(checks)} checks passed."
          + (" Fix the [FAIL] lines above, then run doctor again." if failed else " You are ready."),
          file=out)
    return not failed


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m course_utils doctor", description=__doc__)
    parser.add_argument("--no-kernel", action="store_true", help="skip starting a Jupyter kernel")
    args = parser.parse_args(argv)
    return 0 if doctor(kernel=not args.no_kernel) else 1
