# Copyright: (c) 2026, keyfactor.command contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fault injection: seeded 503s, connection resets, lost responses, latency and canned responses."""

import pytest
import requests

from kfsim.testing import default_instance_id

PROBE = "/Status/Endpoints"
APPROVE = {"SignalKey": "RequireApproval1.ApprovalStatus", "Data": {"Approved": "True"}}


def probe(simulator, count):
    with simulator.session("approver1") as session:
        return [session.get(simulator.api_url + PROBE, timeout=10) for _attempt in range(count)]


def probe_statuses(simulator, count):
    return [response.status_code for response in probe(simulator, count)]


def signal_url(simulator, number):
    return "%s/Workflow/Instances/%s/Signals" % (simulator.api_url, default_instance_id(number))


def status_of(simulator, number):
    with simulator.session("approver1") as session:
        return session.get("%s/Workflow/Instances/%s" % (simulator.api_url, default_instance_id(number)),
                           timeout=10).json()["Status"]


def test_a_share_of_requests_get_503_with_retry_after_reproducibly_per_seed(simulator):
    simulator.configure(fault_503=0.5, seed=7, retry_after=3)
    first = probe(simulator, 40)
    statuses = [response.status_code for response in first]
    assert set(statuses) == {200, 503}
    for response in first:
        assert response.headers.get("Retry-After") == ("3" if response.status_code == 503 else None)
    unavailable = next(response for response in first if response.status_code == 503)
    assert set(unavailable.json()) == {"ErrorCode", "Message"}
    simulator.configure(seed=7)
    assert probe_statuses(simulator, 40) == statuses
    simulator.configure(seed=8)
    assert probe_statuses(simulator, 40) != statuses


def test_503_faults_are_recorded_in_the_audit(simulator):
    simulator.configure(fault_503=0.5, seed=3)
    statuses = probe_statuses(simulator, 20)
    entries = simulator.audit()["requests"]
    assert [entry["status"] for entry in entries] == statuses
    assert [entry["fault"] == "503" for entry in entries] == [status == 503 for status in statuses]


def test_a_reset_fault_drops_the_connection_before_anything_happens(simulator):
    simulator.configure(fault_reset=1.0)
    with simulator.session("approver1") as session:
        with pytest.raises(requests.ConnectionError) as raised:
            session.post(signal_url(simulator, 1), json=APPROVE, timeout=10)
    assert "reset" in str(raised.value).lower() or "aborted" in str(raised.value).lower()
    simulator.configure(fault_reset=0.0)
    assert status_of(simulator, 1) == "Suspended"
    audit = simulator.audit()
    assert audit["signals"] == []
    assert (audit["requests"][0]["fault"], audit["requests"][0]["status"]) == ("reset", None)


def test_a_lost_response_applies_the_signal_exactly_once(simulator):
    simulator.configure(fault_lost_response=1.0)
    with simulator.session("approver1") as session:
        with pytest.raises(requests.ConnectionError):
            session.post(signal_url(simulator, 4), json=APPROVE, timeout=10)
        retried = session.post(signal_url(simulator, 4), json=APPROVE, timeout=10)
    assert retried.status_code == 400  # the retry is a repeat: the first signal counted
    audit = simulator.audit()
    assert [(entry["caller"], entry["counted"]) for entry in audit["signals"]] == [("KEYEXAMPLE\\approver1", True)]
    assert [entry["fault"] for entry in audit["requests"]] == ["lost_response", None]
    assert audit["signals"][0]["request_seq"] == audit["requests"][0]["seq"]


def test_lost_responses_apply_only_to_signals(simulator):
    simulator.configure(fault_lost_response=1.0)
    assert probe_statuses(simulator, 3) == [200, 200, 200]


def test_latency_delays_api_answers(simulator):
    simulator.configure(latency_ms=3000)
    with simulator.session("approver1") as session:
        with pytest.raises(requests.Timeout):
            session.get(simulator.api_url + PROBE, timeout=0.5)
    assert simulator.configure(latency_ms=0)["latency_ms"] == 0


def test_control_endpoints_are_never_faulted(simulator):
    simulator.configure(fault_reset=1.0, latency_ms=3000)
    assert simulator.audit()["requests"] == []
    assert simulator.configure(fault_reset=0.0)["fault_reset"] == 0.0


def test_the_token_endpoint_is_faulted_only_when_switched_on(simulator):
    simulator.configure(fault_503=1.0)
    assert simulator.token("kf-approver-client")
    simulator.configure(fault_token="on")
    with simulator.session() as session:
        response = session.post(simulator.token_url, timeout=10, data={
            "grant_type": "client_credentials", "client_id": "kf-approver-client",
            "client_secret": "S3cret-kf-approver-client!"})
    assert response.status_code == 503


def test_injected_html_500_then_normal_answers(simulator):
    injected = simulator.inject(method="GET", path="/Status/Endpoints$", status=500, times=2,
                                body="<html><body>Server Error</body></html>", headers={"Content-Type": "text/html"})
    assert injected["times"] == 2
    with simulator.session("approver1") as session:
        responses = [session.get(simulator.api_url + PROBE, timeout=10) for _attempt in range(3)]
    assert [response.status_code for response in responses] == [500, 500, 200]
    assert responses[0].text == "<html><body>Server Error</body></html>"
    assert responses[0].headers["Content-Type"] == "text/html"
    assert [entry["fault"] for entry in simulator.audit()["requests"]] == ["injected", "injected", None]


def test_injection_matches_method_and_path(simulator):
    simulator.inject(method="POST", path="/Signals$", status=502, body="")
    with simulator.session("approver1") as session:
        assert session.get(simulator.api_url + PROBE, timeout=10).status_code == 200
        response = session.post(signal_url(simulator, 1), json=APPROVE, timeout=10)
    assert (response.status_code, response.content) == (502, b"")
    assert status_of(simulator, 1) == "Suspended"


def test_injected_invalid_json_and_huge_bodies(simulator):
    simulator.inject(path="/Workflow/Instances$", status=200, body='[{"Id": ')
    simulator.inject(path="/Workflow/Instances$", status=200, body="[0123456789]", repeat_body=1_000_000)
    with simulator.session("approver1") as session:
        broken = session.get(simulator.api_url + "/Workflow/Instances", timeout=10)
        huge = session.get(simulator.api_url + "/Workflow/Instances", timeout=30)
    assert broken.headers["Content-Type"].startswith("application/json")
    with pytest.raises(ValueError):
        broken.json()
    assert len(huge.content) == 12_000_000


@pytest.mark.parametrize("spec", [{}, {"path": "("}, {"path": "x", "status": 99}, {"path": "x", "times": 0},
                                  {"path": "x", "body": 5}])
def test_bad_injections_are_rejected(simulator, spec):
    with simulator.session() as session:
        response = session.post(simulator.control_url + "/inject", json=spec, timeout=10)
    assert response.status_code == 400
    assert response.json()["error"]
