# -*- coding: utf-8 -*-
# Copyright (c) keyfactor.command contributors
# BSD 2-Clause License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause
"""Keyfactor query language (the QueryString parameter): quoting, clauses, and the instance filters.

Values are double-quoted with backslash escapes, as Keyfactor documents InitiatingUserName
values ("DOMAIN\\\\username") and as Keyfactor's Go client quotes strings.

FOR INTERNAL COLLECTION USE ONLY. Supported Pythons: 3.9 and later.
"""

import datetime
import re

from ._errors import KeyfactorConfigError
from ._instances import STATUSES, validate_guid

OPERATORS = ('-eq', '-ne', '-contains', '-startswith', '-endswith', '-gt', '-ge', '-lt', '-le')

# The options of workflow_instance_info that become QueryString clauses, in the order they are joined.
INSTANCE_FILTERS = ('status', 'definition_id', 'workflow_type', 'title', 'initiating_user',
                    'started_after', 'started_before', 'query')

_DATE = r'(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})'
_TIME = r'(?P<hour>\d{2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:[.,](?P<fraction>\d+))?)?'
_OFFSET = r'(?P<offset>Z|[+-]\d{2}:?\d{2})'
_TIMESTAMP = re.compile(r'^%s(?:[T ]%s%s?)?$' % (_DATE, _TIME, _OFFSET), re.IGNORECASE)
TIMESTAMP_FORMS = ('YYYY-MM-DD (midnight UTC)', 'YYYY-MM-DDTHH:MM[:SS[.fraction]] (UTC)',
                   'the same followed by Z or an offset such as +02:00')


def quote_value(value):
    """A value as a double-quoted QueryString literal, with backslashes and quotes escaped."""
    return '"%s"' % str(value).replace('\\', '\\\\').replace('"', '\\"')


def clause(field, operator, value):
    """'Field -op "value"'."""
    if operator not in OPERATORS:
        raise ValueError('unknown QueryString operator %r' % (operator,))
    return '%s %s %s' % (field, operator, quote_value(value))


def status_names(values):
    """The canonical status names of the status option (matched case-insensitively), or KeyfactorConfigError."""
    names = []
    for value in values:
        name = next((known for known in STATUSES if known.lower() == str(value).strip().lower()), None)
        if name is None:
            raise KeyfactorConfigError(
                'status %r is not a workflow instance status; allowed: %s.' % (value, ', '.join(STATUSES)))
        if name not in names:
            names.append(name)
    return names


def parse_timestamp(value, option):
    """An ISO 8601 date or date-time as a UTC datetime (naive input counts as UTC), or KeyfactorConfigError."""
    match = _TIMESTAMP.match(str(value).strip())
    try:
        if not match:
            raise ValueError('not ISO 8601')
        parts = match.groupdict()
        fraction = (parts['fraction'] or '0')[:6].ljust(6, '0')
        moment = datetime.datetime(
            int(parts['year']), int(parts['month']), int(parts['day']), int(parts['hour'] or 0),
            int(parts['minute'] or 0), int(parts['second'] or 0), int(fraction), tzinfo=_timezone(parts['offset']))
    except ValueError:
        raise KeyfactorConfigError('%s %r is not an ISO 8601 date or date-time; allowed forms: %s.'
                                   % (option, value, '; '.join(TIMESTAMP_FORMS))) from None
    return moment.astimezone(datetime.timezone.utc)


def _timezone(offset):
    if not offset or offset.upper() == 'Z':
        return datetime.timezone.utc
    digits = offset[1:].replace(':', '')
    delta = datetime.timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
    return datetime.timezone(-delta if offset[0] == '-' else delta)


def format_timestamp(moment):
    """A UTC datetime as Keyfactor writes them: 2024-05-10T09:15:02Z, with the fraction only when there is one."""
    return moment.strftime('%Y-%m-%dT%H:%M:%S') + ('.%06d' % moment.microsecond if moment.microsecond else '') + 'Z'


def check_raw_query(query):
    """Refuse a raw QueryString that could escape the parentheses it is wrapped in.

    An unbalanced ')' would turn 'filters AND (raw)' into '(filters AND x) OR y' and widen the
    result, so quotes and parentheses are checked here; the server checks everything else.
    """
    depth, quoted, escaped = 0, False, False
    for position, char in enumerate(query):
        if escaped:
            escaped = False
        elif quoted:
            escaped = char == '\\'
            quoted = char != '"'
        elif char == '"':
            quoted = True
        elif char == '(':
            depth += 1
        elif char == ')':
            depth -= 1
            if depth < 0:
                raise KeyfactorConfigError(
                    "query %r has a ')' without a matching '(' at position %d." % (query, position))
    if quoted:
        raise KeyfactorConfigError('query %r has an unterminated quoted value.' % (query,))
    if depth:
        raise KeyfactorConfigError("query %r has %d '(' without a matching ')'." % (query, depth))


def required_text(option, value):
    """The value stripped; an empty filter is refused rather than matching everything."""
    text = str(value).strip()
    if not text:
        raise KeyfactorConfigError('%s is empty; give a value or leave the option out.' % option)
    return text


def _status_clauses(values):
    if not values:
        raise KeyfactorConfigError(
            'status is an empty list; name at least one of %s, or leave the option out.' % ', '.join(STATUSES))
    clauses = [clause('Status', '-eq', name) for name in status_names(values)]
    return clauses[0] if len(clauses) == 1 else '(%s)' % ' OR '.join(clauses)


def definition_guid(value):
    """The definition_id option as a canonical GUID, or KeyfactorConfigError."""
    try:
        return validate_guid(value, 'definition_id')
    except KeyfactorConfigError:
        raise KeyfactorConfigError('definition_id %r is not a workflow definition GUID: expected the form '
                                   'xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx (32 hexadecimal digits), optionally in braces.'
                                   % (value,)) from None


def instance_query(status=None, definition_id=None, workflow_type=None, title=None, initiating_user=None,
                   started_after=None, started_before=None, query=None):
    """The QueryString for workflow_instance_info's filters, ANDed; None when no filter is set.

    Several statuses are ORed in parentheses. The start window is half-open: started_after is
    inclusive (-ge) and started_before exclusive (-lt), so consecutive windows neither overlap nor
    leave gaps. The raw query is parenthesised when other filters join it.
    """
    clauses = []
    if status is not None:
        clauses.append(_status_clauses(status))
    if definition_id is not None:
        clauses.append(clause('DefinitionId', '-eq', definition_guid(definition_id)))
    if workflow_type is not None:
        clauses.append(clause('WorkflowType', '-eq', required_text('workflow_type', workflow_type)))
    if title is not None:
        clauses.append(clause('Title', '-contains', required_text('title', title)))
    if initiating_user is not None:
        clauses.append(clause('InitiatingUserName', '-eq', required_text('initiating_user', initiating_user)))
    window = [(option, parse_timestamp(value, option)) for option, value in
              (('started_after', started_after), ('started_before', started_before)) if value is not None]
    if len(window) == 2 and window[0][1] >= window[1][1]:
        raise KeyfactorConfigError('started_after (%s) must be earlier than started_before (%s); the window is empty.'
                                   % (format_timestamp(window[0][1]), format_timestamp(window[1][1])))
    for option, moment in window:
        clauses.append(clause('StartDate', '-ge' if option == 'started_after' else '-lt', format_timestamp(moment)))
    if query is not None:
        raw = required_text('query', query)
        check_raw_query(raw)
        clauses.append('(%s)' % raw if clauses else raw)
    return ' AND '.join(clauses) or None


def definition_query(display_name=None, workflow_type=None):
    """The QueryString for definitions with this display name and workflow type, ANDed; None without either.

    DisplayName and WorkflowType are two of the four fields Keyfactor documents for GET /Workflow/Definitions
    (with Id and IsPublished). The values come checked (stripped, not empty).
    """
    clauses = []
    if display_name is not None:
        clauses.append(clause('DisplayName', '-eq', display_name))
    if workflow_type is not None:
        clauses.append(clause('WorkflowType', '-eq', workflow_type))
    return ' AND '.join(clauses) or None
