# -*- coding: utf-8 -*-
# Copyright (c) keyfactor.command contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""workflow_signal's decisions, branch by branch, from instances and definitions as the API sends them (no HTTP)."""

import pytest

from ansible_collections.keyfactor.command.plugins.module_utils._errors import (
    KeyfactorAnswerError, KeyfactorAPIError, KeyfactorAuthError, KeyfactorConfigError, KeyfactorError,
    KeyfactorNotAPIError, KeyfactorNotFoundError, KeyfactorTransportError, KeyfactorUnknownOutcomeError,
)
from ansible_collections.keyfactor.command.plugins.module_utils._instances import normalize_instance
from ansible_collections.keyfactor.command.plugins.module_utils._signal_decision import (
    ALREADY_SIGNALED, DELIVERED, FAIL, INSTANCE_FINISHED, NO_CHANGE, NOT_PENDING, NOT_READ, READ_ASSIGNED,
    READ_DEFINITION, SEND, SIGNALED, STEP_PASSED, accepted_keys, decide, execution_order, reachable_from, reconcile,
    sent_msg, signal_diff, signal_target, steps_by_name, still_owed, stops_the_task,
)

INSTANCE_ID = '8a3c1f52-6a0e-4d0b-9a51-2f7e3c9d4b10'
FIRST = signal_target('RequireApproval1.ApprovalStatus')
SECOND = signal_target('RequireApproval2.ApprovalStatus')


def step(name, outputs=None, signals=(), enabled=True):
    return {'UniqueName': name, 'ExtensionName': 'RequireApproval' if signals else 'NOOPStep', 'Enabled': enabled,
            'Signals': [{'RoleIds': [3], 'SignalName': signal} for signal in signals],
            'Outputs': {'continue': outputs} if isinstance(outputs, str) else (outputs or {})}


def definition(*steps):
    return {'Id': 'd3000000-0000-4000-8000-000000000003', 'DisplayName': 'Two-Stage Revocation Approval', 'Steps': list(steps)}


# Two approval steps; the API lists steps in export order, never execution order.
TWO_STAGE = definition(
    step('Revoke', 'EndNOOP'),
    step('RequireApproval2', 'Revoke', ['ApprovalStatus']),
    step('EndNOOP'),
    step('StartNOOP', 'RequireApproval1'),
    step('Email1', 'RequireApproval2'),
    step('RequireApproval1', 'Email1', ['ApprovalStatus']),
)
TWO_STAGE_ORDER = ['StartNOOP', 'RequireApproval1', 'Email1', 'RequireApproval2', 'Revoke', 'EndNOOP']

# A gate with two branches that join again at the end.
BRANCHED = definition(
    step('Approved', 'EndNOOP', ['Confirm']),
    step('Gate', {'approve': 'Approved', 'deny': 'Denied'}, ['Decide']),
    step('StartNOOP', 'Gate'),
    step('Denied', 'EndNOOP', ['Acknowledge']),
    step('EndNOOP'),
)


def instance(status='Suspended', current='RequireApproval1', signals=None):
    """An instance as GET /Workflow/Instances/{id} sends it, normalised as the module reads it.

    signals: {name: SignalReceived}; by default the approval signal, not received, while Suspended.
    """
    if signals is None:
        signals = {'ApprovalStatus': False} if status == 'Suspended' else {}
    raw = {
        'Id': INSTANCE_ID, 'Status': status, 'CurrentStepUniqueName': current,
        'Definition': {'Id': 'd3000000-0000-4000-8000-000000000003', 'DisplayName': 'Two-Stage Revocation Approval',
                       'Version': 1, 'WorkflowType': 'Revocation'},
        'Signals': [{'SignalName': name, 'StepSignalId': 'c41d2b7e-93a8-4f0e-b6d2-7a1e5c0f9d83', 'SignalReceived': received}
                    for name, received in signals.items()],
    }
    return normalize_instance(raw)


# --- signal keys ------------------------------------------------------------------------------------

def test_signal_target_splits_the_key():
    assert signal_target(' RequireApproval1.ApprovalStatus ') == ('RequireApproval1.ApprovalStatus', 'RequireApproval1', 'ApprovalStatus')


def test_a_signal_name_alone_is_a_target_without_a_step_until_resolved():
    assert signal_target('ApprovalStatus') == ('ApprovalStatus', None, 'ApprovalStatus')


@pytest.mark.parametrize('key', ['A.B.C', '.ApprovalStatus', 'RequireApproval1.', 'Require Approval1.X', ''])
def test_malformed_signal_keys_are_config_errors(key):
    with pytest.raises(KeyfactorConfigError, match='expected <step UniqueName>.<signal name>'):
        signal_target(key)


# --- step order -------------------------------------------------------------------------------------

def test_execution_order_follows_outputs_not_the_listed_order():
    assert execution_order(steps_by_name(TWO_STAGE)) == TWO_STAGE_ORDER


def test_execution_order_visits_branches_breadth_first():
    assert execution_order(steps_by_name(BRANCHED)) == ['StartNOOP', 'Gate', 'Approved', 'Denied', 'EndNOOP']


def test_steps_no_start_leads_to_come_last():
    looped = definition(step('B', 'A'), step('StartNOOP', 'EndNOOP'), step('A', 'B'), step('EndNOOP'))
    assert execution_order(steps_by_name(looped)) == ['StartNOOP', 'EndNOOP', 'B', 'A']


def test_reachable_from_follows_every_branch():
    steps = steps_by_name(BRANCHED)
    assert reachable_from(steps, 'Gate') == {'Approved', 'Denied', 'EndNOOP'}
    assert reachable_from(steps, 'Approved') == {'EndNOOP'}
    assert reachable_from(steps, 'EndNOOP') == set()


def test_reachable_from_includes_the_start_only_through_a_loop():
    steps = steps_by_name(definition(step('A', 'B'), step('B', 'A')))
    assert reachable_from(steps, 'A') == {'A', 'B'}


def test_accepted_keys_in_execution_order_without_disabled_steps():
    steps = steps_by_name(definition(step('StartNOOP', 'Gate'), step('Gate', 'Off', ['Proceed']), step('Off', None, ['Skip'], enabled=False)))
    assert accepted_keys(steps) == ['Gate.Proceed']


# --- decide: the signal is pending at the current step ------------------------------------------------

def test_pending_and_not_received_is_sent_without_further_reads():
    decision = decide(instance(), FIRST)
    assert decision.action == SEND and decision.outcome == SIGNALED
    assert decision.msg == 'Workflow instance %s is Suspended at step RequireApproval1, waiting for %s from the caller.' % (
        INSTANCE_ID, FIRST.key)


def test_received_needs_assigned_to_me():
    assert decide(instance(signals={'ApprovalStatus': True}), FIRST).action == READ_ASSIGNED


# (SignalReceived semantics, who signalled, is the instance still in the caller's AssignedToMe)
SEMANTICS = [
    ('per-user', 'nobody', False, NOT_READ, SEND),
    ('per-user', 'another approver', False, NOT_READ, SEND),
    ('per-user', 'the caller', True, False, NO_CHANGE),
    ('per-step', 'nobody', False, NOT_READ, SEND),
    ('per-step', 'another approver', True, True, SEND),
    ('per-step', 'the caller', True, False, NO_CHANGE),
]


@pytest.mark.parametrize('semantics, signalled_by, received, assigned, action', SEMANTICS)
def test_signal_received_per_user_and_per_step(semantics, signalled_by, received, assigned, action):
    del semantics, signalled_by  # they explain the case: what SignalReceived and AssignedToMe show under each
    decision = decide(instance(signals={'ApprovalStatus': received}), FIRST, assigned=assigned)
    assert decision.action == action
    assert decision.outcome == (SIGNALED if action == SEND else ALREADY_SIGNALED)


def test_already_signaled_says_why():
    decision = decide(instance(signals={'ApprovalStatus': True}), FIRST, assigned=False)
    assert 'already has RequireApproval1.ApprovalStatus from the caller' in decision.msg
    assert 'not in AssignedToMe' in decision.msg


# --- decide: the signal is not pending, so the definition decides ------------------------------------

NOT_PENDING_CASES = [
    instance(status='Complete', current='EndNOOP'),
    instance(current='RequireApproval2'),
    instance(status='Running', current='RequireApproval1'),
    instance(signals={'OtherSignal': False}),
]


@pytest.mark.parametrize('read', NOT_PENDING_CASES)
def test_not_pending_needs_the_definition(read):
    assert decide(read, FIRST, assigned=True).action == READ_DEFINITION


def test_unknown_definition_fails():
    decision = decide(instance(status='Complete', current='EndNOOP'), FIRST, definition=None)
    assert decision.action == FAIL
    assert decision.msg == ("The definition 'Two-Stage Revocation Approval' (d3000000-0000-4000-8000-000000000003) version 1 of "
                            "workflow instance %s was not found, so signal_key RequireApproval1.ApprovalStatus cannot be checked."
                            % INSTANCE_ID)


ACCEPTED = 'the signal keys it accepts are: RequireApproval1.ApprovalStatus, RequireApproval2.ApprovalStatus.'


@pytest.mark.parametrize('key, problem', [
    ('RequireApprovl1.ApprovalStatus', "has no step 'RequireApprovl1'"),
    ('RequireApproval1.Approval', "has no signal 'Approval' on step 'RequireApproval1'"),
    ('Email1.ApprovalStatus', "has no signal 'ApprovalStatus' on step 'Email1'"),
])
def test_a_key_the_definition_does_not_accept_fails_listing_the_accepted_keys(key, problem):
    decision = decide(instance(status='Complete', current='EndNOOP'), signal_target(key), definition=TWO_STAGE)
    assert decision.action == FAIL and decision.outcome is None
    assert decision.msg == ("signal_key %s does not fit workflow instance %s: its definition 'Two-Stage Revocation Approval' "
                            "(d3000000-0000-4000-8000-000000000003) version 1 %s; %s" % (key, INSTANCE_ID, problem, ACCEPTED))


def test_the_key_is_checked_even_while_the_instance_waits_at_that_step():
    decision = decide(instance(), signal_target('RequireApproval1.Approve'), definition=TWO_STAGE)
    assert decision.action == FAIL and ACCEPTED in decision.msg


def test_a_disabled_step_accepts_no_signals():
    disabled = definition(step('StartNOOP', 'Gate'), step('Gate', 'EndNOOP', ['Proceed'], enabled=False), step('EndNOOP'))
    decision = decide(instance(status='Complete', current='EndNOOP'), signal_target('Gate.Proceed'), definition=disabled)
    assert decision.action == FAIL
    assert "has step 'Gate' disabled, so it never waits for signals; the signal keys it accepts are: none." in decision.msg


@pytest.mark.parametrize('status, current', [
    ('Complete', 'EndNOOP'), ('Rejected', 'RequireApproval1'), ('Failed', 'Revoke'), ('CanceledForRestart', 'RequireApproval1'),
])
def test_a_finished_instance_has_nothing_to_send(status, current):
    decision = decide(instance(status=status, current=current), FIRST, definition=TWO_STAGE)
    assert (decision.action, decision.outcome) == (NO_CHANGE, INSTANCE_FINISHED)
    assert decision.msg == ('Workflow instance %s has finished: it is %s at step %s, so RequireApproval1.ApprovalStatus can no '
                            'longer be sent.' % (INSTANCE_ID, status, current))


def test_a_finished_instance_read_as_an_integer_status():
    finished = normalize_instance({'Id': INSTANCE_ID, 'Status': 3, 'CurrentStepUniqueName': 'EndNOOP', 'Signals': [],
                                   'Definition': {'Id': 'd3', 'DisplayName': 'x', 'Version': 1}})
    assert decide(finished, FIRST, definition=TWO_STAGE).outcome == INSTANCE_FINISHED


@pytest.mark.parametrize('status, current', [('Suspended', 'RequireApproval2'), ('Running', 'Revoke'), ('Running', 'Email1')])
def test_a_step_behind_the_current_one_has_passed(status, current):
    decision = decide(instance(status=status, current=current), FIRST, definition=TWO_STAGE)
    assert (decision.action, decision.outcome) == (NO_CHANGE, STEP_PASSED)
    assert decision.msg == ('Workflow instance %s is %s at step %s, past step RequireApproval1, so '
                            'RequireApproval1.ApprovalStatus is no longer pending.' % (INSTANCE_ID, status, current))


def test_a_step_ahead_is_not_pending_yet_and_says_where_the_instance_stands():
    decision = decide(instance(), SECOND, definition=TWO_STAGE)
    assert (decision.action, decision.outcome) == (NOT_PENDING, None)
    assert decision.msg == ('Workflow instance %s is Suspended at step RequireApproval1 (step 2 of 6); '
                            'RequireApproval2.ApprovalStatus (step 4) is not pending yet.' % INSTANCE_ID)


def test_at_the_step_but_running_it_is_not_pending_yet():
    running = instance(status='Running', current='RequireApproval1')
    assert decide(running, FIRST, definition=TWO_STAGE).action == NOT_PENDING


@pytest.mark.parametrize('signals, listed', [({}, 'none'), ({'Acknowledge': False}, 'Acknowledge')])
def test_suspended_at_the_step_without_offering_the_signal_fails_at_once(signals, listed):
    # A server that lists only the signals the caller may send: the caller holds none of the step's roles.
    decision = decide(instance(current='RequireApproval1', signals=signals), FIRST, definition=TWO_STAGE)
    assert (decision.action, decision.outcome) == (FAIL, None)
    assert decision.msg == (
        'Workflow instance %s is Suspended at step RequireApproval1, but does not offer signal ApprovalStatus to the '
        "caller (the signals it lists: %s): the caller may not be one of the step's approvers. Check that the user or "
        'OAuth client holds one of the roles the definition allows to send RequireApproval1.ApprovalStatus.' % (
            INSTANCE_ID, listed))


def test_a_branch_not_taken_counts_as_passed():
    acknowledge = signal_target('Denied.Acknowledge')
    on_the_other_branch = instance(current='Approved', signals={'Confirm': False})
    before_the_branches = instance(current='Gate', signals={'Decide': False})
    assert decide(on_the_other_branch, acknowledge, definition=BRANCHED).outcome == STEP_PASSED
    assert decide(before_the_branches, acknowledge, definition=BRANCHED).action == NOT_PENDING


def test_a_status_outside_the_known_names_is_not_taken_as_finished():
    unknown = normalize_instance({'Id': INSTANCE_ID, 'Status': 'Paused', 'CurrentStepUniqueName': 'StartNOOP',
                                  'Signals': [], 'Definition': {'Id': 'd3', 'DisplayName': 'x', 'Version': 1}})
    assert decide(unknown, FIRST, definition=TWO_STAGE).action == NOT_PENDING


def test_a_current_step_missing_from_the_definition_fails():
    decision = decide(instance(current='Renamed1'), FIRST, definition=TWO_STAGE)
    assert decision.action == FAIL
    assert 'is Suspended at step Renamed1, a step its definition' in decision.msg


# --- reconcile: after a signal whose outcome is unknown -------------------------------------------------

@pytest.mark.parametrize('read, assigned, action', [
    (instance(), NOT_READ, SEND),
    (instance(signals={'ApprovalStatus': True}), NOT_READ, READ_ASSIGNED),
    (instance(signals={'ApprovalStatus': True}), True, SEND),
    (instance(signals={'ApprovalStatus': True}), False, DELIVERED),
    (instance(status='Complete', current='EndNOOP'), NOT_READ, DELIVERED),
    (instance(status='Rejected', current='RequireApproval1'), NOT_READ, DELIVERED),
    (instance(current='RequireApproval2'), NOT_READ, DELIVERED),
    (instance(status='Running', current='RequireApproval1'), NOT_READ, DELIVERED),
    (instance(signals={}), NOT_READ, FAIL),
])
def test_reconcile(read, assigned, action):
    decision = reconcile(read, FIRST, assigned=assigned)
    assert decision.action == action
    assert decision.outcome == (SIGNALED if action == DELIVERED else None)


def test_reconcile_explains_itself():
    assert reconcile(instance(), FIRST).msg == 'the signal was not received and is still pending'
    assert reconcile(instance(signals={'ApprovalStatus': True}), FIRST, assigned=False).msg == (
        'the signal shows as received from the caller')
    assert reconcile(instance(current='RequireApproval2'), FIRST).msg == 'the instance no longer waits at step RequireApproval1'
    assert reconcile(instance(signals={}), FIRST).msg == (
        'the instance is Suspended at step RequireApproval1 but does not list ApprovalStatus')


# --- after a success answer: still owed? ------------------------------------------------------------------------

@pytest.mark.parametrize('read, owed', [
    (instance(), True),                                            # accepted, yet still pending and not received
    (instance(signals={'ApprovalStatus': True}), False),           # received (by the caller, or by someone)
    (instance(status='Complete', current='EndNOOP'), False),       # the step is done
    (instance(current='RequireApproval2'), False),
    (instance(signals={}), False),                                 # no longer listed: nothing says it is owed
])
def test_still_owed(read, owed):
    assert still_owed(read, FIRST) is owed


# --- which errors end the task ------------------------------------------------------------------------------

def http_error(cls, status):
    return cls('GET /x failed', status=status, method='GET', path='/x')


@pytest.mark.parametrize('error, stops', [
    (http_error(KeyfactorAuthError, 401), True),          # credentials rejected: an expired token, a wrong password
    (KeyfactorConfigError('No Keyfactor Command API answers at https://kf/KeyfactorApiV2'), True),
    (http_error(KeyfactorNotAPIError, 200), True),        # a login page or a proxy answered
    (KeyfactorTransportError('x', reason='dns'), True),
    (KeyfactorTransportError('x', reason='tls_verify'), True),
    (KeyfactorTransportError('x', reason='refused'), True),
    (KeyfactorTransportError('x', reason='timeout'), False),  # may be this instance's request only
    (KeyfactorTransportError('x', reason='reset'), False),
    (http_error(KeyfactorAuthError, 403), False),         # roles differ per step
    (http_error(KeyfactorNotFoundError, 404), False),
    (http_error(KeyfactorAPIError, 500), False),
    (KeyfactorUnknownOutcomeError('x'), False),
    (KeyfactorAnswerError('x'), False),                   # one instance's answer
    (KeyfactorError('Workflow instance x was not found.'), False),
])
def test_stops_the_task(error, stops):
    assert stops_the_task(error) is stops


# --- what the task reports --------------------------------------------------------------------------------

def test_sent_msg_real_and_predicted():
    before, after = instance(), instance(status='Suspended', current='RequireApproval2')
    assert sent_msg(FIRST, before, after) == (
        'Sent RequireApproval1.ApprovalStatus to workflow instance %s, which was Suspended at step RequireApproval1 waiting '
        'for it; it is now Suspended at step RequireApproval2.' % INSTANCE_ID)
    assert sent_msg(FIRST, before, None) == (
        'Would send RequireApproval1.ApprovalStatus to workflow instance %s, which is Suspended at step RequireApproval1 '
        'waiting for it (check mode).' % INSTANCE_ID)


def side(status, step, received):
    return {'status': status, 'current_step_unique_name': step, 'signal_received': received}


@pytest.mark.parametrize('outcome, before, after, expected_before, expected_after', [
    (SIGNALED, instance(), instance(status='Complete', current='EndNOOP'),
     side('Suspended', 'RequireApproval1', False), side('Complete', 'EndNOOP', True)),
    (SIGNALED, instance(), instance(),
     side('Suspended', 'RequireApproval1', False), side('Suspended', 'RequireApproval1', True)),
    (ALREADY_SIGNALED, instance(signals={'ApprovalStatus': True}), instance(signals={'ApprovalStatus': True}),
     side('Suspended', 'RequireApproval1', True), side('Suspended', 'RequireApproval1', True)),
    (INSTANCE_FINISHED, instance(status='Complete', current='EndNOOP'), instance(status='Complete', current='EndNOOP'),
     side('Complete', 'EndNOOP', None), side('Complete', 'EndNOOP', None)),
    (STEP_PASSED, instance(current='RequireApproval2'), instance(current='RequireApproval2'),
     side('Suspended', 'RequireApproval2', None), side('Suspended', 'RequireApproval2', None)),
])
def test_signal_diff(outcome, before, after, expected_before, expected_after):
    diff = signal_diff(outcome, before, after)
    assert diff == {'before_header': 'workflow instance %s' % INSTANCE_ID, 'after_header': 'workflow instance %s' % INSTANCE_ID,
                    'before': expected_before, 'after': expected_after}
