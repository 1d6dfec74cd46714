"""Processes the harness starts, remembered by PID and stopped by PID; bounded waits;
readers for /proc."""

from __future__ import annotations

import calendar
import re

import os
import signal
import subprocess
import time
from typing import Callable, Optional

CLK_TCK = os.sysconf("SC_CLK_TCK")


class BenchError(Exception):
    """A measurement path that broke: the smoke run exits non-zero for it."""


def wait_until(predicate: Callable[[], object], timeout: float, what: str, interval: float = 0.01):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise BenchError(f"timed out after {timeout:.1f} s waiting for {what}")
        time.sleep(interval)


def sleep_until_wall(instant: float, cap: float = 700.0) -> None:
    """Sleeps until time.time() >= instant (at most `cap` seconds)."""
    deadline = time.monotonic() + cap
    while True:
        left = instant - time.time()
        if left <= 0 or time.monotonic() >= deadline:
            return
        time.sleep(min(left, 0.5))


def _stat_fields(pid: int) -> Optional[list[str]]:
    try:
        with open(f"/proc/{pid}/stat") as f:
            text = f.read()
    except OSError:
        return None
    # comm may hold spaces and parentheses: split after the last ')'.
    return text[text.rindex(")") + 2:].split()


def start_time(pid: int) -> Optional[int]:
    fields = _stat_fields(pid)
    return int(fields[19]) if fields else None


def parent_of(pid: int) -> Optional[int]:
    fields = _stat_fields(pid)
    return int(fields[1]) if fields else None


def descendants(root: int) -> list[tuple[int, int]]:
    """(pid, start time) of every live descendant of `root`, read from /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        ppid = parent_of(int(entry))
        if ppid is not None:
            children.setdefault(ppid, []).append(int(entry))
    found, todo = [], [root]
    for _ in range(100_000):
        if not todo:
            break
        pid = todo.pop()
        for child in children.get(pid, []):
            st = start_time(child)
            if st is not None:
                found.append((child, st))
                todo.append(child)
    return found


def alive(pid: int, started: Optional[int]) -> bool:
    """True while `pid` is the very process we meant (not a reused PID, not a zombie)."""
    fields = _stat_fields(pid)
    if not fields or fields[0] == "Z":
        return False
    return started is None or int(fields[19]) == started


class Registry:
    """Every process the harness starts. `stop_all` ends them (and what they started) by PID."""

    def __init__(self) -> None:
        self.procs: list[tuple[str, subprocess.Popen, Optional[int]]] = []
        self.extra: list[tuple[str, int, Optional[int]]] = []
        self.killed: list[str] = []   # what did not end on SIGTERM and needed SIGKILL

    def spawn(self, name: str, argv: list[str], **kwargs) -> subprocess.Popen:
        kwargs.setdefault("stdin", subprocess.DEVNULL)
        proc = subprocess.Popen(argv, **kwargs)
        self.procs.append((name, proc, start_time(proc.pid)))
        return proc

    def adopt(self, name: str, pid: int) -> None:
        """A process someone else started for us (a job's child): stopped at the end too."""
        self.extra.append((name, pid, start_time(pid)))

    def stop(self, proc: subprocess.Popen, timeout: float = 5.0, sig: int = signal.SIGTERM) -> Optional[int]:
        entry = next((e for e in self.procs if e[1] is proc), None)
        started = entry[2] if entry else None
        kids = descendants(proc.pid) if proc.poll() is None else []
        if proc.poll() is None:
            try:
                os.kill(proc.pid, sig)
            except ProcessLookupError:
                pass
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.killed.append(entry[0] if entry else str(proc.pid))
                try:
                    os.kill(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                proc.wait(timeout=5)
        for pid, st in kids:
            if _kill_exact(pid, st):
                self.killed.append(f"{entry[0] if entry else proc.pid}'s child {pid}")
        if entry:
            self.procs.remove(entry)
        return proc.returncode

    def stop_all(self) -> list[str]:
        """Stops everything still running, newest first; returns what needed SIGKILL."""
        forced = []
        for name, proc, _ in list(reversed(self.procs)):
            try:
                if proc.poll() is None:
                    self.stop(proc, timeout=5)
                else:
                    self.procs.remove(next(e for e in self.procs if e[1] is proc))
            except Exception as error:  # keep going: everything must be stopped
                forced.append(f"{name} ({error})")
        for name, pid, st in self.extra:
            if alive(pid, st) and _kill_exact(pid, st):
                self.killed.append(name)
        self.extra.clear()
        return forced + self.killed


def _kill_exact(pid: int, started: Optional[int]) -> bool:
    """Ends one process if it is still the one we meant; True if it needed SIGKILL."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        if not alive(pid, started):
            return False
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            return False
        deadline = time.monotonic() + 2.0
        while time.monotonic() < deadline and alive(pid, started):
            time.sleep(0.02)
        if not alive(pid, started):
            return sig == signal.SIGKILL
    return True


# ---------------------------------------------------------------------------------------
# /proc readers


def status_kb(pid: int, field: str) -> Optional[int]:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def memory_breakdown(pid: int, top: int = 6) -> dict:
    """RssAnon / RssFile (KiB), PSS from smaps_rollup, and the mappings holding the most RSS."""
    out: dict = {"anon": status_kb(pid, "RssAnon"), "file": status_kb(pid, "RssFile"), "pss": None, "private": None,
                 "top": []}
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    out["pss"] = int(line.split()[1])
                elif line.startswith(("Private_Clean:", "Private_Dirty:")):
                    out["private"] = (out["private"] or 0) + int(line.split()[1])
        per: dict[str, int] = {}
        name = ""
        with open(f"/proc/{pid}/smaps") as f:
            for line in f:
                first = line.split(None, 1)[0]
                if "-" in first and not first.endswith(":"):
                    parts = line.split()
                    name = parts[5] if len(parts) > 5 else "[anon]"
                elif first == "Rss:":
                    per[name] = per.get(name, 0) + int(line.split()[1])
        out["top"] = sorted(per.items(), key=lambda x: -x[1])[:top]
    except OSError:
        pass
    return out


def cpu_seconds(pid: int) -> Optional[float]:
    """utime + stime of the whole process (exited threads included)."""
    fields = _stat_fields(pid)
    if not fields:
        return None
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def thread_switches(pid: int) -> dict[int, tuple[str, int, int]]:
    """tid -> (thread name, voluntary, involuntary context switches)."""
    result = {}
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return result
    for tid in tids:
        name, vol, invol = "?", 0, 0
        try:
            with open(f"/proc/{pid}/task/{tid}/status") as f:
                for line in f:
                    if line.startswith("Name:"):
                        name = line.split(None, 1)[1].strip()
                    elif line.startswith("voluntary_ctxt_switches:"):
                        vol = int(line.split()[1])
                    elif line.startswith("nonvoluntary_ctxt_switches:"):
                        invol = int(line.split()[1])
        except OSError:
            continue
        result[int(tid)] = (name, vol, invol)
    return result


class SwitchCounter:
    """Context switches of every thread of a process over a window, sampled often enough
    that a thread which exits in the window loses at most one sampling interval."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.first = thread_switches(pid)
        self.last = dict(self.first)
        self.started: set[int] = set()
        self.ended: set[int] = set()

    def sample(self) -> None:
        now = thread_switches(self.pid)
        for tid in now:
            if tid not in self.last:
                self.started.add(tid)
        for tid in self.last:
            if tid not in now:
                self.ended.add(tid)
        merged = dict(self.last)
        merged.update(now)
        self.last = merged

    def result(self) -> tuple[int, dict[str, int]]:
        total, per_name = 0, {}
        for tid, (name, vol, invol) in self.last.items():
            base = self.first.get(tid, (name, 0, 0))
            delta = (vol - base[1]) + (invol - base[2])
            total += delta
            if delta:
                per_name[name] = per_name.get(name, 0) + delta
        return total, per_name


_TS = re.compile(r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?Z$")


def parse_ts(text: str) -> float:
    """An RFC 3339 UTC time as Breather writes it, in epoch seconds."""
    m = _TS.match(text or "")
    if not m:
        raise BenchError(f"{text!r} is not an RFC 3339 UTC time")
    y, mo, d, h, mi, s, frac = m.groups()
    whole = calendar.timegm((int(y), int(mo), int(d), int(h), int(mi), int(s), 0, 0, 0))
    return whole + (int(frac) / 10 ** len(frac) if frac else 0.0)
