# -*- coding: utf-8 -*-
# Copyright (c) keyfactor.command contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What a task over many instances reports: compact entries, counts, the failure headline, diff headers (no HTTP)."""

import json

import pytest

from ansible_collections.keyfactor.command.plugins.module_utils._batch_report import (
    COMPACT_KEYS, compact, count_outcomes, diff_header, failure_headline, nothing_to_do, summarize, tally,
)
from ansible_collections.keyfactor.command.plugins.module_utils._instances import normalize_instance

OUTCOMES = ('signaled', 'already_signaled', 'step_passed', 'instance_finished')
TITLE = 'KEYEXAMPLE\\jsmith is enrolling for CN=appsrvr12.keyexample.com'


def guid(number):
    return '8a3c1f52-6a0e-4d0b-9a51-%012d' % number


def instance(number, status='Complete', step='EndNOOP'):
    """A fully read instance, as large as a real one: initial and state data with a certificate request."""
    return normalize_instance({
        'Id': guid(number), 'ReferenceId': 1000 + number, 'Title': TITLE, 'Status': status,
        'StatusMessage': 'The workflow has completed.', 'CurrentStepId': guid(9000 + number),
        'CurrentStepUniqueName': step, 'CurrentStepDisplayName': 'End-NOOP', 'StartDate': '2024-05-14T16:02:09.120Z',
        'LastModified': '2024-05-14T16:05:41.300Z',
        'Definition': {'Id': guid(5000), 'DisplayName': 'Web Server Enrollment Approval', 'Version': 3,
                       'WorkflowType': 'Enrollment'},
        'Signals': [],
        'InitialData': {'Template': 'WebServer', 'CSR': 'MIIC' + 'A' * 1400, 'SANs': ['appsrvr12.keyexample.com']},
        'CurrentStateData': {'CertificateId': 5120, 'Certificate': 'MIIF' + 'B' * 1800},
    })


def entry(number, outcome='signaled', failed=False, msg=None, read=True):
    return {'instance_id': guid(number), 'changed': outcome == 'signaled' and not failed, 'failed': failed,
            'outcome': None if failed else outcome, 'msg': msg or 'Sent it to workflow instance %s.' % guid(number),
            'instance': instance(number) if read else None, 'signal': {'key': 'RequireApproval1.ApprovalStatus'}}


# --- compact entries ----------------------------------------------------------------------------------

def test_a_compact_entry_has_exactly_the_compact_keys_taken_from_the_entry_and_its_instance():
    result = compact(entry(1))
    assert list(result) == list(COMPACT_KEYS)
    assert result['instance_id'] == guid(1)
    assert (result['reference_id'], result['title'], result['status'], result['current_step_unique_name']) == (
        1001, TITLE, 'Complete', 'EndNOOP')
    assert (result['outcome'], result['changed'], result['failed']) == ('signaled', True, False)


def test_a_compact_entry_of_a_typical_instance_is_under_a_kilobyte_and_a_fraction_of_the_full_one():
    full = entry(1)
    assert len(json.dumps(compact(full))) < 1024
    assert len(json.dumps(full)) > 4 * len(json.dumps(compact(full)))


def test_a_compact_entry_of_an_instance_never_read_has_nulls_from_the_instance():
    result = compact(entry(2, failed=True, msg='Workflow instance was not found.', read=False))
    assert result['reference_id'] is None and result['title'] is None and result['status'] is None
    assert result['failed'] is True and result['msg'] == 'Workflow instance was not found.'


def test_a_compact_entry_keeps_the_diff_in_diff_mode():
    full = dict(entry(3), diff={'before_header': 'workflow instance 1003'})
    assert compact(full)['diff'] == {'before_header': 'workflow instance 1003'}
    assert 'diff' not in compact(entry(3))


# --- counts -------------------------------------------------------------------------------------------

def test_counts_have_every_outcome_and_failed_even_when_zero():
    assert count_outcomes([], OUTCOMES) == {
        'signaled': 0, 'already_signaled': 0, 'step_passed': 0, 'instance_finished': 0, 'failed': 0}


def test_a_failed_entry_counts_as_failed_whatever_its_outcome():
    delivered_but_unread = dict(entry(3), failed=True, outcome='signaled')
    counts = count_outcomes([entry(1), entry(2, 'already_signaled'), delivered_but_unread], OUTCOMES)
    assert counts == {'signaled': 1, 'already_signaled': 1, 'step_passed': 0, 'instance_finished': 0, 'failed': 1}


def test_counts_use_the_outcome_names_given():
    counts = count_outcomes([entry(1, 'canceled'), entry(2, 'already_finished')], ('canceled', 'already_finished'))
    assert counts == {'canceled': 1, 'already_finished': 1, 'failed': 0}


def test_tally_names_the_counts_that_are_not_zero_in_order():
    assert tally({'signaled': 18, 'already_signaled': 0, 'failed': 2}) == '18 signaled, 2 failed'
    assert tally({'signaled': 0, 'failed': 0}) == 'none'


# --- the failure headline -----------------------------------------------------------------------------

def test_no_failure_no_headline():
    assert failure_headline([entry(1), entry(2)]) is None


def test_one_failure_is_given_in_full():
    results = [entry(1), entry(2, failed=True, msg='Workflow instance %s was not found.' % guid(2))]
    assert failure_headline(results) == '1 of 2 failed: Workflow instance %s was not found.' % guid(2)


def test_different_reasons_give_the_first_in_full():
    first = 'signal_key X does not fit workflow instance %s: its definition has no step X; it accepts: A.B.' % guid(2)
    results = [entry(1), entry(2, failed=True, msg=first), entry(3, failed=True, msg='Something else.')]
    assert failure_headline(results) == '2 of 3 failed; first: ' + first


def test_the_same_reason_for_different_instances_is_said_once():
    def reason(number):
        return 'Workflow instance %s is Suspended at step PkiApproval; X is not pending yet.' % guid(number)
    results = [entry(1)] + [entry(number, failed=True, msg=reason(number)) for number in (2, 3, 4)]
    assert failure_headline(results) == '3 of 4 failed, all with the same reason: ' + reason(2)


# --- messages and headers -----------------------------------------------------------------------------

def test_nothing_to_do_names_the_empty_option_and_the_verb():
    assert nothing_to_do('cancel') == (
        'No workflow instances were given (instance_ids is empty), so there was nothing to cancel.')


def test_the_diff_header_names_the_reference_id_and_the_title():
    assert diff_header(instance(42)) == 'workflow instance 1042 "%s"' % TITLE


@pytest.mark.parametrize('missing, expected', [
    ({'reference_id': None}, 'workflow instance %s "%s"' % (guid(42), TITLE)),
    ({'title': None}, 'workflow instance 1042'),
    ({'title': ''}, 'workflow instance 1042'),
])
def test_the_diff_header_falls_back_to_what_the_server_sent(missing, expected):
    assert diff_header(dict(instance(42), **missing)) == expected


# --- the task result ----------------------------------------------------------------------------------

def test_an_empty_list_is_ok_unchanged_with_zero_counts_and_the_nothing_to_do_message():
    summary = summarize([], OUTCOMES, 'RequireApproval1.ApprovalStatus', 'signal')
    assert summary == {'changed': False, 'failed': False, 'results': [], 'msg': nothing_to_do('signal'),
                       'counts': count_outcomes([], OUTCOMES)}


def test_a_successful_task_has_compact_results_counts_and_a_tally():
    results = [entry(1), entry(2, 'already_signaled')]
    summary = summarize(results, OUTCOMES, 'RequireApproval1.ApprovalStatus', 'signal')
    assert summary['changed'] is True and summary['failed'] is False
    assert summary['msg'] == (
        'RequireApproval1.ApprovalStatus for 2 workflow instance(s): 1 signaled, 1 already_signaled.')
    assert summary['counts']['signaled'] == 1 and summary['counts']['already_signaled'] == 1
    assert summary['results'] == [compact(result) for result in results]
    assert 'diff' not in summary


def test_details_returns_the_full_entries():
    results = [entry(1), entry(2)]
    assert summarize(results, OUTCOMES, 'K', 'signal', details=True)['results'] == results


def test_a_failed_task_leads_with_the_headline_then_the_counts():
    results = [entry(1), entry(2, failed=True, msg='It broke.')]
    summary = summarize(results, OUTCOMES, 'RequireApproval1.ApprovalStatus', 'signal', check_mode=True)
    assert summary['failed'] is True
    assert summary['msg'] == ('Check mode, predicted: 1 of 2 failed: It broke. RequireApproval1.ApprovalStatus for 2 '
                              'workflow instance(s): 1 signaled, 1 failed.')


def test_instances_not_tried_count_as_failed_and_are_said_so():
    results = [entry(1), entry(2, failed=True, msg='Refused.'), entry(3, failed=True, msg='Not tried: stopped.')]
    summary = summarize(results, OUTCOMES, 'K', 'signal', not_tried=1, stopped_by='Refused.')
    assert summary['counts']['failed'] == 2
    assert summary['msg'] == (
        'Refused. The task stopped there: K for 3 workflow instance(s): 1 signaled, 2 failed (1 of them not tried).')


def test_diffs_are_listed_for_the_entries_that_have_one():
    with_diff = dict(entry(1), diff={'before_header': 'a'})
    summary = summarize([with_diff, entry(2, failed=True, msg='x')], OUTCOMES, 'K', 'signal')
    assert summary['diff'] == [{'before_header': 'a'}]
    assert summary['results'][0]['diff'] == {'before_header': 'a'}
