# -*- coding: utf-8 -*-
# Copyright (c) keyfactor.command contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""KeyfactorClient at the HTTP level, against the Keyfactor Command simulator.

Auth modes, headers, TLS settings, the retry table (including the never-resend-POST rule),
error shapes, secret stripping and paging, each observed in what the simulator received.
"""

import base64
import itertools
import json
import socket
import time

import certifi
import pytest

from ansible_collections.keyfactor.command.plugins.module_utils._connection import resolve_connection
from ansible_collections.keyfactor.command.plugins.module_utils._errors import (
    KeyfactorAPIError, KeyfactorAuthError, KeyfactorConfigError, KeyfactorNotAPIError, KeyfactorNotFoundError,
    KeyfactorTransportError, KeyfactorUnknownOutcomeError,
)
from ansible_collections.keyfactor.command.plugins.module_utils._paging import LIST_ITEM_MAX_BYTES, LIST_PAGE_SLACK_BYTES
from ansible_collections.keyfactor.command.plugins.module_utils._transport import KeyfactorClient
from ansible_collections.keyfactor.command.plugins.module_utils._workflow_api import WorkflowApi

from kfsim.testing import SIMULATOR_DIR, default_instance_id  # pylint: disable=import-error

SUSPENDED = default_instance_id(1)
APPROVE = 'RequireApproval1.ApprovalStatus'
UNKNOWN = 'c0ffee00-0000-4000-8000-999999999999'


class Recorder:
    """Collects the client's warnings and back-off sleeps instead of waiting."""

    def __init__(self):
        self.warnings = []
        self.sleeps = []


@pytest.fixture
def recorder():
    return Recorder()


@pytest.fixture
def make_client(simulator, recorder):
    """make_client(auth='basic'|'basic-at'|'oauth'|'token', **options) -> a KeyfactorClient for the simulator.

    user names the Basic user, client_id the OAuth client (of the loaded scenario).
    """
    clients = []

    def make(auth='basic', user='approver1', ca=True, max_response_bytes=None, client_id='kf-approver-client',
             **options):
        params = dict(url=simulator.host, api_path='KeyfactorAPI', validate_certs=True, timeout=10, retries=3)
        credentials = simulator.user(user)
        if auth == 'basic':
            params.update(username=credentials['username'], password=credentials['password'], domain=credentials['domain'])
        elif auth == 'basic-at':
            params.update(username='%s@keyexample.com' % credentials['username'], password=credentials['password'])
        elif auth == 'oauth':
            client = simulator.client(client_id)
            params.update(client_id=client['client_id'], client_secret=client['client_secret'], token_url=client['token_url'])
        elif auth == 'token':
            params.update(access_token=simulator.token(client_id))
        params.update(options)
        settings = resolve_connection(params)
        extra = {} if max_response_bytes is None else {'max_response_bytes': max_response_bytes}
        client = KeyfactorClient(settings, ca_bundle=simulator.ca_cert if ca else None, warn=recorder.warnings.append,
                                 sleep=recorder.sleeps.append, **extra)
        clients.append(client)
        return client
    yield make
    for client in clients:
        client.close()


def api_requests(simulator, path_suffix=None, method=None):
    entries = simulator.audit()['requests']
    return [entry for entry in entries
            if (path_suffix is None or entry['path'].endswith(path_suffix)) and (method is None or entry['method'] == method)]


# --- authentication ------------------------------------------------------------------------------

@pytest.mark.parametrize('auth, caller', [
    ('basic', 'KEYEXAMPLE\\approver1'),
    ('basic-at', 'KEYEXAMPLE\\approver1'),
])
def test_basic_auth_forms(make_client, simulator, auth, caller):
    assert make_client(auth).get('/Status/Endpoints')
    entry = api_requests(simulator, '/Status/Endpoints')[-1]
    assert (entry['auth'], entry['caller'], entry['status']) == ('basic', caller, 200)


def test_oauth_token_is_fetched_once_per_client(make_client, simulator):
    client = make_client('oauth')
    for dummy in range(3):
        client.get('/Status/Endpoints')
    entries = simulator.audit()['requests']
    assert len([entry for entry in entries if entry['path'].endswith('/token')]) == 1
    assert [entry['auth'] for entry in entries if entry['path'].endswith('/Status/Endpoints')] == ['bearer'] * 3


def test_oauth_token_is_renewed_once_after_a_401(make_client, simulator):
    client = make_client('oauth')
    client.get('/Status/Endpoints')
    assert simulator.expire_tokens() >= 1
    assert client.get('/Status/Endpoints')
    statuses = [(entry['path'].rsplit('/', 1)[-1], entry['status']) for entry in simulator.audit()['requests']]
    assert statuses == [('token', 200), ('Endpoints', 200), ('Endpoints', 401), ('token', 200), ('Endpoints', 200)]


def test_oauth_post_rejected_with_401_is_sent_again_after_renewal(make_client, simulator):
    client = make_client('oauth')
    client.get('/Status/Endpoints')
    simulator.expire_tokens()
    WorkflowApi(client).send_signal(SUSPENDED, 'RequireApproval1.ApprovalStatus', {'Approved': True})
    assert [entry['status'] for entry in api_requests(simulator, '/Signals')] == [401, 204]
    assert len(simulator.audit()['signals']) == 1


def test_static_bearer_token_is_not_renewed(make_client, simulator):
    client = make_client('token')
    client.get('/Status/Endpoints')
    simulator.expire_tokens()
    with pytest.raises(KeyfactorAuthError) as caught:
        client.get('/Status/Endpoints')
    assert caught.value.status == 401
    assert 'check access_token (KEYFACTOR_AUTH_ACCESS_TOKEN)' in str(caught.value)


def test_wrong_password_is_a_401_naming_what_to_check(make_client, simulator):
    client = make_client('basic', password='Wrong-Pa55word!')
    with pytest.raises(KeyfactorAuthError) as caught:
        client.get('/Status/Endpoints')
    message = str(caught.value)
    assert 'HTTP 401' in message and 'check username, password and domain' in message
    assert 'Wrong-Pa55word!' not in repr(caught.value.to_fail_kwargs(client.redactor))


def test_bad_oauth_client_secret_is_reported_with_the_idp_error(make_client):
    client = make_client('oauth', client_secret='Not-The-Secret!')
    with pytest.raises(KeyfactorAuthError) as caught:
        client.get('/Status/Endpoints')
    kwargs = caught.value.to_fail_kwargs(client.redactor)
    assert 'was rejected (HTTP 401: invalid_client' in kwargs['msg']
    assert 'Not-The-Secret!' not in repr(kwargs)


def test_token_endpoint_failure_is_not_blamed_on_the_credentials(make_client, simulator):
    simulator.inject(method='POST', path='/token$', status=502, body='<html><body>Bad Gateway</body></html>',
                     headers={'Content-Type': 'text/html'}, times=10)
    client = make_client('oauth', retries=1)
    with pytest.raises(KeyfactorAPIError) as caught:
        client.get('/Status/Endpoints')
    message = str(caught.value)
    assert 'failed with HTTP 502 (body: <html><body>Bad Gateway</body></html>)' in message
    assert 'the credentials were not judged' in message and 'check client_id' not in message
    assert caught.value.details['body_excerpt'] == '<html><body>Bad Gateway</body></html>'


# --- headers ---------------------------------------------------------------------------------------

def test_keyfactor_headers_user_agent_and_extra_headers_are_sent(make_client, simulator):
    simulator.configure(require_requested_with=True)
    make_client(headers={'X-Gateway-Route': 'pki'}).get('/Status/Endpoints')
    headers = {name.lower(): value for name, value in api_requests(simulator, '/Status/Endpoints')[-1]['headers'].items()}
    assert headers['x-keyfactor-requested-with'] == 'APIClient'
    assert headers['x-keyfactor-api-version'] == '1'
    assert headers['accept'] == 'application/json'
    assert headers['user-agent'].startswith('keyfactor.command (ansible-core ')
    assert headers['x-gateway-route'] == 'pki'


# --- TLS -------------------------------------------------------------------------------------------

def test_configured_ca_wins_over_requests_ca_bundle(make_client, monkeypatch):
    # requests lets REQUESTS_CA_BUNDLE override a session's CA; the client must not.
    monkeypatch.setenv('REQUESTS_CA_BUNDLE', certifi.where())
    assert make_client().get('/Status/Endpoints')
    with pytest.raises(KeyfactorTransportError):
        make_client(ca=False).get('/Status/Endpoints')


def test_requests_ca_bundle_is_trusted_when_ca_cert_is_not_set(make_client, simulator, monkeypatch):
    monkeypatch.setenv('REQUESTS_CA_BUNDLE', simulator.ca_cert)
    assert make_client(ca=False).get('/Status/Endpoints')


def test_untrusted_certificate_fails_without_retrying_and_advises(make_client, recorder):
    with pytest.raises(KeyfactorTransportError) as caught:
        make_client(ca=False).get('/Status/Endpoints')
    assert caught.value.details['reason'] == 'tls_verify'
    assert 'Set ca_cert (KEYFACTOR_CA_CERT)' in str(caught.value)
    assert caught.value.details['attempts'] == 1 and not recorder.warnings


def test_validate_certs_false_connects_to_an_untrusted_server(make_client):
    assert make_client(ca=False, validate_certs=False).get('/Status/Endpoints')


def test_mutual_tls(simulator_factory, recorder):
    mtls = simulator_factory('--require-client-cert')
    user = mtls.user('approver1')
    base = dict(url=mtls.host, username=user['username'], password=user['password'], domain=user['domain'],
                api_path='KeyfactorAPI', timeout=10, retries=0, validate_certs=True)
    with_cert = KeyfactorClient(resolve_connection(dict(base, client_cert=mtls.client_cert, client_key=mtls.client_key)),
                                ca_bundle=mtls.ca_cert, warn=recorder.warnings.append)
    assert with_cert.get('/Status/Endpoints')
    without = KeyfactorClient(resolve_connection(base), ca_bundle=mtls.ca_cert, warn=recorder.warnings.append)
    with pytest.raises(KeyfactorTransportError):
        without.get('/Status/Endpoints')


def test_netrc_never_replaces_the_configured_credentials(make_client, simulator, monkeypatch, tmp_path):
    # requests would send ~/.netrc's Basic credentials for the host instead of the module's Authorization header.
    netrc = tmp_path / 'netrc'
    netrc.write_text('machine 127.0.0.1 login approver2 password wrong-password\n', encoding='utf-8')
    netrc.chmod(0o600)
    monkeypatch.setenv('NETRC', str(netrc))
    monkeypatch.setenv('HOME', str(tmp_path))
    assert make_client().get('/Status/Endpoints')
    assert make_client(auth='token').get('/Status/Endpoints')
    assert [entry['status'] for entry in api_requests(simulator, '/Status/Endpoints')] == [200, 200]


# --- proxies ---------------------------------------------------------------------------------------

def closed_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def test_proxy_option_is_used(make_client):
    with pytest.raises(KeyfactorTransportError) as caught:
        make_client(proxy='http://127.0.0.1:%d' % closed_port(), retries=0).get('/Status/Endpoints')
    assert caught.value.details['reason'] == 'proxy'


def test_https_proxy_variable_is_honoured_and_no_proxy_bypasses_it(make_client, monkeypatch):
    monkeypatch.setenv('HTTPS_PROXY', 'http://127.0.0.1:%d' % closed_port())
    monkeypatch.delenv('NO_PROXY', raising=False)
    monkeypatch.delenv('no_proxy', raising=False)
    with pytest.raises(KeyfactorTransportError) as caught:
        make_client(retries=0).get('/Status/Endpoints')
    assert caught.value.details['reason'] == 'proxy'
    monkeypatch.setenv('NO_PROXY', '127.0.0.1')
    assert make_client(retries=0).get('/Status/Endpoints')


# --- retries ---------------------------------------------------------------------------------------

def test_get_is_retried_on_503_honouring_retry_after(make_client, simulator, recorder):
    simulator.inject(method='GET', path='/Status/Endpoints$', status=503, headers={'Retry-After': '2'}, times=2)
    assert make_client().get('/Status/Endpoints')
    assert [entry['status'] for entry in api_requests(simulator, '/Status/Endpoints')] == [503, 503, 200]
    assert recorder.sleeps == [2.0, 2.0]
    assert recorder.warnings[0] == 'GET /Status/Endpoints: HTTP 503 Service Unavailable; retry 1 of 3 in 2.0 s.'
    assert len(recorder.warnings) == 2


def test_get_is_retried_after_a_connection_reset(make_client, simulator, recorder):
    simulator.configure(fault_reset=1.0)
    client = make_client(retries=2)
    with pytest.raises(KeyfactorTransportError) as caught:
        client.get('/Status/Endpoints')
    assert caught.value.details['attempts'] == 3
    assert ', 3 attempts; ' in caught.value.describe(verbosity=3) and 'attempt' not in str(caught.value)
    assert len(recorder.warnings) == 2 and all('closed or reset' in warning for warning in recorder.warnings)
    simulator.configure(fault_reset=0.0)
    assert client.get('/Status/Endpoints')


def test_get_gives_up_after_the_retries_and_says_how_many_attempts(make_client, simulator, recorder):
    simulator.inject(method='GET', path='/Status/Endpoints$', status=502, body='<html>Bad gateway</html>',
                     headers={'Content-Type': 'text/html'}, times=10)
    with pytest.raises(KeyfactorAPIError) as caught:
        make_client(retries=2).get('/Status/Endpoints')
    assert caught.value.status == 502
    assert 'after 3 attempts' in str(caught.value)
    assert caught.value.details['body_excerpt'] == '<html>Bad gateway</html>'
    assert len(api_requests(simulator, '/Status/Endpoints')) == 3


def test_signal_post_is_never_resent_after_a_bare_503(make_client, simulator, recorder):
    simulator.inject(method='POST', path='/Signals$', status=503, times=1)
    with pytest.raises(KeyfactorUnknownOutcomeError) as caught:
        WorkflowApi(make_client()).send_signal(SUSPENDED, 'RequireApproval1.ApprovalStatus', {'Approved': True})
    assert caught.value.details['http_status'] == 503
    assert len(api_requests(simulator, '/Signals')) == 1
    assert not recorder.warnings


@pytest.mark.parametrize('status, headers, retry_after', [
    (503, {'Retry-After': '2'}, 2.0), (429, {}, None), (429, {'Retry-After': '1'}, 1.0)])
def test_signal_post_turned_away_has_an_unknown_outcome_and_is_not_resent(
        make_client, simulator, recorder, status, headers, retry_after):
    # A gateway may answer 429 or 503 after the server applied the signal: only a re-read can tell.
    simulator.inject(method='POST', path='/Signals$', status=status, headers=headers, times=1)
    with pytest.raises(KeyfactorUnknownOutcomeError) as caught:
        WorkflowApi(make_client()).send_signal(SUSPENDED, 'RequireApproval1.ApprovalStatus', {'Approved': True})
    assert (caught.value.details['http_status'], caught.value.retry_after) == (status, retry_after)
    assert 'the request may or may not have taken effect' in str(caught.value)
    assert len(api_requests(simulator, '/Signals')) == 1
    assert not recorder.warnings and not recorder.sleeps


def test_signal_post_whose_response_was_lost_is_not_resent(make_client, simulator):
    simulator.configure(fault_lost_response=1.0)
    with pytest.raises(KeyfactorUnknownOutcomeError) as caught:
        WorkflowApi(make_client()).send_signal(SUSPENDED, 'RequireApproval1.ApprovalStatus', {'Approved': True})
    assert caught.value.details['reason'] == 'reset'
    audit = simulator.audit()
    assert len([entry for entry in audit['requests'] if entry['path'].endswith('/Signals')]) == 1
    assert len(audit['signals']) == 1


def test_signal_post_that_timed_out_is_not_resent(make_client, simulator):
    simulator.configure(latency_ms=1500)
    with pytest.raises(KeyfactorUnknownOutcomeError) as caught:
        WorkflowApi(make_client(timeout=0.5)).send_signal(SUSPENDED, 'RequireApproval1.ApprovalStatus', {'Approved': True})
    assert caught.value.details['reason'] == 'timeout'


def test_signal_post_is_retried_when_it_never_reached_the_server(simulator, recorder):
    user = simulator.user('approver1')
    settings = resolve_connection(dict(url='127.0.0.1:%d' % closed_port(), username=user['username'],
                                       password=user['password'], api_path='KeyfactorAPI', timeout=5, retries=2,
                                       validate_certs=True))
    client = KeyfactorClient(settings, warn=recorder.warnings.append, sleep=recorder.sleeps.append)
    with pytest.raises(KeyfactorTransportError) as caught:
        WorkflowApi(client).send_signal(SUSPENDED, 'RequireApproval1.ApprovalStatus', {'Approved': True})
    assert caught.value.details == {'method': 'POST', 'path': '/Workflow/Instances/%s/Signals' % SUSPENDED,
                                    'reason': 'refused', 'attempts': 3}
    assert len(recorder.warnings) == 2 and len(recorder.sleeps) == 2


def test_timeout_is_named_in_the_error(make_client, simulator):
    simulator.configure(latency_ms=1500)
    with pytest.raises(KeyfactorTransportError) as caught:
        make_client(timeout=0.3, retries=1).get('/Status/Endpoints')
    assert 'Raise timeout (KEYFACTOR_CLIENT_TIMEOUT, now 0.3 s)' in str(caught.value)
    assert caught.value.details['attempts'] == 2


# --- error shapes ----------------------------------------------------------------------------------

def test_not_found_carries_keyfactor_error_code_and_message(make_client):
    with pytest.raises(KeyfactorNotFoundError) as caught:
        make_client().get('/Workflow/Instances/' + UNKNOWN)
    kwargs = caught.value.to_fail_kwargs()
    assert kwargs['http_status'] == 404 and kwargs['method'] == 'GET'
    assert kwargs['path'] == '/Workflow/Instances/' + UNKNOWN
    assert kwargs['error_code'].startswith('0x') and kwargs['error_message']
    assert kwargs['msg'].startswith('GET /Workflow/Instances/%s failed with HTTP 404' % UNKNOWN)


def test_not_found_as_400_is_still_not_found(make_client, simulator):
    simulator.configure(unknown_id_status=400)
    assert WorkflowApi(make_client()).get_instance(UNKNOWN) is None


def test_permission_denied_is_an_auth_error(make_client):
    client = make_client(user='noroles')
    with pytest.raises(KeyfactorAuthError) as caught:
        WorkflowApi(client).send_signal(SUSPENDED, 'RequireApproval1.ApprovalStatus', {'Approved': True})
    assert caught.value.status == 403
    assert 'lacks the permission or role' in str(caught.value)


@pytest.mark.parametrize('injected, fragment', [
    (dict(status=500, body='<html><body>Server Error</body></html>', headers={'Content-Type': 'text/html'}),
     'HTTP 500 INTERNAL SERVER ERROR (body: <html><body>Server Error</body></html>)'),
    (dict(status=500, body=''), 'HTTP 500 INTERNAL SERVER ERROR (empty body)'),
    (dict(status=200, body='{"Id": ', headers={'Content-Type': 'application/json'}), 'with a body that is not JSON'),
])
def test_bad_answers_become_clear_api_errors(make_client, simulator, injected, fragment):
    simulator.inject(method='GET', path='/Status/Endpoints$', times=1, **injected)
    with pytest.raises(KeyfactorAPIError) as caught:
        make_client(retries=0).get('/Status/Endpoints')
    assert fragment.lower() in str(caught.value).lower()


def test_huge_responses_are_refused(make_client, simulator):
    simulator.inject(method='GET', path='/Status/Endpoints$', status=200, body='x', repeat_body=3 * 1024 * 1024, times=1)
    with pytest.raises(KeyfactorAPIError, match='larger than 1048576 bytes'):
        make_client(max_response_bytes=1024 * 1024).get('/Status/Endpoints')


def test_redirects_are_not_followed(make_client, simulator):
    simulator.inject(method='GET', path='/Status/Endpoints$', status=302, headers={'Location': 'https://login.example.com/'},
                     times=1)
    with pytest.raises(KeyfactorAPIError, match='redirected .HTTP 302. to https://login.example.com/; check url and api_path'):
        make_client().get('/Status/Endpoints')


# --- secrets ---------------------------------------------------------------------------------------

def test_secrets_never_reach_errors_or_warnings(make_client, simulator, recorder, assert_no_secrets):
    user = simulator.user('approver1')
    credential = 'KEYEXAMPLE\\%s:%s' % (user['username'], user['password'])
    secrets = [user['password'], base64.b64encode(credential.encode()).decode()]
    client = make_client(retries=1)
    simulator.configure(fault_503=1.0, retry_after=0)
    with pytest.raises(KeyfactorAPIError) as caught:
        client.get('/Status/Endpoints')
    assert set(secrets) <= client.redactor.secrets
    assert_no_secrets([caught.value.to_fail_kwargs(client.redactor), recorder.warnings, simulator.audit()], secrets)


@pytest.fixture
def quirky(simulator):
    """The scenario whose user approverq and client kf-quirky-client have secrets every encoding changes."""
    simulator.load(str(SIMULATOR_DIR / 'scenarios' / 'secrets.yaml'))
    return simulator


def quirky_secrets(simulator, client):
    """Every secret of a client of approverq or kf-quirky-client, as the test knows it."""
    password = simulator.user('approverq')['password']
    logins = ['KEYEXAMPLE\\approverq', 'approverq', 'approverq@keyexample.com']
    credentials = [base64.b64encode(('%s:%s' % (login, password)).encode()).decode() for login in logins]
    return [password, simulator.client('kf-quirky-client')['client_secret']] + credentials + sorted(
        secret for secret in client.redactor.secrets if len(secret) > 30)  # the tokens, among others


QUIRKY_MODES = {
    'basic': dict(auth='basic', user='approverq'),
    'basic-at': dict(auth='basic-at', user='approverq'),
    'oauth': dict(auth='oauth', client_id='kf-quirky-client'),
    'token': dict(auth='token', client_id='kf-quirky-client'),
}


@pytest.mark.parametrize('echo_format', ['raw', 'json', 'repr', 'html'])
@pytest.mark.parametrize('mode', sorted(QUIRKY_MODES))
def test_an_error_page_echoing_the_credentials_shows_none_of_them(make_client, quirky, recorder, mode, echo_format,
                                                                  assert_no_secrets):
    client = make_client(retries=1, **QUIRKY_MODES[mode])
    assert client.get('/Status/Endpoints')  # authenticated (for OAuth: a token was fetched)
    quirky.configure(echo_credentials=echo_format, fault_503=1.0, retry_after=0)
    with pytest.raises(KeyfactorAPIError) as caught:
        client.get('/Status/Endpoints')
    failure = caught.value.to_fail_kwargs(client.redactor)
    assert 'HTTP 503' in failure['msg'] and '********' in failure['body_excerpt']
    assert_no_secrets([failure, recorder.warnings], quirky_secrets(quirky, client))


@pytest.mark.parametrize('echo_format', ['raw', 'json', 'repr', 'html'])
def test_an_identity_provider_error_page_echoing_the_token_form_shows_no_secret(make_client, quirky, echo_format,
                                                                                assert_no_secrets):
    quirky.configure(echo_credentials=echo_format, fault_503=1.0, fault_token=True, retry_after=0)
    client = make_client(auth='oauth', client_id='kf-quirky-client', retries=0)
    with pytest.raises(KeyfactorAPIError) as caught:
        client.get('/Status/Endpoints')
    failure = caught.value.to_fail_kwargs(client.redactor)
    assert 'The OAuth token request to' in failure['msg'] and '********' in failure['msg']
    assert_no_secrets(failure, quirky_secrets(quirky, client))


@pytest.mark.parametrize('cut_into', [1, 5, 12, 30])
@pytest.mark.parametrize('mode', ['basic', 'token'])
def test_a_secret_the_excerpt_cut_falls_into_leaves_nothing_behind(make_client, quirky, mode, cut_into,
                                                                   assert_no_secrets):
    """The echo starts with 'Authorization: <scheme> <credential>'; padding puts the 200-character cut inside it."""
    client = make_client(retries=0, **QUIRKY_MODES[mode])
    assert client.get('/Status/Endpoints')
    scheme = 'Basic ' if mode == 'basic' else 'Bearer '
    pad = 200 - len('Authorization: ' + scheme) - cut_into
    quirky.configure(echo_credentials='raw', echo_pad=pad, fault_503=1.0)
    with pytest.raises(KeyfactorAPIError) as caught:
        client.get('/Status/Endpoints')
    failure = caught.value.to_fail_kwargs(client.redactor)
    assert failure['body_excerpt'].startswith('.' * pad + 'Authorization: ' + scheme.strip())
    assert_no_secrets(failure, quirky_secrets(quirky, client))


def test_a_token_the_identity_provider_ends_with_a_newline_is_never_sent(make_client, simulator, recorder,
                                                                         assert_no_secrets):
    token = 'Idp-Token-With-A-Newline-4711'
    simulator.inject(method='POST', path='/token$', status=200, times=5,
                     body=json.dumps({'access_token': token + '\n', 'token_type': 'Bearer', 'expires_in': 300}))
    client = make_client('oauth')
    with pytest.raises(KeyfactorAPIError) as caught:
        client.get('/Status/Endpoints')
    failure = caught.value.to_fail_kwargs(client.redactor)
    assert failure['msg'] == (
        'The access token returned by %s ends with a newline, which an HTTP header cannot carry; the identity '
        'provider, or a proxy in front of it, answered with something that is not a usable token, and no request was '
        'sent with it.' % simulator.token_url)
    token_path = '/realms/Keyfactor/protocol/openid-connect/token'
    assert [entry['path'] for entry in simulator.audit()['requests']] == [token_path]
    assert recorder.warnings == [] and recorder.sleeps == []
    assert_no_secrets([failure, recorder.warnings], [token])


def test_a_ca_bundle_variable_naming_a_missing_file_is_a_configuration_error(make_client, monkeypatch):
    monkeypatch.delenv('REQUESTS_CA_BUNDLE', raising=False)
    monkeypatch.setenv('CURL_CA_BUNDLE', '/nonexistent/curl-bundle.pem')
    with pytest.raises(KeyfactorConfigError, match='The environment variable CURL_CA_BUNDLE names the CA bundle '
                                                   "'/nonexistent/curl-bundle.pem', which does not exist"):
        make_client(ca=False)
    assert make_client(ca=True).get('/Status/Endpoints')  # ca_cert set: the variable plays no part


# --- paging ----------------------------------------------------------------------------------------

@pytest.mark.parametrize('total_count, instances, page_size, limit, expected_pages', [
    (True, 250, 100, None, 3),
    (False, 250, 100, None, 3),
    (True, 200, 100, None, 2),    # the header says there is no third page
    (False, 200, 100, None, 3),   # without it, only an empty page says so
    (True, 250, 100, 150, 2),
    (False, 250, 100, 50, 1),
])
def test_paging(make_client, simulator, total_count, instances, page_size, limit, expected_pages):
    only_generated = {key: value for key, value in simulator.scenario.items() if key not in ('instances', 'generate')}
    simulator.load(dict(only_generated, generate=[{'count': instances, 'definition': 'enroll-single', 'status': 'Suspended'}]))
    simulator.configure(total_count=total_count)
    pager = WorkflowApi(make_client()).list_instances(page_size=page_size, limit=limit)
    items = list(pager)
    assert len(items) == (limit or instances)
    assert len({item['Id'] for item in items}) == len(items)
    assert pager.pages == expected_pages
    assert pager.total == (instances if total_count else None)
    pages = [entry['query'] for entry in api_requests(simulator, '/Workflow/Instances')]
    assert [query['PageReturned'] for query in pages] == [str(number) for number in range(1, expected_pages + 1)]


def test_a_wrong_api_path_is_told_apart_from_a_missing_instance(make_client, simulator):
    api = WorkflowApi(make_client(api_path='KeyfactorApiV2'))
    for instance in (SUSPENDED, UNKNOWN):
        with pytest.raises(KeyfactorConfigError) as caught:
            api.get_instance(instance)
        assert str(caught.value).startswith('No Keyfactor Command API answers at https://%s/KeyfactorApiV2' % simulator.host)
        assert 'url or api_path (KEYFACTOR_HOSTNAME, KEYFACTOR_API_PATH) is wrong' in str(caught.value)
    assert len(api_requests(simulator, '/Status/Endpoints')) == 1  # the probe runs once per run


def test_an_unknown_instance_costs_one_probe_of_the_api(make_client, simulator):
    api = WorkflowApi(make_client())
    assert api.get_instance(UNKNOWN) is None
    assert api.get_definition(UNKNOWN) is None
    assert [entry['path'].rsplit('/', 1)[-1] for entry in simulator.audit()['requests']] == [UNKNOWN, 'Endpoints', UNKNOWN]


def test_assigned_to_me_query_is_quoted(make_client, simulator):
    api = WorkflowApi(make_client())
    assert api.is_assigned_to_me(SUSPENDED) is True
    assert api.is_assigned_to_me(UNKNOWN) is False
    query = api_requests(simulator, '/AssignedToMe')[-1]['query']
    assert query['QueryString'] == 'Id -eq "%s"' % UNKNOWN


# --- a wall-clock deadline per request -------------------------------------------------------------------------

@pytest.mark.parametrize('after_headers', [False, True])
def test_a_trickled_answer_to_a_read_ends_at_the_timeout(make_client, simulator, after_headers):
    # One byte every 0.25 s keeps each socket read under the 1 s timeout; the whole answer would take a minute.
    simulator.inject(method='GET', path='/Status/Endpoints$', status=200, body='["GET /Workflow/Instances"]' * 4,
                     trickle_ms=250, trickle_after_headers=after_headers, times=1)
    started = time.monotonic()
    with pytest.raises(KeyfactorTransportError) as caught:
        make_client(timeout=1, retries=0).get('/Status/Endpoints')
    assert caught.value.details['reason'] == 'timeout'
    assert 'Raise timeout (KEYFACTOR_CLIENT_TIMEOUT, now 1 s) if the server is just slow.' in str(caught.value)
    assert time.monotonic() - started < 4


def test_a_trickled_answer_to_a_signal_is_an_unknown_outcome(make_client, simulator):
    simulator.inject(method='POST', path='/Signals$', status=204, trickle_ms=250, times=1)
    with pytest.raises(KeyfactorUnknownOutcomeError) as caught:
        WorkflowApi(make_client(timeout=1)).send_signal(SUSPENDED, APPROVE, {'Approved': True})
    assert caught.value.details['reason'] == 'timeout'
    assert len(api_requests(simulator, '/Signals')) == 1


def test_after_a_request_ends_at_its_deadline_the_next_one_gets_its_own(make_client, simulator):
    client = make_client(timeout=1, retries=0)
    simulator.inject(method='GET', path='/Status/Endpoints$', status=200, body='[]', trickle_ms=250, times=1)
    with pytest.raises(KeyfactorTransportError):
        client.get('/Status/Endpoints')
    simulator.configure(latency_ms=600)  # under the timeout: the next request has a full second again
    assert client.get('/Status/Endpoints')
    assert client.get('/Status/Endpoints')


# --- answers to a POST and to a GET --------------------------------------------------------------------------------

@pytest.mark.parametrize('injected', [
    dict(status=200, body='<html><body>OK</body></html>', headers={'Content-Type': 'text/html'}),
    dict(status=200, body=''),
    dict(status=202, body='Accepted', headers={'Content-Type': 'text/plain'}),
    dict(status=201, body='{"unexpected": "json"}'),
    dict(status=200, body='x', repeat_body=1024 * 1024),  # larger than what is read of a success answer to a POST
])
def test_any_success_answer_to_a_signal_means_delivered(make_client, simulator, injected):
    simulator.inject(method='POST', path='/Signals$', times=1, **injected)
    response = make_client().post('/Workflow/Instances/%s/Signals' % SUSPENDED, {'SignalKey': 'x.y', 'Data': {}})
    assert (response.status, response.data) == (injected['status'], None)


def test_a_read_answered_with_an_empty_body_is_not_the_api(make_client, simulator):
    simulator.inject(method='GET', path='/Status/Endpoints$', status=200, body='', times=1)
    with pytest.raises(KeyfactorNotAPIError, match='returned HTTP 200 with an empty body .content type application'):
        make_client().get('/Status/Endpoints')


def test_a_redirect_is_not_the_api(make_client, simulator):
    simulator.inject(method='GET', path='/Status/Endpoints$', status=307, headers={'Location': '/login'}, times=1)
    with pytest.raises(KeyfactorNotAPIError):
        make_client().get('/Status/Endpoints')


# --- listing: bounded whatever the server does --------------------------------------------------------------------

def generated(simulator, count):
    only_generated = {key: value for key, value in simulator.scenario.items() if key not in ('instances', 'generate')}
    simulator.load(dict(only_generated, generate=[{'count': count, 'definition': 'enroll-single'}]))


def list_queries(simulator):
    return [(int(entry['query']['PageReturned']), int(entry['query']['ReturnLimit']))
            for entry in api_requests(simulator, '/Workflow/Instances')]


@pytest.mark.parametrize('total_count', [True, False])
def test_a_server_that_ignores_page_returned_fails_on_the_second_page(make_client, simulator, total_count):
    generated(simulator, 30)
    simulator.configure(ignore_page_returned=True, total_count=total_count)
    pager = WorkflowApi(make_client()).list_instances(page_size=10)
    with pytest.raises(KeyfactorAPIError) as caught:
        list(itertools.islice(pager, 100))  # a pager that does not notice runs for ever (the first page, again)
    assert str(caught.value) == (
        'GET /Workflow/Instances returned the same items for PageReturned 2 as for PageReturned 1: the server does not '
        'honour PageReturned, so the listing cannot be paged.')
    assert list_queries(simulator) == [(1, 10), (2, 10)]


def test_a_server_that_ignores_return_limit_fails_on_the_first_page(make_client, simulator):
    generated(simulator, 30)
    simulator.configure(ignore_return_limit=True)
    with pytest.raises(KeyfactorAPIError) as caught:
        list(WorkflowApi(make_client()).list_instances(page_size=10))
    assert str(caught.value) == (
        'GET /Workflow/Instances returned 30 items for ReturnLimit 10: the server does not honour ReturnLimit, so the '
        'listing cannot be paged.')


def test_a_page_far_larger_than_its_items_need_is_not_read(make_client, simulator):
    # limit 5 asks for pages of 5: at most 64 KiB + 5 x 16 KiB, not the 64 MiB any other answer may take.
    simulator.inject(method='GET', path='/Workflow/Instances$', status=200, body='["x",', repeat_body=4 * 1024 * 1024,
                     times=1)
    with pytest.raises(KeyfactorAPIError) as caught:
        list(WorkflowApi(make_client()).list_instances(page_size=100, limit=5))
    assert str(caught.value) == (
        'GET /Workflow/Instances returned a response larger than %d bytes; refusing to read it (far more than a page '
        'of 5 items needs: the server may ignore ReturnLimit).' % (LIST_PAGE_SLACK_BYTES + 5 * LIST_ITEM_MAX_BYTES))


@pytest.mark.parametrize('total_count', [True, False])
def test_a_server_that_caps_return_limit_is_paged_at_its_own_size(make_client, simulator, total_count):
    # 25 instances, at most 7 a page: x-total-count (25 > 7) or the second page itself says there is more; PageReturned
    # then counts pages of 7, and the short fourth page (4 items) ends the listing. No request more than needed.
    generated(simulator, 25)
    simulator.configure(max_return_limit=7, total_count=total_count)
    pager = WorkflowApi(make_client()).list_instances(page_size=100, sort_field='ReferenceId')
    items = list(pager)
    assert [item['ReferenceId'] for item in items] == sorted(item['ReferenceId'] for item in items)
    assert len({item['Id'] for item in items}) == 25
    assert list_queries(simulator) == [(1, 100), (2, 7), (3, 7), (4, 7)]
    assert pager.pages == 4


@pytest.mark.parametrize('count, total_count, pages', [
    (7, False, [(1, 100), (2, 7)]),   # one short page and no header: one request more, answered empty
    (7, True, [(1, 100)]),            # the header says there is no more
    (0, False, [(1, 100)]),           # an empty first page ends it
])
def test_a_short_first_page_costs_at_most_one_request_more(make_client, simulator, count, total_count, pages):
    generated(simulator, count)
    simulator.configure(total_count=total_count)
    assert len(list(WorkflowApi(make_client()).list_instances(page_size=100))) == count
    assert list_queries(simulator) == pages
