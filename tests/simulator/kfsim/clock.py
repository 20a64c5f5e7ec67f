# Copyright: (c) 2026, keyfactor.command contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Date-times as the API shows them (ISO 8601, UTC, milliseconds, trailing Z) and as clients send them."""

import datetime
import functools

UTC = datetime.timezone.utc


def to_millis(value):
    """Drop sub-millisecond digits, so a stored time equals the time the API shows for it."""
    return value.replace(microsecond=value.microsecond // 1000 * 1000)


def now():
    return to_millis(datetime.datetime.now(UTC))


def parse_datetime(value):
    """Parse ISO 8601 leniently (with or without Z, offset or fraction; date-only is midnight); naive is UTC."""
    if isinstance(value, datetime.datetime):
        parsed = value
    elif isinstance(value, datetime.date):
        parsed = datetime.datetime(value.year, value.month, value.day)
    else:
        parsed = datetime.datetime.fromisoformat(str(value).strip())
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


@functools.lru_cache(maxsize=65536)
def format_datetime(value):
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (value.microsecond // 1000)
