"""Configuration, read once from the environment (see the README's table)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from events.digests import Language
from events.reminders import ReminderRule
from tracker.clock import Clock, FixedDayClock, SystemClock, parse_day
from tracker.delivery.digests import MailSettings
from tracker.delivery.schedule import RetryPolicy
from tracker.delivery.smtp import MailServer
from tracker.reminders.rules import ReminderPolicy
from tracker.store import Database, UnsupportedDatabaseURL
from tracker.webhooks import WebhookPolicy, secret_key

DEFAULT_DATABASE_URL = "sqlite:///var/tracker.sqlite"


class SettingsError(ValueError):
    pass


def _flag(env: Mapping[str, str], name: str, default: str) -> bool:
    value = env.get(name, default)
    if value.strip().lower() in {"1", "on", "true", "yes", "y"}:
        return True
    if value.strip().lower() in {"0", "off", "false", "no", "n"}:
        return False
    raise SettingsError(f"{name} must be on or off, not {value!r}")


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, not {raw!r}") from None


def _tokens(raw: str) -> dict[str, str]:
    """`token:actor,token2:actor2` -> {token: actor}; empty means the API is open."""
    tokens: dict[str, str] = {}
    for entry in filter(None, (part.strip() for part in raw.split(","))):
        token, _, actor = entry.partition(":")
        if not token.strip() or not actor.strip():
            raise SettingsError(f"TRACKER_API_TOKENS entries are token:actor, not {entry!r}")
        tokens[token.strip()] = actor.strip()
    return tokens


def _leads(raw: str) -> dict[ReminderRule, tuple[int, ...]]:
    """`anniversary=14;expiry=90,30,7` -> lead days per rule; rules left out keep their default."""
    leads = dict(ReminderPolicy().leads)
    for entry in filter(None, (part.strip() for part in raw.split(";"))):
        name, _, days = entry.partition("=")
        try:
            rule = ReminderRule(name.strip())
            leads[rule] = tuple(int(d) for d in days.split(",") if d.strip())
        except ValueError:
            known = ", ".join(r.value for r in ReminderRule)
            raise SettingsError(
                f"TRACKER_REMINDER_LEADS entries are rule=days,days (rules: {known}), not {entry!r}"
            ) from None
        if any(d < 0 for d in leads[rule]):
            raise SettingsError(f"TRACKER_REMINDER_LEADS: lead times are days ahead, not {entry!r}")
    return leads


def database_url(env: Mapping[str, str]) -> str:
    """`TRACKER_DATABASE_URL`, or the SQLite file under `./var` when it is unset or empty."""
    return env.get("TRACKER_DATABASE_URL") or DEFAULT_DATABASE_URL


def _database_url(env: Mapping[str, str]) -> str:
    url = database_url(env)
    try:
        Database(url).require_supported()
    except UnsupportedDatabaseURL as error:
        raise SettingsError(str(error)) from None
    return url


def _clock(env: Mapping[str, str]) -> Clock:
    """`TRACKER_TODAY=YYYY-MM-DD` fixes today's date for the whole process."""
    raw = env.get("TRACKER_TODAY", "")
    if not raw.strip():
        return SystemClock()
    try:
        return FixedDayClock(parse_day(raw))
    except ValueError as error:
        raise SettingsError(f"TRACKER_TODAY: {error}") from None


def _reminder_policy(env: Mapping[str, str]) -> ReminderPolicy:
    return ReminderPolicy(
        leads=_leads(env.get("TRACKER_REMINDER_LEADS", "")),
        overdue_every_days=_int(env, "TRACKER_REMINDER_OVERDUE_EVERY_DAYS", 7),
        catch_up_days=_int(env, "TRACKER_REMINDER_CATCH_UP_DAYS", 30),
    )


def _seconds(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        value = 0.0
    if not 0 < value < 86_400:
        raise SettingsError(f"{name} must be a number of seconds above 0, not {raw!r}")
    return value


def _webhook_secrets(env: Mapping[str, str]) -> tuple[str, ...]:
    """`TRACKER_WEBHOOK_SECRETS` (comma-separated, newest first), then `TRACKER_WEBHOOK_SECRET`."""
    found: list[str] = []
    for name in ("TRACKER_WEBHOOK_SECRETS", "TRACKER_WEBHOOK_SECRET"):
        raw = env.get(name, "")
        parts = raw.split(",") if name.endswith("S") else [raw]
        for secret in filter(None, (part.strip() for part in parts)):
            try:
                secret_key(secret)
            except ValueError as error:
                raise SettingsError(f"{name}: {error}") from None
            if secret not in found:
                found.append(secret)
    return tuple(found)


def _webhook_policy(env: Mapping[str, str]) -> WebhookPolicy:
    urls = tuple(u.strip() for u in env.get("TRACKER_WEBHOOK_URLS", "").split(",") if u.strip())
    secrets = _webhook_secrets(env)
    if urls and not secrets:
        raise SettingsError(
            "TRACKER_WEBHOOK_SECRETS (or TRACKER_WEBHOOK_SECRET) is needed to sign"
            " TRACKER_WEBHOOK_URLS posts"
        )
    return WebhookPolicy(
        urls=urls,
        secrets=secrets,
        max_attempts=_int(env, "TRACKER_WEBHOOK_MAX_ATTEMPTS", WebhookPolicy.max_attempts),
        backoff_seconds=_int(env, "TRACKER_WEBHOOK_BACKOFF_SECONDS", WebhookPolicy.backoff_seconds),
        timeout_seconds=_seconds(
            env, "TRACKER_WEBHOOK_TIMEOUT_SECONDS", WebhookPolicy.timeout_seconds
        ),
    )


def _mail(env: Mapping[str, str]) -> MailSettings:
    """The SMTP server, the sender, the digest's hour and (until people are recorded) recipient."""
    raw_url = env.get("TRACKER_SMTP_URL", "").strip()
    server = None
    if raw_url:
        try:
            server = MailServer.parse(raw_url)
        except ValueError as error:
            raise SettingsError(f"TRACKER_SMTP_URL: {error}") from None
    sender = env.get("TRACKER_MAIL_FROM", "").strip()
    if server is not None and "@" not in sender:
        raise SettingsError("TRACKER_MAIL_FROM is needed with TRACKER_SMTP_URL: an email address")
    public_url = env.get("TRACKER_PUBLIC_URL", "").strip()
    if public_url and not public_url.startswith(("http://", "https://")):
        raise SettingsError(
            f"TRACKER_PUBLIC_URL must start with http:// or https://, not {public_url!r}"
        )
    to = env.get("TRACKER_DIGEST_TO", "").strip()
    if to and (server is None or not public_url or "@" not in to):
        raise SettingsError(
            "TRACKER_DIGEST_TO is an email address, and needs TRACKER_SMTP_URL and"
            " TRACKER_PUBLIC_URL (the digest links to the agreements)"
        )
    hour = _int(env, "TRACKER_DIGEST_HOUR", MailSettings.digest_hour)
    if not 0 <= hour <= 23:
        raise SettingsError(f"TRACKER_DIGEST_HOUR is an hour from 0 to 23 (UTC), not {hour}")
    language = env.get("TRACKER_DIGEST_LANGUAGE", "en").strip().lower()
    if language not in {choice.value for choice in Language}:
        known = ", ".join(choice.value for choice in Language)
        raise SettingsError(f"TRACKER_DIGEST_LANGUAGE is one of {known}, not {language!r}")
    return MailSettings(
        server=server,
        sender=sender,
        public_url=public_url,
        digest_hour=hour,
        digest_to=to,
        digest_language=Language(language),
        retry=RetryPolicy(
            max_attempts=_int(env, "TRACKER_MAIL_MAX_ATTEMPTS", RetryPolicy.max_attempts),
            backoff_seconds=_int(env, "TRACKER_MAIL_BACKOFF_SECONDS", RetryPolicy.backoff_seconds),
        ),
    )


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    scheduler: bool = True
    max_body_bytes: int = 1024 * 1024
    snapshot_interval: int = 50
    api_tokens: dict[str, str] = field(default_factory=dict)
    reminders: ReminderPolicy = field(default_factory=ReminderPolicy)
    webhooks: WebhookPolicy = field(default_factory=WebhookPolicy)
    mail: MailSettings = field(default_factory=MailSettings)
    scheduler_interval_seconds: int = 60
    clock: Clock = field(default_factory=SystemClock)
    """The process's clock: the system's, or a fixed day set by `TRACKER_TODAY`."""

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        return cls(
            database_url=_database_url(env),
            scheduler=_flag(env, "TRACKER_SCHEDULER", "on"),
            max_body_bytes=_int(env, "TRACKER_MAX_BODY_BYTES", cls.max_body_bytes),
            snapshot_interval=_int(env, "TRACKER_SNAPSHOT_INTERVAL", cls.snapshot_interval),
            api_tokens=_tokens(env.get("TRACKER_API_TOKENS", "")),
            reminders=_reminder_policy(env),
            webhooks=_webhook_policy(env),
            mail=_mail(env),
            scheduler_interval_seconds=_int(env, "TRACKER_SCHEDULER_INTERVAL_SECONDS", 60),
            clock=_clock(env),
        )
