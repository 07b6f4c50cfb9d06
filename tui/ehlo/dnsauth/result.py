"""The result of one DNS/authentication check."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from ehlo.fixes import Fix

CheckStatus = Literal["pass", "warn", "fail", "info", "error"]


@dataclass(frozen=True, slots=True)
class CheckResult:
    """One check's verdict: id (mx, spf, dmarc, ...), status, a one-line summary, details, fixes."""

    id: str
    status: CheckStatus
    summary: str
    details: dict[str, Any] = field(default_factory=dict)
    fixes: tuple[Fix, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of a check: id, status, summary, details, fixes."""
        return {
            "id": self.id,
            "status": self.status,
            "summary": self.summary,
            "details": self.details,
            "fixes": [fix.to_dict() for fix in self.fixes],
        }
