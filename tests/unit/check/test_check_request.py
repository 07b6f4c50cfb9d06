"""`ehlo check` option handling that needs no server."""

from __future__ import annotations

import pytest

from ehlo.commands.check_request import CheckRequest
from ehlo.commands.check_run import ENGINE_STEP, equivalent_command, first_sentence
from ehlo.smtp.target import parse_target


def _request(target: str = "mx.example.com", **fields: object) -> CheckRequest:
    return CheckRequest(
        target=parse_target(target), sender="a@example.org", recipients=("b@example.com",), **fields
    )  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("tls", "port", "expected"),
    [
        ("auto", 25, "opportunistic"),
        ("auto", 587, "opportunistic"),
        ("auto", 465, "implicit"),
        ("starttls", 465, "starttls"),
        ("none", 25, "none"),
        ("implicit", 2465, "implicit"),
    ],
)
def test_tls_mode(tls: str, port: int, expected: str) -> None:
    assert _request(tls=tls).tls_mode(port) == expected


def test_default_port_follows_the_tls_mode() -> None:
    assert _request().default_port == 25
    assert _request(tls="implicit").default_port == 465
    assert _request(port=2525).default_port == 2525
    assert _request(tls="implicit").first_endpoint().port == 465
    assert _request("mx.example.com:587", tls="implicit").first_endpoint().port == 587


def test_connect_options_carry_every_choice() -> None:
    request = _request(
        "[2001:db8::1]:2525", verify=False, ca_file="/ca.pem", server_name="mx.example.com",
        family="ipv6", helo="client.example", timeout=3.0,
    )  # fmt: skip
    options = request.connect_options(request.first_endpoint())
    assert (options.host, options.port) == ("2001:db8::1", 2525)
    assert options.verify == "report" and options.ca_file == "/ca.pem"
    assert options.server_name == "mx.example.com" and options.family == "ipv6"
    assert options.helo == "client.example"
    assert options.timeouts.connect == options.timeouts.data == 3.0


def test_credentials_hide_the_secret() -> None:
    request = _request(mechanism="LOGIN", user="me", secret="pa55word")
    assert request.credentials is not None
    assert "pa55word" not in repr(request) and "pa55word" not in repr(request.credentials)
    assert "pa55word" not in equivalent_command(request, "swaks")
    assert "pa55word" in equivalent_command(
        _request(mechanism="LOGIN", user="me", secret="pa55word", show_secrets=True), "swaks"
    )


def test_every_quit_after_value_maps_to_an_engine_step() -> None:
    from ehlo.smtp.transaction import STEPS

    assert set(ENGINE_STEP.values()) <= set(STEPS)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The command succeeded. After the data it means more.", "The command succeeded."),
        ("One sentence only", "One sentence only"),
        ("  Spread\n over lines. Second.", "Spread over lines."),
    ],
)
def test_first_sentence(text: str, expected: str) -> None:
    assert first_sentence(text) == expected


def test_a_defect_is_reported_without_a_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from ehlo.commands import check_run

    async def broken(request: CheckRequest) -> int:
        raise RuntimeError("boom")

    monkeypatch.setattr(check_run, "_run", broken)
    assert check_run.run(_request()) == 3
    captured = capsys.readouterr()
    assert "internal error (RuntimeError: boom)" in captured.err
    assert "Traceback" not in captured.err
