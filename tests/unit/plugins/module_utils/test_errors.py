# -*- coding: utf-8 -*-
# Copyright (c) keyfactor.command contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Error shapes and secret redaction: every form a secret can take in an error text."""

import base64
import html
import json
import re
from urllib.parse import quote, quote_plus

import pytest

from ansible_collections.keyfactor.command.plugins.module_utils._errors import (
    REDACTED, KeyfactorAPIError, KeyfactorError, KeyfactorNotFoundError, KeyfactorTransportError,
    KeyfactorUnknownOutcomeError, Redactor, shown_url, transport_error, url_userinfo,
)
from ansible_collections.keyfactor.command.plugins.module_utils._retry import _DESCRIPTIONS, Failure

# Secrets with the characters each encoding treats specially: quotes, backslash, slash, plus, percent, ampersand,
# angle brackets, non-ASCII (Latin-1, beyond Latin-1, beyond the BMP) and control characters.
SECRETS = [
    'S3cret-approver1!',
    'Qu"o\'te\\back/sl+sh%41&<amp>',
    'pässwörd-€-😀',
    'tok\n',
    'x\ty\x00z\x7f',
]


def lower_hex(text):
    return re.sub(r'%[0-9A-F]{2}', lambda match: match.group().lower(), text)


FORMS = {
    'raw': lambda secret: secret,
    'repr': repr,
    'ascii': ascii,
    'repr of UTF-8 bytes': lambda secret: repr(secret.encode('utf-8')),
    'JSON': json.dumps,
    'JSON, not ASCII-only': lambda secret: json.dumps(secret, ensure_ascii=False),
    'JSON, upper-case hex': lambda secret: re.sub(r'(?<=\\u)[0-9a-f]{4}', lambda match: match.group().upper(),
                                                  json.dumps(secret)),
    'JSON with escaped slashes': lambda secret: json.dumps(secret).replace('/', '\\/'),
    'repr inside a repr (an exception inside an exception)': lambda secret: repr(ValueError('header %r' % secret)),
    'repr of a repr': lambda secret: repr(repr(secret)),
    'JSON inside a JSON string': lambda secret: json.dumps(json.dumps(secret)),
    'HTML': html.escape,
    'HTML without quotes escaped': lambda secret: html.escape(secret, quote=False),
    'URL-quoted': lambda secret: quote(secret, safe=''),
    'URL-quoted, lower-case hex': lambda secret: lower_hex(quote(secret, safe='')),
    'URL-quoted keeping slashes': quote,
    'form-encoded (quote_plus)': quote_plus,
    'form-encoded, lower-case hex': lambda secret: lower_hex(quote_plus(secret)),
}


@pytest.mark.parametrize('secret', SECRETS, ids=range(len(SECRETS)))
@pytest.mark.parametrize('form', sorted(FORMS))
def test_every_form_of_a_secret_is_masked(secret, form):
    shown = FORMS[form](secret)
    masked = Redactor([secret]).text('Server said: <%s> and more' % shown)
    assert REDACTED in masked
    assert masked.startswith('Server said: <') and masked.endswith('> and more')
    # nothing of the secret's letters survives around the mask
    assert 'S3cret' not in masked and 'back' not in masked and 'ssw' not in masked and 'tok' not in masked


def test_dotnet_json_escapes_are_masked():
    secret = 'Qu"o\'te+<tag>&`é'
    dotnet = ''.join('\\u%04X' % ord(char) if char in '"&\'+<>`' or ord(char) > 126 else char for char in secret)
    assert Redactor([secret]).text('{"Message":"bad %s"}' % dotnet) == '{"Message":"bad %s"}' % REDACTED


@pytest.mark.parametrize('login', ['KEYEXAMPLE\\alice', 'alice', 'alice@keyexample.com'])
def test_basic_credentials_are_masked_base64_encoded_with_and_without_padding(login):
    redactor = Redactor()
    for user in ('KEYEXAMPLE\\alice', 'alice', 'alice@keyexample.com'):
        redactor.add_basic_credential('%s:p@ss word' % user)
    encoded = base64.b64encode(('%s:p@ss word' % login).encode()).decode()
    for shown in (encoded, encoded.rstrip('='), quote(encoded, safe=''), encoded.replace('+', '-').replace('/', '_')):
        assert redactor.text('Authorization: Basic %s.' % shown) == 'Authorization: Basic %s.' % REDACTED


def test_redactor_walks_nested_data_and_leaves_other_types():
    redactor = Redactor(['tok123'])
    assert redactor.data({'a': ['x tok123 y', 5, None], 'b': {'c': 'tok123'}}) == {
        'a': ['x %s y' % REDACTED, 5, None], 'b': {'c': REDACTED}}


def test_redactor_ignores_empty_secrets():
    redactor = Redactor(['', None])
    assert redactor.text('unchanged') == 'unchanged'
    assert not redactor.secrets


def test_a_secret_containing_another_is_masked_whole():
    assert Redactor(['abcd', 'abcdefgh']).text('x abcdefgh y') == 'x %s y' % REDACTED


# --- secrets cut off -------------------------------------------------------------------------------------------------

TOKEN = 'eyJhbGciOiJSUzI1NiJ9.payload-4711'


@pytest.mark.parametrize('text, expected', [
    ('Invalid token %s' % TOKEN[:12], 'Invalid token %s' % REDACTED),
    ('Invalid token %s... (truncated)' % TOKEN[:20], 'Invalid token %s... (truncated)' % REDACTED),
    ('Invalid token %s\u2026' % TOKEN[:8], 'Invalid token %s\u2026' % REDACTED),
    ('Invalid token %s...' % json.dumps(TOKEN)[1:9], 'Invalid token %s...' % REDACTED),
    # up to seven characters are ordinary text (a path ending in /token, a secret 'token answer ...')
    ('ends with eyJhbGc', 'ends with eyJhbGc'),
    ('ends with eyJhbGc...', 'ends with eyJhbGc...'),
    ('an ellipsis... alone', 'an ellipsis... alone'),
])
def test_a_secret_a_server_cut_off_is_masked(text, expected):
    assert Redactor([TOKEN]).text(text) == expected


def test_ordinary_text_that_begins_like_a_secret_is_left_alone():
    redactor = Redactor(['token answer without a token'])
    path = 'https://idp.example.com/realms/Keyfactor/protocol/openid-connect/token'
    assert redactor.text(path) == path
    assert redactor.text('a token answer without a token') == 'a ' + REDACTED


def test_excerpt_is_one_bounded_line():
    excerpt = Redactor().excerpt
    assert excerpt('<html>\n  <body>  Server   Error</body>\n</html>') == '<html> <body> Server Error</body> </html>'
    assert excerpt('x' * 500) == 'x' * 200 + '...'
    assert excerpt('') == ''


@pytest.mark.parametrize('offset', range(140, 180, 3))  # the cut at 200 falls before, into and after the token
def test_an_excerpt_is_redacted_whole_before_it_is_cut(offset):
    """Wherever the cut falls, nothing of the secret is left: not its beginning, not a piece of the mask."""
    body = 'x' * offset + ' Authorization: Bearer %s and the rest of the page' % TOKEN
    excerpt = Redactor([TOKEN]).excerpt(body)
    assert len(excerpt) <= 203 and TOKEN[:4] not in excerpt
    if excerpt.endswith('...'):
        kept = excerpt[:-3]
        assert not any(kept.endswith(TOKEN[:length]) for length in range(1, len(TOKEN)))
        assert not kept.endswith('*') or kept.endswith(REDACTED)


@pytest.mark.parametrize('form', ['raw', 'JSON', 'repr', 'URL-quoted', 'HTML'])
def test_an_excerpt_drops_the_beginning_of_any_form_of_a_secret(form):
    secret = 'Qu"o\'te\\back/sl+sh%41&<amp>'
    shown = FORMS[form](secret)
    redactor = Redactor([secret])
    whole = redactor.text(shown + ' tail')
    for offset in range(190 - len(whole), 200):
        excerpt = redactor.excerpt('y' * offset + shown + ' tail')
        rest = excerpt[offset:-3] if excerpt.endswith('...') else excerpt[offset:]
        assert excerpt.startswith('y' * offset) and whole.startswith(rest)
        assert rest.count('*') in (0, len(REDACTED))  # the mask is dropped whole, or kept whole


# --- URLs -------------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize('url, userinfo', [
    ('http://user:pw@proxy:3128', ('user:pw',)),
    ('http://user:p@ss@proxy:3128', ('user:p@ss',)),
    ('http://user:p@ss/w@rd@proxy:3128', ('user:p', 'user:p@ss/w@rd')),
    ('proxy:3128', ()),
    (None, ()),
])
def test_url_userinfo_is_split_at_the_last_at(url, userinfo):
    assert url_userinfo(url) == userinfo


@pytest.mark.parametrize('url, expected', [
    ('http://user:p@ss@proxy:3128', 'http://%s@proxy:3128' % REDACTED),
    ('user:pw@kf.example.com', '%s@kf.example.com' % REDACTED),
    ('http://proxy:3128', 'http://proxy:3128'),
])
def test_shown_url_masks_everything_before_the_last_at(url, expected):
    assert shown_url(url) == expected


def test_url_credentials_are_registered_as_written_decoded_and_as_a_proxy_authorization():
    redactor = Redactor()
    redactor.add_url_credentials('http://proxyuser:Pr0xy@pass%21@proxy:3128')
    basic = base64.b64encode(b'proxyuser:Pr0xy@pass!').decode()
    text = 'a Pr0xy@pass%21 b Pr0xy@pass! c Proxy-Authorization: Basic ' + basic + ' d Pr0xy%40pass%21'
    assert redactor.text(text) == 'a {0} b {0} c Proxy-Authorization: Basic {0} d {0}'.format(REDACTED)


# --- errors -----------------------------------------------------------------------------------------------------------

def test_error_to_fail_kwargs_drops_missing_details_and_redacts():
    error = KeyfactorAPIError('GET /x failed: token tok123', status=500, method='GET', path='/x', body_excerpt='tok123 leaked')
    kwargs = error.to_fail_kwargs(Redactor(['tok123']))
    assert kwargs == {'msg': 'GET /x failed: token %s' % REDACTED, 'http_status': 500, 'method': 'GET', 'path': '/x',
                      'body_excerpt': '%s leaked' % REDACTED}


def test_hierarchy():
    error = KeyfactorNotFoundError('gone', status=404, method='GET', path='/x')
    assert isinstance(error, KeyfactorError)
    assert (error.status, error.error_code, error.error_message) == (404, None, None)
    assert KeyfactorError('plain').to_fail_kwargs() == {'msg': 'plain'}


# --- transport failures: one line to act on, the rest at -vvv -------------------------------------------------------

LONG_PATH = '/Workflow/Instances/8a3c1f52-6a0e-4d0b-9a51-2f7e3c9d4b10/Signals'
LONG_URL = 'https://keyfactor-command-frontend.corp.keyexample.com:8443/KeyfactorAPI' + LONG_PATH


def wrapped_exception(secret):
    """An exception chain as requests raises it: a ConnectionError caused by an OSError that echoes a header."""
    try:
        try:
            raise OSError('[Errno 111] Connection refused (Authorization: Basic %s)' % secret)
        except OSError as inner:
            raise ConnectionError('HTTPSConnectionPool(host=..., port=8443): Max retries exceeded') from inner
    except ConnectionError as outer:
        return outer


@pytest.mark.parametrize('kind', sorted(_DESCRIPTIONS))
def test_a_transport_failure_is_one_short_line_with_the_path_the_cause_and_what_to_do(kind):
    failure = Failure(kind, _DESCRIPTIONS[kind], False)
    error = transport_error(('GET', LONG_PATH + '?QueryString=Status%20-eq%20%22Suspended%22', LONG_URL + '?q=1'),
                            failure, wrapped_exception('c2VjcmV0'), 4, False, 30.0, Redactor())
    assert isinstance(error, KeyfactorTransportError)
    line = error.to_fail_kwargs()['msg']
    assert line.startswith('GET %s failed: %s. ' % (LONG_PATH, _DESCRIPTIONS[kind]))
    assert len(line) < 250 and '\n' not in line
    assert 'https://' not in line and '?' not in line and 'attempt' not in line and 'Errno' not in line
    assert (error.details['reason'], error.details['attempts']) == (kind, 4)


def test_the_timeout_advice_gives_the_timeout():
    failure = Failure('timeout', _DESCRIPTIONS['timeout'], False)
    error = transport_error(('GET', LONG_PATH, LONG_URL), failure, wrapped_exception('x'), 1, False, 12.5, Redactor())
    assert error.message.endswith('Raise timeout (KEYFACTOR_CLIENT_TIMEOUT, now 12.5 s) if the server is just slow.')


def test_at_vvv_the_full_url_the_attempts_and_the_exception_chain_are_added_without_secrets():
    failure = Failure('refused', _DESCRIPTIONS['refused'], True)
    error = transport_error(('GET', LONG_PATH, LONG_URL + '?q=1'), failure, wrapped_exception('c2VjcmV0'), 3, False,
                            30.0, Redactor(['c2VjcmV0']))
    verbose = error.to_fail_kwargs(Redactor(['c2VjcmV0']), verbosity=3)['msg']
    assert verbose.startswith(error.message + ' (GET %s?q=1, 3 attempts; ' % LONG_URL)
    assert 'ConnectionError: HTTPSConnectionPool' in verbose and 'OSError: [Errno 111] Connection refused' in verbose
    assert 'c2VjcmV0' not in verbose and REDACTED in verbose
    assert error.to_fail_kwargs(verbosity=2)['msg'] == error.describe() == error.message


def test_a_signal_that_may_have_arrived_is_an_unknown_outcome_with_the_same_verbose_part():
    failure = Failure('reset', _DESCRIPTIONS['reset'], False)
    error = transport_error(('POST', LONG_PATH, LONG_URL), failure, wrapped_exception('x'), 1, True, 30.0, Redactor())
    assert isinstance(error, KeyfactorUnknownOutcomeError)
    assert error.message == ('POST %s: the connection was closed or reset before a response arrived after the '
                             'request was sent; it may or may not have taken effect.' % LONG_PATH)
    assert error.describe(4).startswith(error.message + ' (POST %s, 1 attempt; ' % LONG_URL)
