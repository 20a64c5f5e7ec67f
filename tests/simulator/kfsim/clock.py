# Copyright: (c) 2026, keyfactor.command contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Date-times as the API shows them (ISO 8601, UTC, milliseconds, trailing Z) and as clients send them."""

import datetime
import functools
import re

UTC = datetime.timezone.utc
_FRACTION = re.compile(r"(T\d\d:\d\d:\d\d)\.(\d{1,6})(?!\d)")


def to_millis(value):
    """Drop sub-millisecond digits, so a stored time equals the time the API shows for it."""
    return value.replace(microsecond=value.microsecond // 1000 * 1000)


def now():
    return to_millis(datetime.datetime.now(UTC))


def _for_fromisoformat(text):
    """The form Python 3.9 and 3.10 read too (the module unit tests run the simulator on them): +00:00 for a trailing
    Z, and a fraction of 1 to 6 digits padded to 6."""
    if text[-1:] in ("Z", "z"):
        text = text[:-1] + "+00:00"
    return _FRACTION.sub(lambda match: "%s.%s" % (match.group(1), match.group(2).ljust(6, "0")), text)


def parse_datetime(value):
    """Parse ISO 8601 leniently (with or without Z, offset or fraction; date-only is midnight); naive is UTC."""
    if isinstance(value, datetime.datetime):
        parsed = value
    elif isinstance(value, datetime.date):
        parsed = datetime.datetime(value.year, value.month, value.day)
    else:
        parsed = datetime.datetime.fromisoformat(_for_fromisoformat(str(value).strip()))
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


@functools.lru_cache(maxsize=65536)
def format_datetime(value):
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (value.microsecond // 1000)
