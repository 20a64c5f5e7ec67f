# -*- coding: utf-8 -*-
# Copyright (c) keyfactor.command contributors
# BSD 2-Clause License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause
"""Run one function over many items on a few threads sharing the client's session.

FOR INTERNAL COLLECTION USE ONLY. Supported Pythons: 3.9 and later.
"""

from collections import namedtuple
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait

from ._errors import KeyfactorError

Outcome = namedtuple('Outcome', 'item value error')


def _never(outcome):
    del outcome  # nothing stops the run
    return False


def map_concurrently(function, items, workers, stop=_never):
    """Yield Outcome(item, value, error) for each item started, in the order of `items`.

    A KeyfactorError stays with its item, so one failure does not stop the others; anything else
    is a bug and propagates. Items are started one by one as workers free up; once an outcome
    satisfies stop(outcome), no further item is started, and those already running finish and are
    yielded. The items started are always the first ones, so the rest are items[len(outcomes):].
    The decision to stop is taken here, in the caller's thread: no thread reads state another writes.
    """
    def call(item):
        try:
            return Outcome(item, function(item), None)
        except KeyfactorError as error:
            return Outcome(item, None, error)

    items = list(items)
    if workers <= 1 or len(items) <= 1:
        for item in items:
            outcome = call(item)
            yield outcome
            if stop(outcome):
                return
        return
    with ThreadPoolExecutor(max_workers=min(workers, len(items))) as executor:
        yield from _in_order(executor, call, items, workers, stop)


def _in_order(executor, call, items, workers, stop):
    running, finished = {}, {}  # index -> future, index -> outcome
    started = yielded = 0
    stopped = False
    while yielded < len(items) and (running or finished or not stopped):
        while not stopped and started < len(items) and len(running) < workers:
            running[started] = executor.submit(call, items[started])
            started += 1
        if running:
            done, dummy = wait(running.values(), return_when=FIRST_COMPLETED)
            for index in [index for index, future in running.items() if future in done]:
                finished[index] = outcome = running.pop(index).result()
                stopped = stopped or stop(outcome)
        while yielded in finished:
            yield finished.pop(yielded)
            yielded += 1


def read_concurrently(read, items, workers):
    """([(item, value) ...], [missing item ...]): read(item) for each item, `workers` at a time, in order.

    An item read as None (the server no longer knows it) is missing; the first KeyfactorError is raised.
    """
    found, missing = [], []
    for outcome in map_concurrently(read, items, workers, stop=lambda outcome: outcome.error is not None):
        if outcome.error is not None:
            raise outcome.error
        if outcome.value is None:
            missing.append(outcome.item)
        else:
            found.append((outcome.item, outcome.value))
    return found, missing
