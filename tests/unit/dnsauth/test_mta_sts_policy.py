"""MTA-STS policy parsing and MX pattern matching."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ehlo.dnsauth.mta_sts_policy import mx_matches, parse_policy


def test_parse_good_policy() -> None:
    policy = parse_policy(
        "version: STSv1\nmode: testing\nmx: mail.example.com\nmx: *.example.net\nmax_age: 86400\n"
    )
    assert policy.version == "STSv1"
    assert policy.mode == "testing"
    assert policy.mx == ("mail.example.com", "*.example.net")
    assert policy.max_age == 86400
    assert policy.problems == ()


def test_parse_problems() -> None:
    policy = parse_policy(
        "version: STSv1\nversion: STSv1\nmode: enforce\nmax_age: 99999999999\nnonsense\n"
    )
    joined = " ".join(policy.problems)
    assert "version appears 2 times" in joined
    assert "not 'key: value'" in joined
    assert "no mx line" in joined
    assert "max_age must be" in joined


@pytest.mark.parametrize(
    ("host", "pattern", "expected"),
    [
        ("mx1.example.com", "mx1.example.com", True),
        ("MX1.Example.com.", "mx1.example.com", True),
        ("mx1.example.com", "*.example.com", True),
        ("a.mx1.example.com", "*.example.com", False),
        ("example.com", "*.example.com", False),
        ("mx1.example.org", "*.example.com", False),
        ("mx1.example.com", "mx2.example.com", False),
    ],
)
def test_mx_matches(host: str, pattern: str, expected: bool) -> None:
    assert mx_matches(host, pattern) is expected


@given(st.text(max_size=2000))
def test_parse_never_raises(text: str) -> None:
    policy = parse_policy(text)
    assert isinstance(policy.problems, tuple)


def test_parse_http_response() -> None:
    from ehlo.dnsauth.mta_sts_policy import parse_http_response

    fetched = parse_http_response(
        "https://x/", b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nversion: STSv1\r\n"
    )
    assert fetched.status == 200
    assert fetched.content_type == "text/plain"
    assert fetched.body == "version: STSv1\r\n"


@given(st.binary(max_size=400))
def test_parse_http_response_never_raises_unexpectedly(data: bytes) -> None:
    from ehlo.dnsauth.mta_sts_policy import PolicyFetchError, parse_http_response

    try:
        fetched = parse_http_response("https://x/", data, max_bytes=100)
    except PolicyFetchError:
        return
    assert fetched.status is not None
    assert fetched.body is not None


@given(st.text(max_size=20))
def test_status_line_fuzz(status: str) -> None:
    from ehlo.dnsauth.mta_sts_policy import PolicyFetchError, parse_http_response

    data = f"HTTP/1.1 {status} X\r\n\r\n".encode("utf-8", errors="replace")
    with contextlib.suppress(PolicyFetchError):
        parse_http_response("https://x/", data)
