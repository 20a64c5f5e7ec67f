# -*- coding: utf-8 -*-
# Copyright (c) keyfactor.command contributors
# BSD 2-Clause License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause
"""The plumbing of a task over workflow instances: the instance options, waiting, running them, single results.

Shared by the modules that act on instance_id / instance_ids.

FOR INTERNAL COLLECTION USE ONLY. Supported Pythons: 3.9 and later.
"""

import time
from collections import namedtuple

from ._connection_options import parse_seconds
from ._errors import KeyfactorConfigError, KeyfactorError
from ._instances import validate_guid
from ._parallel import map_concurrently

# How long and how often to poll an instance that is not ready yet.
Waiting = namedtuple('Waiting', 'wait timeout interval')
# One instance handled: its result, and the error that ends the task when it met one (else None).
Handled = namedtuple('Handled', 'result stop')


class BatchRunner:
    """What every instance of a run shares: the API, the options, the status table, the modes, re-sends, warnings."""

    def __init__(self, api, options, status_table, check_mode, diff, resends, warn):
        self.api = api
        self.options = options
        self.status_table = status_table
        self.check_mode = check_mode
        self.diff = diff
        self.resends = resends  # how often a request whose outcome was unknown may be sent again (retries)
        self.warn = warn


def instance_argument_spec():
    """The options of the modules that act on instance_id / instance_ids (and may wait), with their constraints."""
    spec = dict(
        instance_id=dict(type='str'),
        instance_ids=dict(type='list', elements='str'),
        wait=dict(type='bool', default=False),
        wait_timeout=dict(type='float', default=300.0),
        wait_interval=dict(type='float', default=5.0),
        concurrency=dict(type='int', default=8),
    )
    return spec, dict(mutually_exclusive=[('instance_id', 'instance_ids')],
                      required_one_of=[('instance_id', 'instance_ids')])


def instance_ids_option(params):
    """(canonical GUIDs, single): instance_id as a list of one, or instance_ids with duplicates once (first kept)."""
    if params.get('instance_id') is not None:
        return [validate_guid(params['instance_id'], 'instance_id')], True
    canonical = [validate_guid(value, 'instance_ids entry') for value in params['instance_ids']]
    return list(dict.fromkeys(canonical)), False


def concurrency_option(value):
    if value < 1:
        raise KeyfactorConfigError('concurrency must be 1 or more, got %r.' % (value,))
    return value


def waiting_option(params):
    return Waiting(params['wait'], parse_seconds('wait_timeout', params['wait_timeout']),
                   parse_seconds('wait_interval', params['wait_interval']))


def poll(check, waiting, not_ready, unless_waiting, timed_out):
    """check() until not_ready(result) is None: once without waiting.wait, else every interval until the timeout.

    not_ready(result) is the message of a result that is not ready yet. Without wait, such a result raises
    KeyfactorError(unless_waiting(message)); at the timeout, KeyfactorError(timed_out(message)).
    """
    deadline = time.monotonic() + waiting.timeout
    while True:
        result = check()
        msg = not_ready(result)
        if msg is None:
            return result
        if not waiting.wait:
            raise KeyfactorError(unless_waiting(msg))
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise KeyfactorError(timed_out(msg))
        time.sleep(min(waiting.interval, remaining))


def handle_all(handle, instance_ids, concurrency, not_tried):
    """(results, stop, number not tried) of handle(instance_id) -> Handled over instance_ids, `concurrency` at a time.

    After an error that ends the task (a Handled's stop), no further instance is started and those in flight
    finish; each instance not started gets the result not_tried(instance_id, stop). Results are in order.
    """
    handled = [outcome.value for outcome in map_concurrently(
        handle, instance_ids, concurrency, stop=lambda outcome: outcome.value.stop is not None)]
    stop = next((entry.stop for entry in handled if entry.stop is not None), None)
    untried = instance_ids[len(handled):]
    results = [entry.result for entry in handled] + [not_tried(instance_id, stop) for instance_id in untried]
    return results, stop, len(untried)


def not_tried_msg(stop):
    """The message of an instance not started because an error every instance would meet stopped the task."""
    return 'Not tried: the task stopped before this instance, at an error every instance would meet (%s).' % (
        stop.message.rstrip('.'))


def single_result(handled):
    """The task result of instance_id: the instance's result without the per-instance bookkeeping keys."""
    result = {key: value for key, value in handled.result.items() if key != 'instance_id'}
    return dict(result, **handled.stop.details) if handled.stop is not None else result
