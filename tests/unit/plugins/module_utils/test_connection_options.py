# -*- coding: utf-8 -*-
# Copyright (c) keyfactor.command contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Connection options: parsing, environment fallbacks, auth-mode resolution, and agreement with the doc fragment."""

import re

import pytest
import yaml

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.keyfactor.command.plugins.doc_fragments.connection import ModuleDocFragment
from ansible_collections.keyfactor.command.plugins.module_utils._auth import (
    BasicAuth, BearerToken, OAuthClientCredentials, resolve_auth, split_username,
)
from ansible_collections.keyfactor.command.plugins.module_utils._connection import resolve_connection
from ansible_collections.keyfactor.command.plugins.module_utils._connection_options import (
    CONNECTION_OPTIONS, MIN_MASKED_HEADER_VALUE_CHARS, OptionAdapter, connection_argument_spec, header_value_problem,
    masked_arguments, parse_api_path, parse_url, register_argument_secrets,
)
from ansible_collections.keyfactor.command.plugins.module_utils._errors import REDACTED, KeyfactorConfigError, Redactor

ALL_ENV = sorted({name for option in CONNECTION_OPTIONS.values() for name in option.env})
BASIC = dict(url='kf.example.com', username='KEYEXAMPLE\\alice', password='s3cret')


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    for name in ALL_ENV:
        monkeypatch.delenv(name, raising=False)


def auth_of(options):
    """The authentication mode a task with these options resolves to."""
    return resolve_auth(OptionAdapter.from_dict(options))


def validated(params):
    """Run parameters through Ansible's own argument spec validation, as a module would."""
    result = ArgumentSpecValidator(connection_argument_spec()).validate(params)
    assert not result.error_messages, result.error_messages
    return result.validated_parameters


@pytest.mark.parametrize('given, expected', [
    ('kf.example.com', 'https://kf.example.com:443'),
    ('kf.example.com:8443', 'https://kf.example.com:8443'),
    ('https://kf.example.com', 'https://kf.example.com:443'),
    ('HTTPS://KF.Example.com:8443/', 'https://kf.example.com:8443'),
    ('  kf  ', 'https://kf:443'),
    ('10.0.0.5', 'https://10.0.0.5:443'),
    ('[::1]:9443', 'https://[::1]:9443'),
])
def test_parse_url_accepts_host_host_port_and_https_urls(given, expected):
    assert parse_url(given) == expected


@pytest.mark.parametrize('given, fragment', [
    ('http://kf.example.com', "scheme 'http' is not supported"),
    ('ftp://kf.example.com', "scheme 'ftp' is not supported"),
    ('https://kf.example.com/KeyfactorAPI', 'contains a path (/KeyfactorAPI)'),
    ('kf.example.com:https', "invalid port 'https'"),
    ('kf.example.com:70000', "invalid port '70000'"),
    ('kf example.com', 'is not a valid host name'),
    ('-kf.example.com', 'is not a valid host name'),
    ('', 'url is required'),
    (None, 'KEYFACTOR_HOSTNAME'),
])
def test_parse_url_rejects_anything_else_naming_the_value(given, fragment):
    with pytest.raises(KeyfactorConfigError) as caught:
        parse_url(given)
    assert fragment in str(caught.value)
    if given:
        assert repr(given.strip()) in str(caught.value)
        assert 'https://host[:port]' in str(caught.value) or 'port must be' in str(caught.value)


@pytest.mark.parametrize('given', ['https://bob:hunter2@kf.example.com', 'bob:hunter2@kf.example.com:443'])
def test_parse_url_never_echoes_embedded_credentials(given):
    with pytest.raises(KeyfactorConfigError) as caught:
        parse_url(given)
    assert 'hunter2' not in str(caught.value)
    assert 'user information' in str(caught.value)


@pytest.mark.parametrize('given, expected', [
    ('KeyfactorAPI', 'KeyfactorAPI'), ('/KeyfactorApi/', 'KeyfactorApi'), ('Keyfactor/API', 'Keyfactor/API')])
def test_parse_api_path(given, expected):
    assert parse_api_path(given) == expected


@pytest.mark.parametrize('given', ['', '/', 'Keyfactor API', 'a//b', '../x?y'])
def test_parse_api_path_rejects_bad_paths(given):
    with pytest.raises(KeyfactorConfigError, match='api_path'):
        parse_api_path(given)


@pytest.mark.parametrize('username, domain, expected', [
    ('alice', None, ('alice', None)),
    ('alice', 'KEYEXAMPLE', ('alice', 'KEYEXAMPLE')),
    ('KEYEXAMPLE\\alice', None, ('alice', 'KEYEXAMPLE')),
    ('alice@keyexample.com', None, ('alice', 'keyexample.com')),
    ('KEYEXAMPLE\\alice', 'keyexample', ('alice', 'KEYEXAMPLE')),
])
def test_split_username_as_keyfactor_tools_do(username, domain, expected):
    assert split_username(username, domain) == expected


@pytest.mark.parametrize('username, domain, fragment', [
    ('OTHER\\alice', 'KEYEXAMPLE', "names domain 'OTHER' but domain"),
    ('\\alice', None, 'is not valid'),
    ('alice@', None, 'is not valid'),
])
def test_split_username_rejects_conflicts_and_empty_parts(username, domain, fragment):
    with pytest.raises(KeyfactorConfigError) as caught:
        split_username(username, domain)
    assert fragment in str(caught.value)


def test_resolve_auth_basic():
    assert auth_of(dict(username='alice@keyexample.com', password='pw')) == BasicAuth('alice', 'keyexample.com', 'pw')


def test_resolve_auth_oauth_strips_scopes():
    auth = auth_of(dict(client_id='cid', client_secret='cs', token_url='https://idp:8444/token', scopes=['openid', ' api ', '']))
    assert auth == OAuthClientCredentials('cid', 'cs', 'https://idp:8444/token', ['openid', 'api'], None)


def test_resolve_auth_bearer():
    assert auth_of(dict(access_token='tok')) == BearerToken('tok')


def test_resolve_auth_none_names_every_option_and_variable():
    with pytest.raises(KeyfactorConfigError) as caught:
        auth_of(dict(domain='KEYEXAMPLE'))
    message = str(caught.value)
    assert message.startswith('No authentication is configured')
    for name in ('username (KEYFACTOR_USERNAME)', 'password (KEYFACTOR_PASSWORD)', 'client_id (KEYFACTOR_AUTH_CLIENT_ID)',
                 'client_secret (KEYFACTOR_AUTH_CLIENT_SECRET)', 'token_url (KEYFACTOR_AUTH_TOKEN_URL)',
                 'access_token (KEYFACTOR_AUTH_ACCESS_TOKEN)'):
        assert name in message


def test_resolve_auth_two_modes_names_both_where_each_setting_came_from_and_what_to_unset(monkeypatch):
    monkeypatch.setenv('KEYFACTOR_PASSWORD', 'Pa55-unique')
    with pytest.raises(KeyfactorConfigError) as caught:
        auth_of(dict(username='alice', access_token='Tok-unique'))
    assert str(caught.value) == (
        'Settings for more than one authentication mode were found: Basic authentication (username from the task '
        'option, password from the environment variable KEYFACTOR_PASSWORD); and a bearer token (access_token from the '
        'task option). Keep exactly one mode: to keep Basic authentication, remove the option access_token (from the '
        'task or module_defaults); to keep a bearer token, remove the option username (from the task or '
        'module_defaults) and unset KEYFACTOR_PASSWORD.')


def test_resolve_auth_two_modes_from_the_environment_name_each_variable(monkeypatch):
    for name, value in dict(KEYFACTOR_AUTH_CLIENT_ID='cid', KEYFACTOR_AUTH_CLIENT_SECRET='Cs-unique',
                            KEYFACTOR_AUTH_TOKEN_URL='https://idp/t', KEYFACTOR_AUTH_ACCESS_TOKEN='Tok-unique').items():
        monkeypatch.setenv(name, value)
    with pytest.raises(KeyfactorConfigError) as caught:
        auth_of({})
    message = str(caught.value)
    assert 'OAuth 2 client credentials (client_id from the environment variable KEYFACTOR_AUTH_CLIENT_ID, ' in message
    assert 'to keep OAuth 2 client credentials, unset KEYFACTOR_AUTH_ACCESS_TOKEN;' in message
    assert message.endswith('to keep a bearer token, unset KEYFACTOR_AUTH_CLIENT_ID, KEYFACTOR_AUTH_CLIENT_SECRET, '
                            'KEYFACTOR_AUTH_TOKEN_URL.')
    assert 'Cs-unique' not in message and 'Tok-unique' not in message


@pytest.mark.parametrize('options, env, message', [
    (dict(access_token='tok', scopes=['openid']), {},
     'scopes (from the task option) is an option of OAuth 2 client credentials only, but a bearer token is in use '
     '(access_token); remove the option scopes (from the task or module_defaults).'),
    (dict(username='alice', password='pw'), dict(KEYFACTOR_AUTH_AUDIENCE='kf'),
     'audience (from the environment variable KEYFACTOR_AUTH_AUDIENCE) is an option of OAuth 2 client credentials '
     'only, but Basic authentication is in use (username, password); unset KEYFACTOR_AUTH_AUDIENCE.'),
    (dict(username='alice', password='pw', scopes='assigned_to_me'), {},
     'scopes (from the task option) is an option of OAuth 2 client credentials only, but Basic authentication is in '
     'use (username, password); remove the option scopes (from the task or module_defaults). To choose which '
     'instances to list, use scope (singular): scope: assigned_to_me.'),
    (dict(client_id='cid', client_secret='cs', token_url='https://idp/t', scopes=['openid', 'started_by_me']), {},
     'scopes (from the task option) names OAuth scopes to request with a token, not which instances to list. To '
     'choose which instances to list, use scope (singular): scope: started_by_me.'),
])
def test_an_option_of_another_mode_or_a_listing_scope_is_refused_naming_the_mode_in_use(
        monkeypatch, options, env, message):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(KeyfactorConfigError) as caught:
        auth_of(options)
    assert str(caught.value) == message


def test_domain_may_stay_set_for_another_mode(monkeypatch):
    monkeypatch.setenv('KEYFACTOR_DOMAIN', 'KEYEXAMPLE')
    assert auth_of(dict(access_token='tok')) == BearerToken('tok')


@pytest.mark.parametrize('params, missing', [
    (dict(username='alice'), 'password (KEYFACTOR_PASSWORD)'),
    (dict(password='pw'), 'username (KEYFACTOR_USERNAME)'),
    (dict(client_id='cid', token_url='https://idp/t'), 'client_secret (KEYFACTOR_AUTH_CLIENT_SECRET)'),
    (dict(client_secret='cs'), 'client_id (KEYFACTOR_AUTH_CLIENT_ID), token_url (KEYFACTOR_AUTH_TOKEN_URL)'),
])
def test_resolve_auth_incomplete_mode_names_what_is_missing(params, missing):
    with pytest.raises(KeyfactorConfigError) as caught:
        auth_of(params)
    assert str(caught.value).endswith('also needs %s.' % missing)


@pytest.mark.parametrize('token_url', ['http://idp/token', 'https://idp/token\n', 'https://idp/to ken'])
def test_resolve_auth_rejects_a_token_url_that_is_not_https(token_url):
    with pytest.raises(KeyfactorConfigError, match="token_url %s is not valid" % re.escape(repr(token_url))):
        auth_of(dict(client_id='cid', client_secret='cs', token_url=token_url))


def test_environment_fallbacks_fill_every_option(monkeypatch):
    env = {
        'KEYFACTOR_HOSTNAME': 'kf.example.com', 'KEYFACTOR_PORT': '8443', 'KEYFACTOR_API_PATH': 'Keyfactor/API',
        'KEYFACTOR_AUTH_CLIENT_ID': 'cid', 'KEYFACTOR_AUTH_CLIENT_SECRET': 'cs',
        'KEYFACTOR_AUTH_TOKEN_URL': 'https://kf.example.com:8444/realms/Keyfactor/protocol/openid-connect/token',
        'KEYFACTOR_AUTH_SCOPES': 'openid,api', 'KEYFACTOR_AUTH_AUDIENCE': 'kf', 'KEYFACTOR_SKIP_VERIFY': 'true',
        'KEYFACTOR_CA_CERT': '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n',
        'KEYFACTOR_CLIENT_TIMEOUT': '12.5',
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    settings = resolve_connection(validated({}))
    assert settings.base_url == 'https://kf.example.com:8443/Keyfactor/API'
    assert settings.auth == OAuthClientCredentials('cid', 'cs', env['KEYFACTOR_AUTH_TOKEN_URL'], ['openid', 'api'], 'kf')
    assert settings.validate_certs is False
    assert settings.ca_cert == env['KEYFACTOR_CA_CERT']
    assert settings.timeout == 12.5


def test_basic_auth_and_domain_from_environment(monkeypatch):
    monkeypatch.setenv('KEYFACTOR_HOSTNAME', 'https://kf.example.com')
    monkeypatch.setenv('KEYFACTOR_PORT', '9443')
    monkeypatch.setenv('KEYFACTOR_USERNAME', 'alice')
    monkeypatch.setenv('KEYFACTOR_PASSWORD', 'pw')
    monkeypatch.setenv('KEYFACTOR_DOMAIN', 'KEYEXAMPLE')
    settings = resolve_connection(validated({}))
    assert settings.base_url == 'https://kf.example.com:9443/KeyfactorAPI'
    assert settings.auth == BasicAuth('alice', 'KEYEXAMPLE', 'pw')
    assert settings.validate_certs is True


def test_task_options_win_over_environment(monkeypatch):
    monkeypatch.setenv('KEYFACTOR_HOSTNAME', 'env.example.com')
    monkeypatch.setenv('KEYFACTOR_PORT', '9443')
    monkeypatch.setenv('KEYFACTOR_API_PATH', 'EnvAPI')
    monkeypatch.setenv('KEYFACTOR_SKIP_VERIFY', 'true')
    settings = resolve_connection(validated(dict(BASIC, api_path='TaskAPI', validate_certs=True, timeout=5)))
    assert settings.base_url == 'https://kf.example.com:443/TaskAPI'
    assert settings.validate_certs is True
    assert settings.timeout == 5


def test_port_variable_does_not_override_a_port_in_the_hostname_variable(monkeypatch):
    monkeypatch.setenv('KEYFACTOR_HOSTNAME', 'kf.example.com:8443')
    monkeypatch.setenv('KEYFACTOR_PORT', '9443')
    assert validated({})['url'] == 'kf.example.com:8443'


def test_empty_environment_variables_count_as_unset(monkeypatch):
    """AWX injects every variable of a credential type, unused inputs as empty strings."""
    for name in ALL_ENV:
        monkeypatch.setenv(name, '')
    monkeypatch.setenv('KEYFACTOR_HOSTNAME', 'kf.example.com')
    monkeypatch.setenv('KEYFACTOR_AUTH_ACCESS_TOKEN', 'tok')
    params = validated({})
    settings = resolve_connection(params)
    assert settings.auth == BearerToken('tok')
    assert settings.base_url == 'https://kf.example.com:443/KeyfactorAPI'
    assert settings.validate_certs is True
    assert settings.timeout == 60


@pytest.mark.parametrize('value, expected', [('1', False), ('yes', False), ('false', True), ('0', True)])
def test_skip_verify_variable_is_the_inverse_of_validate_certs(monkeypatch, value, expected):
    monkeypatch.setenv('KEYFACTOR_SKIP_VERIFY', value)
    assert validated({})['validate_certs'] is expected


def test_connection_defaults():
    settings = resolve_connection(validated(dict(BASIC)))
    assert settings.base_url == 'https://kf.example.com:443/KeyfactorAPI'
    assert (settings.timeout, settings.retries, settings.validate_certs) == (60, 3, True)
    assert (settings.ca_cert, settings.client_cert, settings.proxy, settings.headers, settings.status_map) == (None, None, None, {}, {})


def test_mutual_tls_and_proxy_and_headers(tmp_path):
    cert, key = tmp_path / 'c.pem', tmp_path / 'k.pem'
    settings = resolve_connection(validated(dict(
        BASIC, client_cert=str(cert), client_key=str(key), proxy='http://proxy:3128', headers={'X-Gateway': 1})))
    assert settings.client_cert == (str(cert), str(key))
    assert settings.proxy == 'http://proxy:3128'
    assert settings.headers == {'X-Gateway': '1'}


def test_ca_cert_as_a_file(tmp_path):
    bundle = tmp_path / 'ca.pem'
    bundle.write_text('pem')
    assert resolve_connection(validated(dict(BASIC, ca_cert=str(bundle)))).ca_cert == str(bundle)


@pytest.mark.parametrize('extra, fragment', [
    (dict(timeout=0), 'timeout (KEYFACTOR_CLIENT_TIMEOUT) must be a finite number of seconds greater than 0 and at '
                      'most 604800 (a week), got 0.0.'),
    (dict(timeout='nan'), 'timeout (KEYFACTOR_CLIENT_TIMEOUT) must be a finite number of seconds'),
    (dict(timeout='inf'), 'got inf.'),
    (dict(timeout=604801), 'got 604801.0.'),
    (dict(retries=-1), 'retries must be 0 or more, got -1'),
    (dict(ca_cert='/nonexistent/ca.pem'), "'/nonexistent/ca.pem' is neither an existing file nor PEM text"),
    (dict(client_key='/tmp/key.pem'), 'client_key needs client_cert'),
    (dict(headers={'Authorization': 'Bearer x'}), 'headers must not set Authorization'),
    (dict(proxy='proxy:3128'), "proxy 'proxy:3128' is not valid"),
    (dict(proxy='http://proxy:3128\n'), "proxy 'http://proxy:3128\\n' is not valid"),
    (dict(proxy='proxy@pa ss@proxy:3128'), "proxy '********@proxy:3128' is not valid"),
])
def test_resolve_connection_rejects_bad_values(extra, fragment):
    with pytest.raises(KeyfactorConfigError) as caught:
        resolve_connection(validated(dict(BASIC, **extra)))
    assert fragment in str(caught.value)


# --- values sent in headers: refused at configuration time, never echoed -------------------------------------------

NEWLINE_HINT = ('ends with a newline, as `echo ... | ansible-vault encrypt_string` and YAML `|` blocks produce; '
                'remove it')
SECRET = 'Secret-Value-4711'


@pytest.mark.parametrize('value, problem', [
    (SECRET + '\n', 'ends with a newline'),
    (SECRET + '\r\n', 'ends with a newline'),
    (SECRET + '\n\n', 'ends with a newline'),
    ('Secret\nValue', 'contains a line feed'),
    ('Secret\rValue', 'contains a carriage return'),
    ('Secret\x00Value', 'contains a NUL character'),
    ('Secret\tValue', 'contains a tab'),
    ('Secret\x1bValue', 'contains a control character (U+001B)'),
    ('Secret\x7fValue', 'contains a DEL character'),
    ('\nSecret\n', 'contains a line feed'),
    (' Secret', 'starts or ends with whitespace'),
    ('Secret ', 'starts or ends with whitespace'),
    ('Secret\u2019s', 'contains a character outside ISO-8859-1 (such as a typographic quote)'),
    ('Secret', None),
    ('Sécret with inner spaces', None),
    ('', None),
])
def test_header_value_problem_names_what_is_wrong(value, problem):
    assert header_value_problem(value) == problem


@pytest.mark.parametrize('value', ['pass word', ' leading', 'trailing ', 'pässwörd\u2019'])
def test_basic_credentials_may_hold_spaces_and_any_letter(value):
    assert header_value_problem(value, sent_as_is=False) is None


def refused(params):
    with pytest.raises(KeyfactorConfigError) as caught:
        resolve_connection(validated(params))
    message = str(caught.value)
    assert 'Secret' not in message and 'Value' not in message, 'the value is echoed: %s' % message
    return message


NO_BASIC = dict(BASIC, username=None, password=None)


@pytest.mark.parametrize('params, subject', [
    (dict(NO_BASIC, access_token=SECRET + '\n'), 'access_token (KEYFACTOR_AUTH_ACCESS_TOKEN)'),
    (dict(BASIC, password=SECRET + '\n'), 'password (KEYFACTOR_PASSWORD)'),
    (dict(BASIC, username='alice\n'), 'username (KEYFACTOR_USERNAME)'),
    (dict(BASIC, username='alice', domain='KEYEXAMPLE\r\n'), 'domain (KEYFACTOR_DOMAIN)'),
    (dict(NO_BASIC, client_id='cid', client_secret=SECRET + '\n', token_url='https://idp/t'),
     'client_secret (KEYFACTOR_AUTH_CLIENT_SECRET)'),
    (dict(BASIC, headers={'X-Gateway-Credential': SECRET + '\n'}),
     'the value of header X-Gateway-Credential (headers)'),
])
def test_a_trailing_newline_is_refused_naming_the_option_and_where_it_comes_from(params, subject):
    assert refused(params) == '%s %s (for example with the trim filter).' % (subject, NEWLINE_HINT)


@pytest.mark.parametrize('params, message', [
    (dict(NO_BASIC, access_token='Secret\x00Value'),
     'access_token (KEYFACTOR_AUTH_ACCESS_TOKEN) contains a NUL character, which an HTTP header cannot carry; '
     'remove it.'),
    (dict(NO_BASIC, access_token=' SecretValue'),
     'access_token (KEYFACTOR_AUTH_ACCESS_TOKEN) starts or ends with whitespace, which an HTTP header cannot carry'),
    (dict(BASIC, password='Secret\tValue'),
     'password (KEYFACTOR_PASSWORD) contains a tab, which a Basic credential cannot carry; remove it.'),
    (dict(NO_BASIC, client_id='cid', client_secret='Secret\rValue', token_url='https://idp/t'),
     'client_secret (KEYFACTOR_AUTH_CLIENT_SECRET) contains a carriage return, which an OAuth client secret '
     'cannot carry'),
    (dict(BASIC, headers={'X-Api-Key': 'Secret\u201cValue'}),
     'the value of header X-Api-Key (headers) contains a character outside ISO-8859-1'),
    (dict(BASIC, headers={'X-Route': 'Secret\x7fValue'}),
     'the value of header X-Route (headers) contains a DEL character'),
    (dict(BASIC, headers={'X Gateway': 'SecretValue'}), "headers: 'X Gateway' is not a valid HTTP header name"),
    (dict(BASIC, headers={'X-Gateway:': 'SecretValue'}), "headers: 'X-Gateway:' is not a valid HTTP header name"),
    (dict(BASIC, headers={'X-Gateway\n': 'SecretValue'}), "headers: 'X-Gateway\\n' is not a valid HTTP header name"),
])
def test_any_control_character_or_unsendable_text_is_refused_without_echoing_it(params, message):
    assert message in refused(params)


def test_values_that_fit_are_sent_as_given():
    headers = {'X-Route': 'p k i', 'X-Empty': ''}
    settings = resolve_connection(validated(dict(BASIC, password=' pass word é ', headers=headers)))
    assert settings.auth.password == ' pass word é '
    assert settings.headers == {'X-Route': 'p k i', 'X-Empty': ''}
    # trailing whitespace in a header value is refused: the receiver would drop it
    with pytest.raises(KeyfactorConfigError):
        resolve_connection(validated(dict(BASIC, headers={'X-Route': 'pki '})))


def test_a_bad_token_from_the_environment_names_the_variable(monkeypatch):
    monkeypatch.setenv('KEYFACTOR_AUTH_ACCESS_TOKEN', SECRET + '\n')
    assert refused(dict(NO_BASIC)).startswith('access_token (KEYFACTOR_AUTH_ACCESS_TOKEN) ends with a newline')


# --- the secrets among the arguments, and their echo ------------------------------------------------------------------

RAW_ARGUMENTS = dict(
    url='kf.example.com', proxy='http://proxyuser:Pr0xy@pass!@proxy.example.com:3128',
    token_url='https://client:Idp-Secret-1@idp.example.com/token',
    headers={'X-Gateway-Credential': 'Gateway-Credential-4711', 'X-Tenant': 'pki', 'X-Nested': ['Nested-Secret-1']},
)


def test_argument_secrets_are_every_header_value_and_every_url_password():
    redactor = Redactor()
    register_argument_secrets(redactor, RAW_ARGUMENTS)
    text = 'Gateway-Credential-4711 Nested-Secret-1 Pr0xy@pass! Idp-Secret-1 proxyuser pki'
    assert redactor.text(text) == ' '.join([REDACTED] * 4) + ' proxyuser pki'


@pytest.mark.parametrize('headers', ['X-Gateway-Credential=Gateway-Credential-4711',
                                     '{"X-Gateway-Credential": "Gateway-Credential-4711"}'])
def test_headers_given_as_a_string_are_read_as_ansible_reads_them(headers):
    redactor = Redactor()
    register_argument_secrets(redactor, dict(headers=headers))
    assert redactor.text('Gateway-Credential-4711') == REDACTED


def test_short_header_values_are_not_masked_in_free_text():
    assert MIN_MASKED_HEADER_VALUE_CHARS == 8
    redactor = Redactor()
    register_argument_secrets(redactor, dict(headers={'X-Tenant': '1234567', 'X-Key': '12345678'}))
    assert redactor.text('1234567 12345678') == '1234567 ' + REDACTED


def test_the_echo_of_the_arguments_masks_every_header_value_and_url_password():
    masked = masked_arguments(dict(RAW_ARGUMENTS, password='kept for no_log', host='user:pw@kf.example.com'))
    assert masked['headers'] == {'X-Gateway-Credential': REDACTED, 'X-Tenant': REDACTED, 'X-Nested': REDACTED}
    assert masked['proxy'] == 'http://%s@proxy.example.com:3128' % REDACTED
    assert masked['token_url'] == 'https://%s@idp.example.com/token' % REDACTED
    assert masked['host'] == '%s@kf.example.com' % REDACTED
    assert masked['url'] == 'kf.example.com' and masked['password'] == 'kept for no_log'
    assert masked_arguments(dict(headers='X-Key=abc'))['headers'] == REDACTED
    assert RAW_ARGUMENTS['headers']['X-Tenant'] == 'pki'  # the arguments themselves are left alone


# --- one source of truth: the doc fragment documents exactly the declared options ---------------

FRAGMENT = yaml.safe_load(ModuleDocFragment.DOCUMENTATION)['options']


def test_doc_fragment_documents_exactly_the_declared_options():
    assert sorted(FRAGMENT) == sorted(CONNECTION_OPTIONS)


@pytest.mark.parametrize('name', sorted(CONNECTION_OPTIONS))
def test_doc_fragment_agrees_with_the_argument_spec(name):
    spec, doc = CONNECTION_OPTIONS[name].spec, FRAGMENT[name]
    assert doc['type'] == spec['type']
    assert doc.get('elements') == spec.get('elements')
    assert doc.get('default') == spec.get('default')
    assert sorted(doc.get('aliases', [])) == sorted(spec.get('aliases', []))
    assert not doc.get('required', False)
    text = ' '.join(doc['description'])
    documented_env = set(re.findall(r'E\((KEYFACTOR_[A-Z_]+)\)', text))
    assert documented_env == set(CONNECTION_OPTIONS[name].env)
