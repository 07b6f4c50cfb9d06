"""The SPF check: check_host() evaluation and record-tree analysis (RFC 7208)."""

from __future__ import annotations

from ehlo.dnsauth.spf_eval import (
    SpfEvaluation,
    SpfTraceStep,
    check_host,
    lookup_record,
    parse_ip,
    sender_identity,
    valid_domain,
)

__all__ = [
    "SpfEvaluation",
    "SpfTraceStep",
    "check_host",
    "lookup_record",
    "parse_ip",
    "sender_identity",
    "valid_domain",
]
