"""A failed delivery is not counted as delivered: it is tried again with the same key."""

from __future__ import annotations

import collections

from breather_harness import Reply, plan_toml, webhook, write_config, write_plan


def test_http_500_is_retried_with_the_same_idempotency_key(xdg, server, cli, daemon):
    write_config(xdg, {"alex": webhook(server, "/alex")})
    write_plan(
        xdg,
        "cool-down",
        plan_toml("60s", announce=(["alex"], "{me} is taking a breather."), back=(["alex"], "{me} is back.")),
    )
    server.script("/alex", Reply(status=500, body=b"boom\n"))
    daemon.start()

    started = cli("start", "cool-down")
    assert started.returncode == 0, f"start must succeed once the break is saved, even if a message fails:\n{started}"

    first = server.take_event("/alex", "announce", timeout=10)
    second = server.take_event("/alex", "announce", timeout=30)
    assert second.json["delivery_id"] == first.json["delivery_id"], "a retry got a new delivery id"
    assert second.headers.get("idempotency-key") == first.headers.get("idempotency-key") == first.json["delivery_id"]
    assert second.json["due_at"] == first.json["due_at"], "a retry moved the due time"
    assert second.json["late_seconds"] > first.json["late_seconds"], "late_seconds is not measured per attempt"

    assert cli("back").returncode == 0
    server.take_event("/alex", "back", timeout=10)
    cli.wait_settled(timeout=20)
    counts = collections.Counter(r.event for r in server.drain())
    assert counts == {"announce": 2, "back": 1}, "the announce was sent again after it succeeded"
