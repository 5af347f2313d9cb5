"""The mail settings: the SMTP URL, the sender, the digest's hour, language and recipient."""

from __future__ import annotations

import pytest

from events.digests import Language
from tracker.delivery.recipients import Everyone
from tracker.delivery.smtp import MailServer
from tracker.settings import Settings, SettingsError

DIGEST = {
    "TRACKER_SMTP_URL": "smtps://mailer:p%40ss@mail.example.org",
    "TRACKER_MAIL_FROM": "tracker@example.org",
    "TRACKER_PUBLIC_URL": "https://tracker.example.org",
    "TRACKER_DIGEST_TO": "officer@example.org",
}


def test_smtp_urls_name_the_server_with_default_ports_and_hide_the_password() -> None:
    plain = MailServer.parse("smtp://mail.example.org")
    assert (plain.host, plain.port, plain.implicit_tls, plain.username) == (
        "mail.example.org",
        25,
        False,
        "",
    )
    secure = MailServer.parse("smtps://mailer:p%40ss@mail.example.org")
    assert (secure.port, secure.implicit_tls, secure.username, secure.password) == (
        465,
        True,
        "mailer",
        "p@ss",
    )
    assert str(secure) == "smtps://mailer:***@mail.example.org:465"
    assert MailServer.parse("smtp://mail.example.org:587").port == 587


def test_the_digest_settings_make_one_recipient() -> None:
    mail = Settings.from_env(
        {**DIGEST, "TRACKER_DIGEST_HOUR": "6", "TRACKER_DIGEST_LANGUAGE": "PT"}
    ).mail
    assert mail.digest_hour == 6
    assert mail.recipients() == [Everyone("officer@example.org", Language.PT)]
    assert Settings.from_env({}).mail.recipients() == []
    assert Settings.from_env({}).mail.server is None


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"TRACKER_SMTP_URL": "http://mail.example.org"}, "TRACKER_SMTP_URL: expected smtp://"),
        ({"TRACKER_SMTP_URL": "smtp://mail.example.org:99999"}, "TRACKER_SMTP_URL: the port"),
        ({"TRACKER_SMTP_URL": "smtp://"}, "TRACKER_SMTP_URL: the URL names no host"),
        ({"TRACKER_MAIL_FROM": ""}, "TRACKER_MAIL_FROM is needed"),
        ({"TRACKER_PUBLIC_URL": ""}, "TRACKER_DIGEST_TO is an email address, and needs"),
        ({"TRACKER_PUBLIC_URL": "tracker.example.org"}, "TRACKER_PUBLIC_URL must start"),
        ({"TRACKER_SMTP_URL": ""}, "TRACKER_DIGEST_TO is an email address, and needs"),
        ({"TRACKER_DIGEST_TO": "officer"}, "TRACKER_DIGEST_TO is an email address"),
        ({"TRACKER_DIGEST_HOUR": "24"}, "TRACKER_DIGEST_HOUR is an hour from 0 to 23"),
        ({"TRACKER_DIGEST_LANGUAGE": "de"}, "TRACKER_DIGEST_LANGUAGE is one of en, es, pt, fr"),
    ],
)
def test_mail_settings_name_what_is_wrong(changes: dict[str, str], error: str) -> None:
    with pytest.raises(SettingsError, match=error):
        Settings.from_env({**DIGEST, **changes})
