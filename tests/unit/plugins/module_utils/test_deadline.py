# -*- coding: utf-8 -*-
# Copyright (c) keyfactor.command contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The deadline of a response, on a socket pair: no HTTP, no server.

How it ends a request against a trickling server is tested in test_transport.py, against the simulator.
"""

import socket
import time

import pytest

from ansible_collections.keyfactor.command.plugins.module_utils._deadline import (
    DeadlineResponse, deadline_for_this_thread,
)


@pytest.fixture
def pair():
    ours, theirs = socket.socketpair()
    yield ours, theirs
    ours.close()
    theirs.close()


def test_a_response_reads_its_socket_by_the_deadline_set_when_it_started(pair):
    ours, theirs = pair
    theirs.sendall(b'HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nbo')  # two bytes of the body never come
    with deadline_for_this_thread(0.3):
        response = DeadlineResponse(ours, method='GET')
    response.begin()
    assert response.status == 200
    started = time.monotonic()
    with pytest.raises(socket.timeout):
        response.read()
    assert time.monotonic() - started < 2  # the socket itself would wait for ever (no timeout set)
    assert ours.gettimeout() is None  # the socket's own timeout is left as it was


def test_a_read_that_starts_after_the_deadline_times_out_at_once(pair):
    ours, theirs = pair
    theirs.sendall(b'HTTP/1.1 204 No Content\r\n')
    with deadline_for_this_thread(0.05):
        response = DeadlineResponse(ours, method='GET')
    time.sleep(0.1)
    with pytest.raises(socket.timeout):
        response.begin()


def test_without_a_deadline_a_response_reads_as_usual(pair):
    ours, theirs = pair
    theirs.sendall(b'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n[]')
    response = DeadlineResponse(ours, method='GET')
    response.begin()
    assert response.read() == b'[]'


def test_the_deadline_ends_with_the_block(pair):
    ours, theirs = pair
    with deadline_for_this_thread(0.01):
        pass
    time.sleep(0.05)
    theirs.sendall(b'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}')
    response = DeadlineResponse(ours, method='GET')
    response.begin()
    assert response.read() == b'{}'
