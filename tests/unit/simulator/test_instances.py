# Copyright: (c) 2026, keyfactor.command contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Instance endpoints: GET by id, the three list endpoints, paging, sorting and parameter spellings (reference 2)."""

import time

import pytest

from kfsim.testing import default_instance_id

SUMMARY_KEYS = {"Id", "Status", "CurrentStepId", "StatusMessage", "Definition", "CurrentStepDisplayName",
                "CurrentStepUniqueName", "Title", "LastModified", "StartDate", "ReferenceId"}
DETAIL_KEYS = SUMMARY_KEYS | {"Signals", "InitialData", "CurrentStateData"}
SUSPENDED = [default_instance_id(n) for n in (1, 2, 3, 4, 5, 6, 7, 8, 9, 16, 17)]


def _get(simulator, path, user="approver1", **params):
    with simulator.session(user) as session:
        return session.get(simulator.api_url + path, params=params, timeout=10)


def test_instance_detail_has_the_documented_pascal_case_shape(simulator):
    response = _get(simulator, "/Workflow/Instances/" + default_instance_id(1))
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.headers["x-keyfactor-product-version"]
    body = response.json()
    assert set(body) == DETAIL_KEYS
    assert set(body["Definition"]) == {"Id", "DisplayName", "Version", "WorkflowType"}
    assert body["Status"] == "Suspended"
    assert body["CurrentStepUniqueName"] == "RequireApproval1"
    assert body["Title"] == "KEYEXAMPLE\\requester is enrolling for a certificate with CN=app01.keyexample.com."
    assert body["ReferenceId"] == 1001
    assert body["StartDate"] == "2024-05-10T09:15:02.120Z"
    assert body["InitialData"]["Template"] == "WebServer"
    assert body["Signals"] == [{"SignalName": "ApprovalStatus", "StepSignalId": body["Signals"][0]["StepSignalId"],
                                "SignalReceived": False}]


@pytest.mark.parametrize("number, status", [(10, "Complete"), (11, "Rejected"), (12, "Failed"),
                                            (13, "CanceledForRestart"), (14, "Running")])
def test_signals_are_empty_unless_suspended(simulator, number, status):
    body = _get(simulator, "/Workflow/Instances/" + default_instance_id(number)).json()
    assert body["Status"] == status
    assert body["Signals"] == []


def test_status_format_int_uses_the_provisional_table(simulator):
    simulator.configure(status_format="int")
    assert _get(simulator, "/Workflow/Instances/" + default_instance_id(1)).json()["Status"] == 2
    listed = _get(simulator, "/Workflow/Instances", ReturnLimit=100).json()
    assert {item["Status"] for item in listed} == {1, 2, 3, 4, 5, 6}


def test_unknown_id_is_404_or_400_by_switch_and_malformed_id_is_400(simulator):
    unknown = "/Workflow/Instances/0badc0de-0000-4000-8000-000000000000"
    response = _get(simulator, unknown)
    assert response.status_code == 404
    assert set(response.json()) == {"ErrorCode", "Message"}
    assert "not found" in response.json()["Message"]
    simulator.configure(unknown_id_status=400)
    response = _get(simulator, unknown)
    assert response.status_code == 400
    assert "not found" in response.json()["Message"]
    malformed = _get(simulator, "/Workflow/Instances/not-a-guid")
    assert malformed.status_code == 400
    assert "not a valid GUID" in malformed.json()["Message"]


def test_paths_match_case_insensitively(simulator):
    with simulator.session("approver1") as session:
        response = session.get(simulator.url + "/keyfactorapi/workflow/instances/" + default_instance_id(1), timeout=10)
    assert response.status_code == 200


def test_list_items_are_summaries_and_the_total_count_header_is_switchable(simulator):
    response = _get(simulator, "/Workflow/Instances")
    assert response.status_code == 200
    items = response.json()
    assert isinstance(items, list) and len(items) == 18
    assert all(set(item) == SUMMARY_KEYS for item in items)
    assert response.headers["x-total-count"] == "18"
    simulator.configure(total_count="off")
    assert "x-total-count" not in _get(simulator, "/Workflow/Instances").headers


def test_paging_is_one_based_and_pages_do_not_overlap(simulator):
    pages = [_get(simulator, "/Workflow/Instances", PageReturned=page, ReturnLimit=5, SortField="ReferenceId").json()
             for page in (1, 2, 3, 4, 5)]
    assert [len(page) for page in pages] == [5, 5, 5, 3, 0]
    references = [item["ReferenceId"] for page in pages for item in page]
    assert references == list(range(1001, 1019))


def test_default_page_size_is_50(simulator):
    simulator.load({"extends": "default.yaml", "generate": [{"count": 60, "definition": "enroll-single"}]})
    response = _get(simulator, "/Workflow/Instances")
    assert len(response.json()) == 50
    assert response.headers["x-total-count"] == "78"


def test_default_sort_is_current_step_display_name_ascending(simulator):
    names = [item["CurrentStepDisplayName"] for item in _get(simulator, "/Workflow/Instances").json()]
    assert names == sorted(names, key=str.casefold)


@pytest.mark.parametrize("field", ["StartDate", "ReferenceId", "Title", "Status"])
def test_sort_ascending_0_is_ascending_and_1_descending(simulator, field):
    ascending = _get(simulator, "/Workflow/Instances", SortField=field, SortAscending=0, ReturnLimit=100).json()
    descending = _get(simulator, "/Workflow/Instances", SortField=field, SortAscending=1, ReturnLimit=100).json()
    key = {"Title": lambda item: item["Title"].casefold(),
           "Status": lambda item: ["Running", "Suspended", "Complete", "Rejected", "Failed",
                                   "CanceledForRestart"].index(item["Status"])}.get(field, lambda item: item[field])
    assert [key(item) for item in ascending] == sorted(key(item) for item in ascending)
    assert [key(item) for item in descending] == sorted((key(item) for item in descending), reverse=True)
    assert [item["Id"] for item in ascending] != [item["Id"] for item in descending]


@pytest.mark.parametrize("query_name", ["QueryString", "querystring", "queryString", "pq.queryString",
                                        "PQ.QueryString", "instanceQuery.queryString", "query.queryString"])
def test_list_parameter_names_are_case_insensitive_and_accept_legacy_prefixes(simulator, query_name):
    response = _get(simulator, "/Workflow/Instances", **{query_name: 'Status -eq "Complete"',
                                                         "pq.returnLimit": "1", "PAGERETURNED": "2"})
    assert response.status_code == 200
    assert [item["Id"] for item in response.json()] == [default_instance_id(15)]
    assert response.headers["x-total-count"] == "2"


@pytest.mark.parametrize("params, named", [
    ({"PageReturned": "0"}, "PageReturned"), ({"PageReturned": "x"}, "PageReturned"),
    ({"ReturnLimit": "0"}, "ReturnLimit"), ({"ReturnLimit": "-5"}, "ReturnLimit"),
    ({"SortAscending": "2"}, "SortAscending"), ({"SortField": "Nope"}, "SortField"),
    ({"QueryString": "Nope -eq 1"}, "QueryString"), ({"QueryString": "x", "pq.queryString": "y"}, "more than once"),
])
def test_invalid_list_parameters_are_400_with_an_error_body(simulator, params, named):
    response = _get(simulator, "/Workflow/Instances", **params)
    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"ErrorCode", "Message"}
    assert body["ErrorCode"].startswith("0x")
    assert named in body["Message"]


@pytest.mark.parametrize("user, expected", [
    ("requester", [1, 2, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 18]),
    ("approver2", [3]),
    ("secadmin", [17]),
    ("noroles", []),
])
def test_my_lists_the_instances_the_caller_started(simulator, user, expected):
    response = _get(simulator, "/Workflow/Instances/My", user=user, SortField="ReferenceId")
    assert [item["Id"] for item in response.json()] == [default_instance_id(n) for n in expected]


@pytest.mark.parametrize("user, expected", [
    ("approver1", [1, 2, 3, 4, 6, 8, 9, 16, 17]),  # not 5: approver1 already approved it
    ("approver2", [1, 2, 3, 4, 5, 6, 8, 9, 16, 17]),
    ("secadmin", [7]),
    ("requester", []),
    ("noroles", []),
])
def test_assigned_to_me_lists_suspended_instances_the_caller_may_still_signal(simulator, user, expected):
    response = _get(simulator, "/Workflow/Instances/AssignedToMe", user=user, SortField="ReferenceId")
    assert [item["Id"] for item in response.json()] == [default_instance_id(n) for n in expected]


def test_assigned_to_me_drops_an_instance_once_the_caller_signalled_it(simulator):
    with simulator.session("approver1") as session:
        session.post(simulator.api_url + "/Workflow/Instances/%s/Signals" % default_instance_id(4),
                     json={"SignalKey": "RequireApproval1.ApprovalStatus", "Data": {"Approved": True}}, timeout=10)
    mine = [item["Id"] for item in _get(simulator, "/Workflow/Instances/AssignedToMe").json()]
    theirs = [item["Id"] for item in _get(simulator, "/Workflow/Instances/AssignedToMe", user="approver2").json()]
    assert default_instance_id(4) not in mine
    assert default_instance_id(4) in theirs


def test_my_and_assigned_to_me_take_the_list_parameters(simulator):
    response = _get(simulator, "/Workflow/Instances/My", user="requester",
                    **{"instanceQuery.queryString": "WorkflowType -eq Revocation", "instanceQuery.returnLimit": "1"})
    assert [item["Id"] for item in response.json()] == [default_instance_id(6)]
    assert response.headers["x-total-count"] == "3"


def _suspended_ids(simulator):
    listed = _get(simulator, "/Workflow/Instances", QueryString="Status -eq Suspended", ReturnLimit=100).json()
    return {item["Id"] for item in listed}


def _post(simulator, path, **body):
    with simulator.session("approver1") as session:
        return session.request("DELETE" if body.pop("delete", False) else "POST", simulator.api_url + path,
                               json=body or None, timeout=10)


def test_a_listing_kept_between_pages_shows_every_change_at_once(simulator):
    """The simulator keeps a sorted listing between pages; a signal, Stop, DELETE or Restart must show in the next one."""
    approved, stopped, deleted = default_instance_id(1), default_instance_id(2), default_instance_id(3)
    before = _suspended_ids(simulator)
    assert {approved, stopped, deleted} <= before
    assert _post(simulator, "/Workflow/Instances/%s/Signals" % approved,
                 SignalKey="RequireApproval1.ApprovalStatus", Data={"Approved": True}).status_code == 204
    assert _post(simulator, "/Workflow/Instances/%s/Stop" % stopped).status_code == 204
    assert _post(simulator, "/Workflow/Instances/%s" % deleted, delete=True).status_code == 204
    assert _post(simulator, "/Workflow/Instances/%s/Restart" % default_instance_id(12)).status_code == 204  # Failed
    after = _suspended_ids(simulator)
    expected = {item["Id"] for item in _get(simulator, "/Workflow/Instances", ReturnLimit=100).json()
                if item["Status"] == "Suspended"}
    assert after == expected
    assert stopped not in after and deleted not in after
    assert len(after - before) == 1  # the restarted copy of the Failed instance, at its first approval
    assert (approved in after) == (_get(simulator, "/Workflow/Instances/" + approved).json()["Status"] == "Suspended")


def test_a_listing_kept_between_pages_shows_a_delayed_outcome_once_it_is_due(simulator):
    simulator.configure(advance_delay=0.5)
    instance_id = default_instance_id(1)
    assert _post(simulator, "/Workflow/Instances/%s/Signals" % instance_id,
                 SignalKey="RequireApproval1.ApprovalStatus", Data={"Approved": True}).status_code == 204
    assert instance_id in _suspended_ids(simulator)
    deadline = time.monotonic() + 15
    while _get(simulator, "/Workflow/Instances/" + instance_id).json()["Status"] == "Suspended":
        assert time.monotonic() < deadline, "the delayed outcome never came"
        time.sleep(0.05)
    assert instance_id not in _suspended_ids(simulator)
