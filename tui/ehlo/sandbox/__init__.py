"""The built-in SMTP server and its failure scenarios."""
