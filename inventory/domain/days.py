"""The association's days: due dates, decisions, waits and report periods are days in
Europe/Paris, while timestamps are stored in UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Europe/Paris")


def local_day(moment: datetime) -> date:
    """The association's day of a stored timestamp (naive values are UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(LOCAL_TZ).date()


def day_start(day: date) -> datetime:
    """The moment (UTC) the association's day begins: timestamps are compared with it."""
    return datetime.combine(day, time(), tzinfo=LOCAL_TZ).astimezone(UTC)
