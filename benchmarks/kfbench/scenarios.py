# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The scenarios of issue 6, the ways each is done, and the targets each row is checked against."""
import dataclasses

COLLECTION, URI, FLOOR = 'collection', 'uri', 'floor'

# Metrics a target can be set on (report.Row computes them).
COLLECTION_PER_URI = 'collection / uri wall time'
COLLECTION_PER_FLOOR = 'collection / floor wall time'
MODULE_PER_FLOOR_PROCESS = 'module process / floor process wall time'
PEAK_MB = 'collection peak RSS, MB'
REQUESTS_PER_INSTANCE = 'collection requests per instance'


@dataclasses.dataclass(frozen=True)
class Target:
    metric: str
    limit: float
    text: str  # the target as the issue states it
    strict: bool = False  # below the limit, not at most

    def met(self, value):
        return value < self.limit if self.strict else value <= self.limit


@dataclasses.dataclass(frozen=True)
class Step:
    """One process per way: a play run (or the floor script) from the state the previous step left."""

    label: str
    expect_sent: int = 0  # signals this step must send (0 when it lists)
    targets: tuple = ()


@dataclasses.dataclass(frozen=True)
class Way:
    name: str
    slow: bool = False  # a uri loop over hundreds of items: measured settings.slow_rounds times, no warm-up


@dataclasses.dataclass(frozen=True)
class Scenario:
    key: str
    title: str
    kind: str  # signal_one, signal_many, list, details
    instances: int  # instances the task acts on
    steps: tuple
    ways: tuple
    latency_ms: int = 0
    floor_note: str = ''


def _signal_steps(count, first_targets, rerun_targets):
    per_instance_first = Target(REQUESTS_PER_INSTANCE, 3, 'first run at most 3 requests per instance')
    per_instance_rerun = Target(REQUESTS_PER_INSTANCE, 2, 're-run at most 2 requests per instance')
    return (Step('first run', count, first_targets + (per_instance_first,)),
            Step('re-run', 0, rerun_targets + (per_instance_rerun,)))


def _ways(uri_slow, with_uri=True):
    return ((Way(COLLECTION),) + ((Way(URI, slow=uri_slow),) if with_uri else ()) + (Way(FLOOR),))


def scenario_one():
    no_slower = (Target(COLLECTION_PER_URI, 1.0, 'one workflow_signal task no slower than the two uri tasks'),)
    return Scenario('1', '1. one approval', 'signal_one', 1, _signal_steps(1, no_slower, no_slower), _ways(uri_slow=False))


def scenario_approvals(count, latency_ms=0, with_uri=True):
    if latency_ms:
        targets = (Target(COLLECTION_PER_FLOOR, 1.0, 'with latency at most 1x the sequential floor'),)
        return Scenario('4', '4. %d approvals, %d ms latency' % (count, latency_ms), 'signal_many', count,
                        _signal_steps(count, targets, targets), _ways(True, with_uri), latency_ms, 'sequential')
    targets = (Target(COLLECTION_PER_URI, 1 / 20.0, 'at least 20x faster than uri'),
               Target(COLLECTION_PER_FLOOR, 2.0, 'at most 2x the floor (end to end: playbook vs script)'),
               Target(MODULE_PER_FLOOR_PROCESS, 2.0, 'at most 2x the floor (like for like: module process vs script process)'))
    return Scenario('2', '2. %d approvals' % count, 'signal_many', count, _signal_steps(count, targets, targets), _ways(True))


def scenario_listing(total):
    targets = (Target(COLLECTION_PER_FLOOR, 1.5, 'at most 1.5x the floor (end to end: playbook vs script)'),
               Target(MODULE_PER_FLOOR_PROCESS, 1.5, 'at most 1.5x the floor (like for like: module process vs script process)'),
               Target(PEAK_MB, 150, 'peak memory under 150 MB', strict=True))
    return Scenario('3', '3. list %d instances' % total, 'list', total, (Step('list', 0, targets),), _ways(True))


def scenario_details(count, latency_ms=0, with_uri=True):
    targets = (Target(COLLECTION_PER_FLOOR, 0.25, 'details: true at least 4x faster than one by one (the floor)'),)
    title = '3. %d with details: true%s' % (count, ', %d ms latency' % latency_ms if latency_ms else '')
    return Scenario('3', title, 'details', count, (Step('list', 0, targets),), _ways(True, with_uri), latency_ms, 'one by one')


def build(settings, total_instances):
    """The scenarios the settings select, in the order of issue 6."""
    chosen = []
    if '1' in settings.scenarios:
        chosen.append(scenario_one())
    if '2' in settings.scenarios:
        chosen.append(scenario_approvals(settings.approvals))
    if '3' in settings.scenarios:
        chosen.append(scenario_listing(total_instances))
        chosen.append(scenario_details(settings.details))
        chosen.append(scenario_details(settings.details, settings.latency_ms, settings.uri_with_latency))
    if '4' in settings.scenarios:
        chosen.append(scenario_approvals(settings.approvals, settings.latency_ms, settings.uri_with_latency))
    return chosen
