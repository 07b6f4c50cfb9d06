"""Command-line building: parameters, typed envelope addresses, address literals."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ehlo.smtp.command_line import (
    address_literal,
    command_bytes,
    envelope_address,
    format_params,
    params_problem,
)
from ehlo.smtp.connection import StepFailed


def test_params_are_formatted_and_checked() -> None:
    params = {"SIZE": "100", "SMTPUTF8": None, "ORCPT": "rfc822;b@ehlo.test"}
    assert format_params(params) == " SIZE=100 SMTPUTF8 ORCPT=rfc822;b@ehlo.test"
    assert params_problem(params) is None
    assert params_problem({"ENVID": "ü-utf8"}) is None  # RFC 6531 allows UTF-8 values
    assert params_problem({"ENVID": "a b"})
    assert params_problem({"ENVID": "a=b"})
    assert params_problem({"ENVID": ""})
    assert params_problem({"-X": None})


@given(st.text())
def test_no_line_ever_carries_a_second_command(line: str) -> None:
    try:
        data = command_bytes("raw", line)
    except StepFailed as failure:
        assert failure.kind == "refused-command" and not failure.fatal
        return
    assert data.endswith(b"\r\n")
    assert b"\r" not in data[:-2] and b"\n" not in data[:-2]


@pytest.mark.parametrize(
    ("argument", "address"),
    [
        ("FROM:<a@ehlo.test> SIZE=10", "a@ehlo.test"),
        ("from: <a@ehlo.test>", "a@ehlo.test"),
        ("TO:<用户@例子.广告>", "用户@例子.广告"),
        ("FROM:<>", ""),
        ("FROM:a@ehlo.test BODY=8BITMIME", "a@ehlo.test"),
    ],
)
def test_envelope_address(argument: str, address: str) -> None:
    assert envelope_address(argument) == address


@pytest.mark.parametrize(
    ("address", "literal"),
    [
        ("192.0.2.1", "[192.0.2.1]"),
        ("2001:db8::1", "[IPv6:2001:db8::1]"),
        ("fe80::1%eth0", "[IPv6:fe80::1]"),
        ("::ffff:192.0.2.1", "[192.0.2.1]"),
    ],
)
def test_address_literal(address: str, literal: str) -> None:
    assert address_literal(address) == literal
