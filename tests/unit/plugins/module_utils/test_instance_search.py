# -*- coding: utf-8 -*-
# Copyright (c) keyfactor.command contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""workflow_instance_info's flow: option checks (pure) and the listing against the simulator.

The paging cases count the requests the simulator received, with and without x-total-count.
"""

import pytest

from ansible_collections.keyfactor.command.plugins.module_utils._errors import KeyfactorAPIError, KeyfactorConfigError
from ansible_collections.keyfactor.command.plugins.module_utils._instance_search import (
    SORT_FIELDS, Search, find_instances, parse_search, sort_field_name,
)
from ansible_collections.keyfactor.command.plugins.module_utils._instances import STATUS_NAMES, status_table

from kfsim.testing import default_instance_id  # pylint: disable=import-error

ALL_INSTANCES = 18  # the default scenario
SUSPENDED = [default_instance_id(n) for n in list(range(1, 10)) + [16, 17]]
LIST_PATH = '/KeyfactorAPI/Workflow/Instances'
RUN_HEADER = 'X-Test-Run'  # as conftest.py's api sends it


def options(**given):
    """The module's parameters as AnsibleModule hands them over: every option present, defaults applied."""
    params = dict(instance_id=None, scope=None, status=None, definition_id=None, workflow_type=None, title=None,
                  initiating_user=None, started_after=None, started_before=None, query=None, sort_field=None,
                  sort_order=None, limit=None, page_size=100, details=False, concurrency=8)
    params.update(given)
    return params


# --- parse_search: every check, before any request ---------------------------------------------------

def test_defaults_list_everything_in_the_servers_order():
    assert parse_search(options()) == Search(scope='all', query=None, sort_field=None, ascending=True, limit=None,
                                             page_size=100, details=False, concurrency=8)


def test_filters_sorting_and_paging_are_carried_over():
    search = parse_search(options(scope='assigned_to_me', status=['suspended'], sort_field='start_date',
                                  sort_order='descending', limit=5, page_size=1000, details=True, concurrency=32))
    assert search == Search(scope='assigned_to_me', query='Status -eq "Suspended"', sort_field='StartDate', ascending=False,
                            limit=5, page_size=1000, details=True, concurrency=32)


def test_definition_name_is_checked_and_kept_with_the_filters_to_build_the_query_again():
    search = parse_search(options(definition_name=' Code Signing Dual Approval ', status=['Suspended']))
    assert (search.definition_name, search.query, search.filters['status']) == (
        'Code Signing Dual Approval', 'Status -eq "Suspended"', ['Suspended'])
    with pytest.raises(KeyfactorConfigError, match='^definition_name is empty; give a value or leave the option out.$'):
        parse_search(options(definition_name=''))


def test_instance_id_is_normalised_and_takes_nothing_else():
    search = parse_search(options(instance_id=' {C0FFEE00-0000-4000-8000-000000000001} '))
    assert search == Search(instance_id=default_instance_id(1), concurrency=8)


@pytest.mark.parametrize('given', SORT_FIELDS + ('start_date', 'REFERENCE_ID', 'current_step_display_name', 'statusmessage'))
def test_sort_fields_match_ignoring_case_and_underscores(given):
    assert sort_field_name(given).lower() == given.replace('_', '').lower()


@pytest.mark.parametrize('given, message', [
    (dict(instance_id='1042'), "instance_id '1042' is not a workflow instance GUID"),
    (dict(sort_field='Colour'), "sort_field 'Colour' is not a field workflow instances can be sorted on; allowed: "
                                'CurrentStepDisplayName, CurrentStepId, '),
    (dict(sort_field='definition.id'), "sort_field 'definition.id' is not a field"),
    (dict(limit=0), 'limit must be 1 or more, got 0; leave limit out to return every match.'),
    (dict(limit=-5), 'limit must be 1 or more, got -5; leave limit out to return every match.'),
    (dict(page_size=0), 'page_size must be from 1 to 1000, got 0.'),
    (dict(page_size=1001), 'page_size must be from 1 to 1000, got 1001.'),
    (dict(page_size=None), 'page_size must be from 1 to 1000, got None.'),
    (dict(concurrency=0), 'concurrency must be from 1 to 32, got 0.'),
    (dict(concurrency=33), 'concurrency must be from 1 to 32, got 33.'),
    (dict(instance_id=default_instance_id(1), concurrency=0), 'concurrency must be from 1 to 32, got 0.'),
    (dict(status=['Waiting']), "status 'Waiting' is not a workflow instance status; allowed: Running, "),
    (dict(started_after='last week'), "started_after 'last week' is not an ISO 8601 date or date-time"),
])
def test_bad_options_are_refused_with_what_is_allowed(given, message):
    with pytest.raises(KeyfactorConfigError) as failure:
        parse_search(options(**given))
    assert failure.value.message.startswith(message)


# --- find_instances against the simulator -------------------------------------------------------------

@pytest.fixture
def warnings():
    """Collects the warnings module.warn would emit."""
    return []


def find(api, warnings, table=None, **given):
    return find_instances(api, parse_search(options(**given)), table or STATUS_NAMES, warnings.append)


def audited(simulator, run_marker):
    """The requests this test made, as the simulator received them, in order."""
    return [entry for entry in simulator.audit()['requests'] if entry['headers'].get(RUN_HEADER) == run_marker]


def list_pages(simulator, run_marker):
    """(PageReturned, ReturnLimit) of each listing request the simulator received, by page (pages after the first
    may be read concurrently, so they arrive in any order)."""
    return sorted((int(entry['query']['PageReturned']), int(entry['query']['ReturnLimit']))
                  for entry in audited(simulator, run_marker) if entry['path'] == LIST_PATH)


def detail_reads(simulator, run_marker):
    return sorted(entry['path'].rsplit('/', 1)[1] for entry in audited(simulator, run_marker)
                  if entry['path'].startswith(LIST_PATH + '/') and entry['method'] == 'GET')


@pytest.mark.parametrize('total_count', ['on', 'off'])
@pytest.mark.parametrize('page_size, with_total, without_total', [
    # One short first page: without the header, the second page at the size the server gave tells a last page
    # from a server that caps ReturnLimit (one request more, answered empty).
    (100, [(1, 100)], [(1, 100), (2, 18)]),
    (18, [(1, 18)], [(1, 18), (2, 18)]),   # exactly one full page: without the header, an empty page ends it
    (6, [(1, 6), (2, 6), (3, 6)], [(1, 6), (2, 6), (3, 6), (4, 6)]),
    (5, [(n, 5) for n in range(1, 5)], [(n, 5) for n in range(1, 5)]),  # 5 + 5 + 5 + 3: a short later page ends it
    (1, [(n, 1) for n in range(1, 19)], [(n, 1) for n in range(1, 20)]),
])
def test_paging_across_page_boundaries(api, simulator, warnings, run_marker, total_count, page_size, with_total,
                                       without_total):
    simulator.configure(total_count=total_count)
    result = find(api, warnings, page_size=page_size, sort_field='ReferenceId')
    assert [instance['reference_id'] for instance in result['instances']] == list(range(1001, 1001 + ALL_INSTANCES))
    assert result['count'] == ALL_INSTANCES
    assert result.get('total') == (ALL_INSTANCES if total_count == 'on' else None)
    assert list_pages(simulator, run_marker) == (with_total if total_count == 'on' else without_total)
    assert warnings == []


@pytest.mark.parametrize('total_count, limit, page_size, requests, warning', [
    # The limit is asked for plus one, which tells whether more match without x-total-count.
    ('on', 10, 100, [(1, 11)], 'returned 10 of 18 instances; raise or remove limit (10) to get them all.'),
    ('off', 10, 100, [(1, 11)], 'returned the first 10 instances and more match; raise or remove limit (10) to get them all.'),
    # A limit on a page boundary: x-total-count answers at once, otherwise one more page does.
    ('on', 6, 6, [(1, 6)], 'returned 6 of 18 instances; raise or remove limit (6) to get them all.'),
    ('off', 6, 6, [(1, 6), (2, 6)], 'returned the first 6 instances and more match; raise or remove limit (6) to get them all.'),
    ('on', 7, 3, [(1, 3), (2, 3), (3, 3)], 'returned 7 of 18 instances; raise or remove limit (7) to get them all.'),
    # A limit that matches or exceeds the result cuts nothing.
    ('on', 18, 6, [(1, 6), (2, 6), (3, 6)], None),
    ('off', 18, 6, [(1, 6), (2, 6), (3, 6), (4, 6)], None),
    ('off', 18, 100, [(1, 19), (2, 18)], None),
    ('on', 50, 100, [(1, 51)], None),
])
def test_limit(api, simulator, warnings, run_marker, total_count, limit, page_size, requests, warning):
    simulator.configure(total_count=total_count)
    result = find(api, warnings, limit=limit, page_size=page_size, sort_field='ReferenceId')
    expected = min(limit, ALL_INSTANCES)
    assert [instance['reference_id'] for instance in result['instances']] == list(range(1001, 1001 + expected))
    assert result['count'] == expected
    assert list_pages(simulator, run_marker) == requests
    assert warnings == ([warning] if warning else [])


def test_listed_instances_have_no_detail_keys(api, warnings):
    result = find(api, warnings, instance_id=None, status=['Suspended'], limit=1)
    assert set(result['instances'][0]) == {'id', 'reference_id', 'title', 'status', 'status_message', 'current_step_id',
                                           'current_step_unique_name', 'current_step_display_name', 'start_date',
                                           'last_modified', 'definition'}


def test_details_read_each_listed_instance_once_in_listing_order(api, simulator, warnings, run_marker):
    result = find(api, warnings, status=['Suspended'], details=True, concurrency=4, sort_field='ReferenceId', sort_order='descending')
    assert [instance['id'] for instance in result['instances']] == sorted(SUSPENDED, reverse=True)
    assert result['count'] == len(SUSPENDED) and result['total'] == len(SUSPENDED)
    assert list_pages(simulator, run_marker) == [(1, 100)]
    assert detail_reads(simulator, run_marker) == sorted(SUSPENDED)
    gated = result['instances'][0]  # 17 is dual approval, 16 the review gate
    assert result['instances'][1]['signals'][0]['key'] == 'ReviewGate.Proceed'
    assert gated['signals'][0]['key'] == 'RequireApproval1.ApprovalStatus' and gated['signals'][0]['received'] is False
    assert all({'signals', 'initial_data', 'current_state_data'} <= set(instance) for instance in result['instances'])
    assert warnings == []


def test_details_with_a_limit_read_only_the_returned_instances(api, simulator, warnings, run_marker):
    result = find(api, warnings, details=True, limit=3, sort_field='ReferenceId')
    assert [instance['reference_id'] for instance in result['instances']] == [1001, 1002, 1003]
    assert detail_reads(simulator, run_marker) == [default_instance_id(n) for n in (1, 2, 3)]
    assert warnings == ['returned 3 of 18 instances; raise or remove limit (3) to get them all.']


def test_an_instance_deleted_between_listing_and_detail_read_is_dropped_with_a_warning(api, simulator, warnings):
    gone = default_instance_id(2)
    simulator.inject(method='GET', path='/Instances/%s$' % gone, status=404, times=1,
                     body='{"ErrorCode": "0xA5100003", "Message": "Workflow instance %s was not found."}' % gone)
    result = find(api, warnings, status=['Suspended'], details=True, sort_field='ReferenceId')
    assert [instance['id'] for instance in result['instances']] == [i for i in sorted(SUSPENDED) if i != gone]
    assert result['count'] == len(SUSPENDED) - 1
    assert warnings == ['1 listed instance(s) no longer existed when their details were read (deleted meanwhile) and are '
                        'left out: %s.' % gone]


def test_a_failed_detail_read_fails_the_search(api, simulator, warnings):
    broken = default_instance_id(3)
    simulator.inject(method='GET', path='/Instances/%s$' % broken, status=500, times=1,
                     body='{"ErrorCode": "0xA510000C", "Message": "Internal error."}')
    with pytest.raises(KeyfactorAPIError) as failure:
        find(api, warnings, status=['Suspended'], details=True)
    assert failure.value.message == ('GET /Workflow/Instances/%s failed with HTTP 500 Internal Server Error '
                                     '(Keyfactor error 0xA510000C: Internal error.).' % broken)


def test_one_instance_by_id_with_full_detail(api, simulator, warnings, run_marker):
    result = find(api, warnings, instance_id=default_instance_id(5))
    assert result['count'] == 1 and 'total' not in result
    instance = result['instances'][0]
    assert (instance['id'], instance['status'], instance['definition']['display_name']) == (
        default_instance_id(5), 'Suspended', 'Code Signing Dual Approval')
    assert [signal['key'] for signal in instance['signals']] == ['RequireApproval1.ApprovalStatus']
    assert list_pages(simulator, run_marker) == [] and detail_reads(simulator, run_marker) == [default_instance_id(5)]


def test_an_unknown_instance_id_is_an_empty_list(api, warnings):
    assert find(api, warnings, instance_id='c0ffee00-0000-4000-8000-999999999999') == dict(changed=False, instances=[], count=0)


def test_integer_statuses_are_named_with_the_table_and_names_still_filter(api, simulator, warnings, run_marker):
    simulator.configure(status_format='int')
    table = status_table({'3': 'Done'})  # as status_map gives it
    result = find(api, warnings, table=table, status=['Complete', 'Failed'], sort_field='ReferenceId')
    assert [(instance['reference_id'], instance['status']) for instance in result['instances']] == [
        (1010, 'Done'), (1012, 'Failed'), (1015, 'Done'), (1018, 'Failed')]
    assert audited(simulator, run_marker)[0]['query']['QueryString'] == '(Status -eq "Complete" OR Status -eq "Failed")'
