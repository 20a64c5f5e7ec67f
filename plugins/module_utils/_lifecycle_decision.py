# -*- coding: utf-8 -*-
# Copyright (c) keyfactor.command contributors
# BSD 2-Clause License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause
"""What workflow_instance does with one instance: pure decisions from what was read.

`decide` says whether to Stop, Restart or DELETE an instance (or why not), `reconcile` whether an
operation whose answer was lost took effect, and `pick_restarted` which listed instance a Restart
started. None of them performs a request; an instance the server does not know is passed as None.

FOR INTERNAL COLLECTION USE ONLY. Supported Pythons: 3.9 and later.
"""

import datetime
from collections import namedtuple

from ._errors import KeyfactorConfigError
from ._instances import FINISHED_STATUSES
from ._query import parse_timestamp

# The states the module makes true.
STOPPED = 'stopped'
RESTARTED = 'restarted'
ABSENT = 'absent'

# What to do next.
SEND = 'send'
NO_CHANGE = 'no_change'
NOT_READY = 'not_ready'  # a Running instance to stop: wait, or fail
FAIL = 'fail'
APPLIED = 'applied'  # reconcile: the operation took effect
NOT_APPLIED = 'not_applied'  # reconcile: a re-read proves it did not

# The outcomes a task reports, per state; the first of each is the one that changes something.
DELETED = 'deleted'
ALREADY_FINISHED = 'already_finished'
ALREADY_RESTARTED = 'already_restarted'
NOT_RESTARTABLE = 'not_restartable'
ALREADY_ABSENT = 'already_absent'
OUTCOMES = {
    STOPPED: (STOPPED, ALREADY_FINISHED),
    RESTARTED: (RESTARTED, ALREADY_RESTARTED, NOT_RESTARTABLE),
    ABSENT: (DELETED, ALREADY_ABSENT),
}
# The operation each state sends, as messages name it.
OPERATIONS = {STOPPED: 'Stop', RESTARTED: 'Restart', ABSENT: 'DELETE'}
# The status the reference gives an instance after each operation (None: gone); check mode predicts it.
STATUS_AFTER = {STOPPED: 'Rejected', RESTARTED: 'CanceledForRestart', ABSENT: None}

# How far from the old instance's last change (its cancellation) the restarted instance may have started.
RESTART_WINDOW = datetime.timedelta(seconds=120)

Decision = namedtuple('Decision', 'action outcome msg')
# restart_suspended: also restart Suspended instances; force: delete Suspended and Running ones too.
Rules = namedtuple('Rules', 'restart_suspended force')


def where(instance):
    """'Failed at step Enroll': the status, and the step when the server names one."""
    step = instance.get('current_step_unique_name')
    return '%s at step %s' % (instance['status'], step) if step else instance['status']


def _label(instance_id):
    return 'Workflow instance %s' % instance_id


def decide(state, instance_id, instance, rules):
    """What to do with one instance (normalised as read, None when the server does not know it)."""
    if instance is None:
        if state == ABSENT:
            return Decision(NO_CHANGE, ALREADY_ABSENT, '%s does not exist (it was deleted, or never existed), so there '
                                                       'is nothing to delete.' % _label(instance_id))
        return Decision(FAIL, None, '%s was not found.' % _label(instance_id))
    return {STOPPED: _decide_stop, RESTARTED: _decide_restart, ABSENT: _decide_delete}[state](instance, rules)


def _decide_stop(instance, rules):
    del rules  # stopping has no options
    label, status = _label(instance['id']), instance['status']
    if status == 'Suspended':
        return Decision(SEND, STOPPED, '%s is %s.' % (label, where(instance)))
    if status in FINISHED_STATUSES:
        return Decision(NO_CHANGE, ALREADY_FINISHED, '%s has finished: it is %s, so there is nothing to stop.' % (
            label, where(instance)))
    if status == 'Running':
        return Decision(NOT_READY, None, '%s is %s: it cannot be stopped while running (only Suspended instances can '
                                         'be stopped).' % (label, where(instance)))
    return Decision(FAIL, None, '%s is %s: only Suspended instances can be stopped, and %s is not a finished status '
                                'either.' % (label, where(instance), status))


def _decide_restart(instance, rules):
    label, status = _label(instance['id']), instance['status']
    if status == 'Failed' or (status == 'Suspended' and rules.restart_suspended):
        return Decision(SEND, RESTARTED, '%s is %s.' % (label, where(instance)))
    if status == 'CanceledForRestart':
        return Decision(NO_CHANGE, ALREADY_RESTARTED, '%s was already restarted: it is CanceledForRestart.' % label)
    if status == 'Suspended':
        return Decision(NO_CHANGE, NOT_RESTARTABLE, '%s is %s, so it is not restarted: set restart_suspended: true to '
                                                    'restart Suspended instances too.' % (label, where(instance)))
    return Decision(NO_CHANGE, NOT_RESTARTABLE, '%s is %s, so it is not restarted: only Failed instances (and, with '
                                                'restart_suspended: true, Suspended ones) can be restarted.' % (
                                                    label, where(instance)))


def _decide_delete(instance, rules):
    label, status = _label(instance['id']), instance['status']
    if status in ('Suspended', 'Running') and not rules.force:
        what = 'a request someone is waiting on' if status == 'Suspended' else 'a workflow that is still running'
        return Decision(FAIL, None, '%s is %s: deleting it removes %s; set force: true to delete it anyway.' % (
            label, where(instance), what))
    return Decision(SEND, DELETED, '%s is %s.' % (label, where(instance)))


def reconcile(state, instance):
    """After an operation whose answer was lost (or was 429/5xx): whether the re-read shows it took effect.

    Stop took effect when the instance is no longer Suspended (the reference leaves the status after a Stop
    open), Restart when it is CanceledForRestart, DELETE when the instance is gone.
    """
    if state == ABSENT:
        applied = instance is None
    elif instance is None:
        return Decision(FAIL, None, 'the instance no longer exists')
    elif state == STOPPED:
        applied = instance['status'] != 'Suspended'
    else:
        applied = instance['status'] == 'CanceledForRestart'
    if applied:
        shows = 'it is gone' if instance is None else 'it is now %s' % where(instance)
        return Decision(APPLIED, OUTCOMES[state][0], shows)
    return Decision(NOT_APPLIED, None, 'it is still %s' % where(instance))


def done_msg(state, before, after, check_mode):
    """The message of an operation performed (after: the instance re-read, None once deleted) or, in check mode,
    predicted."""
    label = 'workflow instance %s' % before['id']
    verb = {STOPPED: 'stop', RESTARTED: 'restart', ABSENT: 'delete'}[state]
    if check_mode:
        return 'Would %s %s, which is %s (check mode).' % (verb, label, where(before))
    done = '%sed %s, which was %s' % ({STOPPED: 'Stopp', RESTARTED: 'Restart', ABSENT: 'Delet'}[state], label,
                                      where(before))
    return '%s.' % done if after is None else '%s; it is now %s.' % (done, where(after))


# --- the instance a Restart started ----------------------------------------------------------------

def restart_search(old):
    """(definition id, title, earliest start) to list the instances a Restart of `old` may have started.

    None when the old instance has no title or definition to look for.
    """
    definition_id = (old.get('definition') or {}).get('id')
    if not old.get('title') or not definition_id or not old.get('start_date'):
        return None
    return definition_id, old['title'], _moment(old['start_date'])


def _moment(text):
    try:
        return parse_timestamp(text, 'StartDate')
    except KeyfactorConfigError:  # a timestamp in a form this module does not read: no match is certain
        return None


def pick_restarted(old, candidates):
    """(new instance id or None, why None) among `candidates`: instances listed with the old one's definition and title.

    The instance a Restart started is the one that started within RESTART_WINDOW of the old instance's last change
    (its cancellation), after the old one started; it is certain only when exactly one instance fits.
    """
    start = _moment(old.get('start_date') or '')
    cancelled = _moment(old.get('last_modified') or '')
    fits = []
    for candidate in candidates:
        started = _moment(candidate.get('start_date') or '')
        if candidate['id'] == old['id'] or started is None or start is None or started <= start:
            continue
        if cancelled is None or abs(started - cancelled) <= RESTART_WINDOW:
            fits.append(candidate['id'])
    if len(fits) == 1:
        return fits[0], None
    if not fits:
        return None, 'no instance of the same definition and title started when it was restarted'
    return None, '%d instances of the same definition and title started when it was restarted (%s)' % (
        len(fits), ', '.join(fits))


# --- diff ------------------------------------------------------------------------------------------

def _side(instance):
    if instance is None:
        return {'present': False, 'status': None}
    return {'present': True, 'status': instance['status']}


def lifecycle_diff(header, before, after):
    """before/after of whether the instance exists and its status, under a header naming the instance."""
    return {'before_header': header, 'after_header': header, 'before': _side(before), 'after': _side(after)}


def predicted_after(state, before):
    """The instance as check mode predicts it after the operation (None: deleted)."""
    if state == ABSENT:
        return None
    return dict(before, status=STATUS_AFTER[state])
