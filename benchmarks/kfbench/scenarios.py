# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The scenarios of issue 6 (and the large listings of issue 17), the ways each is done, and the targets each row is
checked against."""
import dataclasses

COLLECTION, URI, FLOOR = 'collection', 'uri', 'floor'

# Metrics a target can be set on (report.Row computes them).
COLLECTION_PER_URI = 'collection / uri wall time'
COLLECTION_PER_FLOOR = 'collection / floor wall time'
MODULE_PER_FLOOR_PROCESS = 'module process / floor process wall time'
PEAK_MB = 'collection peak RSS, MB'
REQUESTS_PER_INSTANCE = 'collection requests per instance'
MODULE_PEAK_PER_FLOOR_PROCESS = 'module process / floor process peak RSS'
MODULE_PEAK_MB = 'module process peak RSS, MB'
RESULT_KB = 'module result, KB'
# Against the scenario's first step (every field): how many times lower this step's figure is.
PLAYBOOK_PEAK_FALL = 'ansible-playbook peak RSS, first step / this step'
RESULT_SHRINK = 'module result, first step / this step'

# The simulator scenarios (tests/simulator/scenarios) the benchmark runs on.
BENCH_SIMULATOR = 'bench.yaml'  # the default scenario plus 10,000 pending approvals
LARGE_SIMULATOR = 'bench-100k.yaml'  # the default scenario plus 100,000 instances of several statuses


@dataclasses.dataclass(frozen=True)
class Target:
    metric: str
    limit: float
    text: str  # the target as the issue states it
    strict: bool = False  # below the limit, not at most
    at_least: bool = False  # the limit is a floor: at least (or, strict, above) it

    def met(self, value):
        if self.at_least:
            return value > self.limit if self.strict else value >= self.limit
        return value < self.limit if self.strict else value <= self.limit


@dataclasses.dataclass(frozen=True)
class Step:
    """One process per way: a play run (or the floor script) from the state the previous step left."""

    label: str
    expect_sent: int = 0  # signals this step must send (0 when it lists)
    targets: tuple = ()
    listing: str = 'all'  # what a listing step returns: all (every field), fields (those of `fields`) or summary
    fields: tuple = ()  # the returned keys the fields listing asks for


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
    page_size: int = None  # None: the settings' page size
    simulator: str = BENCH_SIMULATOR
    large: bool = False  # runs of minutes: settings.large_rounds rounds, no warm-up


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


def scenario_large_listing(total):
    """Every instance of the large simulator scenario: all fields, a few fields, the summary only."""
    like_for_like = (Target(MODULE_PEAK_PER_FLOOR_PROCESS, 1.3, 'module peak RSS at most 1.3x the floor process\'s'),
                     Target(MODULE_PER_FLOOR_PROCESS, 1.2, 'module wall time at most 1.2x the floor process\'s'))
    fields = (Target(PLAYBOOK_PEAK_FALL, 3, 'with fields, ansible-playbook peak at least 3-fold lower', at_least=True),
              Target(RESULT_SHRINK, 5, 'with fields, the registered result at least 5x smaller', at_least=True))
    # What a job that ages or signals instances needs; and the example of the fields option's documentation, whose
    # title (as long as a real one) is alone about a seventh of an instance: measured, not a target.
    few, with_title = ('id', 'status', 'start_date'), ('id', 'reference_id', 'title', 'status', 'start_date')
    summary = (Target(MODULE_PEAK_MB, 60, 'summary_only: module peak under 60 MB', strict=True),
               Target(RESULT_KB, 10, 'summary_only: result under 10 KB', strict=True))
    steps = (Step('all fields', 0, like_for_like), Step('fields: %s' % ', '.join(few), 0, fields, 'fields', few),
             Step('fields: %s' % ', '.join(with_title), 0, (), 'fields', with_title),
             Step('summary_only', 0, summary, 'summary'))
    return Scenario('5', '5. list %d instances, pages of 1000' % total, 'list', total, steps, _ways(True, with_uri=False),
                    page_size=1000, simulator=LARGE_SIMULATOR, large=True)


def scenario_concurrent_paging(total, latency_ms):
    """Scenario 3's listing with latency: pages read concurrently (x-total-count) against the floor's one by one."""
    text = 'at least 3x faster than sequential paging (like for like: module process vs floor process)'
    targets = (Target(MODULE_PER_FLOOR_PROCESS, 1 / 3.0, text),)
    return Scenario('6', '6. list %d instances, %d ms latency' % (total, latency_ms), 'list', total,
                    (Step('list', 0, targets),), _ways(True, with_uri=False), latency_ms, 'sequential')


def build(settings, total_instances, simulator=BENCH_SIMULATOR):
    """The scenarios the settings select that run on the simulator scenario `simulator`, in the order of the issues."""
    if simulator == LARGE_SIMULATOR:
        return [scenario_large_listing(total_instances)] if '5' in settings.scenarios else []
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
    if '6' in settings.scenarios:
        chosen.append(scenario_concurrent_paging(total_instances, settings.paging_latency_ms))
    return chosen
