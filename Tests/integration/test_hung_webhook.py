"""A webhook that hangs must not hold up another channel, nor the daemon."""

from __future__ import annotations

from breather_harness import parse_ts, plan_toml, webhook, write_config, write_plan


def test_hung_webhook_does_not_delay_a_healthy_one(xdg, server, cli, daemon):
    write_config(
        xdg,
        {
            "slow": webhook(server, "/slow", timeout="30s"),
            "alex": webhook(server, "/alex"),
        },
    )
    write_plan(
        xdg,
        "cool-down",
        plan_toml(
            "4s",
            # slow first: a daemon that delivers one after another would stall alex behind it
            announce=(["slow", "alex"], "{me} is taking a breather."),
            reminders=[
                ("-2s", ["alex"], "{minutes_left} minutes left."),
                ("0s", ["alex"], "Time to check in with {partner}."),
            ],
            back=(["alex"], "{me} is back."),
        ),
    )
    server.hang("/slow")
    daemon.start()

    started = cli("start", "cool-down", timeout=10)
    assert started.returncode == 0, str(started)

    hung = server.take_event("/slow", "announce", timeout=10)
    announce = server.take_event("/alex", "announce", timeout=10)
    assert announce.json["break_id"] == hung.json["break_id"]
    assert announce.json["delivery_id"] != hung.json["delivery_id"], "one delivery id for two channels"

    status = cli("status", "--json", timeout=10).json()
    assert status["active"] is True, status
    assert not hung.responded.is_set(), "the slow channel was answered early: the test server did not hang"

    for offset in (-2, 0):
        reminder = server.take_event("/alex", "reminder", timeout=15, offset=offset)
        assert reminder.wall >= parse_ts(reminder.json["due_at"]) - 0.05, reminder.summary()
        assert not hung.responded.is_set(), (
            f"the {offset:+d} s reminder to alex came only after the slow channel was answered"
        )

    assert cli("back", timeout=10).returncode == 0
    server.take_event("/alex", "back", timeout=10)
    assert not hung.responded.is_set()
    assert daemon.running
    server.release("/slow")
