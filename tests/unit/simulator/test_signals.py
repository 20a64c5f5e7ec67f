# Copyright: (c) 2026, keyfactor.command contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""POST /Workflow/Instances/{id}/Signals and the approval engine (reference 4 and 6)."""

import json
import time

import pytest

from kfsim.testing import default_instance_id

APPROVAL = "RequireApproval1.ApprovalStatus"


def send(simulator, number, key=APPROVAL, data=None, user="approver1", body=None):
    body = {"SignalKey": key, "Data": {"Approved": "True"} if data is None else data} if body is None else body
    with simulator.session(user) as session:
        return session.post("%s/Workflow/Instances/%s/Signals" % (simulator.api_url, default_instance_id(number)),
                            json=body, timeout=10)


def read(simulator, number, user="approver1"):
    with simulator.session(user) as session:
        return session.get("%s/Workflow/Instances/%s" % (simulator.api_url, default_instance_id(number)),
                           timeout=10).json()


def assert_error(response, status, message):
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"ErrorCode", "Message"}
    assert message in body["Message"]


def test_one_approval_advances_through_the_remaining_steps_to_complete(simulator):
    before = read(simulator, 1)
    response = send(simulator, 1)
    assert response.status_code == 204
    assert response.content == b""
    after = read(simulator, 1)
    assert after["Status"] == "Complete"
    assert after["CurrentStepUniqueName"] == "EndNOOP"
    assert after["Signals"] == []
    assert after["LastModified"] > before["LastModified"]


@pytest.mark.parametrize("approved", [True, "True", "true", " TRUE "])
def test_approved_accepts_a_json_boolean_or_a_true_string(simulator, approved):
    assert send(simulator, 1, data={"Approved": approved, "Comment": "CHG0012345"}).status_code == 204
    assert read(simulator, 1)["Status"] == "Complete"


@pytest.mark.parametrize("approved", [False, "False", "false"])
def test_a_single_deny_rejects_the_instance(simulator, approved):
    assert send(simulator, 4, data={"Approved": approved}, user="approver2").status_code == 204
    instance = read(simulator, 4)
    assert instance["Status"] == "Rejected"
    assert instance["CurrentStepUniqueName"] == "RequireApproval1"
    assert "KEYEXAMPLE\\approver2" in instance["StatusMessage"]


@pytest.mark.parametrize("data", [{"Approved": "yes"}, {"Approved": 1}, {"Approved": None}, {"Comment": "no verdict"},
                                  {"approved": True}])
def test_approved_must_be_true_or_false(simulator, data):
    assert_error(send(simulator, 1, data=data), 400, "Data.Approved must be true or false")
    assert read(simulator, 1)["Status"] == "Suspended"


def test_dual_approval_needs_two_distinct_approvers(simulator):
    assert send(simulator, 4, user="approver1").status_code == 204
    first = read(simulator, 4, user="approver1")
    assert first["Status"] == "Suspended"
    assert first["Signals"][0]["SignalReceived"] is True
    assert read(simulator, 4, user="approver2")["Signals"][0]["SignalReceived"] is False
    assert send(simulator, 4, user="approver2").status_code == 204
    assert read(simulator, 4)["Status"] == "Complete"


def test_a_preexisting_approval_counts_toward_the_required_number(simulator):
    assert read(simulator, 5, user="approver1")["Signals"][0]["SignalReceived"] is True
    assert send(simulator, 5, user="approver3").status_code == 204
    assert read(simulator, 5)["Status"] == "Complete"


def test_a_repeated_signal_is_rejected_by_default(simulator):
    assert_error(send(simulator, 5, user="approver1"), 400, "has already sent")
    assert read(simulator, 5)["Status"] == "Suspended"


def test_a_repeated_signal_is_accepted_but_not_counted_when_the_switch_says_ignore(simulator):
    simulator.configure(repeat_signal="ignore")
    response = send(simulator, 5, user="approver1")
    assert response.status_code == 204
    assert read(simulator, 5)["Status"] == "Suspended"
    assert [entry["counted"] for entry in simulator.audit()["signals"]] == [False]


def test_a_repeated_deny_from_the_same_user_is_a_repeat_too(simulator):
    assert_error(send(simulator, 5, user="approver1", data={"Approved": "False"}), 400, "has already sent")
    assert read(simulator, 5)["Status"] == "Suspended"


def test_signal_received_per_step_reports_any_callers_signal(simulator):
    assert send(simulator, 4, user="approver1").status_code == 204
    simulator.configure(signal_received="per-step")
    assert read(simulator, 4, user="approver2")["Signals"][0]["SignalReceived"] is True
    assert read(simulator, 4, user="secadmin")["Signals"][0]["SignalReceived"] is True


def test_two_stage_revocation_needs_each_stage_role_in_turn(simulator):
    assert_error(send(simulator, 6, user="secadmin"), 403, "holds none of the roles")
    assert send(simulator, 6, user="approver1").status_code == 204
    stage_two = read(simulator, 6)
    assert (stage_two["Status"], stage_two["CurrentStepUniqueName"]) == ("Suspended", "RequireApproval2")
    assert_error(send(simulator, 6, key="RequireApproval2.ApprovalStatus", user="approver1"), 403, "holds none")
    assert send(simulator, 6, key="RequireApproval2.ApprovalStatus", user="secadmin").status_code == 204
    done = read(simulator, 6)
    assert (done["Status"], done["CurrentStepUniqueName"]) == ("Complete", "EndNOOP")


@pytest.mark.parametrize("number, key, message", [
    (6, "RequireApproval2.ApprovalStatus", "is not for the current step 'RequireApproval1'"),
    (1, "Enroll.ApprovalStatus", "is not for the current step 'RequireApproval1'"),
    (1, "RequireApproval1.Proceed", "is not a signal of the current step"),
    (8, "ManagerApproval.ApprovalStatus", "accepted: RequireApproval1.ApprovalStatus"),
])
def test_signals_only_for_the_current_step(simulator, number, key, message):
    assert_error(send(simulator, number, key=key), 400, message)


@pytest.mark.parametrize("number, status", [(10, "Complete"), (11, "Rejected"), (12, "Failed"),
                                            (13, "CanceledForRestart"), (14, "Running")])
def test_signals_only_while_suspended(simulator, number, status):
    assert_error(send(simulator, number), 400, "is %s; signals are accepted only while it is Suspended" % status)


@pytest.mark.parametrize("user", ["requester", "noroles"])
def test_a_caller_without_the_signal_role_gets_403(simulator, user):
    assert_error(send(simulator, 1, user=user), 403, "holds none of the roles (3)")
    assert read(simulator, 1)["Status"] == "Suspended"


def test_oauth_client_identities_carry_roles(simulator):
    with simulator.session(client="kf-approver-client") as session:
        url = "%s/Workflow/Instances/%s/Signals" % (simulator.api_url, default_instance_id(2))
        assert session.post(url, json={"SignalKey": APPROVAL, "Data": {"Approved": True}}, timeout=10).status_code == 204
    with simulator.session(client="kf-noroles-client") as session:
        url = "%s/Workflow/Instances/%s/Signals" % (simulator.api_url, default_instance_id(3))
        assert session.post(url, json={"SignalKey": APPROVAL, "Data": {"Approved": True}}, timeout=10).status_code == 403
    assert [entry["caller"] for entry in simulator.audit()["signals"]] == ["svc-kf-approver"]


def test_a_non_approval_signal_step_advances_on_one_signal(simulator):
    assert send(simulator, 16, key="ReviewGate.Proceed", data={}).status_code == 204
    instance = read(simulator, 16)
    assert (instance["Status"], instance["CurrentStepUniqueName"]) == ("Complete", "EndNOOP")


@pytest.mark.parametrize("body, message", [
    ([], "must be a JSON object"),
    ({"Data": {"Approved": True}}, "SignalKey must be"),
    ({"SignalKey": "RequireApproval1", "Data": {}}, "SignalKey must be"),
    ({"SignalKey": "RequireApproval1.", "Data": {}}, "SignalKey must be"),
    ({"SignalKey": 7, "Data": {}}, "SignalKey must be"),
    ({"SignalKey": APPROVAL}, "Data must be a JSON object"),
    ({"SignalKey": APPROVAL, "Data": ["Approved"]}, "Data must be a JSON object"),
    ({"SignalKey": APPROVAL, "Data": "Approved"}, "Data must be a JSON object"),
])
def test_malformed_bodies_are_400(simulator, body, message):
    assert_error(send(simulator, 1, body=body), 400, message)


def test_property_names_of_the_body_are_case_insensitive(simulator):
    assert send(simulator, 1, body={"signalKey": APPROVAL, "data": {"Approved": True}}).status_code == 204


@pytest.mark.parametrize("content_type, status", [
    ("application/json", 204), ("text/json", 204), ("application/json-patch+json", 204),
    ("application/vnd.keyfactor+json; charset=utf-8", 204), ("text/plain", 415),
])
def test_json_media_types(simulator, content_type, status):
    body = json.dumps({"SignalKey": APPROVAL, "Data": {"Approved": True}})
    with simulator.session("approver1") as session:
        response = session.post("%s/Workflow/Instances/%s/Signals" % (simulator.api_url, default_instance_id(1)),
                                data=body, headers={"Content-Type": content_type}, timeout=10)
    assert response.status_code == status


def test_invalid_json_is_400(simulator):
    with simulator.session("approver1") as session:
        response = session.post("%s/Workflow/Instances/%s/Signals" % (simulator.api_url, default_instance_id(1)),
                                data="{not json", headers={"Content-Type": "application/json"}, timeout=10)
    assert_error(response, 400, "not valid JSON")


def test_unknown_and_malformed_instance_ids(simulator):
    with simulator.session("approver1") as session:
        body = {"SignalKey": APPROVAL, "Data": {"Approved": True}}
        unknown = session.post(simulator.api_url + "/Workflow/Instances/0badc0de-0000-4000-8000-000000000000/Signals",
                               json=body, timeout=10)
        malformed = session.post(simulator.api_url + "/Workflow/Instances/1001/Signals", json=body, timeout=10)
    assert_error(unknown, 404, "was not found")
    assert_error(malformed, 400, "not a valid GUID")


def test_advance_delay_keeps_the_instance_suspended_for_a_while_after_a_counted_signal(simulator):
    simulator.configure(advance_delay=1.0)
    assert send(simulator, 1).status_code == 204
    during = read(simulator, 1)
    assert during["Status"] == "Suspended"
    assert during["Signals"][0]["SignalReceived"] is True
    with simulator.session("approver1") as session:
        assigned = session.get(simulator.api_url + "/Workflow/Instances/AssignedToMe", timeout=10).json()
    assert default_instance_id(1) not in [item["Id"] for item in assigned]
    deadline = time.monotonic() + 15
    while read(simulator, 1)["Status"] == "Suspended" and time.monotonic() < deadline:
        time.sleep(0.05)
    assert read(simulator, 1)["Status"] == "Complete"
