"""Percentiles and the few number formats the report uses."""

from __future__ import annotations

import math
from typing import Optional, Sequence


def percentile(values: Sequence[float], p: float) -> float:
    """Linear interpolation between closest ranks (numpy's default)."""
    if not values:
        raise ValueError("no values")
    data = sorted(values)
    if len(data) == 1:
        return data[0]
    rank = (len(data) - 1) * p / 100.0
    low = math.floor(rank)
    high = min(low + 1, len(data) - 1)
    return data[low] + (data[high] - data[low]) * (rank - low)


def median(values: Sequence[float]) -> float:
    return percentile(values, 50)


class Dist:
    """A set of samples in seconds."""

    def __init__(self, values: Sequence[float]) -> None:
        self.values = list(values)

    def __len__(self) -> int:
        return len(self.values)

    @property
    def p50(self) -> float:
        return percentile(self.values, 50)

    @property
    def p99(self) -> float:
        return percentile(self.values, 99)

    @property
    def max(self) -> float:
        return max(self.values)

    @property
    def min(self) -> float:
        return min(self.values)


def ms(seconds: Optional[float], digits: Optional[int] = None) -> str:
    if seconds is None:
        return "—"
    value = seconds * 1000
    if digits is None:
        digits = 2 if abs(value) < 10 else 1 if abs(value) < 100 else 0
    return f"{value:.{digits}f} ms"


def human_time(seconds: float) -> str:
    """Signed, in the unit that reads best: ms below 1 s, else s."""
    if abs(seconds) < 1:
        return ms(seconds)
    return f"{seconds:.1f} s"


def mib(kib: Optional[int]) -> str:
    return "—" if kib is None else f"{kib / 1024:.1f} MiB"


def ratio(alt: Optional[float], ours: Optional[float]) -> str:
    if alt is None or ours is None:
        return "—"
    if ours == 0:
        return "∞" if alt > 0 else "1×"
    r = alt / ours
    if r >= 100:
        return f"{r:,.0f}×"
    if r >= 10:
        return f"{r:.0f}×"
    return f"{r:.1f}×"
