# -*- coding: utf-8 -*-
# Copyright (c) keyfactor.command contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""QueryString quoting, and the QueryString built from workflow_instance_info's filters."""

import datetime

import pytest

from ansible_collections.keyfactor.command.plugins.module_utils._errors import KeyfactorConfigError
from ansible_collections.keyfactor.command.plugins.module_utils._instances import STATUSES
from ansible_collections.keyfactor.command.plugins.module_utils._query import (
    INSTANCE_FILTERS, check_raw_query, clause, format_timestamp, instance_query, parse_timestamp, quote_value, status_names,
)

DEFINITION = 'd1000000-0000-4000-8000-000000000001'


@pytest.mark.parametrize('value, expected', [
    ('Suspended', '"Suspended"'),
    ('KEYEXAMPLE\\jsmith', '"KEYEXAMPLE\\\\jsmith"'),
    ('say "hi"', '"say \\"hi\\""'),
    ('a\\"b', '"a\\\\\\"b"'),
    (42, '"42"'),
])
def test_quote_value_escapes_backslashes_and_quotes(value, expected):
    assert quote_value(value) == expected


def test_clause():
    assert clause('Status', '-eq', 'Suspended') == 'Status -eq "Suspended"'


def test_clause_rejects_unknown_operators():
    with pytest.raises(ValueError, match="unknown QueryString operator '-like'"):
        clause('Title', '-like', 'x')


# --- one filter at a time ---------------------------------------------------------------------------

@pytest.mark.parametrize('filters, expected', [
    ({}, None),
    ({'status': ['Suspended']}, 'Status -eq "Suspended"'),
    ({'definition_id': DEFINITION}, 'DefinitionId -eq "%s"' % DEFINITION),
    ({'definition_id': '{D1000000-0000-4000-8000-000000000001}'}, 'DefinitionId -eq "%s"' % DEFINITION),
    ({'workflow_type': 'Enrollment'}, 'WorkflowType -eq "Enrollment"'),
    ({'title': 'CN=app01.keyexample.com'}, 'Title -contains "CN=app01.keyexample.com"'),
    ({'initiating_user': 'KEYEXAMPLE\\requester'}, 'InitiatingUserName -eq "KEYEXAMPLE\\\\requester"'),
    ({'started_after': '2024-05-10'}, 'StartDate -ge "2024-05-10T00:00:00Z"'),
    ({'started_before': '2024-05-10T09:15:02.5Z'}, 'StartDate -lt "2024-05-10T09:15:02.500000Z"'),
    ({'query': 'ReferenceId -gt 1010 OR Title -contains "x"'}, 'ReferenceId -gt 1010 OR Title -contains "x"'),
])
def test_each_filter_alone(filters, expected):
    assert instance_query(**filters) == expected


def test_text_values_are_stripped_quoted_and_escaped():
    assert instance_query(title='  say "hi" \\o/ ') == 'Title -contains "say \\"hi\\" \\\\o/"'
    assert instance_query(workflow_type=' Enrollment') == 'WorkflowType -eq "Enrollment"'


# --- statuses -------------------------------------------------------------------------------------------

def test_several_statuses_are_ored_in_parentheses_in_canonical_spelling_without_repeats():
    assert instance_query(status=['suspended', 'FAILED', 'Suspended']) == '(Status -eq "Suspended" OR Status -eq "Failed")'


def test_every_documented_status_is_accepted():
    assert status_names([name.upper() for name in STATUSES]) == list(STATUSES)


@pytest.mark.parametrize('bad', ['Pending', '2', 'Unknown', ''])
def test_unknown_status_names_list_the_allowed_ones(bad):
    with pytest.raises(KeyfactorConfigError) as failure:
        instance_query(status=['Suspended', bad])
    assert failure.value.message == ('status %r is not a workflow instance status; allowed: Running, Suspended, Complete, '
                                     'Rejected, Failed, CanceledForRestart.' % bad)


def test_an_empty_status_list_is_refused_rather_than_matching_everything():
    with pytest.raises(KeyfactorConfigError, match='status is an empty list; name at least one of Running, '):
        instance_query(status=[])


# --- combinations -------------------------------------------------------------------------------------

def test_every_filter_together_is_anded_in_a_fixed_order_with_the_raw_query_last_in_parentheses():
    query = instance_query(
        query='ReferenceId -gt 1 OR ReferenceId -lt 0', started_before='2024-06-01', started_after='2024-05-01',
        initiating_user='KEYEXAMPLE\\requester', title='CN=app', workflow_type='Enrollment', definition_id=DEFINITION,
        status=['Suspended', 'Failed'])
    assert query == ' AND '.join([
        '(Status -eq "Suspended" OR Status -eq "Failed")',
        'DefinitionId -eq "%s"' % DEFINITION,
        'WorkflowType -eq "Enrollment"',
        'Title -contains "CN=app"',
        'InitiatingUserName -eq "KEYEXAMPLE\\\\requester"',
        'StartDate -ge "2024-05-01T00:00:00Z"',
        'StartDate -lt "2024-06-01T00:00:00Z"',
        '(ReferenceId -gt 1 OR ReferenceId -lt 0)',
    ])


def test_a_single_status_and_a_raw_query():
    assert instance_query(status=['Complete'], query='Title -contains "x"') == 'Status -eq "Complete" AND (Title -contains "x")'


def test_instance_filters_names_every_argument_of_instance_query():
    # The module passes exactly these options; a filter missing here would be silently ignored.
    assert instance_query(**dict.fromkeys(INSTANCE_FILTERS)) is None


# --- empty values ----------------------------------------------------------------------------------

@pytest.mark.parametrize('option', ['workflow_type', 'title', 'initiating_user', 'query'])
def test_empty_text_filters_are_refused_rather_than_matching_everything(option):
    with pytest.raises(KeyfactorConfigError) as failure:
        instance_query(**{option: '  '})
    assert failure.value.message == '%s is empty; give a value or leave the option out.' % option


@pytest.mark.parametrize('bad', ['app01', '', '1042', 'c0ffee00-0000-4000-8000-00000000000g',
                                 '{d1000000-0000-4000-8000-000000000001', 'd1000000-0000-4000-8000-000000000001\nx'])
def test_definition_id_must_be_a_guid(bad):
    with pytest.raises(KeyfactorConfigError) as failure:
        instance_query(definition_id=bad)
    assert failure.value.message == ('definition_id %r is not a workflow definition GUID: expected the form '
                                     'xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx (32 hexadecimal digits), optionally in '
                                     'braces.' % bad)


def test_definition_id_is_canonical_in_the_query():
    assert instance_query(definition_id=' {D1000000-0000-4000-8000-000000000001}\n') == (
        'DefinitionId -eq "d1000000-0000-4000-8000-000000000001"')


# --- dates ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize('value, expected', [
    ('2024-05-10', '2024-05-10T00:00:00Z'),
    ('2024-05-10T09:15', '2024-05-10T09:15:00Z'),
    ('2024-05-10T09:15:02', '2024-05-10T09:15:02Z'),
    ('2024-05-10t09:15:02z', '2024-05-10T09:15:02Z'),
    ('2024-05-10T09:15:02.120Z', '2024-05-10T09:15:02.120000Z'),
    ('2024-05-10T09:15:02.1234567Z', '2024-05-10T09:15:02.123456Z'),
    ('2024-05-10T11:15:02+02:00', '2024-05-10T09:15:02Z'),
    ('2024-05-10T01:15:02-0800', '2024-05-10T09:15:02Z'),
    ('2024-05-10T00:30:00+01:00', '2024-05-09T23:30:00Z'),
    # How YAML-parsed dates and date-times reach the module once Ansible turns them into strings.
    ('2024-05-10 09:15:02+00:00', '2024-05-10T09:15:02Z'),
    (datetime.date(2024, 5, 10), '2024-05-10T00:00:00Z'),
])
def test_dates_and_date_times_are_normalised_to_utc(value, expected):
    assert format_timestamp(parse_timestamp(value, 'started_after')) == expected


@pytest.mark.parametrize('bad', ['yesterday', '10/05/2024', '2024-5-10', '2024-02-30', '2024-05-10T25:00', '2024-05-10T09:15+25:00',
                                 '1715331302', '2024-05-10T', '2024-05-10T09:15:02ZZ'])
def test_other_date_forms_are_refused_naming_the_allowed_ones(bad):
    with pytest.raises(KeyfactorConfigError) as failure:
        instance_query(started_before=bad)
    assert failure.value.message == (
        'started_before %r is not an ISO 8601 date or date-time; allowed forms: YYYY-MM-DD (midnight UTC); '
        'YYYY-MM-DDTHH:MM[:SS[.fraction]] (UTC); the same followed by Z or an offset such as +02:00.' % bad)


@pytest.mark.parametrize('after, before', [('2024-05-10', '2024-05-10'), ('2024-05-11', '2024-05-10T23:59:59Z'),
                                           ('2024-05-10T02:00:00+02:00', '2024-05-10')])
def test_an_empty_start_window_is_refused(after, before):
    with pytest.raises(KeyfactorConfigError, match=r'^started_after \(.*\) must be earlier than started_before \(.*\); the window is empty\.$'):
        instance_query(started_after=after, started_before=before)


def test_a_window_of_one_day():
    assert instance_query(started_after='2024-05-10', started_before='2024-05-11') == (
        'StartDate -ge "2024-05-10T00:00:00Z" AND StartDate -lt "2024-05-11T00:00:00Z"')


# --- raw queries -----------------------------------------------------------------------------------------

@pytest.mark.parametrize('query', [
    'Status -eq "Suspended"',
    '(Status -eq "Suspended" OR Status -eq "Failed") AND ReferenceId -gt 3',
    'Title -contains "has ) and ( inside"',
    'Title -contains "escaped \\" quote ) still quoted"',
    'InitiatingUserName -eq "KEYEXAMPLE\\\\"',
])
def test_balanced_raw_queries_pass(query):
    check_raw_query(query)
    assert instance_query(status=['Failed'], query=query) == 'Status -eq "Failed" AND (%s)' % query


@pytest.mark.parametrize('query, message', [
    ('Status -eq "Suspended") OR (Status -eq "Failed"', "query %r has a ')' without a matching '(' at position 22."),
    ('(Status -eq "Suspended"', "query %r has 1 '(' without a matching ')'."),
    ('Title -contains "open', 'query %r has an unterminated quoted value.'),
    ('Title -contains "ends with backslash quote\\"', 'query %r has an unterminated quoted value.'),
])
def test_raw_queries_that_could_escape_their_parentheses_are_refused(query, message):
    with pytest.raises(KeyfactorConfigError) as failure:
        instance_query(status=['Suspended'], query=query)
    assert failure.value.message == message % query
