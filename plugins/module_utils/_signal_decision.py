# -*- coding: utf-8 -*-
# Copyright (c) keyfactor.command contributors
# BSD 2-Clause License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause
"""What workflow_signal does with one instance: pure decisions from what was read.

`decide` and `reconcile` never perform a request. When they need more than the instance to
decide, they answer READ_ASSIGNED (is the instance in the caller's AssignedToMe list?) or
READ_DEFINITION (the instance's definition at its version), and the caller asks again with
that read added. So the common path costs no extra reads, and every branch is testable
without HTTP.

FOR INTERNAL COLLECTION USE ONLY. Supported Pythons: 3.9 and later.
"""

from collections import deque, namedtuple

from ._batch_report import diff_header
from ._errors import KeyfactorAuthError, KeyfactorConfigError, KeyfactorNotAPIError, KeyfactorTransportError
from ._instances import FINISHED_STATUSES, parse_signal_key
from ._retry import NEVER_SENT_KINDS

# What to do next.
SEND = 'send'
NO_CHANGE = 'no_change'
DELIVERED = 'delivered'
NOT_PENDING = 'not_pending'
FAIL = 'fail'
READ_ASSIGNED = 'read_assigned'
READ_DEFINITION = 'read_definition'

# The outcomes a task reports.
SIGNALED = 'signaled'
ALREADY_SIGNALED = 'already_signaled'
STEP_PASSED = 'step_passed'
INSTANCE_FINISHED = 'instance_finished'
OUTCOMES = (SIGNALED, ALREADY_SIGNALED, STEP_PASSED, INSTANCE_FINISHED)

# Marks a read that has not happened, as opposed to one that found nothing (None).
NOT_READ = object()

SignalTarget = namedtuple('SignalTarget', 'key step name')
Decision = namedtuple('Decision', 'action outcome msg')

# Where the caller's signal stands at the instance's current step.
_OWED = 'owed'
_RECEIVED = 'received'
_NOT_AT_STEP = 'not_at_step'


def signal_target(key):
    """The SignalTarget of a signal_key, or KeyfactorConfigError when it is malformed.

    A signal name alone gives a target whose step is None: its full key depends on each instance's definition.
    """
    step, name = parse_signal_key(key)
    return SignalTarget(name if step is None else '%s.%s' % (step, name), step, name)


def where(instance):
    """'Suspended at step RequireApproval1': how messages say where an instance stands."""
    return '%s at step %s' % (instance['status'], instance['current_step_unique_name'])


# --- the definition's steps ---------------------------------------------------------------------

def steps_by_name(definition):
    """The definition's steps by UniqueName, in the order the API listed them (not execution order)."""
    return {step.get('UniqueName'): step for step in definition.get('Steps') or []}


def _successors(step):
    return [name for name in (step.get('Outputs') or {}).values() if name]


def execution_order(steps):
    """Step names in execution order: from the step no Outputs point at, following Outputs breadth first.

    Steps no start leads to (only possible in a malformed definition) come last, in listed order.
    """
    referenced = {name for step in steps.values() for name in _successors(step)}
    queue = deque(name for name in steps if name not in referenced)
    order = []
    while queue:
        name = queue.popleft()
        if name in steps and name not in order:
            order.append(name)
            queue.extend(_successors(steps[name]))
    return order + [name for name in steps if name not in order]


def reachable_from(steps, start):
    """Names of the steps that can follow `start` along Outputs (`start` itself only through a loop)."""
    found = set()
    queue = deque(_successors(steps.get(start) or {}))
    while queue:
        name = queue.popleft()
        if name not in found:
            found.add(name)
            queue.extend(_successors(steps.get(name) or {}))
    return found


def _accepts_signals(step):
    return step.get('Enabled', True) is not False


def accepted_keys(steps):
    """Every signal key the definition accepts, in execution order; disabled steps never wait for signals."""
    return ['%s.%s' % (name, signal.get('SignalName'))
            for name in execution_order(steps) if _accepts_signals(steps[name])
            for signal in steps[name].get('Signals') or []]


def _definition_label(instance):
    definition = instance['definition']
    return "definition '%s' (%s) version %s" % (definition['display_name'], definition['id'], definition['version'])


def signal_key_problem(instance, steps, target):
    """Why the definition cannot take target.key, or None when it can."""
    step = steps.get(target.step)
    if step is None:
        problem = "has no step '%s'" % target.step
    elif not _accepts_signals(step):
        problem = "has step '%s' disabled, so it never waits for signals" % target.step
    elif target.name not in [signal.get('SignalName') for signal in step.get('Signals') or []]:
        problem = "has no signal '%s' on step '%s'" % (target.name, target.step)
    else:
        return None
    keys = accepted_keys(steps)
    return 'signal_key %s does not fit workflow instance %s: its %s %s; the signal keys it accepts are: %s.' % (
        target.key, instance['id'], _definition_label(instance), problem, ', '.join(keys) if keys else 'none')


# --- the caller's signal at the current step ----------------------------------------------------

def pending_signal(instance, target):
    """The instance's entry for the target signal while it is Suspended at the target step, else None."""
    if instance['status'] != 'Suspended' or instance['current_step_unique_name'] != target.step:
        return None
    return next((signal for signal in instance.get('signals') or [] if signal['name'] == target.name), None)


def _caller_state(instance, target, assigned):
    """_OWED, _RECEIVED, _NOT_AT_STEP, or READ_ASSIGNED when only AssignedToMe can tell.

    SignalReceived may mean "this caller sent it" or "someone sent it" (the reference leaves it open),
    so a set flag is confirmed with AssignedToMe: an instance still listed there waits on the caller.
    """
    signal = pending_signal(instance, target)
    if signal is None:
        return _NOT_AT_STEP
    if not signal['received']:
        return _OWED
    if assigned is NOT_READ:
        return READ_ASSIGNED
    return _OWED if assigned else _RECEIVED


def decide(instance, target, assigned=NOT_READ, definition=NOT_READ):
    """What to do with one instance (normalised, as read) for the target signal.

    assigned: whether AssignedToMe lists the instance; definition: the DefinitionResponse of the
    instance's definition version, or None when the server does not know it.
    """
    state = _caller_state(instance, target, assigned)
    if state == _OWED:
        return Decision(SEND, SIGNALED, 'Workflow instance %s is %s, waiting for %s from the caller.' % (
            instance['id'], where(instance), target.key))
    if state == _RECEIVED:
        return Decision(NO_CHANGE, ALREADY_SIGNALED, (
            'Workflow instance %s already has %s from the caller: SignalReceived is set and the instance no longer '
            'waits on the caller (it is not in AssignedToMe), so there is nothing to send.'
        ) % (instance['id'], target.key))
    if state == READ_ASSIGNED:
        return Decision(READ_ASSIGNED, None, None)
    if definition is NOT_READ:
        return Decision(READ_DEFINITION, None, None)
    if definition is None:
        return Decision(FAIL, None, definition_not_found(instance, target.key, 'checked'))
    return _decide_off_step(instance, target, steps_by_name(definition))


def definition_not_found(instance, key, use):
    """The message of an instance whose definition version the server does not know."""
    return 'The %s of workflow instance %s was not found, so signal_key %s cannot be %s.' % (
        _definition_label(instance), instance['id'], key, use)


def _decide_off_step(instance, target, steps):
    """The instance is not waiting for the target signal: say why, from its status and the definition's steps."""
    problem = signal_key_problem(instance, steps, target)
    if problem:
        return Decision(FAIL, None, problem)
    if instance['status'] in FINISHED_STATUSES:
        return Decision(NO_CHANGE, INSTANCE_FINISHED,
                        'Workflow instance %s has finished: it is %s, so %s can no longer be sent.' % (
                            instance['id'], where(instance), target.key))
    current = instance['current_step_unique_name']
    if current not in steps:
        return Decision(FAIL, None,
                        'Workflow instance %s is %s, a step its %s does not have, so where %s lies is unknown.' % (
                            instance['id'], where(instance), _definition_label(instance), target.step))
    if instance['status'] == 'Suspended' and current == target.step:
        listed = [signal['name'] for signal in instance.get('signals') or []]
        return Decision(FAIL, None, (
            'Workflow instance %s is %s, but does not offer signal %s to the caller (the signals it lists: %s): the '
            'caller may not be one of the step\'s approvers. Check that the user or OAuth client holds one of the '
            'roles the definition allows to send %s.') % (
                instance['id'], where(instance), target.name, ', '.join(map(str, listed)) or 'none', target.key))
    if target.step != current and target.step not in reachable_from(steps, current):
        return Decision(NO_CHANGE, STEP_PASSED,
                        'Workflow instance %s is %s, past step %s, so %s is no longer pending.' % (
                            instance['id'], where(instance), target.step, target.key))
    order = execution_order(steps)
    return Decision(NOT_PENDING, None,
                    'Workflow instance %s is %s (step %d of %d); %s (step %d) is not pending yet.' % (
                        instance['id'], where(instance), order.index(current) + 1, len(order), target.key,
                        order.index(target.step) + 1))


def reconcile(instance, target, assigned=NOT_READ):
    """After a signal whose outcome is unknown, decide from a re-read whether it was delivered.

    DELIVERED when the caller's signal shows as received and not owed, or the instance no longer
    waits at the step (finished, moved on, or running it); SEND when the caller still owes it (not delivered);
    FAIL when the instance sits at the step without listing the signal, which proves nothing.
    """
    state = _caller_state(instance, target, assigned)
    if state == READ_ASSIGNED:
        return Decision(READ_ASSIGNED, None, None)
    if state == _OWED:
        return Decision(SEND, None, 'the signal was not received and is still pending')
    if state == _RECEIVED:
        return Decision(DELIVERED, SIGNALED, 'the signal shows as received from the caller')
    if instance['status'] == 'Suspended' and instance['current_step_unique_name'] == target.step:
        return Decision(FAIL, None, 'the instance is %s but does not list %s' % (where(instance), target.name))
    return Decision(DELIVERED, SIGNALED, 'the instance no longer waits at step %s' % target.step)


def still_owed(instance, target):
    """After a signal the server accepted (2xx): whether the re-read still lists it pending and not received.

    Keyfactor may apply only one of two signals that arrive together and accept the other all the same.
    """
    signal = pending_signal(instance, target)
    return signal is not None and not signal['received']


def stops_the_task(error):
    """Whether an error would meet every instance of the task, so no further instance should be started.

    Rejected credentials (401: an expired token, a wrong password), no Keyfactor API at url and api_path,
    something other than the API answering, and a server that cannot be reached at all.
    """
    if isinstance(error, KeyfactorAuthError):
        return error.status == 401
    if isinstance(error, KeyfactorTransportError):
        return error.details.get('reason') in NEVER_SENT_KINDS
    return isinstance(error, (KeyfactorConfigError, KeyfactorNotAPIError))


# --- what the task reports ------------------------------------------------------------------------

def sent_msg(target, before, after):
    """The message of a signal sent (after: the instance re-read) or, in check mode (after None), predicted."""
    if after is None:
        return 'Would send %s to workflow instance %s, which is %s waiting for it (check mode).' % (
            target.key, before['id'], where(before))
    return 'Sent %s to workflow instance %s, which was %s waiting for it; it is now %s.' % (
        target.key, before['id'], where(before), where(after))


def _diff_side(instance, signal_received):
    return {
        'status': instance['status'],
        'current_step_unique_name': instance['current_step_unique_name'],
        'signal_received': signal_received,
    }


def signal_diff(outcome, before, after):
    """before/after of status, current step and whether the caller's signal is in, headed by the instance's name.

    signal_received is None when the signal is not pending at the instance's current step
    (finished instance, passed step). `after` is the instance as re-read after a send, or the
    instance as read when nothing was sent; in check mode the caller passes `before`, predicting
    an unchanged status and step (whether the step advances depends on other approvers).
    """
    received = {SIGNALED: False, ALREADY_SIGNALED: True}.get(outcome)
    header = diff_header(before)
    return {
        'before_header': header,
        'after_header': header,
        'before': _diff_side(before, received),
        'after': _diff_side(after, True if outcome == SIGNALED else received),
    }
