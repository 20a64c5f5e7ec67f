# -*- coding: utf-8 -*-
# Copyright (c) keyfactor.command contributors
# BSD 2-Clause License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause
"""Authorization headers for the three authentication modes.

FOR INTERNAL COLLECTION USE ONLY. Supported Pythons: 3.9 and later.
"""

import base64
import threading
import time

from ._connection_options import BasicAuth, BearerToken, OAuthClientCredentials, header_value_problem
from ._errors import KeyfactorAPIError, KeyfactorAuthError

# Renew a token this long before the IdP says it expires, so it cannot lapse in flight.
_EXPIRY_MARGIN_SECONDS = 30
# Token endpoint answers that judge the client's credentials (RFC 6749 section 5.2); others are IdP failures.
_REJECTED_STATUSES = (400, 401, 403)


class StaticAuthorization:
    """Basic credentials or a ready-made bearer token: one header for the whole run."""

    def __init__(self, header, hint):
        self._header = header
        self.hint = hint

    def header(self):
        return self._header

    def refresh(self, stale_header):
        """A fixed credential cannot be renewed; the 401 stands."""
        return False


class OAuthAuthorization:
    """Client-credentials tokens: fetched on first use, renewed before expiry and once after a 401."""

    hint = 'check client_id, client_secret and token_url (KEYFACTOR_AUTH_CLIENT_ID, KEYFACTOR_AUTH_CLIENT_SECRET, KEYFACTOR_AUTH_TOKEN_URL)'

    def __init__(self, credentials, post_form, redactor, clock=time.monotonic):
        self._credentials = credentials
        self._post_form = post_form
        self._redactor = redactor
        self._clock = clock
        self._lock = threading.Lock()
        self._header = None
        self._expires_at = None

    def header(self):
        with self._lock:
            if self._header is None or (self._expires_at is not None and self._clock() >= self._expires_at):
                self._fetch()
            return self._header

    def refresh(self, stale_header):
        """Renew the token after a 401, unless another thread already did since stale_header was sent."""
        with self._lock:
            if self._header == stale_header:
                self._fetch()
        return True

    def _fetch(self):
        form = {
            'grant_type': 'client_credentials',
            'client_id': self._credentials.client_id,
            'client_secret': self._credentials.client_secret,
        }
        if self._credentials.scopes:
            form['scope'] = ' '.join(self._credentials.scopes)
        if self._credentials.audience:
            form['audience'] = self._credentials.audience
        url = self._credentials.token_url
        status, data, text = self._post_form(url, form)
        if status >= 400:
            error = data if isinstance(data, dict) else {}
            reason = ': '.join(str(error[key]) for key in ('error', 'error_description') if error.get(key))
            if status in _REJECTED_STATUSES:
                raise KeyfactorAuthError(
                    'The OAuth token request to %s was rejected (HTTP %d%s); %s.' % (url, status, ': ' + reason if reason else '', self.hint),
                    status=status, method='POST', path=url, error_message=reason or None)
            body_excerpt = self._redactor.excerpt(text)
            said = reason or ('body: ' + body_excerpt if body_excerpt else 'empty body')
            raise KeyfactorAPIError(
                'The OAuth token request to %s failed with HTTP %d (%s): the identity provider, or a proxy in front of it, '
                'is failing; the credentials were not judged.' % (url, status, said),
                status=status, method='POST', path=url, error_message=reason or None, body_excerpt=body_excerpt or None)
        token = data.get('access_token') if isinstance(data, dict) else None
        if not token or not isinstance(token, str):
            raise KeyfactorAPIError(
                'The OAuth token response from %s has no access_token.' % url, status=status, method='POST', path=url)
        self._redactor.add(token)
        problem = header_value_problem(token)
        if problem:
            # Never sent, so never retried: every request would carry it.
            raise KeyfactorAPIError(
                'The access token returned by %s %s, which an HTTP header cannot carry; the identity provider, or a '
                'proxy in front of it, answered with something that is not a usable token, and no request was sent '
                'with it.' % (url, problem), status=status, method='POST', path=url)
        self._header = 'Bearer ' + token
        lifetime = data.get('expires_in')
        self._expires_at = None
        if isinstance(lifetime, (int, float)) and not isinstance(lifetime, bool):
            self._expires_at = self._clock() + max(lifetime - _EXPIRY_MARGIN_SECONDS, 0)


def make_authorization(auth, redactor, post_form):
    """The authorization object for resolved auth settings; every secret is registered with the redactor."""
    if isinstance(auth, BasicAuth):
        login = '%s\\%s' % (auth.domain, auth.username) if auth.domain else auth.username
        credential = '%s:%s' % (login, auth.password)
        redactor.add(auth.password)
        # As sent, and as a server or proxy may rebuild it: without the domain, or with it after an @.
        for user in (login, auth.username) + (('%s@%s' % (auth.username, auth.domain),) if auth.domain else ()):
            redactor.add_basic_credential('%s:%s' % (user, auth.password))
        header = 'Basic ' + base64.b64encode(credential.encode('utf-8')).decode('ascii')
        return StaticAuthorization(header, 'check username, password and domain (KEYFACTOR_USERNAME, KEYFACTOR_PASSWORD, KEYFACTOR_DOMAIN)')
    if isinstance(auth, BearerToken):
        redactor.add(auth.token)
        return StaticAuthorization('Bearer ' + auth.token, 'check access_token (KEYFACTOR_AUTH_ACCESS_TOKEN); it may have expired')
    if isinstance(auth, OAuthClientCredentials):
        redactor.add(auth.client_secret)
        return OAuthAuthorization(auth, post_form, redactor)
    raise TypeError('unknown authentication settings: %r' % type(auth).__name__)
