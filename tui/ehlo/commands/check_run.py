"""Running `ehlo check`: resolve TARGET, drive the engine, print, choose the exit code."""

from __future__ import annotations

import asyncio
import os
import sys
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal, cast

from ehlo.commands.check_request import CheckRequest
from ehlo.export import (
    EXIT_CODES,
    CommandRequest,
    Explain,
    QuitAfter,
    Result,
    basic_meaning,
    classify,
    deciding_reply,
    first_error,
    format_event,
    openssl_command,
    printable,
    swaks_command,
    to_json,
)
from ehlo.smtp.events import ErrorEvent, Event, Received
from ehlo.smtp.session import Session
from ehlo.smtp.target import Endpoint, TargetError, resolve_target
from ehlo.smtp.transaction import DeliveryPlan, default_message, run_transaction

if TYPE_CHECKING:
    from ehlo.smtp.reply import Reply
    from ehlo.smtp.transaction import Step

ENGINE_STEP: dict[str, Step] = {
    "connect": "connect",
    "ehlo": "ehlo",
    "tls": "starttls",
    "auth": "auth",
    "mail": "mail",
    "rcpt": "rcpt",
    "data": "data",
}

_CONNECT_FAILURES = frozenset({"resolve", "connect", "timeout"})

DNS_TIMEOUT = 10.0
"""Seconds for finding an @domain target's servers when --timeout is not given."""


def equivalent_command(request: CheckRequest, tool: Literal["swaks", "openssl"]) -> str:
    """The swaks or openssl command for the same transaction (password redacted by default).

    For an @domain target it talks to the server `ehlo check` would try first (DNS is asked).

    Raises:
        ValueError: the tool cannot do what was asked (a value swaks would misread, openssl
            without TLS); the message says which.
        TargetError: the @domain target has no server (kind `resolve`).
    """
    endpoint = request.first_endpoint()
    if request.target.kind == "domain":
        first = asyncio.run(_endpoints(request))[0]
        endpoint = Endpoint(first.mx_host or first.host, first.port, server_name=first.server_name)
    options = request.connect_options(endpoint)
    if tool == "openssl":
        if options.tls == "none":
            raise ValueError("openssl s_client always speaks TLS, so --tls none has no equivalent")
        return openssl_command(options)
    command = CommandRequest(
        options=options,
        sender=request.sender,
        recipients=request.recipients,
        credentials=request.credentials,
        data_file=request.data_file,
        subject=request.subject,
        body=request.body,
        quit_after=cast("QuitAfter | None", request.quit_after),
    )
    return swaks_command(command, show_secrets=request.show_secrets)  # raises ValueError


def explainer() -> Explain:
    """The knowledge base's one-line meaning when it is available, else the code class text."""
    from ehlo.knowledge import annotate

    def explain(reply: Reply, stage: str) -> str | None:
        try:
            meaning: str = annotate(reply, stage).meaning
        except Exception:  # a knowledge-base problem must not break the transcript
            return basic_meaning(reply, stage)
        return first_sentence(meaning) or basic_meaning(reply, stage)

    return explain


def first_sentence(text: str) -> str:
    """The first sentence of a text, so that each reply gets one line."""
    text = " ".join(text.split())
    end = text.find(". ")
    return text if end < 0 else text[: end + 1]


class Printer:
    """Prints events as they happen (text mode) and remembers timing."""

    def __init__(self, enabled: bool, explain: Explain | None) -> None:
        self.enabled = enabled
        self.explain = explain
        self.previous_at: float | None = time.time()
        self.previous: Event | None = None

    def line(self, text: str) -> None:
        if not self.enabled:
            return
        try:
            sys.stdout.write(printable(text) + "\n")
            sys.stdout.flush()
        except BrokenPipeError:  # the reader went away (`| head`): finish quietly
            self.enabled = False
            _silence_stdout()

    def event(self, event: Event) -> None:
        if self.enabled:
            lines = format_event(
                event, explain=self.explain, previous_at=self.previous_at, previous=self.previous
            )
            for text in lines:
                self.line(text)
        self.previous_at, self.previous = event.at, event


def _silence_stdout() -> None:
    """Point standard output at /dev/null so that nothing fails when flushing at exit."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


def _never_reached_server(events: Sequence[Event]) -> bool:
    """Whether an attempt failed before the server said anything."""
    if any(isinstance(event, Received) for event in events):
        return False
    error = first_error(events)
    return error is not None and error.kind in _CONNECT_FAILURES


async def _endpoints(request: CheckRequest) -> tuple[Endpoint, ...]:
    """The servers to try; DNS only for @domain targets, all of it within one step's timeout."""
    if request.target.kind == "host":
        return (request.first_endpoint(),)
    from ehlo.dnsauth.resolver import DnsResolver, parse_resolver_arg

    budget = request.timeout or DNS_TIMEOUT
    per_query = min(5.0, budget / 2.5)  # two attempts per query fit in the budget
    if request.resolver:
        host, port = parse_resolver_arg(request.resolver)
        resolver = DnsResolver(host, port, timeout=per_query)
    else:
        resolver = DnsResolver(timeout=per_query)
    try:
        async with asyncio.timeout(budget):
            return await resolve_target(
                request.target, resolver, request.default_port, request.family
            )
    except TimeoutError:
        raise TargetError(
            f"DNS did not tell the servers of {request.target.host} within {budget:g} s "
            f"(asking {resolver.description}); check the resolver, give another with "
            "--resolver HOST[:PORT], or connect to a host directly",
            kind="resolve",
        ) from None


async def _attempt(request: CheckRequest, endpoint: Endpoint, printer: Printer) -> list[Event]:
    """One transaction against one endpoint; returns its events."""
    options = request.connect_options(endpoint)
    session = Session(options, request.credentials, show_secrets=request.show_secrets)
    quit_after = ENGINE_STEP.get(request.quit_after or "")
    plan = DeliveryPlan(
        sender=request.sender,
        recipients=request.recipients,
        message=request.message or _generated_message(request),
        credentials=request.credentials,
        quit_after=quit_after,
        tls=options.tls,
    )
    events: list[Event] = []
    try:
        async for event in run_transaction(session, plan):
            events.append(event)
            printer.event(event)
    finally:
        await session.close()
    return events


def _generated_message(request: CheckRequest) -> bytes | None:
    """The test message with the user's subject and body, when either was given."""
    if request.subject is None and request.body is None:
        return None
    return default_message(
        request.sender, request.recipients, request.subject, request.body, request.helo
    )


def _summary(result: Result, events: Sequence[Event], elapsed_ms: float) -> str:
    """The closing line of the text output."""
    code = EXIT_CODES[result]
    last = deciding_reply(events)
    error = first_error(events)
    if result == "delivered":
        text = "delivered: the server accepted the message"
    elif result == "stopped":
        text = "stopped where --quit-after said; every reply so far was positive"
    elif result in ("transient", "permanent") and last is not None:
        text = (
            f"{result} failure at {last.stage}: {last.reply.lines[-1] if last.reply.lines else ''}"
        )
    elif error is not None:
        text = f"error at {error.stage}: {error.message}"
    else:
        text = result
    return f"result: {text} (exit {code}, {elapsed_ms:.0f} ms)"


async def _run(request: CheckRequest) -> int:
    started = time.time()
    printer = Printer(not request.as_json, None if request.as_json else explainer())
    try:
        endpoints = await _endpoints(request)
    except TargetError as exc:
        return _report_unresolved(request, exc.message, printer)
    events: list[Event] = []
    attempts: list[dict[str, object]] = []
    for index, endpoint in enumerate(endpoints):
        if request.target.kind == "domain":
            printer.line(f"trying {_describe(endpoint)}")
        printer.previous_at = time.time()
        events = await _attempt(request, endpoint, printer)
        error = first_error(events)
        attempts.append(
            {
                "server": endpoint.display,
                "error": error.message if error is not None else None,
            }
        )
        if index + 1 < len(endpoints) and _never_reached_server(events):
            printer.line("could not reach this server; trying the next one")
            continue
        break
    result = classify(events)
    if request.as_json:
        import json

        document = to_json(events, target=request.target.text, result=result)
        if request.target.kind == "domain":
            document["attempts"] = attempts
        _write(json.dumps(document, indent=2))
    else:
        printer.line(_summary(result, events, (time.time() - started) * 1000))
    return EXIT_CODES[result]


def _write(text: str) -> None:
    """Print text, quietly giving up when the reader has gone away."""
    try:
        sys.stdout.write(text + "\n")
        sys.stdout.flush()
    except BrokenPipeError:
        _silence_stdout()


def _describe(endpoint: Endpoint) -> str:
    """An MX endpoint for the `trying` line."""
    if endpoint.preference is not None:
        return f"{endpoint.display}, MX preference {endpoint.preference}"
    return f"{endpoint.display} (no MX records: the domain's own address)"


def _report_unresolved(request: CheckRequest, message: str, printer: Printer) -> int:
    """TARGET's domain gave no server: say so and exit 3."""
    if request.as_json:
        import json

        error = ErrorEvent(time.time(), "connect", "resolve", message)
        document = to_json([], target=request.target.text, result="error", error=error)
        _write(json.dumps(document, indent=2))
    else:
        sys.stderr.write(f"ehlo check: {printable(message)}\n")
    return EXIT_CODES["error"]


def run(request: CheckRequest) -> int:
    """Run the check; returns the exit code."""
    try:
        return asyncio.run(_run(request))
    except (KeyboardInterrupt, SystemExit):
        raise
    except Exception as exc:  # a defect, not bad input: say so without a traceback
        sys.stdout.flush()
        sys.stderr.write(
            f"ehlo check: internal error ({type(exc).__name__}: {exc}); please report it\n"
        )
        return EXIT_CODES["error"]
