"""A real SMTP server (aiosmtpd) on 127.0.0.1 for the digest tests, and what it received."""

from __future__ import annotations

import socket
import ssl
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from tracker.delivery.digests import MailSettings
from tracker.delivery.schedule import RetryPolicy
from tracker.delivery.smtp import MailServer

SENDER = "Agreement tracker <tracker@commission.example.org>"
PUBLIC_URL = "https://tracker.example.org"


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


@dataclass
class Inbox:
    """Accepts every message, after answering the scripted refusals first, one per message."""

    refusals: list[str] = field(default_factory=list)
    received: list[tuple[list[str], EmailMessage]] = field(default_factory=list)
    logins: list[str] = field(default_factory=list)
    host: str = "127.0.0.1"
    port: int = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refusals:
            return self.refusals.pop(0)
        message = message_from_bytes(envelope.original_content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.received.append((list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"

    def authenticate(
        self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any
    ) -> AuthResult:
        ok = isinstance(data, LoginPassword) and data == (b"officer", b"s3cret")
        if ok:
            self.logins.append(data.login.decode())
        return AuthResult(success=ok)

    def mail(self, **changes: Any) -> MailSettings:
        """Settings that send to this server."""
        fields: dict[str, Any] = {
            "server": MailServer(self.host, self.port),
            "sender": SENDER,
            "public_url": PUBLIC_URL,
            "digest_hour": 7,
            "retry": RetryPolicy(max_attempts=4, backoff_seconds=300),
            "timeout_seconds": 5,
        }
        return MailSettings(**{**fields, **changes})


@pytest.fixture
def smtp_servers() -> Iterator[Any]:
    """Starts SMTP servers: `smtp_servers(*refusals, tls=None, host=...)` -> Inbox."""
    controllers: list[Controller] = []

    def start(*refusals: str, host: str = "127.0.0.1", tls: ssl.SSLContext | None = None) -> Inbox:
        inbox = Inbox(list(refusals), host=host, port=free_port(host))
        options: dict[str, Any] = {}
        if tls is not None:
            options = {
                "tls_context": tls,
                "require_starttls": True,
                "authenticator": inbox.authenticate,
            }
        controller = Controller(inbox, hostname=host, port=inbox.port, **options)
        controller.start()
        controllers.append(controller)
        return inbox

    yield start
    for controller in controllers:
        controller.stop()


@pytest.fixture
def certificates() -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """A server context with a certificate for 127.0.0.1, and a client context trusting it."""
    authority = trustme.CA()
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1").configure_cert(server)
    client = ssl.create_default_context()
    authority.configure_trust(client)
    return server, client
