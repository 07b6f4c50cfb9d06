"""STARTTLS and implicit TLS against a real server, with certificates from a test CA (trustme)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from ehlo.smtp.events import Closed, ErrorEvent, Received, Sent, TlsUpgraded
from ehlo.smtp.session import Session
from ehlo.smtp.transaction import DeliveryPlan, run_transaction
from tests.fixtures.certs import SERVER_NAME, TestPki
from tests.fixtures.smtp_server import smtp_server

from .conftest import collect, options_for

PLAN = DeliveryPlan("a@ehlo.test", ("b@ehlo.test",))

EXPECTED_VERIFY_ERROR = {
    "expired": "expired",
    "wrong-host": "hostname mismatch",
    "self-signed": "self-signed",
}


async def _deliver(pki: TestPki, kind: str, tls: str, verify: str) -> tuple[Session, list, object]:
    implicit = tls == "implicit"
    async with smtp_server(tls_context=pki.server_context(kind), implicit_tls=implicit) as server:
        options = options_for(
            server.port, tls=tls, verify=verify, server_name=SERVER_NAME, ca_file=str(pki.ca_file)
        )
        session = Session(options)
        events = [event async for event in run_transaction(session, PLAN)]
    return session, events, server


@pytest.mark.parametrize("tls", ["starttls", "implicit"])
@pytest.mark.parametrize("verify", ["verify", "report"])
async def test_valid_certificate(pki: TestPki, tls: str, verify: str) -> None:
    session, events, server = await _deliver(pki, "valid", tls, verify)
    upgraded = [e for e in events if isinstance(e, TlsUpgraded)]
    assert len(upgraded) == 1
    facts = upgraded[0].facts
    assert facts.verified and facts.verify_error is None and facts.hostname_matches
    assert facts.hostname == SERVER_NAME
    assert facts.version.startswith("TLSv1.")
    leaf = facts.chain[0]
    assert SERVER_NAME in leaf.sans and "127.0.0.1" in leaf.sans
    assert leaf.key_type.startswith("EC") and leaf.key_bits == 256
    assert len(leaf.sha256) == 64 and len(leaf.spki_sha256) == 64
    assert leaf.days_left >= 0 and leaf.not_after > datetime.now(UTC)
    assert "ecdsa-with-SHA256" in leaf.signature_algorithm
    assert session.tls == facts
    json.dumps(upgraded[0].to_dict())
    assert server.handler.messages, "the message was delivered over TLS"
    if tls == "starttls":
        verbs = [e.line.split(" ")[0] for e in events if isinstance(e, Sent)]
        assert verbs[:3] == ["EHLO", "STARTTLS", "EHLO"]
    else:
        assert events.index(upgraded[0]) == 1, "TLS comes right after the connection"


@pytest.mark.parametrize("kind", ["expired", "wrong-host", "self-signed"])
@pytest.mark.parametrize("tls", ["starttls", "implicit"])
async def test_bad_certificate_in_verify_mode_is_refused(pki: TestPki, kind: str, tls: str) -> None:
    _, events, server = await _deliver(pki, kind, tls, "verify")
    errors = [e for e in events if isinstance(e, ErrorEvent)]
    assert len(errors) == 1
    error = errors[0]
    assert error.kind == "tls" and error.stage == ("starttls" if tls == "starttls" else "connect")
    assert EXPECTED_VERIFY_ERROR[kind] in error.message.lower()
    assert "report mode" in error.message
    assert ".;" not in error.message and "..;" not in error.message
    assert isinstance(events[-1], Closed) and events[-1].by == "error"
    assert not any(isinstance(e, TlsUpgraded) for e in events)
    assert server.handler.messages == []


@pytest.mark.parametrize("kind", ["expired", "wrong-host", "self-signed"])
@pytest.mark.parametrize("tls", ["starttls", "implicit"])
async def test_bad_certificate_in_report_mode_connects_and_says_why(
    pki: TestPki, kind: str, tls: str
) -> None:
    _, events, server = await _deliver(pki, kind, tls, "report")
    assert not any(isinstance(e, ErrorEvent) for e in events)
    (upgraded,) = [e for e in events if isinstance(e, TlsUpgraded)]
    facts = upgraded.facts
    assert not facts.verified
    assert facts.verify_error is not None
    assert EXPECTED_VERIFY_ERROR[kind] in facts.verify_error.lower()
    assert facts.hostname_matches == (kind != "wrong-host")
    if kind == "expired":
        assert facts.chain[0].days_left < 0
        assert "hostname" not in facts.verify_error and "self-signed" not in facts.verify_error
    if kind == "self-signed":
        assert facts.chain[0].subject == facts.chain[0].issuer
    assert len(server.handler.messages) == 1


async def test_report_mode_against_the_system_store_says_untrusted(pki: TestPki) -> None:
    async with smtp_server(tls_context=pki.server_context("valid")) as server:
        session = Session(
            options_for(server.port, tls="starttls", verify="report", server_name=SERVER_NAME)
        )
        await collect(session.connect())
        await collect(session.ehlo())
        events = await collect(session.starttls())
        await session.close()
    facts = events[-1].facts  # type: ignore[union-attr]
    assert not facts.verified and facts.hostname_matches
    assert "not trusted" in facts.verify_error


async def test_starttls_required_but_not_offered() -> None:
    async with smtp_server() as server:
        session = Session(options_for(server.port, tls="starttls"))
        events = [event async for event in run_transaction(session, PLAN)]
    error = next(e for e in events if isinstance(e, ErrorEvent))
    assert error.stage == "starttls" and error.kind == "tls"
    assert "does not offer" in error.message
    assert [e.line for e in events if isinstance(e, Sent)][-1] == "QUIT"
    assert server.handler.messages == []


async def test_opportunistic_without_starttls_goes_on_in_clear() -> None:
    async with smtp_server() as server:
        session = Session(options_for(server.port, tls="opportunistic"))
        events = [event async for event in run_transaction(session, PLAN)]
    assert not any(isinstance(e, ErrorEvent | TlsUpgraded) for e in events)
    assert len(server.handler.messages) == 1


async def test_client_certificate_is_presented(pki: TestPki) -> None:
    cert_path, key_path = pki.client_cert_files()
    context = pki.server_context("valid")
    context.load_verify_locations(cafile=str(pki.ca_file))
    import ssl

    context.verify_mode = ssl.CERT_REQUIRED
    async with smtp_server(tls_context=context, implicit_tls=True) as server:
        options = options_for(
            server.port,
            tls="implicit",
            server_name=SERVER_NAME,
            ca_file=str(pki.ca_file),
            client_cert=str(cert_path),
            client_key=str(key_path),
        )
        session = Session(options)
        events = [event async for event in run_transaction(session, PLAN)]
    assert not any(isinstance(e, ErrorEvent) for e in events)
    assert len(server.handler.messages) == 1


async def test_missing_client_certificate_file_is_a_tls_error(pki: TestPki, tmp_path) -> None:
    async with smtp_server(tls_context=pki.server_context("valid"), implicit_tls=True) as server:
        options = options_for(
            server.port, tls="implicit", client_cert=str(tmp_path / "missing.pem")
        )
        session = Session(options)
        events = await collect(session.connect())
    error = next(e for e in events if isinstance(e, ErrorEvent))
    assert error.kind == "tls" and "client certificate" in error.message
    assert not session.is_connected


async def test_received_after_tls_is_encrypted_reply(pki: TestPki) -> None:
    async with smtp_server(tls_context=pki.server_context("valid")) as server:
        session = Session(
            options_for(
                server.port, tls="starttls", server_name=SERVER_NAME, ca_file=str(pki.ca_file)
            )
        )
        events = [event async for event in run_transaction(session, PLAN, stop_at="starttls")]
        assert session.is_connected and session.tls is not None
        assert session.extensions is not None and not session.extensions.starttls
        last = events[-1]
        assert isinstance(last, Received) and last.stage == "ehlo"
        await session.close()


async def test_data_injected_before_tls_is_discarded_and_reported(pki: TestPki) -> None:
    server_context = pki.server_context("valid")

    async def injector(reader, writer) -> None:  # type: ignore[no-untyped-def]
        writer.write(b"220 inject.ehlo.test ESMTP\r\n")
        await reader.readline()
        writer.write(b"250-inject.ehlo.test\r\n250 STARTTLS\r\n")
        await reader.readline()
        writer.write(b"220 go ahead\r\n250 injected reply\r\n")
        await writer.drain()
        await writer.start_tls(server_context)
        while line := await reader.readline():
            if line.upper().startswith(b"QUIT"):
                writer.write(b"221 bye\r\n")
                await writer.drain()
                break
            writer.write(b"250 ok after tls\r\n")
            await writer.drain()
        writer.close()

    from tests.fixtures.hostile_server import hostile_server

    async with hostile_server(injector) as port:
        session = Session(
            options_for(port, tls="starttls", server_name=SERVER_NAME, ca_file=str(pki.ca_file))
        )
        await collect(session.connect())
        await collect(session.ehlo())
        events = await collect(session.starttls())
        after = await collect(session.noop())
        await collect(session.quit())
    violations = [e for e in events if e.__class__.__name__ == "ProtocolViolation"]
    assert violations and "injection" in violations[0].message  # type: ignore[union-attr]
    assert isinstance(events[-1], TlsUpgraded)
    assert after[-1].reply.texts == ("ok after tls",)  # type: ignore[union-attr]


@pytest.mark.parametrize("tls", ["starttls", "implicit"])
async def test_sni_carries_the_server_name(pki: TestPki, tls: str) -> None:
    seen: list[str | None] = []
    context = pki.server_context("valid")
    context.sni_callback = lambda _obj, name, _ctx: seen.append(name)  # type: ignore[assignment,misc,return-value]
    async with smtp_server(tls_context=context, implicit_tls=tls == "implicit") as server:
        session = Session(
            options_for(server.port, tls=tls, server_name=SERVER_NAME, ca_file=str(pki.ca_file))
        )
        events = [event async for event in run_transaction(session, PLAN, stop_at="starttls")]
        await session.close()
    assert seen == [SERVER_NAME]
    assert any(isinstance(e, TlsUpgraded) for e in events)
