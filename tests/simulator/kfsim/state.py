# Copyright: (c) 2026, keyfactor.command contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The mutable state of one loaded scenario, guarded by a single lock."""

import threading

from kfsim import errors
from kfsim.auth import Directory
from kfsim.model import canonical_guid


LISTINGS_KEPT = 8  # distinct (QueryString, SortField, SortAscending) listings kept between changes


class SimulatorState:
    """Definitions, instances and the directory of a scenario.

    Every read and write of instances happens under ``lock``, so two identical signals arriving at once
    are serialised and the second sees the first.
    """

    def __init__(self, world):
        self.lock = threading.RLock()
        self.directory = Directory(world)
        self.definitions = world.definitions
        self.instances = {instance.id: instance for instance in world.instances}
        self.pending = set()  # ids of instances with a PendingTransition
        self._next_reference = max((instance.reference_id for instance in world.instances), default=1000) + 1
        # A listing's filtered and sorted instances, kept until any instance changes: paging through 10,000
        # instances must not sort them again for every page, or the simulator, not the client, sets the pace.
        self._listings = {}

    def changed(self):
        """Record that an instance was added, removed or changed (callers hold ``lock``)."""
        self._listings.clear()

    def listing(self, key, build):
        """The value build() gives for ``key``, kept until the next change (callers hold ``lock``)."""
        if key not in self._listings:
            if len(self._listings) >= LISTINGS_KEPT:
                self._listings.clear()
            self._listings[key] = build()
        return self._listings[key]

    def next_reference_id(self):
        reference_id = self._next_reference
        self._next_reference += 1
        return reference_id

    def instance(self, raw_id, switches):
        """The instance for a path id: 400 for a malformed GUID, 404 (or 400 per switch) for an unknown one."""
        instance = self.instances.get(raw_id)  # most clients send the canonical lower-case form
        if instance is not None:
            return instance
        instance_id = _path_guid(raw_id, "instance")
        instance = self.instances.get(instance_id)
        if instance is None:
            raise errors.not_found("Workflow instance", instance_id, switches)
        return instance

    def definition(self, raw_id, switches):
        definition_id = _path_guid(raw_id, "definition")
        definition = self.definitions.get(definition_id)
        if definition is None:
            raise errors.not_found("Workflow definition", definition_id, switches)
        return definition


def _path_guid(raw_id, kind):
    try:
        return canonical_guid(raw_id)
    except ValueError:
        raise errors.bad_request("The %s ID '%s' is not a valid GUID." % (kind, raw_id)) from None
