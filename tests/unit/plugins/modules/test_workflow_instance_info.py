# -*- coding: utf-8 -*-
# Copyright (c) keyfactor.command contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""workflow_instance_info run in-process, as Ansible runs it, against the simulator."""

import pytest

from ansible_collections.keyfactor.command.plugins.modules import workflow_instance_info

from kfsim.testing import default_definition_id, default_instance_id  # pylint: disable=import-error

LIST_PATH = '/KeyfactorAPI/Workflow/Instances'


def numbers(result):
    """The default scenario's instance numbers (ReferenceId - 1000) of a result, in order."""
    return [instance['reference_id'] - 1000 for instance in result['instances']]


@pytest.fixture
def info(run_module, connect):
    """info(user='approver1', check_mode=False, **options) -> the module's result; options set to None are left out."""
    def run(user='approver1', check_mode=False, **options):
        given = {name: value for name, value in options.items() if value is not None}
        return run_module(workflow_instance_info.main, dict(connect(user), **given), check_mode=check_mode)
    return run


# --- scopes, each seen by different users --------------------------------------------------------------

@pytest.mark.parametrize('scope, user, expected', [
    (None, 'approver1', list(range(1, 19))),
    ('all', 'requester', list(range(1, 19))),
    ('started_by_me', 'requester', [1, 2] + list(range(4, 14)) + [18]),
    ('started_by_me', 'approver2', [3]),
    ('started_by_me', 'secadmin', [17]),
    ('started_by_me', 'noroles', []),
    ('assigned_to_me', 'approver1', [1, 2, 3, 4, 6, 8, 9, 16, 17]),
    ('assigned_to_me', 'approver2', [1, 2, 3, 4, 5, 6, 8, 9, 16, 17]),
    ('assigned_to_me', 'secadmin', [7]),
    ('assigned_to_me', 'requester', []),
])
def test_each_scope_lists_what_the_caller_may_see(info, simulator, api_requests, scope, user, expected):
    result = info(user, scope=scope, sort_field='reference_id')
    assert (result['rc'], result['changed'], numbers(result), result['count'], result['total']) == (
        0, False, expected, len(expected), len(expected))
    suffix = {None: '', 'all': '', 'started_by_me': '/My', 'assigned_to_me': '/AssignedToMe'}[scope]
    assert [(entry['path'], entry['caller']) for entry in api_requests()] == [
        (LIST_PATH + suffix, simulator.login(user))]


def test_an_oauth_client_sees_its_own_assignments(run_module, simulator):
    options = dict(simulator.client('kf-approver-client'), url=simulator.host, ca_cert=simulator.ca_cert,
                   scope='assigned_to_me', sort_field='ReferenceId')
    result = run_module(workflow_instance_info.main, options)
    assert result['rc'] == 0 and numbers(result) == [1, 2, 3, 4, 5, 6, 8, 9, 16, 17]


# --- filters and sorting, as sent and as answered -------------------------------------------------------

@pytest.mark.parametrize('options, expected, query', [
    (dict(status=['suspended', 'running']), [1, 2, 3, 4, 5, 6, 7, 8, 9, 14, 16, 17],
     '(Status -eq "Suspended" OR Status -eq "Running")'),
    (dict(definition_id=default_definition_id(2)), [4, 5, 17], 'DefinitionId -eq "%s"' % default_definition_id(2)),
    (dict(workflow_type='Revocation'), [6, 7, 18], 'WorkflowType -eq "Revocation"'),
    (dict(title='is revoking'), [6, 7, 18], 'Title -contains "is revoking"'),
    (dict(initiating_user='KEYEXAMPLE\\secadmin'), [17], 'InitiatingUserName -eq "KEYEXAMPLE\\\\secadmin"'),
    (dict(query='ReferenceId -ge 1016 OR ReferenceId -eq 1001', status=['Suspended']), [1, 16, 17],
     'Status -eq "Suspended" AND (ReferenceId -ge 1016 OR ReferenceId -eq 1001)'),
])
def test_filters(info, api_requests, options, expected, query):
    result = info(sort_field='ReferenceId', **options)
    assert (result['rc'], numbers(result)) == (0, expected)
    assert api_requests()[0]['query']['QueryString'] == query


def test_start_window_is_half_open(info):
    everything = info(sort_field='StartDate')['instances']
    first, second, third = everything[0]['start_date'], everything[1]['start_date'], everything[2]['start_date']
    result = info(started_after=second, started_before=third, sort_field='StartDate')
    assert [instance['start_date'] for instance in result['instances']] == [second]
    assert first < second < third


def test_sort_order(info, api_requests):
    result = info(sort_field='reference_id', sort_order='descending', limit=3)
    assert numbers(result) == [18, 17, 16]
    query = api_requests()[0]['query']
    assert (query['SortField'], query['SortAscending']) == ('ReferenceId', '1')


def test_no_sort_field_leaves_the_order_to_the_server(info, api_requests):
    assert info()['rc'] == 0
    assert 'SortField' not in api_requests()[0]['query']


# --- paging, total and limit through the module -------------------------------------------------------

@pytest.mark.parametrize('total_count, pages', [('on', 3), ('off', 4)])
def test_paging_and_total(info, simulator, api_requests, total_count, pages):
    simulator.configure(total_count=total_count)
    result = info(page_size=6, sort_field='ReferenceId')
    assert numbers(result) == list(range(1, 19)) and result['count'] == 18
    assert result.get('total') == (18 if total_count == 'on' else None)
    # With the total known, pages 2 and 3 are read concurrently and may arrive in either order.
    assert sorted(int(entry['query']['PageReturned']) for entry in api_requests()) == list(range(1, pages + 1))


def test_limit_warns_when_it_cuts_the_result_short(info):
    result = info(limit=4, sort_field='ReferenceId')
    assert (numbers(result), result['count'], result['total']) == ([1, 2, 3, 4], 4, 18)
    assert result['warnings'] == ['returned 4 of 18 instances; raise or remove limit (4) to get them all.']


def test_a_server_capping_return_limit_still_yields_every_instance(info, simulator, api_requests):
    simulator.configure(max_return_limit=5, total_count='off')
    result = info(sort_field='ReferenceId')
    assert (result['rc'], numbers(result), result['count']) == (0, list(range(1, 19)), 18)
    assert [(entry['query']['PageReturned'], entry['query']['ReturnLimit']) for entry in api_requests()] == [
        ('1', '100'), ('2', '5'), ('3', '5'), ('4', '5')]


@pytest.mark.parametrize('switches, message', [
    (dict(ignore_page_returned=True), 'GET /Workflow/Instances returned the same items for PageReturned 2 as for '
                                      'PageReturned 1: the server does not honour PageReturned'),
    (dict(ignore_return_limit=True), 'GET /Workflow/Instances returned 18 items for ReturnLimit 6: the server does not '
                                     'honour ReturnLimit'),
])
def test_a_server_that_does_not_page_as_asked_fails_clearly(info, simulator, switches, message):
    simulator.configure(**switches)
    result = info(page_size=6)
    assert (result['rc'], result['failed']) == (1, True)
    assert result['msg'].startswith(message) and 'instances' not in result
    assert result.get('exception', '(traceback unavailable)') == '(traceback unavailable)'


# --- answer shapes ----------------------------------------------------------------------------------------

@pytest.mark.parametrize('details', [False, True])
def test_camel_case_answers_are_read(info, simulator, details):
    pascal = info(sort_field='ReferenceId', details=details)
    simulator.configure(key_case='camel')
    camel = info(sort_field='ReferenceId', details=details)
    assert camel['rc'] == 0 and camel['instances'] == pascal['instances']


def test_fields_the_module_does_not_need_may_be_null(info, simulator):
    simulator.configure(null_fields='CurrentStepUniqueName,Title,Definition', omit_fields='StatusMessage')
    result = info(instance_id=default_instance_id(1))
    instance = result['instances'][0]
    assert result['rc'] == 0
    assert (instance['current_step_unique_name'], instance['title'], instance['status_message']) == (None, None, None)
    assert instance['definition'] == {'id': None, 'display_name': None, 'version': None, 'workflow_type': None}


@pytest.mark.parametrize('switches, details, message', [
    (dict(null_fields='Status'), False,
     "The server's answer for workflow instance %s has no Status." % default_instance_id(1)),
    (dict(omit_fields='Id'), False, "The server's answer for a workflow instance has no Id."),
    (dict(omit_fields='Id'), True, "The server's answer for a listed workflow instance has no Id."),
    (dict(status_format='int', status_codes='Suspended=7'), True,
     "The server's answer for workflow instance %s has Status 7, an integer code the status table does not know; "
     'name it with status_map' % default_instance_id(1)),
])
def test_a_field_the_module_needs_missing_or_unknown_fails_clearly(info, simulator, switches, details, message):
    simulator.configure(**switches)
    result = info(sort_field='ReferenceId', details=details)
    assert (result['rc'], result['failed']) == (1, True)
    assert result['msg'].startswith(message)
    assert result.get('exception', '(traceback unavailable)') == '(traceback unavailable)'


def test_a_listed_item_that_is_not_an_object_fails_clearly(info, simulator):
    simulator.inject(method='GET', path='/Workflow/Instances$', status=200, body='["%s"]' % default_instance_id(1))
    result = info()
    assert (result['rc'], result['msg']) == (
        1, "The server's answer for a workflow instance is text; expected an object (a workflow instance).")


# --- definition_name ------------------------------------------------------------------------------------

DEFINITIONS_PATH = '/KeyfactorAPI/Workflow/Definitions'
# tests/simulator/scenarios/definitions.yaml adds three definitions named Shared Approval, with instances 20 (of
# the Enrollment one) and 21 (of the first Revocation one).
SHARED = ['d9000000-0000-4000-8000-000000000009', 'da000000-0000-4000-8000-00000000000a',
          'db000000-0000-4000-8000-00000000000b']


def test_definition_name_is_resolved_with_one_request(info, api_requests):
    by_name = info(definition_name='Code Signing Dual Approval', status=['Suspended'], sort_field='ReferenceId')
    assert (by_name['rc'], numbers(by_name)) == (0, [4, 5, 17])
    definitions, instances = api_requests()
    assert (definitions['path'], definitions['query']['QueryString']) == (
        DEFINITIONS_PATH, 'DisplayName -eq "Code Signing Dual Approval"')
    assert (instances['path'], instances['query']['QueryString']) == (
        LIST_PATH, 'Status -eq "Suspended" AND DefinitionId -eq "%s"' % default_definition_id(2))


@pytest.mark.parametrize('workflow_type, expected', [('Enrollment', [20]), ('Revocation', None)])
def test_workflow_type_chooses_among_definitions_sharing_a_name(info, simulator, workflow_type, expected):
    simulator.load({'extends': 'definitions.yaml'})
    result = info(definition_name='Shared Approval', workflow_type=workflow_type)
    if expected is not None:
        assert (result['rc'], numbers(result)) == (0, expected)
    else:
        assert (result['rc'], result['msg']) == (1, "definition_name 'Shared Approval' with workflow_type Revocation "
                                                    "matches 2 workflow definitions: %s (Revocation), %s (Revocation); "
                                                    "they share the workflow type too, so give definition_id instead."
                                                    % (SHARED[1], SHARED[2]))


def test_a_name_several_definitions_share_fails_rather_than_picking_one(info, simulator, api_requests):
    simulator.load({'extends': 'definitions.yaml'})
    result = info(definition_name='Shared Approval')
    assert (result['rc'], result['msg']) == (1, "definition_name 'Shared Approval' matches 3 workflow definitions: "
                                                "%s (Enrollment), %s (Revocation), %s (Revocation); set workflow_type "
                                                "to choose one, or give definition_id instead." % tuple(SHARED))
    assert [entry['path'] for entry in api_requests()] == [DEFINITIONS_PATH]


@pytest.mark.parametrize('name, known', [
    ('Web Server Enrolment Approval', "the closest names are: 'Web Server Enrollment Approval' (Enrollment)."),
    # The simulator matches the name without letter case; the module wants it exact, and says what is close.
    ('web server enrollment approval', "the closest names are: 'Web Server Enrollment Approval' (Enrollment)."),
    ('Two Stage Revocation', "the closest names are: 'Two-Stage Revocation Approval' (Revocation)."),
    ('Payroll', 'no definition name is close to it (the caller can read 6 definitions; '
                'keyfactor.command.workflow_definition_info lists them).'),
])
def test_an_unknown_name_fails_listing_the_known_names_closest_to_it(info, api_requests, name, known):
    result = info(definition_name=name)
    assert (result['rc'], result['msg']) == (1, 'definition_name %r matches no workflow definition; %s' % (name, known))
    assert 'instances' not in result
    assert [(entry['path'], entry['query'].get('QueryString')) for entry in api_requests()] == [
        (DEFINITIONS_PATH, 'DisplayName -eq "%s"' % name), (DEFINITIONS_PATH, None)]


def test_a_name_with_another_workflow_type_is_shown_with_its_type(info):
    result = info(definition_name='Web Server Enrollment Approval', workflow_type='Revocation')
    assert result['msg'] == ("definition_name 'Web Server Enrollment Approval' with workflow_type Revocation matches no "
                             "workflow definition; the closest names are: 'Web Server Enrollment Approval' "
                             "(Enrollment).")


def test_a_caller_who_can_read_no_definitions_is_told_so(info, simulator):
    simulator.load({'domain': 'KEYEXAMPLE', 'users': [{'name': 'approver1', 'password': 'S3cret-approver1!'}]})
    result = info(definition_name='Web Server Enrollment Approval')
    assert result['msg'] == ("definition_name 'Web Server Enrollment Approval' matches no workflow definition; the "
                             "caller can read no workflow definitions at all.")


def test_no_permission_to_read_definitions_says_what_to_do(info, simulator):
    simulator.inject(method='GET', path='/Workflow/Definitions$', status=403,
                     body='{"ErrorCode": "0xA5100007", "Message": "Access denied."}')
    result = info(definition_name='Web Server Enrollment Approval')
    assert (result['rc'], result['http_status']) == (1, 403)
    assert result['msg'].startswith('GET /Workflow/Definitions failed with HTTP 403')
    assert result['msg'].endswith(
        'definition_name is resolved by reading the workflow definitions, which needs permission to read them '
        '(WorkflowDefinitions: Read; /workflows/definitions/read/ on Command 11 and later); or give definition_id '
        'instead.')


def test_other_errors_of_the_definitions_listing_come_through_unchanged(info, simulator):
    simulator.inject(method='GET', path='/Workflow/Definitions$', status=401, body='{"Message": "Denied."}')
    result = info(definition_name='Web Server Enrollment Approval')
    assert (result['rc'], result['http_status']) == (1, 401)
    assert 'definition_name' not in result['msg']


def test_definitions_without_a_display_name_are_no_candidates(info, simulator):
    # A server may send DisplayName null (the SDKs type it nullable); such rows are neither matches nor suggestions.
    # x-total-count tells the pager that this one-item page is the whole listing (no probe for a capped ReturnLimit).
    simulator.inject(method='GET', path='/Workflow/Definitions$', status=200, times=2, headers={'x-total-count': '1'},
                     body='[{"Id": "%s", "DisplayName": null, "WorkflowType": "Enrollment"}]' % default_definition_id(1))
    result = info(definition_name='Web Server Enrollment Approval')
    assert result['msg'].endswith('no definition name is close to it (the caller can read 1 definitions; '
                                  'keyfactor.command.workflow_definition_info lists them).')


def test_check_mode_resolves_the_name_the_same_way(info):
    assert info(check_mode=True, definition_name='Two-Stage Revocation Approval', sort_field='ReferenceId') == info(
        definition_name='Two-Stage Revocation Approval', sort_field='ReferenceId')


# --- details and instance_id ----------------------------------------------------------------------------

def test_details(info, api_requests):
    result = info(scope='assigned_to_me', user='secadmin', details=True)
    assert result['rc'] == 0 and numbers(result) == [7]
    instance = result['instances'][0]
    assert instance['signals'] == [{'name': 'ApprovalStatus', 'key': 'RequireApproval2.ApprovalStatus',
                                    'step_signal_id': instance['signals'][0]['step_signal_id'], 'received': False}]
    assert isinstance(instance['initial_data'], dict) and isinstance(instance['current_state_data'], dict)
    assert [entry['path'] for entry in api_requests()] == [LIST_PATH + '/AssignedToMe', LIST_PATH + '/' + default_instance_id(7)]


def test_instance_id_returns_one_instance_with_full_detail(info, api_requests):
    result = info(instance_id=default_instance_id(15).upper())
    assert (result['rc'], numbers(result), result['count']) == (0, [15], 1)
    assert 'total' not in result
    instance = result['instances'][0]
    assert (instance['status'], instance['signals'], instance['definition']['workflow_type']) == ('Complete', [], 'Expiration')
    assert 'RenewedCertId' in instance['current_state_data']
    assert [entry['path'] for entry in api_requests()] == [LIST_PATH + '/' + default_instance_id(15)]


@pytest.mark.parametrize('unknown_id_status', [404, 400])
def test_an_unknown_instance_id_returns_an_empty_list(info, simulator, unknown_id_status):
    simulator.configure(unknown_id_status=unknown_id_status)
    result = info(instance_id='c0ffee00-0000-4000-8000-999999999999')
    assert (result['rc'], result['instances'], result['count'], result.get('failed')) == (0, [], 0, None)


# --- statuses as integers, check mode -----------------------------------------------------------------------

def test_integer_statuses_from_the_server(info, simulator):
    simulator.configure(status_format='int')
    result = info(status=['Rejected', 'CanceledForRestart'], sort_field='ReferenceId', details=True)
    assert [(number, instance['status']) for number, instance in zip(numbers(result), result['instances'])] == [
        (11, 'Rejected'), (13, 'CanceledForRestart')]


def test_status_map_renames_integer_statuses(info, simulator):
    simulator.configure(status_format='int')
    result = info(instance_id=default_instance_id(10), status_map={'3': 'Completed'})
    assert result['instances'][0]['status'] == 'Completed'


def test_check_mode_reads_the_same_and_changes_nothing(info, api_requests):
    normal = info(scope='assigned_to_me', details=True)
    checked = info(scope='assigned_to_me', details=True, check_mode=True)
    assert checked['rc'] == 0 and checked['changed'] is False
    assert checked['instances'] == normal['instances']
    assert {entry['method'] for entry in api_requests()} == {'GET'}


# --- fields and summary -------------------------------------------------------------------------------------------

def test_fields_return_only_the_keys_asked_for(info):
    everything = info(sort_field='ReferenceId')
    light = info(sort_field='ReferenceId', fields=['title', 'id', 'definition'])
    assert light['rc'] == 0 and light['count'] == everything['count'] == 18
    assert light['instances'] == [{key: instance[key] for key in ('id', 'title', 'definition')}
                                  for instance in everything['instances']]


def test_fields_with_details_may_name_the_detail_keys(info):
    result = info(status=['Suspended'], details=True, fields=['id', 'signals'], limit=2)
    assert [sorted(instance) for instance in result['instances']] == [['id', 'signals']] * 2


@pytest.mark.parametrize('summary_only', [False, True])
def test_the_summary_counts_what_the_listing_returns(info, summary_only):
    listing = info()['instances']
    result = info(summary=not summary_only, summary_only=summary_only)
    assert result['rc'] == 0 and result['count'] == len(listing) == result['summary']['count']
    assert ('instances' in result) is not summary_only
    summary = result['summary']
    for status, entry in summary['by_status'].items():
        dates = sorted(instance['start_date'] for instance in listing if instance['status'] == status)
        assert (entry['count'], entry['oldest_start_date'], entry['newest_start_date']) == (len(dates), dates[0], dates[-1])
    assert sum(entry['count'] for entry in summary['by_definition']) == len(listing)
    assert {(entry['id'], entry['count']) for entry in summary['by_definition']} == {
        (definition, sum(1 for instance in listing if instance['definition']['id'] == definition))
        for definition in {instance['definition']['id'] for instance in listing}}
    steps = [(instance['current_step_unique_name'], instance['current_step_display_name'])
             for instance in listing if instance['status'] == 'Suspended']
    assert sorted((entry['unique_name'], entry['display_name'], entry['count']) for entry in summary['suspended_by_step']) == sorted(
        step + (steps.count(step),) for step in set(steps))


def test_a_summary_of_one_instance_by_id(info):
    result = info(instance_id=default_instance_id(5), summary_only=True)
    assert (result['count'], list(result['summary']['by_status'])) == (1, ['Suspended'])


def test_a_long_listing_comes_back_whole_and_in_order(info, simulator):
    # More instances than the result writes at once, and pages read concurrently.
    only_generated = {key: value for key, value in simulator.scenario.items() if key not in ('instances', 'generate')}
    simulator.load(dict(only_generated, generate=[{'count': 2345, 'definition': 'enroll-single'}]))
    result = info(page_size=500, sort_field='ReferenceId', fields=['reference_id', 'status'])
    assert result['rc'] == 0 and (result['count'], result['total']) == (2345, 2345)
    references = [instance['reference_id'] for instance in result['instances']]
    assert references == sorted(references) and len(set(references)) == 2345
    assert {instance['status'] for instance in result['instances']} == {'Suspended'}


# --- bad input: failed before any request ---------------------------------------------------------------------

@pytest.mark.parametrize('options, message', [
    (dict(instance_id='1042'), "instance_id '1042' is not a workflow instance GUID: expected 32 hexadecimal digits"),
    (dict(instance_id=default_instance_id(1), status=['Suspended']), 'parameters are mutually exclusive: instance_id|status'),
    (dict(instance_id=default_instance_id(1), scope='all'), 'parameters are mutually exclusive: instance_id|scope'),
    (dict(instance_id=default_instance_id(1), limit=3), 'parameters are mutually exclusive: instance_id|limit'),
    (dict(sort_order='descending'), "missing parameter(s) required by 'sort_order': sort_field"),
    (dict(scope='mine'), 'value of scope must be one of: all, started_by_me, assigned_to_me, got: mine'),
    (dict(sort_order='down', sort_field='Title'), 'value of sort_order must be one of: ascending, descending, got: down'),
    (dict(status=['Suspended', 'Pending']), "status 'Pending' is not a workflow instance status; allowed: Running, Suspended, "
                                            'Complete, Rejected, Failed, CanceledForRestart.'),
    (dict(status=[]), 'status is an empty list; name at least one of Running, '),
    (dict(definition_id='WebServer'), "definition_id 'WebServer' is not a workflow definition GUID"),
    (dict(workflow_type=''), 'workflow_type is empty; give a value or leave the option out.'),
    (dict(definition_name=' '), 'definition_name is empty; give a value or leave the option out.'),
    (dict(definition_name='Code Signing Dual Approval', definition_id=default_definition_id(2)),
     'parameters are mutually exclusive: definition_id|definition_name'),
    (dict(definition_name='Code Signing Dual Approval', instance_id=default_instance_id(4)),
     'parameters are mutually exclusive: instance_id|definition_name'),
    (dict(title=' '), 'title is empty; give a value or leave the option out.'),
    (dict(initiating_user=''), 'initiating_user is empty; give a value or leave the option out.'),
    (dict(started_after='05/10/2024'), "started_after '05/10/2024' is not an ISO 8601 date or date-time; allowed forms: "),
    (dict(started_before='2024-13-01'), "started_before '2024-13-01' is not an ISO 8601 date or date-time"),
    (dict(started_after='2024-06-01', started_before='2024-05-01'),
     'started_after (2024-06-01T00:00:00Z) must be earlier than started_before (2024-05-01T00:00:00Z); the window is empty.'),
    (dict(query='Status -eq "Failed") OR (Title -contains "x"'), "has a ')' without a matching '(' at position 19."),
    (dict(query=''), 'query is empty; give a value or leave the option out.'),
    (dict(sort_field='Colour'), "sort_field 'Colour' is not a field workflow instances can be sorted on; allowed: "),
    (dict(limit=0), 'limit must be 1 or more, got 0; leave limit out to return every match.'),
    (dict(page_size=5000), 'page_size must be from 1 to 1000, got 5000.'),
    (dict(concurrency=100), 'concurrency must be from 1 to 32, got 100.'),
    (dict(details='sometimes'), "argument 'details' is of type"),
    (dict(fields=['id', 'colour']), 'fields names colour, not a key of the returned instances; valid: id, reference_id, '),
    (dict(fields=['signals']), 'fields names signals, which only a detail read returns: set details: true'),
    (dict(summary_only=True, details=True), 'details and summary_only cannot be combined'),
    (dict(summary_only=True, fields=['id']), 'fields and summary_only cannot be combined'),
])
def test_bad_input_fails_before_any_request(info, api_requests, options, message):
    result = info(**options)
    assert (result['rc'], result['failed']) == (1, True)
    assert message in result['msg']
    assert 'instances' not in result and 'exception' not in result
    assert api_requests() == []


# --- secrets --------------------------------------------------------------------------------------------------

def test_secrets_never_reach_results_or_failures(info, run_module, simulator, assert_no_secrets):
    password = simulator.user('approver1')['password']
    listed = info(details=True, limit=2)
    failed = info(query='Colour -eq "red"')
    token = simulator.token('kf-approver-client')
    by_token = run_module(workflow_instance_info.main, dict(url=simulator.host, ca_cert=simulator.ca_cert, access_token=token,
                                                            instance_id=default_instance_id(1)))
    assert (listed['rc'], failed['rc'], by_token['rc']) == (0, 1, 0)
    assert "Invalid QueryString: unknown field 'Colour'" in failed['msg']
    assert_no_secrets([listed, failed, by_token], [password, token])
