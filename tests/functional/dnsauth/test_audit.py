"""audit(): concurrency, the overall timeout, DNS failures and the ehlo audit command."""

from __future__ import annotations

import asyncio
import json
import subprocess
import time

import pytest

from ehlo.dnsauth.audit import CHECK_IDS, audit, load_check
from ehlo.dnsauth.context import AuditContext
from ehlo.dnsauth.resolver import DnsResolver
from ehlo.dnsauth.result import CheckResult
from tests.conftest import ehlo_env
from tests.fixtures.dns_servers import ScriptedDns, servfail_handler, silent_port
from tests.fixtures.nsd import NsdServer
from tests.fixtures.zones import GOOD_IP, MX_CERT_DER, UNCONFIRMED_IP

pytestmark = pytest.mark.nsd
AVAILABLE = [check for check in CHECK_IDS if not isinstance(load_check(check), str)]


async def test_full_audit_reports_every_check_progressively(rich_nsd: NsdServer) -> None:
    resolver = DnsResolver(rich_nsd.host, rich_nsd.port, timeout=2)
    seen: list[CheckResult] = []
    report = await audit(
        resolver,
        AuditContext(
            "example.test",
            ip=GOOD_IP,
            helo="mx1.example.test",
            selectors=("selector1",),
            certificate_chain=(MX_CERT_DER,),
        ),
        on_result=seen.append,
    )
    assert [check.id for check in report.checks] == list(CHECK_IDS)
    assert sorted(check.id for check in seen) == sorted(CHECK_IDS)
    by_id = {check.id: check for check in report.checks}
    for check_id in AVAILABLE:
        assert by_id[check_id].status != "error", by_id[check_id]
    data = report.to_dict()
    assert data["domain"] == "example.test"
    assert data["resolver"] == f"127.0.0.1:{rich_nsd.port}"
    assert json.loads(json.dumps(data)) == data
    # one cache per audit: every (name, type) asked once
    assert resolver.queries == len(resolver._cache)


async def test_without_ip_ptr_and_dnsbl_are_left_out(rich_nsd: NsdServer) -> None:
    resolver = DnsResolver(rich_nsd.host, rich_nsd.port, timeout=2)
    report = await audit(resolver, AuditContext("example.test"), only=None)
    assert "ptr" not in [check.id for check in report.checks]
    assert "dnsbl" not in [check.id for check in report.checks]


async def test_only_and_unknown_checks(rich_nsd: NsdServer) -> None:
    resolver = DnsResolver(rich_nsd.host, rich_nsd.port, timeout=2)
    report = await audit(
        resolver, AuditContext("example.test", ip=UNCONFIRMED_IP), only=["dnsbl", "mx"]
    )
    assert [check.id for check in report.checks] == ["mx", "dnsbl"]
    assert report.failed
    with pytest.raises(ValueError, match="unknown check nope"):
        await audit(resolver, AuditContext("example.test"), only=["nope"])
    with pytest.raises(ValueError, match="not a valid domain"):
        await audit(resolver, AuditContext("a..b"))


async def test_idn_domain_in_both_forms(nsd_server) -> None:
    server = nsd_server({"xn--bcher-kva.test": "@ MX 10 mx\nmx A 192.0.2.5\n"})
    resolver = DnsResolver(server.host, server.port, timeout=2)
    report = await audit(resolver, AuditContext("Bücher.test"), only=["mx"])
    assert report.domain == "xn--bcher-kva.test"
    assert report.domain_unicode == "bücher.test"
    assert report.checks[0].status == "pass"


@pytest.mark.parametrize("check_id", AVAILABLE)
async def test_every_check_errors_when_dns_times_out(check_id: str) -> None:
    with silent_port() as port:
        resolver = DnsResolver("127.0.0.1", port, timeout=0.2, retries=0)
        report = await audit(
            resolver,
            AuditContext("example.test", ip=GOOD_IP, selectors=("s1",)),
            only=[check_id],
            timeout=10,
        )
    result = report.checks[0]
    assert result.status == "error", result
    assert result.summary
    assert not report.dns_reachable


@pytest.mark.parametrize("check_id", AVAILABLE)
async def test_every_check_errors_on_servfail(check_id: str) -> None:
    with ScriptedDns(servfail_handler()) as server:
        resolver = DnsResolver(server.host, server.port, timeout=1)
        report = await audit(
            resolver,
            AuditContext("example.test", ip=GOOD_IP, selectors=("s1",)),
            only=[check_id],
            timeout=10,
        )
    result = report.checks[0]
    assert result.status == "error", result
    assert "SERVFAIL" in json.dumps(result.to_dict())
    assert report.dns_reachable


async def test_audit_respects_its_timeout_whatever_hangs() -> None:
    async def hang(query, tcp):
        await asyncio.sleep(30)

    with ScriptedDns(hang) as server:
        resolver = DnsResolver(server.host, server.port, timeout=20, retries=3)
        started = time.monotonic()
        seen: list[CheckResult] = []
        report = await audit(
            resolver, AuditContext("example.test", ip=GOOD_IP), timeout=1.0, on_result=seen.append
        )
        elapsed = time.monotonic() - started
    assert elapsed < 1.6  # the timeout, plus unwinding and the reachability probe
    assert {check.status for check in report.checks} == {"error"}
    assert all(
        "did not finish" in check.summary or "not available" in check.summary
        for check in report.checks
    )
    assert len(seen) == len(report.checks)
    assert not report.dns_reachable


def run_cli(*args: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    import sys

    return subprocess.run(
        [sys.executable, "-m", "ehlo", "audit", *args],
        env=ehlo_env(),
        check=False,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_cli_json(rich_nsd: NsdServer) -> None:
    done = run_cli(
        "example.test",
        "--ip",
        UNCONFIRMED_IP,
        "--only",
        "mx,ptr",
        "--only",
        "dnsbl",
        "--resolver",
        f"{rich_nsd.host}:{rich_nsd.port}",
        "--json",
    )
    assert done.returncode == 1, done.stderr
    data = json.loads(done.stdout)
    assert data["domain"] == "example.test"
    assert [check["id"] for check in data["checks"]] == ["mx", "ptr", "dnsbl"]
    dnsbl = data["checks"][2]
    assert {"list", "listed", "codes", "error"} <= set(dnsbl["details"]["listings"][0])
    assert {"ptr", "fcrdns"} <= set(data["checks"][1]["details"])
    assert {"hosts", "null_mx"} <= set(data["checks"][0]["details"])
    assert all(
        {"text", "command"} == set(fix) for check in data["checks"] for fix in check["fixes"]
    )
    assert done.stderr == ""


def test_cli_human_output(rich_nsd: NsdServer) -> None:
    done = run_cli("nullmx.test", "--only", "mx", "--resolver", f"{rich_nsd.host}:{rich_nsd.port}")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == f"audit of nullmx.test via 127.0.0.1:{rich_nsd.port}"
    assert lines[2].startswith("INFO   mx  nullmx.test accepts no mail")
    assert "null_mx: True" in done.stdout


def test_cli_idn_shown_in_both_forms(nsd_server) -> None:
    server = nsd_server({"xn--bcher-kva.test": "@ MX 10 mx\nmx A 192.0.2.5\n"})
    done = run_cli("bücher.test", "--only", "mx", "--resolver", f"{server.host}:{server.port}")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("audit of bücher.test (xn--bcher-kva.test) via")


def test_cli_dns_unreachable_exits_3() -> None:
    with silent_port() as port:
        done = run_cli(
            "example.test", "--only", "mx", "--resolver", f"127.0.0.1:{port}", "--timeout", "2"
        )
    assert done.returncode == 3
    assert "could not be reached" in done.stderr and "--resolver" in done.stderr
    assert "Traceback" not in done.stderr
    assert done.stdout.splitlines()[2].startswith("ERROR  mx ")
    assert "fix:" not in done.stdout  # no per-check details when no server answered


def test_cli_help_has_examples() -> None:
    done = run_cli("--help")
    assert done.returncode == 0
    assert "Examples:" in done.stdout and "ehlo audit example.com --ip" in done.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["bad..domain"], "not a valid domain name"),
        (["localhost"], "no dot"),
        (["example.test", "--ip", "1.2.3"], "--ip: '1.2.3' is not an IPv4 or IPv6 address"),
        (["example.test", "--only", "mx,nope"], "--only: unknown check nope"),
        (["example.test", "--resolver", "127.0.0.1:99999"], "--resolver: port"),
        (["example.test", "--helo", "a..b"], "--helo:"),
        (["example.test", "--timeout", "0"], "--timeout"),
        (["example.test", "--timeout", "nan"], "--timeout"),
        (["x" * 70 + ".test"], "not a valid domain name"),
        (["exa mple.test"], "contains spaces or control characters"),
        (["example.test\r\nx"], "contains spaces or control characters"),
        (["example.test", "--selector", "s 1"], "--selector: 's 1' is not a selector"),
        (["example.test", "--selector", "$(id)"], "--selector: '$(id)' is not a selector"),
        (["example.test", "--helo", "my helo"], "--helo: 'my helo' is not"),
    ],
)
def test_cli_usage_errors_exit_64(args: list[str], message: str) -> None:
    done = run_cli(*args)
    assert done.returncode == 64
    assert message in done.stderr
    assert "Traceback" not in done.stderr


REQUIRED_DETAILS = {
    "spf": {"record", "result", "lookups", "void_lookups", "trace"},
    "dmarc": {"record", "record_domain", "policy", "subdomain_policy"},
    "dkim": {"selectors"},
    "mx": {"hosts", "null_mx"},
    "ptr": {"ptr", "fcrdns"},
    "dnsbl": {"listings"},
}


def test_cli_json_has_the_documented_details(rich_nsd: NsdServer) -> None:
    done = run_cli(
        "example.test",
        "--ip",
        GOOD_IP,
        "--selector",
        "selector1",
        "--json",
        "--resolver",
        f"{rich_nsd.host}:{rich_nsd.port}",
    )
    data = json.loads(done.stdout)
    assert set(data) >= {"domain", "resolver", "checks"}
    checks = {check["id"]: check for check in data["checks"]}
    assert list(checks) == list(CHECK_IDS)
    for check_id, fields in REQUIRED_DETAILS.items():
        if check_id in AVAILABLE:
            assert fields <= set(checks[check_id]["details"]), check_id
    if "dkim" in AVAILABLE:
        selector = checks["dkim"]["details"]["selectors"][0]
        assert {"selector", "status", "key_type", "key_bits"} <= set(selector)
    host = checks["mx"]["details"]["hosts"][0]
    assert {"host", "preference", "addresses"} <= set(host)


def test_cli_progress_only_on_a_terminal(rich_nsd: NsdServer) -> None:
    import os
    import pty
    import sys

    master, slave = pty.openpty()
    try:
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "ehlo",
                "audit",
                "example.test",
                "--only",
                "mx,tls-rpt",
                "--resolver",
                f"{rich_nsd.host}:{rich_nsd.port}",
            ],
            env=ehlo_env(),
            stdout=subprocess.PIPE,
            stderr=slave,
            text=True,
            timeout=30,
            check=False,
        )
        os.close(slave)
        progress = b""
        while True:
            try:
                chunk = os.read(master, 4096)
            except OSError:
                break
            if not chunk:
                break
            progress += chunk
    finally:
        os.close(master)
    assert done.returncode == 0
    assert b"checking 2/2" in progress
    assert "checking" not in done.stdout


def test_freeze_heap_skips_collection_when_the_collector_is_off() -> None:
    import gc

    from ehlo.commands.audit import freeze_heap

    was_enabled = gc.isenabled()
    gc.disable()
    try:
        frozen_before = gc.get_freeze_count()
        freeze_heap()
        assert gc.get_freeze_count() == frozen_before
        assert not gc.isenabled()
    finally:
        if was_enabled:
            gc.enable()
