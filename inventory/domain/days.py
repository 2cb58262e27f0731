"""The association's days: due dates, decisions, waits and report periods are days in
Europe/Paris, while timestamps are stored in UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Europe/Paris")


def local_moment(moment: datetime) -> datetime:
    """A stored timestamp (naive values are UTC) as the association's clock reads it."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(LOCAL_TZ)


def local_day(moment: datetime) -> date:
    """The association's day of a stored timestamp (naive values are UTC)."""
    return local_moment(moment).date()


def day_start(day: date) -> datetime:
    """The moment (UTC) the association's day begins: timestamps are compared with it."""
    return datetime.combine(day, time(), tzinfo=LOCAL_TZ).astimezone(UTC)
