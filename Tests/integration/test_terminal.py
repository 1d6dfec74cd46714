"""The person at the keyboard, in a real terminal: `status --watch` under tmux (the countdown
moves, Ctrl-C stops it cleanly, `back` ends it), the same watch piped, `init` through its
prompts and through its flags, and the completion scripts and man page the build makes.

tmux runs on a private socket in the test's folder and is ended by that socket in teardown.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import stat
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Optional

import pytest

from breather_harness import (
    assert_one_sentence,
    plan_toml,
    wait_until,
    webhook,
    write_config,
    write_plan,
)

TMUX = shutil.which("tmux")


@pytest.fixture
def _tmux_required():
    """A missing tmux fails these tests loudly; it never skips them."""
    if TMUX is None:
        pytest.fail("tmux is not installed; install the Debian package tmux to run the terminal tests.", pytrace=False)


needs_tmux = pytest.mark.usefixtures("_tmux_required")

COUNTDOWN = re.compile(r"\]\s+(?:(\d+):)?(\d+):(\d\d) left")


class Tmux:
    """One detached tmux session on a private server, running one command."""

    def __init__(self, folder: Path, env: dict[str, str], argv: list[str], width: int = 100, height: int = 20):
        self.socket = str(folder / "tmux.sock")
        # The pane's environment is exactly the test's: no server or client variables leak in.
        pane_env = {k: v for k, v in env.items() if k in PANE_ENV_KEYS}
        pane_env.update(LANG="C.UTF-8", TERM="xterm-256color")
        # A small shell runs the command and writes its exit status on the screen (tmux's own
        # #{pane_dead_status} is not always recorded); `trap : INT` keeps that shell alive
        # through a Ctrl-C meant for the command, which gets the default handling.
        wrapper = 'trap : INT; "$@"; echo "[exited $?]"'
        command = "exec env -i " + " ".join(f"{k}={shlex.quote(v)}" for k, v in sorted(pane_env.items()))
        command += " /bin/sh -c " + shlex.quote(wrapper) + " sh " + " ".join(shlex.quote(a) for a in argv)
        # remain-on-exit from the start, so a command that ends at once still leaves its screen.
        conf = folder / "tmux.conf"
        conf.write_text("set-option -g remain-on-exit on\n")
        self._tmux("-f", str(conf), "new-session", "-d", "-s", "t", "-x", str(width), "-y", str(height), command)

    def _tmux(self, *args: str) -> str:
        result = subprocess.run(
            [TMUX, "-u", "-S", self.socket, *args], capture_output=True, text=True, timeout=10, stdin=subprocess.DEVNULL
        )
        assert result.returncode == 0, f"tmux {' '.join(args)} failed: {result.stderr}"
        return result.stdout

    def screen(self) -> str:
        return self._tmux("capture-pane", "-p", "-t", "t")

    def keys(self, *keys: str) -> None:
        self._tmux("send-keys", "-t", "t", *keys)

    def type_line(self, text: str) -> None:
        self._tmux("send-keys", "-t", "t", "-l", text)
        self._tmux("send-keys", "-t", "t", "Enter")

    def exit_status(self, timeout: float = 5.0) -> int:
        """The exit status of the command, once it has ended."""

        def written() -> Optional[str]:
            match = re.search(r"\[exited (\d+)\]", self.screen())
            return match.group(1) if match else None

        return int(wait_until(written, timeout, "the command in tmux to end"))

    def wait_for(self, pattern: str, timeout: float = 10.0) -> str:
        regex = re.compile(pattern)
        return wait_until(lambda: self.screen() if regex.search(self.screen()) else None, timeout, f"{pattern!r} on the tmux screen")

    def close(self) -> None:
        subprocess.run([TMUX, "-S", self.socket, "kill-server"], capture_output=True, timeout=10, stdin=subprocess.DEVNULL)


PANE_ENV_KEYS = {"HOME", "PATH", "XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_RUNTIME_DIR", "XDG_DATA_HOME", "XDG_CACHE_HOME", "TZ"}


@pytest.fixture
def tmux_sessions():
    # Unix socket paths are limited to 108 bytes: keep tmux's folder short.
    folder = Path(tempfile.mkdtemp(prefix="bt", dir="/tmp"))
    sessions: list[Tmux] = []

    def start(env: dict[str, str], argv: list[str], **size: int) -> Tmux:
        session = Tmux(folder, env, argv, **size)
        sessions.append(session)
        return session

    yield start
    for session in sessions:
        session.close()
    shutil.rmtree(folder, ignore_errors=True)


def seconds_left(screen: str) -> int:
    match = COUNTDOWN.search(screen)
    assert match, f"no countdown on the screen:\n{screen}"
    hours, minutes, seconds = match.groups()
    return int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds)


def a_break_is_running(xdg, server, cli, daemon) -> None:
    write_config(xdg, {"alex": webhook(server, "/alex")}, default_plan="cool-down")
    write_plan(
        xdg,
        "cool-down",
        plan_toml(
            "5m",
            code_word="pineapple",
            announce=(["alex"], "{me} is taking a breather until {checkin_time}."),
            reminders=[("-1m", ["alex"], "One minute."), ("+5m", ["alex"], "{me} is on the way.")],
            back=(["alex"], "{me} is back."),
        ),
    )
    daemon.start()
    cli.ok("start")


@needs_tmux
@pytest.mark.budget(60)
def test_watch_counts_down_in_place_and_ends_with_the_break(xdg, server, cli, daemon, bin_dir, tmux_sessions):
    a_break_is_running(xdg, server, cli, daemon)
    tmux = tmux_sessions(xdg.env, [str(bin_dir / "breather"), "status", "--watch"])

    first = tmux.wait_for(r"\d:\d\d left")
    assert "check in with Alex at" in first, first
    assert "Next reminder at" in first, first
    assert "[" in first and "░" in first, f"no progress bar:\n{first}"
    before = seconds_left(first)
    assert 280 <= before <= 300, first

    time.sleep(2.5)
    later = tmux.screen()
    after = seconds_left(later)
    assert before - 4 <= after <= before - 1, f"the countdown did not move from {before} s:\n{later}"
    # Redrawn in place: one countdown line on the screen, not one per second.
    assert len(COUNTDOWN.findall(later)) == 1, later

    cli.ok("back")
    ended = tmux.wait_for(r"on time\. The break has ended\.")
    assert tmux.exit_status() == 0, ended
    assert "You checked in at" in ended, ended


@needs_tmux
@pytest.mark.budget(60)
def test_ctrl_c_stops_watching_and_the_break_goes_on(xdg, server, cli, daemon, bin_dir, tmux_sessions):
    a_break_is_running(xdg, server, cli, daemon)
    tmux = tmux_sessions(xdg.env, [str(bin_dir / "breather")] + ["--watch"])  # bare breather runs status
    tmux.wait_for(r"\d:\d\d left")
    tmux.keys("C-c")
    screen = tmux.wait_for(r"Stopped watching; the break goes on\.")
    assert tmux.exit_status() == 0, screen
    assert cli.status()["active"] is True


@pytest.mark.budget(60)
def test_piped_watch_prints_plain_lines_and_ends(xdg, server, cli, daemon, bin_dir):
    a_break_is_running(xdg, server, cli, daemon)
    proc = subprocess.Popen(
        [str(bin_dir / "breather"), "status", "--watch"],
        env=xdg.env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        first = proc.stdout.readline()
        assert re.match(r"^\d\d:\d\d  cool-down: check in with Alex at \d\d:\d\d, in 5 minutes\. Next reminder at", first), first
        time.sleep(1.5)
        cli.ok("back")
        out, err = proc.communicate(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=5)
    assert proc.returncode == 0, err
    assert "\x1b" not in first + out, "escape sequences in piped output"
    assert out.strip().endswith("The break has ended."), out
    assert err == ""


def test_watch_without_a_break_or_daemon(xdg, server, cli, daemon):
    gone = cli("status", "--watch")
    assert gone.returncode == 1, str(gone)
    assert_one_sentence(gone.stderr, gone)
    assert "breatherd" in gone.stderr and "systemctl --user start breather" in gone.stderr, str(gone)

    write_config(xdg, {"alex": webhook(server, "/alex")})
    daemon.start()
    idle = cli.ok("status", "--watch")
    assert idle.stdout == "No break is running, so there is nothing to count down.\n", str(idle)


# --------------------------------------------------------------------------------------- init


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@needs_tmux
@pytest.mark.budget(60)
def test_init_through_its_prompts(xdg, cli, bin_dir, tmux_sessions):
    tmux = tmux_sessions(xdg.env, [str(bin_dir / "breather"), "init"], width=160, height=40)
    tmux.wait_for(r"Your name, as your partner will read it in messages:")
    tmux.type_line("Sam")
    tmux.wait_for(r"Your partner's name:")
    tmux.type_line("Alex")
    tmux.wait_for(r"How should Alex hear from Breather\?")
    tmux.type_line("gotify")
    tmux.wait_for(r"The Gotify server's address")
    tmux.type_line("https://gotify.example.org")
    tmux.wait_for(r"The application token from Gotify")
    tmux.type_line("s3cret-token")
    tmux.wait_for(r"How do you hear your own reminders away from this computer\?")
    tmux.type_line("")
    screen = tmux.wait_for(r"Next: `breather test alex`, then `breather start` when you need a break\.")
    assert tmux.exit_status() == 0, screen
    assert "s3cret-token" not in screen, f"the token was echoed:\n{screen}"

    folder = xdg.config_dir
    assert mode(folder) == 0o700 and mode(folder / "plans") == 0o700 and mode(folder / "secrets") == 0o700
    for name in ("breather.toml", "plans/cool-down.toml", "secrets/alex-token"):
        assert mode(folder / name) == 0o600, name
    assert (folder / "secrets/alex-token").read_text().strip() == "s3cret-token"
    settings = (folder / "breather.toml").read_text()
    assert 'preset = "gotify"' in settings and 'token_file = "secrets/alex-token"' in settings, settings
    assert "s3cret-token" not in settings
    cli.ok("check")


@needs_tmux
@pytest.mark.budget(60)
def test_ctrl_c_at_the_token_question_leaves_the_terminal_echoing(xdg, bin_dir, tmux_sessions):
    script = f"trap : INT; {shlex.quote(str(bin_dir / 'breather'))} init; echo \"init exit $?\"; stty -a | tr ' ;' '\\n\\n' | grep -x -e echo -e -echo"
    tmux = tmux_sessions(xdg.env, ["/bin/sh", "-c", script], width=160, height=40)
    tmux.wait_for(r"Your name, as your partner will read it in messages:")
    tmux.type_line("Sam")
    tmux.wait_for(r"Your partner's name:")
    tmux.type_line("Alex")
    tmux.wait_for(r"How should Alex hear from Breather\?")
    tmux.type_line("matrix")
    tmux.wait_for(r"The Matrix room's address")
    tmux.type_line("https://matrix.example.org/_matrix/client/v3/rooms/!r:example.org")
    tmux.wait_for(r"The access token of the account")
    tmux.keys("C-c")
    screen = tmux.wait_for(r"(?m)^-?echo\s*$")
    assert re.search(r"(?m)^echo\s*$", screen), f"the terminal was left without echo:\n{screen}"
    assert "init exit 130" in screen, screen
    assert not (xdg.config_dir / "breather.toml").exists()


def test_init_through_its_flags_and_never_over_a_file(xdg, cli):
    missing = cli("init", "--me", "Sam", "--partner", "Alex")
    assert missing.returncode == 1, str(missing)
    assert_one_sentence(missing.stderr, missing)
    assert "--channel" in missing.stderr, str(missing)
    assert not xdg.config_dir.exists(), "init wrote something although it stopped"

    done = cli.ok("init", "--me", "Sam", "--partner", "Alex", "--channel", "discord", "--url", "https://discord.com/api/webhooks/1/abc")
    assert "Next: `breather test alex`" in done.stdout, str(done)
    secret = xdg.config_dir / "secrets" / "alex-url"
    assert secret.read_text().strip() == "https://discord.com/api/webhooks/1/abc"
    assert "discord.com" not in (xdg.config_dir / "breather.toml").read_text()
    checked = cli.ok("check")
    assert "valid" in checked.stdout, str(checked)
    plans = cli.ok("plans", "--json").json()
    assert sorted(p["name"] for p in plans) == ["cool-down", "long-walk", "short-pause"], plans
    assert all(p["valid"] for p in plans), plans

    before = (xdg.config_dir / "breather.toml").read_bytes()
    again = cli("init", "--me", "Kim", "--partner", "Lee", "--channel", "none")
    assert again.returncode == 1, str(again)
    assert_one_sentence(again.stderr, again)
    assert "already exists" in again.stderr, str(again)
    assert (xdg.config_dir / "breather.toml").read_bytes() == before


# --------------------------------------------------------------------------- completions, man


def test_completion_scripts_load_and_complete_plan_names(xdg, cli, bin_dir):
    cli.ok("init", "--me", "Sam", "--partner", "Alex", "--channel", "none")
    scripts = {shell: cli.ok("--generate-completion-script", shell).stdout for shell in ("bash", "zsh", "fish")}
    for shell, text in scripts.items():
        assert "init" in text and "history" in text, f"{shell} script lacks commands"

    script = Path(xdg.root) / "breather.bash"
    script.write_text(scripts["bash"])
    env = dict(xdg.env, PATH=f"{bin_dir}:{xdg.env.get('PATH', '/usr/bin:/bin')}")
    probe = r"""
source "$1" || exit 1
complete -p breather || exit 1
c() { COMPREPLY=(); COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
      _breather breather "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"; echo "${COMPREPLY[*]}"; }
c breather start ""
c breather start pin
c breather init --channel ma
"""
    result = subprocess.run(["bash", "-c", probe, "bash", str(script)], env=env, capture_output=True, text=True, timeout=30)
    assert result.returncode == 0 and result.stderr == "", result
    lines = result.stdout.splitlines()
    assert lines == ["complete -o filenames -F _breather breather",
                     "cool-down lighthouse long-walk pineapple short-pause teapot", "pineapple", "matrix"], result.stdout


def test_man_page_renders_cleanly(cli):
    page = cli.ok("--generate-manual").stdout
    assert page.startswith(".TH BREATHER 1"), page[:200]
    groff = shutil.which("groff")
    if groff is None:
        pytest.fail("groff is not installed; install the Debian package groff-base to check the man page.", pytrace=False)
    result = subprocess.run([groff, "-man", "-Tutf8", "-ww", "-z"], input=page, capture_output=True, text=True, timeout=30)
    assert result.returncode == 0 and result.stderr == "", result.stderr
