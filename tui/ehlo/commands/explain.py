"""`ehlo explain`: explain a server reply, a log line or a bounce line, or many as JSON lines."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from typing import Any, TextIO

import click

from ehlo.smtp.stages import STAGES

CONTEXT_KEYS = (
    "host",
    "port",
    "domain",
    "mail_from_domain",
    "rcpt_domain",
    "ip",
    "helo",
    "sender",
    "recipient",
)


EPILOG = """\b
Examples:
  ehlo explain '550 5.7.26 Unauthenticated email from example.com is not accepted'
  ehlo explain '452-4.2.2 The mailbox is full\\n452 4.2.2 Try again later' --stage rcpt
  ehlo explain --json '421 4.7.0 Too many connections, closing'
  grep 'status=bounced' /var/log/mail.log | tail -n 1 | ehlo explain -
  echo '{"reply": "550 5.1.1 no such user", "stage": "rcpt"}' | ehlo explain --jsonl
"""


def _parse_context(pairs: Iterable[str]) -> dict[str, str]:
    context: dict[str, str] = {}
    for pair in pairs:
        key, separator, value = pair.partition("=")
        key = key.strip().replace("-", "_")
        if not separator or key not in CONTEXT_KEYS:
            raise click.BadParameter(
                f"{pair!r}: use KEY=VALUE with KEY one of {', '.join(CONTEXT_KEYS)}",
                param_hint="--context",
            )
        context[key] = value
    return context


def _reply_text(reply: str) -> str:
    """The reply as typed: `-` reads standard input, a literal `\\n` separates lines."""
    if reply == "-":
        reply = sys.stdin.read()
    elif "\n" not in reply and "\\n" in reply:
        reply = reply.replace("\\r\\n", "\n").replace("\\n", "\n")
    return reply


def render_text(annotation: Any) -> str:
    """The human-readable explanation of one annotation."""
    data = annotation.to_dict()
    codes = " ".join(str(c) for c in (data["basic"], data["enhanced"]) if c) or "(no code)"
    headline = [codes, data["class"], data["reason"]]
    if data["provider"]:
        headline.append(data["provider"])
    lines = ["  ".join(headline), "", data["meaning"], ""]
    if data["class"] in ("transient", "permanent"):
        verdict = "yes" if data["retry"] else "no"
        lines.append(f"Retry: {verdict}. {data['retry_advice']}")
        if data.get("who"):
            lines.append(f"Who must act: {data['who']}")
    if data["enhanced_title"]:
        lines.append(f"Enhanced code {data['enhanced']}: {data['enhanced_title']}")
    if data["causes"]:
        lines += ["", "Typical causes:"]
        lines += [f"  - {cause}" for cause in data["causes"]]
    if data["fixes"]:
        lines += ["", "Fixes:"]
        for fix in data["fixes"]:
            lines.append(f"  - {fix['text']}")
            if fix["command"]:
                lines.append(f"      $ {fix['command']}")
    if data["dns_checks"]:
        lines += ["", "Worth checking: " + ", ".join(data["dns_checks"]) + " (ehlo audit DOMAIN)"]
    if data["references"]:
        lines += ["", "References: " + "; ".join(data["references"])]
    if data["signature"]:
        lines.append(f"Matched signature: {data['signature']}")
    for note in data.get("notes", []):
        lines.append(f"Note: {note}")
    return "\n".join(lines).rstrip() + "\n"


def _jsonl(stream: TextIO, out: TextIO, stage: str | None, context: dict[str, str]) -> None:
    from ehlo.knowledge import annotate
    from ehlo.knowledge.annotation import unknown_annotation

    for number, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        error = None
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            item, error = None, f"line {number}: not JSON ({exc.msg})"
        if item is not None and not isinstance(item, dict):
            item, error = None, f"line {number}: expected an object with a reply"
        if item is None:
            annotation = unknown_annotation(f"Not an SMTP reply: {error}.")
            result = annotation.to_dict() | {"error": error}
        else:
            reply = item.get("reply", "")
            if isinstance(reply, list):
                reply = "\n".join(str(part) for part in reply)
            item_context = item.get("context")
            merged = dict(context)
            if isinstance(item_context, dict):
                merged.update({str(k): str(v) for k, v in item_context.items()})
            item_stage = item.get("stage") or stage
            result = annotate(reply, item_stage, merged or None).to_dict()
        out.write(json.dumps(result, ensure_ascii=False) + "\n")
        out.flush()


@click.command("explain", epilog=EPILOG)
@click.argument("reply", required=False)
@click.option(
    "--stage",
    type=click.Choice(STAGES, case_sensitive=False),
    help="The command the reply answered.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the annotation as a JSON object.")
@click.option(
    "--jsonl",
    is_flag=True,
    help='Read {"reply": ..., "stage": ...} objects, one a line, from stdin; '
    "write one annotation a line.",
)
@click.option(
    "--context",
    "context_pairs",
    multiple=True,
    metavar="KEY=VALUE",
    help="Values for fix commands: host, port, domain, ip, helo, sender, recipient, ...",
)
def explain(
    reply: str | None,
    stage: str | None,
    as_json: bool,
    jsonl: bool,
    context_pairs: tuple[str, ...],
) -> None:
    """Explain a server REPLY: what it means, whether to retry, what to fix.

    REPLY may span lines (real newlines or \\n), be a Postfix, Exim or Sendmail log line, or a
    bounce's Diagnostic-Code line; `-` reads it from standard input.
    """
    context = _parse_context(context_pairs)
    if jsonl:
        if reply is not None:
            raise click.UsageError("--jsonl reads standard input; give no REPLY")
        _jsonl(sys.stdin, sys.stdout, stage, context)
        return
    if reply is None:
        raise click.UsageError("missing REPLY (use - to read it from standard input)")
    from ehlo.knowledge import annotate

    annotation = annotate(_reply_text(reply), stage, context or None)
    if as_json:
        click.echo(json.dumps(annotation.to_dict(), ensure_ascii=False, indent=2))
    else:
        click.echo(render_text(annotation), nl=False)
