"""Desktop notifications on a real session bus: a private `dbus-daemon --session` on a socket
in the test's own folder and python-dbusmock's notification_daemon template, both started per
test and stopped by PID. What the daemon asked for is read back from the mock's log."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

import pytest

from breather_harness import (
    history_records,
    parse_ts,
    plan_toml,
    session_bus_config,
    wait_until,
    wait_wall_clock_past,
    webhook,
    write_config,
    write_plan,
)

PYTHON = "/usr/bin/python3"  # Debian's python has python3-dbusmock
BUS_NAME = "org.freedesktop.Notifications"
OBJECT = "/org/freedesktop/Notifications"
BUTTONS = ["breather-back", "I'm back", "breather-extend-10m", "10 more minutes"]
NORMAL, CRITICAL = 1, 2


# ---------------------------------------------------------------------------------------
# The bus and the notification server


@dataclass
class Notify:
    """One Notify call as dbusmock logged it."""

    at: float
    app: str
    replaces_id: int
    icon: str
    summary: str
    body: str
    actions: list[str]
    hints: dict
    timeout: int


# dbusmock logs `<time> Notify "app" replaces "icon" "summary" "body" [actions] {hints} timeout`,
# strings unescaped: the tests' messages hold no quotes or newlines.
_NOTIFY = re.compile(
    r'^(?P<at>\d+\.\d+) Notify "(?P<app>[^"\n]*)" (?P<replaces>\d+) "(?P<icon>[^"\n]*)" '
    r'"(?P<summary>[^"\n]*)" "(?P<body>[^"\n]*)" \[(?P<actions>[^\]\n]*)\] \{(?P<hints>[^}\n]*)\} (?P<timeout>-?\d+)$',
    re.M,
)


class SessionBus:
    """A private session bus at a short socket path (not $XDG_RUNTIME_DIR/bus, so the daemon
    finds it only through DBUS_SESSION_BUS_ADDRESS), and the notification mock on it."""

    def __init__(self, env: dict[str, str], register_log: Callable[[str, Path], None]):
        self.folder = Path(tempfile.mkdtemp(prefix="brbus", dir="/tmp"))
        self.socket = self.folder / "bus"
        self.address = f"unix:path={self.socket}"
        self.env = dict(env)
        self.env["DBUS_SESSION_BUS_ADDRESS"] = self.address
        self.register_log = register_log
        self.bus: Optional[subprocess.Popen] = None
        self.mock: Optional[subprocess.Popen] = None
        self.mock_log: Optional[Path] = None
        self.mocks = 0

    # -- processes

    def start_bus(self, timeout: float = 10.0) -> None:
        assert self.bus is None or self.bus.poll() is not None, "the bus is already running"
        address_file = self.folder / "address"
        log = self.folder / "dbus-daemon.log"
        with open(address_file, "wb") as out, open(log, "ab") as err:
            self.bus = subprocess.Popen(
                [
                    "dbus-daemon", f"--config-file={session_bus_config(self.folder)}", "--nofork", "--nopidfile",
                    f"--print-address={out.fileno()}", f"--address={self.address}",
                ],
                env=self.env, stdin=subprocess.DEVNULL, stdout=err, stderr=err, pass_fds=(out.fileno(),),
            )
        self.register_log(f"dbus-daemon (pid {self.bus.pid})", log)

        def up() -> bool:
            assert self.bus is not None and self.bus.poll() is None, f"dbus-daemon exited: {log.read_text()}"
            return address_file.stat().st_size > 0 and self.socket.exists()

        wait_until(up, timeout, "dbus-daemon to print its address")

    def start_server(self, capabilities: Optional[str] = "body actions", timeout: float = 15.0) -> None:
        assert self.mock is None or self.mock.poll() is not None, "the notification server is already running"
        self.mocks += 1
        self.mock_log = self.folder / f"notify-{self.mocks}.log"
        self.mock_log.touch()
        args = [PYTHON, "-m", "dbusmock", "--template", "notification_daemon", "-l", str(self.mock_log)]
        if capabilities is not None:
            args += ["-p", json.dumps({"capabilities": capabilities})]
        err = self.folder / f"dbusmock-{self.mocks}.err"
        with open(err, "wb") as out:
            self.mock = subprocess.Popen(args, env=self.env, stdin=subprocess.DEVNULL, stdout=out, stderr=out)
        self.register_log(f"dbusmock notification server (pid {self.mock.pid}) log", self.mock_log)
        self.register_log(f"dbusmock notification server (pid {self.mock.pid}) stderr", err)

        def owned() -> bool:
            assert self.mock is not None and self.mock.poll() is None, f"dbusmock exited: {err.read_text()}"
            return self.busctl("call", "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                               "NameHasOwner", "s", BUS_NAME).strip() == "b true"

        wait_until(owned, timeout, f"dbusmock to own {BUS_NAME}", 0.1)

    def busctl(self, *args: str) -> str:
        result = subprocess.run(
            ["busctl", f"--address={self.address}", "--", *args],
            env=self.env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=10,
        )
        assert result.returncode == 0, f"busctl {' '.join(args)} failed: {result.stderr}"
        return result.stdout

    def press(self, notification_id: int, action: str) -> None:
        """What a notification server does when its button is clicked."""
        self.busctl("call", BUS_NAME, OBJECT, "org.freedesktop.DBus.Mock", "EmitSignal", "sssav",
                    "", "ActionInvoked", "us", "2", "u", str(notification_id), "s", action)

    @staticmethod
    def _end(proc: Optional[subprocess.Popen]) -> None:
        if proc is None or proc.poll() is not None:
            return
        try:
            os.kill(proc.pid, signal.SIGTERM)
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
        except ProcessLookupError:
            pass

    def close(self) -> None:
        self._end(self.mock)
        self._end(self.bus)
        shutil.rmtree(self.folder, ignore_errors=True)

    # -- what the server was asked

    def notifications(self) -> list[Notify]:
        if not self.mock_log or not self.mock_log.exists():
            return []
        found = []
        for m in _NOTIFY.finditer(self.mock_log.read_text(errors="replace")):
            found.append(
                Notify(
                    at=float(m["at"]),
                    app=m["app"],
                    replaces_id=int(m["replaces"]),
                    icon=m["icon"],
                    summary=m["summary"],
                    body=m["body"],
                    actions=json.loads("[" + m["actions"] + "]"),
                    hints=json.loads("{" + m["hints"] + "}"),
                    timeout=int(m["timeout"]),
                )
            )
        return found

    def wait_notify(self, count: int, timeout: float) -> list[Notify]:
        """Waits until the server has been asked for at least `count` notifications."""

        def enough() -> Optional[list[Notify]]:
            calls = self.notifications()
            return calls if len(calls) >= count else None

        try:
            return wait_until(enough, timeout, f"Notify call #{count}", 0.05)
        except AssertionError as error:
            text = self.mock_log.read_text(errors="replace") if self.mock_log else "(no log)"
            raise AssertionError(f"{error}; the mock's log:\n{text}") from None

    @staticmethod
    def id_of(calls: list[Notify], index: int) -> int:
        """The id the mock answered call `index` with: replaces_id if given, else the next
        of 1, 2, 3, … (notification_daemon's rule)."""
        next_id = 1
        for i, call in enumerate(calls):
            if call.replaces_id:
                got = call.replaces_id
            else:
                got, next_id = next_id, next_id + 1
            if i == index:
                return got
        raise IndexError(index)


@pytest.fixture
def session_bus(xdg, daemon, register_log):
    bus = SessionBus(xdg.env, register_log)
    daemon.extra_env["DBUS_SESSION_BUS_ADDRESS"] = bus.address
    yield bus
    daemon.teardown()  # the daemon goes before its bus
    bus.close()


def desktop_config(xdg, server, plan: str) -> None:
    write_config(xdg, {"desktop": {"type": "desktop"}, "alex": webhook(server, "/alex")})
    write_plan(xdg, "cool-down", plan)


def wait_status(cli, predicate: Callable[[dict], bool], timeout: float, what: str) -> dict:
    def check() -> Optional[dict]:
        data = cli.status()
        return data if predicate(data) else None

    return wait_until(check, timeout, what, 0.1)


def desktop_retrying(data: dict, event: str) -> list[dict]:
    return [e for e in data.get("retrying", []) if e.get("channel") == "desktop" and e.get("event") == event]


# ---------------------------------------------------------------------------------------
# Tests


def test_notify_arguments_and_one_notification_per_break(xdg, server, cli, daemon, session_bus):
    desktop_config(
        xdg,
        server,
        plan_toml(
            "3s",
            announce=(["desktop", "alex"], "{me} is taking a breather and will come back to {partner}."),
            reminders=[
                ("-1s", ["desktop"], "Almost time to check in with {partner}."),
                ("0s", ["desktop"], "Time to check in with {partner}, as you promised."),
                ("+1s", ["desktop"], "You promised {partner} to be back by now."),
            ],
            back=(["desktop", "alex"], "{me} is back and ready to talk."),
        ),
    )
    session_bus.start_bus()
    session_bus.start_server("body actions")
    daemon.start()
    assert cli("start", "cool-down").returncode == 0
    checkin = parse_ts(cli.status()["break"]["checkin_at"])

    calls = session_bus.wait_notify(1, timeout=10)
    announce = calls[0]
    assert (announce.app, announce.replaces_id, announce.summary) == ("Breather", 0, "Breather"), announce
    assert announce.body == "Sam is taking a breather and will come back to Alex.", announce
    assert announce.actions == BUTTONS, f"the buttons were not offered though the server lists actions: {announce}"
    assert announce.hints.get("urgency") == NORMAL, f"an announce is not normal urgency: {announce}"
    server.take_event("/alex", "announce", timeout=10)

    calls = session_bus.wait_notify(4, timeout=15)
    for index, (offset, body, urgency) in enumerate(
        [
            (-1, "Almost time to check in with Alex.", NORMAL),
            (0, "Time to check in with Alex, as you promised.", CRITICAL),
            # After the check-in the one on the break is late: critical, on screen until acted on.
            (1, "You promised Alex to be back by now.", CRITICAL),
        ],
        start=1,
    ):
        reminder = calls[index]
        assert reminder.at >= checkin + offset - 0.05, f"the {offset:+d} s reminder was shown early: {reminder}"
        assert reminder.replaces_id == SessionBus.id_of(calls, index - 1) != 0, (
            f"notification #{index + 1} of the break does not replace the one before: {calls}"
        )
        assert (reminder.app, reminder.summary) == ("Breather", "Breather"), reminder
        assert reminder.body == body, reminder
        assert reminder.hints.get("urgency") == urgency, f"the {offset:+d} s reminder has the wrong urgency: {reminder}"
        assert reminder.actions == BUTTONS, reminder

    assert cli("back").returncode == 0
    calls = session_bus.wait_notify(5, timeout=10)
    back = calls[4]
    # The break's notification is closed as the break ends; the [back] message to the desktop
    # is a notification of its own, without buttons.
    wait_until(
        lambda: f"CloseNotification {SessionBus.id_of(calls, 3)}" in session_bus.mock_log.read_text(),
        10, "the break's notification to be closed on `back`",
    )
    assert back.replaces_id == 0, f"the back notification replaced a notification of the ended break: {calls}"
    assert back.body == "Sam is back and ready to talk.", back
    assert back.actions == [], f"the back notification offers buttons for a break that has ended: {back}"
    assert back.hints.get("urgency") == NORMAL, back
    server.take_event("/alex", "back", timeout=10)
    cli.wait_settled()
    assert len(session_bus.notifications()) == 5, session_bus.notifications()


def test_no_buttons_when_the_server_has_no_actions(xdg, server, cli, daemon, session_bus):
    desktop_config(xdg, server, plan_toml("60s", announce=(["desktop"], "{me} is taking a breather.")))
    session_bus.start_bus()
    session_bus.start_server(capabilities=None)  # the template's defaults: no "actions"
    daemon.start()
    assert cli("start", "cool-down").returncode == 0
    (announce,) = session_bus.wait_notify(1, timeout=10)
    assert announce.body == "Sam is taking a breather.", announce
    assert announce.actions == [], f"buttons were sent to a server that cannot show them: {announce}"
    wait_status(cli, lambda d: d.get("retrying") == [], 10, "nothing retrying")


def test_buttons_extend_and_end_the_break(xdg, server, cli, daemon, session_bus):
    desktop_config(
        xdg,
        server,
        plan_toml(
            "5m",
            announce=(["desktop"], "{me} is taking a breather."),
            extend=(["alex"], "{me} needs a little more time."),
            back=(["alex"], "{me} is back and ready to talk."),
        ),
    )
    session_bus.start_bus()
    session_bus.start_server("body actions")
    daemon.start()
    assert cli("start", "cool-down").returncode == 0
    before = cli.status()["break"]
    calls = session_bus.wait_notify(1, timeout=10)
    assert calls[0].actions == BUTTONS, calls[0]
    shown = SessionBus.id_of(calls, 0)
    assert not server.drain(), "something went to alex before a button was pressed"

    # Servers broadcast every button press: one on another program's notification is not ours.
    session_bus.press(shown + 1000, "breather-back")
    session_bus.press(shown, "breather-extend-10m")
    extended = server.take_event("/alex", "extend", timeout=10)
    # The signals arrive in order: the foreign press was handled before the extend.
    assert cli.status()["active"] is True, "a press on another program's notification ended the break"
    after = wait_status(cli, lambda d: (d.get("break") or {}).get("extensions") == 1, 10, "the break to be extended")
    moved = parse_ts(after["break"]["checkin_at"]) - parse_ts(before["checkin_at"])
    assert abs(moved - 600) <= 0.01, f"\"10 more minutes\" moved the check-in by {moved:.3f} s"
    assert extended.json["checkin_at"] == after["break"]["checkin_at"], extended.summary()

    session_bus.press(shown, "breather-back")
    back = server.take_event("/alex", "back", timeout=10)
    assert back.json["message"] == "Sam is back and ready to talk.", back.summary()
    assert back.json["break_id"] == before["id"], back.summary()
    cli.wait_settled()
    records = history_records(cli("history", "--json").json())
    assert len(records) == 1, records
    assert records[0]["break_id"] == before["id"] and records[0]["outcome"] == "back", records
    assert records[0]["extensions"] == 1, records
    assert "button" in daemon.log_text().lower(), "the pressed button was not logged"

    # A button of a break that has ended does nothing.
    session_bus.press(shown, "breather-back")
    wait_until(
        lambda: len([line for line in daemon.log_text().lower().splitlines() if "button" in line]) >= 3,
        10,
        "the press after the end to be logged",
    )
    assert cli.status()["active"] is False
    assert [r.event for r in server.drain()] == ["extend", "back"]


@pytest.mark.parametrize("missing", ["server", "bus"])
def test_a_notification_server_that_appears_later_gets_the_reminder(xdg, server, cli, daemon, session_bus, missing):
    desktop_config(
        xdg,
        server,
        plan_toml(
            "2s",
            reminders=[("0s", ["desktop"], "Time to check in with {partner}, as you promised.")],
            back=(["alex"], "{me} is back."),
        ),
    )
    if missing == "server":
        session_bus.start_bus()  # a bus, but nobody owns org.freedesktop.Notifications yet
    daemon.start()
    assert cli("start", "cool-down").returncode == 0
    checkin = parse_ts(cli.status()["break"]["checkin_at"])

    data = wait_status(cli, lambda d: bool(desktop_retrying(d, "reminder")), 15, "the desktop reminder to be retrying")
    assert time.time() >= checkin - 0.05, "a reminder was attempted before it was due"
    (entry,) = desktop_retrying(data, "reminder")
    assert entry["attempts"] >= 1 and entry["last_error"].strip(), entry
    assert daemon.running

    if missing == "bus":
        session_bus.start_bus()
    session_bus.start_server("body actions")
    (reminder,) = session_bus.wait_notify(1, timeout=20)
    assert reminder.body == "Time to check in with Alex, as you promised.", reminder
    assert reminder.hints.get("urgency") == CRITICAL, reminder
    assert reminder.actions == BUTTONS, reminder
    wait_status(cli, lambda d: not desktop_retrying(d, "reminder"), 10, "the reminder to stop retrying")

    assert cli("back").returncode == 0
    server.take_event("/alex", "back", timeout=10)
    cli.wait_settled()
    assert len(session_bus.notifications()) == 1, session_bus.notifications()


def test_a_reminder_due_while_the_daemon_was_down_is_critical(xdg, server, cli, daemon, session_bus):
    desktop_config(
        xdg,
        server,
        plan_toml("2s", reminders=[("+1s", ["desktop"], "You promised {partner} to be back by now.")]),
    )
    session_bus.start_bus()
    session_bus.start_server("body actions")
    daemon.start()
    assert cli("start", "cool-down").returncode == 0
    due = parse_ts(cli.status()["break"]["checkin_at"]) + 1
    assert daemon.stop() == 0
    assert session_bus.notifications() == [], "a reminder was shown before it was due"

    # Down across the reminder's time: passing time is the scenario here.
    wait_wall_clock_past(due + 1.5, timeout=15, what="the reminder's time to pass while the daemon is down")
    daemon.start()
    (late,) = session_bus.wait_notify(1, timeout=10)
    assert late.at >= due + 1.5, late
    assert late.body == "You promised Alex to be back by now.", late
    assert late.hints.get("urgency") == CRITICAL, f"a reminder sent late is not critical: {late}"
    assert late.actions == BUTTONS, late



def restarted_with_one_notification(xdg, server, cli, daemon, session_bus) -> tuple[dict, int]:
    """A break whose announce is on screen, then breatherd killed and started again."""
    desktop_config(
        xdg,
        server,
        plan_toml(
            "5m",
            announce=(["desktop"], "{me} is taking a breather."),
            extend=(["desktop", "alex"], "{me} needs a little more time."),
            back=(["alex"], "{me} is back and ready to talk."),
        ),
    )
    session_bus.start_bus()
    session_bus.start_server("body actions")
    daemon.start()
    assert cli("start", "cool-down").returncode == 0
    brk = cli.status()["break"]
    calls = session_bus.wait_notify(1, timeout=10)
    assert calls[0].actions == BUTTONS, calls[0]
    daemon.kill9()  # a crash; systemd would start it again
    daemon.start()
    assert cli.status()["break"]["id"] == brk["id"]
    return brk, SessionBus.id_of(calls, 0)


def test_buttons_on_screen_still_work_after_a_daemon_restart(xdg, server, cli, daemon, session_bus):
    """The notification on screen outlives a crash of breatherd: its "I'm back" still ends
    the break the person sees it for."""
    brk, shown = restarted_with_one_notification(xdg, server, cli, daemon, session_bus)
    session_bus.press(shown, "breather-back")
    back = server.take_event("/alex", "back", timeout=6)
    assert back.json["break_id"] == brk["id"], back.summary()
    cli.wait_settled()


def test_next_notification_replaces_the_one_on_screen_after_a_daemon_restart(xdg, server, cli, daemon, session_bus):
    """One notification per break, even when breatherd was restarted in between."""
    brk, shown = restarted_with_one_notification(xdg, server, cli, daemon, session_bus)
    # At start the new breatherd shows the break's notification again, in place, from its own
    # bus connection (a server sends a button press only to the connection that made it).
    calls = session_bus.wait_notify(2, timeout=10)
    assert calls[1].body == "Sam is taking a breather.", calls[1]
    assert calls[1].replaces_id == shown and calls[1].actions == BUTTONS, calls
    assert cli("extend", "5m").returncode == 0
    server.take_event("/alex", "extend", timeout=10)
    calls = session_bus.wait_notify(3, timeout=10)
    assert calls[2].body == "Sam needs a little more time.", calls[2]
    assert calls[2].replaces_id == shown, (
        f"after a restart the break's next notification does not replace the one on screen: {calls}"
    )


def test_a_button_signal_from_another_program_is_ignored(xdg, server, cli, daemon, session_bus):
    """Only the notification server speaks for its buttons: the same signal sent by any other
    client of the session bus (here busctl's own connection) does not end the break."""
    desktop_config(
        xdg,
        server,
        plan_toml(
            "5m",
            announce=(["desktop"], "{me} is taking a breather."),
            extend=(["alex"], "{me} needs a little more time."),
            back=(["alex"], "{me} is back and ready to talk."),
        ),
    )
    session_bus.start_bus()
    session_bus.start_server("body actions")
    daemon.start()
    assert cli("start", "cool-down").returncode == 0
    shown = SessionBus.id_of(session_bus.wait_notify(1, timeout=10), 0)

    session_bus.busctl("emit", OBJECT, BUS_NAME, "ActionInvoked", "us", str(shown), "breather-back")
    session_bus.press(shown, "breather-extend-10m")  # the server's own signal, sent after it
    server.take_event("/alex", "extend", timeout=6)
    assert cli.status()["active"] is True, "a signal from a program other than the notification server ended the break"
    assert [r.event for r in server.drain()] == ["extend"]


def test_doctor_reports_the_notification_server_and_its_buttons(xdg, server, cli, session_bus):
    """`breather doctor` asks the server itself: missing, present without buttons, with them."""
    desktop_config(xdg, server, plan_toml(duration="30m"))
    session_bus.start_bus()
    xdg.env["DBUS_SESSION_BUS_ADDRESS"] = session_bus.address

    def notifications_line() -> str:
        doctor = cli("doctor")
        lines = [line for line in doctor.stdout.splitlines() if "notifications:" in line]
        assert len(lines) == 1, doctor
        return lines[0]

    missing = notifications_line()
    assert missing.startswith("!!  notifications: no notification server is running"), missing

    session_bus.start_server(capabilities="body actions")
    with_buttons = notifications_line()
    assert with_buttons.startswith("ok  notifications:") and "I'm back" in with_buttons, with_buttons
