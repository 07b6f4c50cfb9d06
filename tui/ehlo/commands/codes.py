"""`ehlo codes`: the SMTP reply code table (basic and enhanced), searchable offline."""

from __future__ import annotations

import json

import click

EPILOG = """\b
Examples:
  ehlo codes 5.7.26
  ehlo codes dmarc
  ehlo codes 55 --class 5 --json

\b
Exit status: 0 when some code matches, 1 when none does (like grep).
"""


def _enhanced_label(code: str, reply_class: int | None) -> str:
    return f"{reply_class}{code[1:]}" if reply_class in (2, 4, 5) else code


@click.command("codes", epilog=EPILOG)
@click.argument("query", required=False)
@click.option(
    "--class",
    "reply_class",
    type=click.Choice(["2", "3", "4", "5"]),
    help="Only codes of this class (2 success, 3 intermediate, 4 transient, 5 permanent).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the matching codes as JSON.")
def codes(query: str | None, reply_class: str | None, as_json: bool) -> None:
    """List reply codes, filtered by a code prefix (5.7, 55) or by words (dmarc, quota)."""
    from ehlo.knowledge import BasicCode, search_codes

    wanted = int(reply_class) if reply_class else None
    found = search_codes(query, wanted)
    shown_class = wanted
    if shown_class is None and query and query.strip()[:2] in ("2.", "4.", "5."):
        shown_class = int(query.strip()[0])
    if as_json:
        click.echo(json.dumps([code.to_dict() for code in found], ensure_ascii=False, indent=2))
        if not found:
            raise SystemExit(1)
        return
    if not found:
        click.echo(f"No code matches {query!r}. Try a shorter prefix (5.7) or one word.", err=True)
        raise SystemExit(1)
    basic = [c for c in found if isinstance(c, BasicCode)]
    enhanced = [c for c in found if not isinstance(c, BasicCode)]
    if basic:
        click.echo("Basic reply codes (RFC 5321 and extensions)")
        for item in basic:
            flag = "" if item.standard else "  [non-standard]"
            click.echo(f"  {item.code}  {item.title}{flag}")
            click.echo(f"       {item.meaning}")
    if enhanced:
        if basic:
            click.echo("")
        click.echo("Enhanced status codes (IANA registry, RFC 3463)")
        for entry in enhanced:
            label = _enhanced_label(entry.code, shown_class)
            sources = ", ".join(entry.rfc)
            basics = ", ".join(entry.basic_codes) or "none listed"
            click.echo(f"  {label:<7} {entry.title}")
            click.echo(f"          {entry.description} ({sources}; basic codes: {basics})")
