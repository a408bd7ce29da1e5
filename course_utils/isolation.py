"""Which sandbox this machine offers the grader, and the commands and cgroups that build it.

The grader's strong isolation is bubblewrap (``bwrap``, Debian package ``bubblewrap``), a small,
well-kept setuid-free sandbox tool: new PID, network, IPC, UTS and mount namespaces, a
read-only view of exactly what the tests need, private size-capped ``/tmp`` and ``/dev/shm``, a
clean environment, ``--die-with-parent``. On top of it, when the grader runs as root:

* the test process starts as root *inside* the sandbox with only ``CAP_SETUID``/``CAP_SETGID``,
  reads its tests, then switches to uid/gid 65534 ("nobody") before any learner code runs, so the
  tests (hidden ones included) and the config are unreadable to learner code;
* a cgroup per test process tree caps the number of processes (``pids``) and the memory summed
  over all of them (``memory``), and every process in it is killed at the end.

:func:`detect` probes all of this once and says what is missing; :func:`advice` how to get it.
"""

from __future__ import annotations

import functools
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

#: The uid/gid learner code runs as when the grader is root.
SANDBOX_UID = 65534
CGROUP_ROOT = Path("/sys/fs/cgroup")
CGROUP_PARENT = "course-grader"

STRONG = "strong"
PARTIAL = "partial"
WEAK = "weak"


@dataclass(frozen=True)
class Capabilities:
    """What this machine gives the grader (see :func:`detect`)."""

    bwrap: str | None             # path of a working bwrap, or None
    bwrap_version: str
    bwrap_problem: str            # why bwrap is not usable ("" when it is)
    root: bool                    # can drop learner code to another uid (and manage cgroups)
    cgroup: str                   # "v1", "v2" or "" (none usable)
    cgroup_controllers: tuple[str, ...]
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def level(self) -> str:
        """``strong``: bwrap + privilege drop + cgroup caps; ``partial``: bwrap without some of
        them; ``weak``: no bwrap (rlimits and, where the kernel has it, Landlock only)."""
        if not self.bwrap:
            return WEAK
        if self.root and {"pids", "memory"} <= set(self.cgroup_controllers):
            return STRONG
        return PARTIAL

    def missing(self) -> list[str]:
        out = []
        if not self.bwrap:
            out.append(f"no bubblewrap sandbox ({self.bwrap_problem})")
            return out
        if not self.root:
            out.append("not root: learner code runs as the grader's own user, and the tests "
                       "(hidden ones included) stay readable to it")
        for ctl in ("pids", "memory"):
            if ctl not in self.cgroup_controllers:
                out.append(f"no writable cgroup '{ctl}' controller: "
                           + ("no per-learner cap on the number of processes (only a coarse per-user "
                              "RLIMIT_NPROC)" if ctl == "pids"
                              else "memory is capped per process only, not summed"))
        return out

    def summary(self) -> str:
        if not self.bwrap:
            return f"{WEAK}: no bubblewrap ({self.bwrap_problem}); rlimits and Landlock only"
        parts = [f"bubblewrap {self.bwrap_version}", "PID/net/IPC/mount namespaces"]
        if self.root:
            parts.append(f"runs as uid {SANDBOX_UID}")
        if self.cgroup_controllers:
            parts.append(f"cgroup {self.cgroup} {'+'.join(self.cgroup_controllers)}")
        text = f"{self.level}: " + ", ".join(parts)
        missing = self.missing()
        return text + (" (missing: " + "; ".join(missing) + ")" if missing else "")


def advice(caps: Capabilities) -> str:
    """How to get the strong isolation on this machine (empty when it is there)."""
    if caps.level == STRONG:
        return ""
    steps = []
    if not caps.bwrap:
        if shutil.which("bwrap") is None:
            steps.append("install bubblewrap (Debian/Ubuntu: sudo apt-get install bubblewrap; "
                         "Fedora: sudo dnf install bubblewrap)")
        else:
            steps.append("allow bubblewrap to create namespaces (in a container: run it with "
                         "--privileged or a seccomp/AppArmor profile that allows unshare; on Ubuntu "
                         "24.04+: an AppArmor profile for bwrap)")
    if not caps.root:
        steps.append("run the grader as root (e.g. in a throw-away container or VM) so learner code "
                     "can run as 'nobody' and get per-learner cgroups")
    elif not {"pids", "memory"} <= set(caps.cgroup_controllers):
        steps.append("give the grader a writable cgroup tree with the pids and memory controllers "
                     "(cgroup v1: /sys/fs/cgroup/{pids,memory} writable; cgroup v2: enable +pids +memory "
                     "in cgroup.subtree_control, or run under systemd-run --scope -p Delegate=yes)")
    steps.append("macOS/Windows: grade inside a Linux VM or container (Docker with --privileged)")
    return "; ".join(steps)


# ----------------------------------------------------------------------------- detection


def _bwrap_probe(path: str) -> str:
    """Run a tiny command in the sandbox we would build; "" if it worked, else why not."""
    args = [path, "--die-with-parent", "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts",
            "--ro-bind", "/", "/", "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp",
            "--", "/bin/sh", "-c", "test -d /proc/1 && echo ok"]
    if os.geteuid() != 0:
        args.insert(1, "--unshare-user")
    try:
        proc = subprocess.run(args, capture_output=True, text=True, timeout=20, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"bwrap could not run: {error}"
    if proc.returncode != 0 or "ok" not in proc.stdout:
        return "bwrap is installed but cannot create a sandbox here: " + (proc.stderr.strip()[:200] or
                                                                          f"exit code {proc.returncode}")
    return ""


def _cgroup() -> tuple[str, tuple[str, ...]]:
    """Which cgroup version is mounted and which of pids/memory we may create groups in."""
    if os.geteuid() != 0 or not CGROUP_ROOT.is_dir():
        return "", ()
    if (CGROUP_ROOT / "cgroup.controllers").exists():  # a pure v2 mount
        return "v2", tuple(c for c in ("pids", "memory") if _v2_usable(c))
    found = []
    for ctl in ("pids", "memory"):
        base = CGROUP_ROOT / ctl
        probe = base / f"{CGROUP_PARENT}-probe-{os.getpid()}"
        try:
            probe.mkdir()
            probe.rmdir()
            found.append(ctl)
        except OSError:
            continue
    return ("v1", tuple(found)) if found else ("", ())


def _v2_usable(ctl: str) -> bool:
    try:
        return ctl in (CGROUP_ROOT / "cgroup.subtree_control").read_text().split() and \
            os.access(CGROUP_ROOT, os.W_OK)
    except OSError:
        return False


@functools.lru_cache(maxsize=1)
def detect() -> Capabilities:
    """Probe the machine once (about 50 ms)."""
    notes: list[str] = []
    path = shutil.which("bwrap")
    version, problem = "", ""
    if not sys.platform.startswith("linux"):
        path, problem = None, f"{sys.platform} has no Linux namespaces"
    elif path is None:
        problem = "bwrap is not installed"
    else:
        try:
            version = subprocess.run([path, "--version"], capture_output=True, text=True,
                                     timeout=10).stdout.split()[-1]
        except (OSError, subprocess.TimeoutExpired, IndexError):
            version = "?"
        problem = _bwrap_probe(path)
        if problem:
            path = None
    version_name, controllers = _cgroup()
    if version_name == "v2" and set(controllers) != {"pids", "memory"}:
        notes.append("cgroup v2: the grader uses v2 only where it may create groups under /sys/fs/cgroup")
    return Capabilities(bwrap=path, bwrap_version=version, bwrap_problem=problem, root=os.geteuid() == 0,
                        cgroup=version_name, cgroup_controllers=controllers, notes=tuple(notes))


# ----------------------------------------------------------------------------- cgroups


class Cgroup:
    """One cgroup per test process tree: caps on processes and summed memory, killed at the end."""

    def __init__(self, caps: Capabilities, *, pids_max: int, memory_bytes: int) -> None:
        self.version = caps.cgroup
        self.dirs: list[Path] = []
        self.memory_dir: Path | None = None
        name = f"run-{os.getpid()}-{uuid.uuid4().hex[:12]}"
        try:
            if self.version == "v1":
                for ctl in caps.cgroup_controllers:
                    path = CGROUP_ROOT / ctl / CGROUP_PARENT / name
                    path.mkdir(parents=True)
                    self.dirs.append(path)
                    if ctl == "pids":
                        (path / "pids.max").write_text(str(pids_max))
                    elif ctl == "memory":
                        self.memory_dir = path
                        (path / "memory.limit_in_bytes").write_text(str(memory_bytes))
                        try:  # no swapping past the limit either (absent without swap accounting)
                            (path / "memory.memsw.limit_in_bytes").write_text(str(memory_bytes))
                        except OSError:
                            pass
            elif self.version == "v2":
                path = CGROUP_ROOT / CGROUP_PARENT
                path.mkdir(exist_ok=True)
                (path / "cgroup.subtree_control").write_text(
                    " ".join("+" + c for c in caps.cgroup_controllers))
                leaf = path / name
                leaf.mkdir()
                self.dirs.append(leaf)
                if "pids" in caps.cgroup_controllers:
                    (leaf / "pids.max").write_text(str(pids_max))
                if "memory" in caps.cgroup_controllers:
                    self.memory_dir = leaf
                    (leaf / "memory.max").write_text(str(memory_bytes))
                    (leaf / "memory.swap.max").write_text("0")
                    (leaf / "memory.oom.group").write_text("1")
        except OSError:
            self.remove()
            raise

    @property
    def procs_files(self) -> list[str]:
        return [str(d / "cgroup.procs") for d in self.dirs]

    def oom_killed(self) -> bool:
        """Did the memory cap kill something in this group?"""
        if self.memory_dir is None:
            return False
        try:
            if self.version == "v1":
                return int((self.memory_dir / "memory.failcnt").read_text().strip() or 0) > 0 and \
                    "oom_kill 0" not in (self.memory_dir / "memory.oom_control").read_text()
            events = (self.memory_dir / "memory.events").read_text()
            return any(line.startswith("oom_kill ") and line.split()[1] != "0" for line in events.splitlines())
        except (OSError, ValueError):
            return False

    def pids(self) -> set[int]:
        found: set[int] = set()
        for procs in self.procs_files:
            try:
                found |= {int(p) for p in Path(procs).read_text().split()}
            except (OSError, ValueError):
                pass
        return found

    def kill_all(self, deadline: float = 5.0) -> bool:
        """SIGKILL every process in the group until it is empty; True when it is."""
        if self.version == "v2" and self.dirs:
            try:
                (self.dirs[0] / "cgroup.kill").write_text("1")
            except OSError:
                pass
        end = time.monotonic() + deadline
        while time.monotonic() < end:
            pids = self.pids()
            if not pids:
                return True
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
            time.sleep(0.02)
        return not self.pids()

    def remove(self) -> None:
        for path in self.dirs:
            for _ in range(50):
                try:
                    path.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.02)  # a killed process may take a moment to leave
        self.dirs = []


def join_cgroup_preexec(procs_files: list[str]):  # type: ignore[no-untyped-def]
    """A ``preexec_fn`` step: move the new child into the cgroups (before exec, so before any
    learner code; every process it starts is born inside)."""
    encoded = [p.encode() for p in procs_files]

    def join() -> None:
        pid = str(os.getpid()).encode()
        for path in encoded:
            fd = os.open(path, os.O_WRONLY)
            try:
                os.write(fd, pid)
            finally:
                os.close(fd)

    return join


# ----------------------------------------------------------------------------- the bwrap command


def _python_roots() -> list[str]:
    """Folders the Python interpreter and its packages live in (bound read-only)."""
    roots = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}
    exe = Path(sys.executable)
    roots.add(str(exe.parent))
    try:
        roots.add(str(exe.resolve().parent.parent))
    except OSError:
        pass
    for entry in sys.path:
        if entry and os.path.isdir(entry) and ("site-packages" in entry or "dist-packages" in entry):
            roots.add(entry)
    return sorted(p for p in roots if p and os.path.isdir(p))


SYSTEM_FILES = ("/etc/ld.so.cache", "/etc/localtime", "/etc/passwd", "/etc/group", "/etc/nsswitch.conf",
                "/etc/hosts", "/etc/mime.types", "/etc/ssl/certs")


def bwrap_command(caps: Capabilities, *, binds: list[tuple[str, str]], package_dir: str, cwd: str,
                  env: dict[str, str], tmp_bytes: int, shm_bytes: int, work_bytes: int,
                  argv: list[str]) -> list[str]:
    """The bwrap command line: a read-only view of the system's libraries, Python, the course
    package and ``binds`` (source, destination); writable, size-capped tmpfs for ``/tmp``,
    ``/dev/shm`` and ``cwd``; nothing else of the host (no home, no /root, no /etc/shadow, no
    other learners, no grader processes in /proc, no network)."""
    assert caps.bwrap
    cmd = [caps.bwrap, "--die-with-parent", "--new-session",
           "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
           "--hostname", "sandbox"]
    if caps.root:
        # Root in the sandbox only to read the tests; the child then switches to SANDBOX_UID.
        cmd += ["--cap-drop", "ALL", "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
    else:
        cmd += ["--unshare-user"]
    cmd += ["--ro-bind", "/usr", "/usr"]
    for link in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
        path = Path("/") / link
        if path.is_symlink():
            cmd += ["--symlink", os.readlink(path), str(path)]
        elif path.is_dir():
            cmd += ["--ro-bind", str(path), str(path)]
    for path in SYSTEM_FILES:
        cmd += ["--ro-bind-try", path, path]
    seen = {"/usr"}
    made: set[str] = set()

    def parents(dest: str) -> list[str]:
        # bwrap copies the host's modes for the folders it creates on the way (/root is 0700):
        # create them first as plain 0755 folders, so uid 65534 can walk to what is bound.
        out = []
        for parent in reversed(Path(dest).parents):
            p = str(parent)
            if p != "/" and p not in made and not any(p == s or p.startswith(s + "/") for s in seen):
                made.add(p)
                out += ["--perms", "0755", "--dir", p]
        return out

    # The private /tmp and /dev/shm come first: bwrap applies its options in order, so a course
    # checked out under /tmp (CI clones often are) is then bound on top of the empty tmpfs
    # instead of being hidden by it.
    cmd += ["--proc", "/proc", "--dev", "/dev",
            "--perms", "1777", "--size", str(tmp_bytes), "--tmpfs", "/tmp",
            "--perms", "1777", "--size", str(shm_bytes), "--tmpfs", "/dev/shm"]
    for root in [*_python_roots(), package_dir]:
        if not any(root == s or root.startswith(s.rstrip("/") + "/") for s in seen):
            cmd += parents(root) + ["--ro-bind", root, root]
            seen.add(root)
    for src, dest in binds:
        cmd += parents(dest) + ["--ro-bind", src, dest]
    cmd += parents(cwd) + ["--perms", "1777", "--size", str(work_bytes), "--tmpfs", cwd, "--chdir", cwd, "--clearenv"]
    for key, value in env.items():
        cmd += ["--setenv", key, value]
    return cmd + ["--", *argv]


__all__ = ["Capabilities", "Cgroup", "SANDBOX_UID", "STRONG", "PARTIAL", "WEAK", "advice", "bwrap_command",
           "detect", "join_cgroup_preexec"]
