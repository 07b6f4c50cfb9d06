"""The reply knowledge base: reference data loaded into typed records, and annotate()."""

from __future__ import annotations

from ehlo.knowledge.annotation import annotate
from ehlo.knowledge.catalog import basic_codes, enhanced_codes, reasons, search_codes, signatures
from ehlo.knowledge.extract import Extracted, extract
from ehlo.knowledge.loader import KnowledgeError, validate
from ehlo.knowledge.model import (
    REASON_IDS,
    Annotation,
    BasicCode,
    EnhancedCode,
    Reason,
    ReasonId,
    Signature,
)

__all__ = [
    "REASON_IDS",
    "Annotation",
    "BasicCode",
    "EnhancedCode",
    "Extracted",
    "KnowledgeError",
    "Reason",
    "ReasonId",
    "Signature",
    "annotate",
    "basic_codes",
    "enhanced_codes",
    "extract",
    "reasons",
    "search_codes",
    "signatures",
    "validate",
]
