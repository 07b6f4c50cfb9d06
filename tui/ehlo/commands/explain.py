"""`ehlo explain`: explain a server reply, a log line or a bounce line, or many as JSON lines."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator
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


MAX_INPUT_CHARS = 2**20
"""The most text read as one reply or one JSON line; SMTP replies are a few KB at most."""
MAX_SKIPPED_CHARS = 16 * 2**20
"""How far past an over-long JSON line to look for its end before giving up."""
EXIT_BAD_DATA = 65


def _reply_text(reply: str) -> str:
    """The reply as typed: `-` reads standard input, a literal `\\n` separates lines."""
    if reply == "-":
        reply = sys.stdin.read(MAX_INPUT_CHARS + 1)
        if len(reply) > MAX_INPUT_CHARS:
            raise click.UsageError(
                f"standard input is longer than {MAX_INPUT_CHARS // 2**20} MiB; give one reply, "
                "log line or bounce line (or use --jsonl for many)"
            )
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


class _EndlessLine(Exception):
    """A JSON line with no end in sight."""


def _lines(stream: TextIO) -> Iterator[str | None]:
    """The lines of STREAM; None for a line longer than MAX_INPUT_CHARS (its rest is skipped)."""
    while True:
        line = stream.readline(MAX_INPUT_CHARS + 1)
        if not line:
            return
        if len(line) <= MAX_INPUT_CHARS or line.endswith("\n"):
            yield line
            continue
        skipped = len(line)
        while not line.endswith("\n"):
            line = stream.readline(64 * 1024)
            skipped += len(line)
            if not line:
                break
            if skipped > MAX_SKIPPED_CHARS:
                raise _EndlessLine
        yield None


def _item_problem(item: dict[str, Any]) -> str | None:
    """Why a JSON object cannot be explained, or None."""
    reply = item.get("reply", "")
    if not isinstance(reply, str) and not (
        isinstance(reply, list) and all(isinstance(part, str) for part in reply)
    ):
        return "reply must be a string or a list of strings"
    stage = item.get("stage")
    if stage is not None and (not isinstance(stage, str) or stage.lower() not in STAGES):
        return f"stage must be one of {', '.join(STAGES)}"
    context = item.get("context")
    if context is not None and not isinstance(context, dict):
        return "context must be an object of KEY: VALUE"
    return None


def _jsonl(stream: TextIO, out: TextIO, stage: str | None, context: dict[str, str]) -> int:
    from ehlo.knowledge import annotate
    from ehlo.knowledge.annotation import unknown_annotation

    number = 0
    lines = _lines(stream)
    while True:
        try:
            line = next(lines)
        except StopIteration:
            return 0
        except _EndlessLine:
            click.echo(
                f"ehlo explain: line {number + 1} does not end within "
                f"{MAX_SKIPPED_CHARS // 2**20} MiB; stopping",
                err=True,
            )
            return EXIT_BAD_DATA
        number += 1
        if line is not None and not line.strip():
            continue
        item, error = _parse_line(line, number)
        if item is None:
            annotation = unknown_annotation(f"Not an SMTP reply: {error}.")
            result = annotation.to_dict() | {"error": error}
        else:
            reply = item.get("reply", "")
            if isinstance(reply, list):
                reply = "\n".join(reply)
            merged = dict(context)
            merged.update({str(k): str(v) for k, v in (item.get("context") or {}).items()})
            item_stage = item.get("stage") or stage
            result = annotate(reply, item_stage, merged or None).to_dict()
        out.write(json.dumps(result, ensure_ascii=False) + "\n")
        out.flush()


def _parse_line(line: str | None, number: int) -> tuple[dict[str, Any] | None, str | None]:
    """The JSON object on a line, or why there is none."""
    if line is None:
        return None, f"line {number}: longer than {MAX_INPUT_CHARS // 2**20} MiB"
    try:
        item = json.loads(line)
    except json.JSONDecodeError as exc:
        return None, f"line {number}: not JSON ({exc.msg})"
    except RecursionError:
        return None, f"line {number}: JSON nested too deeply"
    if not isinstance(item, dict):
        return None, f"line {number}: expected an object with a reply"
    problem = _item_problem(item)
    if problem is not None:
        return None, f"line {number}: {problem}"
    return item, None


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
    bounce's Diagnostic-Code line; `-` reads it from standard input. With --jsonl, a line that
    cannot be read gets an object with an `error`; input that never ends exits 65.
    """
    context = _parse_context(context_pairs)
    if jsonl:
        if reply is not None:
            raise click.UsageError("--jsonl reads standard input; give no REPLY")
        code = _jsonl(sys.stdin, sys.stdout, stage, context)
        if code:
            sys.exit(code)
        return
    if reply is None:
        raise click.UsageError("missing REPLY (use - to read it from standard input)")
    from ehlo.knowledge import annotate

    annotation = annotate(_reply_text(reply), stage, context or None)
    if as_json:
        click.echo(json.dumps(annotation.to_dict(), ensure_ascii=False, indent=2))
    else:
        click.echo(render_text(annotation), nl=False)
