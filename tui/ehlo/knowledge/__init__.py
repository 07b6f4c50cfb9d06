"""The reply knowledge base: reference data loaded into typed records, and annotate()."""
