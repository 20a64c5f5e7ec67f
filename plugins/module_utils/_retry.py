# -*- coding: utf-8 -*-
# Copyright (c) keyfactor.command contributors
# BSD 2-Clause License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause
"""When a failed request may be sent again: the retry table, as pure functions.

Safe requests (GET, and the OAuth token request) are retried on connection failures and on
429/502/503/504. A request that changes state (a workflow signal) is sent again only when the
failure proves it never reached the server; any other failure, and any 429 or 5xx answer (a
gateway may send one after the server applied the request), leaves its outcome unknown, and the
caller re-reads the state instead of sending twice.

FOR INTERNAL COLLECTION USE ONLY. Supported Pythons: 3.9 and later.
"""

import random
import socket
import ssl
import time
from collections import namedtuple
from email.utils import parsedate_to_datetime

RETRYABLE_STATUSES = frozenset((429, 502, 503, 504))
MAX_BACKOFF_SECONDS = 10.0
MAX_RETRY_AFTER_SECONDS = 60.0

RETRY = 'retry'
FAIL = 'fail'
UNKNOWN_OUTCOME = 'unknown_outcome'

# kind: a short name; never_sent: the failure proves the request did not reach the server.
Failure = namedtuple('Failure', 'kind description never_sent')
# The kinds of failure that happen before a byte of the request is sent.
NEVER_SENT_KINDS = frozenset(('dns', 'refused', 'connect_timeout', 'proxy', 'tls_verify', 'tls_handshake'))

_DESCRIPTIONS = {
    'dns': 'the host name could not be resolved',
    'refused': 'the connection could not be established',
    'connect_timeout': 'the connection timed out',
    'proxy': 'the proxy could not be used',
    'tls_verify': 'TLS certificate verification failed',
    'tls_handshake': 'the TLS handshake failed',
    'tls': 'a TLS error interrupted the exchange',
    'timeout': 'no response arrived within the timeout',
    'reset': 'the connection was closed or reset before a response arrived',
    'other': 'the request failed',
}


def exception_chain(exc):
    """The exception and everything it wraps (args, urllib3 reasons, causes and contexts)."""
    seen, pending = [], [exc]
    while pending:
        current = pending.pop()
        if not isinstance(current, BaseException) or any(current is known for known in seen):
            continue
        seen.append(current)
        pending.extend([getattr(current, 'reason', None), current.__cause__, current.__context__])
        pending.extend(current.args)
    return seen


def _raised_in(exc, function_name):
    traceback = exc.__traceback__
    while traceback is not None:
        if traceback.tb_frame.f_code.co_name == function_name:
            return True
        traceback = traceback.tb_next
    return False


def _type_names(chain):
    return {cls.__name__ for exc in chain for cls in type(exc).__mro__}


def _proxy_turned_it_away(chain, names):
    """Whether a ProxyError happened before the request left: the proxy was not reached or refused the tunnel.

    urllib3 also calls a connection closed after the request went through an established tunnel a ProxyError
    ('Unable to connect to proxy', RemoteDisconnected(...)), which proves nothing of the kind.
    """
    if names & {'NewConnectionError', 'ConnectTimeoutError', 'NameResolutionError'}:
        return True
    return any(isinstance(item, socket.gaierror) or str(item).startswith('Tunnel connection failed') for item in chain)


def classify_exception(exc):
    """Describe a requests exception as a Failure, deciding whether it proves nothing was sent."""
    chain = exception_chain(exc)
    names = _type_names(chain)

    def failure(kind):
        return Failure(kind, _DESCRIPTIONS[kind], kind in NEVER_SENT_KINDS)

    if 'ProxyError' in names and _proxy_turned_it_away(chain, names):
        return failure('proxy')
    if any(isinstance(item, ssl.SSLCertVerificationError) for item in chain) or 'CertificateError' in names:
        return failure('tls_verify')
    if 'SSLError' in names:
        # The handshake completes before a single byte of the request is written.
        handshake = any(isinstance(item, ssl.SSLError) and _raised_in(item, 'do_handshake') for item in chain)
        return failure('tls_handshake' if handshake else 'tls')
    if 'ConnectTimeout' in names:
        return failure('connect_timeout')
    if 'NameResolutionError' in names or any(isinstance(item, socket.gaierror) for item in chain):
        return failure('dns')
    if 'NewConnectionError' in names:
        return failure('refused')
    if 'ReadTimeout' in names or 'ReadTimeoutError' in names:
        return failure('timeout')
    if 'ConnectionError' in names or 'ChunkedEncodingError' in names:
        return failure('reset')
    return failure('other')


def decide_after_failure(safe, failure, attempt, retries):
    """RETRY, FAIL or UNKNOWN_OUTCOME after a transport failure on the given attempt (1-based)."""
    if failure.kind == 'tls_verify':
        return FAIL
    if not safe and not failure.never_sent:
        return UNKNOWN_OUTCOME
    return RETRY if attempt <= retries else FAIL


def decide_after_status(safe, status, attempt, retries):
    """RETRY, FAIL or UNKNOWN_OUTCOME after an error status (401 is handled by the authenticator).

    A state-changing request answered 429 or 5xx may have been applied all the same: a gateway or a
    load balancer can send a 429, or a 503 with Retry-After, after the server acted on it. Its outcome
    is unknown, and the caller re-reads the state (after Retry-After) to learn it.
    """
    if not safe and (status == 429 or status >= 500):
        return UNKNOWN_OUTCOME
    if safe and status in RETRYABLE_STATUSES and attempt <= retries:
        return RETRY
    return FAIL


def parse_retry_after(value, now=None):
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        seconds = float(value)
    else:
        try:
            seconds = parsedate_to_datetime(value).timestamp() - (time.time() if now is None else now)
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
    return min(max(seconds, 0.0), MAX_RETRY_AFTER_SECONDS)


def backoff_delay(attempt, retry_after=None, jitter=random.random):
    """Seconds before retry number `attempt`: the server's Retry-After, else exponential back-off with jitter."""
    if retry_after is not None:
        return retry_after
    ceiling = min(MAX_BACKOFF_SECONDS, 0.5 * 2 ** (attempt - 1))
    return ceiling / 2 + jitter() * ceiling / 2
