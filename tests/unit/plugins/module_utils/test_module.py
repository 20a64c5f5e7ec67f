# -*- coding: utf-8 -*-
# Copyright (c) keyfactor.command contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""KeyfactorModule: clean failures, warnings, CA handling and secret masking, through a tiny module."""

import base64
import json
import os

import pytest

from ansible.module_utils.common.parameters import PASS_VARS

from ansible_collections.keyfactor.command.plugins.module_utils import _module
from ansible_collections.keyfactor.command.plugins.module_utils._connection import build_client, resolve_connection
from ansible_collections.keyfactor.command.plugins.module_utils._errors import KeyfactorConfigError, Redactor
from ansible_collections.keyfactor.command.plugins.module_utils._module import KeyfactorModule
from ansible_collections.keyfactor.command.plugins.module_utils._workflow_api import WorkflowApi
from ansible_collections.keyfactor.command.plugins.modules.workflow_signal import main as signal_main

from kfsim.testing import default_instance_id  # pylint: disable=import-error


# ansible-core 2.20+ echoes the arguments (invocation) only when the controller asks for them; older versions always do.
ASK_FOR_INVOCATION = {'_ansible_inject_invocation': True} if 'inject_invocation' in PASS_VARS else {}


def probe_main():
    """A minimal module: reads one instance and echoes what the run saw."""
    module = KeyfactorModule(argument_spec=dict(instance_id=dict(type='str', required=True), fail=dict(type='bool', default=False)),
                             supports_check_mode=True)

    def run(module):
        raw = module.workflow_api().get_instance(module.params['instance_id'])
        result = dict(changed=False, found=raw is not None, status_table=module.status_table, token_echo=module.params.get('access_token'))
        if module.params['fail']:
            result.update(failed=True, msg='asked to fail')
        return result
    module.run(run)


@pytest.fixture
def connection(simulator):
    user = simulator.user('approver1')
    return dict(url=simulator.host, username=user['username'], password=user['password'], domain=user['domain'],
                ca_cert=simulator.ca_cert, instance_id=default_instance_id(1))


def test_success(run_module, connection):
    result = run_module(probe_main, connection)
    assert (result['rc'], result['found'], result['changed']) == (0, True, False)
    assert result['status_table']['2'] == 'Suspended'


def test_ca_cert_as_pem_text(run_module, connection, simulator):
    with open(simulator.ca_cert) as handle:
        result = run_module(probe_main, dict(connection, ca_cert=handle.read()))
    assert (result['rc'], result['found']) == (0, True)


def test_validate_certs_false_warns(run_module, connection):
    result = run_module(probe_main, dict(connection, ca_cert=None, validate_certs=False))
    assert result['rc'] == 0
    assert any(warning.startswith('validate_certs is false: the TLS certificate of https://') for warning in result['warnings'])


def test_configuration_errors_fail_cleanly_without_traceback(run_module, connection):
    result = run_module(probe_main, dict(connection, url='http://kf.example.com'))
    assert result['rc'] == 1 and result['failed'] is True
    assert "scheme 'http' is not supported" in result['msg']
    assert 'exception' not in result and 'Traceback' not in str(result)


@pytest.mark.parametrize('verbosity', [0, 2, 3])
def test_an_error_adds_its_verbose_part_from_vvv_on(run_module, connection, verbosity):
    result = run_module(probe_main, dict(connection, url='127.0.0.1:1', retries=0, _ansible_verbosity=verbosity))
    line = 'GET /Workflow/Instances/%s failed: the connection could not be established.' % connection['instance_id']
    assert result['rc'] == 1 and result['msg'].startswith(line)
    assert ('(GET https://127.0.0.1:1/' in result['msg']) == (verbosity >= 3)


def test_a_failed_result_fails_the_task_and_keeps_its_keys(run_module, connection):
    result = run_module(probe_main, dict(connection, fail=True))
    assert (result['rc'], result['msg'], result['found']) == (1, 'asked to fail', True)


def test_status_map_reaches_the_table(run_module, connection):
    result = run_module(probe_main, dict(connection, status_map={3: 'Done'}))
    assert result['status_table']['3'] == 'Done'


def test_runtime_secrets_and_every_header_value_are_masked(run_module, connection, simulator, assert_no_secrets):
    token = simulator.token('kf-approver-client')
    args = dict(connection, username=None, password=None, domain=None, access_token=token,
                headers={'X-Api-Key': 'Gateway-Key-123', 'X-Route': 'pki'}, **ASK_FOR_INVOCATION)
    result = run_module(probe_main, args)
    assert result['rc'] == 0 and result['token_echo'] == 'VALUE_SPECIFIED_IN_NO_LOG_PARAMETER'
    assert_no_secrets(result, [token, 'Gateway-Key-123'])
    assert result['invocation']['module_args']['headers'] == {'X-Api-Key': '********', 'X-Route': '********'}


def test_basic_credential_never_appears_even_base64_encoded(run_module, connection, simulator, assert_no_secrets):
    simulator.configure(fault_503=1.0, retry_after=0)
    result = run_module(probe_main, dict(connection, retries=1))
    assert result['rc'] == 1 and 'HTTP 503' in result['msg']
    credential = 'KEYEXAMPLE\\approver1:%s' % connection['password']
    assert_no_secrets(result, [connection['password'], base64.b64encode(credential.encode()).decode()])
    assert len(result['warnings']) == 1


def test_missing_requests_library(run_module, connection, monkeypatch):
    monkeypatch.setattr(_module, 'HAS_REQUESTS', False)
    result = run_module(probe_main, connection)
    assert result['rc'] == 1
    assert 'Failed to import the required Python library (requests)' in result['msg']


@pytest.mark.parametrize('option, value', [
    ('proxy', 'http://proxyuser:Pr0xy-Secret%21@127.0.0.1:1'),
    ('url', 'https://approver1:Pr0xy-Secret!@kf.example.com'),
])
def test_a_password_inside_a_url_never_comes_back(run_module, connection, option, value, assert_no_secrets):
    result = run_module(probe_main, dict(connection, retries=0, **{option: value}, **ASK_FOR_INVOCATION))
    assert result['rc'] == 1
    assert result['invocation']['module_args'][option].count('********') == 1
    assert_no_secrets(result, ['Pr0xy-Secret', 'Pr0xy-Secret%21'])


# --- secrets echoed back: by Ansible's argument validation, by hostile servers and proxies ----------------------------

GATEWAY_CREDENTIAL = 'Gw-Cr3dential-4711'
PROXY_PASSWORD = 'Pr0xy@pass!w0rd'


@pytest.mark.parametrize('mistake', [
    dict(retries='many'),                      # a wrong type
    dict(bogus_option=1),                      # an unknown option
    dict(headers='not a dict at all'),         # headers of the wrong type
    dict(timeout=[1]),                         # a wrong type that Ansible's message describes
])
def test_a_failed_argument_validation_echoes_no_header_value_or_proxy_password(run_module, connection, mistake,
                                                                               assert_no_secrets):
    args = dict(connection, headers={'X-Gateway-Credential': GATEWAY_CREDENTIAL, 'X-Tenant': 'pki'},
                proxy='http://proxyuser:%s@127.0.0.1:1' % PROXY_PASSWORD, **ASK_FOR_INVOCATION)
    args.update(mistake)
    result = run_module(probe_main, args)
    assert result['rc'] == 1 and 'exception' not in result
    assert_no_secrets(result, [GATEWAY_CREDENTIAL, PROXY_PASSWORD, 'pw@127', connection['password']])
    echoed = result['invocation']['module_args']
    assert echoed['proxy'] == 'http://********@127.0.0.1:1'
    assert 'pki' not in json.dumps(echoed['headers'])


def test_mutually_exclusive_options_echo_no_header_value(run_module, connection, assert_no_secrets):
    args = dict(connection, instance_ids=[default_instance_id(1)], signal_key='RequireApproval1.ApprovalStatus',
                headers={'X-Gateway-Credential': GATEWAY_CREDENTIAL}, **ASK_FOR_INVOCATION)
    result = run_module(signal_main, args)
    assert result['rc'] == 1 and 'mutually exclusive' in result['msg']
    assert_no_secrets(result, [GATEWAY_CREDENTIAL, connection['password']])


@pytest.mark.parametrize('echo_format', ['raw', 'json', 'repr', 'html'])
def test_a_gateway_credential_echoed_by_an_error_page_is_masked(run_module, connection, simulator, echo_format,
                                                                assert_no_secrets):
    simulator.configure(echo_credentials=echo_format)
    args = dict(connection, headers={'X-Gateway-Credential': GATEWAY_CREDENTIAL}, password='Wrong-Passw0rd!')
    result = run_module(probe_main, args)
    assert result['rc'] == 1 and 'HTTP 401' in result['msg'] and '********' in result['msg']
    assert_no_secrets(result, [GATEWAY_CREDENTIAL, 'Wrong-Passw0rd!'])


@pytest.fixture
def proxied(simulator_factory):
    """A simulator behind a proxy that needs proxyuser and PROXY_PASSWORD and echoes what it is sent."""
    server = simulator_factory('--proxy-credentials', 'proxyuser:' + PROXY_PASSWORD, '--echo-credentials', 'raw')
    user = server.user('approver1')
    return server, dict(url=server.host, username=user['username'], password=user['password'], domain=user['domain'],
                        ca_cert=server.ca_cert, instance_id=default_instance_id(1), retries=0)


def proxy_url(server, password):
    return server.proxy_url.replace('http://', 'http://proxyuser:%s@' % password)


@pytest.mark.parametrize('source', ['option', 'HTTPS_PROXY', 'https_proxy', 'ALL_PROXY', 'all_proxy'])
def test_proxy_credentials_work_and_are_never_echoed(run_module, proxied, monkeypatch, source, assert_no_secrets):
    server, args = proxied
    for name in ('HTTPS_PROXY', 'https_proxy', 'ALL_PROXY', 'all_proxy', 'NO_PROXY', 'no_proxy'):
        monkeypatch.delenv(name, raising=False)

    def run(password):
        if source == 'option':
            return run_module(probe_main, dict(args, proxy=proxy_url(server, password)))
        monkeypatch.setenv(source, proxy_url(server, password))
        return run_module(probe_main, args)
    accepted, refused = run(PROXY_PASSWORD), run('Wr0ng@Proxy!pass')
    assert (accepted['rc'], accepted['found']) == (0, True)
    assert refused['rc'] == 1 and 'the proxy could not be used. The proxy refused its credentials (HTTP 407)' in refused['msg']
    assert [entry['status'] for entry in server.audit()['requests'] if entry['method'] == 'CONNECT'] == [200, 407]
    proxy_authorizations = [base64.b64encode(('proxyuser:%s' % password).encode()).decode()
                            for password in (PROXY_PASSWORD, 'Wr0ng@Proxy!pass')]
    assert_no_secrets([accepted, refused], [PROXY_PASSWORD, 'Wr0ng@Proxy!pass'] + proxy_authorizations)


def test_a_signal_whose_answer_is_lost_behind_a_proxy_is_reconciled_not_resent(run_module, proxied):
    server, args = proxied
    server.configure(fault_lost_response=1)
    args = dict(args, proxy=proxy_url(server, PROXY_PASSWORD), retries=3, signal_key='RequireApproval1.ApprovalStatus',
                data={'Approved': True})
    result = run_module(signal_main, args)
    assert (result['rc'], result['changed'], result['outcome']) == (0, True, 'signaled')
    posts = [entry for entry in server.audit()['requests'] if entry['method'] == 'POST']
    assert len(posts) == 1 and [entry['counted'] for entry in server.audit()['signals']] == [True]


def test_a_ca_bundle_variable_naming_a_missing_file_fails_cleanly(run_module, connection, monkeypatch):
    monkeypatch.setenv('REQUESTS_CA_BUNDLE', '/nonexistent/ca-bundle.pem')
    result = run_module(probe_main, dict(connection, ca_cert=None))
    assert result['rc'] == 1 and 'exception' not in result
    assert result['msg'].startswith("The environment variable REQUESTS_CA_BUNDLE names the CA bundle "
                                    "'/nonexistent/ca-bundle.pem', which does not exist where the module runs")


@pytest.mark.parametrize('option, value', [
    ('access_token', 'Bearer-Token-4711\n'), ('password', 'S3cret-approver1!\n'),
    ('headers', {'X-Gateway-Credential': GATEWAY_CREDENTIAL + '\r\n'}),
])
def test_a_value_no_header_can_carry_is_never_sent(run_module, connection, simulator, option, value, assert_no_secrets):
    args = dict(connection, **{option: value})
    if option == 'access_token':
        args.update(username=None, password=None, domain=None)
    result = run_module(probe_main, args)
    assert result['rc'] == 1 and 'ends with a newline' in result['msg'] and result['warnings'] == []
    assert simulator.audit()['requests'] == []
    assert_no_secrets(result, ['Bearer-Token-4711', GATEWAY_CREDENTIAL])


# --- the module and a plain dict of options resolve alike ---------------------------------------------------------

def settings_probe_main():
    """A module that resolves its connection settings and reports what they mean, without a request."""
    module = KeyfactorModule(argument_spec={})

    def run(module):
        settings = module.settings
        return dict(changed=False, **summary_of(settings))
    module.run(run)


def summary_of(settings):
    return dict(base_url=settings.base_url, mode=type(settings.auth).__name__, validate_certs=settings.validate_certs,
                timeout=settings.timeout, retries=settings.retries, status_3=settings.status_table[3],
                headers=sorted(settings.headers))


EQUIVALENCE_CASES = {
    'basic from options': (dict(url='kf.example.com', username='KEYEXAMPLE\\alice', password='Pw-4711-unique'), {}),
    'everything from the environment, AWX style': ({}, dict(
        KEYFACTOR_HOSTNAME='kf.example.com', KEYFACTOR_PORT='8443', KEYFACTOR_API_PATH='Keyfactor/API',
        KEYFACTOR_AUTH_ACCESS_TOKEN='Tok-4711-unique', KEYFACTOR_SKIP_VERIFY='true', KEYFACTOR_CLIENT_TIMEOUT='12.5',
        KEYFACTOR_USERNAME='', KEYFACTOR_PASSWORD='', KEYFACTOR_DOMAIN='', KEYFACTOR_CA_CERT='')),
    'options win over the environment': (dict(host='task.example.com', api_path='TaskAPI', timeout=5, retries=0,
                                              status_map={3: 'Done'}, headers={'X-Route': 'pki'}),
                                         dict(KEYFACTOR_HOSTNAME='env.example.com', KEYFACTOR_API_PATH='EnvAPI',
                                              KEYFACTOR_USERNAME='alice', KEYFACTOR_PASSWORD='Pw-4711-unique')),
    'a type error': (dict(url='kf.example.com', access_token='Tok-4711-unique', timeout='soon'), {}),
    'a type error from the environment': (dict(url='kf.example.com', access_token='Tok-4711-unique'),
                                          dict(KEYFACTOR_CLIENT_TIMEOUT='soon')),
    'no authentication': (dict(url='kf.example.com'), {}),
    'two modes, one from the environment': (dict(url='kf.example.com', access_token='Tok-4711-unique'),
                                            dict(KEYFACTOR_USERNAME='alice', KEYFACTOR_PASSWORD='Pw-4711-unique')),
    'an OAuth option with Basic': (dict(url='kf.example.com', username='alice', password='Pw-4711-unique', scopes='all'), {}),
    'a bad url': (dict(url='http://kf.example.com', access_token='Tok-4711-unique'), {}),
    'negative retries': (dict(url='kf.example.com', access_token='Tok-4711-unique', retries=-1), {}),
}


@pytest.mark.parametrize('case', sorted(EQUIVALENCE_CASES))
def test_a_plain_dict_resolves_as_the_module_does(run_module, monkeypatch, case):
    options, env = EQUIVALENCE_CASES[case]
    for name in [name for name in os.environ if name.startswith('KEYFACTOR_')]:
        monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    result = run_module(settings_probe_main, options)
    # Another plugin's options hold more than the connection options, and its environment need not be os.environ.
    plugin_options = dict(options, interval=30)
    try:
        resolved = summary_of(resolve_connection(plugin_options, env=dict(os.environ), redactor=Redactor()))
    except KeyfactorConfigError as error:
        assert (result['rc'], result['msg']) == (1, str(error))
    else:
        assert result['rc'] == 0, result['msg']
        assert {name: result[name] for name in resolved} == json.loads(json.dumps(resolved))


def test_a_plain_dict_reads_the_environment_it_is_given(monkeypatch):
    monkeypatch.setenv('KEYFACTOR_HOSTNAME', 'process.example.com')
    settings = resolve_connection({'access_token': 'tok'}, env={'KEYFACTOR_HOSTNAME': 'given.example.com'})
    assert settings.base_url == 'https://given.example.com:443/KeyfactorAPI'


def test_a_plain_dict_registers_its_secrets_for_redaction():
    redactor = Redactor()
    resolve_connection(dict(url='kf.example.com', username='alice', password='Pa55-unique-1',
                            headers={'X-Gateway': 'Gateway-Key-4711'}), env={}, redactor=redactor)
    assert redactor.text('Pa55-unique-1 Gateway-Key-4711') == '******** ********'


def test_a_client_is_built_without_a_module(simulator, tmp_path):
    user = simulator.user('approver1')
    redactor, warnings = Redactor(), []
    with open(simulator.ca_cert) as handle:
        pem = handle.read()
    settings = resolve_connection(dict(url=simulator.host, username=user['username'], password=user['password'],
                                       domain=user['domain'], ca_cert=pem), env={}, redactor=redactor)
    client = build_client(settings, redactor, warnings.append, str(tmp_path))
    try:
        assert WorkflowApi(client).get_instance(default_instance_id(1)) is not None
    finally:
        client.close()
    assert (tmp_path / 'keyfactor-ca.pem').read_text() == pem and warnings == []
