# -*- coding: utf-8 -*-
# Copyright (c) keyfactor.command contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Instance normalisation, the status table, GUIDs and signal keys."""

import pytest

from ansible_collections.keyfactor.command.plugins.module_utils._errors import KeyfactorConfigError
from ansible_collections.keyfactor.command.plugins.module_utils._instances import (
    FINISHED_STATUSES, STATUS_NAMES, normalize_instance, parse_signal_key, status_name, status_table, validate_guid,
)

# The reference's example InstanceResponse (keyfactor-api.md section 13.1).
RAW = {
    'Id': '8a3c1f52-6a0e-4d0b-9a51-2f7e3c9d4b10',
    'Status': 'Suspended',
    'CurrentStepId': '5b0f9c2e-1d7a-4a3e-8f61-0c2d9e7a6b34',
    'StatusMessage': 'Waiting for approval.',
    'Signals': [{'SignalName': 'ApprovalStatus', 'StepSignalId': 'c41d2b7e-93a8-4f0e-b6d2-7a1e5c0f9d83', 'SignalReceived': False}],
    'Definition': {'Id': '2f6d8e14-0c3b-4e55-a9d7-61b0c8e2f4a1', 'DisplayName': 'Web Server Enrollment Approval',
                   'Version': 3, 'WorkflowType': 'Enrollment'},
    'CurrentStepDisplayName': 'Require Approval',
    'CurrentStepUniqueName': 'RequireApproval1',
    'Title': 'KEYEXAMPLE\\jsmith is enrolling for a certificate with CN=appsrvr12.keyexample.com.',
    'LastModified': '2024-05-14T16:02:11.853Z',
    'StartDate': '2024-05-14T16:02:09.120Z',
    'InitialData': {'Template': 'WebServer', 'Nested': {'List': [1, 2]}},
    'CurrentStateData': {},
    'ReferenceId': 1042,
}


def test_normalize_full_instance():
    assert normalize_instance(RAW) == {
        'id': RAW['Id'],
        'reference_id': 1042,
        'title': RAW['Title'],
        'status': 'Suspended',
        'status_message': 'Waiting for approval.',
        'current_step_id': RAW['CurrentStepId'],
        'current_step_unique_name': 'RequireApproval1',
        'current_step_display_name': 'Require Approval',
        'start_date': RAW['StartDate'],
        'last_modified': RAW['LastModified'],
        'definition': {'id': RAW['Definition']['Id'], 'display_name': 'Web Server Enrollment Approval', 'version': 3,
                       'workflow_type': 'Enrollment'},
        'signals': [{'name': 'ApprovalStatus', 'key': 'RequireApproval1.ApprovalStatus',
                     'step_signal_id': 'c41d2b7e-93a8-4f0e-b6d2-7a1e5c0f9d83', 'received': False}],
        'initial_data': {'Template': 'WebServer', 'Nested': {'List': [1, 2]}},
        'current_state_data': {},
    }


def test_list_items_have_no_detail_keys():
    item = {key: value for key, value in RAW.items() if key not in ('Signals', 'InitialData', 'CurrentStateData')}
    normalized = normalize_instance(item)
    assert not {'signals', 'initial_data', 'current_state_data'} & set(normalized)
    assert normalized['status'] == 'Suspended'


def test_null_detail_values_become_empty():
    normalized = normalize_instance(dict(RAW, Signals=None, InitialData=None, CurrentStateData=None))
    assert (normalized['signals'], normalized['initial_data'], normalized['current_state_data']) == ([], {}, {})


@pytest.mark.parametrize('raw, expected', [
    ('Suspended', 'Suspended'), ('suspended', 'Suspended'), ('COMPLETE', 'Complete'),
    (2, 'Suspended'), ('2', 'Suspended'), (6, 'CanceledForRestart'), (0, 'Unknown'),
    (42, '42'), ('SomethingNew', 'SomethingNew'), (None, 'None'),
])
def test_status_name_accepts_names_and_codes(raw, expected):
    assert status_name(raw) == expected


def test_status_map_overrides_the_provisional_table():
    table = status_table({'3': 'Failed', 7: 'Paused'})
    assert status_name(3, table) == 'Failed'
    assert status_name(7, table) == 'Paused'
    assert status_name(2, table) == 'Suspended'
    assert STATUS_NAMES[3] == 'Complete'


def test_status_map_rejects_non_integer_codes():
    with pytest.raises(KeyfactorConfigError, match="status_map keys must be integers.*'Done'"):
        status_table({'Done': 'Complete'})


def test_finished_statuses():
    assert FINISHED_STATUSES == {'Complete', 'Rejected', 'Failed', 'CanceledForRestart'}


@pytest.mark.parametrize('given, expected', [
    ('8A3C1F52-6A0E-4D0B-9A51-2F7E3C9D4B10', '8a3c1f52-6a0e-4d0b-9a51-2f7e3c9d4b10'),
    ('{8a3c1f52-6a0e-4d0b-9a51-2f7e3c9d4b10}', '8a3c1f52-6a0e-4d0b-9a51-2f7e3c9d4b10'),
    (' {8A3C1F52-6a0e-4d0b-9a51-2f7e3c9d4b10}\n', '8a3c1f52-6a0e-4d0b-9a51-2f7e3c9d4b10'),
    ('{\n8a3c1f52-6a0e-4d0b-9a51-2f7e3c9d4b10\n}', '8a3c1f52-6a0e-4d0b-9a51-2f7e3c9d4b10'),
    ('\t8a3c1f52-6a0e-4d0b-9a51-2f7e3c9d4b10\r\n', '8a3c1f52-6a0e-4d0b-9a51-2f7e3c9d4b10'),
])
def test_validate_guid_gives_the_canonical_form(given, expected):
    assert validate_guid(given) == expected


@pytest.mark.parametrize('given', [
    '1042', '8a3c1f52-6a0e-4d0b-9a51-2f7e3c9d4b1', 'not-a-guid', '', '8a3c1f52 6a0e 4d0b 9a51 2f7e3c9d4b10',
    # forms uuid.UUID alone would take, or that 1.0.0 took: unbalanced or doubled braces, no hyphens, a URN,
    # underscores and signs (int() accepts them), a line break inside, non-ASCII digits
    '{8a3c1f52-6a0e-4d0b-9a51-2f7e3c9d4b10', '8a3c1f52-6a0e-4d0b-9a51-2f7e3c9d4b10}',
    '{{8a3c1f52-6a0e-4d0b-9a51-2f7e3c9d4b10}}',
    '8a3c1f526a0e4d0b9a512f7e3c9d4b10', 'urn:uuid:8a3c1f52-6a0e-4d0b-9a51-2f7e3c9d4b10',
    '8a3c1f52-6a0e-4d0b-9a51-2f7e3c9d_b10', '+a3c1f52-6a0e-4d0b-9a51-2f7e3c9d4b10',
    '8a3c1f52-6a0e-4d0b-9a51-2f7e3c9d4b10\nx', '8a3c1f52-6a0e-4d0b-9a51-2f7e3c9d4b1\u0661',
])
def test_validate_guid_rejects_the_rest_naming_option_and_value(given):
    with pytest.raises(KeyfactorConfigError) as caught:
        validate_guid(given, 'instance_ids')
    assert str(caught.value).startswith('instance_ids %r is not a workflow instance GUID' % given)


@pytest.mark.parametrize('key, expected', [
    ('RequireApproval1.ApprovalStatus', ('RequireApproval1', 'ApprovalStatus')),
    ('Gate_2.Go-Ahead', ('Gate_2', 'Go-Ahead')),
])
def test_parse_signal_key(key, expected):
    assert parse_signal_key(key) == expected


@pytest.mark.parametrize('key', ['RequireApproval1', 'RequireApproval1.', '.ApprovalStatus', 'a.b.c', 'Require Approval1.ApprovalStatus', ''])
def test_parse_signal_key_rejects_malformed_keys(key):
    with pytest.raises(KeyfactorConfigError, match=r'expected <step UniqueName>\.<signal name>'):
        parse_signal_key(key)
