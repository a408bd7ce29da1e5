"""The grader's sandbox: what this machine offers, the bwrap command, cgroup caps, doctor's report."""

from __future__ import annotations

import io
import os
import subprocess
import sys

import pytest

from course_utils import health, isolation, sandbox
from course_utils.exercises import SOLUTIONS_DIR, exercise_names, test_files_for

CAPS = isolation.detect()


def need(level: str = isolation.STRONG) -> None:
    if CAPS.level == level or (level == isolation.PARTIAL and CAPS.bwrap):
        return
    if os.environ.get("CI"):
        pytest.fail(f"CI installs bubblewrap, yet the strong sandbox is missing: {CAPS.summary()}")
    pytest.skip(f"needs the {level} sandbox; this machine has {CAPS.summary()}")


def test_detect_is_coherent():
    assert CAPS.level in (isolation.STRONG, isolation.PARTIAL, isolation.WEAK)
    assert CAPS.summary().startswith(CAPS.level)
    if CAPS.level == isolation.STRONG:
        assert isolation.advice(CAPS) == "" and CAPS.missing() == []
    else:
        assert isolation.advice(CAPS) and CAPS.missing()


def test_weak_and_partial_say_what_is_missing():
    weak = isolation.Capabilities(bwrap=None, bwrap_version="", bwrap_problem="bwrap is not installed",
                                  root=False, cgroup="", cgroup_controllers=())
    assert weak.level == isolation.WEAK and "bwrap is not installed" in weak.summary()
    assert "bubblewrap" in isolation.advice(weak)
    partial = isolation.Capabilities(bwrap="/usr/bin/bwrap", bwrap_version="0.8.0", bwrap_problem="",
                                     root=True, cgroup="v2", cgroup_controllers=("pids",))
    assert partial.level == isolation.PARTIAL
    assert "memory is capped per process only" in partial.summary()
    assert "cgroup" in isolation.advice(partial)


def test_the_bwrap_command_shows_only_what_the_tests_need():
    caps = isolation.Capabilities(bwrap="/usr/bin/bwrap", bwrap_version="0.8.0", bwrap_problem="", root=True,
                                  cgroup="v1", cgroup_controllers=("pids", "memory"))
    cmd = isolation.bwrap_command(caps, binds=[("/host/stage/exercises", "/sandbox/exercises")],
                                  package_dir=str(sandbox.PACKAGE_DIR), cwd="/sandbox/work",
                                  env={"PATH": "/usr/bin"}, tmp_bytes=1 << 20, shm_bytes=1 << 20,
                                  work_bytes=1 << 20, argv=["python", "-c", "pass"])
    for flag in ("--die-with-parent", "--new-session", "--unshare-pid", "--unshare-net", "--unshare-ipc",
                 "--clearenv", "--proc", "--dev"):
        assert flag in cmd, flag
    assert cmd[cmd.index("--cap-drop") + 1] == "ALL"
    pairs = list(zip(cmd, cmd[1:], cmd[2:]))
    binds = {(a, b) for flag, a, b in pairs if flag in ("--bind", "--ro-bind", "--ro-bind-try")}
    assert ("/", "/") not in binds and not any(a.startswith("/etc/shadow") for a, _ in binds)
    assert not any(flag == "--bind" for flag, _, _ in pairs), "nothing of the host is writable"
    assert ("/host/stage/exercises", "/sandbox/exercises") in binds
    assert {"/tmp", "/dev/shm", "/sandbox/work"} <= {c for p, c in zip(cmd, cmd[1:]) if p == "--tmpfs"}
    assert cmd[-4:] == ["--", "python", "-c", "pass"]


def test_a_strong_run_is_really_isolated():
    """The sandbox a learner's code gets: uid 65534, no capabilities, its own PID and network
    namespaces -- checked from inside, by code in the exercise file."""
    need()
    probe = ("import os, socket, json\n"
             "caps = [l for l in open('/proc/self/status') if l.startswith('CapEff')][0].split()[1]\n"
             "info = {'uid': os.getuid(), 'caps': caps, 'pids': len([p for p in os.listdir('/proc') if p.isdigit()]),\n"
             "        'ifaces': [n for _, n in socket.if_nameindex()],\n"
             "        'env': [k for k in os.environ if k.startswith('OPENAI')],\n"
             "        'scale': os.environ.get('COURSE_TIME_SCALE')}\n"
             "raise RuntimeError('INFO' + json.dumps(info) + 'END')\n")
    run = sandbox.run_tests({"ex02_student_report": probe.encode()}, ["ex02_student_report"],
                            isolation="strong", timeout=60)
    assert run.level == isolation.STRONG and run.isolation.startswith("bubblewrap, uid 65534")
    text = run.tests[0].message
    import json
    info = json.loads(text[text.index("INFO") + 4:text.index("END")])
    assert info["uid"] == isolation.SANDBOX_UID and info["caps"] == "0000000000000000"
    assert info["pids"] <= 3 and info["ifaces"] == ["lo"]
    assert info["env"] == [], "the grader's own environment reached learner code"
    # The grader's COURSE_TIME_SCALE (0.05 in this test process) must not reach learner code;
    # exercise_tests/conftest.py pins 1 inside the sandbox, and looptime keeps virtual time.
    assert info["scale"] in (None, "1"), f"learner code ran at time scale {info['scale']}"
    assert run.review == []


def test_strong_run_of_a_correct_answer_passes_and_is_trusted():
    need()
    name = "ex10_fallback"  # uses asyncio.timeout: must pass as under check()
    expected = sandbox.collect([name])
    run = sandbox.run_tests({name: (SOLUTIONS_DIR / f"{name}.py").read_bytes()}, [name], isolation="strong",
                            timeout=60, expected=expected, canaries=2)
    assert run.status == "ok" and run.tests and all(t.passed for t in run.tests), run.tests
    assert run.review == [], run.review
    assert {t.nodeid for t in run.tests} == expected.for_exercises([name]), "canaries never reach the results"


def test_strong_isolation_refuses_without_bwrap(monkeypatch):
    weak = isolation.Capabilities(bwrap=None, bwrap_version="", bwrap_problem="bwrap is not installed",
                                  root=False, cgroup="", cgroup_controllers=())
    monkeypatch.setattr(isolation, "detect", lambda: weak)
    with pytest.raises(sandbox.IsolationUnavailable, match="bwrap is not installed"):
        sandbox.run_tests({}, ["ex02_student_report"], isolation="strong")


def test_cgroup_caps_processes_and_is_killed():
    need()
    group = isolation.Cgroup(CAPS, pids_max=8, memory_bytes=256 << 20)
    try:
        code = ("import os, time\nn = 0\nfor i in range(40):\n    try:\n        if os.fork() == 0:\n"
                "            time.sleep(60)\n            os._exit(0)\n        n += 1\n    except OSError:\n"
                "        break\nprint(n, flush=True)\ntime.sleep(60)\n")
        proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True,
                                preexec_fn=isolation.join_cgroup_preexec(group.procs_files))
        forks = int(proc.stdout.readline())
        assert forks < 8, f"{forks} forks under pids.max=8"
        assert len(group.pids()) >= forks
        assert group.kill_all() and not group.pids()
        proc.wait(timeout=10)
    finally:
        group.kill_all()
        group.remove()
    assert not any(d.exists() for d in group.dirs)


def test_doctor_reports_the_isolation():
    out = io.StringIO()
    health.doctor(kernel=False, file=out)
    line = next(l for l in out.getvalue().splitlines() if "grader isolation" in l)
    assert CAPS.level in line


def test_canaries_compile_for_every_public_test_file():
    import random

    plan = sandbox._plan({}, [n for n in exercise_names() if test_files_for(n)], None, None)
    rng = random.Random(7)
    for name, files in plan.tests.items():
        built = [sandbox._canary_module(path, rng) for path in files for _ in range(3)]
        assert any(built), f"no canary can be made for {name}"


def test_canaries_never_flag_honest_runs():
    """Every exercise's correct answer with canaries planted: all pass, nothing flagged (the
    canaries fail, pytest exits 1, and the verifier must not mistake that for tampering)."""
    names = [n for n in exercise_names() if test_files_for(n)]
    mode = "strong" if CAPS.bwrap else "light"
    expected = sandbox.collect(names)
    sources = {n: (SOLUTIONS_DIR / f"{n}.py").read_bytes() for n in names}
    run = sandbox.run_tests(sources, names, isolation=mode, shards=2, timeout=300, expected=expected, canaries=1)
    assert run.review == [] and run.status == "ok", (run.review, run.notes)
    assert all(t.passed for t in run.tests), [t.nodeid for t in run.tests if not t.passed]
    assert len(run.tests) == len(expected.tests), "canaries are removed from the results"


def test_rootless_bubblewrap_is_partial_and_still_grades(tmp_path):
    """Run as an ordinary user (uid 65534 here), the grader gets bwrap's namespaces without the
    privilege drop or cgroups: level "partial", and a correct answer still passes."""
    import shutil

    if os.geteuid() != 0 or not CAPS.bwrap or shutil.which("setpriv") is None:
        pytest.skip("needs root (to become another user), bubblewrap and setpriv")
    become = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"]
    probe = subprocess.run([*become, sys.executable, "-c", "import course_utils"], capture_output=True, cwd="/")
    if probe.returncode != 0:
        pytest.skip("this checkout is not readable by uid 65534 (e.g. it lives under /root)")
    code = ("from course_utils import sandbox, isolation\n"
            "from course_utils.exercises import SOLUTIONS_DIR\n"
            "n = 'ex02_student_report'\n"
            "r = sandbox.run_tests({n: (SOLUTIONS_DIR / f'{n}.py').read_bytes()}, [n], isolation='strong',\n"
            "                      expected=sandbox.collect([n]), canaries=1, timeout=120)\n"
            "print(isolation.detect().level, r.level, r.status, all(t.passed for t in r.tests), r.review)\n")
    out = subprocess.run([*become, sys.executable, "-c", code], capture_output=True, text=True, cwd="/",
                         env={"PATH": os.environ.get("PATH", "/usr/bin"), "HOME": str(tmp_path)}, timeout=300)
    if "cannot create a sandbox" in out.stdout + out.stderr or out.stdout.startswith("weak"):
        pytest.skip("unprivileged user namespaces are off here")
    assert out.stdout.split()[:4] == ["partial", "partial", "ok", "True"], out.stdout + out.stderr[-2000:]
    assert out.stdout.strip().endswith("[]")


def test_a_message_quoting_a_hidden_test_is_withheld_but_its_doc_is_not():
    doc_line = "Each prompt is sent exactly once, in the order given."
    code_line = "assert sorted(llm.seen) == sorted(prompts), 'the secret hidden check'"
    hidden = f'def test_x(ex):\n    """{doc_line}\n\n    More words.\n    """\n    {code_line}\n'
    honest = sandbox.SandboxResult(tests=[sandbox.TestOutcome("ex07_rate_limit", "hidden: test_x", "n1", "failed",
                                                              f"This check failed: {doc_line}", doc=doc_line)])
    sandbox._check_hidden_leaks(honest, [hidden])
    assert honest.review == [] and doc_line in honest.tests[0].message
    leaky = sandbox.SandboxResult(tests=[sandbox.TestOutcome("ex07_rate_limit", "test_y", "n2", "failed",
                                                             f"Your code raised ValueError: {code_line}")])
    sandbox._check_hidden_leaks(leaky, [hidden])
    assert leaky.review and "withheld" in leaky.tests[0].message and code_line not in leaky.tests[0].message
