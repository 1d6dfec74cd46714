#!/usr/bin/python3
"""Breather's benchmark: what a user cares about, measured in one run on one machine, next
to `systemd-run --user --on-active=…` and `at`.

    /usr/bin/python3 bench/run.py --bin .build/release --out BENCHMARKS.md    # make bench
    /usr/bin/python3 bench/run.py --smoke --bin .build/debug --out /dev/null  # make bench-smoke

The full run takes about five minutes; the smoke run takes seconds and goes down every
measurement path once (daemon start, a webhook received, the desktop listener, the CLI,
/proc readers, systemd-run, at) so the harness cannot rot. Either exits non-zero when a path
breaks. Standard library only (the desktop listener uses python3-dbus, which comes with
python3-dbusmock). As root, the run re-executes itself in a private mount namespace so that
the hand-started `systemd --user` and `atd` change nothing on the host. Every process it
starts is stopped by its PID at the end, also on failure.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Callable, Optional

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from harness import alternatives, held, procs, report  # noqa: E402
from harness.breather import Instance, NotifyHub, plan_text, reminder_message  # noqa: E402
from harness.procs import BenchError, SwitchCounter, parse_ts  # noqa: E402
from harness.stats import Dist, human_time, median, mib, ms, ratio  # noqa: E402

PYTHON = "/usr/bin/python3"
NS_MARK = "BREATHER_BENCH_IN_NAMESPACE"
SD_DEFAULT, SD_1MS, AT = report.ALT_COLUMNS


class Params:
    """How much of everything: the full run, or a few seconds of it."""

    def __init__(self, smoke: bool) -> None:
        self.smoke = smoke
        self.ready_reps = 2 if smoke else 10           # start to READY, empty state
        self.ready_big_reps = 1 if smoke else 5        # start to READY, 10,000 pending + 1,000 plans
        self.rt_reps = 2 if smoke else 50              # command round trips
        self.alt_rt_reps = 1 if smoke else 50
        self.reload_reps = 1 if smoke else 10
        self.check_reps = 1 if smoke else 5
        self.plan_files = 20 if smoke else 1000
        self.big_pending = 200 if smoke else 10_000
        self.window = 0.0 if smoke else 250.0          # the concurrent part (computed in smoke)
        self.lead = 2 if smoke else 6                  # first reminder this long after its break starts
        self.headline = 2 if smoke else 225            # webhook reminders, one a second
        self.desktop = 1 if smoke else 225
        self.near = 1 if smoke else 75                 # measured reminders at 100 / 10,000 pending
        self.near_step = 1 if smoke else 3
        self.near_big = 1 if smoke else 20             # measured reminders at 10,000 pending (own phase)
        self.idle = 1.5 if smoke else 60.0
        self.settle = 0.3 if smoke else 2.0
        self.held = 1 if smoke else 20                 # hold_on_server: held reminders (and as many not held)


# ---------------------------------------------------------------------------------------
# Small helpers




class JsonlTail:
    """Reads a JSON-lines file as it grows (the receiver's and the listener's logs)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.pos = 0
        self.partial = ""
        self.records: list[dict] = []

    def poll(self) -> list[dict]:
        try:
            with open(self.path) as f:
                f.seek(self.pos)
                data = f.read()
                self.pos = f.tell()
        except FileNotFoundError:
            return self.records
        data = self.partial + data
        lines = data.split("\n")
        self.partial = lines.pop()
        for line in lines:
            if line.strip():
                try:
                    self.records.append(json.loads(line))
                except json.JSONDecodeError:
                    pass
        return self.records

    def where(self, predicate: Callable[[dict], bool]) -> list[dict]:
        return [r for r in self.poll() if predicate(r)]


def body_json(record: dict) -> dict:
    try:
        value = json.loads(record.get("body", ""))
        return value if isinstance(value, dict) else {}
    except json.JSONDecodeError:
        return {}


def timed(fn: Callable[[], object]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


# ---------------------------------------------------------------------------------------
# The benchmark


class Bench:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.p = Params(args.smoke)
        self.bindir = Path(args.bin).resolve()
        self.registry = procs.Registry()
        self.hub: Optional[NotifyHub] = None
        self.root = Path(tempfile.mkdtemp(prefix="breather-bench-", dir="/var/tmp" if os.path.isdir("/var/tmp") else None))
        self.instances: list[Instance] = []
        self.results: dict[str, object] = {}
        self.problems: list[str] = []      # paths that broke: exit non-zero
        self.notes: list[str] = []
        self.findings: list[str] = []      # breatherd misbehaving (not the harness): in the report
        self.paths_ok: list[str] = []
        self.sd: Optional[alternatives.SystemdUser] = None
        self.atd: Optional[alternatives.Atd] = None
        self.alt_skip: dict[str, str] = {}
        self.port = 0
        self.bus_address = ""

    def log(self, text: str) -> None:
        print(f"[bench {time.monotonic() - self.t_start:6.1f}s] {text}", flush=True)

    def path(self, name: str, fn: Callable[[], object]) -> object:
        """Runs one measurement path; a failure is recorded, and the run goes on."""
        if self.args.only and not any(word in name for word in self.args.only):
            return None
        try:
            value = fn()
            self.paths_ok.append(name)
            return value
        except BenchError as error:
            self.problems.append(f"{name}: {error}")
            self.log(f"BROKEN {name}: {error}")
        except Exception as error:  # a bug in the harness is a broken path too
            self.problems.append(f"{name}: {type(error).__name__}: {error}")
            self.log(f"BROKEN {name}: {traceback.format_exc()}")
        return None

    # -- setup

    def instance(self, name: str) -> Instance:
        inst = Instance(name, self.root, self.bindir, self.registry, self.hub)
        inst.write_config(self.port)
        self.instances.append(inst)
        return inst

    def start_receiver(self) -> None:
        port_file = self.root / "receiver.port"
        self.receiver_log = self.root / "receiver.jsonl"
        self.registry.spawn("receiver", [PYTHON, str(HERE / "harness" / "receiver.py"), str(port_file),
                                         str(self.receiver_log)])
        procs.wait_until(port_file.exists, 10, "the loopback receiver to listen")
        self.port = int(port_file.read_text())
        self.hooks = JsonlTail(self.receiver_log)

    def start_desktop(self) -> None:
        bus = self.root / "bus"
        self.bus_address = f"unix:path={bus}"
        log = open(self.root / "dbus.log", "ab")
        self.registry.spawn("dbus-daemon", ["dbus-daemon", "--session", "--nofork", f"--address={self.bus_address}"],
                            stdout=log, stderr=log)
        log.close()
        procs.wait_until(bus.exists, 10, "dbus-daemon's socket")
        self.notify_log = self.root / "notify.jsonl"
        ready = self.root / "notify.ready"
        env = dict(os.environ, DBUS_SESSION_BUS_ADDRESS=self.bus_address)
        log = open(self.root / "listener.log", "ab")
        self.registry.spawn("notify listener", [PYTHON, str(HERE / "harness" / "notify_listener.py"),
                                                str(self.notify_log), str(ready)], env=env, stdout=log, stderr=log)
        log.close()
        procs.wait_until(ready.exists, 15, "the notification listener to own its name")
        self.notifies = JsonlTail(self.notify_log)
        # The listener itself must answer and stamp a Notify, whatever breatherd does.
        done = subprocess.run(alternatives.notify_command(self.bus_address, "bench-selftest"), capture_output=True,
                              text=True, timeout=10)
        if done.returncode != 0:
            raise BenchError(f"busctl Notify to the listener failed: {done.stderr.strip()}")
        procs.wait_until(lambda: self.notifies.where(lambda r: r.get("body") == "bench-selftest"), 5,
                         "the listener to stamp a Notify")

    def start_alternatives(self) -> None:
        if os.geteuid() != 0 or os.environ.get(NS_MARK) != "1":
            why = "not run: needs root and a private mount namespace (unshare)"
            self.alt_skip = {SD_DEFAULT: why, SD_1MS: why, AT: why}
            return
        if not os.access(alternatives.SYSTEMD, os.X_OK) or not shutil.which("systemd-run"):
            self.alt_skip[SD_DEFAULT] = self.alt_skip[SD_1MS] = "not run: systemd is not installed"
        else:
            self.sd = alternatives.SystemdUser(self.root, self.registry)
            try:
                self.results["sd_boot"] = self.sd.start()
            except BenchError as error:
                self.alt_skip[SD_DEFAULT] = self.alt_skip[SD_1MS] = f"not run: {error}"
                self.problems.append(f"systemd --user: {error}")
                self.sd.stop()
                self.sd = None
        why = alternatives.Atd.available()
        if why:
            self.alt_skip[AT] = f"not run: {why}"
        else:
            self.atd = alternatives.Atd(self.root, self.registry)
            try:
                self.atd.start()
            except BenchError as error:
                self.alt_skip[AT] = f"not run: {error}"
                self.problems.append(f"atd: {error}")
                self.atd.stop()
                self.atd = None

    # -- phase A: one thing at a time

    def typical_plan(self, to: str = "hook") -> str:
        return plan_text("30m", [(-300, [to], "{minutes_left} minutes left."), (0, [to], "Time to check in."),
                                 (600, [to], "{me} is still calming down.")], description="a typical plan")

    def measure_ready_empty(self) -> None:
        e = self.instance("E")
        e.write_plan("bench", self.typical_plan())
        times, floor = [], []
        env = {k: v for k, v in e.env.items() if k != "XDG_RUNTIME_DIR"}
        for i in range(self.p.ready_reps):
            # The floor, right before each start: breatherd without XDG_RUNTIME_DIR says so on
            # stderr at once; the time to that first byte is exec, linking and the runtime.
            t0 = time.perf_counter()
            proc = self.registry.spawn("breatherd (floor)", [str(self.bindir / "breatherd")], env=env,
                                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            first = proc.stderr.read(1)
            floor.append(time.perf_counter() - t0)
            proc.stderr.read()
            proc.stderr.close()
            proc.wait(timeout=10)
            self.registry.stop(proc)
            if not first or proc.returncode == 0:
                raise BenchError("breatherd without XDG_RUNTIME_DIR should refuse to start with a sentence on stderr")
            times.append(e.start())
            if i < self.p.ready_reps - 1:
                e.stop()
        self.results["ready_empty"] = times
        self.results["floor_daemon"] = floor
        self.e = e
        self.log(f"start to READY, empty state: median {ms(median(times))}")

    def measure_floors(self) -> None:
        """What any start costs before breatherd's own work: exec, dynamic linking, the Swift
        runtime. breatherd stops at once without XDG_RUNTIME_DIR; `breather --help` needs no daemon."""
        cli = []
        for _ in range(self.p.ready_reps):
            t0 = time.perf_counter()
            subprocess.run([str(self.bindir / "breather"), "--help"], env=self.e.env, capture_output=True,
                           timeout=30, check=True)
            cli.append(time.perf_counter() - t0)
        self.results["floor_cli"] = cli

    def measure_round_trips(self) -> None:
        e = self.e
        pairs = []
        for _ in range(self.p.rt_reps):
            t_start, _ = e.cli("start")
            t_cancel, _ = e.cli("cancel")
            pairs.append(t_start + t_cancel)
        e.cli("start")
        # Each `breather status` right beside the alternatives' look at their jobs, so that
        # the comparison sees the same load (other work on these cores comes and goes).
        status, alt_status = [], {SD_DEFAULT: [], AT: []}
        for _ in range(self.p.rt_reps):
            status.append(e.cli("status")[0])
            if self.sd:
                alt_status[SD_DEFAULT].append(timed(self.sd_list_timers))
            if self.atd:
                alt_status[AT].append(timed(self.atd.queue))
        self.alt_status = alt_status
        e.cli("cancel")
        self.results["rt_status"] = status
        self.results["rt_pair"] = pairs
        e.stop()
        self.log(f"round trips: status {ms(median(status))}, start+cancel {ms(median(pairs))}")

    def measure_alt_round_trips(self) -> None:
        n = self.p.alt_rt_reps
        interleaved = getattr(self, "alt_status", {})
        if self.sd:
            status = interleaved.get(SD_DEFAULT) or [timed(self.sd_list_timers) for _ in range(n)]
            pairs = []
            for i in range(n):
                t0 = time.perf_counter()
                unit, _ = self.sd.schedule(3600, ["/bin/true"], unit=f"bb-rt-{i}")
                self.sd.stop_unit(unit)
                pairs.append(time.perf_counter() - t0)
            self.results["alt_rt"] = {SD_DEFAULT: (status, pairs)}
        if self.atd:
            status = interleaved.get(AT) or [timed(self.atd.queue) for _ in range(n)]
            pairs = []
            for _ in range(n):
                t0 = time.perf_counter()
                job, _ = self.atd.schedule("now + 1 hour", ["/bin/true"])
                self.atd.remove(job)
                pairs.append(time.perf_counter() - t0)
            self.results.setdefault("alt_rt", {})[AT] = (status, pairs)

    def sd_list_timers(self) -> None:
        self.sd.run(["systemctl", "--user", "list-timers", "--no-pager"])

    def big_plan(self) -> str:
        # 10,000 reminders, all at least 20 minutes ahead for the whole run.
        n = self.p.big_pending
        return plan_text("2h", [(-6000 + k, ["hook"], reminder_message(-6000 + k)) for k in range(n)],
                         description="10,000 reminders")

    def write_many_plans(self, inst: Instance) -> None:
        for i in range(self.p.plan_files):
            inst.write_plan(f"plan-{i:04d}", plan_text(
                "30m", [(-300, ["desktop"], "{minutes_left} minutes until you check in with {partner}."),
                        (0, ["desktop"], "Time to check in with {partner}."),
                        (600, ["hook"], "{me} hasn't forgotten you. Back soon.")],
                description=f"plan number {i}",
                announce=(["hook"], "I'm taking {duration}; I'll come and find you at {checkin_time}.")))

    def measure_config_and_big_start(self) -> None:
        c = self.instance("C")
        self.write_many_plans(c)
        c.write_config(self.port, default_plan="plan-0000")
        self.results["ready_plans_only"] = c.start(timeout=120)
        reloads = [c.cli("reload")[0] for _ in range(self.p.reload_reps)]
        checks = []
        for _ in range(self.p.check_reps):
            t, done = c.cli("check", check=False)
            if done.returncode != 0:
                raise BenchError(f"`breather check` found problems in the generated plans: {done.stderr.strip()[:300]}")
            checks.append(t)
        self.results["reload"] = reloads
        self.results["check"] = checks
        c.write_plan("big", self.big_plan())
        c.cli("reload")
        t_big, _ = c.cli("start", "big")
        self.results["start_big"] = t_big
        try:
            status = c.status()
        except BenchError as error:
            status = None
            # Not the harness's path breaking: a finding about breatherd, reported as such.
            self.findings.append(f"`breather status --json` with {self.p.big_pending:,} pending failed: “{str(error).rstrip('.')}”. "
                                 "breatherd's control socket is non-blocking and `UnixSocket.writeAll` gives up on "
                                 "EAGAIN, so an answer larger than the socket buffer (a few hundred KiB) is cut off "
                                 "and the CLI cannot parse it; waiting for POLLOUT (or a blocking send with "
                                 "SO_SNDTIMEO on the worker thread that writes) would fix it.")
        if status is not None:
            pending = len(status.get("break", {}).get("pending", []))
            if pending != self.p.big_pending:
                raise BenchError(f"the generated plan should leave {self.p.big_pending} reminders pending; "
                                 f"status shows {pending}")
        c.stop()
        times = []
        for i in range(self.p.ready_big_reps):
            times.append(c.start(timeout=120))
            if i < self.p.ready_big_reps - 1:
                c.stop()
        self.results["ready_big"] = times
        time.sleep(self.p.settle)
        self.results["rss_big_idle"] = procs.status_kb(c.pid, "VmRSS")
        self.results["hwm_big_idle"] = procs.status_kb(c.pid, "VmHWM")
        self.results["state_big_bytes"] = c.state_file.stat().st_size if c.state_file.exists() else None
        c.cli("cancel")
        c.stop()
        self.log(f"config load: reload {ms(median(reloads))}, check {ms(median(checks))}; "
                 f"READY with {self.p.big_pending} pending: {ms(median(times))}; "
                 f"RSS {mib(self.results['rss_big_idle'])}")

    # -- phase B: everything that waits, at once

    def window(self) -> None:
        p = self.p
        hd = self.instance("H")          # the headline webhook figure
        dd = self.instance("D")          # the same through the desktop channel
        n1 = self.instance("N1")         # one pending at a time: a break per reminder
        n100 = self.instance("N100")
        i0 = self.instance("I0")         # idle, no break
        i1h = self.instance("I1h")       # idle, one reminder due in an hour

        def near_far(near: int, far: int, to: str) -> str:
            checkin = 300 if not p.smoke else 60
            rem = [(p.lead + p.near_step * k - checkin, [to], reminder_message(p.lead + p.near_step * k - checkin))
                   for k in range(near)]
            rem += [(k + 1, [to], reminder_message(k + 1)) for k in range(far)]
            return plan_text(f"{checkin}s", rem, description=f"{far} pending")

        def one_a_second(count: int, to: str) -> str:
            duration = count + p.lead
            return plan_text(f"{duration}s", [(-count + k, [to], reminder_message(-count + k)) for k in range(count)])

        hd.write_plan("bench", one_a_second(p.headline, "hook"))
        dd.write_plan("bench", one_a_second(p.desktop, "desktop"))
        n1.write_plan("bench", plan_text("2s", [(0, ["hook"], reminder_message(0))], description="one reminder"))
        n100.write_plan("bench", near_far(p.near, 100 if not p.smoke else 5, "hook"))
        i0.write_plan("bench", self.typical_plan())
        i1h.write_plan("bench", plan_text("1h", [(0, ["hook"], "Time to check in.")], description="one in an hour"))
        dd.env["DBUS_SESSION_BUS_ADDRESS"] = self.bus_address
        for inst in (hd, dd, n1, n100, i0, i1h):
            inst.start()
        i1h.cli("start")
        i0.cli("status")   # a daemon a user has talked to at least once

        # Due instants are whole seconds after each break's start: starting the breaks at
        # different fractions of a second keeps every daemon's instants 250 ms apart.
        starts = [(hd, 0.0), (n100, 0.25), (n1, 0.5), (dd, 0.75)]
        t0 = time.time() + 0.5
        if p.smoke:
            p.window = p.lead + max(p.headline, p.desktop, p.near * p.near_step) + 1.5
        end = t0 + p.window
        cpu0: dict[str, float] = {}
        desktop_due: dict[int, float] = {}
        n1_state = {"next": t0 + 0.5, "waiting": None, "cycles": 0, "missed": 0}
        alt_samples: dict[str, tuple[str, float, str]] = {}   # id -> (column, intended, channel)
        counters: dict[str, SwitchCounter] = {}
        pings: dict[str, tuple[float, float]] = {}

        def start_break(inst: Instance) -> None:
            cpu0[inst.name] = procs.cpu_seconds(inst.pid) or 0.0
            t, _ = inst.cli("start")
            self.results[f"start_{inst.name}"] = t
            if inst is dd:
                for item in dd.status().get("break", {}).get("pending", []):
                    desktop_due[int(item["offset_seconds"])] = parse_ts(item["due_at"])

        actions: list[tuple[float, str, Callable[[], None]]] = []
        for inst, phase in starts:
            if inst is n1:
                continue
            actions.append((phase, f"start {inst.name}", lambda inst=inst: start_break(inst)))

        # Alternatives: a handful each, all done before the idle windows.
        def sd_sample(column: str, seconds: float, accuracy: Optional[str], channel: str) -> None:
            sid = f"{'d' if accuracy is None else 'm'}{channel[0]}{len(alt_samples)}"
            if channel == "hook":
                cmd = alternatives.curl_command(f"http://127.0.0.1:{self.port}/alt/{sid}")
            else:
                cmd = alternatives.notify_command(self.bus_address, f"alt {sid}")
            _, asked = self.sd.schedule(seconds, cmd, accuracy=accuracy, unit=f"bb-{sid}")
            alt_samples[sid] = (column, asked + seconds, channel)

        def at_sample(when: str, delay: float) -> None:
            sid = f"a{len(alt_samples)}"
            _, asked = self.atd.schedule(when, alternatives.curl_command(f"http://127.0.0.1:{self.port}/alt/{sid}"))
            alt_samples[sid] = (AT, asked + delay, "hook")

        idle_at = p.window - p.idle
        alt_idle_none = (p.window - 2 * p.idle - 5, p.window - p.idle - 5) if not p.smoke else (idle_at - p.idle, idle_at)
        if self.sd:
            if p.smoke:
                actions.append((1.1, "systemd-run 1ms", lambda: sd_sample(SD_1MS, 1, "1ms", "hook")))
                actions.append((1.3, "systemd-run 1ms desktop", lambda: sd_sample(SD_1MS, 1, "1ms", "desktop")))
                actions.append((1.5, "systemd-run default", lambda: sd_sample(SD_DEFAULT, 1, None, "hook")))
            else:
                for k in range(6):
                    actions.append((5.1 + 3 * k, "systemd-run default", lambda: sd_sample(SD_DEFAULT, 10, None, "hook")))
                for k in range(20):
                    actions.append((6.3 + 5 * k, "systemd-run 1ms", lambda: sd_sample(SD_1MS, 2, "1ms", "hook")))
                for k in range(10):
                    actions.append((8.9 + 10 * k, "systemd-run 1ms desktop",
                                    lambda: sd_sample(SD_1MS, 2, "1ms", "desktop")))
        if self.atd:
            if p.smoke:
                actions.append((1.7, "at now", lambda: at_sample("now", 0.0)))
            else:
                for k in range(5):
                    actions.append((7.1 + 14 * k, "at", lambda: at_sample("now + 1 minute", 60.0)))

        def open_idle(key: str, pid: int) -> None:
            counters[key] = SwitchCounter(pid)
            pings[key] = (time.monotonic(), 0.0)

        def close_idle(key: str) -> None:
            counters[key].sample()
            pings[key] = (pings[key][0], time.monotonic())
            self.results[f"idle_{key}"] = counters.pop(key)

        def alt_pids() -> list[tuple[str, int]]:
            out = []
            if self.sd:
                out.append(("sd", self.sd.pid))
            if self.atd:
                out.append(("atd", self.atd.pid))
            return out

        def alt_hour_jobs() -> None:
            if self.sd:
                self.sd.schedule(3600, ["/bin/true"], unit="bb-hour")
            if self.atd:
                self.atd.schedule("now + 1 hour", ["/bin/true"])

        for key, pid in alt_pids():
            actions.append((alt_idle_none[0], f"idle open {key}", lambda key=key, pid=pid: open_idle(f"{key}_none", pid)))
            actions.append((alt_idle_none[1], f"idle close {key}", lambda key=key: close_idle(f"{key}_none")))
        actions.append((idle_at - 1.5, "hour jobs", alt_hour_jobs))
        for key, pid in alt_pids() + [("I0", i0.pid), ("I1h", i1h.pid)]:
            suffix = "_hour" if key in ("sd", "atd") else ""
            actions.append((idle_at, f"idle open {key}", lambda key=key, pid=pid, s=suffix: open_idle(key + s, pid)))
            actions.append((p.window - 0.05, f"idle close {key}", lambda key=key, s=suffix: close_idle(key + s)))
        actions.sort(key=lambda a: a[0])

        self.log(f"concurrent window: {p.window:.0f} s from {datetime.datetime.fromtimestamp(t0, datetime.timezone.utc):%H:%M:%S}")
        last_sample = 0.0
        n1_hooks = lambda: len(self.hooks.where(lambda r: r["path"] == "/N1"))  # noqa: E731
        for _ in range(10_000_000):
            now = time.time()
            if now >= end:
                break
            while actions and now >= t0 + actions[0][0]:
                _, what, fn = actions.pop(0)
                self.path(f"window: {what}", fn)
            # One pending at a time: start a 2 s break, wait for its reminder, cancel, again.
            if n1_state["waiting"] is None:
                if now >= n1_state["next"] and n1_state["next"] + 3.5 < end:
                    if "N1" not in cpu0:
                        cpu0["N1"] = procs.cpu_seconds(n1.pid) or 0.0
                    n1.cli("start")
                    n1_state["waiting"] = (now, n1_hooks())
            else:
                since, before = n1_state["waiting"]
                arrived = n1_hooks() > before
                if arrived or now - since > 6:
                    n1.cli("cancel")
                    n1_state["cycles"] += 1
                    n1_state["missed"] += 0 if arrived else 1
                    n1_state["waiting"] = None
                    n1_state["next"] += 3.0
                    while n1_state["next"] < time.time() + 0.3:
                        n1_state["next"] += 1.0
            if now - last_sample >= 0.5:
                last_sample = now
                for counter in counters.values():
                    counter.sample()
            time.sleep(0.02)
        for _, what, fn in actions:   # anything left (closing the idle windows)
            if what.startswith("idle close"):
                self.path(f"window: {what}", fn)

        # Memory and CPU right at the end, before anything is stopped.
        self.results["rss_idle"] = procs.status_kb(i0.pid, "VmRSS")
        self.results["hwm_idle"] = procs.status_kb(i0.pid, "VmHWM")
        self.results["rss_hour"] = procs.status_kb(i1h.pid, "VmRSS")
        self.results["mem_idle"] = procs.memory_breakdown(i0.pid)
        if self.sd:
            self.results["rss_sd"] = procs.status_kb(self.sd.pid, "VmRSS")
        if self.atd:
            self.results["rss_atd"] = procs.status_kb(self.atd.pid, "VmRSS")
        cpu = {inst.name: (procs.cpu_seconds(inst.pid) or 0.0) - cpu0.get(inst.name, 0.0)
               for inst in (hd, n1, n100) if inst.name in cpu0}
        self.results["cpu"] = cpu
        self.results["n1"] = n1_state
        self.results["pings"] = {k: (self.hub.count(k, "WATCHDOG=1", a, b) if k in ("I0", "I1h") else 0)
                                 for k, (a, b) in pings.items()}

        # Allow the last deliveries a moment, then read what arrived.
        grace_end = time.monotonic() + (2.0 if p.smoke else 5.0)
        # (In the smoke run, a default-AccuracySec timer may take a minute: not waited for.)
        expected_alt = {k for k, v in alt_samples.items() if not (p.smoke and v[0] == SD_DEFAULT)}
        while time.monotonic() < grace_end:
            got = {r["path"].rsplit("/", 1)[-1] for r in self.hooks.poll() if r["path"].startswith("/alt/")}
            got |= {r["body"].split(" ", 1)[1] for r in self.notifies.poll() if r.get("body", "").startswith("alt ")}
            if expected_alt <= got:
                break
            time.sleep(0.1)

        self.collect_lateness(dd, desktop_due, alt_samples)
        for inst in (hd, dd, n1, n100, i0, i1h):
            inst.stop()

    def scale_window(self) -> None:
        """10,000 pending, alone: its cost per reminder would disturb the other daemons."""
        p = self.p
        big = self.instance("N10k")
        checkin = 300 if not p.smoke else 60
        rem = [(p.lead + p.near_step * k - checkin, ["hook"], reminder_message(p.lead + p.near_step * k - checkin))
               for k in range(p.near_big)]
        rem += [(k + 1, ["hook"], reminder_message(k + 1)) for k in range(p.big_pending)]
        big.write_plan("bench", plan_text(f"{checkin}s", rem, description=f"{p.big_pending} pending"))
        big.start(timeout=120)
        cpu0 = procs.cpu_seconds(big.pid) or 0.0
        t, _ = big.cli("start")
        self.results["start_N10k"] = t
        self.results["state_10k_bytes"] = big.state_file.stat().st_size
        last_due = time.time() + p.lead + p.near_step * (p.near_big - 1)
        self.log(f"{p.big_pending:,} pending: {p.near_big} reminder{'s' if p.near_big != 1 else ''} until "
                 f"{datetime.datetime.fromtimestamp(last_due, datetime.timezone.utc):%H:%M:%S}")
        procs.wait_until(lambda: len(self.hooks.where(lambda r: r["path"] == "/N10k")) >= p.near_big
                         or time.time() > last_due + 10, last_due - time.time() + 15, "the last reminder at 10,000 pending")
        self.results["rss_10k_active"] = procs.status_kb(big.pid, "VmRSS")
        self.results["hwm_10k_active"] = procs.status_kb(big.pid, "VmHWM")
        self.results.setdefault("cpu", {})["N10k"] = (procs.cpu_seconds(big.pid) or 0.0) - cpu0
        lat, own, count = self.late("N10k")
        self.results["late_N10k"] = (lat, own)
        if count < p.near_big:
            self.notes.append(f"N10k: {p.near_big - count} of {p.near_big} reminders did not arrive at the receiver")
            if count == 0:
                self.problems.append("10,000 pending: no reminder arrived")
        # What one such save costs on this disk: a file of the state's size, written and fsynced.
        size = self.results["state_10k_bytes"]
        probe = big.state / "fsync-probe"
        times = []
        for _ in range(3 if p.smoke else 5):
            t0 = time.perf_counter()
            with open(probe, "wb") as f:
                f.write(os.urandom(size))
                f.flush()
                os.fsync(f.fileno())
            times.append(time.perf_counter() - t0)
        probe.unlink()
        self.results["fsync_state_size"] = times
        big.cli("cancel")
        big.stop()

    def late(self, name: str) -> tuple[list[float], list[float], int]:
        """Lateness (receiver arrival − due_at) of each reminder that reached /NAME, and
        breatherd's own late_seconds."""
        lat, own, seen = [], [], set()
        for r in self.hooks.poll():
            if r["path"] != f"/{name}":
                continue
            body = body_json(r)
            if body.get("event") != "reminder":
                continue
            key = (body.get("break_id"), body.get("offset_seconds"))
            if key in seen:
                continue
            seen.add(key)
            lat.append(r["t"] - parse_ts(body["due_at"]))
            if isinstance(body.get("late_seconds"), (int, float)):
                own.append(float(body["late_seconds"]))
        return lat, own, len(seen)

    def collect_lateness(self, dd, desktop_due, alt_samples) -> None:
        p = self.p
        records = self.hooks.poll()
        expected = {"H": p.headline, "N100": p.near}
        for name in ("H", "N1", "N100"):
            lat, own, count = self.late(name)
            self.results[f"late_{name}"] = (lat, own)
            want = expected.get(name, self.results["n1"]["cycles"])
            if count < want:
                missing = f"{name}: {want - count} of {want} reminders did not arrive at the receiver"
                self.notes.append(missing)
                if count == 0:
                    self.problems.append(missing)
        # Desktop: the listener's stamp against each reminder's due time from `status --json`.
        lat = []
        for r in self.notifies.poll():
            text = f"{r.get('summary', '')} {r.get('body', '')}"
            m = re.search(r"bench offset (-?\d+)", text)
            if m and int(m.group(1)) in desktop_due:
                lat.append(r["t"] - desktop_due.pop(int(m.group(1))))
        self.results["late_D"] = lat
        if not lat:
            reason = ""
            try:
                lines = [ln for ln in dd.log_path.read_text(errors="replace").splitlines() if "esktop" in ln]
                reason = lines[-1].strip()[:200] if lines else ""
            except OSError:
                pass
            self.results["desktop_failed"] = reason
        # Alternatives.
        alt_lat: dict[tuple[str, str], list[float]] = {}
        for r in records:
            if r["path"].startswith("/alt/"):
                sid = r["path"].rsplit("/", 1)[-1]
                if sid in alt_samples:
                    column, intended, channel = alt_samples[sid]
                    alt_lat.setdefault((column, channel), []).append(r["t"] - intended)
        for r in self.notifies.poll():
            body = r.get("body", "")
            if body.startswith("alt "):
                sid = body.split(" ", 1)[1]
                if sid in alt_samples:
                    column, intended, channel = alt_samples[sid]
                    alt_lat.setdefault((column, channel), []).append(r["t"] - intended)
        self.results["alt_late"] = alt_lat
        self.results["alt_expected"] = {}
        for column, _, channel in alt_samples.values():
            key = (column, channel)
            self.results["alt_expected"][key] = self.results["alt_expected"].get(key, 0) + 1
        for key, want in self.results["alt_expected"].items():
            got = len(alt_lat.get(key, []))
            if got < want:
                self.notes.append(f"{key[0]} ({'webhook' if key[1] == 'hook' else 'desktop'}): {want - got} of "
                                  f"{want} samples did not arrive within the run")
                if got == 0 and p.smoke and key[0] != SD_DEFAULT:
                    self.problems.append(f"{key[0]}: no sample arrived")

    # -- the whole run

    def run(self) -> None:
        self.t_start = time.monotonic()
        for tool in ("breather", "breatherd"):
            if not os.access(self.bindir / tool, os.X_OK):
                raise BenchError(f"{self.bindir / tool} is missing: build first (`swift build -c release`)")
        self.hub = NotifyHub()
        self.start_receiver()
        self.path("desktop listener", self.start_desktop)
        self.path("alternatives", self.start_alternatives)
        self.log(f"receiver on 127.0.0.1:{self.port}; alternatives: "
                 f"{'systemd --user' if self.sd else 'no systemd'}, {'atd' if self.atd else 'no atd'}")
        self.path("start to READY, empty state", self.measure_ready_empty)
        if hasattr(self, "e"):
            self.path("process start floor", self.measure_floors)
            self.path("command round trips", self.measure_round_trips)
        self.path("alternatives' round trips", self.measure_alt_round_trips)
        self.path("config load and 10,000 pending", self.measure_config_and_big_start)
        self.path("concurrent window", self.window)
        self.path(f"{self.p.big_pending:,} pending", self.scale_window)
        self.path("held reminders (hold_on_server)", lambda: held.measure(self))

    def cleanup(self) -> list[str]:
        forced = []
        for thing in (self.sd, self.atd):
            if thing:
                try:
                    thing.stop()
                except Exception as error:
                    forced.append(f"{type(thing).__name__}: {error}")
        for inst in self.instances:
            if inst.proc and inst.proc.poll() is None:
                try:
                    inst.stop()
                except Exception as error:
                    forced.append(f"{inst.name}: {error}")
        forced += self.registry.stop_all()
        if self.hub:
            self.hub.close()
        for inst in self.instances:
            inst.cleanup()
        if not self.args.keep:
            shutil.rmtree(self.root, ignore_errors=True)
        return forced


# ---------------------------------------------------------------------------------------
# The report


def lateness_cell(values: list[float]) -> str:
    if not values:
        return "—"
    d = Dist(values)
    if d.min < -0.5:   # runs early (at keeps only the minutes)
        return (f"p50 {human_time(d.p50)}, from {human_time(d.min)} to {human_time(d.max)} (n={len(d)}; "
                f"negative = early)")
    if len(d) >= 20:
        return f"p50 {human_time(d.p50)}, p99 {human_time(d.p99)}, max {human_time(d.max)} (n={len(d)})"
    return f"p50 {human_time(d.p50)}, max {human_time(d.max)} (n={len(d)})"


def spread_cell(values: Optional[list[float]]) -> str:
    if not values:
        return "—"
    if len(values) == 1:
        return f"{ms(values[0])} (n=1)"
    return f"median {ms(median(values))} ({ms(min(values))}–{ms(max(values))}, n={len(values)})"


def build_report(bench: Bench) -> tuple[list[report.Row], list[str], list[str]]:
    r = bench.results
    p = bench.p
    rows: list[report.Row] = []
    notes = list(bench.findings) + list(bench.notes)
    skip = bench.alt_skip
    alt_late = r.get("alt_late", {})

    def alt_lateness(column: str, channel: str, ours: Optional[list[float]]) -> str:
        if column in skip:
            return skip[column]
        values = alt_late.get((column, channel))
        if not values:
            return "not measured"
        d = Dist(values)
        cell = lateness_cell(values)
        if ours:
            cell += f"; {ratio(abs(d.p50), abs(Dist(ours).p50))} (p50)"
        return cell

    # Lateness, webhook.
    lat_h, own_h = r.get("late_H", ([], []))
    row = report.Row("lateness of a reminder, json webhook on 127.0.0.1 (due → request received)",
                     lateness_cell(lat_h), "p99 ≤ 5 ms",
                     report.verdict(Dist(lat_h).p99 if lat_h else None, 0.005))
    for column in report.ALT_COLUMNS:
        row.alts[column] = alt_lateness(column, "hook", lat_h)
    rows.append(row)
    # Lateness, desktop.
    lat_d = r.get("late_D", [])
    if lat_d:
        row = report.Row("lateness of a desktop notification (due → Notify received on the bus)",
                         lateness_cell(lat_d), "p99 ≤ 5 ms", report.verdict(Dist(lat_d).p99, 0.005))
    else:
        reason = r.get("desktop_failed")
        row = report.Row("lateness of a desktop notification (due → Notify received on the bus)",
                         "not measured: desktop delivery failed", "p99 ≤ 5 ms", "not measured")
        notes.append("Desktop: no Notify call from breatherd reached the listener, although the listener answered "
                     "a `busctl` Notify at once" + (f"; breatherd's log says: “{reason}”" if reason else "") +
                     ". The figure appears by itself once desktop delivery works.")
    row.alts[SD_1MS] = alt_lateness(SD_1MS, "desktop", lat_d)
    row.alts[SD_DEFAULT] = skip.get(SD_DEFAULT, "as the webhook row: the same timer")
    row.alts[AT] = skip.get(AT, "as the webhook row: the same timer")
    rows.append(row)
    # Held reminders (hold_on_server): bench/harness/held.py.
    rows += held.rows(bench)
    # Scaling.
    cpu = r.get("cpu", {})
    per = {}
    for name, label, n in (("N1", "1", 1), ("N100", "100", 100), ("N10k", f"{p.big_pending:,}", p.big_pending)):
        lat, _ = r.get(f"late_{name}", ([], []))
        if lat and name in cpu:
            per[name] = cpu[name] / len(lat)
        value = lateness_cell(lat)
        if name in per:
            value += f"; CPU {ms(per[name])} per reminder"
        rows.append(report.Row(f"lateness with {label} pending (webhook)", value, "p99 ≤ 5 ms",
                               report.verdict(Dist(lat).p99 if lat else None, 0.005)))
    if "N100" in per and "N10k" in per and per["N100"] > 0:
        growth = per["N10k"] / per["N100"]
        n_ratio = p.big_pending / 100
        if growth <= 3:
            v = "**met** (flat, as O(log n) should be)"
        elif growth >= n_ratio / 10:
            v = f"**missed**: grows about linearly ({growth:.0f}× for {n_ratio:.0f}× the reminders)"
        else:
            v = f"**missed**: grows {growth:.0f}× for {n_ratio:.0f}× the reminders (more than O(log n))"
        rows.append(report.Row(f"CPU per reminder, {p.big_pending:,} vs 100 pending",
                               f"{ms(per['N10k'])} vs {ms(per['N100'])} ({growth:.1f}×)", "O(log n)", v))
    # Wake-ups.
    for key, label in (("I0", "no break"), ("I1h", "one reminder due in an hour")):
        counter: Optional[SwitchCounter] = r.get(f"idle_{key}")
        pings = r.get("pings", {}).get(key, 0)
        if counter is None:
            rows.append(report.Row(f"wake-ups in {p.idle:.0f} s idle, {label}", "—", "0 beyond watchdog pings", "not measured"))
            continue
        total, per_thread = counter.result()
        beyond = max(0, total - 2 * pings)
        threads = ", ".join(f"{n}: {c}" for n, c in sorted(per_thread.items(), key=lambda x: -x[1]))
        value = f"{total} context switches, {pings} watchdog pings" + (f" ({threads})" if threads else "")
        goal_ok = beyond == 0
        # A ping wakes the engine's queue thread once; allow two switches per ping (wake, sleep).
        row = report.Row(f"wake-ups in {p.idle:.0f} s idle, {label}", value, "0 beyond watchdog pings",
                         "**met**" if goal_ok else f"**missed** ({beyond} switches beyond 2 per ping)")
        for column, akey in ((SD_DEFAULT, "sd"), (SD_1MS, "sd"), (AT, "atd")):
            akey = akey + ("_none" if key == "I0" else "_hour")
            c: Optional[SwitchCounter] = r.get(f"idle_{akey}")
            if column in skip:
                row.alts[column] = skip[column]
            elif c is None:
                row.alts[column] = "not measured"
            else:
                t, _ = c.result()
                what = "systemd --user" if akey.startswith("sd") else "atd"
                row.alts[column] = f"{t} ({what}{', nothing scheduled' if key == 'I0' else ', one job in an hour'})"
        rows.append(row)
    # Memory.
    mem = r.get("mem_idle") or {}
    beside = (f" (PSS {mib(mem.get('pss'))}, private {mib(mem.get('private'))})"
              if mem.get("pss") is not None and mem.get("private") is not None else "")
    row = report.Row("memory (VmRSS), idle", mib(r.get("rss_idle")) + beside, "≤ 15 MiB",
                     report.verdict(r["rss_idle"] / 1024 if r.get("rss_idle") else None, 15))
    for column, key, what in ((SD_DEFAULT, "rss_sd", "systemd --user"), (SD_1MS, "rss_sd", "systemd --user"),
                              (AT, "rss_atd", "atd")):
        if column in skip:
            row.alts[column] = skip[column]
        elif r.get(key):
            row.alts[column] = f"{mib(r[key])} ({what}); {ratio(r[key], r.get('rss_idle'))}"
    rows.append(row)
    rows.append(report.Row(f"memory (VmRSS), {p.big_pending:,} pending", mib(r.get("rss_big_idle")) +
                           (f" idle; {mib(r.get('rss_10k_active'))} while delivering" if r.get("rss_10k_active") else ""),
                           "≤ 30 MiB", report.verdict(r["rss_big_idle"] / 1024 if r.get("rss_big_idle") else None, 30)))
    # Start to READY.
    ready = r.get("ready_empty")
    rows.append(report.Row("start to READY=1, empty state", spread_cell(ready), "≤ 100 ms",
                           report.verdict(median(ready) if ready else None, 0.100)))
    ready = r.get("ready_big")
    rows.append(report.Row(f"start to READY=1, {p.big_pending:,} pending and {p.plan_files:,} plans", spread_cell(ready),
                           "≤ 300 ms", report.verdict(median(ready) if ready else None, 0.300)))
    # Round trips.
    alt_rt = r.get("alt_rt", {})
    for key, label, goal, index, alt_label in (
            ("rt_status", "`breather status`", 0.010, 0, ("`systemctl --user list-timers`", "`atq`")),
            ("rt_pair", "`breather start` + `breather cancel`", 0.025, 1,
             ("`systemd-run --on-active=1h` + `systemctl stop`", "`at now + 1 hour` + `atrm`"))):
        values = r.get(key)
        # `status` is held to what a user would otherwise type, measured in this same run.
        sd_values = alt_rt.get(SD_DEFAULT, [None, None])[index] if SD_DEFAULT in alt_rt else None
        if key == "rt_status" and sd_values:
            goal = median(sd_values)
            goal_text = f"≤ {alt_label[0]} ({ms(goal)} in this run)"
        else:
            goal_text = f"≤ {goal * 1000:.0f} ms"
        row = report.Row(f"command round trip: {label} (median of {p.rt_reps})", spread_cell(values),
                         goal_text, report.verdict(median(values) if values else None, goal))
        for column, akey, what in ((SD_DEFAULT, SD_DEFAULT, alt_label[0]), (SD_1MS, SD_DEFAULT, alt_label[0]),
                                   (AT, AT, alt_label[1])):
            if column in skip:
                row.alts[column] = skip[column]
            elif akey in alt_rt:
                v = alt_rt[akey][index]
                row.alts[column] = f"{what}: median {ms(median(v))}; {ratio(median(v), median(values) if values else None)}"
        rows.append(row)
    reload = r.get("reload")
    rows.append(report.Row(f"config load, {p.plan_files:,} plan files (`breather reload`)", spread_cell(reload),
                           "≤ 200 ms", report.verdict(median(reload) if reload else None, 0.200)))
    return rows, notes, method_lines(bench)


def analysis(bench: Bench, notes: list[str]) -> None:
    """Plain sentences about what the figures say; written from the figures themselves."""
    r = bench.results
    p = bench.p
    lat_h, own_h = r.get("late_H", ([], []))
    if lat_h and own_h:
        notes.append(f"Of the webhook lateness, breatherd's own part (`late_seconds` = sent_at − due_at in the body) "
                     f"has p50 {ms(median(own_h))} and max {ms(max(own_h))}; the rest is libcurl, loopback TCP and "
                     f"the receiver.")
    for name, label in (("H", "headline webhook"), ("N1", "1 pending"), ("N100", "100 pending"), ("N10k", f"{p.big_pending:,} pending")):
        lat, own = r.get(f"late_{name}", ([], []))
        if lat and Dist(lat).p99 > 0.005:
            worst = sorted(lat)[-3:]
            notes.append(f"Missed ({label}): p99 {ms(Dist(lat).p99)} > 5 ms; the worst three were "
                         f"{', '.join(ms(w) for w in worst)}"
                         + (f", and breatherd itself reported sending {ms(Dist(own).p99)} late at p99" if own else "")
                         + ". With two cores shared with compilers, a due instant that finds both cores busy waits for "
                           "the scheduler; repeat on a quiet machine before blaming breatherd.")
    cpu = r.get("cpu", {})
    lat100, _ = r.get("late_N100", ([], []))
    lat10k, _ = r.get("late_N10k", ([], []))
    if lat100 and lat10k and "N100" in cpu and "N10k" in cpu:
        a, b = cpu["N100"] / len(lat100), cpu["N10k"] / len(lat10k)
        if b > 3 * a:
            size = r.get("state_10k_bytes") or r.get("state_big_bytes")
            notes.append(
                f"Cost per reminder grows with what is pending ({ms(a)} of CPU at 100, {ms(b)} at {p.big_pending:,}): "
                f"work proportional to n runs for every reminder. Each reminder changes the state twice (queued two "
                f"seconds ahead, then sent) and each change rewrites and fsyncs the whole state.json"
                + (f" ({size / 1024:.0f} KiB with {p.big_pending:,} pending)" if size else "")
                + "; the break machine also copies and compares the whole state per tick. Keeping pending reminders "
                  "in a priority queue and appending changes to a log (compacted now and then) would make it O(log n).")
    fs = r.get("fsync_state_size")
    if fs and r.get("state_10k_bytes"):
        notes.append(f"On this disk, writing and fsyncing a file the size of state.json with {p.big_pending:,} pending "
                     f"({r['state_10k_bytes'] / 1024:.0f} KiB) took median {ms(median(fs))} "
                     f"({ms(min(fs))}–{ms(max(fs))}); breatherd does that at least twice per reminder, on the queue "
                     f"that keeps time.")
    if r.get("start_N10k"):
        notes.append(f"`breather start` of a plan with {p.big_pending:,} reminders took {ms(r['start_N10k'])} "
                     f"(it saves them all before answering).")
    if r.get("rss_big_idle") and r.get("rss_idle"):
        extra = (r["rss_big_idle"] - r["rss_idle"]) / p.big_pending
        notes.append(f"Memory grows by about {extra:.2f} KiB per pending reminder "
                     f"({mib(r['rss_idle'])} idle, {mib(r['rss_big_idle'])} with {p.big_pending:,}; peak "
                     f"VmHWM {mib(r.get('hwm_big_idle'))}).")
    idle = r.get("rss_idle")
    mem = r.get("mem_idle") or {}
    if idle:
        top = ", ".join(f"{os.path.basename(n)} {mib(k)}" for n, k in mem.get("top", []))
        split = (f"{mib(mem.get('anon'))} of it anonymous (the daemon's own heap and stacks) and "
                 f"{mib(mem.get('file'))} file-backed pages (the binary and its libraries); PSS {mib(mem.get('pss'))}. "
                 f"Largest mappings: {top}." if mem.get("file") is not None else "")
        if idle / 1024 > 15:
            notes.append(f"Missed (memory, idle): VmRSS {mib(idle)}, {split} VmRSS counts every file page the "
                         "process has touched, shared or not; what is its own (private) is a few MiB. The release "
                         "binary links the Swift runtime and Foundation statically, and most of its resident pages "
                         "are read at start (relocations, and the runtime's protocol-conformance lookups, which "
                         "scan the whole binary's records); libcurl brings its TLS stack (libcrypto, gnutls) and "
                         "Foundation's ICU libstdc++. What would cut it: Foundation left out for "
                         "FoundationEssentials, fewer conformance lookups at start, and libcurl loaded (dlopen) "
                         "only when a webhook is first sent.")
        else:
            notes.append(f"Memory, idle: VmRSS {mib(idle)}; {split}")
    floor_d, floor_c = r.get("floor_daemon"), r.get("floor_cli")
    if floor_d and floor_c:
        ready = r.get("ready_empty")
        status = r.get("rt_status")
        notes.append(f"Process start floor: `breatherd` that stops at once (no XDG_RUNTIME_DIR) takes "
                     f"{ms(median(floor_d))} and `breather --help` {ms(median(floor_c))} (medians): exec, "
                     f"relocating the statically linked binary and its few shared libraries (breatherd: libcurl "
                     f"and its TLS stack, libsystemd; breather: the C and C++ runtimes only, as `doctor` loads "
                     f"libsystemd when it asks), and the Swift runtime's first protocol-conformance lookups, which "
                     f"scan the whole binary (`breather status` skips the argument parser and Codable for this "
                     f"reason)."
                     + (f" That is {median(floor_d) / median(ready):.0%} of start to READY" if ready else "")
                     + (f" and {median(floor_c) / median(status):.0%} of a `breather status` round trip" if status else "")
                     + "; a smaller binary is what would move these figures, not the daemon's logic.")
    ready = r.get("ready_empty")
    if ready and median(ready) > 0.1:
        notes.append(f"Missed (start to READY, empty): median {ms(median(ready))}.")
    ready = r.get("ready_big")
    if ready and median(ready) > 0.3:
        notes.append(f"Missed (start to READY with {p.big_pending:,} pending and {p.plan_files:,} plans): median "
                     f"{ms(median(ready))}; config load alone (reload) is {ms(median(r['reload'])) if r.get('reload') else '—'}.")
    if r.get("check"):
        notes.append(f"`breather check` (the CLI reads and validates the {p.plan_files:,} plans itself): median "
                     f"{ms(median(r['check']))}.")
    n1 = r.get("n1")
    if n1:
        notes.append(f"“1 pending” ran {n1['cycles']} break{'s' if n1['cycles'] != 1 else ''} in sequence, each with one reminder due 2 s after "
                     f"`breather start`; its CPU per reminder includes handling that start and cancel.")
    rates = []
    for key in ("I0", "I1h"):
        counter = r.get(f"idle_{key}")
        if counter:
            total, _ = counter.result()
            rates.append(max(0, total - 2 * r.get("pings", {}).get(key, 0)) / p.idle)
    if rates and 0.5 <= max(rates) <= 3 and not p.smoke:
        notes.append(
            "Missed (wake-ups): an idle breatherd wakes about once a second. When this was looked into "
            "(`strace -k` on the daemon), it was libdispatch's manager thread (`_dispatch_event_loop_drain_timers` → "
            "`_dispatch_timeout_program`) re-arming a CLOCK_MONOTONIC timerfd one second ahead, every second, with no "
            "handler running: it starts with the first control connection (a daemon never sent a command stays "
            "quiet; both daemons here were sent one) and lasts after the connection's 30 s idle timer should be "
            "gone. The only monotonic timers breatherd makes are the watchdog's and ControlConnection's idle timer, "
            "so the idle timer's lifecycle (scheduled with a repeat, re-scheduled on each read, cancelled on "
            "close) is the first suspect; a one-shot deadline checked on read, or a wall-clock source, would avoid it.")
    for key, label in (("I0", "no break"), ("I1h", "one due in an hour")):
        counter: Optional[SwitchCounter] = r.get(f"idle_{key}")
        if counter and (counter.started or counter.ended):
            notes.append(f"Idle, {label}: {len(counter.started)} threads started and {len(counter.ended)} ended in the "
                         f"window (each start or end is a wake-up too).")


def method_lines(bench: Bench) -> list[str]:
    p = bench.p
    return [
        "**Lateness** is the receiver's arrival stamp minus the reminder's `due_at` (from the webhook body), both "
        "`time.time()` on this machine. The receiver is a one-thread selector loop in its own process (no GIL "
        "contention with the harness), stamping when a request is complete. Each daemon's due instants are whole "
        "seconds after its break began; breaks were started at different fractions of a second so no two daemons' "
        "instants fall within 250 ms of each other.",
        f"**Headline webhook**: one break of a plan with {p.headline} reminders one second apart (so each reminder "
        "is queued while the one before it goes out).",
        "**Desktop**: a private `dbus-daemon` and a tiny notification server (`bench/harness/notify_listener.py`, "
        "python3-dbus) stamping each `Notify` call; due times come from `breather status --json` right after start.",
        f"**1 / 100 / {p.big_pending:,} pending**: 1 = breaks in sequence, each with one reminder; 100 and "
        f"{p.big_pending:,} = a generated plan with that many reminders after the check-in (never due during the "
        f"run) plus measured reminders {p.near_step} s apart before it ({p.near} at 100, alongside the others; "
        f"{p.near_big} at {p.big_pending:,}, in a phase of its own afterwards, because its cost per reminder would "
        "disturb the other daemons). CPU per reminder = the daemon's utime+stime over its part of the run divided "
        "by the reminders it sent.",
        f"**Wake-ups**: voluntary + involuntary context switches of every thread in /proc/PID/task, sampled every "
        f"0.5 s over {p.idle:.0f} s, with the watchdog on as under the unit (`WATCHDOG_USEC` = 30 s, so a ping every "
        "15 s, counted on `$NOTIFY_SOCKET`). Each ping may cost two switches (wake and sleep).",
        "**Memory**: VmRSS from /proc/PID/status: idle = the no-break daemon after the run; with pending = a daemon "
        "restarted on a state with that many pending, 2 s after READY.",
        "**Start to READY**: from spawning breatherd to `READY=1` on its `$NOTIFY_SOCKET`.",
        "**Round trips**: wall time of the `breather` process, spawned by the harness (so it includes exec and the "
        "Swift runtime's start), against a running daemon; start and cancel each save the state with fsync "
        "(state on ext4 in /var/tmp here). Each `breather status` is taken right before a `systemctl --user list-timers` "
        "and an `atq`, in turn, so that the three see the same load.",
        f"**Config load**: `breather reload` round trip with {p.plan_files:,} plan files (announce + three reminders "
        "each) and the big plan.",
        "**Alternatives**: a real `systemd --user` and `atd -f`, each started by hand inside a private mount "
        "namespace (tmpfs on /run and the at spool); their jobs run `curl` (or `busctl … Notify`) against the same "
        "receiver, and lateness is arrival minus the instant asked for (the call's time plus the delay). They are "
        "coarse by design (`at` keeps minutes only, so it runs early or late by up to a minute; the default "
        "AccuracySec is a minute), so each has only a handful of samples. Their idle wake-ups and memory are of the "
        "scheduler process itself; `systemd-run` creates and `at` spawns a new process per job.",
    ] + held.method_lines(bench)


# ---------------------------------------------------------------------------------------
# Entry


def enter_namespace_if_possible(args: argparse.Namespace) -> None:
    """As root, re-executes this script in a private mount namespace; returns inside it."""
    if os.environ.get(NS_MARK) or os.geteuid() != 0 or not shutil.which("unshare"):
        return
    env = dict(os.environ, **{NS_MARK: "1"})
    os.execve(shutil.which("unshare"), ["unshare", "-m", "--propagation", "private", sys.executable,
                                        str(Path(__file__).resolve()), *sys.argv[1:]], env)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bin", required=True, help="folder with breather and breatherd")
    parser.add_argument("--out", required=True, help="where to write the report (BENCHMARKS.md)")
    parser.add_argument("--smoke", action="store_true", help="a few seconds down every path")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (logs)")
    parser.add_argument("--build-note", default="", help="what was built (a commit), for the report")
    parser.add_argument("--only", action="append", metavar="WORD",
                        help="run only the paths whose name contains WORD (repeatable; e.g. `--only held`); "
                             "the other figures then read “not measured”")
    args = parser.parse_args()
    enter_namespace_if_possible(args)
    if os.environ.get(NS_MARK) == "1":
        try:
            alternatives.setup_namespace_mounts()
        except (subprocess.CalledProcessError, OSError) as error:
            print(f"bench: could not set up the private namespace ({error}); alternatives skipped", flush=True)
            os.environ[NS_MARK] = "failed"

    def on_signal(number, _frame):
        raise KeyboardInterrupt(f"signal {number}")

    signal.signal(signal.SIGTERM, on_signal)
    started = datetime.datetime.now(datetime.timezone.utc)
    load_start = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    t0 = time.monotonic()
    bench = Bench(args)
    bench.t_start = t0
    fatal = None
    try:
        bench.run()
    except BenchError as error:
        fatal = str(error)
    except KeyboardInterrupt as error:
        fatal = f"interrupted ({error})"
    finally:
        forced = bench.cleanup()
    if fatal:
        bench.problems.insert(0, fatal)
    elapsed = time.monotonic() - t0
    meta = report.machine()
    meta["load_start"], meta["load_end"] = load_start, meta["load"]
    try:
        built = datetime.datetime.fromtimestamp(os.stat(Path(args.bin) / "breatherd").st_mtime, datetime.timezone.utc)
        meta["build"] = f"`{args.bin}` (breatherd built {built:%Y-%m-%d %H:%M UTC})"
    except OSError:
        meta["build"] = f"`{args.bin}`"
    if args.build_note:
        meta["build"] += f"; {args.build_note}"
    meta["noise"] = ("other engineers were building on the same cores during the run, so the figures are noisy: "
                     "compare ratios within this run rather than across runs" if not args.smoke else "")
    rows, notes, method = build_report(bench)
    analysis(bench, notes)
    if forced:
        notes.append(f"Cleanup had to stop by signal: {', '.join(forced)}.")
    mode = "--smoke " if args.smoke else ""
    command = f"/usr/bin/python3 bench/run.py {mode}--bin {args.bin} --out {args.out}"
    if args.build_note:
        command += f" --build-note '{args.build_note}'"
    command += "".join(f" --only {word}" for word in args.only or [])
    text = report.render(meta, command, started, elapsed, rows, notes, method, bench.problems)
    with open(args.out, "w") as f:
        f.write(text)
    if args.out != "/dev/null":
        print(text)
    status = "FAILED" if bench.problems else "ok"
    label = "bench-smoke" if args.smoke else "bench"
    for problem in bench.problems:
        print(f"{label}: BROKEN: {problem}", file=sys.stderr)
    print(f"{label}: {status}: {len(bench.paths_ok)} paths ran, {len(bench.problems)} broke, in {elapsed:.1f} s"
          + ("" if args.out == "/dev/null" else f"; wrote {args.out}"), flush=True)
    return 1 if bench.problems else 0


if __name__ == "__main__":
    sys.exit(main())
