"""Delivery that never loses a message: every failure a webhook can show is retried with the
same Idempotency-Key, at no less than the promised gaps, and nothing is delivered twice —
not even across a kill -9 between attempts. Plus `breather test` and secrets kept secret.

Gaps are asserted as lower bounds only: a loaded machine may be late, never early.
"""

from __future__ import annotations

import collections
import email.utils
import http.server
import json
import math
import os
import queue
import socket
import struct
import threading
import time
import urllib.parse
from typing import Any, Callable, Optional

import pytest

from breather_harness import (
    RecordingServer,
    Reply,
    Request,
    _Handler,
    assert_one_sentence,
    parse_ts,
    plan_toml,
    wait_until,
    webhook,
    write_config,
    write_plan,
)

# A retry after one failure comes about 1 s later (±20 % jitter): never sooner than 0.8 s.
FIRST_RETRY_MIN = 0.8 - 0.05
DAY = 24 * 3600


# ---------------------------------------------------------------------------------------
# A loopback server that can also listen on a chosen port and reset a connection


class ScriptedServer(RecordingServer):
    """The harness's RecordingServer, plus: listen on a given port (to turn a refused port
    into a listening one), and answer the next requests to a path by resetting the
    connection (RST, no status line)."""

    def __init__(self, port: int = 0) -> None:
        self._resets: dict[str, int] = {}
        if port == 0:
            super().__init__()
            return
        # RecordingServer.__init__ with the port chosen.
        self.requests = queue.Queue()
        self.seen = []
        self._taken = set()
        self._scripts = {}
        self._releases = {}
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._seq = 0
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", port), _Handler)
        self.httpd.daemon_threads = True
        self.httpd.owner = self  # type: ignore[attr-defined]
        self.port = self.httpd.server_address[1]
        self._thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
        self._thread.start()

    def heal(self, path: str) -> None:
        """Forgets what was still scripted for `path`: from now on it answers 200."""
        with self._lock:
            self._scripts.pop(path, None)
            self._resets.pop(path, None)

    def reset(self, path: str, times: int = 1) -> None:
        with self._lock:
            self._resets[path] = times

    def _handle(self, handler: _Handler) -> None:
        split = urllib.parse.urlsplit(handler.path)
        with self._lock:
            pending = self._resets.get(split.path, 0)
            if pending:
                self._resets[split.path] = pending - 1
        if not pending:
            return super()._handle(handler)
        body = self._read_body(handler)
        with self._lock:
            self._seq += 1
            seq = self._seq
        request = self._record(handler, split, body, seq)
        request.status = None  # never answered
        self.requests.put(request)
        handler.close_connection = True
        sock = handler.connection
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            handler.rfile.close()  # the makefile holds the descriptor open otherwise
            sock.close()  # with linger 0: RST
        except OSError:
            pass


@pytest.fixture
def scripted():
    srv = ScriptedServer()
    yield srv
    srv.close()


def free_port() -> int:
    """A port that nothing listens on now (bound, read, closed)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---------------------------------------------------------------------------------------
# Helpers


def one_break(xdg, channels: dict[str, dict[str, Any]], to: list[str], duration: str = "60s") -> None:
    """breather.toml with `channels`, and a plan `cool-down` whose announce goes to `to`."""
    write_config(xdg, channels)
    write_plan(
        xdg,
        "cool-down",
        plan_toml(duration, announce=(to, "{me} is taking a breather."), back=(to, "{me} is back.")),
    )


def retrying(cli, channel: Optional[str] = None) -> list[dict]:
    data = cli.status()
    assert isinstance(data.get("retrying"), list), f"status --json has no \"retrying\" list: {data}"
    return [e for e in data["retrying"] if channel is None or e.get("channel") == channel]


def wait_retrying(cli, channel: str, timeout: float, attempts: int = 1) -> dict:
    """Polls status until the channel has a delivery waiting to retry after `attempts` tries."""

    def found() -> Optional[dict]:
        for entry in retrying(cli, channel):
            if entry.get("attempts", 0) >= attempts:
                return entry
        return None

    return wait_until(found, timeout, f"status --json to show a delivery through {channel} retrying", 0.1)


def wait_nothing_retrying(cli, timeout: float = 10.0) -> None:
    wait_until(lambda: retrying(cli) == [], timeout, "status --json to show nothing retrying", 0.1)


def check_retrying_entry(entry: dict, delivery_id: str, event: str, channel: str) -> None:
    for key in ("delivery_id", "event", "channel", "attempts", "next_attempt_at", "expires_at", "last_error"):
        assert key in entry, f"a retrying entry lacks {key!r}: {entry}"
    assert entry["delivery_id"] == delivery_id, entry
    assert entry["event"] == event and entry["channel"] == channel, entry
    parse_ts(entry["next_attempt_at"])
    parse_ts(entry["expires_at"])
    assert isinstance(entry["last_error"], str) and entry["last_error"].strip(), entry


def same_delivery(first: Request, *others: Request) -> str:
    """Every attempt carries one delivery id, in the body and as the Idempotency-Key."""
    key = first.headers.get("idempotency-key")
    assert key, f"no Idempotency-Key on {first.summary()}"
    assert first.json["delivery_id"] == key, first.summary()
    for other in others:
        assert other.headers.get("idempotency-key") == key, f"a retry changed the key: {first.summary()} / {other.summary()}"
        assert other.json["delivery_id"] == key, other.summary()
        assert other.json["due_at"] == first.json["due_at"], "a retry moved the due time"
    return key


def assert_no_more(server: RecordingServer, predicate: Callable[[Request], bool], within: float, what: str) -> None:
    """Waits (bounded, on the request queue) for a request that must not come: one that
    arrives from now on (those already received were counted by the caller)."""
    floor = max((r.seq for r in server.drain()), default=0)
    try:
        extra = server.take(lambda r: r.seq > floor and predicate(r), within, what)
    except AssertionError:
        return
    raise AssertionError(f"{what} came after all: {extra.summary()}\nall: {[r.summary() for r in server.drain()]}")


def on(path: str, event: str = "announce") -> Callable[[Request], bool]:
    return lambda r: r.path == path and r.event == event


# ---------------------------------------------------------------------------------------
# Failures that are retried


def test_500_then_200_is_delivered_once_with_one_key(xdg, scripted, cli, daemon):
    one_break(xdg, {"alex": webhook(scripted, "/alex")}, ["alex"])
    scripted.script("/alex", Reply(status=500, body=b"boom\n"))
    daemon.start()
    assert cli("start", "cool-down").returncode == 0

    first = scripted.take_event("/alex", "announce", timeout=10)
    second = scripted.take_event("/alex", "announce", timeout=15)
    assert first.status == 500 and second.status == 200
    same_delivery(first, second)
    gap = second.mono - first.mono
    assert gap >= FIRST_RETRY_MIN, f"the first retry came {gap:.3f} s after the failure; the promise is about 1 s (±20 %)"

    wait_nothing_retrying(cli)
    assert_no_more(scripted, on("/alex"), 2.6, "a third attempt of a delivered announce")
    assert [r.event for r in scripted.drain()] == ["announce", "announce"]


def test_429_retry_after_seconds_is_honoured(xdg, scripted, cli, daemon):
    one_break(xdg, {"alex": webhook(scripted, "/alex")}, ["alex"])
    scripted.script("/alex", Reply(status=429, headers={"Retry-After": "3"}, body=b"slow down\n"))
    daemon.start()
    assert cli("start", "cool-down").returncode == 0

    first = scripted.take_event("/alex", "announce", timeout=10)
    entry = wait_retrying(cli, "alex", timeout=5)
    check_retrying_entry(entry, first.json["delivery_id"], "announce", "alex")
    assert entry["attempts"] == 1, entry
    assert "429" in entry["last_error"], f"last_error does not name the status: {entry}"
    assert parse_ts(entry["next_attempt_at"]) >= first.wall + 3 - 0.05, f"Retry-After: 3 not honoured in the schedule: {entry}"
    window = parse_ts(entry["expires_at"]) - first.wall
    assert DAY - 60 <= window <= DAY + 60, f"the default retry window is not 24 h: {entry}"

    second = scripted.take_event("/alex", "announce", timeout=15)
    same_delivery(first, second)
    gap = second.mono - first.mono
    assert gap >= 3 - 0.05, f"the retry came {gap:.3f} s after a 429 with Retry-After: 3"
    wait_nothing_retrying(cli)


def test_503_retry_after_http_date_is_honoured(xdg, scripted, cli, daemon):
    one_break(xdg, {"alex": webhook(scripted, "/alex")}, ["alex"])
    daemon.start()
    not_before = math.ceil(time.time()) + 4
    scripted.script(
        "/alex",
        Reply(status=503, headers={"Retry-After": email.utils.formatdate(not_before, usegmt=True)}, body=b"later\n"),
    )
    assert cli("start", "cool-down").returncode == 0

    first = scripted.take_event("/alex", "announce", timeout=10)
    assert first.wall < not_before - 1.5, "the test was too slow: the Retry-After date had nearly passed"
    second = scripted.take_event("/alex", "announce", timeout=15)
    same_delivery(first, second)
    assert second.wall >= not_before - 0.05, (
        f"the retry came {not_before - second.wall:.3f} s before the Retry-After date "
        f"(first attempt {first.wall:.3f}, retry {second.wall:.3f}, date {not_before})"
    )
    wait_nothing_retrying(cli)


@pytest.mark.parametrize("status", [408, 425, 502, 504])
def test_other_retryable_statuses_honour_retry_after(xdg, scripted, cli, daemon, status):
    one_break(xdg, {"alex": webhook(scripted, "/alex")}, ["alex"])
    scripted.script("/alex", Reply(status=status, headers={"Retry-After": "2"}, body=b"not now\n"))
    daemon.start()
    assert cli("start", "cool-down").returncode == 0

    first = scripted.take_event("/alex", "announce", timeout=10)
    second = scripted.take_event("/alex", "announce", timeout=15)
    same_delivery(first, second)
    gap = second.mono - first.mono
    assert gap >= 2 - 0.05, f"the retry came {gap:.3f} s after HTTP {status} with Retry-After: 2"
    wait_nothing_retrying(cli)


def test_hang_past_the_channel_timeout_is_retried(xdg, scripted, cli, daemon):
    one_break(xdg, {"alex": webhook(scripted, "/alex", timeout="1s")}, ["alex"])
    scripted.script("/alex", Reply(hang=True))  # then 200
    daemon.start()
    assert cli("start", "cool-down").returncode == 0

    first = scripted.take_event("/alex", "announce", timeout=10)
    entry = wait_retrying(cli, "alex", timeout=6)
    check_retrying_entry(entry, first.json["delivery_id"], "announce", "alex")
    second = scripted.take_event("/alex", "announce", timeout=15)
    assert not first.responded.is_set(), "the hanging request was answered: the scenario did not happen"
    assert second.status == 200
    same_delivery(first, second)
    gap = second.mono - first.mono
    assert gap >= 1.0 + FIRST_RETRY_MIN, f"the retry came {gap:.3f} s after a request that timed out after 1 s"
    wait_nothing_retrying(cli)
    assert_no_more(scripted, on("/alex"), 2.6, "a third attempt of a delivered announce")


def test_refused_port_that_starts_listening_later(xdg, cli, daemon):
    port = free_port()
    one_break(
        xdg,
        {"alex": {"type": "webhook", "preset": "json", "url": f"http://127.0.0.1:{port}/alex", "timeout": "5s"}},
        ["alex"],
    )
    daemon.start()
    started = cli("start", "cool-down")
    assert started.returncode == 0, f"start must succeed while the receiver is down:\n{started}"

    entry = wait_retrying(cli, "alex", timeout=10)
    assert entry["event"] == "announce", entry
    assert entry["last_error"].strip(), entry
    late = ScriptedServer(port)
    try:
        request = late.take_event("/alex", "announce", timeout=20)
        assert request.headers.get("idempotency-key") == entry["delivery_id"] == request.json["delivery_id"], (
            f"the attempt after the refusals is not the same delivery: {entry} / {request.summary()}"
        )
        wait_nothing_retrying(cli)
        assert_no_more(late, on("/alex"), 2.6, "a second delivery of the announce")
    finally:
        late.close()


def test_connection_reset_is_retried(xdg, scripted, cli, daemon):
    one_break(xdg, {"alex": webhook(scripted, "/alex")}, ["alex"])
    scripted.reset("/alex", times=1)
    daemon.start()
    assert cli("start", "cool-down").returncode == 0

    first = scripted.take_event("/alex", "announce", timeout=10)
    assert first.status is None
    second = scripted.take_event("/alex", "announce", timeout=15)
    assert second.status == 200
    same_delivery(first, second)
    assert second.mono - first.mono >= FIRST_RETRY_MIN
    wait_nothing_retrying(cli)
    assert_no_more(scripted, on("/alex"), 2.6, "a third attempt of a delivered announce")


def test_404_is_not_retried(xdg, scripted, cli, daemon):
    one_break(xdg, {"alex": webhook(scripted, "/alex")}, ["alex"])
    scripted.script("/alex", Reply(status=404, body=b"no such topic\n"))
    daemon.start()
    assert cli("start", "cool-down").returncode == 0

    scripted.take_event("/alex", "announce", timeout=10)
    wait_until(lambda: "gave up" in daemon.log_text().lower(), 10, "the daemon to log that it gave up on the 404")
    assert retrying(cli) == [], "a delivery answered 404 is waiting to retry"
    # A retry would come after about 1 s, a second one 2 s after that.
    assert_no_more(scripted, on("/alex"), 3.5, "a retry of an announce answered 404")
    assert cli("back").returncode == 0
    scripted.take_event("/alex", "back", timeout=10)
    assert [r.event for r in scripted.drain()] == ["announce", "back"]


@pytest.mark.parametrize("status", [400, 401, 403, 410])
def test_other_client_errors_are_not_retried(xdg, scripted, cli, daemon, status):
    one_break(xdg, {"alex": webhook(scripted, "/alex")}, ["alex"])
    scripted.script("/alex", Reply(status=status, headers={"Retry-After": "1"}, body=b"no\n"))
    daemon.start()
    assert cli("start", "cool-down").returncode == 0

    scripted.take_event("/alex", "announce", timeout=10)
    wait_until(lambda: "gave up" in daemon.log_text().lower(), 10, f"the daemon to log that it gave up on HTTP {status}")
    assert str(status) in daemon.log_text(), "the log does not name the status it gave up on"
    assert retrying(cli) == [], f"a delivery answered HTTP {status} is waiting to retry"


def test_short_retry_window_closes_and_is_logged(xdg, scripted, cli, daemon):
    one_break(xdg, {"alex": webhook(scripted, "/alex", retry_window="3s")}, ["alex"])
    scripted.script("/alex", *[Reply(status=500, body=b"boom\n")] * 100)
    daemon.start()
    assert cli("start", "cool-down").returncode == 0

    first = scripted.take_event("/alex", "announce", timeout=10)
    entry = wait_retrying(cli, "alex", timeout=5)
    assert parse_ts(entry["expires_at"]) - first.wall <= 3 + 0.5, f"retry_window = \"3s\" is not the window: {entry}"
    wait_nothing_retrying(cli, timeout=15)
    attempts = [r for r in scripted.drain() if r.path == "/alex"]
    assert 2 <= len(attempts) <= 4, [r.summary() for r in attempts]
    same_delivery(*attempts)
    assert attempts[-1].wall <= parse_ts(entry["expires_at"]) + 0.05, "an attempt was made after the window closed"
    assert_no_more(scripted, on("/alex"), 2.6, "an attempt after the retry window closed")
    assert "gave up" in daemon.log_text().lower(), "the end of the retries was not logged"


# ---------------------------------------------------------------------------------------
# kill -9 between attempts, and during one


def test_kill9_while_waiting_to_retry_delivers_once(xdg, scripted, cli, daemon):
    one_break(xdg, {"ok": webhook(scripted, "/ok"), "flaky": webhook(scripted, "/flaky")}, ["ok", "flaky"])
    scripted.script("/flaky", Reply(status=503, headers={"Retry-After": "4"}, body=b"later\n"))
    daemon.start()
    assert cli("start", "cool-down").returncode == 0

    delivered = scripted.take_event("/ok", "announce", timeout=10)
    first = scripted.take_event("/flaky", "announce", timeout=10)
    entry = wait_retrying(cli, "flaky", timeout=5)
    check_retrying_entry(entry, first.json["delivery_id"], "announce", "flaky")
    next_at = parse_ts(entry["next_attempt_at"])
    assert delivered.responded.wait(5)
    cli.status()  # one round trip after the answer: the success is recorded
    assert time.time() < next_at - 0.5, "the test was too slow to kill the daemon before the retry"

    daemon.kill9()
    daemon.start()
    after = wait_retrying(cli, "flaky", timeout=5)
    assert after["delivery_id"] == entry["delivery_id"] and after["attempts"] == 1, (
        f"the waiting retry did not survive kill -9 unchanged: before {entry}, after {after}"
    )
    assert retrying(cli, "ok") == [], "the delivered announce came back as retrying"

    second = scripted.take_event("/flaky", "announce", timeout=15)
    same_delivery(first, second)
    assert second.wall >= next_at - 0.05, (
        f"after the restart the retry came {next_at - second.wall:.3f} s before its time (Retry-After: 4)"
    )
    wait_nothing_retrying(cli)
    assert_no_more(scripted, lambda r: r.event == "announce", 2.6, "an announce sent again after the restart")
    counts = collections.Counter(r.path for r in scripted.drain())
    assert counts == {"/ok": 1, "/flaky": 2}, [r.summary() for r in scripted.drain()]


def test_kill9_during_an_attempt_resends_it_with_the_same_key(xdg, scripted, cli, daemon):
    one_break(xdg, {"ok": webhook(scripted, "/ok"), "slow": webhook(scripted, "/slow", timeout="30s")}, ["ok", "slow"])
    scripted.script("/slow", Reply(hang=True))  # then 200
    daemon.start()
    assert cli("start", "cool-down").returncode == 0

    delivered = scripted.take_event("/ok", "announce", timeout=10)
    in_flight = scripted.take_event("/slow", "announce", timeout=10)
    assert delivered.responded.wait(5)
    cli.status()
    daemon.kill9()  # the /slow attempt is still waiting for its answer
    daemon.start()

    resent = scripted.take_event("/slow", "announce", timeout=15)
    assert resent.status == 200
    same_delivery(in_flight, resent)
    wait_nothing_retrying(cli)
    assert_no_more(scripted, lambda r: r.event == "announce", 2.6, "an announce sent again after the restart")
    assert collections.Counter(r.path for r in scripted.drain()) == {"/ok": 1, "/slow": 2}


# ---------------------------------------------------------------------------------------
# breather test CHANNEL


def test_breather_test_reports_the_outcome_in_one_line(xdg, scripted, cli, daemon):
    write_config(xdg, {"good": webhook(scripted, "/good"), "bad": webhook(scripted, "/bad")})
    scripted.script("/bad", Reply(status=500, body=b"boom\n"))
    daemon.start()

    ok = cli("test", "good")
    assert ok.returncode == 0, str(ok)
    lines = [line for line in (ok.stdout + ok.stderr).splitlines() if line.strip()]
    assert len(lines) == 1, f"expected one line:\n{ok}"
    assert "200" in lines[0], f"the line does not name the status:\n{ok}"
    sent = scripted.take(lambda r: r.path == "/good", 5, "the test message on /good")
    assert sent.event == "test", sent.summary()
    assert sent.headers.get("idempotency-key") == sent.json["delivery_id"], sent.summary()

    failed = cli("test", "bad")
    assert failed.returncode == 1, str(failed)
    assert_one_sentence(failed.stderr, failed)
    assert "500" in failed.stderr, f"the error does not name the status:\n{failed}"
    assert "check" in failed.stderr.lower(), f"the error does not say what to check:\n{failed}"
    scripted.take(lambda r: r.path == "/bad", 5, "the test message on /bad")

    assert retrying(cli) == [], "a test message is waiting to retry"
    assert_no_more(scripted, lambda r: r.path == "/bad", 2.0, "a retry of a failed test message")

    unknown = cli("test", "nobody")
    assert unknown.returncode != 0, str(unknown)
    assert_one_sentence(unknown.stderr, unknown)


# ---------------------------------------------------------------------------------------
# Secrets


URL_SECRET = "s3cr3t-url-7f1e9c2a"
OPEN_SECRET = "s3cr3t-open-44d0b6e1"
DOWN_SECRET = "s3cr3t-down-0a9b8c7d"
TOKEN_SECRET = "tok-s3cr3t-5e6f7a8b9c"
SECRETS = (URL_SECRET, OPEN_SECRET, DOWN_SECRET, TOKEN_SECRET)


def assert_no_secret(text: str, where: str) -> None:
    for secret in SECRETS:
        assert secret not in text, f"the secret {secret!r} appears in {where}:\n{text[-3000:]}"


def test_secrets_never_appear_in_logs_status_or_errors(xdg, scripted, cli, daemon):
    secrets = xdg.config_dir / "secrets"
    secrets.mkdir(parents=True)
    os.chmod(secrets, 0o700)

    def secret_file(name: str, text: str, mode: int) -> None:
        path = secrets / name
        path.write_text(text + "\n")
        os.chmod(path, mode)

    secret_file("url", scripted.url(f"/hook/{URL_SECRET}"), 0o600)
    secret_file("open-url", scripted.url(f"/hook/{OPEN_SECRET}"), 0o644)  # others may read it
    secret_file("down-url", f"http://127.0.0.1:{free_port()}/hook/{DOWN_SECRET}", 0o600)
    secret_file("token", TOKEN_SECRET, 0o600)

    def channel(url_file: str) -> dict[str, Any]:
        return {"type": "webhook", "preset": "json", "url_file": url_file, "token_file": "secrets/token", "timeout": "3s"}

    one_break(
        xdg,
        {"alex": channel("secrets/url"), "open": channel("secrets/open-url"), "down": channel("secrets/down-url")},
        ["alex", "open", "down"],
    )
    alex_path, open_path = f"/hook/{URL_SECRET}", f"/hook/{OPEN_SECRET}"
    scripted.script(alex_path, Reply(status=500, body=b"boom\n"))
    daemon.start()
    started = cli("start", "cool-down")
    assert started.returncode == 0, str(started)
    outputs = [("`breather start`", started.stdout + started.stderr)]

    # The secrets are used: the URL from url_file, the token as a bearer token.
    first = scripted.take_event(alex_path, "announce", timeout=10)
    assert first.headers.get("authorization") == f"Bearer {TOKEN_SECRET}", first.header_list
    scripted.take_event(alex_path, "announce", timeout=15)

    # A secret file others may read is refused, as a failure that is tried again.
    open_entry = wait_retrying(cli, "open", timeout=10)
    assert "chmod" in open_entry["last_error"] or "other" in open_entry["last_error"], (
        f"the refusal does not say the file is readable by others: {open_entry}"
    )
    wait_retrying(cli, "down", timeout=10)
    assert not [r for r in scripted.drain() if r.path == open_path], "a secret file others may read was used"
    status = cli("status", "--json")
    outputs.append(("`breather status --json`", status.stdout + status.stderr))

    scripted.script(alex_path, Reply(status=500, body=b"boom\n"))
    for name in ("alex", "open", "down"):
        result = cli("test", name)
        assert result.returncode == 1, str(result)
        assert_one_sentence(result.stderr, result)
        outputs.append((f"`breather test {name}`", result.stdout + result.stderr))
    doctor = cli("doctor")
    outputs.append(("`breather doctor`", doctor.stdout + doctor.stderr))

    # Made private, the file is read at the next attempt and the announce arrives.
    os.chmod(secrets / "open-url", 0o600)
    late = scripted.take_event(open_path, "announce", timeout=20)
    assert late.json["delivery_id"] == open_entry["delivery_id"], late.summary()

    status = cli("status", "--json")
    outputs.append(("`breather status --json` later", status.stdout + status.stderr))
    outputs.append(("breatherd's stderr", daemon.log_text()))
    for where, text in outputs:
        assert_no_secret(text, where)


def test_failing_before_reminder_is_dropped_at_the_checkin(xdg, scripted, cli, daemon):
    """"5 minutes left" after the check-in would mislead: a before-reminder still retrying
    when the check-in comes is dropped, and the drop is logged."""
    write_config(xdg, {"alex": webhook(scripted, "/alex")})
    write_plan(
        xdg,
        "cool-down",
        plan_toml(
            "4s",
            reminders=[("-3s", ["alex"], "{minutes_left} minutes left."), ("+1s", ["alex"], "{me} is still calming down.")],
            back=(["alex"], "{me} is back."),
        ),
    )
    scripted.script("/alex", *[Reply(status=500, body=b"boom\n")] * 100)
    daemon.start()
    assert cli("start", "cool-down").returncode == 0
    checkin = parse_ts(cli.status()["break"]["checkin_at"])

    first = scripted.take_event("/alex", "reminder", timeout=10, offset=-3)
    wait_retrying(cli, "alex", timeout=5)
    wait_until(lambda: "drop" in daemon.log_text().lower(), 10, "the daemon to log the drop of the -3 s reminder")
    assert time.time() >= checkin - 0.05, "a before-reminder was dropped before its check-in"
    scripted.heal("/alex")  # the receiver is well again: only a wrong resend could reach it now
    after = scripted.take(lambda r: r.offset == 1 and r.status == 200, 15, "the +1 s reminder delivered")
    attempts = [r for r in scripted.drain() if r.offset == -3]
    same_delivery(*attempts)
    assert all(r.wall < checkin + 0.05 for r in attempts), (
        f"a before-reminder was attempted after the check-in: {[r.summary() for r in attempts]}"
    )
    assert first.json["delivery_id"] not in [e["delivery_id"] for e in retrying(cli)], "the dropped reminder still retries"
    assert after.json["offset_seconds"] == 1
    assert cli("back").returncode == 0
    scripted.take_event("/alex", "back", timeout=10)
    cli.wait_settled()
    assert not [r for r in scripted.drain() if r.offset == -3 and r.status == 200], "the dropped reminder was delivered"
