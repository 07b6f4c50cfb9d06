"""Audit latency: a full `audit` of the rich test domain through a DNS proxy adding 50 ms a query.

Run from the checkout: `python tests/benchmarks/audit_latency.py [--delay 0.05] [--runs 3]`.
Starts nsd with the rich test zones, a UDP+TCP proxy on loopback that delays every answer, and
a loopback HTTPS server for the MTA-STS policy; then prints the wall time, the number of DNS
queries sent, and the longest chain of dependent queries. A query depends on every answer its
task (or the task that started it) had received when it was sent; concurrent sibling tasks do
not depend on each other. Target: wall <= 1.5 x chain x delay. Exits 1 when missed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextvars
import os
import shutil
import ssl
import sys
import tempfile
import time
from collections.abc import Coroutine, Generator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "tui")]

import trustme  # noqa: E402
from tests.fixtures.delay_proxy import running_delay_proxy  # noqa: E402
from tests.fixtures.nsd import start_nsd, stop_nsd  # noqa: E402
from tests.fixtures.zones import GOOD_IP, MX_CERT_DER, RICH_DOMAIN, RICH_ZONES  # noqa: E402

from ehlo.commands.audit import freeze_heap  # noqa: E402
from ehlo.dnsauth.answer import Answer  # noqa: E402
from ehlo.dnsauth.audit import audit  # noqa: E402
from ehlo.dnsauth.context import AuditContext  # noqa: E402
from ehlo.dnsauth.mta_sts_policy import FetchOptions, fetch_options  # noqa: E402
from ehlo.dnsauth.resolver import DnsResolver  # noqa: E402

POLICY = b"version: STSv1\r\nmode: enforce\r\nmx: *.example.test\r\nmax_age: 604800\r\n"
_depth: contextvars.ContextVar[list[int]] = contextvars.ContextVar("depth")
_cpu: list[float] = []


def _task_factory(
    loop: asyncio.AbstractEventLoop,
    coro: Generator[Any, None, Any] | Coroutine[Any, Any, Any],
    **kwargs: Any,
) -> asyncio.Task[Any]:
    """Give each task its own depth, starting at its creator's and merged back when done."""
    parent = _depth.get(None)
    context = kwargs.pop("context", None) or contextvars.copy_context()
    own = [parent[0] if parent else 0]
    context.run(_depth.set, own)
    task = asyncio.Task(coro, loop=loop, context=context, **kwargs)
    if parent is not None:
        task.add_done_callback(lambda _: parent.__setitem__(0, max(parent[0], own[0])))
    return task


class ChainTracker:
    """Wraps a resolver and records each distinct query's position in its dependency chain."""

    def __init__(self, inner: DnsResolver) -> None:
        self.inner = inner
        self.depths: dict[tuple[str, str], int] = {}
        self.description = inner.description

    async def resolve(self, name: str, rdtype: str) -> Answer:
        box = _depth.get()
        key = (name.lower().rstrip("."), rdtype.upper())
        depth = self.depths.setdefault(key, box[0] + 1)
        answer = await self.inner.resolve(name, rdtype)
        box[0] = max(box[0], depth)
        return answer

    @property
    def longest_chain(self) -> int:
        return max(self.depths.values(), default=0)

    def chain_example(self) -> list[str]:
        """One query per level of the longest chain, for the printout."""
        return [
            next(f"{t} {n}" for (n, t), d in self.depths.items() if d == level)
            for level in range(1, self.longest_chain + 1)
        ]


async def _one_run(
    proxy_port: int, https_port: int, client_context: ssl.SSLContext
) -> tuple[float, int, ChainTracker, list[str]]:
    asyncio.get_running_loop().set_task_factory(_task_factory)
    _depth.set([0])
    fetch_options.set(FetchOptions(port=https_port, ssl_context=client_context, timeout=5))
    inner = DnsResolver("127.0.0.1", proxy_port, timeout=3)
    tracker = ChainTracker(inner)
    context = AuditContext(
        RICH_DOMAIN,
        ip=GOOD_IP,
        helo="mx1.example.test",
        sender=f"postmaster@{RICH_DOMAIN}",
        selectors=("selector1",),
        certificate_chain=(MX_CERT_DER,),
    )
    started = time.perf_counter()
    cpu_started = time.process_time()
    report = await audit(tracker, context, timeout=20)
    wall = time.perf_counter() - started
    _cpu.append(time.process_time() - cpu_started)
    statuses = [f"{check.id}={check.status}" for check in report.checks]
    return wall, inner.queries, tracker, statuses


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--delay", type=float, default=0.05, help="seconds added to each answer")
    parser.add_argument("--runs", type=int, default=7, help="measured audits after one warm-up")
    args = parser.parse_args()
    directory = Path(tempfile.mkdtemp(prefix="ehlo-bench-"))
    process, nsd = start_nsd(directory, RICH_ZONES)
    try:
        ca = trustme.CA()
        leaf = ca.issue_cert("mta-sts.example.test")
        certificate = (leaf.cert_chain_pems[0].bytes(), leaf.private_key_pem.bytes())
        client_context = ssl.create_default_context()
        ca.configure_trust(client_context)
        with running_delay_proxy((nsd.host, nsd.port), args.delay, (certificate, POLICY)) as (
            proxy_port,
            https_port,
        ):
            assert https_port is not None
            freeze_heap()  # as `ehlo audit` does before it starts
            warm_up = asyncio.run(_one_run(proxy_port, https_port, client_context))
            runs = [
                asyncio.run(_one_run(proxy_port, https_port, client_context))
                for _ in range(args.runs)
            ]
    finally:
        stop_nsd(process)
        shutil.rmtree(directory, ignore_errors=True)
    walls = sorted(run[0] for run in runs)
    median = walls[len(walls) // 2]
    _, queries, tracker, statuses = runs[-1]
    chain = tracker.longest_chain
    target = 1.5 * chain * args.delay
    print(f"checks: {' '.join(statuses)}")
    print(f"delay per answer: {args.delay * 1000:.0f} ms")
    print(
        f"wall time over {len(walls)} runs: median {median * 1000:.0f} ms, best "
        f"{walls[0] * 1000:.0f} ms, worst {walls[-1] * 1000:.0f} ms (first, cold run: "
        f"{warm_up[0] * 1000:.0f} ms, not counted)"
    )
    cpu = sorted(_cpu[1:])
    print(f"CPU time of the audit (this process): median {cpu[len(cpu) // 2] * 1000:.0f} ms")
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs")
    print(f"DNS queries sent: {queries} ({len(tracker.depths)} distinct)")
    print(f"longest chain of dependent queries: {chain} ({' -> '.join(tracker.chain_example())})")
    print(f"target: wall <= 1.5 x {chain} x {args.delay * 1000:.0f} ms = {target * 1000:.0f} ms")
    ok = median <= target
    print("result: " + ("met" if ok else "MISSED"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
