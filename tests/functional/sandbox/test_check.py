"""`ehlo check` against the running sandbox: each scenario gives its promised replies and exit."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from ehlo.sandbox import (
    DEMO_MAILBOXES,
    DEMO_PASSWORD,
    DEMO_SENDER,
    DEMO_USER,
    SCENARIOS,
    Sandbox,
    SandboxOptions,
)
from tests.conftest import ehlo_env
from tests.functional.sandbox.conftest import StartSandbox

DELIVERED, TRANSIENT, PERMANENT, NO_CONNECTION = 0, 1, 2, 3


class CheckRun:
    """One finished `ehlo check --json` run."""

    def __init__(self, completed: subprocess.CompletedProcess[str], seconds: float) -> None:
        self.exit_code = completed.returncode
        self.seconds = seconds
        self.stderr = completed.stderr
        self.report: dict[str, Any] = json.loads(completed.stdout)

    def replies(self, stage: str) -> list[list[str]]:
        """The reply lines of every step at STAGE."""
        return [
            step["reply"]["lines"]
            for step in self.report["steps"]
            if step["stage"] == stage and step.get("reply")
        ]

    def last_reply(self) -> list[str]:
        steps = [step for step in self.report["steps"] if step.get("reply")]
        non_quit = [step for step in steps if step["stage"] != "quit"]
        return non_quit[-1]["reply"]["lines"]


def ehlo_check(
    sandbox: Sandbox,
    *args: str,
    recipient: str = DEMO_MAILBOXES[0],
    timeout: float = 60,
) -> CheckRun:
    command = [
        sys.executable,
        "-m",
        "ehlo",
        "check",
        f"{sandbox.host}:{sandbox.port}",
        "--from",
        DEMO_SENDER,
        "--to",
        recipient,
        "--no-verify",
        "--json",
        *args,
    ]
    started = time.monotonic()
    completed = subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=ehlo_env(EHLO_SANDBOX_PASSWORD=DEMO_PASSWORD),
        check=False,
    )
    return CheckRun(completed, time.monotonic() - started)


AUTH = ("--auth", "plain", "--user", DEMO_USER, "--password-env", "EHLO_SANDBOX_PASSWORD")


def test_happy_delivers_with_starttls_and_auth(start_sandbox: StartSandbox) -> None:
    sandbox = start_sandbox("happy")
    run = ehlo_check(sandbox, *AUTH, "--tls", "starttls")
    assert run.exit_code == DELIVERED, run.report
    assert run.replies("auth") == [["235 2.7.0 Authentication successful"]]
    assert run.report["tls"]["chain"][0]["subject"] == "CN=sandbox.ehlo.test"
    assert run.replies("end-of-data")[0][0].startswith("250 2.0.0 Ok: queued as ")
    (kept,) = sandbox.store.snapshot()
    assert kept.authenticated_as == DEMO_USER
    assert kept.recipients == (DEMO_MAILBOXES[0],)
    assert DEMO_PASSWORD not in json.dumps(run.report)


@pytest.mark.parametrize("mechanism", ["login", "cram-md5"])
def test_happy_other_auth_mechanisms(start_sandbox: StartSandbox, mechanism: str) -> None:
    sandbox = start_sandbox("happy")
    run = ehlo_check(sandbox, "--auth", mechanism, *AUTH[2:])
    assert run.exit_code == DELIVERED, run.report
    assert run.replies("auth")[-1] == ["235 2.7.0 Authentication successful"]


def test_happy_over_implicit_tls(start_sandbox: StartSandbox) -> None:
    sandbox = start_sandbox("happy", implicit_tls_port=0)
    assert sandbox.implicit_tls_port is not None
    command = [
        sys.executable,
        "-m",
        "ehlo",
        "check",
        f"{sandbox.host}:{sandbox.implicit_tls_port}",
        "--tls",
        "implicit",
        "--from",
        DEMO_SENDER,
        "--to",
        DEMO_MAILBOXES[0],
        "--no-verify",
        "--json",
        *AUTH,
    ]
    completed = subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=60,
        env=ehlo_env(EHLO_SANDBOX_PASSWORD=DEMO_PASSWORD),
        check=False,
    )
    assert completed.returncode == DELIVERED, completed.stdout
    assert sandbox.store.snapshot()[0].tls


def test_greylist_transient_then_delivered_after_the_delay(start_sandbox: StartSandbox) -> None:
    sandbox = start_sandbox("greylist", options=SandboxOptions(greylist_delay=1.0))
    first = ehlo_check(sandbox)
    assert first.exit_code == TRANSIENT, first.report
    assert first.replies("rcpt") == [
        [
            "450 4.2.0 <alice@example.net>: Recipient address rejected: Greylisted, see "
            "http://postgrey.schweikert.ch/help/example.net.html"
        ]
    ]
    time.sleep(1.1)
    retry = ehlo_check(sandbox)
    assert retry.exit_code == DELIVERED, retry.report


def test_rate_limit_after_a_few_messages_per_minute(start_sandbox: StartSandbox) -> None:
    sandbox = start_sandbox("rate-limit", options=SandboxOptions(rate_limit_per_minute=2))
    assert [ehlo_check(sandbox).exit_code for _ in range(2)] == [DELIVERED, DELIVERED]
    limited = ehlo_check(sandbox)
    assert limited.exit_code == TRANSIENT, limited.report
    (reply,) = limited.replies("mail")
    assert reply[0].startswith("421 4.7.0 [TSS04] Messages from 127.0.0.1 temporarily deferred")


def test_auth_fail_is_permanent(start_sandbox: StartSandbox) -> None:
    sandbox = start_sandbox("auth-fail")
    run = ehlo_check(sandbox, *AUTH)
    assert run.exit_code == PERMANENT, run.report
    assert run.replies("auth")[-1] == [
        "535-5.7.8 Username and Password not accepted. For more information, go to",
        "535 5.7.8  https://support.google.com/mail/?p=BadCredentials "
        "5b1f17b1804b1-43f5e1c7b6dsm1234567f8f.17 - gsmtp",
    ]


def test_tls_required_refuses_plaintext_and_accepts_starttls(start_sandbox: StartSandbox) -> None:
    sandbox = start_sandbox("tls-required")
    plain = ehlo_check(sandbox, "--tls", "none")
    assert plain.exit_code == PERMANENT, plain.report
    assert plain.replies("mail") == [["530 5.7.0 Must issue a STARTTLS command first"]]
    assert ehlo_check(sandbox).exit_code == DELIVERED


def test_unknown_user(start_sandbox: StartSandbox) -> None:
    sandbox = start_sandbox("unknown-user")
    run = ehlo_check(sandbox, recipient="nobody@example.net")
    assert run.exit_code == PERMANENT, run.report
    assert run.replies("rcpt") == [
        [
            "550 5.1.1 <nobody@example.net>: Recipient address rejected: "
            "User unknown in local recipient table"
        ]
    ]
    assert ehlo_check(sandbox, recipient=DEMO_MAILBOXES[2]).exit_code == DELIVERED


def test_mailbox_full(start_sandbox: StartSandbox) -> None:
    sandbox = start_sandbox("mailbox-full")
    temporary = ehlo_check(sandbox, recipient=DEMO_MAILBOXES[0])
    assert temporary.exit_code == TRANSIENT, temporary.report
    assert temporary.replies("rcpt")[0][0] == (
        "452-4.2.2 The email account that you tried to reach is over quota. Please direct"
    )
    permanent = ehlo_check(sandbox, recipient=DEMO_MAILBOXES[1])
    assert permanent.exit_code == PERMANENT, permanent.report
    assert permanent.replies("end-of-data") == [
        ["552 5.2.2 <bob@example.net> Quota exceeded (mailbox for user is full)"]
    ]


def test_dmarc_reject(start_sandbox: StartSandbox) -> None:
    sandbox = start_sandbox("dmarc-reject")
    run = ehlo_check(sandbox)
    assert run.exit_code == PERMANENT, run.report
    (reply,) = run.replies("end-of-data")
    assert reply[0] == (
        "550-5.7.26 Unauthenticated email from example.com is not accepted due to domain's"
    )
    assert len(reply) == 4


def test_auth_dns_451(start_sandbox: StartSandbox) -> None:
    sandbox = start_sandbox("auth-dns-451")
    run = ehlo_check(sandbox)
    assert run.exit_code == TRANSIENT, run.report
    (reply,) = run.replies("end-of-data")
    assert reply[0].startswith("451 4.7.651 The mail server [127.0.0.1] has been temporarily")


def test_blocklisted_at_the_greeting(start_sandbox: StartSandbox) -> None:
    sandbox = start_sandbox("blocklisted")
    run = ehlo_check(sandbox)
    assert run.exit_code == PERMANENT, run.report
    assert run.replies("connect") == [
        [
            "554 5.7.1 Service unavailable; Client host [127.0.0.1] blocked using "
            "zen.spamhaus.org; https://www.spamhaus.org/query/ip/127.0.0.1"
        ]
    ]
    assert run.replies("mail") == []


def test_spam_content(start_sandbox: StartSandbox) -> None:
    sandbox = start_sandbox("spam-content")
    run = ehlo_check(sandbox)
    assert run.exit_code == PERMANENT, run.report
    assert run.replies("end-of-data") == [["554 5.7.1 Spam message rejected"]]
    assert sandbox.store.snapshot() == ()


def test_too_large(start_sandbox: StartSandbox) -> None:
    sandbox = start_sandbox("too-large")
    run = ehlo_check(sandbox)
    assert run.exit_code == PERMANENT, run.report
    assert run.last_reply() == ["552 5.3.4 Message size exceeds fixed limit"]


def test_relay_denied(start_sandbox: StartSandbox) -> None:
    sandbox = start_sandbox("relay-denied")
    run = ehlo_check(sandbox, *AUTH)
    assert run.exit_code == PERMANENT, run.report
    assert run.replies("rcpt") == [["554 5.7.1 <alice@example.net>: Relay access denied"]]


@pytest.mark.parametrize(
    ("banner_delay", "reply_delay", "stage"),
    [(30.0, 30.0, "connect"), (0.1, 30.0, "ehlo")],
)
def test_tarpit_ends_in_a_timeout(
    start_sandbox: StartSandbox, banner_delay: float, reply_delay: float, stage: str
) -> None:
    options = SandboxOptions(tarpit_banner_delay=banner_delay, tarpit_reply_delay=reply_delay)
    sandbox = start_sandbox("tarpit", options=options)
    run = ehlo_check(sandbox, "--timeout", "1")
    assert run.exit_code == NO_CONNECTION, run.report
    assert run.report["error"]["kind"] == "timeout"
    assert run.report["error"]["stage"] == stage
    assert "1 s" in run.report["error"]["message"]
    assert run.seconds < 10


def test_disconnect_ends_in_a_closed_error(start_sandbox: StartSandbox) -> None:
    sandbox = start_sandbox("disconnect")
    run = ehlo_check(sandbox, "--timeout", "5")
    assert run.exit_code == NO_CONNECTION, run.report
    assert run.report["error"]["kind"] == "closed"
    assert run.report["error"]["stage"] == "end-of-data"
    assert "closed the connection" in run.report["error"]["message"]
    assert run.seconds < 10


def test_garbage_ends_in_a_protocol_error(start_sandbox: StartSandbox) -> None:
    sandbox = start_sandbox("garbage")
    run = ehlo_check(sandbox, "--timeout", "5")
    assert run.exit_code == NO_CONNECTION, run.report
    assert run.report["error"]["kind"] == "protocol"
    assert run.report["error"]["stage"] == "rcpt"
    assert run.seconds < 10
    assert "Traceback" not in run.stderr


def test_every_scenario_is_covered_here() -> None:
    # the scenarios this module starts, read from its own calls, so that a deleted test shows
    source = Path(__file__).read_text(encoding="utf-8")
    started = set(re.findall(r'start_sandbox\(\s*"([a-z0-9-]+)"', source))
    assert started == set(SCENARIOS)


def test_given_certificate_verifies_against_its_ca(
    start_sandbox: StartSandbox, tmp_path: pytest.TempPathFactory
) -> None:
    import trustme

    authority = trustme.CA()
    issued = authority.issue_cert("127.0.0.1", "localhost")
    cert, key, ca = (f"{tmp_path}/{name}.pem" for name in ("cert", "key", "ca"))
    issued.cert_chain_pems[0].write_to_path(cert)
    issued.private_key_pem.write_to_path(key)
    authority.cert_pem.write_to_path(ca)
    sandbox = start_sandbox("happy", tls_cert=cert, tls_key=key)
    assert sandbox.certificate_pem == issued.cert_chain_pems[0].bytes().decode()
    command = [
        sys.executable,
        "-m",
        "ehlo",
        "check",
        f"{sandbox.host}:{sandbox.port}",
        "--tls",
        "starttls",
        "--ca-file",
        ca,
        "--from",
        DEMO_SENDER,
        "--to",
        DEMO_MAILBOXES[0],
        "--json",
    ]
    completed = subprocess.run(
        command, capture_output=True, text=True, timeout=60, env=ehlo_env(), check=False
    )
    assert completed.returncode == DELIVERED, completed.stdout
    report = json.loads(completed.stdout)
    assert report["tls"]["verified"] is True
    # Without the CA the same certificate is refused: exit 3.
    refused = ehlo_check_verified(sandbox)
    assert refused == NO_CONNECTION


def ehlo_check_verified(sandbox: Sandbox) -> int:
    command = [
        sys.executable,
        "-m",
        "ehlo",
        "check",
        f"{sandbox.host}:{sandbox.port}",
        "--tls",
        "starttls",
        "--from",
        DEMO_SENDER,
        "--to",
        DEMO_MAILBOXES[0],
    ]
    completed = subprocess.run(
        command, capture_output=True, text=True, timeout=60, env=ehlo_env(), check=False
    )
    return completed.returncode


def test_tarpit_is_slow_but_a_patient_client_gets_through(start_sandbox: StartSandbox) -> None:
    options = SandboxOptions(tarpit_banner_delay=0.5, tarpit_reply_delay=0.2)
    sandbox = start_sandbox("tarpit", options=options)
    run = ehlo_check(sandbox, "--timeout", "10")
    assert run.exit_code == DELIVERED, run.report
    banner = run.report["steps"][0]
    assert banner["stage"] == "connect"
    assert banner["elapsed_ms"] >= 450
    assert all(step["elapsed_ms"] >= 150 for step in run.report["steps"][1:] if step["reply"])
