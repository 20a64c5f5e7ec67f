# Copyright: (c) 2026, keyfactor.command contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""POST .../Stop, POST .../Restart[?version=N] and DELETE .../{id} (reference 2, rows 6-8, and 6)."""

import pytest
import requests

from kfsim.testing import default_instance_id


def call(simulator, method, number, operation="", user="approver1", **params):
    path = "%s/Workflow/Instances/%s%s" % (simulator.api_url, default_instance_id(number), operation)
    with simulator.session(user) as session:
        return session.request(method, path, params=params, timeout=10)


def instances_titled(simulator, title):
    with simulator.session("approver1") as session:
        return session.get(simulator.api_url + "/Workflow/Instances", timeout=10, params={
            "QueryString": 'Title -eq "%s"' % title.replace("\\", "\\\\"), "SortField": "ReferenceId"}).json()


def test_stop_rejects_a_suspended_instance(simulator):
    response = call(simulator, "POST", 1, "/Stop")
    assert response.status_code == 204
    assert response.content == b""
    instance = call(simulator, "GET", 1).json()
    assert instance["Status"] == "Rejected"
    assert instance["Signals"] == []
    assert "KEYEXAMPLE\\approver1" in instance["StatusMessage"]


@pytest.mark.parametrize("number", [10, 11, 12, 13, 14])
def test_stop_needs_a_suspended_instance(simulator, number):
    response = call(simulator, "POST", number, "/Stop")
    assert response.status_code == 400
    assert "only Suspended instances can be stopped" in response.json()["Message"]


@pytest.mark.parametrize("number, restarted_status, restarted_step", [
    (12, "Suspended", "RequireApproval1"),  # Failed at Enroll -> restarted from the beginning
    (1, "Suspended", "RequireApproval1"),
    (18, "Suspended", "RequireApproval1"),  # Failed at Revoke, two-stage definition starts over
])
def test_restart_cancels_the_instance_and_starts_a_new_one(simulator, number, restarted_status, restarted_step):
    original = call(simulator, "GET", number).json()
    assert call(simulator, "POST", number, "/Restart").status_code == 204
    old = call(simulator, "GET", number).json()
    assert old["Status"] == "CanceledForRestart"
    copies = instances_titled(simulator, original["Title"])
    assert [copy["Id"] for copy in copies][0] == original["Id"]
    new = copies[1]
    assert new["Id"] != original["Id"]
    assert new["ReferenceId"] > 1018
    assert (new["Status"], new["CurrentStepUniqueName"]) == (restarted_status, restarted_step)
    assert new["StartDate"] > original["StartDate"]


def test_restart_with_a_version_starts_that_definition_version(simulator):
    assert call(simulator, "POST", 8, "/Restart", version=2).status_code == 204
    title = call(simulator, "GET", 8).json()["Title"]
    new = instances_titled(simulator, title)[1]
    assert new["Definition"]["Version"] == 2
    assert new["CurrentStepUniqueName"] == "ManagerApproval"


@pytest.mark.parametrize("version, message", [("3", "has no version 3"), ("zero", "version must be a positive"),
                                              ("0", "version must be a positive")])
def test_restart_rejects_bad_versions(simulator, version, message):
    response = call(simulator, "POST", 8, "/Restart", version=version)
    assert response.status_code == 400
    assert message in response.json()["Message"]
    assert call(simulator, "GET", 8).json()["Status"] == "Suspended"


@pytest.mark.parametrize("number", [10, 11, 13, 14])
def test_restart_needs_a_failed_or_suspended_instance(simulator, number):
    response = call(simulator, "POST", number, "/Restart")
    assert response.status_code == 400
    assert "only Failed or Suspended instances can be restarted" in response.json()["Message"]


def test_delete_removes_the_instance(simulator):
    response = call(simulator, "DELETE", 10)
    assert response.status_code == 204
    assert response.content == b""
    assert call(simulator, "GET", 10).status_code == 404
    assert call(simulator, "DELETE", 10).status_code == 404
    with simulator.session("approver1") as session:
        listed = session.get(simulator.api_url + "/Workflow/Instances", timeout=10)
    assert listed.headers["x-total-count"] == "17"


def test_an_unsupported_method_is_405(simulator):
    response = call(simulator, "PUT", 1)
    assert response.status_code == 405
    assert "allowed: DELETE, GET" in response.json()["Message"]


def operations(simulator):
    return [{key: entry[key] for key in ("operation", "instance_id", "caller", "status_before", "version")}
            for entry in simulator.audit()["operations"]]


def test_the_audit_records_each_applied_operation_and_no_refused_one(simulator):
    assert call(simulator, "POST", 1, "/Stop").status_code == 204
    assert call(simulator, "POST", 10, "/Stop").status_code == 400  # refused: not recorded
    assert call(simulator, "POST", 12, "/Restart").status_code == 204
    assert call(simulator, "DELETE", 11, user="approver2").status_code == 204
    assert operations(simulator) == [
        {"operation": "stop", "instance_id": default_instance_id(1), "caller": "KEYEXAMPLE\\approver1",
         "status_before": "Suspended", "version": None},
        {"operation": "restart", "instance_id": default_instance_id(12), "caller": "KEYEXAMPLE\\approver1",
         "status_before": "Failed", "version": 1},
        {"operation": "delete", "instance_id": default_instance_id(11), "caller": "KEYEXAMPLE\\approver2",
         "status_before": "Rejected", "version": None},
    ]
    restart = simulator.audit()["operations"][1]
    title = call(simulator, "GET", 12).json()["Title"]
    assert restart["new_instance_id"] == instances_titled(simulator, title)[1]["Id"]


@pytest.mark.parametrize("stop_status", ["Rejected", "Complete", "Failed"])
def test_stop_status_chooses_what_a_stopped_instance_shows(simulator, stop_status):
    simulator.configure(stop_status=stop_status)
    assert call(simulator, "POST", 2, "/Stop").status_code == 204
    assert call(simulator, "GET", 2).json()["Status"] == stop_status


@pytest.mark.parametrize("refuses, refused", [
    ("none", []), ("running", [14]), ("active", [1, 14]),
])
def test_delete_refuses_chooses_which_instances_cannot_be_deleted(simulator, refuses, refused):
    simulator.configure(delete_refuses=refuses)
    for number in (1, 10, 14):  # Suspended, Complete, Running
        response = call(simulator, "DELETE", number)
        if number in refused:
            assert response.status_code == 400
            assert "cannot be deleted while it is" in response.json()["Message"]
            assert call(simulator, "GET", number).status_code == 200
        else:
            assert response.status_code == 204
            assert call(simulator, "GET", number).status_code == 404
    assert sorted(entry["instance_id"] for entry in operations(simulator)) == sorted(
        default_instance_id(number) for number in (1, 10, 14) if number not in refused)


@pytest.mark.parametrize("answer", ["429", "503"])
def test_lifecycle_answer_says_busy_after_applying_it(simulator, answer):
    simulator.configure(lifecycle_answer=answer, retry_after=3)
    for method, number, operation in (("POST", 2, "/Stop"), ("POST", 12, "/Restart"), ("DELETE", 10, "")):
        response = call(simulator, method, number, operation)
        assert response.status_code == int(answer)
        assert response.headers["Retry-After"] == "3"
    assert call(simulator, "GET", 2).json()["Status"] == "Rejected"
    assert call(simulator, "GET", 12).json()["Status"] == "CanceledForRestart"
    assert call(simulator, "GET", 10).status_code == 404
    assert [entry["operation"] for entry in operations(simulator)] == ["stop", "restart", "delete"]


def test_a_lost_response_applies_the_operation_and_resets_the_connection(simulator):
    simulator.configure(fault_lost_response=1)
    for method, number, operation in (("POST", 2, "/Stop"), ("POST", 12, "/Restart"), ("DELETE", 10, "")):
        with pytest.raises(requests.exceptions.ConnectionError):
            call(simulator, method, number, operation)
    simulator.configure(fault_lost_response=0)
    assert call(simulator, "GET", 2).json()["Status"] == "Rejected"
    assert call(simulator, "GET", 12).json()["Status"] == "CanceledForRestart"
    assert call(simulator, "GET", 10).status_code == 404
    audit = simulator.audit()
    lost = [entry for entry in audit["requests"] if entry["fault"] == "lost_response"]
    assert [(entry["method"], entry["status"]) for entry in lost] == [("POST", None)] * 2 + [("DELETE", None)]
    assert [entry["request_seq"] for entry in audit["operations"]] == [entry["seq"] for entry in lost]


def test_a_refused_operation_never_loses_its_answer(simulator):
    simulator.configure(fault_lost_response=1)
    assert call(simulator, "POST", 10, "/Stop").status_code == 400
    assert simulator.audit()["operations"] == []
