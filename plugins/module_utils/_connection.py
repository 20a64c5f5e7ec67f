# -*- coding: utf-8 -*-
# Copyright (c) keyfactor.command contributors
# BSD 2-Clause License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause
"""The connection layer of every plugin type: options resolved into settings, settings into a client.

Nothing here needs AnsibleModule. A module goes through KeyfactorModule (_module.py); another plugin
(an event source, a lookup) calls:

    redactor = Redactor()
    settings = resolve_connection(options, env=os.environ, redactor=redactor)
    with tempfile.TemporaryDirectory() as tmpdir:
        client = build_client(settings, redactor, warn=display.warning, tmpdir=tmpdir)

FOR INTERNAL COLLECTION USE ONLY. Supported Pythons: 3.9 and later.
"""

import os
import re
from collections import namedtuple

from ._auth import resolve_auth
from ._connection_options import (
    CONNECTION_OPTIONS, OptionAdapter, check_headers, parse_api_path, parse_seconds, parse_url,
    register_argument_secrets, sources,
)
from ._errors import KeyfactorConfigError, shown_url
from ._instances import status_table
from ._transport import KeyfactorClient

ConnectionSettings = namedtuple(
    'ConnectionSettings',
    'base_url auth validate_certs ca_cert client_cert proxy timeout retries headers status_map status_table')

_PEM_MARKER = '-----BEGIN CERTIFICATE-----'
# Headers the client owns: letting a task override them would break authentication silently.
_RESERVED_HEADERS = ('authorization',)


def resolve_connection(options, env=None, redactor=None):
    """ConnectionSettings from a plain dict of options (other keys are ignored), or KeyfactorConfigError.

    env: the environment the options fall back to (default os.environ). redactor: learns the secrets among the
    options (no_log values, URL user information, header values) before anything can echo them.
    """
    if redactor is not None:
        register_argument_secrets(redactor, options)
    adapter = OptionAdapter.from_dict(options, env)
    if redactor is not None:
        for name, option in CONNECTION_OPTIONS.items():
            if option.spec.get('no_log'):
                redactor.add(adapter.get(name))
    return resolve_settings(adapter)


def resolve_settings(options):
    """ConnectionSettings from an OptionAdapter, or KeyfactorConfigError. ca_cert stays a path or PEM text."""
    origin = parse_url(options.get('url'))
    timeout = parse_seconds(sources('timeout'), options.get('timeout'))
    retries = options.get('retries')
    if retries is None or retries < 0:
        raise KeyfactorConfigError('retries must be 0 or more, got %r.' % (retries,))
    ca_cert = _checked_ca_cert(options.get('ca_cert'))
    client_cert, client_key = options.get('client_cert'), options.get('client_key')
    if client_key and not client_cert:
        raise KeyfactorConfigError('client_key needs client_cert (the certificate that goes with the key).')
    headers = _checked_headers(options.get('headers'))
    proxy = _checked_proxy(options.get('proxy'))
    base_url = '%s/%s' % (origin, parse_api_path(options.get('api_path')))
    status_map = options.get('status_map') or {}
    return ConnectionSettings(
        base_url=base_url, auth=resolve_auth(options), validate_certs=options.get('validate_certs'), ca_cert=ca_cert,
        client_cert=(client_cert, client_key) if client_key else client_cert, proxy=proxy, timeout=timeout,
        retries=retries, headers=headers, status_map=status_map, status_table=status_table(status_map))


def _checked_ca_cert(ca_cert):
    if ca_cert and _PEM_MARKER not in ca_cert and not os.path.isfile(ca_cert):
        raise KeyfactorConfigError(
            'ca_cert (KEYFACTOR_CA_CERT) must be the path of a CA bundle file or PEM text; %r is neither an existing '
            'file nor PEM text.' % (ca_cert,))
    return ca_cert


def _checked_proxy(proxy):
    if proxy and not re.match(r'^https?://\S+\Z', proxy, re.IGNORECASE):
        raise KeyfactorConfigError(
            'proxy %r is not valid: expected a URL such as http://proxy.example.com:3128.' % (shown_url(proxy),))
    return proxy


def _checked_headers(headers):
    headers = {str(name): str(value) for name, value in (headers or {}).items()}
    reserved = [name for name in headers if name.lower() in _RESERVED_HEADERS]
    if reserved:
        raise KeyfactorConfigError(
            'headers must not set %s; the authentication options set it.' % ', '.join(reserved))
    check_headers(headers)
    return headers


def ca_bundle_path(ca_cert, tmpdir):
    """The CA bundle file of ca_cert: the path as given, or PEM text written into tmpdir (which the caller owns)."""
    if not ca_cert or os.path.isfile(ca_cert):
        return ca_cert
    path = os.path.join(tmpdir, 'keyfactor-ca.pem')
    with open(path, 'w') as handle:
        handle.write(ca_cert)
    return path


def build_client(settings, redactor, warn, tmpdir, max_connections=10):
    """The KeyfactorClient of settings; warn(text) is told what the user should know (validate_certs false, retries).

    tmpdir: where PEM text given as ca_cert is written; it must outlive the client.
    """
    if not settings.validate_certs:
        warn(redactor.text(
            'validate_certs is false: the TLS certificate of %s is not verified, so anyone on the network path could '
            'impersonate Keyfactor Command and capture the credentials.' % settings.base_url))
    return KeyfactorClient(settings, ca_bundle=ca_bundle_path(settings.ca_cert, tmpdir), warn=warn, redactor=redactor,
                           max_connections=max_connections)
