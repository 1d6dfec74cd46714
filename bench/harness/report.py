"""The machine's description and BENCHMARKS.md."""

from __future__ import annotations

import datetime
import os
import platform
import subprocess
from dataclasses import dataclass, field
from typing import Optional

ALT_COLUMNS = ("systemd-run, default AccuracySec", "systemd-run, AccuracySec=1ms", "at")


def _run(argv: list[str], timeout: float = 20) -> str:
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
        return (done.stdout or done.stderr).strip()
    except (OSError, subprocess.TimeoutExpired):
        return ""


def machine() -> dict[str, str]:
    model = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = ""
    try:
        with open("/proc/meminfo") as f:
            kib = int(f.readline().split()[1])
            mem = f"{kib / 1024 / 1024:.1f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    virt = _run(["systemd-detect-virt"]) or "unknown"
    debian = ""
    try:
        with open("/etc/debian_version") as f:
            debian = "Debian " + f.read().strip()
    except OSError:
        pass
    swift = _run(["swift", "--version"]).splitlines()
    return {
        "cpu": f"{os.cpu_count()} × {model}",
        "memory": mem,
        "kernel": f"Linux {platform.release()} ({platform.machine()})",
        "os": debian,
        "virtualisation": virt,
        "swift": swift[0] if swift else "unknown",
        "load": " / ".join(f"{x:.2f}" for x in os.getloadavg()),
    }


@dataclass
class Row:
    figure: str
    value: str
    goal: str
    verdict: str
    alts: dict[str, str] = field(default_factory=dict)


def verdict(value: Optional[float], goal: float, unit: str = "") -> str:
    """met / missed against an upper bound, with the headroom or the excess as a ratio."""
    if value is None:
        return "not measured"
    if value <= goal:
        if value <= goal / 2:
            room = goal / value if value > 0 else float("inf")
            return "**met**, " + ("far below" if room == float("inf") else f"{room:.0f}× below" if room >= 10 else f"{room:.1f}× below")
        return "**met**"
    return f"**missed** ({value / goal:.1f}× the goal)"


def render(meta: dict[str, str], command: str, started: datetime.datetime, elapsed: float, rows: list[Row],
           notes: list[str], method: list[str], problems: list[str]) -> str:
    out = ["# Benchmarks", ""]
    out.append("Written by `make bench` (`bench/run.py`); every figure below is from one run, on one machine, "
               "of the release build. Regenerate it rather than edit it.")
    out.append("")
    out.append("## Machine and run")
    out.append("")
    out.append(f"- **Date:** {started.strftime('%Y-%m-%d %H:%M UTC')} (run took {elapsed:.0f} s)")
    out.append(f"- **Command:** `{command}`")
    out.append(f"- **CPU:** {meta['cpu']} ({meta['virtualisation']})")
    out.append(f"- **Memory:** {meta['memory']}")
    out.append(f"- **Kernel:** {meta['kernel']}; {meta['os']}")
    out.append(f"- **Toolchain:** {meta['swift']}")
    if meta.get("build"):
        out.append(f"- **Binaries:** {meta['build']}")
    out.append(f"- **Load average (1/5/15 min):** {meta['load_start']} at the start, {meta['load_end']} at the end")
    if meta.get("noise"):
        out.append(f"- **Noise:** {meta['noise']}")
    out.append("")
    if problems:
        out.append("## Paths that broke in this run")
        out.append("")
        out += [f"- {p}" for p in problems]
        out.append("")
    out.append("## Figures")
    out.append("")
    out.append("Ratios are the alternative's figure divided by Breather's from this same run "
               "(above 1× means Breather does better).")
    out.append("")
    header = ["figure", "Breather", "goal", "verdict", *ALT_COLUMNS]
    out.append("| " + " | ".join(header) + " |")
    out.append("|" + "|".join(" --- " for _ in header) + "|")
    for row in rows:
        cells = [row.figure, row.value, row.goal, row.verdict] + [row.alts.get(c, "—") for c in ALT_COLUMNS]
        out.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    out.append("")
    out.append("## Notes")
    out.append("")
    out += [f"- {n}" for n in notes]
    out.append("")
    out.append("## How each figure is measured")
    out.append("")
    out += [f"- {m}" for m in method]
    out.append("")
    return "\n".join(out)
