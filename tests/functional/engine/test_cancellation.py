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


def server_side(transport: object, server_port: int) -> bool:
    """Whether a leaked transport is the test server's end of a connection (not ours to judge)."""
    get_extra_info = getattr(transport, "get_extra_info", None)
    sockname = get_extra_info("sockname") if get_extra_info else None
    return isinstance(sockname, tuple) and len(sockname) > 1 and sockname[1] == server_port


def open_descriptors() -> int:
    """How many file descriptors this process holds (sockets included)."""
    return len(os.listdir("/proc/self/fd"))


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs /proc/self/fd")
@pytest.mark.parametrize("tls", ["starttls", "implicit"])
async def test_cancel_anywhere_then_close_leaks_nothing(pki: TestPki, tls: str) -> None:
    context = pki.server_context("valid")
    gc.collect()  # earlier tests' garbage must not be finalised (and warn) inside our window
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
    # aiosmtpd can leave its end of an abandoned STARTTLS open; only the client's ends count.
    leaks = [
        str(w.message)
        for w in caught
        if issubclass(w.category, ResourceWarning)
        and str(w.message) != "loop is closed"  # said after any late transport finaliser
        and not server_side(w.source, server.port)
    ]
    assert leaks == []
    assert open_descriptors() <= descriptors_before
