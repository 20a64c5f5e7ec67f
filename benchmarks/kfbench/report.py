# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""From measurements to the tables: medians, ratios, the targets' verdicts, the machine, docs/performance.md."""
import dataclasses
import os
import platform
import statistics

from kfbench.scenarios import (
    COLLECTION, COLLECTION_PER_FLOOR, COLLECTION_PER_URI, FLOOR, MODULE_PEAK_MB, MODULE_PEAK_PER_FLOOR_PROCESS,
    MODULE_PER_FLOOR_PROCESS, PEAK_MB, PLAYBOOK_PEAK_FALL, REQUESTS_PER_INSTANCE, RESULT_KB, RESULT_SHRINK, URI,
)

WAYS = (COLLECTION, URI, FLOOR)


@dataclasses.dataclass
class Row:
    """One step of one scenario: every way's measurements of it."""

    scenario: object
    step: object
    runs: dict = dataclasses.field(default_factory=dict)  # way name -> [Measurement]
    baseline: object = None  # the Row of the scenario's first step, which some targets compare with

    def walls(self, way):
        return [run.wall for run in self.runs.get(way, [])]

    def median_wall(self, way):
        walls = self.walls(way)
        return statistics.median(walls) if walls else None

    def peak_mb(self, way):
        runs = self.runs.get(way)
        return max(run.peak_kb for run in runs) / 1024.0 if runs else None

    def module_peak_mb(self, way):
        runs = self.runs.get(way)
        return max(run.module_peak_kb for run in runs) / 1024.0 if runs else None

    def result_kb(self, way):
        """The largest result the way's module process printed, in KB (None when not probed)."""
        sizes = [run.result_chars for run in self.runs.get(way, []) if run.result_chars is not None]
        return max(sizes) / 1024.0 if sizes else None

    def median_module_wall(self, way):
        runs = self.runs.get(way)
        return statistics.median(run.module_wall for run in runs) if runs else None

    def others_cpu(self, way):
        """Median share of the machine's CPU other processes used during the way's runs, in percent."""
        runs = self.runs.get(way)
        return 100 * statistics.median(run.others_cpu for run in runs) if runs else None

    def requests(self, way):
        """The request count of the way's runs: 'N', or 'N-M' when the runs differed."""
        counts = sorted({run.requests for run in self.runs.get(way, [])})
        if not counts:
            return None
        return str(counts[0]) if len(counts) == 1 else '%d-%d' % (counts[0], counts[-1])

    def ratio(self, way, other):
        mine, theirs = self.median_wall(way), self.median_wall(other)
        return mine / theirs if mine is not None and theirs else None

    def metric(self, name):
        """The value a target is checked on, or None when a way it needs was not run."""
        compared = {
            MODULE_PEAK_PER_FLOOR_PROCESS: lambda: (self.module_peak_mb(COLLECTION), self.module_peak_mb(FLOOR)),
            PLAYBOOK_PEAK_FALL: lambda: (self.baseline.peak_mb(COLLECTION), self.peak_mb(COLLECTION)),
            RESULT_SHRINK: lambda: (self.baseline.result_kb(COLLECTION), self.result_kb(COLLECTION)),
        }
        if name in compared:
            mine, theirs = compared[name]()
            return mine / theirs if mine is not None and theirs else None
        if name == MODULE_PEAK_MB:
            return self.module_peak_mb(COLLECTION)
        if name == RESULT_KB:
            return self.result_kb(COLLECTION)
        if name == COLLECTION_PER_URI:
            return self.ratio(COLLECTION, URI)
        if name == COLLECTION_PER_FLOOR:
            return self.ratio(COLLECTION, FLOOR)
        if name == MODULE_PER_FLOOR_PROCESS:
            module, floor = self.median_module_wall(COLLECTION), self.median_module_wall(FLOOR)
            return module / floor if module is not None and floor else None
        if name == PEAK_MB:
            return self.peak_mb(COLLECTION)
        if name == REQUESTS_PER_INSTANCE:
            runs = self.runs.get(COLLECTION)
            return max(run.requests for run in runs) / float(self.scenario.instances) if runs else None
        raise ValueError('unknown metric %r' % name)


@dataclasses.dataclass(frozen=True)
class Verdict:
    row: Row
    target: object
    value: float  # None when not measured

    @property
    def status(self):
        if self.value is None:
            return 'not measured'
        return 'met' if self.target.met(self.value) else 'MISSED'


def verdicts(rows):
    return [Verdict(row, target, row.metric(target.metric)) for row in rows for target in row.step.targets]


# --- formatting ------------------------------------------------------------------------------------

def _seconds(value):
    return '%.1f' % value if value >= 100 else '%.2f' % value


def wall_cell(row, way):
    walls = row.walls(way)
    if not walls:
        return 'not run'
    if len(walls) == 1:
        return '%s (1 run)' % _seconds(walls[0])
    return '%s (%s-%s)' % (_seconds(statistics.median(walls)), _seconds(min(walls)), _seconds(max(walls)))


def ratio_cell(value):
    if value is None:
        return '-'
    return '%.2fx' % value if value >= 0.1 else '%.3fx (1/%.0f)' % (value, 1 / value)


def _triple(values, template):
    return ' / '.join('-' if value is None else template % value for value in values)


def _table(header, lines):
    rule = ['---'] * len(header)
    return '\n'.join('| %s |' % ' | '.join(cells) for cells in [header, rule] + lines)


def main_table(rows):
    header = ['Scenario', 'Run', 'collection s', 'uri s', 'floor s', 'collection/uri', 'collection/floor',
              'peak RSS MB (coll / uri / floor)', 'requests (coll / uri / floor)', "others' CPU % (coll / uri / floor)"]
    lines = [[row.scenario.title, row.step.label] + [wall_cell(row, way) for way in WAYS]
             + [ratio_cell(row.ratio(COLLECTION, URI)), ratio_cell(row.ratio(COLLECTION, FLOOR)),
                _triple([row.peak_mb(way) for way in WAYS], '%.0f'), _triple([row.requests(way) for way in WAYS], '%s'),
                _triple([row.others_cpu(way) for way in WAYS], '%.0f')]
             for row in rows]
    return _table(header, lines)


def process_table(rows):
    header = ['Scenario', 'Run', 'module process s', 'floor process s', 'module/floor', 'module peak RSS MB', 'floor peak RSS MB',
              'module/floor peak', 'module result KB']
    lines = [[row.scenario.title, row.step.label, _triple([row.median_module_wall(COLLECTION)], '%.2f'),
              _triple([row.median_module_wall(FLOOR)], '%.2f'), ratio_cell(row.metric(MODULE_PER_FLOOR_PROCESS)),
              _triple([row.module_peak_mb(COLLECTION)], '%.0f'), _triple([row.module_peak_mb(FLOOR)], '%.0f'),
              ratio_cell(row.metric(MODULE_PEAK_PER_FLOOR_PROCESS)), _triple([row.result_kb(COLLECTION)], '%.1f')]
             for row in rows if COLLECTION in row.runs and FLOOR in row.runs]
    return _table(header, lines)


def _measured(verdict):
    if verdict.value is None:
        return '-'
    if verdict.target.metric in (PEAK_MB, MODULE_PEAK_MB):
        return '%.0f MB' % verdict.value
    if verdict.target.metric == RESULT_KB:
        return '%.1f KB' % verdict.value
    if verdict.target.metric == REQUESTS_PER_INSTANCE:
        return '%.2f' % verdict.value
    return ratio_cell(verdict.value)


def targets_table(found):
    header = ['Scenario', 'Run', 'Target', 'Measured', 'Verdict']
    lines = [[verdict.row.scenario.title, verdict.row.step.label, verdict.target.text,
              '%s: %s' % (verdict.target.metric, _measured(verdict)), verdict.status] for verdict in found]
    return _table(header, lines)


# --- the machine -----------------------------------------------------------------------------------

def _first_line_with(path, prefix):
    try:
        with open(path, encoding='utf-8') as handle:
            for line in handle:
                if line.startswith(prefix):
                    return line.split(':', 1)[1].strip() if ':' in line else line.split('=', 1)[1].strip().strip('"')
    except OSError:
        pass
    return 'unknown'


def load_average():
    return ' '.join('%.2f' % value for value in os.getloadavg())


def machine():
    """The machine, as docs/performance.md records it."""
    import ansible.release  # pylint: disable=import-outside-toplevel  # the bench venv has it; the driver runs there
    import requests  # pylint: disable=import-outside-toplevel
    memory_kb = _first_line_with('/proc/meminfo', 'MemTotal').split()[0]
    return [
        ('CPU', '%s, %d cores' % (_first_line_with('/proc/cpuinfo', 'model name'), os.cpu_count())),
        ('RAM', '%.1f GiB' % (int(memory_kb) / 1024.0 / 1024.0) if memory_kb.isdigit() else 'unknown'),
        ('OS', '%s, Linux %s' % (_first_line_with('/etc/os-release', 'PRETTY_NAME='), platform.release())),
        ('Python', platform.python_version()),
        ('ansible-core', ansible.release.__version__),
        ('requests', requests.__version__),
    ]
