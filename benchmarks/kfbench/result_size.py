# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The size of what the many-approvals task registers: full results (details: true, 1.0.0's shape) against compact.

Each AWX job event carries a task's registered result, so its size is what a scheduled approval job costs in the
job's output and database. Measured once per benchmark run, outside the timed rounds: the collection way's first
step, from a reset simulator, once with details: true and once with the default; the play writes the size of the
registered result (its JSON text, in bytes) to a file.
"""
import json

from kfbench.measure import WayFailed, run_process
from kfbench.scenarios import COLLECTION

# The compact results must make the registered result at least this many times smaller.
REQUIRED_FALL = 10


def measure(runner, scenario):
    """{'details': bytes, 'default': bytes} of the scenario's first step. Raises WayFailed."""
    way = next(way for way in scenario.ways if way.name == COLLECTION)
    sizes = {}
    for label, details in (('details', True), ('default', False)):
        runner.context.simulator.reset()
        size_file = runner.context.work / ('result-size-%s.txt' % label)
        log_path = size_file.with_suffix('.log')
        argv = runner.command(scenario, way, scenario.steps[0]) + [
            '-e', json.dumps({'details': details, 'result_size_file': str(size_file)})]
        result = run_process(argv, runner.environment(size_file.with_suffix('.probe')), log_path, runner.context.timeout)
        if result.code != 0 or not size_file.exists():
            raise WayFailed('%s, result size with details %s: exited %d; see %s' % (
                scenario.title, details, result.code, log_path))
        sizes[label] = int(size_file.read_text(encoding='utf-8'))
    return sizes


def fall(sizes):
    return sizes['details'] / float(sizes['default'])


def render(scenario, sizes):
    """The report's section: both sizes, the fall and whether it meets REQUIRED_FALL."""
    return '\n'.join([
        '## Registered result size (%s)' % scenario.title,
        '',
        'The JSON text of what the workflow_signal task registers for %d approvals (what each AWX job event of the '
        'task carries).' % scenario.instances,
        '',
        '| results | bytes | per instance |',
        '|---|---|---|',
        '| full, `details: true` (the 1.0.0 shape) | %d | %d |' % (sizes['details'], sizes['details'] // scenario.instances),
        '| compact (the default) | %d | %d |' % (sizes['default'], sizes['default'] // scenario.instances),
        '',
        'The compact results are %.1f times smaller; target at least %d times: %s.' % (
            fall(sizes), REQUIRED_FALL, 'met' if fall(sizes) >= REQUIRED_FALL else 'MISSED'),
    ])
