"""Answers from the partner (SPEC, "Answers from the partner"; issue 11).

The partner answers an announcement from their phone: on Matrix with a reply in their own
words or a reaction on one of Breather's messages, on ntfy with a button carrying words the
plan agreed. breatherd reads them back, shows them in `status` and `history`, relays each one
once to the plan's `[answers] to` channels (here an ntfy stand-in topic, so the relayed text
can be read), and turns away — with one journal line that holds neither the words nor the
sender — anything that is not the partner's answer to a break that takes answers.

Against a real Synapse (one per module; users sam-bot, alex and mallory in a fresh room per
test) and the ntfy stand-in (one per test); the desktop relay on python3-dbusmock (as in
test_desktop.py); the narrowest crash window with the test-hooks build. Every wait is a bounded poll of `status --json`,
of the room or of the stand-in. Where a test must show that something did *not* happen, a
later answer that must arrive serves as the barrier: breatherd reads a room or topic in
order, so once the later answer shows, the earlier event has been read and judged.
"""

from __future__ import annotations

import json
import re
import time
import urllib.request
from dataclasses import dataclass
from typing import Any, Iterable, Optional

import pytest

from breather_harness import (
    Cli,
    Daemon,
    XdgEnv,
    history_records,
    local_hhmm,
    parse_ts,
    secret_file,
    toml_value,
    wait_until,
    wait_wall_clock_past,
    write_config,
    write_plan,
)
from servers.ntfy_standin import NtfyStandIn
from servers.synapse_server import SynapseServer
from test_desktop import BUTTONS as DESKTOP_BUTTONS, SessionBus, session_bus  # noqa: F401 (a fixture)

PARTNER_TOPIC = "sam-and-alex"
ANSWERS_TOPIC = "sam-and-alex-answers"
RELAY_TOPIC = "sam-relay"
PLAN = "calm"
ANNOUNCE = "I'm taking a breather so this doesn't get worse. I'll come and find you soon."
BACK = "Sam is back and ready to talk."
EXTEND = "I need a little more time. I haven't forgotten you."
AGREED = ["Thank you for telling me. Take your time.", "Okay. I'll be here."]
DEFAULT_RELAY = "{partner} answered: {answer}"

ANSWER_WITHIN = 15.0  # an answer shows in status and on the relay topic this soon after it was sent
TICK = 1.0  # the ntfy stand-in's scheduler tick (nothing here is scheduled)
CHAT_AFTER = 60  # more events than breatherd's /sync filter brings back at once (its timeline limit is 50)


# ---------------------------------------------------------------------------------------
# Plans and channels


def answers_plan(announce_to: list[str], relay_to: Optional[list[str]] = ("relay",), relay_message: Optional[str] = None,
                 agreed: Optional[list[str]] = AGREED, extend_agreed: Optional[list[str]] = None,
                 duration: str = "10m") -> str:
    """A plan whose announcement (to `announce_to`) offers `agreed` answers, whose `back`
    (and, with `extend_agreed`, `extend` offering those) goes to the same channels, and whose
    `[answers]` relays to `relay_to` (None: no `to`; both None: no `[answers]`)."""
    lines = [
        f"description = {toml_value('Step away and come back')}",
        f"duration = {toml_value(duration)}",
        "",
        "[announce]",
        f"to = {toml_value(list(announce_to))}",
        f"message = {toml_value(ANNOUNCE)}",
    ]
    if agreed:
        lines.append(f"answers = {toml_value(list(agreed))}")
    lines += ["", "[back]", f"to = {toml_value(list(announce_to))}", f"message = {toml_value('{me} is back and ready to talk.')}"]
    if extend_agreed:
        lines += ["", "[extend]", f"to = {toml_value(list(announce_to))}", f"message = {toml_value(EXTEND)}",
                  f"answers = {toml_value(list(extend_agreed))}"]
    if relay_to is not None or relay_message is not None:
        lines += ["", "[answers]"]
        if relay_to is not None:
            lines.append(f"to = {toml_value(list(relay_to))}")
        if relay_message is not None:
            lines.append(f"message = {toml_value(relay_message)}")
    return "\n".join(lines) + "\n"


def relay_channel(ntfy: NtfyStandIn) -> dict[str, Any]:
    return {"type": "webhook", "preset": "ntfy", "url": ntfy.topic_url(RELAY_TOPIC), "timeout": "5s"}


def relay_text(answer: str, template: str = DEFAULT_RELAY) -> str:
    return template.replace("{partner}", "Alex").replace("{answer}", answer)


# ---------------------------------------------------------------------------------------
# What breatherd shows: status, history, relay, journal


def answers_in_status(cli: Cli) -> list[dict]:
    data = cli.status()
    assert data.get("active") is True, f"no break runs: {data}"
    return data["break"].get("answers") or []


def texts(answers: Iterable[dict]) -> list[str]:
    return [a["text"] for a in answers]


def wait_answers(cli: Cli, count: int, timeout: float = ANSWER_WITHIN) -> list[dict]:
    """Waits until `status --json` shows at least `count` answers; checks their shape."""
    def enough() -> Optional[list[dict]]:
        answers = answers_in_status(cli)
        return answers if len(answers) >= count else None

    answers = wait_until(enough, timeout, f"status --json to show {count} answer(s) in break.answers", 0.1)
    for answer in answers:
        assert set(answer) == {"at", "text"}, f"an answer in status --json is not {{\"at\", \"text\"}}: {answer}"
        parse_ts(answer["at"])
    return answers


def history_record(cli: Cli, break_id: str) -> dict:
    records = [r for r in history_records(cli.ok("history", "--json").json()) if r.get("break_id") == break_id]
    assert len(records) == 1, f"history --json has {len(records)} records of break {break_id}, not one"
    return records[0]


def wait_history_answers(cli: Cli, break_id: str, count: int, timeout: float = ANSWER_WITHIN) -> list[dict]:
    def found() -> Optional[list[dict]]:
        answers = history_record(cli, break_id).get("answers") or []
        return answers if len(answers) >= count else None

    answers = wait_until(found, timeout, f"history --json to show {count} answer(s) of break {break_id}", 0.1)
    for answer in answers:
        assert set(answer) == {"at", "text"}, f"an answer in history --json is not {{\"at\", \"text\"}}: {answer}"
        parse_ts(answer["at"])
    return answers


def relayed(ntfy: NtfyStandIn) -> list[str]:
    return [m.get("message") for m in ntfy.delivered(RELAY_TOPIC)]


def wait_relayed(ntfy: NtfyStandIn, text: str, timeout: float = ANSWER_WITHIN) -> None:
    wait_until(lambda: text in relayed(ntfy), timeout, f"{text!r} on the relay topic (it has {relayed(ntfy)})", 0.05)


def assert_relayed_once(ntfy: NtfyStandIn, expected: list[str]) -> None:
    """Each of `expected` is on the relay topic once, as a delivery of event `answer`, and
    nothing else is."""
    got = relayed(ntfy)
    for message in ntfy.delivered(RELAY_TOPIC):
        assert message.get("tags") == ["answer"], f"a relay is not tagged with its event, answer: {message}"
    for text in expected:
        assert got.count(text) == 1, f"{text!r} was relayed {got.count(text)} times, not once: {got}"
    assert len(got) == len(expected), f"the relay topic has {got}, not just {expected}"


@dataclass
class LogLine:
    text: str
    fields: dict[str, str]  # BREATHER_… names, as the journal has them


_FIELD = re.compile(r'\s([A-Za-z_][A-Za-z0-9_]*)=("(?:[^"\\]|\\.)*"|\S+)')


def journal(daemon: Daemon) -> list[LogLine]:
    """Every line breatherd logged in this test, all its runs: without a journal it logs to
    standard error, `breatherd[level]: message key=value …` (`event` is the journal's
    BREATHER_EVENT). Fields are given their journal names."""
    lines = []
    for path in sorted(daemon.log_dir.glob("breatherd-*.log")):
        for text in path.read_text(errors="replace").splitlines():
            fields = {}
            for key, value in _FIELD.findall(text):
                if value.startswith('"'):
                    value = json.loads(value)
                name = key if key.startswith("BREATHER_") else "BREATHER_" + key.upper()
                fields[name] = value
            lines.append(LogLine(text, fields))
    return lines


def journal_text(daemon: Daemon) -> str:
    return "\n".join(line.text for line in journal(daemon))


def events(daemon: Daemon, event: str) -> list[LogLine]:
    return [line for line in journal(daemon) if line.fields.get("BREATHER_EVENT") == event]


def wait_relays_recorded(daemon: Daemon, count: int, timeout: float = 10) -> None:
    """Waits until breatherd has recorded `count` relays as delivered: their journal lines are
    written once that is saved. Only then may a test kill it without meeting the one window
    where SPEC lets a success be sent again (death between the receiver's answer and the
    record of it)."""
    def recorded() -> bool:
        lines = [line for line in events(daemon, "answer")
                 if line.fields.get("BREATHER_CHANNEL") == "relay" and "BREATHER_DELIVERY_ID" in line.fields
                 and "Delivered" in line.text]
        return len(lines) >= count

    wait_until(recorded, timeout, f"breatherd to record {count} relay(s) as delivered (journal)", 0.05)


def ignored_reasons(daemon: Daemon) -> list[str]:
    """One reason per thing turned away: a journal line stands for BREATHER_ANSWER_COUNT of them
    (breatherd writes one line per reason and read)."""
    reasons = []
    for line in events(daemon, "answer_ignored"):
        reason = line.fields.get("BREATHER_ANSWER_REASON", "(no BREATHER_ANSWER_REASON)")
        reasons += [reason] * int(line.fields.get("BREATHER_ANSWER_COUNT", "1"))
    return reasons


def wait_ignored(daemon: Daemon, reason: str, count: int = 1, timeout: float = ANSWER_WITHIN) -> None:
    wait_until(lambda: ignored_reasons(daemon).count(reason) >= count, timeout,
               f"{count} thing(s) turned away with BREATHER_EVENT=answer_ignored and BREATHER_ANSWER_REASON={reason} "
               f"(reasons logged: {ignored_reasons(daemon)})", 0.1)


def assert_nowhere(words: Iterable[str], cli: Cli, daemon: Daemon) -> None:
    """None of `words` shows in the journal, in `status` (text and JSON) or in `history`
    (text and JSON)."""
    places = {"the journal": journal_text(daemon)}
    for args in (("status",), ("status", "--json"), ("history",), ("history", "--json")):
        result = cli.ok(*args)
        places[f"`breather {' '.join(args)}`"] = result.stdout + result.stderr
    for word in words:
        for where, text in places.items():
            assert word not in text, f"{word!r} shows in {where}:\n{text[-3000:]}"


def assert_answer_lines_hold_no_words(daemon: Daemon, break_id: str, words: Iterable[str], count: int) -> None:
    """A kept answer is one BREATHER_EVENT=answer line of its break, without its words."""
    lines = [line for line in events(daemon, "answer") if line.fields.get("BREATHER_BREAK_ID") == break_id]
    assert len(lines) >= count, (
        f"{len(lines)} journal lines with BREATHER_EVENT=answer and BREATHER_BREAK_ID={break_id}, "
        f"expected {count}:\n{journal_text(daemon)[-3000:]}")
    for line in lines:
        for word in words:
            assert word not in line.text, f"the journal line of a kept answer holds its words: {line.text}"


def assert_status_line(cli: Cli, answer: dict) -> None:
    """Text `status` says "Alex answered at HH:MM: <text>" (local time; the tests run in UTC)."""
    out = cli.ok("status").stdout
    line = f"Alex answered at {local_hhmm(parse_ts(answer['at']), 'UTC')}: {answer['text']}"
    assert line in out, f"`breather status` does not say {line!r}:\n{out}"


def start_break(cli: Cli) -> str:
    cli.ok("start", PLAN)
    return cli.status()["break"]["id"]


# =======================================================================================
# Matrix: a real Synapse


@dataclass
class Matrix:
    hs: SynapseServer
    bot: str  # access tokens: sam's bot account, which Breather sends with
    alex: str
    mallory: str

    @property
    def alex_id(self) -> str:
        return self.hs.user_id("alex")

    def room(self) -> str:
        room = self.hs.create_room(self.bot, invite=[self.alex_id, self.hs.user_id("mallory")], name="sam and alex")
        self.hs.join(self.alex, room)
        self.hs.join(self.mallory, room)
        return room

    def wait_announce(self, room: str, seen: Iterable[str] = (), timeout: float = 10) -> dict:
        """Breather's announcement in `room` (as alex sees it), other than the events `seen`."""
        bot_id = self.hs.user_id("sam-bot")
        skip = set(seen)
        return self.hs.wait_for_event(
            self.alex, room,
            lambda e: e.get("sender") == bot_id and e.get("content", {}).get("body") == ANNOUNCE
            and e["event_id"] not in skip,
            timeout, "Breather's announcement")

    def reply(self, token: str, room: str, to: dict, words: str, fallback: bool = False) -> dict:
        """A reply to event `to`; with `fallback`, its body quotes `to` first, as older clients do."""
        body = words
        if fallback:
            body = f"> <{to['sender']}> {to['content']['body']}\n\n{words}"
        event_id = self.hs.send_text(token, room, body, reply_to=to["event_id"])
        return self.event(room, event_id)

    def react(self, token: str, room: str, on: dict, key: str) -> dict:
        return self.event(room, self.hs.react(token, room, on["event_id"], key))

    def event(self, room: str, event_id: str) -> dict:
        return self.hs.wait_for_event(self.alex, room, lambda e: e["event_id"] == event_id, 10, f"event {event_id}")


@pytest.fixture(scope="module")
def synapse(tmp_path_factory) -> Matrix:
    hs = SynapseServer(tmp_path_factory.mktemp("synapse") / "hs")
    hs.start()  # a missing Synapse raises here: these tests never skip
    try:
        yield Matrix(hs, hs.register("sam-bot", "pw-sam-bot"), hs.register("alex", "pw-alex"),
                     hs.register("mallory", "pw-mallory"))
    finally:
        hs.stop()


@pytest.fixture
def ntfy():
    with NtfyStandIn(tick=TICK) as server:
        yield server


@pytest.fixture
def matrix_room(xdg, synapse, ntfy) -> str:
    """A room, and breather.toml with a Matrix channel `alex` into it (the bot's token, alex as
    the partner) and the relay channel, and the plan. Returns the room."""
    room = synapse.room()
    write_config(xdg, {
        "alex": {"type": "webhook", "preset": "matrix", "url": f"{synapse.hs.base_url}/_matrix/client/v3/rooms/{room}",
                 "token_file": secret_file(xdg, "sam-bot-token", synapse.bot), "partner_user_id": synapse.alex_id,
                 "timeout": "5s"},
        "relay": relay_channel(ntfy),
    })
    write_plan(xdg, PLAN, answers_plan(["alex"]))
    return room


@pytest.fixture
def matrix_break(matrix_room, daemon) -> str:
    """`matrix_room` with breatherd started."""
    daemon.start()
    return matrix_room


def at_of(event: dict) -> float:
    return event["origin_server_ts"] / 1000.0


def assert_at(answer: dict, at: float, what: str, slack: float = 0.002) -> None:
    assert abs(parse_ts(answer["at"]) - at) <= slack, (
        f"{what}: the answer's at is {answer['at']}, not when the server received it ({at:.3f})")


@pytest.mark.budget(90)
def test_matrix_reply_and_reaction_from_the_partner_are_answers(cli, daemon, synapse, ntfy, matrix_break):
    room = matrix_break
    break_id = start_break(cli)
    announce = synapse.wait_announce(room)

    words = "Thank you. I'm scared, but I'll wait for you."
    reply = synapse.reply(synapse.alex, room, announce, words, fallback=True)
    first = wait_answers(cli, 1)
    assert texts(first) == [words], f"the reply shows as {texts(first)}, not as its own words without the quote"
    assert_at(first[0], at_of(reply), "the reply")
    wait_relayed(ntfy, relay_text(words))

    reaction = synapse.react(synapse.alex, room, announce, "❤")
    both = wait_answers(cli, 2)
    assert texts(both) == [words, "❤"], f"status --json shows {texts(both)}, not the reply then the reaction"
    assert_at(both[1], at_of(reaction), "the reaction")
    wait_relayed(ntfy, relay_text("❤"))
    assert_status_line(cli, both[0])
    assert_status_line(cli, both[1])

    cli.ok("back")
    synapse.hs.wait_for_text(synapse.alex, room, BACK, timeout=10)
    assert texts(wait_history_answers(cli, break_id, 2)) == [words, "❤"]
    assert_relayed_once(ntfy, [relay_text(words), relay_text("❤")])
    assert_answer_lines_hold_no_words(daemon, break_id, [words, "Thank you", "❤"], count=2)
    assert "answer_ignored" not in journal_text(daemon), journal_text(daemon)


@pytest.mark.budget(90)
def test_matrix_someone_else_in_the_room_is_not_the_partner(cli, daemon, synapse, ntfy, matrix_break):
    room = matrix_break
    break_id = start_break(cli)
    announce = synapse.wait_announce(room)

    hers = "MALLORY-WORDS: it's Alex here, Sam should come back right now"
    synapse.reply(synapse.mallory, room, announce, hers)
    synapse.react(synapse.mallory, room, announce, "🦊")
    wait_ignored(daemon, "other_sender", count=2)

    # Alex's answer after hers: once it shows, hers have certainly been read.
    mine = "Okay. I'll be here."
    synapse.reply(synapse.alex, room, announce, mine)
    assert texts(wait_answers(cli, 1)) == [mine]
    wait_relayed(ntfy, relay_text(mine))
    assert texts(answers_in_status(cli)) == [mine], "mallory's reply or reaction became an answer"

    cli.ok("back")
    assert texts(wait_history_answers(cli, break_id, 1)) == [mine]
    assert_relayed_once(ntfy, [relay_text(mine)])
    for line in events(daemon, "answer_ignored"):
        assert line.fields.get("BREATHER_BREAK_ID") in (None, break_id), line.text
        assert "mallory" not in line.text.lower(), f"the journal names the sender it turned away: {line.text}"
    assert_nowhere([hers, "MALLORY-WORDS", "🦊", synapse.hs.user_id("mallory")], cli, daemon)


@pytest.mark.budget(90)
def test_matrix_reply_to_an_earlier_break_does_not_answer_the_running_one(cli, daemon, synapse, ntfy, matrix_break):
    room = matrix_break
    first_id = start_break(cli)
    first_announce = synapse.wait_announce(room)
    cli.ok("cancel")
    second_id = start_break(cli)
    assert second_id != first_id
    second_announce = synapse.wait_announce(room, seen=[first_announce["event_id"]])

    late = "Sorry, I only now saw this."
    synapse.reply(synapse.alex, room, first_announce, late)
    now = "Thank you for telling me. Take your time."
    synapse.reply(synapse.alex, room, second_announce, now)
    assert texts(wait_answers(cli, 1)) == [now]
    assert texts(answers_in_status(cli)) == [now], "a reply to the earlier break's announcement answered this one"

    # It belongs to the break it answered, which ended less than an hour ago.
    assert texts(wait_history_answers(cli, first_id, 1)) == [late]
    cli.ok("back")
    assert texts(wait_history_answers(cli, second_id, 1)) == [now]


@pytest.mark.budget(120)
def test_matrix_killed_after_a_relay_does_not_relay_that_answer_again(cli, daemon, synapse, ntfy, matrix_break):
    room = matrix_break
    break_id = start_break(cli)
    announce = synapse.wait_announce(room)

    words = "I'm okay. Take the time you need."
    synapse.reply(synapse.alex, room, announce, words)
    wait_answers(cli, 1)
    wait_relayed(ntfy, relay_text(words))
    wait_relays_recorded(daemon, 1)
    daemon.kill9()

    daemon.start()
    assert cli.status()["break"]["id"] == break_id, "the break did not survive the kill"
    # A second answer after the restart: once it is relayed, the restarted breatherd has read
    # the room past the first one.
    synapse.react(synapse.alex, room, announce, "🙏")
    assert texts(wait_answers(cli, 2)) == [words, "🙏"]
    wait_relayed(ntfy, relay_text("🙏"))
    assert texts(answers_in_status(cli)) == [words, "🙏"], "the answer is kept twice after the restart"
    assert_relayed_once(ntfy, [relay_text(words), relay_text("🙏")])

    cli.ok("back")
    assert texts(wait_history_answers(cli, break_id, 2)) == [words, "🙏"]
    assert_relayed_once(ntfy, [relay_text(words), relay_text("🙏")])


@pytest.mark.budget(90)
def test_matrix_killed_right_after_an_answer_is_saved_relays_it_once(cli, daemon, hooks_daemon, synapse, ntfy,
                                                                     matrix_room):
    """The narrowest window: the answer is saved, its relay not yet sent (the test-hooks
    build kills itself right after that save)."""
    room = matrix_room
    hooks_daemon.extra_env["BREATHER_TEST_KILL_AFTER_SAVE"] = "answered on alex"
    hooks_daemon.start()
    break_id = start_break(cli)
    announce = synapse.wait_announce(room)
    words = "Thank you. Take your time."
    synapse.reply(synapse.alex, room, announce, words)
    wait_until(lambda: hooks_daemon.proc.poll() is not None, ANSWER_WITHIN, "the test hook to kill breatherd")
    assert hooks_daemon.proc.returncode == -9, f"breatherd ended with {hooks_daemon.proc.returncode}, not by the hook"
    assert "killed right after the save" in hooks_daemon.log_text(), hooks_daemon.log_text()
    assert relayed(ntfy) == [], "the relay went out before the answer's save was done"

    daemon.start()
    assert texts(wait_answers(cli, 1)) == [words], "the answer saved before the kill is not kept after it"
    wait_relayed(ntfy, relay_text(words))
    synapse.react(synapse.alex, room, announce, "❤")
    assert texts(wait_answers(cli, 2)) == [words, "❤"]
    wait_relayed(ntfy, relay_text("❤"))
    assert_relayed_once(ntfy, [relay_text(words), relay_text("❤")])
    cli.ok("back")
    assert texts(wait_history_answers(cli, break_id, 2)) == [words, "❤"]


@pytest.mark.budget(120)
def test_matrix_answer_sent_while_breatherd_is_stopped_is_relayed_once_it_is_back(cli, daemon, synapse, ntfy,
                                                                                  matrix_break):
    room = matrix_break
    break_id = start_break(cli)
    announce = synapse.wait_announce(room)
    # Something read and kept before the stop, so breatherd has a read position to resume from.
    synapse.react(synapse.alex, room, announce, "👍")
    wait_answers(cli, 1)
    wait_relayed(ntfy, relay_text("👍"))
    wait_relays_recorded(daemon, 1)
    assert daemon.stop() == 0

    words = "I love you. See you soon."
    reply = synapse.reply(synapse.alex, room, announce, words)
    daemon.start()
    answers = wait_answers(cli, 2)
    assert texts(answers) == ["👍", words]
    assert_at(answers[1], at_of(reply), "the reply sent while breatherd was stopped")
    wait_relayed(ntfy, relay_text(words))

    # A later answer as a barrier: nothing of the earlier ones is relayed again.
    synapse.reply(synapse.alex, room, announce, "Bye for now.")
    wait_relayed(ntfy, relay_text("Bye for now."))
    assert texts(answers_in_status(cli)) == ["👍", words, "Bye for now."]
    assert_relayed_once(ntfy, [relay_text("👍"), relay_text(words), relay_text("Bye for now.")])
    cli.ok("back")
    assert texts(wait_history_answers(cli, break_id, 3)) == ["👍", words, "Bye for now."]


@pytest.mark.budget(90)
def test_matrix_answer_followed_by_much_chat_while_breatherd_is_stopped_is_still_read(cli, daemon, synapse, ntfy,
                                                                                     matrix_break):
    """SPEC: answers that arrive while breatherd is down are read when it is back. The room
    may be the couple's own chat, busy while the laptop sleeps: more events than one /sync
    brings back at once (its timeline is then `limited`) must not hide the answer."""
    room = matrix_break
    break_id = start_break(cli)
    announce = synapse.wait_announce(room)
    synapse.react(synapse.alex, room, announce, "👍")  # read and kept: a saved read position
    wait_answers(cli, 1)
    wait_relayed(ntfy, relay_text("👍"))
    wait_relays_recorded(daemon, 1)
    assert daemon.stop() == 0

    words = "I'm here when you're ready."
    synapse.reply(synapse.alex, room, announce, words)
    for n in range(CHAT_AFTER):
        synapse.hs.send_text(synapse.mallory if n % 2 else synapse.alex, room, f"chat line {n}")
    daemon.start()
    assert texts(wait_answers(cli, 2)) == ["👍", words], "the answer before the chat was not read"
    wait_relayed(ntfy, relay_text(words))
    cli.ok("back")
    assert texts(wait_history_answers(cli, break_id, 2)) == ["👍", words]


@pytest.mark.budget(90)
def test_matrix_answer_in_the_hour_after_back_joins_that_breaks_history(cli, daemon, synapse, ntfy, matrix_break):
    room = matrix_break
    break_id = start_break(cli)
    announce = synapse.wait_announce(room)
    cli.ok("back")
    synapse.hs.wait_for_text(synapse.alex, room, BACK, timeout=10)
    assert "answers" not in history_record(cli, break_id), "a break without answers has an answers key in history"

    words = "Welcome back. I'm glad you came."
    synapse.reply(synapse.alex, room, announce, words)
    assert texts(wait_history_answers(cli, break_id, 1)) == [words]
    wait_relayed(ntfy, relay_text(words))
    assert cli.status()["active"] is False
    assert_relayed_once(ntfy, [relay_text(words)])
    history_record(cli, break_id)  # still one record of the break: the answer joined it


@pytest.mark.budget(90)
def test_matrix_reply_without_words_or_deleted_before_it_was_read_is_ignored(cli, daemon, synapse, ntfy,
                                                                            matrix_break):
    room = matrix_break
    break_id = start_break(cli)
    announce = synapse.wait_announce(room)

    # A reply that only quotes the announcement (the fallback older clients put first).
    synapse.reply(synapse.alex, room, announce, "", fallback=True)
    wait_ignored(daemon, "empty")
    # A reply deleted while breatherd was stopped: read afterwards, its words are gone.
    assert daemon.stop() == 0
    deleted = synapse.reply(synapse.alex, room, announce, "DELETED-WORDS: never mind")
    synapse.hs.redact(synapse.alex, room, deleted["event_id"])
    daemon.start()
    wait_ignored(daemon, "redacted")

    words = "Okay. I'll be here."
    synapse.reply(synapse.alex, room, announce, words)
    assert texts(wait_answers(cli, 1)) == [words]
    wait_relayed(ntfy, relay_text(words))
    assert texts(answers_in_status(cli)) == [words]
    cli.ok("back")
    assert texts(wait_history_answers(cli, break_id, 1)) == [words]
    assert_relayed_once(ntfy, [relay_text(words)])
    assert_nowhere(["DELETED-WORDS", "never mind"], cli, daemon)


# =======================================================================================
# ntfy: answer buttons on the stand-in


ANSWERS_TOKEN = "tk_answers_topic_only"


@pytest.fixture
def ntfy_break(request, xdg, daemon, ntfy) -> Optional[str]:
    """breather.toml with an ntfy channel `alex` whose answers come back on a second topic, and
    the relay channel (a custom `[answers] message`); breatherd started. With the parameter
    "protected" the answers topic takes only ANSWERS_TOKEN, which the channel reads with
    (`token_file`) and the buttons carry (`answers_token_file`); returns that token, or None."""
    protected = getattr(request, "param", "open") == "protected"
    alex = {"type": "webhook", "preset": "ntfy", "url": ntfy.topic_url(PARTNER_TOPIC),
            "answers_url": ntfy.topic_url(ANSWERS_TOPIC), "timeout": "5s"}
    if protected:
        ntfy.tokens[ANSWERS_TOPIC] = ANSWERS_TOKEN
        alex["token_file"] = secret_file(xdg, "alex-token", ANSWERS_TOKEN)
        alex["answers_token_file"] = secret_file(xdg, "alex-answers-token", ANSWERS_TOKEN)
    write_config(xdg, {"alex": alex, "relay": relay_channel(ntfy)})
    write_plan(xdg, PLAN, answers_plan(["alex"], relay_message=NTFY_RELAY))
    daemon.start()
    return ANSWERS_TOKEN if protected else None


NTFY_RELAY = "{partner} pressed: {answer}"


def announcement(ntfy: NtfyStandIn, nth: int = 1, text: str = ANNOUNCE) -> dict:
    """The `nth` message with `text` (the announcement, by default) on the partner's topic."""
    def found() -> Optional[dict]:
        messages = [m for m in ntfy.delivered(PARTNER_TOPIC) if m.get("message") == text]
        return messages[nth - 1] if len(messages) >= nth else None

    return wait_until(found, 10, f"message #{nth} {text!r} on the partner's topic", 0.05)


def buttons(message: dict, break_id: str, answers_url: str, token: Optional[str] = None) -> dict[str, dict]:
    """The announcement's answer buttons, each checked against the contract (carrying `token`
    as a bearer token, or no headers without one); the JSON each publishes, by label."""
    actions = message.get("actions") or []
    assert [a.get("label") for a in actions] == AGREED, f"the announcement's buttons are not the agreed answers: {actions}"
    bodies = {}
    for action in actions:
        assert action.get("action") == "http", action
        assert action.get("url") == answers_url, f"a button publishes to {action.get('url')}, not {answers_url}"
        assert (action.get("method") or "POST") == "POST", action
        expected_headers = {"Authorization": f"Bearer {token}"} if token else None
        assert action.get("headers") == expected_headers, f"a button carries headers {action.get('headers')}"
        body = json.loads(action["body"])
        assert set(body) == {"breather", "break_id", "key", "answer"}, body
        assert body["breather"] == 1 and body["break_id"] == break_id and body["answer"] == action["label"], body
        assert re.fullmatch(r"[0-9a-f]{32}", body["key"]), f"the key is not 128 bits in hex: {body['key']!r}"
        bodies[action["label"]] = body
    assert len({b["key"] for b in bodies.values()}) == 1, "the buttons of one break carry different keys"
    return bodies


def publish(ntfy: NtfyStandIn, topic: str, body: dict) -> None:
    """A POST to the answers topic as anyone could make it (not a button of the announcement)."""
    request = urllib.request.Request(ntfy.topic_url(topic), data=json.dumps(body).encode(), method="POST")
    with urllib.request.urlopen(request, timeout=10) as answer:
        assert answer.status == 200


def answer_polls(ntfy: NtfyStandIn) -> list:
    return [r for r in ntfy.requests if r.method == "GET" and r.path == f"/{ANSWERS_TOPIC}/json"]


@pytest.mark.budget(90)
@pytest.mark.parametrize("ntfy_break", ["open", "protected"], indirect=True)
def test_ntfy_button_press_is_an_answer(cli, daemon, ntfy, ntfy_break):
    token = ntfy_break
    break_id = start_break(cli)
    message = announcement(ntfy)
    bodies = buttons(message, break_id, ntfy.topic_url(ANSWERS_TOPIC), token)
    key = next(iter(bodies.values()))["key"]

    pressed = AGREED[1]
    status, _ = ntfy.press(PARTNER_TOPIC, message["id"], pressed)
    assert status == 200, f"the answers topic refused the button's publish ({status})"
    answers = wait_answers(cli, 1)
    assert texts(answers) == [pressed]
    (published,) = ntfy.delivered(ANSWERS_TOPIC)
    assert abs(parse_ts(answers[0]["at"]) - published["time"]) < 1.0, (
        f"the answer's at {answers[0]['at']} is not when the server received the press ({published['time']})")
    wait_relayed(ntfy, relay_text(pressed, NTFY_RELAY))
    assert_status_line(cli, answers[0])
    polls = answer_polls(ntfy)
    assert polls and all(p.query.get("poll") == ["1"] and p.query.get("since") for p in polls), (
        f"breatherd reads the answers topic other than by GET …/json?poll=1&since=…: {[(p.path, p.query) for p in polls]}")

    cli.ok("back")
    ntfy.wait_delivered(PARTNER_TOPIC, 2, timeout=10, what="the back message")
    assert texts(wait_history_answers(cli, break_id, 1)) == [pressed]
    assert_relayed_once(ntfy, [relay_text(pressed, NTFY_RELAY)])
    assert_answer_lines_hold_no_words(daemon, break_id, [pressed], count=1)
    assert_nowhere([key, *([token] if token else [])], cli, daemon)  # secrets, both


@pytest.mark.budget(90)
def test_ntfy_forged_answers_are_ignored_and_logged_without_their_words(cli, daemon, ntfy, ntfy_break):
    break_id = start_break(cli)
    message = announcement(ntfy)
    bodies = buttons(message, break_id, ntfy.topic_url(ANSWERS_TOPIC))
    key = bodies[AGREED[0]]["key"]
    wrong_key = ("0" if key[0] != "0" else "1") + key[1:]

    forged = {
        "unknown_break": {"breather": 1, "break_id": "not-" + break_id, "key": key, "answer": AGREED[0]},
        "wrong_key": {"breather": 1, "break_id": break_id, "key": wrong_key, "answer": AGREED[0]},
        "not_agreed": {"breather": 1, "break_id": break_id, "key": key,
                       "answer": "FORGED-WORDS: come back this minute"},
    }
    for body in forged.values():
        publish(ntfy, ANSWERS_TOPIC, body)
    for reason in forged:
        wait_ignored(daemon, reason)

    # The real button after them: once it shows, the forgeries have been read.
    ntfy.press(PARTNER_TOPIC, message["id"], AGREED[0])
    assert texts(wait_answers(cli, 1)) == [AGREED[0]]
    wait_relayed(ntfy, relay_text(AGREED[0], NTFY_RELAY))
    assert texts(answers_in_status(cli)) == [AGREED[0]], "a forged answer was kept"

    cli.ok("back")
    assert texts(wait_history_answers(cli, break_id, 1)) == [AGREED[0]]
    assert_relayed_once(ntfy, [relay_text(AGREED[0], NTFY_RELAY)])
    for line in events(daemon, "answer_ignored"):
        for word in AGREED:
            assert word not in line.text, f"a journal line of an ignored answer holds words: {line.text}"
    assert_nowhere(["FORGED-WORDS", "come back this minute", key, wrong_key], cli, daemon)


@pytest.mark.budget(90)
def test_ntfy_press_while_breatherd_is_down_is_read_once_it_is_back(cli, daemon, ntfy, ntfy_break):
    break_id = start_break(cli)
    message = announcement(ntfy)
    ntfy.press(PARTNER_TOPIC, message["id"], AGREED[0])
    wait_answers(cli, 1)
    wait_relayed(ntfy, relay_text(AGREED[0], NTFY_RELAY))
    wait_relays_recorded(daemon, 1)
    daemon.kill9()

    ntfy.press(PARTNER_TOPIC, message["id"], AGREED[1])
    daemon.start()
    assert texts(wait_answers(cli, 2)) == AGREED
    wait_relayed(ntfy, relay_text(AGREED[1], NTFY_RELAY))
    # Had the restart read the topic from the break's start, the first press would have come
    # back in the same read as the second; one more read later, any second relay of it is out.
    reads = len(answer_polls(ntfy))
    wait_until(lambda: len(answer_polls(ntfy)) > reads, 10, "one more read of the answers topic")
    wait_until(lambda: cli.status().get("retrying") == [], 10, "nothing retrying")
    assert texts(answers_in_status(cli)) == AGREED
    assert_relayed_once(ntfy, [relay_text(a, NTFY_RELAY) for a in AGREED])
    cli.ok("back")
    assert texts(wait_history_answers(cli, break_id, 2)) == AGREED


@pytest.mark.budget(90)
def test_ntfy_button_of_an_earlier_break_answers_that_break_not_the_running_one(cli, daemon, ntfy, ntfy_break):
    first_id = start_break(cli)
    first = announcement(ntfy)
    cli.ok("back")
    announcement(ntfy, text=BACK)
    second_id = start_break(cli)
    second = announcement(ntfy, nth=2)
    buttons(second, second_id, ntfy.topic_url(ANSWERS_TOPIC))

    ntfy.press(PARTNER_TOPIC, first["id"], AGREED[0])
    ntfy.press(PARTNER_TOPIC, second["id"], AGREED[1])
    assert texts(wait_answers(cli, 1)) == [AGREED[1]]
    assert texts(wait_history_answers(cli, first_id, 1)) == [AGREED[0]]
    assert texts(answers_in_status(cli)) == [AGREED[1]], "the earlier break's button answered the running break"
    cli.ok("back")
    assert texts(wait_history_answers(cli, second_id, 1)) == [AGREED[1]]


@pytest.mark.budget(90)
def test_ntfy_extend_offers_its_answers_and_without_answers_section_the_relay_goes_to_phone(xdg, cli, daemon, ntfy):
    """No `[answers]` in the plan: an answer goes to the default channels, the desktop ones
    (none here) and `phone`, and not back to the partner's own channel."""
    later = ["Of course. Take the time you need."]
    write_config(xdg, {
        "alex": {"type": "webhook", "preset": "ntfy", "url": ntfy.topic_url(PARTNER_TOPIC),
                 "answers_url": ntfy.topic_url(ANSWERS_TOPIC), "timeout": "5s"},
        "phone": relay_channel(ntfy),
    })
    write_plan(xdg, PLAN, answers_plan(["alex"], relay_to=None, extend_agreed=later))
    daemon.start()
    break_id = start_break(cli)
    buttons(announcement(ntfy), break_id, ntfy.topic_url(ANSWERS_TOPIC))
    cli.ok("extend", "5m")
    extended = announcement(ntfy, text=EXTEND)
    actions = extended.get("actions") or []
    assert [a.get("label") for a in actions] == later, f"the extend message's buttons are not its answers: {actions}"
    body = json.loads(actions[0]["body"])
    assert body["break_id"] == break_id and body["answer"] == later[0], body

    ntfy.press(PARTNER_TOPIC, extended["id"], later[0])
    assert texts(wait_answers(cli, 1)) == later
    wait_relayed(ntfy, relay_text(later[0]))
    assert_relayed_once(ntfy, [relay_text(later[0])])
    partner = [m.get("message") for m in ntfy.delivered(PARTNER_TOPIC)]
    assert partner == [ANNOUNCE, EXTEND], f"the answer went back to the partner's own topic: {partner}"


@pytest.mark.budget(60)
def test_ntfy_answers_topic_is_read_only_while_a_break_takes_answers(cli, daemon, ntfy, ntfy_break):
    # No break yet: nothing to read, nothing read. Time passing is what is checked here:
    # longer than the 5 s between reads while a break runs.
    wait_wall_clock_past(time.time() + 7, 10, "7 s without a break")
    assert answer_polls(ntfy) == [], "breatherd reads the answers topic though no break runs"

    start_break(cli)
    started = time.monotonic()
    wait_until(lambda: answer_polls(ntfy), 8, "breatherd to read the answers topic once a break runs")
    wait_until(lambda: time.monotonic() - started >= 12 and len(answer_polls(ntfy)) >= 2, 15,
               "breatherd to read the answers topic again")
    polls = answer_polls(ntfy)
    span = polls[-1].at - polls[0].at
    assert len(polls) <= span / 1.0 + 2, (
        f"{len(polls)} reads of the answers topic in {span:.1f} s: a busy loop, not a poll every few seconds")


# =======================================================================================
# The desktop: the answer reaches the notification on screen


MARKUP_ANSWER = "Okay <3 & take your time"


@pytest.mark.budget(90)
def test_desktop_shows_the_answer_escaped_in_the_breaks_notification_and_after_it_alone(xdg, cli, daemon, ntfy, session_bus):
    write_config(xdg, {
        "desktop": {"type": "desktop"},
        "alex": {"type": "webhook", "preset": "ntfy", "url": ntfy.topic_url(PARTNER_TOPIC),
                 "answers_url": ntfy.topic_url(ANSWERS_TOPIC), "timeout": "5s"},
    })
    write_plan(xdg, PLAN, answers_plan(["desktop", "alex"], relay_to=["desktop"], agreed=[MARKUP_ANSWER, AGREED[1]]))
    session_bus.start_bus()
    session_bus.start_server("body body-markup actions")
    daemon.start()
    start_break(cli)
    (shown,) = session_bus.wait_notify(1, timeout=10)
    assert shown.body == ANNOUNCE, shown

    ntfy.press(PARTNER_TOPIC, announcement(ntfy)["id"], MARKUP_ANSWER)
    assert texts(wait_answers(cli, 1)) == [MARKUP_ANSWER], "status shows the answer other than as written"
    calls = session_bus.wait_notify(2, timeout=ANSWER_WITHIN)
    relay = calls[1]
    assert relay.body == "Alex answered: Okay &lt;3 &amp; take your time", (
        f"the answer on the desktop is not the relay text escaped for a server that reads markup: {relay}")
    assert relay.replaces_id == SessionBus.id_of(calls, 0), (
        f"the answer did not replace the break's notification in place: {calls}")
    assert relay.actions == DESKTOP_BUTTONS, f"the break's notification lost its buttons to the answer: {relay}"

    # After the break (its notification closed by `back`), an answer is a notification of its
    # own. ntfy's answers topic is read every 30 s in the hour after a break.
    cli.ok("back")
    calls = session_bus.wait_notify(3, timeout=10)
    assert calls[2].body == BACK, calls[2]
    ntfy.press(PARTNER_TOPIC, announcement(ntfy)["id"], AGREED[1])
    calls = session_bus.wait_notify(4, timeout=40)
    late = calls[3]
    assert late.body == "Alex answered: Okay. I'll be here.", late
    assert late.replaces_id == 0, f"the answer after the break replaced a notification of the ended break: {calls}"
    assert late.actions == [], f"the answer after the break offers buttons for a break that has ended: {late}"
