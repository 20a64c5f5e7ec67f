# -*- coding: utf-8 -*-
# Copyright (c) keyfactor.command contributors
# BSD 2-Clause License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause
"""Workflow instances as the modules return them: one normalisation, one status table.

FOR INTERNAL COLLECTION USE ONLY. Supported Pythons: 3.9 and later.
"""

import re
import uuid

from ._errors import KeyfactorConfigError

# Keyfactor documents Status as a name; its OpenAPI spec types it as an integer 0-6 without names.
# This mapping is the collection's provisional reading, used only when a server sends integers;
# the status_map option overrides it entry by entry.
STATUS_NAMES = {
    0: 'Unknown',
    1: 'Running',
    2: 'Suspended',
    3: 'Complete',
    4: 'Rejected',
    5: 'Failed',
    6: 'CanceledForRestart',
}
STATUSES = tuple(name for code, name in sorted(STATUS_NAMES.items()) if code)
FINISHED_STATUSES = frozenset(('Complete', 'Rejected', 'Failed', 'CanceledForRestart'))

# A GUID as people paste it: 8-4-4-4-12 hexadecimal digits in any letter case, optionally in braces (as Windows
# writes them), with whitespace around (as YAML blocks and shell output leave it).
_GUID = re.compile(
    r'\s*(\{?)\s*([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})\s*(\}?)\s*')
_SIGNAL_KEY = re.compile(r'^(?P<step>[A-Za-z0-9_-]+)\.(?P<signal>[A-Za-z0-9_-]+)$')


def validate_guid(value, option='instance_id'):
    """The GUID in canonical form (lower case, no braces, no whitespace), or KeyfactorConfigError naming the option.

    Every GUID is canonicalised before it is compared, de-duplicated or put into a path.
    """
    match = _GUID.fullmatch(str(value))
    if not match or match.group(1) != match.group(3).replace('}', '{'):
        raise KeyfactorConfigError(
            '%s %r is not a workflow instance GUID: expected 32 hexadecimal digits in the form '
            'xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx, optionally in braces (the integer ReferenceId cannot be used).'
            % (option, value))
    return str(uuid.UUID(match.group(2)))


def parse_signal_key(key):
    """(step unique name, signal name) of '<step UniqueName>.<signal name>', or KeyfactorConfigError."""
    match = _SIGNAL_KEY.match(str(key).strip())
    if not match:
        raise KeyfactorConfigError(
            'signal_key %r is not valid: expected <step UniqueName>.<signal name>, for example '
            'RequireApproval1.ApprovalStatus (letters, digits, _ and - on each side of one period).' % (key,))
    return match.group('step'), match.group('signal')


def status_table(overrides=None):
    """The integer -> name table with the status_map option's entries applied."""
    table = dict(STATUS_NAMES)
    for code, name in (overrides or {}).items():
        try:
            table[int(code)] = str(name)
        except (TypeError, ValueError):
            raise KeyfactorConfigError('status_map keys must be integers (the Status codes a server sends), got %r.' % (code,))
    return table


def status_name(raw, table=None):
    """A Status as its name, whether the server sent a name or an integer code."""
    if isinstance(raw, bool) or raw is None:
        return str(raw)
    if isinstance(raw, int):
        return (table or STATUS_NAMES).get(raw, str(raw))
    text = str(raw)
    if text.isdigit():
        return status_name(int(text), table)
    for name in STATUSES:
        if name.lower() == text.lower():
            return name
    return text


def normalize_definition(raw):
    raw = raw or {}
    return {
        'id': raw.get('Id'),
        'display_name': raw.get('DisplayName'),
        'version': raw.get('Version'),
        'workflow_type': raw.get('WorkflowType'),
    }


def normalize_signals(raw_signals, step_unique_name):
    return [
        {
            'name': signal.get('SignalName'),
            'key': '%s.%s' % (step_unique_name, signal.get('SignalName')),
            'step_signal_id': signal.get('StepSignalId'),
            'received': bool(signal.get('SignalReceived')),
        }
        for signal in raw_signals or []
    ]


def normalize_instance(raw, table=None):
    """snake_case view of an InstanceQueryResponse or InstanceResponse.

    The detail keys (signals, initial_data, current_state_data) appear only when the server sent
    them, that is for a single-instance read; free-form data passes through untouched.
    """
    instance = {
        'id': raw.get('Id'),
        'reference_id': raw.get('ReferenceId'),
        'title': raw.get('Title'),
        'status': status_name(raw.get('Status'), table),
        'status_message': raw.get('StatusMessage'),
        'current_step_id': raw.get('CurrentStepId'),
        'current_step_unique_name': raw.get('CurrentStepUniqueName'),
        'current_step_display_name': raw.get('CurrentStepDisplayName'),
        'start_date': raw.get('StartDate'),
        'last_modified': raw.get('LastModified'),
        'definition': normalize_definition(raw.get('Definition')),
    }
    if 'Signals' in raw:
        instance['signals'] = normalize_signals(raw.get('Signals'), raw.get('CurrentStepUniqueName'))
    if 'InitialData' in raw:
        instance['initial_data'] = raw.get('InitialData') or {}
    if 'CurrentStateData' in raw:
        instance['current_state_data'] = raw.get('CurrentStateData') or {}
    return instance
