"""Real notification servers for Breather's integration tests: an Xvfb display, a private
`dbus-daemon --session`, `dbus-monitor` on that bus, and one of two real servers on it —
dunst 1.9 or GNOME's notification-daemon 3.20 — each started per test and stopped by PID.

What went over the bus is read back from dbus-monitor's trace (`BusTrace`); what is on
screen from the server itself (dunst: `dunstctl`; notification-daemon: its X windows, found
with xdotool, and a screenshot taken with ImageMagick's `import`). Buttons are pressed the
way a person presses them:

- notification-daemon draws GTK buttons: the window is found with
  `xdotool search --onlyvisible --name '^Notification$'`, the root window is captured with
  `import -window root ppm:-`, the button labels are located in the window's bottom band of
  text, and `xdotool mousemove X Y click 1` clicks the middle of the label.
- dunst draws no buttons: its context menu (`dunstctl context`) hands every action of every
  notification on screen to the program its `dmenu` setting names, one line each
  (`#LABEL (APP) [ID,ACTION]`), and invokes the line that program prints. The harness's
  `dmenu` is a small script that prints the line the test asked for, so dunst itself sends
  `ActionInvoked` (only to the connection that created the notification).

A component that is missing fails the test with a sentence; nothing is skipped.
"""

from __future__ import annotations

import json
import os
import re
import select
import shutil
import signal
import subprocess
import tempfile
import time
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Optional

import pytest

from breather_harness import session_bus_config, wait_until

BUS_NAME = "org.freedesktop.Notifications"
OBJECT = "/org/freedesktop/Notifications"
INTERFACE = "org.freedesktop.Notifications"
NOTIFICATION_DAEMON = "/usr/lib/notification-daemon/notification-daemon"
SERVERS = ("dunst", "notification-daemon")

# Which Debian package gives which program, for the sentence when one is missing.
PACKAGES = {
    "Xvfb": "xvfb",
    "dbus-daemon": "dbus",
    "dbus-monitor": "dbus",
    "busctl": "systemd",
    "dunst": "dunst",
    "dunstctl": "dunst",
    NOTIFICATION_DAEMON: "notification-daemon",
    "xdotool": "xdotool",
    "import": "imagemagick",
}


def require(program: str) -> str:
    """The path of `program`, or the test fails saying which package to install."""
    path = program if os.path.isabs(program) else shutil.which(program)
    if not path or not os.access(path, os.X_OK):
        pytest.fail(
            f"{program} is missing: install the Debian package {PACKAGES.get(program, '?')} "
            f"(apt-get install --no-install-recommends {PACKAGES.get(program, '?')}) to run the "
            f"tests against real notification servers.",
            pytrace=False,
        )
    return path


def _end(proc: Optional[subprocess.Popen], timeout: float = 10.0) -> None:
    """SIGTERM to this process by its PID, SIGKILL if it lingers."""
    if proc is None or proc.poll() is not None:
        return
    try:
        os.kill(proc.pid, signal.SIGTERM)
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    except ProcessLookupError:
        pass


# ---------------------------------------------------------------------------------------
# dbus-monitor's text, parsed


@dataclass
class BusMessage:
    kind: str  # "method call", "method return", "signal", "error"
    header: dict[str, str]
    args: list[Any]

    @property
    def member(self) -> Optional[str]:
        return self.header.get("member")

    @property
    def sender(self) -> Optional[str]:
        return self.header.get("sender")

    @property
    def destination(self) -> Optional[str]:
        return self.header.get("destination")

    @property
    def at(self) -> float:
        return float(self.header.get("time", "0"))


@dataclass
class Notify:
    """One Notify call seen on the bus, with the id the server answered."""

    at: float
    sender: str
    app: str
    replaces_id: int
    icon: str
    summary: str
    body: str
    actions: list[str]
    hints: dict[str, Any]
    timeout: int
    id: Optional[int] = None

    @property
    def urgency(self) -> Optional[int]:
        return self.hints.get("urgency")


_HEADER_KINDS = ("method call", "method return", "signal", "error")
_HEADER_FIELD = re.compile(r"(\w+)=([^\s;]+)")
_NUMBER = re.compile(r"^(byte|int16|uint16|int32|uint32|int64|uint64|unix_fd) (-?\d+)$")


def _parse_value(lines: list[str], i: int) -> tuple[Any, int]:
    """One value starting at lines[i] (already stripped); returns it and the next index."""
    line = lines[i]
    if line.startswith("variant"):
        rest = line[len("variant"):].strip()
        return _variant(lines, i, rest)
    if line.startswith("string \"") and line.endswith("\""):
        return line[len("string \""):-1], i + 1
    if line.startswith("string \""):  # a string with newlines: it runs until a line ending in "
        parts = [line[len("string \""):]]
        i += 1
        while i < len(lines) and not lines[i].endswith("\""):
            parts.append(lines[i])
            i += 1
        parts.append(lines[i][:-1] if i < len(lines) else "")
        return "\n".join(parts), i + 1
    if line.startswith("object path \""):
        return line[len("object path \""):-1], i + 1
    if line.startswith("signature \""):
        return line[len("signature \""):-1], i + 1
    m = _NUMBER.match(line)
    if m:
        return int(m.group(2)), i + 1
    if line.startswith("boolean "):
        return line.endswith("true"), i + 1
    if line.startswith("double "):
        return float(line.split()[1]), i + 1
    if line.startswith("array ["):
        items: list[Any] = []
        if line.endswith("]") and line != "array [":  # "array [ ]"
            return items, i + 1
        i += 1
        while i < len(lines) and lines[i] != "]":
            value, i = _parse_value(lines, i)
            items.append(value)
        if items and all(isinstance(v, tuple) and len(v) == 2 and getattr(v, "_dict_entry", False) for v in items):
            return {k: v for k, v in items}, i + 1
        return items, i + 1
    if line.startswith("array of bytes"):
        return line, i + 1
    if line.startswith("dict entry("):
        i += 1
        key, i = _parse_value(lines, i)
        value, i = _parse_value(lines, i)
        while i < len(lines) and lines[i] != ")":
            i += 1
        return _DictEntry((key, value)), i + 1
    if line.startswith("struct {"):
        items = []
        i += 1
        while i < len(lines) and lines[i] != "}":
            value, i = _parse_value(lines, i)
            items.append(value)
        return tuple(items), i + 1
    return line, i + 1  # anything else: kept as text


class _DictEntry(tuple):
    _dict_entry = True


def _variant(lines: list[str], i: int, rest: str) -> tuple[Any, int]:
    """`variant <value>` where the value starts on the same line."""
    sub = [rest] + lines[i + 1:]
    value, j = _parse_value(sub, 0)
    return value, i + j


def parse_monitor(text: str) -> list[BusMessage]:
    """dbus-monitor's default output: a header line per message, its arguments indented."""
    messages: list[BusMessage] = []
    current: Optional[tuple[str, dict[str, str], list[str]]] = None

    def finish() -> None:
        if current is None:
            return
        kind, header, body = current
        lines = [line.strip() for line in body if line.strip()]
        args: list[Any] = []
        i = 0
        try:
            while i < len(lines):
                value, i = _parse_value(lines, i)
                args.append(value)
        except (IndexError, ValueError):
            args.append(("unparsed", body))
        messages.append(BusMessage(kind, header, args))

    for raw in text.splitlines():
        if raw and not raw[0].isspace() and raw.startswith(_HEADER_KINDS):
            finish()
            kind = next(k for k in _HEADER_KINDS if raw.startswith(k))
            current = (kind, dict(_HEADER_FIELD.findall(raw)), [])
        elif current is not None:
            current[2].append(raw)
    # The last message may still be being written: keep it only if the trace ends cleanly.
    if current is not None and text.endswith("\n"):
        finish()
    return messages


class BusTrace:
    """`dbus-monitor --address ADDRESS` writing every message on the private bus to a file."""

    def __init__(self, address: str, env: dict[str, str], log: Path):
        self.address = address
        self.log = log
        with open(log, "wb") as out:
            self.proc = subprocess.Popen(
                [require("dbus-monitor"), "--address", address],
                env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
            )

    def wait_attached(self, busctl: Callable[..., str], timeout: float = 10.0) -> None:
        """Event-driven: a probe call on the bus shows up in the trace once the monitor is on."""

        def seen() -> bool:
            assert self.proc.poll() is None, f"dbus-monitor exited: {self.text()[-2000:]}"
            busctl("call", "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus", "GetId")
            return "member=GetId" in self.text()

        wait_until(seen, timeout, "dbus-monitor to see the bus", 0.1)

    def text(self) -> str:
        try:
            return self.log.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def messages(self) -> list[BusMessage]:
        return parse_monitor(self.text())

    def notifies(self) -> list[Notify]:
        """Every Notify call, in order, with the id from the server's answer (None while unanswered)."""
        msgs = self.messages()
        returns = {
            (m.destination, m.header.get("reply_serial")): m for m in msgs if m.kind == "method return"
        }
        found = []
        for m in msgs:
            if m.kind != "method call" or m.member != "Notify" or m.header.get("interface") != INTERFACE:
                continue
            if len(m.args) < 8:
                continue
            app, replaces, icon, summary, body, actions, hints, timeout = m.args[:8]
            answer = returns.get((m.sender, m.header.get("serial")))
            found.append(
                Notify(
                    at=m.at, sender=m.sender or "", app=app, replaces_id=replaces, icon=icon, summary=summary,
                    body=body, actions=list(actions) if isinstance(actions, list) else [],
                    hints=hints if isinstance(hints, dict) else {}, timeout=timeout,
                    id=answer.args[0] if answer and answer.args else None,
                )
            )
        return found

    def calls(self, member: str) -> list[BusMessage]:
        return [m for m in self.messages() if m.kind == "method call" and m.member == member
                and m.header.get("interface") == INTERFACE]

    def signals(self, member: str) -> list[BusMessage]:
        return [m for m in self.messages() if m.kind == "signal" and m.member == member
                and m.header.get("interface") == INTERFACE]

    def wait_notify(self, predicate: Callable[[Notify], bool], timeout: float, what: str) -> Notify:
        """The first answered Notify call matching `predicate`."""

        def find() -> Optional[Notify]:
            for n in self.notifies():
                if n.id is not None and predicate(n):
                    return n
            return None

        try:
            return wait_until(find, timeout, what, 0.05)
        except AssertionError as error:
            raise AssertionError(f"{error}; Notify calls on the bus:\n{self.describe()}") from None

    def describe(self) -> str:
        return "\n".join(f"  {n}" for n in self.notifies()) or "  (none)"

    def close(self) -> None:
        _end(self.proc)


# ---------------------------------------------------------------------------------------
# Screenshots


@dataclass
class Image:
    width: int
    height: int
    pixels: bytes  # RGB

    def brightness(self, x: int, y: int) -> int:
        i = (y * self.width + x) * 3
        return max(self.pixels[i], self.pixels[i + 1], self.pixels[i + 2])


def parse_ppm(data: bytes) -> Image:
    tokens: list[bytes] = []
    pos = 0
    while len(tokens) < 4:
        while data[pos:pos + 1].isspace():
            pos += 1
        if data[pos:pos + 1] == b"#":
            pos = data.index(b"\n", pos) + 1
            continue
        end = pos
        while not data[end:end + 1].isspace():
            end += 1
        tokens.append(data[pos:end])
        pos = end
    assert tokens[0] == b"P6" and tokens[3] == b"255", f"not an 8-bit P6 image: {tokens}"
    width, height = int(tokens[1]), int(tokens[2])
    pixels = data[pos + 1: pos + 1 + width * height * 3]
    assert len(pixels) == width * height * 3, "the screenshot is cut short"
    return Image(width, height, pixels)


def _runs(flags: list[bool], min_gap: int) -> list[tuple[int, int]]:
    """[start, end) runs of True, merging runs separated by fewer than `min_gap` False."""
    runs: list[tuple[int, int]] = []
    for index, flag in enumerate(flags):
        if not flag:
            continue
        if runs and index - runs[-1][1] < min_gap:
            runs[-1] = (runs[-1][0], index + 1)
        else:
            runs.append((index, index + 1))
    return runs


def text_bands(image: Image, box: tuple[int, int, int, int], dark: int = 110) -> list[tuple[int, int]]:
    """Rows (absolute y, [start, end)) inside `box` = (x, y, w, h) that hold dark (text) pixels."""
    x0, y0, w, h = box
    rows = [any(image.brightness(x, y) < dark for x in range(x0, x0 + w)) for y in range(y0, y0 + h)]
    return [(y0 + a, y0 + b) for a, b in _runs(rows, 3)]


def text_columns(image: Image, box: tuple[int, int, int, int], band: tuple[int, int], min_gap: int,
                 dark: int = 110) -> list[tuple[int, int]]:
    x0, _, w, _ = box
    cols = [any(image.brightness(x, y) < dark for y in range(band[0], band[1])) for x in range(x0, x0 + w)]
    return [(x0 + a, x0 + b) for a, b in _runs(cols, min_gap)]


# ---------------------------------------------------------------------------------------
# The display, the bus, the server


class NoButtons(AssertionError):
    """The window shows no row of buttons with the expected labels."""


@dataclass
class Window:
    id: str
    x: int
    y: int
    width: int
    height: int


class Desktop:
    """Xvfb + a private session bus + dbus-monitor + one real notification server."""

    def __init__(self, kind: str, base_env: dict[str, str], register_log: Callable[[str, Path], None],
                 artifacts: Path, dunst_markup: str = "full"):
        assert kind in SERVERS, kind
        self.kind = kind
        self.register_log = register_log
        self.artifacts = Path(artifacts)
        self.artifacts.mkdir(parents=True, exist_ok=True)
        self.dunst_markup = dunst_markup
        # Short paths: a Unix socket path is limited to 108 bytes.
        self.folder = Path(tempfile.mkdtemp(prefix="brx", dir="/tmp"))
        self.socket = self.folder / "bus"
        self.address = f"unix:path={self.socket}"
        self.xvfb: Optional[subprocess.Popen] = None
        self.bus: Optional[subprocess.Popen] = None
        self.server: Optional[subprocess.Popen] = None
        self.trace: Optional[BusTrace] = None
        self.servers_started = 0
        self.screenshots = 0
        self.last_screenshot = self.artifacts / "screen.ppm"
        self.display = ""
        home = self.folder / "home"
        home.mkdir()
        env = dict(base_env)
        for name in ("DISPLAY", "WAYLAND_DISPLAY", "DBUS_SESSION_BUS_ADDRESS", "XAUTHORITY"):
            env.pop(name, None)
        env.update(
            HOME=str(home),
            XDG_CONFIG_HOME=str(home / ".config"),
            XDG_CACHE_HOME=str(home / ".cache"),
            XDG_DATA_HOME=str(home / ".local/share"),
            DBUS_SESSION_BUS_ADDRESS=self.address,
            NO_AT_BRIDGE="1",           # GTK: no accessibility bus to look for
            GSETTINGS_BACKEND="memory",  # GTK: no dconf to activate
        )
        self.env = env
        self.picker_choice = self.folder / "choice"
        self.picker_input = self.folder / "picker.in"
        self.picker_runs = self.folder / "picker.runs"

    # -- start and stop

    def start(self) -> "Desktop":
        self.start_display()
        self.start_bus()
        self.trace = BusTrace(self.address, self.env, self.folder / "monitor.log")
        self.register_log(f"dbus-monitor (pid {self.trace.proc.pid})", self.trace.log)
        self.trace.wait_attached(self.busctl)
        self.start_server()
        return self

    def start_display(self, timeout: float = 15.0) -> None:
        xvfb = require("Xvfb")
        read_end, write_end = os.pipe()
        log = self.folder / "xvfb.log"
        with open(log, "wb") as out:
            self.xvfb = subprocess.Popen(
                [xvfb, "-displayfd", str(write_end), "-screen", "0", "1280x800x24", "-nolisten", "tcp", "-noreset"],
                env=self.env, stdin=subprocess.DEVNULL, stdout=out, stderr=out, pass_fds=(write_end,),
            )
        os.close(write_end)
        self.register_log(f"Xvfb (pid {self.xvfb.pid})", log)
        number = b""
        deadline = time.monotonic() + timeout
        try:
            while not number.endswith(b"\n"):
                remaining = deadline - time.monotonic()
                assert remaining > 0, f"Xvfb told no display number within {timeout:.0f} s: {log.read_text()}"
                ready, _, _ = select.select([read_end], [], [], remaining)
                if ready:
                    chunk = os.read(read_end, 64)
                    assert chunk, f"Xvfb exited without a display: {log.read_text()}"
                    number += chunk
        finally:
            os.close(read_end)
        self.display = f":{int(number.strip())}"
        self.env["DISPLAY"] = self.display

    def start_bus(self, timeout: float = 10.0) -> None:
        address_file = self.folder / "address"
        log = self.folder / "dbus-daemon.log"
        # Without the system's service folders: dunst and notification-daemon both install a
        # D-Bus service, and a stock session bus would start one while the test's is down.
        config = session_bus_config(self.folder)
        with open(address_file, "wb") as out, open(log, "ab") as err:
            self.bus = subprocess.Popen(
                [require("dbus-daemon"), f"--config-file={config}", "--nofork", "--nopidfile",
                 f"--print-address={out.fileno()}", f"--address={self.address}"],
                env=self.env, stdin=subprocess.DEVNULL, stdout=err, stderr=err, pass_fds=(out.fileno(),),
            )
        self.register_log(f"dbus-daemon (pid {self.bus.pid})", log)

        def up() -> bool:
            assert self.bus is not None and self.bus.poll() is None, f"dbus-daemon exited: {log.read_text()}"
            return address_file.stat().st_size > 0 and self.socket.exists()

        wait_until(up, timeout, "dbus-daemon to print its address")

    def _write_dunst_files(self) -> Path:
        picker = self.folder / "dmenu"
        # dunst's context menu: one line per action, `#LABEL (APP) [ID,ACTION]`. Print the one
        # whose text contains the chosen string; record what was offered and that it ran.
        picker.write_text(
            "#!/bin/sh\n"
            f"cat > '{self.picker_input}'\n"
            f"grep -m1 -F -- \"$(cat '{self.picker_choice}')\" '{self.picker_input}'\n"
            f"echo ran >> '{self.picker_runs}'\n"
        )
        picker.chmod(0o755)
        config = self.folder / "dunstrc"
        config.write_text(
            "[global]\n"
            f"    dmenu = {picker}\n"
            f"    markup = {self.dunst_markup}\n"
            '    format = "%s\\n%b"\n'
            "    history_length = 100\n"
            "    sticky_history = yes\n"
            "    idle_threshold = 0\n"
            # Nothing expires by dunst's own default: a notification leaves the screen only
            # because it was closed (or its sender asked for a timeout), so a count that drops
            # says something about Breather.
            "[urgency_low]\n    timeout = 0\n"
            "[urgency_normal]\n    timeout = 0\n"
            "[urgency_critical]\n    timeout = 0\n"
        )
        return config

    def start_server(self, timeout: float = 20.0) -> None:
        assert self.server is None or self.server.poll() is not None, "the notification server is already running"
        self.servers_started += 1
        log = self.folder / f"{self.kind}-{self.servers_started}.log"
        if self.kind == "dunst":
            require("dunstctl")
            args = [require("dunst"), "-config", str(self._write_dunst_files())]
        else:
            args = [require(NOTIFICATION_DAEMON)]
        with open(log, "wb") as out:
            self.server = subprocess.Popen(args, env=self.env, stdin=subprocess.DEVNULL, stdout=out, stderr=out)
        self.register_log(f"{self.kind} run {self.servers_started} (pid {self.server.pid})", log)
        server = self.server

        def owned() -> bool:
            assert server.poll() is None, f"{self.kind} exited with {server.returncode}: {log.read_text()}"
            return self.owner_pid() == server.pid

        wait_until(owned, timeout, f"{self.kind} (pid {server.pid}) to own {BUS_NAME}", 0.1)

    def owner_pid(self) -> Optional[int]:
        result = subprocess.run(
            [require("busctl"), f"--address={self.address}", "--", "call", "org.freedesktop.DBus",
             "/org/freedesktop/DBus", "org.freedesktop.DBus", "GetConnectionUnixProcessID", "s", BUS_NAME],
            env=self.env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=10,
        )
        if result.returncode != 0:
            return None
        return int(result.stdout.split()[1])

    def stop_server(self, timeout: float = 10.0) -> None:
        """Ends the server by its PID (SIGTERM) and waits until its bus name is free."""
        server = self.server
        _end(server, timeout)
        wait_until(lambda: self.owner_pid() is None, timeout, f"{BUS_NAME} to be released")

    def close(self) -> None:
        _end(self.server)
        if self.trace:
            self.trace.close()
        _end(self.bus)
        _end(self.xvfb)
        shutil.rmtree(self.folder, ignore_errors=True)

    # -- the bus

    def busctl(self, *args: str) -> str:
        result = subprocess.run(
            [require("busctl"), f"--address={self.address}", "--", *args],
            env=self.env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=10,
        )
        assert result.returncode == 0, f"busctl {' '.join(args)} failed: {result.stderr}"
        return result.stdout

    def capabilities(self) -> list[str]:
        out = self.busctl("call", BUS_NAME, OBJECT, INTERFACE, "GetCapabilities")
        return re.findall(r'"([^"]*)"', out)

    def notify_as(self, app: str, summary: str, body: str, timeout_ms: int = 0, replaces_id: int = 0) -> int:
        """Another program's notification (busctl's own connection); returns its id."""
        out = self.busctl("call", BUS_NAME, OBJECT, INTERFACE, "Notify", "susssasa{sv}i",
                          app, str(replaces_id), "", summary, body, "0", "0", str(timeout_ms))
        m = re.match(r"u (\d+)", out.strip())
        assert m, f"Notify answered {out!r}"
        return int(m.group(1))

    # -- what is on screen

    def dunstctl(self, *args: str) -> str:
        result = subprocess.run([require("dunstctl"), *args], env=self.env, stdin=subprocess.DEVNULL,
                                capture_output=True, text=True, timeout=10)
        assert result.returncode == 0, f"dunstctl {' '.join(args)} failed ({result.returncode}): {result.stderr}"
        return result.stdout

    def dunst_displayed(self) -> int:
        return int(self.dunstctl("count", "displayed").strip())

    def dunst_history(self) -> list[dict[str, Any]]:
        """`dunstctl history`: what dunst showed and has since closed, newest first."""
        data = json.loads(self.dunstctl("history"))
        entries = data["data"][0] if data.get("data") else []
        return [{key: value.get("data") for key, value in entry.items()} for entry in entries]

    def windows(self) -> list[Window]:
        """notification-daemon's visible notification windows."""
        result = subprocess.run(
            [require("xdotool"), "search", "--onlyvisible", "--name", "^Notification$"],
            env=self.env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=10,
        )
        if result.returncode != 0:  # xdotool exits 1 when nothing matches
            return []
        found = []
        for wid in result.stdout.split():
            geo = subprocess.run(
                [require("xdotool"), "getwindowgeometry", "--shell", wid],
                env=self.env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=10,
            )
            if geo.returncode != 0:
                continue  # it went away meanwhile
            values = dict(line.split("=", 1) for line in geo.stdout.split() if "=" in line)
            found.append(Window(wid, int(values["X"]), int(values["Y"]), int(values["WIDTH"]), int(values["HEIGHT"])))
        return found

    def screenshot(self) -> Image:
        result = subprocess.run([require("import"), "-window", "root", "-depth", "8", "ppm:-"], env=self.env,
                                stdin=subprocess.DEVNULL, capture_output=True, timeout=20)
        assert result.returncode == 0, f"import -window root failed: {result.stderr[-500:]!r}"
        self.screenshots += 1
        self.last_screenshot.write_bytes(result.stdout)  # the latest one, for a failure message
        return parse_ppm(result.stdout)

    def button_centres(self, window: Window, labels: list[str]) -> dict[str, tuple[int, int]]:
        """Where the window's buttons are: GTK draws them in a row at the bottom, in the order
        of the actions. Found from a screenshot, as a person finds them: the lowest band of
        text in the window, split at wide gaps into one run per button."""
        image = self.screenshot()
        inner = (window.x + 8, window.y + 8, window.width - 16, window.height - 16)
        bands = text_bands(image, inner)
        if len(bands) < 2:
            raise NoButtons(f"no row of buttons under the text in {window} (text bands {bands}); "
                            f"screenshot {self.last_screenshot}")
        band = bands[-1]
        runs = text_columns(image, inner, band, min_gap=20)
        if len(runs) != len(labels):
            raise NoButtons(f"expected {len(labels)} buttons {labels} in the bottom row of {window}, found text "
                            f"runs {runs} in rows {band}; screenshot {self.last_screenshot}")
        widths = [b - a for a, b in runs]
        lengths = [len(label) for label in labels]
        if sorted(range(len(widths)), key=widths.__getitem__) != sorted(range(len(lengths)), key=lengths.__getitem__):
            raise NoButtons(f"the text runs {runs} in {window} are not shaped like the labels {labels}; "
                            f"screenshot {self.last_screenshot}")
        y = (band[0] + band[1]) // 2
        return {label: ((a + b) // 2, y) for label, (a, b) in zip(labels, runs)}

    def drawn(self, window: Window) -> bool:
        """Whether the window shows any text yet (a window just mapped may still be blank)."""
        image = self.screenshot()
        return bool(text_bands(image, (window.x + 8, window.y + 8, window.width - 16, window.height - 16)))

    def has_buttons(self, window: Window, labels: list[str]) -> bool:
        try:
            self.button_centres(window, labels)
            return True
        except NoButtons:
            return False

    # -- pressing buttons for real

    def click(self, x: int, y: int) -> None:
        subprocess.run([require("xdotool"), "mousemove", "--sync", str(x), str(y), "click", "1"],
                       env=self.env, stdin=subprocess.DEVNULL, check=True, timeout=10)

    def press(self, notification_id: int, action: str, label: str, labels: list[str], timeout: float = 15.0) -> None:
        """Presses the button `label` (action key `action`) on notification `notification_id`
        as a person would, and waits until the server has sent ActionInvoked for it."""
        assert self.trace is not None
        before = len(self.trace.signals("ActionInvoked"))
        if self.kind == "dunst":
            self._press_dunst(notification_id, action, label, timeout)
        else:
            self._press_notification_daemon(label, labels, timeout)

        def invoked() -> Optional[BusMessage]:
            for m in self.trace.signals("ActionInvoked")[before:]:
                if m.args[:2] == [notification_id, action]:
                    return m
            return None

        try:
            wait_until(invoked, timeout, f"{self.kind} to send ActionInvoked({notification_id}, {action})")
        except AssertionError as error:
            seen = [m.args for m in self.trace.signals("ActionInvoked")]
            raise AssertionError(f"{error}; ActionInvoked seen: {seen}") from None

    def _press_dunst(self, notification_id: int, action: str, label: str, timeout: float) -> None:
        runs = self.picker_runs.read_text().count("ran") if self.picker_runs.exists() else 0
        # One line per action: pick the line of this notification's action.
        self.picker_choice.write_text(f"[{notification_id},{action}]")
        self.dunstctl("context")
        wait_until(
            lambda: self.picker_runs.exists() and self.picker_runs.read_text().count("ran") > runs,
            timeout, "dunst to run its dmenu with the context menu",
        )
        offered = self.picker_input.read_text()
        assert f"#{label} (" in offered and f"[{notification_id},{action}]" in offered, (
            f"dunst's context menu did not offer {label!r} ({action}) for notification {notification_id}:\n{offered}"
        )

    def _press_notification_daemon(self, label: str, labels: list[str], timeout: float) -> None:
        def one_window_with_buttons() -> Optional[tuple[Window, dict[str, tuple[int, int]]]]:
            candidates = []
            problem: AssertionError = AssertionError("no notification window is visible")
            for window in self.windows():
                try:
                    candidates.append((window, self.button_centres(window, labels)))
                except NoButtons as error:
                    problem = error
            assert len(candidates) <= 1, f"more than one notification window has the buttons {labels}: {candidates}"
            if not candidates:
                raise problem  # wait_until retries, and reports the last one if time runs out
            return candidates[0]

        window, centres = wait_until(
            one_window_with_buttons, timeout, f"a notification window with the buttons {labels}", 0.2
        )
        x, y = centres[label]
        self.click(x, y)


# ---------------------------------------------------------------------------------------
# What dunst shows


def rendered(markup: str) -> str:
    """The text dunst draws for a formatted message: Pango parses it as markup; when that
    fails, dunst strips what looks like tags and shows the rest (so "<3 ->" vanishes)."""
    try:
        return "".join(ElementTree.fromstring(f"<markup>{markup}</markup>").itertext())
    except ElementTree.ParseError:
        import html

        return html.unescape(re.sub(r"<[^>]*>", "", markup))
