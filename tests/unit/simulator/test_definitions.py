# Copyright: (c) 2026, keyfactor.command contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""GET /Workflow/Definitions and GET /Workflow/Definitions/{id}?definitionVersion=N (reference 5)."""

import pytest

from kfsim.testing import default_definition_id

QUERY_KEYS = {"Id", "DisplayName", "Key", "KeyDisplayName", "WorkflowType", "DraftVersion", "PublishedVersion"}
DETAIL_KEYS = QUERY_KEYS | {"Description", "IsPublished", "Steps"}
STEP_KEYS = {"Id", "DisplayName", "UniqueName", "ExtensionName", "Enabled", "ConfigurationParameters", "Signals",
             "Conditions", "Outputs"}


def get(simulator, path, **params):
    with simulator.session("approver1") as session:
        return session.get(simulator.api_url + "/Workflow/Definitions" + path, params=params, timeout=10)


def execution_order(steps):
    """Follow Outputs from the step no other step points at, as a client must (reference 5.5)."""
    by_name = {step["UniqueName"]: step for step in steps}
    targets = {target for step in steps for target in step["Outputs"].values()}
    name = next(name for name in by_name if name not in targets)
    order = []
    while name:
        order.append(name)
        name = by_name[name]["Outputs"].get("continue")
    return order


def test_list_returns_query_responses_sorted_by_display_name(simulator):
    response = get(simulator, "")
    assert response.status_code == 200
    items = response.json()
    assert all(set(item) == QUERY_KEYS for item in items)
    names = [item["DisplayName"] for item in items]
    assert names == sorted(names, key=str.casefold)
    assert len(items) == 6
    assert response.headers["x-total-count"] == "6"


def test_list_takes_the_list_parameters(simulator):
    response = get(simulator, "", **{"query.queryString": "WorkflowType -eq Expiration", "query.returnLimit": "1",
                                     "query.sortField": "DisplayName", "query.sortAscending": "1"})
    assert [item["DisplayName"] for item in response.json()] == ["Renewal with Review Gate"]
    assert response.headers["x-total-count"] == "2"


def test_definition_detail_shape_and_step_order(simulator):
    body = get(simulator, "/" + default_definition_id(1)).json()
    assert set(body) == DETAIL_KEYS
    assert all(set(step) == STEP_KEYS for step in body["Steps"])
    listed = [step["UniqueName"] for step in body["Steps"]]
    assert execution_order(body["Steps"]) == ["StartNOOP", "RequireApproval1", "Enroll", "EndNOOP"]
    assert listed != execution_order(body["Steps"])
    approval = next(step for step in body["Steps"] if step["UniqueName"] == "RequireApproval1")
    assert approval["ExtensionName"] == "RequireApproval"
    assert approval["Signals"] == [{"RoleIds": [3], "SignalName": "ApprovalStatus"}]
    end = next(step for step in body["Steps"] if step["UniqueName"] == "EndNOOP")
    assert end["Outputs"] == {}


def test_the_required_approvals_count_stays_out_of_the_api(simulator):
    body = get(simulator, "/" + default_definition_id(2)).json()
    approval = next(step for step in body["Steps"] if step["UniqueName"] == "RequireApproval1")
    assert approval["ConfigurationParameters"] == {}
    assert "required" not in str(body).lower()


def test_versions_have_different_step_names_and_the_published_one_is_the_default(simulator):
    default = get(simulator, "/" + default_definition_id(4)).json()
    first = get(simulator, "/" + default_definition_id(4), definitionVersion=1).json()
    second = get(simulator, "/" + default_definition_id(4), DefinitionVersion="2").json()
    assert default == second
    assert (second["DraftVersion"], second["PublishedVersion"], second["IsPublished"]) == (2, 2, True)
    assert first["IsPublished"] is False
    assert execution_order(first["Steps"]) == ["StartNOOP", "RequireApproval1", "Enroll", "EndNOOP"]
    assert execution_order(second["Steps"]) == ["StartNOOP", "ManagerApproval", "NotifyRequester", "Enroll", "EndNOOP"]


def test_an_unknown_version_is_404_and_a_bad_one_400(simulator):
    unknown = get(simulator, "/" + default_definition_id(4), definitionVersion=9)
    assert unknown.status_code == 404
    assert "has no version 9" in unknown.json()["Message"]
    assert get(simulator, "/" + default_definition_id(4), definitionVersion="two").status_code == 400


@pytest.mark.parametrize("switch, status", [(404, 404), (400, 400)])
def test_unknown_and_malformed_definition_ids(simulator, switch, status):
    simulator.configure(unknown_id_status=switch)
    unknown = get(simulator, "/0badc0de-0000-4000-8000-000000000000")
    assert unknown.status_code == status
    assert "was not found" in unknown.json()["Message"]
    assert get(simulator, "/not-a-guid").status_code == 400
