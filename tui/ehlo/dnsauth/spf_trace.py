"""What check_host() and the record-tree analysis return: results and trace steps."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from ehlo.dnsauth.spf_record import SpfResult

TraceOutcome = Literal["record", "match", "no-match", "error", "result", "cost"]
"""`cost` marks the steps of a record-tree analysis (no IP), the others an evaluation."""


@dataclass(frozen=True, slots=True)
class SpfTraceStep:
    """One step of an evaluation: a record fetched, a term evaluated, or a result."""

    depth: int
    domain: str
    term: str
    outcome: TraceOutcome
    lookups: int = 0
    """DNS queries this step sent."""
    counted: bool = False
    """Whether the term counts towards the limit of ten DNS-querying terms."""
    void_lookups: int = 0
    queries: tuple[str, ...] = ()
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of a trace step."""
        return {
            "depth": self.depth,
            "domain": self.domain,
            "term": self.term,
            "outcome": self.outcome,
            "lookups": self.lookups,
            "counted": self.counted,
            "void_lookups": self.void_lookups,
            "queries": list(self.queries),
            "note": self.note,
        }


@dataclass(frozen=True, slots=True)
class SpfEvaluation:
    """The outcome of check_host(): result, explanation, and how it was reached."""

    result: SpfResult
    explanation: str | None = None
    trace: tuple[SpfTraceStep, ...] = ()
    lookups: int = 0
    """DNS-querying terms evaluated (the limit is ten)."""
    void_lookups: int = 0
    record: str | None = None
    problem: str | None = None
    """Why the result is permerror, temperror or none."""
    matched: str | None = None
    """The term that decided the result, when one matched."""

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of an evaluation."""
        return {
            "result": self.result,
            "explanation": self.explanation,
            "record": self.record,
            "lookups": self.lookups,
            "void_lookups": self.void_lookups,
            "problem": self.problem,
            "matched": self.matched,
            "trace": [step.to_dict() for step in self.trace],
        }


def format_trace(steps: tuple[SpfTraceStep, ...]) -> list[str]:
    """One readable line per step, indented by include/redirect depth."""
    lines = []
    for step in steps:
        indent = "  " * step.depth
        if step.outcome == "result":
            lines.append(f"{indent}=> {step.note or step.outcome}")
            continue
        if step.term.lower().startswith("v=spf1"):
            head = f"{indent}{step.domain}: {step.term}"
        else:
            head = f"{indent}{step.term or step.domain}"
        facts: list[str] = [] if step.outcome in ("record", "cost") else [step.outcome]
        if step.lookups:
            facts.append(f"{step.lookups} quer{'y' if step.lookups == 1 else 'ies'}")
        if step.counted:
            facts.append("counts towards 10")
        if step.void_lookups:
            facts.append("void lookup")
        if step.note:
            facts.append(step.note)
        lines.append(head + (f"  [{'; '.join(facts)}]" if facts else ""))
    return lines
