# Copyright: (c) 2026, keyfactor.command contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Scenario files: the bundled scenarios, extends, the generator and validation."""

import collections
import json

import pytest

from kfsim.scenario import BUNDLED_DIR, DEFAULT_SCENARIO, ScenarioError, generated_instance_id, load_world, read_scenario

DEFINITION = {"id": "11111111-1111-4111-8111-111111111111", "name": "tiny", "workflow_type": "Enrollment",
              "versions": [{"version": 1, "steps": [
                  {"unique_name": "StartNOOP"},
                  {"unique_name": "Approve", "extension_name": "RequireApproval", "required_approvals": 2,
                   "signals": [{"name": "ApprovalStatus", "roles": ["Approver"]}]},
                  {"unique_name": "EndNOOP"}]}]}
INSTANCE = {"id": "22222222-2222-4222-8222-222222222222", "reference_id": 1, "definition": "tiny",
            "initiated_by": "KEYEXAMPLE\\alice", "start_date": "2024-01-01"}


def scenario(**changes):
    base = {"roles": [{"id": 1, "name": "Approver"}], "users": [{"name": "alice", "password": "pw", "roles": [1]}],
            "definitions": [DEFINITION], "instances": [INSTANCE]}
    base.update(changes)
    return base


def with_steps(*steps):
    return dict(DEFINITION, versions=[{"version": 1, "steps": list(steps)}])


def test_the_default_scenario_covers_every_state_and_approval_step():
    world = load_world(DEFAULT_SCENARIO)
    statuses = collections.Counter(instance.status for instance in world.instances)
    assert set(statuses) == {"Running", "Suspended", "Complete", "Rejected", "Failed", "CanceledForRestart"}
    suspended_at = {(instance.definition.alias, instance.version.number, instance.step.unique_name)
                    for instance in world.instances if instance.status == "Suspended"}
    assert suspended_at == {("enroll-single", 1, "RequireApproval1"), ("enroll-dual", 1, "RequireApproval1"),
                            ("revoke-two-stage", 1, "RequireApproval1"), ("revoke-two-stage", 1, "RequireApproval2"),
                            ("enroll-versioned", 1, "RequireApproval1"), ("enroll-versioned", 2, "ManagerApproval"),
                            ("renew-gated", 1, "ReviewGate")}
    assert any(instance.received for instance in world.instances)
    assert len({instance.initiating_user for instance in world.instances}) == 4
    assert any(not version.first_signal_step() for definition in world.definitions.values()
               for version in definition.versions.values())


def test_the_bench_scenario_extends_the_default_with_10000_generated_instances():
    world = load_world(BUNDLED_DIR / "bench.yaml")
    assert len(world.instances) == 10018
    generated = world.instances[18:]
    assert [instance.id for instance in generated[:2]] == [generated_instance_id(0, 1), generated_instance_id(0, 2)]
    assert generated[-1].id == "a0000000-0000-4000-8000-000000002710"
    assert generated[-1].title == "KEYEXAMPLE\\requester is enrolling for a certificate with CN=bench10000.keyexample.com."
    assert [instance.reference_id for instance in generated[:2]] == [1019, 1020]
    assert (generated[1].start_date - generated[0].start_date).total_seconds() == 30
    assert {instance.status for instance in generated} == {"Suspended"}


def test_the_large_bench_scenario_has_100000_instances_of_several_definitions_and_statuses():
    world = load_world(BUNDLED_DIR / "bench-100k.yaml")
    generated = world.instances[18:]
    assert len(generated) == 100000 and len({instance.id for instance in world.instances}) == 100018
    counts = {}
    for instance in generated:
        key = (instance.definition.display_name, instance.status)
        counts[key] = counts.get(key, 0) + 1
    assert counts == {("Web Server Enrollment Approval", "Suspended"): 40000, ("Code Signing Dual Approval", "Suspended"): 10000,
                      ("Web Server Enrollment Approval", "Complete"): 40000, ("30 Day Auto Renew", "Failed"): 10000}


def test_generate_argument_adds_instances_of_the_first_definition():
    world = load_world(DEFAULT_SCENARIO, generate=5)
    added = world.instances[18:]
    assert [instance.definition.alias for instance in added] == ["enroll-single"] * 5
    assert added[0].id == generated_instance_id(0, 1)
    assert added[0].initiating_user == "KEYEXAMPLE\\approver1"


def test_generated_groups_get_distinct_ids():
    groups = [{"count": 2, "definition": "tiny"}, {"count": 2, "definition": "tiny", "status": "Complete"}]
    world = load_world(scenario(generate=groups))
    assert [instance.id for instance in world.instances[1:]] == [
        generated_instance_id(0, 1), generated_instance_id(0, 2), generated_instance_id(1, 1), generated_instance_id(1, 2)]
    assert [instance.step.unique_name for instance in world.instances[3:]] == ["EndNOOP", "EndNOOP"]


def test_extends_concatenates_sections_and_overrides_scalars(tmp_path):
    child = tmp_path / "child.json"
    child.write_text(json.dumps({"extends": str(DEFAULT_SCENARIO), "domain": "OTHER",
                                 "users": [{"name": "zoe", "password": "pw"}]}))
    raw = read_scenario(child)
    assert raw["domain"] == "OTHER"
    assert [user["name"] for user in raw["users"]][-2:] == ["noroles", "zoe"]
    assert len(raw["instances"]) == 18


def test_extends_cannot_loop(tmp_path):
    (tmp_path / "a.yaml").write_text("extends: b.yaml\n")
    (tmp_path / "b.yaml").write_text("extends: a.yaml\n")
    with pytest.raises(ScenarioError, match="extends itself"):
        read_scenario(tmp_path / "a.yaml")


@pytest.mark.parametrize("changes, message", [
    ({"instances": [dict(INSTANCE, definition="nope")]}, "unknown definition 'nope'"),
    ({"instances": [dict(INSTANCE, version=3)]}, "unknown version 3"),
    ({"instances": [dict(INSTANCE, status="Paused")]}, "status must be one of"),
    ({"instances": [dict(INSTANCE, step="EndNOOP")]}, "Suspended at EndNOOP, which takes no signals"),
    ({"instances": [dict(INSTANCE, step="Nope")]}, "no step 'Nope'"),
    ({"instances": [INSTANCE, INSTANCE]}, "share id"),
    ({"instances": [dict(INSTANCE, received=[{"caller": "a"}, {"caller": "b"}])]}, "would already have advanced"),
    ({"instances": [dict(INSTANCE, status="Complete", received=[{"caller": "a"}])]}, "received approvals need"),
    ({"instances": [dict(INSTANCE, id="nope")]}, "'nope' is not a GUID"),
    ({"instances": [dict(INSTANCE, reference_id="x")]}, "invalid scenario: ValueError"),
    ({"instances": [{"id": INSTANCE["id"]}]}, "needs 'definition'"),
    ({"users": [{"name": "bob", "password": "pw", "roles": ["Admin"]}]}, "unknown role 'Admin'"),
    ({"definitions": [DEFINITION, DEFINITION]}, "defined twice"),
    ({"definitions": [dict(DEFINITION, published_version=2)]}, "publishes unknown version 2"),
    ({"definitions": [with_steps({"unique_name": "A", "outputs": {"continue": "Z"}}, {"unique_name": "Z"},
                                 {"unique_name": "B", "outputs": {"continue": "Nope"}})]}, "unknown steps ['Nope']"),
    ({"definitions": [with_steps({"unique_name": "A", "outputs": {}}, {"unique_name": "B"})]}, "exactly one start"),
    ({"definitions": [with_steps({"unique_name": "A"}, {"unique_name": "B", "outputs": {"continue": "C"}},
                                 {"unique_name": "C", "outputs": {"continue": "B"}})]}, "loop back to B"),
    ({"definitions": [with_steps({"unique_name": "A"}, {"unique_name": "A"})]}, "two steps named A"),
    ({"definitions": [with_steps({"unique_name": "A", "required_approvals": 0})]}, "required_approvals >= 1"),
    ({"definitions": [with_steps({"unique_name": "A", "conditions": [{"id": DEFINITION["id"]}]})]}, "needs 'value'"),
    ({"definitions": [with_steps({"unique_name": "A", "conditions": [{"value": "x", "id": "y"}]})]}, "'y' is not a GUID"),
])
def test_invalid_scenarios_name_the_problem(changes, message):
    with pytest.raises(ScenarioError) as raised:
        load_world(scenario(**changes))
    assert message in str(raised.value)


def test_explicit_outputs_define_the_execution_order():
    world = load_world(scenario(definitions=[with_steps(
        {"unique_name": "EndNOOP", "outputs": {}},
        {"unique_name": "Approve", "extension_name": "RequireApproval", "outputs": {"continue": "EndNOOP"},
         "signals": [{"name": "ApprovalStatus", "roles": [1]}]},
        {"unique_name": "StartNOOP", "outputs": {"continue": "Approve"}})]))
    version = world.definitions[DEFINITION["id"]].versions[1]
    assert list(version.steps) == ["StartNOOP", "Approve", "EndNOOP"]
    assert world.instances[0].step.unique_name == "Approve"
