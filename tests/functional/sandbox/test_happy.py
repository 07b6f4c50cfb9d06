"""The happy scenario speaks correct ESMTP: extensions, STARTTLS, AUTH, delivery to the store."""

from __future__ import annotations

import base64
import smtplib
import ssl

import pytest

from ehlo.sandbox import DEMO_MAILBOXES, DEMO_PASSWORD, DEMO_SENDER, DEMO_USER, Sandbox
from tests.functional.sandbox.conftest import StartSandbox, insecure_context, smtp_client

MESSAGE = b"From: demo@example.com\r\nSubject: hello\r\n\r\nHello from the test.\r\n"


def test_ehlo_advertises_the_promised_extensions(start_sandbox: StartSandbox) -> None:
    sandbox = start_sandbox()
    client = smtp_client(sandbox, starttls=False)
    for extension in ("pipelining", "size", "8bitmime", "smtputf8", "enhancedstatuscodes"):
        assert client.has_extn(extension), extension
    assert client.has_extn("starttls")
    assert not client.has_extn("auth"), "AUTH is only offered after TLS"
    client.starttls(context=insecure_context())
    client.ehlo()
    assert not client.has_extn("starttls")
    assert set(client.esmtp_features["auth"].split()) == {"PLAIN", "LOGIN", "CRAM-MD5"}
    client.quit()


@pytest.mark.parametrize("mechanism", ["PLAIN", "LOGIN", "CRAM-MD5"])
def test_auth_mechanisms_accept_the_demo_credentials(
    start_sandbox: StartSandbox, mechanism: str
) -> None:
    sandbox = start_sandbox()
    client = smtp_client(sandbox)
    client.user, client.password = DEMO_USER, DEMO_PASSWORD
    authobject = getattr(client, "auth_" + mechanism.lower().replace("-", "_"))
    code, text = client.auth(mechanism, authobject)
    assert (code, text) == (235, b"2.7.0 Authentication successful")
    client.sendmail(DEMO_SENDER, [DEMO_MAILBOXES[0]], MESSAGE)
    client.quit()
    (kept,) = sandbox.store.snapshot()
    assert kept.authenticated_as == DEMO_USER
    assert kept.tls


@pytest.mark.parametrize("mechanism", ["PLAIN", "LOGIN", "CRAM-MD5"])
def test_wrong_password_gets_535(start_sandbox: StartSandbox, mechanism: str) -> None:
    sandbox = start_sandbox()
    client = smtp_client(sandbox)
    client.user, client.password = DEMO_USER, "wrong"
    authobject = getattr(client, "auth_" + mechanism.lower().replace("-", "_"))
    with pytest.raises(smtplib.SMTPAuthenticationError) as failure:
        client.auth(mechanism, authobject)
    assert failure.value.smtp_code == 535
    assert failure.value.smtp_error.startswith(b"5.7.8 ")
    client.quit()


def test_auth_before_tls_is_refused(start_sandbox: StartSandbox) -> None:
    sandbox = start_sandbox()
    client = smtp_client(sandbox, starttls=False)
    blob = base64.b64encode(f"\0{DEMO_USER}\0{DEMO_PASSWORD}".encode()).decode()
    code, text = client.docmd("AUTH", f"PLAIN {blob}")
    assert code == 538
    assert text.startswith(b"5.7.11 ")
    client.quit()


def test_message_is_kept_with_its_envelope(start_sandbox: StartSandbox) -> None:
    sandbox = start_sandbox()
    client = smtp_client(sandbox)
    assert client.mail(DEMO_SENDER) == (250, b"2.1.0 Ok")
    assert client.rcpt(DEMO_MAILBOXES[0]) == (250, b"2.1.5 Ok")
    assert client.rcpt("anyone@elsewhere.example") == (250, b"2.1.5 Ok")
    code, text = client.data(MESSAGE)
    assert code == 250
    assert text.startswith(b"2.0.0 Ok: queued as ")
    client.quit()
    (kept,) = sandbox.store.snapshot()
    assert kept.sender == DEMO_SENDER
    assert kept.recipients == (DEMO_MAILBOXES[0], "anyone@elsewhere.example")
    assert kept.data == MESSAGE
    assert kept.helo == "client.test"
    assert kept.queue_id.encode() in text


def test_null_sender_is_accepted(start_sandbox: StartSandbox) -> None:
    sandbox = start_sandbox()
    client = smtp_client(sandbox)
    assert client.mail("<>")[0] == 250
    assert client.rcpt(DEMO_MAILBOXES[1])[0] == 250
    assert client.data(MESSAGE)[0] == 250
    client.quit()
    assert sandbox.store.snapshot()[0].sender == ""


def test_implicit_tls_port_offers_auth_without_starttls(start_sandbox: StartSandbox) -> None:
    sandbox = start_sandbox(implicit_tls_port=0)
    assert sandbox.implicit_tls_port not in (None, 0, sandbox.port)
    assert sandbox.implicit_tls_port is not None
    client = smtplib.SMTP_SSL(
        sandbox.host, sandbox.implicit_tls_port, context=insecure_context(), timeout=10
    )
    client.ehlo("client.test")
    assert not client.has_extn("starttls")
    client.login(DEMO_USER, DEMO_PASSWORD)
    client.sendmail(DEMO_SENDER, [DEMO_MAILBOXES[0]], MESSAGE)
    client.quit()
    assert sandbox.store.snapshot()[0].tls


def test_certificate_is_self_signed_for_the_sandbox_and_loopback(
    start_sandbox: StartSandbox,
) -> None:
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    sandbox = start_sandbox()
    certificate = x509.load_pem_x509_certificate(sandbox.certificate_pem.encode())
    assert certificate.issuer == certificate.subject
    names = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "localhost" in names.get_values_for_type(x509.DNSName)
    client = smtp_client(sandbox)
    assert isinstance(client.sock, ssl.SSLSocket)
    presented = client.sock.getpeercert(binary_form=True)
    client.quit()
    assert presented == certificate.public_bytes(serialization.Encoding.DER)


async def test_async_context_manager_serves_and_stops() -> None:
    import asyncio

    async with Sandbox("happy") as sandbox:
        reader, writer = await asyncio.open_connection(sandbox.host, sandbox.port)
        banner = await reader.readline()
        assert banner.startswith(b"220 sandbox.ehlo.test ESMTP")
        writer.write(b"QUIT\r\n")
        assert await reader.readline() == b"221 2.0.0 Bye\r\n"
        writer.close()
        port = sandbox.port
    with pytest.raises(OSError):
        await asyncio.open_connection("127.0.0.1", port)


def test_pipelined_commands_get_replies_in_order(start_sandbox: StartSandbox) -> None:
    from tests.functional.sandbox.rawclient import RawClient

    sandbox = start_sandbox()
    client = RawClient(sandbox.host, sandbox.port)
    client.reply()
    client.command("EHLO client.test")
    client.send(
        f"MAIL FROM:<{DEMO_SENDER}>\r\nRCPT TO:<{DEMO_MAILBOXES[0]}>\r\n"
        f"RCPT TO:<{DEMO_MAILBOXES[1]}>\r\nDATA"
    )
    replies = [client.reply() for _ in range(4)]
    assert replies == [
        b"250 2.1.0 Ok\r\n",
        b"250 2.1.5 Ok\r\n",
        b"250 2.1.5 Ok\r\n",
        b"354 End data with <CR><LF>.<CR><LF>\r\n",
    ]
    assert client.command("Subject: p\r\n\r\npipelined\r\n.").startswith(b"250 2.0.0 ")


def test_smtputf8_and_8bitmime_are_accepted_intact(start_sandbox: StartSandbox) -> None:
    from tests.functional.sandbox.rawclient import RawClient

    sandbox = start_sandbox()
    client = RawClient(sandbox.host, sandbox.port)
    client.reply()
    client.command("EHLO client.test")
    sender = "jürgen@bücher.example"
    mail = client.command(f"MAIL FROM:<{sender}> SMTPUTF8 BODY=8BITMIME".encode())
    assert mail == b"250 2.1.0 Ok\r\n"
    assert client.command(f"RCPT TO:<{DEMO_MAILBOXES[0]}>") == b"250 2.1.5 Ok\r\n"
    client.command("DATA")
    body = "Subject: Grüße\r\n\r\nÄpfel und Birnen\r\n..leading dot\r\n".encode()
    assert client.command(body + b".").startswith(b"250 2.0.0 ")
    (kept,) = sandbox.store.snapshot()
    assert kept.sender == sender
    assert kept.data == "Subject: Grüße\r\n\r\nÄpfel und Birnen\r\n.leading dot\r\n".encode()


def test_helo_client_gets_plain_replies_and_rset_clears(start_sandbox: StartSandbox) -> None:
    from tests.functional.sandbox.rawclient import RawClient

    sandbox = start_sandbox()
    client = RawClient(sandbox.host, sandbox.port)
    client.reply()
    assert client.command("HELO old.client.test") == b"250 sandbox.ehlo.test\r\n"
    assert client.command("DATA") == b"503 Error: need RCPT command\r\n"
    assert client.command(f"MAIL FROM:<{DEMO_SENDER}>") == b"250 2.1.0 Ok\r\n"
    assert client.command("RSET") == b"250 2.0.0 Ok\r\n"
    assert client.command(f"RCPT TO:<{DEMO_MAILBOXES[0]}>") == b"503 Error: need MAIL command\r\n"


def test_errors_after_ehlo_carry_enhanced_codes(start_sandbox: StartSandbox) -> None:
    from tests.functional.sandbox.rawclient import RawClient

    sandbox = start_sandbox()
    client = RawClient(sandbox.host, sandbox.port)
    client.reply()
    client.command("EHLO client.test")
    assert client.command("DATA") == b"503 5.5.1 Error: need RCPT command\r\n"
    assert client.command("BDAT 10 LAST").startswith(b"500 5.5.2 ")
    assert client.command("MAIL FROM:").startswith(b"501 5.5.4 Syntax: MAIL FROM:")
    assert client.command("VRFY alice").startswith(b"252 2.0.0 ")


def _has_ipv6_loopback() -> bool:
    import socket

    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::1", 0))
    except OSError:
        return False
    return True


@pytest.mark.skipif(not _has_ipv6_loopback(), reason="no IPv6 loopback here")
def test_listens_on_ipv6_loopback(start_sandbox: StartSandbox) -> None:
    sandbox = start_sandbox(host="::1")
    assert sandbox.address == f"[::1]:{sandbox.port}"
    client = smtplib.SMTP("::1", sandbox.port, local_hostname="client.test", timeout=10)
    client.starttls(context=insecure_context())
    client.sendmail(DEMO_SENDER, [DEMO_MAILBOXES[0]], MESSAGE)
    client.quit()
    assert sandbox.store.snapshot()[0].peer == "::1"
