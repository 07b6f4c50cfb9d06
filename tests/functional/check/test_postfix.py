"""`ehlo check` against a real Postfix: deliveries, refusals, TLS and --quit-after."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.fixtures.postfix import PostfixServer

from .conftest import run_check

pytestmark = pytest.mark.postfix

SENDER = "sender@example.org"


def _verified(postfix: PostfixServer) -> list[str]:
    """Options that verify Postfix's certificate against the test CA."""
    return ["--ca-file", str(postfix.ca_file), "--server-name", postfix.hostname]


def _sent(document: dict[str, object]) -> list[str | None]:
    steps = document["steps"]
    assert isinstance(steps, list)
    return [step["sent"] for step in steps]


def _codes(document: dict[str, object]) -> list[int | None]:
    steps = document["steps"]
    assert isinstance(steps, list)
    return [step["reply"]["code"] if step["reply"] else None for step in steps]


def _wait_for_log(postfix: PostfixServer, fragment: str, timeout: float = 10) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        log = postfix.log()
        if fragment in log:
            return log
        time.sleep(0.1)
    raise AssertionError(f"{fragment!r} not in the Postfix log:\n{postfix.log()[-3000:]}")


def test_whole_delivery(postfix: PostfixServer) -> None:
    recipient = postfix.address("alice")
    run = run_check(postfix.target, "--from", SENDER, "--to", recipient, *_verified(postfix))
    assert run.code == 0, run.output
    assert "<- 220 mail.ehlo.test ESMTP" in run.stdout
    assert "<- 250 2.0.0 Ok: queued as" in run.stdout
    assert "result: delivered" in run.stdout
    assert "certificate verified for mail.ehlo.test" in run.stdout
    assert "Traceback" not in run.output
    queue_id = run.stdout.split("queued as ", 1)[1].split()[0]
    log = _wait_for_log(postfix, f"{queue_id}: to=<{recipient}>")
    assert f"{queue_id}: to=<{recipient}>, relay=none" in log and "status=sent" in log


def test_every_reply_has_a_timing_and_a_meaning(postfix: PostfixServer) -> None:
    run = run_check(postfix.target, "--from", SENDER, "--to", postfix.address("bob"), "--no-verify")
    assert run.code == 0, run.output
    lines = run.stdout.splitlines()
    firsts = [i for i, line in enumerate(lines) if "<- " in line and " ms  <- " in line]
    assert len(firsts) >= 8  # banner, EHLO, STARTTLS, EHLO, MAIL, RCPT, DATA, message, QUIT
    for index in firsts:
        following = next(line for line in lines[index + 1 :] if "<- " not in line)
        assert following.strip().startswith("= "), following


def test_unknown_user_is_a_permanent_failure(postfix: PostfixServer) -> None:
    run = run_check(
        postfix.target, "--from", SENDER, "--to", postfix.address("nobody"), "--no-verify", "--json"
    )
    assert run.code == 2, run.output
    document = run.json()
    assert document["result"] == "permanent"
    rcpt = document["steps"][-2]  # type: ignore[index]
    assert rcpt["sent"] == f"RCPT TO:<{postfix.address('nobody')}>"
    assert rcpt["reply"]["code"] == 550 and rcpt["reply"]["enhanced"] == "5.1.1"
    assert "User unknown" in rcpt["reply"]["lines"][0]
    assert _sent(document)[-1] == "QUIT"


def test_relay_is_denied(postfix: PostfixServer) -> None:
    run = run_check(
        postfix.target, "--from", SENDER, "--to", "someone@elsewhere.example", "--tls", "none"
    )
    assert run.code == 2, run.output
    assert "554 5.7.1 <someone@elsewhere.example>: Relay access denied" in run.stdout
    assert "result: permanent failure at rcpt" in run.stdout
    assert "STARTTLS" not in run.stdout.split("<- 250 CHUNKING")[-1]


def test_deferred_recipient_is_a_transient_failure(postfix: PostfixServer) -> None:
    run = run_check(
        postfix.target,
        "--from",
        SENDER,
        "--to",
        postfix.address(postfix.deferred_user),
        "--json",
        "--no-verify",
    )
    assert run.code == 1, run.output
    document = run.json()
    assert document["result"] == "transient"
    assert 450 in _codes(document)


def test_message_too_large(postfix: PostfixServer, tmp_path: Path) -> None:
    message = tmp_path / "big.eml"
    body = ("x" * 70 + "\r\n") * (postfix.message_size_limit // 70 + 50)
    message.write_text(f"Subject: big\r\nFrom: {SENDER}\r\n\r\n{body}")
    run = run_check(
        postfix.target,
        "--from",
        SENDER,
        "--to",
        postfix.address("alice"),
        "--data",
        str(message),
        "--no-verify",
        "--json",
    )
    assert run.code == 2, run.output
    document = run.json()
    assert document["result"] == "permanent"
    codes = _codes(document)
    assert 552 in codes
    rejected = next(s for s in document["steps"] if s["reply"] and s["reply"]["code"] == 552)  # type: ignore[union-attr]
    assert rejected["reply"]["enhanced"] == "5.3.4"


def test_starttls_then_a_fresh_ehlo(postfix: PostfixServer) -> None:
    run = run_check(
        postfix.target,
        "--from",
        SENDER,
        "--to",
        postfix.address("alice"),
        "--tls",
        "starttls",
        "--helo",
        "client.ehlo.test",
        "--json",
        *_verified(postfix),
    )
    assert run.code == 0, run.output
    document = run.json()
    sent = _sent(document)
    assert sent[:4] == [None, "EHLO client.ehlo.test", "STARTTLS", "EHLO client.ehlo.test"]
    steps = document["steps"]
    assert isinstance(steps, list)
    before, after = steps[1]["reply"]["lines"], steps[3]["reply"]["lines"]
    assert any("STARTTLS" in line for line in before)
    assert not any("STARTTLS" in line for line in after)
    tls = document["tls"]
    assert isinstance(tls, dict)
    assert tls["verified"] is True and tls["hostname"] == postfix.hostname
    assert tls["version"].startswith("TLSv1.")
    assert "mail.ehlo.test" in tls["chain"][0]["sans"]
    assert document["result"] == "delivered"
    log = postfix.log()
    assert "TLS connection established from localhost[127.0.0.1]" in log


def test_certificate_from_an_unknown_ca_fails_verification(postfix: PostfixServer) -> None:
    run = run_check(
        postfix.target,
        "--from",
        SENDER,
        "--to",
        postfix.address("alice"),
        "--tls",
        "starttls",
        "--server-name",
        postfix.hostname,
        "--json",
    )
    assert run.code == 3, run.output
    document = run.json()
    assert document["result"] == "error"
    error = document["error"]
    assert isinstance(error, dict) and error["kind"] == "tls" and error["message"]
    assert "MAIL FROM:<sender@example.org>" not in _sent(document)


def test_report_mode_continues_and_says_why(postfix: PostfixServer) -> None:
    run = run_check(
        postfix.target,
        "--from",
        SENDER,
        "--to",
        postfix.address("alice"),
        "--tls",
        "starttls",
        "--no-verify",
        "--server-name",
        "wrong.example",
    )
    assert run.code == 0, run.output
    assert "certificate NOT verified" in run.stdout
    assert "result: delivered" in run.stdout


@pytest.mark.parametrize(
    ("quit_after", "last_before_quit", "result"),
    [
        ("connect", None, "stopped"),
        ("ehlo", "EHLO", "stopped"),
        ("tls", "EHLO", "stopped"),
        ("mail", "MAIL FROM:<sender@example.org>", "stopped"),
        ("rcpt", "RCPT TO:<alice@ehlo.test>", "stopped"),
        ("data", "<message", "delivered"),
    ],
)
def test_quit_after(
    postfix: PostfixServer, quit_after: str, last_before_quit: str | None, result: str
) -> None:
    run = run_check(
        postfix.target,
        "--from",
        SENDER,
        "--to",
        postfix.address("alice"),
        "--quit-after",
        quit_after,
        "--json",
        *_verified(postfix),
    )
    assert run.code == 0, run.output
    document = run.json()
    sent = _sent(document)
    assert sent[-1] == "QUIT"
    previous = sent[-2]
    if last_before_quit is None:
        assert previous is None
    else:
        assert previous is not None and previous.startswith(last_before_quit)
    if quit_after == "tls":
        assert sent.count("STARTTLS") == 1 and document["tls"] is not None
    if quit_after == "ehlo":
        assert "STARTTLS" not in sent
    assert document["result"] == result


def test_json_shape(postfix: PostfixServer) -> None:
    run = run_check(
        postfix.target,
        "--from",
        SENDER,
        "--to",
        postfix.address("alice"),
        "--json",
        *_verified(postfix),
    )
    assert run.code == 0, run.output
    assert run.stderr == ""
    document = run.json()
    assert list(document)[:6] == ["target", "peer", "tls", "steps", "result", "error"]
    assert document["target"] == postfix.target
    assert document["peer"] == {"address": "127.0.0.1", "port": postfix.port}
    assert document["error"] is None
    steps = document["steps"]
    assert isinstance(steps, list)
    for step in steps:
        assert set(step) >= {"sent", "reply", "elapsed_ms"}
        assert step["sent"] is None or isinstance(step["sent"], str)
        assert isinstance(step["elapsed_ms"], float) and step["elapsed_ms"] >= 0
        reply = step["reply"]
        assert set(reply) == {"code", "enhanced", "lines"}
        assert isinstance(reply["code"], int) and isinstance(reply["lines"], list)
        assert reply["enhanced"] is None or reply["enhanced"].count(".") == 2


@pytest.mark.parametrize("message", ["subject", "file"])
def test_the_printed_swaks_command_runs(
    postfix: PostfixServer, message: str, tmp_path: Path
) -> None:
    import shlex
    import subprocess

    args = [postfix.target, "--from", SENDER, "--to", postfix.address("alice"), "--tls", "starttls"]
    if message == "subject":
        args += ["--subject", "it's a test; $(true)"]
    else:
        path = tmp_path / "it's here.eml"
        path.write_text("Subject: it's a test; $(true)\r\n\r\nfrom a file\r\n")
        args += ["--data", str(path)]
    printed = run_check(*args, "--no-verify", "--print-command", "swaks")
    assert printed.code == 0, printed.output
    words = shlex.split(printed.stdout)
    assert words[0] == "swaks"
    swaks = subprocess.run(words, capture_output=True, text=True, timeout=60, check=False)
    assert swaks.returncode == 0, swaks.stdout + swaks.stderr
    assert "Subject: it's a test; $(true)" in swaks.stdout
    assert "250 2.0.0 Ok: queued" in swaks.stdout


def test_implicit_tls(postfix: PostfixServer) -> None:
    run = run_check(
        f"{postfix.host}:{postfix.implicit_tls_port}", "--tls", "implicit", "--from", SENDER,
        "--to", postfix.address("alice"), "--json", *_verified(postfix),
    )  # fmt: skip
    assert run.code == 0, run.output
    document = run.json()
    assert "STARTTLS" not in _sent(document)
    tls = document["tls"]
    assert isinstance(tls, dict) and tls["verified"] is True
    assert document["result"] == "delivered"


def test_plain_smtp_to_an_implicit_tls_port_fails_cleanly(postfix: PostfixServer) -> None:
    run = run_check(
        f"{postfix.host}:{postfix.implicit_tls_port}", "--tls", "none", "--quit-after", "ehlo",
        "--timeout", "2",
    )  # fmt: skip
    assert run.code == 3, run.output
    assert "Traceback" not in run.output
    assert "result: error" in run.stdout


def test_a_reader_that_goes_away_does_not_break_the_check(postfix: PostfixServer) -> None:
    import subprocess
    import sys

    from tests.conftest import ehlo_env

    process = subprocess.Popen(
        [sys.executable, "-m", "ehlo", "check", postfix.target, "--from", SENDER, "--to",
         postfix.address("nobody"), "--no-verify"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        env=ehlo_env(),
    )  # fmt: skip
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()  # the reader is gone before the first line, like `| head -0`
    code = process.wait(timeout=60)
    errors = process.stderr.read().decode()
    process.stderr.close()
    assert code == 2, errors
    assert "Traceback" not in errors and "internal error" not in errors
