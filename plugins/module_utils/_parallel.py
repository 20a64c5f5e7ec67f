# -*- coding: utf-8 -*-
# Copyright (c) keyfactor.command contributors
# BSD 2-Clause License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause
"""Run one function over many items on a few threads sharing the client's session.

FOR INTERNAL COLLECTION USE ONLY. Supported Pythons: 3.9 and later.
"""

from collections import namedtuple
from concurrent.futures import ThreadPoolExecutor

from ._errors import KeyfactorError

Outcome = namedtuple('Outcome', 'item value error')


def map_concurrently(function, items, workers):
    """Yield Outcome(item, value, error) for each item, in the order of `items`.

    A KeyfactorError stays with its item, so one failure does not stop the others; anything else
    is a bug and propagates.
    """
    def call(item):
        try:
            return Outcome(item, function(item), None)
        except KeyfactorError as error:
            return Outcome(item, None, error)

    items = list(items)
    if workers <= 1 or len(items) <= 1:
        for item in items:
            yield call(item)
        return
    with ThreadPoolExecutor(max_workers=min(workers, len(items))) as executor:
        yield from executor.map(call, items)


def read_concurrently(read, items, workers):
    """([(item, value) ...], [missing item ...]): read(item) for each item, `workers` at a time, in order.

    An item read as None (the server no longer knows it) is missing; the first KeyfactorError is raised.
    """
    found, missing = [], []
    for outcome in map_concurrently(read, items, workers):
        if outcome.error is not None:
            raise outcome.error
        if outcome.value is None:
            missing.append(outcome.item)
        else:
            found.append((outcome.item, outcome.value))
    return found, missing
