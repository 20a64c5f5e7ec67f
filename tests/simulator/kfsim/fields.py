# Copyright: (c) 2026, keyfactor.command contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fields that list endpoints filter (QueryString) and sort (SortField) on."""

import datetime

from kfsim.model import STATUS_CODES

STRING = "string"
INTEGER = "integer"
DATETIME = "datetime"
STATUS = "status"
BOOLEAN = "boolean"
EARLIEST = datetime.datetime.min.replace(tzinfo=datetime.timezone.utc)


class Field:
    """A named field of a listed item: its kind, how to read it, and a fast sort key.

    Sort keys put None first, order strings case-insensitively, Status by its integer and false before true.
    """

    def __init__(self, name, kind, get):
        self.name = name
        self.kind = kind
        self.get = get
        self.sort_key = _sort_key(kind, get)


def _sort_key(kind, get):
    if kind == STRING:
        return lambda item: (get(item) or "").casefold()
    if kind == STATUS:
        return lambda item: STATUS_CODES[get(item)]
    lowest = EARLIEST if kind == DATETIME else float("-inf")

    def key(item):
        value = get(item)
        return lowest if value is None else value
    return key


def _index(*fields):
    return {field.name.casefold(): field for field in fields}


# Reference 2.1: the nine documented QueryString fields of GET /Workflow/Instances.
INSTANCE_QUERY_FIELDS = _index(
    Field("DefinitionId", STRING, lambda instance: instance.definition.id),
    Field("Id", STRING, lambda instance: instance.id),
    Field("InitiatingUserName", STRING, lambda instance: instance.initiating_user),
    Field("LastModified", DATETIME, lambda instance: instance.last_modified),
    Field("ReferenceId", INTEGER, lambda instance: instance.reference_id),
    Field("StartDate", DATETIME, lambda instance: instance.start_date),
    Field("Status", STATUS, lambda instance: instance.status),
    Field("Title", STRING, lambda instance: instance.title),
    Field("WorkflowType", STRING, lambda instance: instance.definition.workflow_type),
)

# SortField also takes the other InstanceQueryResponse keys; CurrentStepDisplayName is the default.
INSTANCE_SORT_FIELDS = dict(INSTANCE_QUERY_FIELDS, **_index(
    Field("CurrentStepDisplayName", STRING, lambda instance: instance.step.display_name),
    Field("CurrentStepUniqueName", STRING, lambda instance: instance.step.unique_name),
    Field("CurrentStepId", STRING, lambda instance: instance.step.id),
    Field("StatusMessage", STRING, lambda instance: instance.status_message),
))

# The QueryString fields Keyfactor documents for GET /Workflow/Definitions (WorkflowDefinitionsGET, 10.5 to 11.5).
# IsPublished is not a DefinitionQueryResponse key; it is taken to mean "has a published version".
DEFINITION_QUERY_FIELDS = _index(
    Field("DisplayName", STRING, lambda definition: definition.display_name),
    Field("Id", STRING, lambda definition: definition.id),
    Field("IsPublished", BOOLEAN, lambda definition: definition.published_version is not None),
    Field("WorkflowType", STRING, lambda definition: definition.workflow_type),
)

# SortField takes the DefinitionQueryResponse keys; DisplayName is the default.
DEFINITION_SORT_FIELDS = _index(
    Field("Id", STRING, lambda definition: definition.id),
    Field("DisplayName", STRING, lambda definition: definition.display_name),
    Field("Key", STRING, lambda definition: definition.key),
    Field("KeyDisplayName", STRING, lambda definition: definition.key_display_name),
    Field("WorkflowType", STRING, lambda definition: definition.workflow_type),
    Field("DraftVersion", INTEGER, lambda definition: definition.draft_version),
    Field("PublishedVersion", INTEGER, lambda definition: definition.published_version),
)
