# -*- coding: utf-8 -*-
# Copyright (c) keyfactor.command contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The summary accumulator, the start-date ordering, field selection and the slice-wise result output (pure)."""

import datetime
import json

import pytest

from ansible_collections.keyfactor.command.plugins.module_utils._errors import KeyfactorConfigError
from ansible_collections.keyfactor.command.plugins.module_utils._instance_search import parse_fields
from ansible_collections.keyfactor.command.plugins.module_utils._instance_summary import InstanceSummary, start_date_key
from ansible_collections.keyfactor.command.plugins.module_utils._instances import (
    INSTANCE_KEYS, normalize_instance, select_fields,
)
from ansible_collections.keyfactor.command.plugins.module_utils._result_output import HandedOver, secrets_in, write_json

WEB = ('d1', 'Web Server Enrollment Approval')
CODE = ('d2', 'Code Signing Dual Approval')


def instance(status, start_date, definition=WEB, step=('RequireApproval1', 'Require Approval')):
    return {'status': status, 'start_date': start_date, 'definition': {'id': definition[0], 'display_name': definition[1]},
            'current_step_unique_name': step[0], 'current_step_display_name': step[1]}


def summarise(*instances):
    summary = InstanceSummary()
    for item in instances:
        summary.add(item)
    return summary.result()


def test_an_empty_summary():
    assert summarise() == {'count': 0, 'by_status': {}, 'by_definition': [], 'suspended_by_step': []}


def test_counts_by_status_definition_and_step_of_suspended_instances():
    result = summarise(
        instance('Suspended', '2024-05-02T10:00:00Z'),
        instance('Suspended', '2024-05-01T10:00:00Z', CODE, ('RequireApproval2', 'Require Two Approvals')),
        instance('Suspended', '2024-05-03T10:00:00Z'),
        instance('Complete', '2024-04-01T00:00:00Z', step=('EndNOOP', 'End-NOOP')),
        instance('Failed', None, CODE, ('Enroll', 'Enroll')),
    )
    assert result['count'] == 5
    assert result['by_status'] == {
        'Complete': {'count': 1, 'oldest_start_date': '2024-04-01T00:00:00Z', 'newest_start_date': '2024-04-01T00:00:00Z'},
        'Failed': {'count': 1, 'oldest_start_date': None, 'newest_start_date': None},
        'Suspended': {'count': 3, 'oldest_start_date': '2024-05-01T10:00:00Z', 'newest_start_date': '2024-05-03T10:00:00Z'},
    }
    assert result['by_definition'] == [{'id': 'd1', 'display_name': WEB[1], 'count': 3},
                                       {'id': 'd2', 'display_name': CODE[1], 'count': 2}]
    # Only Suspended instances wait at a step; the largest count comes first.
    assert result['suspended_by_step'] == [
        {'unique_name': 'RequireApproval1', 'display_name': 'Require Approval', 'count': 2},
        {'unique_name': 'RequireApproval2', 'display_name': 'Require Two Approvals', 'count': 1}]


def test_equal_counts_are_ordered_by_name_and_a_definition_without_name_comes_first():
    result = summarise(instance('Running', None, CODE), instance('Running', None, WEB), instance('Running', None, (None, None)))
    assert [entry['display_name'] for entry in result['by_definition']] == [None, CODE[1], WEB[1]]


def test_start_dates_are_compared_as_instants_and_returned_as_sent():
    result = summarise(
        instance('Suspended', '2024-05-01T12:00:00+02:00'),   # 10:00 UTC: the oldest
        instance('Suspended', '2024-05-01T10:30:00.1234567Z'),  # .NET's seven fraction digits
        instance('Suspended', '2024-05-01T11:00:00'),          # no offset: UTC
        instance('Suspended', 'not a date'),                    # counted, not ordered
    )
    assert result['by_status']['Suspended'] == {
        'count': 4, 'oldest_start_date': '2024-05-01T12:00:00+02:00', 'newest_start_date': '2024-05-01T11:00:00'}


@pytest.mark.parametrize('text, expected', [
    ('2024-05-14T16:02:09.120Z', datetime.datetime(2024, 5, 14, 16, 2, 9, 120000, tzinfo=datetime.timezone.utc)),
    ('2024-05-14T18:02:09+0200', datetime.datetime(2024, 5, 14, 16, 2, 9, tzinfo=datetime.timezone.utc)),
    ('2024-05-14T13:32-02:30', datetime.datetime(2024, 5, 14, 16, 2, tzinfo=datetime.timezone.utc)),
    ('2024-05-14', datetime.datetime(2024, 5, 14, tzinfo=datetime.timezone.utc)),
    ('2024-02-30T00:00:00Z', None), ('yesterday', None), (None, None), (20240514, None),
])
def test_start_date_key(text, expected):
    assert start_date_key(text) == expected


# --- fields ---------------------------------------------------------------------------------------------------------

RAW = {'Id': 'a0000000-0000-4000-8000-000000000001', 'ReferenceId': 1001, 'Title': 'One', 'Status': 'Suspended',
       'StatusMessage': 'Waiting.', 'CurrentStepId': 's1', 'CurrentStepUniqueName': 'RequireApproval1',
       'CurrentStepDisplayName': 'Require Approval', 'StartDate': '2024-05-01T00:00:00Z', 'LastModified': None,
       'Definition': {'Id': 'd1', 'DisplayName': 'Web', 'Version': 1, 'WorkflowType': 'Enrollment'}}


def test_fields_are_put_in_the_order_of_the_returned_keys_and_select_only_those():
    fields = parse_fields([' title', 'id', 'definition', 'id'], False, False)
    assert fields == ('id', 'title', 'definition')
    definition = {'id': 'd1', 'display_name': 'Web', 'version': 1, 'workflow_type': 'Enrollment'}
    assert select_fields(normalize_instance(RAW), fields) == {'id': RAW['Id'], 'title': 'One', 'definition': definition}
    assert select_fields(normalize_instance(RAW), None) == normalize_instance(RAW)
    assert parse_fields(None, False, False) is None


@pytest.mark.parametrize('fields, detailed, summary_only, message', [
    (['id', 'colour'], False, False, 'fields names colour, not a key of the returned instances; valid: %s.'
     % ', '.join(INSTANCE_KEYS)),
    (['Id', 'start'], False, False, 'fields names Id, start, not keys of the returned instances; valid: '),
    ([], False, False, 'fields names no key; valid: id, reference_id, '),
    (['id', 'signals'], False, False, 'fields names signals, which only a detail read returns: set details: true (or '
     'give instance_id), or leave it out.'),
    (['initial_data', 'signals'], False, False, 'fields names initial_data, signals, which only a detail read returns'),
    (['id'], False, True, 'fields and summary_only cannot be combined: summary_only returns no instances.'),
])
def test_bad_fields_are_refused_naming_the_valid_ones(fields, detailed, summary_only, message):
    with pytest.raises(KeyfactorConfigError) as failure:
        parse_fields(fields, detailed, summary_only)
    assert failure.value.message.startswith(message)


def test_detail_fields_are_allowed_where_details_are_read():
    assert parse_fields(['signals', 'id'], True, False) == ('id', 'signals')


def test_listed_instances_share_their_repeated_values():
    shared = {}
    first, second = (normalize_instance(dict(RAW, Id=guid, StatusMessage='Waiting for approval.'[:]), shared=shared)
                     for guid in ('a0000000-0000-4000-8000-000000000001', 'a0000000-0000-4000-8000-000000000002'))
    assert first['definition'] is second['definition']
    assert first['status_message'] is second['status_message']
    assert first['id'] != second['id']


# --- the result, written a slice at a time --------------------------------------------------------------------------

RESULT = {'changed': False, 'instances': [{'id': str(n), 'title': 'T\u00e9st "%d"' % n} for n in range(2500)],
          'short': [1, 2], 'empty': [], 'summary': {'count': 2500}}


def test_the_result_is_written_as_one_json_encoding_would_write_it():
    chunks = []
    write_json(RESULT, chunks.append, json.dumps)
    assert ''.join(chunks) == json.dumps(RESULT)
    assert max(len(chunk) for chunk in chunks) < len(json.dumps(RESULT['instances'])) / 2


def test_a_result_with_keys_other_than_text_is_written_whole():
    chunks = []
    write_json({1: 'one', 'two': [2]}, chunks.append, json.dumps)
    assert chunks == [json.dumps({1: 'one', 'two': [2]})]


def test_handed_over_items_go_as_they_are_copied_and_only_once():
    handed = HandedOver([{'id': 1}, {'id': 2}])
    chunks = []
    write_json({'instances': handed}, chunks.append, json.dumps)  # reads without taking
    assert [dict(item) for item in handed] == [{'id': 1}, {'id': 2}]
    assert list.__len__(handed) == 2 and handed[0] is None and handed[1] is None
    with pytest.raises(RuntimeError, match='already handed over'):
        list(iter(handed))


@pytest.mark.parametrize('secret', ['S3cret-approver1!', 'pa"ss\\word', 'p\u00e4ss'])
def test_secrets_are_found_as_they_are_and_as_json_escapes_them(secret):
    result = {'instances': HandedOver([{'title': 'plain'}] * 1500 + [{'title': 'x%sy' % secret}]), 'msg': 'ok'}
    assert secrets_in(result, [secret, 'absent']) == {secret}
    assert secrets_in({'msg': 'ok', 'instances': HandedOver([])}, [secret]) == set()
    assert secrets_in({'a %s b' % secret: 1}, [secret]) == {secret}
