"""One breatherd under test: its own XDG folders, config, notify socket, and the CLI."""

from __future__ import annotations

import json
import os
import selectors
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Optional

from . import procs
from .procs import BenchError

SCRUBBED = ("NOTIFY_SOCKET", "JOURNAL_STREAM", "LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES",
            "WATCHDOG_USEC", "WATCHDOG_PID", "DBUS_SESSION_BUS_ADDRESS", "XDG_CONFIG_HOME",
            "XDG_STATE_HOME", "XDG_RUNTIME_DIR", "XDG_DATA_HOME", "XDG_CACHE_HOME",
            "BREATHER_BIN_DIR")

# The unit file's WatchdogSec=30s: the daemon pets it every 15 s, as under systemd.
WATCHDOG_USEC = "30000000"


class NotifyHub:
    """Reads every daemon's $NOTIFY_SOCKET on one thread, so a daemon never blocks on a full
    datagram queue, and stamps each message with time.monotonic()."""

    def __init__(self) -> None:
        self.sel = selectors.DefaultSelector()
        self.lock = threading.Condition()
        self.messages: dict[str, list[tuple[float, str]]] = {}
        self.stopping = False
        self.thread = threading.Thread(target=self._run, daemon=True, name="notify-hub")
        self.thread.start()

    def add(self, key: str, path: str) -> socket.socket:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        sock.bind(path)
        sock.setblocking(False)
        with self.lock:
            self.messages.setdefault(key, [])
        self.sel.register(sock, selectors.EVENT_READ, key)
        return sock

    def _run(self) -> None:
        while not self.stopping:
            try:
                events = self.sel.select(timeout=0.2)
            except (OSError, ValueError):
                time.sleep(0.05)
                continue
            for sel_key, _ in events:
                for _ in range(1000):
                    try:
                        data = sel_key.fileobj.recv(65536)
                    except (BlockingIOError, InterruptedError):
                        break
                    except OSError:
                        break
                    now = time.monotonic()
                    with self.lock:
                        self.messages[sel_key.data].append((now, data.decode("utf-8", "replace")))
                        self.lock.notify_all()

    def wait_for(self, key: str, needle: str, after: float, timeout: float) -> float:
        """The monotonic stamp of the first message from `key` containing the line `needle`
        received after `after`."""
        deadline = time.monotonic() + timeout
        with self.lock:
            while True:
                for stamp, text in self.messages.get(key, []):
                    if stamp >= after and needle in text.split("\n"):
                        return stamp
                left = deadline - time.monotonic()
                if left <= 0:
                    raise BenchError(f"{key}: no {needle} within {timeout:.0f} s")
                self.lock.wait(min(left, 0.2))

    def count(self, key: str, needle: str, start: float, end: float) -> int:
        with self.lock:
            return sum(1 for stamp, text in self.messages.get(key, [])
                       if start <= stamp < end and needle in text.split("\n"))

    def close(self) -> None:
        self.stopping = True
        self.thread.join(timeout=2)
        for sel_key in list(self.sel.get_map().values()):
            try:
                sel_key.fileobj.close()
            except OSError:
                pass


def toml(value) -> str:
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml(v) for v in value) + "]"
    return repr(value)


def plan_text(duration: str, reminders: list[tuple[int, list[str], str]], description: str = "bench plan",
              announce: Optional[tuple[list[str], str]] = None) -> str:
    lines = [f"description = {toml(description)}", f"duration = {toml(duration)}"]
    if announce:
        lines += ["", "[announce]", f"to = {toml(announce[0])}", f"message = {toml(announce[1])}"]
    for offset, to, message in reminders:
        sign = "-" if offset < 0 else "+"
        lines += ["", "[[reminder]]", f"offset = \"{sign}{abs(offset)}s\"", f"to = {toml(to)}",
                  f"message = {toml(message)}"]
    return "\n".join(lines) + "\n"


def reminder_message(offset: int) -> str:
    return f"bench offset {offset}"


class Instance:
    """One daemon's world: config, state and runtime folders, stderr log, notify socket."""

    def __init__(self, name: str, root: Path, bindir: Path, registry: procs.Registry, hub: NotifyHub,
                 extra_env: Optional[dict[str, str]] = None) -> None:
        self.name = name
        self.bindir = bindir
        self.registry = registry
        self.hub = hub
        self.root = root / name
        self.config = self.root / "config"
        self.state = self.root / "state"
        self.home = self.root / "home"
        for folder in (self.config / "breather" / "plans", self.state, self.home):
            folder.mkdir(parents=True, exist_ok=True)
        # Unix socket paths are limited to 108 bytes: a short runtime folder.
        self.runtime = Path(tempfile.mkdtemp(prefix="bb"))
        os.chmod(self.runtime, 0o700)
        self.notify_path = str(self.runtime / "n")
        self.hub.add(name, self.notify_path)
        env = {k: v for k, v in os.environ.items() if k not in SCRUBBED}
        env.update(HOME=str(self.home), XDG_CONFIG_HOME=str(self.config), XDG_STATE_HOME=str(self.state),
                   XDG_RUNTIME_DIR=str(self.runtime), XDG_DATA_HOME=str(self.root / "data"),
                   XDG_CACHE_HOME=str(self.root / "cache"), TZ="UTC")
        if extra_env:
            env.update(extra_env)
        self.env = env
        self.proc: Optional[subprocess.Popen] = None
        self.log_path = self.root / "breatherd.log"

    # -- files

    @property
    def plans_dir(self) -> Path:
        return self.config / "breather" / "plans"

    @property
    def state_file(self) -> Path:
        return self.state / "breather" / "state.json"

    def write_config(self, port: int, default_plan: str = "bench") -> None:
        text = (
            'me = "Sam"\npartner = "Alex"\n'
            f'default_plan = {toml(default_plan)}\n\n'
            '[channels.hook]\ntype = "webhook"\npreset = "json"\n'
            f'url = "http://127.0.0.1:{port}/{self.name}"\ntimeout = "10s"\n\n'
            '[channels.desktop]\ntype = "desktop"\n'
        )
        (self.config / "breather" / "breather.toml").write_text(text)

    def write_plan(self, name: str, text: str) -> None:
        (self.plans_dir / f"{name}.toml").write_text(text)

    # -- the daemon

    def start(self, timeout: float = 60.0) -> float:
        """Starts breatherd and returns the seconds from spawn to READY=1."""
        if self.proc and self.proc.poll() is None:
            raise BenchError(f"{self.name}: breatherd is already running")
        env = dict(self.env, NOTIFY_SOCKET=self.notify_path, WATCHDOG_USEC=WATCHDOG_USEC)
        log = open(self.log_path, "ab")
        t0 = time.monotonic()
        self.proc = self.registry.spawn(f"breatherd {self.name}", [str(self.bindir / "breatherd")], env=env,
                                        stdout=log, stderr=log)
        log.close()
        try:
            ready = self.hub.wait_for(self.name, "READY=1", t0, timeout)
        except BenchError:
            code = self.proc.poll()
            raise BenchError(f"{self.name}: breatherd sent no READY=1 within {timeout:.0f} s"
                             f"{'' if code is None else f' (it exited with {code})'}; log: {self.tail_log()}")
        return ready - t0

    def stop(self) -> None:
        if self.proc is not None:
            code = self.registry.stop(self.proc, timeout=10)
            self.proc = None
            if code not in (0, None, -15):
                raise BenchError(f"{self.name}: breatherd exited with {code} on SIGTERM; log: {self.tail_log()}")

    @property
    def pid(self) -> int:
        if not self.proc or self.proc.poll() is not None:
            raise BenchError(f"{self.name}: breatherd is not running; log: {self.tail_log()}")
        return self.proc.pid

    def tail_log(self, lines: int = 5) -> str:
        try:
            text = self.log_path.read_text(errors="replace").strip().splitlines()
        except OSError:
            return "(no log)"
        return " | ".join(text[-lines:]) or "(empty)"

    # -- the CLI

    def cli(self, *args: str, check: bool = True, timeout: float = 60.0) -> tuple[float, subprocess.CompletedProcess]:
        """Runs `breather ARGS`; returns (wall seconds, the completed process)."""
        t0 = time.perf_counter()
        try:
            done = subprocess.run([str(self.bindir / "breather"), *args], env=self.env, capture_output=True,
                                  text=True, timeout=timeout, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            raise BenchError(f"{self.name}: `breather {' '.join(args)}` took more than {timeout:.0f} s")
        elapsed = time.perf_counter() - t0
        if check and done.returncode != 0:
            raise BenchError(f"{self.name}: `breather {' '.join(args)}` exited {done.returncode}: "
                             f"{(done.stderr or done.stdout).strip()[:300]}")
        return elapsed, done

    def status(self) -> dict:
        _, done = self.cli("status", "--json")
        try:
            return json.loads(done.stdout)
        except json.JSONDecodeError:
            raise BenchError(f"{self.name}: `breather status --json` printed no JSON: {done.stdout[:200]!r}")

    def cleanup(self) -> None:
        shutil.rmtree(self.runtime, ignore_errors=True)
