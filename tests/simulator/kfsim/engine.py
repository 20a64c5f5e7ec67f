# Copyright: (c) 2026, keyfactor.command contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Workflow semantics (reference sections 4 and 6): signals, approvals, advancing, Stop, Restart, Delete.

Callers hold ``state.lock``.
"""

import datetime
import uuid

from kfsim import errors
from kfsim.model import Instance, PendingTransition, ReceivedSignal, default_status_message


# ------------------------------------------------------------------------------------------ transitions

def _enter(instance, status, step, when, message=None):
    instance.status = status
    instance.step = step
    instance.received = []
    instance.status_message = message or default_status_message(status, step)
    instance.last_modified = when


def begin(instance, when):
    """Run a new instance from the start step to its first signal step (Suspended) or the end (Complete)."""
    start = instance.version.start
    if start.waits_for_signals:
        _enter(instance, "Suspended", start, when)
    else:
        _advance_past(instance, start, when)


def _advance_past(instance, step, when):
    """Follow Outputs through steps that take no signals, instantly."""
    last = step
    name = step.next_step_name()
    while name is not None:
        following = instance.version.steps[name]
        if following.waits_for_signals:
            _enter(instance, "Suspended", following, when)
            return
        last = following
        name = following.next_step_name()
    _enter(instance, "Complete", last, when)


def _decide(instance, advance, decided_by, when):
    """Advance past the current step, or reject the instance (a deny)."""
    instance.pending = None
    if advance:
        _advance_past(instance, instance.step, when)
    else:
        instance.status = "Rejected"
        instance.status_message = "Denied by %s." % decided_by
        instance.last_modified = when


def _schedule(state, instance, advance, decided_by, now, delay):
    """Apply a decided outcome now, or after ``delay`` seconds (the locking window of reference 4.4)."""
    if delay <= 0:
        _decide(instance, advance, decided_by, now)
        return
    instance.pending = PendingTransition(now + datetime.timedelta(seconds=delay), advance, decided_by)
    state.pending.add(instance.id)


def settle(state, now):
    """Apply the pending outcomes that are due; they take effect (LastModified) at their due time."""
    for instance_id in list(state.pending):
        instance = state.instances.get(instance_id)
        if instance is None or instance.pending is None:
            state.pending.discard(instance_id)
        elif instance.pending.due <= now:
            pending = instance.pending
            _decide(instance, pending.advance, pending.decided_by, pending.due)
            state.pending.discard(instance_id)
            state.changed()


def _cancel_pending(state, instance):
    instance.pending = None
    state.pending.discard(instance.id)


# ---------------------------------------------------------------------------------------------- signals

def parse_signal_body(body):
    """Return (SignalKey, Data) from a request body; property names are matched case-insensitively."""
    if not isinstance(body, dict):
        raise errors.bad_request("The request body must be a JSON object with SignalKey and Data.", errors.INVALID_SIGNAL)
    properties = {str(name).lower(): value for name, value in body.items()}
    key = properties.get("signalkey")
    if not isinstance(key, str) or "." not in key.strip(".") or key != key.strip():
        raise errors.bad_request("SignalKey must be '<StepUniqueName>.<SignalName>', got %r." % (key,),
                                 errors.INVALID_SIGNAL)
    data = properties.get("data")
    if not isinstance(data, dict):
        raise errors.bad_request("Data must be a JSON object, got %r." % (data,), errors.INVALID_SIGNAL)
    return key, data


def _parse_approved(data):
    value = data.get("Approved")
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise errors.bad_request("Data.Approved must be true or false (a JSON boolean or the string \"True\"/\"False\"), "
                             "got %r." % (value,), errors.INVALID_SIGNAL)


def _match_signal(instance, key):
    step = instance.step
    accepted = ["%s.%s" % (step.unique_name, signal.name) for signal in step.signals]
    for signal in step.signals:
        if key == "%s.%s" % (step.unique_name, signal.name):
            return signal
    where = "is not a signal of" if key.startswith(step.unique_name + ".") else "is not for"
    raise errors.bad_request("SignalKey '%s' %s the current step '%s' of workflow instance %s; accepted: %s." % (
        key, where, step.unique_name, instance.id, ", ".join(accepted)), errors.INVALID_SIGNAL)


def _outcome(instance, approved):
    """True to advance, False to reject, None to keep waiting for more approvals."""
    step = instance.step
    if not step.is_approval:
        return True
    if not approved:
        return False
    return True if len(instance.approvals()) >= step.required_approvals else None


def signal(state, instance, caller, key, data, switches, now):
    """Apply a signal; return True when it counted, False when a repeat was ignored; raise ApiError otherwise."""
    if instance.status != "Suspended":
        raise errors.bad_request("Workflow instance %s is %s; signals are accepted only while it is Suspended." % (
            instance.id, instance.status), errors.INVALID_STATE)
    step_signal = _match_signal(instance, key)
    if not caller.role_ids.intersection(step_signal.role_ids):
        raise errors.ApiError(403, errors.FORBIDDEN, "%s holds none of the roles (%s) allowed to send %s." % (
            caller.name, ", ".join(str(role) for role in step_signal.role_ids), key))
    approved = _parse_approved(data) if instance.step.is_approval else None
    if instance.received_from(caller.key, step_signal.name):
        if switches.repeat_signal == "reject":
            raise errors.bad_request("%s has already sent %s for workflow instance %s." % (caller.name, key, instance.id),
                                     errors.DUPLICATE_SIGNAL)
        return False
    instance.received.append(ReceivedSignal(caller.name, step_signal.name, approved))
    instance.last_modified = now
    state.changed()
    if instance.pending is None:
        outcome = _outcome(instance, approved)
        if outcome is not None:
            _schedule(state, instance, outcome, caller.name, now, switches.advance_delay)
    return True


# ------------------------------------------------------------------------------- stop, restart, delete

def stop(state, instance, caller, switches, now):
    """Stop a Suspended instance; it shows the stop_status switch's status (Rejected by default)."""
    if instance.status != "Suspended":
        raise errors.bad_request("Workflow instance %s is %s; only Suspended instances can be stopped." % (
            instance.id, instance.status), errors.INVALID_STATE)
    _cancel_pending(state, instance)
    instance.status = switches.stop_status
    instance.status_message = "Stopped by %s." % caller.name
    instance.last_modified = now
    state.changed()


def restart(state, instance, version_number, now):
    """Cancel ``instance`` and start a copy (new GUID and ReferenceId) from the beginning of a definition version."""
    if instance.status not in ("Failed", "Suspended"):
        raise errors.bad_request("Workflow instance %s is %s; only Failed or Suspended instances can be restarted." % (
            instance.id, instance.status), errors.INVALID_STATE)
    definition = instance.definition
    number = definition.published_version if version_number is None else version_number
    if number not in definition.versions:
        raise errors.bad_request("Workflow definition %s has no version %s; versions: %s." % (
            definition.id, number, ", ".join(str(known) for known in sorted(definition.versions))))
    _cancel_pending(state, instance)
    version = definition.versions[number]
    _enter(instance, "CanceledForRestart", instance.step, now)
    restarted = Instance(
        id=str(uuid.uuid4()), reference_id=state.next_reference_id(), definition=definition, version=version,
        status="Running", step=version.start, status_message="", title=instance.title,
        initiating_user=instance.initiating_user, start_date=now, last_modified=now,
        initial_data=dict(instance.initial_data), current_state_data={})
    begin(restarted, now)
    state.instances[restarted.id] = restarted
    state.changed()
    return restarted


# The statuses the delete_refuses switch protects: the reference documents no restriction on DELETE.
DELETE_REFUSED = {"none": (), "running": ("Running",), "active": ("Running", "Suspended")}


def delete(state, instance, switches):
    if instance.status in DELETE_REFUSED[switches.delete_refuses]:
        raise errors.bad_request("Workflow instance %s is %s; it cannot be deleted while it is %s." % (
            instance.id, instance.status, " or ".join(DELETE_REFUSED[switches.delete_refuses])), errors.INVALID_STATE)
    _cancel_pending(state, instance)
    del state.instances[instance.id]
    state.changed()
