"""Equivalent commands for a transaction: swaks and openssl s_client, shell-quoted, redacted."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from ehlo.fixes import shell_join
from ehlo.smtp.address import is_ip
from ehlo.smtp.options import ConnectOptions, Credentials

if TYPE_CHECKING:
    from ehlo.smtp.transaction import DeliveryPlan

REDACTED = "<redacted>"

QuitAfter = Literal["connect", "ehlo", "tls", "auth", "mail", "rcpt", "data"]

_QUIT_AFTER_OF_STEP: dict[str, QuitAfter] = {
    "connect": "connect",
    "ehlo": "ehlo",
    "starttls": "tls",
    "auth": "auth",
    "mail": "mail",
    "rcpt": "rcpt",
    "data": "data",
}

_SWAKS_QUIT_AFTER: dict[str, str] = {
    "connect": "banner",
    "ehlo": "first-helo",
    "tls": "helo",
    "auth": "auth",
    "mail": "mail",
    "rcpt": "rcpt",
}


@dataclass(frozen=True, slots=True)
class CommandRequest:
    """What an equivalent command needs to know about one transaction."""

    options: ConnectOptions
    sender: str
    recipients: tuple[str, ...]
    credentials: Credentials | None = None
    data_file: str | None = None
    """A message file (`-` for standard input)."""
    message: bytes | None = None
    """The message itself, when there is no file (as the app has it)."""
    subject: str | None = None
    body: str | None = None
    quit_after: QuitAfter | None = None

    @classmethod
    def from_plan(cls, options: ConnectOptions, plan: DeliveryPlan) -> CommandRequest:
        """The request for a session's options and delivery plan (as the app holds them)."""
        quit_after = _QUIT_AFTER_OF_STEP.get(plan.quit_after or "")
        return cls(
            options=options,
            sender=plan.sender,
            recipients=plan.recipients,
            credentials=plan.credentials,
            message=plan.message,
            quit_after=quit_after,
        )


def swaks_problem(request: CommandRequest, *, show_secrets: bool = False) -> str | None:
    """Why swaks cannot be given this transaction's values, or None when it can.

    swaks reads an argument that starts with `-` as one of its own options, even where a value
    is due, and splits `-x=y` into `-x y`; no quoting prevents that. It also splits --to at
    commas and reads a body of `-` from standard input.
    """
    options = request.options
    values: list[tuple[str, str | None]] = [
        ("--from", request.sender),
        *(("--to", recipient) for recipient in request.recipients),
        ("--helo", options.helo),
        ("--server-name", options.server_name),
        ("--body", request.body if request.data_file is None else None),
    ]
    if request.credentials is not None:
        values.append(("--user", request.credentials.username))
        if show_secrets:
            values.append(("the password", request.credentials.secret))
    if request.data_file is None and request.message is not None:
        values.append(("the message", request.message[:1].decode("latin-1")))
    for option, value in values:
        if value and value.startswith("-"):
            named = option if option == "the password" else f"{option} {value!r}"
            return (
                f"swaks cannot be given {named}: it reads a value that starts with "
                "'-' as one of its own options"
            )
    for recipient in request.recipients:
        if "," in recipient:
            return f"swaks cannot be given --to {recipient!r}: it splits --to at commas"
    return None


def swaks_command(request: CommandRequest, *, show_secrets: bool = False) -> str:
    """The swaks command line for the same transaction, shell-quoted, password redacted.

    Raises:
        ValueError: swaks cannot be given one of the values (the message is `swaks_problem`'s);
            callers ask `swaks_problem` first to show the reason instead.
    """
    problem = swaks_problem(request, show_secrets=show_secrets)
    if problem is not None:
        raise ValueError(problem)
    options = request.options
    words = ["swaks", "--server", options.host, "--port", str(options.port)]
    words += ["--from", request.sender or "<>"]
    words += ["--to", ",".join(request.recipients)]
    if options.helo:
        words += ["--ehlo", options.helo]
    if options.family == "ipv4":
        words.append("-4")
    elif options.family == "ipv6":
        words.append("-6")
    if options.source_address:
        words += ["--local-interface", options.source_address]
    tls_flag = {"starttls": "--tls", "opportunistic": "--tls-optional-strict", "implicit": "--tlsc"}
    if options.tls in tls_flag:
        words.append(tls_flag[options.tls])
        if options.verify == "verify":
            words.append("--tls-verify")
        if options.ca_file:
            words += ["--tls-ca-path", _path(options.ca_file)]
        if options.server_name:
            words += ["--tls-sni", options.server_name]
        if options.client_cert:
            words += ["--tls-cert", _path(options.client_cert)]
        if options.client_key:
            words += ["--tls-key", _path(options.client_key)]
    if request.credentials is not None:
        secret = request.credentials.secret if show_secrets else REDACTED
        words += [
            "--auth",
            request.credentials.mechanism,
            "--auth-user",
            request.credentials.username,
        ]
        words += ["--auth-password", secret]
    if request.data_file:
        words += [
            "--data",
            request.data_file if request.data_file == "-" else f"@{_path(request.data_file)}",
        ]
    elif request.message is not None:
        words += ["--data", _swaks_literal(request.message.decode("utf-8", errors="replace"))]
    else:
        if request.subject is not None:
            words += ["--header", f"Subject: {request.subject}"]
        if request.body is not None:
            words += ["--body", _swaks_literal(request.body)]
    swaks_stop = _SWAKS_QUIT_AFTER.get(request.quit_after or "")
    if swaks_stop:
        words += ["--quit-after", swaks_stop]
    words += ["--timeout", str(max(1, math.ceil(options.timeouts.command)))]  # whole seconds
    return shell_join(words)


def _path(path: str) -> str:
    """A file path no tool reads as something else: `./-name`, `./@name` for relative ones."""
    return f"./{path}" if path.startswith(("-", "@")) else path


def _swaks_literal(text: str) -> str:
    """Text swaks takes literally: a leading `@` would make it a file name."""
    return "@" + text if text.startswith("@") else text


def openssl_problem(options: ConnectOptions) -> str | None:
    """Why `openssl s_client` cannot repeat this session, or None when it can."""
    if options.tls == "none":
        return "openssl s_client always speaks TLS, so a session without TLS has no equivalent"
    return None


def openssl_command(options: ConnectOptions) -> str:
    """The `openssl s_client` line that opens the same TLS session by hand, shell-quoted."""
    host = f"[{options.host}]" if ":" in options.host else options.host
    words = ["openssl", "s_client", "-connect", f"{host}:{options.port}", "-crlf"]
    if options.tls != "implicit":
        words += ["-starttls", "smtp"]
        if options.helo:
            words += ["-name", options.helo]
    server_name = options.server_name or (None if is_ip(options.host.strip("[]")) else options.host)
    if server_name:
        words += ["-servername", server_name]
    if options.verify == "verify":
        words += ["-verify_return_error"]
        if server_name:
            words += ["-verify_hostname", server_name]
    if options.ca_file:
        words += ["-CAfile", _path(options.ca_file)]
    if options.client_cert:
        words += ["-cert", _path(options.client_cert)]
    if options.client_key:
        words += ["-key", _path(options.client_key)]
    if options.family == "ipv4":
        words.append("-4")
    elif options.family == "ipv6":
        words.append("-6")
    return shell_join(words)
