# -*- coding: utf-8 -*-
# Copyright (c) keyfactor.command contributors
# BSD 2-Clause License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause
"""What a task over a list of workflow instances reports: compact results, counts, the failure headline, diffs.

Shared by the modules that act on many instances, so that they read alike; each passes its own outcome
names. A full result entry is a dict with at least instance_id, outcome, changed, failed, msg and instance
(the instance as last read, normalised, or None), and diff in diff mode. Pure functions: no requests.

FOR INTERNAL COLLECTION USE ONLY. Supported Pythons: 3.9 and later.
"""

# The keys of a compact result entry, in the order they are returned; `diff` follows in diff mode.
COMPACT_KEYS = ('instance_id', 'reference_id', 'title', 'outcome', 'changed', 'failed', 'msg', 'status',
                'current_step_unique_name')
# The compact keys taken from the instance rather than from the entry itself.
_FROM_INSTANCE = frozenset(('reference_id', 'title', 'status', 'current_step_unique_name'))
# The count of failed instances, whatever their outcome.
FAILED = 'failed'


def compact(entry):
    """The compact form of a full result entry: a few hundred bytes, whatever the instance carries."""
    instance = entry.get('instance') or {}
    result = {key: (instance if key in _FROM_INSTANCE else entry).get(key) for key in COMPACT_KEYS}
    if 'diff' in entry:
        result['diff'] = entry['diff']
    return result


def count_outcomes(results, outcomes):
    """{outcome: n, ..., 'failed': n} with every name present; a failed entry counts as failed only."""
    counts = dict.fromkeys(tuple(outcomes) + (FAILED,), 0)
    for result in results:
        counts[FAILED if result['failed'] else result['outcome']] += 1
    return counts


def tally(counts):
    """'18 signaled, 2 failed': the counts that are not 0, in the order given; 'none' when all are."""
    return ', '.join('%d %s' % (number, name) for name, number in counts.items() if number) or 'none'


def _reason(result):
    """A failure's message without its instance's own GUID, so that failures for one cause compare equal."""
    return result['msg'].replace(str(result['instance_id']), '{instance}')


def failure_headline(results):
    """'2 of 20 failed; first: <its message>' (or ', all with the same reason: ...'); None when none failed."""
    failures = [result for result in results if result['failed']]
    if not failures:
        return None
    if len(failures) == 1:
        joint = ''
    elif len({_reason(result) for result in failures}) == 1:
        joint = ', all with the same reason'
    else:
        joint = '; first'
    return '%d of %d failed%s: %s' % (len(failures), len(results), joint, failures[0]['msg'])


def nothing_to_do(verb):
    """The message of a task given an empty list of instances."""
    return 'No workflow instances were given (instance_ids is empty), so there was nothing to %s.' % verb


def diff_header(instance):
    """'workflow instance 1042 "KEYEXAMPLE\\jsmith is enrolling for CN=..."': what a person recognises.

    The reference id is the number the portal shows; the title names the requester and the subject.
    An instance without them (a server that leaves them out) falls back to its GUID.
    """
    name = instance.get('reference_id')
    header = 'workflow instance %s' % (instance.get('id') if name is None else name)
    title = instance.get('title')
    return '%s "%s"' % (header, title) if title else header


def summarize(results, outcomes, label, verb, check_mode=False, details=False, not_tried=0, stopped_by=None):
    """The task result of a list of instances: changed, failed, msg, counts, results (compact unless details).

    label names what was done in the message (a signal key, say); verb says it for an empty list. The last
    `not_tried` results are instances the task did not start (failed, so counted as such) because of the
    error `stopped_by` (its message), which then leads the message instead of the failure headline. diff lists
    the entries' diffs, when they have one.
    """
    counts = count_outcomes(results, outcomes)
    if results:
        msg = '%s for %d workflow instance(s): %s%s.' % (
            label, len(results), tally(counts), ' (%d of them not tried)' % not_tried if not_tried else '')
    else:
        msg = nothing_to_do(verb)
    headline = '%s The task stopped there:' % stopped_by if stopped_by else failure_headline(results)
    summary = {
        'changed': any(result['changed'] for result in results),
        'failed': bool(counts[FAILED]),
        'msg': ('Check mode, predicted: ' if check_mode and results else '') + (
            '%s %s' % (headline, msg) if headline else msg),
        'counts': counts,
        'results': list(results) if details else [compact(result) for result in results],
    }
    diffs = [result['diff'] for result in results if 'diff' in result]
    if diffs:
        summary['diff'] = diffs
    return summary
