"""@domain in the connect bar: MX hosts from a real nsd, picked in a dialog, then connected."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, OptionList

from ehlo.app.app import EhloApp
from ehlo.app.screens.mx_picker import MxPickScreen
from ehlo.sandbox import Sandbox
from tests.fixtures.nsd import NsdServer, nsd_server  # noqa: F401

from .conftest import sandbox_app, screen_of, settle, transcript_text, wait_for

pytestmark = [pytest.mark.nsd, pytest.mark.slow]

# Both MX names reach the sandbox on 127.0.0.1 through the system's own lookup (/etc/hosts and
# an address literal), so the session itself never needs the test DNS server.
TWO_MX = {"example.test": "@ MX 20 localhost.\n@ MX 10 127.0.0.1.\n"}
ONE_MX = {"example.test": "@ MX 10 127.0.0.1.\n"}


def _app(nsd: NsdServer, settings_path: Path, sandbox_port: int) -> EhloApp:
    settings_path.write_text(f'[dns]\nresolver = "{nsd.host}:{nsd.port}"\n', encoding="utf-8")
    return sandbox_app(
        sandbox_port, settings_path, tls_mode="none", username=None, autoconnect=False
    )


async def _connect_to_domain(
    pilot: Pilot[None], app: EhloApp, port: int | None, target: str = "@example.test"
) -> None:
    """Type TARGET (and the sandbox's port, when given) into the connect bar, then connect."""
    screen = screen_of(app)
    screen.query_one("#target", Input).value = target
    if port is not None:
        screen.query_one("#port", Input).value = str(port)
    screen.action_reconnect()
    await pilot.pause()


@pytest.mark.parametrize(("keys", "expected"), [((), "127.0.0.1"), (("down",), "localhost")])
async def test_several_mx_hosts_are_offered_most_preferred_first(
    nsd_server: Callable[[dict[str, str]], NsdServer],  # noqa: F811
    settings_path: Path,
    keys: tuple[str, ...],
    expected: str,
) -> None:
    nsd = nsd_server(TWO_MX)
    async with Sandbox("happy") as sandbox:
        app = _app(nsd, settings_path, sandbox.port)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await _connect_to_domain(pilot, app, sandbox.port)
            await wait_for(pilot, lambda: isinstance(app.screen, MxPickScreen), timeout=15)
            options = app.screen.query_one(OptionList)
            labels = [str(options.get_option_at_index(i).prompt) for i in range(2)]
            assert [label.split() for label in labels] == [["10", "127.0.0.1"], ["20", "localhost"]]
            assert options.highlighted == 0
            await pilot.press(*keys, "enter")
            await pilot.pause()
            assert not isinstance(app.screen, MxPickScreen)
            screen = screen_of(app)
            assert screen.options is not None
            assert (screen.options.host, screen.options.port) == (expected, sandbox.port)
            await wait_for(pilot, lambda: "220" in transcript_text(app), timeout=15)
            assert screen.query_one("#target", Input).value == expected


async def test_escape_in_the_mx_dialog_connects_nowhere(
    nsd_server: Callable[[dict[str, str]], NsdServer],  # noqa: F811
    settings_path: Path,
) -> None:
    nsd = nsd_server(TWO_MX)
    async with Sandbox("happy") as sandbox:
        app = _app(nsd, settings_path, sandbox.port)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await _connect_to_domain(pilot, app, sandbox.port)
            await wait_for(pilot, lambda: isinstance(app.screen, MxPickScreen), timeout=15)
            await pilot.press("escape")
            await pilot.pause()
            assert not isinstance(app.screen, MxPickScreen)
            assert screen_of(app).session is None
            assert screen_of(app).query_one("#target", Input).value == "@example.test"


async def test_a_single_mx_host_connects_directly(
    nsd_server: Callable[[dict[str, str]], NsdServer],  # noqa: F811
    settings_path: Path,
) -> None:
    nsd = nsd_server(ONE_MX)
    async with Sandbox("happy") as sandbox:
        app = _app(nsd, settings_path, sandbox.port)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await _connect_to_domain(pilot, app, sandbox.port)
            await wait_for(pilot, lambda: "220" in transcript_text(app), timeout=15)
            assert not isinstance(app.screen, MxPickScreen)
            screen = screen_of(app)
            assert screen.options is not None
            assert screen.options.host == "127.0.0.1"


async def test_a_port_given_with_the_domain_is_kept(
    nsd_server: Callable[[dict[str, str]], NsdServer],  # noqa: F811
    settings_path: Path,
) -> None:
    nsd = nsd_server(ONE_MX)
    async with Sandbox("happy") as sandbox:
        app = _app(nsd, settings_path, sandbox.port)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await _connect_to_domain(pilot, app, None, f"@example.test:{sandbox.port}")
            await wait_for(pilot, lambda: "220" in transcript_text(app), timeout=15)
            screen = screen_of(app)
            assert screen.options is not None
            assert (screen.options.host, screen.options.port) == ("127.0.0.1", sandbox.port)
            assert screen.query_one("#target", Input).value == f"127.0.0.1:{sandbox.port}"


@pytest.mark.parametrize(
    ("zone", "target", "said"),
    [
        ({"example.test": "@ MX 0 .\n"}, "@example.test", "null MX"),
        ({"example.test": "@ MX 10 127.0.0.1.\n"}, "@missing.example.test", "does not exist"),
    ],
)
async def test_a_domain_that_takes_no_mail_is_not_connected_to(
    nsd_server: Callable[[dict[str, str]], NsdServer],  # noqa: F811
    settings_path: Path,
    zone: dict[str, str],
    target: str,
    said: str,
) -> None:
    """A null MX (RFC 7505) or a domain that does not exist ends in a message, not a session."""
    nsd = nsd_server(zone)
    async with Sandbox("happy") as sandbox:
        app = _app(nsd, settings_path, sandbox.port)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await _connect_to_domain(pilot, app, sandbox.port, target)

            def told() -> bool:
                return any(said in str(n.message) for n in app._notifications)

            await wait_for(pilot, told, timeout=15)
            screen = screen_of(app)
            assert screen.session is None
            assert screen.options is None
            assert screen.query_one("#target", Input).value == target
