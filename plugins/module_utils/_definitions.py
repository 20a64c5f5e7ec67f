# -*- coding: utf-8 -*-
# Copyright (c) keyfactor.command contributors
# BSD 2-Clause License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause
"""Workflow definitions as the modules return them, and the look-ups built on them.

- normalisation: a DefinitionResponse in snake_case, its steps in execution order, the signal keys it accepts;
- which version to read when asked for the published or the latest one;
- a signal given by name alone (ApprovalStatus) resolved to its full key (Step.ApprovalStatus);
- a display name resolved to its definition with one listing request, for any plugin holding a WorkflowApi.

FOR INTERNAL COLLECTION USE ONLY. Supported Pythons: 3.9 and later.
"""

import difflib
from collections import namedtuple

from ._errors import KeyfactorAuthError, KeyfactorConfigError
from ._query import definition_query
from ._signal_decision import accepted_keys, execution_order, steps_by_name

PUBLISHED = 'published'
LATEST = 'latest'
# At most this many known names answer a display name that matches nothing.
CLOSEST_NAMES = 5

SignalResolution = namedtuple('SignalResolution', 'key problem')


# --- normalisation ------------------------------------------------------------------------------

def normalize_definition_summary(raw):
    """snake_case view of a DefinitionQueryResponse, the part a DefinitionResponse shares with it."""
    return {
        'id': raw.get('Id'),
        'display_name': raw.get('DisplayName'),
        'key': raw.get('Key'),
        'key_display_name': raw.get('KeyDisplayName'),
        'workflow_type': raw.get('WorkflowType'),
        'published_version': raw.get('PublishedVersion'),
        'draft_version': raw.get('DraftVersion'),
    }


def normalize_step(raw):
    """snake_case view of a DefinitionStepResponse.

    ConfigurationParameters stay out: a REST or OAuth request step keeps its credentials there, and
    nothing a playbook does with a definition needs them.
    """
    name = raw.get('UniqueName')
    return {
        'id': raw.get('Id'),
        'unique_name': name,
        'display_name': raw.get('DisplayName'),
        'extension_name': raw.get('ExtensionName'),
        'enabled': raw.get('Enabled') is not False,
        'signals': [{'name': signal.get('SignalName'), 'key': '%s.%s' % (name, signal.get('SignalName')),
                     'role_ids': list(signal.get('RoleIds') or [])}
                    for signal in raw.get('Signals') or []],
        'outputs': dict(raw.get('Outputs') or {}),
    }


def normalize_definition_response(raw, version):
    """snake_case view of a DefinitionResponse read at `version` (the response does not say which it is)."""
    steps = steps_by_name(raw)
    definition = normalize_definition_summary(raw)
    definition.update(
        description=raw.get('Description'),
        version=version,
        steps=[normalize_step(steps[name]) for name in execution_order(steps)],
        signal_keys=accepted_keys(steps),
    )
    return definition


# --- versions -----------------------------------------------------------------------------------

def version_to_read(published, draft, wanted):
    """The version number PUBLISHED or LATEST stands for; a definition never published has only its draft."""
    return draft if wanted == LATEST or published is None else published


def default_read_is(raw, number):
    """Whether `raw`, read without definitionVersion, is certainly version `number`.

    Keyfactor documents the most recent version as the default. A server that gave the published one
    instead would differ only while a draft is newer than the published version, so the answer is
    trusted only when the two cannot differ; otherwise the version is read by number.
    """
    published = raw.get('PublishedVersion')
    return number == raw.get('DraftVersion') and published in (None, number)


# --- a signal named alone -----------------------------------------------------------------------

def definition_label(raw, version):
    """"definition 'Web Server Enrollment Approval' (<id>) version 3": how messages name a definition version."""
    return "definition '%s' (%s) version %s" % (raw.get('DisplayName'), raw.get('Id'), version)


def resolve_signal_name(definition, version, signal_name):
    """The full signal key of a signal given by its name alone, from the DefinitionResponse read at `version`.

    SignalResolution(key, None) when exactly one enabled step offers the signal; otherwise
    SignalResolution(None, problem), listing the keys to choose from when several steps offer it and
    every key the definition accepts when none does. Only the definition decides, never the step an
    instance stands at, so the same instance resolves to the same key on every run.
    """
    keys = accepted_keys(steps_by_name(definition))
    offering = [key for key in keys if key.endswith('.' + signal_name)]
    if len(offering) == 1:
        return SignalResolution(offering[0], None)
    label = definition_label(definition, version)
    if offering:
        return SignalResolution(None, 'signal_key %s is offered by %d enabled steps of %s; give the full key of the '
                                      'one to send: %s.' % (signal_name, len(offering), label, ', '.join(offering)))
    return SignalResolution(None, 'signal_key %s is offered by no enabled step of %s; the signal keys it accepts '
                                  'are: %s.' % (signal_name, label, ', '.join(keys) if keys else 'none'))


# --- a display name -----------------------------------------------------------------------------

def resolve_definition_name(api, name, workflow_type=None, option='definition_name'):
    """The one definition (normalize_definition_summary) whose display name is `name`, letter case included.

    One listing request, filtered by QueryString; the names are compared here too, since the server may
    compare more loosely. No match fails listing the known names closest to it (read with one more
    listing); several fail listing them, since instances of the wrong definition must never be picked
    silently. Raises KeyfactorConfigError. `option` is the name the caller's user gave the value under.
    """
    matches = [row for row in _listed(api, definition_query(name, workflow_type), option)
               if row.get('DisplayName') == name]
    if len(matches) == 1:
        return normalize_definition_summary(matches[0])
    wanted = '%s %r' % (option, name) + (' with workflow_type %s' % workflow_type if workflow_type else '')
    if matches:
        raise KeyfactorConfigError(_ambiguous_name(wanted, matches, workflow_type))
    raise KeyfactorConfigError(_unknown_name(wanted, name, _listed(api, None, option)))


def _listed(api, query, option):
    try:
        return list(api.list_definitions(query))
    except KeyfactorAuthError as error:
        if error.status == 403:
            # The message already names the request; say which option needed it and the way around it.
            error.message += (' %s is resolved by reading the workflow definitions, which needs permission to read '
                              'them (WorkflowDefinitions: Read; /workflows/definitions/read/ on Command 11 and later); '
                              'or give definition_id instead.' % option)
        raise


def _described(row):
    return "'%s' (%s)" % (row.get('DisplayName'), row.get('WorkflowType'))


def _ambiguous_name(wanted, matches, workflow_type):
    listed = ', '.join('%s (%s)' % (row.get('Id'), row.get('WorkflowType')) for row in matches)
    types = {row.get('WorkflowType') for row in matches}
    advice = ('they share the workflow type too, so give definition_id instead' if workflow_type or len(types) == 1
              else 'set workflow_type to choose one, or give definition_id instead')
    return '%s matches %d workflow definitions: %s; %s.' % (wanted, len(matches), listed, advice)


def _unknown_name(wanted, name, rows):
    by_name = {}
    for row in rows:
        if row.get('DisplayName'):
            by_name.setdefault(row['DisplayName'].casefold(), []).append(row)
    closest = difflib.get_close_matches(name.casefold(), list(by_name), n=CLOSEST_NAMES)
    if closest:
        known = 'the closest names are: %s' % ', '.join(
            _described(row) for folded in closest for row in by_name[folded])
    elif rows:
        known = ('no definition name is close to it (the caller can read %d definitions; '
                 'keyfactor.command.workflow_definition_info lists them)' % len(rows))
    else:
        known = 'the caller can read no workflow definitions at all'
    return '%s matches no workflow definition; %s.' % (wanted, known)
