"""CPU time and resident memory of the server processes, read from /proc (Linux only).

CPU is utime + stime of every thread of each process (and its children, e.g. nginx workers),
so a run's cost is the difference between two readings. Memory is sampled while the load
runs, to catch the peak.
"""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass, field
from pathlib import Path

_TICK = os.sysconf("SC_CLK_TCK")
_PAGE = os.sysconf("SC_PAGE_SIZE")


def _stat_fields(pid: int) -> list[str] | None:
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    # The command name is in parentheses and may contain spaces: split after the last ')'.
    return raw[raw.rfind(")") + 2:].split()


def descendants(pids: list[int]) -> list[int]:
    """``pids`` and every process below them."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            fields = _stat_fields(int(entry.name))
            if fields is not None:
                children.setdefault(int(fields[1]), []).append(int(entry.name))
    found, todo = [], list(pids)
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


def cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        fields = _stat_fields(pid)
        if fields is not None:
            total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of the stat line)
    return total / _TICK


def rss_bytes(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        try:
            total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * _PAGE
        except (FileNotFoundError, ProcessLookupError, IndexError):
            continue
    return total


def load_average() -> tuple[float, float, float]:
    one, five, fifteen = Path("/proc/loadavg").read_text().split()[:3]
    return float(one), float(five), float(fifteen)


def machine_ticks() -> tuple[int, int]:
    """(busy, total) CPU ticks of the whole machine since boot, from the first line of /proc/stat."""
    fields = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    total = sum(fields[:8])  # user nice system idle iowait irq softirq steal (guest is inside user)
    return total - idle, total


def own_cpu_seconds() -> float:
    times = os.times()
    return times.user + times.system


@dataclass
class Usage:
    """What the servers used while a load ran."""

    cpu_seconds: float = 0.0
    rss_idle: int = 0
    rss_peak: int = 0
    wall_seconds: float = 0.0
    load_before: tuple[float, float, float] = (0.0, 0.0, 0.0)
    load_after: tuple[float, float, float] = (0.0, 0.0, 0.0)
    harness_cpu_seconds: float = 0.0
    machine_busy: float = 0.0  # share of all the machine's cores that were busy (anyone's work)


@dataclass
class Sampler:
    """Reads CPU before and after, and samples RSS every ``interval`` seconds in between."""

    pids: list[int]
    interval: float = 0.5
    usage: Usage = field(default_factory=Usage)
    _task: asyncio.Task[None] | None = None
    _cpu0: float = 0.0
    _own0: float = 0.0
    _t0: float = 0.0
    _ticks0: tuple[int, int] = (0, 0)

    def start(self) -> None:
        self.pids = descendants(self.pids)
        self._cpu0 = cpu_seconds(self.pids)
        self._own0 = own_cpu_seconds()
        self._ticks0 = machine_ticks()
        self._t0 = asyncio.get_running_loop().time()
        self.usage.rss_idle = self.usage.rss_peak = rss_bytes(self.pids)
        self.usage.load_before = load_average()
        self._task = asyncio.create_task(self._sample())

    async def _sample(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            self.usage.rss_peak = max(self.usage.rss_peak, rss_bytes(self.pids))

    async def stop(self) -> Usage:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        self.usage.cpu_seconds = cpu_seconds(self.pids) - self._cpu0
        self.usage.harness_cpu_seconds = own_cpu_seconds() - self._own0
        self.usage.wall_seconds = asyncio.get_running_loop().time() - self._t0
        self.usage.rss_peak = max(self.usage.rss_peak, rss_bytes(self.pids))
        self.usage.load_after = load_average()
        busy, total = machine_ticks()
        if total > self._ticks0[1]:
            self.usage.machine_busy = (busy - self._ticks0[0]) / (total - self._ticks0[1])
        return self.usage
