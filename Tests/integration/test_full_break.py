"""A whole break through the real daemon and CLI, every message checked on the wire."""

from __future__ import annotations

import re
import time

from breather_harness import (
    history_records,
    local_hhmm,
    parse_ts,
    plan_toml,
    webhook,
    write_config,
    write_plan,
)

BODY_KEYS = {"event", "message", "plan", "break_id", "delivery_id", "checkin_at", "due_at", "sent_at", "late_seconds"}
MS = 0.0011  # one millisecond of rounding, and a hair


def check_wire(request, *, path: str, plan: str, event: str) -> dict:
    """The parts of the `json` preset every message shares; returns the parsed body."""
    assert request.method == "POST", request.summary()
    assert request.path == path, request.summary()
    assert request.headers.get("content-type") == "application/json", request.header_list
    assert re.fullmatch(r"breather/\S+", request.headers.get("user-agent", "")), request.header_list
    body = request.json
    assert isinstance(body, dict), body
    expected_keys = BODY_KEYS | ({"offset_seconds"} if event == "reminder" else set())
    assert set(body) == expected_keys, f"body keys differ from SPEC: {sorted(set(body) ^ expected_keys)} in {body}"
    assert body["event"] == event, body
    assert body["plan"] == plan, body
    assert isinstance(body["message"], str) and body["message"], body
    assert isinstance(body["break_id"], str) and body["break_id"], body
    assert isinstance(body["delivery_id"], str) and body["delivery_id"], body
    assert request.headers.get("idempotency-key") == body["delivery_id"], (request.header_list, body)
    checkin, due, sent = parse_ts(body["checkin_at"]), parse_ts(body["due_at"]), parse_ts(body["sent_at"])
    late = body["late_seconds"]
    assert isinstance(late, (int, float)) and not isinstance(late, bool), body
    assert late >= 0, f"late_seconds is negative: {body}"
    assert abs(late - (sent - due)) <= 2 * MS, f"late_seconds is not sent_at - due_at: {body}"
    # Sent no earlier than due, and before it arrived here (same clock, same machine).
    assert sent >= due - MS, f"sent before it was due: {body}"
    assert sent <= request.wall + 0.05, f"sent_at {body['sent_at']} is after the request arrived at {request.wall:.3f}"
    assert request.wall >= due - 0.05, f"arrived before it was due: {body}"
    body["_checkin"], body["_due"], body["_sent"] = checkin, due, sent
    return body


def test_full_break(xdg, server, cli, daemon):
    tz = "Asia/Kolkata"  # +05:30: local HH:MM must not be UTC's, nor whole-hour arithmetic
    xdg.set_tz(tz)
    write_config(xdg, {"alex": webhook(server, "/alex")}, default_plan="cool-down")
    write_plan(
        xdg,
        "cool-down",
        plan_toml(
            "6s",
            code_word="pineapple",
            announce=(["alex"], "I love you, {partner}. {me} is on {plan}, back at {checkin_time}. Note: {note}"),
            reminders=[
                ("-3s", ["alex"], "{minutes_left} minutes left for {me}."),
                ("0s", ["alex"], "Time to check in with {partner}, as you promised."),
                ("+2s", ["alex"], "{me} hasn't forgotten you and is still calming down."),
            ],
            back=(["alex"], "{me} is back and ready to talk."),
        ),
    )
    daemon.start()

    before = time.time()
    started = cli("start", "cool-down", "--note", "kitchen")
    after = time.time()
    assert started.returncode == 0, str(started)

    announce = server.take_event("/alex", "announce", timeout=10)
    a = check_wire(announce, path="/alex", plan="cool-down", event="announce")
    break_id = a["break_id"]
    assert before - MS <= a["_due"] <= after + MS, f"announce due_at is not the start: {a}"
    assert abs(a["_checkin"] - a["_due"] - 6) <= 0.01, f"check-in is not 6 s after the start: {a}"
    checkin = a["_checkin"]
    hhmm = local_hhmm(checkin, tz)
    assert a["message"] == f"I love you, Alex. Sam is on cool-down, back at {hhmm}. Note: kitchen", a

    # status while the break runs: SPEC's object, all three reminders pending.
    status = cli.status()
    assert status["active"] is True, status
    assert isinstance(status.get("retrying"), list), status
    brk = status["break"]
    assert brk["id"] == break_id, status
    assert brk["plan"] == "cool-down", status
    assert brk["partner"] == "Alex" and brk["note"] == "kitchen", status
    assert brk["extensions"] == 0, status
    assert abs(parse_ts(brk["checkin_at"]) - checkin) <= MS, status
    assert abs(parse_ts(brk["checkin_at"]) - parse_ts(brk["started_at"]) - 6) <= MS, status
    pending = brk["pending"]
    assert [p["offset_seconds"] for p in pending] == [-3, 0, 2], status
    for p in pending:
        assert p["event"] == "reminder" and p["to"] == ["alex"], p
        assert abs(parse_ts(p["due_at"]) - (checkin + p["offset_seconds"])) <= MS, p

    # Three reminders, in order, each at or after its time.
    ids = {a["delivery_id"]}
    for offset in (-3, 0, 2):
        req = server.take(lambda r: r.path == "/alex", timeout=15, what=f"the {offset:+d} s reminder")
        r = check_wire(req, path="/alex", plan="cool-down", event="reminder")
        assert r["offset_seconds"] == offset, f"reminders out of order: expected {offset:+d}, got {r}"
        assert r["break_id"] == break_id, r
        assert abs(r["_checkin"] - checkin) <= MS, r
        assert abs(r["_checkin"] - r["_due"] + offset) <= MS, f"checkin_at - due_at != {-offset} s: {r}"
        assert r["delivery_id"] not in ids, f"a delivery id was reused: {r}"
        ids.add(r["delivery_id"])
        if offset == -3:
            assert re.fullmatch(r"\d+ minutes left for Sam\.", r["message"]), r
        elif offset == 0:
            assert r["message"] == "Time to check in with Alex, as you promised.", r
        else:
            assert r["message"] == "Sam hasn't forgotten you and is still calming down.", r

    back = cli("back")
    assert back.returncode == 0, str(back)
    req = server.take(lambda r: r.path == "/alex", timeout=10, what="the back message")
    b = check_wire(req, path="/alex", plan="cool-down", event="back")
    assert b["break_id"] == break_id and b["message"] == "Sam is back and ready to talk.", b
    assert b["delivery_id"] not in ids, b

    final = cli.wait_settled()
    assert final["active"] is False and not final.get("break"), final

    # Nothing else was sent: the announce, three reminders, back.
    assert [(r.event, r.offset) for r in server.drain()] == [
        ("announce", None),
        ("reminder", -3),
        ("reminder", 0),
        ("reminder", 2),
        ("back", None),
    ]

    records = history_records(cli("history", "--json").json())
    assert len(records) == 1, records
    record = records[0]
    assert record["break_id"] == break_id and record["plan"] == "cool-down", record
    assert record["outcome"] == "back", record
    assert record["extensions"] == 0, record
    assert record.get("note") == "kitchen", record
    for key in ("started_at", "checkin_at", "ended_at"):
        parse_ts(record[key])
    # Back after the +2 s reminder: late against the promise.
    assert parse_ts(record["ended_at"]) > checkin, record
