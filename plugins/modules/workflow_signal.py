#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) keyfactor.command contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r'''
module: workflow_signal
short_description: Send a signal (approve, deny, proceed) to Keyfactor Command workflow instances, exactly once
version_added: 1.0.0
description:
  - Sends a signal such as C(RequireApproval1.ApprovalStatus) (approve or deny with C(Approved)) to one workflow
    instance or a list of them, with C(POST /Workflow/Instances/{id}/Signals), only when the instance waits for that
    signal from the caller.
  - Each instance has one outcome. V(signaled) when the signal was sent (changed), V(already_signaled) when the
    caller's signal is already in, V(instance_finished) when the instance has finished, V(step_passed) when it is past
    the signal's step; otherwise it fails, saying why (a key its definition does not accept, listing those it does; a
    step still ahead, unless O(wait) is set; an answer the module cannot confirm).
  - The API call is not idempotent; the module is. It reads each instance first and sends nothing already in, so the
    same play can run again, on a schedule or after a network fault. Within one run a signal is never sent twice; after
    a lost answer the instance is re-read and the signal sent again only if it is still pending. The user guide's
    section on how workflow_signal decides gives every rule, including two runs at the same time.
author:
  - keyfactor.command maintainers (@keyfactor-command)
options:
  instance_id:
    description:
      - The GUID of the workflow instance to signal, as in C(GET /Workflow/Instances) (the integer C(ReferenceId)
        cannot be used).
      - Any letter case is accepted, in braces or not (V({8A3C1F52-6A0E-4D0B-9A51-2F7E3C9D4B10})), with whitespace
        (such as a trailing newline) around it. It is sent in canonical form, lower case without braces.
      - Exactly one of O(instance_id) and O(instance_ids) is required.
    type: str
  instance_ids:
    description:
      - The GUIDs of several workflow instances to signal, each handled on its own and concurrently (see
        O(concurrency)). Results come back in RV(results) in this order; a GUID listed twice is handled once, at its
        first position.
      - Each GUID is written as for O(instance_id) and canonicalised before duplicates are found, so
        V(8a3c1f52-6a0e-4d0b-9a51-2f7e3c9d4b10) and V({8A3C1F52-6A0E-4D0B-9A51-2F7E3C9D4B10}) are one instance.
      - An empty list (what a search that found nothing gives) is nothing to do, not an error; the task succeeds
        unchanged.
      - The task fails when any instance failed, after every instance was tried, with a RV(msg) that starts with the
        first failure's reason. An error every instance would meet (rejected credentials, no API at O(url), a server
        that cannot be reached) stops the task instead; RV(results) keeps every result so far.
      - Exactly one of O(instance_id) and O(instance_ids) is required.
    type: list
    elements: str
  signal_key:
    description:
      - The signal to send, as C(<step UniqueName>.<signal name>), for example V(RequireApproval1.ApprovalStatus) for
        a Require Approval step. M(keyfactor.command.workflow_definition_info) lists the keys a definition accepts.
      - Or the signal name alone, such as V(ApprovalStatus), when the instance's definition (at the version the
        instance runs) has exactly one enabled step offering it; the full key comes from the definition, never from
        the step the instance stands at, so a re-run decides the same way. When several steps offer it, the instance
        fails listing their full keys. The definition is read once per definition version per task.
      - A value of neither form fails the task before any request is made.
    type: str
    required: true
  data:
    description:
      - The signal's C(Data), sent exactly as given. For a Require Approval step, C(Approved) (V(true) to approve,
        V(false) to deny) and an optional C(Comment).
      - It is returned in RV(signal.data), so do not put secrets in it.
    type: dict
    default: {}
  wait:
    description:
      - When the step of O(signal_key) lies ahead of the instance (or the instance is running it and not waiting yet),
        poll the instance every O(wait_interval) seconds until the signal is pending, then send it.
      - Polling ends at once when the instance finishes or passes the step, with that outcome. When O(wait_timeout)
        passes first, the instance fails with where it stands.
      - When V(false), such an instance fails at once, saying where it stands.
      - Waiting also happens in check mode, so that check mode predicts what a real run would do.
    type: bool
    default: false
  wait_timeout:
    description:
      - Seconds to wait, per instance, for the signal to become pending when O(wait=true). Must be a finite number
        greater than 0 and at most V(604800) (a week).
    type: float
    default: 300
  wait_interval:
    description:
      - Seconds between two reads of an instance while waiting (O(wait=true)). Each poll is one request. Must be a
        finite number greater than 0 and at most V(604800) (a week).
    type: float
    default: 5
  concurrency:
    description:
      - How many instances of O(instance_ids) are handled at the same time, over one shared HTTP session with as many
        connections. Must be 1 or more.
    type: int
    default: 8
  details:
    description:
      - With O(instance_ids), return each instance's full result in RV(results) (the instance as read, the signal)
        instead of the compact entry. A full entry is several kilobytes; 500 of them make a large job event.
      - O(instance_id) always returns the full RV(instance).
    type: bool
    default: false
    version_added: 1.1.0
notes:
  - "Requests per instance: a first run on the common path costs 3 (read, send, re-read); a re-run costs 1, or 2 when
    C(AssignedToMe) has to be asked. Reading the definition adds one request per definition version per task, however
    many instances share it."
  - "The module runs where the task runs; with C(hosts: localhost) or C(delegate_to: localhost) that is the controller
    or the execution environment."
  - Check mode cannot foresee a refusal by the server that only the send reveals, such as HTTP 403 when the caller
    holds none of the roles allowed to send the signal.
seealso:
  - module: keyfactor.command.workflow_instance_info
    description: Find workflow instances, for example those waiting at an approval step, to signal with this module.
  - module: keyfactor.command.workflow_definition_info
    description: The signal keys a workflow definition accepts.
  - ref: ansible_collections.keyfactor.command.docsite.user_guide
    description: The user guide, with every rule of how workflow_signal decides, and daily approvals.
extends_documentation_fragment:
  - keyfactor.command.connection
  - keyfactor.command.attributes
  - keyfactor.command.attributes.action_group
attributes:
  check_mode:
    support: full
    details:
      - The same reads and the same decision as a real run, without the signal, so C(changed) and RV(outcome) are
        what a real run would report. RV(instance) is the instance as read.
  diff_mode:
    support: full
    details:
      - RV(diff) shows the instance's status, current step and whether the caller's signal is in, before and after,
        headed by the instance's reference id and title.
      - In check mode the predicted C(after) keeps the status and step (whether the step advances depends on
        other approvers) and sets C(signal_received) when a signal would be sent.
'''

EXAMPLES = r'''
- name: Approve a certificate request, with the credentials in KEYFACTOR_* environment variables
  keyfactor.command.workflow_signal:
    instance_id: 8a3c1f52-6a0e-4d0b-9a51-2f7e3c9d4b10
    signal_key: RequireApproval1.ApprovalStatus
    data:
      Approved: true
      Comment: Approved by change CHG0012345.
  register: approval

- name: Show what happened
  ansible.builtin.debug:
    msg: "{{ approval.outcome }}: the instance is now {{ approval.instance.status }}"

- name: Deny a request, connection options set once for the whole collection
  module_defaults:
    group/keyfactor.command.keyfactor:
      url: keyfactor.example.com
      username: svc-ansible
      domain: KEYEXAMPLE
      password: "{{ vault_keyfactor_password }}"
      ca_cert: /etc/pki/tls/certs/keyexample-root.pem
  block:
    - name: Deny
      keyfactor.command.workflow_signal:
        instance_id: 8a3c1f52-6a0e-4d0b-9a51-2f7e3c9d4b10
        signal_key: RequireApproval1.ApprovalStatus
        data:
          Approved: false
          Comment: The requested key size is below policy.
      register: denial

    - name: The instance was rejected, or had already finished
      ansible.builtin.assert:
        that:
          - denial.outcome in ['signaled', 'already_signaled', 'instance_finished']
          - denial.outcome != 'signaled' or denial.instance.status == 'Rejected'

- name: Preview an approval without sending it
  keyfactor.command.workflow_signal:
    instance_id: 8a3c1f52-6a0e-4d0b-9a51-2f7e3c9d4b10
    signal_key: RequireApproval1.ApprovalStatus
    data: {Approved: true}
  check_mode: true
  diff: true
  register: preview

- name: Find every request waiting for my approval and approve them all
  keyfactor.command.workflow_instance_info:
    scope: assigned_to_me
  register: waiting

- name: Approve them, 8 at a time (none waiting is nothing to do, not an error)
  keyfactor.command.workflow_signal:
    instance_ids: "{{ waiting.instances | map(attribute='id') | list }}"
    signal_key: ApprovalStatus  # resolved per instance from its definition
    data: {Approved: true, Comment: Bulk approval after review}
  register: bulk

- name: Say how it went
  ansible.builtin.debug:
    msg: "{{ bulk.counts.signaled }} approved, {{ bulk.counts.already_signaled }} approved before"

- name: Wait until a revocation reaches the security approval, then approve it
  keyfactor.command.workflow_signal:
    instance_id: 0d4e6b1a-7c92-4f3d-b5e8-2a9c1f7d6e40
    signal_key: RequireApproval2.ApprovalStatus
    data: {Approved: true}
    wait: true
    wait_timeout: 600
    wait_interval: 10
'''

RETURN = r'''
msg:
  description:
    - What happened and why. With O(instance_ids), the number of instances per outcome; when instances failed, it
      starts with C(<n> of <total> failed) and the first failure's reason in full (C(all with the same reason) when
      they share it). An empty O(instance_ids) says there was nothing to signal.
  returned: always
  type: str
  sample: >-
    Sent RequireApproval1.ApprovalStatus to workflow instance 8a3c1f52-6a0e-4d0b-9a51-2f7e3c9d4b10, which was
    Suspended at step RequireApproval1 waiting for it; it is now Complete at step EndNOOP.
outcome:
  description:
    - V(signaled) when the signal was sent (in check mode, would be sent).
    - V(already_signaled) when the caller's signal was already received.
    - V(instance_finished) when the instance is Complete, Rejected, Failed or CanceledForRestart.
    - V(step_passed) when the instance is past the step of O(signal_key).
  returned: with O(instance_id), unless the instance failed
  type: str
  sample: signaled
instance:
  description:
    - The workflow instance, as it stands after the signal; in check mode, and when nothing was sent, as read.
  returned: with O(instance_id), when the instance could be read
  type: dict
  contains:
    id:
      description: The instance GUID.
      type: str
      sample: 8a3c1f52-6a0e-4d0b-9a51-2f7e3c9d4b10
    reference_id:
      description: The integer workflow ID shown in the Keyfactor Command portal.
      type: int
      sample: 1042
    title:
      description: The instance's title.
      type: str
      sample: KEYEXAMPLE\jsmith is enrolling for a certificate with CN=appsrvr12.keyexample.com.
    status:
      description:
        - V(Running), V(Suspended), V(Complete), V(Rejected), V(Failed) or V(CanceledForRestart).
        - A server that sends integer codes has them translated with O(status_map).
      type: str
      sample: Complete
    status_message:
      description: The server's status message.
      type: str
      sample: The workflow has completed.
    current_step_id:
      description: The GUID of the current step.
      type: str
      sample: 9e2a7c40-5f1b-4c8d-8a3e-1b6f0d2c7e95
    current_step_unique_name:
      description: The C(UniqueName) of the current step, the first half of a signal key.
      type: str
      sample: EndNOOP
    current_step_display_name:
      description: The display name of the current step.
      type: str
      sample: End-NOOP
    start_date:
      description: When the instance started (ISO 8601).
      type: str
      sample: '2024-05-14T16:02:09.120Z'
    last_modified:
      description: When the instance last changed (ISO 8601).
      type: str
      sample: '2024-05-14T16:05:41.300Z'
    definition:
      description: The workflow definition the instance runs.
      type: dict
      contains:
        id:
          description: The definition GUID.
          type: str
          sample: 2f6d8e14-0c3b-4e55-a9d7-61b0c8e2f4a1
        display_name:
          description: The definition's display name.
          type: str
          sample: Web Server Enrollment Approval
        version:
          description: The definition version the instance runs.
          type: int
          sample: 3
        workflow_type:
          description: The workflow type.
          type: str
          sample: Enrollment
    signals:
      description: The signals of the current step while the instance is Suspended, otherwise empty.
      type: list
      elements: dict
      contains:
        name:
          description: The signal name.
          type: str
          sample: ApprovalStatus
        key:
          description: The signal key, C(<current step UniqueName>.<name>).
          type: str
          sample: RequireApproval1.ApprovalStatus
        step_signal_id:
          description: The signal's GUID.
          type: str
          sample: c41d2b7e-93a8-4f0e-b6d2-7a1e5c0f9d83
        received:
          description: The server's C(SignalReceived) flag.
          type: bool
          sample: false
    initial_data:
      description: The data the instance started with, as the server sent it.
      type: dict
      sample: {Template: WebServer, CertificateAuthority: corpca01.keyexample.com\CorpIssuingCA1}
    current_state_data:
      description: The instance's accumulated state data, as the server sent it.
      type: dict
      sample: {CertificateId: 5120}
signal:
  description: The signal, as sent or as it would be sent.
  returned: always, except with O(instance_ids)
  type: dict
  contains:
    key:
      description: The signal key.
      type: str
      sample: RequireApproval1.ApprovalStatus
    step:
      description: The step's C(UniqueName).
      type: str
      sample: RequireApproval1
    name:
      description: The signal name.
      type: str
      sample: ApprovalStatus
    data:
      description: The signal's C(Data), as given in O(data).
      type: dict
      sample: {Approved: true, Comment: Approved by change CHG0012345.}
diff:
  description:
    - With O(instance_id), a dict with C(before) and C(after), each with C(status), C(current_step_unique_name) and
      C(signal_received) (whether the caller's signal is in; V(null) when the signal is not pending at the instance's
      current step, as for a finished instance or a passed step). C(before_header) and C(after_header) name the
      instance by its reference id and title.
    - With O(instance_ids), a list of such dicts, one per instance that did not fail.
  returned: in diff mode
  type: raw
  sample:
    before_header: workflow instance 1042 "KEYEXAMPLE\jsmith is enrolling for CN=appsrvr12.keyexample.com"
    after_header: workflow instance 1042 "KEYEXAMPLE\jsmith is enrolling for CN=appsrvr12.keyexample.com"
    before: {status: Suspended, current_step_unique_name: RequireApproval1, signal_received: false}
    after: {status: Complete, current_step_unique_name: EndNOOP, signal_received: true}
counts:
  description:
    - How many instances of O(instance_ids) had each outcome, and how many failed (an instance that failed counts
      only as failed). Every key is present, 0 when no instance had it; instances not tried count as failed.
  returned: with O(instance_ids)
  type: dict
  version_added: 1.1.0
  sample: {signaled: 18, already_signaled: 1, step_passed: 0, instance_finished: 0, failed: 1}
results:
  description:
    - One compact entry per instance of O(instance_ids), in that order, each under 1 KB. With O(details=true), the
      full entry instead, with the keys RV(msg), RV(outcome), RV(instance), RV(signal) and (in diff mode) RV(diff) of a
      single instance, plus C(instance_id), C(changed) and C(failed).
    - For a failed instance, C(outcome) is V(null) (V(signaled) when the signal was delivered but reading the
      instance back failed) and C(msg) says why. C(changed) is true when a signal was sent to it that may count.
    - When an error every instance would meet stopped the task, the instances not started have C(failed) true and a
      C(msg) that starts with C(Not tried), and the task's RV(msg) starts with that error.
  returned: with O(instance_ids)
  type: list
  elements: dict
  contains:
    instance_id:
      description: The instance GUID, in canonical form.
      type: str
      sample: 8a3c1f52-6a0e-4d0b-9a51-2f7e3c9d4b10
    reference_id:
      description: The integer workflow ID the portal shows; V(null) when the instance could not be read.
      type: int
      sample: 1042
    title:
      description: The instance's title (the requester and the certificate's subject); V(null) when not read.
      type: str
      sample: KEYEXAMPLE\jsmith is enrolling for a certificate with CN=appsrvr12.keyexample.com.
    outcome:
      description: As RV(outcome) of a single instance; V(null) for most failures.
      type: str
      sample: signaled
    changed:
      description: Whether a signal was sent to this instance that may count.
      type: bool
      sample: true
    failed:
      description: Whether this instance failed.
      type: bool
      sample: false
    msg:
      description: What happened to this instance and why.
      type: str
      sample: >-
        Sent RequireApproval1.ApprovalStatus to workflow instance 8a3c1f52-6a0e-4d0b-9a51-2f7e3c9d4b10, which was
        Suspended at step RequireApproval1 waiting for it; it is now Complete at step EndNOOP.
    status:
      description: The instance's status as last read (after the signal); V(null) when not read.
      type: str
      sample: Complete
    current_step_unique_name:
      description: The instance's current step as last read; V(null) when not read.
      type: str
      sample: EndNOOP
    diff:
      description: In diff mode, as RV(diff) of a single instance, unless the instance failed.
      type: dict
'''

from ansible_collections.keyfactor.command.plugins.module_utils._module import KeyfactorModule
from ansible_collections.keyfactor.command.plugins.module_utils._signal_runner import run_signal_task


def main():
    module = KeyfactorModule(
        argument_spec=dict(
            instance_id=dict(type='str'),
            instance_ids=dict(type='list', elements='str'),
            signal_key=dict(type='str', required=True, no_log=False),
            data=dict(type='dict', default={}),
            wait=dict(type='bool', default=False),
            wait_timeout=dict(type='float', default=300.0),
            wait_interval=dict(type='float', default=5.0),
            concurrency=dict(type='int', default=8),
            details=dict(type='bool', default=False),
        ),
        mutually_exclusive=[('instance_id', 'instance_ids')],
        required_one_of=[('instance_id', 'instance_ids')],
        supports_check_mode=True,
    )
    module.run(run_signal_task)


if __name__ == '__main__':
    main()
