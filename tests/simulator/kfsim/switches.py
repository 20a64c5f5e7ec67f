# Copyright: (c) 2026, keyfactor.command contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The simulator's runtime switches: one table drives the CLI flags, the control API and validation.

Each switch models a behaviour that the API reference marks as unknown ([I]/[?]) or a fault to inject.
"""

import dataclasses
import re
from dataclasses import dataclass, field

from kfsim.echo import ECHO_FORMATS
from kfsim.model import STATUS_CODES

ON_WORDS = ("on", "true", "yes", "1")
OFF_WORDS = ("off", "false", "no", "0")


class SwitchError(ValueError):
    """A switch name or value was not accepted."""


def parse_on_off(value):
    if isinstance(value, bool):
        return value
    word = str(value).strip().lower()
    if word in ON_WORDS:
        return True
    if word in OFF_WORDS:
        return False
    raise SwitchError("expected on or off, got %r" % (value,))


def choice(*options):
    def parse(value):
        text = str(value).strip().lower()
        for option in options:
            if text == str(option).lower():
                return option
        raise SwitchError("expected one of %s, got %r" % (", ".join(str(o) for o in options), value))
    parse.metavar = "|".join(str(o) for o in options)
    return parse


def _number(value, convert):
    if isinstance(value, bool):
        raise SwitchError("expected a number, got %r" % (value,))
    try:
        return convert(value)
    except (TypeError, ValueError):
        raise SwitchError("expected a number, got %r" % (value,)) from None


def parse_rate(value):
    rate = _number(value, float)
    if not 0.0 <= rate <= 1.0:
        raise SwitchError("expected a share between 0 and 1, got %r" % (value,))
    return rate


def parse_non_negative(value):
    number = _number(value, float)
    if number < 0:
        raise SwitchError("expected a number >= 0, got %r" % (value,))
    return number


def parse_non_negative_int(value):
    number = _number(value, int)
    if number < 0:
        raise SwitchError("expected an integer >= 0, got %r" % (value,))
    return number


def parse_int(value):
    return _number(value, int)


def parse_api_path(value):
    path = str(value).strip().strip("/")
    if not path or any(char.isspace() or char in "?#" for char in path) or path.lower().startswith("_sim"):
        raise SwitchError("expected a URL path such as KeyfactorAPI, got %r" % (value,))
    return path


def parse_text(value):
    text = str(value).strip()
    if not text:
        raise SwitchError("expected a non-empty value")
    return text


_FIELD_NAME = re.compile(r"^[A-Za-z]+(?:\.[A-Za-z]+)?$")


def parse_field_list(value):
    """Instance body keys, comma-separated; Definition.Version names a key of the nested Definition."""
    if isinstance(value, (list, tuple)):
        value = ",".join(str(item) for item in value)
    names = tuple(name.strip() for name in str(value).split(",") if name.strip())
    for name in names:
        if not _FIELD_NAME.match(name):
            raise SwitchError("expected field names such as CurrentStepUniqueName or Definition.Version, got %r" % name)
    return names


def parse_status_codes(value):
    """Status=code pairs, comma-separated (Suspended=7): the integers sent with status_format int."""
    pairs = []
    for item in (part.strip() for part in str(value).split(",")):
        if not item:
            continue
        name, _sep, code = item.partition("=")
        known = {status.casefold(): status for status in STATUS_CODES}
        if name.strip().casefold() not in known or not code.strip().lstrip("-").isdigit():
            raise SwitchError("expected Status=integer pairs such as Suspended=7 (statuses: %s), got %r"
                              % (", ".join(STATUS_CODES), item))
        pairs.append((known[name.strip().casefold()], int(code)))
    return tuple(pairs)


parse_on_off.metavar = "on|off"
parse_rate.metavar = "RATE"
parse_non_negative.metavar = "NUMBER"
parse_non_negative_int.metavar = parse_int.metavar = "N"
parse_api_path.metavar = "PATH"
parse_text.metavar = "TEXT"
parse_field_list.metavar = "FIELD[,FIELD...]"
parse_status_codes.metavar = "STATUS=N[,...]"


def about(parse, help_text):
    """Field metadata: how to parse a raw (CLI or JSON) value, and the --help text."""
    return {"parse": parse, "help": help_text}


@dataclass(frozen=True)
class Switches:
    """An immutable set of switch values; requests read one snapshot, the control API swaps it."""

    api_path: str = field(default="KeyfactorAPI", metadata=about(
        parse_api_path, "API base path, matched case-insensitively like IIS"))
    status_format: str = field(default="name", metadata=about(
        choice("name", "int"), "Status as names or as the provisional integers"))
    total_count: bool = field(default=True, metadata=about(
        parse_on_off, "send x-total-count on list endpoints"))
    signal_received: str = field(default="per-caller", metadata=about(
        choice("per-caller", "per-step"), "SignalReceived: has the caller sent it, or has anyone"))
    repeat_signal: str = field(default="reject", metadata=about(
        choice("reject", "ignore"), "same user signals the same step twice: 400, or 204 without counting"))
    unknown_id_status: int = field(default=404, metadata=about(
        choice(404, 400), "status for unknown instance/definition ids"))
    require_requested_with: bool = field(default=True, metadata=about(
        parse_on_off, "reject requests without X-Keyfactor-Requested-With"))
    advance_delay: float = field(default=0.0, metadata=about(
        parse_non_negative, "seconds between a deciding signal and the step transition"))
    token_lifetime: float = field(default=300.0, metadata=about(
        parse_non_negative, "bearer token lifetime in seconds"))
    fault_503: float = field(default=0.0, metadata=about(
        parse_rate, "share of API requests answered 503 with Retry-After"))
    retry_after: int = field(default=1, metadata=about(
        parse_non_negative_int, "Retry-After seconds on injected 503s"))
    fault_reset: float = field(default=0.0, metadata=about(
        parse_rate, "share of API connections reset (RST) before processing"))
    fault_lost_response: float = field(default=0.0, metadata=about(
        parse_rate, "share of applied signals, Stops, Restarts and DELETEs whose connection is reset instead of answered"))
    latency_ms: float = field(default=0.0, metadata=about(
        parse_non_negative, "milliseconds added to every API request"))
    seed: int = field(default=0, metadata=about(
        parse_int, "seed of the fault RNG (setting it restarts the sequence)"))
    fault_token: bool = field(default=False, metadata=about(
        parse_on_off, "apply faults and latency to the token endpoint too"))
    product_version: str = field(default="24.4.0.0", metadata=about(
        parse_text, "x-keyfactor-product-version response header"))
    echo_credentials: str = field(default="off", metadata=about(
        choice(*ECHO_FORMATS), "error answers echo the request's credentials, in this format (kfsim/echo.py)"))
    echo_pad: int = field(default=0, metadata=about(
        parse_non_negative_int, "characters before the echo in an echoing error answer"))
    proxy_refuse: bool = field(default=False, metadata=about(
        parse_on_off, "the proxy of --proxy-credentials answers 407 to every CONNECT, right credentials or not"))
    ignore_page_returned: bool = field(default=False, metadata=about(
        parse_on_off, "list endpoints always answer with the first page"))
    ignore_return_limit: bool = field(default=False, metadata=about(
        parse_on_off, "list pages hold every match, whatever ReturnLimit asks"))
    max_return_limit: int = field(default=0, metadata=about(
        parse_non_negative_int, "list pages hold at most this many items (0: as many as ReturnLimit asks)"))
    signal_answer: str = field(default="204", metadata=about(
        choice("204", "200-empty", "200-html", "200-text", "200-json", "202-empty", "429", "503"),
        "the answer to an applied signal: a success with an odd body, or 429/503 with Retry-After as a gateway sends"))
    lifecycle_answer: str = field(default="204", metadata=about(
        choice("204", "429", "503"),
        "the answer to an applied Stop, Restart or DELETE: 204, or 429/503 with Retry-After as a gateway sends"))
    stop_status: str = field(default="Rejected", metadata=about(
        choice("Rejected", "Complete", "Failed"), "the status a stopped instance shows (the reference infers Rejected)"))
    delete_refuses: str = field(default="none", metadata=about(
        choice("none", "running", "active"),
        "DELETE answers 400 for: no instance, Running ones, or active ones (Running and Suspended)"))
    key_case: str = field(default="pascal", metadata=about(
        choice("pascal", "camel"),
        "keys of instance and definition bodies: PascalCase, or camelCase as the v11 spec declares"))
    null_fields: tuple = field(default=(), metadata=about(
        parse_field_list, "instance body keys sent as null (Definition.X for the nested Definition)"))
    omit_fields: tuple = field(default=(), metadata=about(
        parse_field_list, "instance body keys left out (Definition.X for the nested Definition)"))
    signal_visibility: str = field(default="all", metadata=about(
        choice("all", "roles", "roles-null"),
        "Signals of an instance: all of the step's, or only those the caller holds a role for ([] or null when none)"))
    status_codes: tuple = field(default=(), metadata=about(
        parse_status_codes, "Status=integer pairs sent instead of the provisional integers (status_format int)"))

    def updated(self, changes):
        """Return a copy with ``changes`` (a mapping of switch name to raw value) parsed and applied."""
        known = {item.name: item for item in dataclasses.fields(self)}
        parsed = {}
        for name, raw in changes.items():
            if name not in known:
                raise SwitchError("unknown switch %r; known: %s" % (name, ", ".join(sorted(known))))
            try:
                parsed[name] = known[name].metadata["parse"](raw)
            except SwitchError as error:
                raise SwitchError("%s: %s" % (name, error)) from None
        return dataclasses.replace(self, **parsed)

    def as_dict(self):
        return dataclasses.asdict(self)


def switch_fields():
    """The switch definitions, for building CLI flags."""
    return dataclasses.fields(Switches)
