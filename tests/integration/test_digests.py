"""Email digests sent to a real SMTP server on 127.0.0.1, on both stores: the right recipient,
language and links; once per period; retried after refusals and after the server was down."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from typing import Any
from uuid import UUID

from fastapi.testclient import TestClient

from events.digests import Frequency, Language
from projections.service import ReadModels
from tests.integration.mail_support import PUBLIC_URL, Inbox, certificates, free_port, smtp_servers
from tests.integration.reminders_support import (
    PORTFOLIO_DAY,
    client,
    portfolio,
    read_models,
    signed_agreement,
    sweep_on,
)
from tracker.application import Tracker
from tracker.clock import FixedClock
from tracker.delivery.digests import DigestReport, MailSettings, load_digest, send_digests
from tracker.delivery.recipients import Everyone
from tracker.delivery.schedule import digest_id
from tracker.delivery.smtp import MailServer
from tracker.scheduler import ReminderScheduler
from tracker.settings import Settings

__all__ = ["certificates", "client", "read_models", "smtp_servers"]

OFFICER = "officer@commission.example.org"


def reminded(tracker: Tracker, read_models: ReadModels, clock: FixedClock) -> list[UUID]:
    """The portfolio, one agreement expiring this week, and the reminders issued on the day."""
    portfolio(tracker, clock)
    signed_agreement(
        tracker,
        clock,
        title="Soon <over>",
        reference="IACHR-SOON-1",
        signed_on=date(2020, 3, 3),
        expires_on=date(2024, 6, 5),
    )
    return sweep_on(tracker, read_models, clock, PORTFOLIO_DAY).issued


def digests(
    tracker: Tracker, read_models: ReadModels, mail: MailSettings, *recipients: Any
) -> DigestReport:
    chosen = recipients or (Everyone(OFFICER, Language.ES),)
    return send_digests(tracker, read_models, mail, chosen)


def parts(message: EmailMessage) -> tuple[str, str]:
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text is not None and html is not None
    return str(text.get_content()), str(html.get_content())


def test_a_digest_in_the_recipients_language_with_every_date_and_its_link(
    tracker: Tracker,
    read_models: ReadModels,
    clock: FixedClock,
    smtp_servers: Any,
) -> None:
    inbox = smtp_servers()
    issued = reminded(tracker, read_models, clock)
    report = digests(tracker, read_models, inbox.mail())
    assert (report.prepared, report.attempts, report.sent, report.problems) == (1, 1, 1, [])
    ((recipients, message),) = inbox.received
    assert recipients == [OFFICER]
    assert message["To"] == OFFICER
    assert message["From"] == "Agreement tracker <tracker@commission.example.org>"
    assert message["Subject"] == "Recordatorios de convenios del 1 de junio de 2024"
    assert message["Content-Language"] == "es"
    assert message["List-Unsubscribe"] == f"<{PUBLIC_URL}/settings/digest>"
    text, html = parts(message)
    headings = ["Vencidos", "Esta semana", "Este mes"]
    assert [text.index(h) for h in headings] == sorted(text.index(h) for h in headings)
    soon = text[text.index("Esta semana") : text.index("Este mes")]
    assert "IACHR-SOON-1 — Soon <over>" in soon
    assert "5 de junio de 2024. Vence: decida si renovarlo o dejar que termine." in soon
    overdue = text[text.index("Vencidos") : text.index("Esta semana")]
    assert "20 de mayo de 2024. Seguimiento pendiente" in overdue
    assert "Follow-ups" in overdue and "Anniversary" not in overdue
    assert "Más adelante" not in text  # nothing of the portfolio is further off
    agreement_ids = {tracker.repository.get(i).issued.agreement_id for i in issued}  # type: ignore[attr-defined]
    for agreement_id in agreement_ids:
        link = f"{PUBLIC_URL}/agreements/{agreement_id}"
        assert link in text
        assert f'href="{link}"' in html
    assert "Soon &lt;over&gt;" in html and "Soon <over>" not in html
    assert f"{PUBLIC_URL}/settings/digest" in text


def test_a_digest_goes_out_once_per_period(
    tracker: Tracker, read_models: ReadModels, clock: FixedClock, smtp_servers: Any
) -> None:
    inbox = smtp_servers()
    reminded(tracker, read_models, clock)
    mail = inbox.mail()
    assert digests(tracker, read_models, mail).sent == 1
    for hour, minute in ((10, 30), (15, 30), (23, 59), (30, 59)):  # until 06:59 the next day
        clock.moment = datetime(2024, 6, 1, tzinfo=UTC) + timedelta(hours=hour, minutes=minute)
        assert digests(tracker, read_models, mail).attempts == 0
    assert len(inbox.received) == 1
    clock.moment = datetime(2024, 6, 2, 7, 0, tzinfo=UTC)
    assert digests(tracker, read_models, mail).sent == 1
    assert inbox.received[1][1]["Subject"] == "Recordatorios de convenios del 2 de junio de 2024"


def test_two_processes_at_once_send_one_digest(
    tracker: Tracker,
    read_models: ReadModels,
    clock: FixedClock,
    database_url: str,
    smtp_servers: Any,
) -> None:
    inbox = smtp_servers()
    reminded(tracker, read_models, clock)
    start = threading.Barrier(3)
    reports: list[DigestReport] = []

    def another_process() -> None:
        own = Tracker.connect(database_url, clock=FixedClock(clock.now()))
        views = ReadModels.connect(database_url)
        try:
            start.wait(timeout=30)
            reports.append(digests(own, views, inbox.mail()))
        finally:
            views.close()
            own.close()

    threads = [threading.Thread(target=another_process) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(reports) == 3
    assert sum(report.sent for report in reports) == 1
    assert len(inbox.received) == 1


def test_a_server_that_refuses_twice_gets_the_digest_on_the_third_attempt(
    tracker: Tracker,
    read_models: ReadModels,
    clock: FixedClock,
    client: TestClient,
    smtp_servers: Any,
) -> None:
    inbox = smtp_servers("451 4.3.0 Try again later", "452 4.3.1 Insufficient storage")
    reminded(tracker, read_models, clock)
    mail = inbox.mail()
    first = clock.now()
    assert digests(tracker, read_models, mail).sent == 0
    clock.moment = first + timedelta(seconds=299)
    assert digests(tracker, read_models, mail).attempts == 0
    clock.moment = first + timedelta(seconds=300)
    assert digests(tracker, read_models, mail).sent == 0
    clock.moment = first + timedelta(seconds=300 + 599)
    assert digests(tracker, read_models, mail).attempts == 0
    clock.moment = first + timedelta(seconds=300 + 600)
    assert digests(tracker, read_models, mail).sent == 1
    clock.moment = first + timedelta(days=0, hours=5)
    assert digests(tracker, read_models, mail).attempts == 0
    assert len(inbox.received) == 1

    stored = load_digest(tracker, digest_id(OFFICER, Frequency.DAILY, date(2024, 6, 1)))
    assert stored is not None
    body = client.get(f"/api/reminders/{stored.prepared.reminders[-1]}").json()
    attempts = [(a["url"], a["attempt"], a["ok"], a["status"]) for a in body["delivery_attempts"]]
    assert attempts == [
        (f"mailto:{OFFICER}", 1, False, 451),
        (f"mailto:{OFFICER}", 2, False, 452),
        (f"mailto:{OFFICER}", 3, True, 250),
    ]
    assert body["delivery_attempts"][0]["error"] == "451 4.3.0 Try again later"


def test_a_server_that_is_down_gets_the_same_digest_later(
    tracker: Tracker, read_models: ReadModels, clock: FixedClock, smtp_servers: Any
) -> None:
    reminded(tracker, read_models, clock)
    down = Inbox(port=free_port())
    first = clock.now()
    report = digests(tracker, read_models, down.mail())
    assert (report.attempts, report.sent) == (1, 0)
    period = digest_id(OFFICER, Frequency.DAILY, date(2024, 6, 1))
    stored = load_digest(tracker, period)
    assert stored is not None
    (failed,) = stored.attempts
    assert (failed.ok, failed.status) == (False, None)
    assert "ConnectionRefusedError" in (failed.error or "")

    inbox = smtp_servers()
    clock.moment = first + timedelta(hours=2)
    signed_agreement(
        tracker, clock, title="Newer", signed_on=date(2020, 6, 3), expires_on=date(2024, 6, 4)
    )
    sweep_on(tracker, read_models, clock, PORTFOLIO_DAY)
    clock.moment = first + timedelta(hours=3)
    assert digests(tracker, read_models, inbox.mail()).sent == 1
    ((_, message),) = inbox.received
    assert message["Message-ID"] == f"<{period}@agreement-tracker>"
    text, _ = parts(message)
    assert "Soon <over>" in text
    assert "Newer" not in text, "the digest that goes out late is the one prepared"


class Member:
    """A recipient as people in the tracker will be: their own reminders, language, frequency."""

    def __init__(self, language: Language, frequency: Frequency, reminders: list[UUID]) -> None:
        self.name = "Amélie Dupont"
        self.email = "amelie@commission.example.org"
        self.language = language
        self.frequency = frequency
        self.reminders = reminders

    def addressed(self, db: Any, on: date, limit: int) -> list[UUID]:
        return self.reminders[:limit]


def test_recipients_plug_in_through_the_protocol_weekly_and_off(
    tracker: Tracker, read_models: ReadModels, clock: FixedClock, smtp_servers: Any
) -> None:
    inbox = smtp_servers()
    issued = reminded(tracker, read_models, clock)
    weekly = Member(Language.FR, Frequency.WEEKLY, issued[:1])
    off = Member(Language.PT, Frequency.OFF, issued)
    off.email = "off@commission.example.org"
    mail = inbox.mail()
    assert digests(tracker, read_models, mail, weekly, off).sent == 1
    ((recipients, message),) = inbox.received
    assert recipients == ["amelie@commission.example.org"]
    assert message["To"] == "Amélie Dupont <amelie@commission.example.org>"
    assert message["Subject"] == "Rappels des accords du 1er juin 2024"
    text, _ = parts(message)
    assert text.startswith("Bonjour Amélie Dupont,")
    assert "Vous recevez ce résumé chaque semaine." in text
    assert load_digest(tracker, digest_id(weekly.email, Frequency.WEEKLY, date(2024, 5, 27)))
    clock.moment = datetime(2024, 6, 3, 6, 59, tzinfo=UTC)  # Monday, before the digest hour
    assert digests(tracker, read_models, mail, weekly, off).attempts == 0
    clock.moment = datetime(2024, 6, 3, 7, 0, tzinfo=UTC)
    assert digests(tracker, read_models, mail, weekly, off).sent == 1


def test_nothing_addressed_means_no_digest(
    tracker: Tracker, read_models: ReadModels, clock: FixedClock, smtp_servers: Any
) -> None:
    inbox = smtp_servers()
    assert digests(tracker, read_models, inbox.mail()).attempts == 0
    assert digests(tracker, read_models, MailSettings()).attempts == 0
    assert inbox.received == []


def test_starttls_is_taken_when_offered_and_the_password_sent_over_it(
    tracker: Tracker,
    read_models: ReadModels,
    clock: FixedClock,
    smtp_servers: Any,
    certificates: Any,
) -> None:
    server_tls, client_tls = certificates
    inbox = smtp_servers(tls=server_tls)
    reminded(tracker, read_models, clock)
    url = f"smtp://officer:s3cret@127.0.0.1:{inbox.port}"
    mail = inbox.mail(server=MailServer.parse(url))
    report = send_digests(tracker, read_models, mail, [Everyone(OFFICER)], context=client_tls)
    assert report.sent == 1, report
    assert inbox.logins == ["officer"]
    assert inbox.received[0][1]["Subject"] == "Agreement reminders for 1 June 2024"


def test_a_password_is_not_sent_to_a_server_without_tls(
    tracker: Tracker, read_models: ReadModels, clock: FixedClock, smtp_servers: Any
) -> None:
    inbox = smtp_servers(host="127.0.0.2")
    reminded(tracker, read_models, clock)
    mail = inbox.mail(server=MailServer.parse(f"smtp://officer:s3cret@127.0.0.2:{inbox.port}"))
    assert digests(tracker, read_models, mail).sent == 0
    stored = load_digest(tracker, digest_id(OFFICER, Frequency.DAILY, date(2024, 6, 1)))
    assert stored is not None
    assert stored.attempts[0].error == "127.0.0.2 offers no TLS to send a password over"
    assert inbox.received == []


def test_the_scheduler_sends_the_digest_after_its_sweep(
    tracker: Tracker,
    read_models: ReadModels,
    clock: FixedClock,
    database_url: str,
    smtp_servers: Any,
) -> None:
    inbox = smtp_servers()
    portfolio(tracker, clock)
    clock.moment = datetime(2024, 6, 1, 7, 0, tzinfo=UTC)
    settings = Settings(
        database_url=database_url,
        mail=inbox.mail(digest_to=OFFICER, digest_language=Language.PT),
    )
    scheduler = ReminderScheduler(tracker, read_models, settings, clock)
    report = scheduler.run_once()
    assert report is not None and report.issued
    ((recipients, message),) = inbox.received
    assert recipients == [OFFICER]
    assert message["Subject"] == "Lembretes de acordos de 1 de junho de 2024"
