"""Held reminders (`hold_on_server`): how late a reminder that the partner's server holds
arrives, with breatherd awake (it releases each at its due time) and frozen (the server
delivers it by itself).

- **ntfy stand-in, awake**: one breatherd, two ntfy channels on one stand-in
  (`Tests/integration/servers/ntfy_standin.py`, in this process): `alex` with
  `hold_on_server = true` (topic `held`) and `plain` without (topic `plain`), their
  reminders alternating one a second, so both go through the same daemon, server and
  loopback, one at a time. Lateness = the stand-in's `delivered_at` − `due_at` from
  `breather status --json`.
- **Synapse, frozen** (full run only): a real Synapse with delayed events (MSC4140) from
  `Tests/integration/servers/synapse_server.py`, run from `.venv-synapse` (never installed
  here: without it the row says so), on 127.0.0.1; breatherd is stopped with SIGSTOP once
  every reminder is held, and lateness = the event's `origin_server_ts` − `due_at`.

Every process started here is stopped by its PID (the harness's registry knows Synapse too,
and the ntfy stand-in is threads of this process); breatherd gets SIGCONT before anything
else is done with it.
"""

from __future__ import annotations

import importlib.util
import os
import re
import signal
import sys
import time
from pathlib import Path
from typing import Any, Optional

from . import procs, report
from .breather import Instance, plan_text, reminder_message, toml
from .procs import BenchError, parse_ts
from .stats import Dist, human_time, median, ms

_OFFSET = re.compile(r"bench offset (-?\d+)")

REPO = Path(__file__).resolve().parents[2]
SERVERS = REPO / "Tests" / "integration" / "servers"

HELD_TOPIC = "held"
PLAIN_TOPIC = "plain"
TICK = 1.0                 # the stand-in's scheduler tick (ntfy's is 10 s; it never fires while awake)
NTFY_MARGIN = 20.0         # breatherd asks ntfy to deliver a held message this long after its due time
DELAY_HEADERS = ("At", "X-At", "In", "X-In", "Delay", "X-Delay")   # ntfy's names for "deliver later"
AWAKE_GOAL = 0.003         # held p50 may be this much above the not-held p50
FROZEN_GOAL = 1.0          # max due → event in the room, Synapse delivering by itself
# The check-in this long after the last measured reminder: breatherd sends a before-check-in
# reminder from here instead of handing it to ntfy when ntfy's own copy (due + 20 s, give or
# take its 10 s tick) could arrive after the check-in. The break is cancelled long before.
CHECKIN_AFTER = 60

ROW_AWAKE = "lateness of a held reminder, ntfy stand-in, breatherd awake (due → delivered)"
ROW_FROZEN = "lateness of a held reminder, Synapse, breatherd frozen with SIGSTOP (due → event in the room)"
GOAL_AWAKE = f"as without holding (p50 ≤ not-held p50 + {AWAKE_GOAL * 1000:.0f} ms)"
GOAL_FROZEN = f"max ≤ {FROZEN_GOAL:.0f} s"



def _load(name: str):
    """A test server module, loaded from its file under a name of its own (no sys.path change)."""
    full = f"breather_bench_{name}"
    if full in sys.modules:
        return sys.modules[full]
    spec = importlib.util.spec_from_file_location(full, SERVERS / f"{name}.py")
    if spec is None or spec.loader is None:
        raise BenchError(f"{SERVERS / name}.py cannot be loaded")
    module = importlib.util.module_from_spec(spec)
    sys.modules[full] = module   # dataclasses look their module up while the class is made
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[full]
        raise
    return module


def _config(inst: Instance, channels: dict[str, dict[str, Any]]) -> None:
    lines = ['me = "Sam"', 'partner = "Alex"', 'default_plan = "bench"']
    for name, settings in channels.items():
        lines += ["", f"[channels.{name}]"]
        lines += [f"{k} = {('true' if v else 'false') if isinstance(v, bool) else toml(v)}" for k, v in settings.items()]
    (inst.config / "breather" / "breather.toml").write_text("\n".join(lines) + "\n")


def _pending(inst: Instance) -> list[dict]:
    return (inst.status().get("break") or {}).get("pending") or []


def _wait_held(inst: Instance, channel: str, count: int, timeout: float) -> dict[int, float]:
    """Waits until `count` pending reminders are held by `channel`'s server; returns the due
    time of every pending reminder (held or not) by offset."""
    last: list[dict] = []

    def held() -> Optional[list[dict]]:
        nonlocal last
        last = _pending(inst)
        ok = [p for p in last if p.get("held_by") == [channel]]
        return last if len(ok) >= count else None

    try:
        entries = procs.wait_until(held, timeout, "", interval=0.05)
    except BenchError:
        got = sum(1 for p in last if p.get("held_by") == [channel])
        raise BenchError(f"{inst.name}: {got} of {count} reminders were held by {channel}'s server "
                         f"{timeout:.1f} s after `breather start` (the first is due then); log: {inst.tail_log()}")
    return {int(p["offset_seconds"]): parse_ts(p["due_at"]) for p in entries}


def _cell(values: list[float]) -> str:
    if not values:
        return "—"
    d = Dist(values)
    if len(d) >= 20:
        return f"p50 {human_time(d.p50)}, p99 {human_time(d.p99)}, max {human_time(d.max)} (n={len(d)})"
    return f"p50 {human_time(d.p50)}, max {human_time(d.max)} (n={len(d)})"


# ---------------------------------------------------------------------------------------
# Measuring


def measure(bench) -> None:
    """Both figures; each a path of its own, so one breaking leaves the other."""
    bench.path("held reminders: ntfy stand-in, awake", lambda: ntfy_awake(bench))
    if bench.p.smoke:
        bench.results["held_frozen_skip"] = "not measured in the smoke run"
    else:
        bench.path("held reminders: Synapse, frozen", lambda: synapse_frozen(bench))


def ntfy_awake(bench) -> None:
    p = bench.p
    n = p.held
    lead = 3 if p.smoke else 5   # the first held reminder: > 2 s ahead at `start`, so it is handed over
    ntfy_mod = _load("ntfy_standin")
    ntfy = ntfy_mod.NtfyStandIn(tick=TICK)
    inst: Optional[Instance] = None
    try:
        inst = bench.instance("HN")
        _config(inst, {
            "alex": {"type": "webhook", "preset": "ntfy", "url": ntfy.topic_url(HELD_TOPIC), "hold_on_server": True,
                     "timeout": "10s"},
            "plain": {"type": "webhook", "preset": "ntfy", "url": ntfy.topic_url(PLAIN_TOPIC), "timeout": "10s"},
        })
        # Held at lead, lead+2, …; not held at lead−1, lead+1, …: one due instant a second.
        held_at = [lead + 2 * k for k in range(n)]
        plain_at = [lead - 1 + 2 * k for k in range(n)]
        duration = max(held_at) + CHECKIN_AFTER
        reminders = sorted([(t - duration, ["alex"]) for t in held_at] + [(t - duration, ["plain"]) for t in plain_at])
        inst.write_plan("bench", plan_text(f"{duration}s", [(o, to, reminder_message(o)) for o, to in reminders],
                                           description="held and not held"))
        inst.start()
        t_start, _ = inst.cli("start")
        started = time.time()
        # (A hand-off still on its way at due − 2 s is finished, then released: still a held reminder.)
        due = _wait_held(inst, "alex", n, timeout=lead - 0.5)
        bench.results["held_handoff_s"] = time.time() - started
        held_offsets = {t - duration for t in held_at}
        plain_offsets = {t - duration for t in plain_at}
        if set(due) != held_offsets | plain_offsets:
            raise BenchError(f"HN: status shows pending offsets {sorted(due)}, not the plan's "
                             f"{sorted(held_offsets | plain_offsets)}")
        last_due = max(due.values())
        bench.log(f"held reminders (ntfy stand-in): {n} held and {n} not, one a second, until "
                  f"{time.strftime('%H:%M:%S', time.gmtime(last_due))}")

        def arrived() -> bool:
            return (len(ntfy.delivered(HELD_TOPIC)) >= n and len(ntfy.delivered(PLAIN_TOPIC)) >= n) \
                or time.time() > last_due + 3
        procs.sleep_until_wall(last_due)
        procs.wait_until(arrived, 10, "the last reminders at the ntfy stand-in", interval=0.05)

        def lateness(topic: str, offsets: set[int]) -> tuple[list[float], list[str]]:
            lat, odd, seen = [], [], {}
            for m in ntfy.delivered(topic):
                found = _OFFSET.search(f"{m.get('title', '')} {m.get('message', '')}")
                if not found or int(found.group(1)) not in offsets:
                    odd.append(f"an unexpected message {m.get('message')!r} on topic {topic}")
                    continue
                offset = int(found.group(1))
                seen[offset] = seen.get(offset, 0) + 1
                if seen[offset] > 1:
                    odd.append(f"the {offset:+d} s reminder arrived {seen[offset]} times on topic {topic}")
                    continue
                lat.append(m["delivered_at"] - due[offset])
                if topic == HELD_TOPIC and not m.get("sequence_id"):
                    odd.append(f"the held {offset:+d} s reminder arrived without its sequence id (sent, not released)")
            missing = offsets - set(seen)
            if missing:
                odd.append(f"{len(missing)} of {len(offsets)} reminders on topic {topic} did not arrive")
            return lat, odd

        held_lat, odd_held = lateness(HELD_TOPIC, held_offsets)
        plain_lat, odd_plain = lateness(PLAIN_TOPIC, plain_offsets)
        left = ntfy.scheduled(HELD_TOPIC)
        if left:
            odd_held.append(f"the stand-in still holds {len(left)} message(s) after their release (they would "
                            f"arrive a second time {NTFY_MARGIN:.0f} s late)")
        # The releases: each `PUT /held/<sequence id>` without a delay.
        releases = [r for r in ntfy.requests if r.method == "PUT" and r.path.startswith(f"/{HELD_TOPIC}/")
                    and not any(r.header(h) for h in DELAY_HEADERS)]
        bench.results["held_awake"] = {"held": held_lat, "plain": plain_lat, "odd": odd_held + odd_plain,
                                       "releases": len(releases), "start": t_start}
        # breatherd misbehaving (not the harness): in the report's notes.
        bench.findings += [f"Held reminders (ntfy stand-in, awake): {line}." for line in odd_held + odd_plain]
        if not held_lat:
            raise BenchError("no held reminder arrived at the ntfy stand-in")
        if not plain_lat:
            raise BenchError("no reminder without holding arrived at the ntfy stand-in")
        bench.log(f"held (ntfy, awake): p50 {ms(median(held_lat))}; not held: p50 {ms(median(plain_lat))}")
        handoff = bench.results["held_handoff_s"]
        bench.notes.append(f"Held reminders, ntfy stand-in: `breather start` answered in {ms(t_start)}, and "
                           f"`status --json` showed the {n} to hold held by the server {ms(handoff)} after it "
                           f"answered; {len(releases)} releases (`PUT` without a delay) reached the server."
                           + (" breatherd opens every hand-off at once, and the stand-in (Python's http.server) "
                              "listens with a backlog of 5, so connections beyond it wait for a SYN retransmit "
                              "(about 1 s): that, not breatherd, is most of this time (compare Synapse below)."
                              if handoff > 0.8 and n > 5 else ""))
        inst.cli("cancel")
    finally:
        try:
            if inst is not None:
                inst.stop()
        finally:
            ntfy.close()


def synapse_frozen(bench) -> None:
    p = bench.p
    n = p.held
    lead = 6   # time for n hand-offs to Synapse before the first is due
    syn = _load("synapse_server")
    venv = syn.venv_path()
    if not syn._has_synapse(venv / "bin" / "python"):
        try:
            shown = venv.relative_to(REPO)
        except ValueError:
            shown = venv
        bench.results["held_frozen_skip"] = f"not measured: Synapse is not installed ({shown})"
        bench.log(f"held reminders (Synapse): {bench.results['held_frozen_skip']}")
        return
    hs = syn.SynapseServer(bench.root / "synapse", delayed_events=True)
    inst: Optional[Instance] = None
    stopped = False
    try:
        t0 = time.monotonic()
        hs.start()
        if hs.pid:
            bench.registry.adopt("synapse", hs.pid)
        bench.results["synapse_start_s"] = time.monotonic() - t0
        if not hs.supports_delayed_events():
            raise BenchError("Synapse does not list org.matrix.msc4140 in /versions although max_event_delay_duration is set")
        sam = hs.register("sam", "pw-sam")
        alex = hs.register("alex", "pw-alex")
        room = hs.create_room(sam, invite=[hs.user_id("alex")], name="breather")
        hs.join(alex, room)

        inst = bench.instance("HM")
        secrets = inst.config / "breather" / "secrets"
        secrets.mkdir(mode=0o700, exist_ok=True)
        token = secrets / "sam-matrix-token"
        token.write_text(sam + "\n")
        os.chmod(token, 0o600)
        _config(inst, {"alex": {"type": "webhook", "preset": "matrix",
                                "url": f"{hs.base_url}/_matrix/client/v3/rooms/{room}",
                                "token_file": "secrets/sam-matrix-token", "hold_on_server": True, "timeout": "10s"}})
        at = [lead + k for k in range(n)]
        duration = max(at) + CHECKIN_AFTER
        inst.write_plan("bench", plan_text(f"{duration}s", [(t - duration, ["alex"], reminder_message(t - duration))
                                                            for t in at], description="held by Synapse"))
        inst.start()
        inst.cli("start")
        started = time.time()
        due = _wait_held(inst, "alex", n, timeout=lead - 0.5)   # frozen before the first is due
        bench.results["held_synapse_handoff_s"] = time.time() - started
        last_due = max(due.values())
        pid = inst.pid
        os.kill(pid, signal.SIGSTOP)
        stopped = True
        bench.log(f"held reminders (Synapse): breatherd frozen; {n} reminders one a second until "
                  f"{time.strftime('%H:%M:%S', time.gmtime(last_due))}")

        def events() -> dict[int, list[dict]]:
            found: dict[int, list[dict]] = {}
            for e in hs.messages(alex, room, limit=max(100, 3 * n)):
                if e.get("type") != "m.room.message" or e.get("sender") != hs.user_id("sam"):
                    continue
                m = _OFFSET.search(e.get("content", {}).get("body", ""))
                if m and int(m.group(1)) in due:
                    found.setdefault(int(m.group(1)), []).append(e)
            return found

        procs.sleep_until_wall(last_due)
        try:
            procs.wait_until(lambda: len(events()) >= n, FROZEN_GOAL + 10, "", interval=0.2)
        except BenchError:
            pass
        got = events()
        lat = [min(e["origin_server_ts"] for e in got[o]) / 1000.0 - due[o] for o in sorted(got)]
        held_left = [d for d in hs.scheduled(sam) if d.get("room_id") == room]
        os.kill(pid, signal.SIGCONT)
        stopped = False
        odd = []
        if len(got) < n:
            odd.append(f"{n - len(got)} of {n} reminders were not in the room {FROZEN_GOAL + 10:.0f} s after the "
                       f"last one's time (Synapse still held {len(held_left)})")
        # Awake again: breatherd must not send any of them a second time.
        procs.wait_until(lambda: not _pending(inst), 15, "breatherd to catch up after SIGCONT", interval=0.2)
        time.sleep(1.0)
        twice = sorted(o for o, es in events().items() if len(es) > 1)
        if twice:
            odd.append(f"{len(twice)} reminder(s) were in the room twice after SIGCONT (offsets {twice})")
        bench.results["held_frozen"] = {"lat": lat, "odd": odd, "n": n}
        bench.findings += [f"Held reminders (Synapse, frozen): {line}." for line in odd]
        if not lat:
            raise BenchError(f"no held reminder reached the room while breatherd was frozen; Synapse still holds "
                             f"{len(held_left)}; its log: {hs.log_path}")
        bench.log(f"held (Synapse, frozen): p50 {ms(median(lat))}, max {ms(max(lat))}")
        bench.notes.append(f"Held reminders, Synapse: the {n} reminders were held (delayed events) "
                           f"{ms(bench.results['held_synapse_handoff_s'])} after `breather start` answered; after "
                           f"SIGCONT breatherd sent none of them again"
                           + (" (but see above)" if odd else "") + f". Synapse took "
                           f"{bench.results['synapse_start_s']:.1f} s to start (not part of any figure).")
        inst.cli("cancel")
    finally:
        try:
            if stopped and inst is not None and inst.proc is not None and inst.proc.poll() is None:
                os.kill(inst.proc.pid, signal.SIGCONT)
            if inst is not None:
                inst.stop()
        finally:
            hs.stop()


# ---------------------------------------------------------------------------------------
# The report


def rows(bench) -> list[report.Row]:
    r = bench.results
    out = []
    awake = r.get("held_awake")
    if awake and awake["held"]:
        held, plain = awake["held"], awake["plain"]
        value = f"held: {_cell(held)}; not held, same stand-in: {_cell(plain)}"
        if plain:
            diff = median(held) - median(plain)
            value += f"; p50 {'+' if diff >= 0 else '−'}{ms(abs(diff))} with holding"
            verdict = "**met**" if diff <= AWAKE_GOAL else f"**missed** (p50 {ms(diff)} above not held)"
        else:
            verdict = "not measured"
        out.append(report.Row(ROW_AWAKE, value, GOAL_AWAKE, verdict))
        if awake["odd"]:
            out[-1].verdict += " (but see the notes)"
    else:
        out.append(report.Row(ROW_AWAKE, "not measured: the path broke", GOAL_AWAKE, "not measured"))
    frozen = r.get("held_frozen")
    if frozen and frozen["lat"]:
        lat = frozen["lat"]
        out.append(report.Row(ROW_FROZEN, _cell(lat), GOAL_FROZEN, report.verdict(max(lat), FROZEN_GOAL)
                              + (" (but see the notes)" if frozen["odd"] else "")))
    else:
        why = r.get("held_frozen_skip") or "not measured: the path broke"
        out.append(report.Row(ROW_FROZEN, why, GOAL_FROZEN, "not measured"))
    return out


def method_lines(bench) -> list[str]:
    p = bench.p
    return [
        f"**Held reminders, awake**: one breatherd with two ntfy channels on the ntfy stand-in "
        f"(`Tests/integration/servers/ntfy_standin.py`, 127.0.0.1, scheduler tick {TICK:.0f} s): `alex` with "
        f"`hold_on_server = true` and `plain` without, reminders alternating between them one a second ({p.held} each). At "
        f"`breather start` the held ones are handed over (`PUT /held/<sequence id>` with a delay to due + "
        f"{NTFY_MARGIN:.0f} s; the run waits for `held_by` in `status --json`), and breatherd releases each at its "
        f"due time (the same PUT without the delay). Lateness = the stand-in's delivery stamp − `due_at`, for both "
        f"channels; the goal is that holding costs nothing while awake.",
        f"**Held reminders, frozen** (full run only): a real Synapse (`.venv-synapse`, delayed events, 127.0.0.1), "
        f"reminders one a second{'' if p.smoke else f' ({p.held})'} held as delayed events; once all are held breatherd gets SIGSTOP (as "
        "in a sleeping laptop, it does nothing), and lateness = the event's `origin_server_ts` − `due_at`, i.e. "
        "Synapse's own timer. After SIGCONT the run checks that breatherd sends none of them again.",
    ]
