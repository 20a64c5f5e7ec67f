# -*- coding: utf-8 -*-
# Copyright (c) keyfactor.command contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""workflow_instance, run in-process against the Keyfactor Command simulator.

Each state's outcomes, request counts, check mode, reconciliation after lost and busy answers, races with
another run, waiting, and option errors, observed in the simulator's audit as well as in the module's result.
"""

import pytest

from ansible_collections.keyfactor.command.plugins.module_utils import _lifecycle_runner
from ansible_collections.keyfactor.command.plugins.module_utils._workflow_api import WorkflowApi
from ansible_collections.keyfactor.command.plugins.modules.workflow_instance import main

from kfsim.testing import default_instance_id  # pylint: disable=import-error

SUSPENDED = default_instance_id(1)
SUSPENDED_2 = default_instance_id(2)
VERSIONED = default_instance_id(8)    # enroll-versioned, version 1 of 2
COMPLETE = default_instance_id(10)
REJECTED = default_instance_id(11)
FAILED = default_instance_id(12)
CANCELED = default_instance_id(13)    # CanceledForRestart, with no restarted copy in the scenario
RUNNING = default_instance_id(14)
FAILED_2 = default_instance_id(18)
UNKNOWN = 'c0ffee00-0000-4000-8000-0000000000ff'


@pytest.fixture
def lifecycle(run_module, connect):
    """lifecycle(state, check_mode=False, diff=False, **options) -> the module's result."""
    def run(state, check_mode=False, diff=False, **options):
        return run_module(main, dict(connect(), state=state, **options), check_mode=check_mode, diff=diff)
    return run


def calls(api_requests):
    """(method, what) of each request of the test, in arrival order."""
    def what(entry):
        path = entry['path']
        for suffix, name in (('/Stop', 'stop'), ('/Restart', 'restart'), ('/Workflow/Instances', 'list')):
            if path.endswith(suffix):
                return name
        return 'definition' if '/Workflow/Definitions/' in path else 'instance'
    return [(entry['method'], what(entry)) for entry in sorted(api_requests(), key=lambda entry: entry['seq'])]


def operations(simulator):
    return [(entry['operation'], entry['instance_id']) for entry in simulator.audit()['operations']]


def status_of(simulator, instance_id):
    with simulator.session('approver1') as session:
        response = session.get('%s/Workflow/Instances/%s' % (simulator.api_url, instance_id), timeout=10)
    return response.json()['Status'] if response.status_code == 200 else response.status_code


@pytest.fixture
def before_operation(monkeypatch):
    """before_operation(method, action): run action(instance_id) just before the module's Stop/Restart/DELETE."""
    def install(method, action):
        original = getattr(WorkflowApi, method)

        def wrapped(api, instance_id, *args):
            action(instance_id)
            return original(api, instance_id, *args)
        monkeypatch.setattr(WorkflowApi, method, wrapped)
    return install


def operate(simulator, method, instance_id, operation=''):
    """Stop, Restart or DELETE outside the module, as another job or a person in the portal would."""
    with simulator.session('approver1') as session:
        response = session.request(method, '%s/Workflow/Instances/%s%s' % (simulator.api_url, instance_id, operation),
                                   timeout=10)
    assert response.status_code == 204, response.text


# --- each state: the first run changes, the re-run does not -------------------------------------------------

def test_stop_a_suspended_instance_then_already_finished(lifecycle, simulator, api_requests):
    first = lifecycle('stopped', instance_id=SUSPENDED)
    assert (first['rc'], first['changed'], first['outcome'], first['instance']['status']) == (
        0, True, 'stopped', 'Rejected')
    assert first['msg'] == ('Stopped workflow instance %s, which was Suspended at step RequireApproval1; it is now '
                            'Rejected at step RequireApproval1.' % SUSPENDED)
    assert calls(api_requests) == [('GET', 'instance'), ('POST', 'stop'), ('GET', 'instance')]
    again = lifecycle('stopped', instance_id=SUSPENDED)
    assert (again['changed'], again['outcome']) == (False, 'already_finished')
    assert operations(simulator) == [('stop', SUSPENDED)]


def test_restart_a_failed_instance_returns_the_new_one_and_a_rerun_finds_it_again(lifecycle, simulator, api_requests):
    first = lifecycle('restarted', instance_id=FAILED)
    [restart] = simulator.audit()['operations']
    assert (first['rc'], first['changed'], first['outcome'], first['instance']['status']) == (
        0, True, 'restarted', 'CanceledForRestart')
    assert first['new_instance_id'] == restart['new_instance_id']
    assert first['msg'].endswith('and the restart started workflow instance %s.' % restart['new_instance_id'])
    assert calls(api_requests) == [('GET', 'instance'), ('POST', 'restart'), ('GET', 'instance'), ('GET', 'list')]
    again = lifecycle('restarted', instance_id=FAILED)
    assert (again['changed'], again['outcome'], again['new_instance_id']) == (
        False, 'already_restarted', restart['new_instance_id'])
    assert not again.get('warnings')
    assert len(simulator.audit()['operations']) == 1


def test_restart_at_a_definition_version(lifecycle, simulator):
    result = lifecycle('restarted', instance_id=VERSIONED, restart_suspended=True, definition_version=2)
    assert (result['changed'], result['outcome']) == (True, 'restarted')
    assert simulator.audit()['operations'][0]['version'] == 2


def test_a_missing_definition_version_fails_before_the_restart_in_check_mode_too(lifecycle, simulator):
    for check_mode in (True, False):
        result = lifecycle('restarted', instance_id=FAILED, definition_version=9, check_mode=check_mode)
        assert (result['rc'], result['changed']) == (1, False)
        assert result['msg'] == ("Workflow instance %s cannot be restarted at definition_version 9: its definition "
                                 "'Web Server Enrollment Approval' (d1000000-0000-4000-8000-000000000001) has no "
                                 "version 9." % FAILED)
    assert operations(simulator) == []


def test_not_restartable_instances_are_reported_not_failed(lifecycle):
    result = lifecycle('restarted', instance_ids=[SUSPENDED, COMPLETE, RUNNING, REJECTED])
    assert (result['rc'], result['changed']) == (0, False)
    assert result['counts'] == {'restarted': 0, 'already_restarted': 0, 'not_restartable': 4, 'failed': 0}
    assert 'set restart_suspended: true' in result['results'][0]['msg']


def test_a_restarted_instance_whose_new_one_cannot_be_found_warns(lifecycle):
    result = lifecycle('restarted', instance_id=CANCELED)
    assert (result['outcome'], result['new_instance_id']) == ('already_restarted', None)
    assert result['warnings'] == [
        'Workflow instance %s was restarted, but the instance the restart started cannot be told for certain: no '
        'instance of the same definition and title started when it was restarted; new_instance_id is null.'
        % CANCELED]


def test_delete_then_already_absent(lifecycle, simulator, api_requests):
    first = lifecycle('absent', instance_id=COMPLETE)
    assert (first['changed'], first['outcome'], first['instance']['reference_id']) == (True, 'deleted', 1010)
    assert first['msg'] == 'Deleted workflow instance %s, which was Complete at step EndNOOP.' % COMPLETE
    assert calls(api_requests) == [('GET', 'instance'), ('DELETE', 'instance')]
    again = lifecycle('absent', instance_id=COMPLETE)
    assert (again['rc'], again['changed'], again['outcome'], again['instance']) == (0, False, 'already_absent', None)
    assert status_of(simulator, COMPLETE) == 404


@pytest.mark.parametrize('instance_id, words', [(SUSPENDED, 'a request someone is waiting on'),
                                                (RUNNING, 'a workflow that is still running')])
def test_deleting_an_active_instance_needs_force(lifecycle, simulator, instance_id, words):
    refused = lifecycle('absent', instance_id=instance_id)
    assert (refused['rc'], refused['changed']) == (1, False)
    assert refused['msg'].endswith('deleting it removes %s; set force: true to delete it anyway.' % words)
    forced = lifecycle('absent', instance_id=instance_id, force=True)
    assert (forced['changed'], forced['outcome']) == (True, 'deleted')
    assert operations(simulator) == [('delete', instance_id)]


def test_a_server_that_refuses_the_delete_fails_with_its_reason(lifecycle, simulator):
    simulator.configure(delete_refuses='active')
    result = lifecycle('absent', instance_id=SUSPENDED, force=True)
    assert (result['rc'], result['changed']) == (1, False)
    assert 'HTTP 400' in result['msg'] and 'cannot be deleted while it is Running or Suspended' in result['msg']


@pytest.mark.parametrize('state', ['stopped', 'restarted'])
def test_an_unknown_instance_fails_to_stop_or_restart(lifecycle, state):
    result = lifecycle(state, instance_id=UNKNOWN)
    assert (result['rc'], result['msg']) == (1, 'Workflow instance %s was not found.' % UNKNOWN)


# --- stopping a Running instance ------------------------------------------------------------------------------

def test_a_running_instance_cannot_be_stopped_without_wait(lifecycle):
    result = lifecycle('stopped', instance_id=RUNNING)
    assert result['msg'] == ('Workflow instance %s is Running at step AutoRenewal: it cannot be stopped while running '
                             '(only Suspended instances can be stopped); set wait: true to wait until it is Suspended '
                             'or finished.' % RUNNING)


def test_wait_times_out_with_where_the_instance_stands(lifecycle):
    result = lifecycle('stopped', instance_id=RUNNING, wait=True, wait_timeout=0.3, wait_interval=0.1)
    assert result['msg'].startswith('Workflow instance %s did not become Suspended or finish within wait_timeout '
                                    '(0.3 s): Workflow instance %s is Running' % (RUNNING, RUNNING))


def test_wait_stops_once_the_instance_is_suspended(lifecycle, simulator, monkeypatch):
    reads = []
    original = WorkflowApi.get_instance

    def get_instance(api, instance_id):
        raw = original(api, instance_id)
        reads.append(instance_id)
        if len(reads) == 1:  # the first read sees it Running, as if it were still running a step
            raw = dict(raw, Status='Running')
        return raw
    monkeypatch.setattr(WorkflowApi, 'get_instance', get_instance)
    result = lifecycle('stopped', instance_id=SUSPENDED, wait=True, wait_interval=0.01)
    assert (result['changed'], result['outcome']) == (True, 'stopped')
    assert len(reads) == 3


# --- check mode and diff ------------------------------------------------------------------------------------

@pytest.mark.parametrize('state, instance_id, extra, outcome, after', [
    ('stopped', SUSPENDED, {}, 'stopped', {'present': True, 'status': 'Rejected'}),
    ('restarted', FAILED, {}, 'restarted', {'present': True, 'status': 'CanceledForRestart'}),
    ('absent', RUNNING, {'force': True}, 'deleted', {'present': False, 'status': None}),
])
def test_check_mode_reads_only_and_predicts_the_real_run(lifecycle, simulator, api_requests, state, instance_id, extra,
                                                         outcome, after):
    predicted = lifecycle(state, instance_id=instance_id, check_mode=True, diff=True, **extra)
    assert {method for method, _what in calls(api_requests)} == {'GET'}
    assert operations(simulator) == []
    real = lifecycle(state, instance_id=instance_id, diff=True, **extra)
    assert (predicted['changed'], predicted['outcome']) == (real['changed'], real['outcome']) == (True, outcome)
    assert predicted['diff'] == real['diff']
    assert predicted['diff']['after'] == after
    assert predicted['msg'].startswith('Would ') and predicted['msg'].endswith('(check mode).')


def test_the_diff_names_the_instance_by_reference_id_and_title(lifecycle):
    result = lifecycle('stopped', instance_ids=[SUSPENDED, COMPLETE], diff=True)
    assert [diff['before_header'] for diff in result['diff']] == [
        'workflow instance 1001 "KEYEXAMPLE\\requester is enrolling for a certificate with CN=app01.keyexample.com."',
        'workflow instance 1010 "KEYEXAMPLE\\requester is enrolling for a certificate with CN=app06.keyexample.com."']
    assert [(diff['before']['status'], diff['after']['status']) for diff in result['diff']] == [
        ('Suspended', 'Rejected'), ('Complete', 'Complete')]


# --- lost and busy answers: re-read, never a second Restart -----------------------------------------------------

@pytest.mark.parametrize('state, instance_id, extra, status', [
    ('stopped', SUSPENDED, {}, 'Rejected'),
    ('restarted', FAILED, {}, 'CanceledForRestart'),
    ('absent', COMPLETE, {}, 404),
])
def test_a_lost_answer_is_reconciled_by_a_re_read(lifecycle, simulator, state, instance_id, extra, status):
    simulator.configure(fault_lost_response=1)
    result = lifecycle(state, instance_id=instance_id, **extra)
    assert (result['rc'], result['changed'], result['outcome']) == (0, True, {
        'stopped': 'stopped', 'restarted': 'restarted', 'absent': 'deleted'}[state])
    assert 'its answer was lost; a re-read showed' in result['msg']
    assert len(simulator.audit()['operations']) == 1
    assert status_of(simulator, instance_id) == status
    assert any('the outcome of %s was unknown' % {'stopped': 'Stop', 'restarted': 'Restart', 'absent': 'DELETE'}[state]
               in warning for warning in result['warnings'])


@pytest.mark.parametrize('answer', ['429', '503'])
def test_an_operation_applied_then_answered_busy_is_changed(lifecycle, simulator, monkeypatch, answer):
    waits = []
    monkeypatch.setattr(_lifecycle_runner.time, 'sleep', waits.append)
    simulator.configure(lifecycle_answer=answer, retry_after=2)
    result = lifecycle('restarted', instance_ids=[FAILED, FAILED_2], concurrency=1)
    assert (result['rc'], result['changed'], result['counts']['restarted']) == (0, True, 2)
    assert waits == [2.0, 2.0]
    assert len(simulator.audit()['operations']) == 2
    assert all(entry['new_instance_id'] for entry in result['results'])


def test_a_stop_turned_away_is_sent_again_once_a_re_read_shows_it_still_suspended(lifecycle, simulator, api_requests):
    simulator.inject(method='POST', path='/Stop$', status=503, headers={'Retry-After': '0'}, times=1)
    result = lifecycle('stopped', instance_id=SUSPENDED)
    assert (result['changed'], result['outcome']) == (True, 'stopped')
    assert calls(api_requests).count(('POST', 'stop')) == 2
    assert any('so it is sent again (re-send 1 of at most 3)' in warning for warning in result['warnings'])


def test_deletes_turned_away_again_and_again_are_bounded_by_retries(lifecycle, simulator, api_requests):
    simulator.inject(method='DELETE', path='/Instances/', status=503, headers={'Retry-After': '0'}, times=5)
    result = lifecycle('absent', instance_id=COMPLETE, retries=1)
    assert (result['rc'], result['changed']) == (1, False)
    assert ('DELETE of workflow instance %s had an unknown outcome 2 time(s), and each re-read showed it is still '
            'Complete at step EndNOOP; gave up after 1 re-send(s) (retries).' % COMPLETE) in result['msg']
    assert calls(api_requests).count(('DELETE', 'instance')) == 2


def test_a_restart_turned_away_is_never_sent_twice_in_a_run(lifecycle, simulator, api_requests):
    simulator.inject(method='POST', path='/Restart$', status=503, headers={'Retry-After': '0'}, times=1)
    result = lifecycle('restarted', instance_id=FAILED)
    assert (result['rc'], result['changed']) == (1, False)
    assert result['msg'].startswith(
        'The answer to Restart of workflow instance %s was lost, and a re-read shows it is still Failed at step Enroll, '
        'so it was not restarted; a Restart is not sent twice in one run' % FAILED)
    assert calls(api_requests).count(('POST', 'restart')) == 1
    again = lifecycle('restarted', instance_id=FAILED)
    assert (again['changed'], again['outcome']) == (True, 'restarted')
    assert len(simulator.audit()['operations']) == 1


# --- another run got there first ------------------------------------------------------------------------------

@pytest.mark.parametrize('state, instance_id, method, operation, path, outcome', [
    ('stopped', SUSPENDED, 'stop_instance', '/Stop', 'POST', 'already_finished'),
    ('restarted', FAILED, 'restart_instance', '/Restart', 'POST', 'already_restarted'),
    ('absent', COMPLETE, 'delete_instance', '', 'DELETE', 'already_absent'),
])
def test_an_operation_another_run_did_first_is_not_changed(lifecycle, simulator, before_operation, state, instance_id,
                                                           method, operation, path, outcome):
    before_operation(method, lambda target: operate(simulator, path, target, operation))
    result = lifecycle(state, instance_id=instance_id)
    assert (result['rc'], result['changed'], result['outcome']) == (0, False, outcome)
    assert '(the API refused the' in result['msg']
    assert len(simulator.audit()['operations']) == 1


# --- batches ------------------------------------------------------------------------------------------------------

def test_a_batch_reports_counts_compact_results_and_a_failure_headline(lifecycle):
    ids = [SUSPENDED, COMPLETE.upper(), '{%s}' % COMPLETE, RUNNING]
    result = lifecycle('stopped', instance_ids=ids)
    assert (result['rc'], result['changed']) == (1, True)
    assert result['counts'] == {'stopped': 1, 'already_finished': 1, 'failed': 1}
    assert result['msg'].startswith('1 of 3 failed: Workflow instance %s is Running' % RUNNING)
    assert result['msg'].endswith('Stop for 3 workflow instance(s): 1 stopped, 1 already_finished, 1 failed.')
    assert [entry['instance_id'] for entry in result['results']] == [SUSPENDED, COMPLETE, RUNNING]
    assert set(result['results'][0]) == {'instance_id', 'reference_id', 'title', 'outcome', 'changed', 'failed', 'msg',
                                         'status', 'current_step_unique_name'}


def test_restart_results_carry_new_instance_ids(lifecycle, simulator):
    result = lifecycle('restarted', instance_ids=[FAILED, FAILED_2, COMPLETE])
    created = {entry['instance_id']: entry['new_instance_id'] for entry in simulator.audit()['operations']}
    assert [entry['new_instance_id'] for entry in result['results']] == [created[FAILED], created[FAILED_2], None]


def test_an_empty_list_does_nothing(lifecycle, api_requests):
    result = lifecycle('absent', instance_ids=[])
    assert (result['rc'], result['changed'], result['results']) == (0, False, [])
    assert result['msg'] == 'No workflow instances were given (instance_ids is empty), so there was nothing to delete.'


def test_a_wrong_api_path_stops_the_task(lifecycle):
    result = lifecycle('absent', instance_ids=[COMPLETE, REJECTED], api_path='KeyfactorApiV2', concurrency=1)
    assert result['rc'] == 1
    assert result['msg'] == '%s The task stopped there: DELETE for 2 workflow instance(s): 2 failed (1 of them not ' \
                            'tried).' % result['results'][0]['msg']
    assert result['msg'].startswith('No Keyfactor Command API answers at ')
    assert result['results'][1]['msg'].startswith('Not tried: the task stopped before this instance')


# --- bad options ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize('state, options, msg', [
    ('stopped', {'force': True}, 'force applies only to state: absent, not to state: stopped.'),
    ('absent', {'restart_suspended': True}, 'restart_suspended applies only to state: restarted, not to state: absent.'),
    ('stopped', {'definition_version': 2}, 'definition_version applies only to state: restarted, not to state: stopped.'),
    ('restarted', {'wait': True}, 'wait applies only to state: stopped, not to state: restarted.'),
    ('restarted', {'definition_version': 0}, 'definition_version must be 1 or more, got 0.'),
    ('stopped', {'concurrency': 0}, 'concurrency must be 1 or more, got 0.'),
    ('stopped', {'wait': True, 'wait_timeout': -1}, 'wait_timeout must be a finite number of seconds greater than 0'),
])
def test_bad_options_fail_before_any_request(lifecycle, api_requests, state, options, msg):
    result = lifecycle(state, instance_ids=[SUSPENDED, 'not-a-guid'] if 'force' in options else [SUSPENDED],
                       **options)
    assert result['rc'] == 1
    assert result['msg'].startswith(msg)
    assert api_requests() == []


def test_a_malformed_guid_fails_before_any_request(lifecycle, api_requests):
    result = lifecycle('absent', instance_ids=[COMPLETE, 'not-a-guid'])
    assert result['msg'].startswith("instance_ids entry 'not-a-guid' is not a workflow instance GUID")
    assert api_requests() == []


def test_a_re_send_refused_because_another_run_stopped_it_meanwhile_is_changed(lifecycle, simulator, before_operation):
    # The first Stop is turned away (not applied); before the re-send, someone else stops the instance.
    simulator.inject(method='POST', path='/Stop$', status=503, headers={'Retry-After': '0'}, times=1)
    attempts = []

    def second_attempt_loses_the_race(instance_id):
        attempts.append(instance_id)
        if len(attempts) == 2:
            operate(simulator, 'POST', instance_id, '/Stop')
    before_operation('stop_instance', second_attempt_loses_the_race)
    result = lifecycle('stopped', instance_id=SUSPENDED)
    assert (result['rc'], result['changed'], result['outcome']) == (0, True, 'stopped')
    assert "(an earlier attempt's answer was lost, the API refused the re-send: " in result['msg']


def test_a_re_read_that_fails_after_the_operation_reports_it_changed_and_failed(lifecycle, simulator,
                                                                                before_operation):
    before_operation('stop_instance', lambda instance_id: simulator.inject(
        method='GET', path='/Instances/%s$' % instance_id, status=500, body='{"Message": "boom"}'))
    result = lifecycle('stopped', instance_ids=[SUSPENDED])
    [entry] = result['results']
    assert (result['rc'], entry['changed'], entry['failed'], entry['outcome']) == (1, True, True, 'stopped')
    assert entry['msg'].startswith('Stop was sent to workflow instance %s (it was Suspended), but re-reading it failed: '
                                   % SUSPENDED)
    assert status_of(simulator, SUSPENDED) == 'Rejected'


def test_an_outcome_that_cannot_be_confirmed_fails_changed(lifecycle, simulator, before_operation):
    # The DELETE's answer is lost and the re-read cannot tell (the instance answers 500), so it may have been deleted.
    simulator.configure(fault_lost_response=1)
    before_operation('delete_instance', lambda instance_id: simulator.inject(
        method='GET', path='/Instances/%s$' % instance_id, status=500, body='{"Message": "boom"}'))
    result = lifecycle('absent', instance_ids=[COMPLETE])
    [entry] = result['results']
    assert (entry['changed'], entry['failed'], entry['outcome']) == (True, True, None)
    assert entry['msg'].startswith('DELETE was sent to workflow instance %s, but whether it took effect is unknown: '
                                   % COMPLETE)


def test_an_instance_deleted_right_after_its_restart_leaves_the_new_one_unknown(lifecycle, simulator, monkeypatch):
    original = WorkflowApi.restart_instance

    def restart_then_someone_deletes_it(api, instance_id, version=None):
        original(api, instance_id, version)
        operate(simulator, 'DELETE', instance_id)
    monkeypatch.setattr(WorkflowApi, 'restart_instance', restart_then_someone_deletes_it)
    result = lifecycle('restarted', instance_id=FAILED)
    assert (result['changed'], result['outcome'], result['new_instance_id']) == (True, 'restarted', None)
    assert result['msg'] == 'Restarted workflow instance %s, which was Failed at step Enroll.' % FAILED
    assert result['warnings'] == [
        'Workflow instance %s was restarted, but the instance the restart started cannot be told for certain: the old '
        'instance was deleted right after the restart; new_instance_id is null.' % FAILED]
