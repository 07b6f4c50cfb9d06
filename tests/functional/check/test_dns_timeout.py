"""`ehlo check @domain` keeps to --timeout while it asks DNS for the servers to try."""

from __future__ import annotations

import time

import dns.message
import dns.rdatatype
import dns.rrset
import pytest

from tests.fixtures.dns_servers import ScriptedDns, silent_port

from .conftest import run_check

TIMEOUT = 3.0
STARTUP_ALLOWANCE = 2.5
"""Seconds for starting Python and printing on a loaded machine (less than one more TIMEOUT)."""


def _timed(*args: str) -> tuple[float, int, str]:
    started = time.monotonic()
    run = run_check(*args, "--from", "a@example.org", "--to", "b@example.net", "--timeout",
                    str(TIMEOUT))  # fmt: skip
    return time.monotonic() - started, run.code, run.output


def test_a_silent_resolver_is_given_up_within_the_timeout() -> None:
    with silent_port() as port:
        elapsed, code, output = _timed("@ehlo.test", "--resolver", f"127.0.0.1:{port}")
    assert code == 3, output
    assert "Traceback" not in output
    assert "ehlo.test" in output and "127.0.0.1" in output
    assert elapsed < TIMEOUT + STARTUP_ALLOWANCE, (elapsed, output)


async def _mx_only(query: dns.message.Message, tcp: bool) -> dns.message.Message | None:
    """MX answers name three hosts; their address lookups are never answered."""
    question = query.question[0]
    if question.rdtype != dns.rdatatype.MX:
        return None
    response = dns.message.make_response(query)
    response.answer.append(
        dns.rrset.from_text(
            question.name, 300, "IN", "MX", "10 a.ehlo.test.", "20 b.ehlo.test.", "30 c.ehlo.test."
        )
    )
    return response


@pytest.mark.parametrize("family", [[], ["-4"]])
def test_mx_hosts_whose_addresses_never_come_are_given_up_within_the_timeout(
    family: list[str],
) -> None:
    with ScriptedDns(_mx_only) as server:
        elapsed, code, output = _timed(
            "@ehlo.test", "--resolver", f"127.0.0.1:{server.port}", *family
        )
    assert code == 3, output
    assert "Traceback" not in output
    assert elapsed < TIMEOUT + STARTUP_ALLOWANCE, (elapsed, output)
