"""The scenario registry and every scenario's literal wording, checked against reference/."""

from __future__ import annotations

import tomllib
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import ehlo.sandbox
from ehlo.paths import reference_dir
from ehlo.sandbox import SCENARIO_NAMES, SCENARIOS, SandboxOptions, get_scenario
from ehlo.sandbox.scenario import Context, HookStage, SharedState
from ehlo.sandbox.scenarios import _from_domain

STAGES = {"connect", "command", "ehlo", "auth", "mail", "rcpt", "data", "end-of-data", "reply"}
PROMISED = {
    "happy",
    "greylist",
    "rate-limit",
    "auth-fail",
    "tls-required",
    "unknown-user",
    "mailbox-full",
    "dmarc-reject",
    "auth-dns-451",
    "blocklisted",
    "spam-content",
    "too-large",
    "relay-denied",
    "tarpit",
    "disconnect",
    "garbage",
}


def reference_replies() -> list[dict[str, Any]]:
    with (reference_dir() / "sandbox-replies.toml").open("rb") as file:
        document = tomllib.load(file)
    assert document["schema"] == 1
    replies: list[dict[str, Any]] = document["reply"]
    return replies


def test_the_contract_names_are_exported() -> None:
    for name in ("Sandbox", "SCENARIOS", "DEMO_USER", "DEMO_PASSWORD", "DEMO_SENDER"):
        assert hasattr(ehlo.sandbox, name)
    assert ehlo.sandbox.DEMO_MAILBOXES[0] == "alice@example.net"


def test_every_promised_scenario_exists_in_list_order() -> None:
    assert set(SCENARIOS) == PROMISED
    assert next(iter(SCENARIOS)) == "happy"
    assert {name for name, s in SCENARIOS.items() if s.hostile} == {
        "tarpit",
        "disconnect",
        "garbage",
    }


@pytest.mark.parametrize("name", sorted(PROMISED))
def test_scenario_is_documented(name: str) -> None:
    scenario = SCENARIOS[name]
    assert scenario.name == name
    assert scenario.description and "\n" not in scenario.description
    assert len(scenario.description) <= 100
    assert len(scenario.situation) > 40
    assert set(scenario.hooks) <= STAGES
    for hook in scenario.hooks.values():
        assert hook.__doc__, f"{name}: every hook says what real server it imitates"


def test_unknown_scenario_names_the_known_ones() -> None:
    with pytest.raises(ValueError, match=r"unknown scenario 'nope'.*greylist"):
        get_scenario("nope")


def _context(entry: dict[str, Any]) -> Context:
    recipient = entry.get("recipient", "alice@example.net")
    return Context(
        options=SandboxOptions(),
        shared=SharedState(),
        client_ip="192.0.2.7",
        tls=False,
        helo="client.test",
        sender="bounces@mailer.example.org",
        recipient=recipient,
        recipients=(recipient,),
        messages_on_connection=1000,
        message=b"From: Demo <demo@example.com>\r\nSubject: t\r\n\r\n" + b"x" * 200 + b"\r\n",
    )


def _render(entry: dict[str, Any]) -> bytes:
    recipient = entry.get("recipient", "alice@example.net")
    values = {
        "recipient": recipient,
        "rcpt_domain": recipient.rpartition("@")[2],
        "from_domain": "example.com",
        "client_ip": "192.0.2.7",
        "hostname": SandboxOptions().hostname,
    }
    return "".join(line.format(**values) + "\r\n" for line in entry["lines"]).encode()


@pytest.mark.parametrize(
    "entry",
    [e for e in reference_replies() if e["scenario"] != "*"],
    ids=lambda e: f"{e['scenario']}-{e['stage']}",
)
def test_scenario_wording_matches_the_cited_reference(entry: dict[str, Any]) -> None:
    assert entry["source"] and entry["provider"]
    scenario = get_scenario(entry["scenario"])
    context = _context(entry)
    stage: HookStage = entry["stage"]
    if stage in scenario.hooks:
        response = scenario.run(stage, context)
    else:
        context.command = stage.upper()
        response = scenario.run("command", context)
    assert response is not None
    assert response.payload == _render(entry)


def test_every_failure_scenario_has_a_cited_reply() -> None:
    cited = {entry["scenario"] for entry in reference_replies()}
    wording = PROMISED - {"happy", "tarpit", "disconnect", "garbage"}
    assert wording <= cited


def test_greylist_defers_until_the_delay_has_passed() -> None:
    now = [1000.0]
    shared = SharedState(clock=lambda: now[0])
    context = Context(
        options=SandboxOptions(greylist_delay=60),
        shared=shared,
        client_ip="192.0.2.1",
        sender="a@example.org",
        recipient="alice@example.net",
    )
    greylist = get_scenario("greylist")
    assert greylist.run("rcpt", context) is not None  # first attempt
    now[0] += 59
    assert greylist.run("rcpt", context) is not None  # too early
    now[0] += 1
    assert greylist.run("rcpt", context) is None  # retry after the delay
    context.client_ip = "192.0.2.2"
    assert greylist.run("rcpt", context) is not None  # another client: another triplet


def test_greylist_with_zero_delay_still_defers_the_first_attempt() -> None:
    context = Context(
        options=SandboxOptions(greylist_delay=0),
        shared=SharedState(),
        client_ip="192.0.2.1",
        sender="",
        recipient="alice@example.net",
    )
    greylist = get_scenario("greylist")
    assert greylist.run("rcpt", context) is not None
    assert greylist.run("rcpt", context) is None


@given(st.binary(max_size=2000))
def test_from_domain_never_raises(message: bytes) -> None:
    domain = _from_domain(message, "fallback.example")
    assert isinstance(domain, str)
    assert domain


def test_from_domain_reads_the_header_from() -> None:
    message = b'Subject: x\r\nFrom: "Shop" <news@Shop.Example.COM>\r\n\r\nbody\r\n'
    assert _from_domain(message, "envelope.example") == "shop.example.com"
    assert _from_domain(b"Subject: no from\r\n\r\n", "envelope.example") == "envelope.example"


def test_the_light_list_of_names_is_the_scenario_table() -> None:
    assert tuple(SCENARIOS) == SCENARIO_NAMES
