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

from ._deadline import deadline_for_this_thread
from ._errors import (
    KeyfactorAPIError, KeyfactorAuthError, KeyfactorConfigError, KeyfactorNotAPIError, KeyfactorNotFoundError,
    KeyfactorUnknownOutcomeError, Redactor, transport_error,
)
from ._paging import Pager
from ._retry import (
    RETRY, UNKNOWN_OUTCOME, backoff_delay, classify_exception, decide_after_failure, decide_after_status,
    parse_retry_after,
)

try:
    import requests
    import urllib3

    from ._deadline import DeadlineAdapter
except ImportError:
    HAS_REQUESTS = False
    REQUESTS_IMPORT_ERROR = traceback.format_exc()
else:
    HAS_REQUESTS = True
    REQUESTS_IMPORT_ERROR = None

# A page of 1,000 instances is well under 1 MiB; anything near this is not an answer we can use.
MAX_RESPONSE_BYTES = 64 * 1024 * 1024
_CHUNK_BYTES = 256 * 1024
# What is read of a success answer to a POST at most: it means the request was processed, whatever its body.
_POST_ANSWER_BYTES = 64 * 1024

ApiResponse = namedtuple('ApiResponse', 'status headers data')


def _user_agent():
    try:
        from ansible.module_utils.ansible_release import __version__ as ansible_version
    except ImportError:  # pragma: no cover - always present where modules run
        ansible_version = 'unknown'
    # The collection's version is not named: it lives in galaxy.yml alone, which is not where modules run.
    return 'keyfactor.command (ansible-core %s; python-requests %s; Python %s)' % (
        ansible_version, requests.__version__, platform.python_version())


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
        adapter = DeadlineAdapter(pool_connections=2, pool_maxsize=max(max_connections, 1))
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
        self._authorization = settings.auth.authorization(self.redactor, self._post_token_form)

    def close(self):
        self._session.close()

    # --- public API -------------------------------------------------------------------------

    def get(self, path, params=None):
        """GET path (relative to the API base) and return the parsed JSON body."""
        return self.request('GET', path, params=params).data

    def post(self, path, body, params=None):
        """POST once; failures that leave the outcome unknown raise KeyfactorUnknownOutcomeError.

        Any 2xx answer means the request was processed: its body is not read as JSON (the data is None).
        """
        return self.request('POST', path, params=params, body=body)

    def request(self, method, path, params=None, body=None, max_bytes=None, oversize_hint=None):
        """Send with the retry table applied and return the ApiResponse of a success answer.

        max_bytes: refuse an answer longer than this (default: max_response_bytes), saying oversize_hint.
        """
        url = self.settings.base_url + path
        if params:
            # Spaces as %20, as Keyfactor's own clients send them.
            url += '?' + urlencode(params, quote_via=quote)
        limit = (max_bytes or self.max_response_bytes, oversize_hint)
        response, content = self._exchange(method, url, path, safe=method == 'GET', json_body=body, limit=limit)
        data = self._parse_body(content, response, method, path) if method == 'GET' else None
        return ApiResponse(response.status_code, response.headers, data)

    def paginate(self, path, params=None, page_size=100, limit=None, concurrency=1):
        return Pager(self, path, params, page_size, limit, concurrency)

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

    def _exchange(self, method, url, label, safe, json_body=None, form=None, authenticated=True, limit=(None, None)):
        """Send with the retry table applied; return (response, body bytes) of a final answer.

        Error statuses raise, except on unauthenticated requests (the token request), whose caller reads them.
        Each attempt must be answered in full within the timeout. limit: (max bytes, what to say beyond them).
        """
        attempt = 0
        refreshed = False
        while True:
            attempt += 1
            headers = {'Authorization': self._authorization.header()} if authenticated else {}
            try:
                response, content = self._attempt(method, url, label, safe, headers, json_body, form, limit)
            except requests.exceptions.RequestException as exc:
                self._after_failure(method, url, label, safe, exc, attempt)
                continue
            status = response.status_code
            if status == 401 and authenticated and not refreshed:
                # A 401 means the request was not processed, so sending it again is safe even for a POST.
                refreshed = self._authorization.refresh(headers['Authorization'])
                if refreshed:
                    continue
            if status < 300 or not self._after_error_status(method, label, safe, response, content, attempt,
                                                            authenticated):
                return response, content

    def _attempt(self, method, url, label, safe, headers, json_body, form, limit):
        """One send, answered in full within the timeout: (response, body bytes)."""
        with deadline_for_this_thread(self.settings.timeout):
            response = self._session.request(
                method, url, headers=headers, json=json_body, data=form, timeout=self.settings.timeout,
                verify=self._verify, proxies=self._proxies_for(url), stream=True, allow_redirects=False)
            content = self._read_body(response, self._body_limit(safe, response.status_code, limit))
        if content is None:
            if safe or response.status_code >= 300:
                raise self._oversized(method, label, response.status_code, limit)
            content = b''  # a success answer to a POST: processed, whatever its body
        return response, content

    def _after_failure(self, method, url, label, safe, exc, attempt):
        """Wait before sending again after a failure without an answer, or raise what it means."""
        failure = classify_exception(exc)
        decision = decide_after_failure(safe, failure, attempt, self.settings.retries)
        if decision != RETRY:
            raise self._transport_error(method, url, label, failure, exc, attempt, decision)
        self._retry_later(method, label, failure.description, attempt, self.settings.retries, None)

    def _after_error_status(self, method, label, safe, response, content, attempt, authenticated):
        """True after waiting to send again; False when the caller reads the answer (the token request); else raise."""
        status = response.status_code
        if 300 <= status < 400:
            raise KeyfactorNotAPIError(
                '%s %s was redirected (HTTP %d) to %s; check url and api_path.'
                % (method, label, status, response.headers.get('Location', 'nowhere')),
                status=status, method=method, path=label)
        retry_after = parse_retry_after(response.headers.get('Retry-After'))
        decision = decide_after_status(safe, status, attempt, self.settings.retries)
        if decision == RETRY:
            self._retry_later(method, label, 'HTTP %d %s' % (status, response.reason or ''), attempt,
                              self.settings.retries, retry_after)
            return True
        if not authenticated:
            return False
        text = content.decode('utf-8', 'replace')
        if decision == UNKNOWN_OUTCOME:
            code, message = _parse_error_body(text)
            raise KeyfactorUnknownOutcomeError(
                '%s %s answered HTTP %d; the request may or may not have taken effect.' % (method, label, status),
                retry_after, http_status=status, method=method, path=label, error_code=code, error_message=message)
        raise self._http_error(method, label, status, response.reason, text, attempt)

    def _body_limit(self, safe, status, limit):
        """How much of an answer to read: little of a success answer to a POST, which is not used."""
        if not safe and 200 <= status < 300:
            return _POST_ANSWER_BYTES
        return limit[0] or self.max_response_bytes

    @staticmethod
    def _read_body(response, max_bytes):
        """The body, or None when it is longer than max_bytes (the connection is then closed, the rest unread)."""
        declared = response.headers.get('Content-Length')
        if declared and declared.isdigit() and int(declared) > max_bytes:
            response.close()
            return None
        chunks, size = [], 0
        for chunk in response.iter_content(_CHUNK_BYTES):
            size += len(chunk)
            if size > max_bytes:
                response.close()
                return None
            chunks.append(chunk)
        return b''.join(chunks)

    def _oversized(self, method, label, status, limit):
        max_bytes, hint = limit
        return KeyfactorAPIError(
            '%s %s returned a response larger than %d bytes; refusing to read it%s.'
            % (method, label, max_bytes or self.max_response_bytes, ' (%s)' % hint if hint else ''),
            status=status, method=method, path=label)

    def _parse_body(self, content, response, method, label):
        """The JSON of a success answer to a GET: the API always sends some, so anything else is not the API."""
        if not content.strip():
            raise KeyfactorNotAPIError(
                '%s %s returned HTTP %d with an empty body (content type %s); the Keyfactor API answers with JSON.'
                % (method, label, response.status_code, response.headers.get('Content-Type', 'none')),
                status=response.status_code, method=method, path=label)
        try:
            return json.loads(content)
        except ValueError:
            body_excerpt = self.redactor.excerpt(content.decode('utf-8', 'replace'))
            raise KeyfactorNotAPIError(
                '%s %s returned HTTP %d with a body that is not JSON (content type %s): %s'
                % (method, label, response.status_code, response.headers.get('Content-Type', 'none'), body_excerpt),
                status=response.status_code, method=method, path=label, body_excerpt=body_excerpt)

    def _retry_later(self, method, label, reason, attempt, retries, retry_after):
        delay = backoff_delay(attempt, retry_after)
        self._warn(self.redactor.text(
            '%s %s: %s; retry %d of %d in %.1f s.' % (method, label, reason, attempt, retries, delay)))
        self._sleep(delay)

    def _transport_error(self, method, url, label, failure, exc, attempt, decision):
        return transport_error((method, label, url), failure, exc, attempt, decision == UNKNOWN_OUTCOME,
                               self.settings.timeout, self.redactor)

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
            return KeyfactorAuthError(
                '%s: Keyfactor Command rejected the credentials; %s.' % (summary, self._authorization.hint), **details)
        if status == 403:
            return KeyfactorAuthError(
                '%s: the authenticated identity lacks the permission or role this needs.' % summary, **details)
        if status == 404 or (status == 400 and message and 'not found' in message.lower()):
            return KeyfactorNotFoundError(summary + '.', **details)
        return KeyfactorAPIError(summary + '.', **details)
