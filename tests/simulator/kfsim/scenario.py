# Copyright: (c) 2026, keyfactor.command contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Scenario files (YAML or JSON): roles, users, OAuth clients, definitions, instances and generated instances.

The format is described in tests/simulator/README.md.
"""

import datetime
import json
import pathlib
import uuid
from dataclasses import dataclass

import yaml

from kfsim.clock import parse_datetime, to_millis
from kfsim.model import (
    STATUS_CODES, Definition, DefinitionVersion, Identity, Instance, ReceivedSignal, Step, StepSignal,
    canonical_guid, default_status_message,
)

BUNDLED_DIR = pathlib.Path(__file__).resolve().parent.parent / "scenarios"
DEFAULT_SCENARIO = BUNDLED_DIR / "default.yaml"
ID_NAMESPACE = uuid.UUID("6b8f2c1e-3d4a-4e5b-9c6d-7e8f9a0b1c2d")
YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml is ten times faster when present
LIST_SECTIONS = ("domain_aliases", "roles", "users", "oauth_clients", "definitions", "instances", "generate")
FIXTURE_STATUSES = tuple(name for name in STATUS_CODES if name != "Unknown")


class ScenarioError(ValueError):
    """The scenario is invalid; the message names the offending entry."""


@dataclass(frozen=True)
class User:
    username: str
    domain: str
    password: str
    identity: Identity


@dataclass(frozen=True)
class OAuthClient:
    client_id: str
    client_secret: str
    identity: Identity


@dataclass
class World:
    domain: str
    domain_aliases: tuple
    users: list
    clients: list
    definitions: dict  # id -> Definition
    instances: list


def generated_instance_id(group, number):
    """The deterministic GUID of the ``number``-th (1-based) instance of generator group ``group`` (0-based)."""
    return "%08x-0000-4000-8000-%012x" % (0xA0000000 + group, number)


# ---------------------------------------------------------------------------------------------- reading

def read_scenario(source):
    """Return the raw scenario for a path or an inline mapping, with ``extends`` resolved.

    ``extends`` is relative to the file that names it; inline scenarios resolve it against the bundled
    scenarios directory, so ``{"extends": "default.yaml", ...}`` works from the control API.
    """
    if isinstance(source, dict):
        return _resolve_extends(source, BUNDLED_DIR, set())
    return _read_file(pathlib.Path(source), set())


def _read_file(path, seen):
    path = path.resolve()
    if path in seen:
        raise ScenarioError("scenario %s extends itself" % path)
    try:
        text = path.read_text(encoding="utf-8")
        raw = json.loads(text) if path.suffix.lower() == ".json" else yaml.load(text, Loader=YAML_LOADER)
    except (OSError, ValueError, yaml.YAMLError) as error:
        raise ScenarioError("cannot read scenario %s: %s" % (path, error)) from None
    if not isinstance(raw, dict):
        raise ScenarioError("scenario %s must be a mapping" % path)
    return _resolve_extends(raw, path.parent, seen | {path})


def _resolve_extends(raw, base_dir, seen):
    if not raw.get("extends"):
        return raw
    parent = _read_file(base_dir / str(raw["extends"]), seen)
    merged = dict(parent)
    for key, value in raw.items():
        if key in LIST_SECTIONS:
            if not isinstance(value or [], list):
                raise ScenarioError("section %s must be a list" % key)
            merged[key] = list(parent.get(key) or []) + list(value or [])
        elif key != "extends":
            merged[key] = value
    return merged


# --------------------------------------------------------------------------------------------- building

def load_world(source, generate=0):
    """Read and build a scenario; any malformed entry becomes a ScenarioError."""
    try:
        return build_world(read_scenario(source), generate)
    except ScenarioError:
        raise
    except (TypeError, ValueError, AttributeError, KeyError) as error:
        raise ScenarioError("invalid scenario: %s: %s" % (type(error).__name__, error)) from None


def build_world(raw, generate=0):
    """Build the world from a raw scenario; ``generate`` adds that many Suspended instances of the first definition."""
    roles = _roles(raw.get("roles") or [])
    domain = str(raw.get("domain") or "KEYEXAMPLE")
    users = [_user(entry, domain, roles) for entry in raw.get("users") or []]
    clients = [_client(entry, roles) for entry in raw.get("oauth_clients") or []]
    definitions = {}
    aliases = {}
    for entry in raw.get("definitions") or []:
        definition = _definition(entry, roles)
        if definition.id in definitions or definition.alias in aliases:
            raise ScenarioError("definition %s is defined twice" % definition.alias)
        definitions[definition.id] = aliases[definition.alias] = definition
    lookup = _DefinitionLookup(definitions, aliases)
    instances = [_instance(entry, lookup) for entry in raw.get("instances") or []]
    groups = list(raw.get("generate") or [])
    if generate:
        if not definitions:
            raise ScenarioError("--generate needs a scenario with at least one definition")
        groups.append({"count": generate, "definition": next(iter(definitions))})
    first_user = users[0].identity.name if users else domain + "\\requester"
    next_reference = max((instance.reference_id for instance in instances), default=1000) + 1
    for group, entry in enumerate(groups):
        generated = _generate(group, entry, lookup, first_user, next_reference)
        instances.extend(generated)
        next_reference += len(generated)
    _check_unique(instances)
    aliases_list = tuple(str(alias) for alias in raw.get("domain_aliases") or [])
    return World(domain, aliases_list, users, clients, definitions, instances)


def _guid(value, where):
    try:
        return canonical_guid(value)
    except ValueError:
        raise ScenarioError("%s: %r is not a GUID" % (where, value)) from None


def _require(entry, key, where):
    if not isinstance(entry, dict) or entry.get(key) in (None, ""):
        raise ScenarioError("%s needs %r: %r" % (where, key, entry))
    return entry[key]


def _roles(entries):
    roles = {}
    for entry in entries:
        role_id = int(_require(entry, "id", "role"))
        name = str(_require(entry, "name", "role"))
        roles[name.casefold()] = role_id
        roles[str(role_id)] = role_id
    return roles


def _role_ids(names, roles, where):
    ids = []
    for name in names or []:
        if str(name).casefold() not in roles:
            raise ScenarioError("%s refers to unknown role %r" % (where, name))
        ids.append(roles[str(name).casefold()])
    return tuple(ids)


def _user(entry, default_domain, roles):
    name = str(_require(entry, "name", "user"))
    domain = str(entry.get("domain") or default_domain)
    identity = Identity("%s\\%s" % (domain, name), frozenset(_role_ids(entry.get("roles"), roles, "user " + name)))
    return User(name, domain, str(_require(entry, "password", "user " + name)), identity)


def _client(entry, roles):
    client_id = str(_require(entry, "client_id", "oauth client"))
    identity = Identity(str(_require(entry, "identity", "oauth client " + client_id)),
                        frozenset(_role_ids(entry.get("roles"), roles, "oauth client " + client_id)))
    return OAuthClient(client_id, str(_require(entry, "client_secret", "oauth client " + client_id)), identity)


def _definition(entry, roles):
    definition_id = _guid(_require(entry, "id", "definition"), "definition")
    alias = str(entry.get("name") or definition_id)
    versions = {}
    for version_entry in _require(entry, "versions", "definition " + alias):
        version = _version(version_entry, definition_id, alias, roles)
        versions[version.number] = version
    published = entry.get("published_version", max(versions))
    if published is not None and published not in versions:
        raise ScenarioError("definition %s publishes unknown version %r" % (alias, published))
    return Definition(
        id=definition_id, alias=alias, display_name=str(entry.get("display_name") or alias),
        description=str(entry.get("description") or ""), key=str(entry.get("key") or ""),
        key_display_name=str(entry.get("key_display_name") or ""),
        workflow_type=str(_require(entry, "workflow_type", "definition " + alias)),
        versions=versions, published_version=published)


def _version(entry, definition_id, alias, roles):
    number = int(_require(entry, "version", "version of definition " + alias))
    where = "definition %s version %d" % (alias, number)
    listed = _require(entry, "steps", where)
    steps = {}
    for index, step_entry in enumerate(listed):
        following = _require(listed[index + 1], "unique_name", "step of " + where) if index + 1 < len(listed) else None
        step = _step(step_entry, following, "%s/%d" % (definition_id, number), roles, where)
        if step.unique_name in steps:
            raise ScenarioError("%s has two steps named %s" % (where, step.unique_name))
        steps[step.unique_name] = step
    ordered = _execution_order(steps, where)
    return DefinitionVersion(number, ordered, _export_order(ordered))


def _step(entry, following, id_scope, roles, where):
    unique_name = str(_require(entry, "unique_name", "step of " + where))
    step_id = _guid(entry.get("id") or uuid.uuid5(ID_NAMESPACE, "%s/%s" % (id_scope, unique_name)), "step " + unique_name)
    signals = tuple(
        StepSignal(str(_require(signal, "name", "signal of step " + unique_name)),
                   _role_ids(signal.get("roles"), roles, "step " + unique_name),
                   str(uuid.uuid5(ID_NAMESPACE, "%s/%s" % (step_id, signal["name"]))))
        for signal in entry.get("signals") or [])
    outputs = entry["outputs"] if "outputs" in entry else ({"continue": following} if following else {})
    required = int(entry.get("required_approvals", 1))
    if required < 1:
        raise ScenarioError("step %s of %s needs required_approvals >= 1" % (unique_name, where))
    return Step(
        id=step_id, unique_name=unique_name, display_name=str(entry.get("display_name") or unique_name),
        extension_name=str(entry.get("extension_name") or "NOOPStep"), enabled=bool(entry.get("enabled", True)),
        configuration_parameters=dict(entry.get("configuration_parameters") or {}), signals=signals,
        conditions=_conditions(entry.get("conditions"), step_id, where), outputs=dict(outputs or {}),
        required_approvals=required)


def _conditions(entries, step_id, where):
    """ConditionConfigurationResponse items {Id, Value}; a scenario gives each as its value or {value, id}."""
    conditions = []
    for index, entry in enumerate(entries or []):
        entry = entry if isinstance(entry, dict) else {"value": entry}
        if "value" not in entry:
            raise ScenarioError("a condition of a step of %s needs 'value'" % where)
        condition_id = entry.get("id") or uuid.uuid5(ID_NAMESPACE, "%s/condition/%d" % (step_id, index))
        conditions.append({"Id": _guid(condition_id, "condition"), "Value": str(entry["value"])})
    return conditions


def _execution_order(steps, where):
    """Walk Outputs from the one step no other step points at; every step must be on the walk exactly once."""
    targets = {step.next_step_name() for step in steps.values()}
    unknown = targets - set(steps) - {None}
    if unknown:
        raise ScenarioError("%s: Outputs point at unknown steps %s" % (where, sorted(unknown)))
    starts = [name for name in steps if name not in targets]
    if len(starts) != 1:
        raise ScenarioError("%s needs exactly one start step, found %s" % (where, starts))
    ordered = {}
    name = starts[0]
    while name is not None:
        if name in ordered:
            raise ScenarioError("%s: Outputs loop back to %s" % (where, name))
        ordered[name] = steps[name]
        name = steps[name].next_step_name()
    if len(ordered) != len(steps):
        raise ScenarioError("%s: steps %s are not reachable" % (where, sorted(set(steps) - set(ordered))))
    return ordered


def _export_order(ordered):
    """Real exports list steps out of execution order (reference 5.5): sort by Id, never the execution order."""
    execution = list(ordered.values())
    by_id = sorted(execution, key=lambda step: step.id)
    return tuple(reversed(by_id) if by_id == execution else by_id)


class _DefinitionLookup:
    def __init__(self, by_id, by_alias):
        self._by_id = by_id
        self._by_alias = by_alias
        self._default_steps = {}

    def version(self, reference, number, where):
        definition = self._by_alias.get(str(reference))
        if definition is None:
            try:
                definition = self._by_id.get(canonical_guid(reference))
            except ValueError:
                definition = None
        if definition is None:
            raise ScenarioError("%s refers to unknown definition %r" % (where, reference))
        number = number if number is not None else definition.published_version or definition.draft_version
        if number not in definition.versions:
            raise ScenarioError("%s refers to unknown version %r of %s" % (where, number, definition.alias))
        return definition, definition.versions[number]

    def step(self, version, status, name, where):
        if name is not None:
            if name not in version.steps:
                raise ScenarioError("%s: no step %r in this definition version" % (where, name))
            return version.steps[name]
        key = (id(version), status)
        if key not in self._default_steps:
            self._default_steps[key] = _default_step(version, status, where)
        return self._default_steps[key]


def _default_step(version, status, where):
    """Where an instance in ``status`` stands unless the scenario names the step."""
    steps = list(version.steps.values())
    signal_step = version.first_signal_step()
    if status == "Complete":
        return steps[-1]
    if status in ("Running", "Failed"):
        return steps[1] if len(steps) > 1 else steps[0]
    if signal_step is None and status == "Suspended":
        raise ScenarioError("%s: a Suspended instance needs a definition version with a signal step" % where)
    return signal_step or steps[0]


def _status(value, where):
    if value not in FIXTURE_STATUSES:
        raise ScenarioError("%s: status must be one of %s, got %r" % (where, ", ".join(FIXTURE_STATUSES), value))
    return value


def _instance(entry, lookup):
    instance_id = _guid(_require(entry, "id", "instance"), "instance")
    where = "instance " + instance_id
    definition, version = lookup.version(_require(entry, "definition", where), entry.get("version"), where)
    status = _status(entry.get("status", "Suspended"), where)
    step = lookup.step(version, status, entry.get("step"), where)
    if status == "Suspended" and not step.waits_for_signals:
        raise ScenarioError("%s: Suspended at %s, which takes no signals" % (where, step.unique_name))
    start = to_millis(parse_datetime(_require(entry, "start_date", where)))
    instance = Instance(
        id=instance_id, reference_id=int(_require(entry, "reference_id", where)), definition=definition,
        version=version, status=status, step=step,
        status_message=str(entry.get("status_message") or default_status_message(status, step)),
        title=entry.get("title"), initiating_user=str(_require(entry, "initiated_by", where)),
        start_date=start, last_modified=to_millis(parse_datetime(entry.get("last_modified") or start)),
        initial_data=dict(entry.get("initial_data") or {}),
        current_state_data=dict(entry.get("current_state_data") or {}))
    instance.received = [_received(item, instance, where) for item in entry.get("received") or []]
    if instance.received and status != "Suspended":
        raise ScenarioError("%s: only a Suspended instance can have received signals" % where)
    if step.is_approval and len(instance.approvals()) >= step.required_approvals:
        raise ScenarioError("%s: %d approvals would already have advanced the step" % (where, len(instance.approvals())))
    return instance


def _received(item, instance, where):
    """An approval already counted at the current step (any other signal would have advanced the step)."""
    step = instance.step
    if not step.is_approval:
        raise ScenarioError("%s: received approvals need a %s step" % (where, step.extension_name))
    return ReceivedSignal(str(_require(item, "caller", where)), step.signals[0].name, True)


def _generate(group, entry, lookup, first_user, first_reference):
    where = "generate[%d]" % group
    count = int(_require(entry, "count", where))
    definition, version = lookup.version(_require(entry, "definition", where), entry.get("version"), where)
    status = _status(entry.get("status", "Suspended"), where)
    step = lookup.step(version, status, entry.get("step"), where)
    if status == "Suspended" and not step.waits_for_signals:
        raise ScenarioError("%s: Suspended at %s, which takes no signals" % (where, step.unique_name))
    user = str(entry.get("initiated_by") or first_user)
    title = str(entry.get("title") or "{user} started generated instance {n} of %s." % definition.display_name)
    start = to_millis(parse_datetime(entry.get("start_date") or "2024-06-01T00:00:00Z"))
    interval = datetime.timedelta(seconds=float(entry.get("interval_seconds", 60)))
    message = default_status_message(status, step)
    initial_data = dict(entry.get("initial_data") or {})
    instances = []
    for number in range(1, count + 1):
        started = start + interval * (number - 1)
        instances.append(Instance(
            id=generated_instance_id(group, number), reference_id=first_reference + number - 1,
            definition=definition, version=version, status=status, step=step, status_message=message,
            title=title.format(n=number, user=user), initiating_user=user, start_date=started,
            last_modified=started, initial_data=dict(initial_data), current_state_data={}))
    return instances


def _check_unique(instances):
    for attribute in ("id", "reference_id"):
        seen = set()
        for instance in instances:
            value = getattr(instance, attribute)
            if value in seen:
                raise ScenarioError("two instances share %s %s" % (attribute, value))
            seen.add(value)
