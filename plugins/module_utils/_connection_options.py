# -*- coding: utf-8 -*-
# Copyright (c) keyfactor.command contributors
# BSD 2-Clause License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause
"""The connection options: declared once, turned into the argument spec and resolved into settings.

The environment variable names are those of Keyfactor's own tools (kfutil, the Terraform provider,
keyfactor-auth-client-go), so one environment or one AWX credential serves all of them. The doc
fragment keyfactor.command.connection documents the same table; a unit test keeps them in step.

FOR INTERNAL COLLECTION USE ONLY. Supported Pythons: 3.9 and later.
"""

import math
import os
import re
from collections import namedtuple

from ansible.module_utils.basic import AnsibleFallbackNotFound
from ansible.module_utils.common.validation import check_type_dict
from ansible.module_utils.parsing.convert_bool import boolean

from ._errors import REDACTED, KeyfactorConfigError, shown_url

DEFAULT_API_PATH = 'KeyfactorAPI'
DEFAULT_PORT = 443
# The longest duration a seconds option takes; longer ones are typing errors (and overflow the system's timers).
MAX_SECONDS = 7 * 24 * 3600


def env_value(name):
    """The variable's value, or None when unset or empty.

    AWX and Automation Controller inject every variable a credential type names, rendering unused
    inputs as empty strings, so an empty value must mean "not set".
    """
    value = os.environ.get(name, '')
    return value if value.strip() else None


def _from_env(name):
    value = env_value(name)
    if value is None:
        raise AnsibleFallbackNotFound
    return value


def _hostname_from_env():
    host = _from_env('KEYFACTOR_HOSTNAME')
    port = env_value('KEYFACTOR_PORT')
    if port is None or _split_url(host)[2] is not None:
        return host
    return '%s:%s' % (host, port.strip())


def _validate_certs_from_env():
    return not boolean(_from_env('KEYFACTOR_SKIP_VERIFY'), strict=False)


# name -> (argument spec entry, environment variables it falls back to)
Option = namedtuple('Option', 'spec env')

CONNECTION_OPTIONS = {
    'url': Option(dict(type='str', aliases=['host', 'hostname'], fallback=(_hostname_from_env, [])),
                  ('KEYFACTOR_HOSTNAME', 'KEYFACTOR_PORT')),
    'api_path': Option(dict(type='str', default=DEFAULT_API_PATH, fallback=(_from_env, ['KEYFACTOR_API_PATH'])),
                       ('KEYFACTOR_API_PATH',)),
    'username': Option(dict(type='str', fallback=(_from_env, ['KEYFACTOR_USERNAME'])), ('KEYFACTOR_USERNAME',)),
    'password': Option(dict(type='str', no_log=True, fallback=(_from_env, ['KEYFACTOR_PASSWORD'])), ('KEYFACTOR_PASSWORD',)),
    'domain': Option(dict(type='str', fallback=(_from_env, ['KEYFACTOR_DOMAIN'])), ('KEYFACTOR_DOMAIN',)),
    'client_id': Option(dict(type='str', fallback=(_from_env, ['KEYFACTOR_AUTH_CLIENT_ID'])), ('KEYFACTOR_AUTH_CLIENT_ID',)),
    'client_secret': Option(dict(type='str', no_log=True, fallback=(_from_env, ['KEYFACTOR_AUTH_CLIENT_SECRET'])),
                            ('KEYFACTOR_AUTH_CLIENT_SECRET',)),
    'token_url': Option(dict(type='str', no_log=False, fallback=(_from_env, ['KEYFACTOR_AUTH_TOKEN_URL'])),
                        ('KEYFACTOR_AUTH_TOKEN_URL',)),
    'scopes': Option(dict(type='list', elements='str', fallback=(_from_env, ['KEYFACTOR_AUTH_SCOPES'])),
                     ('KEYFACTOR_AUTH_SCOPES',)),
    'audience': Option(dict(type='str', fallback=(_from_env, ['KEYFACTOR_AUTH_AUDIENCE'])), ('KEYFACTOR_AUTH_AUDIENCE',)),
    'access_token': Option(dict(type='str', no_log=True, fallback=(_from_env, ['KEYFACTOR_AUTH_ACCESS_TOKEN'])),
                           ('KEYFACTOR_AUTH_ACCESS_TOKEN',)),
    'validate_certs': Option(dict(type='bool', default=True, fallback=(_validate_certs_from_env, [])),
                             ('KEYFACTOR_SKIP_VERIFY',)),
    'ca_cert': Option(dict(type='str', fallback=(_from_env, ['KEYFACTOR_CA_CERT'])), ('KEYFACTOR_CA_CERT',)),
    'client_cert': Option(dict(type='path'), ()),
    'client_key': Option(dict(type='path', no_log=False), ()),
    'proxy': Option(dict(type='str'), ()),
    'timeout': Option(dict(type='float', default=60.0, fallback=(_from_env, ['KEYFACTOR_CLIENT_TIMEOUT'])),
                      ('KEYFACTOR_CLIENT_TIMEOUT',)),
    'retries': Option(dict(type='int', default=3), ()),
    'headers': Option(dict(type='dict'), ()),
    'status_map': Option(dict(type='dict'), ()),
}


def connection_argument_spec():
    """A fresh copy of the connection options' argument spec, to merge into a module's own."""
    return {name: dict(option.spec) for name, option in CONNECTION_OPTIONS.items()}


def _sources(*names):
    """'username (KEYFACTOR_USERNAME)': how a message names an option and where else it may come from."""
    described = []
    for name in names:
        env = CONNECTION_OPTIONS[name].env
        described.append('%s (%s)' % (name, ', '.join(env)) if env else name)
    return ', '.join(described)


# --- URL --------------------------------------------------------------------------------------

_HOST_PORT = re.compile(r'^(?P<host>\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?)(?::(?P<port>[^:]*))?$')


def _split_url(value):
    """(scheme, host, port, rest) of 'host', 'host:port' or 'scheme://host[:port][/rest]'; pieces may be None."""
    scheme, sep, remainder = value.partition('://')
    if not sep:
        scheme, remainder = None, value
    authority, slash, rest = remainder.partition('/')
    match = _HOST_PORT.match(authority)
    if not match:
        return scheme, None, None, rest if slash else None
    return scheme, match.group('host'), match.group('port'), rest if slash else None


def parse_url(value):
    """Normalise the url option to 'https://host:port', rejecting anything else with the bad value named."""
    allowed = "expected host, host:port or https://host[:port] (for example keyfactor.example.com or https://keyfactor.example.com:8443)"
    text = (value or '').strip()
    value = shown_url(text)
    if not text:
        raise KeyfactorConfigError('url is required: set the url option (aliases host, hostname) or KEYFACTOR_HOSTNAME.')
    if '@' in text.split('://', 1)[-1].split('/', 1)[0]:
        raise KeyfactorConfigError(
            'url %r contains user information; %s, and credentials go in username and password (or the other auth options).'
            % (value, allowed))
    scheme, host, port, rest = _split_url(text)
    if scheme is not None and scheme.lower() != 'https':
        raise KeyfactorConfigError(
            "url %r: scheme %r is not supported; Keyfactor Command is reached over HTTPS only, %s." % (value, scheme, allowed))
    if host is None:
        raise KeyfactorConfigError('url %r is not a valid host name or address; %s.' % (value, allowed))
    if rest:
        raise KeyfactorConfigError(
            'url %r contains a path (/%s); %s. Put the API path in api_path (default %s).' % (value, rest, allowed, DEFAULT_API_PATH))
    if port is not None and not (port.isdigit() and 0 < int(port) < 65536):
        raise KeyfactorConfigError('url %r has an invalid port %r; the port must be a number from 1 to 65535.' % (value, port))
    return 'https://%s:%d' % (host.lower(), int(port) if port else DEFAULT_PORT)


def parse_api_path(value):
    path = (value or '').strip().strip('/')
    if not path or not re.match(r'^[A-Za-z0-9._~-]+(/[A-Za-z0-9._~-]+)*$', path):
        raise KeyfactorConfigError(
            'api_path %r is not valid: expected the path of the Keyfactor API on the server, such as %s or Keyfactor/API.'
            % (value, DEFAULT_API_PATH))
    return path


# --- values sent in HTTP headers, and the secrets among the arguments ---------------------------------------------

# C0 control characters (CR, LF, NUL, TAB ...) and DEL: no header may carry them, and requests quotes an offending
# header value with repr() in its exception, in a form Ansible's no_log masking does not know.
_CONTROL_CHARACTER = re.compile('[\x00-\x1f\x7f]')
_CONTROL_NAMES = {'\r': 'a carriage return', '\n': 'a line feed', '\t': 'a tab', '\x00': 'a NUL character',
                  '\x7f': 'a DEL character'}
_TRAILING_NEWLINE = 'ends with a newline'
# RFC 9110 field names: a token.
_HEADER_NAME = re.compile(r"^[A-Za-z0-9!#$%&'*+.^_`|~-]+\Z")
# A header value shorter than this is masked in the echo of the arguments only: masked everywhere, so short a text
# (X-Tenant: 1) would also hide the same characters in every ID and message.
MIN_MASKED_HEADER_VALUE_CHARS = 8
_URL_OPTIONS = ('url', 'host', 'hostname', 'proxy', 'token_url')


def header_value_problem(value, sent_as_is=True):
    """What makes value unfit for an HTTP header, as words that never quote it; None when it fits.

    sent_as_is: the value is the header (a token, a headers value), so surrounding whitespace and characters outside
    ISO-8859-1 are refused too; Basic credentials are base64-encoded and may hold both.
    """
    if value.endswith(('\n', '\r')) and not _CONTROL_CHARACTER.search(value.rstrip('\r\n')):
        return _TRAILING_NEWLINE
    control = _CONTROL_CHARACTER.search(value)
    if control:
        code = format(ord(control.group()), '04X')
        return 'contains %s' % _CONTROL_NAMES.get(control.group(), 'a control character (U+%s)' % code)
    if sent_as_is and value != value.strip():
        return 'starts or ends with whitespace'
    if sent_as_is:
        try:
            value.encode('latin-1')
        except UnicodeEncodeError:
            return 'contains a character outside ISO-8859-1 (such as a typographic quote)'
    return None


def check_sendable(subject, value, sent_as_is=True, carrier='an HTTP header'):
    """Refuse a value that carrier cannot carry, naming subject (the option) and never the value."""
    problem = header_value_problem(value, sent_as_is)
    if problem == _TRAILING_NEWLINE:
        raise KeyfactorConfigError(
            '%s ends with a newline, as `echo ... | ansible-vault encrypt_string` and YAML `|` blocks produce; '
            'remove it (for example with the trim filter).' % subject)
    if problem:
        raise KeyfactorConfigError('%s %s, which %s cannot carry; remove it.' % (subject, problem, carrier))


def _check_headers(headers):
    for name, value in headers.items():
        if not _HEADER_NAME.match(name):
            raise KeyfactorConfigError(
                "headers: %r is not a valid HTTP header name; a name is made of letters, digits and !#$%%&'*+.^_`|~-."
                % (name,))
        check_sendable('the value of header %s (headers)' % name, value)


def _leaf_strings(value):
    """Every scalar inside a (possibly nested) argument, as text."""
    if isinstance(value, dict):
        return [text for item in value.values() for text in _leaf_strings(item)]
    if isinstance(value, (list, tuple)):
        return [text for item in value for text in _leaf_strings(item)]
    return [] if value is None else [str(value)]


def _header_values(headers):
    """The values of the headers argument as given: a dict, or a string Ansible would parse into one."""
    if isinstance(headers, str):
        try:
            headers = check_type_dict(headers)
        except TypeError:
            return [headers]
    return _leaf_strings(headers)


def register_argument_secrets(redactor, params):
    """Register the secrets of the raw module arguments that no_log does not cover: user information in URLs and
    every header value (whatever the header's name: a gateway credential may be called anything).

    Called on the arguments as given, before Ansible validates them, since a failed validation echoes them.
    """
    for name in _URL_OPTIONS:
        redactor.add_url_credentials(params.get(name))
    for value in _header_values(params.get('headers')):
        if len(value) >= MIN_MASKED_HEADER_VALUE_CHARS:
            redactor.add(value)


def masked_arguments(params):
    """The arguments as a task result may echo them (invocation): every header value and URL user information masked."""
    masked = dict(params)
    for name in _URL_OPTIONS:
        if isinstance(masked.get(name), str):
            masked[name] = shown_url(masked[name])
    headers = masked.get('headers')
    if isinstance(headers, dict):
        masked['headers'] = {name: REDACTED for name in headers}
    elif headers is not None:
        masked['headers'] = REDACTED
    return masked


def parse_seconds(option, value):
    """A duration option: a finite number of seconds above 0 and at most a week, or KeyfactorConfigError."""
    if value is None or not math.isfinite(value) or not 0 < value <= MAX_SECONDS:
        raise KeyfactorConfigError(
            '%s must be a finite number of seconds greater than 0 and at most %d (a week), got %r.'
            % (option, MAX_SECONDS, value))
    return value


# --- authentication -----------------------------------------------------------------------------

BasicAuth = namedtuple('BasicAuth', 'username domain password')
OAuthClientCredentials = namedtuple('OAuthClientCredentials', 'client_id client_secret token_url scopes audience')
BearerToken = namedtuple('BearerToken', 'token')

_AUTH_MODES = (
    ('Basic authentication', ('username', 'password')),
    ('OAuth 2 client credentials', ('client_id', 'client_secret', 'token_url')),
    ('a bearer token', ('access_token',)),
)


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


def resolve_auth(params):
    """Exactly one authentication mode must be configured once environment fallbacks are applied."""
    configured = [(mode, names) for mode, names in _AUTH_MODES if any(params.get(name) for name in names)]
    if not configured:
        raise KeyfactorConfigError(
            'No authentication is configured. Set exactly one of: %s.'
            % '; or '.join('%s: %s' % (mode, _sources(*names)) for mode, names in _AUTH_MODES))
    if len(configured) > 1:
        raise KeyfactorConfigError(
            'Settings for more than one authentication mode were found: %s. Each may come from a task option, '
            'module_defaults or its environment variable; keep exactly one mode.'
            % '; and '.join('%s (%s)' % (mode, _sources(*[n for n in names if params.get(n)])) for mode, names in configured))
    mode, names = configured[0]
    missing = [name for name in names if not params.get(name)]
    if missing:
        raise KeyfactorConfigError('%s also needs %s.' % (mode, _sources(*missing)))
    if mode == _AUTH_MODES[0][0]:
        for name in ('username', 'password', 'domain'):
            if params.get(name):  # RFC 7617: no control characters in a Basic user-id or password
                check_sendable(_sources(name), params[name], sent_as_is=False, carrier='a Basic credential')
        username, domain = split_username(params['username'], params.get('domain'))
        return BasicAuth(username, domain, params['password'])
    if mode == _AUTH_MODES[1][0]:
        # A form field, so any character could travel; RFC 6749 allows printable ones only, and a stray newline
        # would only earn an invalid_client that never says why.
        check_sendable(_sources('client_secret'), params['client_secret'], sent_as_is=False,
                       carrier='an OAuth client secret')
        _require_https_url('token_url', params['token_url'])
        scopes = [scope.strip() for scope in params.get('scopes') or [] if scope.strip()]
        return OAuthClientCredentials(params['client_id'], params['client_secret'], params['token_url'], scopes,
                                      params.get('audience'))
    check_sendable(_sources('access_token'), params['access_token'])
    return BearerToken(params['access_token'])


def _require_https_url(name, value):
    if not re.match(r'^https://[^/\s]+(/\S*)?\Z', value, re.IGNORECASE):
        raise KeyfactorConfigError('%s %r is not valid: expected an https:// URL.' % (name, value))


# --- everything together ------------------------------------------------------------------------

ConnectionSettings = namedtuple(
    'ConnectionSettings',
    'base_url auth validate_certs ca_cert client_cert proxy timeout retries headers status_map')

_PEM_MARKER = '-----BEGIN CERTIFICATE-----'
# Headers the client owns: letting a task override them would break authentication silently.
_RESERVED_HEADERS = ('authorization',)


def resolve_connection(params):
    """Turn validated module parameters into ConnectionSettings, or raise KeyfactorConfigError.

    ca_cert stays as given (a path or PEM text); the module writes PEM text to a temporary file.
    """
    origin = parse_url(params.get('url'))
    timeout = parse_seconds(_sources('timeout'), params.get('timeout'))
    retries = params.get('retries')
    if retries is None or retries < 0:
        raise KeyfactorConfigError('retries must be 0 or more, got %r.' % (retries,))
    ca_cert = params.get('ca_cert')
    if ca_cert and _PEM_MARKER not in ca_cert and not os.path.isfile(ca_cert):
        raise KeyfactorConfigError(
            'ca_cert (KEYFACTOR_CA_CERT) must be the path of a CA bundle file or PEM text; %r is neither an existing file '
            'nor PEM text.' % (ca_cert,))
    client_cert, client_key = params.get('client_cert'), params.get('client_key')
    if client_key and not client_cert:
        raise KeyfactorConfigError('client_key needs client_cert (the certificate that goes with the key).')
    headers = {str(name): str(value) for name, value in (params.get('headers') or {}).items()}
    reserved = [name for name in headers if name.lower() in _RESERVED_HEADERS]
    if reserved:
        raise KeyfactorConfigError(
            'headers must not set %s; the authentication options set it.' % ', '.join(reserved))
    _check_headers(headers)
    proxy = params.get('proxy')
    if proxy and not re.match(r'^https?://\S+\Z', proxy, re.IGNORECASE):
        raise KeyfactorConfigError(
            'proxy %r is not valid: expected a URL such as http://proxy.example.com:3128.' % (shown_url(proxy),))
    return ConnectionSettings(
        base_url='%s/%s' % (origin, parse_api_path(params.get('api_path'))),
        auth=resolve_auth(params),
        validate_certs=params.get('validate_certs', True),
        ca_cert=ca_cert,
        client_cert=(client_cert, client_key) if client_key else client_cert,
        proxy=proxy,
        timeout=timeout,
        retries=retries,
        headers=headers,
        status_map=params.get('status_map') or {},
    )
