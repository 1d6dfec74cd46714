"""Helpers for Breather's integration tests: temporary XDG folders, config writers, a
recording loopback HTTP server, a supervised breatherd, the CLI, and bounded waits.

Everything here runs the real built programs. Every wait has a deadline; every process
started is remembered by its PID and ended in teardown.
"""

from __future__ import annotations

import calendar
import http.server
import json
import os
import queue
import re
import shutil
import signal
import socket
import stat
import subprocess
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Optional

REPO_ROOT = Path(__file__).resolve().parents[2]

# ---------------------------------------------------------------------------------------
# Binaries


def binary_dir() -> Path:
    """The folder with `breather` and `breatherd`: $BREATHER_BIN_DIR or <repo>/.build/debug."""
    value = os.environ.get("BREATHER_BIN_DIR")
    return Path(value) if value else REPO_ROOT / ".build" / "debug"


def missing_binaries(folder: Path) -> list[str]:
    missing = []
    for name in ("breather", "breatherd"):
        path = folder / name
        if not (path.is_file() and os.access(path, os.X_OK)):
            missing.append(str(path))
    return missing


# ---------------------------------------------------------------------------------------
# Time


_TS = re.compile(r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\.(\d{3,})Z$")


def parse_ts(text: Any) -> float:
    """RFC 3339 UTC with at least milliseconds (`2026-11-21T14:30:00.000Z`) -> epoch seconds.

    Fails the test for any other shape: SPEC fixes this one format for every JSON time.
    """
    assert isinstance(text, str), f"expected an RFC 3339 time string, got {text!r}"
    m = _TS.match(text)
    assert m, f"{text!r} is not RFC 3339 UTC with millisecond precision (2026-11-21T14:30:00.000Z)"
    y, mo, d, h, mi, s, frac = m.groups()
    whole = calendar.timegm((int(y), int(mo), int(d), int(h), int(mi), int(s), 0, 0, 0))
    return whole + int(frac) / (10 ** len(frac))


def local_hhmm(epoch: float, tz: str) -> str:
    """HH:MM of an instant in the named zone (truncated, as a clock shows it)."""
    import datetime
    import zoneinfo

    moment = datetime.datetime.fromtimestamp(epoch, tz=zoneinfo.ZoneInfo(tz))
    return moment.strftime("%H:%M")


def wait_until(predicate: Callable[[], Any], timeout: float, what: str, interval: float = 0.05) -> Any:
    """Polls `predicate` until it returns something truthy; fails after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    last_error: Optional[BaseException] = None
    while True:
        try:
            value = predicate()
            if value:
                return value
            last_error = None
        except AssertionError as error:  # a predicate may assert on what it reads
            last_error = error
        if time.monotonic() >= deadline:
            detail = f" (last problem: {last_error})" if last_error else ""
            raise AssertionError(f"timed out after {timeout:.1f} s waiting for {what}{detail}")
        time.sleep(interval)


def wait_wall_clock_past(instant: float, timeout: float, what: str) -> None:
    """Waits until the wall clock is past `instant`. Only for scenarios where time passing *is*
    the scenario (a daemon down across a due time)."""
    deadline = time.monotonic() + timeout
    while time.time() <= instant:
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout:.1f} s waiting for {what}")
        time.sleep(min(0.05, max(0.0, instant - time.time()) + 0.001))


HOOKS_SCRATCH = REPO_ROOT / ".build-hooks"


def build_hooks_breatherd() -> Path:
    """breatherd built with the test-only hooks (-DBREATHER_TEST_HOOKS), in its own scratch
    folder: SIGUSR1 hangs its engine queue; BREATHER_TEST_KILL_AFTER_SAVE=TEXT kills it right
    after the save of a change that logs TEXT. Incremental when fresh."""
    assert shutil.which("swift"), "the test-hooks build needs the Swift toolchain (swift) on PATH"
    result = subprocess.run(
        ["swift", "build", "-Xswiftc", "-DBREATHER_TEST_HOOKS", "--scratch-path", str(HOOKS_SCRATCH), "--product", "breatherd"],
        cwd=str(REPO_ROOT), capture_output=True, text=True, timeout=900, stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, f"the test-hooks build of breatherd failed:\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
    path = HOOKS_SCRATCH / "debug" / "breatherd"
    assert os.access(path, os.X_OK), f"the test-hooks build left no {path}"
    return path


# ---------------------------------------------------------------------------------------
# XDG folders and config


SCRUBBED_ENV = (
    "NOTIFY_SOCKET",
    "JOURNAL_STREAM",
    "LISTEN_FDS",
    "LISTEN_PID",
    "LISTEN_FDNAMES",
    "WATCHDOG_USEC",
    "WATCHDOG_PID",
    "DBUS_SESSION_BUS_ADDRESS",
    "XDG_CONFIG_HOME",
    "XDG_STATE_HOME",
    "XDG_RUNTIME_DIR",
    "XDG_DATA_HOME",
    "XDG_CACHE_HOME",
    "XDG_CONFIG_DIRS",
    "XDG_DATA_DIRS",
    "BREATHER_BIN_DIR",
)


SESSION_BUS_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:tmpdir=/tmp</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"""


def session_bus_config(folder: Path) -> Path:
    """A session bus configuration without the system's service folders: where a notification
    server is installed (dunst, notification-daemon), `dbus-daemon --session` would start it
    on the first Notify, and a test's "no server" would become "a server nobody asked for"."""
    path = folder / "session-bus.conf"
    path.write_text(SESSION_BUS_CONFIG)
    return path


class XdgEnv:
    """A private set of XDG folders and the environment that points at them."""

    def __init__(self, root: Path, tz: str = "UTC"):
        self.root = Path(root)
        self.home = self.root / "home"
        self.config_home = self.root / "config"
        self.state_home = self.root / "state"
        for folder in (self.home, self.config_home, self.state_home):
            folder.mkdir(parents=True, exist_ok=True)
        # Unix socket paths are limited to 108 bytes: keep the runtime folder short.
        self.runtime = Path(tempfile.mkdtemp(prefix="br", dir="/tmp"))
        os.chmod(self.runtime, 0o700)
        self.tz = tz
        env = {k: v for k, v in os.environ.items() if k not in SCRUBBED_ENV}
        env.update(
            HOME=str(self.home),
            XDG_CONFIG_HOME=str(self.config_home),
            XDG_STATE_HOME=str(self.state_home),
            XDG_RUNTIME_DIR=str(self.runtime),
            XDG_DATA_HOME=str(self.root / "data"),
            XDG_CACHE_HOME=str(self.root / "cache"),
            TZ=tz,
        )
        self.env = env

    @property
    def config_dir(self) -> Path:
        return self.config_home / "breather"

    @property
    def plans_dir(self) -> Path:
        return self.config_dir / "plans"

    @property
    def state_dir(self) -> Path:
        return self.state_home / "breather"

    @property
    def socket_dir(self) -> Path:
        return self.runtime / "breather"

    @property
    def socket_path(self) -> Path:
        return self.socket_dir / "control.sock"

    def set_tz(self, tz: str) -> None:
        self.tz = tz
        self.env["TZ"] = tz

    def cleanup(self) -> None:
        shutil.rmtree(self.runtime, ignore_errors=True)


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # a TOML basic string
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    raise TypeError(f"no TOML form for {value!r}")


def write_config(
    xdg: XdgEnv,
    channels: dict[str, dict[str, Any]],
    default_plan: Optional[str] = None,
    me: str = "Sam",
    partner: str = "Alex",
) -> Path:
    """Writes breather.toml with `me`, `partner`, `default_plan` and the channels."""
    lines = [f"me = {toml_value(me)}", f"partner = {toml_value(partner)}"]
    if default_plan:
        lines.append(f"default_plan = {toml_value(default_plan)}")
    for name, settings in channels.items():
        lines.append("")
        lines.append(f"[channels.{name}]")
        for key, value in settings.items():
            lines.append(f"{key} = {toml_value(value)}")
    xdg.config_dir.mkdir(parents=True, exist_ok=True)
    path = xdg.config_dir / "breather.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


def plan_toml(
    duration: str,
    announce: Optional[tuple[list[str], str]] = None,
    reminders: Iterable[tuple[str, list[str], str]] = (),
    back: Optional[tuple[list[str], str]] = None,
    extend: Optional[tuple[list[str], str]] = None,
    cancel: Optional[tuple[list[str], str]] = None,
    code_word: Optional[str] = None,
    description: str = "A test plan",
) -> str:
    lines = [f"description = {toml_value(description)}"]
    if code_word:
        lines.append(f"code_word = {toml_value(code_word)}")
    lines.append(f"duration = {toml_value(duration)}")
    for table, spec in (("announce", announce), ("back", back), ("extend", extend), ("cancel", cancel)):
        if spec:
            to, message = spec
            lines += ["", f"[{table}]", f"to = {toml_value(to)}", f"message = {toml_value(message)}"]
    for offset, to, message in reminders:
        lines += [
            "",
            "[[reminder]]",
            f"offset = {toml_value(offset)}",
            f"to = {toml_value(to)}",
            f"message = {toml_value(message)}",
        ]
    return "\n".join(lines) + "\n"


def secret_file(xdg: XdgEnv, name: str, value: str) -> str:
    """Writes `value` to secrets/<name> in the config folder as breather wants a secret kept
    (folder 0700, file 0600); returns the path to put in breather.toml."""
    folder = xdg.config_dir / "secrets"
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    path = folder / name
    path.write_text(value + "\n")
    os.chmod(path, 0o600)
    return f"secrets/{name}"


def write_plan(xdg: XdgEnv, name: str, text: str) -> Path:
    xdg.plans_dir.mkdir(parents=True, exist_ok=True)
    path = xdg.plans_dir / f"{name}.toml"
    path.write_text(text)
    return path


# ---------------------------------------------------------------------------------------
# The recording loopback HTTP server


@dataclass
class Reply:
    """One scripted answer: a status, extra headers, a body, or a hang until released."""

    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b"ok\n"
    hang: bool = False


@dataclass
class Request:
    seq: int
    method: str
    path: str
    query: str
    raw_path: str
    headers: dict[str, str]  # lower-cased names; the last value wins
    header_list: list[tuple[str, str]]
    body: bytes
    mono: float
    wall: float
    responded: threading.Event = field(default_factory=threading.Event)
    status: Optional[int] = None

    @property
    def json(self) -> Any:
        try:
            return json.loads(self.body.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise AssertionError(f"request body is not JSON ({error}): {self.body[:500]!r}")

    def maybe_json(self) -> Any:
        try:
            return json.loads(self.body.decode("utf-8"))
        except Exception:
            return None

    @property
    def event(self) -> Optional[str]:
        body = self.maybe_json()
        return body.get("event") if isinstance(body, dict) else None

    @property
    def offset(self) -> Optional[int]:
        body = self.maybe_json()
        return body.get("offset_seconds") if isinstance(body, dict) else None

    def summary(self) -> str:
        body = self.maybe_json()
        if isinstance(body, dict):
            what = f"event={body.get('event')} offset={body.get('offset_seconds')} id={body.get('delivery_id')}"
        else:
            what = f"body={self.body[:80]!r}"
        return f"#{self.seq} {self.method} {self.path} at {self.wall:.3f} -> {self.status} ({what})"


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "BreatherTestServer"

    def _serve(self) -> None:
        self.server.owner._handle(self)  # type: ignore[attr-defined]

    do_POST = do_GET = do_PUT = do_PATCH = do_DELETE = _serve

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass


class RecordingServer:
    """A ThreadingHTTPServer on 127.0.0.1:0 that records every request into a queue and
    answers as scripted per path (default 200)."""

    HANG_CAP = 300.0  # a hanging handler gives up by itself after this long at the latest

    def __init__(self) -> None:
        self.requests: "queue.Queue[Request]" = queue.Queue()
        self.seen: list[Request] = []
        self._taken: set[int] = set()
        self._scripts: dict[str, list[Reply]] = {}
        self._releases: dict[str, threading.Event] = {}
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._seq = 0
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.httpd.daemon_threads = True
        self.httpd.owner = self  # type: ignore[attr-defined]
        self.port = self.httpd.server_address[1]
        self._thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
        self._thread.start()

    # -- configuration

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def script(self, path: str, *replies: Reply) -> None:
        """Answers the next requests to `path` with `replies` in order, then 200."""
        with self._lock:
            self._scripts.setdefault(path, []).extend(replies)

    def hang(self, path: str) -> threading.Event:
        """Every request to `path` hangs until `release(path)` (or teardown)."""
        with self._lock:
            event = self._releases.get(path)
            if event is None or event.is_set():  # a path released before hangs again
                event = self._releases[path] = threading.Event()
            self._scripts[path] = [Reply(hang=True)] * 10_000
        return event

    def release(self, path: str) -> None:
        with self._lock:
            self._scripts.pop(path, None)
            event = self._releases.get(path)
        if event:
            event.set()

    def close(self) -> None:
        self._stopping.set()
        with self._lock:
            for event in self._releases.values():
                event.set()
        self.httpd.shutdown()
        self.httpd.server_close()
        self._thread.join(timeout=5)

    # -- the handler

    def _handle(self, handler: _Handler) -> None:
        body = self._read_body(handler)
        split = urllib.parse.urlsplit(handler.path)
        with self._lock:
            self._seq += 1
            seq = self._seq
            script = self._scripts.get(split.path)
            reply = script.pop(0) if script else Reply()
            release = self._releases.get(split.path)
        request = self._record(handler, split, body, seq)
        request.status = None if reply.hang else reply.status
        self.requests.put(request)
        if reply.hang:
            deadline = time.monotonic() + self.HANG_CAP
            while not self._stopping.is_set() and not (release and release.is_set()):
                if time.monotonic() >= deadline:
                    break
                (release or self._stopping).wait(0.1)
            request.status = 503
            reply = Reply(status=503, body=b"released\n")
        try:
            handler.send_response(reply.status)
            for name, value in reply.headers.items():
                handler.send_header(name, value)
            handler.send_header("Content-Type", "text/plain")
            handler.send_header("Content-Length", str(len(reply.body)))
            handler.end_headers()
            handler.wfile.write(reply.body)
            handler.wfile.flush()
        except OSError:
            pass  # the client gave up (its timeout); that is its business
        finally:
            request.responded.set()

    @staticmethod
    def _record(handler: _Handler, split: Any, body: bytes, seq: int) -> Request:
        """What arrived, stamped now: the one place a Request is made from a handler."""
        header_list = list(handler.headers.items())
        return Request(
            seq=seq,
            method=handler.command,
            path=split.path,
            query=split.query,
            raw_path=handler.path,
            headers={k.lower(): v for k, v in header_list},
            header_list=header_list,
            body=body,
            mono=time.monotonic(),
            wall=time.time(),
        )

    @staticmethod
    def _read_body(handler: _Handler) -> bytes:
        if handler.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size_line = handler.rfile.readline(1024)
                size = int(size_line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while handler.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                        pass
                    break
                chunks.append(handler.rfile.read(size))
                handler.rfile.readline(1024)
            return b"".join(chunks)
        length = int(handler.headers.get("Content-Length") or 0)
        return handler.rfile.read(length) if length else b""

    # -- waiting

    def drain(self) -> list[Request]:
        """Everything received so far, in arrival order."""
        while True:
            try:
                self.seen.append(self.requests.get_nowait())
            except queue.Empty:
                return list(self.seen)

    def take(self, predicate: Callable[[Request], bool], timeout: float, what: str) -> Request:
        """The first request not taken before that matches `predicate`, waiting on the queue
        for up to `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            for request in self.seen:
                if request.seq not in self._taken and predicate(request):
                    self._taken.add(request.seq)
                    return request
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                got = "\n  ".join(r.summary() for r in self.drain()) or "(none)"
                raise AssertionError(f"timed out after {timeout:.1f} s waiting for {what}; requests received:\n  {got}")
            try:
                self.seen.append(self.requests.get(timeout=remaining))
            except queue.Empty:
                pass

    def take_event(self, path: str, event: str, timeout: float, offset: Optional[int] = None) -> Request:
        def match(r: Request) -> bool:
            return r.path == path and r.event == event and (offset is None or r.offset == offset)

        label = f"{event}" + (f" (offset {offset:+d} s)" if offset is not None else "") + f" on {path}"
        return self.take(match, timeout, label)


# ---------------------------------------------------------------------------------------
# The daemon


class Daemon:
    """A breatherd under the test's control: started with Popen, its PID kept, READY=1 awaited
    on a private NOTIFY_SOCKET, stdout+stderr captured to a file, ended by PID."""

    def __init__(self, bin_dir: Path, xdg: XdgEnv, log_dir: Path, register_log: Callable[[str, Path], None]):
        self.bin_dir = bin_dir
        self.xdg = xdg
        self.log_dir = Path(log_dir)
        self.register_log = register_log
        self.proc: Optional[subprocess.Popen] = None
        self.starts = 0
        self.notify_sock: Optional[socket.socket] = None
        self.notify_path: Optional[Path] = None
        self.notifications: list[str] = []
        self._notify_cond = threading.Condition()
        self._notify_stop = threading.Event()
        self._notify_thread: Optional[threading.Thread] = None
        self.log_path: Optional[Path] = None
        self.extra_env: dict[str, str] = {}

    @property
    def pid(self) -> Optional[int]:
        return self.proc.pid if self.proc else None

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def log_text(self) -> str:
        if self.log_path and self.log_path.exists():
            return self.log_path.read_text(errors="replace")
        return ""

    def start(self, timeout: float = 20.0) -> "Daemon":
        assert not self.running, "breatherd is already running"
        self.starts += 1
        self.notifications = []
        self._open_notify_socket()
        self.log_path = self.log_dir / f"breatherd-{self.starts}.log"
        env = dict(self.xdg.env)
        env.update(self.extra_env)
        env["NOTIFY_SOCKET"] = str(self.notify_path)
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(
                [str(self.bin_dir / "breatherd")],
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=str(self.xdg.root),
            )
        self.register_log(f"breatherd run {self.starts} (pid {self.proc.pid}) stdout+stderr", self.log_path)
        self._await_notification("READY=1", timeout)
        return self

    def _open_notify_socket(self) -> None:
        """Binds a fresh datagram socket and drains it in a thread for the whole run, as systemd
        does: an unread NOTIFY_SOCKET fills up (net.unix.max_dgram_qlen, often 10) and then
        blocks the daemon's sd_notify."""
        self._close_notify_socket()
        # Named per Daemon object too: a test may run two (a normal and a test-hooks build).
        self.notify_path = self.xdg.runtime / f"n{id(self) % 100000}-{self.starts}"
        if self.notify_path.exists():
            self.notify_path.unlink()
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        sock.bind(str(self.notify_path))
        sock.settimeout(0.1)
        self.notify_sock = sock
        self._notify_stop = threading.Event()
        self._notify_cond = threading.Condition()
        self._notify_thread = threading.Thread(target=self._drain_notify, args=(sock, self._notify_stop), daemon=True)
        self._notify_thread.start()

    def _drain_notify(self, sock: socket.socket, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                data = sock.recv(65536)
            except socket.timeout:
                continue
            except OSError:
                return
            with self._notify_cond:
                self.notifications.append(data.decode("utf-8", "replace"))
                self._notify_cond.notify_all()

    def _close_notify_socket(self) -> None:
        if self.notify_sock:
            self._notify_stop.set()
            if self._notify_thread:
                self._notify_thread.join(timeout=5)
            self.notify_sock.close()
            self.notify_sock = None
        if self.notify_path:
            try:
                self.notify_path.unlink()
            except FileNotFoundError:
                pass

    def _seen(self, line: str) -> bool:
        return any(line in message.split("\n") for message in list(self.notifications))

    def has_notification(self, line: str, timeout: float = 1.0) -> bool:
        """Whether `line` (e.g. STOPPING=1) came, waiting up to `timeout` for the reader."""
        deadline = time.monotonic() + timeout
        with self._notify_cond:
            while not self._seen(line):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._notify_cond.wait(remaining)
        return True

    def _await_notification(self, line: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        assert self.proc is not None
        while True:
            with self._notify_cond:
                if self._seen(line):
                    return
                self._notify_cond.wait(0.1)
                if self._seen(line):
                    return
            code = self.proc.poll()
            if code is not None:
                if self.has_notification(line, 0.3):
                    return
                raise AssertionError(
                    f"breatherd exited with status {code} before sending {line} on NOTIFY_SOCKET; "
                    f"its output:\n{self.log_text()[-4000:]}"
                )
            if time.monotonic() >= deadline:
                raise AssertionError(
                    f"breatherd (pid {self.proc.pid}) sent no {line} within {timeout:.0f} s "
                    f"(notifications: {self.notifications!r}); its output:\n{self.log_text()[-4000:]}"
                )

    def stop(self, timeout: float = 10.0) -> int:
        """SIGTERM, then SIGKILL if it has not exited within `timeout`. Fails the test if
        SIGKILL was needed; returns the exit status."""
        assert self.proc is not None
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
                raise AssertionError(f"breatherd (pid {self.proc.pid}) did not exit within {timeout:.0f} s of SIGTERM")
        return self.proc.returncode

    def kill9(self) -> None:
        assert self.proc is not None and self.proc.poll() is None, "breatherd is not running"
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)

    def teardown(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            try:
                os.kill(self.proc.pid, signal.SIGTERM)
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
            except ProcessLookupError:
                pass
        self._close_notify_socket()


# ---------------------------------------------------------------------------------------
# The CLI


@dataclass
class CliResult:
    args: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str

    def __str__(self) -> str:
        return (
            f"`breather {' '.join(self.args)}` exited {self.returncode}\n"
            f"--- stdout ---\n{self.stdout}--- stderr ---\n{self.stderr}"
        )

    def json(self) -> Any:
        assert self.returncode == 0, str(self)
        try:
            return json.loads(self.stdout)
        except json.JSONDecodeError as error:
            raise AssertionError(f"stdout is not one JSON document ({error}):\n{self}")


class Cli:
    def __init__(self, bin_dir: Path, xdg: XdgEnv):
        self.bin_dir = bin_dir
        self.xdg = xdg

    def __call__(self, *args: str, timeout: float = 15.0) -> CliResult:
        try:
            proc = subprocess.run(
                [str(self.bin_dir / "breather"), *args],
                env=self.xdg.env,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                timeout=timeout,
                cwd=str(self.xdg.root),
            )
        except subprocess.TimeoutExpired as error:
            raise AssertionError(f"`breather {' '.join(args)}` did not finish within {timeout:.0f} s") from error
        return CliResult(tuple(args), proc.returncode, proc.stdout, proc.stderr)

    def ok(self, *args: str, timeout: float = 15.0) -> CliResult:
        result = self(*args, timeout=timeout)
        assert result.returncode == 0, str(result)
        return result

    def status(self) -> dict:
        data = self.ok("status", "--json").json()
        assert isinstance(data, dict), f"status --json printed {data!r}"
        return data

    def wait_settled(self, timeout: float = 15.0) -> dict:
        """Polls `status --json` until no break runs and nothing is pending or retrying."""

        def settled() -> Optional[dict]:
            data = self.status()
            brk = data.get("break") or {}
            if data.get("active") is False and not brk.get("pending") and data.get("retrying") == []:
                return data
            return None

        return wait_until(settled, timeout, "status to show no break, nothing pending and nothing retrying", 0.1)


def assert_one_sentence(text: str, result: CliResult) -> None:
    """A failure says one clear sentence on stderr."""
    lines = [line for line in text.strip().splitlines() if line.strip()]
    assert len(lines) == 1, f"expected one line on stderr:\n{result}"


def history_records(data: Any) -> list[dict]:
    """The records of `history --json`: a JSON array, or an object holding one."""
    if isinstance(data, list):
        return data
    if isinstance(data, dict):
        for key in ("breaks", "history", "records", "entries"):
            if isinstance(data.get(key), list):
                return data[key]
    raise AssertionError(f"history --json printed neither an array nor an object with one: {data!r}")


# ---------------------------------------------------------------------------------------
# Raw control socket


class ControlClient:
    """A raw connection to the control socket."""

    def __init__(self, path: Path, timeout: float = 5.0):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.connect(str(path))
        self.buffer = b""

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def request(self, obj: dict) -> dict:
        self.send(json.dumps(obj).encode() + b"\n")
        return self.read_json()

    def read_line(self, timeout: float = 5.0) -> Optional[bytes]:
        """One line, or None at end of stream. Fails after `timeout`."""
        deadline = time.monotonic() + timeout
        while b"\n" not in self.buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"no answer line within {timeout:.0f} s (got {self.buffer[:200]!r})")
            self.sock.settimeout(remaining)
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                continue
            except ConnectionResetError:
                chunk = b""
            if not chunk:
                if self.buffer:
                    line, self.buffer = self.buffer, b""
                    return line
                return None
            self.buffer += chunk
        line, _, self.buffer = self.buffer.partition(b"\n")
        return line

    def read_json(self, timeout: float = 5.0) -> dict:
        line = self.read_line(timeout)
        assert line is not None, "the daemon closed the connection without an answer"
        try:
            data = json.loads(line)
        except json.JSONDecodeError as error:
            raise AssertionError(f"answer is not JSON ({error}): {line[:300]!r}")
        assert isinstance(data, dict), f"answer is not an object: {data!r}"
        return data

    def closed_by_peer(self, timeout: float = 5.0) -> bool:
        """True when the daemon closes the connection (EOF or reset) within `timeout`."""
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            self.sock.settimeout(remaining)
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                return False
            except (ConnectionResetError, BrokenPipeError):
                return True
            if not chunk:
                return True
            self.buffer += chunk

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass


def file_mode(path: Path) -> tuple[int, int]:
    st = os.lstat(path)
    return stat.S_IFMT(st.st_mode), stat.S_IMODE(st.st_mode)


def webhook(server: RecordingServer, path: str, **settings: Any) -> dict[str, Any]:
    """A `json` webhook channel pointing at `path` on the test server."""
    channel: dict[str, Any] = {"type": "webhook", "preset": "json", "url": server.url(path), "timeout": "5s"}
    channel.update(settings)
    return channel


# ---------------------------------------------------------------------------------------
# A private mount namespace, for tests that put the state folder on a filesystem they can
# fill up or make read-only without touching the host (test_disk.py).


class MountNamespace:
    """A private mount namespace held open by one `sleep` under `unshare -m --propagation
    private`; mounts and processes enter it with `nsenter --mount=/proc/PID/ns/mnt` (which
    execs in place, so a process started that way keeps its own PID). Files inside are read
    and written from outside through /proc/PID/root. Ended by the holder's PID."""

    HOLD_SECONDS = 900  # the holder ends by itself after this long, whatever happens

    def __init__(self) -> None:
        self.holder = subprocess.Popen(
            ["unshare", "-m", "--propagation", "private", "sleep", str(self.HOLD_SECONDS)],
            stdin=subprocess.DEVNULL,
        )
        own = os.readlink("/proc/self/ns/mnt")
        wait_until(
            lambda: self.holder.poll() is None and os.readlink(f"/proc/{self.holder.pid}/ns/mnt") != own,
            10,
            "unshare to enter its private mount namespace",
        )

    @property
    def prefix(self) -> list[str]:
        """The command prefix that runs a program inside the namespace."""
        return ["nsenter", f"--mount=/proc/{self.holder.pid}/ns/mnt", "--"]

    def run(self, *args: str, timeout: float = 15.0) -> subprocess.CompletedProcess:
        proc = subprocess.run(
            [*self.prefix, *args], capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL
        )
        assert proc.returncode == 0, f"{' '.join(args)} in the namespace failed ({proc.returncode}): {proc.stderr}"
        return proc

    def path(self, path: Path) -> Path:
        """`path` as this namespace sees it, reachable from outside."""
        return Path(f"/proc/{self.holder.pid}/root") / Path(path).relative_to("/")

    def close(self) -> None:
        if self.holder.poll() is None:
            os.kill(self.holder.pid, signal.SIGTERM)
            try:
                self.holder.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.kill(self.holder.pid, signal.SIGKILL)
                self.holder.wait(timeout=10)


class NamespacedDaemon(Daemon):
    """A `Daemon` whose breatherd runs inside a `MountNamespace` (same PID, same NOTIFY_SOCKET
    handling, same teardown)."""

    def __init__(self, namespace: MountNamespace, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.namespace = namespace

    def start(self, timeout: float = 20.0) -> "Daemon":
        assert not self.running, "breatherd is already running"
        self.starts += 1
        self.notifications = []
        self._open_notify_socket()
        self.log_path = self.log_dir / f"breatherd-{self.starts}.log"
        env = dict(self.xdg.env)
        env.update(self.extra_env)
        env["NOTIFY_SOCKET"] = str(self.notify_path)
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(
                [*self.namespace.prefix, str(self.bin_dir / "breatherd")],
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=str(self.xdg.root),
            )
        self.register_log(f"breatherd run {self.starts} (pid {self.proc.pid}, in a mount namespace) stdout+stderr", self.log_path)
        self._await_notification("READY=1", timeout)
        return self


def fill_filesystem(path: Path, chunk: int = 4096) -> int:
    """Writes `path` until the filesystem under it says ENOSPC; returns the bytes written."""
    import errno as _errno

    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    written = 0
    try:
        while True:
            try:
                written += os.write(fd, b"\0" * chunk)
            except OSError as error:
                if error.errno != _errno.ENOSPC:
                    raise
                if chunk == 1:
                    return written
                chunk = max(1, chunk // 8)
    finally:
        os.close(fd)


def fd_count(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError(f"/proc/{pid}/status has no VmRSS line")


class NamespacedCli(Cli):
    """A `Cli` that runs `breather` inside a `MountNamespace`, so that the commands that read
    files themselves (`history`, `check`, `plans`) see the same files as the daemon."""

    def __init__(self, namespace: MountNamespace, bin_dir: Path, xdg: XdgEnv):
        super().__init__(bin_dir, xdg)
        self.namespace = namespace

    def __call__(self, *args: str, timeout: float = 15.0) -> CliResult:
        try:
            proc = subprocess.run(
                [*self.namespace.prefix, str(self.bin_dir / "breather"), *args],
                env=self.xdg.env,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                timeout=timeout,
                cwd=str(self.xdg.root),
            )
        except subprocess.TimeoutExpired as error:
            raise AssertionError(f"`breather {' '.join(args)}` did not finish within {timeout:.0f} s") from error
        return CliResult(tuple(args), proc.returncode, proc.stdout, proc.stderr)
