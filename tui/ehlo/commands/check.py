"""`ehlo check`: one SMTP transaction from the command line, every reply explained.

Only click and the core are imported here (never Textual or Rich), and the engine itself is
imported when the command runs, so that `ehlo --help` stays fast.
"""

from __future__ import annotations

import ipaddress
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ehlo.smtp.options import MECHANISMS

if TYPE_CHECKING:
    from ehlo.commands.check_request import CheckRequest

TLS_CHOICES = ("auto", "starttls", "implicit", "none")
QUIT_AFTER = ("connect", "ehlo", "tls", "auth", "mail", "rcpt", "data")
_NEEDS_NO_ENVELOPE = ("connect", "ehlo", "tls", "auth")
MAX_MESSAGE_BYTES = 100 * 2**20
"""The largest --data message read (servers refuse far smaller ones; this keeps memory bounded)."""
MAX_PASSWORD_FILE_BYTES = 64 * 1024

EPILOG = """\b
TARGET is host, host:port, [IPv6]:port, @domain or an address (the domain's
MX hosts are tried, lowest preference first).

\b
Exit status: 0 delivered (or stopped where --quit-after said), 1 transient
failure (4xx), 2 permanent failure (5xx), 3 could not connect, TLS failed or
timed out, 64 usage error.

\b
Examples:
  ehlo check mx.example.com --from me@example.org --to you@example.com
  ehlo check @example.com --to you@example.com --from me@example.org --quit-after rcpt
  ehlo check smtp.example.com:587 --tls starttls --auth PLAIN --user me \\
      --password-env SMTP_PASSWORD --from me@example.com --to you@example.org
  ehlo check mx.example.com --no-verify --quit-after tls   # inspect a bad certificate
  ehlo check mx.example.com --from me@example.org --to you@example.com --data mail.eml --json
"""


def _fail_usage(message: str) -> None:
    raise click.UsageError(message)


def _utf8(value: str | None, option: str, *, secret: bool = False) -> str | None:
    """VALUE when it is text; bytes that are not UTF-8 (in argv or the environment) are refused."""
    if value is None:
        return None
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        shown = "the value" if secret else repr(value)
        _fail_usage(f"{option}: {shown} is not valid UTF-8 text")
    return value


def _sends_readable_secret(mechanism: str) -> bool:
    """Whether the mechanism puts the secret (or its base64) on the wire."""
    from ehlo.smtp.transaction import CLEARTEXT_MECHANISMS

    return mechanism in CLEARTEXT_MECHANISMS


def _read_password(password_env: str | None, password_file: Path | None) -> str | None:
    """The secret from the environment or a file; None when neither was given."""
    if password_env is not None and password_file is not None:
        _fail_usage("give either --password-env or --password-file, not both")
    if password_env is not None:
        value = os.environ.get(password_env)
        if value is None:
            _fail_usage(f"--password-env: the environment variable {password_env} is not set")
        return _utf8(value, f"--password-env: ${password_env}", secret=True)
    if password_file is not None:
        try:
            with password_file.open("rb") as file:
                content = file.read(MAX_PASSWORD_FILE_BYTES + 1)
            if len(content) > MAX_PASSWORD_FILE_BYTES:
                _fail_usage(
                    f"--password-file: {password_file} is larger than "
                    f"{MAX_PASSWORD_FILE_BYTES // 1024} KiB; give a file with the password on its "
                    "first line"
                )
            text = content.decode("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
            raise click.UsageError(
                f"--password-file: cannot read {password_file}: {reason}"
            ) from None
        return text.splitlines()[0] if text.splitlines() else ""
    return None


def _read_message(data: str | None) -> bytes | None:
    """The message from --data FILE (or `-` for standard input), at most MAX_MESSAGE_BYTES."""
    if data is None:
        return None
    if data == "-":
        if sys.stdin.isatty():
            _fail_usage("--data -: standard input is a terminal; pipe the message in")
        message = sys.stdin.buffer.read(MAX_MESSAGE_BYTES + 1)
    else:
        try:
            with Path(data).open("rb") as file:
                message = file.read(MAX_MESSAGE_BYTES + 1)
        except OSError as exc:
            raise click.UsageError(f"--data: cannot read {data}: {exc.strerror}") from None
    if len(message) > MAX_MESSAGE_BYTES:
        _fail_usage(
            f"--data: {'standard input' if data == '-' else data} is larger than "
            f"{MAX_MESSAGE_BYTES // 2**20} MiB, more than any mail server accepts"
        )
    return message


def _check_ca_file(path: Path) -> None:
    """Refuse a --ca-file that holds no certificate, before connecting anywhere."""
    import ssl

    try:
        ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT).load_verify_locations(cafile=str(path))
    except (ssl.SSLError, OSError) as exc:
        reason = getattr(exc, "reason", None) or getattr(exc, "strerror", None) or exc
        _fail_usage(f"--ca-file: {path} holds no usable PEM certificate ({reason})")


def _nonempty_message(
    message: bytes | None, data: str | None, quit_after: str | None
) -> bytes | None:
    """The message, refused when empty and the check is going to send it."""
    if message is not None and not message.strip() and quit_after in (None, "data"):
        source = "standard input was" if data == "-" else f"{data} is"
        _fail_usage(
            f"--data: {source} empty, so there is no message to send; give a message, "
            "or use --subject/--body for a generated one"
        )
    return message


def _address(value: str | None, option: str) -> str | None:
    """An envelope address as given, refused when it could not be one."""
    if value is None:
        return None
    if any(char in value for char in "\r\n\0") or any(char.isspace() for char in value):
        _fail_usage(f"{option}: {value!r} contains spaces or line breaks")
    if value.startswith("<") and value.endswith(">"):  # as written in MAIL FROM:<...>
        value = value[1:-1]
    if "<" in value or ">" in value:
        _fail_usage(f"{option}: {value!r} has a stray < or >; give the address as user@example.com")
    if value.lower() == "postmaster":  # RFC 5321 4.5.1: the one address without a domain
        return value
    if value and ("@" not in value or value.startswith("@") or value.endswith("@")):
        _fail_usage(f"{option}: {value!r} is not an address like user@example.com")
    return value


def _one_line(value: str | None, option: str, spaces_allowed: bool = False) -> str | None:
    """A value sent on one protocol line, refused when it would break that line."""
    if value is None:
        return None
    if any(char in value for char in "\r\n\0"):
        _fail_usage(f"{option}: {value!r} contains a line break")
    if not spaces_allowed and (not value or any(char.isspace() for char in value)):
        _fail_usage(f"{option}: {value!r} must be one word without spaces")
    return value


def build_request(params: dict[str, Any]) -> CheckRequest:
    """Validate the options into a CheckRequest; usage errors raise click.UsageError."""
    from ehlo.commands.check_request import CheckRequest
    from ehlo.smtp.target import TargetError, parse_target

    try:
        target = parse_target(params["target"])
    except TargetError as exc:
        raise click.UsageError(exc.message) from None
    if target.is_ip and (params["ipv4"] or params["ipv6"]):
        wanted = 4 if params["ipv4"] else 6
        if ipaddress.ip_address(target.host).version != wanted:
            _fail_usage(f"-{wanted} cannot reach {target.host}: it is not an IPv{wanted} address")
    quit_after: str | None = params["quit_after"]
    sender = _address(_utf8(params["sender"], "--from"), "--from")
    recipients = tuple(
        _address(_utf8(value, "--to"), "--to") or "" for value in params["recipients"]
    )
    if "" in recipients:
        _fail_usage("--to: a recipient cannot be empty (only the sender can be null)")
    if quit_after not in _NEEDS_NO_ENVELOPE:
        if sender is None:
            _fail_usage("--from is required (use --from '' for the null sender)")
        if not recipients:
            _fail_usage("at least one --to is required")
    if params["data"] is not None and (params["subject"] is not None or params["body"] is not None):
        _fail_usage("--data replaces the whole message: do not combine it with --subject/--body")
    mechanism: str | None = params["auth"]
    user = _utf8(params["user"], "--user")
    secret = _read_password(params["password_env"], params["password_file"])
    if mechanism is None and (user is not None or secret is not None):
        _fail_usage("--user/--password-env/--password-file need --auth MECHANISM")
    if mechanism is not None:
        if user is None:
            _fail_usage(f"--auth {mechanism} needs --user")
        if secret is None:
            if not (sys.stdin.isatty() and sys.stderr.isatty()):
                _fail_usage(
                    f"--auth {mechanism} needs a password: give --password-env VAR or "
                    "--password-file FILE (standard input is not a terminal, so ehlo does "
                    "not prompt)"
                )
            secret = click.prompt(f"Password for {user}", hide_input=True, err=True)
    timeout: float | None = params["timeout"]
    if timeout is not None and not 0 < timeout <= 3600:
        _fail_usage("--timeout must be more than 0 and at most 3600 seconds")
    if params["resolver"] is not None:
        from ehlo.dnsauth.resolver import parse_resolver_arg

        try:
            parse_resolver_arg(params["resolver"])
        except ValueError as exc:
            raise click.UsageError(f"--resolver: {exc}") from None
    if params["ca_file"] is not None:
        _check_ca_file(params["ca_file"])
    tls: str = params["tls"]
    if tls == "none" and mechanism is not None and _sends_readable_secret(mechanism):
        click.echo(
            f"warning: --tls none: AUTH {mechanism} sends the secret readable by anyone on the "
            "path (base64 is not encryption); use --tls starttls or implicit, or CRAM-MD5",
            err=True,
        )
    if params["port"] is not None and target.port is not None:
        _fail_usage("give the port either in TARGET or with --port, not both")
    return CheckRequest(
        target=target,
        sender=sender or "",
        recipients=recipients,
        tls=tls,
        verify=params["verify"],
        ca_file=str(params["ca_file"]) if params["ca_file"] else None,
        server_name=_one_line(_utf8(params["server_name"], "--server-name"), "--server-name"),
        family="ipv4" if params["ipv4"] else "ipv6" if params["ipv6"] else "any",
        port=params["port"],
        resolver=params["resolver"],
        helo=_one_line(_utf8(params["helo"], "--helo"), "--helo"),
        mechanism=mechanism,
        user=user,
        secret=secret,
        message=_nonempty_message(_read_message(params["data"]), params["data"], quit_after),
        data_file=params["data"],
        subject=_one_line(_utf8(params["subject"], "--subject"), "--subject", spaces_allowed=True),
        body=_utf8(params["body"], "--body"),
        quit_after=quit_after,
        timeout=timeout,
        as_json=params["as_json"],
        show_secrets=params["show_secrets"],
    )


@click.command(
    "check",
    epilog=EPILOG,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.argument("target")
@click.option(
    "--from",
    "sender",
    metavar="ADDR",
    help="Envelope sender (MAIL FROM); '' for the null sender <>.",
)
@click.option(
    "--to", "recipients", metavar="ADDR", multiple=True, help="Envelope recipient; repeatable."
)
@click.option(
    "--tls",
    type=click.Choice(TLS_CHOICES, case_sensitive=False),
    default="auto",
    show_default=True,
    help="auto: STARTTLS when offered (implicit TLS on port 465); starttls: require it.",
)
@click.option(
    "--verify/--no-verify",
    default=True,
    show_default=True,
    help="Refuse a certificate that fails verification, or connect anyway and report why.",
)
@click.option(
    "--ca-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Verify against this CA bundle (PEM) instead of the system's.",
)
@click.option("--server-name", metavar="NAME", help="Name for SNI and certificate checks.")
@click.option(
    "--port",
    type=click.IntRange(1, 65535),
    metavar="P",
    help="Port (default 25; 465 for implicit).",
)
@click.option("-4", "ipv4", is_flag=True, help="Connect over IPv4 only.")
@click.option("-6", "ipv6", is_flag=True, help="Connect over IPv6 only.")
@click.option(
    "--resolver",
    metavar="HOST[:PORT]",
    help="DNS server for @domain targets (default: the system's).",
)
@click.option(
    "--helo", metavar="NAME", help="Name to send in EHLO/HELO (default: [local IP address])."
)
@click.option(
    "--auth",
    type=click.Choice(MECHANISMS, case_sensitive=False),
    metavar="[PLAIN|LOGIN|CRAM-MD5|XOAUTH2]",
    help="Authenticate with this SASL mechanism.",
)
@click.option("--user", metavar="U", help="User name for --auth.")
@click.option("--password-env", metavar="VAR", help="Read the password (or token) from $VAR.")
@click.option(
    "--password-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Read the password (or token) from the first line of a file.",
)
@click.option("--data", metavar="FILE", help="Send this file as the message (- for stdin).")
@click.option("--subject", metavar="S", help="Subject of the generated test message.")
@click.option("--body", metavar="B", help="Body of the generated test message.")
@click.option(
    "--quit-after",
    type=click.Choice(QUIT_AFTER, case_sensitive=False),
    help="Stop (with QUIT) after this step.",
)
@click.option(
    "--timeout",
    type=float,
    metavar="S",
    help="Timeout for each step, in seconds (default: 10 for DNS and to connect, 30 per reply, "
    "60 after the message).",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of text.")
@click.option(
    "--show-secrets", is_flag=True, help="Show passwords and tokens instead of redacting them."
)
@click.option(
    "--print-command",
    type=click.Choice(("swaks", "openssl")),
    help="Print the equivalent swaks or openssl s_client command and exit.",
)
def check(**params: Any) -> int:
    """Run one SMTP transaction against TARGET and explain every reply."""
    if params["ipv4"] and params["ipv6"]:
        _fail_usage("-4 and -6 exclude each other")
    params["tls"] = params["tls"].lower()
    params["quit_after"] = params["quit_after"].lower() if params["quit_after"] else None
    params["auth"] = params["auth"].upper() if params["auth"] else None
    request = build_request(params)
    from ehlo.commands import check_run

    if params["print_command"]:
        from ehlo.smtp.target import TargetError

        try:
            command = check_run.equivalent_command(request, params["print_command"])
        except TargetError as exc:  # an @domain target without a server
            click.echo(f"ehlo check: {exc.message}", err=True)
            return 3
        except ValueError as exc:
            raise click.UsageError(f"--print-command {params['print_command']}: {exc}") from None
        click.echo(command)
        return 0
    return check_run.run(request)
