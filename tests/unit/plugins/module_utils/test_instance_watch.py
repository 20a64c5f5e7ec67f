# -*- coding: utf-8 -*-
# Copyright (c) keyfactor.command contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The workflow_instances event source: options, dedupe and back-off (pure), then the polling loop with an asyncio
queue against the simulator.

The loop's sleep is replaced by a script: each call records the wait, may change the simulator between two polls,
and ends the run (StopPolling) once the script is done, so no test waits for real intervals.
"""

import asyncio
import logging
import os
import tracemalloc

import pytest

from ansible_collections.keyfactor.command.plugins.module_utils._errors import (
    KeyfactorAPIError, KeyfactorAuthError, KeyfactorConfigError, KeyfactorNotFoundError, KeyfactorTransportError,
    Redactor,
)
from ansible_collections.keyfactor.command.plugins.module_utils._instance_watch import (
    SOURCE_NAME, InstanceWatch, KeyfactorSourceError, is_transient, make_event, next_wait, parse_options,
    watch_instances,
)

from kfsim.testing import default_definition_id, default_instance_id  # pylint: disable=import-error

ASSIGNED_TO_APPROVER1 = [default_instance_id(n) for n in (1, 2, 3, 4, 6, 8, 9, 16, 17)]


class StopPolling(Exception):
    """Ends a test run from the scripted sleep."""


def instance(instance_id, step):
    return {'id': instance_id, 'current_step_id': step}


# --- options -----------------------------------------------------------------------------------------------

def test_defaults_watch_what_waits_for_me_every_30_seconds(monkeypatch):
    monkeypatch.setenv('KEYFACTOR_HOSTNAME', 'keyfactor.example.com')
    monkeypatch.setenv('KEYFACTOR_PORT', '8443')
    monkeypatch.setenv('KEYFACTOR_PASSWORD', 'S3cret-from-env')
    redactor = Redactor()
    options = parse_options({'username': 'KEYEXAMPLE\\approver1', 'eda_feedback_queue': object()}, redactor)
    assert options.settings.base_url == 'https://keyfactor.example.com:8443/KeyfactorAPI'
    assert (options.search.scope, options.search.query) == ('assigned_to_me', 'Status -eq "Suspended"')
    assert (options.interval, options.details, options.emit_existing) == (30.0, True, True)
    assert redactor.text('pw S3cret-from-env') == 'pw ********'


def test_filters_are_those_of_workflow_instance_info():
    options = parse_options({'url': 'kf.example.com', 'access_token': 't0ken-value', 'scope': 'all',
                             'status': ['failed', 'Rejected'], 'definition_id': default_definition_id(1).upper(),
                             'workflow_type': 'Enrollment', 'query': 'ReferenceId -gt 1010', 'interval': '2.5',
                             'details': 'no', 'emit_existing': False}, Redactor())
    assert options.search.scope == 'all'
    assert options.search.query == (
        '(Status -eq "Failed" OR Status -eq "Rejected") AND DefinitionId -eq "%s" AND WorkflowType -eq "Enrollment" '
        'AND (ReferenceId -gt 1010)' % default_definition_id(1))
    assert (options.interval, options.details, options.emit_existing) == (2.5, False, False)


@pytest.mark.parametrize('args, message', [
    ({'interval': 0.5}, r'^interval must be a number of seconds from 1 to 604800 \(a week\), got 0\.5\.$'),
    ({'interval': 'soon'}, "^invalid options: argument 'interval' is of type .*str.* unable to convert to float"),
    ({'scope': 'mine'}, '^invalid options: value of scope must be one of: all, started_by_me, assigned_to_me, got: mine'),
    ({'intervall': 5, 'detail': True}, '^unsupported options detail, intervall; the source takes scope, status, '),
    ({'timeout': 'soon'}, "^argument 'timeout' is of type .*str.* unable to convert to float"),
    ({'access_token': None}, '^No authentication is configured'),
    ({'definition_id': default_definition_id(1), 'definition_name': 'Web Server Enrollment Approval'},
     '^invalid options: parameters are mutually exclusive: definition_id|definition_name.$'),
    ({'status': ['Pending']}, "^status 'Pending' is not a workflow instance status"),
])
def test_bad_options_are_refused_with_what_is_allowed(args, message):
    with pytest.raises(KeyfactorConfigError, match=message):
        parse_options(dict({'url': 'kf.example.com', 'access_token': 't0ken-value'}, **args), Redactor())


# --- dedupe and memory ----------------------------------------------------------------------------------

def test_an_instance_is_new_once_per_step_and_forgotten_when_two_listings_miss_it():
    watch = InstanceWatch()
    first = [instance('a', 's1'), instance('b', 's1'), instance('a', 's1')]  # a listed twice: paged while it moved
    assert watch.pending(first) == first[:2]
    watch.remember(first)
    assert watch.pending(first) == []
    moved = [instance('a', 's2'), instance('b', 's1')]
    assert watch.pending(moved) == [instance('a', 's2')]
    watch.remember([instance('b', 's1')])  # one listing misses a: still remembered, not announced again
    assert len(watch) == 2
    assert watch.pending([instance('a', 's1')]) == []
    watch.remember([instance('b', 's1')])  # the second one in a row: forgotten
    assert len(watch) == 1
    assert watch.pending([instance('a', 's1')]) == [instance('a', 's1')]


def _state_bytes(build):
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        kept = build()
        return tracemalloc.get_traced_memory()[0] - before, kept
    finally:
        tracemalloc.stop()


def test_memory_stays_bounded_by_what_is_pending_while_10000_instances_pass_through():
    """100 pending at a time, 10,000 in all: the watch holds one listing and what the one before had more."""
    def ids(start):
        return [instance('%08x-0000-4000-8000-000000000000' % n, 'step-%d' % (n % 3)) for n in range(start, start + 100)]

    def two_windows():
        watch = InstanceWatch()
        watch.remember(ids(0))
        watch.remember(ids(50))
        return watch

    def many_windows():
        watch = InstanceWatch()
        announced = 0
        for start in range(0, 10000, 50):  # each listing keeps half of the one before
            listing = ids(start)
            announced += len(watch.pending(listing))
            watch.remember(listing)
            assert len(watch) <= 150
        return watch, announced

    two, dummy = _state_bytes(two_windows)
    many, (watch, announced) = _state_bytes(many_windows)
    assert announced == 10000 + 50  # every instance once (the first window 100, then 50 new per listing)
    assert len(watch) == 150
    # the same as after the first two listings (150 instances), give or take the dict's growth
    assert many <= 1.5 * two, 'state after 10,050 instances: %d bytes; after 150: %d bytes' % (many, two)


# --- faults: classification and back-off ---------------------------------------------------------------

@pytest.mark.parametrize('error, transient', [
    (KeyfactorTransportError('timed out', reason='timeout'), True),
    (KeyfactorTransportError('reset', reason='connection_reset'), True),
    (KeyfactorTransportError('bad certificate', reason='tls_verify'), False),
    (KeyfactorAPIError('busy', status=503, method='GET', path='/x'), True),
    (KeyfactorAPIError('slow down', status=429, method='GET', path='/x'), True),
    (KeyfactorAPIError('bug', status=500, method='GET', path='/x'), True),
    (KeyfactorAuthError('no', status=401, method='GET', path='/x'), False),
    (KeyfactorAuthError('forbidden', status=403, method='GET', path='/x'), False),
    (KeyfactorNotFoundError('gone', status=404, method='GET', path='/x'), False),
    (KeyfactorAPIError('bad query', status=400, method='GET', path='/x'), False),
    (KeyfactorConfigError('bad option'), False),
])
def test_only_missing_answers_429_and_5xx_are_transient(error, transient):
    assert is_transient(error) is transient


def test_back_off_doubles_up_to_ten_intervals():
    assert [next_wait(3, failures) for failures in range(6)] == [3, 6, 12, 24, 30, 30]
    assert next_wait(1, 1000) == 10


def test_event_has_the_instance_keys_and_meta():
    signals = [{'key': 'A.Go', 'received': False}, {'key': 'A.Stop', 'received': True}]
    listed = {'id': 'i', 'current_step_id': 's', 'signals': signals}
    event = make_event(listed, '2026-12-04T10:00:00.000Z', details=True)
    assert event == dict(listed, meta={'source': {'type': SOURCE_NAME}, 'seen_at': '2026-12-04T10:00:00.000Z',
                                       'signal_keys': ['A.Go']})
    assert 'signal_keys' not in make_event({'id': 'i'}, 'now', details=False)['meta']


# --- the loop against the simulator -----------------------------------------------------------------------

def connection(simulator, user='approver1', **more):
    login = simulator.user(user)
    args = dict(url=simulator.host, ca_cert=simulator.ca_cert, username=login['username'], domain=login['domain'],
                password=login['password'], retries=0, timeout=10)
    args.update(more)
    return args


def run_source(args, script, caplog=None):
    """Run the source until the script is done; return (events per poll, the waits asked for).

    script: callables, one per wait after a poll, each given the simulator time to change between two polls.
    """
    queue = asyncio.Queue()
    polls, waits = [], []
    steps = list(script)

    async def sleep(seconds):
        waits.append(seconds)
        events = []
        while not queue.empty():
            events.append(queue.get_nowait())
        polls.append(events)
        if not steps:
            raise StopPolling()
        steps.pop(0)()

    with pytest.raises(StopPolling):
        asyncio.run(watch_instances(queue, args, logging.getLogger('test.eda'), sleep=sleep))
    return polls, waits


def ids_of(events):
    return sorted(event['id'] for event in events)


def test_what_waits_is_announced_once_with_details_and_signal_keys(simulator):
    polls, waits = run_source(dict(connection(simulator), interval=2), [lambda: None])
    assert ids_of(polls[0]) == sorted(ASSIGNED_TO_APPROVER1)
    assert polls[1] == []  # nothing new at the second poll
    assert waits == [2, 2]
    first = {event['id']: event for event in polls[0]}[default_instance_id(6)]
    assert first['current_step_unique_name'] == 'RequireApproval1' and first['status'] == 'Suspended'
    assert first['meta']['signal_keys'] == ['RequireApproval1.ApprovalStatus']
    assert {'signals', 'initial_data', 'current_state_data', 'definition', 'title'} <= set(first)
    # the detail reads are for the new instances only: one per announced instance, none at the second poll
    reads = [entry for entry in simulator.audit()['requests'] if entry['path'].startswith('/KeyfactorAPI/Workflow/Instances/c0')]
    assert len(reads) == len(ASSIGNED_TO_APPROVER1)


def test_an_instance_is_announced_again_at_its_next_pending_step_and_forgotten_once_signalled(simulator):
    session = simulator.session('approver1')
    six = default_instance_id(6)

    def approve_six():
        answer = session.post(simulator.api_url + '/Workflow/Instances/%s/Signals' % six,
                              json={'SignalKey': 'RequireApproval1.ApprovalStatus', 'Data': {'Approved': True}})
        assert answer.status_code == 204

    polls, dummy = run_source(dict(connection(simulator), scope='all', details=False), [approve_six, lambda: None])
    assert six in ids_of(polls[0])
    assert [(event['id'], event['current_step_unique_name']) for event in polls[1]] == [(six, 'RequireApproval2')]
    assert polls[2] == []


def test_emit_existing_false_announces_only_what_appears_later(simulator):
    session = simulator.session('approver1')

    def restart_twelve():  # a failed instance restarted: a new instance waits at RequireApproval1
        answer = session.post(simulator.api_url + '/Workflow/Instances/%s/Restart' % default_instance_id(12))
        assert answer.status_code == 204

    polls, dummy = run_source(dict(connection(simulator), emit_existing=False), [restart_twelve, lambda: None])
    assert polls[0] == []
    assert len(polls[1]) == 1 and polls[1][0]['id'] not in ASSIGNED_TO_APPROVER1
    assert (polls[1][0]['status'], polls[1][0]['current_step_unique_name']) == ('Suspended', 'RequireApproval1')
    assert polls[2] == []


def test_a_transient_failure_is_logged_in_one_line_without_secrets_and_backs_off(simulator, caplog):
    password = simulator.user('approver1')['password']
    simulator.configure(fault_503=1, echo_credentials='raw')
    caplog.set_level(logging.WARNING)
    polls, waits = run_source(dict(connection(simulator), interval=3),
                              [lambda: None, lambda: None, lambda: simulator.configure(fault_503=0), lambda: None])
    assert waits == [6, 12, 24, 3, 3]
    assert [len(events) for events in polls] == [0, 0, 0, len(ASSIGNED_TO_APPROVER1), 0]
    lines = [record.getMessage() for record in caplog.records]
    assert len(lines) == 3 and all('\n' not in line for line in lines)
    assert 'poll failed' in lines[0] and 'HTTP 503' in lines[0] and 'next poll in 6 s' in lines[0]
    assert not any(password in line for line in lines)


def test_rejected_credentials_end_the_source_with_a_clear_message(simulator):
    args = dict(connection(simulator), password='wrong-password!')
    with pytest.raises(KeyfactorSourceError, match='^%s stopped: GET /Workflow/Instances/AssignedToMe failed with '
                                                   'HTTP 401 .*rejected the credentials' % SOURCE_NAME) as raised:
        run_source(args, [])
    assert 'wrong-password!' not in str(raised.value)


def test_forbidden_ends_the_source(simulator):
    simulator.inject(method='GET', path='/AssignedToMe', status=403, body='{"Message": "Forbidden"}')
    with pytest.raises(KeyfactorSourceError, match='HTTP 403 .*lacks the permission'):
        run_source(connection(simulator), [])


def test_bad_options_end_the_source_before_any_request(simulator):
    with pytest.raises(KeyfactorSourceError, match='^%s: interval must be' % SOURCE_NAME):
        run_source(dict(connection(simulator), interval=0), [])
    assert simulator.audit()['requests'] == []


def test_an_unknown_definition_name_ends_the_source(simulator):
    with pytest.raises(KeyfactorSourceError, match='No Such Definition'):
        run_source(dict(connection(simulator), definition_name='No Such Definition'), [])


def test_an_expired_token_is_renewed_as_in_the_modules(simulator):
    client = simulator.client('kf-approver-client')
    args = dict(url=simulator.host, ca_cert=simulator.ca_cert, retries=0, **client)
    polls, dummy = run_source(args, [simulator.expire_tokens, lambda: None])
    # the client's identity has not approved instance 05 yet, unlike approver1
    assert ids_of(polls[0]) == sorted(ASSIGNED_TO_APPROVER1 + [default_instance_id(5)])
    assert polls[1] == []
    token_requests = [entry for entry in simulator.audit()['requests'] if entry['path'].endswith('/token')]
    assert len(token_requests) == 2


def test_cancelling_the_source_closes_the_client_and_removes_its_ca_file(simulator, tmp_path, monkeypatch):
    monkeypatch.setattr('tempfile.tempdir', str(tmp_path))
    with open(simulator.ca_cert) as handle:
        pem = handle.read()
    polled = []

    async def sleep(seconds):
        del seconds  # the test cancels during the first wait
        polled.append({name: os.listdir(str(tmp_path / name)) for name in os.listdir(str(tmp_path))})
        await asyncio.sleep(3600)

    async def run():
        queue = asyncio.Queue()
        task = asyncio.ensure_future(
            watch_instances(queue, dict(connection(simulator), ca_cert=pem), logging.getLogger('test'), sleep=sleep))
        while not polled:
            await asyncio.sleep(0.05)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        return queue.qsize()

    assert asyncio.run(run()) == len(ASSIGNED_TO_APPROVER1)
    [(directory, files)] = polled[0].items()
    assert directory.startswith('keyfactor-eda-') and files == ['keyfactor-ca.pem']
    assert os.listdir(str(tmp_path)) == []
