"""The mta-sts check against nsd and a loopback HTTPS server with a trustme certificate."""

from __future__ import annotations

import asyncio
import ssl
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
import trustme

from ehlo.dnsauth.context import AuditContext
from ehlo.dnsauth.mta_sts import check_mta_sts
from ehlo.dnsauth.mta_sts_policy import FetchOptions, fetch_options
from ehlo.dnsauth.resolver import DnsResolver
from tests.fixtures.nsd import NsdServer

pytestmark = pytest.mark.nsd

GOOD_POLICY = (
    "version: STSv1\r\nmode: enforce\r\nmx: mx1.example.test\r\nmx: *.example.test\r\n"
    "max_age: 604800\r\n"
)


@dataclass
class Reply:
    status: int = 200
    body: bytes = GOOD_POLICY.encode()
    content_type: str = "text/plain"
    hang: bool = False
    extra: str = ""
    raw: bytes | None = None


class PolicyServer:
    """A loopback HTTPS server answering every request with `reply`."""

    def __init__(self, certificate_name: str) -> None:
        self.ca = trustme.CA()
        self.server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.ca.issue_cert(certificate_name).configure_cert(self.server_context)
        self.client_context = ssl.create_default_context()
        self.ca.configure_trust(self.client_context)
        self.reply = Reply()
        self.requests: list[bytes] = []
        self.port = 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            request = await reader.readuntil(b"\r\n\r\n")
            self.requests.append(request)
            if self.reply.hang:
                await asyncio.sleep(30)
            if self.reply.raw is not None:
                writer.write(self.reply.raw)
                await writer.drain()
                return
            head = (
                f"HTTP/1.0 {self.reply.status} X\r\nContent-Type: {self.reply.content_type}\r\n"
                f"{self.reply.extra}Content-Length: {len(self.reply.body)}\r\n\r\n"
            )
            writer.write(head.encode() + self.reply.body)
            await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError, ssl.SSLError):
            pass
        finally:
            writer.close()


async def serve(certificate_name: str) -> tuple[PolicyServer, asyncio.Server]:
    policy_server = PolicyServer(certificate_name)
    server = await asyncio.start_server(
        policy_server.handle, "127.0.0.1", 0, ssl=policy_server.server_context
    )
    policy_server.port = server.sockets[0].getsockname()[1]
    return policy_server, server


@pytest.fixture
async def policy_server() -> AsyncIterator[PolicyServer]:
    policy, server = await serve("mta-sts.example.test")
    token = fetch_options.set(
        FetchOptions(port=policy.port, ssl_context=policy.client_context, timeout=1.0)
    )
    try:
        yield policy
    finally:
        fetch_options.reset(token)
        server.close()


def resolver_for(server: NsdServer) -> DnsResolver:
    return DnsResolver(server.host, server.port, timeout=2)


async def test_enforced_policy_covering_every_mx(
    rich_nsd: NsdServer, policy_server: PolicyServer
) -> None:
    result = await check_mta_sts(resolver_for(rich_nsd), AuditContext("example.test"))
    assert result.status == "pass", result
    assert result.details["record"] == "v=STSv1; id=20240101T000000"
    assert result.details["policy"] == {
        "version": "STSv1",
        "mode": "enforce",
        "mx": ["mx1.example.test", "*.example.test"],
        "max_age": 604800,
    }
    assert [(m["host"], m["pattern"]) for m in result.details["mx_matches"]] == [
        ("mx1.example.test", "mx1.example.test"),
        ("mx2.example.test", "*.example.test"),
    ]
    assert b"Host: mta-sts.example.test" in policy_server.requests[0]


@pytest.mark.parametrize(("mode", "status"), [("enforce", "fail"), ("testing", "warn")])
async def test_mx_not_covered(
    rich_nsd: NsdServer, policy_server: PolicyServer, mode: str, status: str
) -> None:
    policy_server.reply.body = (
        f"version: STSv1\nmode: {mode}\nmx: mx1.example.test\nmax_age: 604800\n".encode()
    )
    result = await check_mta_sts(resolver_for(rich_nsd), AuditContext("example.test"))
    assert result.status == status
    assert "mx2.example.test not covered" in result.summary
    assert result.fixes[-1].command == "mx: mx2.example.test"


async def test_invalid_policy(rich_nsd: NsdServer, policy_server: PolicyServer) -> None:
    policy_server.reply.body = b"version: STSv2\nmode: always\nmax_age: forever\n"
    policy_server.reply.content_type = "text/html"
    result = await check_mta_sts(resolver_for(rich_nsd), AuditContext("example.test"))
    assert result.status == "fail"
    problems = " ".join(result.details["problems"])
    for expected in ("version must be STSv1", "mode must be", "max_age must be", "text/html"):
        assert expected in problems


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        (Reply(status=404, body=b"no"), "HTTP status 404"),
        (
            Reply(status=301, body=b"", extra="Location: https://elsewhere.test/\r\n"),
            "redirects are not followed",
        ),
        (Reply(body=b"x" * (70 * 1024)), "larger than 64 KiB"),
        (Reply(raw=b"SSH-2.0-OpenSSH\r\n\r\n"), "not HTTP"),
        (Reply(raw=b"\xff\xfe garbage without any header end"), "not HTTP"),
        (Reply(raw=b""), "not HTTP"),
    ],
)
async def test_fetch_failures(
    rich_nsd: NsdServer, policy_server: PolicyServer, reply: Reply, expected: str
) -> None:
    policy_server.reply = reply
    result = await check_mta_sts(resolver_for(rich_nsd), AuditContext("example.test"))
    assert result.status == "fail"
    assert expected in result.summary
    assert (
        result.fixes[0].command == "curl -sSv https://mta-sts.example.test/.well-known/mta-sts.txt"
    )


async def test_fetch_timeout(rich_nsd: NsdServer, policy_server: PolicyServer) -> None:
    policy_server.reply.hang = True
    started = time.monotonic()
    result = await check_mta_sts(resolver_for(rich_nsd), AuditContext("example.test"))
    assert time.monotonic() - started < 3
    assert result.status == "fail"
    assert "within 1 s" in result.summary


async def test_certificate_for_another_name_is_refused(rich_nsd: NsdServer) -> None:
    policy, server = await serve("other.example.test")
    token = fetch_options.set(
        FetchOptions(port=policy.port, ssl_context=policy.client_context, timeout=2)
    )
    try:
        result = await check_mta_sts(resolver_for(rich_nsd), AuditContext("example.test"))
    finally:
        fetch_options.reset(token)
        server.close()
    assert result.status == "fail"
    assert "certificate not valid for mta-sts.example.test" in result.summary


async def test_untrusted_certificate_is_refused(
    rich_nsd: NsdServer, policy_server: PolicyServer
) -> None:
    token = fetch_options.set(FetchOptions(port=policy_server.port, timeout=2))
    try:
        result = await check_mta_sts(resolver_for(rich_nsd), AuditContext("example.test"))
    finally:
        fetch_options.reset(token)
    assert result.status == "fail"
    assert "certificate" in result.summary


async def test_no_record_garbage_and_two_records(rich_nsd: NsdServer, nsd_server) -> None:
    resolver = resolver_for(rich_nsd)
    none = await check_mta_sts(resolver, AuditContext("nomx.test"))
    assert none.status == "info"
    assert none.fixes[0].command.startswith('_mta-sts.nomx.test. IN TXT "v=STSv1;')
    garbage = await check_mta_sts(resolver, AuditContext("garbage.test"))
    assert garbage.status == "fail"
    assert "id must be 1-32 letters and digits" in garbage.summary
    server = nsd_server(
        {"two.test": '_mta-sts TXT "v=STSv1; id=1"\n_mta-sts TXT "v=STSv1; id=2"\n'}
    )
    two = await check_mta_sts(resolver_for(server), AuditContext("two.test"))
    assert two.status == "fail"
    assert two.summary.startswith("2 MTA-STS records")
