"""Runs inside `unshare -m --propagation private` as root (started by test_journal.py).

Mounts tmpfs on /run/systemd, /run/log and /var/log/journal (inside this private mount
namespace only), starts a real systemd-journald, waits for its socket, runs breatherd with the
caller's XDG environment, starts a break whose announce goes to the caller's loopback server,
waits for the delivery to be journaled, stops breatherd, and writes every journal entry
(`journalctl -o json`) to OUT_DIR/journal.jsonl. Every process it starts is ended by PID.

usage: journal_scenario.py BIN_DIR OUT_DIR PLAN
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time

BIN_DIR, OUT_DIR, PLAN = sys.argv[1], sys.argv[2], sys.argv[3]
JOURNAL_SOCKET = "/run/systemd/journal/socket"
started: list[subprocess.Popen] = []


def log(text: str) -> None:
    print(f"[scenario] {text}", file=sys.stderr, flush=True)


def end_all() -> None:
    for proc in reversed(started):
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)


def on_term(signum, frame):
    end_all()
    sys.exit(128 + signum)


def run(*args: str, timeout: float = 20) -> subprocess.CompletedProcess:
    return subprocess.run(list(args), capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)


def journal_entries() -> list[dict]:
    out = run("journalctl", "-o", "json", "--no-pager", "--all")
    entries = []
    for line in out.stdout.splitlines():
        line = line.strip()
        if line:
            entries.append(json.loads(line))
    return entries


def field(entry: dict, name: str):
    value = entry.get(name)
    if isinstance(value, list):  # binary-safe form: a list of bytes
        value = bytes(value).decode("utf-8", "replace")
    return value


def main() -> int:
    signal.signal(signal.SIGTERM, on_term)
    for target in ("/run/systemd", "/run/log", "/var/log/journal"):
        subprocess.run(["mount", "-t", "tmpfs", "tmpfs", target], check=True, timeout=10)
    os.makedirs("/run/systemd/journal", exist_ok=True)

    env = {k: v for k, v in os.environ.items() if k not in ("NOTIFY_SOCKET", "JOURNAL_STREAM")}
    journald_log = open(os.path.join(OUT_DIR, "journald.log"), "wb")
    journald = subprocess.Popen(
        ["/lib/systemd/systemd-journald"], stdin=subprocess.DEVNULL, stdout=journald_log, stderr=subprocess.STDOUT, env=env
    )
    started.append(journald)
    deadline = time.monotonic() + 15
    while not os.path.exists(JOURNAL_SOCKET):
        if journald.poll() is not None or time.monotonic() > deadline:
            log(f"journald did not create {JOURNAL_SOCKET} (exit {journald.poll()})")
            return 3
        time.sleep(0.05)
    log(f"journald pid {journald.pid} is listening")

    notify_path = os.path.join(env["XDG_RUNTIME_DIR"], "nj")
    notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    notify.bind(notify_path)
    daemon_env = dict(env, NOTIFY_SOCKET=notify_path)
    daemon_log = open(os.path.join(OUT_DIR, "breatherd.log"), "wb")
    daemon = subprocess.Popen(
        [os.path.join(BIN_DIR, "breatherd")],
        stdin=subprocess.DEVNULL,
        stdout=daemon_log,
        stderr=subprocess.STDOUT,
        env=daemon_env,
    )
    started.append(daemon)
    deadline = time.monotonic() + 20
    ready = False
    while not ready:
        remaining = deadline - time.monotonic()
        if daemon.poll() is not None or remaining <= 0:
            log(f"breatherd sent no READY=1 (exit {daemon.poll()})")
            return 4
        notify.settimeout(min(0.2, remaining))
        try:
            ready = "READY=1" in notify.recv(65536).decode("utf-8", "replace").split("\n")
        except socket.timeout:
            pass
    log(f"breatherd pid {daemon.pid} is ready")
    # Keep reading NOTIFY_SOCKET as systemd does: unread STATUS= datagrams would fill its
    # queue and block the daemon's sd_notify.
    stop_reading = threading.Event()

    def drain() -> None:
        notify.settimeout(0.1)
        while not stop_reading.is_set():
            try:
                notify.recv(65536)
            except socket.timeout:
                continue
            except OSError:
                return

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()

    cli = os.path.join(BIN_DIR, "breather")
    start = subprocess.run([cli, "start", PLAN], env=env, capture_output=True, text=True, timeout=15, stdin=subprocess.DEVNULL)
    log(f"breather start: exit {start.returncode}; stdout {start.stdout!r}; stderr {start.stderr!r}")
    if start.returncode != 0:
        return 5

    # Wait (bounded) until the announce's delivery shows up in the journal.
    deadline = time.monotonic() + 20
    while True:
        if any(field(e, "BREATHER_EVENT") == "announce" and field(e, "BREATHER_DELIVERY_ID") for e in journal_entries()):
            break
        if time.monotonic() > deadline:
            log("no journal entry with BREATHER_EVENT=announce and BREATHER_DELIVERY_ID within 20 s")
            break
        time.sleep(0.1)

    back = subprocess.run([cli, "back"], env=env, capture_output=True, text=True, timeout=15, stdin=subprocess.DEVNULL)
    log(f"breather back: exit {back.returncode}; stderr {back.stderr!r}")
    os.kill(daemon.pid, signal.SIGTERM)
    try:
        daemon.wait(timeout=10)
    except subprocess.TimeoutExpired:
        log("breatherd did not exit on SIGTERM; killing it")
    stop_reading.set()
    reader.join(timeout=5)
    notify.close()

    entries = journal_entries()
    with open(os.path.join(OUT_DIR, "journal.jsonl"), "w") as out:
        for entry in entries:
            out.write(json.dumps(entry) + "\n")
    log(f"wrote {len(entries)} journal entries")
    return 0


if __name__ == "__main__":
    try:
        code = main()
    finally:
        end_all()
    sys.exit(code)
