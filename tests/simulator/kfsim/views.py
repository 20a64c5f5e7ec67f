# Copyright: (c) 2026, keyfactor.command contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""PascalCase response bodies, keys and order as in reference sections 2.3, 5.2 and 13."""

from kfsim.clock import format_datetime
from kfsim.model import STATUS_CODES


def status_value(status, switches):
    if switches.status_format == "name":
        return status
    return dict(switches.status_codes).get(status, STATUS_CODES[status])


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


def _visible_signals(instance, caller, switches):
    """The current step's signals while Suspended; with signal_visibility roles*, only those the caller may send."""
    signals = instance.step.signals if instance.status == "Suspended" else ()
    if switches.signal_visibility == "all":
        return list(signals)
    mine = [signal for signal in signals if caller.role_ids.intersection(signal.role_ids)]
    return None if not mine and switches.signal_visibility == "roles-null" else mine


def instance_detail(instance, caller, switches):
    """InstanceResponse: the summary plus Signals (the current step's, while Suspended), InitialData, CurrentStateData."""
    body = instance_summary(instance, switches)
    signals = _visible_signals(instance, caller, switches)
    body["Signals"] = None if signals is None else [
        {"SignalName": signal.name, "StepSignalId": signal.step_signal_id,
         "SignalReceived": _signal_received(instance, signal, caller.key, switches)}
        for signal in signals
    ]
    body["InitialData"] = instance.initial_data
    body["CurrentStateData"] = instance.current_state_data
    return body


def _camel(name):
    return name[:1].lower() + name[1:]


def _camel_keys(body):
    """camelCase keys for the instance, its Definition and its Signals; free-form data (InitialData...) untouched."""
    def convert(key, value):
        if key == "Definition" and isinstance(value, dict):
            return {_camel(name): item for name, item in value.items()}
        if key == "Signals" and isinstance(value, list):
            return [{_camel(name): item for name, item in signal.items()} for signal in value]
        return value
    return {_camel(key): convert(key, value) for key, value in body.items()}


def _camel_step(step):
    """A step in camelCase; its ConfigurationParameters and Outputs are maps of free-form names, kept as they are."""
    return {_camel(key): [{_camel(name): item for name, item in entry.items()} for entry in value]
            if key in ("Signals", "Conditions") else value for key, value in step.items()}


def shape_definition(body, switches):
    """A DefinitionResponse as key_case asks (its steps, their signals and conditions too)."""
    if switches.key_case != "camel":
        return body
    return {_camel(key): [_camel_step(step) for step in value] if key == "Steps" else value
            for key, value in body.items()}


def shape_instance(body, switches):
    """An instance body as the hostile-shape switches ask: null_fields, omit_fields, key_case."""
    for names, change in ((switches.null_fields, "null"), (switches.omit_fields, "omit")):
        for name in names:
            outer, _dot, inner = name.partition(".")
            target, key = (body.get(outer), inner) if inner else (body, outer)
            if isinstance(target, dict) and key in target:
                if change == "null":
                    target[key] = None
                else:
                    del target[key]
    return _camel_keys(body) if switches.key_case == "camel" else body


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
