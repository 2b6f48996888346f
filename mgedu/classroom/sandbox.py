"""Contain one submission: a bubblewrap sandbox per notebook run, with limits, and nothing left behind.

The threat model is that a submitted notebook is hostile code. :func:`find_isolation` checks once per
batch that a sandbox can be made here (Linux, Debian's ``bubblewrap`` installed, user namespaces
allowed) and otherwise raises :class:`SandboxUnavailable` saying why and what to do; ``--no-sandbox``
is the explicit way to grade without one. :func:`run_contained` then starts
:mod:`mgedu.classroom.runner` in a fresh sandbox for each submission:

- new user, PID, network, IPC and UTS namespaces: no network (loopback only), no other process
  visible, the runner is PID 1 (the notebook cannot kill it; when it ends, everything in the
  sandbox ends with it), and the sandbox dies with the grader;
- a file system of its own: the Python environment, the ``mgedu`` package and the seed articles
  read-only (with the practice keys the package ships, which every student already holds: the notebooks'
  own code reads them, and grades never depend on what ``check`` says inside), a fresh empty home and
  ``/tmp`` (size-capped), no other file of the machine (no submissions, no teacher's files or key
  folders, no course secret); the only writable thing
  outside the sandbox is the one grading-log file the grader made for this run;
- a minimal environment (no inherited variables);
- limits: address space, CPU time and file size per process (``setrlimit``), the number of processes
  (``RLIMIT_NPROC``; as root, where the kernel does not apply that limit, a ``pids`` cgroup, which is
  also given a memory ceiling), output read back at most :data:`MAX_REPORT_BYTES`, and a wall-clock
  time limit after which the whole sandbox is killed.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

MAX_REPORT_BYTES = 1_000_000
MAX_STDERR_BYTES = 1_000_000
SANDBOX_UID = 1000
SANDBOX_HOME = "/home/student"
SANDBOX_WORKDIR = SANDBOX_HOME + "/work"
SANDBOX_LOG = "/grading/log.jsonl"
GRACE_SECONDS = 10.0
CGROUP_PATIENCE_SECONDS = 30.0
MODES = ("bubblewrap", "none")
HOW_TO_PROCEED = (
    "Grade on Linux with bubblewrap (Debian/Ubuntu: apt-get install bubblewrap; Fedora: dnf install "
    "bubblewrap), for example in a Linux container or virtual machine; or, only for notebooks you trust, "
    "pass --no-sandbox (each notebook then runs with your account's rights and can read and change "
    "your files)."
)


ROOT_ADVICE = (
    "Grade as an ordinary user instead (recommended; the kernel then limits each sandbox's processes itself), "
    "for example `runuser -u USER -- .venv/bin/python -m mgedu grade ...` with the project and its environment "
    "readable by USER; or run the grader where it may manage a cgroup (a writable cgroup v1 `pids` hierarchy, "
    "or a delegated cgroup v2 subtree with the pids controller enabled)."
)
CGROUP_JOIN_FAILED = 97  # exit status of the shell prefix when it cannot move the run into its cgroup


def _cgroup_problem(cgroups: tuple[Path, ...], what: object) -> str:
    where = ", ".join(str(c) for c in cgroups)
    return (
        f"grading as root limits each notebook's processes with a cgroup under {where}, but making one there "
        f"or moving a process into it failed ({what}). " + ROOT_ADVICE + " " + HOW_TO_PROCEED
    )


class SandboxUnavailable(RuntimeError):
    """No sandbox can be made on this machine; the message says why and how to proceed."""


@dataclass(frozen=True)
class Limits:
    """What one submission may use. ``memory_mb`` bounds each process's address space (and, under a
    cgroup, the sandbox's total memory); ``processes`` counts processes and threads."""

    memory_mb: int = 2048
    processes: int = 256  # the kernel and the runner use about 20
    file_mb: int = 64
    tmp_mb: int = 256

    def __post_init__(self) -> None:
        for name, low, high in (
            ("memory_mb", 256, 65536),
            ("processes", 32, 4096),
            ("file_mb", 1, 4096),
            ("tmp_mb", 16, 16384),
        ):
            value = getattr(self, name)
            if not (isinstance(value, int) and low <= value <= high):
                raise ValueError(f"{name} must be a whole number between {low} and {high}, got {value!r}")


@dataclass
class Isolation:
    """How submissions are contained on this machine (found once per batch by :func:`find_isolation`)."""

    mode: str
    description: str
    bwrap: str = ""
    cgroups: tuple[Path, ...] = ()
    binds: tuple[Path, ...] = ()

    @property
    def sandboxed(self) -> bool:
        """True when each submission runs in a sandbox."""
        return self.mode == "bubblewrap"


@dataclass
class Contained:
    """What came back from one contained run."""

    report: bytes = b""
    stderr: str = ""
    returncode: int | None = None
    stopped: str = ""  # why the grader stopped the run: "timeout" or "output", else ""
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)


def environment_paths() -> tuple[Path, ...]:
    """Folders the runner needs read-only: the Python installation and environment, the package, the seeds."""
    package = Path(__file__).resolve().parent.parent  # the mgedu package folder
    wanted = {
        Path(sys.prefix).resolve(),
        Path(sys.base_prefix).resolve(),
        Path(sys.executable).resolve(),  # the interpreter a venv's ``python`` links to
        package,  # with the practice keys it ships (``mgedu/data/exercises``)
    }
    seeds = package.parent / "seeds"
    if seeds.is_dir():
        wanted.add(seeds.resolve())
    usr = Path("/usr")
    kept = sorted(p for p in wanted if p != Path("/") and usr not in p.parents and p != usr)
    # A folder inside another kept folder is bound with it.
    return tuple(p for p in kept if not any(q in p.parents for q in kept))


def _bwrap_supports(bwrap: str, option: str) -> bool:
    try:
        text = subprocess.run([bwrap, "--help"], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return False
    return option in text


def _own_cgroups() -> tuple[Path, ...]:
    """As root: a ``pids`` (and ``memory``) cgroup folder under this process's own cgroup, if writable."""
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return ()
    found: list[Path] = []
    for line in lines:
        _, controllers, path = line.split(":", 2)
        names = controllers.split(",")
        if controllers == "" and Path("/sys/fs/cgroup/cgroup.controllers").exists():  # cgroup v2
            base = Path("/sys/fs/cgroup") / path.lstrip("/")
            try:
                enabled = (base / "cgroup.subtree_control").read_text().split()
            except OSError:
                continue
            if "pids" in enabled and os.access(base, os.W_OK):
                return (base,)
        for name in ("pids", "memory"):
            base = Path("/sys/fs/cgroup") / name / path.lstrip("/")
            if name in names and (base / "cgroup.procs").exists() and os.access(base, os.W_OK):
                found.append(base)
    return tuple(found) if any("pids" in str(p) for p in found) else ()


def _controller(path: Path) -> str:
    parts = path.parts
    return parts[4] if len(parts) > 4 and parts[4] in ("pids", "memory") else "pids, memory"


def find_isolation(*, sandbox: bool = True) -> Isolation:
    """Check that a sandbox can be made here; :class:`SandboxUnavailable` says why not.

    ``sandbox=False`` is the explicit choice to run without one (recorded in the grades).
    """
    if not sandbox:
        return Isolation("none", "no sandbox (--no-sandbox): notebooks ran with the grader's rights")
    if not sys.platform.startswith("linux"):
        raise SandboxUnavailable(
            f"grading runs each submission in a bubblewrap sandbox, which needs Linux; this is {sys.platform}. "
            + HOW_TO_PROCEED
        )
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        raise SandboxUnavailable(
            "grading runs each submission in a sandbox, but bubblewrap (bwrap) is not installed. " + HOW_TO_PROCEED
        )
    cgroups: tuple[Path, ...] = ()
    if os.geteuid() == 0:
        cgroups = _own_cgroups()
        if not cgroups:
            raise SandboxUnavailable(
                "grading as root needs a pids cgroup the grader may manage, to limit the processes a notebook "
                "may start (Linux does not apply the per-user process limit to root, so a fork bomb would "
                "otherwise be limited by nothing), and this process has none it can write to "
                "(see /proc/self/cgroup). " + ROOT_ADVICE + " " + HOW_TO_PROCEED
            )
    isolation = Isolation("bubblewrap", "", bwrap, cgroups, environment_paths())
    if not _bwrap_supports(bwrap, "--disable-userns"):
        isolation.description = "bubblewrap (older than 0.8: nested user namespaces allowed)"
    prefix: list[str] = []
    groups: list[Path] = []
    if cgroups:
        try:
            prefix, groups = _join_cgroups(cgroups, Limits())
        except OSError as exc:
            raise SandboxUnavailable(_cgroup_problem(cgroups, exc)) from None
    try:
        probe = subprocess.run(
            prefix + _bwrap_command(isolation, None, ["python", "-I", "-c", "import mgedu, jupyter_client, ipykernel"]),
            capture_output=True,
            text=True,
            timeout=60,
            env={"PATH": "/usr/bin:/bin"},
            stdin=subprocess.DEVNULL,
        )
    finally:
        _remove_cgroups(groups)
    if probe.returncode == CGROUP_JOIN_FAILED and prefix:
        said = (probe.stderr.strip().splitlines() or ["no message"])[-1][:200]
        raise SandboxUnavailable(_cgroup_problem(cgroups, said))
    if probe.returncode != 0:
        said = (probe.stderr.strip().splitlines() or ["no message"])[-1][:300]
        raise SandboxUnavailable(
            f"bubblewrap could not start a sandbox here ({said}). User namespaces may be disabled "
            "(sysctl kernel.unprivileged_userns_clone=1, or on Ubuntu 24.04 an AppArmor profile for bwrap), "
            "or the Python environment is not readable. " + HOW_TO_PROCEED
        )
    limit = "a cgroup (" + ", ".join(_controller(p) for p in cgroups) + ")"
    isolation.description = isolation.description or (
        "bubblewrap sandbox: no network, read-only environment, fresh home, "
        + (f"process limit by {limit}" if cgroups else "process limit by RLIMIT_NPROC")
    )
    return isolation


def _bwrap_command(isolation: Isolation, log: Path | None, argv: Sequence[str], tmp_mb: int = 256) -> list[str]:
    python = sys.executable
    cmd = [isolation.bwrap, "--unshare-user", "--uid", str(SANDBOX_UID), "--gid", str(SANDBOX_UID)]
    if "older" not in isolation.description:
        cmd.append("--disable-userns")
    cmd += [
        "--unshare-pid",
        "--unshare-net",
        "--unshare-ipc",
        "--unshare-uts",
        "--hostname",
        "grading",
        "--unshare-cgroup-try",
        "--as-pid-1",
        "--die-with-parent",
        "--new-session",
        "--cap-drop",
        "ALL",
        "--ro-bind",
        "/usr",
        "/usr",
    ]
    for top in ("bin", "sbin", "lib", "lib32", "lib64"):
        path = Path("/") / top
        if path.is_symlink():
            cmd += ["--symlink", os.readlink(path), str(path)]
        elif path.is_dir():
            cmd += ["--ro-bind", str(path), str(path)]
    for etc in ("/etc/ld.so.cache", "/etc/localtime"):
        if Path(etc).exists():
            cmd += ["--ro-bind", etc, etc]
    size = str(tmp_mb * 2**20)
    cmd += [
        "--proc",
        "/proc",
        "--dev",
        "/dev",
        "--size",
        str(64 * 2**20),
        "--tmpfs",
        "/dev/shm",
        "--size",
        size,
        "--tmpfs",
        "/tmp",
        "--size",
        size,
        "--tmpfs",
        SANDBOX_HOME,
        "--dir",
        SANDBOX_WORKDIR,
    ]
    # The environment is bound after the fresh /tmp and home, so that an environment or a checkout that
    # lives under /tmp (a clone made in a temporary folder) shows through them at its real path; nothing
    # else of the machine's /tmp does.
    for path in isolation.binds:
        cmd += ["--ro-bind", str(path), str(path)]
    if log is not None:
        cmd += ["--bind", str(log), SANDBOX_LOG]
    cmd += ["--remount-ro", "/", "--chdir", SANDBOX_WORKDIR, "--clearenv"]
    for name, value in sandbox_environment().items():
        cmd += ["--setenv", name, value]
    argv = list(argv)
    if argv and argv[0] == "python":
        argv[0] = python
    return cmd + ["--", *argv]


def sandbox_environment(log: str = SANDBOX_LOG, home: str = SANDBOX_HOME) -> dict[str, str]:
    """The only environment variables a submission sees."""
    from mgedu.exercises import LOG_VARIABLE

    return {
        "PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin",
        "HOME": home,
        "TMPDIR": "/tmp" if home == SANDBOX_HOME else home,
        "LANG": "C.UTF-8",
        "USER": "student",
        "TZ": "UTC",
        "MPLBACKEND": "module://matplotlib_inline.backend_inline",
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "MALLOC_ARENA_MAX": "2",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYDEVD_DISABLE_FILE_VALIDATION": "1",
        LOG_VARIABLE: log,
    }


def _join_cgroups(cgroups: tuple[Path, ...], limits: Limits) -> tuple[list[str], list[Path]]:
    """Make one cgroup per run under each of ``cgroups``; the shell prefix that moves the run into them."""
    made: list[Path] = []
    name = f"mgedu-grade-{os.getpid()}-{threading.get_ident()}-{time.monotonic_ns()}"
    try:
        for base in cgroups:
            group = base / name
            group.mkdir()
            made.append(group)
            if (group / "pids.max").exists():
                (group / "pids.max").write_text(str(limits.processes))
            for memory_file in ("memory.max", "memory.limit_in_bytes"):
                if (group / memory_file).exists():
                    (group / memory_file).write_text(str(limits.memory_mb * 3 // 2 * 2**20))
            if (group / "memory.swap.max").exists():
                (group / "memory.swap.max").write_text("0")
    except OSError:
        _remove_cgroups(made)
        raise
    script = f'while [ "$1" != -- ]; do echo $$ > "$1" || exit {CGROUP_JOIN_FAILED}; shift; done; shift; exec "$@"'
    return ["/bin/sh", "-c", script, "sh", *(str(g / "cgroup.procs") for g in made), "--"], made


def _remove_cgroups(groups: list[Path], patience: float = CGROUP_PATIENCE_SECONDS) -> None:
    """Kill whatever is left in each run's cgroup and remove it, waiting up to ``patience`` seconds.

    A killed process tree can take seconds to exit on a loaded machine (a fork bomb's hundreds of
    processes, a kernel that holds hundreds of megabytes), and a cgroup can only be removed once empty.
    """
    deadline = time.monotonic() + patience
    for group in groups:
        pause = 0.02
        while True:
            if (group / "cgroup.kill").exists():  # cgroup v2: the kernel kills every process in it
                try:
                    (group / "cgroup.kill").write_text("1")
                except OSError:
                    pass
            try:
                pids = [int(p) for p in (group / "cgroup.procs").read_text().split()]
            except OSError:
                pids = []
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
            try:
                group.rmdir()
                break
            except FileNotFoundError:
                break
            except OSError:
                if time.monotonic() > deadline:
                    break
                time.sleep(pause)
                pause = min(pause * 2, 0.5)


def _drain(stream: object, cap: int, sink: list[bytes], over: threading.Event) -> None:
    total = 0
    read = stream.read1 if hasattr(stream, "read1") else stream.read  # type: ignore[attr-defined]
    while True:
        chunk = read(65536)
        if not chunk:
            return
        total += len(chunk)
        if total > cap:
            over.set()
            return
        sink.append(chunk)


def run_contained(
    isolation: Isolation,
    notebook: bytes,
    *,
    timeout: float,
    limits: Limits,
    log: Path,
    workdir: Path,
) -> Contained:
    """Run the notebook (its bytes) with the runner under ``isolation``; kill everything at the end.

    ``log`` is an empty file made by the grader (bound into the sandbox as the grading log); ``workdir``
    a fresh empty folder used only without a sandbox.
    """
    started = time.monotonic()
    cpu = int(timeout) + 30
    runner_args = [str(timeout), str(limits.memory_mb), str(limits.processes), str(cpu), str(limits.file_mb)]
    if isolation.sandboxed:
        argv = ["python", "-I", "-m", "mgedu.classroom.runner", *runner_args, SANDBOX_WORKDIR]
        cmd = _bwrap_command(isolation, log, argv, limits.tmp_mb)
        env = {"PATH": "/usr/bin:/bin"}
        cwd = "/"
    else:
        home = workdir / "home"
        (home / "work").mkdir(parents=True)
        cmd = [sys.executable, "-I", "-m", "mgedu.classroom.runner", *runner_args, str(home / "work")]
        env = sandbox_environment(str(log), str(home))
        cwd = str(home / "work")
    result = Contained()
    try:
        prefix, groups = _join_cgroups(isolation.cgroups, limits) if isolation.cgroups else ([], [])
    except OSError as exc:
        result.stderr = f"could not make this run's cgroup: {exc}"
        return result
    try:
        process = subprocess.Popen(
            prefix + cmd,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            cwd=cwd,
            start_new_session=True,
        )
    except OSError as exc:
        _remove_cgroups(groups)
        result.stderr = f"could not start the run: {exc}"
        return result
    out: list[bytes] = []
    err: list[bytes] = []
    over = threading.Event()
    readers = [
        threading.Thread(target=_drain, args=(process.stdout, MAX_REPORT_BYTES, out, over), daemon=True),
        threading.Thread(target=_drain, args=(process.stderr, MAX_STDERR_BYTES, err, over), daemon=True),
    ]
    for reader in readers:
        reader.start()

    def feed() -> None:
        try:
            assert process.stdin is not None
            process.stdin.write(notebook)
            process.stdin.close()
        except OSError:
            pass

    threading.Thread(target=feed, daemon=True).start()
    deadline = started + timeout + GRACE_SECONDS
    while process.poll() is None:
        if over.is_set():
            result.stopped = "output"
            break
        if time.monotonic() > deadline:
            result.stopped = "timeout"
            break
        try:
            process.wait(timeout=0.1)
        except subprocess.TimeoutExpired:
            pass
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except OSError:
            process.kill()
    process.wait()
    for reader in readers:
        reader.join(timeout=5)
    _remove_cgroups(groups)
    if over.is_set() and not result.stopped:
        result.stopped = "output"
    result.returncode = process.returncode
    result.report = b"".join(out)
    result.stderr = b"".join(err)[-4000:].decode("utf-8", "replace")
    result.seconds = time.monotonic() - started
    return result
