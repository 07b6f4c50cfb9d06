"""`ehlo sandbox`: run the built-in SMTP server with a scenario until Ctrl-C."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import ipaddress
import logging
import signal
import ssl
import sys
import threading
import time

import click

from ehlo.commands.options import not_nan
from ehlo.fixes import shell_join
from ehlo.sandbox import (
    DEMO_MAILBOXES,
    DEMO_PASSWORD,
    DEMO_SENDER,
    DEMO_USER,
    SCENARIOS,
    ListenError,
    Sandbox,
    SandboxOptions,
)

EPILOG = """\b
Examples:
  ehlo sandbox                          # happy scenario on 127.0.0.1:2525
  ehlo sandbox --scenario greylist --port 0
  ehlo sandbox --list
"""


def is_loopback(host: str) -> bool:
    """Whether HOST names only this machine."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def silence_server_logs() -> None:
    """Keep aiosmtpd's own log lines off the terminal (the sandbox reports activity itself)."""
    mail_log = logging.getLogger("mail.log")
    mail_log.addHandler(logging.NullHandler())
    mail_log.propagate = False


def scenario_list() -> str:
    """One line per scenario: name and description."""
    width = max(len(name) for name in SCENARIOS)
    return "\n".join(
        f"{name.ljust(width)}  {scenario.description}" for name, scenario in SCENARIOS.items()
    )


def check_example(address: str) -> str:
    """An `ehlo check` command that runs a transaction against the sandbox."""
    words = ["ehlo", "check", address, "--from", DEMO_SENDER, "--to", DEMO_MAILBOXES[0]]
    return shell_join([*words, "--no-verify"])


def describe(sandbox: Sandbox) -> str:
    """What a user needs to connect: addresses, scenario, credentials, certificate."""
    fingerprint = hashlib.sha256(ssl.PEM_cert_to_DER_cert(sandbox.certificate_pem)).hexdigest()
    lines = [
        f"ehlo sandbox: scenario {sandbox.scenario.name}: {sandbox.scenario.description}",
        f"  SMTP         {sandbox.address} (ESMTP, STARTTLS)",
    ]
    if sandbox.implicit_tls_port is not None:
        host = f"[{sandbox.host}]" if ":" in sandbox.host else sandbox.host
        lines.append(f"  SMTPS        {host}:{sandbox.implicit_tls_port} (implicit TLS)")
    lines += [
        f"  login        {DEMO_USER} / {DEMO_PASSWORD} (PLAIN, LOGIN, CRAM-MD5, after TLS)",
        f"  sender       {DEMO_SENDER}",
        f"  mailboxes    {', '.join(DEMO_MAILBOXES)}",
        f"  certificate  SHA-256 {fingerprint[:32]}... (self-signed unless --tls-cert)",
        "  messages are kept in memory and never relayed",
        "",
        f"Try: {check_example(_reachable_address(sandbox))}",
        "Press Ctrl-C to stop.",
    ]
    return "\n".join(lines)


def _reachable_address(sandbox: Sandbox) -> str:
    """The address a local client should use (loopback instead of a wildcard address)."""
    if sandbox.host in ("0.0.0.0", ""):
        return f"127.0.0.1:{sandbox.port}"
    if sandbox.host == "::":
        return f"[::1]:{sandbox.port}"
    return sandbox.address


def _ssl_reason(error: Exception) -> str:
    """An SSL library error in words: a key that is not the certificate's is the usual one."""
    if isinstance(error, ssl.SSLError) and error.reason == "KEY_VALUES_MISMATCH":
        return "the key does not belong to the certificate"
    if isinstance(error, ssl.SSLError):
        return f"OpenSSL refused the certificate or key ({error.reason or error})"
    return str(error)


def _print_activity(line: str) -> None:
    click.echo(f"{time.strftime('%H:%M:%S')} {line}")


def _stop_on_eof(loop: asyncio.AbstractEventLoop, stop: asyncio.Event) -> None:
    """Set STOP once standard input closes (the parent process ended or let go)."""

    def wait_for_eof() -> None:
        with contextlib.suppress(OSError, ValueError):
            while sys.stdin.buffer.read(4096):
                pass
        with contextlib.suppress(RuntimeError):  # the loop may be closed already
            loop.call_soon_threadsafe(stop.set)

    threading.Thread(target=wait_for_eof, name="stdin-eof", daemon=True).start()


async def _serve(sandbox: Sandbox, print_port: bool = False, stop_on_eof: bool = False) -> None:
    """Run SANDBOX until SIGINT or SIGTERM (or the end of standard input, when asked)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signal_number in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signal_number, stop.set)
    if stop_on_eof:
        _stop_on_eof(loop, stop)
    await sandbox.start()
    try:
        click.echo(str(sandbox.port) if print_port else describe(sandbox))
        sys.stdout.flush()
        await stop.wait()
    finally:
        await sandbox.stop()


@click.command(
    "sandbox",
    epilog=EPILOG,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.option(
    "--host", default="127.0.0.1", show_default=True, metavar="ADDR", help="Address to listen on."
)
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    metavar="PORT",
    default=2525,
    show_default=True,
    help="SMTP port; 0 picks a free one.",
)
@click.option(
    "--scenario",
    type=click.Choice(list(SCENARIOS)),
    default="happy",
    show_default=True,
    metavar="NAME",
    help="The server behaviour to play (see --list).",
)
@click.option("--list", "list_only", is_flag=True, help="List the scenarios and exit.")
@click.option(
    "--tls-cert",
    type=click.Path(exists=True, dir_okay=False),
    help="PEM certificate (default: a self-signed one made at start).",
)
@click.option("--tls-key", type=click.Path(exists=True, dir_okay=False), help="PEM private key.")
@click.option(
    "--implicit-tls-port",
    type=click.IntRange(0, 65535),
    metavar="PORT",
    help="Also listen with implicit TLS (SMTPS) on this port; 0 picks a free one.",
)
@click.option(
    "--greylist-delay",
    type=click.FloatRange(min=0),
    metavar="SECONDS",
    default=SandboxOptions().greylist_delay,
    show_default=True,
    help="Seconds before the greylist scenario accepts a retry.",
    callback=not_nan,
)
@click.option("--quiet", is_flag=True, help="Do not print a line per connection and message.")
@click.option(
    "--print-port",
    is_flag=True,
    help="Once listening, print only the SMTP port on a line of its own (for scripts).",
)
@click.option(
    "--stop-on-eof",
    is_flag=True,
    help="Also stop when standard input closes (when run by another program).",
)
def sandbox(
    *,
    host: str,
    port: int,
    scenario: str,
    list_only: bool,
    tls_cert: str | None,
    tls_key: str | None,
    implicit_tls_port: int | None,
    greylist_delay: float,
    quiet: bool,
    print_port: bool,
    stop_on_eof: bool,
) -> int:
    """Run the built-in SMTP server, playing a real-world scenario, until Ctrl-C."""
    if list_only:
        click.echo(scenario_list())
        return 0
    if (tls_cert is None) != (tls_key is None):
        raise click.UsageError("--tls-cert and --tls-key go together")
    if not is_loopback(host):
        click.echo(
            f"WARNING: listening on {host}, not loopback: other machines can connect, and the "
            "demo credentials are public. Use this only on a network you trust.",
            err=True,
        )
    silence_server_logs()
    server = Sandbox(
        scenario,
        host=host,
        port=port,
        implicit_tls_port=implicit_tls_port,
        tls_cert=tls_cert,
        tls_key=tls_key,
        options=SandboxOptions(greylist_delay=greylist_delay),
        on_event=None if quiet else _print_activity,
    )
    try:
        asyncio.run(_serve(server, print_port, stop_on_eof))
    except KeyboardInterrupt:
        pass
    except (ValueError, ssl.SSLError) as error:  # SSLError first: it is an OSError too
        raise click.ClickException(f"cannot use the certificate: {_ssl_reason(error)}") from None
    except ListenError as error:
        option = "--port" if error.port == port else "--implicit-tls-port"
        hint = f" (try {option} 0 for a free port)" if error.port else ""
        raise click.ClickException(f"{error}{hint}") from None
    except OSError as error:
        raise click.ClickException(
            f"cannot start the sandbox: {error.strerror or error}"
            + (f" ({error.filename})" if error.filename else "")
        ) from None
    if not print_port:
        click.echo("Sandbox stopped.")
    return 0
