# Copyright: (c) 2026, keyfactor.command contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""POST .../Stop, POST .../Restart[?version=N] and DELETE .../{id} (reference 2, rows 6-8, and 6)."""

import pytest

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
