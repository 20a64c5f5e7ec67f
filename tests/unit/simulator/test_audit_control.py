# Copyright: (c) 2026, keyfactor.command contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The control endpoints under /_sim/ and the audit, which never holds a secret."""

import base64
import json
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from kfsim.scenario import BUNDLED_DIR
from kfsim.testing import default_instance_id

REQUEST_KEYS = {"seq", "method", "path", "query", "headers", "caller", "auth", "status", "fault"}
SIGNAL_KEYS = {"seq", "request_seq", "instance_id", "signal_key", "caller", "data", "counted"}


def control(simulator, method, path, body=None):
    with simulator.session() as session:
        return session.request(method, simulator.control_url + path, json=body, timeout=10)


def test_audit_records_requests_and_accepted_signals(simulator):
    with simulator.session("approver1") as session:
        session.get(simulator.api_url + "/Workflow/Instances", params={"ReturnLimit": "2"}, timeout=10)
        session.post("%s/Workflow/Instances/%s/Signals" % (simulator.api_url, default_instance_id(1)), timeout=10,
                     json={"SignalKey": "RequireApproval1.ApprovalStatus", "Data": {"Approved": "True", "Comment": "ok"}})
        session.post("%s/Workflow/Instances/%s/Signals" % (simulator.api_url, default_instance_id(1)), timeout=10,
                     json={"SignalKey": "RequireApproval1.ApprovalStatus", "Data": {"Approved": "True"}})
    audit = simulator.audit()
    listing, accepted, refused = audit["requests"]
    assert all(set(entry) == REQUEST_KEYS for entry in audit["requests"])
    assert (listing["method"], listing["path"], listing["query"], listing["status"]) == (
        "GET", "/KeyfactorAPI/Workflow/Instances", {"ReturnLimit": "2"}, 200)
    assert (accepted["status"], refused["status"]) == (204, 400)
    assert listing["headers"]["X-Keyfactor-Requested-With"] == "APIClient"
    assert listing["headers"]["User-Agent"].startswith("python-requests/")
    assert "Authorization" not in listing["headers"]
    [signal] = audit["signals"]
    assert set(signal) == SIGNAL_KEYS
    assert signal == {"seq": signal["seq"], "request_seq": accepted["seq"], "instance_id": default_instance_id(1),
                      "signal_key": "RequireApproval1.ApprovalStatus", "caller": "KEYEXAMPLE\\approver1",
                      "data": {"Approved": "True", "Comment": "ok"}, "counted": True}
    assert audit["last_seq"] == max(entry["seq"] for entry in audit["requests"] + audit["signals"])
    later = simulator.audit(since=accepted["seq"])
    assert [entry["seq"] for entry in later["requests"]] == [refused["seq"]]
    assert later["signals"] == [signal]


def test_requests_outside_the_api_are_audited_as_404(simulator):
    with simulator.session("approver1") as session:
        assert session.get(simulator.url + "/favicon.ico", timeout=10).status_code == 404
    assert simulator.audit()["requests"][0]["path"] == "/favicon.ico"


def test_the_audit_never_holds_a_password_token_or_authorization_value(simulator):
    password = simulator.user("approver1")["password"]
    secret = simulator.client("kf-approver-client")["client_secret"]
    token = simulator.token("kf-approver-client")
    with simulator.session() as session:
        session.get(simulator.api_url + "/Status/Endpoints", auth=("KEYEXAMPLE\\approver1", password), timeout=10)
        session.get(simulator.api_url + "/Status/Endpoints", auth=("KEYEXAMPLE\\approver1", "wrong-" + password),
                    timeout=10)
        session.post(simulator.token_url, auth=("kf-approver-client", secret), timeout=10,
                     data={"grant_type": "client_credentials"})
        session.post(simulator.token_url + "?client_secret=" + secret, timeout=10,
                     data={"grant_type": "client_credentials", "client_id": "kf-approver-client", "client_secret": secret})
        session.get(simulator.api_url + "/Status/Endpoints", timeout=10,
                    headers={"Authorization": "Bearer " + token, "X-Api-Key": secret, "Cookie": "s=" + secret})
        session.post("%s/Workflow/Instances/%s/Signals" % (simulator.api_url, default_instance_id(1)), timeout=10,
                     headers={"Authorization": "Bearer " + token},
                     json={"SignalKey": "RequireApproval1.ApprovalStatus", "Data": {"Approved": True}})
    text = json.dumps(simulator.audit())
    basic = base64.b64encode(("KEYEXAMPLE\\approver1:" + password).encode()).decode()
    for forbidden in (password, secret, token, basic, "Authorization", "Bearer "):
        assert forbidden not in text
    assert "<redacted>" in text
    assert len(simulator.audit()["requests"]) == 7


def test_reset_reloads_the_startup_scenario_and_switches(simulator):
    simulator.configure(status_format="int")
    with simulator.session("approver1") as session:
        session.delete("%s/Workflow/Instances/%s" % (simulator.api_url, default_instance_id(1)), timeout=10)
    summary = simulator.reset()
    assert (summary["instances"], summary["definitions"]) == (18, 6)
    assert summary["switches"]["status_format"] == "name"
    assert simulator.audit() == {"requests": [], "signals": [], "operations": [], "last_seq": 0}


def test_a_request_in_flight_during_a_reset_stays_in_its_own_world(simulator):
    """A slow request (one a client may have given up on) must not change the state or audit after a reset."""
    simulator.configure(latency_ms=800)
    with simulator.session("approver1") as session, ThreadPoolExecutor(1) as executor:
        in_flight = executor.submit(
            session.post, "%s/Workflow/Instances/%s/Signals" % (simulator.api_url, default_instance_id(1)), timeout=10,
            json={"SignalKey": "RequireApproval1.ApprovalStatus", "Data": {"Approved": "True"}})
        time.sleep(0.3)
        simulator.reset()
        assert in_flight.result().status_code == 204
    audit = simulator.audit()
    assert audit["requests"] == [] and audit["signals"] == []
    with simulator.session("approver1") as session:
        instance = session.get("%s/Workflow/Instances/%s" % (simulator.api_url, default_instance_id(1)), timeout=10).json()
    assert instance["Signals"][0]["SignalReceived"] is False


def test_reset_loads_an_inline_scenario(simulator):
    summary = simulator.load({
        "roles": [{"id": 1, "name": "Approver"}],
        "users": [{"name": "alice", "password": "S3cret-alice!", "roles": ["Approver"]}],
        "definitions": [{"id": "11111111-1111-4111-8111-111111111111", "name": "tiny", "workflow_type": "Enrollment",
                         "versions": [{"version": 1, "steps": [
                             {"unique_name": "StartNOOP"},
                             {"unique_name": "Gate", "extension_name": "RequireApproval",
                              "signals": [{"name": "ApprovalStatus", "roles": ["Approver"]}]},
                             {"unique_name": "EndNOOP"}]}]}],
        "instances": [{"id": "22222222-2222-4222-8222-222222222222", "reference_id": 1, "definition": "tiny",
                       "initiated_by": "KEYEXAMPLE\\alice", "start_date": "2024-01-01"}],
    })
    assert (summary["instances"], summary["definitions"]) == (1, 1)
    with simulator.session("alice") as session:
        url = simulator.api_url + "/Workflow/Instances/22222222-2222-4222-8222-222222222222"
        assert session.get(url, timeout=10).json()["CurrentStepUniqueName"] == "Gate"
        assert session.post(url + "/Signals", json={"SignalKey": "Gate.ApprovalStatus", "Data": {"Approved": True}},
                            timeout=10).status_code == 204
        assert session.get(url, timeout=10).json()["Status"] == "Complete"


def test_reset_loads_a_scenario_file_in_json(simulator, tmp_path):
    path = tmp_path / "scenario.json"
    path.write_text(json.dumps({"extends": str(BUNDLED_DIR / "default.yaml"), "instances": [
        {"id": "33333333-3333-4333-8333-333333333333", "reference_id": 5000, "definition": "enroll-dual",
         "initiated_by": "KEYEXAMPLE\\noroles", "start_date": "2024-06-01T00:00:00Z"}]}))
    assert simulator.load(path)["instances"] == 19
    assert simulator.user("noroles")["password"] == "S3cret-noroles!"


@pytest.mark.parametrize("body, message", [
    ({"scenario": {"definitions": [{"id": "x"}]}}, "'x' is not a GUID"),
    ({"scenario_file": "/nonexistent/scenario.yaml"}, "cannot read scenario"),
    ({"scenario": {}, "scenario_file": "x"}, "not both"),
    ({"scenario": "default.yaml"}, "must be a JSON object"),
])
def test_a_bad_scenario_is_400_and_keeps_the_current_state(simulator, body, message):
    response = control(simulator, "POST", "/reset", body)
    assert response.status_code == 400
    assert message in response.json()["error"]
    with simulator.session("approver1") as session:
        assert session.get(simulator.api_url + "/Workflow/Instances", timeout=10).headers["x-total-count"] == "18"


def test_config_returns_and_changes_every_switch(simulator):
    shown = control(simulator, "GET", "/config").json()
    assert set(shown) == {"api_path", "status_format", "total_count", "signal_received", "repeat_signal",
                          "unknown_id_status", "require_requested_with", "advance_delay", "token_lifetime", "fault_503",
                          "retry_after", "fault_reset", "fault_lost_response", "latency_ms", "seed", "fault_token",
                          "product_version", "ignore_page_returned", "ignore_return_limit", "max_return_limit",
                          "signal_answer", "lifecycle_answer", "stop_status", "delete_refuses", "key_case", "null_fields", "omit_fields",
                          "signal_visibility",
                          "status_codes", "echo_credentials", "echo_pad", "proxy_refuse"}
    changed = simulator.configure(total_count="off", unknown_id_status="400", fault_503="0.25", product_version="11.0.1")
    assert (changed["total_count"], changed["unknown_id_status"], changed["fault_503"], changed["product_version"]) == (
        False, 400, 0.25, "11.0.1")
    assert control(simulator, "GET", "/config").json() == changed
    with simulator.session("approver1") as session:
        unknown = session.get(simulator.api_url + "/Workflow/Instances/0badc0de-0000-4000-8000-000000000000", timeout=10)
        listed = session.get(simulator.api_url + "/Workflow/Instances", timeout=10)
    assert (unknown.status_code, unknown.headers["x-keyfactor-product-version"]) == (400, "11.0.1")
    assert "x-total-count" not in listed.headers


@pytest.mark.parametrize("body, message", [
    ({"nope": 1}, "unknown switch 'nope'"), ({"fault_503": 2}, "between 0 and 1"),
    ({"status_format": "xml"}, "expected one of name, int"), ({"total_count": "maybe"}, "expected on or off"),
    ({"latency_ms": -1}, ">= 0"), ({"seed": "abc"}, "expected a number"), ({"api_path": " "}, "URL path"),
])
def test_config_rejects_unknown_switches_and_bad_values(simulator, body, message):
    response = control(simulator, "POST", "/config", body)
    assert response.status_code == 400
    assert message in response.json()["error"]


def test_api_path_can_change_at_runtime(simulator):
    simulator.configure(api_path="Keyfactor/API")
    with simulator.session("approver1") as session:
        assert session.get(simulator.url + "/Keyfactor/API/Status/Endpoints", timeout=10).status_code == 200
        assert session.get(simulator.url + "/KeyfactorAPI/Status/Endpoints", timeout=10).status_code == 404


def test_unknown_control_paths_are_404_and_wrong_methods_405(simulator):
    assert control(simulator, "GET", "/nothing").status_code == 404
    assert control(simulator, "POST", "/audit").status_code == 405
