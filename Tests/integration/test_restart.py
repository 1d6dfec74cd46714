"""Deadlines survive the daemon: kill -9, a clean stop across a due time, a dropped
before-reminder."""

from __future__ import annotations

import collections
import re
import time

from breather_harness import parse_ts, plan_toml, wait_wall_clock_past, webhook, write_config, write_plan

MS = 0.0011


def setup_plan(xdg, server, duration, reminders, name="cool-down"):
    write_config(xdg, {"alex": webhook(server, "/alex")})
    write_plan(
        xdg,
        name,
        plan_toml(
            duration,
            announce=(["alex"], "{me} is taking a breather; back at {checkin_time}."),
            reminders=reminders,
            back=(["alex"], "{me} is back."),
        ),
    )


def settle_before_kill(request, cli):
    """The receiver has answered; one control round trip gives the daemon a moment to record
    that before it is killed (SPEC allows a resend only if it dies in between)."""
    assert request.responded.wait(5), "the test server never answered"
    cli.status()


def test_kill9_mid_break_sends_each_remaining_reminder_once(xdg, server, cli, daemon):
    setup_plan(
        xdg,
        server,
        "8s",
        [
            ("-4s", ["alex"], "{minutes_left} minutes left."),
            ("0s", ["alex"], "Time to check in with {partner}."),
            ("+2s", ["alex"], "{me} is still calming down."),
        ],
    )
    daemon.start()
    assert cli("start", "cool-down").returncode == 0
    announce = server.take_event("/alex", "announce", timeout=10)
    break_id = announce.json["break_id"]
    settle_before_kill(announce, cli)

    daemon.kill9()
    daemon.start()
    assert cli.status()["break"]["id"] == break_id, "the break did not survive kill -9"

    first = server.take_event("/alex", "reminder", timeout=15, offset=-4)
    settle_before_kill(first, cli)
    daemon.kill9()  # a second time, with one reminder already out
    daemon.start()

    server.take_event("/alex", "reminder", timeout=15, offset=0)
    server.take_event("/alex", "reminder", timeout=15, offset=2)
    assert cli("back").returncode == 0
    server.take_event("/alex", "back", timeout=10)
    cli.wait_settled()

    requests = server.drain()
    per_id = collections.Counter(r.json["delivery_id"] for r in requests)
    assert all(n == 1 for n in per_id.values()), f"a delivery was sent twice: {[r.summary() for r in requests]}"
    per_kind = collections.Counter((r.event, r.offset) for r in requests)
    assert per_kind == {
        ("announce", None): 1,
        ("reminder", -4): 1,
        ("reminder", 0): 1,
        ("reminder", 2): 1,
        ("back", None): 1,
    }, [r.summary() for r in requests]
    assert {r.json["break_id"] for r in requests} == {break_id}
    for r in requests:
        assert r.headers.get("idempotency-key") == r.json["delivery_id"], r.summary()


def test_reminder_due_while_down_arrives_late(xdg, server, cli, daemon):
    setup_plan(
        xdg,
        server,
        "3s",
        [
            ("0s", ["alex"], "Time to check in with {partner} (late: {late})."),
            ("+4s", ["alex"], "{me} is still calming down."),
        ],
    )
    daemon.start()
    assert cli("start", "cool-down").returncode == 0
    server.take_event("/alex", "announce", timeout=10)
    status = cli.status()
    checkin = parse_ts(status["break"]["checkin_at"])
    assert time.time() < checkin, "the test was too slow to stop the daemon before the check-in"

    code = daemon.stop()
    assert code == 0, f"breatherd exited {code} on SIGTERM"
    assert daemon.has_notification("STOPPING=1"), f"no STOPPING=1 on SIGTERM: {daemon.notifications}"
    assert server.drain()[-1].event == "announce", "a reminder went out before it was due"

    # Down across the check-in: let the wall clock pass the due time by a margin.
    wait_wall_clock_past(checkin + 1.5, timeout=15, what="the check-in to pass while the daemon is down")
    restarted_at = time.time()
    daemon.start()

    req = server.take_event("/alex", "reminder", timeout=10, offset=0)
    body = req.json
    due = parse_ts(body["due_at"])
    assert abs(due - checkin) <= MS, body
    overdue = restarted_at - due
    assert body["late_seconds"] >= overdue - 0.01, f"late_seconds {body['late_seconds']} < overdue {overdue:.3f} s: {body}"
    assert abs(body["late_seconds"] - (parse_ts(body["sent_at"]) - due)) <= 2 * MS, body
    m = re.fullmatch(r"Time to check in with Alex \(late: (.*)\)\.", body["message"])
    assert m and m.group(1).strip(), f"{{late}} was not rendered for a late reminder: {body['message']!r}"

    # The +4 s one was not overdue: it comes at its time.
    later = server.take_event("/alex", "reminder", timeout=15, offset=4)
    assert later.wall >= parse_ts(later.json["due_at"]) - 0.05, later.summary()
    assert cli("back").returncode == 0
    server.take_event("/alex", "back", timeout=10)
    cli.wait_settled()
    assert collections.Counter((r.event, r.offset) for r in server.drain()) == {
        ("announce", None): 1,
        ("reminder", 0): 1,
        ("reminder", 4): 1,
        ("back", None): 1,
    }


def test_before_reminder_past_its_checkin_is_dropped(xdg, server, cli, daemon):
    setup_plan(
        xdg,
        server,
        "5s",
        [
            ("-2s", ["alex"], "{minutes_left} minutes until you check in."),
            ("+1s", ["alex"], "{me} is still calming down ({late})."),
        ],
    )
    daemon.start()
    assert cli("start", "cool-down").returncode == 0
    server.take_event("/alex", "announce", timeout=10)
    status = cli.status()
    checkin = parse_ts(status["break"]["checkin_at"])
    assert time.time() < checkin - 2, "the test was too slow to stop the daemon before the -2 s reminder"
    assert daemon.stop() == 0

    # Down past the check-in and past the +1 s reminder's time.
    wait_wall_clock_past(checkin + 2, timeout=15, what="the check-in and the +1 s reminder to pass")
    restarted_at = time.time()
    daemon.start()

    late = server.take_event("/alex", "reminder", timeout=10, offset=1)
    body = late.json
    assert body["late_seconds"] >= restarted_at - parse_ts(body["due_at"]) - 0.01, body
    assert cli("back").returncode == 0
    server.take_event("/alex", "back", timeout=10)
    cli.wait_settled()

    kinds = [(r.event, r.offset) for r in server.drain()]
    assert ("reminder", -2) not in kinds, f"a before-reminder was sent after its check-in had passed: {kinds}"
    assert kinds == [("announce", None), ("reminder", 1), ("back", None)], kinds
    assert "drop" in daemon.log_text().lower(), "the drop of the -2 s reminder was not logged (no journal here: stderr)"


def test_kill9_just_before_a_reminder_is_due(xdg, server, cli, daemon):
    """A kill in the last second before a reminder's time (when it may already be queued in
    memory) neither loses it nor sends it twice."""
    setup_plan(
        xdg,
        server,
        "4s",
        [("0s", ["alex"], "Time to check in with {partner}."), ("+2s", ["alex"], "{me} is still calming down.")],
    )
    daemon.start()
    assert cli("start", "cool-down").returncode == 0
    announce = server.take_event("/alex", "announce", timeout=10)
    settle_before_kill(announce, cli)
    checkin = parse_ts(announce.json["checkin_at"])
    # Here the passing of time is the scenario: kill one second before the reminder is due.
    wait_wall_clock_past(checkin - 1.0, timeout=10, what="one second before the check-in")
    assert time.time() < checkin - 0.5, "the test was too slow to kill before the reminder was due"
    daemon.kill9()
    daemon.start()

    on_time = server.take_event("/alex", "reminder", timeout=15, offset=0)
    assert on_time.wall >= checkin - 0.05, on_time.summary()
    server.take_event("/alex", "reminder", timeout=15, offset=2)
    assert cli("back").returncode == 0
    server.take_event("/alex", "back", timeout=10)
    cli.wait_settled()
    requests = server.drain()
    per_kind = collections.Counter((r.event, r.offset) for r in requests)
    assert per_kind == {("announce", None): 1, ("reminder", 0): 1, ("reminder", 2): 1, ("back", None): 1}, [
        r.summary() for r in requests
    ]
