"""A state folder that refuses writes: a full disk and a read-only filesystem.

The state folder ($XDG_STATE_HOME) is a 256 KiB tmpfs inside a private mount namespace
(the host sees nothing of it); breatherd runs inside that namespace. The test fills it with
a filler file, or remounts it read-only, and checks the promises: a command is refused with
one sentence and nothing changes; state.json is never half-written; a break started before
still delivers its reminders on time; the daemon restarts cleanly; and once the disk takes
writes again, everything works.
"""

from __future__ import annotations

import json
import os
import shutil
import time

import pytest

from breather_harness import (
    MountNamespace,
    NamespacedCli,
    NamespacedDaemon,
    assert_one_sentence,
    fill_filesystem,
    history_records,
    parse_ts,
    plan_toml,
    webhook,
    write_config,
    write_plan,
)

TMPFS_SIZE = "256k"
# A reminder must reach the loopback receiver within this long of its due time. The daemon
# fires 0.3-0.4 ms late on an idle machine; a failing save (ENOSPC/EROFS) is a few system
# calls; the rest is slack for two busy shared cores.
ON_TIME = 1.0


def require_components() -> None:
    missing = [name for name in ("unshare", "nsenter", "mount") if not shutil.which(name)]
    assert not missing, f"the disk tests need {', '.join(missing)} (apt-get install util-linux mount)"
    assert os.geteuid() == 0, "the disk tests must run as root (they mount a tmpfs in a private mount namespace)"


class StateDisk:
    """The tmpfs under $XDG_STATE_HOME in the namespace, and the two ways to make it refuse."""

    def __init__(self, namespace: MountNamespace, xdg, mode: str):
        self.ns = namespace
        self.xdg = xdg
        self.mode = mode
        self.mount_point = xdg.state_home
        namespace.run("mount", "-t", "tmpfs", "-o", f"size={TMPFS_SIZE},mode=0700", "tmpfs", str(self.mount_point))
        self.filler = namespace.path(self.mount_point / "filler")

    def inside(self, path) -> "os.PathLike":
        return self.ns.path(path)

    @property
    def state_file(self):
        return self.inside(self.xdg.state_dir / "state.json")

    @property
    def history_file(self):
        return self.inside(self.xdg.state_dir / "history.jsonl")

    def refuse(self) -> None:
        if self.mode == "full":
            fill_filesystem(self.filler)
            st = os.statvfs(self.inside(self.mount_point))
            assert st.f_bavail == 0, f"the tmpfs still has {st.f_bavail} free blocks after filling"
        else:
            self.ns.run("mount", "-o", "remount,ro", str(self.mount_point))
            probe = self.inside(self.mount_point / "probe")
            with pytest.raises(OSError):
                probe.write_text("x")

    def accept(self) -> None:
        if self.mode == "full":
            self.filler.unlink()
        else:
            self.ns.run("mount", "-o", "remount,rw", str(self.mount_point))

    def state_bytes(self) -> bytes:
        return self.state_file.read_bytes()

    def state_folder_listing(self) -> list[str]:
        return sorted(os.listdir(self.inside(self.xdg.state_dir)))


@pytest.fixture
def namespace():
    require_components()
    ns = MountNamespace()
    yield ns
    ns.close()


@pytest.fixture
def cli(namespace, bin_dir, xdg):
    """Every `breather` of these tests runs in the namespace: `history` reads the files itself."""
    return NamespacedCli(namespace, bin_dir, xdg)


@pytest.fixture
def ns_daemon(namespace, bin_dir, xdg, tmp_path, register_log):
    log_dir = tmp_path / "logs"
    log_dir.mkdir(exist_ok=True)
    d = NamespacedDaemon(namespace, bin_dir, xdg, log_dir, register_log)
    yield d
    d.teardown()


def write_setup(xdg, server) -> None:
    write_config(xdg, {"alex": webhook(server, "/alex")})
    write_plan(
        xdg,
        "quick",
        plan_toml("60s", announce=(["alex"], "{me} is taking a breather."), back=(["alex"], "{me} is back.")),
    )
    write_plan(
        xdg,
        "timed",
        plan_toml(
            # Long enough that a slow machine still refuses the disk before the first
            # reminder is queued (2 s ahead of its time).
            "12s",
            announce=(["alex"], "{me} is taking a breather until {checkin_time}."),
            reminders=[
                ("-2s", ["alex"], "{minutes_left} minutes left."),
                ("0s", ["alex"], "Time to check in with {partner}."),
                ("+1s", ["alex"], "{me} is still calming down ({late})."),
            ],
            back=(["alex"], "{me} is back."),
        ),
    )


def assert_refused(result, what: str) -> None:
    assert result.returncode != 0, f"{what} was not refused while the disk refuses writes:\n{result}"
    assert_one_sentence(result.stderr, result)
    sentence = result.stderr.strip()
    assert "sav" in sentence.lower(), f"{what}: the sentence does not say the change could not be saved:\n{result}"
    assert sentence.endswith("."), f"{what}: not a sentence:\n{result}"


def assert_state_is(disk: StateDisk, expected: bytes, when: str) -> None:
    now = disk.state_bytes()
    assert now == expected, f"state.json changed {when}:\nbefore: {expected[:400]!r}\nnow:    {now[:400]!r}"
    json.loads(now)  # still one whole JSON document


@pytest.mark.budget(100)
@pytest.mark.parametrize("mode", ["full", "readonly"])
def test_state_folder_that_refuses_writes(mode, namespace, ns_daemon, xdg, server, cli):
    write_setup(xdg, server)
    disk = StateDisk(namespace, xdg, mode)
    daemon = ns_daemon
    daemon.start()

    # A first break, so that history.jsonl exists (with room left in its last page).
    assert cli("start", "quick").returncode == 0
    server.take_event("/alex", "announce", timeout=10)
    cli.ok("cancel")
    assert len(history_records(cli.ok("history", "--json").json())) == 1

    # 1. No break runs; the disk refuses: `start` is refused and nothing changes.
    before = disk.state_bytes()
    disk.refuse()
    result = cli("start", "quick")
    assert_refused(result, "`breather start`")
    assert cli.status()["active"] is False, "a refused start left a break running"
    assert_state_is(disk, before, "after a refused start")
    leftovers = [name for name in disk.state_folder_listing() if name not in ("state.json", "history.jsonl")]
    assert leftovers == [], f"the refused save left files behind in the state folder: {leftovers}"

    # The daemon restarts cleanly on a disk that still refuses writes.
    assert daemon.stop() == 0
    daemon.start()
    assert cli.status()["active"] is False
    assert_state_is(disk, before, "across a restart")
    assert not [n for n in disk.state_folder_listing() if "corrupt" in n], disk.state_folder_listing()

    # 2. A break started while the disk takes writes...
    disk.accept()
    started = time.time()
    assert cli("start", "timed").returncode == 0
    announce = server.take_event("/alex", "announce", timeout=10)
    brk = cli.status()["break"]
    dues = {p["offset_seconds"]: parse_ts(p["due_at"]) for p in brk["pending"]}
    assert set(dues) == {-2, 0, 1}, brk
    assert dues[-2] - started > 4, "the test was too slow: the first reminder is almost due"
    # ...then the disk refuses before its reminders are even queued (2 s ahead).
    disk.refuse()
    saved = disk.state_bytes()

    for command in (("back",), ("cancel",), ("extend", "1m")):
        result = cli(*command)
        assert_refused(result, f"`breather {' '.join(command)}`")
    status = cli.status()
    assert status["active"] is True and status["break"]["id"] == brk["id"], f"a refused command ended the break: {status}"
    assert parse_ts(status["break"]["checkin_at"]) == parse_ts(brk["checkin_at"]), "a refused extend moved the check-in"
    assert_state_is(disk, saved, "after refused back/cancel/extend")

    # 3. The reminders still go out, on time.
    for offset in (-2, 0, 1):
        request = server.take_event("/alex", "reminder", timeout=20, offset=offset)
        late = request.wall - dues[offset]
        assert -0.05 <= late <= ON_TIME, f"reminder {offset:+d} s arrived {late:+.3f} s from its due time"
        assert request.json["break_id"] == brk["id"]
    assert_state_is(disk, saved, "while the reminders went out")
    log = daemon.log_text()
    assert "save" in log.lower(), f"breatherd logged nothing about the failed saves:\n{log[-3000:]}"

    # 4. Writes are possible again: `back` works and is recorded once, and so does a new break.
    disk.accept()
    assert cli("back").returncode == 0
    server.take_event("/alex", "back", timeout=10)
    cli.wait_settled(timeout=15)
    records = history_records(cli.ok("history", "--json").json())
    ours = [r for r in records if r.get("break_id") == brk["id"]]
    assert len(ours) == 1 and ours[0].get("outcome") == "back", records
    json.loads(disk.state_bytes())

    assert cli("start", "quick").returncode == 0
    server.take_event("/alex", "announce", timeout=10)
    assert cli("back").returncode == 0
    server.take_event("/alex", "back", timeout=10)
    assert len(history_records(cli.ok("history", "--json").json())) == 3
    assert announce.json["break_id"] == brk["id"]


@pytest.mark.budget(60)
def test_refused_back_is_not_recorded_in_history(namespace, ns_daemon, xdg, server, cli):
    """`back` refused for a full disk changes nothing: the break runs on, and history.jsonl
    does not claim that it ended. (history.jsonl already exists, and its last tmpfs page has
    room for one more line, so an append there succeeds while a new state.json cannot be
    written: exactly a disk that is almost full.)"""
    write_setup(xdg, server)
    disk = StateDisk(namespace, xdg, "full")
    ns_daemon.start()
    assert cli("start", "quick").returncode == 0
    cli.ok("cancel")
    assert cli("start", "quick").returncode == 0
    brk = cli.status()["break"]
    disk.refuse()
    result = cli("back")
    assert_refused(result, "`breather back`")
    assert cli.status()["active"] is True
    records = history_records(cli.ok("history", "--json").json())
    assert [r for r in records if r.get("break_id") == brk["id"]] == [], (
        f"history.jsonl records the break {brk['id']} as ended although `back` was refused and it still runs: {records}"
    )


@pytest.mark.budget(60)
def test_stop_saves_what_a_full_disk_kept_in_memory(namespace, ns_daemon, xdg, server, cli):
    """A reminder goes out while the disk is full (kept in memory), then space comes back and
    breatherd is stopped before any other change: the stop saves, so the restarted daemon
    does not send that reminder a second time."""
    write_config(xdg, {"alex": webhook(server, "/alex")})
    write_plan(xdg, "once", plan_toml("3s", reminders=[("0s", ["alex"], "Time to check in with {partner}.")]))
    disk = StateDisk(namespace, xdg, "full")
    ns_daemon.start()
    assert cli("start", "once").returncode == 0
    disk.refuse()  # before the reminder is queued (2 s ahead of its time)
    first = server.take_event("/alex", "reminder", timeout=10, offset=0)
    assert first.responded.wait(5)
    cli.status()  # one round trip: the outcome is on the engine's queue by now
    disk.accept()
    assert ns_daemon.stop() == 0
    ns_daemon.start()
    cli.status()
    time.sleep(1.5)  # a resend would go out at once after READY; give it a moment to show
    again = [r for r in server.drain() if r.event == "reminder" and r.seq != first.seq]
    assert again == [], (
        "the reminder was sent again after a clean stop with disk space available: "
        + "; ".join(r.summary() for r in again)
    )
