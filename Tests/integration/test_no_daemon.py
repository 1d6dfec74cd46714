"""Without a daemon: the commands that need it say how to start it; the ones that read files
work on their own."""

from __future__ import annotations

from breather_harness import assert_one_sentence, history_records, plan_toml, webhook, write_config, write_plan


def test_status_without_daemon_says_how_to_start_it(xdg, server, cli):
    write_config(xdg, {"alex": webhook(server, "/alex")})
    write_plan(xdg, "cool-down", plan_toml("30s", announce=(["alex"], "{me} is taking a breather.")))
    for args in (("status",), ("status", "--json"), ("start", "cool-down"), ("back",)):
        result = cli(*args)
        assert result.returncode != 0, str(result)
        assert "breatherd" in result.stderr, f"stderr does not say how to start breatherd:\n{result}"
        assert_one_sentence(result.stderr, result)
    assert server.drain() == [], "something was sent without a daemon"


def test_file_commands_work_without_daemon(xdg, server, cli):
    write_config(xdg, {"alex": webhook(server, "/alex")})
    write_plan(xdg, "cool-down", plan_toml("30s", announce=(["alex"], "{me} is taking a breather.")))
    assert cli("check").returncode == 0
    plans = cli("plans", "--json").json()
    assert "cool-down" in str(plans), plans
    assert history_records(cli("history", "--json").json()) == []
