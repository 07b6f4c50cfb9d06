"""Benchmark: app start-up against a bare Textual app, and a 100,000-line transcript.

Run from the repository root: `python tests/benchmarks/tui_startup.py [--runs N] [--lines N]`.
Start-up is measured in fresh processes (imports included), headless, from process start to
the first ready screen (its main input laid out): `ehlo demo` (made by the demo's own
`demo_session`: the sandbox in a child process, the session autoconnecting; CPU is this
process's only), and the app alone, against a bare app composing the same stock widgets.
The transcript part appends events one at a time and reports the time per 1,000 appends at
the start and at the end, and the process's peak memory.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

READY = """
ready = []
async def auto_pilot(pilot):
    while not any(w.region.width for w in pilot.app.screen.query("{ready}")):
        await pilot.pause()
    ready.append((time.perf_counter(), time.process_time()))
    await pilot.pause()
    pilot.app.exit()
"""
"""The probes' auto-pilot: note the time once the widget `ready` is laid out, then exit."""

REPORT = 'print(json.dumps({"ready": ready[0][0] - started, "cpu": ready[0][1]}))\n'

DEMO_PROBE = (
    """
import time, json, sys
started = time.perf_counter()
from ehlo.commands.demo import demo_session
"""
    + READY.format(ready="#command-input")
    + """
with demo_session("happy") as (sandbox, app):
    app.run(headless=True, size=(120, 40), auto_pilot=auto_pilot)
"""
    + REPORT
)

APP_PROBE = (
    """
import time, json
started = time.perf_counter()
from ehlo.app.app import make_app
app = make_app("127.0.0.1:9", sender="demo@example.com", recipient="alice@example.net",
               tls_mode="starttls", verify="report")
"""
    + READY.format(ready="#command-input")
    + """
app.run(headless=True, size=(120, 40), auto_pilot=auto_pilot)
"""
    + REPORT
)

BARE_PROBE = (
    """
import time, json
started = time.perf_counter()
from textual.app import App
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import (Button, Collapsible, Footer, Header, Input, Label, Log, Select,
                             Static, Tab, Tabs)

class Bare(App):
    def compose(self):
        yield Header()
        with Vertical():
            for row in range(3):
                with Horizontal():
                    yield Label("field")
                    yield Input(compact=True)
                    yield Input(compact=True)
                    yield Select([("a", 1), ("b", 2)], value=1, allow_blank=False, compact=True)
            yield Button("Connect", compact=True)
        yield Tabs(Tab("one"), Tab("two"), Tab("three"))
        with Horizontal():
            with Vertical():
                yield Log()
                yield Static("steps")
                yield Input(compact=True)
            with Vertical():
                with VerticalScroll():
                    yield Static("explain")
                with VerticalScroll():
                    for check in range(10):
                        yield Collapsible(Static("details"), title=f"check {check}")
        yield Footer()

"""
    + READY.format(ready="Log")
    + """
Bare().run(headless=True, size=(120, 40), auto_pilot=auto_pilot)
"""
    + REPORT
)


def _probe(code: str) -> tuple[float, float]:
    """Wall and CPU seconds from start to the first ready screen, in a fresh interpreter."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT / "tui"), env.get("PYTHONPATH")]))
    env["EHLO_CONFIG"] = str(ROOT / "tests" / "benchmarks" / "no-such-config.toml")
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=True,
    )
    last = result.stdout.strip().splitlines()[-1]
    figures = json.loads(last)
    return float(figures["ready"]), float(figures["cpu"])


def startup(runs: int) -> dict[str, float]:
    """Median start-up over RUNS fresh processes each, the probes interleaved (load is shared)."""
    _probe(BARE_PROBE)  # warm the file cache
    _probe(DEMO_PROBE)
    wall: dict[str, list[float]] = {"demo": [], "app": [], "bare": []}
    cpu: dict[str, list[float]] = {"demo": [], "app": [], "bare": []}
    for _ in range(runs):
        for name, code in (("demo", DEMO_PROBE), ("app", APP_PROBE), ("bare", BARE_PROBE)):
            wall_s, cpu_s = _probe(code)
            wall[name].append(wall_s)
            cpu[name].append(cpu_s)
    figures = {f"{name}_s": statistics.median(values) for name, values in wall.items()}
    figures.update({f"{name}_cpu_s": statistics.median(values) for name, values in cpu.items()})
    for name in ("demo", "app"):
        figures[f"{name}_ratio"] = figures[f"{name}_s"] / figures["bare_s"]
        figures[f"{name}_cpu_ratio"] = figures[f"{name}_cpu_s"] / figures["bare_cpu_s"]
    return figures


async def _transcript(lines: int) -> dict[str, float]:
    from textual.app import App, ComposeResult

    from ehlo.app.widgets.transcript import Transcript
    from ehlo.smtp.events import Received, Sent
    from ehlo.smtp.reply import parse_reply

    class Host(App[None]):
        def compose(self) -> ComposeResult:
            yield Transcript()

    reply = parse_reply("250 2.1.5 Ok")
    app = Host()
    per_thousand: list[float] = []
    async with app.run_test(size=(120, 40)) as pilot:
        transcript = app.query_one(Transcript)
        at = time.time()
        for block in range(lines // 1000):
            started = time.perf_counter()
            for index in range(500):
                at += 0.001
                transcript.append_event(
                    Sent(at, "rcpt", f"RCPT TO:<user{block}-{index}@example.net>")
                )
                transcript.append_event(Received(at, "rcpt", reply, 1.5))
            per_thousand.append(time.perf_counter() - started)
            if block % 10 == 0:
                await pilot.pause()
        await pilot.pause()
        assert len(transcript.lines) == lines - lines % 1000
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    first = statistics.mean(per_thousand[:5])
    last = statistics.mean(per_thousand[-5:])
    return {
        "lines": float(len(per_thousand) * 1000),
        "first_1000_ms": first * 1000,
        "last_1000_ms": last * 1000,
        "growth": last / first,
        "peak_rss_mb": peak_kib / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="fresh processes per app")
    parser.add_argument("--lines", type=int, default=100_000, help="transcript lines")
    arguments = parser.parse_args()
    sys.path.insert(0, str(ROOT / "tui"))
    figures = startup(arguments.runs)
    print(
        f"start-up to the first ready screen, median of {arguments.runs} fresh processes "
        "(wall / CPU seconds; ratio to the bare app, target <= 1.3):"
    )
    for name, label in (("demo", "ehlo demo"), ("app", "the app alone"), ("bare", "bare app")):
        ratio = (
            ""
            if name == "bare"
            else (f"  ratio {figures[name + '_ratio']:.2f} / {figures[name + '_cpu_ratio']:.2f}")
        )
        print(
            f"  {label:<14} {figures[name + '_s']:.3f} s / {figures[name + '_cpu_s']:.3f} s{ratio}"
        )
    transcript = asyncio.run(_transcript(arguments.lines))
    print(
        f"transcript of {transcript['lines']:.0f} lines: {transcript['first_1000_ms']:.1f} ms per "
        f"1,000 appends at the start, {transcript['last_1000_ms']:.1f} ms at the end "
        f"(x{transcript['growth']:.2f}); peak memory {transcript['peak_rss_mb']:.0f} MB "
        "(target < 200 MB)"
    )


if __name__ == "__main__":
    main()
