# -*- coding: utf-8 -*-
# Copyright (c) keyfactor.command contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The retry table: which failures may be retried, for reads and for state-changing requests.

Exceptions are produced by real requests against real sockets, so the classification is tested
against what requests and urllib3 actually raise, not against hand-built exception objects.
"""

import socket
import ssl
import threading
from email.utils import formatdate

import pytest
import requests

from kfsim.testing import default_instance_id  # pylint: disable=import-error

from ansible_collections.keyfactor.command.plugins.module_utils._retry import (
    FAIL, RETRY, UNKNOWN_OUTCOME, Failure, backoff_delay, classify_exception, decide_after_failure, decide_after_status,
    parse_retry_after,
)


class RawServer:
    """A TCP listener that misbehaves in one chosen way, for one connection at a time."""

    def __init__(self, behaviour):
        self.behaviour = behaviour
        self.sock = socket.socket()
        self.sock.bind(('127.0.0.1', 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        self.sock.settimeout(0.2)
        while not self.stop.is_set():
            try:
                conn = self.sock.accept()[0]
            except OSError:
                continue
            with conn:
                if self.behaviour == 'plain-text':
                    conn.recv(4096)
                    conn.sendall(b'HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n')
                elif self.behaviour == 'reset-after-request':
                    conn.recv(65536)
                    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b'\x01\x00\x00\x00\x00\x00\x00\x00')
                elif self.behaviour == 'silent':
                    conn.recv(65536)
                    self.stop.wait(2)

    def close(self):
        self.stop.set()
        self.thread.join()
        self.sock.close()


@pytest.fixture
def raw_server():
    servers = []

    def start(behaviour):
        servers.append(RawServer(behaviour))
        return servers[-1]
    yield start
    for server in servers:
        server.close()


def free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def failure_of(method, url, **kwargs):
    with pytest.raises(requests.exceptions.RequestException) as caught:
        requests.request(method, url, timeout=kwargs.pop('timeout', 2), **kwargs)
    return classify_exception(caught.value)


def test_connection_refused_proves_nothing_was_sent():
    failure = failure_of('POST', 'https://127.0.0.1:%d/KeyfactorAPI' % free_port(), json={})
    assert (failure.kind, failure.never_sent) == ('refused', True)


def test_dns_failure_proves_nothing_was_sent():
    failure = failure_of('POST', 'https://keyfactor.nonexistent.invalid/KeyfactorAPI', json={})
    assert (failure.kind, failure.never_sent) == ('dns', True)


def test_tls_handshake_failure_proves_nothing_was_sent(raw_server):
    server = raw_server('plain-text')
    failure = failure_of('POST', 'https://127.0.0.1:%d/' % server.port, json={})
    assert (failure.kind, failure.never_sent) == ('tls_handshake', True)


def test_certificate_verification_failure_is_its_own_kind(simulator_factory):
    simulator = simulator_factory()
    failure = failure_of('GET', simulator.api_url + '/Status/Endpoints', verify=True)
    assert (failure.kind, failure.never_sent) == ('tls_verify', True)


def test_reset_after_the_request_was_sent_leaves_the_outcome_unknown(raw_server):
    server = raw_server('reset-after-request')
    failure = failure_of('POST', 'http://127.0.0.1:%d/' % server.port, json={'SignalKey': 'a.b'})
    assert (failure.kind, failure.never_sent) == ('reset', False)


def test_read_timeout_leaves_the_outcome_unknown(raw_server):
    server = raw_server('silent')
    failure = failure_of('POST', 'http://127.0.0.1:%d/' % server.port, json={}, timeout=0.3)
    assert (failure.kind, failure.never_sent) == ('timeout', False)


def test_proxy_that_cannot_be_reached_proves_nothing_was_sent():
    proxy = 'http://127.0.0.1:%d' % free_port()
    failure = failure_of('POST', 'https://kf.example.com/', json={}, proxies={'https': proxy})
    assert (failure.kind, failure.never_sent) == ('proxy', True)


@pytest.fixture(name='proxied')
def proxied_simulator(simulator_factory):
    simulator = simulator_factory('--proxy-credentials', 'proxyuser:Pr0xy-pass')
    simulator.session_args = dict(verify=simulator.ca_cert, auth=simulator.basic_auth('approver1'),
                                  headers={'X-Keyfactor-Requested-With': 'APIClient'}, timeout=10)
    return simulator


def proxies(simulator, password):
    return {'https': simulator.proxy_url.replace('http://', 'http://proxyuser:%s@' % password)}


def test_a_proxy_refusing_the_tunnel_proves_nothing_was_sent(proxied):
    with pytest.raises(requests.exceptions.ProxyError) as caught:
        requests.post(proxied.api_url + '/Status/Endpoints', json={}, proxies=proxies(proxied, 'wrong'),
                      **proxied.session_args)
    assert classify_exception(caught.value) == Failure('proxy', 'the proxy could not be used', True)


def test_a_connection_lost_after_the_request_went_through_the_proxy_leaves_the_outcome_unknown(proxied):
    """urllib3 calls this a ProxyError too ('Unable to connect to proxy'), although the signal was applied."""
    proxied.configure(fault_lost_response=1)
    with requests.Session() as session:
        assert session.get(proxied.api_url + '/Status/Endpoints', proxies=proxies(proxied, 'Pr0xy-pass'),
                           **proxied.session_args).status_code == 200
        with pytest.raises(requests.exceptions.ProxyError) as caught:
            session.post('%s/Workflow/Instances/%s/Signals' % (proxied.api_url, default_instance_id(1)),
                         json={'SignalKey': 'RequireApproval1.ApprovalStatus', 'Data': {'Approved': True}},
                         proxies=proxies(proxied, 'Pr0xy-pass'), **proxied.session_args)
    assert [entry['counted'] for entry in proxied.audit()['signals']] == [True]
    failure = classify_exception(caught.value)
    assert (failure.kind, failure.never_sent) == ('reset', False)
    assert decide_after_failure(False, failure, 1, 3) == UNKNOWN_OUTCOME


def test_unrecognised_exceptions_leave_the_outcome_unknown():
    assert classify_exception(requests.exceptions.RequestException('odd')) == Failure('other', 'the request failed', False)


def test_mid_stream_tls_error_is_not_mistaken_for_a_handshake_failure():
    error = requests.exceptions.SSLError(ssl.SSLError('EOF occurred in violation of protocol'))
    assert classify_exception(error).kind == 'tls'
    assert classify_exception(error).never_sent is False


SENT = Failure('reset', 'x', False)
NOT_SENT = Failure('refused', 'x', True)
VERIFY = Failure('tls_verify', 'x', True)


@pytest.mark.parametrize('safe, failure, attempt, retries, expected', [
    (True, SENT, 1, 3, RETRY),             # a read may always be repeated
    (True, NOT_SENT, 3, 3, RETRY),
    (True, SENT, 4, 3, FAIL),              # ... until the retries are used up
    (True, SENT, 1, 0, FAIL),
    (False, NOT_SENT, 1, 3, RETRY),        # a signal that provably never left may be sent again
    (False, NOT_SENT, 4, 3, FAIL),
    (False, SENT, 1, 3, UNKNOWN_OUTCOME),  # never re-send blindly
    (True, VERIFY, 1, 3, FAIL),            # retrying cannot fix an untrusted certificate
    (False, VERIFY, 1, 3, FAIL),
])
def test_decide_after_failure(safe, failure, attempt, retries, expected):
    assert decide_after_failure(safe, failure, attempt, retries) == expected


@pytest.mark.parametrize('safe, status, attempt, retries, expected', [
    (True, 503, 1, 3, RETRY),
    (True, 429, 2, 3, RETRY),
    (True, 502, 3, 3, RETRY),
    (True, 504, 4, 3, FAIL),
    (True, 500, 1, 3, FAIL),              # a server error on a read is reported, not hammered
    (True, 404, 1, 3, FAIL),
    (False, 503, 1, 3, UNKNOWN_OUTCOME),  # "come back later" may come from a gateway after the server applied it
    (False, 429, 1, 3, UNKNOWN_OUTCOME),
    (False, 500, 1, 3, UNKNOWN_OUTCOME),
    (False, 502, 1, 3, UNKNOWN_OUTCOME),
    (False, 400, 1, 3, FAIL),
    (False, 403, 1, 3, FAIL),
])
def test_decide_after_status(safe, status, attempt, retries, expected):
    assert decide_after_status(safe, status, attempt, retries) == expected


@pytest.mark.parametrize('header, expected', [
    ('3', 3.0), ('0', 0.0), (' 7 ', 7.0), ('3600', 60.0), (None, None), ('', None), ('soon', None)])
def test_parse_retry_after_seconds(header, expected):
    assert parse_retry_after(header) == expected


def test_parse_retry_after_http_date():
    now = 1_700_000_000
    assert parse_retry_after(formatdate(now + 5, usegmt=True), now=now) == 5.0
    assert parse_retry_after(formatdate(now - 5, usegmt=True), now=now) == 0.0


def test_backoff_prefers_retry_after():
    assert backoff_delay(1, retry_after=2.5) == 2.5


@pytest.mark.parametrize('attempt, low, high', [(1, 0.25, 0.5), (2, 0.5, 1.0), (3, 1.0, 2.0), (10, 5.0, 10.0)])
def test_backoff_is_exponential_with_jitter_and_capped(attempt, low, high):
    assert backoff_delay(attempt, jitter=lambda: 0.0) == low
    assert backoff_delay(attempt, jitter=lambda: 1.0) == high
