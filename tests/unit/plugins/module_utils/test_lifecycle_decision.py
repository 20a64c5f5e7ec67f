# -*- coding: utf-8 -*-
# Copyright (c) keyfactor.command contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""workflow_instance's decisions, state by state and status by status, from instances as the API sends them (no HTTP)."""

import pytest

from ansible_collections.keyfactor.command.plugins.module_utils._instances import normalize_instance
from ansible_collections.keyfactor.command.plugins.module_utils._lifecycle_decision import (
    ABSENT, ALREADY_ABSENT, ALREADY_FINISHED, ALREADY_RESTARTED, APPLIED, DELETED, FAIL, NO_CHANGE, NOT_APPLIED,
    NOT_READY, NOT_RESTARTABLE, RESTARTED, SEND, STOPPED, Rules, decide, done_msg, lifecycle_diff, pick_restarted,
    predicted_after, reconcile, restart_search,
)

INSTANCE_ID = '8a3c1f52-6a0e-4d0b-9a51-2f7e3c9d4b10'
DEFINITION_ID = '2f6d8e14-0c3b-4e55-a9d7-61b0c8e2f4a1'
TITLE = 'KEYEXAMPLE\\jsmith is enrolling for a certificate with CN=appsrvr12.keyexample.com.'
PLAIN = Rules(restart_suspended=False, force=False)
STATUSES = ('Running', 'Suspended', 'Complete', 'Rejected', 'Failed', 'CanceledForRestart', 'Unknown')


def instance(status, step='RequireApproval1', instance_id=INSTANCE_ID, start='2024-05-14T16:02:09.120Z',
             modified='2024-05-15T08:00:00.000Z', title=TITLE):
    return normalize_instance({
        'Id': instance_id, 'Status': status, 'CurrentStepUniqueName': step, 'ReferenceId': 1042, 'Title': title,
        'StartDate': start, 'LastModified': modified,
        'Definition': {'Id': DEFINITION_ID, 'DisplayName': 'Web Server Enrollment Approval', 'Version': 3}})


# (state, status, rules) -> (action, outcome); every status of every state.
TABLE = [
    (STOPPED, 'Suspended', PLAIN, SEND, STOPPED),
    (STOPPED, 'Running', PLAIN, NOT_READY, None),
    (STOPPED, 'Complete', PLAIN, NO_CHANGE, ALREADY_FINISHED),
    (STOPPED, 'Rejected', PLAIN, NO_CHANGE, ALREADY_FINISHED),
    (STOPPED, 'Failed', PLAIN, NO_CHANGE, ALREADY_FINISHED),
    (STOPPED, 'CanceledForRestart', PLAIN, NO_CHANGE, ALREADY_FINISHED),
    (STOPPED, 'Unknown', PLAIN, FAIL, None),
    (RESTARTED, 'Failed', PLAIN, SEND, RESTARTED),
    (RESTARTED, 'Suspended', PLAIN, NO_CHANGE, NOT_RESTARTABLE),
    (RESTARTED, 'Suspended', Rules(True, False), SEND, RESTARTED),
    (RESTARTED, 'CanceledForRestart', PLAIN, NO_CHANGE, ALREADY_RESTARTED),
    (RESTARTED, 'Running', Rules(True, False), NO_CHANGE, NOT_RESTARTABLE),
    (RESTARTED, 'Complete', PLAIN, NO_CHANGE, NOT_RESTARTABLE),
    (RESTARTED, 'Rejected', PLAIN, NO_CHANGE, NOT_RESTARTABLE),
    (RESTARTED, 'Unknown', PLAIN, NO_CHANGE, NOT_RESTARTABLE),
    (ABSENT, 'Complete', PLAIN, SEND, DELETED),
    (ABSENT, 'Rejected', PLAIN, SEND, DELETED),
    (ABSENT, 'Failed', PLAIN, SEND, DELETED),
    (ABSENT, 'CanceledForRestart', PLAIN, SEND, DELETED),
    (ABSENT, 'Unknown', PLAIN, SEND, DELETED),
    (ABSENT, 'Suspended', PLAIN, FAIL, None),
    (ABSENT, 'Running', PLAIN, FAIL, None),
    (ABSENT, 'Suspended', Rules(False, True), SEND, DELETED),
    (ABSENT, 'Running', Rules(False, True), SEND, DELETED),
]


@pytest.mark.parametrize('state, status, rules, action, outcome', TABLE)
def test_the_decision_table(state, status, rules, action, outcome):
    decision = decide(state, INSTANCE_ID, instance(status), rules)
    assert (decision.action, decision.outcome) == (action, outcome)
    assert INSTANCE_ID in decision.msg and status in decision.msg


def test_the_table_covers_every_status_of_every_state():
    covered = {(state, status) for state, status, _rules, _action, _outcome in TABLE}
    assert covered == {(state, status) for state in (STOPPED, RESTARTED, ABSENT) for status in STATUSES}


@pytest.mark.parametrize('state, action, outcome, words', [
    (STOPPED, FAIL, None, 'was not found'),
    (RESTARTED, FAIL, None, 'was not found'),
    (ABSENT, NO_CHANGE, ALREADY_ABSENT, 'nothing to delete'),
])
def test_an_instance_the_server_does_not_know(state, action, outcome, words):
    decision = decide(state, INSTANCE_ID, None, PLAIN)
    assert (decision.action, decision.outcome) == (action, outcome)
    assert words in decision.msg


@pytest.mark.parametrize('state, status, rules, words', [
    (STOPPED, 'Running', PLAIN, 'cannot be stopped while running'),
    (STOPPED, 'Unknown', PLAIN, 'only Suspended instances can be stopped'),
    (RESTARTED, 'Suspended', PLAIN, 'set restart_suspended: true to restart Suspended instances too'),
    (RESTARTED, 'Complete', PLAIN, 'only Failed instances'),
    (ABSENT, 'Suspended', PLAIN, 'removes a request someone is waiting on; set force: true'),
    (ABSENT, 'Running', PLAIN, 'removes a workflow that is still running; set force: true'),
])
def test_each_refusal_says_why_and_what_to_set(state, status, rules, words):
    assert words in decide(state, INSTANCE_ID, instance(status), rules).msg


@pytest.mark.parametrize('state, after, action', [
    (STOPPED, 'Rejected', APPLIED),
    (STOPPED, 'Complete', APPLIED),  # the status after a Stop is not documented: anything but Suspended
    (STOPPED, 'Suspended', NOT_APPLIED),
    (STOPPED, None, FAIL),
    (RESTARTED, 'CanceledForRestart', APPLIED),
    (RESTARTED, 'Failed', NOT_APPLIED),
    (RESTARTED, 'Suspended', NOT_APPLIED),
    (RESTARTED, None, FAIL),
    (ABSENT, None, APPLIED),
    (ABSENT, 'Complete', NOT_APPLIED),
])
def test_reconcile_tells_from_a_re_read_whether_the_operation_took_effect(state, after, action):
    decision = reconcile(state, None if after is None else instance(after))
    assert decision.action == action
    assert decision.outcome == ({STOPPED: STOPPED, RESTARTED: RESTARTED, ABSENT: DELETED}[state]
                                if action == APPLIED else None)
    assert decision.msg.startswith(('it is', 'the instance no longer exists'))


@pytest.mark.parametrize('state, after, check_mode, expected', [
    (STOPPED, 'Rejected', False, 'Stopped workflow instance %s, which was Suspended at step RequireApproval1; it is '
                                 'now Rejected at step RequireApproval1.'),
    (STOPPED, None, True, 'Would stop workflow instance %s, which is Suspended at step RequireApproval1 (check mode).'),
    (ABSENT, None, False, 'Deleted workflow instance %s, which was Suspended at step RequireApproval1.'),
    (RESTARTED, None, True, 'Would restart workflow instance %s, which is Suspended at step RequireApproval1 '
                            '(check mode).'),
])
def test_done_msg(state, after, check_mode, expected):
    before = instance('Suspended')
    assert done_msg(state, before, None if after is None else instance(after), check_mode) == expected % INSTANCE_ID


def test_check_mode_predicts_the_status_each_operation_leaves():
    before = instance('Failed', step='Enroll')
    assert predicted_after(RESTARTED, before)['status'] == 'CanceledForRestart'
    assert predicted_after(STOPPED, before)['status'] == 'Rejected'
    assert predicted_after(ABSENT, before) is None
    assert before['status'] == 'Failed'


def test_the_diff_shows_presence_and_status():
    diff = lifecycle_diff('workflow instance 1042 "t"', instance('Complete'), None)
    assert diff == {'before_header': 'workflow instance 1042 "t"', 'after_header': 'workflow instance 1042 "t"',
                    'before': {'present': True, 'status': 'Complete'}, 'after': {'present': False, 'status': None}}


# --- the instance a Restart started ----------------------------------------------------------------

OLD = instance('CanceledForRestart', modified='2024-05-15T08:00:00.500Z')


def candidate(number, start):
    return instance('Suspended', instance_id='3c9e1d7a-2b4f-4e8a-9d61-7f0a2c5e%04d' % number, start=start)


def test_restart_search_names_definition_title_and_start():
    definition_id, title, start = restart_search(OLD)
    assert (definition_id, title, start.isoformat()) == (DEFINITION_ID, TITLE, '2024-05-14T16:02:09.120000+00:00')
    assert restart_search(instance('Failed', title=None)) is None


def test_the_one_instance_started_at_the_cancellation_is_the_new_one():
    found = pick_restarted(OLD, [OLD, candidate(1, '2024-05-15T08:00:00.480Z'), candidate(2, '2024-06-01T00:00:00Z')])
    assert found == ('3c9e1d7a-2b4f-4e8a-9d61-7f0a2c5e0001', None)


def test_no_candidate_leaves_it_unknown():
    new_id, why = pick_restarted(OLD, [candidate(2, '2024-06-01T00:00:00Z'), candidate(3, '2024-05-01T00:00:00Z')])
    assert new_id is None
    assert why == 'no instance of the same definition and title started when it was restarted'


def test_two_candidates_leave_it_unknown():
    new_id, why = pick_restarted(OLD, [candidate(1, '2024-05-15T08:00:01Z'), candidate(2, '2024-05-15T08:00:02Z')])
    assert new_id is None
    assert why.startswith('2 instances of the same definition and title started when it was restarted (3c9e1d7a')


def test_without_a_last_change_only_a_single_later_instance_is_certain():
    old = instance('CanceledForRestart', modified=None)
    assert pick_restarted(old, [candidate(1, '2025-01-01T00:00:00Z')])[0] == '3c9e1d7a-2b4f-4e8a-9d61-7f0a2c5e0001'
    assert pick_restarted(old, [candidate(1, '2025-01-01T00:00:00Z'), candidate(2, '2025-02-01T00:00:00Z')])[0] is None


def test_an_unreadable_start_date_never_matches():
    assert pick_restarted(OLD, [candidate(1, 'yesterday')])[0] is None
