# -*- coding: utf-8 -*-
# Copyright (c) keyfactor.command contributors
# BSD 2-Clause License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause
"""The workflow_signal task: the reads each decision needs, the send, reconciliation, waiting, results.

The decisions themselves are the pure functions of _signal_decision.py; this file performs the
requests they ask for. Each instance is handled on its own (concurrently with instance_ids), so a
failure stays with its instance; an error every instance would meet (stops_the_task) travels back
as a value, and no further instance is started.

FOR INTERNAL COLLECTION USE ONLY. Supported Pythons: 3.9 and later.
"""

import threading
import time
from collections import namedtuple

from ._batch import (
    BatchRunner, Handled, concurrency_option, handle_all, instance_ids_option, not_tried_msg, single_result,
    waiting_option,
)
from ._batch_report import summarize
from ._definitions import resolve_signal_name
from ._errors import KeyfactorError, KeyfactorHTTPError, KeyfactorUnknownOutcomeError
from ._instances import SIGNAL_FIELDS, definition_steps, normalize_instance
from ._signal_decision import (
    DELIVERED, FAIL, NO_CHANGE, NOT_PENDING, OUTCOMES, READ_ASSIGNED, READ_DEFINITION, SEND, SIGNALED, decide,
    definition_not_found, reconcile, sent_msg, signal_diff, signal_target, still_owed, stops_the_task, where,
)

SignalOptions = namedtuple(
    'SignalOptions', 'instance_ids single target data wait wait_timeout wait_interval concurrency details')


def parse_options(params):
    """The task's own options, validated before any request; KeyfactorConfigError says what is wrong."""
    target = signal_target(params['signal_key'])
    instance_ids, single = instance_ids_option(params)
    concurrency = concurrency_option(params['concurrency'])
    waiting = waiting_option(params)
    return SignalOptions(instance_ids, single, target, params['data'], waiting.wait, waiting.timeout, waiting.interval,
                         concurrency, params['details'])


class DefinitionCache:
    """Definitions by (id, version), read once per run even when several threads need one at the same moment."""

    def __init__(self, api):
        self._api = api
        self._lock = threading.Lock()
        self._entries = {}

    def get(self, definition_id, version):
        key = (str(definition_id).lower(), version)
        with self._lock:
            entry = self._entries.setdefault(key, {'lock': threading.Lock()})
        with entry['lock']:
            if 'value' not in entry:
                raw = self._api.get_definition(definition_id, version)
                about = 'workflow definition %s version %s' % (definition_id, version)
                entry['value'] = None if raw is None else definition_steps(raw, about)
            return entry['value']


class SignalRunner(BatchRunner):
    """Sends one signal to each instance as the decisions say; holds what all instances of a run share."""

    def __init__(self, api, options, status_table, check_mode, diff, resends, warn, verbosity=0):
        super().__init__(api, options, status_table, check_mode, diff, resends, warn)
        self.verbosity = verbosity  # from -vvv on, errors add their verbose part (URLs, attempts, exceptions)
        self.definitions = DefinitionCache(api)

    def signal(self, target):
        """The signal as results report it: the full key once a signal name alone is resolved."""
        return {'key': target.key, 'step': target.step, 'name': target.name, 'data': self.options.data}

    def signal_one(self, instance_id):
        """Handled(result, stop) for one instance: its failures are part of the result; stop ends the task."""
        return _InstanceRun(self, instance_id).run()

    def not_tried(self, instance_id, stop):
        """The result of an instance not started because the task stopped."""
        return {'instance_id': instance_id, 'changed': False, 'failed': True, 'outcome': None,
                'msg': not_tried_msg(stop), 'instance': None, 'signal': self.signal(self.options.target)}


class _InstanceRun:
    """One instance's way through read, decide, (wait,) send, reconcile and re-read."""

    def __init__(self, runner, instance_id):
        self.runner = runner
        self.target = runner.options.target
        self.instance_id = instance_id
        self.instance = None  # the latest read, reported with failures too
        self.before = None  # the read the decision to send was made on
        self.sent = None  # a POST that may have been applied, no re-read disproved: 'delivered' (2xx) or 'unknown'
        self.outcome_was_unknown = False  # whether any attempt's outcome was unknown (its signal may count later)

    def run(self):
        try:
            return Handled(self._run(), None)
        except KeyfactorError as error:
            return Handled(self._failure(error), error if stops_the_task(error) else None)

    def _run(self):
        decision = self._await_decision()
        self.before = self.instance
        if decision.action == NO_CHANGE:
            return self._result(decision.outcome, decision.msg, before=self.before)
        if self.runner.check_mode:
            return self._result(SIGNALED, sent_msg(self.target, self.before, None), before=self.before, changed=True)
        return self._deliver()

    def _failure(self, error):
        """The failed result; changed when a signal was sent that may have been applied."""
        reason = error.describe(self.runner.verbosity)
        if self.sent == 'delivered':
            return self._result(
                SIGNALED, 'Sent %s to workflow instance %s (it was %s), but re-reading it failed: %s' % (
                    self.target.key, self.instance_id, where(self.before), reason), changed=True, failed=True)
        if self.sent == 'unknown':
            return self._result(None, 'Sent %s to workflow instance %s, but whether it was applied is unknown: %s' % (
                self.target.key, self.instance_id, reason), changed=True, failed=True)
        return self._result(None, reason, failed=True)

    # --- reads ------------------------------------------------------------------------------------

    def _read(self):
        raw = self.runner.api.get_instance(self.instance_id)
        if raw is None:
            raise KeyfactorError('Workflow instance %s was not found.' % self.instance_id)
        self.instance = normalize_instance(raw, self.runner.status_table, SIGNAL_FIELDS, self.instance_id)
        if self.target.step is None:
            self._resolve_signal_name()
        return self.instance

    def _resolve_signal_name(self):
        """A signal name alone becomes the full key its definition version gives it, never the current step's.

        So every run over the same instance decides on the same key, wherever the instance stands.
        """
        definition = self.instance['definition']
        steps = self.runner.definitions.get(definition['id'], definition['version'])
        if steps is None:
            raise KeyfactorError(definition_not_found(self.instance, self.target.key, 'resolved'))
        named = dict(steps, Id=definition['id'], DisplayName=definition['display_name'])
        resolution = resolve_signal_name(named, definition['version'], self.target.name)
        if resolution.problem:
            raise KeyfactorError('Workflow instance %s: %s' % (self.instance_id, resolution.problem))
        self.target = signal_target(resolution.key)

    def _resolve(self, evaluate, instance):
        """evaluate(instance, target, **reads) with the reads it asks for added, until it needs none."""
        reads = {}
        while True:
            decision = evaluate(instance, self.target, **reads)
            if decision.action == READ_ASSIGNED:
                reads['assigned'] = self.runner.api.is_assigned_to_me(self.instance_id)
            elif decision.action == READ_DEFINITION:
                definition = instance['definition']
                reads['definition'] = self.runner.definitions.get(definition['id'], definition['version'])
            else:
                return decision

    def _await_decision(self):
        """Read and decide; while the step is not pending yet, poll if wait is set, else fail."""
        options = self.runner.options
        deadline = time.monotonic() + options.wait_timeout
        while True:
            decision = self._resolve(decide, self._read())
            if decision.action == FAIL:
                raise KeyfactorError(decision.msg)
            if decision.action != NOT_PENDING:
                return decision
            if not options.wait:
                raise KeyfactorError(decision.msg[:-1] + '; set wait: true to wait until it is.')
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise KeyfactorError('%s did not become pending within wait_timeout (%g s): %s' % (
                    self.target.key, options.wait_timeout, decision.msg))
            time.sleep(min(options.wait_interval, remaining))

    # --- sending ----------------------------------------------------------------------------------

    def _deliver(self):
        """POST the signal; after an unknown outcome re-read and decide, sending again only when it was not received.

        Exactly once within a run: a second POST only after a re-read proved the first was not applied.
        """
        resends = 0
        while True:
            try:
                self.runner.api.send_signal(self.instance_id, self.target.key, self.runner.options.data)
            except KeyfactorUnknownOutcomeError as error:
                result = self._settle_unknown_outcome(error, resends)
                if result is not None:
                    return result
                resends += 1
                continue
            except KeyfactorHTTPError as error:
                if error.status != 400:
                    raise
                return self._refused(error)
            self.sent = 'delivered'
            return self._after_send()

    def _settle_unknown_outcome(self, error, resends):
        """The result when a re-read shows the signal arrived; None when it did not and may be sent again."""
        self.sent, self.outcome_was_unknown = 'unknown', True
        decision = self._reconcile_after(error, resends)
        if decision.action == DELIVERED:
            return self._result(SIGNALED, '%s (its answer was lost; a re-read showed %s).' % (
                sent_msg(self.target, self.before, self.instance)[:-1], decision.msg), before=self.before,
                changed=True)
        if decision.action == SEND:
            self.sent = None  # the re-read shows it was not applied
        if decision.action != SEND or resends >= self.runner.resends:
            raise KeyfactorError(self._unconfirmed_msg(decision, resends, error))
        return None

    def _reconcile_after(self, error, resends):
        """After an unknown outcome: wait as the server asked (429, 503), re-read, and decide whether it arrived."""
        if error.retry_after:
            time.sleep(error.retry_after)
        decision = self._resolve(reconcile, self._read())
        resend = decision.action == SEND and resends < self.runner.resends
        self.runner.warn('Workflow instance %s: the outcome of sending %s was unknown (%s); a re-read shows %s%s.' % (
            self.instance_id, self.target.key, error.message, decision.msg,
            ', so it is sent again (re-send %d of at most %d)' % (resends + 1, self.runner.resends) if resend else ''))
        return decision

    def _unconfirmed_msg(self, decision, resends, error):
        if decision.action == SEND:
            return ('Sending %s to workflow instance %s had an unknown outcome %d time(s), and each re-read showed it '
                    'still pending; gave up after %d re-send(s) (retries). Last error: %s' % (
                        self.target.key, self.instance_id, resends + 1, resends, error.message))
        return 'The outcome of sending %s to workflow instance %s could not be confirmed: %s. Last error: %s' % (
            self.target.key, self.instance_id, decision.msg, error.message)

    def _refused(self, error):
        """A 400 to the signal: a re-read says what it means.

        After an earlier attempt whose outcome was unknown, a step done means that attempt was applied
        (signaled, changed). Otherwise, a signal with nothing left to do is that no-change outcome (a
        concurrent run sent it); anything else is the API's error.
        """
        refusal = (error.error_message or 'HTTP 400').rstrip('.')
        if self.outcome_was_unknown:
            decision = self._resolve(reconcile, self._read())
            if decision.action != DELIVERED:
                raise error
            msg = ('%s (an earlier attempt\'s answer was lost, the API refused the re-send: %s; a re-read showed %s).'
                   % (sent_msg(self.target, self.before, self.instance)[:-1], refusal, decision.msg))
            return self._result(SIGNALED, msg, before=self.before, changed=True)
        decision = self._resolve(decide, self._read())
        if decision.action != NO_CHANGE:
            raise error
        return self._result(decision.outcome, '%s (the API refused the signal: %s).' % (decision.msg[:-1], refusal),
                            before=self.instance)

    def _after_send(self):
        after = self._read()
        if still_owed(after, self.target):
            self.runner.warn(
                'Workflow instance %s: the server accepted %s, but a re-read still shows it pending and not received '
                '(the server may have applied another signal in its place); run the task again to see whether it is '
                'still owed.' % (self.instance_id, self.target.key))
        return self._result(SIGNALED, sent_msg(self.target, self.before, after), before=self.before, changed=True)

    # --- results ----------------------------------------------------------------------------------

    def _result(self, outcome, msg, before=None, changed=False, failed=False):
        """One instance's result; `before` (the instance the decision was made on) adds the diff in diff mode."""
        result = {'instance_id': self.instance_id, 'changed': changed, 'failed': failed, 'outcome': outcome, 'msg': msg,
                  'instance': self.instance, 'signal': self.runner.signal(self.target)}
        if self.runner.diff and before is not None:
            result['diff'] = signal_diff(outcome, before, before if self.runner.check_mode else self.instance)
        return result


def run_signal_task(module):
    """workflow_signal's run function for KeyfactorModule.run."""
    options = parse_options(module.params)
    api = module.workflow_api(max_connections=options.concurrency)
    runner = SignalRunner(api, options, module.status_table, module.check_mode, module._diff,
                          module.settings.retries, module.warn, module._verbosity)
    if options.single:
        return single_result(runner.signal_one(options.instance_ids[0]))
    results, stop, untried = handle_all(runner.signal_one, options.instance_ids, options.concurrency,
                                        runner.not_tried)
    summary = summarize(results, OUTCOMES, options.target.key, 'signal', module.check_mode, options.details,
                        untried, stop and stop.describe(module._verbosity))
    return summary if stop is None else dict(summary, **stop.details)
