#!/usr/bin/env python3
"""Wall time of `ehlo check` against swaks for the same STARTTLS transaction, and of `ehlo --help`.

Starts a private Postfix (tests.fixtures.postfix) unless --server is given, then runs the two
tools alternately, N times each, and prints the median whole-process wall time of each, their
ratio (target: ehlo at most 0.8x swaks) and the median wall time of `ehlo --help` (target: under
150 ms). Both tools verify the server certificate against the test CA and deliver one message.
CPU time is shown too, and `ehlo check --json` for reference.

Two floors are measured alongside, to show what part of ehlo's time is Python itself: the
same transaction by `minimal_starttls_client.py` (socket and ssl only, nothing else), and an
interpreter that only imports what the engine is built on (asyncio, ssl, click) and exits.

    python tests/benchmarks/check_vs_swaks.py            # 20 runs each
    python tests/benchmarks/check_vs_swaks.py -n 50 --json

Runs as root (Postfix needs it) with the Debian packages postfix and swaks installed.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO_ROOT))

RATIO_TARGET = 0.8
HELP_TARGET_MS = 150.0
SENDER = "bench@example.org"


def _environment(cache_dir: str) -> dict[str, str]:
    """The environment for both tools: this checkout's ehlo, bytecode caching allowed.

    ehlo's knowledge cache goes to a private directory (filled by the warm-up runs), so that
    other checkouts sharing the user's cache cannot evict it in the middle of a measurement.
    """
    env = dict(os.environ)
    env["EHLO_CACHE_DIR"] = cache_dir
    env["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(REPO_ROOT / "tui"), env.get("PYTHONPATH")])
    )
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # an installed ehlo has compiled bytecode
    env["NO_COLOR"] = "1"
    return env


def _cpu_seconds() -> float:
    """User plus system CPU time of finished child processes so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _wall_ms(
    command: Sequence[str], env: dict[str, str], cpu_ms: list[float] | None = None
) -> float:
    """Run a command to completion; its wall time in milliseconds. Fails loudly on errors.

    The CPU time it used goes to `cpu_ms` (it varies less than wall time on a busy machine).
    """
    cpu_before = _cpu_seconds()
    started = time.perf_counter()
    completed = subprocess.run(command, capture_output=True, env=env, check=False, timeout=120)
    elapsed = (time.perf_counter() - started) * 1000
    if cpu_ms is not None:
        cpu_ms.append((_cpu_seconds() - cpu_before) * 1000)
    if completed.returncode != 0:
        output = (completed.stdout + completed.stderr).decode(errors="replace")
        raise SystemExit(f"{command[0]} failed with {completed.returncode}:\n{output[-2000:]}")
    return elapsed


@contextmanager
def _server(address: str | None, ca_file: str | None) -> Iterator[tuple[str, str, str]]:
    """(host:port, recipient, CA file): the given server, or a private Postfix."""
    if address is not None:
        if ca_file is None:
            raise SystemExit("--server needs --ca-file (both tools verify the certificate)")
        yield address, "alice@ehlo.test", ca_file
        return
    import trustme
    from tests.fixtures.postfix import HOSTNAME, running_postfix

    directory = Path(tempfile.mkdtemp(prefix="ehlo-bench-"))
    try:
        authority = trustme.CA()
        certificate = authority.issue_cert(HOSTNAME, "localhost", "127.0.0.1")
        chain, ca_path = directory / "server.pem", directory / "ca.pem"
        certificate.private_key_and_cert_chain_pem.write_to_path(str(chain))
        authority.cert_pem.write_to_path(str(ca_path))
        with running_postfix(chain, ca_path) as postfix:
            yield postfix.target, postfix.address("alice"), str(ca_path)
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", "--runs", type=int, default=20, help="runs of each tool")
    parser.add_argument("--warmup", type=int, default=2, help="unmeasured runs of each first")
    parser.add_argument(
        "--server", help="HOST:PORT of a running server (default: a private Postfix)"
    )
    parser.add_argument("--ca-file", help="CA that issued --server's certificate")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    if shutil.which("swaks") is None:
        raise SystemExit("swaks is not installed: apt-get install -y swaks")
    with (
        tempfile.TemporaryDirectory(prefix="ehlo-bench-cache-") as cache_dir,
        _server(args.server, args.ca_file) as (address, recipient, ca_file),
    ):
        env = _environment(cache_dir)
        ehlo = [
            sys.executable, "-m", "ehlo", "check", address, "--from", SENDER, "--to", recipient,
            "--tls", "starttls", "--verify", "--ca-file", ca_file,
        ]  # fmt: skip
        host, port = address.rsplit(":", 1)
        swaks = [
            "swaks", "--server", host, "--port", port, "--from", SENDER, "--to", recipient,
            "--tls", "--tls-verify", "--tls-ca-path", ca_file,
        ]  # fmt: skip
        ehlo_json = [*ehlo, "--json"]
        help_command = [sys.executable, "-m", "ehlo", "--help"]
        floor = [
            sys.executable, str(Path(__file__).with_name("minimal_starttls_client.py")),
            host, port, SENDER, recipient, ca_file,
        ]  # fmt: skip
        stack = [sys.executable, "-c", "import asyncio, ssl, click"]
        for _ in range(args.warmup):
            for command in (ehlo, ehlo_json, swaks, help_command, floor, stack):
                _wall_ms(command, env)
        ehlo_ms: list[float] = []
        swaks_ms: list[float] = []
        help_ms: list[float] = []
        ehlo_cpu: list[float] = []
        swaks_cpu: list[float] = []
        json_ms: list[float] = []
        floor_ms: list[float] = []
        stack_ms: list[float] = []
        for index in range(args.runs):
            pair = [(ehlo, ehlo_ms, ehlo_cpu), (swaks, swaks_ms, swaks_cpu)]
            for command, times, cpu in pair if index % 2 == 0 else reversed(pair):
                times.append(_wall_ms(command, env, cpu))
            json_ms.append(_wall_ms(ehlo_json, env))
            help_ms.append(_wall_ms(help_command, env))
            floor_ms.append(_wall_ms(floor, env))
            stack_ms.append(_wall_ms(stack, env))
    figures = {
        "runs": args.runs,
        "ehlo_check_median_ms": round(statistics.median(ehlo_ms), 1),
        "swaks_median_ms": round(statistics.median(swaks_ms), 1),
        "ratio": round(statistics.median(ehlo_ms) / statistics.median(swaks_ms), 3),
        "ratio_target": RATIO_TARGET,
        "ehlo_check_median_cpu_ms": round(statistics.median(ehlo_cpu), 1),
        "swaks_median_cpu_ms": round(statistics.median(swaks_cpu), 1),
        "ehlo_check_json_median_ms": round(statistics.median(json_ms), 1),
        "ehlo_help_median_ms": round(statistics.median(help_ms), 1),
        "help_target_ms": HELP_TARGET_MS,
        "python_floor_median_ms": round(statistics.median(floor_ms), 1),
        "python_floor_ratio": round(statistics.median(floor_ms) / statistics.median(swaks_ms), 3),
        "stack_imports_median_ms": round(statistics.median(stack_ms), 1),
        "load_average": os.getloadavg()[0],
    }
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        ratio_ok = "meets" if figures["ratio"] <= RATIO_TARGET else "misses"
        help_ok = "meets" if figures["ehlo_help_median_ms"] < HELP_TARGET_MS else "misses"
        print(f"STARTTLS delivery to {address}, {args.runs} runs each, alternating:")
        print(
            f"  ehlo check  median {figures['ehlo_check_median_ms']:8.1f} ms"
            f"  (CPU {figures['ehlo_check_median_cpu_ms']:.1f} ms)"
        )
        print(
            f"  swaks       median {figures['swaks_median_ms']:8.1f} ms"
            f"  (CPU {figures['swaks_median_cpu_ms']:.1f} ms)"
        )
        print(f"  ratio       {figures['ratio']:.3f} ({ratio_ok} the target of {RATIO_TARGET}x)")
        print(
            f"  ehlo check --json median {figures['ehlo_check_json_median_ms']:.1f} ms"
            " (no reply explanations, so the knowledge base is not loaded)"
        )
        print(
            f"  floor: socket+ssl script {figures['python_floor_median_ms']:.1f} ms"
            f" ({figures['python_floor_ratio']:.3f}x swaks);"
            " importing asyncio, ssl, click and exiting"
            f" {figures['stack_imports_median_ms']:.1f} ms"
        )
        print(
            f"ehlo --help  median {figures['ehlo_help_median_ms']:8.1f} ms "
            f"({help_ok} the target of {HELP_TARGET_MS:.0f} ms)"
        )
        print(f"(1-minute load average {figures['load_average']:.2f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
