"""`ehlo check @domain --print-command`: the command talks to the server ehlo would try first."""

from __future__ import annotations

import shlex
from collections.abc import Iterator

import pytest

from tests.fixtures.nsd import NsdServer, start_nsd, stop_nsd

from .conftest import run_check

pytestmark = pytest.mark.nsd

ZONES = {
    "ehlo.test": (
        "@ MX 20 mx2.ehlo.test.\n@ MX 10 mx1.ehlo.test.\n"
        "mx1 A 127.0.0.2\nmx2 A 127.0.0.1\n@ A 127.0.0.9\n"
    ),
    "implicit.test": "@ A 127.0.0.1\n",
    "nullmx.test": "@ MX 0 .\n",
}


@pytest.fixture(scope="module")
def dns(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NsdServer]:
    process, server = start_nsd(tmp_path_factory.mktemp("nsd"), ZONES)
    try:
        yield server
    finally:
        stop_nsd(process)


def _print(target: str, dns: NsdServer, tool: str) -> list[str]:
    run = run_check(
        target, "--from", "a@example.org", "--to", "b@ehlo.test", "--resolver",
        f"{dns.host}:{dns.port}", "--print-command", tool,
    )  # fmt: skip
    assert run.code == 0, run.output
    return shlex.split(run.stdout)


@pytest.mark.parametrize("target", ["@ehlo.test", "someone@ehlo.test"])
def test_the_most_preferred_mx_host_is_the_server(target: str, dns: NsdServer) -> None:
    swaks = _print(target, dns, "swaks")
    assert swaks[swaks.index("--server") + 1] == "mx1.ehlo.test"
    assert swaks[swaks.index("--tls-sni") + 1] == "mx1.ehlo.test"
    openssl = _print(target, dns, "openssl")
    assert openssl[openssl.index("-connect") + 1] == "mx1.ehlo.test:25"
    assert openssl[openssl.index("-verify_hostname") + 1] == "mx1.ehlo.test"


def test_without_mx_the_domain_itself_is_the_server(dns: NsdServer) -> None:
    swaks = _print("@implicit.test:2525", dns, "swaks")
    assert swaks[swaks.index("--server") + 1] == "implicit.test"
    assert swaks[swaks.index("--port") + 1] == "2525"


def test_a_domain_without_a_server_prints_no_command(dns: NsdServer) -> None:
    run = run_check(
        "@nullmx.test", "--from", "a@example.org", "--to", "b@nullmx.test", "--resolver",
        f"{dns.host}:{dns.port}", "--print-command", "swaks",
    )  # fmt: skip
    assert run.code == 3, run.output
    assert run.stdout == ""
    assert "null MX" in run.stderr
    assert "Traceback" not in run.output
