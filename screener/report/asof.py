"""The briefing's as-of day and the last session on or before it on each market."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from ..calendars import last_session
from ..daterange import RANGE, in_range
from ..errors import InputError


@dataclass(frozen=True)
class AsOf:
    """The as-of day asked for and the last session on or before it on each market."""

    day: dt.date
    cn: dt.date
    us: dt.date

    @classmethod
    def for_day(cls, day: dt.date) -> AsOf:
        return cls(day, last_session("XSHG", day), last_session("XNYS", day))

    @classmethod
    def for_week(cls, week: str, today: dt.date) -> AsOf:
        """``YYYY-Www``: the last trading day of that ISO week on each market (its Sunday, or
        today while the week is still running)."""
        m = re.fullmatch(r"(\d{4})-W(\d{2})", week.strip())
        if not m:
            raise InputError(f"--week {week!r}: expected YYYY-Www, e.g. 2026-W47")
        try:
            sunday = dt.date.fromisocalendar(int(m.group(1)), int(m.group(2)), 7)
        except ValueError as exc:
            raise InputError(f"--week {week!r}: {exc}") from None
        if not (in_range(sunday - dt.timedelta(days=6)) and in_range(sunday)):
            raise InputError(f"--week {week}: outside {RANGE}, the days this tool works with")
        monday = sunday - dt.timedelta(days=6)
        if monday > today:
            raise InputError(f"--week {week}: starts {monday}, after today ({today})")
        return cls.for_day(min(sunday, today))

    @property
    def iso_week(self) -> str:
        year, week, _ = self.day.isocalendar()
        return f"{year}-W{week:02d}"

    def history_start(self) -> dt.date:
        """Enough history for YTD and a one-year chart."""
        return min(dt.date(self.day.year - 1, 12, 1), self.day - dt.timedelta(days=400))
