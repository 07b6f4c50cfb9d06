"""Transcript export: text, JSON, and an equivalent swaks or openssl command, redacted."""
