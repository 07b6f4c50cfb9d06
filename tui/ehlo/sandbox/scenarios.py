"""The scenarios: each reproduces one real-world server behaviour with the wording servers use.

Adding one is a few lines: write the hooks (functions of a Context returning a Response or None
for the normal reply) and append a Scenario to _ALL. The literal texts and their sources are
listed in reference/sandbox-replies.toml (a test keeps the two in step).
"""

from __future__ import annotations

import email.parser
import email.policy
import email.utils
from collections.abc import Mapping
from types import MappingProxyType

from ehlo.sandbox.identity import DEMO_MAILBOXES, is_demo_mailbox
from ehlo.sandbox.scenario import DROP, Context, Response, Scenario, multiline, reply
from ehlo.smtp.address import domain_of

GMAIL_TRACE = "5b1f17b1804b1-43f5e1c7b6dsm1234567f8f.17 - gsmtp"
"""Gmail ends its replies with a per-session trace id and "gsmtp"; this one is fixed."""


# --- greylist ---------------------------------------------------------------------------


def _greylist_rcpt(ctx: Context) -> Response | None:
    """Postgrey: the first attempt of a (client, sender, recipient) triplet is deferred."""
    recipient = ctx.recipient or ""
    triplet = (ctx.client_ip, (ctx.sender or "").lower(), recipient.lower())
    now = ctx.shared.clock()
    first_seen, is_new = ctx.shared.greylist.first_seen(triplet, now)
    if not is_new and now - first_seen >= ctx.options.greylist_delay:
        return None
    return reply(
        f"450 4.2.0 <{recipient}>: Recipient address rejected: Greylisted, see "
        f"http://postgrey.schweikert.ch/help/{domain_of(recipient) or 'localhost'}.html"
    )


# --- rate-limit -------------------------------------------------------------------------


def _rate_limit_mail(ctx: Context) -> Response | None:
    """Yahoo defers a client sending faster than it trusts, and hangs up."""
    too_many_here = ctx.messages_on_connection >= ctx.options.rate_limit_per_connection
    recent = ctx.shared.rates.recent(ctx.client_ip, ctx.shared.clock())
    if not too_many_here and recent < ctx.options.rate_limit_per_minute:
        return None
    return reply(
        f"421 4.7.0 [TSS04] Messages from {ctx.client_ip} temporarily deferred due to unexpected "
        "volume or user complaints - 4.16.55.1; see https://postmaster.yahooinc.com/error-codes",
        close=True,
    )


# --- auth-fail --------------------------------------------------------------------------


def _auth_fail(ctx: Context) -> Response | None:
    """Gmail refuses the credentials (also the right ones: an app password is needed)."""
    return reply(
        "535-5.7.8 Username and Password not accepted. For more information, go to",
        f"535 5.7.8  https://support.google.com/mail/?p=BadCredentials {GMAIL_TRACE}",
    )


# --- tls-required -----------------------------------------------------------------------

_NEEDS_TLS = frozenset({"AUTH", "MAIL", "RCPT", "DATA", "VRFY", "EXPN"})


def _tls_required_command(ctx: Context) -> Response | None:
    """Postfix with smtpd_tls_security_level = encrypt refuses mail before STARTTLS."""
    if ctx.tls or ctx.command not in _NEEDS_TLS:
        return None
    return reply("530 5.7.0 Must issue a STARTTLS command first")


# --- unknown-user -----------------------------------------------------------------------


def _unknown_user_rcpt(ctx: Context) -> Response | None:
    """Postfix rejects a recipient that is not in its local recipient table."""
    if is_demo_mailbox(ctx.recipient or ""):
        return None
    return reply(
        f"550 5.1.1 <{ctx.recipient}>: Recipient address rejected: "
        "User unknown in local recipient table"
    )


# --- mailbox-full -----------------------------------------------------------------------


def _mailbox_full_rcpt(ctx: Context) -> Response | None:
    """Gmail defers mail to an account over its storage quota (temporary)."""
    if (ctx.recipient or "").lower() != DEMO_MAILBOXES[0]:
        return None
    return multiline(
        "452",
        "4.2.2",
        (
            "The email account that you tried to reach is over quota. Please direct",
            "the recipient to",
            f" https://support.google.com/mail/?p=OverQuotaTemp {GMAIL_TRACE}",
        ),
    )


def _mailbox_full_end(ctx: Context) -> Response | None:
    """Dovecot's LMTP refuses the message for a mailbox that is full (permanent)."""
    full = next((r for r in ctx.recipients if r.lower() != DEMO_MAILBOXES[0]), None)
    if full is None:
        return None
    return reply(f"552 5.2.2 <{full}> Quota exceeded (mailbox for user is full)")


# --- dmarc-reject -----------------------------------------------------------------------


def _from_domain(message: bytes | None, fallback: str) -> str:
    """The domain of the message's From: header (DMARC's subject), else FALLBACK."""
    if message:
        try:
            headers = email.parser.BytesHeaderParser(policy=email.policy.compat32).parsebytes(
                message[:65536]
            )
            from_value = str(headers.get("From", ""))
            domain = domain_of(email.utils.parseaddr(from_value)[1]) or ""
        except Exception:
            domain = ""
        if domain:
            return domain
    return fallback or "example.com"


def _dmarc_reject_end(ctx: Context) -> Response | None:
    """Gmail rejects a message that fails DMARC for a domain publishing p=reject."""
    domain = _from_domain(ctx.message, domain_of(ctx.sender) or "")
    return multiline(
        "550",
        "5.7.26",
        (
            f"Unauthenticated email from {domain} is not accepted due to domain's",
            f"DMARC policy. Please contact the administrator of {domain} domain if",
            "this was a legitimate mail. To learn about the DMARC initiative, go to",
            f" https://support.google.com/mail/?p=DmarcRejection {GMAIL_TRACE}",
        ),
    )


# --- auth-dns-451 -----------------------------------------------------------------------


def _auth_dns_end(ctx: Context) -> Response | None:
    """Microsoft defers mail from a sender it cannot yet trust (S3114)."""
    return reply(
        f"451 4.7.651 The mail server [{ctx.client_ip}] has been temporarily rate limited due "
        "to IP reputation. For e-mail delivery information, see https://postmaster.live.com "
        "(S3114)"
    )


# --- blocklisted ------------------------------------------------------------------------


def _blocklisted_connect(ctx: Context) -> Response | None:
    """A server using Spamhaus ZEN refuses the client at the greeting."""
    ctx.refused_at_greeting = True
    return reply(
        f"554 5.7.1 Service unavailable; Client host [{ctx.client_ip}] blocked using "
        f"zen.spamhaus.org; https://www.spamhaus.org/query/ip/{ctx.client_ip}"
    )


def _blocklisted_command(ctx: Context) -> Response | None:
    """RFC 5321 3.1: after a 554 greeting, answer 503 to everything but QUIT."""
    if ctx.command == "QUIT":
        return None
    return reply("503 5.5.1 Bad sequence of commands")


# --- spam-content -----------------------------------------------------------------------


def _spam_content_end(ctx: Context) -> Response | None:
    """Rspamd, as a Postfix milter, scores the message as spam and rejects it."""
    return reply("554 5.7.1 Spam message rejected")


# --- too-large --------------------------------------------------------------------------


def _declared_size(ctx: Context) -> int:
    size = ctx.mail_params.get("SIZE")
    return int(size) if isinstance(size, str) and (size.isascii() and size.isdigit()) else 0


def _too_large_mail(ctx: Context) -> Response | None:
    """Postfix refuses a MAIL FROM whose SIZE= exceeds message_size_limit."""
    if _declared_size(ctx) <= ctx.options.too_large_limit:
        return None
    return reply("552 5.3.4 Message size exceeds fixed limit")


def _too_large_end(ctx: Context) -> Response | None:
    """Postfix refuses a message larger than message_size_limit after receiving it."""
    if len(ctx.message or b"") <= ctx.options.too_large_limit:
        return None
    return reply("552 5.3.4 Message size exceeds fixed limit")


# --- relay-denied -----------------------------------------------------------------------


def _relay_denied_rcpt(ctx: Context) -> Response | None:
    """Postfix's reject_unauth_destination: not our domain and not a client we relay for."""
    return reply(f"554 5.7.1 <{ctx.recipient}>: Relay access denied")


# --- hostile: tarpit, disconnect, garbage -----------------------------------------------


def _tarpit_reply(ctx: Context) -> Response | None:
    """Every reply arrives late; the greeting later still."""
    if ctx.replies_sent == 0:
        delay = ctx.options.tarpit_banner_delay
    else:
        delay = ctx.options.tarpit_reply_delay
    return Response(ctx.outgoing, delay=delay)


def _disconnect_end(ctx: Context) -> Response | None:
    """The connection drops after the message, before the final reply."""
    return DROP


def _garbage_connect(ctx: Context) -> Response | None:
    """A greeting ended by a bare LF."""
    return Response(f"220 {ctx.options.hostname} ESMTP garbage ahead\n".encode())


def _garbage_ehlo(ctx: Context) -> Response | None:
    """A multi-line reply whose lines carry different codes."""
    return Response(
        f"250-{ctx.options.hostname}\r\n251-PIPELINING\r\n250-8BITMIME\r\n"
        "252 ENHANCEDSTATUSCODES\r\n".encode()
    )


def _garbage_mail(ctx: Context) -> Response | None:
    """A reply whose text is not UTF-8 (Latin-1 bytes and a broken sequence)."""
    return Response(b"250 2.1.0 Sender ok, caf\xe9 \xff\xfe \xc3(\r\n")


def _garbage_rcpt(ctx: Context) -> Response | None:
    """A reply without a valid three-digit code."""
    return Response(b"2x5 2.1.5 Recipient ok\r\n")


_ALL: tuple[Scenario, ...] = (
    Scenario(
        "happy",
        "Accepts everything: STARTTLS, AUTH and any sender or recipient.",
        "A correctly configured mail server, answering the way Postfix does.",
    ),
    Scenario(
        "greylist",
        "450 4.2.0 on the first attempt of each client/sender/recipient; accepts a later retry.",
        "Greylisting (Postgrey with Postfix): spam bots rarely retry, real MTAs do. The retry is "
        "accepted once the delay (postgrey's default is 300 s; here greylist_delay) has passed.",
        {"rcpt": _greylist_rcpt},
    ),
    Scenario(
        "rate-limit",
        "421 4.7.0 and a hang-up after a few messages per connection or per minute.",
        "Yahoo's TSS04 deferral of a client sending more than it currently trusts; other large "
        "providers throttle the same way. The sender must slow down and retry later.",
        {"mail": _rate_limit_mail},
    ),
    Scenario(
        "auth-fail",
        "535 5.7.8 for every AUTH attempt, right password or not.",
        "Gmail refusing credentials: a wrong password, or a right one where an app password "
        "or OAuth is required.",
        {"auth": _auth_fail},
    ),
    Scenario(
        "tls-required",
        "530 5.7.0 for AUTH, MAIL, RCPT and DATA until the client uses STARTTLS.",
        "Postfix with smtpd_tls_security_level = encrypt (mandatory TLS, common on submission).",
        {"command": _tls_required_command},
    ),
    Scenario(
        "unknown-user",
        "550 5.1.1 for every recipient except the demo mailboxes.",
        "Postfix rejecting a recipient missing from its local recipient table: a typo or a "
        "deleted account.",
        {"rcpt": _unknown_user_rcpt},
    ),
    Scenario(
        "mailbox-full",
        f"452 4.2.2 at RCPT for {DEMO_MAILBOXES[0]}; 552 5.2.2 after the data for others.",
        "Over-quota mailboxes: Gmail defers mail to an account over quota (temporary), Dovecot's "
        "LMTP refuses a message for a full mailbox (permanent).",
        {"rcpt": _mailbox_full_rcpt, "end-of-data": _mailbox_full_end},
    ),
    Scenario(
        "dmarc-reject",
        "550 5.7.26 after the data: the From: domain's DMARC policy says reject.",
        "Gmail rejecting a message that fails SPF and DKIM alignment for a domain that "
        "publishes p=reject.",
        {"end-of-data": _dmarc_reject_end},
    ),
    Scenario(
        "auth-dns-451",
        "451 4.7.651 after the data: the receiver defers a sender it cannot trust yet.",
        "Microsoft (Outlook.com, Exchange Online) deferring mail while the sending IP's "
        "reputation and authentication cannot be established (S3114); retry later, slowly.",
        {"end-of-data": _auth_dns_end},
    ),
    Scenario(
        "blocklisted",
        "554 5.7.1 at the greeting: the client's IP is on Spamhaus ZEN.",
        "A server checking DNS blocklists at connect time (RFC 5321 3.1 554 greeting); every "
        "command but QUIT then gets 503.",
        {"connect": _blocklisted_connect, "command": _blocklisted_command},
    ),
    Scenario(
        "spam-content",
        "554 5.7.1 after the data: the content filter scored the message as spam.",
        "Rspamd as a Postfix milter rejecting a message above its reject score.",
        {"end-of-data": _spam_content_end},
    ),
    Scenario(
        "too-large",
        "552 5.3.4: SIZE is tiny, so any message exceeds it (at MAIL with SIZE=, or after DATA).",
        "Postfix refusing a message above message_size_limit; the limit is set absurdly low so "
        "that a test message trips it.",
        {"mail": _too_large_mail, "end-of-data": _too_large_end},
        advertised_size=lambda options: options.too_large_limit,
    ),
    Scenario(
        "relay-denied",
        "554 5.7.1 Relay access denied for every recipient.",
        "Postfix's reject_unauth_destination: mail sent to a server that is neither the "
        "recipient's destination nor willing to relay for this client.",
        {"rcpt": _relay_denied_rcpt},
    ),
    Scenario(
        "tarpit",
        "Hostile: the greeting and every reply arrive after long delays.",
        "A tarpit (OpenBSD spamd, postscreen's greet pause, Exim's deliberate delays) holding a "
        "suspected spammer's connection; clients must give up within their timeouts.",
        {"reply": _tarpit_reply},
        hostile=True,
    ),
    Scenario(
        "disconnect",
        "Hostile: accepts the message data, then drops the connection without a reply.",
        "A server or middlebox crashing or timing out at the end of DATA: the sender cannot "
        "know whether the message was taken (RFC 1047's duplicate-message problem).",
        {"end-of-data": _disconnect_end},
        hostile=True,
    ),
    Scenario(
        "garbage",
        "Hostile: bare LF, mixed multi-line codes, non-UTF-8 text and an invalid reply code.",
        "Broken or hostile servers and middleboxes (old firewalls' SMTP fixups, home-made "
        "servers) that violate RFC 5321's reply syntax.",
        {
            "connect": _garbage_connect,
            "ehlo": _garbage_ehlo,
            "mail": _garbage_mail,
            "rcpt": _garbage_rcpt,
        },
        hostile=True,
    ),
)

SCENARIOS: Mapping[str, Scenario] = MappingProxyType({s.name: s for s in _ALL})
"""Every scenario by name, in the order `ehlo sandbox --list` shows them."""


def get_scenario(name: str) -> Scenario:
    """The scenario called NAME.

    Raises:
        ValueError: no such scenario (the message lists the known ones).
    """
    try:
        return SCENARIOS[name]
    except KeyError:
        known = ", ".join(SCENARIOS)
        raise ValueError(f"unknown scenario {name!r}; known scenarios: {known}") from None
