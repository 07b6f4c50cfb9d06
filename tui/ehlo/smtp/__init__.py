"""The SMTP client engine: replies, sessions, events, state, AUTH and TLS facts."""
