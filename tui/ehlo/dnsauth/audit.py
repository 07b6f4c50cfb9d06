"""Run the DNS checks of a domain concurrently, within one overall timeout."""

from __future__ import annotations

import asyncio
import dataclasses
import importlib
import re
import time
from collections.abc import Callable, Collection, Coroutine
from dataclasses import dataclass
from typing import Any

import dns.name

from ehlo.dnsauth.answer import Resolver
from ehlo.dnsauth.context import AuditContext
from ehlo.dnsauth.resolver import normalize_name
from ehlo.dnsauth.result import CheckResult

CHECK_IDS = (
    "mx",
    "spf",
    "dmarc",
    "dkim",
    "ptr",
    "dnsbl",
    "mta-sts",
    "tls-rpt",
    "bimi",
    "dane",
    "dnssec",
)
_HOST_LABEL = re.compile(r"^[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?$")
IP_CHECKS = frozenset({"ptr", "dnsbl"})
"""Checks that need the sending IP; an audit without --ip leaves them out unless asked for."""

_CHECKS: dict[str, tuple[str, str]] = {
    "mx": ("ehlo.dnsauth.mx", "check_mx"),
    "spf": ("ehlo.dnsauth.spf", "check_spf"),
    "dmarc": ("ehlo.dnsauth.dmarc", "check_dmarc"),
    "dkim": ("ehlo.dnsauth.dkim", "check_dkim"),
    "ptr": ("ehlo.dnsauth.ptr", "check_ptr"),
    "dnsbl": ("ehlo.dnsauth.dnsbl", "check_dnsbl"),
    "mta-sts": ("ehlo.dnsauth.mta_sts", "check_mta_sts"),
    "tls-rpt": ("ehlo.dnsauth.tls_rpt", "check_tls_rpt"),
    "bimi": ("ehlo.dnsauth.bimi", "check_bimi"),
    "dane": ("ehlo.dnsauth.dane", "check_dane"),
    "dnssec": ("ehlo.dnsauth.dnssec", "check_dnssec"),
}

CheckFunction = Callable[[Resolver, AuditContext], Coroutine[Any, Any, CheckResult]]


@dataclass(frozen=True, slots=True)
class Report:
    """The results of one audit, in CHECK_IDS order."""

    domain: str
    domain_unicode: str
    resolver: str
    checks: tuple[CheckResult, ...]
    dns_reachable: bool = True
    elapsed: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape: domain, domain_unicode, resolver, dns_reachable, checks."""
        return {
            "domain": self.domain,
            "domain_unicode": self.domain_unicode,
            "resolver": self.resolver,
            "dns_reachable": self.dns_reachable,
            "checks": [check.to_dict() for check in self.checks],
        }

    @property
    def failed(self) -> bool:
        """Whether any check failed."""
        return any(check.status == "fail" for check in self.checks)


def domain_forms(domain: str) -> tuple[str, str]:
    """(A-label form, Unicode form) of DOMAIN.

    Raises:
        ValueError: DOMAIN is not a valid domain name.
    """
    ascii_form = normalize_name(domain)
    if "." not in ascii_form:
        raise ValueError(f"{domain!r} is not a domain name (it has no dot)")
    bad = [label for label in ascii_form.split(".") if not _HOST_LABEL.match(label)]
    if bad:
        raise ValueError(
            f"{domain!r} is not a valid domain name: label {bad[0]!r} may hold only letters, "
            "digits and inner hyphens"
        )
    try:
        unicode_form = dns.name.from_text(ascii_form).to_unicode(omit_final_dot=True)
    except (dns.exception.DNSException, UnicodeError):
        unicode_form = ascii_form
    return ascii_form, unicode_form


def select_checks(only: Collection[str] | None, has_ip: bool) -> tuple[str, ...]:
    """The check ids to run, in CHECK_IDS order.

    Raises:
        ValueError: ONLY names a check that does not exist.
    """
    if only:
        wanted = {name.strip().lower() for name in only if name.strip()}
        unknown = sorted(wanted - set(CHECK_IDS))
        if unknown:
            raise ValueError(
                f"unknown check{'s' if len(unknown) > 1 else ''} {', '.join(unknown)}; "
                f"choose from {', '.join(CHECK_IDS)}"
            )
        return tuple(check for check in CHECK_IDS if check in wanted)
    return tuple(check for check in CHECK_IDS if has_ip or check not in IP_CHECKS)


def load_check(check_id: str) -> CheckFunction | str:
    """The check's coroutine function, or why it cannot be loaded."""
    module_name, attribute = _CHECKS[check_id]
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        return f"the {check_id} check is not available in this build ({exc})"
    function: CheckFunction | None = getattr(module, attribute, None)
    if function is None:
        return f"the {check_id} check is not available in this build ({module_name}.{attribute})"
    return function


async def _run_check(check_id: str, resolver: Resolver, context: AuditContext) -> CheckResult:
    function = load_check(check_id)
    if isinstance(function, str):
        return CheckResult(check_id, "error", function, {"error": function})
    try:
        return await function(resolver, context)
    except asyncio.CancelledError:
        raise
    except Exception as exc:  # a check must never take the audit down
        message = f"the {check_id} check crashed: {type(exc).__name__}: {exc}"
        return CheckResult(check_id, "error", message, {"error": message})


async def audit(
    resolver: Resolver,
    context: AuditContext,
    only: Collection[str] | None = None,
    timeout: float = 20.0,
    on_result: Callable[[CheckResult], None] | None = None,
) -> Report:
    """Run the selected checks concurrently; each result goes to ON_RESULT as it arrives.

    Args:
        resolver: answers the DNS queries (one cache shared by every check).
        context: the domain and what else is known (IP, HELO, selectors, certificates).
        only: check ids to run; default all, without ptr/dnsbl when no IP is given.
        timeout: seconds for the whole audit; unfinished checks become `error` results.
        on_result: called with each CheckResult as soon as it is known.

    Returns:
        The Report, checks in CHECK_IDS order.

    Raises:
        ValueError: the domain is not a domain name, or ONLY names an unknown check.
    """
    started = time.monotonic()
    domain, domain_unicode = domain_forms(context.domain)
    context = dataclasses.replace(context, domain=domain)
    selected = select_checks(only, bool(context.ip))
    tasks = {
        asyncio.ensure_future(_run_check(check_id, resolver, context)): check_id
        for check_id in selected
    }
    results: dict[str, CheckResult] = {}
    deadline = started + timeout
    pending = set(tasks)
    while pending:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        done, pending = await asyncio.wait(
            pending, timeout=remaining, return_when=asyncio.FIRST_COMPLETED
        )
        for task in done:
            result = task.result()
            results[tasks[task]] = result
            if on_result is not None:
                on_result(result)
    for task in pending:
        task.cancel()
        check_id = tasks[task]
        message = f"the {check_id} check did not finish within the audit's {timeout:g} s timeout"
        result = CheckResult(check_id, "error", message, {"error": message, "timeout": timeout})
        results[check_id] = result
        if on_result is not None:
            on_result(result)
    if pending:  # let the cancelled checks unwind (they are waiting on DNS, so at once)
        await asyncio.wait(pending, timeout=0.1)
    checks = tuple(results[check_id] for check_id in selected)
    reachable = await _dns_reachable(resolver, domain, checks, deadline)
    return Report(
        domain,
        domain_unicode,
        str(getattr(resolver, "description", type(resolver).__name__)),
        checks,
        reachable,
        time.monotonic() - started,
    )


async def _dns_reachable(
    resolver: Resolver, domain: str, checks: tuple[CheckResult, ...], deadline: float
) -> bool:
    """False when every check errored and the resolver does not answer at all."""
    if not checks or any(check.status != "error" for check in checks):
        return True
    try:
        answer = await asyncio.wait_for(
            resolver.resolve(domain, "MX"), max(0.05, deadline - time.monotonic())
        )
    except TimeoutError:
        return False
    return answer.status not in ("timeout", "error")
