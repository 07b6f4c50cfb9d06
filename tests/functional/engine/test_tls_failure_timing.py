"""A failed TLS handshake closes the connection at once: no extra wait after the error."""

from __future__ import annotations

import asyncio
import subprocess
import time
from pathlib import Path

import pytest

from ehlo.smtp.events import Closed, ErrorEvent
from ehlo.smtp.options import ConnectOptions, Timeouts
from ehlo.smtp.session import Session
from ehlo.smtp.transaction import DeliveryPlan, run_transaction
from tests.fixtures.hostile_server import hostile_server

TIMEOUT = 0.4


async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Accepts the connection and never says anything (nor answers a ClientHello)."""
    await asyncio.sleep(3600)


@pytest.mark.parametrize(
    ("behaviour", "tls", "kind"),
    [(silent, "implicit", "timeout"), ("tls-handshake-failure", "starttls", "tls")],
)
async def test_failed_handshake_ends_within_its_timeout(
    behaviour: object, tls: str, kind: str
) -> None:
    async with hostile_server(behaviour) as port:  # type: ignore[arg-type]
        options = ConnectOptions(
            "127.0.0.1", port, tls=tls, verify="report", timeouts=Timeouts.uniform(TIMEOUT)
        )  # type: ignore[arg-type]
        session = Session(options)
        started = time.monotonic()
        events = [
            e async for e in run_transaction(session, DeliveryPlan("a@x.test", ("b@x.test",)))
        ]
        elapsed = time.monotonic() - started
    assert [e.kind for e in events if isinstance(e, ErrorEvent)] == [kind]
    assert isinstance(events[-1], Closed)
    assert elapsed < TIMEOUT + 0.6, elapsed  # not the extra second close() used to wait


async def test_encrypted_client_key_is_refused_without_a_prompt(tmp_path: Path) -> None:
    key, certificate = tmp_path / "client.key", tmp_path / "client.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
         "-subj", "/CN=client", "-days", "1", "-passout", "pass:secret-pass",
         "-keyout", str(key), "-out", str(certificate)],
        check=True, capture_output=True,
    )  # fmt: skip
    async with hostile_server(silent) as port:
        options = ConnectOptions(
            "127.0.0.1",
            port,
            tls="implicit",
            client_cert=str(certificate),
            client_key=str(key),
            timeouts=Timeouts.uniform(TIMEOUT),
        )
        session = Session(options)
        events = [e async for e in session.connect()]
    error = next(e for e in events if isinstance(e, ErrorEvent))
    assert error.kind == "tls" and "passphrase" in error.message
