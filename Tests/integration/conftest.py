"""Fixtures for Breather's integration tests. See breather_harness.py for the pieces."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from breather_harness import (
    Cli,
    Daemon,
    RecordingServer,
    XdgEnv,
    binary_dir,
    build_hooks_breatherd,
    missing_binaries,
)

DEFAULT_BUDGET = 120.0  # seconds one test may take, all phases together


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "budget(seconds): the most this test may take before it is interrupted")


@pytest.fixture(scope="session")
def bin_dir() -> Path:
    folder = binary_dir()
    missing = missing_binaries(folder)
    if missing:
        pytest.fail(
            f"The Breather binaries are missing ({', '.join(missing)}): run `swift build` in the "
            f"repository (or point BREATHER_BIN_DIR at the folder holding breather and breatherd) "
            f"before running the integration tests.",
            pytrace=False,
        )
    return folder


class _Budget(Exception):
    pass


@pytest.fixture(autouse=True)
def time_budget(request: pytest.FixtureRequest):
    """Interrupts a test that runs past its budget, so teardown still ends its processes."""
    marker = request.node.get_closest_marker("budget")
    seconds = float(marker.args[0]) if marker else DEFAULT_BUDGET

    def expired(signum, frame):
        raise _Budget(f"the test ran past its budget of {seconds:.0f} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _register_log(node: pytest.Item):
    logs = node.__dict__.setdefault("_breather_logs", [])

    def register(title: str, path: Path) -> None:
        logs.append((title, Path(path)))

    return register


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call):
    outcome = yield
    report = outcome.get_result()
    if report.failed:
        for title, path in item.__dict__.get("_breather_logs", []):
            try:
                text = path.read_text(errors="replace")
            except OSError as error:
                text = f"(could not read {path}: {error})"
            if len(text) > 20000:
                text = "…(cut)…\n" + text[-20000:]
            report.sections.append((title, text or "(empty)"))


@pytest.fixture
def xdg(tmp_path: Path):
    env = XdgEnv(tmp_path)
    yield env
    env.cleanup()


@pytest.fixture
def server():
    srv = RecordingServer()
    yield srv
    srv.close()


@pytest.fixture
def cli(bin_dir: Path, xdg: XdgEnv) -> Cli:
    return Cli(bin_dir, xdg)


@pytest.fixture
def register_log(request: pytest.FixtureRequest):
    return _register_log(request.node)


@pytest.fixture
def daemon(bin_dir: Path, xdg: XdgEnv, tmp_path: Path, register_log):
    """A breatherd for this test's XDG folders; not started: call `daemon.start()`."""
    log_dir = tmp_path / "logs"
    log_dir.mkdir(exist_ok=True)
    d = Daemon(bin_dir, xdg, log_dir, register_log)
    yield d
    d.teardown()


# The test-hooks build of breatherd (kills itself right after a chosen save), built once.
@pytest.fixture(scope="session")
def hooks_bin_dir() -> Path:
    return build_hooks_breatherd().parent


@pytest.fixture
def hooks_daemon(hooks_bin_dir: Path, xdg, tmp_path: Path, register_log):
    log_dir = tmp_path / "hooks-logs"
    log_dir.mkdir(exist_ok=True)
    d = Daemon(hooks_bin_dir, xdg, log_dir, register_log)
    d.extra_env["SWIFT_BACKTRACE"] = "enable=no"
    yield d
    d.teardown()
