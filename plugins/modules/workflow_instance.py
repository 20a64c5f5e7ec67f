#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) keyfactor.command contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r'''
module: workflow_instance
short_description: Stop, restart or delete Keyfactor Command workflow instances, idempotently and in bulk
version_added: 1.1.0
description:
  - Brings one or more Keyfactor Command workflow instances to a state, with C(POST /Workflow/Instances/{id}/Stop),
    C(POST /Workflow/Instances/{id}/Restart) or C(DELETE /Workflow/Instances/{id}), only when the instance is not in
    that state already, so that running the same play again changes nothing.
  - "O(state=stopped): a V(Suspended) instance is stopped (Keyfactor Command stops only Suspended instances; it then
    shows as V(Rejected)). An instance that has finished (V(Rejected), V(Complete), V(Failed), V(CanceledForRestart))
    is left alone, with the outcome V(already_finished). A V(Running) instance cannot be stopped: it fails, or with
    O(wait) is polled until it is Suspended (then stopped) or has finished."
  - "O(state=restarted): a V(Failed) instance (with O(restart_suspended), a V(Suspended) one too) is restarted from
    the beginning, at O(definition_version) or by default at the definition's published version. The old instance
    ends V(CanceledForRestart) and Keyfactor Command starts a new instance, whose GUID is returned as
    RV(new_instance_id). A V(CanceledForRestart) instance gives V(already_restarted); any other status gives
    V(not_restartable), not a failure, so that a play restarting every Failed instance of a night can run again."
  - "O(state=absent): the instance is deleted; one the server does not know (HTTP 404) gives V(already_absent).
    Deleting a V(Suspended) or V(Running) instance removes a request someone is waiting on, or a workflow in
    progress, so it needs O(force); without it such an instance fails, saying so."
  - "When the answer to the operation is lost (no complete answer within O(timeout), a connection reset) or is HTTP
    429 or 5xx (a gateway may send those after the server acted), the operation is never sent again blindly. The
    module waits for the server's C(Retry-After), if any, and re-reads the instance. A Stop took effect when the
    instance is no longer Suspended, a Restart when it is CanceledForRestart, a DELETE when the instance is gone: the
    result is then changed. A Stop or DELETE that did not take effect is sent again, at most O(retries) times. A
    Restart is never sent twice in one run, since a second one could start a second new instance: the instance fails,
    saying it was not restarted, and the next run restarts it. Each such reconciliation is reported as a warning."
  - When the API answers HTTP 400 or 404 to the operation, the instance is re-read. When there is nothing left to do
    (another run stopped, restarted or deleted it meanwhile) the outcome is that of the re-read, not changed; after an
    earlier attempt whose answer was lost, an operation that took effect is that attempt's, changed. Anything else
    fails the instance with the API's error.
  - "How the new instance of a Restart is found: the API does not return it, so the module lists the instances of
    the same definition with the same title that started after the old one, sorted by C(StartDate), and takes the one
    that started within two minutes of the old instance's last change (its cancellation). When no instance or more
    than one fits, RV(new_instance_id) is V(null) and a warning says why. The initiating user cannot be compared:
    Keyfactor Command returns it for no instance (Keyfactor's titles usually name the requester)."
author:
  - keyfactor.command maintainers (@keyfactor-command)
options:
  instance_id:
    description:
      - The GUID of the workflow instance, as in C(GET /Workflow/Instances) (the integer C(ReferenceId) cannot be
        used).
      - Any letter case is accepted, in braces or not, with whitespace around it. It is sent in canonical form, lower
        case without braces.
      - Exactly one of O(instance_id) and O(instance_ids) is required.
    type: str
  instance_ids:
    description:
      - The GUIDs of several workflow instances, each handled on its own and concurrently (see O(concurrency)).
        Results come back in RV(results) in this order; a GUID listed twice (in any letter case or braces) is handled
        once, at its first position. An empty list does nothing.
      - The task fails when any instance failed, after every instance was tried.
      - An error every instance would meet stops the task instead, such as credentials rejected with HTTP 401, no
        Keyfactor Command API at O(url) and O(api_path), something other than the API answering, or a server that
        cannot be reached. No further instance is started, those in progress finish, and RV(results) keeps every
        result so far.
      - Exactly one of O(instance_id) and O(instance_ids) is required.
    type: list
    elements: str
  state:
    description:
      - V(stopped) stops Suspended instances, V(restarted) restarts Failed ones, V(absent) deletes instances.
    type: str
    required: true
    choices: [stopped, restarted, absent]
  restart_suspended:
    description:
      - With O(state=restarted), restart Suspended instances too (they start again from the beginning, and the
        signals they had received are lost). Without it, a Suspended instance gives V(not_restartable).
      - Only with O(state=restarted).
    type: bool
    default: false
  definition_version:
    description:
      - With O(state=restarted), the version of the instance's workflow definition to restart at. The module reads
        that definition version first, and fails the instance when it does not exist (also in check mode).
      - By default Keyfactor Command restarts at the definition's published version.
      - Only with O(state=restarted). Must be 1 or more.
    type: int
  force:
    description:
      - With O(state=absent), delete Suspended and Running instances too. Without it they fail, since deleting them
        removes a request someone is waiting on, or a workflow in progress.
      - Only with O(state=absent).
    type: bool
    default: false
  wait:
    description:
      - With O(state=stopped), poll a V(Running) instance every O(wait_interval) seconds until it is Suspended (then
        stop it) or has finished (V(already_finished)). When O(wait_timeout) passes first, the instance fails with
        its status.
      - When V(false), a Running instance fails at once.
      - Waiting also happens in check mode, so that check mode predicts what a real run would do.
      - Only with O(state=stopped).
    type: bool
    default: false
  wait_timeout:
    description:
      - Seconds to wait, per instance, when O(wait=true). Must be a finite number greater than 0 and at most
        V(604800) (a week).
    type: float
    default: 300
  wait_interval:
    description:
      - Seconds between two reads of an instance while waiting (O(wait=true)). Must be a finite number greater than 0
        and at most V(604800) (a week).
    type: float
    default: 5
  concurrency:
    description:
      - How many instances of O(instance_ids) are handled at the same time, over one shared HTTP session with as many
        connections. Must be 1 or more.
    type: int
    default: 8
notes:
  - "Requests per instance: a first run costs 2 for a DELETE (read, delete), 3 for a Stop (read, stop, re-read) and 4
    for a Restart (read, restart, re-read, the list that finds the new instance); a re-run costs 1 (2 for an instance
    already restarted). O(definition_version) adds one read per task."
  - Check mode cannot foresee a refusal that only the operation reveals, such as HTTP 403 when the caller lacks the
    permission to manage workflow instances, or a server that refuses to delete some instances.
  - "The module runs where the task runs; with C(hosts: localhost) or C(delegate_to: localhost) that is the controller
    or the execution environment."
seealso:
  - module: keyfactor.command.workflow_instance_info
    description: Find workflow instances, for example every Failed instance of a definition since a time.
  - module: keyfactor.command.workflow_signal
    description: Approve or deny workflow instances.
extends_documentation_fragment:
  - keyfactor.command.connection
  - keyfactor.command.attributes
  - keyfactor.command.attributes.action_group
attributes:
  check_mode:
    support: full
    details:
      - The same reads and the same decision as a real run (GET requests only), so C(changed) and the outcomes are
        what a real run would report. RV(new_instance_id) is V(null) for an instance that would be restarted.
  diff_mode:
    support: full
    details:
      - RV(diff) shows whether the instance exists and its status, before and after, under a header with its
        reference id and title.
      - In check mode the predicted C(after) is the status the reference gives each operation (V(Rejected) after a
        Stop, V(CanceledForRestart) after a Restart), or absent after a DELETE.
'''

EXAMPLES = r'''
- name: Restart a failed enrollment, with the credentials in KEYFACTOR_* environment variables
  keyfactor.command.workflow_instance:
    instance_id: 8a3c1f52-6a0e-4d0b-9a51-2f7e3c9d4b10
    state: restarted
  register: restart

- name: Show the new instance
  ansible.builtin.debug:
    msg: "{{ restart.outcome }}: the new instance is {{ restart.new_instance_id }}"

- name: Find every Failed instance of a definition since last night
  keyfactor.command.workflow_instance_info:
    status: Failed
    definition_id: 2f6d8e14-0c3b-4e55-a9d7-61b0c8e2f4a1
    started_after: '2024-05-14T18:00:00Z'
  register: failed

- name: Restart them all at definition version 4, 8 at a time
  keyfactor.command.workflow_instance:
    instance_ids: "{{ failed.instances | map(attribute='id') | list }}"
    state: restarted
    definition_version: 4

- name: Stop stale requests; wait for those still running to reach their approval step
  keyfactor.command.workflow_instance:
    instance_ids:
      - 5b0f9c2e-1d7a-4a3e-8f61-0c2d9e7a6b34
      - 0d4e6b1a-7c92-4f3d-b5e8-2a9c1f7d6e40
    state: stopped
    wait: true
    wait_timeout: 120

- name: Preview deleting an instance, Suspended or not
  keyfactor.command.workflow_instance:
    instance_id: 0d4e6b1a-7c92-4f3d-b5e8-2a9c1f7d6e40
    state: absent
    force: true
  check_mode: true
  diff: true
'''

RETURN = r'''
msg:
  description:
    - One sentence saying what happened and why. With O(instance_ids), the number of instances per outcome, after
      a headline saying how many failed and why, when any did.
  returned: always
  type: str
  sample: >-
    Restarted workflow instance 8a3c1f52-6a0e-4d0b-9a51-2f7e3c9d4b10, which was Failed at step Enroll; it is now
    CanceledForRestart at step Enroll, and the restart started workflow instance 3c9e1d7a-2b4f-4e8a-9d61-7f0a2c5e8b13.
outcome:
  description:
    - With O(state=stopped), V(stopped) (in check mode, would be stopped) or V(already_finished).
    - With O(state=restarted), V(restarted), V(already_restarted) or V(not_restartable) (with the reason in RV(msg)).
    - With O(state=absent), V(deleted) or V(already_absent).
  returned: with O(instance_id), unless the instance failed
  type: str
  sample: restarted
new_instance_id:
  description:
    - With O(state=restarted), the GUID of the instance the restart started (also for V(already_restarted)), when
      it can be told for certain; otherwise V(null), with a warning saying why.
    - V(null) in check mode, and for an instance not restarted.
  returned: with O(instance_id) and O(state=restarted)
  type: str
  sample: 3c9e1d7a-2b4f-4e8a-9d61-7f0a2c5e8b13
instance:
  description:
    - The workflow instance, with the keys of RV(keyfactor.command.workflow_instance_info#module:instances), as it
      stands after a Stop or Restart; in check mode and when nothing was done, as read. A deleted instance as it was
      before the deletion. V(null) for an instance the server does not know.
  returned: with O(instance_id)
  type: dict
  sample:
    id: 8a3c1f52-6a0e-4d0b-9a51-2f7e3c9d4b10
    reference_id: 1042
    title: KEYEXAMPLE\jsmith is enrolling for a certificate with CN=appsrvr12.keyexample.com.
    status: CanceledForRestart
    current_step_unique_name: Enroll
diff:
  description:
    - With O(instance_id), a dict with C(before) and C(after), each with C(present) (whether the instance exists)
      and C(status) (V(null) when absent), under headers naming the instance by reference id and title.
    - With O(instance_ids), a list of such dicts, one per instance that did not fail.
  returned: in diff mode
  type: raw
  sample:
    before_header: workflow instance 1042 "KEYEXAMPLE\jsmith is enrolling for a certificate with CN=appsrvr12.example."
    after_header: workflow instance 1042 "KEYEXAMPLE\jsmith is enrolling for a certificate with CN=appsrvr12.example."
    before: {present: true, status: Failed}
    after: {present: true, status: CanceledForRestart}
counts:
  description:
    - With O(instance_ids), the number of instances per outcome of O(state), and C(failed).
  returned: with O(instance_ids)
  type: dict
  sample: {restarted: 18, already_restarted: 0, not_restartable: 1, failed: 1}
results:
  description:
    - One compact entry per instance of O(instance_ids), in that order, with the keys C(instance_id),
      C(reference_id), C(title), C(outcome), C(changed), C(failed), C(msg), C(status), C(current_step_unique_name)
      (the last read of the instance), C(new_instance_id) with O(state=restarted), and C(diff) in diff mode.
    - For a failed instance C(outcome) is V(null) and C(msg) says why; C(changed) is true when an operation was sent
      that may have taken effect.
    - When an error every instance would meet stopped the task, the instances not started have C(failed) true and a
      C(msg) that starts with C(Not tried).
  returned: with O(instance_ids)
  type: list
  elements: dict
  sample:
    - instance_id: 8a3c1f52-6a0e-4d0b-9a51-2f7e3c9d4b10
      reference_id: 1042
      title: KEYEXAMPLE\jsmith is enrolling for a certificate with CN=appsrvr12.keyexample.com.
      outcome: restarted
      changed: true
      failed: false
      msg: >-
        Restarted workflow instance 8a3c1f52-6a0e-4d0b-9a51-2f7e3c9d4b10, which was Failed at step Enroll; it is now
        CanceledForRestart at step Enroll, and the restart started workflow instance
        3c9e1d7a-2b4f-4e8a-9d61-7f0a2c5e8b13.
      status: CanceledForRestart
      current_step_unique_name: Enroll
      new_instance_id: 3c9e1d7a-2b4f-4e8a-9d61-7f0a2c5e8b13
'''

from ansible_collections.keyfactor.command.plugins.module_utils._batch import instance_argument_spec
from ansible_collections.keyfactor.command.plugins.module_utils._lifecycle_runner import run_lifecycle_task
from ansible_collections.keyfactor.command.plugins.module_utils._module import KeyfactorModule


def main():
    spec, constraints = instance_argument_spec()
    spec.update(
        state=dict(type='str', required=True, choices=['stopped', 'restarted', 'absent']),
        restart_suspended=dict(type='bool', default=False),
        definition_version=dict(type='int'),
        force=dict(type='bool', default=False),
    )
    module = KeyfactorModule(argument_spec=spec, supports_check_mode=True, **constraints)
    module.run(run_lifecycle_task)


if __name__ == '__main__':
    main()
