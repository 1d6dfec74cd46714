"""Bad plans next to a good one: `check` names file and line, `plans` tells which are valid,
and the daemon still runs the good one."""

from __future__ import annotations

import re

from breather_harness import assert_one_sentence, plan_toml, webhook, write_config, write_plan

BAD_PLANS = {
    # name: (text, line of the problem, a word the message should mention)
    "unknown-key": ('description = "Has a typo"\nduration = "5m"\ncolour = "blue"\n', 3, "colour"),
    "bad-duration": ('description = "Bad duration"\n\nduration = "5 parsecs"\n', 3, "5 parsecs"),
    "unknown-channel": (
        'description = "Unknown channel"\nduration = "5m"\n\n[announce]\nto = ["pigeon"]\nmessage = "hi"\n',
        5,
        "pigeon",
    ),
    "unknown-var": (
        'description = "Unknown variable"\nduration = "5m"\n\n[[reminder]]\noffset = "-1m"\nto = ["alex"]\n'
        'message = "{me} feels {mood}."\n',
        7,
        "mood",
    ),
    "malformed": ('description = "Malformed"\nduration = "5m"\n[announce\nto = ["alex"]\n', 3, None),
}

PROBLEM_LINE = re.compile(r"^(?P<file>.*?\.toml):(?P<line>\d+): (?P<message>\S.*)$")


def write_all(xdg, server):
    write_config(xdg, {"alex": webhook(server, "/alex")})
    for name, (text, _, _) in BAD_PLANS.items():
        write_plan(xdg, name, text)
    write_plan(
        xdg,
        "good",
        plan_toml("30s", announce=(["alex"], "{me} is taking a breather."), back=(["alex"], "{me} is back.")),
    )


def plan_entries(data) -> dict[str, dict]:
    entries = data.get("plans") if isinstance(data, dict) else data
    assert isinstance(entries, list), f"plans --json printed neither an array nor {{\"plans\": [...]}}: {data!r}"
    by_name = {}
    for entry in entries:
        assert isinstance(entry, dict) and "name" in entry, f"a plan entry without a name: {entry!r}"
        by_name[entry["name"]] = entry
    return by_name


def is_valid(entry: dict) -> bool:
    if "valid" in entry:
        assert isinstance(entry["valid"], bool), entry
        return entry["valid"]
    for key in ("errors", "diagnostics", "problems"):
        if key in entry:
            return not entry[key]
    raise AssertionError(f"plan entry says neither `valid` nor lists errors: {entry!r}")


def test_check_names_file_and_line_of_each_problem(xdg, server, cli):
    write_all(xdg, server)
    result = cli("check")
    assert result.returncode == 1, str(result)
    problems = [m for m in map(PROBLEM_LINE.match, result.stdout.splitlines()) if m]
    found: dict[str, list[tuple[int, str]]] = {}
    for m in problems:
        stem = re.sub(r"\.toml$", "", m["file"].rsplit("/", 1)[-1])
        found.setdefault(stem, []).append((int(m["line"]), m["message"]))
    assert "good" not in found and "breather" not in found, str(result)
    for m in problems:
        assert m["file"].endswith("plans/" + m["file"].rsplit("/", 1)[-1]), f"the file is not named by its path: {m['file']}"
    for name, (_, line, word) in BAD_PLANS.items():
        assert name in found, f"no file:line: line for {name}.toml:\n{result}"
        assert len(found[name]) == 1, f"expected one problem line for {name}.toml:\n{result}"
        got_line, message = found[name][0]
        assert got_line == line, f"{name}.toml: expected line {line}, got {got_line}:\n{result}"
        if word:
            assert word in message, f"{name}.toml's message does not name {word!r}:\n{result}"
    assert set(found) == set(BAD_PLANS), str(result)


def test_plans_json_tells_valid_from_invalid(xdg, server, cli):
    write_all(xdg, server)
    entries = plan_entries(cli("plans", "--json").json())
    assert set(entries) == set(BAD_PLANS) | {"good"}, entries
    assert is_valid(entries["good"]), entries["good"]
    for name in BAD_PLANS:
        assert not is_valid(entries[name]), entries[name]


def test_daemon_runs_the_good_plan_next_to_bad_ones(xdg, server, cli, daemon):
    write_all(xdg, server)
    daemon.start()
    refused = cli("start", "unknown-var")
    assert refused.returncode != 0, str(refused)
    assert_one_sentence(refused.stderr, refused)
    assert cli("status", "--json").json()["active"] is False

    started = cli("start", "good")
    assert started.returncode == 0, str(started)
    announce = server.take_event("/alex", "announce", timeout=10)
    assert announce.json["plan"] == "good"
    assert announce.json["message"] == "Sam is taking a breather."
    assert cli("back").returncode == 0
    server.take_event("/alex", "back", timeout=10)


def test_default_plan_naming_a_missing_plan_is_a_check_error(xdg, server, cli):
    write_config(xdg, {"alex": webhook(server, "/alex")}, default_plan="nowhere")  # line 3
    write_plan(xdg, "good", plan_toml("30s", announce=(["alex"], "{me} is taking a breather.")))
    result = cli("check")
    assert result.returncode == 1, str(result)
    lines = [m for m in map(PROBLEM_LINE.match, result.stdout.splitlines()) if m]
    assert len(lines) == 1, str(result)
    assert lines[0]["file"].endswith("breather/breather.toml") and lines[0]["line"] == "3", str(result)
    assert "nowhere" in lines[0]["message"], str(result)
    entries = plan_entries(cli("plans", "--json").json())
    assert is_valid(entries["good"]), entries


def test_check_passes_a_good_configuration(xdg, server, cli):
    write_config(xdg, {"alex": webhook(server, "/alex")}, default_plan="good")
    write_plan(xdg, "good", plan_toml("30s", announce=(["alex"], "{me} is taking a breather.")))
    result = cli("check")
    assert result.returncode == 0, str(result)
    assert not any(PROBLEM_LINE.match(line) for line in result.stdout.splitlines()), str(result)
