# Copyright: (c) 2026, keyfactor.command contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""PascalCase response bodies, keys and order as in reference sections 2.3, 5.2 and 13."""

from kfsim.clock import format_datetime
from kfsim.model import STATUS_CODES


def status_value(status, switches):
    return status if switches.status_format == "name" else STATUS_CODES[status]


def instance_summary(instance, switches):
    """InstanceQueryResponse: the items of the instance list endpoints."""
    return {
        "Id": instance.id,
        "Status": status_value(instance.status, switches),
        "CurrentStepId": instance.step.id,
        "StatusMessage": instance.status_message,
        "Definition": {
            "Id": instance.definition.id,
            "DisplayName": instance.definition.display_name,
            "Version": instance.version.number,
            "WorkflowType": instance.definition.workflow_type,
        },
        "CurrentStepDisplayName": instance.step.display_name,
        "CurrentStepUniqueName": instance.step.unique_name,
        "Title": instance.title,
        "LastModified": format_datetime(instance.last_modified),
        "StartDate": format_datetime(instance.start_date),
        "ReferenceId": instance.reference_id,
    }


def _signal_received(instance, signal, caller_key, switches):
    if switches.signal_received == "per-caller":
        return instance.received_from(caller_key, signal.name)
    return any(item.signal_name == signal.name for item in instance.received)


def instance_detail(instance, caller_key, switches):
    """InstanceResponse: the summary plus Signals (the current step's, while Suspended), InitialData, CurrentStateData."""
    body = instance_summary(instance, switches)
    signals = instance.step.signals if instance.status == "Suspended" else ()
    body["Signals"] = [
        {"SignalName": signal.name, "StepSignalId": signal.step_signal_id,
         "SignalReceived": _signal_received(instance, signal, caller_key, switches)}
        for signal in signals
    ]
    body["InitialData"] = instance.initial_data
    body["CurrentStateData"] = instance.current_state_data
    return body


def definition_summary(definition):
    """DefinitionQueryResponse."""
    return {
        "Id": definition.id,
        "DisplayName": definition.display_name,
        "Key": definition.key,
        "KeyDisplayName": definition.key_display_name,
        "WorkflowType": definition.workflow_type,
        "DraftVersion": definition.draft_version,
        "PublishedVersion": definition.published_version,
    }


def _step(step, exportable):
    """DefinitionStepResponse; the simulator-only required approvals count stays out of it.

    exportable (the GET's query parameter) removes the security role IDs, as Keyfactor documents it.
    """
    return {
        "Id": step.id,
        "DisplayName": step.display_name,
        "UniqueName": step.unique_name,
        "ExtensionName": step.extension_name,
        "Enabled": step.enabled,
        "ConfigurationParameters": step.configuration_parameters,
        "Signals": [{"RoleIds": [] if exportable else list(signal.role_ids), "SignalName": signal.name}
                    for signal in step.signals],
        "Conditions": step.conditions,
        "Outputs": step.outputs,
    }


def definition_detail(definition, version, exportable=False):
    """DefinitionResponse of one version, steps in export (non-execution) order."""
    return {
        "Id": definition.id,
        "DisplayName": definition.display_name,
        "Description": definition.description,
        "Key": definition.key,
        "KeyDisplayName": definition.key_display_name,
        "IsPublished": version.number == definition.published_version,
        "WorkflowType": definition.workflow_type,
        "Steps": [_step(step, exportable) for step in version.export_order],
        "DraftVersion": definition.draft_version,
        "PublishedVersion": definition.published_version,
    }
