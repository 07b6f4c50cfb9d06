"""Host names against certificate names (RFC 6125), internationalised names included."""

from __future__ import annotations

import pytest

from ehlo.smtp.tls import name_matches


@pytest.mark.parametrize(
    ("sans", "hostname", "matches"),
    [
        (("mx.example.com",), "MX.Example.COM.", True),
        (("*.example.com",), "mx.example.com", True),
        (("*.example.com",), "example.com", False),
        (("*.example.com",), "a.mx.example.com", False),
        (("mx.xn--bcher-kva.de",), "mx.bücher.de", True),
        (("*.xn--bcher-kva.de",), "MX.Bücher.de.", True),
        (("mx.bücher.de",), "mx.example.de", False),
        (("192.0.2.1",), "[192.0.2.1]", True),
        (("2001:db8::1",), "2001:DB8:0::1", True),
        (("mx.example.com",), "192.0.2.1", False),
    ],
)
def test_name_matches(sans: tuple[str, ...], hostname: str, matches: bool) -> None:
    assert name_matches(sans, hostname) is matches
