# Copyright: (c) 2026, keyfactor.command contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The simulated world: identities, workflow definitions and instances."""

import datetime
import uuid
from dataclasses import dataclass, field

# Reference section 3: the documented names and the project's provisional, unverified integer table.
STATUS_CODES = {
    "Unknown": 0,
    "Running": 1,
    "Suspended": 2,
    "Complete": 3,
    "Rejected": 4,
    "Failed": 5,
    "CanceledForRestart": 6,
}
STATUS_NAMES = {code: name for name, code in STATUS_CODES.items()}
_STATUS_BY_FOLDED_NAME = {name.casefold(): name for name in STATUS_CODES}

REQUIRE_APPROVAL = "RequireApproval"


def canonical_status(value):
    """Return the status name for a name (any case) or a provisional integer; ValueError otherwise."""
    if isinstance(value, int) and not isinstance(value, bool):
        if value in STATUS_NAMES:
            return STATUS_NAMES[value]
    elif isinstance(value, str):
        text = value.strip()
        if text.lstrip("-").isdigit():
            return canonical_status(int(text))
        if text.casefold() in _STATUS_BY_FOLDED_NAME:
            return _STATUS_BY_FOLDED_NAME[text.casefold()]
    raise ValueError("unknown status %r; known: %s (or 0-6)" % (value, ", ".join(STATUS_CODES)))


def default_status_message(status, step):
    """StatusMessage for a state; the real texts are not documented (reference 2.3: "vary")."""
    if status == "Suspended":
        return "Waiting for approval." if step.is_approval else "Waiting for input at step '%s'." % step.display_name
    return {
        "Running": "Running step '%s'." % step.display_name,
        "Complete": "The workflow has completed.",
        "Rejected": "The workflow was rejected.",
        "Failed": "Step '%s' failed." % step.display_name,
        "CanceledForRestart": "The workflow was canceled for a restart.",
    }[status]


def canonical_guid(value):
    """Return the lower-case hyphenated form of a GUID string; ValueError if it is not one."""
    return str(uuid.UUID(str(value).strip()))


@dataclass(frozen=True)
class Identity:
    """Who a request runs as: an AD user (``DOMAIN\\user``) or an OAuth client's mapped identity."""

    name: str
    role_ids: frozenset

    @property
    def key(self):
        return self.name.casefold()


@dataclass(frozen=True)
class StepSignal:
    name: str
    role_ids: tuple
    step_signal_id: str


@dataclass(frozen=True)
class Step:
    id: str
    unique_name: str
    display_name: str
    extension_name: str
    enabled: bool
    configuration_parameters: dict
    signals: tuple
    conditions: list
    outputs: dict
    # Simulator-only fixture setting: the real ConfigurationParameters key is unknown (reference 4.4).
    required_approvals: int

    @property
    def is_approval(self):
        return self.extension_name == REQUIRE_APPROVAL

    @property
    def waits_for_signals(self):
        return self.enabled and bool(self.signals)

    def next_step_name(self):
        """The successor's UniqueName: the ``continue`` output, else the first output set; None at the end."""
        if self.outputs.get("continue"):
            return self.outputs["continue"]
        return next((target for target in self.outputs.values() if target), None)


@dataclass(frozen=True)
class DefinitionVersion:
    number: int
    steps: dict  # UniqueName -> Step, in execution order
    export_order: tuple  # the order GET /Workflow/Definitions/{id} lists them (not execution order)

    @property
    def start(self):
        return next(iter(self.steps.values()))

    def first_signal_step(self):
        return next((step for step in self.steps.values() if step.waits_for_signals), None)


@dataclass(frozen=True)
class Definition:
    id: str
    alias: str
    display_name: str
    description: str
    key: str
    key_display_name: str
    workflow_type: str
    versions: dict  # number -> DefinitionVersion
    published_version: object  # int or None

    @property
    def draft_version(self):
        return max(self.versions)


@dataclass
class ReceivedSignal:
    """A counted signal at the instance's current step."""

    caller: str
    signal_name: str
    approved: object  # True/False for approvals, None for other signals

    @property
    def caller_key(self):
        return self.caller.casefold()


@dataclass
class PendingTransition:
    """A decided step outcome that takes effect at ``due`` (the --advance-delay locking window)."""

    due: datetime.datetime
    advance: bool  # False: a deny rejects the instance
    decided_by: str


@dataclass
class Instance:
    id: str
    reference_id: int
    definition: Definition
    version: DefinitionVersion
    status: str
    step: Step
    status_message: str
    title: str
    initiating_user: str
    start_date: datetime.datetime
    last_modified: datetime.datetime
    initial_data: dict
    current_state_data: dict
    received: list = field(default_factory=list)
    pending: object = None  # PendingTransition or None

    def received_from(self, caller_key, signal_name):
        return any(item.caller_key == caller_key and item.signal_name == signal_name for item in self.received)

    def approvals(self):
        return {item.caller_key for item in self.received if item.approved}
