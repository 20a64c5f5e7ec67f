# -*- coding: utf-8 -*-
# Copyright (c) keyfactor.command contributors
# BSD 2-Clause License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause
"""workflow_instance_info's summary: counts and start dates of listed instances, gathered as the pages stream in.

It holds one entry per status, definition and step, never the instances, so a report over any number of
instances stays a few kilobytes.

FOR INTERNAL COLLECTION USE ONLY. Supported Pythons: 3.9 and later.
"""

import datetime
import re

_ISO_8601 = re.compile(
    r'\s*(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?\s*',
    re.IGNORECASE)
_UTC = datetime.timezone.utc


def start_date_key(text):
    """The instant an ISO 8601 start date names, comparable across offsets and precisions; None when not one.

    A date-time without an offset is taken as UTC; fractions beyond microseconds (.NET sends seven digits) are cut.
    """
    match = _ISO_8601.fullmatch(text) if isinstance(text, str) else None
    if not match:
        return None
    year, month, day, hour, minute, second, fraction, offset = match.groups()
    try:
        moment = datetime.datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0),
                                   int((fraction or '0')[:6].ljust(6, '0')), tzinfo=_UTC)
    except ValueError:  # 2024-02-30 and the like
        return None
    if offset and offset.upper() != 'Z':
        digits = offset[1:].replace(':', '').ljust(4, '0')
        shift = datetime.timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
        moment = moment - shift if offset[0] == '+' else moment + shift
    return moment


class _StatusEntry:
    __slots__ = ('count', 'oldest', 'newest')

    def __init__(self):
        self.count = 0
        self.oldest = self.newest = None  # (instant, text as the server sent it)

    def add(self, start_date):
        self.count += 1
        instant = start_date_key(start_date)
        if instant is None:
            return
        if self.oldest is None or instant < self.oldest[0]:
            self.oldest = (instant, start_date)
        if self.newest is None or instant > self.newest[0]:
            self.newest = (instant, start_date)

    def result(self):
        return {'count': self.count, 'oldest_start_date': self.oldest and self.oldest[1],
                'newest_start_date': self.newest and self.newest[1]}


def _by_count(counts, names):
    """[{names[0]: key[0], ..., 'count': n}], the largest count first, then by the names' text (None first)."""
    ordered = sorted(counts.items(), key=lambda pair: (-pair[1], [str(part or '') for part in pair[0]]))
    return [dict(zip(names, key), count=count) for key, count in ordered]


class InstanceSummary:
    """Counts by status (with the oldest and newest start date), by definition, and by step of Suspended instances."""

    def __init__(self):
        self.count = 0
        self._statuses = {}
        self._definitions = {}
        self._steps = {}

    def add(self, instance):
        """Count one normalised instance (a dict as normalize_instance returns it)."""
        self.count += 1
        status = instance['status']
        entry = self._statuses.get(status)
        if entry is None:
            entry = self._statuses[status] = _StatusEntry()
        entry.add(instance['start_date'])
        definition = instance['definition']
        key = (definition['display_name'], definition['id'])
        self._definitions[key] = self._definitions.get(key, 0) + 1
        if status == 'Suspended':
            key = (instance['current_step_unique_name'], instance['current_step_display_name'])
            self._steps[key] = self._steps.get(key, 0) + 1

    def result(self):
        return {
            'count': self.count,
            'by_status': {status: entry.result() for status, entry in sorted(self._statuses.items())},
            'by_definition': _by_count(self._definitions, ('display_name', 'id')),
            'suspended_by_step': _by_count(self._steps, ('unique_name', 'display_name')),
        }
