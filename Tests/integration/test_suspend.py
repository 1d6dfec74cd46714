"""Suspend and resume: breatherd listens for logind's PrepareForSleep on the system bus.

A real dbus-daemon plays the system bus (on a socket in the test's folder) and
python3-dbusmock's logind template plays logind; the signal is emitted through the mock,
exactly as logind would send it around a suspend.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from breather_harness import plan_toml, session_bus_config, wait_until, webhook, write_config, write_plan
from servers.ntfy_standin import NtfyStandIn

PYTHON = "/usr/bin/python3"


class SystemBus:
    """A dbus-daemon standing in for the system bus, with dbusmock's logind on it."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.socket = folder / "system_bus"
        self.address = f"unix:path={self.socket}"
        self.processes: list[subprocess.Popen] = []

    def start(self) -> "SystemBus":
        self.processes.append(subprocess.Popen(
            ["dbus-daemon", f"--config-file={session_bus_config(self.folder)}", "--nofork", f"--address={self.address}"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        ))
        wait_until(self.socket.exists, 10, "the test system bus to listen")
        env = dict(os.environ, DBUS_SYSTEM_BUS_ADDRESS=self.address)
        self.processes.append(subprocess.Popen(
            [PYTHON, "-m", "dbusmock", "--system", "--template", "logind"],
            env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        ))
        wait_until(lambda: "org.freedesktop.login1" in self.busctl("list").stdout, 15, "the logind mock to own its name")
        return self

    def busctl(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(["busctl", f"--address={self.address}", *args], capture_output=True, text=True, timeout=10)

    def prepare_for_sleep(self, going: bool) -> None:
        result = self.busctl(
            "call", "org.freedesktop.login1", "/org/freedesktop/login1", "org.freedesktop.DBus.Mock",
            "EmitSignal", "sssav", "org.freedesktop.login1.Manager", "PrepareForSleep", "b", "1", "b",
            "true" if going else "false",
        )
        assert result.returncode == 0, f"busctl could not emit PrepareForSleep: {result.stderr}"

    def inhibitors(self) -> str:
        """logind's list of inhibitor locks, as busctl prints it."""
        result = self.busctl("call", "org.freedesktop.login1", "/org/freedesktop/login1",
                             "org.freedesktop.login1.Manager", "ListInhibitors")
        assert result.returncode == 0, f"busctl could not list the inhibitors: {result.stderr}"
        return result.stdout

    def holds_breathers_delay_lock(self) -> bool:
        listing = self.inhibitors()
        return '"sleep" "Breather"' in listing and '"delay"' in listing

    def stop(self) -> None:
        for process in reversed(self.processes):
            if process.poll() is None:
                process.send_signal(signal.SIGKILL)
                process.wait(timeout=10)


@pytest.fixture
def system_bus(tmp_path: Path):
    bus = SystemBus(tmp_path).start()
    yield bus
    bus.stop()


def test_resume_is_noticed_and_the_break_goes_on(xdg, server, daemon, cli, system_bus):
    write_config(xdg, channels={"alex": {"type": "webhook", "url": server.url("/alex")}})
    write_plan(xdg, "walk", plan_toml(duration="30m", announce=(["alex"], "Back at {checkin_time}.")))
    daemon.extra_env["DBUS_SYSTEM_BUS_ADDRESS"] = system_bus.address
    daemon.start()
    assert cli("start", "walk").returncode == 0
    server.take_event("/alex", "announce", timeout=10)

    system_bus.prepare_for_sleep(True)
    wait_until(lambda: "going to sleep" in daemon.log_text(), 10, "breatherd to log that the machine is going to sleep")
    system_bus.prepare_for_sleep(False)
    wait_until(lambda: "woke from sleep" in daemon.log_text(), 10, "breatherd to log that the machine woke")

    status = cli("status", "--json").json()
    assert status["active"] is True and status["break"]["plan"] == "walk"


def test_without_a_system_bus_the_daemon_says_so_and_runs(xdg, daemon, cli, tmp_path):
    write_config(xdg, channels={})
    daemon.extra_env["DBUS_SYSTEM_BUS_ADDRESS"] = f"unix:path={tmp_path / 'no-such-bus'}"
    daemon.start()
    wait_until(lambda: "Not listening for suspend and resume" in daemon.log_text(), 10, "breatherd to say it cannot listen for suspend")
    assert cli("status").returncode == 0


def test_a_delay_lock_lets_a_message_on_its_way_finish_before_sleep(xdg, server, daemon, cli, system_bus):
    """breatherd holds a delay inhibitor lock; when logind announces sleep it lets go only
    once the message being sent has its answer, and takes the lock again after waking."""
    write_config(xdg, channels={"alex": webhook(server, "/alex")})
    write_plan(xdg, "walk", plan_toml(duration="30m", announce=(["alex"], "Back at {checkin_time}."),
                                      back=(["alex"], "{me} is back.")))
    daemon.extra_env["DBUS_SYSTEM_BUS_ADDRESS"] = system_bus.address
    daemon.start()
    wait_until(system_bus.holds_breathers_delay_lock, 10, "breatherd to take a delay inhibitor lock")

    server.hang("/alex")
    assert cli("start", "walk").returncode == 0
    server.take(lambda r: r.path == "/alex", 10, "the announce to reach the receiver (and hang there)")
    system_bus.prepare_for_sleep(True)
    wait_until(lambda: "still on the way" in daemon.log_text(), 10, "breatherd to say a message is still on its way")
    assert system_bus.holds_breathers_delay_lock(), "the lock was let go with a message still on its way"

    server.release("/alex")
    wait_until(lambda: not system_bus.holds_breathers_delay_lock(), 10, "the delay lock to be released once the announce is answered")
    assert "the machine may sleep" in daemon.log_text()

    system_bus.prepare_for_sleep(False)
    wait_until(system_bus.holds_breathers_delay_lock, 10, "breatherd to take the delay lock again after waking")
    # Time passing is the scenario here: the last sleep's 4 s cap must not close the lock
    # taken after waking, so the next sleep is still held up for what is on its way.
    time.sleep(4.5)
    assert system_bus.holds_breathers_delay_lock(), "the lock taken after waking was let go by the last sleep's deadline"

    # A second sleep is held up just like the first.
    server.hang("/alex")
    assert cli("back").returncode == 0
    server.take(lambda r: r.path == "/alex" and r.event == "back", 10, "the back message to reach the receiver (and hang)")
    system_bus.prepare_for_sleep(True)
    wait_until(lambda: daemon.log_text().count("still on the way") >= 2, 10, "breatherd to say the back message is still on its way")
    assert system_bus.holds_breathers_delay_lock(), "the second sleep was not held up for a message on its way"
    server.release("/alex")
    wait_until(lambda: not system_bus.holds_breathers_delay_lock(), 10, "the delay lock to be released again")


def test_with_nothing_on_its_way_sleep_is_not_held_up(xdg, daemon, cli, system_bus):
    write_config(xdg, channels={})
    daemon.extra_env["DBUS_SYSTEM_BUS_ADDRESS"] = system_bus.address
    daemon.start()
    wait_until(system_bus.holds_breathers_delay_lock, 10, "breatherd to take a delay inhibitor lock")
    system_bus.prepare_for_sleep(True)
    wait_until(lambda: not system_bus.holds_breathers_delay_lock(), 10, "the delay lock to be released at once")
    assert cli("status").returncode == 0


def test_sleep_waits_for_a_hand_off_to_the_partners_server(xdg, daemon, cli, system_bus):
    """A hand-off (`hold_on_server`) on its way when logind announces sleep holds the sleep
    up until the server has answered: then the server holds the message while the machine
    sleeps."""
    with NtfyStandIn(tick=1.0) as ntfy:
        channel = {"type": "webhook", "preset": "ntfy", "url": ntfy.topic_url("sam-and-alex"),
                   "hold_on_server": True, "timeout": "20s"}
        write_config(xdg, channels={"alex": channel})
        write_plan(xdg, "walk", plan_toml(duration="30m", reminders=[("+10m", ["alex"], "Still calming down.")]))
        daemon.extra_env["DBUS_SYSTEM_BUS_ADDRESS"] = system_bus.address
        daemon.start()
        wait_until(system_bus.holds_breathers_delay_lock, 10, "breatherd to take a delay inhibitor lock")

        ntfy.hold_answers(lambda record: record.method == "PUT")
        assert cli("start", "walk").returncode == 0
        wait_until(lambda: ntfy.held_answers >= 1, 10, "the hand-off to reach the server (its answer held back)")
        system_bus.prepare_for_sleep(True)
        wait_until(lambda: "still on the way" in daemon.log_text(), 10, "breatherd to say the hand-off is on its way")
        assert system_bus.holds_breathers_delay_lock(), "the lock was let go with a hand-off on its way"

        ntfy.release_answers()
        wait_until(lambda: not system_bus.holds_breathers_delay_lock(), 10,
                   "the delay lock to be released once the server took the hand-off")
        held = [p for p in (cli.status().get("break") or {}).get("pending", []) if p.get("held_by") == ["alex"]]
        assert len(held) == 1, cli.status()
        assert [m["message"] for m in ntfy.scheduled("sam-and-alex")] == ["Still calming down."]
