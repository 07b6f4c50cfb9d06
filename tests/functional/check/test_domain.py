"""`ehlo check @domain`: MX hosts from a real nsd on loopback, delivered to the real Postfix."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fixtures.nsd import NsdServer, start_nsd, stop_nsd
from tests.fixtures.postfix import PostfixServer

from .conftest import run_check

pytestmark = [pytest.mark.postfix, pytest.mark.nsd]

ZONES = {
    "ehlo.test": (
        "@ MX 20 mx2.ehlo.test.\n"
        "@ MX 10 mx1.ehlo.test.\n"
        "mx1 A 127.0.0.2\n"  # nothing listens there: the check must move on to mx2
        "mx2 A 127.0.0.1\n"
    ),
    "nullmx.test": "@ MX 0 .\n",
    "implicit.test": "@ A 127.0.0.1\n",
    "dangling.test": "@ MX 10 nowhere.dangling.test.\n",
}


@pytest.fixture(scope="module")
def dns(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NsdServer]:
    """One nsd for this module's zones."""
    process, server = start_nsd(tmp_path_factory.mktemp("nsd"), ZONES)
    try:
        yield server
    finally:
        stop_nsd(process)


def _args(target: str, postfix: PostfixServer, dns: NsdServer, *extra: str) -> list[str]:
    return [
        target,
        "--port",
        str(postfix.port),
        "--resolver",
        f"{dns.host}:{dns.port}",
        "--from",
        "sender@example.org",
        "--no-verify",
        *extra,
    ]


def test_mx_hosts_are_tried_lowest_preference_first(postfix: PostfixServer, dns: NsdServer) -> None:
    run = run_check(*_args("@ehlo.test", postfix, dns, "--to", postfix.address("alice")))
    assert run.code == 0, run.output
    out = run.stdout
    first = out.index(f"trying mx1.ehlo.test (127.0.0.2:{postfix.port}), MX preference 10")
    second = out.index(f"trying mx2.ehlo.test (127.0.0.1:{postfix.port}), MX preference 20")
    assert first < second
    assert "could not reach this server; trying the next one" in out
    assert "result: delivered" in out


def test_address_target_json_lists_attempts(postfix: PostfixServer, dns: NsdServer) -> None:
    recipient = postfix.address("bob")
    run = run_check(*_args(recipient, postfix, dns, "--to", recipient, "--json"))
    assert run.code == 0, run.output
    document = run.json()
    assert document["target"] == recipient
    assert document["peer"] == {"address": "127.0.0.1", "port": postfix.port}
    attempts = document["attempts"]
    assert isinstance(attempts, list) and len(attempts) == 2
    assert attempts[0]["server"].startswith("mx1.ehlo.test") and attempts[0]["error"]
    assert attempts[1]["error"] is None


def test_no_mx_uses_the_domains_own_address(postfix: PostfixServer, dns: NsdServer) -> None:
    run = run_check(*_args("@implicit.test", postfix, dns, "--quit-after", "ehlo"))
    assert run.code == 0, run.output
    assert "no MX records: the domain's own address" in run.stdout


@pytest.mark.parametrize(
    ("target", "fragment"),
    [
        ("@nullmx.test", "null MX"),
        ("@missing.ehlo.test", "does not exist"),
        ("@dangling.test", "nowhere.dangling.test"),
    ],
)
def test_domains_without_a_server_exit_3(
    postfix: PostfixServer, dns: NsdServer, target: str, fragment: str
) -> None:
    run = run_check(*_args(target, postfix, dns, "--quit-after", "connect"))
    assert run.code == 3, run.output
    assert fragment in run.stderr
    assert "Traceback" not in run.output
    as_json = run_check(*_args(target, postfix, dns, "--quit-after", "connect", "--json"))
    assert as_json.code == 3
    error = as_json.json()["error"]
    assert isinstance(error, dict) and error["kind"] == "resolve" and fragment in error["message"]
