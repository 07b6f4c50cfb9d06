"""MTA-STS policies (RFC 8461): fetching over HTTPS and parsing, and MX pattern matching."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import ssl
from contextvars import ContextVar
from dataclasses import dataclass, field

MAX_POLICY_BYTES = 64 * 1024
MAX_AGE_LIMIT = 31_557_600
POLICY_PATH = "/.well-known/mta-sts.txt"


@dataclass(frozen=True, slots=True)
class FetchOptions:
    """How policies are fetched: port, TLS context (None: system CAs), timeout, size cap."""

    port: int = 443
    ssl_context: ssl.SSLContext | None = None
    timeout: float = 10.0
    max_bytes: int = MAX_POLICY_BYTES


fetch_options: ContextVar[FetchOptions | None] = ContextVar("fetch_options", default=None)
"""The options policy fetches use (tests point them at a loopback HTTPS server)."""


@dataclass(frozen=True, slots=True)
class FetchedPolicy:
    """The outcome of one HTTPS fetch: status, content type and body, or an error."""

    url: str
    status: int | None = None
    content_type: str | None = None
    body: str | None = None
    error: str | None = None


@dataclass(frozen=True, slots=True)
class Policy:
    """A parsed policy; `problems` lists what violates RFC 8461 3.2."""

    version: str | None
    mode: str | None
    mx: tuple[str, ...]
    max_age: int | None
    problems: tuple[str, ...] = field(default=())


class PolicyFetchError(Exception):
    """The policy server's answer cannot be used."""


async def fetch_policy(domain: str, addresses: list[str]) -> FetchedPolicy:
    """GET https://mta-sts.DOMAIN/.well-known/mta-sts.txt from ADDRESSES, certificate checked."""
    host = f"mta-sts.{domain}"
    url = f"https://{host}{POLICY_PATH}"
    options = fetch_options.get() or FetchOptions()
    if not addresses:
        return FetchedPolicy(url, error=f"{host} has no A or AAAA record")
    errors: list[str] = []
    for address in addresses:
        try:
            return await asyncio.wait_for(_get(url, host, address, options), options.timeout)
        except TimeoutError:
            errors.append(f"{address}: no complete answer within {options.timeout:g} s")
        except ssl.SSLCertVerificationError as exc:
            errors.append(f"{address}: certificate not valid for {host}: {exc.verify_message}")
        except (OSError, ssl.SSLError, PolicyFetchError) as exc:
            errors.append(f"{address}: {exc}")
    return FetchedPolicy(url, error="; ".join(errors))


async def _get(url: str, host: str, address: str, options: FetchOptions) -> FetchedPolicy:
    context = options.ssl_context or _system_context()
    reader, writer = await asyncio.open_connection(
        address, options.port, ssl=context, server_hostname=host
    )
    try:
        request = (
            f"GET {POLICY_PATH} HTTP/1.0\r\nHost: {host}\r\nUser-Agent: ehlo\r\n"
            "Accept: text/plain\r\nConnection: close\r\n\r\n"
        )
        writer.write(request.encode("ascii"))
        await writer.drain()
        data = b""
        while len(data) <= options.max_bytes + 16 * 1024:
            chunk = await reader.read(16 * 1024)
            if not chunk:
                break
            data += chunk
    finally:
        writer.close()
        with contextlib.suppress(OSError, ssl.SSLError, TimeoutError):
            await asyncio.wait_for(writer.wait_closed(), 1.0)
    return parse_http_response(url, data, options.max_bytes)


def parse_http_response(url: str, data: bytes, max_bytes: int = MAX_POLICY_BYTES) -> FetchedPolicy:
    """Status, content type and body of an HTTP/1.x response read to its end.

    Raises:
        PolicyFetchError: DATA is not an HTTP response, or its body is larger than MAX_BYTES.
    """
    head, separator, body = data.partition(b"\r\n\r\n")
    if not separator:
        raise PolicyFetchError("the server's answer is not HTTP")
    lines = head.decode("iso-8859-1").split("\r\n")
    parts = lines[0].split(" ", 2)
    status = parts[1] if len(parts) > 1 else ""
    if not parts[0].startswith("HTTP/") or not (status.isascii() and status.isdigit()):
        raise PolicyFetchError(f"the server's answer is not HTTP: {lines[0][:80]!r}")
    headers = {
        name.strip().lower(): value.strip()
        for name, _, value in (line.partition(":") for line in lines[1:])
    }
    if len(body) > max_bytes:
        raise PolicyFetchError(f"the policy is larger than {max_bytes // 1024} KiB")
    return FetchedPolicy(
        url,
        status=int(status),
        content_type=headers.get("content-type"),
        body=body.decode("utf-8", errors="replace"),
    )


@functools.cache
def _system_context() -> ssl.SSLContext:
    """The system's CA store, loaded once (loading it costs tens of milliseconds)."""
    return ssl.create_default_context()


def parse_policy(text: str) -> Policy:
    """Parse a policy body (RFC 8461 3.2); never raises, problems are listed."""
    values: dict[str, list[str]] = {}
    problems: list[str] = []
    for raw in text.replace("\r\n", "\n").split("\n"):
        line = raw.strip()
        if not line:
            continue
        key, separator, value = line.partition(":")
        if not separator:
            problems.append(f"line {line[:60]!r} is not 'key: value'")
            continue
        values.setdefault(key.strip().lower(), []).append(value.strip())
    version = _single(values, "version", problems)
    mode = _single(values, "mode", problems)
    max_age_text = _single(values, "max_age", problems)
    mx = tuple(pattern.lower().rstrip(".") for pattern in values.get("mx", []))
    if version != "STSv1":
        problems.append(f"version must be STSv1, not {version!r}")
    if mode not in ("enforce", "testing", "none"):
        problems.append(f"mode must be enforce, testing or none, not {mode!r}")
    max_age: int | None = None
    if (
        max_age_text is not None
        and (max_age_text.isascii() and max_age_text.isdigit())
        and len(max_age_text) <= 10
    ):
        max_age = int(max_age_text)
        if max_age > MAX_AGE_LIMIT:
            problems.append(f"max_age {max_age} is above the limit of {MAX_AGE_LIMIT} (one year)")
    else:
        problems.append(f"max_age must be a number of seconds, not {max_age_text!r}")
    if mode in ("enforce", "testing") and not mx:
        problems.append("no mx line: the policy must list the MX hosts")
    return Policy(version, mode, mx, max_age, tuple(problems))


def _single(values: dict[str, list[str]], key: str, problems: list[str]) -> str | None:
    found = values.get(key, [])
    if len(found) > 1:
        problems.append(f"{key} appears {len(found)} times")
    return found[0] if found else None


def mx_matches(host: str, pattern: str) -> bool:
    """Whether MX HOST matches a policy `mx` PATTERN (a leading `*.` matches one label)."""
    host = host.lower().rstrip(".")
    pattern = pattern.lower().rstrip(".")
    if pattern.startswith("*."):
        first, dot, rest = host.partition(".")
        return bool(first) and bool(dot) and rest == pattern[2:]
    return host == pattern
