"""A hostile class: every attack a cheating or careless student tried on the grader (issue 14).

Each learner's ``ex07_rate_limit.py`` runs an attack at import time and reports what it saw by
raising ``RuntimeError("OBS {json} END")``; the grader turns that into the tests' failure
message, so the JSON report carries the observation back. ``ex02_student_report.py`` is the
correct solution throughout: whatever happens to ex07 must not cost ex02 anything.

Graded with the strong sandbox (bubblewrap) where the machine has it. Without it, the tests that
need it are skipped with the reason -- except in CI (``CI`` set), which installs bubblewrap, so
there they fail instead.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import socket
import sys
import textwrap
from pathlib import Path

import pytest

from course_utils import grade, isolation, sandbox
from course_utils.exercises import SOLUTIONS_DIR, fresh_stub

EXERCISES = ["ex02_student_report", "ex07_rate_limit"]
SECRET = "sk-test-secret-4f1c9e"
STRONG = isolation.detect().level == isolation.STRONG
WHY_NOT = isolation.detect().summary()


def need_strong() -> None:
    if STRONG:
        return
    if os.environ.get("CI"):
        pytest.fail(f"CI installs bubblewrap, yet the strong sandbox is missing: {WHY_NOT}")
    pytest.skip(f"the strong sandbox is not available here: {WHY_NOT}")


def solution(name: str) -> str:
    return (SOLUTIONS_DIR / f"{name}.py").read_text()


def observer(body: str) -> str:
    """An ex07 file that runs ``body`` at import (filling ``obs``) and reports ``obs``."""
    return ("import os, sys, json, glob, socket, time\nobs = {}\n" + textwrap.dedent(body)
            + "\nraise RuntimeError('OBS ' + json.dumps(obs, separators=(',', ':')) + ' END')\n")


SPY = """
def can_read(path):
    try:
        with open(path, 'rb') as fh:
            fh.read(16)
        return 'READ'
    except OSError as error:
        return type(error).__name__
obs['uid'] = os.getuid()
obs['pids'] = len([p for p in os.listdir('/proc') if p.isdigit()])
obs['shadow'] = can_read('/etc/shadow')
obs['tests'] = can_read('/sandbox/tests/conftest.py')
obs['hidden'] = sorted({can_read(p) for p in glob.glob('/sandbox/tests/hidden/*')}) or can_read('/sandbox/tests/hidden/x')
obs['other'] = can_read(OTHER)
obs['subs'] = os.path.exists(SUBS)
found = []
for path in glob.glob('/proc/*/environ'):
    try:
        if SECRET.encode() in open(path, 'rb').read():
            found.append(path)
    except OSError:
        pass
obs['secret'] = bool(found) or SECRET in str(dict(os.environ))
obs['scale'] = os.environ.get('COURSE_TIME_SCALE')
obs['home'] = os.path.isdir('/root/.ssh') or os.path.isdir(os.path.expanduser('~/.ssh'))
try:
    socket.create_connection(('127.0.0.1', PORT), timeout=1).close()
    obs['connect'] = 'CONNECTED'
except OSError as error:
    obs['connect'] = type(error).__name__
obs['ifaces'] = sorted(name for _, name in socket.if_nameindex())
caps = [l for l in open('/proc/self/status') if l.startswith('CapEff')][0].split()[1]
obs['caps'] = caps
for target in ('/sandbox/exercises/x.py', '/sandbox/tests/conftest.py', '/usr/lib/x'):
    try:
        open(target, 'w').write('x')
        obs.setdefault('wrote', []).append(target)
    except OSError:
        pass
"""

FORKER = """
import subprocess
# A small process forks fast: 300 children that sleep, counted, then the whole lot killed.
bomb = ("import os, time\\nkids = []\\nfor i in range(300):\\n    try:\\n        pid = os.fork()\\n"
        "    except OSError:\\n        break\\n    if pid == 0:\\n        time.sleep(60)\\n        os._exit(0)\\n"
        "    kids.append(pid)\\nprint(len(kids))\\nfor pid in kids:\\n    os.kill(pid, 9)\\n"
        "for pid in kids:\\n    os.waitpid(pid, 0)\\n")
out = subprocess.run([sys.executable, '-c', bomb], capture_output=True, text=True)
obs['forks'] = int(out.stdout.strip() or -1)
pid = os.fork()
if pid == 0:  # a daemon: new session, double fork, hoping to outlive the grader
    os.setsid()
    if os.fork() == 0:
        os.execv('/bin/sleep', ['sleep', '987.654'])
    os._exit(0)
os.waitpid(pid, 0)
"""

MEMHOG = """
kids = []
for i in range(5):
    pid = os.fork()
    if pid == 0:
        hog = b'x' * (300 * 1024 * 1024)
        time.sleep(1)
        os._exit(0)
    kids.append(pid)
statuses = [os.waitpid(pid, 0)[1] for pid in kids]
obs['killed'] = sum(1 for s in statuses if os.WIFSIGNALED(s))
"""

DISK = """
written = 0
try:
    for i in range(40):
        with open(f'/tmp/fill{i}', 'wb') as fh:
            fh.write(b'x' * (8 * 1024 * 1024))
        written += 8
except OSError as error:
    obs['stopped'] = type(error).__name__
obs['mb'] = written
for i in range(40):
    try:
        os.remove(f'/tmp/fill{i}')
    except OSError:
        pass
for place in ('/dev/shm/left-behind', '/tmp/left-behind'):
    try:
        open(place, 'w').write('a secret for the next learner')
    except OSError:
        pass
"""

READER = """
obs['shm'] = os.path.exists('/dev/shm/left-behind')
obs['tmp'] = os.path.exists('/tmp/left-behind')
"""

FORGE_EMIT = """
plugin = sys.modules.get('course_utils.sandbox_plugin')
original = plugin._emit
def forged(event):
    if event.get('event') == 'report':
        event = dict(event, outcome='passed', message='')
    original(event)
plugin._emit = forged
"""

# A forger who read the grader's source and spares the hidden folder, where canaries used to live.
FORGE_PUBLIC = """
plugin = sys.modules.get('course_utils.sandbox_plugin')
original = plugin._emit
def forged(event):
    if event.get('event') == 'report' and '/hidden/' not in event.get('nodeid', ''):
        event = dict(event, outcome='passed', message='')
    original(event)
plugin._emit = forged
"""

FORGE_FD = """
import stat, gc
ids = []
for obj in gc.get_objects():
    try:
        if type(obj).__name__ in ('Function', 'Coroutine') and hasattr(obj, 'nodeid'):
            ids.append(obj.nodeid)
    except Exception:
        pass
lines = b''.join(json.dumps({'event': e, 'nodeid': n, 'outcome': 'passed', 'message': '', 'duration': 0.1}).encode() + b'\\n'
                 for n in ids for e in ('start', 'report'))
for fd in range(3, 64):
    try:
        if stat.S_ISFIFO(os.fstat(fd).st_mode):
            os.write(fd, lines + b'{"event": "report", "nodeid": "x", "outcome": "passed"}\\n')
    except OSError:
        pass
"""


def honest_ex07() -> str:
    return solution("ex07_rate_limit")


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    base = tmp_path_factory.mktemp("hostile")
    subs = base / "submissions"
    subs.mkdir()
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(5)
    port = listener.getsockname()[1]

    def learner(name: str, ex06: str, ex02: str | None = None) -> None:
        folder = subs / name
        folder.mkdir()
        (folder / "ex02_student_report.py").write_text(ex02 if ex02 is not None else solution("ex02_student_report"))
        (folder / "ex07_rate_limit.py").write_text(ex06)

    learner("alice", honest_ex07())
    other = subs / "alice" / "ex07_rate_limit.py"
    spy = (f"SECRET = {SECRET!r}\nOTHER = {str(other)!r}\nSUBS = {str(subs)!r}\nPORT = {port}\n"
           + observer(SPY))
    learner("spy", spy)
    learner("forker", observer(FORKER))
    learner("disk1", observer(DISK))
    learner("disk2", observer(READER))
    learner("forger_emit", fresh_stub("ex07_rate_limit") + "\nimport sys\n" + FORGE_EMIT)
    learner("forger_fd", fresh_stub("ex07_rate_limit") + "\nimport os, sys, json\n" + FORGE_FD)
    learner("forger_public", fresh_stub("ex07_rate_limit"),
            ex02=fresh_stub("ex02_student_report") + "\nimport sys\n" + FORGE_PUBLIC)
    # Honest students whose ex02 breaks the test process at import: only ex02 may suffer.
    for name, code in {"sleeper": "import time\ntime.sleep(12)\n", "looper": "while True:\n    pass\n",
                       "exiter": "import os\nos._exit(0)\n", "sysexit": "raise SystemExit(3)\n"}.items():
        learner(name, honest_ex07(), ex02=solution("ex02_student_report") + "\n" + code)
    hidden = base / "hidden_tests"
    hidden.mkdir()
    hidden_line = "assert llm.calls == 0, 'the secret hidden check: no prompts, no calls at all'"
    (hidden / "test_ex07_rate_limit_hidden.py").write_text(
        "from _helpers import FakeLLM\n\n"
        "async def test_no_prompts(ex):\n"
        "    llm = FakeLLM()\n"
        "    assert await ex.fetch_all(llm, [], 3) == []\n"
        f"    {hidden_line}\n")

    out, report = base / "gradebook.csv", base / "report.json"
    old_env = os.environ.get("OPENAI_API_KEY")
    os.environ["OPENAI_API_KEY"] = SECRET  # an instructor's key in the grader's environment
    stdout, old = io.StringIO(), sys.stdout
    sys.stdout = stdout
    try:
        code = grade.main([str(subs), "--out", str(out), "--json", str(report), "--jobs", "2", "--shards", "1",
                           "--timeout", "90", "--test-timeout", "3", "--exercises", ",".join(EXERCISES),
                           "--tests", str(hidden), "--quiet", *([] if STRONG else ["--allow-weak-isolation"])])
    finally:
        sys.stdout = old
        listener.close()
        if old_env is None:
            os.environ.pop("OPENAI_API_KEY", None)
        else:
            os.environ["OPENAI_API_KEY"] = old_env
    data = json.loads(report.read_text())
    return {"code": code, "rows": {r["learner"]: r for r in csv.DictReader(out.open())},
            "json": {e["learner"]: e for e in data["learners"]}, "raw": report.read_text(),
            "stdout": stdout.getvalue(), "hidden_line": hidden_line}


def obs(hostile, learner: str) -> dict:
    text = " ".join(t["message"] for t in hostile["json"][learner]["tests"] if t["exercise"] == "ex07_rate_limit")
    match = re.search(r"OBS (\{.*?\}) END", text)
    assert match, (learner, text[:500])
    return json.loads(match.group(1))


def explain(hostile, learner: str) -> str:
    """What the grader said about one learner: status, notes and every test's outcome."""
    entry = hostile["json"][learner]
    tests = "; ".join(f"{t['test']}: {t['outcome']} {t['message'][:160]!r}" for t in entry["tests"])
    return (f"{learner}: status {entry['status']!r}, notes {entry.get('notes')!r}, "
            f"review {entry.get('review')!r}, tests: {tests}")


def test_the_class_is_graded(hostile):
    assert hostile["code"] == 0
    assert float(hostile["rows"]["alice"]["total"]) == 2.0, explain(hostile, "alice")
    assert hostile["json"]["alice"]["trusted"] is True and hostile["json"]["alice"]["status"] == "ok"


def test_strong_isolation_is_really_active(hostile):
    need_strong()
    seen = obs(hostile, "spy")
    assert seen["uid"] == isolation.SANDBOX_UID, "learner code must not run as root"
    assert seen["caps"] == "0000000000000000", "learner code must have no capabilities"
    assert seen["pids"] <= 4, f"the grader's processes are visible: {seen['pids']} pids in /proc"
    assert seen["ifaces"] == ["lo"], "a new network namespace has only the loopback device"
    assert "bubblewrap" in hostile["json"]["spy"]["isolation"]
    assert hostile["rows"]["spy"]["isolation"].startswith("bubblewrap")


def test_secrets_and_other_files_are_out_of_reach(hostile):
    need_strong()
    seen = obs(hostile, "spy")
    assert seen["secret"] is False, "an instructor's API key reached learner code"
    assert SECRET not in hostile["raw"]
    assert seen["shadow"] != "READ", "/etc/shadow was readable"
    assert seen["other"] != "READ" and seen["subs"] is False, "another learner's file was readable"
    assert seen["home"] is False
    assert "wrote" not in seen, f"learner code wrote to a read-only place: {seen.get('wrote')}"
    # exercise_tests/conftest.py pins scale 1 (looptime keeps the virtual clock); never a fast one.
    assert seen["scale"] in (None, "1"), "the grader must not run learner code at a fast time scale"


def test_hidden_tests_are_unreadable_and_never_leak(hostile):
    need_strong()
    seen = obs(hostile, "spy")
    assert seen["tests"] != "READ" and "READ" not in seen["hidden"], seen
    assert hostile["hidden_line"] not in hostile["raw"]
    alice = [t for t in hostile["json"]["alice"]["tests"] if t["test"].startswith("hidden: ")]
    assert [(t["test"], t["outcome"]) for t in alice] == [("hidden: test_no_prompts", "passed")], explain(hostile, "alice")


def test_network_is_closed(hostile):
    need_strong()
    assert obs(hostile, "spy")["connect"] != "CONNECTED", "learner code reached a port on the grader's machine"


def test_processes_are_capped_and_all_die(hostile):
    need_strong()
    seen = obs(hostile, "forker")
    assert 0 < seen["forks"] < 200, f"{seen['forks']} processes: no cap on the process count"
    leftovers = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if b"987.654" in cmdline.read_bytes():
                leftovers.append(cmdline.parent.name)
        except OSError:
            pass
    assert not leftovers, f"a learner's daemon outlived its sandbox: pids {leftovers}"


def test_memory_is_capped_summed_over_processes():
    """5 children of 300 MB each under a 1024 MB cap: some must die, the rest is graded. (On its
    own, with a generous per-test limit: the kernel takes seconds to reclaim before it kills.)"""
    need_strong()
    sources = {"ex02_student_report": solution("ex02_student_report").encode(),
               "ex07_rate_limit": observer(MEMHOG).encode()}
    run = sandbox.run_tests(sources, EXERCISES, isolation="strong", timeout=120, test_timeout=60, memory_mb=1024)
    messages = " ".join(t.message for t in run.tests if t.exercise == "ex07_rate_limit")
    match = re.search(r"OBS (\{.*?\}) END", messages)
    if match:
        assert json.loads(match.group(1))["killed"] >= 1, "5 x 300 MB children all survived a 1024 MB cap"
    else:
        assert "memory" in messages, messages[:300]
    assert all(t.passed for t in run.tests if t.exercise == "ex02_student_report"), run.notes


def test_disk_is_capped_and_nothing_persists_between_learners(hostile):
    need_strong()
    written = obs(hostile, "disk1")
    assert written["mb"] <= 64 and written.get("stopped"), written
    later = obs(hostile, "disk2")
    assert later == {"shm": False, "tmp": False}, "one learner's /dev/shm or /tmp reached another"


@pytest.mark.parametrize("learner", ["forger_emit", "forger_fd", "forger_public"])
def test_forged_results_are_flagged(hostile, learner):
    entry = hostile["json"][learner]
    assert entry["status"] == grade.REVIEW and entry["trusted"] is False, entry["status"]
    assert entry["review"], "the evidence is given"
    row = hostile["rows"][learner]
    assert row["total"] == "" and row["ex07_rate_limit"] == "", "a forged score reached the gradebook"
    assert row["status"] == grade.REVIEW and "score not trusted" in row["notes"]


@pytest.mark.parametrize("learner,reason", [("sleeper", "took longer"), ("looper", "took longer"),
                                            ("exiter", "exited"), ("sysexit", "sys.exit")])
def test_a_broken_import_costs_only_that_exercise(hostile, learner, reason):
    entry = hostile["json"][learner]
    assert entry["scores"]["ex07_rate_limit"] == 1.0, (learner, entry["scores"], entry["notes"])
    assert entry["scores"]["ex02_student_report"] == 0.0
    messages = " ".join(t["message"] for t in entry["tests"] if t["exercise"] == "ex02_student_report")
    assert reason in messages, messages[:300]
    assert entry["trusted"], entry["review"]
