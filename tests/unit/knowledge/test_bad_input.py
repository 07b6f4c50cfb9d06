"""Whatever arrives, annotate() and extract() answer without raising; non-replies are unknown."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ehlo.knowledge import REASON_IDS, annotate, extract
from ehlo.smtp.reply import parse_reply

CLASSES = {"success", "intermediate", "transient", "permanent", "unknown"}


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("", "empty"),
        ("   \r\n\t  ", "empty"),
        ("\x00\x01\x02binary\x00\xff", "binary"),
        ("x" * 1_000_000, "too large"),
        ("550 " + "y" * 1_000_000, "too large"),
        ("hello there, no code", "no three-digit"),
        ("600 6.0.0 too high", "600"),
        ("999 nonsense", "999"),
        ("099 low", "099"),
        ("550 5.1.1 bad byte \udcff here", "UTF-8"),
        (b"550 5.1.1 bad byte \xff here", "UTF-8"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "UTF-8"),
        (None, "expected reply text"),
        (12345, "expected reply text"),
    ],
)
def test_bad_input_is_unknown_and_says_why(value: object, says: str) -> None:
    annotation = annotate(value)  # type: ignore[arg-type]
    assert (annotation.reply_class, annotation.reason, annotation.retry) == (
        "unknown",
        "undefined",
        False,
    )
    assert says in annotation.meaning
    assert annotation.to_dict()["class"] == "unknown"


def test_a_reply_with_broken_utf8_from_the_parser_is_unknown() -> None:
    reply = parse_reply(b"550 5.1.1 caf\xe9 user unknown")
    assert annotate(reply).reply_class == "unknown"


def _check(annotation: object) -> None:
    data = annotation.to_dict()  # type: ignore[attr-defined]
    assert data["class"] in CLASSES
    assert data["reason"] in REASON_IDS
    assert isinstance(data["retry"], bool)
    assert isinstance(data["meaning"], str) and data["meaning"]
    if data["class"] == "unknown":
        assert data["reason"] == "undefined"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=2000), st.sampled_from([None, "rcpt", "connect", "end-of-data", "???"]))
def test_any_text_is_annotated_without_raising(text: str, stage: str | None) -> None:
    _check(annotate(text, stage))


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2000))
def test_any_bytes_are_annotated_without_raising(data: bytes) -> None:
    _check(annotate(data))  # type: ignore[arg-type]
    _check(annotate(parse_reply(data)))
    extract(data.decode("utf-8", "replace"))


reply_lines = st.builds(
    lambda code, sep, enhanced, text: f"{code}{sep}{enhanced}{text}",
    st.integers(min_value=0, max_value=999).map(lambda n: f"{n:03d}"),
    st.sampled_from([" ", "-", ""]),
    st.sampled_from(["", "5.1.1 ", "4.7.0 ", "2.0.0 ", "5.7.999 ", "#5.3.4 ", "9.9.9 "]),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=120),
)


@settings(max_examples=400, deadline=None)
@given(
    st.lists(reply_lines, min_size=1, max_size=8), st.sampled_from([None, "rcpt", "mail", "auth"])
)
def test_reply_shaped_input_gets_a_class_from_its_last_code(
    lines: list[str], stage: str | None
) -> None:
    text = "\n".join(lines)
    annotation = annotate(text, stage)
    _check(annotation)
    parsed = parse_reply(text)
    if parsed.code is not None and annotation.basic == parsed.code:
        expected = {2: "success", 3: "intermediate", 4: "transient", 5: "permanent"}[
            parsed.code // 100
        ]
        assert annotation.reply_class == expected
        if expected in ("success", "intermediate"):
            assert annotation.reason in ("ok", "delivered")
            assert annotation.retry is False


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=500), st.dictionaries(
    st.sampled_from(["host", "port", "domain", "ip", "helo", "sender", "recipient", "rcpt_domain"]),
    st.text(max_size=40),
))  # fmt: skip
def test_context_values_never_break_fix_commands(text: str, context: dict[str, str]) -> None:
    import shlex

    annotation = annotate(
        "550 5.7.1 blocked using zen.spamhaus.org; SPF fail " + text, "rcpt", context
    )
    for fix in annotation.fixes:
        if fix.command:
            assert "\n" not in fix.command and "\r" not in fix.command
            shlex.split(fix.command)
