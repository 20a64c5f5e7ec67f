# -*- coding: utf-8 -*-
# Copyright (c) keyfactor.command contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The pure pieces of _definitions.py (normalisation, version choice, a signal named alone), and one race of
_definition_search.read_definition that the simulator cannot stage."""

import pytest

from ansible_collections.keyfactor.command.plugins.module_utils._definition_search import read_definition
from ansible_collections.keyfactor.command.plugins.module_utils._definitions import (
    LATEST, PUBLISHED, default_read_is, normalize_definition_response, normalize_step, resolve_signal_name,
    version_to_read,
)

DEFINITION_ID = '2f6d8e14-0c3b-4e55-a9d7-61b0c8e2f4a1'


def step(name, outputs, signals=(), enabled=True, **extra):
    raw = {'Id': 'id-' + name, 'DisplayName': name.title(), 'UniqueName': name, 'ExtensionName': 'RequireApproval',
           'Enabled': enabled, 'ConfigurationParameters': {'Password': 'p4ss'}, 'Conditions': [],
           'Signals': [{'RoleIds': [3], 'SignalName': signal} for signal in signals], 'Outputs': outputs}
    raw.update(extra)
    return raw


def definition(*steps, **extra):
    raw = {'Id': DEFINITION_ID, 'DisplayName': 'Web Server Enrollment Approval', 'Description': 'One approver',
           'Key': '41', 'KeyDisplayName': 'WebServer', 'IsPublished': True, 'WorkflowType': 'Enrollment',
           'Steps': list(steps), 'DraftVersion': 3, 'PublishedVersion': 3}
    raw.update(extra)
    return raw


# Listed out of execution order, as Keyfactor exports them: Start -> Legal (disabled) -> Approve -> Security -> End.
TWO_APPROVALS = definition(
    step('End', {}),
    step('Security', {'continue': 'End'}, ['ApprovalStatus']),
    step('Start', {'continue': 'Legal'}),
    step('Approve', {'continue': 'Security'}, ['ApprovalStatus', 'Escalate']),
    step('Legal', {'continue': 'Approve'}, ['ApprovalStatus', 'LegalHold'], enabled=False),
)


def test_a_definition_comes_in_execution_order_with_the_keys_its_enabled_steps_accept():
    result = normalize_definition_response(TWO_APPROVALS, 3)
    assert [item['unique_name'] for item in result['steps']] == ['Start', 'Legal', 'Approve', 'Security', 'End']
    assert result['signal_keys'] == ['Approve.ApprovalStatus', 'Approve.Escalate', 'Security.ApprovalStatus']
    assert {key: result[key] for key in ('id', 'display_name', 'description', 'key', 'key_display_name',
                                         'workflow_type', 'version', 'published_version', 'draft_version')} == {
        'id': DEFINITION_ID, 'display_name': 'Web Server Enrollment Approval', 'description': 'One approver',
        'key': '41', 'key_display_name': 'WebServer', 'workflow_type': 'Enrollment', 'version': 3,
        'published_version': 3, 'draft_version': 3}


def test_a_step_keeps_its_signals_roles_and_outputs_and_never_its_configuration():
    legal = normalize_step(step('Legal', {'continue': 'Approve'}, ['ApprovalStatus'], enabled=False, Id='g-1'))
    assert legal == {
        'id': 'g-1', 'unique_name': 'Legal', 'display_name': 'Legal', 'extension_name': 'RequireApproval',
        'enabled': False, 'outputs': {'continue': 'Approve'},
        'signals': [{'name': 'ApprovalStatus', 'key': 'Legal.ApprovalStatus', 'role_ids': [3]}]}
    assert 'p4ss' not in str(normalize_definition_response(TWO_APPROVALS, 3))


def test_missing_and_null_parts_give_empty_values():
    bare = normalize_step({'UniqueName': 'Start', 'Signals': None, 'Outputs': None})
    assert (bare['signals'], bare['outputs'], bare['enabled']) == ([], {}, True)
    empty = normalize_definition_response({'Id': DEFINITION_ID, 'Steps': None, 'PublishedVersion': None}, 1)
    assert (empty['steps'], empty['signal_keys'], empty['published_version'], empty['version']) == ([], [], None, 1)


@pytest.mark.parametrize('published, draft, wanted, expected', [
    (3, 3, PUBLISHED, 3),
    (2, 3, PUBLISHED, 2),
    (2, 3, LATEST, 3),
    (None, 1, PUBLISHED, 1),  # never published: the draft is all there is
    (None, 4, LATEST, 4),
])
def test_published_and_latest_stand_for_a_version_number(published, draft, wanted, expected):
    assert version_to_read(published, draft, wanted) == expected


@pytest.mark.parametrize('published, draft, number, trusted', [
    (3, 3, 3, True),      # either default (most recent or published) is version 3
    (None, 2, 2, True),   # never published: the default can only be the draft
    (2, 3, 3, False),     # Keyfactor's default would be 3, a server defaulting to published would give 2
    (2, 3, 2, False),
    (3, 3, 2, False),     # an older version is never the default
])
def test_a_read_without_a_version_is_trusted_only_when_both_defaults_agree(published, draft, number, trusted):
    # IsPublished is left out on purpose: whether it describes the version or the definition is not documented.
    raw = {'PublishedVersion': published, 'DraftVersion': draft}
    assert default_read_is(raw, number) is trusted


def test_a_signal_one_enabled_step_offers_resolves_to_its_full_key():
    assert resolve_signal_name(TWO_APPROVALS, 3, 'Escalate') == ('Approve.Escalate', None)


def test_a_signal_only_a_disabled_step_offers_does_not_resolve():
    resolution = resolve_signal_name(TWO_APPROVALS, 3, 'LegalHold')
    assert resolution.key is None
    assert resolution.problem == (
        "signal_key LegalHold is offered by no enabled step of definition 'Web Server Enrollment Approval' (%s) "
        "version 3; the signal keys it accepts are: Approve.ApprovalStatus, Approve.Escalate, Security.ApprovalStatus."
        % DEFINITION_ID)


def test_a_signal_several_enabled_steps_offer_lists_the_keys_to_choose_from():
    resolution = resolve_signal_name(TWO_APPROVALS, 3, 'ApprovalStatus')
    assert resolution.key is None
    assert resolution.problem == (
        "signal_key ApprovalStatus is offered by 2 enabled steps of definition 'Web Server Enrollment Approval' (%s) "
        "version 3; give the full key of the one to send: Approve.ApprovalStatus, Security.ApprovalStatus."
        % DEFINITION_ID)


def test_the_definition_alone_decides_so_every_run_resolves_the_same_key():
    # Whatever step an instance stands at, the key comes from the definition version; the order of the listed
    # steps does not matter either.
    reordered = dict(TWO_APPROVALS, Steps=list(reversed(TWO_APPROVALS['Steps'])))
    assert resolve_signal_name(reordered, 3, 'Escalate') == resolve_signal_name(TWO_APPROVALS, 3, 'Escalate')


@pytest.mark.parametrize('name', ['Approval', 'Status', 'approvalstatus', 'Approve'])
def test_a_name_is_matched_whole_and_exactly(name):
    single = definition(step('Start', {'continue': 'Approve'}),
                        step('Approve', {'continue': 'End'}, ['ApprovalStatus']), step('End', {}))
    resolution = resolve_signal_name(single, 3, name)
    assert resolution.key is None
    assert resolution.problem.endswith('the signal keys it accepts are: Approve.ApprovalStatus.')


def test_a_definition_without_signal_steps_says_it_accepts_none():
    resolution = resolve_signal_name(definition(step('Start', {'continue': 'End'}), step('End', {})), 1, 'Proceed')
    assert resolution.problem.endswith('the signal keys it accepts are: none.')


class ScriptedApi:
    """Answers get_definition from a script, one answer per call, and records the calls."""

    def __init__(self, *answers):
        self.answers = list(answers)
        self.calls = []

    def get_definition(self, definition_id, version=None):
        self.calls.append((definition_id, version))
        return self.answers.pop(0)


def test_a_definition_deleted_between_its_two_reads_is_no_match():
    # The default read shows a draft newer than the published version; by the time version 2 is read by number,
    # the definition is gone.
    api = ScriptedApi(definition(DraftVersion=3, PublishedVersion=2), None)
    assert read_definition(api, DEFINITION_ID, PUBLISHED) is None
    assert api.calls == [(DEFINITION_ID, None), (DEFINITION_ID, 2)]
