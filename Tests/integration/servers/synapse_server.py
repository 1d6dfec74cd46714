"""A real Matrix homeserver (Synapse) for Breather's integration tests.

`SynapseServer(folder)` installs Synapse into a virtualenv if it is not there yet, writes its
own small `homeserver.yaml` into `folder`, starts Synapse as a child process listening only on
127.0.0.1, and stops it by its PID. The client helpers use only the standard library (urllib)
and talk only to 127.0.0.1.

    with SynapseServer(tmp / "synapse") as hs:
        sam = hs.register("sam", "pw-sam")
        alex = hs.register("alex", "pw-alex")
        room = hs.create_room(sam, invite=[hs.user_id("alex")])
        hs.join(alex, room)
        delay_id = hs.delayed_send(sam, room, "Back in 20 minutes", 2000, "txn-1")
        status, body = hs.delayed_action(None, delay_id, "send")   # a delay_id needs no login

Virtualenv: $BREATHER_SYNAPSE_VENV, or `<repo>/.venv-synapse`. When it lacks Synapse it is made
with `/usr/bin/python3 -m venv` and `pip install matrix-synapse` (about a minute); a `.gitignore`
holding `*` is put inside it so git never sees it.

`delayed_events=False` starts a server without MSC4140 (no `max_event_delay_duration`): a
`?org.matrix.msc4140.delay=` send is then refused with 403 M_FORBIDDEN and /versions does not
advertise `org.matrix.msc4140`.

Run `/work/main/.venv-synapse/bin/python -m Tests.integration.servers.synapse_server` or
`/usr/bin/python3 -m Tests.integration.servers.synapse_server` from the repository root for
the self-check; it is not a pytest test.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any, Callable, Optional

REPO_ROOT = Path(__file__).resolve().parents[3]
DEFAULT_VENV = REPO_ROOT / ".venv-synapse"
SYSTEM_PYTHON = "/usr/bin/python3"

MSC4140 = "org.matrix.msc4140"
DELAYED_EVENTS_PREFIX = f"/_matrix/client/unstable/{MSC4140}/delayed_events"


class SynapseSetupError(RuntimeError):
    """Synapse could not be installed, configured or started."""


class MatrixError(AssertionError):
    """A Matrix request answered with something other than 2xx."""

    def __init__(self, method: str, path: str, status: int, body: Any):
        self.method, self.path, self.status, self.body = method, path, status, body
        errcode = body.get("errcode") if isinstance(body, dict) else None
        error = body.get("error") if isinstance(body, dict) else body
        super().__init__(f"{method} {path} answered HTTP {status} {errcode or ''} {error or ''}".strip())

    @property
    def errcode(self) -> Optional[str]:
        return self.body.get("errcode") if isinstance(self.body, dict) else None


# ---------------------------------------------------------------------------------------
# Virtualenv


def venv_path() -> Path:
    value = os.environ.get("BREATHER_SYNAPSE_VENV")
    return Path(value) if value else DEFAULT_VENV


def _has_synapse(python: Path) -> bool:
    if not python.exists():
        return False
    try:
        done = subprocess.run([str(python), "-c", "import synapse.app.homeserver"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def ensure_synapse_venv(venv: Optional[Path] = None, install_timeout: float = 900.0) -> Path:
    """Returns the virtualenv's python with Synapse importable, installing it if needed."""
    venv = Path(venv) if venv else venv_path()
    python = venv / "bin" / "python"
    if _has_synapse(python):
        if not (venv / ".gitignore").exists():
            (venv / ".gitignore").write_text("*\n")
        return python
    log = venv / "install.log"
    if not python.exists():
        try:
            done = subprocess.run([SYSTEM_PYTHON, "-m", "venv", str(venv)], stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE, timeout=120)
        except (OSError, subprocess.TimeoutExpired) as error:
            raise SynapseSetupError(f"a virtualenv for Synapse could not be made at {venv} ({error})") from error
        if done.returncode != 0:
            last = (done.stderr.decode(errors="replace").strip().splitlines() or ["no message"])[-1]
            raise SynapseSetupError(f"a virtualenv for Synapse could not be made at {venv}: {last}")
    try:
        (venv / ".gitignore").write_text("*\n")
        with open(log, "wb") as out:
            subprocess.run([str(venv / "bin" / "pip"), "install", "--disable-pip-version-check",
                            "matrix-synapse"], check=True, stdout=out, stderr=subprocess.STDOUT,
                           timeout=install_timeout)
    except (OSError, subprocess.CalledProcessError, subprocess.TimeoutExpired) as error:
        raise SynapseSetupError(
            f"Synapse could not be installed into {venv} ({error}); see {log} for pip's output") from error
    if not _has_synapse(python):
        raise SynapseSetupError(f"Synapse was installed into {venv} but cannot be imported; see {log}")
    return python


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---------------------------------------------------------------------------------------
# The server


_GENEROUS = {"per_second": 10000, "burst_count": 100000}


class SynapseServer:
    """One Synapse homeserver on 127.0.0.1, configured and run from `folder`."""

    def __init__(self, folder: os.PathLike | str, *, delayed_events: bool = True,
                 server_name: str = "breather.test", max_event_delay: str = "24h",
                 start_timeout: float = 90.0, venv: Optional[os.PathLike | str] = None,
                 request_timeout: float = 15.0):
        self.folder = Path(folder).resolve()
        self.delayed_events = delayed_events
        self.server_name = server_name
        self.max_event_delay = max_event_delay
        self.start_timeout = start_timeout
        self.venv = Path(venv) if venv else venv_path()
        self.request_timeout = request_timeout
        self.port = 0
        self.process: Optional[subprocess.Popen] = None
        self.shared_secret = secrets.token_hex(24)
        self.config_path = self.folder / "homeserver.yaml"
        self.log_path = self.folder / "homeserver.log"
        self.users: dict[str, str] = {}  # localpart -> access token
        self._txn = 0

    # -- lifecycle -----------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> Optional[int]:
        return self.process.pid if self.process else None

    def __enter__(self) -> "SynapseServer":
        self.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def config(self) -> dict:
        f = self.folder
        config: dict[str, Any] = {
            "server_name": self.server_name,
            "pid_file": str(f / "homeserver.pid"),
            "listeners": [{
                "port": self.port, "bind_addresses": ["127.0.0.1"], "type": "http",
                "tls": False, "x_forwarded": False,
                "resources": [{"names": ["client"], "compress": False}],
            }],
            "database": {"name": "sqlite3", "args": {"database": str(f / "homeserver.db")}},
            "media_store_path": str(f / "media_store"),
            "signing_key_path": str(f / "signing.key"),
            "registration_shared_secret": self.shared_secret,
            "macaroon_secret_key": secrets.token_hex(24),
            "form_secret": secrets.token_hex(24),
            "report_stats": False,
            "trusted_key_servers": [],
            "suppress_key_server_warning": True,
            "enable_registration": False,
            "presence": {"enabled": False},
            "url_preview_enabled": False,
            # Rate limits high enough that no test ever meets them.
            "rc_message": _GENEROUS,
            "rc_registration": _GENEROUS,
            "rc_login": {"address": _GENEROUS, "account": _GENEROUS, "failed_attempts": _GENEROUS},
            "rc_joins": {"local": _GENEROUS, "remote": _GENEROUS},
            "rc_joins_per_room": _GENEROUS,
            "rc_invites": {"per_room": _GENEROUS, "per_user": _GENEROUS, "per_issuer": _GENEROUS},
            "rc_3pid_validation": _GENEROUS,
            "rc_delayed_event_mgmt": _GENEROUS,
            "rc_room_creation": _GENEROUS,
            "rc_presence": {"per_user": _GENEROUS},
            "rc_reports": _GENEROUS,
            "rc_user_directory": _GENEROUS,
            "rc_admin_redaction": _GENEROUS,
            "rc_key_requests": _GENEROUS,
            "rc_media_create": _GENEROUS,
        }
        if self.delayed_events:
            config["max_event_delay_duration"] = self.max_event_delay
        return config

    def start(self) -> None:
        if self.process is not None:
            raise SynapseSetupError("this SynapseServer was already started")
        python = ensure_synapse_venv(self.venv)
        self.folder.mkdir(parents=True, exist_ok=True)
        (self.folder / "media_store").mkdir(exist_ok=True)
        key = self.folder / "signing.key"
        if not key.exists():
            try:
                subprocess.run([str(python), "-m", "synapse._scripts.generate_signing_key", "-o", str(key)],
                               check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=60)
            except (OSError, subprocess.CalledProcessError, subprocess.TimeoutExpired) as error:
                raise SynapseSetupError(f"Synapse's signing key could not be generated ({error})") from error
        for attempt in range(3):
            if self._launch(python, last_attempt=attempt == 2):
                return

    def _launch(self, python: Path, last_attempt: bool) -> bool:
        """One start on a fresh free port; False when the port was taken meanwhile (try again)."""
        self.port = free_port()
        # JSON is YAML: Synapse reads it as its homeserver.yaml.
        self.config_path.write_text(json.dumps(self.config(), indent=2) + "\n")
        log_start = self.log_path.stat().st_size if self.log_path.exists() else 0
        log = open(self.log_path, "ab")
        try:
            self.process = subprocess.Popen(
                [str(python), "-m", "synapse.app.homeserver", "-c", str(self.config_path)],
                cwd=str(self.folder), stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True)
        finally:
            log.close()
        deadline = time.monotonic() + self.start_timeout
        while True:
            if self.process.poll() is not None:
                code = self.process.returncode
                self.process = None
                with open(self.log_path, "rb") as f:
                    f.seek(log_start)
                    this_run = f.read().decode(errors="replace")
                if "Address already in use" in this_run and not last_attempt:
                    return False
                raise SynapseSetupError(
                    f"Synapse exited with status {code} while starting; its log is {self.log_path}:\n"
                    + self._log_tail())
            try:
                status, _ = self._raw("GET", "/_matrix/client/versions", timeout=2.0)
                if status == 200:
                    return True
            except OSError:
                pass
            if time.monotonic() >= deadline:
                self.stop()
                raise SynapseSetupError(
                    f"Synapse did not answer /_matrix/client/versions within {self.start_timeout:.0f} s; "
                    f"its log is {self.log_path}:\n" + self._log_tail())
            time.sleep(0.2)

    def stop(self, timeout: float = 15.0) -> None:
        """Stops Synapse by its PID: SIGTERM, then SIGKILL after `timeout` seconds."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        try:
            os.kill(process.pid, signal.SIGTERM)
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.kill(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
        except ProcessLookupError:
            pass

    def _log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    # -- HTTP ------------------------------------------------------------------------------

    def _raw(self, method: str, path: str, *, token: Optional[str] = None, body: Any = None,
             query: Optional[dict] = None, timeout: Optional[float] = None) -> tuple[int, Any]:
        url = self.base_url + path
        if query:
            url += "?" + urllib.parse.urlencode(query)
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(url, data=data, method=method)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        try:
            with urllib.request.urlopen(request, timeout=timeout or self.request_timeout) as answer:
                status, raw = answer.status, answer.read()
        except urllib.error.HTTPError as error:
            status, raw = error.code, error.read()
        try:
            parsed = json.loads(raw) if raw else None
        except ValueError:
            parsed = raw.decode(errors="replace")
        return status, parsed

    def request(self, method: str, path: str, *, token: Optional[str] = None, body: Any = None,
                query: Optional[dict] = None, timeout: Optional[float] = None) -> Any:
        """A client-API request; returns the JSON body of a 2xx answer, raises MatrixError otherwise."""
        status, parsed = self._raw(method, path, token=token, body=body, query=query, timeout=timeout)
        if not 200 <= status < 300:
            raise MatrixError(method, path, status, parsed)
        return parsed

    @staticmethod
    def q(value: str) -> str:
        return urllib.parse.quote(value, safe="")

    def next_txn(self, prefix: str = "t") -> str:
        self._txn += 1
        return f"{prefix}{self._txn}-{secrets.token_hex(4)}"

    # -- server facts ------------------------------------------------------------------------

    def versions(self) -> dict:
        return self.request("GET", "/_matrix/client/versions")

    def supports_delayed_events(self) -> bool:
        return bool(self.versions().get("unstable_features", {}).get(MSC4140))

    def server_version(self) -> str:
        return self.request("GET", "/_synapse/admin/v1/server_version")["server_version"]

    # -- users -------------------------------------------------------------------------------

    def user_id(self, localpart: str) -> str:
        return f"@{localpart}:{self.server_name}"

    def register(self, user: str, password: str, admin: bool = False) -> str:
        """Registers `user` with the shared-secret admin API; returns its access token."""
        path = "/_synapse/admin/v1/register"
        nonce = self.request("GET", path)["nonce"]
        mac = hmac.new(self.shared_secret.encode(), digestmod=hashlib.sha1)
        for part in (nonce, user, password):
            mac.update(part.encode())
            mac.update(b"\x00")
        mac.update(b"admin" if admin else b"notadmin")
        answer = self.request("POST", path, body={"nonce": nonce, "username": user, "password": password,
                                                   "admin": admin, "mac": mac.hexdigest()})
        self.users[user] = answer["access_token"]
        return answer["access_token"]

    def whoami(self, token: str) -> str:
        return self.request("GET", "/_matrix/client/v3/account/whoami", token=token)["user_id"]

    # -- rooms -------------------------------------------------------------------------------

    def create_room(self, token: str, invite: Optional[list[str]] = None, name: Optional[str] = None) -> str:
        body: dict[str, Any] = {"preset": "private_chat", "invite": list(invite or [])}
        if name:
            body["name"] = name
        return self.request("POST", "/_matrix/client/v3/createRoom", token=token, body=body)["room_id"]

    def join(self, token: str, room: str) -> str:
        return self.request("POST", f"/_matrix/client/v3/join/{self.q(room)}", token=token, body={})["room_id"]

    def messages(self, token: str, room: str, limit: int = 100) -> list[dict]:
        """The room's latest `limit` events (`/messages?dir=b`), returned oldest first."""
        answer = self.request("GET", f"/_matrix/client/v3/rooms/{self.q(room)}/messages", token=token,
                              query={"dir": "b", "limit": str(limit)})
        return list(reversed(answer.get("chunk", [])))

    def texts(self, token: str, room: str, sender: Optional[str] = None, limit: int = 100) -> list[str]:
        """Bodies of the room's m.room.message events, oldest first (optionally from one sender)."""
        return [e["content"].get("body") for e in self.messages(token, room, limit)
                if e.get("type") == "m.room.message" and (sender is None or e.get("sender") == sender)
                and "body" in e.get("content", {})]

    def sync(self, token: str, since: Optional[str] = None, timeout_ms: int = 0,
             filter: Optional[dict | str] = None) -> dict:
        query: dict[str, str] = {"timeout": str(int(timeout_ms))}
        if since:
            query["since"] = since
        if filter is not None:
            query["filter"] = filter if isinstance(filter, str) else json.dumps(filter)
        return self.request("GET", "/_matrix/client/v3/sync", token=token, query=query,
                            timeout=self.request_timeout + timeout_ms / 1000.0)

    @staticmethod
    def timeline(sync_answer: dict, room: str) -> list[dict]:
        """The timeline events of `room` in a /sync answer."""
        return sync_answer.get("rooms", {}).get("join", {}).get(room, {}).get("timeline", {}).get("events", [])

    def send_event(self, token: str, room: str, event_type: str, content: dict,
                   txn: Optional[str] = None) -> str:
        txn = txn or self.next_txn()
        path = f"/_matrix/client/v3/rooms/{self.q(room)}/send/{self.q(event_type)}/{self.q(txn)}"
        return self.request("PUT", path, token=token, body=content)["event_id"]

    def send_text(self, token: str, room: str, body: str, reply_to: Optional[str] = None,
                  txn: Optional[str] = None) -> str:
        content: dict[str, Any] = {"msgtype": "m.text", "body": body}
        if reply_to:
            content["m.relates_to"] = {"m.in_reply_to": {"event_id": reply_to}}
        return self.send_event(token, room, "m.room.message", content, txn)

    def react(self, token: str, room: str, event_id: str, key: str, txn: Optional[str] = None) -> str:
        content = {"m.relates_to": {"rel_type": "m.annotation", "event_id": event_id, "key": key}}
        return self.send_event(token, room, "m.reaction", content, txn)

    def redact(self, token: str, room: str, event_id: str, txn: Optional[str] = None) -> str:
        """Deletes an event's content (`PUT …/redact/{event_id}/{txn}`); returns the redaction's id."""
        txn = txn or self.next_txn("r")
        path = f"/_matrix/client/v3/rooms/{self.q(room)}/redact/{self.q(event_id)}/{self.q(txn)}"
        return self.request("PUT", path, token=token, body={})["event_id"]

    # -- delayed events (MSC4140) ----------------------------------------------------------

    def delayed_send_raw(self, token: str, room: str, body: str, delay_ms: int, txn: str) -> tuple[int, Any]:
        path = f"/_matrix/client/v3/rooms/{self.q(room)}/send/m.room.message/{self.q(txn)}"
        return self._raw("PUT", path, token=token, body={"msgtype": "m.text", "body": body},
                         query={f"{MSC4140}.delay": str(int(delay_ms))})

    def delayed_send(self, token: str, room: str, body: str, delay_ms: int, txn: str) -> str:
        """Sends an m.text that Synapse holds for `delay_ms`; returns its delay_id."""
        status, answer = self.delayed_send_raw(token, room, body, delay_ms, txn)
        if status != 200 or not isinstance(answer, dict) or "delay_id" not in answer:
            raise MatrixError("PUT", f"/rooms/{room}/send?{MSC4140}.delay={delay_ms}", status, answer)
        return answer["delay_id"]

    def delayed_action(self, token: Optional[str], delay_id: str, action: str) -> tuple[int, Any]:
        """`send`, `cancel` or `restart` a delayed event; returns (HTTP status, JSON body).

        Tries `POST …/delayed_events/{id}/{action}` with `{}`; if the server does not know that
        endpoint (404/405 M_UNRECOGNIZED), `POST …/delayed_events/{id}` with `{"action": …}`.
        `token` may be None: a delay_id works without a login."""
        if action not in ("send", "cancel", "restart"):
            raise ValueError(f"unknown delayed-event action {action!r}")
        base = f"{DELAYED_EVENTS_PREFIX}/{self.q(delay_id)}"
        status, answer = self._raw("POST", f"{base}/{action}", token=token, body={})
        if status in (404, 405) and (not isinstance(answer, dict) or answer.get("errcode") == "M_UNRECOGNIZED"):
            status, answer = self._raw("POST", base, token=token, body={"action": action})
        return status, answer

    def scheduled(self, token: str) -> list[dict]:
        """The sender's own scheduled delayed events (GET …/delayed_events)."""
        return self.request("GET", DELAYED_EVENTS_PREFIX, token=token).get("delayed_events", [])

    # -- waiting ------------------------------------------------------------------------------

    def wait_for_event(self, token: str, room: str, match: Callable[[dict], bool], timeout: float,
                       what: str) -> dict:
        """Polls /messages until an event satisfies `match`; fails with one sentence after `timeout`."""
        deadline = time.monotonic() + timeout
        while True:
            for event in self.messages(token, room):
                if match(event):
                    return event
            if time.monotonic() >= deadline:
                raise AssertionError(f"timed out after {timeout:.1f} s waiting for {what} in {room}")
            time.sleep(0.1)

    def wait_for_text(self, token: str, room: str, body: str, timeout: float) -> dict:
        return self.wait_for_event(
            token, room, lambda e: e.get("type") == "m.room.message" and e.get("content", {}).get("body") == body,
            timeout, f"the message {body!r}")


# ---------------------------------------------------------------------------------------
# Self-check (run by hand; not a pytest test)


def _find_unsigned_delay(event: dict) -> dict:
    unsigned = event.get("unsigned", {})
    return {k: v for k, v in unsigned.items() if "delay" in k}


def _self_check() -> int:
    import tempfile

    def say(*parts: Any) -> None:
        print(*parts, flush=True)

    def expect(condition: Any, sentence: str) -> None:
        if not condition:
            raise AssertionError(sentence)

    tmp = Path(tempfile.mkdtemp(prefix="breather-synapse-"))
    say(f"folder: {tmp}")
    with SynapseServer(tmp / "hs") as hs:
        pid = hs.pid
        say(f"Synapse {hs.server_version()} pid {pid} on {hs.base_url}")
        versions = hs.versions()
        say("unstable_features msc4140:", versions.get("unstable_features", {}).get(MSC4140))
        expect(hs.supports_delayed_events(), "Synapse with max_event_delay_duration should advertise msc4140")

        sam = hs.register("sam", "pw-sam", admin=False)
        alex = hs.register("alex", "pw-alex")
        expect(hs.whoami(sam) == hs.user_id("sam"), "sam's token should name sam")
        room = hs.create_room(sam, invite=[hs.user_id("alex")], name="breather")
        hs.join(alex, room)
        first = hs.send_text(sam, room, "hello from sam")
        reply = hs.send_text(alex, room, "hi sam", reply_to=first)
        reaction = hs.react(alex, room, first, "❤")
        events = hs.messages(sam, room)
        say("room events:", [(e["type"], e.get("content", {}).get("body") or e.get("content", {}).get("m.relates_to"))
                             for e in events if e["type"] in ("m.room.message", "m.reaction")])
        expect(any(e["event_id"] == reply and e["content"]["m.relates_to"]["m.in_reply_to"]["event_id"] == first
                   for e in events), "alex's reply should point at sam's message")
        expect(any(e["event_id"] == reaction and e["content"]["m.relates_to"]["key"] == "❤" for e in events),
               "alex's reaction should carry its key")

        # Sam's sync position before the delayed events.
        since = hs.sync(sam)["next_batch"]

        # 1. A delayed event is sent on its own near its delay.
        delay_ms = 2000
        t0 = time.time()
        d1 = hs.delayed_send(sam, room, "held one", delay_ms, "txn-held-1")
        say(f"PUT …/send/m.room.message/txn-held-1?{MSC4140}.delay={delay_ms} -> delay_id {d1[:6]}… (len {len(d1)})")
        scheduled = hs.scheduled(sam)
        say(f"GET {DELAYED_EVENTS_PREFIX} -> {json.dumps(scheduled)[:400]}")
        event = hs.wait_for_text(alex, room, "held one", timeout=15)
        lag = event["origin_server_ts"] / 1000.0 - t0
        say(f"held one appeared after {lag:.2f} s (asked {delay_ms / 1000:.1f} s)")
        expect(delay_ms / 1000.0 - 0.2 <= lag <= delay_ms / 1000.0 + 3.0, "the delayed event should appear near its delay")
        status, answer = hs.delayed_action(None, d1, "send")
        say(f"POST {DELAYED_EVENTS_PREFIX}/<id>/send after it was sent (no token) -> {status} {answer}")
        expect(status == 404 and answer.get("errcode") == "M_NOT_FOUND", "send on a sent delay should be 404 M_NOT_FOUND")

        # 2. `send` delivers a held event at once, without a token.
        t0 = time.time()
        d2 = hs.delayed_send(sam, room, "held two", 60_000, "txn-held-2")
        status, answer = hs.delayed_action(None, d2, "send")
        say(f"POST …/delayed_events/<id>/send (no token) -> {status} {answer}")
        expect(status == 200, "send on a held event should succeed without a token")
        event = hs.wait_for_text(alex, room, "held two", timeout=10)
        say(f"held two appeared {event['origin_server_ts'] / 1000.0 - t0:.2f} s after being held for 60 s and sent")
        status, answer = hs.delayed_action(sam, d2, "send")
        say(f"send again (with token) -> {status} {answer}")
        expect(status == 404 and answer.get("errcode") == "M_NOT_FOUND", "a second send should be 404 M_NOT_FOUND")

        # 3. `cancel` stops it; afterwards send/cancel are 404.
        d3 = hs.delayed_send(sam, room, "held three", 3000, "txn-held-3")
        status, answer = hs.delayed_action(sam, d3, "cancel")
        say(f"POST …/delayed_events/<id>/cancel -> {status} {answer}")
        expect(status == 200, "cancel should succeed")
        time.sleep(4.5)
        expect("held three" not in hs.texts(alex, room), "a cancelled delayed event must never appear")
        for action in ("send", "cancel", "restart"):
            status, answer = hs.delayed_action(sam, d3, action)
            say(f"{action} after cancel -> {status} {answer}")
            expect(status == 404, f"{action} after cancel should be 404")

        # 4. `restart` pushes the timeout back to the full delay.
        t0 = time.time()
        d4 = hs.delayed_send(sam, room, "held four", 3000, "txn-held-4")
        time.sleep(2.0)
        status, answer = hs.delayed_action(sam, d4, "restart")
        say(f"restart at +2 s -> {status} {answer}")
        event = hs.wait_for_text(alex, room, "held four", timeout=15)
        lag = event["origin_server_ts"] / 1000.0 - t0
        say(f"held four appeared after {lag:.2f} s (3 s delay restarted at 2 s)")
        expect(lag >= 4.5, "restart should have pushed the event back")

        # 5. The fallback form POST …/delayed_events/{id} {"action": …}.
        d5 = hs.delayed_send(sam, room, "held five", 60_000, "txn-held-5")
        status, answer = hs._raw("POST", f"{DELAYED_EVENTS_PREFIX}/{hs.q(d5)}", body={"action": "cancel"})
        say(f"POST …/delayed_events/<id> {{\"action\": \"cancel\"}} (no token) -> {status} {answer}")
        expect(status == 200, "the body form of cancel should work too")

        # 6. The same txn id twice: one delay_id (idempotent)?
        d6a = hs.delayed_send(sam, room, "held six", 60_000, "txn-held-6")
        d6b = hs.delayed_send(sam, room, "held six", 60_000, "txn-held-6")
        say(f"same txn id twice -> same delay_id: {d6a == d6b}")
        hs.delayed_action(sam, d6a, "cancel")
        if d6a != d6b:
            hs.delayed_action(sam, d6b, "cancel")

        # 7. What /sync shows the sender (and the partner) of delayed events.
        sam_sync = hs.sync(sam, since=since)
        alex_sync = hs.sync(alex)
        for who, answer in (("sam (sender)", sam_sync), ("alex", alex_sync)):
            for e in hs.timeline(answer, room):
                if e.get("type") == "m.room.message" and str(e.get("content", {}).get("body", "")).startswith("held"):
                    say(f"/sync for {who}: {e['content']['body']!r} unsigned={json.dumps(e.get('unsigned', {}))}")
        sam_unsigned = [_find_unsigned_delay(e) for e in hs.timeline(sam_sync, room)
                        if str(e.get("content", {}).get("body", "")).startswith("held")]
        alex_unsigned = [_find_unsigned_delay(e) for e in hs.timeline(alex_sync, room)
                         if str(e.get("content", {}).get("body", "")).startswith("held")]
        say("delay fields in sam's /sync:", sam_unsigned)
        say("delay fields in alex's /sync:", alex_unsigned)
        say("delay_id of held one appears in sam's /sync:", d1 in json.dumps(sam_sync))
        say("delay_id of held one appears in alex's /sync:", d1 in json.dumps(alex_sync))
        say("delay_id of held one appears in sam's /messages:", d1 in json.dumps(hs.messages(sam, room)))
        other_places = [k for k in sam_sync if d1 in json.dumps(sam_sync[k])]
        say("top-level /sync sections holding it:", other_places)
    say(f"stopped by PID: process {pid} gone = {not Path(f'/proc/{pid}').exists()}")

    # 8. A server without MSC4140.
    with SynapseServer(tmp / "hs-old", delayed_events=False) as old:
        say(f"without max_event_delay_duration: msc4140 advertised = {old.supports_delayed_events()}")
        expect(not old.supports_delayed_events(), "a server without delayed events should not advertise msc4140")
        tok = old.register("sam", "pw")
        room = old.create_room(tok)
        status, answer = old.delayed_send_raw(tok, room, "x", 2000, "txn-old")
        say(f"delayed send on it -> {status} {answer}")
        status, answer = old.delayed_action(tok, "syd_nothing", "send")
        say(f"send on an unknown delay_id -> {status} {answer}")
    say("synapse self-check: OK")
    import shutil
    shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(_self_check())
