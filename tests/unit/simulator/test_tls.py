# Copyright: (c) 2026, keyfactor.command contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""TLS: a throw-away CA per process, plain HTTP on request, and mutual TLS."""

import pytest
import requests

PROBE = "/KeyfactorAPI/Status/Endpoints"


def get(url, verify, cert=None):
    session = requests.Session()
    session.trust_env = False  # the machines set REQUESTS_CA_BUNDLE; verify exactly what the test says
    with session:
        return session.get(url, verify=verify, cert=cert, auth=("KEYEXAMPLE\\approver1", "S3cret-approver1!"),
                           headers={"X-Keyfactor-Requested-With": "APIClient"}, timeout=10)


def test_the_throw_away_ca_validates_the_server_for_ip_and_localhost(simulator):
    assert simulator.url.startswith("https://127.0.0.1:")
    assert get(simulator.url + PROBE, simulator.ca_cert).status_code == 200
    assert get("https://localhost:%d%s" % (simulator.port, PROBE), simulator.ca_cert).status_code == 200


def test_the_system_trust_store_does_not_trust_the_simulator(simulator):
    with pytest.raises(requests.exceptions.SSLError):
        get(simulator.url + PROBE, True)


def test_another_simulators_ca_does_not_validate_this_one(simulator, simulator_factory):
    stranger = simulator_factory()
    assert stranger.ca_cert != simulator.ca_cert
    assert get(stranger.url + PROBE, stranger.ca_cert).status_code == 200
    with pytest.raises(requests.exceptions.SSLError):
        get(simulator.url + PROBE, stranger.ca_cert)


def test_plain_http_on_request(simulator_factory):
    plain = simulator_factory("--http")
    assert plain.url.startswith("http://127.0.0.1:")
    assert plain.ca_cert is None
    assert get(plain.url + PROBE, True).status_code == 200


def test_mutual_tls_requires_the_issued_client_certificate(simulator_factory):
    mutual = simulator_factory("--require-client-cert")
    assert mutual.client_cert and mutual.client_key
    assert get(mutual.url + PROBE, mutual.ca_cert, cert=(mutual.client_cert, mutual.client_key)).status_code == 200
    with pytest.raises((requests.exceptions.SSLError, requests.exceptions.ConnectionError)):
        get(mutual.url + PROBE, mutual.ca_cert)
    assert [entry["status"] for entry in mutual.audit()["requests"]] == [200]
