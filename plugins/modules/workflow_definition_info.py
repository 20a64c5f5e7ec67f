#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) keyfactor.command contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r'''
module: workflow_definition_info
short_description: Find Keyfactor Command workflow definitions and the signal keys they accept
version_added: 1.1.0
description:
  - Reads workflow definitions from Keyfactor Command, either one definition by its ID or every definition, optionally
    only those with a given display name or workflow type.
  - Each definition comes with its steps in execution order and its RV(definitions[].signal_keys), every signal key
    its enabled steps accept, in the form O(keyfactor.command.workflow_signal#module:signal_key) takes.
  - This module only reads. It never changes anything and runs the same way in check mode.
extends_documentation_fragment:
  - keyfactor.command.connection
  - keyfactor.command.attributes
  - keyfactor.command.attributes.action_group
  - keyfactor.command.attributes.info_module
options:
  definition_id:
    description:
      - The GUID of one workflow definition to return.
      - An unknown ID returns an empty RV(definitions) list rather than failing.
      - Cannot be combined with O(display_name) or O(workflow_type).
    type: str
  display_name:
    description:
      - Only the definitions with exactly this display name, letter case included.
    type: str
  workflow_type:
    description:
      - Only the definitions of this workflow type, for example V(Enrollment), V(Revocation) or V(Expiration). The whole
        type must match.
    type: str
  version:
    description:
      - Which version of each definition to return.
      - V(published) is the published version, the one new instances run; a definition never published gives its latest
        version.
      - V(latest) is the most recent version, which may be a draft not published yet.
      - A number, such as the RV(keyfactor.command.workflow_instance_info#module:instances[].definition.version) an
        instance runs, gives that version. It needs O(definition_id); a version the definition does not have fails the
        task.
    type: raw
    default: published
  concurrency:
    description:
      - How many definitions are read at the same time (one request each), over one connection pool. From 1 to 32.
    type: int
    default: 8
notes:
  - Options are checked before any request. A listing costs one request per 100 definitions plus one per definition
    returned. O(definition_id) costs one request, or two when the version asked for is not the one the server returns
    by default.
seealso:
  - module: keyfactor.command.workflow_instance_info
    description: Find the instances of a definition, by its ID or its display name.
  - module: keyfactor.command.workflow_signal
    description: Send one of the signal keys a definition accepts.
  - ref: ansible_collections.keyfactor.command.docsite.user_guide
    description: The user guide, with the section "Finding definitions and signal keys".
author:
  - keyfactor.command maintainers (@keyfactor-command)
'''

EXAMPLES = r'''
- name: Every workflow definition, at its published version
  keyfactor.command.workflow_definition_info:
  register: all_definitions

- name: The WebServer enrollment workflow and the signal keys it accepts
  keyfactor.command.workflow_definition_info:
    display_name: Web Server Enrollment Approval
    workflow_type: Enrollment
  register: webserver

- name: What waits for me in that workflow
  keyfactor.command.workflow_instance_info:
    scope: assigned_to_me
    definition_id: "{{ webserver.definitions[0].id }}"
  register: pending

- name: Approve it with the key the definition accepts
  keyfactor.command.workflow_signal:
    instance_ids: "{{ pending.instances | map(attribute='id') }}"
    signal_key: "{{ webserver.definitions[0].signal_keys[0] }}"
    data:
      Approved: true

- name: The definition version one instance runs (an older one, perhaps)
  keyfactor.command.workflow_definition_info:
    definition_id: "{{ pending.instances[0].definition.id }}"
    version: "{{ pending.instances[0].definition.version }}"
  register: its_version
  when: pending.count > 0

- name: The draft being edited, to compare with what runs today
  keyfactor.command.workflow_definition_info:
    definition_id: 2f6d8e14-0c3b-4e55-a9d7-61b0c8e2f4a1
    version: latest
  register: draft

- name: Which steps wait for a signal, and which roles may send it
  ansible.builtin.debug:
    msg: "{{ item.key }}: roles {{ item.role_ids }}"
  loop: "{{ webserver.definitions | map(attribute='steps') | flatten | selectattr('enabled')
            | map(attribute='signals') | flatten }}"
'''

RETURN = r'''
definitions:
  description:
    - The definitions found, in the server's order (by display name). Always a list; empty when nothing matches or
      when O(definition_id) is unknown.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: The definition's GUID, as O(keyfactor.command.workflow_instance_info#module:definition_id) takes it.
      type: str
      returned: always
      sample: 2f6d8e14-0c3b-4e55-a9d7-61b0c8e2f4a1
    display_name:
      description:
        - The definition's display name, as O(keyfactor.command.workflow_instance_info#module:definition_name) takes it.
      type: str
      returned: always
      sample: Web Server Enrollment Approval
    description:
      description: The definition's description.
      type: str
      returned: always
      sample: Require one PKI admin approval for WebServer enrollments
    key:
      description: What the definition applies to, by workflow type (for enrollments and revocations a template ID).
      type: str
      returned: always
      sample: '41'
    key_display_name:
      description: The name of what RV(definitions[].key) refers to.
      type: str
      returned: always
      sample: WebServer
    workflow_type:
      description: The workflow type.
      type: str
      returned: always
      sample: Enrollment
    version:
      description: The version returned, chosen by O(version).
      type: int
      returned: always
      sample: 3
    published_version:
      description: The published version, the one new instances run; V(null) when the definition was never published.
      type: int
      returned: always
      sample: 3
    draft_version:
      description:
        - The most recent version; larger than RV(definitions[].published_version) while a draft is not published.
      type: int
      returned: always
      sample: 3
    steps:
      description: The steps of the version returned, in execution order (from the start along each step's outputs).
      type: list
      elements: dict
      returned: always
      contains:
        id:
          description: The step's GUID, the C(current_step_id) of an instance standing there.
          type: str
          returned: always
          sample: 5b0f9c2e-1d7a-4a3e-8f61-0c2d9e7a6b34
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
        extension_name:
          description: The step type, such as C(RequireApproval), C(Email) or C(NOOPStep).
          type: str
          returned: always
          sample: RequireApproval
        enabled:
          description: Whether the step runs. A disabled step is passed through and never waits for a signal.
          type: bool
          returned: always
          sample: true
        signals:
          description: The signals the step waits for.
          type: list
          elements: dict
          returned: always
          contains:
            name:
              description: The signal's name.
              type: str
              returned: always
              sample: ApprovalStatus
            key:
              description: The signal key, C(<unique name>.<signal name>).
              type: str
              returned: always
              sample: RequireApproval1.ApprovalStatus
            role_ids:
              description: The IDs of the security roles allowed to send the signal.
              type: list
              elements: int
              returned: always
              sample: [3, 7]
        outputs:
          description: The step's outputs, each naming the unique name of the step that follows; empty at the end.
          type: dict
          returned: always
          sample: {"continue": "Enroll"}
    signal_keys:
      description: Every signal key the definition's enabled steps accept, in execution order.
      type: list
      elements: str
      returned: always
      sample: [RequireApproval1.ApprovalStatus]
count:
  description: How many definitions were returned (the length of RV(definitions)).
  returned: always
  type: int
  sample: 1
'''

from ansible_collections.keyfactor.command.plugins.module_utils._definition_search import run
from ansible_collections.keyfactor.command.plugins.module_utils._module import KeyfactorModule

ARGUMENT_SPEC = dict(
    definition_id=dict(type='str'),
    display_name=dict(type='str'),
    workflow_type=dict(type='str'),
    version=dict(type='raw', default='published'),
    concurrency=dict(type='int', default=8),
)


def main():
    module = KeyfactorModule(
        argument_spec=ARGUMENT_SPEC,
        mutually_exclusive=[('definition_id', 'display_name'), ('definition_id', 'workflow_type')],
        supports_check_mode=True,
    )
    module.run(run)


if __name__ == '__main__':
    main()
