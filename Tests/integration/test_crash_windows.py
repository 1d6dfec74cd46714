"""Crash windows between a save and what follows it, made exact with the test-hooks build
(`BREATHER_TEST_KILL_AFTER_SAVE=TEXT` kills breatherd with SIGKILL right after the save of a
change that logs TEXT, before its records are written or its new deliveries sent); `{late}` rendered
for each attempt; a burst of clients on the control socket."""

from __future__ import annotations

import errno
import json
import os
import re
import socket
import subprocess
from pathlib import Path

import pytest

from breather_harness import (
    Daemon,
    Reply,
    history_records,
    parse_ts,
    plan_toml,
    wait_until,
    wait_wall_clock_past,
    webhook,
    write_config,
    write_plan,
)


def wait_killed(daemon: Daemon, timeout: float = 15.0) -> None:
    assert daemon.proc is not None
    wait_until(lambda: daemon.proc.poll() is not None, timeout, "the test hook to kill breatherd")
    assert daemon.proc.returncode == -9, f"breatherd ended with {daemon.proc.returncode}, not by the hook's SIGKILL"


@pytest.mark.budget(180)
def test_back_killed_right_after_its_save_still_reaches_the_history(xdg, server, cli, daemon, hooks_daemon):
    write_config(xdg, {"alex": webhook(server, "/alex")})
    write_plan(xdg, "calm", plan_toml("10m", announce=(["alex"], "Taking a breather."), back=(["alex"], "{me} is back.")))
    hooks_daemon.extra_env["BREATHER_TEST_KILL_AFTER_SAVE"] = "Checked back in"
    hooks_daemon.start()
    cli.ok("start", "calm")
    break_id = server.take_event("/alex", "announce", timeout=10).json["break_id"]

    interrupted = cli("back")
    wait_killed(hooks_daemon)
    assert interrupted.returncode != 0, str(interrupted)
    assert "breather status" in interrupted.stderr, f"an interrupted command should point to `breather status`:\n{interrupted}"
    assert "killed right after the save" in hooks_daemon.log_text()

    # Nothing was written after the save: history.jsonl does not have it yet, and no `back` was
    # sent; `breather history`, which works without the daemon, shows it from state.json.
    history_file = xdg.state_dir / "history.jsonl"
    assert not history_file.exists() or break_id not in history_file.read_text(), "the history was written before the kill"
    held = history_records(cli.ok("history", "--json").json())
    assert [r["outcome"] for r in held if r["break_id"] == break_id] == ["back"], held

    daemon.start()
    records = history_records(cli.ok("history", "--json").json())
    ours = [r for r in records if r["break_id"] == break_id]
    assert len(ours) == 1, f"the kept promise is missing from (or doubled in) the history: {records}"
    assert ours[0]["outcome"] == "back"
    assert cli.status()["active"] is False
    back = server.take_event("/alex", "back", timeout=10)
    assert back.json["break_id"] == break_id
    wait_until(lambda: "Checked back in" in daemon.log_text(), 10, "the journal line of the check-in after the restart")
    assert re.search(r"Checked back in.*\(recorded after a restart\)", daemon.log_text())

    # Once written, the records are not written again by a further restart.
    cli.wait_settled()
    wait_until(lambda: b'"unwritten"' not in (xdg.state_dir / "state.json").read_bytes(), 10, "the written records to leave state.json")
    daemon.stop()
    daemon.start()
    assert "Checked back in" not in daemon.log_text()
    assert len([r for r in history_records(cli.ok("history", "--json").json()) if r["break_id"] == break_id]) == 1


@pytest.mark.budget(180)
def test_a_drop_killed_right_after_its_save_is_still_logged(xdg, server, cli, daemon, hooks_daemon):
    write_config(xdg, {"alex": webhook(server, "/alex")})
    # Long enough that start, status and stop are done well before the reminder is queued
    # (2 s ahead of its time), also on a slow machine.
    write_plan(xdg, "short", plan_toml("15s", reminders=[("-3s", ["alex"], "{minutes_left} minute left.")]))
    daemon.start()
    started = cli.ok("start", "short")
    checkin = parse_ts(cli.status()["break"]["checkin_at"])
    daemon.stop()  # down across the reminder's time and the check-in
    wait_wall_clock_past(checkin + 0.2, 30, "the check-in to pass while breatherd is down")

    drop = "since it would now mislead"
    hooks_daemon.extra_env["BREATHER_TEST_KILL_AFTER_SAVE"] = drop
    with pytest.raises(AssertionError):
        hooks_daemon.start(timeout=15)  # the drop is decided at start, before READY
    wait_killed(hooks_daemon)
    assert "killed right after the save" in hooks_daemon.log_text(), hooks_daemon.log_text()
    assert f"dropped, {drop}" not in hooks_daemon.log_text().split("killed right after the save")[0]

    daemon.start()
    wait_until(lambda: drop in daemon.log_text(), 10, "the drop to be logged after the restart")
    assert re.search(r"dropped, since it would now mislead\..*\(recorded after a restart\)", daemon.log_text()), daemon.log_text()
    assert not [r for r in server.drain() if r.event == "reminder"], "a before-reminder went out after its check-in"
    assert started.returncode == 0


@pytest.mark.budget(60)
def test_a_retried_reminder_says_how_late_this_attempt_is(xdg, server, cli, daemon):
    write_config(xdg, {"alex": webhook(server, "/alex")})
    write_plan(xdg, "late", plan_toml("1s", reminders=[("0s", ["alex"], "Check-in ({late}); {minutes_left} left.")]))
    server.script("/alex", Reply(status=503, headers={"Retry-After": "3"}, body=b"busy\n"))
    daemon.start()
    cli.ok("start", "late")
    first = server.take_event("/alex", "reminder", timeout=10)
    second = server.take_event("/alex", "reminder", timeout=15)
    # The first attempt goes out at its due instant; a loaded machine may make it a second late.
    assert re.fullmatch(r"Check-in \((on time|1 second late)\); 0 left\.", first.json["message"]), first.json["message"]
    assert second.json["delivery_id"] == first.json["delivery_id"]
    assert re.fullmatch(r"Check-in \([2-9] seconds late\); 0 left\.", second.json["message"]), second.json["message"]
    assert second.json["late_seconds"] >= 2.5


@pytest.mark.budget(60)
def test_late_in_back_is_how_late_the_check_in_was(xdg, server, cli, daemon):
    write_config(xdg, {"alex": webhook(server, "/alex")})
    write_plan(xdg, "quick", plan_toml("1s", back=(["alex"], "{me} is back ({late}).")))
    daemon.start()
    cli.ok("start", "quick")
    checkin = parse_ts(cli.status()["break"]["checkin_at"])
    wait_wall_clock_past(checkin + 2.2, 10, "two seconds past the check-in")
    cli.ok("back")
    back = server.take_event("/alex", "back", timeout=10)
    assert re.fullmatch(r"Sam is back \([2-9] seconds late\)\.", back.json["message"]), back.json["message"]


@pytest.mark.budget(60)
def test_a_burst_of_200_connections_is_accepted(xdg, server, cli, daemon):
    write_config(xdg, {"alex": webhook(server, "/alex")})
    daemon.start()
    clients: list[socket.socket] = []
    refused = 0
    try:
        for _ in range(200):
            client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            client.setblocking(False)
            try:
                client.connect(str(xdg.socket_path))
            except BlockingIOError:
                refused += 1
            except OSError as error:
                if error.errno in (errno.EAGAIN, errno.ECONNREFUSED):
                    refused += 1
                else:
                    raise
            clients.append(client)
        assert refused == 0, f"{refused} of 200 connections were refused by a full listen queue"
        for client in clients:
            client.setblocking(True)
            client.settimeout(15)
            client.sendall(json.dumps({"v": 1, "op": "ping"}).encode() + b"\n")
        for client in clients:
            answer = b""
            while not answer.endswith(b"\n"):
                chunk = client.recv(65536)
                assert chunk, "breatherd closed a connection of the burst without answering"
                answer += chunk
            assert json.loads(answer)["ok"] is True, answer
    finally:
        for client in clients:
            client.close()
