# -*- coding: utf-8 -*-
# Copyright (c) keyfactor.command contributors
# BSD 2-Clause License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause
"""The authentication modes: each one class that validates its options and authenticates the requests.

resolve_auth chooses the mode from the options, over AUTH_MODES; a new mode is one more class here.

FOR INTERNAL COLLECTION USE ONLY. Supported Pythons: 3.9 and later.
"""

import base64
import re
import threading
import time
from collections import namedtuple

from ._connection_options import check_sendable, header_value_problem, sources
from ._errors import KeyfactorAPIError, KeyfactorAuthError, KeyfactorConfigError
from ._workflow_api import SCOPE_PATHS

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

    hint = ('check client_id, client_secret and token_url '
            '(KEYFACTOR_AUTH_CLIENT_ID, KEYFACTOR_AUTH_CLIENT_SECRET, KEYFACTOR_AUTH_TOKEN_URL)')

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
                    'The OAuth token request to %s was rejected (HTTP %d%s); %s.'
                    % (url, status, ': ' + reason if reason else '', self.hint),
                    status=status, method='POST', path=url, error_message=reason or None)
            body_excerpt = self._redactor.excerpt(text)
            said = reason or ('body: ' + body_excerpt if body_excerpt else 'empty body')
            raise KeyfactorAPIError(
                'The OAuth token request to %s failed with HTTP %d (%s): the identity provider, or a proxy in front of '
                'it, is failing; the credentials were not judged.' % (url, status, said),
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


# --- the modes -----------------------------------------------------------------------------------
# Each: name (as messages say it), options (those that select the mode, all required), only_options (options no
# other mode reads: set with another mode, they fail), from_options(options) (validated settings, or
# KeyfactorConfigError) and authorization(redactor, post_form) (the object whose header() each request carries;
# every secret registered with the redactor).


def split_username(username, domain):
    """Split 'DOMAIN\\user' and 'user@domain' as Keyfactor's own tools do; return (user, domain)."""
    given, embedded = username, None
    if '\\' in username:
        embedded, username = username.split('\\', 1)
    elif '@' in username:
        username, embedded = username.rsplit('@', 1)
    if not username or embedded == '':
        raise KeyfactorConfigError('username %r is not valid: expected user, DOMAIN\\user or user@domain.' % (given,))
    if embedded and domain and embedded.lower() != domain.lower():
        raise KeyfactorConfigError(
            'username names domain %r but domain (KEYFACTOR_DOMAIN) is %r; give the domain once, or make them agree.'
            % (embedded, domain))
    return username, embedded or domain or None


class BasicAuth(namedtuple('BasicAuth', 'username domain password')):
    """Basic authentication against Active Directory."""

    __slots__ = ()
    name = 'Basic authentication'
    options = ('username', 'password')
    only_options = ()

    @classmethod
    def from_options(cls, options):
        for name in ('username', 'password', 'domain'):
            if options.get(name):  # RFC 7617: no control characters in a Basic user-id or password
                check_sendable(sources(name), options.get(name), sent_as_is=False, carrier='a Basic credential')
        username, domain = split_username(options.get('username'), options.get('domain'))
        return cls(username, domain, options.get('password'))

    def authorization(self, redactor, post_form):
        login = '%s\\%s' % (self.domain, self.username) if self.domain else self.username
        redactor.add(self.password)
        # As sent, and as a server or proxy may rebuild it: without the domain, or with it after an @.
        for user in (login, self.username) + (('%s@%s' % (self.username, self.domain),) if self.domain else ()):
            redactor.add_basic_credential('%s:%s' % (user, self.password))
        credential = '%s:%s' % (login, self.password)
        header = 'Basic ' + base64.b64encode(credential.encode('utf-8')).decode('ascii')
        return StaticAuthorization(
            header, 'check username, password and domain (KEYFACTOR_USERNAME, KEYFACTOR_PASSWORD, KEYFACTOR_DOMAIN)')


class OAuthClientCredentials(namedtuple('OAuthClientCredentials', 'client_id client_secret token_url scopes audience')):
    """OAuth 2 client credentials: tokens fetched from token_url."""

    __slots__ = ()
    name = 'OAuth 2 client credentials'
    options = ('client_id', 'client_secret', 'token_url')
    only_options = ('scopes', 'audience')

    @classmethod
    def from_options(cls, options):
        # A form field, so any character could travel; RFC 6749 allows printable ones only, and a stray newline
        # would only earn an invalid_client that never says why.
        check_sendable(sources('client_secret'), options.get('client_secret'), sent_as_is=False,
                       carrier='an OAuth client secret')
        token_url = options.get('token_url')
        if not re.match(r'^https://[^/\s]+(/\S*)?\Z', token_url, re.IGNORECASE):
            raise KeyfactorConfigError('token_url %r is not valid: expected an https:// URL.' % (token_url,))
        scopes = [scope.strip() for scope in options.get('scopes') or [] if scope.strip()]
        return cls(options.get('client_id'), options.get('client_secret'), token_url, scopes, options.get('audience'))

    def authorization(self, redactor, post_form):
        redactor.add(self.client_secret)
        return OAuthAuthorization(self, post_form, redactor)


class BearerToken(namedtuple('BearerToken', 'token')):
    """A ready-made bearer token."""

    __slots__ = ()
    name = 'a bearer token'
    options = ('access_token',)
    only_options = ()

    @classmethod
    def from_options(cls, options):
        check_sendable(sources('access_token'), options.get('access_token'))
        return cls(options.get('access_token'))

    def authorization(self, redactor, post_form):
        redactor.add(self.token)
        return StaticAuthorization('Bearer ' + self.token,
                                   'check access_token (KEYFACTOR_AUTH_ACCESS_TOKEN); it may have expired')


AUTH_MODES = (BasicAuth, OAuthClientCredentials, BearerToken)


# --- choosing the mode ----------------------------------------------------------------------------

def resolve_auth(options):
    """The one authentication mode the options (an OptionAdapter) configure, validated, or KeyfactorConfigError."""
    configured = [mode for mode in AUTH_MODES if any(options.get(name) for name in mode.options)]
    if not configured:
        raise KeyfactorConfigError(
            'No authentication is configured. Set exactly one of: %s.'
            % '; or '.join('%s: %s' % (mode.name, sources(*mode.options)) for mode in AUTH_MODES))
    if len(configured) > 1:
        raise KeyfactorConfigError(_conflict(options, configured))
    mode = configured[0]
    missing = [name for name in mode.options if not options.get(name)]
    if missing:
        raise KeyfactorConfigError('%s also needs %s.' % (mode.name, sources(*missing)))
    _refuse_options_of_other_modes(options, mode)
    _refuse_listing_scopes(options)
    return mode.from_options(options)


def _set_options(options, mode):
    return [name for name in mode.options + mode.only_options if options.get(name)]


def _conflict(options, configured):
    """Which settings of which modes were found, where each came from, and what to unset to keep each mode."""
    found = '; and '.join(
        '%s (%s)' % (mode.name, ', '.join('%s from the %s' % (name, options.origin(name))
                                          for name in _set_options(options, mode)))
        for mode in configured)
    keep = '; '.join(
        'to keep %s, %s' % (mode.name, options.unset_advice(
            [name for other in configured if other is not mode for name in _set_options(options, other)]))
        for mode in configured)
    return 'Settings for more than one authentication mode were found: %s. Keep exactly one mode: %s.' % (found, keep)


def _refuse_options_of_other_modes(options, mode):
    for other in AUTH_MODES:
        for name in other.only_options if other is not mode else ():
            if options.get(name):
                raise KeyfactorConfigError(
                    '%s (from the %s) is an option of %s only, but %s is in use (%s); %s.%s'
                    % (name, options.origin(name), other.name, mode.name, ', '.join(mode.options),
                       options.unset_advice([name]), _scope_suggestion(options)))


def _refuse_listing_scopes(options):
    if _scope_suggestion(options):
        raise KeyfactorConfigError(
            'scopes (from the %s) names OAuth scopes to request with a token, not which instances to list.%s'
            % (options.origin('scopes'), _scope_suggestion(options)))


def _scope_suggestion(options):
    """What to say when scopes holds a listing scope of workflow_instance_info (all, started_by_me ...)."""
    listing = [scope for scope in options.get('scopes') or [] if scope.strip() in SCOPE_PATHS]
    if not listing:
        return ''
    return ' To choose which instances to list, use scope (singular): scope: %s.' % listing[0].strip()
