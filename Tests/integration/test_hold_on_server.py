"""`hold_on_server`: the partner's server holds a break's later messages (SPEC, "Messages the
partner's server holds").

Against a real Synapse (delayed events, MSC4140), one per module, reached through a recording
proxy that can also hold its answers back; and against the ntfy stand-in (2.16+ sequence ids,
and a pre-2.16 server without them), one per test. What is checked, each time on the
partner's side: every reminder arrives exactly once and on time — released by breatherd at
its due time while it runs, delivered by the server on its own while breatherd is frozen —
`back`, `cancel` and `extend` take back or move what is held, a server that cannot hold makes
breatherd send as usual and say so once, a `delay_id` is never shown, and a breatherd killed
in the middle of a hand-off or a release still delivers each message once.
"""

from __future__ import annotations

import http.client
import http.server
import json
import os
import signal
import threading
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Optional

import pytest

from breather_harness import (
    Cli,
    CliResult,
    Daemon,
    XdgEnv,
    parse_ts,
    plan_toml,
    secret_file,
    wait_until,
    wait_wall_clock_past,
    write_config,
    write_plan,
)
from servers.ntfy_standin import NtfyStandIn
from servers.synapse_server import DELAYED_EVENTS_PREFIX, MSC4140, SynapseServer

TOPIC = "sam-and-alex"
CANNOT_HOLD = "cannot hold messages"
NTFY_MARGIN = 20.0  # breatherd's `At:` is the due time plus this (ntfy's scheduler ticks every ~10 s)
TICK = 1.0  # the stand-in's scheduler tick, shorter than ntfy's 10 s to keep the tests quick
EARLY = 0.5  # how much before its due time a message may show (clock reading, ms rounding)
LATE = 2.0  # how much after its due time a message released by a running breatherd may show
HELD_WITHIN = 3.5  # the hand-offs are done this soon after `start` (the first reminder is 4 s ahead)


# ---------------------------------------------------------------------------------------
# A CLI that remembers everything it printed, so a test can check that no secret showed.


class RecordingCli(Cli):
    def __init__(self, bin_dir: Path, xdg: XdgEnv):
        super().__init__(bin_dir, xdg)
        self.outputs: list[tuple[str, str]] = []

    def __call__(self, *args: str, timeout: float = 15.0) -> CliResult:
        result = super().__call__(*args, timeout=timeout)
        self.outputs.append((f"`breather {' '.join(args)}`", result.stdout + result.stderr))
        return result


@pytest.fixture
def cli(bin_dir: Path, xdg: XdgEnv) -> RecordingCli:
    return RecordingCli(bin_dir, xdg)


# ---------------------------------------------------------------------------------------
# The test-hooks build (BREATHER_TEST_KILL_AFTER_SAVE), as in test_crash_windows.py.


def wait_killed(daemon: Daemon, timeout: float) -> None:
    assert daemon.proc is not None
    wait_until(lambda: daemon.proc.poll() is not None, timeout, "the test hook to kill breatherd")
    assert daemon.proc.returncode == -9, f"breatherd ended with {daemon.proc.returncode}, not by the hook's SIGKILL"
    assert "killed right after the save" in daemon.log_text(), daemon.log_text()


# ---------------------------------------------------------------------------------------
# Synapse: one homeserver per module (and one without delayed events, started only when a
# test asks for it); a fresh room per test.


@dataclass
class Matrix:
    hs: SynapseServer
    sam: str  # access tokens
    alex: str

    def room(self) -> str:
        room = self.hs.create_room(self.sam, invite=[self.hs.user_id("alex")], name="breather")
        self.hs.join(self.alex, room)
        return room

    def texts(self, room: str) -> list[str]:
        return self.hs.texts(self.alex, room, sender=self.hs.user_id("sam"))

    def held(self, room: str) -> list[dict]:
        """Sam's delayed events still waiting in `room`."""
        return [d for d in self.hs.scheduled(self.sam) if d.get("room_id") == room]

    def wait_text(self, room: str, text: str, timeout: float) -> float:
        """Waits for `text` in `room` (as Alex sees it); returns when the server put it there."""
        event = self.hs.wait_for_text(self.alex, room, text, timeout)
        return event["origin_server_ts"] / 1000.0


def _matrix(folder: Path, delayed_events: bool):
    hs = SynapseServer(folder, delayed_events=delayed_events)
    hs.start()  # a missing Synapse raises here: these tests never skip
    try:
        assert hs.supports_delayed_events() is delayed_events
        yield Matrix(hs, hs.register("sam", "pw-sam"), hs.register("alex", "pw-alex"))
    finally:
        hs.stop()


@pytest.fixture(scope="module")
def synapse(tmp_path_factory) -> Matrix:
    yield from _matrix(tmp_path_factory.mktemp("synapse") / "hs", delayed_events=True)


@pytest.fixture(scope="module")
def synapse_without_delays(tmp_path_factory) -> Matrix:
    yield from _matrix(tmp_path_factory.mktemp("synapse-old") / "hs", delayed_events=False)


@dataclass
class Exchange:
    at: float
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-cased names
    body: bytes
    status: int = 0
    answer: bytes = b""
    answered_at: float = 0.0

    def answer_json(self) -> Any:
        try:
            return json.loads(self.answer)
        except ValueError:
            return None

    @property
    def delay_ms(self) -> Optional[int]:
        values = self.query.get(f"{MSC4140}.delay")
        return int(values[0]) if values else None


HOP_HEADERS = {"host", "connection", "content-length", "transfer-encoding", "keep-alive", "proxy-connection", "te",
               "upgrade", "expect"}


class MatrixProxy:
    """A loopback HTTP proxy in front of Synapse: records every exchange breatherd has with
    the homeserver (including Synapse's answers, so the delay_ids are known), and can hold
    back the answers to chosen requests after Synapse has carried them out."""

    HOLD_CAP = 120.0

    def __init__(self, upstream_port: int):
        self.upstream_port = upstream_port
        self.exchanges: list[Exchange] = []
        self._lock = threading.Lock()
        self._open = threading.Event()
        self._open.set()
        self._hold: Optional[Callable[[Exchange], bool]] = None
        self.held_answers = 0
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            timeout = 60

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _serve(self) -> None:
                proxy._forward(self)

            do_GET = do_PUT = do_POST = do_DELETE = _serve

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self._thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
        self._thread.start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def room_url(self, room: str) -> str:
        return f"{self.base_url}/_matrix/client/v3/rooms/{room}"

    def close(self) -> None:
        self._open.set()
        self.httpd.shutdown()
        self.httpd.server_close()
        self._thread.join(timeout=5)

    def hold_answers(self, match: Callable[[Exchange], bool]) -> None:
        with self._lock:
            self._hold = match
            self._open.clear()

    def release_answers(self) -> None:
        with self._lock:
            self._hold = None
        self._open.set()

    def _forward(self, handler: http.server.BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        split = urllib.parse.urlsplit(handler.path)
        exchange = Exchange(at=time.time(), method=handler.command, path=urllib.parse.unquote(split.path),
                            query=urllib.parse.parse_qs(split.query),
                            headers={k.lower(): v for k, v in handler.headers.items()}, body=body)
        with self._lock:
            self.exchanges.append(exchange)
        headers = {k: v for k, v in handler.headers.items() if k.lower() not in HOP_HEADERS}
        upstream = http.client.HTTPConnection("127.0.0.1", self.upstream_port, timeout=30)
        try:
            upstream.request(handler.command, handler.path, body=body if handler.command in ("PUT", "POST") else None,
                             headers=headers)
            answer = upstream.getresponse()
            status, data = answer.status, answer.read()
            content_type = answer.getheader("Content-Type") or "application/json"
        except OSError as error:
            status, content_type = 502, "application/json"
            data = json.dumps({"errcode": "M_UNKNOWN", "error": f"test proxy: {error}"}).encode()
        finally:
            upstream.close()
        exchange.status, exchange.answer, exchange.answered_at = status, data, time.time()
        with self._lock:
            hold = self._hold
        if hold is not None and not self._open.is_set() and hold(exchange):
            with self._lock:
                self.held_answers += 1
            self._open.wait(self.HOLD_CAP)
        try:
            handler.send_response(status)
            handler.send_header("Content-Type", content_type)
            handler.send_header("Content-Length", str(len(data)))
            handler.end_headers()
            handler.wfile.write(data)
            handler.wfile.flush()
        except OSError:
            pass  # the client is gone (killed): that is the point of holding

    # -- what breatherd did

    def all(self) -> list[Exchange]:
        with self._lock:
            return list(self.exchanges)

    def handoffs(self) -> list[Exchange]:
        """PUT …/send/m.room.message/<txn>?org.matrix.msc4140.delay=…"""
        return [e for e in self.all() if e.method == "PUT" and "/send/" in e.path and e.delay_ms is not None]

    def delay_ids(self) -> list[str]:
        ids = []
        for e in self.handoffs():
            answer = e.answer_json()
            if e.status == 200 and isinstance(answer, dict) and answer.get("delay_id"):
                ids.append(answer["delay_id"])
        return ids

    def actions(self, action: str) -> list[tuple[str, Exchange]]:
        """(delay_id, exchange) of each `send`/`cancel`/`restart` breatherd asked for, in either
        of MSC4140's forms (`…/delayed_events/<id>/<action>` or `…/delayed_events/<id>` with
        `{"action": …}`)."""
        found = []
        prefix = DELAYED_EVENTS_PREFIX + "/"
        for e in self.all():
            if e.method != "POST" or not e.path.startswith(prefix):
                continue
            rest = e.path[len(prefix):].split("/")
            if len(rest) == 2 and rest[1] == action:
                found.append((rest[0], e))
            elif len(rest) == 1:
                try:
                    if json.loads(e.body or b"{}").get("action") == action:
                        found.append((rest[0], e))
                except ValueError:
                    pass
        return found


@pytest.fixture
def proxy(synapse: Matrix):
    p = MatrixProxy(synapse.hs.port)
    yield p
    p.close()


def token_file(xdg: XdgEnv, token: str, name: str = "sam-matrix-token") -> str:
    return secret_file(xdg, name, token)


def matrix_channel(xdg: XdgEnv, url: str, token: str) -> dict[str, Any]:
    """`url` is the room's client-API address (through the proxy, or Synapse itself)."""
    return {"type": "webhook", "preset": "matrix", "url": url, "token_file": token_file(xdg, token),
            "hold_on_server": True, "timeout": "5s"}


def ntfy_channel(ntfy: NtfyStandIn) -> dict[str, Any]:
    return {"type": "webhook", "preset": "ntfy", "url": ntfy.topic_url(TOPIC), "hold_on_server": True,
            "timeout": "5s"}


# ---------------------------------------------------------------------------------------
# Plans: short breaks whose reminders are 4 s or more ahead at `start` (breatherd hands over
# what is more than 2 s ahead).

BACK = "Sam is back and ready to talk."
EXTENDED = "Sam needs a little more time."


def write_break(xdg: XdgEnv, duration: str, reminders: list[tuple[str, str]], name: str = "calm") -> dict[int, str]:
    """A plan with these (offset, message) reminders to alex, and `back` and `extend` messages
    to alex. Returns {offset seconds: message}; the messages are plain text (no variables)
    unless a test checks how one renders."""
    write_plan(xdg, name, plan_toml(
        duration,
        reminders=[(offset, ["alex"], message) for offset, message in reminders],
        back=(["alex"], "{me} is back and ready to talk."),
        extend=(["alex"], "{me} needs a little more time."),
    ))
    return {int(offset.rstrip("s")): message for offset, message in reminders}


def pending(cli: Cli) -> list[dict]:
    data = cli.status()
    return (data.get("break") or {}).get("pending") or []


def dues(entries: list[dict]) -> dict[int, float]:
    return {p["offset_seconds"]: parse_ts(p["due_at"]) for p in entries}


def wait_all_held(cli: Cli, count: int, timeout: float = HELD_WITHIN, moved_past: Optional[dict[int, float]] = None
                  ) -> dict[int, float]:
    """Waits until `status --json` shows `count` pending reminders, each held by alex's server
    (`held_by: ["alex"]`) and, with `moved_past`, each due later than it was; returns their
    due times by offset."""

    def held() -> Optional[dict[int, float]]:
        entries = pending(cli)
        if len(entries) != count:
            return None
        if not all(p.get("held_by") == ["alex"] for p in entries):
            return None
        found = dues(entries)
        if moved_past and not all(found[o] > moved_past[o] + 1 for o in moved_past):
            return None
        return found

    return wait_until(held, timeout, f"status --json to show {count} pending reminders held by alex's server "
                                     f"(held_by: [\"alex\"])", 0.05)


def assert_on_time(what: str, shown: float, due: float, late: float = LATE) -> None:
    assert due - EARLY <= shown <= due + late, (
        f"{what} showed {shown - due:+.2f} s from its due time (allowed -{EARLY} … +{late} s)")


def assert_once(texts: list[str], expected: list[str], where: str) -> None:
    for text in expected:
        assert texts.count(text) == 1, f"{text!r} arrived {texts.count(text)} times on {where}, not once: {texts}"


def assert_secrets_unseen(cli: RecordingCli, daemons: list[Daemon], secrets: list[str]) -> None:
    """No delay_id (Synapse's are `syd_…`) nor other secret in anything breatherd or the CLI
    printed: a delay_id controls the message without a login."""
    places = list(cli.outputs)
    for d in daemons:  # every run's log, not only the last one's
        for path in sorted(d.log_dir.glob("breatherd-*.log")):
            places.append((f"breatherd's log {path}", path.read_text(errors="replace")))
    for where, text in places:
        assert "syd_" not in text, f"a delay_id (syd_…) shows in {where}:\n{text[-3000:]}"
        for secret in secrets:
            assert secret not in text, f"a secret ({secret[:6]}…) shows in {where}:\n{text[-3000:]}"


def show_everything(cli: RecordingCli) -> None:
    """Every place a delay_id could leak through: status and history, text and JSON."""
    cli.ok("status")
    cli.ok("status", "--json")
    cli.ok("history")
    cli.ok("history", "--json")


# ---------------------------------------------------------------------------------------
# ntfy helpers


def ntfy_handoffs(ntfy: NtfyStandIn) -> list:
    """PUT /<topic>/<sequence id> with an At header."""
    return [r for r in ntfy.requests if r.method == "PUT" and r.path.startswith(f"/{TOPIC}/") and r.header("At")]


def sid_of(record) -> str:
    return record.path.split("/")[2]


def wait_ntfy_text(ntfy: NtfyStandIn, text: str, timeout: float) -> dict:
    return wait_until(lambda: next((m for m in ntfy.delivered(TOPIC) if m["message"] == text), None), timeout,
                      f"{text!r} on the ntfy topic", 0.02)


def ntfy_texts(ntfy: NtfyStandIn) -> list[str]:
    return [m["message"] for m in ntfy.delivered(TOPIC)]


def wait_ntfy_held(ntfy: NtfyStandIn, messages: dict[int, str], due: dict[int, float], timeout: float = 5.0) -> list:
    """Waits until the stand-in holds exactly one copy of each message, scheduled for its due
    time plus ntfy's margin; returns the scheduled messages."""

    def right() -> Optional[list]:
        held = ntfy.scheduled(TOPIC)
        if sorted(m["message"] for m in held) != sorted(messages.values()):
            return None
        for offset, text in messages.items():
            m = next(m for m in held if m["message"] == text)
            assert abs(m["time"] - (due[offset] + NTFY_MARGIN)) <= 1.01, (
                f"{text!r} is held for {m['time'] - due[offset]:+.1f} s after its due time, not {NTFY_MARGIN:+.0f} s")
        return held

    return wait_until(right, timeout, f"the ntfy server to hold exactly one copy of each of {list(messages.values())} "
                                      f"(it holds {[m['message'] for m in ntfy.scheduled(TOPIC)]})", 0.05)


def finish(cli: Cli, extra_wait: Callable[[], Any]) -> None:
    """`breather back`, then waits for the back message and for nothing to be left to do."""
    cli.ok("back")
    extra_wait()
    cli.wait_settled(timeout=15)


def frozen(daemon: Daemon):
    """SIGSTOP now; the returned function sends SIGCONT (always call it, also on failure)."""
    assert daemon.proc is not None
    os.kill(daemon.proc.pid, signal.SIGSTOP)

    def thaw() -> None:
        if daemon.proc is not None and daemon.proc.poll() is None:
            os.kill(daemon.proc.pid, signal.SIGCONT)

    return thaw


def wait_caught_up(cli: Cli, timeout: float = 10.0) -> None:
    """After a thaw: nothing pending and nothing waiting for another attempt."""

    def caught_up() -> bool:
        data = cli.status()
        return not (data.get("break") or {}).get("pending") and data.get("retrying") == []

    wait_until(caught_up, timeout, "breatherd to catch up after SIGCONT (no pending reminder, nothing retrying)", 0.1)


# =======================================================================================
# Matrix (Synapse with MSC4140 delayed events)


@pytest.mark.budget(60)
def test_matrix_server_holds_each_reminder_and_breatherd_releases_it_on_time(xdg, cli, daemon, synapse, proxy):
    room = synapse.room()
    write_config(xdg, {"alex": matrix_channel(xdg, proxy.room_url(room), synapse.sam)})
    messages = write_break(xdg, "9s", [("-5s", "Five seconds left."), ("0s", "Time to check in."),
                                       ("+2s", "Sam is still calming down.")])
    daemon.start()
    cli.ok("start", "calm")
    due = wait_all_held(cli, 3)

    # Asked whether the server can hold (versions), then one delayed event per reminder, each
    # for the time until its due instant, answered with a delay_id.
    exchanges = proxy.all()
    versions = [i for i, e in enumerate(exchanges) if e.method == "GET" and e.path == "/_matrix/client/versions"]
    handoffs = proxy.handoffs()
    assert versions and len(handoffs) == 3, [(e.method, e.path, e.status) for e in exchanges]
    assert versions[0] < exchanges.index(handoffs[0]), "breatherd held a message before asking /versions"
    delay_of: dict[int, str] = {}
    for e in handoffs:
        assert e.status == 200, (e.path, e.status, e.answer)
        body = json.loads(e.body)
        offset = next(o for o, text in messages.items() if text == body.get("body"))
        assert body.get("msgtype") == "m.text", body
        assert abs(e.at + e.delay_ms / 1000.0 - due[offset]) <= 0.5, (
            f"the {offset:+d} s reminder was held for {e.delay_ms} ms, which ends "
            f"{e.at + e.delay_ms / 1000.0 - due[offset]:+.2f} s from its due time")
        delay_of[offset] = e.answer_json()["delay_id"]
    assert sorted(d["content"]["body"] for d in synapse.held(room)) == sorted(messages.values())
    delay_ids = list(delay_of.values())
    assert len(set(delay_ids)) == 3, "two reminders were given one delayed event"
    cli.ok("status")  # the delay_ids are saved by now: they must not show

    # Each arrives on time, once; breatherd itself has the server send it at its time.
    for offset, text in sorted(messages.items()):
        shown = synapse.wait_text(room, text, timeout=due[offset] - time.time() + 5)
        assert_on_time(f"the {offset:+d} s reminder", shown, due[offset])
    wait_until(lambda: {i for i, _ in proxy.actions("send")} >= set(delay_ids), 5,
               "breatherd's `send` of each held message at its time")
    for delay_id, e in proxy.actions("send"):
        assert delay_id in delay_ids, "breatherd sent a delayed event it did not hold"
        assert e.status in (200, 404), (e.path, e.status, e.answer)  # 404: Synapse's own timer was first
    for offset, delay_id in delay_of.items():
        first = min(e.at for i, e in proxy.actions("send") if i == delay_id)
        assert_on_time(f"breatherd's `send` of the {offset:+d} s reminder", first, due[offset])
    assert synapse.held(room) == []

    finish(cli, lambda: synapse.wait_text(room, BACK, timeout=10))
    assert_once(synapse.texts(room), [*messages.values(), BACK], "the Matrix room")
    assert CANNOT_HOLD not in daemon.log_text()
    show_everything(cli)
    assert_secrets_unseen(cli, [daemon], delay_ids + [synapse.sam])


@pytest.mark.budget(60)
def test_matrix_server_delivers_held_reminders_while_breatherd_is_frozen(xdg, cli, daemon, synapse, proxy):
    room = synapse.room()
    write_config(xdg, {"alex": matrix_channel(xdg, proxy.room_url(room), synapse.sam)})
    messages = write_break(xdg, "8s", [("-4s", "Four seconds left."), ("0s", "Time to check in.")])
    daemon.start()
    cli.ok("start", "calm")
    due = wait_all_held(cli, 2)
    delay_ids = proxy.delay_ids()

    thaw = frozen(daemon)
    try:
        for offset, text in sorted(messages.items()):
            shown = synapse.wait_text(room, text, timeout=due[offset] - time.time() + 5)
            assert_on_time(f"the {offset:+d} s reminder (breatherd frozen)", shown, due[offset])
        assert synapse.held(room) == []
    finally:
        thaw()

    # Awake again: it does not send them a second time.
    wait_caught_up(cli)
    finish(cli, lambda: synapse.wait_text(room, BACK, timeout=10))
    assert_once(synapse.texts(room), [*messages.values(), BACK], "the Matrix room")
    resent = [e for e in proxy.all() if e.method == "PUT" and "/send/" in e.path and e.delay_ms is None
              and json.loads(e.body or b"{}").get("body") in messages.values()]
    assert not resent, "breatherd sent a held reminder again itself after waking"
    show_everything(cli)
    assert_secrets_unseen(cli, [daemon], delay_ids + [synapse.sam])


@pytest.mark.budget(60)
def test_matrix_back_cancels_what_the_server_still_holds(xdg, cli, daemon, synapse, proxy):
    room = synapse.room()
    write_config(xdg, {"alex": matrix_channel(xdg, proxy.room_url(room), synapse.sam)})
    messages = write_break(xdg, "7s", [("-3s", "Three seconds left."), ("0s", "Time to check in.")])
    daemon.start()
    cli.ok("start", "calm")
    due = wait_all_held(cli, 2)
    delay_ids = proxy.delay_ids()
    assert len(delay_ids) == 2, delay_ids

    cli.ok("back")
    synapse.wait_text(room, BACK, timeout=10)  # the back message is sent as usual
    wait_until(lambda: synapse.held(room) == [], 10, "Synapse to hold nothing more for the room")
    cancelled = {i for i, e in proxy.actions("cancel") if e.status == 200}
    assert cancelled == set(delay_ids), f"breatherd cancelled {len(cancelled)} of the {len(delay_ids)} held messages"
    cli.wait_settled(timeout=10)

    wait_wall_clock_past(max(due.values()) + 1.5, 20, "the last reminder's time to pass")
    texts = synapse.texts(room)
    assert not [t for t in texts if t in messages.values()], f"a reminder arrived after `back`: {texts}"
    assert_once(texts, [BACK], "the Matrix room")
    show_everything(cli)
    assert_secrets_unseen(cli, [daemon], delay_ids + [synapse.sam])


@pytest.mark.budget(60)
def test_matrix_extend_moves_held_reminders_to_the_new_time(xdg, cli, daemon, synapse, proxy):
    room = synapse.room()
    write_config(xdg, {"alex": matrix_channel(xdg, proxy.room_url(room), synapse.sam)})
    messages = write_break(xdg, "8s", [("-4s", "Four seconds left."), ("0s", "Time to check in.")])
    daemon.start()
    cli.ok("start", "calm")
    old_due = wait_all_held(cli, 2)
    old_ids = proxy.delay_ids()

    cli.ok("extend", "6s")
    synapse.wait_text(room, EXTENDED, timeout=10)
    due = wait_all_held(cli, 2, timeout=5, moved_past=old_due)
    for offset in messages:
        assert abs(due[offset] - (old_due[offset] + 6)) <= 0.01, (old_due, due)

    # Synapse holds one copy of each, for the new time; the old ones were cancelled.
    def held_for_new_time() -> bool:
        held = synapse.held(room)
        if sorted(d["content"]["body"] for d in held) != sorted(messages.values()):
            return False
        for d in held:
            offset = next(o for o, text in messages.items() if text == d["content"]["body"])
            fires = (d["running_since"] + d["delay"]) / 1000.0
            assert abs(fires - due[offset]) <= 0.5, f"{d['content']['body']!r} is held until {fires - due[offset]:+.2f} s from its new time"
        return True

    wait_until(held_for_new_time, 5, "Synapse to hold each reminder once, for its new time")
    cancelled = {i for i, e in proxy.actions("cancel")}
    assert set(old_ids) <= cancelled, "the delayed events for the old times were not cancelled"

    for offset, text in sorted(messages.items()):
        shown = synapse.wait_text(room, text, timeout=due[offset] - time.time() + 5)
        assert_on_time(f"the {offset:+d} s reminder after `extend`", shown, due[offset])
    finish(cli, lambda: synapse.wait_text(room, BACK, timeout=10))
    assert_once(synapse.texts(room), [*messages.values(), EXTENDED, BACK], "the Matrix room")
    show_everything(cli)
    assert_secrets_unseen(cli, [daemon], proxy.delay_ids() + [synapse.sam])


@pytest.mark.budget(60)
def test_matrix_without_delayed_events_sends_as_usual_and_says_so_once(xdg, cli, daemon, synapse_without_delays):
    matrix = synapse_without_delays
    room = matrix.room()
    url = f"{matrix.hs.base_url}/_matrix/client/v3/rooms/{room}"
    write_config(xdg, {"alex": matrix_channel(xdg, url, matrix.sam)})
    messages = write_break(xdg, "7s", [("-3s", "Three seconds left."), ("0s", "Time to check in.")])
    daemon.start()
    cli.ok("start", "calm")
    due = dues(pending(cli))
    assert set(due) == set(messages), due

    wait_until(lambda: CANNOT_HOLD in daemon.log_text(), 5, f"breatherd to log that the server {CANNOT_HOLD}")
    assert not [p for p in pending(cli) if p.get("held_by")], "status shows a reminder as held by a server that cannot hold"
    for offset, text in sorted(messages.items()):
        shown = matrix.wait_text(room, text, timeout=due[offset] - time.time() + 5)
        assert_on_time(f"the {offset:+d} s reminder (sent by breatherd)", shown, due[offset])
    finish(cli, lambda: matrix.wait_text(room, BACK, timeout=10))
    assert_once(matrix.texts(room), [*messages.values(), BACK], "the Matrix room")
    count = daemon.log_text().count(CANNOT_HOLD)
    assert count == 1, f"{CANNOT_HOLD!r} is logged {count} times for one channel, not once:\n{daemon.log_text()}"

    tested = cli("test", "alex")
    assert tested.returncode == 0, str(tested)
    assert CANNOT_HOLD in tested.stdout + tested.stderr, f"`breather test alex` does not say the server {CANNOT_HOLD}:\n{tested}"


# =======================================================================================
# ntfy (the stand-in: 2.16+ with sequence ids, and a pre-2.16 server). The reminders are at
# and after the check-in: ntfy's copy comes 20-30 s after its time, so breatherd does not let
# it hold a reminder due less than half a minute before the check-in.


@pytest.mark.budget(60)
def test_ntfy_server_holds_each_reminder_and_breatherd_releases_it_on_time(xdg, cli, daemon):
    with NtfyStandIn(tick=TICK) as ntfy:
        write_config(xdg, {"alex": ntfy_channel(ntfy)})
        messages = write_break(xdg, "4s", [("0s", "Time to check in."), ("+2s", "Sam is still calming down."),
                                           ("+5s", "Sam is on the way.")])
        daemon.start()
        cli.ok("start", "calm")
        due = wait_all_held(cli, 3)

        # One PUT /<topic>/<sequence id> per reminder: the text, and At: its due time + 20 s.
        handoffs = ntfy_handoffs(ntfy)
        assert len(handoffs) == 3, [(r.method, r.path, r.status) for r in ntfy.requests]
        sids = {}
        for r in handoffs:
            assert r.status == 200, (r.path, r.status, r.answer)
            offset = next(o for o, text in messages.items() if text == r.text)
            assert abs(int(r.header("At")) - (due[offset] + NTFY_MARGIN)) <= 1.01, (r.header("At"), due[offset])
            sids[offset] = sid_of(r)
        assert len(set(sids.values())) == 3, f"two reminders share a sequence id: {sids}"
        held = wait_ntfy_held(ntfy, messages, due)
        assert all(m.get("title") for m in held), f"a held message has no title: {held}"

        # Released by breatherd at its due time (the server's own copy would come 20 s later),
        # with the same sequence id: the held copy is replaced, never shown as well.
        for offset, text in sorted(messages.items()):
            m = wait_ntfy_text(ntfy, text, timeout=due[offset] - time.time() + 5)
            assert_on_time(f"the {offset:+d} s reminder", m["delivered_at"], due[offset])
            assert m.get("sequence_id") == sids[offset], m
        assert ntfy.scheduled(TOPIC) == [], "a released message is still held by the server as well"

        finish(cli, lambda: wait_ntfy_text(ntfy, BACK, timeout=10))
        assert_once(ntfy_texts(ntfy), [*messages.values(), BACK], "the ntfy topic")
        assert CANNOT_HOLD not in daemon.log_text()
        show_everything(cli)


@pytest.mark.budget(75)
def test_ntfy_server_delivers_held_reminders_while_breatherd_is_frozen(xdg, cli, daemon):
    with NtfyStandIn(tick=TICK) as ntfy:
        write_config(xdg, {"alex": ntfy_channel(ntfy)})
        # {late} is rendered at the hand-off: "on time", however late the server delivers.
        messages = write_break(xdg, "4s", [("0s", "Check-in time ({late})."), ("+3s", "Still calming down ({late}).")])
        rendered = {o: text.replace("{late}", "on time") for o, text in messages.items()}
        daemon.start()
        cli.ok("start", "calm")
        due = wait_all_held(cli, 2)
        wait_ntfy_held(ntfy, rendered, due)

        thaw = frozen(daemon)
        try:
            for offset, text in sorted(rendered.items()):
                m = wait_ntfy_text(ntfy, text, timeout=due[offset] + NTFY_MARGIN + TICK + 5 - time.time())
                late = m["delivered_at"] - due[offset]
                assert NTFY_MARGIN - 1.01 <= late <= NTFY_MARGIN + TICK + 1.5, (
                    f"the server delivered the {offset:+d} s reminder {late:+.1f} s from its due time, "
                    f"not at its due time + {NTFY_MARGIN:.0f} s")
        finally:
            thaw()

        # Awake again, well past the release window: it publishes nothing a second time.
        wait_caught_up(cli)
        finish(cli, lambda: wait_ntfy_text(ntfy, BACK, timeout=10))
        assert_once(ntfy_texts(ntfy), [*rendered.values(), BACK], "the ntfy topic")
        assert ntfy.scheduled(TOPIC) == []


@pytest.mark.budget(60)
def test_ntfy_cancel_deletes_what_the_server_still_holds(xdg, cli, daemon):
    with NtfyStandIn(tick=TICK) as ntfy:
        write_config(xdg, {"alex": ntfy_channel(ntfy)})
        messages = write_break(xdg, "4s", [("0s", "Time to check in."), ("+3s", "Sam is still calming down.")])
        daemon.start()
        cli.ok("start", "calm")
        due = wait_all_held(cli, 2)
        wait_ntfy_held(ntfy, messages, due)
        sids = {sid_of(r) for r in ntfy_handoffs(ntfy)}

        cli.ok("cancel")
        wait_until(lambda: ntfy.scheduled(TOPIC) == [], 10, "the ntfy server to hold nothing more")
        deleted = {r.path.split("/")[2] for r in ntfy.requests if r.method == "DELETE" and r.status == 200}
        assert sids <= deleted, f"breatherd deleted {sorted(deleted)}, not every held sequence id {sorted(sids)}"
        cli.wait_settled(timeout=10)

        wait_wall_clock_past(max(due.values()) + 1.5, 20, "the last reminder's time to pass")
        ntfy.tick_now()
        texts = ntfy_texts(ntfy)
        assert not [t for t in texts if t in messages.values()], f"a reminder arrived after `cancel`: {texts}"
        assert BACK not in texts, "`cancel` sent the back message"


@pytest.mark.budget(60)
def test_ntfy_extend_moves_held_reminders_to_the_new_time(xdg, cli, daemon):
    with NtfyStandIn(tick=TICK) as ntfy:
        write_config(xdg, {"alex": ntfy_channel(ntfy)})
        messages = write_break(xdg, "4s", [("0s", "Time to check in."), ("+4s", "Sam is still calming down.")])
        daemon.start()
        cli.ok("start", "calm")
        old_due = wait_all_held(cli, 2)
        wait_ntfy_held(ntfy, messages, old_due)

        cli.ok("extend", "6s")
        wait_ntfy_text(ntfy, EXTENDED, timeout=10)
        due = wait_all_held(cli, 2, timeout=5, moved_past=old_due)
        for offset in messages:
            assert abs(due[offset] - (old_due[offset] + 6)) <= 0.01, (old_due, due)
        wait_ntfy_held(ntfy, messages, due)  # one copy each, for the new time: the old ones are gone

        for offset, text in sorted(messages.items()):
            m = wait_ntfy_text(ntfy, text, timeout=due[offset] - time.time() + 5)
            assert_on_time(f"the {offset:+d} s reminder after `extend`", m["delivered_at"], due[offset])
        assert ntfy.scheduled(TOPIC) == []
        finish(cli, lambda: wait_ntfy_text(ntfy, BACK, timeout=10))
        assert_once(ntfy_texts(ntfy), [*messages.values(), EXTENDED, BACK], "the ntfy topic")


@pytest.mark.budget(60)
def test_ntfy_without_sequence_ids_sends_as_usual_and_says_so_once(xdg, cli, daemon):
    with NtfyStandIn(sequence_ids=False, tick=TICK) as ntfy:
        write_config(xdg, {"alex": ntfy_channel(ntfy)})
        messages = write_break(xdg, "4s", [("0s", "Time to check in."), ("+3s", "Sam is still calming down.")])
        daemon.start()
        cli.ok("start", "calm")
        due = dues(pending(cli))
        assert set(due) == set(messages), due

        wait_until(lambda: CANNOT_HOLD in daemon.log_text(), 5, f"breatherd to log that the server {CANNOT_HOLD}")
        assert not [p for p in pending(cli) if p.get("held_by")], "status shows a reminder as held by a server that cannot hold"
        for offset, text in sorted(messages.items()):
            m = wait_ntfy_text(ntfy, text, timeout=due[offset] - time.time() + 5)
            assert_on_time(f"the {offset:+d} s reminder (sent by breatherd)", m["delivered_at"], due[offset])
        finish(cli, lambda: wait_ntfy_text(ntfy, BACK, timeout=10))
        assert ntfy.scheduled(TOPIC) == [], f"an old server was left holding copies: {ntfy.scheduled(TOPIC)}"
        assert_once(ntfy_texts(ntfy), [*messages.values(), BACK], "the ntfy topic")
        count = daemon.log_text().count(CANNOT_HOLD)
        assert count == 1, f"{CANNOT_HOLD!r} is logged {count} times for one channel, not once:\n{daemon.log_text()}"

        tested = cli("test", "alex")
        assert tested.returncode == 0, str(tested)
        assert CANNOT_HOLD in tested.stdout + tested.stderr, f"`breather test alex` does not say the server {CANNOT_HOLD}:\n{tested}"


# =======================================================================================
# Crashes in the middle of a hand-off or a release: each message still arrives once.


def restarted(cli: Cli, daemon: Daemon, count: int, due: Optional[dict[int, float]]) -> dict[int, float]:
    """Starts breatherd again after a crash: the break runs on, every reminder held."""
    daemon.start()
    assert cli.status()["active"] is True, "the break did not survive the crash"
    held = wait_all_held(cli, count, timeout=5)
    if due is not None:
        assert held == due, f"the due times changed across the crash: {due} -> {held}"
    return held


def ntfy_restart_and_check(cli: Cli, daemon: Daemon, ntfy: NtfyStandIn, messages: dict[int, str],
                           due: Optional[dict[int, float]] = None) -> None:
    """After a crash: the restarted breatherd holds each message once (re-sending a hand-off
    with its sequence id replaces, never doubles), releases it on time, and each arrives once."""
    due = restarted(cli, daemon, len(messages), due)
    wait_ntfy_held(ntfy, messages, due)
    for offset, text in sorted(messages.items()):
        m = wait_ntfy_text(ntfy, text, timeout=due[offset] - time.time() + 5)
        assert_on_time(f"the {offset:+d} s reminder after the restart", m["delivered_at"], due[offset])
    assert ntfy.scheduled(TOPIC) == []
    finish(cli, lambda: wait_ntfy_text(ntfy, BACK, timeout=10))
    assert_once(ntfy_texts(ntfy), [*messages.values(), BACK], "the ntfy topic")


@pytest.mark.budget(60)
def test_ntfy_killed_right_after_a_hand_off_is_saved(xdg, cli, daemon, hooks_daemon):
    with NtfyStandIn(tick=TICK) as ntfy:
        write_config(xdg, {"alex": ntfy_channel(ntfy)})
        messages = write_break(xdg, "4s", [("0s", "Time to check in."), ("+4s", "Sam is still calming down.")])
        hooks_daemon.extra_env["BREATHER_TEST_KILL_AFTER_SAVE"] = "is held by the server"
        hooks_daemon.start()
        cli("start", "calm")  # the kill may come before or after its answer
        wait_killed(hooks_daemon, timeout=HELD_WITHIN)
        assert ntfy_handoffs(ntfy), "killed after a hand-off was saved, but the server never got one"
        ntfy_restart_and_check(cli, daemon, ntfy, messages)


@pytest.mark.budget(60)
def test_ntfy_killed_after_the_server_took_a_hand_off_but_before_breatherd_heard(xdg, cli, daemon):
    with NtfyStandIn(tick=TICK) as ntfy:
        write_config(xdg, {"alex": ntfy_channel(ntfy)})
        messages = write_break(xdg, "4s", [("0s", "Time to check in."), ("+4s", "Sam is still calming down.")])
        ntfy.hold_answers(lambda r: r.method == "PUT" and bool(r.header("At")))
        daemon.start()
        cli.ok("start", "calm")
        due = dues(pending(cli))
        wait_until(lambda: ntfy.held_answers >= 1, HELD_WITHIN, "the server to take a hand-off (its answer held back)")
        assert ntfy.scheduled(TOPIC), "the server holds nothing although it took a hand-off"
        daemon.kill9()  # the server holds it; breatherd never heard so
        ntfy.release_answers()
        ntfy_restart_and_check(cli, daemon, ntfy, messages, due)


@pytest.mark.budget(75)
def test_ntfy_killed_right_after_a_release_is_saved(xdg, cli, daemon, hooks_daemon):
    with NtfyStandIn(tick=TICK) as ntfy:
        write_config(xdg, {"alex": ntfy_channel(ntfy)})
        messages = write_break(xdg, "4s", [("0s", "Time to check in."), ("+4s", "Sam is still calming down.")])
        hooks_daemon.extra_env["BREATHER_TEST_KILL_AFTER_SAVE"] = "released"
        hooks_daemon.start()
        cli.ok("start", "calm")
        due = wait_all_held(cli, 2)
        first, second = sorted(messages)
        wait_killed(hooks_daemon, timeout=due[first] - time.time() + 5)

        daemon.start()
        # The first: released before the kill, or by the restarted breatherd, or at the latest
        # by the server at its due time + 20 s; once whichever it was. The second (held before
        # the kill) is released on time by the restarted breatherd.
        m = wait_ntfy_text(ntfy, messages[first], timeout=due[first] + NTFY_MARGIN + TICK + 5 - time.time())
        assert m["delivered_at"] <= due[first] + NTFY_MARGIN + TICK + 1.5, m
        m = wait_ntfy_text(ntfy, messages[second], timeout=due[second] - time.time() + 5)
        assert_on_time(f"the {second:+d} s reminder after the restart", m["delivered_at"], due[second])
        wait_until(lambda: ntfy.scheduled(TOPIC) == [], NTFY_MARGIN + TICK + 5, "the server to hold nothing more")
        finish(cli, lambda: wait_ntfy_text(ntfy, BACK, timeout=10))
        assert_once(ntfy_texts(ntfy), [*messages.values(), BACK], "the ntfy topic")


def matrix_restart_and_check(cli: RecordingCli, daemon: Daemon, synapse: Matrix, proxy: MatrixProxy, room: str,
                             messages: dict[int, str], due: Optional[dict[int, float]], daemons: list[Daemon]) -> None:
    """After a crash: Synapse holds each message once (the same transaction id gives the same
    delayed event), each arrives once and on time."""
    due = restarted(cli, daemon, len(messages), due)
    held = synapse.held(room)
    assert sorted(d["content"]["body"] for d in held) == sorted(messages.values()), (
        f"Synapse holds {[d['content']['body'] for d in held]} after the restart, not one of each")
    for offset, text in sorted(messages.items()):
        shown = synapse.wait_text(room, text, timeout=due[offset] - time.time() + 5)
        assert_on_time(f"the {offset:+d} s reminder after the restart", shown, due[offset])
    finish(cli, lambda: synapse.wait_text(room, BACK, timeout=10))
    assert synapse.held(room) == []
    assert_once(synapse.texts(room), [*messages.values(), BACK], "the Matrix room")
    show_everything(cli)
    assert_secrets_unseen(cli, daemons, proxy.delay_ids() + [synapse.sam])


@pytest.mark.budget(60)
def test_matrix_killed_right_after_a_hand_off_is_saved(xdg, cli, daemon, hooks_daemon, synapse, proxy):
    room = synapse.room()
    write_config(xdg, {"alex": matrix_channel(xdg, proxy.room_url(room), synapse.sam)})
    messages = write_break(xdg, "8s", [("-4s", "Four seconds left."), ("0s", "Time to check in.")])
    hooks_daemon.extra_env["BREATHER_TEST_KILL_AFTER_SAVE"] = "is held by the server"
    hooks_daemon.start()
    cli("start", "calm")  # the kill may come before or after its answer
    wait_killed(hooks_daemon, timeout=HELD_WITHIN)
    assert proxy.delay_ids(), "killed after a hand-off was saved, but Synapse never answered one"
    matrix_restart_and_check(cli, daemon, synapse, proxy, room, messages, None, [hooks_daemon, daemon])


@pytest.mark.budget(60)
def test_matrix_killed_after_synapse_took_a_hand_off_but_before_breatherd_heard(xdg, cli, daemon, synapse, proxy):
    room = synapse.room()
    write_config(xdg, {"alex": matrix_channel(xdg, proxy.room_url(room), synapse.sam)})
    messages = write_break(xdg, "8s", [("-4s", "Four seconds left."), ("0s", "Time to check in.")])
    proxy.hold_answers(lambda e: e.method == "PUT" and e.delay_ms is not None and e.status == 200)
    daemon.start()
    cli.ok("start", "calm")
    due = dues(pending(cli))
    wait_until(lambda: proxy.held_answers >= 1, HELD_WITHIN, "Synapse to take a hand-off (its answer held back)")
    assert synapse.held(room), "Synapse holds nothing although it took a hand-off"
    daemon.kill9()  # Synapse holds it; breatherd never heard its delay_id
    proxy.release_answers()
    matrix_restart_and_check(cli, daemon, synapse, proxy, room, messages, due, [daemon])


# =======================================================================================
# doctor: breatherd asks each server, and nothing reaches the partner


def doctor_line(result: Any, channel: str) -> str:
    lines = [line for line in result.stdout.splitlines() if f"server of {channel}:" in line]
    assert len(lines) == 1, f"doctor has {len(lines)} lines about the server of {channel}, not one:\n{result}"
    return lines[0]


@pytest.mark.budget(60)
def test_doctor_asks_each_server_whether_it_can_hold_and_checks_the_matrix_account(xdg, cli, daemon, synapse):
    room = synapse.room()
    url = f"{synapse.hs.base_url}/_matrix/client/v3/rooms/{room}"
    # A room the sending account has not joined.
    elsewhere = synapse.hs.create_room(synapse.alex, invite=[], name="elsewhere")
    with NtfyStandIn(tick=TICK) as new, NtfyStandIn(tick=TICK, sequence_ids=False) as old:
        write_config(xdg, {
            "alex": matrix_channel(xdg, url, synapse.sam),
            "badtoken": {**matrix_channel(xdg, url, synapse.sam),
                         "token_file": token_file(xdg, "syt_not_a_token", "bad-token")},
            "stranger": matrix_channel(xdg, f"{synapse.hs.base_url}/_matrix/client/v3/rooms/{elsewhere}", synapse.sam),
            "ntfynew": ntfy_channel(new),
            "ntfyold": ntfy_channel(old),
        })
        daemon.start()
        before = synapse.texts(room)
        result = cli("doctor", timeout=60)
        assert result.returncode == 1, str(result)
        assert doctor_line(result, "alex").startswith("ok") and "can hold messages" in doctor_line(result, "alex"), str(result)
        assert doctor_line(result, "ntfynew").startswith("ok"), str(result)
        line = doctor_line(result, "badtoken")
        assert line.startswith("!!") and "token_file" in line and "syt_not_a_token" not in result.stdout, str(result)
        line = doctor_line(result, "stranger")
        assert line.startswith("!!") and "has not joined" in line, str(result)
        line = doctor_line(result, "ntfyold")
        assert line.startswith("!!") and CANNOT_HOLD in line, str(result)
        # Asking sent nothing anyone reads.
        assert synapse.texts(room) == before
        assert new.delivered(TOPIC) == [] and old.delivered(TOPIC) == []
