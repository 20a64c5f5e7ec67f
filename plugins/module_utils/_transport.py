# -*- coding: utf-8 -*-
# Copyright (c) keyfactor.command contributors
# BSD 2-Clause License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause
"""The Keyfactor Command HTTP client: one requests.Session per module run.

It sets Keyfactor's headers, authenticates, applies the retry table of _retry.py, turns error
answers into the exceptions of _errors.py, and pages through list endpoints.

FOR INTERNAL COLLECTION USE ONLY. Supported Pythons: 3.9 and later.
"""

import json
import os
import platform
import time
import traceback
from collections import namedtuple
from urllib.parse import quote, urlencode, urlsplit

from ._auth import make_authorization
from ._errors import (
    KeyfactorAPIError, KeyfactorAuthError, KeyfactorNotFoundError, KeyfactorNotProcessedError, KeyfactorTransportError,
    KeyfactorConfigError, KeyfactorUnknownOutcomeError, Redactor,
)
from ._retry import (
    NOT_PROCESSED, RETRY, UNKNOWN_OUTCOME, backoff_delay, classify_exception, decide_after_failure, decide_after_status,
    parse_retry_after,
)

try:
    import requests
    import urllib3
except ImportError:
    HAS_REQUESTS = False
    REQUESTS_IMPORT_ERROR = traceback.format_exc()
else:
    HAS_REQUESTS = True
    REQUESTS_IMPORT_ERROR = None

COLLECTION_VERSION = '1.0.0'
# A page of 1,000 instances is well under 1 MiB; anything near this is not an answer we can use.
MAX_RESPONSE_BYTES = 64 * 1024 * 1024
_CHUNK_BYTES = 256 * 1024

ApiResponse = namedtuple('ApiResponse', 'status headers data')


def _user_agent():
    try:
        from ansible.module_utils.ansible_release import __version__ as ansible_version
    except ImportError:  # pragma: no cover - always present where modules run
        ansible_version = 'unknown'
    return 'keyfactor.command/%s (ansible-core %s; python-requests %s; Python %s)' % (
        COLLECTION_VERSION, ansible_version, requests.__version__, platform.python_version())


def _parse_error_body(text):
    """(ErrorCode, Message) from a Keyfactor error body, or (None, None) when it is not one."""
    try:
        body = json.loads(text)
    except ValueError:
        return None, None
    if not isinstance(body, dict):
        return None, None
    code = body.get('ErrorCode')
    message = body.get('Message') or body.get('message')
    return (str(code) if code is not None else None), (str(message) if message is not None else None)


def _environment_ca_bundle():
    """The CA bundle requests would take from the environment when certificates are verified without ca_cert.

    requests fails every request with an OSError when that path does not exist, so it is refused here, by name.
    """
    for name in ('REQUESTS_CA_BUNDLE', 'CURL_CA_BUNDLE'):
        path = os.environ.get(name)
        if path:
            if not os.path.exists(path):
                raise KeyfactorConfigError(
                    'The environment variable %s names the CA bundle %r, which does not exist where the module runs; '
                    'point it at an existing CA bundle file or directory, unset it, or set ca_cert (KEYFACTOR_CA_CERT).'
                    % (name, path))
            return path
    return None


def _register_environment_proxy_credentials(redactor):
    """The user information of every proxy variable (HTTPS_PROXY, http_proxy, ALL_PROXY ...) is a secret."""
    for name, value in os.environ.items():
        if name.lower().endswith('_proxy') and name.lower() != 'no_proxy':
            redactor.add_url_credentials(value)


class KeyfactorClient:
    """Talks to one Keyfactor Command API; safe to share between threads."""

    def __init__(self, settings, ca_bundle=None, warn=None, redactor=None, max_connections=10, sleep=time.sleep,
                 max_response_bytes=MAX_RESPONSE_BYTES):
        self.settings = settings
        self.max_response_bytes = max_response_bytes
        self.redactor = redactor or Redactor()
        _register_environment_proxy_credentials(self.redactor)
        self._warn = warn or (lambda message: None)
        self._sleep = sleep
        self._verify = (ca_bundle or _environment_ca_bundle() or True) if settings.validate_certs else False
        self._proxies = {'http': settings.proxy, 'https': settings.proxy} if settings.proxy else None
        self._environment_proxies = {}  # (scheme, host) -> proxies from HTTPS_PROXY, NO_PROXY...
        self._session = requests.Session()
        # The environment (proxies, CA bundle) is read once per origin here, not on every request as requests
        # would (it scans os.environ twice per request: a sixth of the CPU time of 500 reads in a profile), and
        # ~/.netrc never replaces the Authorization header.
        self._session.trust_env = False
        adapter = requests.adapters.HTTPAdapter(pool_connections=2, pool_maxsize=max(max_connections, 1))
        self._session.mount('https://', adapter)
        self._session.mount('http://', adapter)
        self._session.headers.update({
            'User-Agent': _user_agent(),
            'Accept': 'application/json',
            'X-Keyfactor-Requested-With': 'APIClient',
            'x-keyfactor-api-version': '1',
        })
        self._session.headers.update(settings.headers)
        if settings.client_cert:
            self._session.cert = settings.client_cert
        if not settings.validate_certs:
            # The module warns once, in words; urllib3 would warn on every request.
            urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
        self._authorization = make_authorization(settings.auth, self.redactor, self._post_token_form)

    def close(self):
        self._session.close()

    # --- public API -------------------------------------------------------------------------

    def get(self, path, params=None):
        """GET path (relative to the API base) and return the parsed JSON body."""
        return self.request('GET', path, params=params).data

    def post(self, path, body, params=None):
        """POST once; failures that leave the outcome unknown raise KeyfactorUnknownOutcomeError."""
        return self.request('POST', path, params=params, body=body)

    def request(self, method, path, params=None, body=None):
        url = self.settings.base_url + path
        if params:
            # Spaces as %20, as Keyfactor's own clients send them.
            url += '?' + urlencode(params, quote_via=quote)
        response, content = self._exchange(method, url, path, safe=method == 'GET', json_body=body)
        return ApiResponse(response.status_code, response.headers, self._parse_body(content, response, method, path))

    def paginate(self, path, params=None, page_size=100, limit=None):
        return Pager(self, path, params, page_size, limit)

    # --- internals ----------------------------------------------------------------------------

    def _post_token_form(self, token_url, form):
        """The OAuth token request: safe to repeat, so retried like a GET. Returns (status, JSON body or None, text)."""
        response, content = self._exchange('POST', token_url, token_url, safe=True, form=form, authenticated=False)
        text = content.decode('utf-8', 'replace')
        try:
            return response.status_code, json.loads(text), text
        except ValueError:
            return response.status_code, None, text

    def _proxies_for(self, url):
        """The proxy option, or what HTTPS_PROXY, HTTP_PROXY, ALL_PROXY and NO_PROXY say for url's origin."""
        if self._proxies:
            return self._proxies
        origin = urlsplit(url)[:2]
        proxies = self._environment_proxies.get(origin)
        if proxies is None:
            proxies = self._environment_proxies[origin] = requests.utils.get_environ_proxies(url)
        return proxies

    def _exchange(self, method, url, label, safe, json_body=None, form=None, authenticated=True):
        """Send with the retry table applied; return (response, body bytes) of a final answer.

        Error statuses raise, except on unauthenticated requests (the token request), whose caller reads them.
        """
        retries = self.settings.retries
        attempt = 0
        refreshed = False
        while True:
            attempt += 1
            headers = {'Authorization': self._authorization.header()} if authenticated else {}
            try:
                response = self._session.request(
                    method, url, headers=headers, json=json_body, data=form, timeout=self.settings.timeout,
                    verify=self._verify, proxies=self._proxies_for(url), stream=True, allow_redirects=False)
                content = self._read_body(response, method, label)
            except requests.exceptions.RequestException as exc:
                failure = classify_exception(exc)
                decision = decide_after_failure(safe, failure, attempt, retries)
                if decision == RETRY:
                    self._retry_later(method, label, failure.description, attempt, retries, None)
                    continue
                raise self._transport_error(method, url, label, failure, exc, attempt, decision)

            status = response.status_code
            if status == 401 and authenticated and not refreshed and self._authorization.refresh(headers['Authorization']):
                # A 401 means the request was not processed, so sending it again is safe even for a POST.
                refreshed = True
                continue
            if status < 300:
                return response, content
            if 300 <= status < 400:
                raise KeyfactorAPIError(
                    '%s %s was redirected (HTTP %d) to %s; check url and api_path.'
                    % (method, label, status, response.headers.get('Location', 'nowhere')),
                    status=status, method=method, path=label)
            retry_after = parse_retry_after(response.headers.get('Retry-After'))
            decision = decide_after_status(safe, status, attempt, retries, retry_after)
            if decision == RETRY:
                self._retry_later(method, label, 'HTTP %d %s' % (status, response.reason or ''), attempt, retries, retry_after)
                continue
            if not authenticated:
                return response, content
            text = content.decode('utf-8', 'replace')
            code, message = _parse_error_body(text)
            if decision == UNKNOWN_OUTCOME:
                raise KeyfactorUnknownOutcomeError(
                    '%s %s answered HTTP %d; the request may or may not have taken effect.' % (method, label, status),
                    http_status=status, method=method, path=label, error_code=code, error_message=message)
            if decision == NOT_PROCESSED:
                raise KeyfactorNotProcessedError(
                    '%s %s was turned away before it was processed (HTTP %d %s).' % (method, label, status, response.reason or ''),
                    retry_after, status=status, method=method, path=label, error_code=code, error_message=message)
            raise self._http_error(method, label, status, response.reason, text, attempt)

    def _read_body(self, response, method, label):
        declared = response.headers.get('Content-Length')
        if declared and declared.isdigit() and int(declared) > self.max_response_bytes:
            response.close()
            raise self._oversized(method, label, response.status_code)
        chunks, size = [], 0
        for chunk in response.iter_content(_CHUNK_BYTES):
            size += len(chunk)
            if size > self.max_response_bytes:
                response.close()
                raise self._oversized(method, label, response.status_code)
            chunks.append(chunk)
        return b''.join(chunks)

    def _oversized(self, method, label, status):
        return KeyfactorAPIError(
            '%s %s returned a response larger than %d bytes; refusing to read it.' % (method, label, self.max_response_bytes),
            status=status, method=method, path=label)

    def _parse_body(self, content, response, method, label):
        if not content.strip():
            return None
        try:
            return json.loads(content)
        except ValueError:
            body_excerpt = self.redactor.excerpt(content.decode('utf-8', 'replace'))
            raise KeyfactorAPIError(
                '%s %s returned HTTP %d with a body that is not JSON (content type %s): %s'
                % (method, label, response.status_code, response.headers.get('Content-Type', 'none'), body_excerpt),
                status=response.status_code, method=method, path=label, body_excerpt=body_excerpt)

    def _retry_later(self, method, label, reason, attempt, retries, retry_after):
        delay = backoff_delay(attempt, retry_after)
        self._warn(self.redactor.text('%s %s: %s; retry %d of %d in %.1f s.' % (method, label, reason, attempt, retries, delay)))
        self._sleep(delay)

    def _transport_error(self, method, url, label, failure, exc, attempt, decision):
        detail = self.redactor.text(str(exc))
        if decision == UNKNOWN_OUTCOME:
            return KeyfactorUnknownOutcomeError(
                '%s %s: %s after the request was sent; it may or may not have taken effect (%s).'
                % (method, label, failure.description, detail),
                method=method, path=label, reason=failure.kind)
        attempts = ' after %d attempt%s' % (attempt, '' if attempt == 1 else 's')
        if failure.kind == 'tls_verify':
            advice = ('Set ca_cert (KEYFACTOR_CA_CERT) to the CA bundle that issued the server certificate, '
                      'or validate_certs: false (KEYFACTOR_SKIP_VERIFY) to skip verification, which is not recommended.')
        elif failure.kind in ('timeout', 'connect_timeout'):
            advice = 'The timeout option (KEYFACTOR_CLIENT_TIMEOUT) is %s s per request.' % self.settings.timeout
        else:
            advice = 'Check url, proxy and the network path to the server.'
        return KeyfactorTransportError(
            '%s %s failed%s: %s (%s). %s' % (method, url, attempts, failure.description, detail, advice),
            method=method, path=label, reason=failure.kind, attempts=attempt)

    def _http_error(self, method, label, status, reason, text, attempt):
        code, message = _parse_error_body(text)
        body_excerpt = None if code or message else self.redactor.excerpt(text)
        said = ('Keyfactor error %s: %s' % (code, message) if code else message) if (code or message) else (
            'body: %s' % body_excerpt if body_excerpt else 'empty body')
        summary = '%s %s failed with HTTP %d %s (%s)' % (method, label, status, reason or '', said)
        if attempt > 1:
            summary += ' after %d attempts' % attempt
        details = dict(status=status, method=method, path=label, error_code=code, error_message=message,
                       body_excerpt=body_excerpt, attempts=attempt)
        if status == 401:
            return KeyfactorAuthError('%s: Keyfactor Command rejected the credentials; %s.' % (summary, self._authorization.hint), **details)
        if status == 403:
            return KeyfactorAuthError('%s: the authenticated identity lacks the permission or role this needs.' % summary, **details)
        if status == 404 or (status == 400 and message and 'not found' in message.lower()):
            return KeyfactorNotFoundError(summary + '.', **details)
        return KeyfactorAPIError(summary + '.', **details)


class Pager:
    """Iterates over every item of a list endpoint, one page in memory at a time.

    Stops on a short page, on the x-total-count header when the server sends it, or at `limit`.
    After iteration, `total` holds the server's count (or None) and `pages` the requests made.
    """

    def __init__(self, client, path, params, page_size, limit):
        self._client = client
        self._path = path
        self._params = dict(params or {})
        self._page_size = page_size if limit is None else min(page_size, limit)
        self._limit = limit
        self.total = None
        self.pages = 0

    def __iter__(self):
        returned = 0
        page_number = 1
        while self._limit is None or returned < self._limit:
            params = dict(self._params, PageReturned=page_number, ReturnLimit=self._page_size)
            response = self._client.request('GET', self._path, params=params)
            self.pages += 1
            items = response.data if isinstance(response.data, list) else None
            if items is None:
                raise KeyfactorAPIError(
                    'GET %s returned %s instead of a JSON list.' % (self._path, type(response.data).__name__),
                    status=response.status, method='GET', path=self._path)
            header = response.headers.get('x-total-count', '')
            if header.isdigit():
                self.total = int(header)
            for item in items:
                if self._limit is not None and returned >= self._limit:
                    return
                returned += 1
                yield item
            if len(items) < self._page_size or (self.total is not None and page_number * self._page_size >= self.total):
                return
            page_number += 1
