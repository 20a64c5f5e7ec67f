# -*- coding: utf-8 -*-
# Copyright (c) keyfactor.command contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""workflow_definition_info run in-process, as Ansible runs it, against the simulator's definitions scenario."""

import pytest

from ansible_collections.keyfactor.command.plugins.modules import workflow_definition_info

from kfsim.testing import default_definition_id  # pylint: disable=import-error

DEFINITIONS_PATH = '/KeyfactorAPI/Workflow/Definitions'
# tests/simulator/scenarios/definitions.yaml: the default scenario's six definitions and these five.
DRAFTED = 'd7000000-0000-4000-8000-000000000007'  # published 1, draft 2 (adds a disabled LegalReview step)
NEVER_PUBLISHED = 'd8000000-0000-4000-8000-000000000008'
SHARED = ['d9000000-0000-4000-8000-000000000009', 'da000000-0000-4000-8000-00000000000a',
          'db000000-0000-4000-8000-00000000000b']  # all named Shared Approval: Enrollment, Revocation, Revocation
UNKNOWN = 'd0000000-0000-4000-8000-999999999999'
ALL_NAMES = ['30 Day Auto Renew', 'Code Signing Dual Approval', 'Emergency Revocation', 'Renewal with Review Gate',
             'Server Enrollment With Legal Review', 'Shared Approval', 'Shared Approval', 'Shared Approval',
             'Two-Stage Revocation Approval', 'User Certificate Enrollment', 'Web Server Enrollment Approval']


@pytest.fixture
def definitions(run_module, connect, simulator):
    """definitions(check_mode=False, **options) -> the module's result, with the definitions scenario loaded."""
    simulator.load({'extends': 'definitions.yaml'})

    def run(check_mode=False, **options):
        return run_module(workflow_definition_info.main, dict(connect(), **options), check_mode=check_mode)
    return run


def reads(api_requests):
    """(definition id, definitionVersion or None) of each detail read, in the order made."""
    return [(entry['path'].rsplit('/', 1)[-1], entry['query'].get('definitionVersion')) for entry in api_requests()
            if entry['path'].startswith(DEFINITIONS_PATH + '/')]


def by_id(result):
    return {definition['id']: definition for definition in result['definitions']}


def step_names(definition):
    return [step['unique_name'] for step in definition['steps']]


# --- everything, and filters --------------------------------------------------------------------------

def test_every_definition_at_its_published_version_with_one_listing_and_one_read_each(definitions, api_requests):
    result = definitions()
    assert (result['rc'], result['changed'], result['count']) == (0, False, 11)
    assert [definition['display_name'] for definition in result['definitions']] == ALL_NAMES
    listings = [entry for entry in api_requests() if entry['path'] == DEFINITIONS_PATH]
    assert [entry['query'] for entry in listings] == [{'PageReturned': '1', 'ReturnLimit': '100'}]
    assert sorted(reads(api_requests)) == sorted((definition['id'], str(definition['version']))
                                                 for definition in result['definitions'])
    drafted, never = by_id(result)[DRAFTED], by_id(result)[NEVER_PUBLISHED]
    assert (drafted['version'], drafted['published_version'], drafted['draft_version']) == (1, 1, 2)
    assert step_names(drafted) == ['StartNOOP', 'RequireApproval1', 'Enroll', 'EndNOOP']
    assert (never['version'], never['published_version'], never['draft_version']) == (1, None, 1)


def test_a_definition_comes_with_its_steps_in_execution_order_and_its_signal_keys(definitions):
    two_stage = by_id(definitions(workflow_type='Revocation'))[default_definition_id(3)]
    assert step_names(two_stage) == ['StartNOOP', 'RequireApproval1', 'Email1', 'RequireApproval2', 'Revoke', 'EndNOOP']
    assert two_stage['signal_keys'] == ['RequireApproval1.ApprovalStatus', 'RequireApproval2.ApprovalStatus']
    security = two_stage['steps'][3]
    assert security == {
        'id': security['id'], 'unique_name': 'RequireApproval2', 'display_name': 'Security Approval',
        'extension_name': 'RequireApproval', 'enabled': True, 'outputs': {'continue': 'Revoke'},
        'signals': [{'name': 'ApprovalStatus', 'key': 'RequireApproval2.ApprovalStatus', 'role_ids': [7]}]}
    assert two_stage['steps'][-1]['outputs'] == {}
    assert (two_stage['key'], two_stage['key_display_name'], two_stage['description']) == (
        '41', 'WebServer', 'PKI approver, then the security team, before a WebServer certificate is revoked')


@pytest.mark.parametrize('options, expected, query', [
    (dict(display_name='Shared Approval'), SHARED, 'DisplayName -eq "Shared Approval"'),
    (dict(display_name=' Shared Approval ', workflow_type='Revocation'), SHARED[1:],
     'DisplayName -eq "Shared Approval" AND WorkflowType -eq "Revocation"'),
    (dict(workflow_type='Expiration'), [default_definition_id(5), default_definition_id(6)],
     'WorkflowType -eq "Expiration"'),
    # The simulator, like many servers, compares names without letter case; the module keeps exact matches only.
    (dict(display_name='shared approval'), [], 'DisplayName -eq "shared approval"'),
    (dict(display_name='No Such Workflow'), [], 'DisplayName -eq "No Such Workflow"'),
])
def test_display_name_and_workflow_type_filter_the_listing(definitions, api_requests, options, expected, query):
    result = definitions(**options)
    assert (result['rc'], [definition['id'] for definition in result['definitions']]) == (0, expected)
    assert api_requests()[0]['query']['QueryString'] == query
    assert len(reads(api_requests)) == len(expected)


# --- one definition, and its versions ---------------------------------------------------------------------

def test_one_definition_by_id_costs_one_read_when_its_latest_version_is_published(definitions, api_requests):
    result = definitions(definition_id='{%s}' % default_definition_id(1).upper())
    assert [definition['id'] for definition in result['definitions']] == [default_definition_id(1)]
    assert result['definitions'][0]['signal_keys'] == ['RequireApproval1.ApprovalStatus']
    assert reads(api_requests) == [(default_definition_id(1), None)]


@pytest.mark.parametrize('version, number, requests', [
    (None, 1, [(DRAFTED, None), (DRAFTED, '1')]),  # published: a newer draft exists, so read it by number
    ('published', 1, [(DRAFTED, None), (DRAFTED, '1')]),
    ('Latest', 2, [(DRAFTED, None), (DRAFTED, '2')]),  # the server's default is trusted only when unambiguous
    (2, 2, [(DRAFTED, '2')]),
    ('1', 1, [(DRAFTED, '1')]),
])
def test_published_latest_or_a_number(definitions, api_requests, version, number, requests):
    options = {} if version is None else {'version': version}
    drafted = definitions(definition_id=DRAFTED, **options)['definitions'][0]
    assert drafted['version'] == number
    assert reads(api_requests) == requests
    if number == 2:
        assert step_names(drafted) == ['StartNOOP', 'LegalReview', 'RequireApproval1', 'Enroll', 'EndNOOP']
        assert [step['enabled'] for step in drafted['steps']] == [True, False, True, True, True]
        # The disabled step never waits, so its signal is not a key the definition accepts.
        assert drafted['signal_keys'] == ['RequireApproval1.ApprovalStatus']
        assert drafted['steps'][2]['signals'][0]['role_ids'] == [3, 7]
    else:
        assert step_names(drafted) == ['StartNOOP', 'RequireApproval1', 'Enroll', 'EndNOOP']


def test_version_set_to_null_means_published(definitions):
    assert definitions(definition_id=DRAFTED, version=None)['definitions'][0]['version'] == 1


def test_a_definition_never_published_gives_its_latest_version(definitions, api_requests):
    never = definitions(definition_id=NEVER_PUBLISHED)['definitions'][0]
    assert (never['version'], never['published_version'], never['signal_keys']) == (
        1, None, ['SecurityApproval.ApprovalStatus'])
    assert reads(api_requests) == [(NEVER_PUBLISHED, None)]


def test_latest_lists_every_definition_at_its_draft(definitions, api_requests):
    result = definitions(version='latest', workflow_type='Enrollment')
    assert {definition['id']: definition['version'] for definition in result['definitions']}[DRAFTED] == 2
    assert (DRAFTED, '2') in reads(api_requests)


@pytest.mark.parametrize('unknown_id_status', [404, 400])
@pytest.mark.parametrize('version', ['published', 3])
def test_an_unknown_definition_returns_an_empty_list(definitions, simulator, unknown_id_status, version):
    simulator.configure(unknown_id_status=unknown_id_status)
    result = definitions(definition_id=UNKNOWN, version=version)
    assert (result['rc'], result['changed'], result['definitions'], result['count']) == (0, False, [], 0)


@pytest.mark.parametrize('definition_id, version, message', [
    (default_definition_id(4), 9, "Workflow definition 'User Certificate Enrollment' (%s) has no version 9: its "
                                  "latest version is 2, its published version 2." % default_definition_id(4)),
    (NEVER_PUBLISHED, '3', "Workflow definition 'Emergency Revocation' (%s) has no version 3: its latest version is "
                           "1, and it was never published." % NEVER_PUBLISHED),
])
def test_a_version_the_definition_does_not_have_fails(definitions, definition_id, version, message):
    result = definitions(definition_id=definition_id, version=version)
    assert (result['rc'], result['msg']) == (1, message)


def test_a_definition_deleted_between_the_listing_and_its_read_is_left_out_with_a_warning(definitions, simulator):
    simulator.inject(method='GET', path='/Workflow/Definitions/%s$' % default_definition_id(5), status=404,
                     body='{"ErrorCode": "0xA5100003", "Message": "Workflow definition was not found."}')
    result = definitions(workflow_type='Expiration')
    assert (result['rc'], [definition['id'] for definition in result['definitions']]) == (0, [default_definition_id(6)])
    assert result['warnings'] == [
        '1 listed definition(s) no longer existed when they were read (deleted meanwhile) and are left out: %s.'
        % default_definition_id(5)]


# --- check mode, concurrency and bad input ----------------------------------------------------------------

def test_check_mode_reads_the_same_and_changes_nothing(definitions):
    assert definitions(check_mode=True, workflow_type='Enrollment') == definitions(workflow_type='Enrollment')


@pytest.mark.parametrize('concurrency', [1, 32])
def test_concurrency_does_not_change_the_result(definitions, concurrency):
    assert definitions(concurrency=concurrency)['definitions'] == definitions()['definitions']


@pytest.mark.parametrize('options, message', [
    (dict(version='newest'), "version 'newest' is not valid: expected published, latest or a version number (1 or "
                             "more)."),
    (dict(definition_id=DRAFTED, version=0), 'version 0 is not valid'),
    (dict(definition_id=DRAFTED, version=True), 'version True is not valid'),
    (dict(definition_id=DRAFTED, version=1.5), 'version 1.5 is not valid'),
    (dict(version=2), 'version 2 is a version of one definition: give definition_id with it, or ask for published or '
                      'latest.'),
    (dict(definition_id='d7000000'), "definition_id 'd7000000' is not a workflow definition GUID"),
    (dict(display_name=''), 'display_name is empty; give a value or leave the option out.'),
    (dict(workflow_type=' '), 'workflow_type is empty; give a value or leave the option out.'),
    (dict(concurrency=0), 'concurrency must be from 1 to 32, got 0.'),
    (dict(definition_id=DRAFTED, display_name='Shared Approval'), 'mutually exclusive: definition_id|display_name'),
    (dict(definition_id=DRAFTED, workflow_type='Enrollment'), 'mutually exclusive: definition_id|workflow_type'),
])
def test_bad_input_fails_before_any_request(definitions, api_requests, options, message):
    result = definitions(**options)
    assert (result['rc'], result['failed']) == (1, True)
    assert message in result['msg']
    assert 'definitions' not in result and 'exception' not in result
    assert api_requests() == []
