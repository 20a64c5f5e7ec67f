# -*- coding: utf-8 -*-
# Copyright (c) keyfactor.command contributors
# BSD 2-Clause License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause
"""The workflow_instances event source: its options, which listed instances are new, and the polling loop.

The listing and its normalisation are workflow_instance_info's (_instance_search.py), so an event carries the same
keys as that module returns. Each poll runs the blocking client in a thread; the event loop only waits and queues.

FOR INTERNAL COLLECTION USE ONLY. Supported Pythons: 3.9 and later.
"""

import asyncio
import os
import tempfile
from collections import namedtuple
from datetime import datetime, timezone

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ._connection import build_client, resolve_connection
from ._connection_options import MAX_SECONDS, connection_argument_spec
from ._errors import KeyfactorConfigError, KeyfactorError, KeyfactorHTTPError, KeyfactorTransportError, Redactor
from ._instance_search import SCOPES, _read_details, find_instances, parse_search, with_definition_name_resolved
from ._query import INSTANCE_FILTERS
from ._transport import HAS_REQUESTS
from ._workflow_api import WorkflowApi

SOURCE_NAME = 'keyfactor.command.workflow_instances'
# The wait after failed polls grows to at most this many intervals.
MAX_BACKOFF_INTERVALS = 10
# Detail reads of new instances at the same time, over the client's connection pool.
DETAIL_CONCURRENCY = 8
PAGE_SIZE = 100
# ansible-rulebook adds this argument when a feedback queue exists; the source has no use for it.
_RULEBOOK_ARGUMENTS = ('eda_feedback_queue',)

SOURCE_SPEC = dict(
    scope=dict(type='str', choices=list(SCOPES), default='assigned_to_me'),
    status=dict(type='list', elements='str', default=['Suspended']),
    definition_id=dict(type='str'),
    definition_name=dict(type='str'),
    workflow_type=dict(type='str'),
    query=dict(type='str'),
    interval=dict(type='float', default=30.0),
    details=dict(type='bool', default=True),
    emit_existing=dict(type='bool', default=True),
)

WatchOptions = namedtuple('WatchOptions', 'settings search interval details emit_existing')


class KeyfactorSourceError(Exception):
    """Ends the event source: ansible-rulebook shows this message and shuts the rulebook down."""


def _connection_names():
    spec = connection_argument_spec()
    return set(spec) | {alias for entry in spec.values() for alias in entry.get('aliases', ())}


def parse_options(args, redactor, env=None):
    """WatchOptions from the source's arguments, or KeyfactorConfigError; makes no request.

    The connection options are resolved by the modules' connection layer (environment fallbacks, auth mode, TLS),
    which registers their secrets with redactor; the source's own options are checked here with an argument spec.
    """
    args = dict(args or {})
    for name in _RULEBOOK_ARGUMENTS:
        args.pop(name, None)
    settings = resolve_connection(args, env=os.environ if env is None else env, redactor=redactor)
    connection = _connection_names()
    own = {name: value for name, value in args.items() if name not in connection}
    unknown = sorted(set(own) - set(SOURCE_SPEC))
    if unknown:
        raise KeyfactorConfigError('unsupported option%s %s; the source takes %s and the connection options %s.' % (
            's' if len(unknown) > 1 else '', ', '.join(unknown), ', '.join(SOURCE_SPEC), ', '.join(sorted(connection))))
    result = ArgumentSpecValidator(SOURCE_SPEC, mutually_exclusive=[('definition_id', 'definition_name')]).validate(own)
    if result.error_messages:
        raise KeyfactorConfigError('invalid options: %s.' % '; '.join(result.error_messages))
    valid = result.validated_parameters
    interval = valid['interval']
    if interval is None or not 1 <= interval <= MAX_SECONDS:
        raise KeyfactorConfigError('interval must be a number of seconds from 1 to %d (a week), got %r.'
                                   % (MAX_SECONDS, interval))
    listing = {name: valid.get(name) for name in INSTANCE_FILTERS}
    listing.update(scope=valid['scope'], definition_name=valid['definition_name'], page_size=PAGE_SIZE,
                   details=False, concurrency=DETAIL_CONCURRENCY)
    return WatchOptions(settings, parse_search(listing), interval, valid['details'], valid['emit_existing'])


def is_transient(error):
    """Whether a failed poll is worth repeating: no answer at all (but a TLS verification failure), 429 or 5xx."""
    if isinstance(error, KeyfactorTransportError):
        return error.details.get('reason') != 'tls_verify'
    if isinstance(error, KeyfactorHTTPError):
        return error.status == 429 or (error.status or 0) >= 500
    return False


def next_wait(interval, failures):
    """Seconds until the next poll after `failures` failed polls in a row: doubling, at most 10 intervals."""
    if failures <= 0:
        return interval
    return interval * min(2 ** min(failures, 8), MAX_BACKOFF_INTERVALS)


class InstanceWatch:
    """Which listed instances are new at their current step.

    It remembers (instance id, current step id) of the last listing, and of the one before for an instance missing
    from the last: a listing paged while instances leave it can skip one that stays, which must not be announced
    again. An instance absent from two listings in a row is forgotten, so memory is bounded by what is pending, not
    by what was ever seen.
    """

    def __init__(self):
        self._steps = {}  # id -> (current step id, whether the last listing missed it)

    def __len__(self):
        return len(self._steps)

    def pending(self, instances):
        """The instances not remembered at their current step, each once."""
        new, listed = [], set()
        for instance in instances:
            known = self._steps.get(instance['id'])
            if instance['id'] not in listed and (known is None or known[0] != instance['current_step_id']):
                new.append(instance)
            listed.add(instance['id'])
        return new

    def remember(self, instances):
        steps = {instance['id']: (instance['current_step_id'], False) for instance in instances}
        for instance_id, (step, missed) in self._steps.items():
            if instance_id not in steps and not missed:
                steps[instance_id] = (step, True)
        self._steps = steps


def make_event(instance, seen_at, details):
    """The event of one instance: workflow_instance_info's keys, plus meta (the signal keys only with details)."""
    meta = {'source': {'type': SOURCE_NAME}, 'seen_at': seen_at}
    if details:
        meta['signal_keys'] = [signal['key'] for signal in instance.get('signals') or [] if not signal['received']]
    return dict(instance, meta=meta)


def _now():
    return datetime.now(timezone.utc).isoformat(timespec='milliseconds').replace('+00:00', 'Z')


class Poller:
    """One blocking poll per call: list, keep what is new, read its details, remember the listing; return events.

    Nothing is remembered when a poll fails, so the instances it would have announced are announced by the next.
    """

    def __init__(self, api, options, table, warn, clock=_now):
        self._api = api
        self._options = options
        self._search = None
        self._table = table
        self._warn = warn
        self._clock = clock
        self._watch = InstanceWatch()
        self._primed = options.emit_existing

    def __call__(self):
        if self._search is None:
            self._search = with_definition_name_resolved(self._api, self._options.search)
        listed = find_instances(self._api, self._search, self._table, self._warn)['instances']
        new = self._watch.pending(listed) if self._primed else []
        if new and self._options.details:
            new = _read_details(self._api, [instance['id'] for instance in new], self._table, DETAIL_CONCURRENCY,
                                self._warn)
        self._watch.remember(listed)
        self._primed = True
        seen_at = self._clock()
        return [make_event(instance, seen_at, self._options.details) for instance in new]


async def run_polls(queue, poll, interval, log, redactor, sleep=asyncio.sleep):
    """Poll for ever, queueing events; a transient failure backs off, any other ends with KeyfactorSourceError."""
    failures = 0
    while True:
        try:
            events = await asyncio.to_thread(poll)
        except KeyfactorError as error:
            message = ' '.join(redactor.text(error.message).split())
            if not is_transient(error):
                raise KeyfactorSourceError('%s stopped: %s' % (SOURCE_NAME, message))
            failures += 1
            wait = next_wait(interval, failures)
            log.warning('%s: poll failed (%s); next poll in %.0f s.', SOURCE_NAME, message, wait)
            await sleep(wait)
            continue
        failures = 0
        for event in events:
            await queue.put(event)
        await sleep(interval)


async def watch_instances(queue, args, log, sleep=asyncio.sleep):
    """The event source: ends with KeyfactorSourceError on bad options or a fatal answer; cancel closes the client."""
    redactor = Redactor()

    def warn(message):
        log.warning('%s: %s', SOURCE_NAME, ' '.join(redactor.text(message).split()))

    if not HAS_REQUESTS:
        raise KeyfactorSourceError('%s needs the Python library requests where ansible-rulebook runs.' % SOURCE_NAME)
    try:
        options = parse_options(args, redactor)
    except KeyfactorError as error:
        raise KeyfactorSourceError('%s: %s' % (SOURCE_NAME, redactor.text(error.message)))
    # ca_cert given as PEM text is written into this directory, which lives as long as the client.
    with tempfile.TemporaryDirectory(prefix='keyfactor-eda-') as tmpdir:
        client = build_client(options.settings, redactor, warn, tmpdir, max_connections=DETAIL_CONCURRENCY)
        try:
            poller = Poller(WorkflowApi(client), options, options.settings.status_table, warn)
            await run_polls(queue, poller, options.interval, log, redactor, sleep)
        finally:
            client.close()
