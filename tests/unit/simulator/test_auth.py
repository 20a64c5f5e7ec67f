# Copyright: (c) 2026, keyfactor.command contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Authentication (reference 8.1): Basic logins, the OAuth 2 token endpoint, bearer tokens, and the required header."""

import pytest
import requests

PROBE = "/Status/Endpoints"


def probe(simulator, auth=None, headers=None, bearer=None):
    session = requests.Session()
    session.trust_env = False
    all_headers = {"X-Keyfactor-Requested-With": "APIClient"}
    all_headers.update(headers or {})
    if bearer is not None:
        all_headers["Authorization"] = "Bearer " + bearer
    with session:
        return session.get(simulator.api_url + PROBE, auth=auth, headers=all_headers, verify=simulator.verify, timeout=10)


def token_request(simulator, auth=None, **form):
    with simulator.session() as session:
        return session.post(simulator.token_url, data=form, auth=auth, timeout=10)


def last_request(simulator):
    return simulator.audit()["requests"][-1]


@pytest.mark.parametrize("login", ["KEYEXAMPLE\\approver1", "keyexample\\APPROVER1", "approver1@KEYEXAMPLE",
                                   "approver1@keyexample.com", "KeyExample.com\\approver1", "approver1"])
def test_basic_accepts_domain_backslash_user_upn_and_an_unambiguous_bare_name(simulator, login):
    response = probe(simulator, auth=(login, "S3cret-approver1!"))
    assert response.status_code == 200
    assert all(isinstance(item, str) for item in response.json())
    entry = last_request(simulator)
    assert (entry["caller"], entry["auth"]) == ("KEYEXAMPLE\\approver1", "basic")


@pytest.mark.parametrize("auth", [("KEYEXAMPLE\\approver1", "wrong"), ("KEYEXAMPLE\\nobody", "x"),
                                  ("OTHERDOMAIN\\approver1", "S3cret-approver1!"), None])
def test_bad_or_missing_credentials_are_401_with_challenges(simulator, auth):
    response = probe(simulator, auth=auth)
    assert response.status_code == 401
    assert "Basic" in response.headers["WWW-Authenticate"]
    assert "Bearer" in response.headers["WWW-Authenticate"]
    assert last_request(simulator)["caller"] is None


def test_a_bare_name_shared_by_two_domains_is_ambiguous(simulator):
    simulator.load({"extends": "default.yaml",
                    "users": [{"name": "approver1", "domain": "OTHERDOMAIN", "password": "S3cret-approver1!"}]})
    assert probe(simulator, auth=("approver1", "S3cret-approver1!")).status_code == 401
    assert probe(simulator, auth=("OTHERDOMAIN\\approver1", "S3cret-approver1!")).status_code == 200


def test_the_token_endpoint_issues_expiring_bearer_tokens(simulator):
    response = token_request(simulator, grant_type="client_credentials", client_id="kf-approver-client",
                             client_secret="S3cret-kf-approver-client!", scope="openid", audience=simulator.url)
    assert response.status_code == 200
    body = response.json()
    assert (body["token_type"], body["expires_in"], body["scope"]) == ("Bearer", 300, "openid")
    assert probe(simulator, bearer=body["access_token"]).status_code == 200
    entry = last_request(simulator)
    assert (entry["caller"], entry["auth"]) == ("svc-kf-approver", "bearer")


def test_client_credentials_may_come_in_http_basic(simulator):
    response = token_request(simulator, auth=("kf-noroles-client", "S3cret-kf-noroles-client!"),
                             grant_type="client_credentials")
    assert response.status_code == 200
    assert probe(simulator, bearer=response.json()["access_token"]).status_code == 200


@pytest.mark.parametrize("client_id, secret", [("kf-approver-client", "wrong"), ("nobody", "x"), ("", "")])
def test_a_bad_client_is_401_invalid_client(simulator, client_id, secret):
    response = token_request(simulator, grant_type="client_credentials", client_id=client_id, client_secret=secret)
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


@pytest.mark.parametrize("grant", ["password", "authorization_code", None])
def test_other_grants_are_400_unsupported_grant_type(simulator, grant):
    form = {"client_id": "kf-approver-client", "client_secret": "S3cret-kf-approver-client!"}
    if grant:
        form["grant_type"] = grant
    response = token_request(simulator, **form)
    assert response.status_code == 400
    assert response.json()["error"] == "unsupported_grant_type"


def test_the_token_endpoint_takes_only_post(simulator):
    with simulator.session() as session:
        assert session.get(simulator.token_url, timeout=10).status_code == 405


def test_expired_and_unknown_tokens_are_401_invalid_token(simulator):
    token = simulator.token("kf-approver-client")
    assert probe(simulator, bearer=token).status_code == 200
    assert simulator.expire_tokens() == 1
    expired = probe(simulator, bearer=token)
    assert expired.status_code == 401
    assert expired.headers["WWW-Authenticate"] == 'Bearer error="invalid_token"'
    assert probe(simulator, bearer="made-up").status_code == 401
    assert probe(simulator, bearer=simulator.token("kf-approver-client")).status_code == 200


def test_token_lifetime_switch(simulator):
    simulator.configure(token_lifetime=0)
    response = token_request(simulator, grant_type="client_credentials", client_id="kf-approver-client",
                             client_secret="S3cret-kf-approver-client!")
    assert response.json()["expires_in"] == 0
    assert probe(simulator, bearer=response.json()["access_token"]).status_code == 401


def test_a_reset_forgets_issued_tokens(simulator):
    token = simulator.token("kf-approver-client")
    simulator.reset()
    assert probe(simulator, bearer=token).status_code == 401


def test_missing_requested_with_header_is_400_unless_switched_off(simulator):
    with simulator.session("approver1") as session:
        del session.headers["X-Keyfactor-Requested-With"]
        rejected = session.get(simulator.api_url + PROBE, timeout=10)
        simulator.configure(require_requested_with="off")
        accepted = session.get(simulator.api_url + PROBE, timeout=10)
    assert rejected.status_code == 400
    assert set(rejected.json()) == {"ErrorCode", "Message"}
    assert "X-Keyfactor-Requested-With" in rejected.json()["Message"]
    assert accepted.status_code == 200


def test_unknown_auth_schemes_are_401(simulator):
    assert probe(simulator, headers={"Authorization": "Negotiate abc"}).status_code == 401
