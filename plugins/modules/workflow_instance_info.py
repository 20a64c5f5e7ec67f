#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) keyfactor.command contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r'''
module: workflow_instance_info
short_description: Find Keyfactor Command workflow instances
version_added: 1.0.0
description:
  - Reads workflow instances from Keyfactor Command, either one instance by its ID or a filtered, sorted listing of all
    instances, of the instances the caller started, or of the instances waiting for the caller's signal.
  - The filters are combined with AND and sent to Keyfactor as one C(QueryString), quoted and escaped; the listing is
    paged through for you, a few pages in memory at a time (see O(concurrency)).
  - The returned instances feed M(keyfactor.command.workflow_signal) directly; see the examples.
  - This module only reads. It never changes anything and runs the same way in check mode.
extends_documentation_fragment:
  - keyfactor.command.connection
  - keyfactor.command.attributes
  - keyfactor.command.attributes.action_group
  - keyfactor.command.attributes.info_module
options:
  instance_id:
    description:
      - The GUID of one workflow instance to return, always with full detail (as with O(details=true)).
      - An unknown ID returns an empty RV(instances) list rather than failing. The integer reference ID cannot be used.
      - Any letter case is accepted, in braces or not, with whitespace around it; it is sent in canonical form.
      - Cannot be combined with O(scope), the filters, O(sort_field), O(sort_order) or O(limit); O(page_size),
        O(details) and O(concurrency) do not apply.
    type: str
  scope:
    description:
      - Which instances to list. When not set, V(all).
      - V(all) lists every instance the caller may read (C(GET /Workflow/Instances)).
      - V(started_by_me) lists the instances the caller started (C(GET /Workflow/Instances/My)).
      - V(assigned_to_me) lists the suspended instances waiting for a signal from the caller; an instance leaves this
        list once the caller has signalled it (C(GET /Workflow/Instances/AssignedToMe)).
    type: str
    choices: [all, started_by_me, assigned_to_me]
  status:
    description:
      - Only instances in one of these statuses. Several statuses are combined with OR.
      - Allowed, in any letter case, V(Running), V(Suspended), V(Complete), V(Rejected), V(Failed) and
        V(CanceledForRestart).
      - The names are sent to the server, which also matches instances when it reports statuses as integers.
    type: list
    elements: str
  definition_id:
    description:
      - Only instances of the workflow definition with this GUID, written in any letter case, in braces or not.
      - Cannot be combined with O(definition_name).
    type: str
  definition_name:
    description:
      - Only instances of the workflow definition with exactly this display name, letter case included, such as
        V(Web Server Enrollment Approval). The name is resolved to the definition's GUID with one request per task
        (reading definitions needs the permission to read them).
      - A name that matches no definition fails the task, listing the known names closest to it.
      - When several definitions share the name, O(workflow_type) chooses among them; if that leaves more than one,
        the task fails listing their GUIDs, so that the instances of another definition are never picked by mistake.
        Give O(definition_id) then.
      - Cannot be combined with O(definition_id).
    type: str
    version_added: 1.1.0
  workflow_type:
    description:
      - Only instances of definitions of this workflow type, for example V(Enrollment), V(Revocation) or V(Expiration).
        The whole type must match.
      - With O(definition_name), it also chooses among definitions that share the name.
    type: str
  title:
    description:
      - Only instances whose title contains this text, such as V(CN=app01.keyexample.com).
    type: str
  initiating_user:
    description:
      - Only instances started by this user, written as Keyfactor records it, V(DOMAIN\\user). The whole name must
        match.
    type: str
  started_after:
    description:
      - Only instances started at or after this time (inclusive).
      - An ISO 8601 date (V(2024-05-10), meaning midnight UTC) or date-time (V(2024-05-10T09:15:00Z),
        V(2024-05-10T11:15:00+02:00)). A date-time without V(Z) or an offset is taken as UTC.
      - Together with O(started_before) it forms a half-open window, so consecutive windows neither overlap nor leave
        gaps.
    type: str
  started_before:
    description:
      - Only instances started before this time (exclusive). Same forms as O(started_after), which must be earlier.
    type: str
  query:
    description:
      - A raw Keyfactor C(QueryString), such as V(ReferenceId -gt 1010), combined with the other filters with AND
        (in parentheses, so an C(OR) inside it stays inside it).
      - Fields Keyfactor documents for workflow instances are C(DefinitionId), C(Id), C(InitiatingUserName),
        C(LastModified), C(ReferenceId), C(StartDate), C(Status), C(Title) and C(WorkflowType).
      - Quoted values and parentheses must be balanced; the server checks the rest.
    type: str
  sort_field:
    description:
      - The field to sort the listing on. When not set, the server's order applies (Keyfactor sorts on
        C(CurrentStepDisplayName)).
      - One of C(CurrentStepDisplayName), C(CurrentStepId), C(CurrentStepUniqueName), C(DefinitionId), C(Id),
        C(InitiatingUserName), C(LastModified), C(ReferenceId), C(StartDate), C(Status), C(StatusMessage), C(Title) and
        C(WorkflowType). Letter case and underscores are ignored, so the returned key names work too (V(start_date)).
    type: str
  sort_order:
    description:
      - The direction of O(sort_field), which it needs. When not set, V(ascending).
    type: str
    choices: [ascending, descending]
  limit:
    description:
      - Return at most this many instances (1 or more). When not set, every match is returned.
      - When the limit cuts the result short, the module warns, naming how many match when the server reports it.
    type: int
  page_size:
    description:
      - How many instances to request per page while listing, from 1 to 1000. Larger pages mean fewer requests;
        the bound keeps each answer small (about 600 KB of JSON at 1000).
      - A server that gives fewer instances per page than asked (one that caps C(ReturnLimit)) is paged at the size it
        gave, at the cost of at most one more request per listing. A page with more instances than asked, or
        larger than 16 KiB per instance asked, or one that repeats the page before, fails the task, since the
        server does not page as asked.
    type: int
    default: 100
  details:
    description:
      - Also read each listed instance's full record, adding RV(instances[].signals), RV(instances[].initial_data) and
        RV(instances[].current_state_data). This costs one request per instance; they run O(concurrency) at a time.
      - An instance deleted between the listing and its detail read is left out, with a warning.
    type: bool
    default: false
  concurrency:
    description:
      - How many requests run at the same time, over one connection pool, from 1 to 32.
      - Applies to the detail reads of O(details=true) and to the listing's pages once the server has said how many
        instances match (the C(x-total-count) header of the first page). The pages are still checked and returned
        in order, and at most this many wait in memory. Without that header the pages are read one by one.
    type: int
    default: 8
  fields:
    description:
      - Return only these keys of each instance, for example V([id, reference_id, title, status, start_date]). When
        not set, every key is returned.
      - A few keys instead of all makes a large listing much lighter for Ansible, which parses, copies and stores
        every returned value (in AWX, in each job event), and for the module, which holds only the keys asked for.
      - Valid names are the keys of RV(instances). RV(instances[].signals), RV(instances[].initial_data) and
        RV(instances[].current_state_data) need O(details=true) or O(instance_id). An unknown name fails the task,
        listing the valid ones.
      - Cannot be combined with O(summary_only).
    type: list
    elements: str
    version_added: 1.1.0
  summary:
    description:
      - Also return RV(summary), counts and start dates of the instances found, computed while the pages are read.
    type: bool
    default: false
    version_added: 1.1.0
  summary_only:
    description:
      - Return RV(summary) and RV(count) but no RV(instances). The module then holds no instance at all, so a report
        over hundreds of thousands of instances takes little memory and returns a few kilobytes.
      - Cannot be combined with O(details) or O(fields).
    type: bool
    default: false
    version_added: 1.1.0
notes:
  - Options are checked before any request; a malformed GUID, an unknown status or sort field, a date that is not
    ISO 8601, an empty filter value or an unbalanced O(query) fails the task at once, naming what is allowed.
  - Every field of the server's answers is checked before it is returned; C(Id) and C(Status) must be there, the
    other fields may be V(null), as the API's models allow, and keys in camelCase are read like PascalCase ones. An
    answer of another shape, or an integer status that O(status_map) does not name, fails the task saying what was
    expected.
seealso:
  - module: keyfactor.command.workflow_signal
    description: Send approval (or other) signals to the instances this module finds.
  - module: keyfactor.command.workflow_definition_info
    description: Find workflow definitions, their GUIDs, display names and the signal keys they accept.
author:
  - keyfactor.command maintainers (@keyfactor-command)
'''

EXAMPLES = r'''
# Connection settings from the environment, as Keyfactor's own tools read them:
#   KEYFACTOR_HOSTNAME=keyfactor.example.com KEYFACTOR_USERNAME='KEYEXAMPLE\approver1' KEYFACTOR_PASSWORD=...
- name: Everything waiting for my approval from the WebServer enrollment workflow
  keyfactor.command.workflow_instance_info:
    scope: assigned_to_me
    definition_name: Web Server Enrollment Approval
  register: pending

- name: Approve them all
  keyfactor.command.workflow_signal:
    instance_ids: "{{ pending.instances | map(attribute='id') }}"
    signal_key: RequireApproval1.ApprovalStatus
    data:
      Approved: true
      Comment: Approved by change CHG0012345.

- name: Set the connection once for every module of the collection
  module_defaults:
    group/keyfactor.command.keyfactor:
      url: keyfactor.example.com
      ca_cert: /etc/pki/keyfactor-ca.pem
      client_id: ansible-approver
      client_secret: "{{ vault_keyfactor_client_secret }}"
      token_url: https://keyfactor.example.com:8444/realms/Keyfactor/protocol/openid-connect/token
  block:
    - name: Read one instance with its signals and data
      keyfactor.command.workflow_instance_info:
        instance_id: 8a3c1f52-6a0e-4d0b-9a51-2f7e3c9d4b10
      register: one

    - name: Send each signal its current step still expects (an unknown ID returns no instance, so nothing loops)
      keyfactor.command.workflow_signal:
        instance_id: "{{ one.instances[0].id }}"
        # <current step unique name>.<signal name>, the same as item.key
        signal_key: "{{ one.instances[0].current_step_unique_name }}.{{ item.name }}"
        data:
          Approved: true
      loop: "{{ one.instances | map(attribute='signals') | flatten | rejectattr('received') }}"

- name: Failed or rejected revocations started in May 2024, newest first
  keyfactor.command.workflow_instance_info:
    workflow_type: Revocation
    status: [Failed, Rejected]
    started_after: "2024-05-01"
    started_before: "2024-06-01"
    sort_field: start_date
    sort_order: descending
  register: revocations

- name: The ten most recent requests of one user for one host, with their initial data
  keyfactor.command.workflow_instance_info:
    initiating_user: KEYEXAMPLE\jsmith
    title: CN=appsrvr12.keyexample.com
    sort_field: StartDate
    sort_order: descending
    limit: 10
    details: true
  register: recent

- name: Any raw QueryString, ANDed with the other filters
  keyfactor.command.workflow_instance_info:
    status: Suspended
    query: ReferenceId -ge 1000 OR Title -contains "urgent"
  register: urgent

- name: How many instances wait where, and since when, without returning any of them
  keyfactor.command.workflow_instance_info:
    status: [Suspended, Failed]
    summary_only: true
  register: report

- name: Only the keys a report needs, from a long listing
  keyfactor.command.workflow_instance_info:
    status: Suspended
    fields: [id, reference_id, title, start_date]
  register: light

- name: Check mode reads the same way and never reports a change
  keyfactor.command.workflow_instance_info:
    scope: started_by_me
  check_mode: true
  register: mine

- name: The listing is a list, always; count and total tell how many
  ansible.builtin.assert:
    that:
      - mine is not changed
      - mine.instances | length == mine.count
      - mine.total is not defined or mine.total >= mine.count
      - revocations.instances | map(attribute='status') | difference(['Failed', 'Rejected']) == []
      - report.summary.count == report.count
      - report.summary.by_status.Suspended is not defined or report.summary.by_status.Suspended.count > 0
'''

RETURN = r'''
instances:
  description:
    - The instances found, in the server's order (or O(sort_field)'s). Always a list; empty when nothing matches or when
      O(instance_id) is unknown.
    - With O(fields), each instance has only the keys named there.
  returned: unless O(summary_only=true)
  type: list
  elements: dict
  contains:
    id:
      description: The instance's GUID, as M(keyfactor.command.workflow_signal) takes it.
      type: str
      returned: always
      sample: 8a3c1f52-6a0e-4d0b-9a51-2f7e3c9d4b10
    reference_id:
      description: The integer workflow ID the Keyfactor portal shows.
      type: int
      returned: always
      sample: 1042
    title:
      description: The instance's title.
      type: str
      returned: always
      sample: KEYEXAMPLE\jsmith is enrolling for a certificate with CN=appsrvr12.keyexample.com.
    status:
      description:
        - The status name, C(Running), C(Suspended), C(Complete), C(Rejected), C(Failed) or C(CanceledForRestart),
          also when the server reports integers (translated with the O(status_map) table).
      type: str
      returned: always
      sample: Suspended
    status_message:
      description: The server's message about the status.
      type: str
      returned: always
      sample: Waiting for approval.
    current_step_id:
      description: The GUID of the step the instance stands at.
      type: str
      returned: always
      sample: 5b0f9c2e-1d7a-4a3e-8f61-0c2d9e7a6b34
    current_step_unique_name:
      description: The unique name of that step, the part of a signal key before the period.
      type: str
      returned: always
      sample: RequireApproval1
    current_step_display_name:
      description: The display name of that step.
      type: str
      returned: always
      sample: Require Approval
    start_date:
      description: When the instance started (ISO 8601, UTC).
      type: str
      returned: always
      sample: '2024-05-14T16:02:09.120Z'
    last_modified:
      description: When the instance last changed (ISO 8601, UTC).
      type: str
      returned: always
      sample: '2024-05-14T16:02:11.853Z'
    definition:
      description: The workflow definition the instance runs.
      type: dict
      returned: always
      contains:
        id:
          description: The definition's GUID.
          type: str
          returned: always
          sample: 2f6d8e14-0c3b-4e55-a9d7-61b0c8e2f4a1
        display_name:
          description: The definition's display name.
          type: str
          returned: always
          sample: Web Server Enrollment Approval
        version:
          description: The definition version the instance runs.
          type: int
          returned: always
          sample: 3
        workflow_type:
          description: The workflow type.
          type: str
          returned: always
          sample: Enrollment
    signals:
      description:
        - The signals of the current step while the instance is suspended there (otherwise empty).
      type: list
      elements: dict
      returned: when O(details=true) or O(instance_id) is set
      contains:
        name:
          description: The signal's name.
          type: str
          returned: always
          sample: ApprovalStatus
        key:
          description:
            - The signal key to send, C(<current step unique name>.<signal name>), as
              O(keyfactor.command.workflow_signal#module:signal_key) takes it.
          type: str
          returned: always
          sample: RequireApproval1.ApprovalStatus
        step_signal_id:
          description: The signal's GUID.
          type: str
          returned: always
          sample: c41d2b7e-93a8-4f0e-b6d2-7a1e5c0f9d83
        received:
          description: Whether the server marks the signal as received.
          type: bool
          returned: always
          sample: false
    initial_data:
      description: The data the instance started with, as the server sent it.
      type: dict
      returned: when O(details=true) or O(instance_id) is set
      sample: {"Template": "WebServer", "CertificateAuthority": "corpca01.keyexample.com\\CorpIssuingCA1"}
    current_state_data:
      description: The data the instance has gathered so far, as the server sent it.
      type: dict
      returned: when O(details=true) or O(instance_id) is set
      sample: {}
count:
  description:
    - How many instances were found (the length of RV(instances)); with O(summary_only=true), how many the summary
      counts.
  returned: always
  type: int
  sample: 3
summary:
  description:
    - Counts and start dates of the instances found (the same instances as RV(instances), so O(limit) applies),
      computed while the listing is read.
  returned: when O(summary=true) or O(summary_only=true)
  type: dict
  version_added: 1.1.0
  contains:
    count:
      description: How many instances the summary counts.
      type: int
      returned: always
      sample: 1204
    by_status:
      description:
        - One entry per status found, keyed by its name (as RV(instances[].status) gives it).
        - The start dates are compared as instants, whatever their offset or precision, and returned as the server
          sent them; V(null) when no instance of the status has a start date the module can read.
      type: dict
      returned: always
      sample:
        Suspended:
          count: 1187
          oldest_start_date: '2024-01-03T08:12:44.000Z'
          newest_start_date: '2024-06-11T16:02:09.120Z'
        Failed:
          count: 17
          oldest_start_date: '2024-05-30T02:00:00.000Z'
          newest_start_date: '2024-06-10T02:00:00.000Z'
    by_definition:
      description: How many instances each workflow definition has, the largest count first.
      type: list
      elements: dict
      returned: always
      contains:
        id:
          description: The definition's GUID.
          type: str
          returned: always
          sample: 2f6d8e14-0c3b-4e55-a9d7-61b0c8e2f4a1
        display_name:
          description: The definition's display name.
          type: str
          returned: always
          sample: Web Server Enrollment Approval
        count:
          description: How many of the instances run it.
          type: int
          returned: always
          sample: 1150
    suspended_by_step:
      description: Where the Suspended instances wait, one entry per step, the largest count first.
      type: list
      elements: dict
      returned: always
      contains:
        unique_name:
          description: The step's unique name, the part of a signal key before the period.
          type: str
          returned: always
          sample: RequireApproval1
        display_name:
          description: The step's display name.
          type: str
          returned: always
          sample: Require Approval
        count:
          description: How many Suspended instances wait at it.
          type: int
          returned: always
          sample: 1187
total:
  description:
    - How many instances match the filters in all, as the server reports it in the C(x-total-count) header. It can be
      larger than RV(count) when O(limit) is set.
    - Not returned when the server does not send the header, nor with O(instance_id).
  returned: when the server reports it
  type: int
  sample: 42
'''

from ansible_collections.keyfactor.command.plugins.module_utils._instance_search import (
    LIST_OPTIONS, SCOPES, SORT_ORDERS, run,
)
from ansible_collections.keyfactor.command.plugins.module_utils._module import KeyfactorModule

ARGUMENT_SPEC = dict(
    instance_id=dict(type='str'),
    scope=dict(type='str', choices=list(SCOPES)),
    status=dict(type='list', elements='str'),
    definition_id=dict(type='str'),
    definition_name=dict(type='str'),
    workflow_type=dict(type='str'),
    title=dict(type='str'),
    initiating_user=dict(type='str'),
    started_after=dict(type='str'),
    started_before=dict(type='str'),
    query=dict(type='str'),
    sort_field=dict(type='str'),
    sort_order=dict(type='str', choices=list(SORT_ORDERS)),
    limit=dict(type='int'),
    page_size=dict(type='int', default=100),
    details=dict(type='bool', default=False),
    concurrency=dict(type='int', default=8),
    fields=dict(type='list', elements='str'),
    summary=dict(type='bool', default=False),
    summary_only=dict(type='bool', default=False),
)


# One instance by id takes no listing option; a definition is given by id or by name.
MUTUALLY_EXCLUSIVE = [('instance_id', option) for option in LIST_OPTIONS] + [('definition_id', 'definition_name')]


def main():
    module = KeyfactorModule(
        argument_spec=ARGUMENT_SPEC,
        mutually_exclusive=MUTUALLY_EXCLUSIVE,
        required_by={'sort_order': 'sort_field'},
        supports_check_mode=True,
    )
    module.run(run)


if __name__ == '__main__':
    main()
