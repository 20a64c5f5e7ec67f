# -*- coding: utf-8 -*-
# Copyright (c) keyfactor.command contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""workflow_signal, run in-process against the Keyfactor Command simulator.

Outcomes, request counts, check mode, reconciliation after lost answers, races with concurrent
runs, waiting, failures per instance and secrets, each observed in what the simulator received
(its audit) as well as in the module's result.
"""

import base64
import contextlib
import json
import threading

import pytest

from ansible_collections.keyfactor.command.plugins.module_utils import _signal_runner
from ansible_collections.keyfactor.command.plugins.module_utils._workflow_api import WorkflowApi
from ansible_collections.keyfactor.command.plugins.modules.workflow_signal import main

from kfsim.scenario import generated_instance_id  # pylint: disable=import-error
from kfsim.testing import default_instance_id  # pylint: disable=import-error

APPROVE = 'RequireApproval1.ApprovalStatus'
SECOND_APPROVAL = 'RequireApproval2.ApprovalStatus'
SINGLE = default_instance_id(1)      # enroll-single, waiting for one approval
SINGLE_2 = default_instance_id(2)
DUAL_NEW = default_instance_id(4)    # enroll-dual, no approvals yet
DUAL_HALF = default_instance_id(5)   # enroll-dual, approved by approver1 already
TWO_STAGE = default_instance_id(6)   # revoke-two-stage at RequireApproval1 (approvers), then RequireApproval2 (secadmin)
SECOND_STAGE = default_instance_id(7)  # revoke-two-stage at RequireApproval2
COMPLETE = default_instance_id(10)
REJECTED = default_instance_id(11)
GATED = default_instance_id(16)      # renew-gated at ReviewGate (signal Proceed)
UNKNOWN = 'c0ffee00-0000-4000-8000-0000000000ff'
ACCEPTED_TWO_STAGE = 'the signal keys it accepts are: RequireApproval1.ApprovalStatus, RequireApproval2.ApprovalStatus.'


@pytest.fixture
def connect(simulator):
    """connect(user='approver1') -> the connection options of a Basic-auth user of the default scenario."""
    def options(user='approver1'):
        credentials = simulator.user(user)
        return dict(url=simulator.host, username=credentials['username'], password=credentials['password'],
                    domain=credentials['domain'], ca_cert=simulator.ca_cert)
    return options


@pytest.fixture
def signal(run_module, connect):
    """signal(user='approver1', check_mode=False, diff=False, **options) -> the module's result."""
    def run(user='approver1', check_mode=False, diff=False, **options):
        args = dict(connect(user), signal_key=APPROVE, data={'Approved': True, 'Comment': 'unit test'})
        args.update(options)
        return run_module(main, args, check_mode=check_mode, diff=diff)
    return run


def calls(simulator, since=0):
    """The API requests the simulator received, as (method, what) pairs in arrival order."""
    def what(path):
        if path.endswith('/Signals'):
            return 'signal'
        if path.endswith('/AssignedToMe'):
            return 'assigned'
        if '/Workflow/Definitions/' in path:
            return 'definition'
        return 'instance'
    entries = sorted(simulator.audit(since)['requests'], key=lambda entry: entry['seq'])
    return [(entry['method'], what(entry['path'])) for entry in entries]


def counted_signals(simulator, instance_id=None):
    return [entry for entry in simulator.audit()['signals']
            if entry['counted'] and (instance_id is None or entry['instance_id'] == instance_id)]


def read_instance(simulator, instance_id, user='approver1'):
    with simulator.session(user) as session:
        return session.get('%s/Workflow/Instances/%s' % (simulator.api_url, instance_id), timeout=10).json()


def post_signal(simulator, instance_id, user='approver1', key=APPROVE, approved=True):
    """A signal sent outside the module, as another job or a person in the portal would."""
    with simulator.session(user) as session:
        response = session.post('%s/Workflow/Instances/%s/Signals' % (simulator.api_url, instance_id), timeout=10,
                                json={'SignalKey': key, 'Data': {'Approved': approved}})
    assert response.status_code == 204, response.text


@pytest.fixture
def after_first_read(monkeypatch):
    """after_first_read(action): run action(instance_id) once, right after the module's first read of an instance."""
    def install(action):
        original = WorkflowApi.get_instance
        done = []

        def get_instance(api, instance_id):
            raw = original(api, instance_id)
            if not done:
                done.append(instance_id)
                action(instance_id)
            return raw
        monkeypatch.setattr(WorkflowApi, 'get_instance', get_instance)
    return install


@pytest.fixture
def before_send(monkeypatch):
    """before_send(action): run action(instance_id) just before the module's signal POST, to stage a race."""
    def install(action):
        original = WorkflowApi.send_signal

        def send_signal(api, instance_id, signal_key, data):
            action(instance_id)
            return original(api, instance_id, signal_key, data)
        monkeypatch.setattr(WorkflowApi, 'send_signal', send_signal)
    return install


# --- outcomes and request counts --------------------------------------------------------------------------

def test_first_run_signals_with_three_requests_and_a_rerun_costs_one_read(signal, simulator):
    first = signal(instance_id=SINGLE)
    assert (first['rc'], first['changed'], first['outcome']) == (0, True, 'signaled')
    assert (first['instance']['status'], first['instance']['current_step_unique_name']) == ('Complete', 'EndNOOP')
    assert first['msg'] == ('Sent %s to workflow instance %s, which was Suspended at step RequireApproval1 waiting for it; '
                            'it is now Complete at step EndNOOP.' % (APPROVE, SINGLE))
    assert first['signal'] == {'key': APPROVE, 'step': 'RequireApproval1', 'name': 'ApprovalStatus',
                               'data': {'Approved': True, 'Comment': 'unit test'}}
    assert calls(simulator) == [('GET', 'instance'), ('POST', 'signal'), ('GET', 'instance')]

    seq = simulator.audit()['last_seq']
    again = signal(instance_id=SINGLE)
    assert (again['rc'], again['changed'], again['outcome']) == (0, False, 'instance_finished')
    assert 'has finished: it is Complete at step EndNOOP' in again['msg']
    assert calls(simulator, seq) == [('GET', 'instance'), ('GET', 'definition')]
    assert len(counted_signals(simulator)) == 1


@pytest.mark.parametrize('semantics', ['per-caller', 'per-step'])
def test_a_rerun_on_a_step_still_waiting_for_others_asks_assigned_to_me(signal, simulator, semantics):
    simulator.configure(signal_received=semantics)
    result = signal(instance_id=DUAL_HALF)  # approver1's approval is already counted; one more approver is needed
    assert (result['changed'], result['outcome'], result['instance']['status']) == (False, 'already_signaled', 'Suspended')
    assert calls(simulator) == [('GET', 'instance'), ('GET', 'assigned')]


@pytest.mark.parametrize('semantics, second_approver_calls', [
    ('per-caller', [('GET', 'instance'), ('POST', 'signal'), ('GET', 'instance')]),
    ('per-step', [('GET', 'instance'), ('GET', 'assigned'), ('POST', 'signal'), ('GET', 'instance')]),
])
def test_two_approvers_on_a_two_approval_step(signal, simulator, semantics, second_approver_calls):
    simulator.configure(signal_received=semantics)
    first = signal(instance_id=DUAL_NEW)
    assert (first['changed'], first['outcome'], first['instance']['status']) == (True, 'signaled', 'Suspended')
    assert signal(instance_id=DUAL_NEW)['outcome'] == 'already_signaled'
    seq = simulator.audit()['last_seq']
    second = signal(user='approver2', instance_id=DUAL_NEW)
    assert (second['changed'], second['outcome'], second['instance']['status']) == (True, 'signaled', 'Complete')
    assert calls(simulator, seq) == second_approver_calls
    assert [entry['caller'] for entry in counted_signals(simulator)] == ['KEYEXAMPLE\\approver1', 'KEYEXAMPLE\\approver2']


def test_a_deny_rejects_and_data_is_sent_untouched(signal, simulator):
    data = {'Approved': 'False', 'Comment': 'Key size below policy', 'Ticket': {'Id': 42, 'Tags': ['pki']}}
    result = signal(instance_id=SINGLE, data=data)
    assert (result['changed'], result['outcome'], result['instance']['status']) == (True, 'signaled', 'Rejected')
    assert [entry['data'] for entry in counted_signals(simulator)] == [data]
    assert result['signal']['data'] == data


def test_a_signal_of_another_step_type(signal, simulator):
    result = signal(instance_id=GATED, signal_key='ReviewGate.Proceed', data={})
    assert (result['changed'], result['outcome'], result['instance']['current_step_unique_name']) == (True, 'signaled', 'EndNOOP')
    assert [entry['signal_key'] for entry in counted_signals(simulator)] == ['ReviewGate.Proceed']


def test_a_step_passed_is_no_change(signal, simulator):
    result = signal(instance_id=SECOND_STAGE)
    assert (result['rc'], result['changed'], result['outcome']) == (0, False, 'step_passed')
    assert 'is Suspended at step RequireApproval2, past step RequireApproval1' in result['msg']
    assert ('POST', 'signal') not in calls(simulator)


def test_integer_status_codes_are_read_as_names(signal, simulator):
    simulator.configure(status_format='int')
    assert signal(instance_id=SINGLE)['instance']['status'] == 'Complete'
    assert signal(instance_id=SINGLE)['outcome'] == 'instance_finished'


def test_many_instances_of_one_definition_read_it_once(signal, simulator):
    simulator.load({'extends': 'default.yaml', 'generate': [{'count': 40, 'definition': 'enroll-single'}]})
    ids = [generated_instance_id(0, number) for number in range(1, 41)]
    first = signal(instance_ids=ids)
    assert (first['rc'], first['changed']) == (0, True)
    assert [result['outcome'] for result in first['results']] == ['signaled'] * 40
    first_calls = calls(simulator)
    assert (first_calls.count(('GET', 'instance')), first_calls.count(('POST', 'signal')), len(first_calls)) == (80, 40, 120)

    seq = simulator.audit()['last_seq']
    again = signal(instance_ids=ids)
    assert (again['changed'], again['msg']) == (False, '%s for 40 workflow instance(s): 40 instance_finished.' % APPROVE)
    rerun_calls = calls(simulator, seq)
    assert (rerun_calls.count(('GET', 'instance')), rerun_calls.count(('GET', 'definition')), len(rerun_calls)) == (40, 1, 41)


# --- check mode and diff ----------------------------------------------------------------------------------

MIXED = [SINGLE, DUAL_HALF, COMPLETE, SECOND_STAGE, GATED]


def test_check_mode_sends_nothing_and_predicts_the_real_run(signal, simulator):
    def summary(result):
        return [(entry['changed'], entry['outcome'], entry['failed']) for entry in result['results']]
    predicted = signal(instance_ids=MIXED, check_mode=True)
    assert all(method == 'GET' for method, _what in calls(simulator))
    assert simulator.audit()['signals'] == []
    assert predicted['msg'].startswith('Check mode, predicted: 1 of 5 failed: signal_key %s does not fit' % APPROVE)
    assert predicted['msg'].endswith('%s for 5 workflow instance(s): 1 signaled, 1 already_signaled, 1 step_passed, '
                                     '1 instance_finished, 1 failed.' % APPROVE)
    assert predicted['results'][0]['msg'] == ('Would send %s to workflow instance %s, which is Suspended at step '
                                              'RequireApproval1 waiting for it (check mode).' % (APPROVE, SINGLE))
    assert predicted['results'][0]['status'] == 'Suspended'

    real = signal(instance_ids=MIXED)
    assert summary(real) == summary(predicted) == [
        (True, 'signaled', False), (False, 'already_signaled', False), (False, 'instance_finished', False),
        (False, 'step_passed', False), (False, None, True)]
    assert (predicted['changed'], real['changed'], real['rc']) == (True, True, 1)
    assert predicted['counts'] == real['counts'] == {
        'signaled': 1, 'already_signaled': 1, 'step_passed': 1, 'instance_finished': 1, 'failed': 1}

    seq = simulator.audit()['last_seq']
    after = signal(instance_ids=MIXED, check_mode=True)
    assert not after['changed'] and after['results'][0]['outcome'] == 'instance_finished'
    assert all(method == 'GET' for method, _what in calls(simulator, seq))


def test_diff_real_and_predicted(signal):
    predicted = signal(instance_id=SINGLE, check_mode=True, diff=True)['diff']
    real = signal(instance_id=SINGLE, diff=True)['diff']
    header = 'workflow instance 1001 "KEYEXAMPLE\\requester is enrolling for a certificate with CN=app01.keyexample.com."'
    waiting = {'status': 'Suspended', 'current_step_unique_name': 'RequireApproval1', 'signal_received': False}
    assert predicted == {'before_header': header, 'after_header': header, 'before': waiting,
                         'after': dict(waiting, signal_received=True)}
    assert real == {'before_header': header, 'after_header': header, 'before': waiting,
                    'after': {'status': 'Complete', 'current_step_unique_name': 'EndNOOP', 'signal_received': True}}
    unchanged = signal(instance_id=SINGLE, diff=True)['diff']
    assert unchanged['before'] == unchanged['after']


def test_diff_with_instance_ids_lists_the_instances_that_did_not_fail(signal):
    result = signal(instance_ids=[SINGLE, UNKNOWN, COMPLETE], diff=True)
    headers = [entry['before_header'] for entry in result['diff']]
    assert [header.split('"')[0] for header in headers] == ['workflow instance 1001 ', 'workflow instance 1010 ']
    assert 'diff' not in result['results'][1]


# --- unknown outcomes: re-read, never re-send blindly ----------------------------------------------------------

@pytest.mark.parametrize('instance_id, status', [(SINGLE, 'Complete'), (DUAL_NEW, 'Suspended')])
@pytest.mark.parametrize('semantics', ['per-caller', 'per-step'])
def test_a_lost_answer_is_reconciled_and_the_signal_sent_once(signal, simulator, instance_id, status, semantics):
    simulator.configure(fault_lost_response=1, signal_received=semantics)
    result = signal(instance_id=instance_id)
    assert (result['rc'], result['changed'], result['outcome'], result['instance']['status']) == (0, True, 'signaled', status)
    assert 'its answer was lost; a re-read showed' in result['msg']
    assert len(counted_signals(simulator, instance_id)) == 1
    assert calls(simulator).count(('POST', 'signal')) == 1
    assert any('the outcome of sending %s was unknown' % APPROVE in warning for warning in result['warnings'])


def test_a_signal_not_received_is_sent_again_after_an_unknown_outcome(signal, simulator):
    simulator.inject(method='POST', path='/Signals$', status=502, body='<html>Bad Gateway</html>', times=1)
    result = signal(instance_id=SINGLE)
    assert (result['changed'], result['outcome'], result['instance']['status']) == (True, 'signaled', 'Complete')
    assert calls(simulator) == [('GET', 'instance'), ('POST', 'signal'), ('GET', 'instance'), ('POST', 'signal'),
                                ('GET', 'instance')]
    assert len(counted_signals(simulator)) == 1
    assert any('so it is sent again (re-send 1 of at most 3)' in warning for warning in result['warnings'])


@pytest.mark.parametrize('retries', [0, 2])
def test_re_sends_are_bounded_by_retries(signal, simulator, retries):
    simulator.inject(method='POST', path='/Signals$', status=503, body='{"Message": "busy"}', times=5)
    result = signal(instance_id=SINGLE, retries=retries)
    assert (result['rc'], result['failed'], result['changed']) == (1, True, False)
    assert 'had an unknown outcome %d time(s), and each re-read showed it still pending; gave up after %d re-send(s)' % (
        retries + 1, retries) in result['msg']
    assert calls(simulator).count(('POST', 'signal')) == retries + 1
    assert counted_signals(simulator) == []


# --- 429 and 503 to a signal: a gateway may send them after the server applied it, so they are reconciled too ---

def test_a_signal_turned_away_is_sent_again_when_a_re_read_shows_it_still_pending(signal, simulator):
    simulator.inject(method='POST', path='/Signals$', status=503, headers={'Retry-After': '0'}, times=1)
    result = signal(instance_id=SINGLE)
    assert (result['rc'], result['changed'], result['outcome'], result['instance']['status']) == (0, True, 'signaled', 'Complete')
    assert calls(simulator) == [('GET', 'instance'), ('POST', 'signal'), ('GET', 'instance'), ('POST', 'signal'),
                                ('GET', 'instance')]
    assert len(counted_signals(simulator)) == 1
    assert any('the outcome of sending %s was unknown (POST /Workflow/Instances/%s/Signals answered HTTP 503;' % (
        APPROVE, SINGLE) in warning for warning in result['warnings'])


@pytest.mark.parametrize('answer', ['429', '503'])
def test_a_signal_applied_then_answered_429_or_503_is_signaled_and_changed(signal, simulator, answer):
    simulator.configure(signal_answer=answer, retry_after=0)
    result = signal(instance_id=SINGLE)
    assert (result['rc'], result['changed'], result['outcome'], result['instance']['status']) == (
        0, True, 'signaled', 'Complete')
    assert 'its answer was lost; a re-read showed the instance no longer waits at step RequireApproval1' in (
        result['msg'])
    assert calls(simulator) == [('GET', 'instance'), ('POST', 'signal'), ('GET', 'instance')]
    assert len(counted_signals(simulator)) == 1


def test_the_re_read_after_a_429_waits_for_retry_after(signal, simulator, monkeypatch):
    waits = []
    monkeypatch.setattr(_signal_runner.time, 'sleep', waits.append)
    simulator.configure(signal_answer='429', retry_after=2)
    result = signal(instance_id=SINGLE)
    assert (result['rc'], result['changed'], result['outcome']) == (0, True, 'signaled')
    assert waits == [2.0]


def test_a_signal_turned_away_while_another_approver_finishes_the_step_is_signaled(signal, simulator, before_send):
    # Whether the 429 came before or after the server applied it, the re-read cannot tell; the step is done.
    def approver2_wins_and_the_server_turns_us_away(instance_id):
        post_signal(simulator, instance_id, user='approver2')
        simulator.inject(method='POST', path='/Signals$', status=429, headers={'Retry-After': '0'}, times=1)
    before_send(approver2_wins_and_the_server_turns_us_away)
    result = signal(instance_id=SINGLE)
    assert (result['rc'], result['changed'], result['outcome']) == (0, True, 'signaled')
    assert [entry['caller'] for entry in counted_signals(simulator)] == ['KEYEXAMPLE\\approver2']


def test_signals_turned_away_again_and_again_are_bounded_by_retries(signal, simulator):
    simulator.inject(method='POST', path='/Signals$', status=503, headers={'Retry-After': '0'}, times=5)
    result = signal(instance_id=SINGLE, retries=1)
    assert (result['rc'], result['changed']) == (1, False)
    assert ('had an unknown outcome 2 time(s), and each re-read showed it still pending; gave up after 1 re-send(s)'
            in result['msg'])
    assert calls(simulator).count(('POST', 'signal')) == 2
    assert counted_signals(simulator) == []


def test_a_wrong_api_path_stops_the_task_with_one_clear_message(signal, simulator):
    result = signal(instance_ids=[SINGLE, SINGLE_2, DUAL_NEW], api_path='KeyfactorApiV2', concurrency=1)
    assert (result['rc'], result['changed']) == (1, False)
    assert result['msg'].startswith('No Keyfactor Command API answers at https://%s/KeyfactorApiV2' % simulator.host)
    assert result['msg'].endswith(
        'The task stopped there: %s for 3 workflow instance(s): 3 failed (2 of them not tried).' % APPROVE)
    assert result['counts']['failed'] == 3
    assert [(entry['instance_id'], entry['failed']) for entry in result['results']] == [
        (SINGLE, True), (SINGLE_2, True), (DUAL_NEW, True)]
    assert [entry['msg'].startswith('Not tried: the task stopped') for entry in result['results']] == [
        False, True, True]
    assert [entry['path'] for entry in simulator.audit()['requests']] == [
        '/KeyfactorApiV2/Workflow/Instances/' + SINGLE, '/KeyfactorApiV2/Status/Endpoints']


def test_an_outcome_that_cannot_be_confirmed_fails(signal, simulator, before_send):
    waiting_without_signals = dict(read_instance(simulator, SINGLE), Signals=[])

    def fail_the_send_and_blur_the_reread(instance_id):
        simulator.inject(method='POST', path='/Signals$', status=500, body='{"Message": "oops"}', times=1)
        simulator.inject(method='GET', path='/Instances/%s$' % instance_id, status=200,
                         body=json.dumps(waiting_without_signals), times=1)
    before_send(fail_the_send_and_blur_the_reread)
    result = signal(instance_id=SINGLE)
    # Sent, and no re-read showed it was not applied: changed, since it may have been.
    assert (result['rc'], result['changed'], result['outcome']) == (1, True, None)
    assert result['msg'].startswith(
        'Sent %s to workflow instance %s, but whether it was applied is unknown: The outcome of sending %s to workflow '
        'instance %s could not be confirmed: the instance is Suspended at step RequireApproval1 but does not list '
        'ApprovalStatus.' % (APPROVE, SINGLE, APPROVE, SINGLE))


# --- HTTP 400 to the signal, and races with concurrent runs -----------------------------------------------------

def test_a_400_for_a_signal_already_counted_is_already_signaled(signal, simulator):
    # A stale read (as if taken just before a concurrent run's signal) makes the module send a repeat.
    stale = read_instance(simulator, DUAL_HALF)
    stale['Signals'][0]['SignalReceived'] = False
    simulator.inject(method='GET', path='/Instances/%s$' % DUAL_HALF, status=200, body=json.dumps(stale), times=1)
    seq = simulator.audit()['last_seq']
    result = signal(instance_id=DUAL_HALF)
    assert (result['rc'], result['changed'], result['outcome']) == (0, False, 'already_signaled')
    assert result['msg'].endswith('(the API refused the signal: KEYEXAMPLE\\approver1 has already sent %s for workflow '
                                  'instance %s).' % (APPROVE, DUAL_HALF))
    assert calls(simulator, seq) == [('GET', 'instance'), ('POST', 'signal'), ('GET', 'instance'), ('GET', 'assigned')]
    assert simulator.audit()['signals'] == []


@pytest.mark.parametrize('instance_id, outcome', [(SINGLE, 'instance_finished'), (DUAL_NEW, 'already_signaled')])
def test_a_concurrent_run_of_the_same_user_wins_the_race(signal, simulator, before_send, instance_id, outcome):
    before_send(lambda racing_id: post_signal(simulator, racing_id))
    result = signal(instance_id=instance_id)
    assert (result['rc'], result['changed'], result['outcome']) == (0, False, outcome)
    assert len(counted_signals(simulator, instance_id)) == 1


def test_a_400_the_reread_does_not_explain_fails_with_the_api_error(signal, simulator):
    result = signal(instance_id=SINGLE, data={'Comment': 'no Approved key'})
    assert (result['rc'], result['changed'], result['outcome'], result['instance']['status']) == (1, False, None, 'Suspended')
    assert 'failed with HTTP 400' in result['msg'] and 'Data.Approved must be true or false' in result['msg']


def test_a_signal_sent_whose_instance_then_vanishes_is_changed_and_failed(signal, simulator, monkeypatch):
    original = WorkflowApi.send_signal

    def send_then_delete(api, instance_id, signal_key, data):
        original(api, instance_id, signal_key, data)
        with simulator.session('approver1') as session:
            session.delete('%s/Workflow/Instances/%s' % (simulator.api_url, instance_id), timeout=10)
    monkeypatch.setattr(WorkflowApi, 'send_signal', send_then_delete)
    result = signal(instance_id=SINGLE)
    assert (result['rc'], result['changed'], result['outcome']) == (1, True, 'signaled')
    assert result['msg'] == ('Sent %s to workflow instance %s (it was Suspended at step RequireApproval1), but re-reading it '
                             'failed: Workflow instance %s was not found.' % (APPROVE, SINGLE, SINGLE))


# --- not pending yet: fail, or wait --------------------------------------------------------------------------------

def test_a_step_ahead_fails_without_wait_saying_where_the_instance_stands(signal, simulator):
    result = signal(user='secadmin', instance_id=TWO_STAGE, signal_key=SECOND_APPROVAL)
    assert (result['rc'], result['changed'], result['instance']['current_step_unique_name']) == (1, False, 'RequireApproval1')
    assert result['msg'] == ('Workflow instance %s is Suspended at step RequireApproval1 (step 2 of 6); %s (step 4) is not '
                             'pending yet; set wait: true to wait until it is.' % (TWO_STAGE, SECOND_APPROVAL))
    assert ('POST', 'signal') not in calls(simulator)


def test_wait_polls_until_the_step_is_pending_then_signals(signal, simulator, after_first_read):
    after_first_read(lambda instance_id: post_signal(simulator, instance_id))  # RequireApproval1 approved meanwhile
    result = signal(user='secadmin', instance_id=TWO_STAGE, signal_key=SECOND_APPROVAL, wait=True, wait_interval=0.1,
                    wait_timeout=30)
    assert (result['rc'], result['changed'], result['outcome']) == (0, True, 'signaled')
    # read (RequireApproval1: not pending), the other approver's signal, definition, poll (pending), send, re-read
    assert calls(simulator) == [('GET', 'instance'), ('POST', 'signal'), ('GET', 'definition'), ('GET', 'instance'),
                                ('POST', 'signal'), ('GET', 'instance')]
    assert [entry['caller'] for entry in counted_signals(simulator)] == ['KEYEXAMPLE\\approver1', 'KEYEXAMPLE\\secadmin']


def test_wait_ends_at_once_when_the_instance_finishes(signal, simulator, after_first_read):
    after_first_read(lambda instance_id: post_signal(simulator, instance_id, approved=False))  # denied meanwhile
    result = signal(user='secadmin', instance_id=TWO_STAGE, signal_key=SECOND_APPROVAL, wait=True, wait_interval=0.1,
                    wait_timeout=30)
    assert (result['rc'], result['changed'], result['outcome'], result['instance']['status']) == (
        0, False, 'instance_finished', 'Rejected')


def test_wait_gives_up_after_wait_timeout(signal, simulator):
    result = signal(user='secadmin', instance_id=TWO_STAGE, signal_key=SECOND_APPROVAL, wait=True, wait_interval=0.1,
                    wait_timeout=0.3)
    assert (result['rc'], result['changed']) == (1, False)
    assert result['msg'].startswith('%s did not become pending within wait_timeout (0.3 s): Workflow instance %s is Suspended '
                                    'at step RequireApproval1' % (SECOND_APPROVAL, TWO_STAGE))
    assert ('POST', 'signal') not in calls(simulator)


# --- failures -------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize('key, problem', [
    ('RequireApproval3.ApprovalStatus', "has no step 'RequireApproval3'"),
    ('RequireApproval1.Approve', "has no signal 'Approve' on step 'RequireApproval1'"),
])
def test_an_unknown_step_or_signal_fails_listing_the_accepted_keys(signal, simulator, key, problem):
    result = signal(instance_id=TWO_STAGE, signal_key=key)
    assert (result['rc'], result['changed']) == (1, False)
    assert problem in result['msg'] and result['msg'].endswith(ACCEPTED_TWO_STAGE)
    assert ('POST', 'signal') not in calls(simulator)


def test_an_unknown_instance_fails(signal):
    result = signal(instance_id=UNKNOWN.upper())
    assert (result['rc'], result['msg'], result['instance']) == (1, 'Workflow instance %s was not found.' % UNKNOWN, None)


def test_instance_ids_mix_fails_after_trying_all_in_order(signal, simulator):
    ids = [SINGLE, DUAL_HALF, SINGLE.upper(), COMPLETE, SECOND_STAGE, UNKNOWN, GATED, REJECTED, SINGLE_2]
    result = signal(instance_ids=ids)
    assert (result['rc'], result['failed'], result['changed']) == (1, True, True)
    assert [(entry['instance_id'], entry['outcome'], entry['failed']) for entry in result['results']] == [
        (SINGLE, 'signaled', False), (DUAL_HALF, 'already_signaled', False), (COMPLETE, 'instance_finished', False),
        (SECOND_STAGE, 'step_passed', False), (UNKNOWN, None, True), (GATED, None, True),
        (REJECTED, 'instance_finished', False), (SINGLE_2, 'signaled', False)]
    assert result['msg'] == ('2 of 8 failed; first: Workflow instance %s was not found. %s for 8 workflow instance(s): '
                             '2 signaled, 1 already_signaled, 1 step_passed, 2 instance_finished, 2 failed.'
                             % (UNKNOWN, APPROVE))
    assert result['counts'] == {
        'signaled': 2, 'already_signaled': 1, 'step_passed': 1, 'instance_finished': 2, 'failed': 2}
    assert "the signal keys it accepts are: ReviewGate.Proceed." in result['results'][5]['msg']
    assert sorted(entry['instance_id'] for entry in counted_signals(simulator)) == [SINGLE, SINGLE_2]


def test_a_missing_role_fails_only_that_instance(signal, simulator):
    result = signal(user='secadmin', instance_ids=[TWO_STAGE, SECOND_STAGE])
    first, second = result['results']
    assert first['failed'] and 'HTTP 403' in first['msg'] and first['status'] == 'Suspended'
    assert (second['failed'], second['outcome']) == (False, 'step_passed')
    assert result['rc'] == 1


@pytest.mark.parametrize('concurrency', [1, 3])
def test_rejected_credentials_stop_the_task(signal, simulator, concurrency):
    result = signal(instance_ids=MIXED, concurrency=concurrency, password='wrong-password')
    assert (result['rc'], result['changed'], result['http_status']) == (1, False, 401)
    assert 'rejected the credentials' in result['msg']
    tried = len(calls(simulator))
    assert 1 <= tried <= concurrency  # the instances not yet started are not tried
    assert [entry['instance_id'] for entry in result['results']] == MIXED
    assert len([entry for entry in result['results'] if entry['msg'].startswith('Not tried:')]) == len(MIXED) - tried


# --- bad input: a clear error before any request ---------------------------------------------------------------------

BAD_INPUT = [
    (dict(instance_id='1042'), "instance_id '1042' is not a workflow instance GUID"),
    (dict(instance_id='c0ffee00-0000-4000-8000-00000000000g'), 'is not a workflow instance GUID'),
    (dict(instance_ids=[SINGLE, 'not-a-guid']), "instance_ids entry 'not-a-guid' is not a workflow instance GUID"),
    (dict(instance_id=''), "instance_id '' is not a workflow instance GUID"),
    (dict(instance_id=SINGLE, instance_ids=[SINGLE]), 'parameters are mutually exclusive: instance_id|instance_ids'),
    ({}, 'one of the following is required: instance_id, instance_ids'),
    (dict(instance_id=SINGLE, signal_key='Approval Status'), "signal_key 'Approval Status' is not valid"),
    (dict(instance_id=SINGLE, signal_key='RequireApproval1.Approval Status'), 'is not valid: expected <step UniqueName>.<signal name>'),
    (dict(instance_id=SINGLE, signal_key='A.B.C'), "signal_key 'A.B.C' is not valid"),
    (dict(instance_id=SINGLE, data=['Approved']), "argument 'data' is of type"),
    (dict(instance_id=SINGLE, concurrency=0), 'concurrency must be 1 or more, got 0.'),
    (dict(instance_id=SINGLE, wait_timeout=0), 'wait_timeout must be a finite number of seconds greater than 0 and at '
                                               'most 604800 (a week), got 0.0.'),
    (dict(instance_id=SINGLE, wait_interval=-1), 'wait_interval must be a finite number of seconds greater than 0'),
    (dict(instance_id=SINGLE, wait=True, wait_timeout='nan'), 'wait_timeout must be a finite number of seconds'),
    (dict(instance_id=SINGLE, wait=True, wait_timeout='inf'), 'wait_timeout must be a finite number of seconds'),
    (dict(instance_id=SINGLE, wait=True, wait_interval='nan'), 'wait_interval must be a finite number of seconds'),
    (dict(instance_id=SINGLE, wait=True, wait_interval='-inf'), 'wait_interval must be a finite number of seconds'),
    (dict(instance_id=SINGLE, wait=True, wait_interval=1e300, wait_timeout=1e300),
     'at most 604800 (a week), got 1e+300.'),
    (dict(instance_id=SINGLE, timeout='nan'), 'timeout (KEYFACTOR_CLIENT_TIMEOUT) must be a finite number of seconds'),
    (dict(instance_id=SINGLE, timeout='inf'), 'timeout (KEYFACTOR_CLIENT_TIMEOUT) must be a finite number of seconds'),
    (dict(instance_id='{%s' % SINGLE), 'is not a workflow instance GUID'),
    (dict(instance_id='%s\nx' % SINGLE), 'is not a workflow instance GUID'),
    (dict(instance_id='c0ffee00_0000-4000-8000-000000000001'), 'is not a workflow instance GUID'),
    (dict(instance_id=SINGLE, wait='sometimes'), "argument 'wait' is of type"),
]


@pytest.mark.parametrize('options, message', BAD_INPUT)
def test_bad_input_fails_clearly_before_any_request(signal, simulator, options, message):
    result = signal(**options)
    assert (result['rc'], result['failed']) == (1, True)
    assert message in result['msg']
    assert 'exception' not in result and 'Traceback' not in json.dumps(result)
    assert simulator.audit()['requests'] == []


@pytest.mark.parametrize('written', [
    SINGLE.upper(), '{%s}' % SINGLE, '{%s}\n' % SINGLE, '{%s\n}' % SINGLE, ' %s ' % SINGLE, '%s\n' % SINGLE,
    '\t{%s}\r\n' % SINGLE.upper(),
])
def test_a_guid_is_canonical_before_it_is_deduplicated_or_sent(signal, simulator, written):
    result = signal(instance_ids=[SINGLE, written])
    assert result['rc'] == 0
    assert [entry['instance_id'] for entry in result['results']] == [SINGLE]
    posts = [entry['path'] for entry in simulator.audit()['requests'] if entry['method'] == 'POST']
    assert posts == ['/KeyfactorAPI/Workflow/Instances/%s/Signals' % SINGLE]


def test_a_guid_written_in_another_form_reaches_the_canonical_path(signal, simulator):
    result = signal(instance_id='{\n%s\n}\n' % SINGLE.upper())
    assert (result['rc'], result['outcome']) == (0, 'signaled')
    paths = {entry['path'] for entry in simulator.audit()['requests']}
    assert paths >= {'/KeyfactorAPI/Workflow/Instances/%s/Signals' % SINGLE}
    assert all(SINGLE in path for path in paths if '/Workflow/Instances/' in path)


# --- secrets ---------------------------------------------------------------------------------------------------------

def test_no_secret_in_any_result(signal, simulator, assert_no_secrets):
    simulator.configure(fault_lost_response=1)
    user = simulator.user('approver1')
    basic = base64.b64encode(('%s\\%s:%s' % (user['domain'], user['username'], user['password'])).encode()).decode()
    oauth = simulator.client('kf-approver-client')
    oauth_options = dict(username=None, password=None, domain=None, client_id=oauth['client_id'],
                         client_secret=oauth['client_secret'], token_url=oauth['token_url'])
    results = [
        signal(instance_ids=[SINGLE, UNKNOWN, TWO_STAGE], signal_key='RequireApproval2.ApprovalStatus', diff=True),
        signal(instance_id=SINGLE_2, diff=True),
        signal(instance_id=DUAL_NEW, check_mode=True, diff=True, **oauth_options),
        signal(instance_id=DUAL_NEW, **oauth_options),
        signal(instance_id=DUAL_NEW, password='S3cret-wrong!'),
        signal(user='requester', instance_id=GATED, signal_key='ReviewGate.Proceed'),
    ]
    assert [result['rc'] for result in results] == [1, 0, 0, 0, 1, 1]
    assert_no_secrets(results, [user['password'], basic, oauth['client_secret'], 'S3cret-wrong!'])


# --- an error every instance would meet ends the task; nothing done before it is lost ---------------------------------

EIGHT = [generated_instance_id(0, number) for number in range(1, 9)]


@pytest.fixture
def eight_instances(simulator):
    simulator.load({'extends': 'default.yaml', 'generate': [{'count': 8, 'definition': 'enroll-single'}]})
    return EIGHT


@pytest.fixture
def on_call(monkeypatch):
    """on_call(name, action, at=1, after=False, instance_id=None, one_at_a_time=False): run action() once, before (or
    after) the at-th call of WorkflowApi.<name> (counting only the calls for instance_id, when given).

    one_at_a_time: concurrent calls of the method wait for each other, so none runs between a call and its action.
    """
    def install(name, action, at=1, after=False, instance_id=None, one_at_a_time=False):
        original = getattr(WorkflowApi, name)
        seen = []
        counting = threading.Lock()  # concurrent calls: each must see its own position
        calling = threading.Lock() if one_at_a_time else contextlib.nullcontext()

        def wrapper(api, called_id, *args):
            counts = instance_id is None or called_id == instance_id
            with calling:
                with counting:
                    if counts:
                        seen.append(called_id)
                    due = counts and len(seen) == at
                if due and not after:
                    action()
                try:
                    return original(api, called_id, *args)
                finally:
                    if due and after:
                        action()
        monkeypatch.setattr(WorkflowApi, name, wrapper)
    return install


def token_options(simulator):
    return dict(username=None, password=None, domain=None, access_token=simulator.token('kf-approver-client'))


def requested_instances(simulator):
    """The instances the module asked the API about."""
    return {entry['path'].split('/')[4] for entry in simulator.audit()['requests']
            if entry['path'].startswith('/KeyfactorAPI/Workflow/Instances/')}


def test_a_token_expiring_at_the_fifth_instance_keeps_the_four_results_and_tries_no_more(
        signal, simulator, eight_instances, on_call):
    on_call('get_instance', simulator.expire_tokens, instance_id=eight_instances[4])
    result = signal(instance_ids=eight_instances, concurrency=1, **token_options(simulator))
    assert (result['rc'], result['changed'], result['failed'], result['http_status']) == (1, True, True, 401)
    assert [(entry['outcome'], entry['changed'], entry['failed']) for entry in result['results']] == (
        [('signaled', True, False)] * 4 + [(None, False, True)] * 4)
    assert 'check access_token (KEYFACTOR_AUTH_ACCESS_TOKEN)' in result['results'][4]['msg']
    not_tried = ('Not tried: the task stopped before this instance, at an error every instance would meet '
                 '(GET /Workflow/Instances/%s failed with HTTP 401' % eight_instances[4])
    assert all(entry['msg'].startswith(not_tried) for entry in result['results'][5:])
    assert result['msg'].endswith('The task stopped there: %s for 8 workflow instance(s): 4 signaled, 4 failed '
                                  '(3 of them not tried).' % APPROVE)
    assert sorted(entry['instance_id'] for entry in counted_signals(simulator)) == sorted(eight_instances[:4])
    assert requested_instances(simulator) == set(eight_instances[:5])


def test_with_concurrency_the_instances_in_flight_finish_and_no_new_one_starts(
        signal, simulator, eight_instances, on_call):
    # Sends one at a time: no other thread sends while the credentials expire after the second, whatever the load.
    on_call('send_signal', simulator.expire_tokens, at=2, after=True, one_at_a_time=True)
    result = signal(instance_ids=eight_instances, concurrency=3, **token_options(simulator))
    assert (result['rc'], result['changed'], result['failed']) == (1, True, True)
    signaled = [entry['instance_id'] for entry in result['results'] if entry['outcome'] == 'signaled']
    assert all(entry['changed'] for entry in result['results'] if entry['outcome'] == 'signaled')
    assert sorted(entry['instance_id'] for entry in counted_signals(simulator)) == sorted(signaled)
    not_tried = [entry['instance_id'] for entry in result['results'] if entry['msg'].startswith('Not tried:')]
    assert not_tried == eight_instances[len(eight_instances) - len(not_tried):]  # the last ones, in order
    assert len(not_tried) >= 8 - 2 - 3  # at most the two sent and three in flight were started
    assert not requested_instances(simulator) & set(not_tried)


def test_an_answer_that_is_not_the_api_stops_the_task_and_keeps_what_was_done(signal, simulator, eight_instances):
    simulator.inject(method='GET', path='/Instances/%s$' % eight_instances[4], status=200, times=1,
                     body='<html><body>Please log in</body></html>', headers={'Content-Type': 'text/html'})
    result = signal(instance_ids=eight_instances, concurrency=1)
    assert (result['rc'], result['changed']) == (1, True)
    assert [entry['outcome'] for entry in result['results']] == ['signaled'] * 4 + [None] * 4
    assert 'returned HTTP 200 with a body that is not JSON (content type text/html)' in result['results'][4]['msg']
    assert result['msg'].endswith('4 signaled, 4 failed (3 of them not tried).')
    assert len(counted_signals(simulator)) == 4


def test_a_signal_sent_before_the_credentials_failed_is_changed(signal, simulator, on_call):
    on_call('send_signal', simulator.expire_tokens, after=True)
    result = signal(instance_id=SINGLE, **token_options(simulator))
    assert (result['rc'], result['changed'], result['outcome'], result['http_status']) == (1, True, 'signaled', 401)
    assert result['msg'].startswith('Sent %s to workflow instance %s (it was Suspended at step RequireApproval1), but '
                                    're-reading it failed: GET /Workflow/Instances/%s failed with HTTP 401' % (
                                        APPROVE, SINGLE, SINGLE))
    assert len(counted_signals(simulator)) == 1


# --- any success answer to the signal means delivered ----------------------------------------------------------------

@pytest.mark.parametrize('answer', ['200-empty', '200-html', '200-text', '200-json', '202-empty'])
def test_any_success_answer_to_the_signal_is_delivered(signal, simulator, answer):
    simulator.configure(signal_answer=answer)
    result = signal(instance_id=SINGLE)
    assert (result['rc'], result['changed'], result['outcome'], result['instance']['status']) == (
        0, True, 'signaled', 'Complete')
    assert calls(simulator) == [('GET', 'instance'), ('POST', 'signal'), ('GET', 'instance')]
    assert result['warnings'] == []


# --- a re-send refused after an unknown outcome; a success answer the re-read contradicts -------------------------

def stale(simulator, instance_id):
    """The instance as read now, to be served again later as if the server had not applied anything yet."""
    return json.dumps(read_instance(simulator, instance_id))


def test_a_re_send_refused_after_an_unknown_outcome_is_signaled_when_the_step_is_done(signal, simulator, before_send):
    # The first POST is applied but its answer lost, and the re-read is served before the server shows it (a stale
    # read, as during Keyfactor's locking window); the re-send is refused as a repeat. The first POST did it.
    waiting = stale(simulator, DUAL_NEW)
    sends = []

    def stage(instance_id):
        sends.append(instance_id)
        if len(sends) == 1:
            simulator.configure(fault_lost_response=1)
            simulator.inject(method='GET', path='/Instances/%s$' % instance_id, status=200, body=waiting, times=1)
        else:
            simulator.configure(fault_lost_response=0)
    before_send(stage)
    result = signal(instance_id=DUAL_NEW)
    assert (result['rc'], result['changed'], result['outcome'], result['instance']['status']) == (
        0, True, 'signaled', 'Suspended')
    assert ("an earlier attempt's answer was lost, the API refused the re-send: KEYEXAMPLE\\approver1 has already sent "
            in result['msg'])
    assert result['msg'].endswith('a re-read showed the signal shows as received from the caller).')
    assert calls(simulator).count(('POST', 'signal')) == 2
    assert len(counted_signals(simulator)) == 1


def test_a_re_send_refused_for_another_reason_after_an_unknown_outcome_fails_with_the_api_error(signal, simulator):
    # The first POST was turned away by a gateway (not applied: the re-read shows it pending); the re-send is refused.
    simulator.inject(method='POST', path='/Signals$', status=502, body='<html>Bad Gateway</html>', times=1)
    simulator.inject(method='POST', path='/Signals$', status=400, times=1,
                     body='{"ErrorCode": "0xA5100005", "Message": "The signal data is not valid."}')
    result = signal(instance_id=SINGLE)
    assert (result['rc'], result['changed'], result['outcome']) == (1, False, None)
    assert result['msg'] == ('POST /Workflow/Instances/%s/Signals failed with HTTP 400 Bad Request (Keyfactor error '
                             '0xA5100005: The signal data is not valid.).' % SINGLE)
    assert counted_signals(simulator) == []


def test_a_success_answer_the_re_read_contradicts_is_reported_with_a_warning(signal, simulator, before_send):
    waiting = stale(simulator, SINGLE)
    before_send(lambda instance_id: simulator.inject(method='GET', path='/Instances/%s$' % instance_id, status=200,
                                                     body=waiting, times=1))
    result = signal(instance_id=SINGLE)
    assert (result['rc'], result['changed'], result['outcome']) == (0, True, 'signaled')
    assert result['warnings'] == [
        'Workflow instance %s: the server accepted %s, but a re-read still shows it pending and not received (the '
        'server may have applied another signal in its place); run the task again to see whether it is still owed.'
        % (SINGLE, APPROVE)]


# --- answer shapes: every field the module reads is checked ---------------------------------------------------------

@pytest.mark.parametrize('switches, message', [
    (dict(null_fields='CurrentStepUniqueName'), 'has no CurrentStepUniqueName.'),
    (dict(omit_fields='Status'), 'has no Status.'),
    (dict(null_fields='Definition'), 'has no Definition.'),
    (dict(omit_fields='Definition.Version'), 'has no Definition.Version.'),
    (dict(status_format='int', status_codes='Suspended=7'),
     'has Status 7, an integer code the status table does not know; name it with status_map (for example status_map: '
     '{7: Suspended})'),
])
def test_a_missing_null_or_unknown_field_fails_the_instance_and_sends_nothing(signal, simulator, switches, message):
    simulator.configure(**switches)
    result = signal(instance_ids=[SINGLE, SINGLE_2])
    assert (result['rc'], result['changed']) == (1, False)
    for instance_id, entry in zip([SINGLE, SINGLE_2], result['results']):
        assert entry['msg'].startswith("The server's answer for workflow instance %s %s" % (instance_id, message))
    assert ('POST', 'signal') not in calls(simulator)


def test_a_definition_that_is_not_an_object_names_what_was_expected(signal, simulator):
    simulator.inject(method='GET', path='/Instances/%s$' % SINGLE, status=200, times=1,
                     body=json.dumps(dict(read_instance(simulator, SINGLE), Definition='enroll-single')))
    result = signal(instance_id=SINGLE)
    assert (result['rc'], result['msg']) == (
        1, "The server's answer for workflow instance %s has Definition as text; expected an object." % SINGLE)


def test_a_definition_of_another_shape_fails_the_instances_that_need_it(signal, simulator):
    definition = 'd1000000-0000-4000-8000-000000000001'
    simulator.inject(method='GET', path='/Workflow/Definitions/%s$' % definition, status=200, times=1,
                     body=json.dumps({'Id': definition, 'Steps': {'UniqueName': 'StartNOOP'}}))
    result = signal(instance_ids=[SINGLE, COMPLETE])  # only the finished one needs its definition
    assert [(entry['outcome'], entry['failed']) for entry in result['results']] == [('signaled', False), (None, True)]
    assert result['results'][1]['msg'] == (
        "The server's answer for workflow definition %s version 1 has Steps as an object; expected a list." % definition)


def test_a_status_code_named_with_status_map_is_read(signal, simulator):
    simulator.configure(status_format='int', status_codes='Suspended=7,Complete=8')
    result = signal(instance_id=SINGLE, status_map={7: 'Suspended', 8: 'Complete'})
    assert (result['rc'], result['outcome'], result['instance']['status']) == (0, 'signaled', 'Complete')


def test_camel_case_answers_are_read(signal, simulator):
    simulator.configure(key_case='camel')
    result = signal(instance_ids=[SINGLE, DUAL_HALF, COMPLETE, SECOND_STAGE], details=True)
    assert [(entry['outcome'], entry['changed']) for entry in result['results']] == [
        ('signaled', True), ('already_signaled', False), ('instance_finished', False), ('step_passed', False)]
    assert result['results'][0]['instance']['definition']['display_name'] == 'Web Server Enrollment Approval'


@pytest.mark.parametrize('visibility', ['roles', 'roles-null'])
@pytest.mark.parametrize('wait', [False, True])
def test_a_signal_the_server_does_not_offer_the_caller_fails_at_once(signal, simulator, visibility, wait):
    # A server that lists only the signals the caller may send: secadmin holds none of RequireApproval1's roles.
    simulator.configure(signal_visibility=visibility)
    result = signal(user='secadmin', instance_id=SINGLE, wait=wait, wait_timeout=30, wait_interval=0.1)
    assert (result['rc'], result['changed']) == (1, False)
    assert result['msg'] == (
        'Workflow instance %s is Suspended at step RequireApproval1, but does not offer signal ApprovalStatus to the '
        "caller (the signals it lists: none): the caller may not be one of the step's approvers. Check that the user "
        'or OAuth client holds one of the roles the definition allows to send %s.' % (SINGLE, APPROVE))
    assert calls(simulator) == [('GET', 'instance'), ('GET', 'definition')]


# --- a quiet day, compact results, the failure headline ------------------------------------------------------------

ZERO_COUNTS = {'signaled': 0, 'already_signaled': 0, 'step_passed': 0, 'instance_finished': 0, 'failed': 0}


@pytest.mark.parametrize('check_mode', [False, True])
def test_an_empty_instance_ids_is_ok_and_sends_nothing(signal, simulator, check_mode):
    result = signal(instance_ids=[], check_mode=check_mode, diff=True)
    assert (result['rc'], result['changed'], result['results'], result['counts']) == (0, False, [], ZERO_COUNTS)
    assert result['msg'] == 'No workflow instances were given (instance_ids is empty), so there was nothing to signal.'
    assert 'diff' not in result
    assert simulator.audit()['requests'] == []


def test_results_are_compact_by_default_and_full_with_details(signal, simulator):
    compact = signal(instance_ids=[SINGLE, UNKNOWN])
    assert [sorted(entry) for entry in compact['results']] == [sorted(
        ['instance_id', 'reference_id', 'title', 'outcome', 'changed', 'failed', 'msg', 'status',
         'current_step_unique_name'])] * 2
    first, unknown = compact['results']
    assert (first['reference_id'], first['status'], first['current_step_unique_name']) == (1001, 'Complete', 'EndNOOP')
    assert first['title'] == 'KEYEXAMPLE\\requester is enrolling for a certificate with CN=app01.keyexample.com.'
    assert (unknown['reference_id'], unknown['status'], unknown['failed']) == (None, None, True)
    assert all(len(json.dumps(entry)) < 1024 for entry in compact['results'])

    full = signal(instance_ids=[SINGLE], details=True)
    assert full['results'][0]['instance']['initial_data'] == read_instance(simulator, SINGLE)['InitialData']
    assert full['results'][0]['signal']['key'] == APPROVE
    assert full['counts'] == dict(ZERO_COUNTS, instance_finished=1)


def test_a_single_instance_keeps_instance_and_signal_whatever_details_says(signal):
    result = signal(instance_id=SINGLE)
    assert result['instance']['initial_data'] and result['signal']['key'] == APPROVE
    assert 'results' not in result and 'counts' not in result


def test_failures_for_one_cause_are_said_once_with_the_counts(signal):
    result = signal(instance_ids=[SINGLE, COMPLETE, SINGLE_2], signal_key='RequireApproval2.ApprovalStatus')
    assert (result['rc'], result['counts']) == (1, dict(ZERO_COUNTS, failed=3))
    reason = ("signal_key RequireApproval2.ApprovalStatus does not fit workflow instance %s: its definition 'Web Server "
              "Enrollment Approval' (d1000000-0000-4000-8000-000000000001) version 1 has no step 'RequireApproval2'; "
              "the signal keys it accepts are: RequireApproval1.ApprovalStatus." % SINGLE)
    assert result['msg'] == ('3 of 3 failed, all with the same reason: %s RequireApproval2.ApprovalStatus for 3 '
                             'workflow instance(s): 3 failed.' % reason)


# --- a signal named alone --------------------------------------------------------------------------------------------

VERSIONED_V1 = default_instance_id(8)  # enroll-versioned version 1: RequireApproval1
VERSIONED_V2 = default_instance_id(9)  # enroll-versioned version 2: the step is ManagerApproval


def test_a_signal_name_resolves_from_each_instance_definition_version(signal, simulator):
    predicted = signal(instance_ids=[VERSIONED_V1, VERSIONED_V2, GATED], signal_key='ApprovalStatus', details=True,
                       check_mode=True)
    assert [entry['signal']['key'] for entry in predicted['results']] == [
        APPROVE, 'ManagerApproval.ApprovalStatus', 'ApprovalStatus']
    assert predicted['results'][2]['msg'] == (
        "Workflow instance %s: signal_key ApprovalStatus is offered by no enabled step of definition 'Renewal with "
        "Review Gate' (d6000000-0000-4000-8000-000000000006) version 1; the signal keys it accepts are: "
        "ReviewGate.Proceed." % GATED)
    real = signal(instance_ids=[VERSIONED_V1, VERSIONED_V2, GATED], signal_key='ApprovalStatus', details=True)
    assert [(entry['outcome'], entry['changed']) for entry in real['results']] == [
        (entry['outcome'], entry['changed']) for entry in predicted['results']] == [
        ('signaled', True), ('signaled', True), (None, False)]
    assert sorted(entry['signal_key'] for entry in counted_signals(simulator)) == [
        'ManagerApproval.ApprovalStatus', APPROVE]
    # One definition read per definition version, for the check run and the real run each.
    assert calls(simulator).count(('GET', 'definition')) == 6


def test_a_signal_name_is_resolved_from_the_definition_not_the_current_step(signal, simulator):
    first = signal(instance_id=SINGLE, signal_key='ApprovalStatus')
    assert (first['changed'], first['outcome'], first['signal']['key']) == (True, 'signaled', APPROVE)
    again = signal(instance_id=SINGLE, signal_key='ApprovalStatus')  # at EndNOOP now, which offers no signal
    assert (again['changed'], again['outcome'], again['signal']['key']) == (False, 'instance_finished', APPROVE)
    assert len(counted_signals(simulator)) == 1


def test_a_signal_name_several_steps_offer_fails_listing_the_keys(signal, simulator):
    # The instance waits at RequireApproval1, but the definition offers ApprovalStatus at two steps.
    result = signal(instance_id=TWO_STAGE, signal_key='ApprovalStatus')
    assert (result['rc'], result['changed']) == (1, False)
    assert result['msg'] == (
        "Workflow instance %s: signal_key ApprovalStatus is offered by 2 enabled steps of definition 'Two-Stage "
        "Revocation Approval' (d3000000-0000-4000-8000-000000000003) version 1; give the full key of the one to "
        "send: RequireApproval1.ApprovalStatus, RequireApproval2.ApprovalStatus." % TWO_STAGE)
    assert ('POST', 'signal') not in calls(simulator)


# --- a server that cannot be reached: one line, the rest at -vvv ------------------------------------------------------

@pytest.mark.parametrize('verbosity', [0, 3])
def test_an_unreachable_server_is_one_line_and_vvv_adds_the_url_attempts_and_exceptions(signal, verbosity):
    result = signal(instance_id=SINGLE, url='127.0.0.1:1', retries=1, _ansible_verbosity=verbosity)
    line = ('GET /Workflow/Instances/%s failed: the connection could not be established. Check url '
            '(KEYFACTOR_HOSTNAME) and its port, and that the server is up.' % SINGLE)
    assert result['rc'] == 1 and len(line) < 250
    if verbosity < 3:
        assert result['msg'] == line
    else:
        assert result['msg'].startswith(line + ' (GET https://127.0.0.1:1/KeyfactorAPI/Workflow/Instances/%s, '
                                               '2 attempts; ' % SINGLE)
        assert 'NewConnectionError' in result['msg']
    assert 'S3cret' not in json.dumps(result)
