# -*- coding: utf-8 -*-
# Copyright (c) keyfactor.command contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r'''
module: workflow_instances
short_description: Event-Driven Ansible source for Keyfactor Command workflow instances waiting for a signal
version_added: 1.1.0
description:
  - Polls Keyfactor Command for workflow instances, by default those suspended and waiting for a signal from the
    authenticated identity, and puts one event on the rulebook's queue for each instance each time it becomes pending
    at a step. An instance is announced again only when it reaches another step.
  - The key of an event is the instance's GUID and its current step's GUID. Only the instances of the last two
    listings are remembered: an instance that leaves the listing (signalled, finished, deleted) is forgotten once two
    polls in a row miss it (one may miss an instance that stays, when the listing changes while it is paged), so
    memory stays bounded by what is pending.
  - The event is the instance as M(keyfactor.command.workflow_instance_info) returns it (the same keys), plus
    C(meta.source.type) (V(keyfactor.command.workflow_instances)), C(meta.seen_at) (when the poll saw it, ISO 8601
    UTC) and, with O(details=true), C(meta.signal_keys) (the signal keys of the current step not yet received).
    ansible-rulebook adds C(meta.source.name), C(meta.received_at) and C(meta.uuid).
  - The connection options are those of the modules, with the same E(KEYFACTOR_*) environment variables, the same
    authentication modes, TLS, proxy, retries and secret redaction. An OAuth token is renewed as the modules renew it.
  - A poll that fails for want of an answer (timeout, reset connection) or with HTTP 429 or 5xx is logged in one line
    and repeated, waiting twice as long after each failure in a row, at most 10 times O(interval).
    Invalid options, HTTP 401 or 403, and any other error answer end the source with a message naming the problem,
    which ansible-rulebook shows before it shuts down.
  - Send signals from the playbook the rulebook runs with M(keyfactor.command.workflow_signal), which never signals an
    instance twice, so a repeated event or a concurrent scheduled job cannot approve twice.
extends_documentation_fragment:
  - keyfactor.command.connection
options:
  scope:
    description:
      - Which instances to watch, as O(keyfactor.command.workflow_instance_info#module:scope).
      - V(assigned_to_me) watches the suspended instances waiting for a signal from the authenticated identity.
    type: str
    choices: [all, started_by_me, assigned_to_me]
    default: assigned_to_me
  status:
    description:
      - Only instances in one of these statuses, as O(keyfactor.command.workflow_instance_info#module:status).
    type: list
    elements: str
    default: [Suspended]
  definition_id:
    description:
      - Only instances of the workflow definition with this GUID. Cannot be combined with O(definition_name).
    type: str
  definition_name:
    description:
      - Only instances of the workflow definition with exactly this display name, resolved to its GUID once, when the
        source starts. A name that matches no definition, or several, ends the source.
      - Cannot be combined with O(definition_id).
    type: str
  workflow_type:
    description:
      - Only instances of definitions of this workflow type, such as V(Enrollment) or V(Revocation).
    type: str
  query:
    description:
      - A raw Keyfactor C(QueryString) combined with the other filters with AND, as
        O(keyfactor.command.workflow_instance_info#module:query).
    type: str
  interval:
    description:
      - Seconds between the end of one poll and the start of the next, from 1 to 604800. Fractions are allowed.
    type: float
    default: 30
  details:
    description:
      - Read the full record of each instance an event announces (one request per new instance), adding C(signals),
        C(initial_data) and C(current_state_data) to the event, and C(meta.signal_keys).
    type: bool
    default: true
  emit_existing:
    description:
      - Announce the instances already pending when the source starts, so nothing is missed across a restart of the
        rulebook.
      - V(false) announces only the instances that become pending after the first poll.
    type: bool
    default: true
notes:
  - Each poll lists every matching instance (100 per request), so keep the filters as narrow as the rulebook needs.
  - The requests run in a thread; cancelling the source (the rulebook shutting down) closes the client.
seealso:
  - module: keyfactor.command.workflow_signal
  - module: keyfactor.command.workflow_instance_info
author:
  - keyfactor.command maintainers (@keyfactor-command)
'''

EXAMPLES = r'''
# Connection settings from the environment, as the modules read them:
#   KEYFACTOR_HOSTNAME=keyfactor.example.com KEYFACTOR_USERNAME='KEYEXAMPLE\approver1' KEYFACTOR_PASSWORD=...
- name: Approve web server certificates as soon as they wait for approval
  hosts: localhost
  sources:
    - name: pending approvals
      keyfactor.command.workflow_instances:
        definition_name: Web Server Enrollment Approval
        interval: 15
  rules:
    - name: Approve requests from the web team
      condition: >-
        "RequireApproval1.ApprovalStatus" in event.meta.signal_keys
        and event.title is search("web.keyexample.com", ignorecase=true)
      action:
        run_playbook:
          name: keyfactor.command.approve_pending
          extra_vars:
            instance_id: "{{ event.id }}"
            signal_key: RequireApproval1.ApprovalStatus

- name: Every instance that fails, from any definition, with OAuth client credentials
  hosts: localhost
  sources:
    - keyfactor.command.workflow_instances:
        url: keyfactor.example.com
        client_id: ansible-eda
        client_secret: "{{ keyfactor_client_secret }}"
        token_url: https://keyfactor.example.com:8444/realms/Keyfactor/protocol/openid-connect/token
        scope: all
        status: [Failed]
        details: false
        emit_existing: false
        interval: 60
  rules:
    - name: Open a ticket
      condition: event.status == "Failed"
      action:
        run_job_template:
          name: Open a PKI incident
          organization: Default
          job_args:
            extra_vars:
              instance_id: "{{ event.id }}"
'''

import logging
import os
import sys


def _make_collections_importable():
    """ansible-rulebook runs this file by path, so the tree it sits in must be put on sys.path to import the
    collection's module_utils: .../ansible_collections/keyfactor/command/extensions/eda/plugins/event_source."""
    root = os.path.abspath(__file__)
    for dummy in range(8):
        root = os.path.dirname(root)
    if os.path.isdir(os.path.join(root, 'ansible_collections')) and root not in sys.path:
        sys.path.insert(0, root)


async def main(queue, args):
    """ansible-rulebook's entry point: poll until cancelled, or until a fatal error ends the source."""
    _make_collections_importable()
    # pylint: disable-next=import-outside-toplevel
    from ansible_collections.keyfactor.command.plugins.module_utils._instance_watch import SOURCE_NAME, watch_instances

    await watch_instances(queue, args, logging.getLogger(SOURCE_NAME))
