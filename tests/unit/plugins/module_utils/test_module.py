# -*- coding: utf-8 -*-
# Copyright (c) keyfactor.command contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""KeyfactorModule: clean failures, warnings, CA handling and secret masking, through a tiny module."""

import base64

import pytest

from ansible.module_utils.common.parameters import PASS_VARS

from ansible_collections.keyfactor.command.plugins.module_utils import _module
from ansible_collections.keyfactor.command.plugins.module_utils._module import KeyfactorModule

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


def test_a_failed_result_fails_the_task_and_keeps_its_keys(run_module, connection):
    result = run_module(probe_main, dict(connection, fail=True))
    assert (result['rc'], result['msg'], result['found']) == (1, 'asked to fail', True)


def test_status_map_reaches_the_table(run_module, connection):
    result = run_module(probe_main, dict(connection, status_map={3: 'Done'}))
    assert result['status_table']['3'] == 'Done'


def test_runtime_secrets_and_sensitive_headers_are_masked(run_module, connection, simulator, assert_no_secrets):
    token = simulator.token('kf-approver-client')
    args = dict(connection, username=None, password=None, domain=None, access_token=token,
                headers={'X-Api-Key': 'Gateway-Key-123', 'X-Route': 'pki'}, **ASK_FOR_INVOCATION)
    result = run_module(probe_main, args)
    assert result['rc'] == 0 and result['token_echo'] == 'VALUE_SPECIFIED_IN_NO_LOG_PARAMETER'
    assert_no_secrets(result, [token, 'Gateway-Key-123'])
    assert result['invocation']['module_args']['headers']['X-Route'] == 'pki'


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
