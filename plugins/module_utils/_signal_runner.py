# -*- coding: utf-8 -*-
# Copyright (c) keyfactor.command contributors
# BSD 2-Clause License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause
"""The workflow_signal task: the reads each decision needs, the send, reconciliation, waiting, results.

The decisions themselves are the pure functions of _signal_decision.py; this file performs the
requests they ask for. Each instance is handled on its own (concurrently with instance_ids), so a
failure stays with its instance.

FOR INTERNAL COLLECTION USE ONLY. Supported Pythons: 3.9 and later.
"""

import threading
import time
from collections import Counter, namedtuple

from ._connection_options import parse_seconds
from ._errors import (
    KeyfactorAuthError, KeyfactorConfigError, KeyfactorError, KeyfactorHTTPError, KeyfactorNotProcessedError,
    KeyfactorUnknownOutcomeError,
)
from ._instances import normalize_instance, validate_guid
from ._parallel import map_concurrently
from ._signal_decision import (
    DELIVERED, FAIL, NO_CHANGE, NOT_PENDING, OUTCOMES, READ_ASSIGNED, READ_DEFINITION, SEND, SIGNALED, decide,
    reconcile, sent_msg, signal_diff, signal_target, where,
)

# Seconds to wait before re-reading after a 429 that named no Retry-After.
_NOT_PROCESSED_DELAY = 1.0

SignalOptions = namedtuple('SignalOptions', 'instance_ids single target data wait wait_timeout wait_interval concurrency')


def parse_options(params):
    """The task's own options, validated before any request; KeyfactorConfigError says what is wrong."""
    target = signal_target(params['signal_key'])
    if params.get('instance_id') is not None:
        instance_ids, single = [validate_guid(params['instance_id'], 'instance_id')], True
    else:
        canonical = [validate_guid(value, 'instance_ids entry') for value in params['instance_ids']]
        instance_ids, single = list(dict.fromkeys(canonical)), False  # duplicates once, first position kept
        if not instance_ids:
            raise KeyfactorConfigError('instance_ids is empty: list at least one workflow instance GUID.')
    if params['concurrency'] < 1:
        raise KeyfactorConfigError('concurrency must be 1 or more, got %r.' % (params['concurrency'],))
    return SignalOptions(instance_ids, single, target, params['data'], params['wait'],
                         parse_seconds('wait_timeout', params['wait_timeout']),
                         parse_seconds('wait_interval', params['wait_interval']), params['concurrency'])


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
                entry['value'] = self._api.get_definition(definition_id, version)
            return entry['value']


class SignalRunner:
    """Sends one signal to each instance as the decisions say; holds what all instances of a run share."""

    def __init__(self, api, options, status_table, check_mode, diff, resends, warn):
        self.api = api
        self.options = options
        self.status_table = status_table
        self.check_mode = check_mode
        self.diff = diff
        self.resends = resends
        self.warn = warn
        self.definitions = DefinitionCache(api)
        self.signal = {'key': options.target.key, 'step': options.target.step, 'name': options.target.name,
                       'data': options.data}
        # An error every instance would meet (credentials rejected with 401, no API at url/api_path) stops the task.
        self.fatal_error = None

    def signal_one(self, instance_id):
        """The result for one instance; its failures are part of the result, except those that stop the task."""
        if self.fatal_error is not None:
            raise self.fatal_error
        return _InstanceRun(self, instance_id).run()

    def signal_all(self):
        """The results for every instance of the task, in the order of instance_ids."""
        results = []
        for outcome in map_concurrently(self.signal_one, self.options.instance_ids, self.options.concurrency):
            if outcome.error is not None:
                raise outcome.error
            results.append(outcome.value)
        return results


class _InstanceRun:
    """One instance's way through read, decide, (wait,) send, reconcile and re-read."""

    def __init__(self, runner, instance_id):
        self.runner = runner
        self.target = runner.options.target
        self.instance_id = instance_id
        self.instance = None  # the latest read, reported with failures too

    def run(self):
        try:
            return self._run()
        except KeyfactorError as error:
            if isinstance(error, KeyfactorConfigError) or (isinstance(error, KeyfactorAuthError) and error.status == 401):
                self.runner.fatal_error = error
                raise
            return self._result(None, error.message, failed=True)

    def _run(self):
        decision = self._await_decision()
        before = self.instance
        if decision.action == NO_CHANGE:
            return self._result(decision.outcome, decision.msg, before=before)
        if self.runner.check_mode:
            return self._result(SIGNALED, sent_msg(self.target, before, None), before=before, changed=True)
        return self._deliver(before)

    # --- reads ------------------------------------------------------------------------------------

    def _read(self):
        raw = self.runner.api.get_instance(self.instance_id)
        if raw is None:
            raise KeyfactorError('Workflow instance %s was not found.' % self.instance_id)
        self.instance = normalize_instance(raw, self.runner.status_table)
        return self.instance

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

    def _deliver(self, before):
        """POST the signal; after an unknown outcome re-read and decide, sending again only when it was not received."""
        resends = 0
        while True:
            try:
                self.runner.api.send_signal(self.instance_id, self.target.key, self.runner.signal['data'])
            except KeyfactorNotProcessedError as error:
                decision = self._decide_again_after(error)
                if decision.action == NO_CHANGE:
                    return self._result(decision.outcome, decision.msg, before=self.instance)
                if decision.action != SEND or resends >= self.runner.resends:
                    raise KeyfactorError('%s %s' % (error.message, decision.msg if decision.action != SEND else (
                        'It was still pending after %d re-send(s) (retries); giving up.' % resends)))
                resends += 1
                continue
            except KeyfactorUnknownOutcomeError as error:
                decision = self._resolve(reconcile, self._read())
                resend = decision.action == SEND and resends < self.runner.resends
                self.runner.warn('Workflow instance %s: the outcome of sending %s was unknown (%s); a re-read shows %s%s.' % (
                    self.instance_id, self.target.key, error.message, decision.msg,
                    ', so it is sent again (re-send %d of at most %d)' % (resends + 1, self.runner.resends) if resend else ''))
                if decision.action == DELIVERED:
                    return self._result(SIGNALED, '%s (its answer was lost; a re-read showed %s).' % (
                        sent_msg(self.target, before, self.instance)[:-1], decision.msg), before=before, changed=True)
                if not resend:
                    raise KeyfactorError(self._unconfirmed_msg(decision, resends, error))
                resends += 1
                continue
            except KeyfactorHTTPError as error:
                if error.status != 400:
                    raise
                return self._refused(error)
            return self._after_send(before)

    def _decide_again_after(self, error):
        """After the server turned the signal away unprocessed: wait as it asked, re-read, decide afresh."""
        delay = error.retry_after if error.retry_after is not None else _NOT_PROCESSED_DELAY
        time.sleep(delay)
        decision = self._resolve(decide, self._read())
        self.runner.warn('Workflow instance %s: %s After %.1f s a re-read shows: %s' % (
            self.instance_id, error.message, delay, decision.msg))
        return decision

    def _unconfirmed_msg(self, decision, resends, error):
        if decision.action == SEND:
            return ('Sending %s to workflow instance %s had an unknown outcome %d time(s), and each re-read showed it still '
                    'pending; gave up after %d re-send(s) (retries). Last error: %s' % (
                        self.target.key, self.instance_id, resends + 1, resends, error.message))
        return 'The outcome of sending %s to workflow instance %s could not be confirmed: %s. Last error: %s' % (
            self.target.key, self.instance_id, decision.msg, error.message)

    def _refused(self, error):
        """A 400 to the signal: no change when a re-read shows the signal has nothing left to do, else the API's error."""
        decision = self._resolve(decide, self._read())
        if decision.action != NO_CHANGE:
            raise error
        return self._result(decision.outcome, '%s (the API refused the signal: %s).' % (
            decision.msg[:-1], (error.error_message or 'HTTP 400').rstrip('.')), before=self.instance)

    def _after_send(self, before):
        try:
            after = self._read()
        except KeyfactorError as error:
            return self._result(SIGNALED, 'Sent %s to workflow instance %s (it was %s), but re-reading it failed: %s' % (
                self.target.key, self.instance_id, where(before), error.message), changed=True, failed=True)
        return self._result(SIGNALED, sent_msg(self.target, before, after), before=before, changed=True)

    # --- results ----------------------------------------------------------------------------------

    def _result(self, outcome, msg, before=None, changed=False, failed=False):
        """One instance's result; `before` (the instance the decision was made on) adds the diff in diff mode."""
        result = {'instance_id': self.instance_id, 'changed': changed, 'failed': failed, 'outcome': outcome, 'msg': msg,
                  'instance': self.instance, 'signal': self.runner.signal}
        if self.runner.diff and before is not None:
            result['diff'] = signal_diff(outcome, before, before if self.runner.check_mode else self.instance)
        return result


def summarize(results, target, check_mode):
    """The task result of instance_ids: changed if any changed, counts per outcome, failed if any failed."""
    counts = Counter('failed' if result['failed'] else result['outcome'] for result in results)
    tally = ', '.join('%d %s' % (counts[name], name) for name in OUTCOMES + ('failed',) if counts[name])
    prefix = 'Check mode, predicted: ' if check_mode else ''
    summary = {
        'changed': any(result['changed'] for result in results),
        'failed': bool(counts['failed']),
        'msg': '%s%s for %d workflow instance(s): %s.' % (prefix, target.key, len(results), tally),
        'results': results,
    }
    diffs = [result['diff'] for result in results if 'diff' in result]
    if diffs:
        summary['diff'] = diffs
    return summary


def single_result(result):
    """The task result of instance_id: the instance's result without the per-instance bookkeeping keys."""
    return {key: value for key, value in result.items() if key != 'instance_id'}


def run_signal_task(module):
    """workflow_signal's run function for KeyfactorModule.run."""
    options = parse_options(module.params)
    api = module.workflow_api(max_connections=options.concurrency)
    runner = SignalRunner(api, options, module.status_table, module.check_mode, module._diff,
                          module.params['retries'], module.warn)
    if options.single:
        return single_result(runner.signal_one(options.instance_ids[0]))
    return summarize(runner.signal_all(), options.target, module.check_mode)
