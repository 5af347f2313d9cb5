"""Where "now" comes from, so tests, demos and sweeps can choose it."""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol

_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


class Clock(Protocol):
    def now(self) -> datetime: ...

    def today(self) -> date: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    def today(self) -> date:
        return self.now().date()


@dataclass
class FixedClock:
    """A clock that only moves when told to."""

    moment: datetime = field(default_factory=lambda: datetime(2020, 1, 1, 12, tzinfo=UTC))

    def now(self) -> datetime:
        return self.moment

    def today(self) -> date:
        return self.moment.date()

    def advance(self, delta: timedelta) -> None:
        self.moment += delta

    def set_today(self, day: date) -> None:
        self.moment = datetime(day.year, day.month, day.day, 12, tzinfo=UTC)


class FixedDayClock:
    """Today is always `day`; the time of day runs on from the real clock's.

    What `TRACKER_TODAY` sets for a whole process (server, scheduler, command
    line). Moments keep moving, so events recorded one after the other keep
    their order; they never run into the next day: the clock stops at the
    day's last microsecond instead, and never goes back.
    """

    def __init__(self, day: date, base: Clock | None = None) -> None:
        self.day = day
        self._base = base or SystemClock()
        self._started = self._base.now()
        self._latest = datetime.combine(day, self._started.astimezone(UTC).time(), UTC)
        self._start = self._latest
        self._end = datetime.combine(day, time.max, UTC)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            moment = min(self._start + (self._base.now() - self._started), self._end)
            self._latest = max(self._latest, moment)
            return self._latest

    def today(self) -> date:
        return self.day


def parse_day(text: str) -> date:
    """A date written YYYY-MM-DD, and nothing else; ValueError saying so otherwise."""
    try:
        if _ISO_DAY.fullmatch(text.strip()):
            return date.fromisoformat(text.strip())
    except ValueError:
        pass
    raise ValueError(f"expected a date written YYYY-MM-DD, not {text!r}")
