# -*- coding: utf-8 -*-
# Copyright (c) keyfactor.command contributors
# BSD 2-Clause License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause
"""Errors raised by the Keyfactor client, each able to describe itself as fail_json arguments.

FOR INTERNAL COLLECTION USE ONLY. Supported Pythons: 3.9 and later.
"""

import base64
import re
from urllib.parse import quote, quote_plus, unquote

REDACTED = '********'
_EXCERPT_CHARS = 200


class Redactor:
    """Replaces every known secret, and the encodings in which it could travel, with ********.

    Ansible's no_log masking only knows the literal option values; a Basic credential travels
    base64-encoded and OAuth tokens are fetched at run time, so they are registered here too.
    """

    def __init__(self, secrets=()):
        self._secrets = set()
        for secret in secrets:
            self.add(secret)

    def add(self, secret):
        if not secret:
            return
        self._secrets.update({secret, quote(secret, safe=''), quote_plus(secret)})

    def add_url_credentials(self, url):
        """Register the password of a user:password@ in a URL (a proxy URL may carry one)."""
        match = re.match(r'^(?:[A-Za-z][A-Za-z0-9+.-]*://)?([^/@]*)@', url or '')
        if match and ':' in match.group(1):
            password = match.group(1).split(':', 1)[1]
            self.add(password)
            self.add(unquote(password))

    def add_basic_credential(self, credential):
        """Register 'user:password' in all the forms a Basic Authorization header carries it."""
        self.add(credential)
        self.add(base64.b64encode(credential.encode('utf-8')).decode('ascii'))

    @property
    def secrets(self):
        return frozenset(self._secrets)

    def text(self, value):
        if not isinstance(value, str):
            return value
        # Longest first, so a secret that contains another is replaced whole.
        for secret in sorted(self._secrets, key=len, reverse=True):
            value = value.replace(secret, REDACTED)
        return value

    def data(self, value):
        """Redact strings anywhere in a JSON-like structure."""
        if isinstance(value, dict):
            return {key: self.data(item) for key, item in value.items()}
        if isinstance(value, (list, tuple)):
            return [self.data(item) for item in value]
        return self.text(value)


def excerpt(text, limit=_EXCERPT_CHARS):
    """A one-line, bounded excerpt of a response body for error messages."""
    if not text:
        return ''
    flat = re.sub(r'\s+', ' ', text).strip()
    return flat if len(flat) <= limit else flat[:limit] + '...'


class KeyfactorError(Exception):
    """Base class: a failure with a user-facing message and structured details."""

    def __init__(self, message, **details):
        super().__init__(message)
        self.message = message
        self.details = {key: value for key, value in details.items() if value is not None}

    def to_fail_kwargs(self, redactor=None):
        redactor = redactor or Redactor()
        kwargs = dict(redactor.data(self.details))
        kwargs['msg'] = redactor.text(self.message)
        return kwargs


class KeyfactorConfigError(KeyfactorError):
    """The module's options (or their environment fallbacks) are invalid or incomplete."""


class KeyfactorTransportError(KeyfactorError):
    """No usable HTTP response: connection, DNS, TLS, proxy or timeout failure."""


class KeyfactorUnknownOutcomeError(KeyfactorError):
    """A state-changing request failed after it may have reached the server.

    The caller must re-read the state to learn whether it took effect, never re-send blindly.
    retry_after: the seconds the server asked to wait (429, 503 with Retry-After) before that re-read, or None.
    """

    def __init__(self, message, retry_after=None, **details):
        super().__init__(message, **details)
        self.retry_after = retry_after


class KeyfactorHTTPError(KeyfactorError):
    """The API answered with an error status."""

    def __init__(self, message, status, method, path, error_code=None, error_message=None, body_excerpt=None, **details):
        super().__init__(
            message, http_status=status, method=method, path=path,
            error_code=error_code, error_message=error_message, body_excerpt=body_excerpt, **details)
        self.status = status
        self.error_code = error_code
        self.error_message = error_message


class KeyfactorAuthError(KeyfactorHTTPError):
    """401 (credentials rejected) or 403 (permission denied)."""


class KeyfactorNotFoundError(KeyfactorHTTPError):
    """404, or a 400 whose Keyfactor message says the object was not found."""


class KeyfactorAPIError(KeyfactorHTTPError):
    """Any other error status, or a success status with a body that is not the JSON expected."""


class KeyfactorNotAPIError(KeyfactorAPIError):
    """A success answer whose body is not JSON, or a redirect: something other than the Keyfactor API answered."""


class KeyfactorAnswerError(KeyfactorError):
    """An answer of the API whose content the modules cannot use: a field missing, null or of another type."""
