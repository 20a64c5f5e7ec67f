# -*- coding: utf-8 -*-
# Copyright (c) keyfactor.command contributors
# BSD 2-Clause License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause
"""Workflow instances as the modules return them: one normalisation, one status table.

The same checks serve the parts of a workflow definition that workflow_signal's decisions read.

FOR INTERNAL COLLECTION USE ONLY. Supported Pythons: 3.9 and later.
"""

import re
import uuid

from ._errors import KeyfactorAnswerError, KeyfactorConfigError

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
_SIGNAL_KEY = re.compile(r'^(?:(?P<step>[A-Za-z0-9_-]+)\.)?(?P<signal>[A-Za-z0-9_-]+)$')


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
    """(step unique name, signal name) of '<step UniqueName>.<signal name>', (None, name) of a signal name alone.

    KeyfactorConfigError when it is neither.
    """
    match = _SIGNAL_KEY.match(str(key).strip())
    if not match:
        raise KeyfactorConfigError(
            'signal_key %r is not valid: expected <step UniqueName>.<signal name>, for example '
            'RequireApproval1.ApprovalStatus (letters, digits, _ and - on each side of one period), or the signal '
            'name alone (ApprovalStatus) when one step of the definition offers it.' % (key,))
    return match.group('step'), match.group('signal')


def status_table(overrides=None):
    """The integer -> name table with the status_map option's entries applied."""
    table = dict(STATUS_NAMES)
    for code, name in (overrides or {}).items():
        try:
            table[int(code)] = str(name)
        except (TypeError, ValueError):
            raise KeyfactorConfigError(
                'status_map keys must be integers (the Status codes a server sends), got %r.' % (code,))
    return table


def status_name(raw, table=None):
    """A Status as its name, whether the server sent a name or an integer code; None for a code the table lacks."""
    if isinstance(raw, int) and not isinstance(raw, bool):
        return (table or STATUS_NAMES).get(raw)
    text = str(raw)
    if text.isdigit():
        return status_name(int(text), table)
    for name in STATUSES:
        if name.lower() == text.lower():
            return name
    return text


# --- normalisation: every field the modules read, checked once -------------------------------------

# The fields each module cannot do without: a missing or null one fails the instance. The others are
# nullable, as in the API's models, and come back as null. 'Signals[].X' is a key of each listed signal.
INFO_FIELDS = frozenset(('Id', 'Status'))
SIGNAL_FIELDS = INFO_FIELDS | frozenset((
    'CurrentStepUniqueName', 'Definition', 'Definition.Id', 'Definition.Version', 'Signals[].SignalReceived'))

# The keys of a returned instance, in order; the detail keys only come from a single-instance read.
DETAIL_KEYS = ('signals', 'initial_data', 'current_state_data')
INSTANCE_KEYS = ('id', 'reference_id', 'title', 'status', 'status_message', 'current_step_id',
                 'current_step_unique_name', 'current_step_display_name', 'start_date', 'last_modified',
                 'definition') + DETAIL_KEYS
# Values most instances of a listing share (a handful of definitions and steps): held once, whatever the count.
_SHARED_KEYS = ('status_message', 'current_step_id', 'current_step_unique_name', 'current_step_display_name')

_MISSING = object()


class _Mismatch(Exception):
    """A value of another JSON type than the one named."""

    def __init__(self, expected):
        super().__init__(expected)
        self.expected = expected


def _json_type(value):
    if isinstance(value, bool):
        return 'true or false'
    for kind, name in ((dict, 'an object'), (list, 'a list'), (str, 'text'), ((int, float), 'a number')):
        if isinstance(value, kind):
            return name
    return 'null'


def _unexpected(about, label, value, expected):
    return KeyfactorAnswerError("The server's answer for %s has %s as %s; expected %s." % (
        about, label, _json_type(value), expected))


def _text(value):
    if isinstance(value, str):
        return value
    raise _Mismatch('text')


def _integer(value):
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise _Mismatch('an integer')


def _boolean(value):
    if isinstance(value, bool):
        return value
    raise _Mismatch('true or false')


def _free_form(value):
    if isinstance(value, dict):
        return value
    raise _Mismatch('an object')


class _Answer:
    """One object of the server's answer for an instance: fields read in PascalCase or camelCase, each checked."""

    def __init__(self, raw, about, required, prefix=''):
        self.raw = raw
        self.about = about
        self.required = required
        self.prefix = prefix

    def _value(self, name):
        value = self.raw.get(name, _MISSING)
        return self.raw.get(name[:1].lower() + name[1:], _MISSING) if value is _MISSING else value

    def has(self, name):
        """Whether the field is there at all (possibly null)."""
        return self._value(name) is not _MISSING

    def get(self, name, convert=None):
        """The field converted, or None when it is missing or null and not required."""
        value = self._value(name)
        if value is _MISSING or value is None:
            if self.prefix + name in self.required:
                raise KeyfactorAnswerError("The server's answer for %s has no %s%s." % (self.about, self.prefix, name))
            return None
        try:
            return convert(value) if convert else value
        except _Mismatch as mismatch:
            raise _unexpected(self.about, self.prefix + name, value, mismatch.expected)

    def nested(self, name):
        """The _Answer of an object field, or None when it is missing or null and not required."""
        value = self.get(name, _free_form)
        return None if value is None else _Answer(value, self.about, self.required, self.prefix + name + '.')


def _object_answer(raw, about, required, kind='a workflow instance'):
    if not isinstance(raw, dict):
        raise KeyfactorAnswerError("The server's answer for %s is %s; expected an object (%s)." % (
            about, _json_type(raw), kind))
    return _Answer(raw, about, required)


def instance_id_of(raw):
    """The Id of an instance as a list answers it (checked like normalize_instance checks it)."""
    return _object_answer(raw, 'a listed workflow instance', INFO_FIELDS).get('Id', _text)


def _status(answer, table):
    raw = answer.get('Status')  # required: never None here
    if isinstance(raw, bool) or not isinstance(raw, (str, int)):
        raise _unexpected(answer.about, 'Status', raw, 'a status name or an integer code')
    name = status_name(raw, table)
    if name is None:
        raise KeyfactorAnswerError(
            "The server's answer for %s has Status %s, an integer code the status table does not know; name it with "
            "status_map (for example status_map: {%s: Suspended}), after checking what the code means on your server."
            % (answer.about, raw, raw))
    return name


def _list_of_objects(answer, name):
    """The _Answer of each object of a nullable list field ([] when null or missing)."""
    items = answer.get(name)
    if items is None:
        return []
    if not isinstance(items, list):
        raise _unexpected(answer.about, answer.prefix + name, items, 'a list')
    for position, item in enumerate(items):
        if not isinstance(item, dict):
            raise _unexpected(answer.about, '%s%s[%d]' % (answer.prefix, name, position), item, 'an object')
    return [_Answer(item, answer.about, answer.required, '%s%s[].' % (answer.prefix, name)) for item in items]


def _outputs(step):
    outputs = step.get('Outputs', _free_form) or {}
    for name, target in outputs.items():
        if target is not None and not isinstance(target, str):
            raise _unexpected(step.about, '%sOutputs.%s' % (step.prefix, name), target, 'text (a step UniqueName)')
    return outputs


def definition_steps(raw, about):
    """What workflow_signal's decisions read of a DefinitionResponse, checked, in PascalCase whatever the casing.

    {'Steps': [{'UniqueName', 'Enabled', 'Signals': [{'SignalName'}], 'Outputs'}]}; every field is nullable, as
    in the API's models. `about` names the definition in messages.
    """
    answer = _object_answer(raw, about, frozenset(), 'a workflow definition')
    return {'Steps': [
        {'UniqueName': step.get('UniqueName', _text), 'Enabled': step.get('Enabled', _boolean),
         'Signals': [{'SignalName': signal.get('SignalName', _text)} for signal in _list_of_objects(step, 'Signals')],
         'Outputs': _outputs(step)}
        for step in _list_of_objects(answer, 'Steps')]}


def _definition(answer):
    definition = answer.nested('Definition')
    if definition is None:
        return {'id': None, 'display_name': None, 'version': None, 'workflow_type': None}
    return {
        'id': definition.get('Id', _text),
        'display_name': definition.get('DisplayName', _text),
        'version': definition.get('Version', _integer),
        'workflow_type': definition.get('WorkflowType', _text),
    }


def _signals(answer, step_unique_name):
    signals = []
    for signal in _list_of_objects(answer, 'Signals'):
        name = signal.get('SignalName', _text)
        signals.append({'name': name, 'key': '%s.%s' % (step_unique_name, name),
                        'step_signal_id': signal.get('StepSignalId', _text),
                        'received': bool(signal.get('SignalReceived', _boolean))})
    return signals


def normalize_instance(raw, table=None, required=INFO_FIELDS, requested_id=None, shared=None):
    """snake_case view of an InstanceQueryResponse or InstanceResponse, every field checked.

    PascalCase keys (what the server sends) and camelCase keys (what the v11 spec declares) are both read.
    A field of `required` (INFO_FIELDS always) that is missing or null, or any field of another JSON type than the API's
    models give it, raises KeyfactorAnswerError naming the instance and the field. The detail keys (signals,
    initial_data, current_state_data) appear only when the server sent them, that is for a
    single-instance read; free-form data passes through untouched.
    shared: a dict kept across the instances of one listing, through which equal step, status message and
    definition values are held once (a listing of 100,000 instances names a few definitions).
    """
    about = 'workflow instance %s' % requested_id if requested_id else 'a workflow instance'
    answer = _object_answer(raw, about, INFO_FIELDS | required)
    instance_id = answer.get('Id', _text)
    if requested_id is None and instance_id is not None:
        answer.about = 'workflow instance %s' % instance_id
    step = answer.get('CurrentStepUniqueName', _text)
    instance = {
        'id': instance_id,
        'reference_id': answer.get('ReferenceId', _integer),
        'title': answer.get('Title', _text),
        'status': _status(answer, table),
        'status_message': answer.get('StatusMessage', _text),
        'current_step_id': answer.get('CurrentStepId', _text),
        'current_step_unique_name': step,
        'current_step_display_name': answer.get('CurrentStepDisplayName', _text),
        'start_date': answer.get('StartDate', _text),
        'last_modified': answer.get('LastModified', _text),
        'definition': _definition(answer),
    }
    if answer.has('Signals'):
        instance['signals'] = _signals(answer, step)
    for key, name in (('initial_data', 'InitialData'), ('current_state_data', 'CurrentStateData')):
        if answer.has(name):
            instance[key] = answer.get(name, _free_form) or {}
    if shared is not None:
        _share(instance, shared)
    return instance


def _share(instance, shared):
    for key in _SHARED_KEYS:
        value = instance[key]
        instance[key] = shared.setdefault(value, value)
    definition = instance['definition']
    instance['definition'] = shared.setdefault(tuple(definition.items()), definition)


def select_fields(instance, fields):
    """The instance with only the keys named in fields (those it has); all of them when fields is None."""
    if fields is None:
        return instance
    return {key: instance[key] for key in fields if key in instance}
