"""Tables of a load run: Markdown, so they paste straight into docs/performance.md."""

from __future__ import annotations

import itertools
import json
import os
import platform
from pathlib import Path
from typing import Any

from bench.harness.load import Phase, percentile

MB = 1024 * 1024


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f}"


def ratio(value: float, base: float) -> str:
    return f"{value / base:.2f}x" if base > 0 else "n/a"


def figures(phase: Phase) -> dict[str, Any]:
    usage = phase.usage
    per_interaction = usage.cpu_seconds / phase.interactions if phase.interactions else 0.0
    return {
        "label": phase.label, "users": phase.users, "visits": phase.visits, "completed_visits": phase.completed_visits,
        "interactions": phase.interactions, "p50": percentile(phase.latencies, 0.50),
        "p95": percentile(phase.latencies, 0.95), "max": max(phase.latencies, default=0.0),
        "errors": len(phase.errors), "cpu_seconds": usage.cpu_seconds, "cpu_per_interaction": per_interaction,
        "cpu_share": usage.cpu_seconds / usage.wall_seconds if usage.wall_seconds else 0.0,
        "cpu_per_user": usage.cpu_seconds / phase.users if phase.users else 0.0,
        "rss_idle": usage.rss_idle, "rss_peak": usage.rss_peak,
        "rss_per_user": (usage.rss_peak - usage.rss_idle) / phase.users if phase.users else 0,
        "wall": usage.wall_seconds, "load_before": usage.load_before, "load_after": usage.load_after,
        "harness_cpu_share": usage.harness_cpu_seconds / usage.wall_seconds if usage.wall_seconds else 0.0,
        "machine_busy": usage.machine_busy,
        "by_step": {step: {"n": len(v), "p50": percentile(v, 0.5), "p95": percentile(v, 0.95), "max": max(v)}
                    for step, v in phase.by_step.items()},
        **phase.extra,
    }


HEADER = ("| run | users | interactions | p50 ms | p95 ms | max ms | errors | server CPU ms / interaction "
          "| server CPU (cores) | CPU s / user | RSS MB idle → peak | MB / user |\n"
          "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")


def row(phase: Phase) -> str:
    f = figures(phase)
    return (f"| {f['label']} | {f['users']} | {f['interactions']} | {ms(f['p50'])} | {ms(f['p95'])} | {ms(f['max'])} "
            f"| {f['errors']} | {f['cpu_per_interaction'] * 1000:.1f} | {f['cpu_share']:.2f} | {f['cpu_per_user']:.2f} "
            f"| {f['rss_idle'] / MB:.0f} → {f['rss_peak'] / MB:.0f} | {f['rss_per_user'] / MB:.2f} |")


def ratio_row(app: Phase, base: Phase, label: str = "ratio app / blank") -> str:
    a, b = figures(app), figures(base)
    return (f"| **{label}** | | | {ratio(a['p50'], b['p50'])} | **{ratio(a['p95'], b['p95'])}** "
            f"| {ratio(a['max'], b['max'])} | | {ratio(a['cpu_per_interaction'], b['cpu_per_interaction'])} "
            f"| {ratio(a['cpu_share'], b['cpu_share'])} | {ratio(a['cpu_per_user'], b['cpu_per_user'])} | | |")


def steps_table(phase: Phase) -> str:
    cpu = bool(phase.step_cpu)
    lines = ["| step | n | p50 ms | p95 ms | max ms | messages / KB received (median) |"
             + (" server CPU ms (median) |" if cpu else ""),
             "| --- | ---: | ---: | ---: | ---: | ---: |" + (" ---: |" if cpu else "")]
    for step, values in sorted(phase.by_step.items(), key=lambda kv: -percentile(kv[1], 0.95)):
        traffic = phase.step_traffic.get(step, [])
        messages = percentile([float(m) for m, _ in traffic], 0.5) if traffic else 0.0
        kilobytes = percentile([b / 1024 for _, b in traffic], 0.5) if traffic else 0.0
        line = (f"| {step} | {len(values)} | {ms(percentile(values, 0.5))} | {ms(percentile(values, 0.95))} "
                f"| {ms(max(values))} | {messages:.0f} / {kilobytes:.1f} |")
        if cpu:
            line += f" {ms(percentile(phase.step_cpu.get(step, []), 0.5))} |"
        lines.append(line)
    return "\n".join(lines)


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem_kb = int(Path("/proc/meminfo").read_text().split()[1])
    except (OSError, ValueError, IndexError):
        mem_kb = 0
    return (f"{os.cpu_count()} cores ({cpu}), {mem_kb / 1024 / 1024:.0f} GiB, Python {platform.python_version()}, "
            f"{platform.system()} {platform.release()}")


def load_line(*phases: Phase) -> str:
    parts = []
    for phase in phases:
        before, after = phase.usage.load_before, phase.usage.load_after
        f = figures(phase)
        parts.append(f"{phase.label}: {before[0]:.2f} → {after[0]:.2f}, machine CPU {f['machine_busy']:.0%} busy "
                     f"(harness {f['harness_cpu_share']:.2f} cores)")
    return "load average (1 min) before → after, and all cores' busy share meanwhile: " + "; ".join(parts)


def errors_block(*phases: Phase, limit: int = 8) -> str:
    lines = []
    for phase in phases:
        for error in phase.errors[:limit]:
            lines.append(f"  {phase.label}: {error[:300]}")
        if len(phase.errors) > limit:
            lines.append(f"  {phase.label}: ... and {len(phase.errors) - limit} more")
    return "\n".join(lines)


def heading(title: str, app: Phase, base: Phase, check: str | None = None) -> str:
    """A run's title, the machine, how busy it was, and (if given) the database check."""
    lines = [f"\n## {title}\n", f"machine: {machine()}", load_line(app, base)]
    if check is not None:
        lines.append(f"database check: {check}")
    return "\n".join(lines) + "\n"


def comparison(app: Phase, base: Phase) -> str:
    """The app's figures under the blank page's, and their ratios."""
    return "\n".join([HEADER, row(base), row(app), ratio_row(app, base)])


def closing(app: Phase, base: Phase) -> str:
    """What users saw go wrong (or "errors: none"), and the profile when one was taken."""
    problems = errors_block(app, base)
    text = "\nerrors:\n" + problems if problems else "\nerrors: none"
    if app.profile:
        text += "\n\nwhere the app server spent its interpreter (py-spy --gil):\n\n" + app.profile
    if base.profile:
        text += f"\n\nwhere the {base.label} spent its interpreter (py-spy --gil):\n\n" + base.profile
    return text


def save_json(path: str | None, payload: dict[str, Any]) -> None:
    if path:
        Path(path).write_text(json.dumps(payload, indent=2, default=str))


def capacity(levels: list[tuple[int, float]], target: float) -> float:
    """Users at which p95 reaches ``target``, interpolated between measured levels (users, p95)."""
    ordered = sorted(levels)
    for (u0, p0), (u1, p1) in itertools.pairwise(ordered):
        if p0 <= target < p1:
            return u0 + (u1 - u0) * (target - p0) / (p1 - p0)
    within = [users for users, p95 in ordered if p95 <= target]
    return float(max(within)) if within else 0.0


def same_p95(one: list[tuple[int, float]], two: list[tuple[int, float]]) -> str:
    """For each load one process was measured at, the users two processes carry at that p95."""
    lines = ["| 1 process: users | its p95 ms | 2 processes carry, at that p95 | ratio |",
             "| ---: | ---: | ---: | ---: |"]
    most = max((users for users, _ in two), default=0)
    for users, p95 in sorted(one):
        carried = capacity(two, p95)
        beyond = all(p <= p95 for _, p in two)  # two processes never got that slow in the levels measured
        shown = f">= {most}" if beyond else f"{carried:.0f}"
        ratio_text = f">= {most / users:.2f}x" if beyond else ratio(carried, users)
        lines.append(f"| {users} | {ms(p95)} | {shown} | {ratio_text} |")
    return "\n".join(lines)
