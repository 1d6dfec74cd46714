"""Damaged files in the state folder: breatherd still starts, keeps the bad bytes for a
person to look at, says which file, and works; `breather history` skips bad lines with a
`file:line:` sentence and shows the good ones."""

from __future__ import annotations

import json
import os
import random
import re

import pytest

from breather_harness import history_records, plan_toml, wait_until, webhook, write_config, write_plan


def configure(xdg, server) -> None:
    write_config(xdg, {"alex": webhook(server, "/alex")})
    write_plan(
        xdg,
        "cool-down",
        plan_toml(
            "10m",
            announce=(["alex"], "{me} is taking a breather."),
            reminders=[("-5m", ["alex"], "{minutes_left} minutes left."), ("0s", ["alex"], "Time.")],
            back=(["alex"], "{me} is back."),
        ),
    )


def real_state(xdg, server, cli, daemon) -> bytes:
    """A state.json the daemon wrote itself: a running break, with its reminders pending."""
    daemon.start()
    assert cli("start", "cool-down").returncode == 0
    server.take_event("/alex", "announce", timeout=10)
    assert daemon.stop() == 0
    data = (xdg.state_dir / "state.json").read_bytes()
    state = json.loads(data)
    assert isinstance(state, dict) and state, f"unexpected state.json: {data[:300]!r}"
    return data


def inconsistent(real: bytes) -> bytes:
    """The real state with its running break's reminder indices pointing outside its plan."""
    state = json.loads(real)
    text = json.dumps(state)
    changed = re.sub(r'("index"\s*:\s*)(\d+)', lambda m: m.group(1) + "7", text, count=1)
    assert changed != text, f"no reminder index found in {text[:500]}"
    return changed.encode()


DAMAGE = {
    "truncated": lambda real: real[: len(real) // 2],
    "zeroed": lambda real: b"\0" * len(real),
    "garbage": lambda real: random.Random(7).randbytes(len(real)),
    "empty": lambda real: b"",
    "wrong-shape-array": lambda real: b"[1, 2, 3]\n",
    "wrong-shape-object": lambda real: b'{"hello": "world", "outbox": "none"}\n',
    "future-version": lambda real: json.dumps(dict(json.loads(real), version=99)).encode(),
    "inconsistent": inconsistent,
}


@pytest.mark.budget(60)
@pytest.mark.parametrize("kind", sorted(DAMAGE))
def test_damaged_state_file_is_moved_aside(kind, xdg, server, cli, daemon):
    configure(xdg, server)
    real = real_state(xdg, server, cli, daemon)
    state_file = xdg.state_dir / "state.json"
    bad = DAMAGE[kind](real)
    state_file.write_bytes(bad)

    daemon.start()  # READY=1 despite the damage
    aside = sorted(xdg.state_dir.glob("state.json.corrupt-*"))
    assert len(aside) == 1, f"expected one state.json.corrupt-<time>, found {os.listdir(xdg.state_dir)}"
    assert aside[0].read_bytes() == bad, "the file moved aside does not hold the original bytes"
    log = daemon.log_text()
    lines = [line for line in log.splitlines() if aside[0].name in line]
    assert lines, f"breatherd's output does not name {aside[0].name}:\n{log}"
    assert str(state_file) in lines[0], f"the line does not name the state file {state_file}: {lines[0]}"

    status = cli.status()
    assert status["active"] is False and status["retrying"] == [], status
    assert cli("start", "cool-down").returncode == 0
    announce = server.take_event("/alex", "announce", timeout=10)
    assert cli("back").returncode == 0
    server.take_event("/alex", "back", timeout=10)
    assert json.loads(state_file.read_bytes())  # whole again
    assert aside[0].read_bytes() == bad, "the damaged file was overwritten later"
    records = history_records(cli.ok("history", "--json").json())
    assert announce.json["break_id"] in [r.get("break_id") for r in records]

    # A second restart finds a good file and moves nothing more aside.
    assert daemon.stop() == 0
    daemon.start()
    assert len(sorted(xdg.state_dir.glob("state.json.corrupt-*"))) == 1


@pytest.mark.budget(30)
def test_a_folder_in_place_of_state_json(xdg, server, cli, daemon):
    """state.json is a folder (something created it by mistake): it cannot be read, is moved
    aside, and the daemon can save again."""
    configure(xdg, server)
    (xdg.state_dir / "state.json").mkdir(parents=True)
    (xdg.state_dir / "state.json" / "keep").write_text("x")
    daemon.start()
    aside = sorted(xdg.state_dir.glob("state.json.corrupt-*"))
    assert len(aside) == 1 and (aside[0] / "keep").read_text() == "x", os.listdir(xdg.state_dir)
    assert aside[0].name in daemon.log_text()
    assert cli("start", "cool-down").returncode == 0
    server.take_event("/alex", "announce", timeout=10)
    assert json.loads((xdg.state_dir / "state.json").read_bytes())


def record(break_id: str, day: int, outcome: str = "back") -> dict:
    started = f"2026-11-{day:02d}T10:00:00.000Z"
    checkin = f"2026-11-{day:02d}T10:30:00.000Z"
    return {
        "break_id": break_id,
        "plan": "cool-down",
        "started_at": started,
        "promised_at": checkin,
        "checkin_at": checkin,
        "ended_at": f"2026-11-{day:02d}T10:25:00.000Z",
        "outcome": outcome,
        "extensions": 0,
    }


def history_with_garbage() -> tuple[bytes, set[int], list[str]]:
    good = [record("aaaa000000000001", 2), record("aaaa000000000002", 3, "cancelled"), record("aaaa000000000003", 4)]
    lines = [
        json.dumps(good[0]).encode(),  # 1
        b"this is not json at all",  # 2 (bad)
        json.dumps(good[1]).encode(),  # 3
        b"{}",  # 4 (bad: no fields)
        b"\0" * 40,  # 5 (bad)
        json.dumps(good[2]).encode(),  # 6
        b"\xff\xfe\xfd not utf-8",  # 7 (bad)
        json.dumps(dict(good[0], outcome="exploded")).encode(),  # 8 (bad: unknown outcome)
        b"",  # 9: a blank line is not a problem
        json.dumps(good[0])[:40].encode(),  # 10 (bad: half a record)
    ]
    return b"\n".join(lines) + b"\n", {2, 4, 5, 7, 8, 10}, [g["break_id"] for g in good]


def problem_lines(stderr: str, path) -> set[int]:
    found = set()
    for line in stderr.splitlines():
        m = re.match(re.escape(str(path)) + r":(\d+): ", line)
        assert m, f"a stderr line of `breather history` does not start with {path}:LINE: : {line!r}"
        assert line.rstrip().endswith("."), f"not a sentence: {line!r}"
        found.add(int(m.group(1)))
    return found


@pytest.mark.budget(40)
def test_history_with_garbage_lines(xdg, server, cli, daemon):
    configure(xdg, server)
    xdg.state_dir.mkdir(parents=True, exist_ok=True)
    history = xdg.state_dir / "history.jsonl"
    data, bad_lines, good_ids = history_with_garbage()
    history.write_bytes(data)

    # Without the daemon: the good records, one sentence per bad line.
    result = cli("history", "--json")
    assert result.returncode == 0, str(result)
    assert [r["break_id"] for r in history_records(json.loads(result.stdout))] == good_ids
    assert problem_lines(result.stderr, history) == bad_lines, str(result)
    text = cli("history")
    assert text.returncode == 0, str(text)
    assert problem_lines(text.stderr, history) == bad_lines, str(text)
    assert "cool-down" in text.stdout, str(text)

    # The daemon starts beside it and appends after the garbage; the file keeps its bytes.
    daemon.start()
    assert cli("start", "cool-down").returncode == 0
    announce = server.take_event("/alex", "announce", timeout=10)
    assert cli("back").returncode == 0
    assert history.read_bytes().startswith(data), "breatherd rewrote the lines already in history.jsonl"
    result = cli("history", "--json")
    ids = [r["break_id"] for r in history_records(json.loads(result.stdout))]
    assert ids == good_ids + [announce.json["break_id"]], str(result)
    assert problem_lines(result.stderr, history) == bad_lines


@pytest.mark.budget(30)
def test_history_cut_mid_line_does_not_swallow_the_next_break(xdg, server, cli, daemon):
    """A crash while appending leaves half a line without its newline; the next break's record
    must still be readable."""
    configure(xdg, server)
    xdg.state_dir.mkdir(parents=True, exist_ok=True)
    history = xdg.state_dir / "history.jsonl"
    whole = json.dumps(record("bbbb000000000001", 5))
    history.write_bytes((whole + "\n" + whole[: len(whole) // 2]).encode())
    daemon.start()
    assert cli("start", "cool-down").returncode == 0
    announce = server.take_event("/alex", "announce", timeout=10)
    assert cli("back").returncode == 0
    result = cli("history", "--json")
    ids = [r["break_id"] for r in history_records(json.loads(result.stdout))]
    assert announce.json["break_id"] in ids, f"the break after the cut line is lost from the history:\n{result}"
    assert "bbbb000000000001" in ids


@pytest.mark.budget(40)
def test_a_stale_temporary_file_confuses_nothing(xdg, server, cli, daemon):
    """A crash between writing state.json.tmp and renaming it leaves the temporary file
    behind: the restart reads state.json (the last whole state), and the next save replaces
    the leftover."""
    configure(xdg, server)
    real = real_state(xdg, server, cli, daemon)
    break_id = json.dumps(json.loads(real))
    stale = xdg.state_dir / "state.json.tmp"
    stale.write_bytes(b'{"version": 1, "half a new sta')
    daemon.start()
    status = cli.status()
    assert status["active"] is True and status["break"]["id"] in break_id, status
    assert not list(xdg.state_dir.glob("state.json.corrupt-*")), os.listdir(xdg.state_dir)
    assert cli("back").returncode == 0
    server.take_event("/alex", "back", timeout=10)
    assert json.loads((xdg.state_dir / "state.json").read_bytes())
    # The receiver's answer is saved just after it arrives, and that save has its own
    # state.json.tmp for a moment: wait (bounded) for the folder to hold no temporary file.
    wait_until(lambda: not stale.exists(), 10, "the leftover state.json.tmp to be replaced and renamed away")
    assert not stale.exists(), "the leftover state.json.tmp is still there after a save"
