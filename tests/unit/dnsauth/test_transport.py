"""Reading DNS responses off the wire: validation against the query, lazy record parsing."""

from __future__ import annotations

import contextlib

import dns.flags
import dns.message
import dns.name
import dns.rdatatype
import dns.rrset
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ehlo.dnsauth.resolver import record_text
from ehlo.dnsauth.transport import BadResponse, read_response

NAME = dns.name.from_text("example.test")


def response_wire(**changes: object) -> tuple[bytes, int]:
    query = dns.message.make_query(NAME, "MX")
    response = dns.message.make_response(query)
    response.answer.append(
        dns.rrset.from_text(NAME, 300, "IN", "MX", "10 mx1.example.test.", "20 mx2.example.test.")
    )
    response.additional.append(
        dns.rrset.from_text("mx1.example.test.", 300, "IN", "A", "192.0.2.1")
    )
    response.flags |= dns.flags.AD
    return response.to_wire(), query.id


def test_reads_answer_records_with_compressed_names() -> None:
    wire, query_id = response_wire()
    response = read_response(wire, query_id, NAME, dns.rdatatype.MX)
    assert response.rcode == 0
    assert response.authenticated
    records = response.records(dns.name.from_text("EXAMPLE.test"), dns.rdatatype.MX)
    assert sorted(record_text(response.parse(r)) for r in records) == [
        "10 mx1.example.test",
        "20 mx2.example.test",
    ]
    assert response.records(NAME, dns.rdatatype.A) == []


def test_rejects_other_queries_answers() -> None:
    wire, query_id = response_wire()
    with pytest.raises(BadResponse, match="not a response to this query"):
        read_response(wire, (query_id + 1) % 65536, NAME, dns.rdatatype.MX)
    with pytest.raises(BadResponse, match="not this query"):
        read_response(wire, query_id, dns.name.from_text("other.test"), dns.rdatatype.MX)
    with pytest.raises(BadResponse, match="not this query"):
        read_response(wire, query_id, NAME, dns.rdatatype.TXT)


def test_truncated_wire_is_a_bad_response() -> None:
    wire, query_id = response_wire()
    for cut in (5, 20, 40):  # the header, the question, the first answer record
        with pytest.raises(BadResponse):
            read_response(wire[:cut], query_id, NAME, dns.rdatatype.MX)


@given(st.binary(max_size=600))
def test_random_bytes_never_raise_anything_else(data: bytes) -> None:
    try:
        response = read_response(data, int.from_bytes(data[:2] or b"\0\0", "big"), NAME, 15)
    except BadResponse:
        return
    for record in response.answer:
        with contextlib.suppress(dns.exception.DNSException):
            response.parse(record)


@given(st.binary(max_size=300), st.integers(min_value=0, max_value=11))
def test_mutated_responses_never_raise_anything_else(noise: bytes, position: int) -> None:
    wire, query_id = response_wire()
    mutated = wire[: 12 + position * 3] + noise + wire[12 + position * 3 + len(noise) :]
    try:
        response = read_response(mutated, query_id, NAME, dns.rdatatype.MX)
    except BadResponse:
        return
    for record in response.answer:
        with contextlib.suppress(dns.exception.DNSException):
            record_text(response.parse(record))


def test_query_wire_is_a_valid_edns_query() -> None:
    from ehlo.dnsauth.resolver import query_wire

    plain = dns.message.from_wire(query_wire(NAME, dns.rdatatype.MX))
    assert plain.question[0].name == NAME
    assert plain.question[0].rdtype == dns.rdatatype.MX
    assert plain.flags & dns.flags.RD
    assert plain.flags & dns.flags.AD
    assert plain.edns == 0
    assert plain.payload == 1232
    assert not plain.ednsflags & dns.flags.DO
    signed = dns.message.from_wire(query_wire(NAME, dns.rdatatype.TLSA, dnssec_ok=True))
    assert signed.ednsflags & dns.flags.DO
    assert len({query_wire(NAME, 1)[:2] for _ in range(20)}) > 1
