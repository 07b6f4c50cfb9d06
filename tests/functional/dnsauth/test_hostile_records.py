"""`ehlo audit` against records written by someone hostile: nothing reaches the terminal as a
control sequence, and every record offered for copying is a valid zone-file line."""

from __future__ import annotations

import subprocess
import sys

import dns.rdataclass
import dns.rdatatype
import dns.rrset
import pytest

from tests.conftest import ehlo_env

pytestmark = pytest.mark.nsd

ZONES = {
    "esc.test": (
        "@ MX 10 mx.esc.test.\nmx A 192.0.2.1\n"
        '@ TXT "v=spf1 include:\\027[2J\\027[31mx.esc.test -all"\n'
        '_dmarc TXT "v=DMARC1; p=none; rua=mailto:r@esc.test; x=\\027]0;pwned\\007\\027[31mRED"\n'
    ),
    "quote.test": (
        "@ MX 10 mx.quote.test.\nmx A 192.0.2.2\n"
        '_dmarc TXT "v=DMARC1; p=none; rua=mailto:a\\"b\\\\c@quote.test; ruf=mailto:ü@quote.test"\n'
    ),
}
QUOTED_RECORD = 'v=DMARC1; p=quarantine; rua=mailto:a"b\\c@quote.test; ruf=mailto:ü@quote.test'


def _audit(server: object, domain: str, *extra: str) -> subprocess.CompletedProcess[str]:
    host, port = server  # type: ignore[misc]
    return subprocess.run(
        [sys.executable, "-m", "ehlo", "audit", domain, "--resolver", f"{host}:{port}", *extra],
        capture_output=True, text=True, timeout=60, env=ehlo_env(), check=False,
    )  # fmt: skip


def test_control_characters_in_records_never_reach_the_terminal(nsd_server) -> None:
    server = nsd_server(ZONES)
    done = _audit(server, "esc.test", "--only", "spf,dmarc")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "dmarc" in done.stdout and "fix:" in done.stdout
    for line in done.stdout.splitlines():
        assert all(char.isprintable() for char in line), repr(line)
    assert "\\x1b" in done.stdout  # shown, escaped


def test_a_record_offered_for_a_zone_file_keeps_quotes_and_backslashes(nsd_server) -> None:
    server = nsd_server(ZONES)
    done = _audit(server, "quote.test", "--only", "dmarc", "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    import json

    (dmarc,) = json.loads(done.stdout)["checks"]
    lines = [fix["command"] for fix in dmarc["fixes"] if " IN TXT " in (fix["command"] or "")]
    assert lines, dmarc["fixes"]
    name, rclass, rdtype, rdata = lines[0].split(" ", 3)
    assert (name, rclass, rdtype) == ("_dmarc.quote.test.", "IN", "TXT")
    rrset = dns.rrset.from_text(name, 300, dns.rdataclass.IN, dns.rdatatype.TXT, rdata)
    (record,) = list(rrset)
    assert b"".join(record.strings).decode("utf-8") == QUOTED_RECORD  # type: ignore[attr-defined]


def test_a_resolver_that_refuses_every_blocklist_is_named_once(nsd_server) -> None:
    server = nsd_server({"other.test": "@ A 192.0.2.3\n"})  # serves none of the lists: REFUSED
    done = _audit(server, "other.test", "--ip", "192.0.2.3", "--only", "dnsbl")
    dnsbl = next(line for line in done.stdout.splitlines() if line.startswith("ERROR  dnsbl"))
    assert "blocklists could not be checked" in dnsbl
    assert dnsbl.count("REFUSED") <= 2, dnsbl  # once, not once per list
    assert len(dnsbl) < 300, dnsbl
