"""The risk data's one error, and the date reading its formats share."""

from __future__ import annotations

import datetime


class RiskDataError(Exception):
    """A KEV catalog or EPSS file that cannot be used; the message names the file and the reason."""


def parse_time(text: str, where: str) -> datetime.datetime:
    """An ISO 8601 time (``Z`` or an offset; a bare day is midnight UTC) as an aware UTC time."""
    try:
        if len(text) == 10:
            day = datetime.date.fromisoformat(text)
            return datetime.datetime(day.year, day.month, day.day, tzinfo=datetime.timezone.utc)
        # NOTE: CISA writes 4 fractional digits (17:04:19.9796Z), which Python before 3.11 refuses.
        t = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise RiskDataError(f"{where}: {text[:40]!r} is not a date or time (ISO 8601)") from None
    if t.tzinfo is None:
        raise RiskDataError(f"{where}: {text[:40]!r} has no time zone (expected Z or an offset)")
    return t.astimezone(datetime.timezone.utc)
