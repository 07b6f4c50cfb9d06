"""Cancelling a delivery at any moment leaves nothing open once the session is closed."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import os
import warnings

import pytest

from ehlo.smtp.session import Session
from ehlo.smtp.transaction import DeliveryPlan, run_transaction
from tests.fixtures.certs import SERVER_NAME, TestPki
from tests.fixtures.smtp_server import smtp_server

from .conftest import options_for

PLAN = DeliveryPlan("a@ehlo.test", ("b@ehlo.test",))
DELAYS = (0.0, 0.002, 0.005, 0.01, 0.02, 0.04, 0.08)


def open_descriptors() -> int:
    """How many file descriptors this process holds (sockets included)."""
    return len(os.listdir("/proc/self/fd"))


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs /proc/self/fd")
@pytest.mark.parametrize("tls", ["starttls", "implicit"])
async def test_cancel_anywhere_then_close_leaks_nothing(pki: TestPki, tls: str) -> None:
    context = pki.server_context("valid")
    descriptors_before = open_descriptors()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        async with smtp_server(tls_context=context, implicit_tls=tls == "implicit") as server:
            for delay in DELAYS:
                options = options_for(
                    server.port, tls=tls, server_name=SERVER_NAME, ca_file=str(pki.ca_file)
                )
                session = Session(options)

                async def deliver(session: Session = session) -> None:
                    async for _ in run_transaction(session, PLAN):
                        pass

                task = asyncio.create_task(deliver())
                await asyncio.sleep(delay)
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
                await session.close()
                assert not session.is_connected
                await session.close()  # idempotent
        await asyncio.sleep(0.05)
        gc.collect()
    leaks = [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)]
    assert leaks == []
    assert open_descriptors() <= descriptors_before
