# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The AWX credential type (docs/awx/credential_type.yml) serves this collection and Keyfactor's own tools alike.

Its injectors are rendered for every authentication mode the way AWX renders them: in a sandboxed Jinja environment,
with the fields left empty absent (so they render as empty strings), missing booleans false, and every file injector
written. The environment that results must mean the same to this collection's modules and to Keyfactor's Go auth
client (kfutil, the Terraform provider), which counts a variable that is set but empty as set and skips TLS
verification only for KEYFACTOR_SKIP_VERIFY=true or 1.
"""
import os
import types
from pathlib import Path

import pytest
import yaml
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from jinja2.sandbox import ImmutableSandboxedEnvironment

from ansible_collections.keyfactor.command.plugins.module_utils._auth import (
    BasicAuth, BearerToken, OAuthClientCredentials)
from ansible_collections.keyfactor.command.plugins.module_utils._connection import resolve_connection
from ansible_collections.keyfactor.command.plugins.module_utils._connection_options import connection_argument_spec

CREDENTIAL_TYPE = yaml.safe_load((Path(__file__).resolve().parents[2] / 'docs' / 'awx' / 'credential_type.yml')
                                 .read_text(encoding='utf-8'))
PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n'
HOST = {'hostname': 'keyfactor.example.com'}
# The credentials of each authentication mode, as a user fills them in; the other fields stay empty.
CREDENTIALS = {
    'basic': dict(HOST, username='KEYEXAMPLE\\approver1', password='S3cret!'),
    'basic with domain, API path and CA': dict(HOST, username='approver1', domain='KEYEXAMPLE', password='S3cret!',
                                               api_path='Keyfactor/API', ca_cert=PEM),
    'oauth': dict(HOST, client_id='ansible', client_secret='S3cret!', scopes='openid,workflow',
                  token_url='https://keyfactor.example.com:8444/realms/Keyfactor/protocol/openid-connect/token'),
    'bearer without verification': dict(HOST, access_token='eyJ0eXAi.token', skip_verify=True),
}
AUTH_MODES = {'basic': BasicAuth, 'basic with domain, API path and CA': BasicAuth, 'oauth': OAuthClientCredentials,
              'bearer without verification': BearerToken}


def awx_environment(inputs, files_dir):
    """The environment variables AWX gives a job for a credential with these inputs."""
    namespace = {name: value for name, value in inputs.items() if isinstance(value, bool) or value}
    for field in CREDENTIAL_TYPE['inputs']['fields']:
        if field.get('type') == 'boolean':
            namespace.setdefault(field['id'], False)
    sandbox = ImmutableSandboxedEnvironment()
    filenames = {}
    for label, template in CREDENTIAL_TYPE['injectors'].get('file', {}).items():
        path = files_dir / label
        path.write_text(sandbox.from_string(template).render(**namespace), encoding='utf-8')
        filenames[label.partition('.')[2]] = str(path)
    namespace['tower'] = types.SimpleNamespace(filename=types.SimpleNamespace(**filenames))
    return {name: sandbox.from_string(template).render(**namespace)
            for name, template in CREDENTIAL_TYPE['injectors']['env'].items()}


@pytest.fixture(params=sorted(CREDENTIALS))
def mode(request):
    return request.param


@pytest.fixture
def injected(mode, tmp_path):
    return awx_environment(CREDENTIALS[mode], tmp_path)


def test_keyfactor_tools_read_what_the_user_filled_in(mode, injected):
    inputs = CREDENTIALS[mode]
    # Go's auth client takes a set but empty KEYFACTOR_API_PATH as an empty path, not its default.
    assert injected['KEYFACTOR_API_PATH'] == inputs.get('api_path', 'KeyfactorAPI')
    # It skips verification only for "true" or "1", so a checked box must arrive as "true", an unchecked one as false.
    assert injected['KEYFACTOR_SKIP_VERIFY'] == ('true' if inputs.get('skip_verify') else 'false')
    # A number it parses from an empty string is 0: the port and the timeout must not be injected empty.
    assert all(injected[name] for name in ('KEYFACTOR_PORT', 'KEYFACTOR_CLIENT_TIMEOUT') if name in injected)


def test_the_modules_read_what_the_user_filled_in(mode, injected, monkeypatch):
    inputs = CREDENTIALS[mode]
    for name in [name for name in os.environ if name.startswith('KEYFACTOR_')]:
        monkeypatch.delenv(name)
    for name, value in injected.items():
        monkeypatch.setenv(name, value)
    checked = ArgumentSpecValidator(connection_argument_spec()).validate({})
    assert not checked.error_messages
    settings = resolve_connection(checked.validated_parameters)
    assert settings.base_url == 'https://keyfactor.example.com:443/%s' % inputs.get('api_path', 'KeyfactorAPI')
    assert isinstance(settings.auth, AUTH_MODES[mode])
    assert settings.validate_certs is not inputs.get('skip_verify', False)
    if 'ca_cert' in inputs:
        assert Path(settings.ca_cert).read_text(encoding='utf-8') == PEM
    else:
        assert settings.ca_cert is None
