# -*- coding: utf-8 -*-
# Copyright (c) keyfactor.command contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Instance normalisation, the status table, GUIDs and signal keys."""

import pytest

from ansible_collections.keyfactor.command.plugins.module_utils._errors import (
    KeyfactorAnswerError, KeyfactorConfigError,
)
from ansible_collections.keyfactor.command.plugins.module_utils._instances import (
    FINISHED_STATUSES, INFO_FIELDS, SIGNAL_FIELDS, STATUS_NAMES, definition_steps, instance_id_of, normalize_instance,
    parse_signal_key, status_name, status_table, validate_guid,
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
    (42, None), ('42', None), ('SomethingNew', 'SomethingNew'),
])
def test_status_name_accepts_names_and_codes(raw, expected):
    assert status_name(raw) == expected


# --- every field checked once: missing, null, other types, camelCase -----------------------------------------

ABOUT = "The server's answer for workflow instance %s " % RAW['Id']


def camel(value):
    """The v11 spec's declared casing: each key's first letter in lower case (free-form data untouched)."""
    if isinstance(value, list):
        return [camel(item) for item in value]
    if not isinstance(value, dict):
        return value
    return {key[:1].lower() + key[1:]: value if key in ('InitialData', 'CurrentStateData') else camel(value)
            for key, value in value.items()}


def test_camel_case_keys_read_like_pascal_case():
    assert normalize_instance(camel(RAW), required=SIGNAL_FIELDS) == normalize_instance(RAW)
    assert instance_id_of(camel(RAW)) == RAW['Id']


@pytest.mark.parametrize('field', ['Title', 'StatusMessage', 'CurrentStepId', 'CurrentStepDisplayName', 'LastModified',
                                   'StartDate', 'ReferenceId', 'CurrentStepUniqueName', 'Definition'])
def test_fields_a_listing_does_not_need_may_be_null_or_missing(field):
    assert normalize_instance(dict(RAW, **{field: None}))[_snake(field)] in (None, _EMPTY_DEFINITION)
    missing = {key: value for key, value in RAW.items() if key != field}
    assert normalize_instance(missing)[_snake(field)] in (None, _EMPTY_DEFINITION)


_EMPTY_DEFINITION = {'id': None, 'display_name': None, 'version': None, 'workflow_type': None}


def _snake(name):
    return {'Definition': 'definition', 'ReferenceId': 'reference_id', 'StatusMessage': 'status_message',
            'CurrentStepId': 'current_step_id', 'CurrentStepDisplayName': 'current_step_display_name',
            'CurrentStepUniqueName': 'current_step_unique_name', 'LastModified': 'last_modified',
            'StartDate': 'start_date', 'Title': 'title'}[name]


@pytest.mark.parametrize('required, raw, label', [
    (INFO_FIELDS, dict(RAW, Id=None), 'Id'),
    (INFO_FIELDS, dict(RAW, Status=None), 'Status'),
    (SIGNAL_FIELDS, dict(RAW, CurrentStepUniqueName=None), 'CurrentStepUniqueName'),
    (SIGNAL_FIELDS, dict(RAW, Definition=None), 'Definition'),
    (SIGNAL_FIELDS, dict(RAW, Definition=dict(RAW['Definition'], Id=None)), 'Definition.Id'),
    (SIGNAL_FIELDS, dict(RAW, Definition={'Id': 'x'}), 'Definition.Version'),
    (SIGNAL_FIELDS, dict(RAW, Signals=[{'SignalName': 'ApprovalStatus'}]), 'Signals[].SignalReceived'),
])
def test_a_required_field_missing_or_null_fails_naming_it(required, raw, label):
    with pytest.raises(KeyfactorAnswerError) as caught:
        normalize_instance(raw, required=required, requested_id=RAW['Id'])
    assert caught.value.message == "The server's answer for workflow instance %s has no %s." % (RAW['Id'], label)


@pytest.mark.parametrize('raw, message', [
    (dict(RAW, Definition='Web Server'), 'has Definition as text; expected an object.'),
    (dict(RAW, Definition=dict(RAW['Definition'], Version='3')),
     'has Definition.Version as text; expected an integer.'),
    (dict(RAW, Signals={'SignalName': 'ApprovalStatus'}), 'has Signals as an object; expected a list.'),
    (dict(RAW, Signals=['ApprovalStatus']), 'has Signals[0] as text; expected an object.'),
    (dict(RAW, Signals=[{'SignalName': 'ApprovalStatus', 'SignalReceived': 'no'}]),
     'has Signals[].SignalReceived as text; expected true or false.'),
    (dict(RAW, Status=True), 'has Status as true or false; expected a status name or an integer code.'),
    (dict(RAW, Status=[2]), 'has Status as a list; expected a status name or an integer code.'),
    (dict(RAW, ReferenceId='1042'), 'has ReferenceId as text; expected an integer.'),
    (dict(RAW, Title=42), 'has Title as a number; expected text.'),
    (dict(RAW, InitialData=[1, 2]), 'has InitialData as a list; expected an object.'),
    (dict(RAW, Status=7), 'has Status 7, an integer code the status table does not know; name it with status_map (for '
                          'example status_map: {7: Suspended}), after checking what the code means on your server.'),
])
def test_an_unexpected_shape_names_what_was_expected(raw, message):
    with pytest.raises(KeyfactorAnswerError) as caught:
        normalize_instance(raw, required=SIGNAL_FIELDS)
    assert caught.value.message == ABOUT + message


@pytest.mark.parametrize('item, kind', [('c0ffee00', 'text'), (None, 'null'), ([RAW], 'a list'), (7, 'a number')])
def test_an_item_that_is_not_an_object_fails_clearly(item, kind):
    expected = "The server's answer for %%s is %s; expected an object (a workflow instance)." % kind
    with pytest.raises(KeyfactorAnswerError) as caught:
        normalize_instance(item)
    assert caught.value.message == expected % 'a workflow instance'
    with pytest.raises(KeyfactorAnswerError) as caught:
        instance_id_of(item)
    assert caught.value.message == expected % 'a listed workflow instance'


# --- the parts of a definition workflow_signal decides from -------------------------------------------------------

DEFINITION = {
    'Id': 'd1000000-0000-4000-8000-000000000001', 'DisplayName': 'Web Server Enrollment Approval', 'Key': '41',
    'Steps': [
        {'Id': 's1', 'UniqueName': 'StartNOOP', 'ExtensionName': 'NOOPStep', 'Enabled': True, 'Signals': [],
         'ConfigurationParameters': {}, 'Outputs': {'continue': 'RequireApproval1'}},
        {'Id': 's2', 'UniqueName': 'RequireApproval1', 'Enabled': True, 'ConfigurationParameters': {'Count': 1},
         'Signals': [{'RoleIds': [3], 'SignalName': 'ApprovalStatus'}], 'Outputs': {'continue': None}},
    ],
}
STEPS = {'Steps': [
    {'UniqueName': 'StartNOOP', 'Enabled': True, 'Signals': [], 'Outputs': {'continue': 'RequireApproval1'}},
    {'UniqueName': 'RequireApproval1', 'Enabled': True, 'Signals': [{'SignalName': 'ApprovalStatus'}],
     'Outputs': {'continue': None}},
]}
ABOUT_DEFINITION = "The server's answer for workflow definition d1 version 1 "


def test_definition_steps_keep_what_the_decisions_read_in_either_casing():
    assert definition_steps(DEFINITION, 'workflow definition d1 version 1') == STEPS
    camel = {key[:1].lower() + key[1:]: value for key, value in DEFINITION.items()}
    camel['steps'] = [{key[:1].lower() + key[1:]: value for key, value in step.items()} for step in DEFINITION['Steps']]
    assert definition_steps(camel, 'workflow definition d1 version 1') == STEPS


def test_definition_steps_may_be_null_or_missing():
    assert definition_steps({'Id': 'd1', 'Steps': None}, 'x') == {'Steps': []}
    assert definition_steps({'Steps': [{}]}, 'x') == {'Steps': [
        {'UniqueName': None, 'Enabled': None, 'Signals': [], 'Outputs': {}}]}


@pytest.mark.parametrize('raw, message', [
    (['Steps'], 'is a list; expected an object (a workflow definition).'),
    ({'Steps': 'StartNOOP'}, 'has Steps as text; expected a list.'),
    ({'Steps': ['StartNOOP']}, 'has Steps[0] as text; expected an object.'),
    ({'Steps': [{'UniqueName': 7}]}, 'has Steps[].UniqueName as a number; expected text.'),
    ({'Steps': [{'Enabled': 'yes'}]}, 'has Steps[].Enabled as text; expected true or false.'),
    ({'Steps': [{'Signals': {'SignalName': 'x'}}]}, 'has Steps[].Signals as an object; expected a list.'),
    ({'Steps': [{'Signals': [{'SignalName': ['x']}]}]}, 'has Steps[].Signals[].SignalName as a list; expected text.'),
    ({'Steps': [{'Outputs': ['EndNOOP']}]}, 'has Steps[].Outputs as a list; expected an object.'),
    ({'Steps': [{'Outputs': {'continue': 3}}]},
     'has Steps[].Outputs.continue as a number; expected text (a step UniqueName).'),
])
def test_a_definition_of_another_shape_names_what_was_expected(raw, message):
    with pytest.raises(KeyfactorAnswerError) as caught:
        definition_steps(raw, 'workflow definition d1 version 1')
    assert caught.value.message == ABOUT_DEFINITION + message


def test_a_status_code_named_by_status_map_is_read():
    assert normalize_instance(dict(RAW, Status=7), status_table({7: 'Paused'}))['status'] == 'Paused'


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
    (' ApprovalStatus ', (None, 'ApprovalStatus')),
])
def test_parse_signal_key(key, expected):
    assert parse_signal_key(key) == expected


@pytest.mark.parametrize('key', ['RequireApproval1.', '.ApprovalStatus', 'a.b.c', 'Require Approval1.ApprovalStatus', ''])
def test_parse_signal_key_rejects_malformed_keys(key):
    with pytest.raises(KeyfactorConfigError, match=r'expected <step UniqueName>\.<signal name>'):
        parse_signal_key(key)
