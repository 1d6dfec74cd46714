"""One break at a time; `extend` moves the check-in and the reminders with it."""

from __future__ import annotations

from breather_harness import (
    assert_one_sentence,
    history_records,
    local_hhmm,
    parse_ts,
    plan_toml,
    wait_wall_clock_past,
    webhook,
    write_config,
    write_plan,
)

MS = 0.0011


def test_second_start_is_refused_and_extend_moves_the_checkin(xdg, server, cli, daemon):
    write_config(xdg, {"alex": webhook(server, "/alex")})
    write_plan(
        xdg,
        "cool-down",
        plan_toml(
            "30s",
            code_word="Pineapple",
            announce=(["alex"], "{me} is taking a breather until {checkin_time}."),
            reminders=[
                ("-10s", ["alex"], "{minutes_left} minutes left."),
                ("0s", ["alex"], "Time to check in with {partner}."),
            ],
            extend=(["alex"], "{me} needs a little more time. New check-in: {checkin_time}."),
            back=(["alex"], "{me} is back."),
        ),
    )
    write_plan(xdg, "walk", plan_toml("10m", announce=(["alex"], "{me} is going for a walk.")))
    daemon.start()

    started = cli("start", "PINEAPPLE")  # the code word, in another case
    assert started.returncode == 0, str(started)
    announce = server.take_event("/alex", "announce", timeout=10).json
    assert announce["plan"] == "cool-down", announce

    for args in (("start", "walk"), ("start", "cool-down")):
        refused = cli(*args)
        assert refused.returncode != 0, str(refused)
        assert "cool-down" in refused.stderr, f"the refusal does not name the running plan:\n{refused}"
        assert_one_sentence(refused.stderr, refused)

    before = cli.status()
    brk = before["break"]
    assert brk["plan"] == "cool-down" and brk["id"] == announce["break_id"], before
    checkin = parse_ts(brk["checkin_at"])
    due_before = {p["offset_seconds"]: parse_ts(p["due_at"]) for p in brk["pending"]}
    assert set(due_before) == {-10, 0}, before

    extended = cli("extend", "5s")
    assert extended.returncode == 0, str(extended)
    ext = server.take_event("/alex", "extend", timeout=10)
    body = ext.json
    assert "offset_seconds" not in body, body
    assert body["break_id"] == announce["break_id"], body
    assert ext.headers.get("idempotency-key") == body["delivery_id"], ext.header_list
    new_checkin = parse_ts(body["checkin_at"])
    assert abs(new_checkin - (checkin + 5)) <= MS, f"extend 5s did not move the check-in by 5 s: {body}"
    assert body["message"] == f"Sam needs a little more time. New check-in: {local_hhmm(new_checkin, xdg.tz)}.", body

    after = cli.status()
    brk = after["break"]
    assert abs(parse_ts(brk["checkin_at"]) - (checkin + 5)) <= MS, after
    assert brk["extensions"] == 1, after
    due_after = {p["offset_seconds"]: parse_ts(p["due_at"]) for p in brk["pending"]}
    assert set(due_after) == {-10, 0}, after
    for offset, due in due_before.items():
        assert abs(due_after[offset] - (due + 5)) <= MS, f"the {offset:+d} s reminder did not move with the check-in: {after}"

    # Still one break: another start is refused after the extend too.
    assert cli("start", "walk").returncode != 0
    assert cli("back").returncode == 0
    server.take_event("/alex", "back", timeout=10)
    cli.wait_settled()
    records = history_records(cli("history", "--json").json())
    assert len(records) == 1 and records[0]["extensions"] == 1 and records[0]["outcome"] == "back", records
    assert [(r.event, r.offset) for r in server.drain()] == [("announce", None), ("extend", None), ("back", None)]


def test_back_or_extend_without_a_break_fails_with_a_sentence(xdg, server, cli, daemon):
    write_config(xdg, {"alex": webhook(server, "/alex")})
    write_plan(xdg, "cool-down", plan_toml("30s", announce=(["alex"], "{me} is taking a breather.")))
    daemon.start()
    for args in (("back",), ("extend", "5m"), ("cancel",)):
        result = cli(*args)
        assert result.returncode != 0, str(result)
        assert_one_sentence(result.stderr, result)
    assert server.drain() == []


def test_cancel_ends_the_break_without_back(xdg, server, cli, daemon):
    write_config(xdg, {"alex": webhook(server, "/alex")})
    write_plan(
        xdg,
        "cool-down",
        plan_toml(
            "30s",
            announce=(["alex"], "{me} is taking a breather."),
            reminders=[("-10s", ["alex"], "soon")],
            back=(["alex"], "{me} is back."),
        ),
    )
    daemon.start()
    assert cli("start", "cool-down").returncode == 0
    server.take_event("/alex", "announce", timeout=10)
    assert cli("cancel").returncode == 0
    cli.wait_settled()
    assert [r.event for r in server.drain()] == ["announce"]
    records = history_records(cli("history", "--json").json())
    assert len(records) == 1 and records[0]["outcome"] == "cancelled", records


def test_bare_start_uses_default_plan_and_back_drops_the_rest(xdg, server, cli, daemon):
    write_config(xdg, {"alex": webhook(server, "/alex")}, default_plan="cool-down")
    write_plan(
        xdg,
        "cool-down",
        plan_toml(
            "10m",
            announce=(["alex"], "{me} is taking a breather for {duration}."),
            reminders=[("0s", ["alex"], "Time."), ("+1s", ["alex"], "{me} is still calming down.")],
            back=(["alex"], "{me} is back."),
        ),
    )
    daemon.start()
    started = cli("start", "--for", "2s")  # bare: the default plan, with its duration overridden
    assert started.returncode == 0, str(started)
    announce = server.take_event("/alex", "announce", timeout=10).json
    assert announce["plan"] == "cool-down", announce
    checkin = parse_ts(announce["checkin_at"])
    assert abs(checkin - parse_ts(announce["due_at"]) - 2) <= 0.01, f"--for 2s was not the duration: {announce}"
    assert cli("back").returncode == 0
    server.take_event("/alex", "back", timeout=10)
    status = cli.wait_settled()
    assert status["active"] is False
    # The dropped reminders' times pass: here waiting for time is the scenario itself.
    wait_wall_clock_past(checkin + 1.5, timeout=10, what="the dropped reminders' due times to pass")
    status = cli.wait_settled()
    assert [r.event for r in server.drain()] == ["announce", "back"], "a reminder was sent after `back`"
