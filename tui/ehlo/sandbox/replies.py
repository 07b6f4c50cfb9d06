"""The sandbox's own reply texts: RFC 3463 enhanced codes added where aiosmtpd leaves them out."""

from __future__ import annotations

import re

_HAS_ENHANCED = re.compile(r"^([245])\d\d[ -]\1\.\d{1,3}\.\d{1,3}(\s|$)")
_CODE = re.compile(r"^([245]\d\d)([ -])")
_DEFAULT_ENHANCED = {
    "500": "5.5.2",
    "501": "5.5.4",
    "502": "5.5.1",
    "503": "5.5.1",
    "504": "5.5.4",
    "530": "5.7.0",
    "552": "5.3.4",
    "553": "5.1.3",
    "554": "5.7.0",
    "555": "5.5.4",
    "421": "4.4.2",
    "451": "4.3.0",
    "454": "4.7.0",
}


def with_enhanced_code(text: str) -> str:
    """Add an RFC 3463 enhanced code to a one-line 2xx/4xx/5xx reply that lacks one."""
    match = _CODE.match(text)
    if match is None or "\r" in text or "\n" in text or _HAS_ENHANCED.match(text):
        return text
    code = match.group(1)
    enhanced = _DEFAULT_ENHANCED.get(code, f"{code[0]}.0.0")
    return f"{code}{match.group(2)}{enhanced} {text[4:]}"
