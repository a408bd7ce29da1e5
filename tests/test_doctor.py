"""`python -m course_utils doctor` and the light import."""

from __future__ import annotations

import io
import json
import subprocess
import sys

from course_utils import health as doctor_module
from course_utils.health import check_packages, doctor


def test_doctor_passes_here_without_kernel():
    out = io.StringIO()
    assert doctor(kernel=False, file=out)
    text = out.getvalue()
    assert "[ OK ] Python" in text and "[FAIL]" not in text
    assert "COURSE_TIME_SCALE=0.05" in text


def test_missing_or_old_package_fails_with_a_fix():
    checks = check_packages(["surely-not-installed-pkg>=1", "pytest>=999"])
    assert [c.ok for c in checks] == [False, False]
    assert "not installed" in checks[0].line() and "fix: run: python -m pip install" in checks[0].line()
    assert "the course needs >=999" in checks[1].line()


def test_bad_time_scale_is_a_failure(monkeypatch):
    monkeypatch.setenv("COURSE_TIME_SCALE", "slow")
    check = doctor_module.check_time_scale()
    assert not check.ok and "COURSE_TIME_SCALE" in check.detail


def test_cli_exit_codes(monkeypatch, tmp_path):
    ok = subprocess.run([sys.executable, "-m", "course_utils", "doctor", "--no-kernel"],
                        capture_output=True, text=True)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    bad = subprocess.run([sys.executable, "-m", "course_utils", "doctor", "--no-kernel"],
                         capture_output=True, text=True,
                         env={**__import__("os").environ, "COURSE_TIME_SCALE": "-3"})
    assert bad.returncode == 1 and "[FAIL] time scale" in bad.stdout


def test_kernel_runs_top_level_await():
    check = doctor_module.check_top_level_await(timeout=60)
    assert check.ok, check.line()


def test_import_is_light():
    code = ("import sys, time, json; t=time.perf_counter(); import course_utils, course_utils.llm, "
            "course_utils.tools, course_utils.tracing, course_utils.lag; "
            "print(json.dumps({'ms': (time.perf_counter()-t)*1000, "
            "'heavy': [m for m in ('matplotlib', 'ipywidgets', 'numpy', 'httpx', 'openai') if m in sys.modules]}))")
    out = json.loads(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                    check=True).stdout)
    assert out["heavy"] == [], f"importing course_utils pulled in {out['heavy']}"
