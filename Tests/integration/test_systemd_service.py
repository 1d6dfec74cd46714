"""Breather as a real user service: `make install` into a temporary HOME, under a real
`systemd --user` in a private mount namespace with a real journald, the notification mock on
the manager's own bus, and the loopback HTTP server.

The namespace comes from systemd_scenario.py (run under `unshare -m`); the test enters it
with `nsenter -t PID -m` for make, systemctl, systemd-analyze and journalctl. The CLI runs
from the installed copy in the temporary HOME. Every wait is a bounded poll.

Needs root (mounts, cgroups), systemd, util-linux, make, dbus-user-session, python3-dbusmock
and the Swift toolchain (make install does a release build). A missing piece fails the test.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Optional

import pytest

from breather_harness import (
    build_hooks_breatherd,
    REPO_ROOT,
    Cli,
    RecordingServer,
    XdgEnv,
    plan_toml,
    wait_until,
    webhook,
    write_config,
    write_plan,
)

SCENARIO = Path(__file__).with_name("systemd_scenario.py")
CGROUP_ROOTS = ("/sys/fs/cgroup/systemd", "/sys/fs/cgroup/unified")


def require_components() -> None:
    """Fails (never skips) when something the test needs is missing."""
    assert os.geteuid() == 0, "the systemd test must run as root (mounts and cgroups in a private mount namespace)"
    missing = [p for p in ("/lib/systemd/systemd", "/lib/systemd/systemd-journald") if not os.access(p, os.X_OK)]
    missing += [n for n in ("unshare", "nsenter", "mount", "systemctl", "systemd-run", "systemd-analyze", "journalctl", "make", "swift", "dbus-daemon") if not shutil.which(n)]
    assert not missing, f"the systemd test needs {', '.join(missing)} (apt-get install systemd util-linux make dbus-user-session, and the Swift toolchain)"
    assert os.access("/usr/bin/python3", os.X_OK) and subprocess.run(
        ["/usr/bin/python3", "-c", "import dbusmock"], capture_output=True, timeout=30
    ).returncode == 0, "the systemd test needs python3-dbusmock for /usr/bin/python3"
    for root in CGROUP_ROOTS:
        assert os.path.isdir(root), f"the systemd test needs the cgroup hierarchy {root} (named systemd v1 and cgroup2) to place the user manager"


class UserSession:
    """The private namespace with journald and `systemd --user`, entered by PID."""

    def __init__(self, xdg: XdgEnv, out_dir: Path, register_log):
        self.xdg = xdg
        self.out_dir = out_dir
        self.cgroup = f"breathertest{os.getpid()}.slice"
        self.log_path = out_dir / "scenario.log"
        register_log("systemd scenario (stderr)", self.log_path)
        register_log("systemd --user output", out_dir / "manager.log")
        register_log("notification mock log", out_dir / "notify.log")
        self.proc: Optional[subprocess.Popen] = None
        self.info: dict = {}

    def start(self) -> "UserSession":
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(
                ["unshare", "-m", "--propagation", "private", "/usr/bin/python3", str(SCENARIO), str(self.out_dir), self.cgroup],
                env=self.xdg.env, stdin=subprocess.PIPE, stdout=log, stderr=subprocess.STDOUT,
            )
        ready = self.out_dir / "scenario.ready"

        def up():
            code = self.proc.poll()
            assert code is None, f"the systemd scenario exited with {code}:\n{self.log_path.read_text()}"
            return ready.exists() and ready.read_text().strip()

        self.info = json.loads(wait_until(up, 90, "journald, systemd --user and the notification mock", 0.1))
        return self

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        os.kill(self.proc.pid, signal.SIGTERM)  # the scenario stops the manager, journald and the cgroups
        try:
            self.proc.wait(timeout=90)
        except subprocess.TimeoutExpired:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)
            raise AssertionError("the systemd scenario did not stop within 90 s of SIGTERM")
        finally:
            if self.proc.stdin:
                self.proc.stdin.close()

    def run(self, *args: str, timeout: float = 30, env: Optional[dict] = None) -> subprocess.CompletedProcess:
        assert self.proc is not None and self.proc.poll() is None, "the systemd scenario is not running"
        try:
            return subprocess.run(
                ["nsenter", "-t", str(self.proc.pid), "-m", "--", *args],
                env=env or self.xdg.env, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL,
                cwd=str(REPO_ROOT),
            )
        except subprocess.TimeoutExpired as error:
            raise AssertionError(f"`{' '.join(args)}` did not finish within {timeout:.0f} s") from error

    def ok(self, *args: str, timeout: float = 30) -> subprocess.CompletedProcess:
        result = self.run(*args, timeout=timeout)
        assert result.returncode == 0, f"`{' '.join(args)}` exited {result.returncode}:\n{result.stdout}\n{result.stderr}"
        return result

    def systemctl(self, *args: str, timeout: float = 30) -> subprocess.CompletedProcess:
        return self.ok("systemctl", "--user", *args, timeout=timeout)

    def show(self, unit: str, prop: str) -> str:
        return self.ok("systemctl", "--user", "show", unit, "-p", prop, "--value").stdout.strip()

    def state(self, unit: str) -> str:
        return self.run("systemctl", "--user", "is-active", unit).stdout.strip()

    def main_pid(self) -> int:
        return int(self.show("breather.service", "MainPID") or 0)

    def wait_active(self, what: str, other_than: int = 0, timeout: float = 30) -> int:
        """Waits until breather.service is active with a MainPID other than `other_than`."""

        def active():
            pid = self.main_pid()
            return pid if self.state("breather.service") == "active" and pid not in (0, other_than) else None

        return wait_until(active, timeout, what, 0.1)

    def journal(self, *args: str) -> list[dict]:
        out = self.ok("journalctl", "--no-pager", "-o", "json", "--all", *args).stdout
        return [json.loads(line) for line in out.splitlines() if line.strip().startswith("{")]


def field(entry: dict, name: str):
    value = entry.get(name)
    if isinstance(value, list):
        value = bytes(value).decode("utf-8", "replace")
    return value


def count_events(server: RecordingServer, path: str) -> dict[tuple, list[str]]:
    """(event, offset) -> delivery ids, for everything received on `path`."""
    seen: dict[tuple, list[str]] = {}
    for request in server.drain():
        if request.path == path and request.event:
            seen.setdefault((request.event, request.offset), []).append(request.json["delivery_id"])
    return seen


@pytest.mark.budget(120)
def test_units_verify_cleanly(bin_dir, tmp_path):
    """`systemd-analyze --user verify --man=no` on the units in systemd/ prints nothing on
    stderr (it exits 0 for unknown keys, so stderr is what counts). %h/.local/bin/breatherd
    must exist for it, so HOME is a temporary folder holding the built binary there."""
    require_components()
    home = tmp_path / "home"
    (home / ".local" / "bin").mkdir(parents=True)
    shutil.copy2(bin_dir / "breatherd", home / ".local" / "bin" / "breatherd")
    runtime = Path(os.environ.get("TMPDIR", "/tmp")) / f"brva{os.getpid()}"
    runtime.mkdir(mode=0o700, exist_ok=True)
    try:
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(home), "XDG_RUNTIME_DIR": str(runtime)}
        result = subprocess.run(
            ["unshare", "-m", "--propagation", "private", "sh", "-c",
             "mount -t tmpfs tmpfs /run/systemd && mkdir -p /run/systemd/system && "
             "exec systemd-analyze --user verify --man=no systemd/breather.service systemd/breather.socket"],
            cwd=str(REPO_ROOT), env=env, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL,
        )
    finally:
        shutil.rmtree(runtime, ignore_errors=True)
    assert result.returncode == 0 and result.stderr.strip() == "", (
        f"systemd-analyze --user verify found problems (exit {result.returncode}):\n{result.stderr}{result.stdout}"
    )


@pytest.mark.budget(900)
def test_installed_user_service_keeps_every_reminder(xdg, server, tmp_path, register_log):
    require_components()
    hooks_breatherd = build_hooks_breatherd()

    out_dir = tmp_path / "systemd-run"
    out_dir.mkdir()
    prefix = xdg.home / ".local"
    installed_bin = prefix / "bin"
    unit_dir = xdg.config_home / "systemd" / "user"

    # The couple's own config exists before install: make install must leave it alone.
    config_path = write_config(xdg, {"alex": webhook(server, "/alex"), "desktop": {"type": "desktop"}}, default_plan="e2e")
    config_text = config_path.read_text()
    write_plan(
        xdg, "e2e",
        plan_toml(
            "30s",
            announce=(["alex"], "{me} is taking a breather until {checkin_time}."),
            reminders=[
                ("-20s", ["alex"], "twenty seconds"),
                ("-10s", ["alex"], "ten seconds"),
                ("0s", ["alex"], "now"),
                ("+8s", ["alex"], "{me} is a little late."),
            ],
            back=(["alex"], "{me} is back."),
        ),
    )
    write_plan(xdg, "watched", plan_toml("12s", announce=(["alex"], "watched"), reminders=[("0s", ["alex"], "now")], back=(["alex"], "back")))
    cli = Cli(installed_bin, xdg)

    session = UserSession(xdg, out_dir, register_log)
    try:
        session.start()

        # --- make install into the temporary HOME
        install = session.run("make", "-C", str(REPO_ROOT), "install", "DEPS=skip", f"PREFIX={prefix}", timeout=900)
        (out_dir / "make-install.log").write_text(install.stdout + install.stderr)
        register_log("make install", out_dir / "make-install.log")
        assert install.returncode == 0, f"make install failed:\n{install.stdout[-4000:]}\n{install.stderr[-4000:]}"
        for name in ("breather", "breatherd"):
            assert os.access(installed_bin / name, os.X_OK), f"make install left no {installed_bin / name}"
        for name in ("breather.service", "breather.socket"):
            assert (unit_dir / name).is_file(), f"make install left no {unit_dir / name}"
        assert f"ExecStart={installed_bin}/breatherd" in (unit_dir / "breather.service").read_text()
        assert config_path.read_text() == config_text, "make install overwrote an existing breather.toml"
        assert (xdg.plans_dir / "cool-down.toml").exists(), "make install did not add the example plans that were missing"
        assert "Lingering is off" in install.stdout and "log out" in install.stdout, (
            f"make install did not explain lingering:\n{install.stdout}"
        )
        verify = session.run("systemd-analyze", "--user", "verify", "--man=no", str(unit_dir / "breather.service"), str(unit_dir / "breather.socket"))
        assert verify.stderr.strip() == "", f"systemd-analyze --user verify of the installed units:\n{verify.stderr}"
        security = session.run("systemd-analyze", "--user", "security", "--no-pager", "breather.service")
        (out_dir / "security.txt").write_text(security.stdout + security.stderr)
        print("systemd-analyze --user security breather.service:", (security.stdout.strip().splitlines() or ["?"])[-1])

        # --- the service is active only after READY=1: Type=notify, a STATUS= line (sent with
        # READY=1) has arrived, and the socket is there.
        assert session.show("breather.service", "Type") == "notify"
        assert session.state("breather.socket") == "active"
        first_pid = session.wait_active("breather.service to be active after make install")
        assert session.show("breather.service", "StatusText"), "breather.service is active but sent no STATUS= with READY=1"
        assert session.show("breather.service", "UnitFileState") == "enabled"
        assert session.show("breather.socket", "UnitFileState") == "enabled"
        assert cli.status()["active"] is False

        # --- doctor, with the daemon up
        doctor = cli("doctor")
        lines = {line.split(":", 1)[0][4:]: line for line in doctor.stdout.splitlines()}
        for subject in ("daemon", "socket", "config", "session bus", "channel alex"):
            assert lines.get(subject, "").startswith("ok  "), f"doctor's `{subject}` line is not ok:\n{doctor}"
        assert lines.get("lingering", "").startswith("!!  "), f"lingering is off here, and doctor should say so:\n{doctor}"
        assert doctor.returncode == 1, f"doctor found a problem (lingering) and should exit 1:\n{doctor}"

        # --- socket activation: with the service stopped, `breather start` starts it
        session.systemctl("stop", "breather.service")
        wait_until(lambda: session.state("breather.service") == "inactive", 20, "breather.service to stop")
        assert session.state("breather.socket") == "active"
        started = cli.ok("start", "e2e")
        activated_pid = session.wait_active("the socket to start breather.service", other_than=first_pid)
        announce = server.take_event("/alex", "announce", timeout=20)
        assert announce.json["plan"] == "e2e"
        assert "e2e" in started.stdout or started.stdout.strip(), str(started)

        # --- restart mid-break, between the first and the second reminder
        server.take_event("/alex", "reminder", timeout=30, offset=-20)
        session.systemctl("restart", "breather.service")
        restarted_pid = session.wait_active("breather.service to come back after restart", other_than=activated_pid)

        # --- SIGKILL between the second reminder and the check-in: Restart= brings it back
        server.take_event("/alex", "reminder", timeout=30, offset=-10)
        restarts = int(session.show("breather.service", "NRestarts"))
        session.systemctl("kill", "-s", "KILL", "breather.service")
        session.wait_active("Restart=on-failure to bring breatherd back after SIGKILL", other_than=restarted_pid)
        assert int(session.show("breather.service", "NRestarts")) == restarts + 1

        server.take_event("/alex", "reminder", timeout=30, offset=0)
        server.take_event("/alex", "reminder", timeout=30, offset=8)
        cli.ok("back")
        back = server.take_event("/alex", "back", timeout=20)
        cli.wait_settled(20)
        seen = count_events(server, "/alex")
        expected = [("announce", None), ("reminder", -20), ("reminder", -10), ("reminder", 0), ("reminder", 8), ("back", None)]
        for key in expected:
            assert len(seen.get(key, [])) == 1, f"{key} arrived {len(seen.get(key, []))} times, not once: {seen}"
        assert set(seen) == set(expected), f"unexpected deliveries: {seen}"
        break_id = back.json["break_id"]

        # --- the journal shows the deliveries, by unit and by BREATHER_PLAN
        delivery_ids = {ids[0] for ids in seen.values()}

        def journaled(*args: str):
            entries = session.journal(*args)
            found = {field(e, "BREATHER_DELIVERY_ID") for e in entries} & delivery_ids
            return entries if found == delivery_ids else None

        by_unit = wait_until(lambda: journaled("--user-unit", "breather.service"), 20,
                             "every delivery in `journalctl --user-unit breather.service`", 0.3)
        assert all(field(e, "_SYSTEMD_USER_UNIT") == "breather.service" for e in by_unit if field(e, "BREATHER_DELIVERY_ID"))
        by_plan = wait_until(lambda: journaled("BREATHER_PLAN=e2e"), 20, "every delivery in `journalctl BREATHER_PLAN=e2e`", 0.3)
        assert all(field(e, "BREATHER_BREAK_ID") == break_id for e in by_plan if field(e, "BREATHER_DELIVERY_ID"))

        # --- reload picks up a new plan
        write_plan(xdg, "fresh", plan_toml("60s", announce=(["alex"], "fresh plan"), back=(["alex"], "back")))
        refused = cli("start", "fresh")
        assert refused.returncode != 0, f"a plan added after start-up was used before any reload:\n{refused}"
        pid_before_reload = session.main_pid()
        session.systemctl("reload", "breather.service")
        wait_until(lambda: cli("start", "fresh").returncode == 0, 15, "`breather start fresh` to work after systemctl --user reload")
        assert server.take_event("/alex", "announce", timeout=20).json["plan"] == "fresh"
        assert session.main_pid() == pid_before_reload, "reload restarted breatherd instead of re-reading its config"
        cli.ok("cancel")
        cli.wait_settled(20)

        # --- the watchdog restarts a daemon whose scheduler hangs (test-hooks build only)
        dropin = unit_dir / "breather.service.d"
        dropin.mkdir(exist_ok=True)
        (dropin / "test-hooks.conf").write_text(
            "[Service]\nExecStart=\nExecStart=" + str(hooks_breatherd) + "\nWatchdogSec=3s\nEnvironment=SWIFT_BACKTRACE=enable=no\n"
        )
        session.systemctl("daemon-reload")
        session.systemctl("restart", "breather.service")
        hook_pid = session.wait_active("the test-hooks breatherd to start")
        assert session.show("breather.service", "WatchdogUSec") == "3s"
        cli.ok("start", "watched")
        server.take_event("/alex", "announce", timeout=20)
        restarts = int(session.show("breather.service", "NRestarts"))
        os.kill(hook_pid, signal.SIGUSR1)  # the hook blocks the engine queue for good
        session.wait_active("the watchdog to restart the hung breatherd", other_than=hook_pid, timeout=30)
        assert int(session.show("breather.service", "NRestarts")) == restarts + 1
        server.take_event("/alex", "reminder", timeout=30, offset=0)
        cli.ok("back")
        server.take_event("/alex", "back", timeout=20)
        cli.wait_settled(20)
        watchdog_lines = wait_until(
            lambda: [e for e in session.journal("USER_UNIT=breather.service") if "watchdog" in str(field(e, "MESSAGE")).lower()],
            15, "the manager's watchdog timeout in the journal", 0.3,
        )
        assert watchdog_lines
        watched = count_events(server, "/alex")
        assert len(watched.get(("reminder", 0), [])) == 2, f"the check-in reminders of e2e and watched, each once: {watched}"
        (dropin / "test-hooks.conf").unlink()
        dropin.rmdir()
        session.systemctl("daemon-reload")

        # --- make uninstall removes binaries and units, keeps config and state
        state_files = sorted(p.name for p in xdg.state_dir.iterdir())
        uninstall = session.run("make", "-C", str(REPO_ROOT), "uninstall", f"PREFIX={prefix}", timeout=120)
        assert uninstall.returncode == 0, f"make uninstall failed:\n{uninstall.stdout}\n{uninstall.stderr}"
        for path in (installed_bin / "breather", installed_bin / "breatherd", unit_dir / "breather.service", unit_dir / "breather.socket"):
            assert not path.exists(), f"make uninstall left {path}"
        assert config_path.read_text() == config_text and (xdg.plans_dir / "e2e.toml").exists(), "make uninstall touched the config"
        assert sorted(p.name for p in xdg.state_dir.iterdir()) == state_files, "make uninstall touched the state"
        assert session.state("breather.service") != "active"
    finally:
        session.stop()
    assert session.proc.returncode == 0, f"the systemd scenario ended with {session.proc.returncode}:\n{session.log_path.read_text()}"
