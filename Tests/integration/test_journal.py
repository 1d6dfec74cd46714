"""Deliveries are logged to a real systemd-journald with structured fields, and no secret
from a channel's URL or token file ever reaches the journal."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from breather_harness import plan_toml, webhook, write_config, write_plan

SCENARIO = Path(__file__).with_name("journal_scenario.py")
URL_SECRET = "SECRET123url"
TOKEN_SECRET = "TOKEN456secret"


def require_components() -> None:
    missing = [p for p in ("/lib/systemd/systemd-journald",) if not os.access(p, os.X_OK)]
    missing += [name for name in ("unshare", "journalctl", "mount") if not shutil.which(name)]
    assert not missing, f"the journal test needs {', '.join(missing)} (apt-get install systemd util-linux)"
    assert os.geteuid() == 0, "the journal test must run as root (it mounts tmpfs inside a private mount namespace)"


def field(entry: dict, name: str):
    value = entry.get(name)
    if isinstance(value, list):
        value = bytes(value).decode("utf-8", "replace")
    return value


@pytest.mark.budget(150)
def test_delivery_is_journaled_with_fields_and_without_secrets(bin_dir, xdg, server, tmp_path, register_log):
    require_components()
    write_config(
        xdg,
        {"alex": webhook(server, "/alex", url=server.url("/alex") + f"?key={URL_SECRET}", token_file="secrets/token")},
    )
    (xdg.config_dir / "secrets").mkdir()
    token = xdg.config_dir / "secrets" / "token"
    token.write_text(TOKEN_SECRET + "\n")
    os.chmod(token, 0o600)
    write_plan(
        xdg,
        "cool-down",
        plan_toml(
            "60s",
            announce=(["alex"], "{me} is taking a breather."),
            back=(["alex"], "{me} is back."),
        ),
    )
    out_dir = tmp_path / "journal-run"
    out_dir.mkdir()
    register_log("breatherd under journald (stdout+stderr)", out_dir / "breatherd.log")
    register_log("systemd-journald output", out_dir / "journald.log")
    scenario_log = out_dir / "scenario.log"
    register_log("journal scenario (stderr)", scenario_log)

    with open(scenario_log, "wb") as log:
        proc = subprocess.Popen(
            ["unshare", "-m", "--propagation", "private", sys.executable, str(SCENARIO), str(bin_dir), str(out_dir), "cool-down"],
            env=xdg.env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            announce = server.take_event("/alex", "announce", timeout=60)
            code = proc.wait(timeout=90)
        finally:
            if proc.poll() is None:
                os.kill(proc.pid, signal.SIGTERM)  # the scenario ends its journald and breatherd
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    os.kill(proc.pid, signal.SIGKILL)
                    proc.wait(timeout=10)
    assert code == 0, f"the journal scenario failed with exit {code}:\n{scenario_log.read_text()}"
    assert f"key={URL_SECRET}" in announce.query, "the channel URL's query did not reach the server"

    body = announce.json
    entries = [json.loads(line) for line in (out_dir / "journal.jsonl").read_text().splitlines() if line.strip()]
    ours = [e for e in entries if field(e, "BREATHER_DELIVERY_ID") == body["delivery_id"]]
    assert ours, (
        f"no journal entry has BREATHER_DELIVERY_ID={body['delivery_id']}; breatherd's entries: "
        + json.dumps([e for e in entries if "breather" in json.dumps(e).lower()], indent=1)[:6000]
    )
    for entry in ours:
        assert field(entry, "BREATHER_EVENT") == "announce", entry
        assert field(entry, "BREATHER_PLAN") == "cool-down", entry
        assert field(entry, "BREATHER_BREAK_ID") == body["break_id"], entry
        assert field(entry, "BREATHER_CHANNEL") == "alex", entry
        assert field(entry, "MESSAGE"), entry

    for entry in entries:
        text = json.dumps(entry)
        flat = " ".join(str(field(entry, k)) for k in entry)
        for secret in (URL_SECRET, TOKEN_SECRET):
            assert secret not in text and secret not in flat, f"a secret reached the journal: {entry}"
    daemon_output = (out_dir / "breatherd.log").read_text(errors="replace")
    for secret in (URL_SECRET, TOKEN_SECRET):
        assert secret not in daemon_output, "a secret reached breatherd's stderr"
