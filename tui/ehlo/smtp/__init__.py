"""The SMTP client engine: replies, sessions, events, state, AUTH and TLS facts.

A `session.Session` runs one conversation; each step (connect, ehlo, starttls, auth, mail, rcpt,
data, bdat, command, quit) is an async generator of `events.Event` values, also kept in
`Session.transcript`. Failures are events too (`ErrorEvent`, then `Closed` when the connection
is gone): no step raises. `transaction.run_transaction` drives a whole delivery and
`state.suggested_step` says what comes next. Modules are imported directly (this package
imports nothing, so commands that need only part of it start fast).
"""
