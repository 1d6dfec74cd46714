"""Security: another user is refused on the control socket; secret files that others may
read are refused at send time; planted secrets never show in any output; config and plan
files that another user owns or may change are refused, also through a symlink."""

from __future__ import annotations

import json
import os
import pwd
import shutil
import socket
import stat
import subprocess

import pytest

from breather_harness import (
    Reply,
    assert_one_sentence,
    file_mode,
    history_records,
    plan_toml,
    wait_until,
    webhook,
    write_config,
    write_plan,
)

NOBODY = "nobody"

# Runs as `nobody` (no shell): connects, sends one request line, reports what came back.
PEER_SCRIPT = r"""
import json, socket, sys
path, line = sys.argv[1], sys.argv[2].encode() + b"\n"
out = {"connected": False, "answer": None, "closed": False, "error": None}
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(5)
try:
    s.connect(path)
    out["connected"] = True
    try:
        s.sendall(line)
    except (BrokenPipeError, ConnectionResetError):
        pass
    data = b""
    while True:
        try:
            chunk = s.recv(65536)
        except ConnectionResetError:
            chunk = b""
        if not chunk:
            out["closed"] = True
            break
        data += chunk
    first = data.partition(b"\n")[0]
    out["answer"] = json.loads(first) if first else None
except Exception as error:
    out["error"] = f"{type(error).__name__}: {error}"
print(json.dumps(out))
"""


def as_nobody(*args: str, timeout: float = 15) -> subprocess.CompletedProcess:
    assert shutil.which("setpriv"), "the security tests need setpriv (apt-get install util-linux)"
    assert os.geteuid() == 0, "the security tests must run as root (they act as another user)"
    return subprocess.run(
        ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
        env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"},
        cwd="/",
    )


def peer_request(socket_path, request: dict) -> dict:
    proc = as_nobody("/usr/bin/python3", "-c", PEER_SCRIPT, str(socket_path), json.dumps(request))
    assert proc.returncode == 0, f"the peer script failed as nobody: {proc.stderr}"
    return json.loads(proc.stdout)


class Widened:
    """Opens the runtime folder, the socket folder and the socket to everyone, only for the
    check, so that another user gets as far as the daemon's own SO_PEERCRED check; restores
    the modes after."""

    def __init__(self, xdg):
        self.paths = [xdg.runtime, xdg.socket_dir, xdg.socket_path]
        self.modes = {}

    def __enter__(self):
        for path in self.paths:
            self.modes[path] = stat.S_IMODE(os.lstat(path).st_mode)
        os.chmod(self.paths[0], 0o711)
        os.chmod(self.paths[1], 0o711)
        os.chmod(self.paths[2], 0o666)
        return self

    def __exit__(self, *exc):
        for path, mode in self.modes.items():
            os.chmod(path, mode)


@pytest.mark.budget(60)
def test_another_user_is_refused_on_the_socket(xdg, server, cli, daemon):
    write_config(xdg, {"alex": webhook(server, "/alex")})
    write_plan(xdg, "p", plan_toml("10m", announce=(["alex"], "{me} is taking a breather.")))
    daemon.start()
    assert file_mode(xdg.socket_path)[1] == 0o600 and file_mode(xdg.socket_dir)[1] == 0o700

    with Widened(xdg):
        # Without a break: `start` from nobody starts nothing.
        seen = peer_request(xdg.socket_path, {"v": 1, "op": "start", "plan": "p"})
        assert seen["connected"], f"nobody could not even connect (the widening failed): {seen}"
        answer = seen["answer"]
        assert isinstance(answer, dict) and answer.get("ok") is False, f"another user was not refused: {seen}"
        error = answer.get("error") or {}
        assert error.get("code") and error.get("message", "").endswith("."), seen
        assert seen["closed"], f"the daemon kept another user's connection open: {seen}"
        assert "status" not in answer, f"the refusal carried the status to another user: {answer}"
        assert cli.status()["active"] is False, "nobody started a break"

        # With a break: `cancel` and `status` from nobody change and reveal nothing.
        assert cli("start", "p").returncode == 0
        brk = cli.status()["break"]
        for request in ({"v": 1, "op": "cancel"}, {"v": 1, "op": "status"}, {"v": 1, "op": "extend", "duration": "1h"}):
            seen = peer_request(xdg.socket_path, request)
            assert seen["answer"] and seen["answer"].get("ok") is False and seen["closed"], (request, seen)
            assert brk["id"] not in json.dumps(seen), f"another user learned the break id: {seen}"
        after = cli.status()
        assert after["active"] is True and after["break"]["id"] == brk["id"], after
        assert after["break"]["checkin_at"] == brk["checkin_at"], "another user moved the check-in"

    assert daemon.running, "breatherd died"
    assert file_mode(xdg.socket_path)[1] == 0o600
    assert cli("cancel").returncode == 0


def write_secret(xdg, name: str, text: str, mode: int = 0o600):
    folder = xdg.config_dir / "secrets"
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    path = folder / name
    path.write_text(text + "\n")
    os.chmod(path, mode)
    return path


@pytest.mark.budget(60)
def test_secret_files_that_others_may_read_are_refused(xdg, server, cli, daemon):
    token = write_secret(xdg, "token", "tok-REFUSED-0001", 0o644)
    url = write_secret(xdg, "url", server.url("/viaurl") + "?key=url-REFUSED-0002", 0o640)
    write_config(
        xdg,
        {
            "alex": webhook(server, "/alex", token_file="secrets/token"),
            "viaurl": {"type": "webhook", "preset": "json", "url_file": "secrets/url", "timeout": "5s"},
        },
    )
    write_plan(xdg, "p", plan_toml("10m", announce=(["alex", "viaurl"], "{me} is taking a breather.")))
    daemon.start()

    for channel, path in (("alex", token), ("viaurl", url)):
        result = cli("test", channel)
        assert result.returncode != 0, f"`breather test {channel}` sent with a secret file others may read:\n{result}"
        assert_one_sentence(result.stderr, result)
        assert str(path) in result.stderr and "other users" in result.stderr, result
        assert "chmod 600" in result.stderr, f"the sentence does not say how to fix it:\n{result}"

    assert cli("start", "p").returncode == 0
    def both_failed():
        retrying = {r["channel"]: r for r in cli.status()["retrying"]}
        return len(retrying) == 2 and all(r["attempts"] >= 1 for r in retrying.values()) and retrying

    retrying = wait_until(both_failed, 10, "both announces to fail their first attempt")
    assert str(token) in retrying["alex"]["last_error"] and "other users" in retrying["alex"]["last_error"], retrying
    assert str(url) in retrying["viaurl"]["last_error"] and "other users" in retrying["viaurl"]["last_error"], retrying
    assert server.drain() == [], "a message went out with a secret file others may read"
    log = daemon.log_text()
    assert "may be read by other users" in log, "the refused secret file was not logged"

    # Made private, the secrets are read at the next attempt: no restart, no reload.
    os.chmod(token, 0o600)
    os.chmod(url, 0o600)
    server.take_event("/alex", "announce", timeout=20)
    server.take_event("/viaurl", "announce", timeout=20)
    assert cli("test", "alex").returncode == 0


@pytest.mark.budget(90)
def test_planted_secrets_appear_nowhere(xdg, server, cli, daemon):
    token = "TOK3N-planted-7f3a9c"
    secrets = {
        "token": token,
        "alex-url": server.url("/alex") + "?key=QS3CRET-alex-55d1",
        "down-url": f"http://127.0.0.1:{closed_port()}/hook?key=QS3CRET-down-82b4",
        "bad-url": "http://exa mple.org/hook?key=QS3CRET-bad-91c0",
        "fail-url": server.url("/fail") + "?key=QS3CRET-fail-13e7",
        "user-url": server.url("/user").replace("http://", "http://sam:PASSW0RD-user-6a2e@") + "?key=QS3CRET-user-40f9",
    }
    planted = [token] + [value.split("key=")[1] for value in secrets.values() if "key=" in value] + ["PASSW0RD-user-6a2e"]
    for name, value in secrets.items():
        write_secret(xdg, name, value)
    channels = {
        name: {"type": "webhook", "preset": "json", "url_file": f"secrets/{name}-url", "token_file": "secrets/token", "timeout": "3s"}
        for name in ("alex", "down", "bad", "fail", "user")
    }
    write_config(xdg, channels)
    write_plan(
        xdg,
        "p",
        plan_toml(
            "10m",
            announce=(list(channels), "{me} is taking a breather."),
            back=(["alex"], "{me} is back."),
        ),
    )
    server.script("/fail", *[Reply(status=500, body=b"internal error\n")] * 50)

    outputs: dict[str, str] = {}

    def run(label: str, *args: str) -> None:
        result = cli(*args, timeout=20)
        outputs[label] = f"exit {result.returncode}\n{result.stdout}\n{result.stderr}"

    run("check", "check")
    run("plans --json", "plans", "--json")
    run("doctor", "doctor")
    daemon.start()
    for name in channels:
        run(f"test {name}", "test", name)
    assert outputs["test alex"].startswith("exit 0"), outputs["test alex"]
    for name in ("down", "bad", "fail"):
        assert not outputs[f"test {name}"].startswith("exit 0"), outputs[f"test {name}"]

    run("start", "start", "p")
    announce = server.take_event("/alex", "announce", timeout=10)
    # The planted secrets are really in use: the receiver saw the token and the key.
    assert token in announce.headers.get("authorization", ""), announce.headers
    assert "key=QS3CRET-alex-55d1" in announce.query
    user = server.take_event("/user", "announce", timeout=10)
    assert "key=QS3CRET-user-40f9" in user.query

    def failures_recorded():
        retrying = {r["channel"]: r for r in cli.status()["retrying"]}
        return all(retrying.get(n, {}).get("attempts", 0) >= 1 for n in ("down", "bad", "fail")) and retrying

    retrying = wait_until(failures_recorded, 15, "the three failing channels to record a failed attempt")
    for name in ("down", "bad", "fail"):
        assert retrying[name].get("last_error"), f"no reason recorded for {name}: {retrying[name]}"
    run("status --json", "status", "--json")
    run("status", "status")
    run("extend", "extend", "5m")
    run("back", "back")
    run("back again", "back")  # an error output: no break runs
    run("history --json", "history", "--json")
    run("history", "history")
    run("reload", "reload")
    assert daemon.stop() == 0
    outputs["breatherd stdout+stderr"] = daemon.log_text()
    assert len(history_records(cli.ok("history", "--json").json())) == 1
    # What the state folder holds (the messages, the note) is the person's alone.
    assert file_mode(xdg.state_dir)[1] == 0o700, f"the state folder has mode {file_mode(xdg.state_dir)[1]:o}"
    for name in ("state.json", "history.jsonl"):
        mode = file_mode(xdg.state_dir / name)[1]
        assert mode & 0o077 == 0, f"{name} has mode {mode:o}: others may read it"

    leaks = []
    for label, text in outputs.items():
        for secret in planted:
            if secret in text:
                line = next(l for l in text.splitlines() if secret in l)
                leaks.append(f"{label}: {secret!r} in: {line[:300]}")
    assert not leaks, "planted secrets appeared in output:\n" + "\n".join(leaks)


def closed_port() -> int:
    """A loopback port with nothing listening (bound, then closed)."""
    probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    return port


def plan_text(message: str) -> str:
    return plan_toml("10m", announce=(["alex"], message))


@pytest.mark.budget(60)
def test_untrusted_plan_files_are_refused_and_the_others_load(xdg, server, cli, daemon, tmp_path):
    nobody = pwd.getpwnam(NOBODY)
    write_config(xdg, {"alex": webhook(server, "/alex")})
    write_plan(xdg, "good", plan_text("{me} is taking a breather."))

    foreign = write_plan(xdg, "foreign", plan_text("Someone else wrote this."))
    os.chown(foreign, nobody.pw_uid, nobody.pw_gid)
    os.chmod(foreign, 0o644)
    loose = write_plan(xdg, "loose", plan_text("Anyone in the group may change this."))
    os.chmod(loose, 0o664)
    open_to_all = write_plan(xdg, "open", plan_text("Anyone may change this."))
    os.chmod(open_to_all, 0o646)

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    os.chmod(elsewhere, 0o755)
    foreign_target = elsewhere / "foreign-target.toml"
    foreign_target.write_text(plan_text("A link to someone else's words."))
    os.chown(foreign_target, nobody.pw_uid, nobody.pw_gid)
    loose_target = elsewhere / "loose-target.toml"
    loose_target.write_text(plan_text("A link to a file the group may change."))
    os.chmod(loose_target, 0o664)
    good_target = elsewhere / "good-target.toml"
    good_target.write_text(plan_text("A link to my own file (a dotfile manager)."))
    os.chmod(good_target, 0o644)
    (xdg.plans_dir / "linked-foreign.toml").symlink_to(foreign_target)
    (xdg.plans_dir / "linked-loose.toml").symlink_to(loose_target)
    (xdg.plans_dir / "linked-good.toml").symlink_to(good_target)

    refused = {"foreign": foreign, "loose": loose, "open": open_to_all, "linked-foreign": None, "linked-loose": None}
    result = cli("check")
    assert result.returncode != 0, f"`breather check` accepted untrusted plan files:\n{result}"
    problems = [line for line in (result.stdout + result.stderr).splitlines() if line.strip()]
    for name in refused:
        path = str(xdg.plans_dir / f"{name}.toml")
        lines = [line for line in problems if path in line]
        assert lines, f"`breather check` does not name {path}:\n{result}"
        reason = " ".join(lines)
        assert "another user" in reason or "other users" in reason, f"no clear reason for {name}: {lines}"
    for name in ("good", "linked-good"):
        path = str(xdg.plans_dir / f"{name}.toml")
        assert not [line for line in problems if path in line], f"`breather check` refused the trusted {name}:\n{result}"
    foreign_lines = [l for l in problems if str(foreign) in l or "linked-foreign" in l]
    assert all("another user" in l for l in foreign_lines), foreign_lines
    loose_lines = [l for l in problems if str(loose) in l or "linked-loose" in l]
    assert all("other users" in l and "chmod" in l for l in loose_lines), loose_lines

    plans = cli("plans", "--json")
    data = json.loads(plans.stdout)
    text = json.dumps(data)
    for name in ("good", "linked-good", *refused):
        assert f'"{name}"' in text, f"`breather plans --json` leaves out {name}: {text[:2000]}"

    # The daemon's loader agrees: the trusted plans start, the refused ones do not.
    daemon.start()
    for name in ("good", "linked-good"):
        assert cli("start", name).returncode == 0, name
        server.take_event("/alex", "announce", timeout=10)
        assert cli("cancel").returncode == 0
    for name in refused:
        result = cli("start", name)
        assert result.returncode != 0, f"breatherd started the untrusted plan {name}:\n{result}"
        assert_one_sentence(result.stderr, result)
    assert cli.status()["active"] is False
    sent = [r for r in server.drain() if b"someone else" in r.body.lower() or b"may change" in r.body]
    assert sent == [], f"an untrusted plan's words went out: {[r.summary() for r in sent]}"


@pytest.mark.budget(30)
def test_untrusted_breather_toml_is_refused(xdg, server, cli):
    settings = write_config(xdg, {"alex": webhook(server, "/alex")})
    write_plan(xdg, "good", plan_text("{me} is taking a breather."))
    os.chmod(settings, 0o664)
    result = cli("check")
    assert result.returncode != 0, f"`breather check` accepted a group-writable breather.toml:\n{result}"
    assert str(settings) in result.stdout + result.stderr and "other users" in result.stdout + result.stderr, str(result)
    os.chmod(settings, 0o644)
    os.chown(settings, pwd.getpwnam(NOBODY).pw_uid, -1)
    result = cli("check")
    assert result.returncode != 0, f"`breather check` accepted a breather.toml another user owns:\n{result}"
    assert str(settings) in result.stdout + result.stderr and "another user" in result.stdout + result.stderr, str(result)
