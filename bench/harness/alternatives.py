"""What a user would use instead of Breather: a real `systemd --user` (for `systemd-run
--user --on-active=…`) and `atd` (for `at`), each started by hand inside the harness's
private mount namespace, so /run and the at spool are tmpfs and nothing on the host changes.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Optional

from . import procs
from .procs import BenchError

SYSTEMD = "/lib/systemd/systemd"
ATD = "/usr/sbin/atd"
AT_SPOOL = "/var/spool/cron"


def setup_namespace_mounts() -> None:
    """Inside the private mount namespace: tmpfs on /run (with /run/systemd/system, which a
    user manager wants to see) and on the at spool. Gone with the namespace."""
    subprocess.run(["mount", "-t", "tmpfs", "-o", "mode=0755", "tmpfs", "/run"], check=True)
    os.makedirs("/run/systemd/system", exist_ok=True)
    if os.path.isdir(AT_SPOOL):
        subprocess.run(["mount", "-t", "tmpfs", "-o", "mode=0755", "tmpfs", AT_SPOOL], check=True)
        import grp
        import pwd
        try:
            uid, gid = pwd.getpwnam("daemon").pw_uid, grp.getgrnam("daemon").gr_gid
        except KeyError:
            uid, gid = 1, 1
        for sub in ("atjobs", "atspool"):
            os.mkdir(f"{AT_SPOOL}/{sub}")
            os.chmod(f"{AT_SPOOL}/{sub}", 0o1770)
            os.chown(f"{AT_SPOOL}/{sub}", uid, gid)
        seq = f"{AT_SPOOL}/atjobs/.SEQ"
        with open(seq, "w") as f:
            f.write("0\n")
        os.chmod(seq, 0o600)
        os.chown(seq, uid, gid)


def curl_command(url: str) -> list[str]:
    return ["/usr/bin/curl", "-s", "-o", "/dev/null", "--max-time", "10", "-X", "POST",
            "-H", "Content-Type: text/plain", "--data-binary", "x", url]


def notify_command(bus_address: str, token: str) -> list[str]:
    return ["/usr/bin/busctl", f"--address={bus_address}", "call", "org.freedesktop.Notifications",
            "/org/freedesktop/Notifications", "org.freedesktop.Notifications", "Notify",
            "susssasa{sv}i", "alt", "0", "", "alt", token, "0", "0", "5000"]


class SystemdUser:
    """A hand-started `systemd --user` with its own runtime folder."""

    def __init__(self, root: Path, registry: procs.Registry) -> None:
        self.registry = registry
        self.root = root / "systemd-user"
        (self.root / "home").mkdir(parents=True, exist_ok=True)
        (self.root / "config").mkdir(parents=True, exist_ok=True)
        self.runtime = Path(tempfile.mkdtemp(prefix="bs"))
        os.chmod(self.runtime, 0o700)
        env = {k: v for k, v in os.environ.items()
               if k not in ("DBUS_SESSION_BUS_ADDRESS", "NOTIFY_SOCKET", "WATCHDOG_USEC", "LISTEN_FDS")}
        env.update(XDG_RUNTIME_DIR=str(self.runtime), HOME=str(self.root / "home"),
                   XDG_CONFIG_HOME=str(self.root / "config"))
        self.env = env
        self.proc: Optional[subprocess.Popen] = None
        self.counter = 0

    def start(self) -> float:
        log = open(self.root / "systemd.log", "ab")
        t0 = time.monotonic()
        self.proc = self.registry.spawn("systemd --user", [SYSTEMD, "--user"], env=self.env, stdout=log, stderr=log)
        log.close()

        def running():
            if self.proc.poll() is not None:
                raise BenchError(f"systemd --user exited with {self.proc.returncode}")
            done = subprocess.run(["systemctl", "--user", "is-system-running"], env=self.env,
                                  capture_output=True, text=True, timeout=10)
            return done.stdout.strip() in ("running", "degraded")

        procs.wait_until(running, 30, "systemd --user to be running", interval=0.05)
        return time.monotonic() - t0

    @property
    def pid(self) -> int:
        return self.proc.pid

    def run(self, argv: list[str], timeout: float = 30) -> subprocess.CompletedProcess:
        try:
            done = subprocess.run(argv, env=self.env, capture_output=True, text=True, timeout=timeout,
                                  stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            raise BenchError(f"`{' '.join(argv[:3])}` took more than {timeout:.0f} s")
        if done.returncode != 0:
            raise BenchError(f"`{' '.join(argv[:4])}` exited {done.returncode}: {done.stderr.strip()[:300]}")
        return done

    def schedule(self, seconds: float, command: list[str], accuracy: Optional[str] = None,
                 unit: Optional[str] = None) -> tuple[str, float]:
        """`systemd-run --user --on-active=SECONDS [AccuracySec]`; returns the unit name and
        time.time() just before the call (the instant the user asked from)."""
        self.counter += 1
        unit = unit or f"bb-{self.counter}"
        argv = ["systemd-run", "--user", "--quiet", f"--unit={unit}", f"--on-active={seconds:g}s"]
        if accuracy:
            argv.append(f"--timer-property=AccuracySec={accuracy}")
        argv += command
        asked = time.time()
        self.run(argv)
        return unit, asked

    def stop_unit(self, unit: str) -> None:
        self.run(["systemctl", "--user", "stop", f"{unit}.timer"])

    def stop(self) -> None:
        if not self.proc:
            return
        if self.proc.poll() is None:
            try:
                subprocess.run(["systemctl", "--user", "exit"], env=self.env, capture_output=True, timeout=10)
                self.proc.wait(timeout=10)
            except (subprocess.TimeoutExpired, OSError):
                pass
        self.registry.stop(self.proc, timeout=5)
        self.proc = None
        shutil.rmtree(self.runtime, ignore_errors=True)


class Atd:
    """`atd -f` started by hand; its spool is the namespace's tmpfs."""

    def __init__(self, root: Path, registry: procs.Registry) -> None:
        self.registry = registry
        self.root = root / "atd"
        self.root.mkdir(parents=True, exist_ok=True)
        self.proc: Optional[subprocess.Popen] = None
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("XDG_", "DBUS_", "NOTIFY_"))}

    @staticmethod
    def available() -> Optional[str]:
        """None when at and atd are here, else why not."""
        for tool in (ATD, "/usr/bin/at", "/usr/bin/atrm", "/usr/bin/atq"):
            if not os.access(tool, os.X_OK):
                return (f"{tool} is missing (apt-get install -y --no-install-recommends at)")
        if not os.path.isdir(AT_SPOOL):
            return f"{AT_SPOOL} is missing"
        return None

    def start(self) -> None:
        log = open(self.root / "atd.log", "ab")
        self.proc = self.registry.spawn("atd", [ATD, "-f"], env=self.env, stdout=log, stderr=log)
        log.close()
        procs.wait_until(lambda: os.path.exists("/run/atd.pid") or self.proc.poll() is not None, 10,
                         "atd to write its pid file")
        if self.proc.poll() is not None:
            raise BenchError(f"atd exited with {self.proc.returncode}")

    @property
    def pid(self) -> int:
        return self.proc.pid

    def schedule(self, when: str, command: list[str]) -> tuple[int, float]:
        """`echo COMMAND | at WHEN`; returns the job number and time.time() before the call."""
        script = " ".join(_sh_quote(a) for a in command) + "\n"
        asked = time.time()
        done = subprocess.run(["at", *when.split()], input=script, env=self.env, capture_output=True, text=True,
                              timeout=30, cwd=str(self.root))
        if done.returncode != 0:
            raise BenchError(f"`at {when}` exited {done.returncode}: {done.stderr.strip()[:300]}")
        match = re.search(r"job (\d+) at", done.stderr)
        if not match:
            raise BenchError(f"`at {when}` printed no job number: {done.stderr.strip()[:300]}")
        return int(match.group(1)), asked

    def remove(self, job: int) -> None:
        done = subprocess.run(["atrm", str(job)], env=self.env, capture_output=True, text=True, timeout=30)
        if done.returncode != 0:
            raise BenchError(f"`atrm {job}` exited {done.returncode}: {done.stderr.strip()[:300]}")

    def queue(self) -> str:
        done = subprocess.run(["atq"], env=self.env, capture_output=True, text=True, timeout=30)
        if done.returncode != 0:
            raise BenchError(f"`atq` exited {done.returncode}: {done.stderr.strip()[:300]}")
        return done.stdout

    def stop(self) -> None:
        if self.proc:
            self.registry.stop(self.proc, timeout=5)
            self.proc = None


def _sh_quote(arg: str) -> str:
    if re.fullmatch(r"[A-Za-z0-9_./:=@%+,-]+", arg):
        return arg
    return "'" + arg.replace("'", "'\\''") + "'"
