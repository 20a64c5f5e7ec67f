# -*- coding: utf-8 -*-
# Copyright (c) keyfactor.command contributors
# BSD 2-Clause License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause
"""The workflow_instance task: reads, Stop / Restart / DELETE, reconciliation, waiting, finding restarts, results.

The decisions are the pure functions of _lifecycle_decision.py; this file performs the requests they
ask for. Each instance is handled on its own (concurrently with instance_ids), so a failure stays with
its instance; an error every instance would meet travels back as a value, and no further instance is started.

FOR INTERNAL COLLECTION USE ONLY. Supported Pythons: 3.9 and later.
"""

import time
from collections import namedtuple

from ._batch import (
    BatchRunner, Handled, concurrency_option, handle_all, instance_ids_option, not_tried_msg, poll, single_result,
    waiting_option,
)
from ._batch_report import diff_header, summarize
from ._errors import KeyfactorConfigError, KeyfactorError, KeyfactorHTTPError, KeyfactorUnknownOutcomeError
from ._instances import normalize_instance
from ._lifecycle_decision import (
    ABSENT, APPLIED, FAIL, NO_CHANGE, NOT_APPLIED, NOT_READY, OPERATIONS, OUTCOMES, RESTARTED, STOPPED, Rules,
    decide, done_msg, lifecycle_diff, pick_restarted, predicted_after, reconcile, restart_search,
)
from ._query import clause, format_timestamp
from ._signal_decision import stops_the_task
from ._signal_runner import DefinitionCache

LifecycleOptions = namedtuple('LifecycleOptions', 'state instance_ids single rules version waiting concurrency')

# Options that mean something in one state only: (option, its state, its unset value).
STATE_OPTIONS = (('definition_version', RESTARTED, None), ('restart_suspended', RESTARTED, False),
                 ('force', ABSENT, False), ('wait', STOPPED, False))
VERBS = {STOPPED: 'stop', RESTARTED: 'restart', ABSENT: 'delete'}
# How many listed instances are compared when looking for the one a Restart started.
RESTART_CANDIDATES = 20


def parse_options(params):
    """The task's own options, validated before any request; KeyfactorConfigError says what is wrong."""
    state = params['state']
    for option, applies_to, unset in STATE_OPTIONS:
        if params[option] != unset and state != applies_to:
            raise KeyfactorConfigError('%s applies only to state: %s, not to state: %s.' % (option, applies_to, state))
    version = params['definition_version']
    if version is not None and version < 1:
        raise KeyfactorConfigError('definition_version must be 1 or more, got %r.' % (version,))
    instance_ids, single = instance_ids_option(params)
    return LifecycleOptions(state, instance_ids, single, Rules(params['restart_suspended'], params['force']), version,
                            waiting_option(params), concurrency_option(params['concurrency']))


class LifecycleRunner(BatchRunner):
    """Brings each instance to the task's state; holds what all instances of a run share."""

    def __init__(self, *args):
        super().__init__(*args)
        self.definitions = DefinitionCache(self.api)

    def handle(self, instance_id):
        """Handled(result, stop) for one instance: its failures are part of the result; stop ends the task."""
        return _InstanceRun(self, instance_id).run()

    def not_tried(self, instance_id, stop):
        return self.entry(instance_id, None, not_tried_msg(stop), None, failed=True)

    def entry(self, instance_id, outcome, msg, instance, changed=False, failed=False):
        entry = {'instance_id': instance_id, 'outcome': outcome, 'changed': changed, 'failed': failed, 'msg': msg,
                 'instance': instance}
        if self.options.state == RESTARTED:
            entry['new_instance_id'] = None
        return entry

    def find_restarted(self, instance_id, old):
        """The id of the instance a Restart of `old` (as read after it) started, or None with a warning."""
        search = None if old is None else restart_search(old)
        if old is None:
            new_id, why = None, 'the old instance was deleted right after the restart'
        elif search is None:
            new_id, why = None, 'the old instance has no title, definition or start date to look for'
        else:
            definition_id, title, started = search
            query = ' AND '.join((clause('DefinitionId', '-eq', definition_id), clause('Title', '-eq', title),
                                  clause('StartDate', '-gt', format_timestamp(started))))
            pager = self.api.list_instances(query=query, sort_field='StartDate', page_size=RESTART_CANDIDATES,
                                            limit=RESTART_CANDIDATES)
            new_id, why = pick_restarted(old, [normalize_instance(item, self.status_table) for item in pager])
        if new_id is None:
            self.warn('Workflow instance %s was restarted, but the instance the restart started cannot be told for '
                      'certain: %s; new_instance_id is null.' % (instance_id, why))
        return new_id


class _InstanceRun:
    """One instance's way through read, decide, (wait,) operate, reconcile and re-read."""

    def __init__(self, runner, instance_id):
        self.runner = runner
        self.state = runner.options.state
        self.operation = OPERATIONS[self.state]
        self.instance_id = instance_id
        self.instance = None  # the latest read, reported with failures too (None: not found, or not read)
        self.before = None  # the read the decision to operate was made on
        self.sent = None  # an operation that may have taken effect: 'delivered' (2xx) or 'unknown'
        self.outcome_was_unknown = False

    def run(self):
        try:
            return Handled(self._run(), None)
        except KeyfactorError as error:
            return Handled(self._failure(error), error if stops_the_task(error) else None)

    def _run(self):
        decision = self._await_decision()
        self.before = self.instance
        if decision.action == NO_CHANGE:
            return self._unchanged(decision.outcome, decision.msg)
        self._check_version()
        if self.runner.check_mode:
            return self._result(decision.outcome, done_msg(self.state, self.before, None, True),
                                predicted_after(self.state, self.before), changed=True)
        return self._operate()

    def _failure(self, error):
        """The failed result; changed when an operation was sent that may have taken effect."""
        if self.sent == 'delivered':
            msg = '%s was sent to workflow instance %s (it was %s), but re-reading it failed: %s' % (
                self.operation, self.instance_id, self.before['status'], error.message)
            return self.runner.entry(self.instance_id, OUTCOMES[self.state][0], msg, self.instance, True, True)
        if self.sent == 'unknown':
            msg = '%s was sent to workflow instance %s, but whether it took effect is unknown: %s' % (
                self.operation, self.instance_id, error.message)
            return self.runner.entry(self.instance_id, None, msg, self.instance, True, True)
        return self.runner.entry(self.instance_id, None, error.message, self.instance, failed=True)

    # --- reads and decisions ----------------------------------------------------------------------

    def _read(self):
        raw = self.runner.api.get_instance(self.instance_id)
        self.instance = None if raw is None else normalize_instance(
            raw, self.runner.status_table, requested_id=self.instance_id)
        return self.instance

    def _decide(self):
        return decide(self.state, self.instance_id, self._read(), self.runner.options.rules)

    def _await_decision(self):
        """Read and decide; a Running instance to stop is polled with wait, else it fails."""
        options = self.runner.options
        decision = poll(
            self._decide, options.waiting, lambda decision: decision.msg if decision.action == NOT_READY else None,
            lambda msg: msg[:-1] + '; set wait: true to wait until it is Suspended or finished.',
            lambda msg: 'Workflow instance %s did not become Suspended or finish within wait_timeout (%g s): %s' % (
                self.instance_id, options.waiting.timeout, msg))
        if decision.action == FAIL:
            raise KeyfactorError(decision.msg)
        return decision

    def _check_version(self):
        """A Restart at definition_version needs that version: check it first, so that check mode predicts a refusal."""
        version = self.runner.options.version
        if self.state != RESTARTED or version is None:
            return
        definition = self.before['definition']
        if definition['id'] and self.runner.definitions.get(definition['id'], version) is None:
            raise KeyfactorError(
                "Workflow instance %s cannot be restarted at definition_version %d: its definition '%s' (%s) has no "
                "version %d." % (self.instance_id, version, definition['display_name'], definition['id'], version))

    # --- the operation ----------------------------------------------------------------------------

    def _send(self):
        api = self.runner.api
        if self.state == STOPPED:
            api.stop_instance(self.instance_id)
        elif self.state == RESTARTED:
            api.restart_instance(self.instance_id, self.runner.options.version)
        else:
            api.delete_instance(self.instance_id)

    def _operate(self):
        """Send the operation; after an unknown outcome re-read, and send Stop or DELETE again only when it did not
        take effect. A Restart is never sent twice in a run: a second one would start a second new instance."""
        resends = 0
        while True:
            try:
                self._send()
            except KeyfactorUnknownOutcomeError as error:
                self.sent, self.outcome_was_unknown = 'unknown', True
                decision = self._reconcile_after(error, resends)
                if decision.action == APPLIED:
                    return self._done(self.instance, ' (its answer was lost; a re-read showed %s)' % decision.msg)
                if decision.action == NOT_APPLIED:
                    self.sent = None  # the re-read shows it did not take effect
                if decision.action != NOT_APPLIED or not self._may_resend(resends):
                    raise KeyfactorError(self._unconfirmed_msg(decision, resends, error))
                resends += 1
                continue
            except KeyfactorHTTPError as error:
                if error.status not in (400, 404):
                    raise
                return self._refused(error)
            self.sent = 'delivered'
            return self._done(None if self.state == ABSENT else self._read())

    def _may_resend(self, resends):
        return self.state != RESTARTED and resends < self.runner.resends

    def _reconcile_after(self, error, resends):
        """After an unknown outcome: wait as the server asked (429, 503), re-read, and decide whether it took effect."""
        if error.retry_after:
            time.sleep(error.retry_after)
        decision = reconcile(self.state, self._read())
        resend = decision.action == NOT_APPLIED and self._may_resend(resends)
        self.runner.warn('Workflow instance %s: the outcome of %s was unknown (%s); a re-read shows %s%s.' % (
            self.instance_id, self.operation, error.message, decision.msg,
            ', so it is sent again (re-send %d of at most %d)' % (resends + 1, self.runner.resends) if resend else ''))
        return decision

    def _unconfirmed_msg(self, decision, resends, error):
        if decision.action == NOT_APPLIED and self.state == RESTARTED:
            return ('The answer to Restart of workflow instance %s was lost, and a re-read shows %s, so it was not '
                    'restarted; a Restart is not sent twice in one run (a second could start a second new instance). '
                    'Run the task again. Last error: %s' % (self.instance_id, decision.msg, error.message))
        if decision.action == NOT_APPLIED:
            return ('%s of workflow instance %s had an unknown outcome %d time(s), and each re-read showed %s; gave up '
                    'after %d re-send(s) (retries). Last error: %s' % (
                        self.operation, self.instance_id, resends + 1, decision.msg, resends, error.message))
        return 'The outcome of %s of workflow instance %s could not be confirmed: %s. Last error: %s' % (
            self.operation, self.instance_id, decision.msg, error.message)

    def _refused(self, error):
        """A 400 or 404 answer: a re-read says what it means.

        After an earlier attempt whose outcome was unknown, an operation that took effect was that attempt
        (changed). Otherwise, when there is nothing left to do (a concurrent run did it), that no-change
        outcome; anything else is the API's error.
        """
        refusal = (error.error_message or 'HTTP %d' % error.status).rstrip('.')
        self._read()
        if self.outcome_was_unknown:
            decision = reconcile(self.state, self.instance)
            if decision.action != APPLIED:
                raise error
            note = ' (an earlier attempt\'s answer was lost, the API refused the re-send: %s; a re-read showed %s)' % (
                refusal, decision.msg)
            return self._done(self.instance, note)
        decision = decide(self.state, self.instance_id, self.instance, self.runner.options.rules)
        if decision.action != NO_CHANGE:
            raise error
        return self._unchanged(decision.outcome, '%s (the API refused the %s: %s).' % (
            decision.msg[:-1], self.operation, refusal))

    def _done(self, after, note=''):
        """The result of an operation that took effect; after: the instance re-read (None once deleted)."""
        new_id = self.runner.find_restarted(self.instance_id, after) if self.state == RESTARTED else None
        msg = done_msg(self.state, self.before, after, False)
        if new_id:
            msg = '%s, and the restart started workflow instance %s.' % (msg[:-1], new_id)
        msg = msg[:-1] + note + '.' if note else msg
        if self.state == ABSENT:
            self.instance = self.before  # reported as it was, so that its reference id and title remain
        return self._result(OUTCOMES[self.state][0], msg, after, changed=True, new_instance_id=new_id)

    def _unchanged(self, outcome, msg):
        new_id = None
        if outcome == OUTCOMES[RESTARTED][1]:  # already_restarted: find what the restart started, as after one
            new_id = self.runner.find_restarted(self.instance_id, self.instance)
            if new_id:
                msg = '%s; the restart started workflow instance %s.' % (msg[:-1], new_id)
        return self._result(outcome, msg, self.instance, new_instance_id=new_id)

    def _result(self, outcome, msg, after, changed=False, new_instance_id=None):
        """One instance's result; in diff mode with the diff of `before` (as decided on) and `after`."""
        entry = self.runner.entry(self.instance_id, outcome, msg, self.instance, changed)
        if self.state == RESTARTED:
            entry['new_instance_id'] = new_instance_id
        if self.runner.diff:
            before = self.before if changed else self.instance  # nothing changed: the latest read on both sides
            entry['diff'] = lifecycle_diff(diff_header(before or {'id': self.instance_id}), before, after)
        return entry


def _with_new_instance_ids(summary, results):
    """The compact results with each restart's new_instance_id (the compact keys are those of every module)."""
    for compacted, result in zip(summary['results'], results):
        compacted['new_instance_id'] = result['new_instance_id']
    return summary


def run_lifecycle_task(module):
    """workflow_instance's run function for KeyfactorModule.run."""
    options = parse_options(module.params)
    api = module.workflow_api(max_connections=options.concurrency)
    runner = LifecycleRunner(api, options, module.status_table, module.check_mode, module._diff,
                             module.params['retries'], module.warn)
    if options.single:
        return single_result(runner.handle(options.instance_ids[0]))
    results, stop, untried = handle_all(runner.handle, options.instance_ids, options.concurrency, runner.not_tried)
    summary = summarize(results, OUTCOMES[options.state], OPERATIONS[options.state], VERBS[options.state],
                        module.check_mode, not_tried=untried, stopped_by=stop and stop.message)
    if options.state == RESTARTED:
        summary = _with_new_instance_ids(summary, results)
    return summary if stop is None else dict(summary, **stop.details)
