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

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.errors import AnsibleFallbackNotFound
from ansible.module_utils.common.validation import check_type_dict
from ansible.module_utils.parsing.convert_bool import boolean

from ._errors import REDACTED, KeyfactorConfigError, shown_url

DEFAULT_API_PATH = 'KeyfactorAPI'
DEFAULT_PORT = 443
# The longest duration a seconds option takes; longer ones are typing errors (and overflow the system's timers).
MAX_SECONDS = 7 * 24 * 3600


class Environment:
    """The environment the options fall back to: os.environ for a module, any mapping for another plugin.

    AWX and Automation Controller inject every variable a credential type names, rendering unused
    inputs as empty strings, so an empty value means "not set".
    """

    def __init__(self, environ=None):
        self._environ = os.environ if environ is None else environ

    def value(self, name):
        """The variable's value, or None when unset or empty."""
        value = self._environ.get(name, '')
        return value if value.strip() else None

    def __call__(self, option):
        """An argument spec fallback: the value option takes from its environment variables."""
        declared = CONNECTION_OPTIONS[option]
        value = declared.read(self, *declared.env)
        if value is None:
            raise AnsibleFallbackNotFound
        return value


def _first(environment, name):
    return environment.value(name)


def _hostname(environment, host_name, port_name):
    host, port = environment.value(host_name), environment.value(port_name)
    if host is None or port is None or _split_url(host)[2] is not None:
        return host
    return '%s:%s' % (host, port.strip())


def _not_skip_verify(environment, name):
    skip = environment.value(name)
    return None if skip is None else not boolean(skip, strict=False)


# name -> (argument spec entry without its fallback, the environment variables it falls back to, and how it reads
# them); the fallback of the argument spec is derived from env and read.
Option = namedtuple('Option', 'spec env read')


def _option(spec, *env, **kwargs):
    return Option(spec, env, kwargs.get('read', _first))


CONNECTION_OPTIONS = {
    'url': _option(dict(type='str', aliases=['host', 'hostname']), 'KEYFACTOR_HOSTNAME', 'KEYFACTOR_PORT',
                   read=_hostname),
    'api_path': _option(dict(type='str', default=DEFAULT_API_PATH), 'KEYFACTOR_API_PATH'),
    'username': _option(dict(type='str'), 'KEYFACTOR_USERNAME'),
    'password': _option(dict(type='str', no_log=True), 'KEYFACTOR_PASSWORD'),
    'domain': _option(dict(type='str'), 'KEYFACTOR_DOMAIN'),
    'client_id': _option(dict(type='str'), 'KEYFACTOR_AUTH_CLIENT_ID'),
    'client_secret': _option(dict(type='str', no_log=True), 'KEYFACTOR_AUTH_CLIENT_SECRET'),
    'token_url': _option(dict(type='str', no_log=False), 'KEYFACTOR_AUTH_TOKEN_URL'),
    'scopes': _option(dict(type='list', elements='str'), 'KEYFACTOR_AUTH_SCOPES'),
    'audience': _option(dict(type='str'), 'KEYFACTOR_AUTH_AUDIENCE'),
    'access_token': _option(dict(type='str', no_log=True), 'KEYFACTOR_AUTH_ACCESS_TOKEN'),
    'validate_certs': _option(dict(type='bool', default=True), 'KEYFACTOR_SKIP_VERIFY', read=_not_skip_verify),
    'ca_cert': _option(dict(type='str'), 'KEYFACTOR_CA_CERT'),
    'client_cert': _option(dict(type='path')),
    'client_key': _option(dict(type='path', no_log=False)),
    'proxy': _option(dict(type='str')),
    'timeout': _option(dict(type='float', default=60.0), 'KEYFACTOR_CLIENT_TIMEOUT'),
    'retries': _option(dict(type='int', default=3)),
    'headers': _option(dict(type='dict')),
    'status_map': _option(dict(type='dict')),
}


def connection_argument_spec(environ=None):
    """A fresh copy of the connection options' argument spec, falling back to environ (default os.environ)."""
    environment = Environment(environ)
    spec = {}
    for name, option in CONNECTION_OPTIONS.items():
        spec[name] = dict(option.spec)
        if option.env:
            spec[name]['fallback'] = (environment, [name])
    return spec


def sources(*names):
    """'username (KEYFACTOR_USERNAME)': how a message names an option and where else it may come from."""
    described = []
    for name in names:
        env = CONNECTION_OPTIONS[name].env
        described.append('%s (%s)' % (name, ', '.join(env)) if env else name)
    return ', '.join(described)


class OptionAdapter:
    """The connection options of one run, validated, and where each came from.

    A module adapts its validated parameters (from_module); any other plugin its plain dict of
    options (from_dict), validated by the same argument spec against the environment it gives, so
    both resolve alike and fail with the same messages.
    """

    def __init__(self, values, given, environ=None):
        self._values = values
        self._given = frozenset(given)
        self._environ = environ

    @classmethod
    def from_module(cls, module, given):
        """given: the names of the options the task (or module_defaults) set, as read before validation."""
        return cls(module.params, given)

    @classmethod
    def from_dict(cls, options, environ=None):
        """Options of another plugin: connection options are picked out (aliases included), the rest ignored."""
        spec = connection_argument_spec(environ)
        names = set(spec) | {alias for entry in spec.values() for alias in entry.get('aliases', ())}
        picked = {name: value for name, value in options.items() if name in names}
        result = ArgumentSpecValidator(spec).validate(picked)
        if result.error_messages:
            raise KeyfactorConfigError(result.errors.msg)
        return cls(result.validated_parameters, given_options(picked), environ)

    def get(self, name):
        return self._values.get(name)

    def origin(self, name):
        """Where a set option's value came from, as a message says it."""
        if name in self._given or not CONNECTION_OPTIONS[name].env:
            return 'task option'
        environment = Environment(self._environ)
        return ' and '.join(
            'environment variable %s' % variable for variable in CONNECTION_OPTIONS[name].env
            if environment.value(variable) is not None)

    def unset_advice(self, names):
        """How to unset these options, as a message says it: the task options to remove, the variables to unset."""
        options = [name for name in names if name in self._given or not CONNECTION_OPTIONS[name].env]
        environment = Environment(self._environ)
        variables = [variable for name in names if name not in options for variable in CONNECTION_OPTIONS[name].env
                     if environment.value(variable) is not None]
        advice = []
        if options:
            advice.append('remove the option%s %s (from the task or module_defaults)'
                          % ('s' if len(options) > 1 else '', ', '.join(options)))
        if variables:
            advice.append('unset %s' % ', '.join(variables))
        return ' and '.join(advice)


def given_options(params):
    """The connection options set in params (the arguments as given), under their canonical names."""
    given = set()
    for name, option in CONNECTION_OPTIONS.items():
        if any(params.get(key) is not None for key in [name] + option.spec.get('aliases', [])):
            given.add(name)
    return given


# --- URL --------------------------------------------------------------------------------------

_HOST_PORT = re.compile(
    r'^(?P<host>\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?)(?::(?P<port>[^:]*))?$')


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
    allowed = ('expected host, host:port or https://host[:port] '
               '(for example keyfactor.example.com or https://keyfactor.example.com:8443)')
    text = (value or '').strip()
    value = shown_url(text)
    if not text:
        raise KeyfactorConfigError(
            'url is required: set the url option (aliases host, hostname) or KEYFACTOR_HOSTNAME.')
    if '@' in text.split('://', 1)[-1].split('/', 1)[0]:
        raise KeyfactorConfigError(
            'url %r contains user information; %s, and credentials go in username and password '
            '(or the other auth options).' % (value, allowed))
    scheme, host, port, rest = _split_url(text)
    if scheme is not None and scheme.lower() != 'https':
        raise KeyfactorConfigError(
            "url %r: scheme %r is not supported; Keyfactor Command is reached over HTTPS only, %s."
            % (value, scheme, allowed))
    if host is None:
        raise KeyfactorConfigError('url %r is not a valid host name or address; %s.' % (value, allowed))
    if rest:
        raise KeyfactorConfigError(
            'url %r contains a path (/%s); %s. Put the API path in api_path (default %s).'
            % (value, rest, allowed, DEFAULT_API_PATH))
    if port is not None and not (port.isdigit() and 0 < int(port) < 65536):
        raise KeyfactorConfigError(
            'url %r has an invalid port %r; the port must be a number from 1 to 65535.' % (value, port))
    return 'https://%s:%d' % (host.lower(), int(port) if port else DEFAULT_PORT)


def parse_api_path(value):
    path = (value or '').strip().strip('/')
    if not path or not re.match(r'^[A-Za-z0-9._~-]+(/[A-Za-z0-9._~-]+)*$', path):
        raise KeyfactorConfigError(
            'api_path %r is not valid: expected the path of the Keyfactor API on the server, such as %s or '
            'Keyfactor/API.' % (value, DEFAULT_API_PATH))
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


def check_headers(headers):
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
