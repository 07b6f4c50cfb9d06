"""Every case of the RFC 7208 conformance suite (tests/data) through check_host()."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from ehlo.dnsauth.spf import check_host, sender_identity
from tests.fixtures.memory_resolver import from_rfc7208_zonedata

SUITE = Path(__file__).resolve().parents[2] / "data" / "rfc7208-tests.yml"


def _cases() -> list[Any]:
    cases = []
    with SUITE.open(encoding="utf-8") as stream:
        for scenario in yaml.safe_load_all(stream):
            for name, case in scenario["tests"].items():
                cases.append(
                    pytest.param(scenario["zonedata"], case, id=f"{scenario['description']}:{name}")
                )
    return cases


CASES = _cases()


def test_the_whole_suite_is_collected() -> None:
    assert len(CASES) == 203


@pytest.mark.parametrize(("zonedata", "case"), CASES)
async def test_rfc7208_case(zonedata: dict[str, Any], case: dict[str, Any]) -> None:
    resolver = from_rfc7208_zonedata(zonedata)
    domain, sender = sender_identity(case["mailfrom"], case["helo"])
    evaluation = await check_host(resolver, case["host"], domain, sender, case["helo"])
    expected = case["result"] if isinstance(case["result"], list) else [case["result"]]
    assert evaluation.result in expected, evaluation.trace
    if "explanation" in case:
        if case["explanation"] == "DEFAULT":
            assert evaluation.explanation is None
        else:
            # DNS names are case-insensitive: the suite writes IPv6 nibbles of %{i} in upper case
            # where RFC 7208's own example (section 7.4) uses lower case.
            assert evaluation.explanation is not None
            assert evaluation.explanation.lower() == case["explanation"].lower()
