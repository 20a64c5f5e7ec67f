# -*- coding: utf-8 -*-
# Copyright (c) keyfactor.command contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Pager with concurrency: pages after the first read at once when x-total-count is known, delivered in order.

A scripted server (no HTTP) controls timing, totals and failures; the simulator checks the paging rules that a
real server can break (ignore_page_returned, ignore_return_limit, max_return_limit).
"""

import random
import threading
import time

import pytest

from ansible_collections.keyfactor.command.plugins.module_utils._errors import KeyfactorAPIError
from ansible_collections.keyfactor.command.plugins.module_utils._paging import Pager, last_page
from ansible_collections.keyfactor.command.plugins.module_utils._transport import ApiResponse

RUN_HEADER = 'X-Test-Run'  # as conftest.py's api sends it


class ScriptedServer:
    """request() answers pages of `count` numbered items (x-total-count: `total`, or none), after a random delay.

    It records each page asked for and the most requests it ever had in flight at once.
    """

    def __init__(self, count, total='count', delays=(0, 0.01), fail_page=None, total_after_first=None):
        self.count = count
        self.total = count if total == 'count' else total
        self.total_after_first = total_after_first  # the header from the second page on (the listing grew)
        self.delays = delays
        self.fail_page = fail_page
        self.asked = []
        self.in_flight = self.most_in_flight = 0
        self._lock = threading.Lock()

    def request(self, method, path, params=None, max_bytes=None, oversize_hint=None):
        del method, max_bytes, oversize_hint  # the Pager always GETs with a size bound
        number, size = params['PageReturned'], params['ReturnLimit']
        with self._lock:
            self.asked.append(number)
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            time.sleep(random.uniform(*self.delays))
            if number == self.fail_page:
                raise KeyfactorAPIError('page %d failed' % number, status=500, method='GET', path=path)
            first = (number - 1) * size
            total = self.total if number == 1 or self.total_after_first is None else self.total_after_first
            items = [{'Id': index} for index in range(first, min(first + size, self.count))]
            return ApiResponse(200, {'x-total-count': str(total)} if total is not None else {}, items)
        finally:
            with self._lock:
                self.in_flight -= 1


def pager(server, page_size=10, limit=None, concurrency=4):
    return Pager(server, '/Workflow/Instances', None, page_size, limit, concurrency)


@pytest.mark.parametrize('total, limit, size, expected', [
    (None, None, 10, None), (95, None, 10, 10), (100, None, 10, 10), (100, 35, 10, 4), (20, 35, 10, 2), (0, None, 10, 0),
])
def test_last_page(total, limit, size, expected):
    assert last_page(total, limit, size) == expected


def test_pages_are_read_concurrently_and_delivered_in_order():
    server = ScriptedServer(95)
    listing = pager(server, concurrency=4)
    assert [item['Id'] for item in listing] == list(range(95))
    assert sorted(server.asked) == list(range(1, 11)) and server.asked[0] == 1
    assert 1 < server.most_in_flight <= 4
    assert (listing.total, listing.pages) == (95, 10)


@pytest.mark.parametrize('concurrency', [1, 4])
def test_without_a_total_pages_are_read_one_by_one(concurrency):
    server = ScriptedServer(95, total=None)
    assert [item['Id'] for item in pager(server, concurrency=concurrency)] == list(range(95))
    assert server.asked == list(range(1, 11)) and server.most_in_flight == 1


def test_a_limit_asks_for_no_page_beyond_it():
    server = ScriptedServer(1000)
    assert [item['Id'] for item in pager(server, limit=35)] == list(range(35))
    assert sorted(server.asked) == [1, 2, 3, 4]


def test_a_consumer_that_stops_early_leaves_no_request_queued():
    server = ScriptedServer(1000, delays=(0.01, 0.02))
    items = iter(pager(server, page_size=10, concurrency=3))
    assert [next(items)['Id'] for _count in range(25)] == list(range(25))
    items.close()
    asked = len(server.asked)
    time.sleep(0.1)
    assert asked == len(server.asked) <= 6 and server.in_flight == 0


def test_a_failed_page_fails_the_listing_after_the_pages_before_it():
    server = ScriptedServer(95, fail_page=4)
    delivered = []
    with pytest.raises(KeyfactorAPIError, match='^page 4 failed$'):
        for item in pager(server):
            delivered.append(item['Id'])
    assert delivered == list(range(30))
    assert server.in_flight == 0


def test_a_listing_that_grew_meanwhile_is_read_to_its_new_end_one_by_one():
    server = ScriptedServer(45, total=30, total_after_first=45)
    listing = pager(server)
    assert [item['Id'] for item in listing] == list(range(45))
    assert sorted(server.asked[:3]) == [1, 2, 3] and server.asked[3:] == [4, 5]
    assert listing.total == 45


def test_a_listing_that_shrank_meanwhile_ends_at_the_first_short_page():
    server = ScriptedServer(25, total=60)
    assert [item['Id'] for item in pager(server, concurrency=2)] == list(range(25))
    assert max(server.asked) <= 5


# --- the paging rules against the simulator, with pages read concurrently -------------------------------------------

def generated(simulator, count):
    only_generated = {key: value for key, value in simulator.scenario.items() if key not in ('instances', 'generate')}
    simulator.load(dict(only_generated, generate=[{'count': count, 'definition': 'enroll-single'}]))


def list_queries(simulator, run_marker):
    """(PageReturned, ReturnLimit) of each listing request, by page (concurrent ones arrive in any order)."""
    return sorted((int(entry['query']['PageReturned']), int(entry['query']['ReturnLimit']))
                  for entry in simulator.audit()['requests']
                  if entry['headers'].get(RUN_HEADER) == run_marker and entry['path'].endswith('/Workflow/Instances'))


def test_the_simulator_listing_is_read_concurrently_in_order(api, simulator, run_marker):
    generated(simulator, 95)
    listing = api.list_instances(page_size=10, sort_field='ReferenceId', concurrency=4)
    references = [item['ReferenceId'] for item in listing]
    assert references == sorted(references) and len(set(references)) == 95
    assert list_queries(simulator, run_marker) == [(number, 10) for number in range(1, 11)]


def test_a_server_that_ignores_page_returned_fails_on_the_second_page(api, simulator):
    generated(simulator, 60)
    simulator.configure(ignore_page_returned=True)
    with pytest.raises(KeyfactorAPIError) as caught:
        list(api.list_instances(page_size=10, concurrency=4))
    assert str(caught.value).startswith('GET /Workflow/Instances returned the same items for PageReturned 2 as for '
                                        'PageReturned 1')


def test_a_server_that_ignores_return_limit_fails_on_the_first_page(api, simulator, run_marker):
    generated(simulator, 30)
    simulator.configure(ignore_return_limit=True)
    with pytest.raises(KeyfactorAPIError, match='returned 30 items for ReturnLimit 10'):
        list(api.list_instances(page_size=10, concurrency=4))
    assert list_queries(simulator, run_marker) == [(1, 10)]


def test_a_server_that_caps_return_limit_is_read_concurrently_at_its_own_size(api, simulator, run_marker):
    generated(simulator, 25)
    simulator.configure(max_return_limit=7)
    listing = api.list_instances(page_size=100, sort_field='ReferenceId', concurrency=4)
    references = [item['ReferenceId'] for item in listing]
    assert references == sorted(references) and len(set(references)) == 25
    assert list_queries(simulator, run_marker) == [(1, 100), (2, 7), (3, 7), (4, 7)]
