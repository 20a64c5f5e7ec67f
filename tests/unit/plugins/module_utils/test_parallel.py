# -*- coding: utf-8 -*-
# Copyright (c) keyfactor.command contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""map_concurrently: order kept, errors kept with their item, real concurrency."""

import threading

import pytest

from ansible_collections.keyfactor.command.plugins.module_utils._errors import KeyfactorError
from ansible_collections.keyfactor.command.plugins.module_utils._parallel import map_concurrently


def square_or_fail(item):
    if item == 3:
        raise KeyfactorError('three failed')
    return item * item


@pytest.mark.parametrize('workers', [1, 4])
def test_results_in_input_order_with_errors_attached(workers):
    outcomes = list(map_concurrently(square_or_fail, range(6), workers))
    assert [outcome.item for outcome in outcomes] == list(range(6))
    assert [outcome.value for outcome in outcomes] == [0, 1, 4, None, 16, 25]
    assert [str(outcome.error) if outcome.error else None for outcome in outcomes] == [None] * 3 + ['three failed'] + [None] * 2


def test_runs_items_at_the_same_time():
    barrier = threading.Barrier(4, timeout=5)
    outcomes = list(map_concurrently(lambda item: barrier.wait() is not None, range(4), 4))
    assert all(outcome.value for outcome in outcomes)


def test_other_exceptions_propagate():
    def broken(item):
        raise ZeroDivisionError(item)
    with pytest.raises(ZeroDivisionError):
        list(map_concurrently(broken, [1, 2], 2))


@pytest.mark.parametrize('workers', [1, 3])
def test_stop_starts_no_further_item_and_finishes_those_in_flight(workers):
    started = []
    lock = threading.Lock()

    def record(item):
        with lock:
            started.append(item)
        return square_or_fail(item)
    outcomes = list(map_concurrently(record, range(20), workers, stop=lambda outcome: outcome.error is not None))
    # Items start in order, so those started are the first ones, and each is yielded once, in order.
    assert [outcome.item for outcome in outcomes] == list(range(len(outcomes))) == sorted(started)
    assert 4 <= len(outcomes) <= 3 + workers  # item 3 stops it; at most the items in flight then follow
    assert str(outcomes[3].error) == 'three failed'


def test_an_item_in_flight_when_the_stop_comes_still_finishes():
    release = threading.Event()

    def slow_first(item):
        if item == 0:
            assert release.wait(5)
            return 'first'
        release.set()
        raise KeyfactorError('stop here')
    outcomes = list(map_concurrently(slow_first, range(10), 2, stop=lambda outcome: outcome.error is not None))
    assert [(outcome.item, outcome.value) for outcome in outcomes] == [(0, 'first'), (1, None)]
