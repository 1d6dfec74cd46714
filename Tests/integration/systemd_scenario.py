"""Runs inside `unshare -m --propagation private` as root (started by test_systemd_service.py).

Builds, inside this private mount namespace only, what a logged-in user's session has:

- tmpfs on /run/systemd, /run/log and /var/log/journal, and /run/systemd/system (without it
  the manager refuses: "not booted with systemd");
- a real systemd-journald;
- a real `systemd --user` in the cgroup `user.slice/user-0.slice/user@0.service/NAME.slice`
  of the host's cgroupfs (named-systemd v1 and unified), so journald files its services'
  entries under `_SYSTEMD_USER_UNIT` and `journalctl --user-unit` works;
- the freedesktop notification mock (python-dbusmock) on the manager's own session bus
  (Debian's dbus-user-session gives the manager a dbus.socket at $XDG_RUNTIME_DIR/bus).

Then it writes `ready` (with its PID) to OUT_DIR/scenario.ready and waits: the test enters
this namespace with `nsenter -t PID -m` to run make, systemctl and journalctl. On SIGTERM (or
when its stdin closes) it stops what it started: `systemctl --user exit` (which stops every
unit, breatherd and the mock included), then the manager and journald by PID, and removes
the cgroups it made.

usage: systemd_scenario.py OUT_DIR CGROUP_NAME
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

OUT_DIR, CGROUP_NAME = sys.argv[1], sys.argv[2]
JOURNAL_SOCKET = "/run/systemd/journal/socket"
CGROUP_ROOTS = ("/sys/fs/cgroup/systemd", "/sys/fs/cgroup/unified")
CGROUP_PATH = f"user.slice/user-0.slice/user@0.service/{CGROUP_NAME}"
started: list[subprocess.Popen] = []
made_cgroups: list[str] = []
leaf_cgroups: list[str] = []  # the manager's own cgroups, one per hierarchy
stopping = False


def log(text: str) -> None:
    print(f"[systemd-scenario {time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


def run(*args: str, timeout: float = 30, env=None) -> subprocess.CompletedProcess:
    return subprocess.run(list(args), capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL, env=env)


def wait_for(predicate, timeout: float, what: str, interval: float = 0.1):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise RuntimeError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


def cgroup_pids(folder: str) -> list[int]:
    """Every PID in a cgroup folder and the folders below it."""
    pids: list[int] = []
    for here, _dirs, files in os.walk(folder):
        if "cgroup.procs" in files:
            try:
                with open(os.path.join(here, "cgroup.procs")) as procs:
                    pids += [int(line) for line in procs if line.strip()]
            except OSError:
                pass
    return pids


def remove_cgroups() -> None:
    """Removes the cgroups made here, deepest first, with what the manager made below them
    (app.slice, init.scope, …). A parent another session still uses stays (EBUSY)."""
    for folder in sorted(made_cgroups, key=len, reverse=True):
        if not os.path.isdir(folder):
            continue
        if folder not in leaf_cgroups:
            try:
                os.rmdir(folder)  # a parent level made here; another session may use it now
            except OSError:
                pass
            continue
        for here, _dirs, _files in sorted(os.walk(folder, topdown=False), key=lambda t: -len(t[0])):
            try:
                os.rmdir(here)
            except OSError as error:
                log(f"could not remove cgroup {here}: {error}")
    made_cgroups.clear()


def end_all() -> None:
    global stopping
    if stopping:
        return
    stopping = True
    manager = next((p for p in started if getattr(p, "role", "") == "manager"), None)
    if manager is not None and manager.poll() is None:
        result = run("systemctl", "--user", "exit", timeout=30)
        log(f"systemctl --user exit: {result.returncode} {result.stderr.strip()}")
        try:
            manager.wait(timeout=30)
        except subprocess.TimeoutExpired:
            log("the manager did not exit within 30 s; ending it by PID")
    for proc in reversed(started):
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
    # Whatever the manager started and left behind lives in its cgroup: those are ours.
    leaves = list(leaf_cgroups)  # only the manager's own: parent levels may hold others' sessions
    for folder in leaves:
        for pid in cgroup_pids(folder):
            log(f"ending leftover pid {pid} in {folder}")
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
    if made_cgroups:
        try:
            wait_for(lambda: not any(cgroup_pids(f) for f in leaves), 10, "the cgroups to empty")
        except RuntimeError as error:
            log(str(error))
    remove_cgroups()


def on_term(signum, frame):
    end_all()
    sys.exit(0 if signum == signal.SIGTERM else 128 + signum)


def main() -> int:
    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)
    for target in ("/run/systemd", "/run/log", "/var/log/journal"):
        subprocess.run(["mount", "-t", "tmpfs", "tmpfs", target], check=True, timeout=10)
    os.makedirs("/run/systemd/journal", exist_ok=True)
    os.makedirs("/run/systemd/system", exist_ok=True)

    base_env = {k: v for k, v in os.environ.items() if k not in ("NOTIFY_SOCKET", "JOURNAL_STREAM", "DBUS_SESSION_BUS_ADDRESS")}

    journald = subprocess.Popen(
        ["/lib/systemd/systemd-journald"],
        stdin=subprocess.DEVNULL,
        stdout=open(os.path.join(OUT_DIR, "journald.log"), "wb"),
        stderr=subprocess.STDOUT,
        env=base_env,
    )
    journald.role = "journald"  # type: ignore[attr-defined]
    started.append(journald)
    wait_for(lambda: os.path.exists(JOURNAL_SOCKET) or journald.poll() is not None, 15, "journald's socket")
    if journald.poll() is not None:
        log(f"journald exited with {journald.returncode}")
        return 3
    log(f"journald pid {journald.pid} listens")

    folders = []
    for root in CGROUP_ROOTS:
        folder = os.path.join(root, CGROUP_PATH)
        if not os.path.isdir(root):
            log(f"{root} is missing: this test needs the named systemd cgroup hierarchy and cgroup2 at {root}")
            return 4
        # Make each missing level, remembering it: only what was made here is removed.
        if os.path.isdir(folder):
            log(f"the cgroup {folder} exists already: another run uses it")
            return 4
        level = root
        for part in CGROUP_PATH.split("/"):
            level = os.path.join(level, part)
            if not os.path.isdir(level):
                os.mkdir(level)
                made_cgroups.append(level)
        folders.append(folder)
        leaf_cgroups.append(folder)

    def enter_cgroups() -> None:  # runs in the child between fork and exec
        for folder in folders:
            with open(os.path.join(folder, "cgroup.procs"), "w") as procs:
                procs.write(str(os.getpid()))

    manager = subprocess.Popen(
        ["/lib/systemd/systemd", "--user", "--log-target=journal"],  # not stderr: the test reads its watchdog message
        stdin=subprocess.DEVNULL,
        stdout=open(os.path.join(OUT_DIR, "manager.log"), "wb"),
        stderr=subprocess.STDOUT,
        env=base_env,
        preexec_fn=enter_cgroups,
    )
    manager.role = "manager"  # type: ignore[attr-defined]
    started.append(manager)

    def manager_up():
        if manager.poll() is not None:
            raise RuntimeError(f"systemd --user exited with {manager.returncode}")
        state = run("systemctl", "--user", "is-system-running", timeout=10).stdout.strip()
        return state in ("running", "degraded")

    wait_for(manager_up, 30, "systemd --user to be running", 0.2)
    log(f"systemd --user pid {manager.pid} runs in {CGROUP_PATH}")

    bus = os.path.join(base_env["XDG_RUNTIME_DIR"], "bus")
    wait_for(lambda: os.path.exists(bus), 15, f"the manager's session bus at {bus}")
    mock = run(
        "systemd-run", "--user", "--unit=mock-notify", "-p", "Type=dbus", "-p", "BusName=org.freedesktop.Notifications",
        "/usr/bin/python3", "-m", "dbusmock", "--template", "notification_daemon", "-l", os.path.join(OUT_DIR, "notify.log"),
        timeout=60,
    )
    if mock.returncode != 0:
        log(f"the notification mock did not start: {mock.stderr.strip()}")
        return 5
    log("the notification mock owns org.freedesktop.Notifications on the manager's bus")

    with open(os.path.join(OUT_DIR, "scenario.ready"), "w") as ready:
        json.dump({"pid": os.getpid(), "manager_pid": manager.pid, "journald_pid": journald.pid, "bus": bus}, ready)

    # Wait until the test says it is done (SIGTERM, or stdin closing), keeping an eye on the
    # two processes everything else needs.
    os.set_blocking(sys.stdin.fileno(), True)
    import select

    while True:
        readable, _, _ = select.select([sys.stdin], [], [], 0.5)
        if readable and not sys.stdin.buffer.read1(4096):
            log("stdin closed: stopping")
            return 0
        for proc in (journald, manager):
            if proc.poll() is not None:
                log(f"{proc.role} (pid {proc.pid}) exited with {proc.returncode}")  # type: ignore[attr-defined]
                return 6


if __name__ == "__main__":
    code = 1
    try:
        code = main()
    except Exception as error:  # reported to the test through the log and the exit status
        log(f"failed: {error!r}")
        code = 2
    finally:
        end_all()
    sys.exit(code)
