"""Configuration, read once from the environment (see the README's table)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

DEFAULT_DATABASE_URL = "sqlite:///var/tracker.sqlite"


class SettingsError(ValueError):
    pass


def _flag(value: str) -> bool:
    if value.strip().lower() in {"1", "on", "true", "yes", "y"}:
        return True
    if value.strip().lower() in {"0", "off", "false", "no", "n"}:
        return False
    raise SettingsError(f"expected on or off, not {value!r}")


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, not {raw!r}") from None


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    scheduler: bool = True
    max_body_bytes: int = 1024 * 1024
    snapshot_interval: int = 50

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        return cls(
            database_url=env.get("TRACKER_DATABASE_URL") or DEFAULT_DATABASE_URL,
            scheduler=_flag(env.get("TRACKER_SCHEDULER", "on")),
            max_body_bytes=_int(env, "TRACKER_MAX_BODY_BYTES", cls.max_body_bytes),
            snapshot_interval=_int(env, "TRACKER_SNAPSHOT_INTERVAL", cls.snapshot_interval),
        )
