# -*- coding: utf-8 -*-
# Copyright (c) keyfactor.command contributors
# BSD 2-Clause License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause
"""A wall-clock deadline for reading each response.

requests' timeout bounds each socket read, not the request: a server (or a proxy) that trickles one
byte every few seconds holds a request for as long as it likes. Here every read of a response (status
line, headers, body) is given at most the time left until a deadline, so the whole answer arrives by
then or the read times out like any other (urllib3 and requests raise their read-timeout errors).

The client sets the deadline of the request it is about to send with `deadline_for_this_thread`; the
connections of `DeadlineAdapter` pick it up when the response starts. Responses read without a deadline
(none set) behave as usual.

FOR INTERNAL COLLECTION USE ONLY. Supported Pythons: 3.9 and later.
"""

import http.client
import io
import socket
import threading
import time
from contextlib import contextmanager

try:
    import requests.adapters
    import urllib3
    import urllib3.connection
    import urllib3.poolmanager
except ImportError:
    HAS_REQUESTS = False
else:
    HAS_REQUESTS = True

_current = threading.local()


@contextmanager
def deadline_for_this_thread(seconds):
    """Within the block, a response this thread starts reading must be complete `seconds` from now."""
    _current.at = time.monotonic() + seconds
    try:
        yield
    finally:
        _current.at = None


class _DeadlineReader(io.RawIOBase):
    """A socket's SocketIO (it keeps the socket open while in use), each read ending by the deadline."""

    def __init__(self, sock, deadline):
        super().__init__()
        self._sock = sock
        self._raw = sock.makefile('rb', buffering=0)
        self._deadline = deadline

    def readable(self):
        return True

    def readinto(self, buffer):
        remaining = self._deadline - time.monotonic()
        if remaining <= 0:
            raise socket.timeout('timed out')
        per_read = self._sock.gettimeout()
        self._sock.settimeout(remaining if per_read is None else min(per_read, remaining))
        try:
            return self._raw.readinto(buffer)
        finally:
            self._sock.settimeout(per_read)

    def close(self):
        self._raw.close()
        super().close()


class _DeadlineSocket:
    """What http.client's response asks of its socket: makefile(), here with deadline-bound reads."""

    def __init__(self, sock, deadline):
        self._sock = sock
        self._deadline = deadline

    def makefile(self, mode):
        del mode  # a response only reads, in binary
        return io.BufferedReader(_DeadlineReader(self._sock, self._deadline))


class DeadlineResponse(http.client.HTTPResponse):
    """http.client's response, reading its socket by the deadline of the thread that started it (if any)."""

    def __init__(self, sock, *args, **kwargs):
        deadline = getattr(_current, 'at', None)
        super().__init__(sock if deadline is None else _DeadlineSocket(sock, deadline), *args, **kwargs)


if HAS_REQUESTS:
    class _HTTPConnection(urllib3.connection.HTTPConnection):
        response_class = DeadlineResponse

    class _HTTPSConnection(urllib3.connection.HTTPSConnection):
        response_class = DeadlineResponse

    class _HTTPConnectionPool(urllib3.HTTPConnectionPool):
        ConnectionCls = _HTTPConnection

    class _HTTPSConnectionPool(urllib3.HTTPSConnectionPool):
        ConnectionCls = _HTTPSConnection

    _POOLS = {'http': _HTTPConnectionPool, 'https': _HTTPSConnectionPool}

    def _bound_reads(manager):
        """Give a pool manager (direct or through an HTTP proxy) the deadline-bound connections.

        A manager with pools of its own kind (SOCKS) keeps them: its reads stay bounded per read only.
        """
        if manager.pool_classes_by_scheme == urllib3.poolmanager.pool_classes_by_scheme:
            manager.pool_classes_by_scheme = _POOLS
        return manager

    class DeadlineAdapter(requests.adapters.HTTPAdapter):
        """requests' HTTPAdapter whose connections read each response by the deadline set for the request."""

        def init_poolmanager(self, *args, **kwargs):
            super().init_poolmanager(*args, **kwargs)
            _bound_reads(self.poolmanager)

        def proxy_manager_for(self, proxy, **proxy_kwargs):
            return _bound_reads(super().proxy_manager_for(proxy, **proxy_kwargs))
