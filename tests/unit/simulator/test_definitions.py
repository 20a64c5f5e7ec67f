# Copyright: (c) 2026, keyfactor.command contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""GET /Workflow/Definitions and GET /Workflow/Definitions/{id}?definitionVersion=N (reference 5)."""

import pytest

from kfsim.testing import default_definition_id

QUERY_KEYS = {"Id", "DisplayName", "Key", "KeyDisplayName", "WorkflowType", "DraftVersion", "PublishedVersion"}
DETAIL_KEYS = QUERY_KEYS | {"Description", "IsPublished", "Steps"}
STEP_KEYS = {"Id", "DisplayName", "UniqueName", "ExtensionName", "Enabled", "ConfigurationParameters", "Signals",
             "Conditions", "Outputs"}


DRAFTED = "d7000000-0000-4000-8000-000000000007"
NEVER_PUBLISHED = "d8000000-0000-4000-8000-000000000008"
CONDITION = "c1000000-0000-4000-8000-0000000000c1"
APPROVAL = {"extension_name": "RequireApproval", "signals": [{"name": "ApprovalStatus", "roles": [3]}]}
# The default scenario plus a definition whose draft is newer than its published version, and one never published.
EXTRA = {"extends": "default.yaml", "definitions": [
    {"id": DRAFTED, "name": "drafted", "display_name": "Drafted Enrollment", "workflow_type": "Enrollment",
     "published_version": 1, "versions": [
         {"version": 1, "steps": [{"unique_name": "StartNOOP"}, dict(APPROVAL, unique_name="OldApproval"),
                                  {"unique_name": "EndNOOP"}]},
         {"version": 2, "steps": [{"unique_name": "StartNOOP"}, dict(APPROVAL, unique_name="NewApproval"),
                                  {"unique_name": "EndNOOP"}]}]},
    {"id": NEVER_PUBLISHED, "name": "never", "display_name": "Never Published", "workflow_type": "Revocation",
     "published_version": None, "versions": [
         {"version": 1, "steps": [{"unique_name": "StartNOOP"},
                                  {"unique_name": "Gate",
                                   "conditions": ["$(metadata:Team) == PKI", {"value": "true", "id": CONDITION}]},
                                  {"unique_name": "EndNOOP"}]}]},
]}


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


@pytest.mark.parametrize("query, expected", [
    ('DisplayName -eq "web server enrollment approval"', ["Web Server Enrollment Approval"]),
    ("Id -eq %s" % default_definition_id(6), ["Renewal with Review Gate"]),
    ('WorkflowType -eq Revocation OR DisplayName -eq "Never Published"',
     ["Never Published", "Two-Stage Revocation Approval"]),
    ("IsPublished -eq false", ["Never Published"]),
    ("IsPublished -ne FALSE AND WorkflowType -eq Expiration", ["30 Day Auto Renew", "Renewal with Review Gate"]),
])
def test_the_query_fields_are_the_four_keyfactor_documents(simulator, query, expected):
    simulator.load(EXTRA)
    response = get(simulator, "", QueryString=query)
    assert response.status_code == 200
    assert [item["DisplayName"] for item in response.json()] == expected


@pytest.mark.parametrize("query, message", [
    ("Key -eq 41", "unknown field 'Key'"),
    ("DraftVersion -gt 1", "unknown field 'DraftVersion'"),
    ("IsPublished -eq maybe", "IsPublished needs true or false"),
    ("IsPublished -gt true", "IsPublished takes only -eq and -ne"),
    ("IsPublished -contains true", "does not apply to boolean field IsPublished"),
])
def test_other_fields_and_bad_booleans_are_refused(simulator, query, message):
    response = get(simulator, "", QueryString=query)
    assert response.status_code == 400
    assert message in response.json()["Message"]


def test_definitions_sort_on_their_response_keys(simulator):
    simulator.load(EXTRA)
    response = get(simulator, "", SortField="PublishedVersion", SortAscending="1", ReturnLimit="2")
    # Ties keep scenario order; a definition never published (None) sorts last when descending.
    assert [item["DisplayName"] for item in response.json()] == ["User Certificate Enrollment",
                                                                 "Web Server Enrollment Approval"]
    assert get(simulator, "", SortField="IsPublished").status_code == 400


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


def test_versions_have_different_step_names(simulator):
    default = get(simulator, "/" + default_definition_id(4)).json()
    first = get(simulator, "/" + default_definition_id(4), definitionVersion=1).json()
    second = get(simulator, "/" + default_definition_id(4), DefinitionVersion="2").json()
    assert default == second
    assert (second["DraftVersion"], second["PublishedVersion"], second["IsPublished"]) == (2, 2, True)
    assert first["IsPublished"] is False
    assert execution_order(first["Steps"]) == ["StartNOOP", "RequireApproval1", "Enroll", "EndNOOP"]
    assert execution_order(second["Steps"]) == ["StartNOOP", "ManagerApproval", "NotifyRequester", "Enroll", "EndNOOP"]


def test_the_default_version_is_the_most_recent_even_when_unpublished(simulator):
    # Keyfactor: "The default is to return the most recent version (which may not necessarily be the published
    # version)." (WorkflowDefinitionsGETID, 10.3 and 10.5)
    simulator.load(EXTRA)
    default = get(simulator, "/" + DRAFTED).json()
    published = get(simulator, "/" + DRAFTED, definitionVersion=1).json()
    assert (default["DraftVersion"], default["PublishedVersion"], default["IsPublished"]) == (2, 1, False)
    assert execution_order(default["Steps"]) == ["StartNOOP", "NewApproval", "EndNOOP"]
    assert published["IsPublished"] is True
    assert execution_order(published["Steps"]) == ["StartNOOP", "OldApproval", "EndNOOP"]
    never = get(simulator, "/" + NEVER_PUBLISHED).json()
    assert (never["DraftVersion"], never["PublishedVersion"], never["IsPublished"]) == (1, None, False)


def test_exportable_removes_the_role_ids(simulator):
    path = "/" + default_definition_id(3)
    roles = [step["Signals"] for step in get(simulator, path, exportable="false").json()["Steps"]]
    exported = [step["Signals"] for step in get(simulator, path, exportable="True").json()["Steps"]]
    assert sorted(signal["RoleIds"][0] for signals in roles for signal in signals) == [3, 7]
    assert [signal["RoleIds"] for signals in exported for signal in signals] == [[], []]
    assert [[signal["SignalName"] for signal in signals] for signals in exported] == [
        [signal["SignalName"] for signal in signals] for signals in roles]
    refused = get(simulator, path, exportable="yes")
    assert refused.status_code == 400 and "exportable must be true or false" in refused.json()["Message"]


def test_conditions_are_condition_configuration_responses(simulator):
    simulator.load(EXTRA)
    steps = get(simulator, "/" + NEVER_PUBLISHED).json()["Steps"]
    conditions = next(step["Conditions"] for step in steps if step["UniqueName"] == "Gate")
    assert [condition["Value"] for condition in conditions] == ["$(metadata:Team) == PKI", "true"]
    assert all(set(condition) == {"Id", "Value"} for condition in conditions)
    assert conditions[1]["Id"] == CONDITION and conditions[0]["Id"] != CONDITION


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
