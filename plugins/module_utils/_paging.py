# -*- coding: utf-8 -*-
# Copyright (c) keyfactor.command contributors
# BSD 2-Clause License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause
"""Paging through a list endpoint: bounded whatever the server does, concurrent once the total is known.

FOR INTERNAL COLLECTION USE ONLY. Supported Pythons: 3.9 and later.
"""

from collections import deque
from concurrent.futures import ThreadPoolExecutor

from ._errors import KeyfactorAPIError

# An item of a list page is well under 2 KiB of JSON. A page may take this much per item asked (plus the slack), far
# below the client's limit for any answer, so a server that ignores ReturnLimit cannot make a listing hold much memory.
LIST_ITEM_MAX_BYTES = 16 * 1024
LIST_PAGE_SLACK_BYTES = 64 * 1024


def _identity(item):
    """What tells list items apart: the Id (either casing), or the whole item when it has none."""
    if isinstance(item, dict):
        return item.get('Id', item.get('id', item))
    return item


def last_page(total, limit, size):
    """The number of the last page worth asking for, of `size` items, when `total` items match (None: unknown)."""
    if total is None:
        return None
    wanted = total if limit is None else min(total, limit)
    return -(-wanted // size)


class Pager:
    """Iterates over every item of a list endpoint, a few pages in memory at a time.

    Stops on a short page, on the x-total-count header when the server sends it, or at `limit`. A
    first page shorter than asked may come from a server that caps ReturnLimit: the pager then asks
    for the next page at the size the server gave (so PageReturned counts pages of that size), unless
    x-total-count says there is none; an empty answer ends the listing. A page with more items than
    asked, or with the items of the page before, fails: the server does not page as asked, and going
    on would run for ever or return duplicates. Each page may take LIST_ITEM_MAX_BYTES per item asked.

    When the first page's x-total-count says how many pages follow, up to `concurrency` of them are
    requested at once; they are checked and delivered in page order, as one by one, and at most
    `concurrency` answers wait in memory. Without the header the pages are read one by one.
    After iteration, `total` holds the server's count (or None) and `pages` the pages read.
    """

    def __init__(self, client, path, params, page_size, limit, concurrency=1):
        self._client = client
        self._path = path
        self._params = dict(params or {})
        self._page_size = page_size if limit is None else min(page_size, limit)
        self._limit = limit
        self._concurrency = max(concurrency, 1)
        self._previous = None
        self.total = None
        self.pages = 0

    def __iter__(self):
        returned = 0
        for items in self._pages():
            for item in items:
                if self._limit is not None and returned >= self._limit:
                    return
                returned += 1
                yield item
            if self._limit is not None and returned >= self._limit:
                return  # before the next page is asked for

    def _pages(self):
        """Each page's items, in order, checked."""
        size = self._page_size
        items = self._accept(1, size, self._request(1, size))
        yield items
        if 0 < len(items) < size and (self.total is None or self.total > len(items)):
            size = len(items)  # the server's own page size; PageReturned 2 starts right after this page
        elif self._complete(1, size, items):
            return
        last = last_page(self.total, self._limit, size)
        if last is None or self._concurrency == 1 or last <= 2:
            yield from self._sequential(2, size)
            return
        complete = yield from self._concurrent(2, last, size)
        if not complete:
            yield from self._sequential(last + 1, size)

    def _complete(self, number, size, items):
        return len(items) < size or (self.total is not None and number * size >= self.total)

    def _sequential(self, first, size):
        number = first
        while True:
            items = self._accept(number, size, self._request(number, size))
            yield items
            if self._complete(number, size, items):
                return
            number += 1

    def _concurrent(self, first, last, size):
        """Pages first..last, `concurrency` requests at a time, delivered in order; returns whether they ended it."""
        window = deque()
        with ThreadPoolExecutor(max_workers=min(self._concurrency, last - first + 1)) as executor:
            try:
                requested = first
                for number in range(first, last + 1):
                    while requested <= last and len(window) < self._concurrency:
                        window.append(executor.submit(self._request, requested, size))
                        requested += 1
                    items = self._accept(number, size, window.popleft().result())
                    yield items
                    if self._complete(number, size, items):
                        return True
            finally:
                for future in window:  # stopped early (a failure, the limit): no more requests
                    future.cancel()
        return False  # the total grew meanwhile: go on one by one

    def _request(self, number, size):
        params = dict(self._params, PageReturned=number, ReturnLimit=size)
        return self._client.request(
            'GET', self._path, params=params, max_bytes=LIST_PAGE_SLACK_BYTES + size * LIST_ITEM_MAX_BYTES,
            oversize_hint='far more than a page of %d items needs: the server may ignore ReturnLimit' % size)

    def _accept(self, number, size, response):
        """The items of page `number`, checked to be a list of at most `size` items unlike the page before."""
        self.pages += 1
        items = response.data
        if not isinstance(items, list):
            raise KeyfactorAPIError(
                'GET %s returned %s instead of a JSON list.' % (self._path, type(items).__name__),
                status=response.status, method='GET', path=self._path)
        if len(items) > size:
            raise KeyfactorAPIError(
                'GET %s returned %d items for ReturnLimit %d: the server does not honour ReturnLimit, so the listing '
                'cannot be paged.' % (self._path, len(items), size),
                status=response.status, method='GET', path=self._path)
        header = response.headers.get('x-total-count', '')
        if header.isdigit():
            self.total = int(header)
        identities = [_identity(item) for item in items]
        if identities and identities == self._previous:
            raise KeyfactorAPIError(
                'GET %s returned the same items for PageReturned %d as for PageReturned %d: the server does not '
                'honour PageReturned, so the listing cannot be paged.' % (self._path, number, number - 1),
                status=200, method='GET', path=self._path)
        self._previous = identities
        return items
