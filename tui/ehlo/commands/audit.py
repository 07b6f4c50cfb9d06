"""`ehlo audit DOMAIN`: run the DNS and mail-authentication checks of a domain."""

from __future__ import annotations

import asyncio
import gc
import json
import sys
from typing import Any

import click

from ehlo.commands.options import not_nan
from ehlo.dnsauth.audit import CHECK_IDS, Report, domain_forms, select_checks
from ehlo.dnsauth.audit import audit as run_audit
from ehlo.dnsauth.common import is_address_literal, parse_ip
from ehlo.dnsauth.context import AuditContext
from ehlo.dnsauth.resolver import DnsResolver, normalize_name, parse_resolver_arg
from ehlo.dnsauth.result import CheckResult
from ehlo.smtp.address import is_host_name
from ehlo.terminal_text import printable

EXIT_FAILED = 1
EXIT_DNS_UNREACHABLE = 3
_MARKS = {"pass": "PASS", "info": "INFO", "warn": "WARN", "fail": "FAIL", "error": "ERROR"}
_MAX_VALUE = 300

EPILOG = """\b
DOMAIN may be internationalised (bücher.example or xn--bcher-kva.example);
both forms are shown. Without --resolver the system's resolver is asked.

\b
Examples:
  ehlo audit example.com
  ehlo audit example.com --ip 192.0.2.25 --helo mail.example.com
  ehlo audit example.com --selector s1 --selector s2 --only dkim,dmarc
  ehlo audit example.com --resolver 127.0.0.1:5353 --json
"""


@click.command(
    name="audit", epilog=EPILOG, context_settings={"help_option_names": ["-h", "--help"]}
)
@click.argument("domain")
@click.option(
    "--ip",
    metavar="IP",
    help="The sending IP: enables the ptr and dnsbl checks and SPF evaluation.",
)
@click.option("--helo", metavar="NAME", help="The HELO/EHLO name the sender uses (SPF and PTR).")
@click.option(
    "--selector", "selectors", multiple=True, metavar="S", help="A DKIM selector (repeatable)."
)
@click.option(
    "--resolver", "resolver_arg", metavar="HOST[:PORT]", help="Ask this DNS server instead."
)
@click.option(
    "--only",
    "only",
    multiple=True,
    metavar="CHECK,...",
    help=f"Run only these checks: {', '.join(CHECK_IDS)}.",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0.1, max=600),
    metavar="S",
    default=20.0,
    show_default=True,
    help="Seconds for the whole audit.",
    callback=not_nan,
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def audit(
    *,
    domain: str,
    ip: str | None,
    helo: str | None,
    selectors: tuple[str, ...],
    resolver_arg: str | None,
    only: tuple[str, ...],
    timeout: float,
    as_json: bool,
) -> int:
    """Check DOMAIN's DNS: MX, SPF, DMARC, DKIM, PTR, blocklists, MTA-STS, TLS-RPT, BIMI,
    DANE and DNSSEC. Exit 0 when nothing failed, 1 when a check failed, 3 when DNS could
    not be reached at all, 64 on a usage error."""
    try:
        ascii_domain, unicode_domain = domain_forms(domain)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    if ip is not None:
        try:
            ip = str(parse_ip(ip))
        except ValueError as exc:
            raise click.UsageError(f"--ip: {exc}") from None
    if helo is not None and not (is_host_name(helo) or is_address_literal(helo)):
        raise click.UsageError(
            f"--helo: {helo!r} is not a host name or an address literal like [192.0.2.1]"
        )
    wanted = [name for value in only for name in value.split(",") if name.strip()]
    try:
        selected = select_checks(wanted or None, ip is not None)
    except ValueError as exc:
        raise click.UsageError(f"--only: {exc}") from None
    for selector in selectors:
        try:
            normalize_name(f"{selector}._domainkey.{ascii_domain}")
        except ValueError as exc:
            raise click.UsageError(f"--selector: {exc}") from None
        if not is_host_name(selector.strip()):
            raise click.UsageError(
                f"--selector: {selector!r} is not a selector (letters, digits, hyphens and dots, "
                "as in the s= tag of a DKIM-Signature)"
            )
    if resolver_arg is not None:
        try:
            host, port = parse_resolver_arg(resolver_arg)
        except ValueError as exc:
            raise click.UsageError(f"--resolver: {exc}") from None
        resolver = DnsResolver(host, port, timeout=min(3.0, timeout))
    else:
        resolver = DnsResolver(timeout=min(3.0, timeout))
    context = AuditContext(
        domain=ascii_domain, ip=ip, helo=helo, selectors=tuple(s.strip() for s in selectors)
    )
    progress = _Progress(len(selected)) if sys.stderr.isatty() and not as_json else None
    freeze_heap()
    report = asyncio.run(
        run_audit(
            resolver,
            context,
            only=selected,
            timeout=timeout,
            on_result=progress.update if progress else None,
        )
    )
    if progress:
        progress.clear()
    if as_json:
        click.echo(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
    else:  # details only help when DNS answered at all
        click.echo(render_report(report, unicode_domain, details=report.dns_reachable))
    if not report.dns_reachable:
        click.echo(
            f"ehlo audit: DNS could not be reached at all through {report.resolver}; "
            "check the network or give a working --resolver HOST[:PORT]",
            err=True,
        )
        return EXIT_DNS_UNREACHABLE
    return EXIT_FAILED if report.failed else 0


def freeze_heap() -> None:
    """Keep the garbage collector off everything loaded so far (modules, the suffix list).

    A full collection scanning them stalls the event loop for tens of milliseconds in the
    middle of an audit; nothing loaded before the audit starts is garbage anyway.
    """
    from ehlo.dnsauth.audit import load_check

    for check_id in CHECK_IDS:
        load_check(check_id)
    if gc.isenabled():  # `ehlo audit` run as a process switches collection off instead
        gc.collect()
        gc.freeze()


class _Progress:
    """One self-overwriting progress line on a terminal's stderr."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.done = 0
        click.echo(f"\rchecking 0/{total}", err=True, nl=False)

    def update(self, result: CheckResult) -> None:
        self.done += 1
        click.echo(
            f"\r\x1b[Kchecking {self.done}/{self.total}: {result.id} {result.status}",
            err=True,
            nl=False,
        )

    def clear(self) -> None:
        click.echo("\r\x1b[K", err=True, nl=False)


def render_report(
    report: Report, unicode_domain: str | None = None, *, details: bool = True
) -> str:
    """The human form: one line per check, then details and fixes of those that did not pass."""
    shown = unicode_domain or report.domain_unicode
    title = report.domain if shown == report.domain else f"{shown} ({report.domain})"
    lines = [f"audit of {title} via {report.resolver}", ""]
    width = max((len(check.id) for check in report.checks), default=0)
    for check in report.checks:
        summary = printable(check.summary, keep_tabs=False)
        lines.append(f"{_MARKS[check.status]:<5}  {check.id:<{width}}  {summary}")
    for check in report.checks:
        if check.status == "pass" or not details:
            continue
        lines += ["", f"{check.id}: {_MARKS[check.status]}"]
        lines += ["  " + line for line in _render_details(check.details)]
        for fix in check.fixes:
            lines.append(f"  fix: {printable(fix.text, keep_tabs=False)}")
            if fix.command:
                lines.append(f"       {printable(fix.command, keep_tabs=False)}")
    return "\n".join(lines)


def _render_details(details: dict[str, Any], indent: str = "") -> list[str]:
    lines: list[str] = []
    for key, value in details.items():
        if value is None or (isinstance(value, list | dict) and not value):
            continue
        if isinstance(value, list) and all(isinstance(item, dict) for item in value):
            lines.append(f"{indent}{key}:")
            for item in value:
                lines.append(f"{indent}  - " + _inline(item))
        elif isinstance(value, dict):
            lines.append(f"{indent}{key}:")
            lines += _render_details(value, indent + "  ")
        else:
            lines.append(f"{indent}{key}: {_short(value)}")
    return lines


def _inline(item: dict[str, Any]) -> str:
    parts = [f"{key}={_short(value)}" for key, value in item.items() if value not in (None, [], {})]
    return ", ".join(parts)


def _short(value: Any) -> str:
    if isinstance(value, list):
        text = ", ".join(_short(item) for item in value)
    elif isinstance(value, dict):
        text = "{" + _inline(value) + "}"
    else:
        text = str(value)
    text = printable(text, keep_tabs=False)
    return text if len(text) <= _MAX_VALUE else text[: _MAX_VALUE - 1] + "…"
