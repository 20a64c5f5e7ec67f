# -*- coding: utf-8 -*-
# Copyright (c) keyfactor.command contributors
# BSD 2-Clause License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause
"""Errors raised by the Keyfactor client, each able to describe itself as fail_json arguments.

FOR INTERNAL COLLECTION USE ONLY. Supported Pythons: 3.9 and later.
"""

import base64
import html
import json
import re
from urllib.parse import quote, quote_plus, unquote

from ._retry import exception_chain

REDACTED = '********'
_EXCERPT_CHARS = 200
# A secret's beginning at least this long, at the end of a text or before an ellipsis, is taken for a secret the
# server cut off; a shorter one is too likely to be ordinary text (a header value 'token ...' and a path '.../token').
_MIN_CUT_CHARS = 8
_ELLIPSIS = re.compile(r'\.\.\.|\u2026')
_HEX_ESCAPES = re.compile(r'(?:%|\\x)[0-9A-Fa-f]{2}|\\u[0-9A-Fa-f]{4}')
# Besides non-ASCII and control characters, .NET's default JSON encoder writes these as \uXXXX (HTML-safe JSON).
_DOTNET_JSON_ESCAPED = '"&\'+<>`'


def _python_escaped(text, quote_char, ascii_only=False):
    """text as repr() (ascii_only: ascii()) writes it between quote_char quotes, without the quotes."""
    pieces = []
    for char in text:
        if char in ('\\', quote_char):
            pieces.append('\\' + char)
        elif (ascii_only and ord(char) > 126) or not char.isprintable() or char in '\t\n\r':
            pieces.append(char.encode('unicode_escape').decode('ascii'))
        else:
            pieces.append(char)
    return ''.join(pieces)


def _bytes_escaped(text, quote_char):
    """The UTF-8 bytes of text as repr(bytes) writes them between quote_char quotes, without the quotes."""
    return ''.join(_python_escaped(chr(byte), quote_char, ascii_only=True) if byte < 128 else '\\x%02x' % byte
                   for byte in text.encode('utf-8'))


def _dotnet_json_escaped(text):
    """text as .NET's default (HTML-safe) JSON encoder writes it, without the quotes."""
    pieces = []
    for char in text:
        if char == '\\' or char in '\b\f\n\r\t':
            pieces.append(json.dumps(char)[1:-1])
        elif char in _DOTNET_JSON_ESCAPED or not 32 <= ord(char) <= 126:
            units = char.encode('utf-16-be')
            pieces.append(''.join('\\u%02X%02X' % (units[i], units[i + 1]) for i in range(0, len(units), 2)))
        else:
            pieces.append(char)
    return ''.join(pieces)


def _escaped_forms(text):
    """text as string literals of Python (repr, ascii, bytes), JSON (Python's, PHP's, .NET's) and HTML show it."""
    json_text = json.dumps(text)[1:-1]
    return {
        _python_escaped(text, "'"), _python_escaped(text, '"'),
        _python_escaped(text, "'", ascii_only=True), _python_escaped(text, '"', ascii_only=True),
        _bytes_escaped(text, "'"), _bytes_escaped(text, '"'),
        json_text, json.dumps(text, ensure_ascii=False)[1:-1], json_text.replace('/', '\\/'),
        _dotnet_json_escaped(text),
        html.escape(text), html.escape(text, quote=False), html.escape(text).replace('&#x27;', '&#39;'),
    }


def _hex_case_variants(form):
    """form with its %XX, \\uXXXX and \\xXX escapes in upper case and in lower case."""
    def digits_in(case):  # the prefixes (%, \\x, \\u) hold no hexadecimal digit
        return lambda match: re.sub('[0-9A-Fa-f]+$', lambda digits: case(digits.group()), match.group())
    return {form, _HEX_ESCAPES.sub(digits_in(str.upper), form), _HEX_ESCAPES.sub(digits_in(str.lower), form)}


def secret_forms(secret):
    """Every form in which a secret can appear in an error text.

    As it is, and its UTF-8 bytes read as ISO-8859-1; URL-quoted (quote and quote_plus, as paths, queries and forms
    carry it); escaped as a Python, JSON or HTML string shows it (requests puts a header value into its exceptions
    with repr(), so a newline there is two characters), and escaped twice (such an exception inside another one's
    repr, a JSON text inside a JSON string); each escape in upper- and lower-case hexadecimal.
    """
    # HTTP libraries read reason phrases and header values as ISO-8859-1, so a UTF-8 secret echoed there comes back
    # as its bytes read one by one.
    misread = secret.encode('utf-8').decode('latin-1')
    once = _escaped_forms(secret) | _escaped_forms(misread)
    twice = {form for escaped in once for form in (_python_escaped(escaped, "'"), json.dumps(escaped)[1:-1])}
    quoted = {quote(secret, safe=''), quote(secret), quote_plus(secret), quote_plus(secret, safe='/')}
    forms = set()
    for form in once | twice | quoted | {secret, misread}:
        forms.update(_hex_case_variants(form))
    return forms


def url_userinfo(url):
    """The candidates for the user information (user:password) of a URL: none, one, or two.

    requests and urllib3 split it from the host at the last @ of the authority, so a password may hold an unencoded
    @; should it hold an unencoded / as well, everything before the last @ of the URL is a candidate too.
    """
    if not isinstance(url, str) or '@' not in url:
        return ()
    rest = url.split('://', 1)[-1]
    authority = re.split(r'[/?#]', rest, maxsplit=1)[0]
    return tuple(dict.fromkeys(part.rpartition('@')[0] for part in (authority, rest) if '@' in part))


def shown_url(url):
    """The URL for a message or an echo of the arguments: anything before its last @ is masked."""
    return re.sub(r'^([A-Za-z][A-Za-z0-9+.-]*://)?.*@', r'\1%s@' % REDACTED, url, flags=re.DOTALL)


class Redactor:
    """Replaces every known secret, in every form it can take in an error text, with ********.

    Ansible's no_log masking only knows the literal option values; a Basic credential travels base64-encoded, OAuth
    tokens are fetched at run time, and servers and libraries echo secrets escaped, quoted or cut off, so all of
    those are registered and masked here. Secrets may be added from several threads (OAuth renewals) while others
    redact: the forms are replaced, never changed in place.
    """

    def __init__(self, secrets=()):
        self._forms = frozenset()
        self._longest_first = ()
        for secret in secrets:
            self.add(secret)

    def add(self, secret):
        if not secret or not isinstance(secret, str):
            return
        forms = self._forms | secret_forms(secret)
        if forms != self._forms:
            self._longest_first = tuple(sorted(forms, key=len, reverse=True))
            self._forms = forms

    def add_url_credentials(self, url):
        """Register the user information of a URL (a proxy URL may carry user:password@), as written and decoded.

        A proxy receives it as a Basic Proxy-Authorization header, so that form is registered too.
        """
        for userinfo in url_userinfo(url):
            user, colon, password = userinfo.partition(':')
            secret = password if colon else user
            self.add(secret)
            self.add(unquote(secret))
            self.add_basic_credential('%s:%s' % (unquote(user), unquote(password)))

    def add_basic_credential(self, credential):
        """Register 'user:password' in all the forms a Basic Authorization header carries it.

        Base64 of its UTF-8 bytes (what this collection sends) and of its ISO-8859-1 bytes (what requests sends to a
        proxy), with and without padding, and in the URL-safe alphabet.
        """
        self.add(credential)
        for encoding in ('utf-8', 'latin-1'):
            try:
                encoded = base64.b64encode(credential.encode(encoding)).decode('ascii')
            except UnicodeEncodeError:
                continue
            for form in (encoded, encoded.rstrip('='), encoded.replace('+', '-').replace('/', '_')):
                self.add(form)

    @property
    def secrets(self):
        """Every registered form of every secret."""
        return self._forms

    def text(self, value):
        if not isinstance(value, str) or not self._forms:
            return value
        # Longest first, so a secret that contains another is replaced whole.
        for form in self._longest_first:
            value = value.replace(form, REDACTED)
        return self._mask_cut_secrets(value)

    def data(self, value):
        """Redact strings anywhere in a JSON-like structure."""
        if isinstance(value, dict):
            return {key: self.data(item) for key, item in value.items()}
        if isinstance(value, (list, tuple)):
            return [self.data(item) for item in value]
        return self.text(value)

    def excerpt(self, text, limit=_EXCERPT_CHARS):
        """A one-line, bounded excerpt of a response body for messages.

        The whole body is redacted first, then cut; a tail that is the beginning of a secret (or of ********) is
        dropped, so a secret the cut falls into leaves nothing of itself behind.
        """
        if not text:
            return ''
        flat = ' '.join(self.text(text).split())
        if len(flat) <= limit:
            return flat
        cut = flat[:limit]
        cut_forms = self._forms if cut.endswith(REDACTED) else self._forms | {REDACTED}
        return cut[:limit - self._cut_secret_length(cut, 1, cut_forms)] + '...'

    def _mask_cut_secrets(self, text):
        """Mask the beginning of a secret where a server cut one off: at the end of the text or before an ellipsis."""
        pieces, start = [], 0
        for end in [match.start() for match in _ELLIPSIS.finditer(text)] + [len(text)]:
            length = self._cut_secret_length(text[start:end], _MIN_CUT_CHARS, self._forms)
            pieces.append(text[start:end - length] + (REDACTED if length else ''))
            start = end
        return ''.join(pieces)

    @staticmethod
    def _cut_secret_length(text, shortest, forms):
        """The length of the longest tail of text (at least shortest) that begins one of the forms, or 0."""
        longest = 0
        for form in forms:
            for length in range(min(len(form) - 1, len(text)), max(shortest, longest + 1) - 1, -1):
                if text.endswith(form[:length]):
                    longest = length
                    break
        return longest


# The module verbosity (-vvv) from which an error's message carries its verbose part.
VERBOSE_FROM = 3


class KeyfactorError(Exception):
    """Base class: a failure with a user-facing message and structured details.

    verbose: what the message adds at -vvv (full URLs, attempts, the exception chain), kept out of the one line a
    person reads by default.
    """

    def __init__(self, message, verbose=None, **details):
        super().__init__(message)
        self.message = message
        self.verbose = verbose
        self.details = {key: value for key, value in details.items() if value is not None}

    def describe(self, verbosity=0):
        """The message, with the verbose part added at the verbosity of -vvv and above."""
        return '%s %s' % (self.message, self.verbose) if self.verbose and verbosity >= VERBOSE_FROM else self.message

    def to_fail_kwargs(self, redactor=None, verbosity=0):
        redactor = redactor or Redactor()
        kwargs = dict(redactor.data(self.details))
        kwargs['msg'] = redactor.text(self.describe(verbosity))
        return kwargs


class KeyfactorConfigError(KeyfactorError):
    """The module's options (or their environment fallbacks) are invalid or incomplete."""


class KeyfactorTransportError(KeyfactorError):
    """No usable HTTP response: connection, DNS, TLS, proxy or timeout failure."""


# What to do about each kind of transport failure (the kinds of _retry.classify_exception).
_TRANSPORT_ADVICE = {
    'dns': 'Check the host name in url (KEYFACTOR_HOSTNAME) and DNS where the module runs.',
    'refused': 'Check url (KEYFACTOR_HOSTNAME) and its port, and that the server is up.',
    'connect_timeout': 'Check url, that the server is up, and firewalls on the way.',
    'proxy': 'Check proxy (or HTTPS_PROXY) and that the proxy is up.',
    'tls_verify': "Set ca_cert (KEYFACTOR_CA_CERT) to the CA that issued the server's certificate.",
    'tls_handshake': "Check that url is the server's HTTPS port; mutual TLS needs client_cert.",
    'tls': 'Check proxies and TLS inspection on the way, then run the task again.',
    'timeout': 'Raise timeout (KEYFACTOR_CLIENT_TIMEOUT, now %g s) if the server is just slow.',
}
_DEFAULT_ADVICE = 'Check url, proxy and the network path to the server, then run the task again.'


def transport_error(request, failure, exc, attempt, unknown_outcome, timeout, redactor):
    """The error of a request that got no usable answer: one line to act on, the rest at -vvv.

    request: (method, path or token URL, full URL); failure: a _retry.Failure. The line names the method and the
    path without its query string, the cause in words and what to do; the full URL, the attempts and the exception
    chain are the verbose part. unknown_outcome: the request may have reached the server (a signal), so the caller
    re-reads instead of failing.
    """
    method, label, url = request
    path = label.split('?', 1)[0]
    chain = ' <- '.join('%s: %s' % (type(item).__name__, item) for item in exception_chain(exc))
    verbose = redactor.text('(%s %s, %d attempt%s; %s)' % (method, url, attempt, '' if attempt == 1 else 's', chain))
    if unknown_outcome:
        return KeyfactorUnknownOutcomeError(
            '%s %s: %s after the request was sent; it may or may not have taken effect.'
            % (method, path, failure.description), verbose=verbose, method=method, path=label, reason=failure.kind)
    advice = _TRANSPORT_ADVICE.get(failure.kind, _DEFAULT_ADVICE)
    if failure.kind == 'proxy' and ' 407 ' in chain:
        advice = 'The proxy refused its credentials (HTTP 407): check the user and password in proxy (or HTTPS_PROXY).'
    return KeyfactorTransportError(
        '%s %s failed: %s. %s' % (method, path, failure.description, advice.replace('%g', '%g' % timeout)),
        verbose=verbose, method=method, path=label, reason=failure.kind, attempts=attempt)


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

    def __init__(self, message, status, method, path, error_code=None, error_message=None, body_excerpt=None,
                 **details):
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
