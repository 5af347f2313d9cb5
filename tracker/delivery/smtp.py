"""The mail server `TRACKER_SMTP_URL` names, and handing it one message.

`smtp://user:pass@host:port` connects in clear and upgrades with STARTTLS
whenever the server offers it; `smtps://...` speaks TLS from the start
(default ports 25 and 465). A password is only ever sent over TLS, or to a
server on this machine. Certificates are checked against the system's
authorities (`SSL_CERT_FILE` adds others).

Sending never raises for what the server or the network does: the outcome
says whether the server accepted the message, with its reply code and text
when it refused (4xx: try later; 5xx: refused) or the error when it could
not be reached.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit

from events.base import printable

LOOPBACK = frozenset({"localhost", "127.0.0.1", "::1"})


@dataclass(frozen=True)
class MailServer:
    host: str
    port: int
    implicit_tls: bool = False
    username: str = ""
    password: str = ""

    @classmethod
    def parse(cls, url: str) -> MailServer:
        """The server of an `smtp://` or `smtps://` URL; ValueError saying what is wrong."""
        parts = urlsplit(url.strip())
        if parts.scheme not in {"smtp", "smtps"}:
            raise ValueError("expected smtp://[user:password@]host[:port] or smtps://...")
        try:
            port = parts.port
        except ValueError:
            raise ValueError("the port is a number from 1 to 65535") from None
        if not parts.hostname:
            raise ValueError("the URL names no host")
        implicit = parts.scheme == "smtps"
        return cls(
            host=parts.hostname,
            port=port or (465 if implicit else 25),
            implicit_tls=implicit,
            username=unquote(parts.username or ""),
            password=unquote(parts.password or ""),
        )

    def __str__(self) -> str:
        """The URL with the password hidden."""
        user = f"{self.username}:***@" if self.username else ""
        return f"{'smtps' if self.implicit_tls else 'smtp'}://{user}{self.host}:{self.port}"


@dataclass(frozen=True)
class Sent:
    ok: bool
    status: int | None = None
    error: str | None = None


def send(
    server: MailServer,
    message: EmailMessage,
    *,
    timeout: float = 30.0,
    context: ssl.SSLContext | None = None,
) -> Sent:
    """Hand `message` to the server; the outcome, never an exception for a refusal."""
    context = context or ssl.create_default_context()
    try:
        smtp, tls = _connect(server, timeout, context)
        with smtp:
            if server.username:
                if not (tls or server.host in LOOPBACK):
                    return Sent(False, error=f"{server.host} offers no TLS to send a password over")
                smtp.login(server.username, server.password)
            smtp.send_message(message)
    except smtplib.SMTPRecipientsRefused as refused:
        code, reply = next(iter(refused.recipients.values()))
        return _refused(code, reply)
    except smtplib.SMTPResponseException as refused:
        return _refused(refused.smtp_code, refused.smtp_error)
    except (OSError, smtplib.SMTPException) as error:
        return Sent(False, error=printable(f"{type(error).__name__}: {error}")[:2000])
    return Sent(True, status=250)


def _connect(
    server: MailServer, timeout: float, context: ssl.SSLContext
) -> tuple[smtplib.SMTP, bool]:
    """A connection, and whether it is encrypted (STARTTLS is taken whenever offered)."""
    if server.implicit_tls:
        return smtplib.SMTP_SSL(server.host, server.port, timeout=timeout, context=context), True
    smtp = smtplib.SMTP(server.host, server.port, timeout=timeout)
    try:
        smtp.ehlo()
        if not smtp.has_extn("starttls"):
            return smtp, False
        smtp.starttls(context=context)
        smtp.ehlo()
    except BaseException:
        smtp.close()
        raise
    return smtp, True


def _refused(code: int, reply: bytes | str) -> Sent:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply
    return Sent(False, status=code, error=printable(f"{code} {text}")[:2000])
