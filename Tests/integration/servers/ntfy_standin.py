"""A stand-in for an ntfy server, for Breather's integration tests.

No ntfy server can be installed on these machines, so this is an in-memory HTTP server on
127.0.0.1 written to ntfy's documented HTTP API. Sources, read for this module (2026-12):

- ntfy's own docs `docs/publish.md` and `docs/subscribe/api.md` as of upstream commit 802c0a4c
  (2026-04-27; ntfy 2.16+ with sequence ids), read from a verbatim vendored copy;
- ntfy server v2.13.0's source (2025-07) for the parts the docs leave open and for the
  pre-2.16 behaviour: routing, error bodies and codes, parameter aliases, delay parsing,
  the 10 s scheduler tick, the 10 s minimum / 3 day maximum delay, `since=` forms.

What it does (`NtfyStandIn()`, a 2.16+ server):

- Publish: `POST`/`PUT /<topic>` (body = message; `X-Title`/`Title`/`t`, `X-Tags`/`Tags`/
  `Tag`/`ta`, `X-Priority`/`Priority`/`prio`/`p` (1-5 or min/low/default/high/max/urgent),
  `X-Click`/`Click`, `X-Actions`/`Actions`/`Action`, `X-Icon`, `X-Markdown`, `X-Cache`, and
  every parameter also as a query parameter, like ntfy), JSON publishing by `POST`/`PUT /`
  (`topic`, `message`, `title`, `tags`, `priority`, `actions`, `click`, `icon`, `markdown`,
  `delay`, `sequence_id`, `cache`, ...; an empty message becomes "triggered"), and
  `GET /<topic>/publish|send|trigger?message=...`. The answer is the message as JSON.
- Scheduled delivery: `X-Delay`/`Delay`/`X-At`/`At`/`X-In`/`In` (or JSON `delay`) with a unix
  timestamp, a duration (`30m`, `3h`, `2 days`, `10 seconds`, Go forms like `1h30m`), or these
  natural forms only: `10am`, `8:30pm`, `17:45` (today, or tomorrow if already past, local
  time), optionally prefixed by `tomorrow` (`tomorrow, 3pm`). Other natural-language forms
  ntfy accepts (via olebedev/when: weekdays, "next week", ...) answer 400 40004 here. Like
  ntfy, less than `min_delay` (10 s) ahead is 400 40005 and more than `max_delay` (3 days)
  is 400 40006. A scheduled message's `time` is its delivery time; a scheduler thread delivers
  due messages every `tick` seconds (10 s like ntfy; configurable; `tick_now()` runs one).
- Sequence ids (2.16+): `POST /<topic>/<sequence_id>`, the `X-Sequence-ID`/`Sequence-ID`/`SID`
  header, or JSON `sequence_id`. Publishing again with the sequence id of a message still
  scheduled deletes that scheduled message and stores the new one (delivered now when it has
  no delay). `DELETE /<topic>/<sequence_id>` removes a scheduled message of that sequence and
  emits a `message_delete` event (`{"id","time","event":"message_delete","topic",
  "sequence_id"}`, also the answer); `PUT /<topic>/<sequence_id>/clear` (or `/read`) emits a
  `message_clear` event. A message published without a sequence id can be addressed by its
  `id`, as the docs describe.
- Subscribe: `GET /<topic>[,<topic>...]/json` with `poll=1` (one JSON object per line, then
  the connection closes), `since=` (`all`, `latest`, `none`, a message id, a unix time, a
  duration like `10m`; default `all` when polling), `sched=1`/`scheduled=1` (also list
  scheduled messages), and the filters `id`, `message`, `title`, `priority`, `tags`. Without
  `poll` it streams like ntfy: an `open` event, then each event as it happens, a `keepalive`
  every `keepalive` seconds (45 s like ntfy; configurable), until the client leaves or the
  stand-in closes. Message objects carry `id`, `time`, `expires`, `event`, `topic`,
  `sequence_id` (when set), `title`, `message`, `priority`, `tags`, `click`, `icon`,
  `actions` (each with an `id`), `content_type` (markdown), omitting empty fields like ntfy.
- Access control (optional): `tokens={topic: token}` and/or `users={topic: (name, password)}`.
  A protected topic accepts `Authorization: Bearer <token>`, `Basic` with an empty user and the
  token as password, `Basic name:password`, or `?auth=<base64url of the header value>`.
  Credentials that match nothing configured: 401 (40101); none, or ones for another topic,
  on a protected topic: 403 (40301). Unprotected topics are open to anyone.
- Errors are ntfy's JSON: `{"code":40401,"http":404,"error":"page not found"}`.

`NtfyStandIn(sequence_ids=False)` is a pre-2.16 server (as v2.13.0's code behaves): sequence id
headers and JSON fields are ignored (every publish is a new message, no `sequence_id` in its
JSON), and every `/<topic>/<sequence_id>` path (`POST`, `PUT …/clear`, `DELETE`) answers 404
40401 "page not found", because older servers have no such route.

Not confirmed from ntfy's docs (chosen here, say so if a test depends on it):
- `DELETE`/`clear` on a sequence id the server never saw answers 200 with the event (ntfy is
  append-only; the docs show no error case);
- `clear` does not cancel a scheduled message (the docs only say it emits `message_clear`);
- a fresh publish without a sequence id has no `sequence_id` field;
- the 2.16 sequence id format is taken to be ntfy's topic format, `[-_A-Za-z0-9]{1,64}`.
Not implemented: attachments/uploads, e-mail, calls, templates, `/sse`, `/raw`, `/ws`,
UnifiedPush, Firebase, rate limits, the web app.

Python API for tests:

    with NtfyStandIn(tick=1.0, min_delay=0) as ntfy:
        url = ntfy.topic_url("sam-and-alex")
        ...
        ntfy.delivered("sam-and-alex")   # [{..message JSON.., "delivered_at": <epoch s>}]
        ntfy.scheduled("sam-and-alex")   # scheduled, not yet delivered
        ntfy.requests                    # every request, in order
        ntfy.press("sam-and-alex", message_id, "Okay. I'll be here.")   # an http action button
        ntfy.hold_answers(lambda r: r.method == "PUT")   # carry out, but do not answer yet
        ntfy.held_answers                # how many answers were held back so far
        ntfy.release_answers()           # answer them (clients still listening) and stop holding

Self-check: `/usr/bin/python3 -m Tests.integration.servers.ntfy_standin` from the repository
root (not a pytest test).
"""

from __future__ import annotations

import base64
import datetime as _dt
import http.server
import json
import re
import secrets
import string
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from typing import Any, Iterable, Optional

TOPIC_RE = re.compile(r"^[-_A-Za-z0-9]{1,64}$")
ID_RE = re.compile(r"^[A-Za-z0-9]{12}$")
MESSAGE_ID_LENGTH = 12
EMPTY_MESSAGE = "triggered"
PRIORITIES = {"1": 1, "min": 1, "2": 2, "low": 2, "3": 3, "default": 3, "4": 4, "high": 4,
              "5": 5, "max": 5, "urgent": 5}
RFC9218_PRIORITY = re.compile(r"^u=\d,\s*(i|\d)$|^u=\d$")
ACTION_TYPES = ("view", "broadcast", "http", "copy")


class NtfyError(Exception):
    def __init__(self, code: int, status: int, error: str, link: str = ""):
        super().__init__(error)
        self.code, self.status, self.error, self.link = code, status, error, link

    def body(self) -> dict:
        body: dict[str, Any] = {"code": self.code, "http": self.status, "error": self.error}
        if self.link:
            body["link"] = self.link
        return body


def _err(name: str, detail: str = "") -> NtfyError:
    code, status, text = {
        "bad": (40000, 400, "invalid request"),
        "delay_nocache": (40002, 400, "cannot disable cache for delayed message"),
        "delay_parse": (40004, 400, "invalid delay parameter: unable to parse delay"),
        "delay_small": (40005, 400, "invalid delay parameter: too small, please refer to the docs"),
        "delay_large": (40006, 400, "invalid delay parameter: too large, please refer to the docs"),
        "priority": (40007, 400, "invalid priority parameter"),
        "since": (40008, 400, "invalid since parameter"),
        "topic": (40009, 400, "invalid request: topic invalid"),
        "utf8": (40011, 400, "invalid request: message must be UTF-8 encoded"),
        "json": (40017, 400, "invalid request: request body must be message JSON"),
        "actions": (40018, 400, "invalid request: actions invalid"),
        "unauthorized": (40101, 401, "unauthorized"),
        "forbidden": (40301, 403, "forbidden"),
        "not_found": (40401, 404, "page not found"),
    }[name]
    return NtfyError(code, status, f"{text}, {detail}" if detail else text)


def _dumps(obj: Any) -> str:
    """Compact UTF-8 JSON, as ntfy (Go) writes it."""
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


def random_id(length: int = MESSAGE_ID_LENGTH) -> str:
    alphabet = string.ascii_letters + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(length))


# ---------------------------------------------------------------------------------------
# Parsing: delays, durations, actions


_GO_DURATION = re.compile(r"^(?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h))+$")
_GO_PART = re.compile(r"(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)")
_GO_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1, "m": 60, "h": 3600}
_WORD_DURATION = re.compile(r"(?i)^(\d+)\s*(d|days?|h|hours?|m|mins?|minutes?|s|secs?|seconds?)$")
_TIME_OF_DAY = re.compile(r"(?i)^(?:(tomorrow)\s*,?\s*)?(\d{1,2})(?::(\d{2}))?\s*(am|pm)?$")


def parse_duration(text: str) -> Optional[float]:
    """ntfy's util.ParseDuration: Go durations (`1h30m`, `10s`) or `<n> d|days|h|hours|m|min|…`."""
    text = text.strip()
    if _GO_DURATION.match(text):
        return sum(float(n) * _GO_UNITS[u] for n, u in _GO_PART.findall(text))
    match = _WORD_DURATION.match(text)
    if match:
        return int(match.group(1)) * {"d": 86400, "h": 3600, "m": 60, "s": 1}[match.group(2)[0].lower()]
    return None


def parse_future_time(text: str, now: float) -> Optional[float]:
    """Unix timestamp (not in the past), duration, or a time of day (see module docstring)."""
    text = text.strip()
    if re.fullmatch(r"\d+", text):
        value = int(text)
        if value >= int(now):
            return float(value)
        # ntfy then tries the same text as a duration (which a bare number is not).
    seconds = parse_duration(text)
    if seconds is not None:
        return now + seconds
    match = _TIME_OF_DAY.match(text)
    if match and (match.group(3) or match.group(4)):
        tomorrow, hour, minute, half = match.group(1), int(match.group(2)), int(match.group(3) or 0), match.group(4)
        if half:
            if not 1 <= hour <= 12:
                return None
            hour = hour % 12 + (12 if half.lower() == "pm" else 0)
        if hour > 23 or minute > 59:
            return None
        base = _dt.datetime.fromtimestamp(now)
        when = base.replace(hour=hour, minute=minute, second=0, microsecond=0)
        if tomorrow:
            when = (base + _dt.timedelta(days=1)).replace(hour=hour, minute=minute, second=0, microsecond=0)
        elif when.timestamp() < now:
            when += _dt.timedelta(days=1)
        return when.timestamp()
    return None


def parse_actions(text: str) -> list[dict]:
    """ntfy's `X-Actions`: a JSON array, or the simple format
    `action=<a>, label=<l>, k=v ... ; <a>, <l>, <url>, k=v ...` (quotes " or ' around values)."""
    text = text.strip()
    if not text:
        return []
    if text.startswith("["):
        try:
            actions = json.loads(text)
        except ValueError as error:
            raise _err("actions", f"JSON error: {error}")
        if not isinstance(actions, list) or not all(isinstance(a, dict) for a in actions):
            raise _err("actions", "JSON must be an array of objects")
        actions = [dict(a) for a in actions]
    else:
        actions = _parse_simple_actions(text)
    if len(actions) > 3:
        raise _err("actions", "only 3 actions allowed")
    for a in actions:
        a["id"] = random_id(10)
        a["action"] = str(a.get("action", "")).lower()
        if "method" in a and a["method"]:
            a["method"] = str(a["method"]).upper()
        a.setdefault("clear", False)
        if a["action"] not in ACTION_TYPES:
            raise _err("actions", f"parameter 'action' cannot be '{a['action']}'")
        if not a.get("label"):
            raise _err("actions", "parameter 'label' is required")
        if a["action"] in ("view", "http") and not a.get("url"):
            raise _err("actions", f"parameter 'url' is required for action '{a['action']}'")
        if a["action"] == "http" and a.get("method") in ("GET", "HEAD") and a.get("body"):
            raise _err("actions", f"parameter 'body' cannot be set if method is {a['method']}")
    return actions


_KEY = re.compile(r"^([-.\w]+)\s*=\s*")


def _parse_simple_actions(text: str) -> list[dict]:
    actions: list[dict] = []
    pos, n = 0, len(text)
    while pos < n:
        action: dict[str, Any] = {"headers": {}, "extras": {}}
        section = 0
        while True:
            while pos < n and text[pos] == " ":
                pos += 1
            key = ""
            match = _KEY.match(text[pos:])
            if match:
                key, pos = match.group(1), pos + len(match.group(0))
            last = False
            if pos < n and text[pos] in "\"'":
                quote, start = text[pos], pos + 1
                end = start
                while True:
                    if end >= n:
                        raise _err("actions", f"unexpected end of input, quote started at position {start}")
                    if text[end] == quote and text[end - 1] != "\\":
                        break
                    end += 1
                value = text[start:end].replace("\\" + quote, quote)
                pos = end + 1
                while pos < n and text[pos] == " ":
                    pos += 1
                if pos < n and text[pos] not in ",;":
                    raise _err("actions", f"unexpected character '{text[pos]}' at position {pos}")
                last = pos >= n or text[pos] == ";"
                pos += 1
            else:
                start = pos
                while pos < n and text[pos] not in ",;":
                    pos += 1
                value = text[start:pos].strip()
                last = pos >= n or text[pos] == ";"
                pos += 1
            if not key:
                if section == 0:
                    key = "action"
                elif section == 1:
                    key = "label"
                elif section == 2 and action.get("action", "").lower() in ("view", "http"):
                    key = "url"
                elif section == 2 and action.get("action", "").lower() == "copy":
                    key = "value"
                else:
                    raise _err("actions", f"term '{value}' unknown")
            if key.startswith("headers."):
                action["headers"][key[len("headers."):]] = value
            elif key.startswith("extras."):
                action["extras"][key[len("extras."):]] = value
            elif key.lower() == "clear":
                if value.lower() not in ("true", "yes", "1", "false", "no", "0"):
                    raise _err("actions", f"parameter 'clear' cannot be '{value}'")
                action["clear"] = value.lower() in ("true", "yes", "1")
            elif key.lower() in ("action", "label", "url", "method", "body", "intent", "value"):
                action[key.lower()] = value
            else:
                raise _err("actions", f"key '{key}' unknown")
            section += 1
            if last:
                break
        for k in ("headers", "extras"):
            if not action[k]:
                del action[k]
        actions.append(action)
    return actions


# ---------------------------------------------------------------------------------------
# Records


@dataclass
class RequestRecord:
    at: float
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    status: int = 0
    answer: bytes = b""

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def header(self, name: str) -> Optional[str]:
        for k, v in self.headers.items():
            if k.lower() == name.lower():
                return v
        return None


@dataclass
class _Stored:
    message: dict
    scheduled: bool
    seq: int = 0              # position in the topic's cache (insertion order)
    delivered_at: Optional[float] = None


@dataclass
class _Topic:
    cache: list[_Stored] = field(default_factory=list)
    delivered: list[dict] = field(default_factory=list)


# ---------------------------------------------------------------------------------------
# The server


class NtfyStandIn:
    def __init__(self, *, sequence_ids: bool = True, tick: float = 10.0, min_delay: float = 10.0,
                 max_delay: float = 3 * 86400, keepalive: float = 45.0, cache_duration: float = 12 * 3600,
                 tokens: Optional[dict[str, str]] = None, users: Optional[dict[str, tuple[str, str]]] = None,
                 port: int = 0):
        self.sequence_ids = sequence_ids
        self.tick = tick
        self.min_delay = min_delay
        self.max_delay = max_delay
        self.keepalive = keepalive
        self.cache_duration = cache_duration
        self.tokens = dict(tokens or {})
        self.users = dict(users or {})
        self._lock = threading.Condition()
        self._topics: dict[str, _Topic] = {}
        self._events: list[tuple[str, dict]] = []   # every event handed to subscribers, in order
        self._requests: list[RequestRecord] = []
        self._counter = 0
        self._closing = threading.Event()
        # hold_answers(): requests that match are carried out but not answered until
        # release_answers() (or close), so a test can end a client between the two.
        self._answers_open = threading.Event()
        self._answers_open.set()
        self._hold_match: Optional[Any] = None
        self.held_answers = 0
        stand_in = self

        class Handler(_Handler):
            server_ref = stand_in

        self._httpd = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self._httpd.daemon_threads = True
        self.port = self._httpd.server_address[1]
        self._serve_thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.1},
                                              name="ntfy-standin-http", daemon=True)
        self._serve_thread.start()
        self._tick_thread = threading.Thread(target=self._run_scheduler, name="ntfy-standin-tick", daemon=True)
        self._tick_thread.start()

    # -- lifecycle -----------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def topic_url(self, topic: str) -> str:
        return f"{self.base_url}/{topic}"

    def __enter__(self) -> "NtfyStandIn":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def close(self, timeout: float = 5.0) -> None:
        if self._closing.is_set():
            return
        self._closing.set()
        self._answers_open.set()
        with self._lock:
            self._lock.notify_all()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._serve_thread.join(timeout)
        self._tick_thread.join(timeout)

    # -- test API ------------------------------------------------------------------------

    @property
    def requests(self) -> list[RequestRecord]:
        with self._lock:
            return list(self._requests)

    def delivered(self, topic: str, event: Optional[str] = "message") -> list[dict]:
        """What subscribers of `topic` received, in order; each a message dict plus
        `delivered_at` (epoch seconds). `event=None` includes message_delete/message_clear."""
        with self._lock:
            t = self._topics.get(topic)
            return [dict(m) for m in (t.delivered if t else []) if event is None or m["event"] == event]

    def scheduled(self, topic: str) -> list[dict]:
        """Messages of `topic` held for later, not yet delivered."""
        with self._lock:
            t = self._topics.get(topic)
            return [dict(s.message) for s in (t.cache if t else []) if s.scheduled]

    def hold_answers(self, match: Optional[Any] = None) -> None:
        """From now on, a request for which `match(record)` is true (every request when
        `match` is None) is carried out as usual (stored, scheduled, delivered) but its answer
        is held back until `release_answers()` (at most `ANSWER_HOLD_CAP` seconds): the
        window where the server has acted and the client does not know it yet."""
        with self._lock:
            self._hold_match = match or (lambda record: True)
            self._answers_open.clear()

    def release_answers(self) -> None:
        """Sends every held answer (to clients still listening) and stops holding."""
        with self._lock:
            self._hold_match = None
        self._answers_open.set()

    ANSWER_HOLD_CAP = 120.0

    def tick_now(self) -> int:
        """Runs one scheduler pass now; returns how many messages it delivered."""
        return self._deliver_due(time.time())

    def wait_delivered(self, topic: str, count: int, timeout: float, what: str = "") -> list[dict]:
        """Waits until `topic` has at least `count` delivered messages; fails with one sentence."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                t = self._topics.get(topic)
                got = [dict(m) for m in (t.delivered if t else []) if m["event"] == "message"]
                if len(got) >= count:
                    return got
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"timed out after {timeout:.1f} s waiting for {what or f'{count} message(s)'} "
                                         f"on ntfy topic {topic} (it has {len(got)})")
                self._lock.wait(min(left, 0.5))

    def press(self, topic: str, message_id: str, label: str, timeout: float = 10.0) -> tuple[int, bytes]:
        """Presses the `http` action button `label` of message `message_id` as a phone would:
        performs its request (method, default POST; headers; body) against its URL, which must
        be on 127.0.0.1. Returns (HTTP status, answer body)."""
        with self._lock:
            t = self._topics.get(topic)
            candidates = [s.message for s in (t.cache if t else []) if s.message.get("id") == message_id]
            candidates += [m for m in (t.delivered if t else []) if m.get("id") == message_id]
        if not candidates:
            raise AssertionError(f"ntfy topic {topic} has no message {message_id} whose button could be pressed")
        actions = candidates[0].get("actions") or []
        action = next((a for a in actions if a.get("label") == label), None)
        if action is None:
            raise AssertionError(f"message {message_id} on ntfy topic {topic} has no button {label!r} "
                                 f"(it has {[a.get('label') for a in actions]})")
        if action.get("action") != "http":
            raise AssertionError(f"button {label!r} is a {action.get('action')} action, not an http one")
        url = action.get("url", "")
        parsed = urllib.parse.urlsplit(url)
        if parsed.scheme != "http" or parsed.hostname != "127.0.0.1":
            raise AssertionError(f"button {label!r} points at {url}, and only http://127.0.0.1 may be called")
        body = action.get("body")
        request = urllib.request.Request(url, data=body.encode() if body else None,
                                         method=action.get("method") or "POST")
        for name, value in (action.get("headers") or {}).items():
            request.add_header(name, value)
        try:
            with urllib.request.urlopen(request, timeout=timeout) as answer:
                return answer.status, answer.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    # -- core ------------------------------------------------------------------------------

    def _topic(self, name: str) -> _Topic:
        t = self._topics.get(name)
        if t is None:
            t = self._topics[name] = _Topic()
        return t

    def _emit(self, topic: str, message: dict, now: float) -> None:
        """Hands an event to subscribers (lock held)."""
        delivered = dict(message)
        delivered["delivered_at"] = now
        self._topic(topic).delivered.append(delivered)
        self._events.append((topic, message))
        self._lock.notify_all()

    def _store(self, topic: str, message: dict, scheduled: bool, cache: bool, now: float) -> None:
        t = self._topic(topic)
        self._counter += 1
        if cache:
            t.cache.append(_Stored(message=message, scheduled=scheduled, seq=self._counter))
        if not scheduled:
            self._emit(topic, message, now)

    def _drop_scheduled(self, topic: str, sequence_id: str) -> list[dict]:
        t = self._topic(topic)
        dropped = [s for s in t.cache if s.scheduled and (s.message.get("sequence_id") or s.message["id"]) == sequence_id]
        t.cache = [s for s in t.cache if s not in dropped]
        return [s.message for s in dropped]

    def _deliver_due(self, now: float) -> int:
        count = 0
        with self._lock:
            for topic, t in self._topics.items():
                for s in t.cache:
                    if s.scheduled and s.message["time"] <= now:
                        s.scheduled = False
                        self._emit(topic, s.message, now)
                        count += 1
        return count

    def _run_scheduler(self) -> None:
        while not self._closing.wait(self.tick):
            self._deliver_due(time.time())

    # -- access control ------------------------------------------------------------------------

    def _credential_topics(self, header: str) -> Optional[set[str]]:
        """Topics a credential opens; None when it matches nothing configured."""
        header = header.strip()
        token = None
        user = None
        if header.lower().startswith("bearer "):
            token = header[7:].strip()
        elif header.lower().startswith("basic "):
            try:
                name, _, password = base64.b64decode(header[6:].strip()).decode().partition(":")
            except (ValueError, UnicodeDecodeError):
                return None
            if name == "":
                token = password
            else:
                user = (name, password)
        else:
            return None
        topics = {t for t, tok in self.tokens.items() if token is not None and tok == token}
        topics |= {t for t, cred in self.users.items() if user is not None and tuple(cred) == user}
        return topics or None

    def _authorize(self, topics: Iterable[str], header: Optional[str]) -> None:
        allowed: set[str] = set()
        if header:
            found = self._credential_topics(header)
            if found is None:
                raise _err("unauthorized")
            allowed = found
        for topic in topics:
            if (topic in self.tokens or topic in self.users) and topic not in allowed:
                raise _err("forbidden")

    # -- publishing ----------------------------------------------------------------------------

    def _publish(self, topic: str, body: bytes, param, sequence_id: Optional[str]) -> dict:
        now = time.time()
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise _err("utf8")
        message_param = param("x-message", "message", "m")
        text = message_param or text
        if text == "":
            text = EMPTY_MESSAGE
        m: dict[str, Any] = {"id": random_id(), "time": int(now), "expires": 0, "event": "message", "topic": topic}
        if sequence_id:
            m["sequence_id"] = sequence_id
        title = param("x-title", "title", "t")
        if title:
            m["title"] = title
        m["message"] = text
        priority = param("x-priority", "priority", "prio", "p")
        if priority and not RFC9218_PRIORITY.match(priority):
            if priority.lower() not in PRIORITIES:
                raise _err("priority")
            value = PRIORITIES[priority.lower()]
            if value != 3:
                m["priority"] = value
        tags = [t.strip() for t in (param("x-tags", "tags", "tag", "ta") or "").split(",") if t.strip()]
        if tags:
            m["tags"] = tags
        for key, names in (("click", ("x-click", "click")), ("icon", ("x-icon", "icon"))):
            value = param(*names)
            if value:
                m[key] = value
        actions = param("x-actions", "actions", "action")
        if actions:
            m["actions"] = parse_actions(actions)
        markdown = (param("x-markdown", "markdown", "md") or "").lower()
        if markdown in ("1", "yes", "true"):
            m["content_type"] = "text/markdown"
        cache = (param("x-cache", "cache") or "yes").lower() not in ("0", "no", "false")
        delay = param("x-delay", "delay", "x-at", "at", "x-in", "in")
        scheduled = False
        if delay:
            if not cache:
                raise _err("delay_nocache")
            when = parse_future_time(delay, now)
            if when is None:
                raise _err("delay_parse")
            if int(when) < int(now + self.min_delay):
                raise _err("delay_small")
            if int(when) > int(now + self.max_delay):
                raise _err("delay_large")
            m["time"] = int(when)
            scheduled = True
        m["expires"] = int(m["time"] + self.cache_duration)
        if not cache:
            del m["expires"]
        with self._lock:
            if sequence_id:
                self._drop_scheduled(topic, sequence_id)
            self._store(topic, m, scheduled, cache, now)
        return m

    def _sequence_event(self, topic: str, sequence_id: str, event: str) -> dict:
        now = time.time()
        m = {"id": random_id(), "time": int(now), "expires": int(now + self.cache_duration), "event": event,
             "topic": topic, "sequence_id": sequence_id}
        with self._lock:
            if event == "message_delete":
                self._drop_scheduled(topic, sequence_id)
            self._store(topic, m, False, True, now)
        return m

    # -- subscribing ---------------------------------------------------------------------------

    def _select(self, topics: list[str], since: str, poll: bool, sched: bool, filters: dict) -> list[dict]:
        with self._lock:
            stored: list[_Stored] = []
            for name in topics:
                stored += self._topics.get(name, _Topic()).cache
            # Like ntfy's message cache: ORDER BY time, then insertion order.
            stored.sort(key=lambda s: (s.message["time"], s.seq))
            if not sched:
                stored = [s for s in stored if not s.scheduled]
            if since == "" and not poll or since == "none":
                chosen: list[_Stored] = []
            elif since in ("", "all"):
                chosen = stored
            elif since == "latest":
                chosen = [s for s in stored if not s.scheduled][-1:]
            elif ID_RE.match(since):
                # Inserted after that message (or still scheduled); an unknown id means all.
                mark = next((s.seq for s in stored if s.message["id"] == since), None)
                chosen = stored if mark is None else [s for s in stored if s.seq > mark or s.scheduled]
            else:
                if re.fullmatch(r"\d+", since):
                    cutoff = float(since)
                else:
                    seconds = parse_duration(since) if _GO_DURATION.match(since) else None
                    if seconds is None:
                        raise _err("since")
                    cutoff = time.time() - seconds
                chosen = [s for s in stored if s.message["time"] >= int(cutoff)]
            return [dict(s.message) for s in chosen if _passes(s.message, filters)]


def _passes(m: dict, filters: dict) -> bool:
    if m.get("event") != "message":
        return not any(filters.values())
    if filters.get("id") and m["id"] != filters["id"]:
        return False
    if filters.get("message") and m.get("message") != filters["message"]:
        return False
    if filters.get("title") and m.get("title") != filters["title"]:
        return False
    if filters.get("priority"):
        wanted = {PRIORITIES.get(p.strip().lower()) for p in filters["priority"].split(",")}
        if m.get("priority", 3) not in wanted:
            return False
    if filters.get("tags"):
        wanted_tags = {t.strip() for t in filters["tags"].split(",") if t.strip()}
        if not wanted_tags <= set(m.get("tags", [])):
            return False
    return True


class _Handler(http.server.BaseHTTPRequestHandler):
    server_ref: NtfyStandIn
    protocol_version = "HTTP/1.1"   # so curl's `Expect: 100-continue` is answered at once
    timeout = 30

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    # One entry point for every method.
    def do_GET(self) -> None: self._handle()
    def do_POST(self) -> None: self._handle()
    def do_PUT(self) -> None: self._handle()
    def do_DELETE(self) -> None: self._handle()
    def do_PATCH(self) -> None: self._handle()
    def do_HEAD(self) -> None: self._handle()

    def _handle(self) -> None:
        ntfy = self.server_ref
        split = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(split.query, keep_blank_values=True)
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            body = self._read_chunked()
        else:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length > 0 else b""
        record = RequestRecord(at=time.time(), method=self.command, path=split.path, query=query,
                               headers={k: v for k, v in self.headers.items()}, body=body)
        with ntfy._lock:
            ntfy._requests.append(record)
        try:
            self._route(ntfy, split.path, query, body, record)
        except NtfyError as error:
            self._answer(record, error.status, _dumps(error.body()) + "\n")
        except (BrokenPipeError, ConnectionResetError):
            pass

    def _read_chunked(self) -> bytes:
        body = b""
        while True:
            size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while self.rfile.readline().strip():
                    pass
                return body
            body += self.rfile.read(size)
            self.rfile.readline()

    def _param_reader(self, query: dict[str, list[str]], extra: Optional[dict[str, str]] = None):
        def param(*names: str) -> str:
            for name in names:
                if extra and name in extra and extra[name] != "":
                    return extra[name]
            for name in names:
                value = self.headers.get(name)
                if value is not None and value.strip():
                    return value.strip()
            for name in names:
                values = query.get(name.lower())
                if values and values[0].strip():
                    return values[0].strip()
            return ""
        return param

    def _auth_header(self, query: dict[str, list[str]]) -> Optional[str]:
        values = query.get("auth") or query.get("authorization")
        if values and values[0]:
            try:
                padded = values[0] + "=" * (-len(values[0]) % 4)
                return base64.urlsafe_b64decode(padded).decode().strip()
            except (ValueError, UnicodeDecodeError):
                raise _err("unauthorized")
        return self.headers.get("Authorization")

    def _answer(self, record: RequestRecord, status: int, text: str, content_type: str = "application/json") -> None:
        data = text.encode()
        record.status, record.answer = status, data
        ntfy = self.server_ref
        with ntfy._lock:
            match = ntfy._hold_match
        if match is not None and not ntfy._answers_open.is_set() and match(record):
            with ntfy._lock:
                ntfy.held_answers += 1
            ntfy._answers_open.wait(ntfy.ANSWER_HOLD_CAP)
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Access-Control-Allow-Origin", "*")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def _route(self, ntfy: NtfyStandIn, path: str, query: dict, body: bytes, record: RequestRecord) -> None:
        method = self.command
        parts = path.strip("/").split("/") if path.strip("/") else []
        auth = self._auth_header(query)

        if method == "GET" and path == "/v1/health":
            return self._answer(record, 200, _dumps({"healthy": True}) + "\n")

        # JSON publishing: PUT/POST to the root URL.
        if method in ("PUT", "POST") and path == "/":
            try:
                doc = json.loads(body.decode("utf-8")) if body.strip() else None
            except (ValueError, UnicodeDecodeError):
                raise _err("json")
            if not isinstance(doc, dict):
                raise _err("json")
            topic = doc.get("topic")
            if not isinstance(topic, str) or not TOPIC_RE.match(topic):
                raise _err("topic")
            extra: dict[str, str] = {}
            for key in ("title", "click", "icon", "delay", "cache"):
                if doc.get(key) not in (None, ""):
                    extra[key] = str(doc[key])
            if doc.get("priority"):
                extra["priority"] = str(doc["priority"])
            if doc.get("tags"):
                extra["tags"] = ",".join(doc["tags"]) if isinstance(doc["tags"], list) else str(doc["tags"])
            if doc.get("actions"):
                extra["actions"] = json.dumps(doc["actions"])
            if doc.get("markdown"):
                extra["markdown"] = "yes"
            extra["message"] = str(doc.get("message") or "") or EMPTY_MESSAGE
            param = self._param_reader(query, extra)
            sequence_id = None
            if ntfy.sequence_ids:
                sequence_id = str(doc.get("sequence_id") or "") or param("x-sequence-id", "sequence-id", "sid") or None
                self._check_sequence_id(sequence_id)
            ntfy._authorize([topic], auth)
            message = ntfy._publish(topic, b"", param, sequence_id)
            return self._answer(record, 200, _dumps(message) + "\n")

        if not parts:
            raise _err("not_found")

        topics = parts[0].split(",")
        if not all(TOPIC_RE.match(t) for t in topics):
            raise _err("not_found")

        # Subscribe.
        if method == "GET" and len(parts) == 2 and parts[1] == "json":
            ntfy._authorize(topics, auth)
            return self._subscribe(ntfy, topics, query, record)

        if len(topics) != 1:
            raise _err("not_found")
        topic = topics[0]
        param = self._param_reader(query)

        # Publish.
        if method in ("PUT", "POST") and len(parts) == 1:
            sequence_id = None
            if ntfy.sequence_ids:
                sequence_id = param("x-sequence-id", "sequence-id", "sid") or None
                self._check_sequence_id(sequence_id)
            ntfy._authorize([topic], auth)
            message = ntfy._publish(topic, body, param, sequence_id)
            return self._answer(record, 200, _dumps(message) + "\n")
        if method == "GET" and len(parts) == 2 and parts[1] in ("publish", "send", "trigger"):
            sequence_id = None
            if ntfy.sequence_ids:
                sequence_id = param("x-sequence-id", "sequence-id", "sid") or None
                self._check_sequence_id(sequence_id)
            ntfy._authorize([topic], auth)
            message = ntfy._publish(topic, b"", param, sequence_id)
            return self._answer(record, 200, _dumps(message) + "\n")

        # Sequence ids (2.16+ only; older servers have no such routes).
        if ntfy.sequence_ids and len(parts) >= 2 and TOPIC_RE.match(parts[1]):
            sequence_id = parts[1]
            if method in ("PUT", "POST") and len(parts) == 2:
                ntfy._authorize([topic], auth)
                message = ntfy._publish(topic, body, param, sequence_id)
                return self._answer(record, 200, _dumps(message) + "\n")
            if method == "DELETE" and len(parts) == 2:
                ntfy._authorize([topic], auth)
                event = ntfy._sequence_event(topic, sequence_id, "message_delete")
                return self._answer(record, 200, _dumps(event) + "\n")
            if method == "PUT" and len(parts) == 3 and parts[2] in ("clear", "read"):
                ntfy._authorize([topic], auth)
                event = ntfy._sequence_event(topic, sequence_id, "message_clear")
                return self._answer(record, 200, _dumps(event) + "\n")
        raise _err("not_found")

    @staticmethod
    def _check_sequence_id(sequence_id: Optional[str]) -> None:
        if sequence_id is not None and not TOPIC_RE.match(sequence_id):
            raise _err("bad", "sequence ID invalid")

    def _subscribe(self, ntfy: NtfyStandIn, topics: list[str], query: dict, record: RequestRecord) -> None:
        param = self._param_reader(query)
        poll = param("x-poll", "poll", "po").lower() in ("1", "yes", "true")
        sched = param("x-scheduled", "scheduled", "sched").lower() in ("1", "yes", "true")
        since = param("x-since", "since", "si")
        filters = {"id": param("x-id", "id"), "message": param("x-message", "message", "m"),
                   "title": param("x-title", "title", "t"), "priority": param("x-priority", "priority", "prio", "p"),
                   "tags": param("x-tags", "tags", "tag", "ta")}
        with ntfy._lock:
            position = len(ntfy._events)
        messages = ntfy._select(topics, since, poll, sched, filters)
        if poll:
            text = "".join(_dumps(m) + "\n" for m in messages)
            return self._answer(record, 200, text, "application/x-ndjson; charset=utf-8")
        # Streaming: open event, cached messages, then live events and keepalives; the body
        # ends when the connection closes.
        record.status = 200
        self.close_connection = True
        self.send_response(200)
        self.send_header("Content-Type", "application/x-ndjson; charset=utf-8")
        self.send_header("Access-Control-Allow-Origin", "*")
        self.send_header("Connection", "close")
        self.end_headers()
        topic_list = ",".join(topics)

        def write(obj: dict) -> None:
            self.wfile.write((_dumps(obj) + "\n").encode())
            self.wfile.flush()

        write({"id": random_id(), "time": int(time.time()), "event": "open", "topic": topic_list})
        for m in messages:
            write(m)
        next_keepalive = time.monotonic() + ntfy.keepalive
        while not ntfy._closing.is_set():
            with ntfy._lock:
                if len(ntfy._events) == position:
                    ntfy._lock.wait(max(0.0, min(1.0, next_keepalive - time.monotonic())))
                fresh = ntfy._events[position:]
                position = len(ntfy._events)
            for topic, m in fresh:
                if topic in topics and _passes(m, filters):
                    write(m)
            if time.monotonic() >= next_keepalive:
                write({"id": random_id(), "time": int(time.time()), "event": "keepalive", "topic": topic_list})
                next_keepalive = time.monotonic() + ntfy.keepalive


# ---------------------------------------------------------------------------------------
# Self-check (run by hand; not a pytest test)


def _http(method: str, url: str, body: Optional[bytes | str] = None, headers: Optional[dict] = None,
          timeout: float = 10.0) -> tuple[int, str]:
    data = body.encode() if isinstance(body, str) else body
    request = urllib.request.Request(url, data=data, method=method)
    for k, v in (headers or {}).items():
        request.add_header(k, v)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def _lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def _self_check() -> int:
    def say(*parts: Any) -> None:
        print(*parts, flush=True)

    def expect(condition: Any, sentence: str) -> None:
        if not condition:
            raise AssertionError(sentence)

    # Parsers.
    now = time.time()
    expect(parse_future_time("30m", now) == now + 1800, "30m should be 30 minutes ahead")
    expect(parse_future_time("2 days", now) == now + 2 * 86400, "'2 days' should parse")
    expect(parse_future_time("1h30m", now) == now + 5400, "Go durations should parse")
    expect(parse_future_time(str(int(now) + 99), now) == int(now) + 99, "unix timestamps should parse")
    expect(parse_future_time("tomorrow, 3pm", now) is not None, "'tomorrow, 3pm' should parse")
    expect(parse_future_time("next tuesday", now) is None, "unsupported natural language should not parse")
    acts = parse_actions("view, Open portal, https://home.nest.com/, clear=true; "
                         "http, Turn down, https://api.nest.com/, method=PUT, headers.Authorization=Bearer x, "
                         "body='{\"temperature\": 65}'")
    expect(acts[0]["action"] == "view" and acts[0]["clear"] is True, "view action should parse")
    expect(acts[1]["method"] == "PUT" and acts[1]["headers"] == {"Authorization": "Bearer x"}
           and acts[1]["body"] == '{"temperature": 65}', "http action should parse with headers and quoted body")
    say("parsers: OK")

    # 2.16+ server with a 1 s tick and no minimum delay.
    with NtfyStandIn(tick=1.0, min_delay=0, tokens={"answers": "tk_answers"}) as ntfy:
        say(f"stand-in on {ntfy.base_url}")
        base = ntfy.base_url
        status, text = _http("POST", f"{base}/alerts", "Plain one",
                             {"Title": "T", "Tags": "warning,skull", "Priority": "high", "Click": "http://127.0.0.1/x"})
        plain = json.loads(text)
        say("publish ->", status, text.strip())
        expect(status == 200 and plain["priority"] == 4 and plain["tags"] == ["warning", "skull"], "headers kept")
        expect("sequence_id" not in plain, "no sequence_id without one")

        # Schedule with a sequence id (path form), replace it, then it ticks.
        t0 = time.time()
        status, text = _http("POST", f"{base}/alerts/brk-1-checkin", "Check-in v1", {"At": str(int(t0) + 3)})
        v1 = json.loads(text)
        say("schedule seq brk-1-checkin ->", status, text.strip())
        expect(status == 200 and v1["sequence_id"] == "brk-1-checkin" and v1["time"] == int(t0) + 3, "scheduled")
        status, text = _http("POST", f"{base}/alerts", "Check-in v2",
                             {"X-Sequence-ID": "brk-1-checkin", "In": "4s"})
        v2 = json.loads(text)
        expect(status == 200, "replacement by header should be accepted")
        sched = ntfy.scheduled("alerts")
        say("scheduled after replace:", [(m["message"], m["sequence_id"]) for m in sched])
        expect([m["message"] for m in sched] == ["Check-in v2"], "the replacement should be the only scheduled one")
        status, text = _http("GET", f"{base}/alerts/json?poll=1&sched=1")
        polled = _lines(text)
        say("poll sched=1 ->", [(m["event"], m.get("message"), m.get("sequence_id")) for m in polled])
        expect([m.get("message") for m in polled] == ["Plain one", "Check-in v2"], "sched=1 lists the scheduled one")
        status, text = _http("GET", f"{base}/alerts/json?poll=1")
        expect([m.get("message") for m in _lines(text)] == ["Plain one"], "poll without sched hides scheduled ones")
        got = ntfy.wait_delivered("alerts", 2, timeout=10, what="the replaced check-in")
        lag = got[-1]["delivered_at"] - t0
        say(f"delivered: {[m['message'] for m in got]}; check-in {lag:.2f} s after publish (asked 4 s, tick 1 s)")
        expect(got[-1]["id"] == v2["id"] and 4.0 - 1.0 <= lag <= 4.0 + 2.5, "delivered on a tick near its time")
        expect(all(m["message"] != "Check-in v1" for m in got), "the replaced message is never delivered")

        # Hand the held message over at once: publish again, same sequence id, no delay.
        _http("POST", f"{base}/alerts/brk-1-end", "End v1", {"In": "60s"})
        status, text = _http("PUT", f"{base}/alerts/brk-1-end", "End now")
        say("publish again without delay ->", status, text.strip())
        expect(not ntfy.scheduled("alerts"), "nothing is still scheduled after the immediate replacement")
        expect(ntfy.delivered("alerts")[-1]["message"] == "End now", "the immediate replacement is delivered at once")

        # JSON publishing with sequence_id and actions; DELETE cancels.
        doc = {"topic": "alerts", "message": "Back soon", "title": "Breather", "delay": "1h",
               "sequence_id": "brk-1-late",
               "actions": [{"action": "http", "label": "Okay. I'll be here.", "url": f"{base}/answers",
                            "method": "POST", "headers": {"Authorization": "Bearer tk_answers"},
                            "body": "brk-1: Okay. I'll be here."}]}
        status, text = _http("POST", f"{base}/", json.dumps(doc))
        late = json.loads(text)
        say("JSON publish ->", status, text.strip()[:200], "…")
        expect(status == 200 and late["sequence_id"] == "brk-1-late" and late["actions"][0]["id"], "JSON publish")
        status, text = _http("DELETE", f"{base}/alerts/brk-1-late")
        say("DELETE /alerts/brk-1-late ->", status, text.strip())
        expect(status == 200 and json.loads(text)["event"] == "message_delete", "DELETE answers message_delete")
        expect(not ntfy.scheduled("alerts"), "DELETE removed the scheduled message")
        status, text = _http("PUT", f"{base}/alerts/brk-1-end/clear")
        expect(status == 200 and json.loads(text)["event"] == "message_clear", "clear answers message_clear")
        status, text = _http("GET", f"{base}/alerts/json?poll=1&since={plain['id']}")
        say("poll since=<first id> ->", [(m["event"], m.get("message"), m.get("sequence_id")) for m in _lines(text)])

        # Delay limits like ntfy.
        strict = NtfyStandIn(tick=1.0)
        try:
            status, text = _http("POST", f"{strict.base_url}/x", "soon", {"In": "5s"})
            say("In: 5s on a default (10 s minimum) stand-in ->", status, text.strip())
            expect(status == 400 and json.loads(text)["code"] == 40005, "too small delay is 40005")
            status, text = _http("POST", f"{strict.base_url}/x", "far", {"In": "4 days"})
            expect(status == 400 and json.loads(text)["code"] == 40006, "too large delay is 40006")
            status, text = _http("POST", f"{strict.base_url}/x", "?", {"At": "next tuesday"})
            expect(status == 400 and json.loads(text)["code"] == 40004, "unparsable delay is 40004")
        finally:
            strict.close()

        # Auth on the answers topic, and pressing a button.
        status, text = _http("POST", f"{base}/answers", "no creds")
        say("publish to protected topic without credentials ->", status, text.strip())
        expect(status == 403, "no credentials on a protected topic is 403")
        status, text = _http("POST", f"{base}/answers", "bad", {"Authorization": "Bearer tk_wrong"})
        expect(status == 401, "unknown credentials are 401")
        basic = base64.b64encode(b":tk_answers").decode()
        status, _ = _http("GET", f"{base}/answers/json?poll=1", headers={"Authorization": f"Basic {basic}"})
        expect(status == 200, "basic auth with the token as password works")
        status, text = _http("POST", f"{base}/alerts", "Are you okay?", {
            "Actions": f"http, Okay. I'll be here., {base}/answers, headers.Authorization=Bearer tk_answers, "
                       "body=\"brk-1: Okay. I'll be here.\""})
        announce = json.loads(text)
        expect(status == 200, f"announce with an http action should publish: {text}")
        status, answer = ntfy.press("alerts", announce["id"], "Okay. I'll be here.")
        say("press ->", status, answer.decode().strip()[:160])
        answers = ntfy.delivered("answers")
        expect(status == 200 and answers and answers[-1]["message"].startswith("brk-1: Okay"), "press publishes the answer")

        # A streaming subscriber gets open, then live messages.
        import socket
        sock = socket.create_connection(("127.0.0.1", ntfy.port), timeout=5)
        sock.sendall(b"GET /stream/json HTTP/1.1\r\nHost: x\r\n\r\n")
        time.sleep(0.3)
        _http("POST", f"{base}/stream", "live one")
        data = b""
        deadline = time.monotonic() + 5
        while b"live one" not in data and time.monotonic() < deadline:
            data += sock.recv(65536)
        sock.close()
        events = [json.loads(l) for l in data.split(b"\r\n\r\n", 1)[1].decode().splitlines() if l.strip()]
        say("stream ->", [(e["event"], e.get("message")) for e in events])
        expect([e["event"] for e in events] == ["open", "message"], "stream gives open then the message")
        say(f"{len(ntfy.requests)} requests logged; last: {ntfy.requests[-1].method} {ntfy.requests[-1].path}")

    # The default 10 s tick, and keepalives on a stream.
    with NtfyStandIn(min_delay=0, keepalive=1.0) as ticking:
        t0 = time.time()
        _http("POST", f"{ticking.base_url}/tick", "due in 1 s", {"In": "1s"})
        got = ticking.wait_delivered("tick", 1, timeout=15, what="a message on the default tick")
        lag = got[0]["delivered_at"] - t0
        say(f"default tick (10 s): a message due in 1 s was delivered after {lag:.2f} s")
        expect(1.0 <= lag <= 11.5, "the default tick delivers within ~10 s of the due time")
        status, text = _http("GET", f"{ticking.base_url}/tick/json?poll=1&since=all")
        expect(_lines(text)[0]["time"] == got[0]["time"], "a scheduled message keeps its due time as its time")
        import socket
        sock = socket.create_connection(("127.0.0.1", ticking.port), timeout=5)
        sock.sendall(b"GET /tick/json?since=none HTTP/1.1\r\nHost: x\r\n\r\n")
        data, deadline = b"", time.monotonic() + 5
        while data.count(b"keepalive") < 2 and time.monotonic() < deadline:
            data += sock.recv(65536)
        sock.close()
        say("stream with keepalive=1 s ->", [json.loads(l)["event"] for l in data.split(b"\r\n\r\n", 1)[1].decode().splitlines() if l.strip()])
        expect(data.count(b"keepalive") >= 2, "keepalives arrive on a quiet stream")

    # Pre-2.16: sequence ids ignored, sequence routes 404.
    with NtfyStandIn(sequence_ids=False, tick=1.0, min_delay=0) as old:
        base = old.base_url
        s1, t1 = _http("POST", f"{base}/alerts", "v1", {"X-Sequence-ID": "brk-1-checkin", "In": "60s"})
        s2, t2 = _http("POST", f"{base}/alerts", "v2", {"X-Sequence-ID": "brk-1-checkin", "In": "60s"})
        say("pre-2.16: two publishes with one X-Sequence-ID ->", s1, s2, "scheduled:",
            [m["message"] for m in old.scheduled("alerts")], "sequence_id in answer:", "sequence_id" in json.loads(t2))
        expect(len(old.scheduled("alerts")) == 2, "an old server keeps both")
        s3, t3 = _http("POST", f"{base}/", json.dumps({"topic": "alerts", "message": "v3", "sequence_id": "brk-1-checkin"}))
        expect(s3 == 200 and "sequence_id" not in json.loads(t3), "an old server ignores JSON sequence_id")
        status, text = _http("DELETE", f"{base}/alerts/brk-1-checkin")
        say("pre-2.16: DELETE /alerts/brk-1-checkin ->", status, text.strip())
        expect(status == 404 and json.loads(text)["code"] == 40401, "an old server has no DELETE route")
        status, text = _http("POST", f"{base}/alerts/brk-1-checkin", "v4")
        say("pre-2.16: POST /alerts/brk-1-checkin ->", status, text.strip())
        expect(status == 404, "an old server has no /<topic>/<sequence_id> publish route")
        expect(len(old.scheduled("alerts")) == 2, "nothing was cancelled on the old server")
    say("ntfy stand-in self-check: OK")
    return 0


if __name__ == "__main__":
    import sys
    sys.exit(_self_check())
