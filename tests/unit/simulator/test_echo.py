# Copyright: (c) 2026, keyfactor.command contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Hostile answers: error pages that echo the request's credentials (echo_credentials, echo_pad), and the proxy."""

import ast
import base64
import html
import json
import socket

import pytest
import requests

from kfsim.testing import REQUESTED_WITH

PROBE = "/Status/Endpoints"
PASSWORD = "S3cret-approver1!"
BASIC = "Basic " + base64.b64encode(("KEYEXAMPLE\\approver1:%s" % PASSWORD).encode()).decode()


def get(simulator, path=PROBE, headers=None):
    with simulator.session() as session:
        return session.get(simulator.api_url + path, headers=headers, timeout=10)


def test_echo_is_off_by_default(simulator):
    response = get(simulator, "/Nowhere", headers={"Authorization": BASIC})
    assert response.status_code == 404 and response.json()["ErrorCode"] == "0xA5100003"


def test_raw_echo_repeats_the_authorization_header_what_it_decodes_to_and_gateway_headers(simulator):
    simulator.configure(echo_credentials="raw")
    response = get(simulator, "/Nowhere", headers={"Authorization": BASIC, "X-Gateway-Credential": "gw-4711"})
    assert (response.status_code, response.headers["Content-Type"]) == (404, "text/html; charset=utf-8")
    assert response.text == (
        "Authorization: %s; credentials: KEYEXAMPLE\\approver1:%s; X-Gateway-Credential: gw-4711" % (BASIC, PASSWORD))


@pytest.mark.parametrize("echo_format, read", [
    ("json", lambda text: json.loads(text)["request"]),
    ("repr", ast.literal_eval),
    ("html", lambda text: dict(item.split(": ", 1) for item in html.unescape(text).split("; "))),
])
def test_each_format_carries_the_same_items(simulator, echo_format, read):
    simulator.configure(echo_credentials=echo_format)
    response = get(simulator, headers={"Authorization": "Bearer not-a-token", "X-Tenant": 'a"b<c>\\d'})
    assert response.status_code == 401
    assert read(response.text) == {"Authorization": "Bearer not-a-token", "X-Tenant": 'a"b<c>\\d'}


def test_echo_pad_puts_dots_before_the_echo_and_successes_are_untouched(simulator):
    simulator.configure(echo_credentials="raw", echo_pad=7)
    assert get(simulator, "/Nowhere", headers={"Authorization": BASIC}).text.startswith(".......Authorization: Basic ")
    with simulator.session("approver1") as session:
        assert session.get(simulator.api_url + PROBE, timeout=10).json()[0].startswith("GET ")


def test_the_token_endpoint_echoes_its_form_as_sent_and_the_client_secret_decoded(simulator):
    simulator.configure(echo_credentials="raw")
    with simulator.session() as session:
        response = session.post(simulator.token_url, timeout=10, data={
            "grant_type": "client_credentials", "client_id": "kf-approver-client", "client_secret": "Wr0ng+secret/!"})
    assert response.status_code == 401
    assert response.text.endswith("form: grant_type=client_credentials&client_id=kf-approver-client&"
                                  "client_secret=Wr0ng%2Bsecret%2F%21; client_secret: Wr0ng+secret/!")


def test_injected_answers_are_never_echoed(simulator):
    simulator.configure(echo_credentials="raw")
    simulator.inject(method="GET", path=PROBE + "$", status=500, body="<html>canned</html>",
                     headers={"Content-Type": "text/html"})
    assert get(simulator, headers={"Authorization": BASIC}).text == "<html>canned</html>"


# --- the proxy ------------------------------------------------------------------------------------------------------

PROXY_PASSWORD = "Pr0xy@pass!"


@pytest.fixture(name="proxied")
def proxied_simulator(simulator_factory):
    return simulator_factory("--proxy-credentials", "proxyuser:" + PROXY_PASSWORD)


def through_proxy(simulator, password):
    session = requests.Session()
    session.trust_env = False
    proxy = simulator.proxy_url.replace("http://", "http://proxyuser:%s@" % password.replace("@", "%40"))
    with session:
        return session.get(simulator.api_url + PROBE, verify=simulator.ca_cert, auth=simulator.basic_auth("approver1"),
                           headers=REQUESTED_WITH, proxies={"https": proxy}, timeout=10)


def test_the_proxy_tunnels_to_the_simulator_for_the_right_credentials(proxied):
    assert proxied.proxy_url.startswith("http://127.0.0.1:")
    assert through_proxy(proxied, PROXY_PASSWORD).status_code == 200
    refused = "Tunnel connection failed: 407 Proxy Authentication Required'"  # the phrase ends there: no echo
    with pytest.raises(requests.exceptions.ProxyError, match=refused):
        through_proxy(proxied, "wrong")
    connects = [entry for entry in proxied.audit()["requests"] if entry["method"] == "CONNECT"]
    assert [(entry["path"], entry["status"], entry["auth"]) for entry in connects] == [
        (proxied.host, 200, "basic"), (proxied.host, 407, "basic")]
    assert all("Proxy-Authorization" not in entry["headers"] for entry in connects)


def test_a_proxy_switched_to_refuse_refuses_the_right_credentials_too(proxied):
    proxied.configure(proxy_refuse=True)
    with pytest.raises(requests.exceptions.ProxyError, match="407"):
        through_proxy(proxied, PROXY_PASSWORD)
    proxied.configure(proxy_refuse=False)
    assert through_proxy(proxied, PROXY_PASSWORD).status_code == 200


def test_the_proxy_listens_on_the_port_asked_for(simulator_factory):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    proxied = simulator_factory("--proxy-credentials", "proxyuser:" + PROXY_PASSWORD, "--proxy-port", str(port))
    assert proxied.proxy_url == "http://127.0.0.1:%d" % port
    assert through_proxy(proxied, PROXY_PASSWORD).status_code == 200


def test_a_hostile_proxy_echoes_the_credentials_in_its_reason_phrase(proxied):
    proxied.configure(echo_credentials="raw")
    with pytest.raises(requests.exceptions.ProxyError) as caught:
        through_proxy(proxied, "Wr0ng@pass")
    echoed = base64.b64encode(b"proxyuser:Wr0ng@pass").decode()
    phrase = "407 Proxy Authentication Required Proxy-Authorization: Basic %s; credentials: proxyuser:Wr0ng@pass"
    assert phrase % echoed in str(caught.value)


def test_the_proxy_refuses_other_targets_and_methods(proxied):
    session = requests.Session()
    session.trust_env = False
    with session:
        plain = session.get(proxied.proxy_url + "/anything", timeout=10)
        assert plain.status_code == 405
        with pytest.raises(requests.exceptions.ProxyError, match="403"):
            session.get("https://127.0.0.1:1/", proxies={"https": proxied.proxy_url.replace(
                "http://", "http://proxyuser:%s@" % PROXY_PASSWORD.replace("@", "%40"))}, timeout=10)
