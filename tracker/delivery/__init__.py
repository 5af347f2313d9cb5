"""Reminders that reach people by email: a digest per recipient and period, sent by SMTP.

- `schedule`: which period is current and which attempt is due (pure).
- `recipients`: who gets a digest (`Recipient`), and the one configured by
  `TRACKER_DIGEST_TO` until people are recorded in the tracker.
- `compose`: the email in the recipient's language, text and HTML.
- `smtp`: the mail server a `TRACKER_SMTP_URL` names, and sending to it.
- `aggregate`: the `Digest` record: prepared, each attempt claimed, each outcome.
- `digests`: `send_digests`, which the scheduler runs after each sweep.
"""
