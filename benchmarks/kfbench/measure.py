# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Running one way of one scenario: its processes, their wall time and peak memory, and the requests the simulator saw.

Wall time is measured by this process from spawning the way's process (ansible-playbook or python)
to reaping it. Peak memory comes from os.wait4: the kernel reports the largest resident set of the
process and of every descendant it waited for (ansible-playbook's workers and the module processes
they run), so it is the largest RSS of any single process of the run, not a sum. The probe
(benchmarks/probe/sitecustomize.py) adds each Python process's own wall time and peak RSS, which
separates the collection's module process from the controller.

The machine is shared, so each run also records how much CPU other processes used meanwhile: the
machine's busy time (/proc/stat) less the run's own process tree (os.wait4) and the simulator's
(/proc/PID/stat), as a share of the machine's capacity over the run's wall time.
"""
import dataclasses
import json
import os
import signal
import subprocess
import threading
import time
from collections import namedtuple
from pathlib import Path

from kfbench.scenarios import COLLECTION, FLOOR, URI

BENCHMARKS = Path(__file__).resolve().parents[1]
PLAYBOOKS = BENCHMARKS / 'playbooks'
PROBE_DIR = BENCHMARKS / 'probe'
FLOOR_SCRIPT = BENCHMARKS / 'floor.py'
SIGNAL_KEY = 'RequireApproval1.ApprovalStatus'
PLAYBOOK = {
    (COLLECTION, 'signal_one'): 'collection_signal_one.yml',
    (COLLECTION, 'signal_many'): 'collection_signal_many.yml',
    (COLLECTION, 'list'): 'collection_list.yml',
    (COLLECTION, 'details'): 'collection_list.yml',
    (URI, 'signal_one'): 'uri_signal_one.yml',
    (URI, 'signal_many'): 'uri_signal_many.yml',
    (URI, 'list'): 'uri_list.yml',
    (URI, 'details'): 'uri_list.yml',
}
QUIET_POLL_SECONDS = 4
# Settings of the machine's environment that would change what the ways do.
FOREIGN_ENV_PREFIXES = ('ANSIBLE_', 'KEYFACTOR_', 'KF_BENCH_')


class WayFailed(RuntimeError):
    """A way's process failed or did not do what it had to; its timing would mean nothing."""


@dataclasses.dataclass
class Measurement:
    """One step of one way: one process tree."""

    wall: float
    peak_kb: int  # largest RSS of any process of the tree
    requests: int  # API requests the simulator saw
    signals: int  # signals it counted
    others_cpu: float  # share of the machine's CPU capacity other processes used during the run
    module_wall: float = None  # the collection's module process (probe), or the floor's own process
    module_peak_kb: int = None
    result_chars: int = None  # what the collection's module process printed: the result the controller registers


@dataclasses.dataclass(frozen=True)
class Context:
    """What every way needs: the simulator, the installed collection, the interpreter, a work directory."""

    simulator: object  # kfsim.testing.Simulator
    python: str  # the venv's interpreter: ansible_python_interpreter and the floor's
    ansible_playbook: str
    collections_path: str
    work: Path
    timeout: float
    profile_dir: str = ''


ProcessResult = namedtuple('ProcessResult', 'code wall peak_kb cpu')
CLOCK_TICKS = os.sysconf('SC_CLK_TCK')
# /proc/stat's cpu line: user nice system idle iowait irq softirq steal (guest time is already in user).
BUSY_FIELDS = (0, 1, 2, 5, 6, 7)


def machine_busy_seconds():
    """CPU seconds all processors have spent busy since boot."""
    with open('/proc/stat', encoding='ascii') as stat:
        fields = stat.readline().split()[1:]
    return sum(int(fields[index]) for index in BUSY_FIELDS) / CLOCK_TICKS


def process_cpu_seconds(pid):
    """User plus system CPU seconds of a running process (its own threads, not its children)."""
    with open('/proc/%d/stat' % pid, encoding='ascii') as stat:
        fields = stat.read().rsplit(')', 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def run_process(argv, env, log_path, timeout):
    """Run argv to completion; return its exit code, wall seconds, peak RSS in KB and CPU seconds of the process tree."""
    with open(log_path, 'wb') as log:
        started = time.perf_counter()
        process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env,  # pylint: disable=consider-using-with
                                   start_new_session=True)
        watchdog = threading.Timer(timeout, os.killpg, (process.pid, signal.SIGKILL))
        watchdog.start()
        try:
            _pid, status, usage = os.wait4(process.pid, 0)
        except BaseException:  # the driver is being stopped: take the way's processes with it
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            raise
        finally:
            watchdog.cancel()
        wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)  # reaped here; keeps Popen from waiting again
    return ProcessResult(process.returncode, wall, usage.ru_maxrss, usage.ru_utime + usage.ru_stime)


def others_cpu_share(machine_busy, own_cpu, wall):
    """The share of the machine's CPU capacity over `wall` that processes other than our own used."""
    return max(0.0, machine_busy - own_cpu) / (wall * os.cpu_count())


def others_cpu_now(simulator_pid, seconds=1.0):
    """The share of the machine's CPU other processes use over the next `seconds`, while this process sleeps."""
    busy, simulator = machine_busy_seconds(), process_cpu_seconds(simulator_pid)
    started = time.monotonic()
    time.sleep(seconds)
    own = process_cpu_seconds(simulator_pid) - simulator
    return others_cpu_share(machine_busy_seconds() - busy, own, time.monotonic() - started)


def wait_until_quiet(simulator_pid, limit, max_wait, log):
    """Wait until other processes use at most `limit` of the machine's CPU (or max_wait passed); return their last share."""
    deadline = time.monotonic() + max_wait
    share = others_cpu_now(simulator_pid)
    waited = False
    while share > limit and time.monotonic() < deadline:
        if not waited:
            log('other processes use %.0f%% of the CPU; waiting for at most %.0f%% (up to %.0f s)' % (100 * share, 100 * limit, max_wait))
            waited = True
        time.sleep(QUIET_POLL_SECONDS)
        share = others_cpu_now(simulator_pid)
    if waited:
        log('other processes use %.0f%% of the CPU; going on' % (100 * share))
    return share


class WayRunner:
    """Runs the steps of a scenario one way, from a freshly reset simulator."""

    def __init__(self, context, settings):
        self.context = context
        self.settings = settings
        self.credentials = context.simulator.basic_auth('approver1')
        self.inventory = context.work / 'inventory.ini'
        self.inventory.write_text('localhost ansible_connection=local ansible_python_interpreter=%s\n' % context.python, encoding='utf-8')
        self.vars_file = context.work / 'connection.json'  # holds the password: owner-only, never on a command line
        self.vars_file.touch(mode=0o600)
        self.vars_file.write_text(json.dumps({
            'kf_url': context.simulator.url, 'kf_api_url': context.simulator.api_url, 'kf_ca_cert': context.simulator.ca_cert,
            'kf_username': self.credentials[0], 'kf_password': self.credentials[1],
        }), encoding='utf-8')
        self.count = 0

    def environment(self, probe_file):
        env = {name: value for name, value in os.environ.items() if not name.startswith(FOREIGN_ENV_PREFIXES)}
        env.update({
            'PYTHONPATH': str(PROBE_DIR), 'KF_BENCH_PROBE_FILE': str(probe_file),
            'ANSIBLE_COLLECTIONS_PATH': self.context.collections_path, 'ANSIBLE_NOCOLOR': '1',
            'KF_BENCH_API_URL': self.context.simulator.api_url, 'KF_BENCH_CA_CERT': self.context.simulator.ca_cert,
            'KF_BENCH_USERNAME': self.credentials[0], 'KF_BENCH_PASSWORD': self.credentials[1],
        })
        if self.context.profile_dir:
            env['KF_BENCH_PROFILE_DIR'] = self.context.profile_dir
        return env

    def ids_file(self, scenario):
        from kfsim.scenario import generated_instance_id  # pylint: disable=import-outside-toplevel
        path = self.context.work / ('ids-%d.json' % scenario.instances)
        if not path.exists():
            ids = [generated_instance_id(0, number + 1) for number in range(scenario.instances)]
            path.write_text(json.dumps({'instance_ids': ids}), encoding='utf-8')
        return path

    def command(self, scenario, way, step):
        """The argv of one step of one way."""
        page_size = scenario.page_size or self.settings.page_size
        if way.name == FLOOR:
            floor = [self.context.python, str(FLOOR_SCRIPT)]
            if scenario.kind.startswith('signal'):
                return floor + ['signal', '--ids-file', str(self.ids_file(scenario)), '--expect-sent', str(step.expect_sent)]
            if scenario.kind == 'list':
                return floor + ['list', '--page-size', str(page_size), '--expect-count', str(scenario.instances),
                                '--return', step.listing, '--fields', ','.join(step.fields)]
            return floor + ['details', '--page-size', str(page_size), '--limit', str(scenario.instances)]
        extra = {'expect_sent': step.expect_sent, 'page_size': page_size, 'expect_count': scenario.instances,
                 'details': scenario.kind == 'details', 'listing': step.listing, 'fields': list(step.fields)}
        if scenario.kind == 'details':
            extra['limit'] = scenario.instances
        argv = [self.context.ansible_playbook, '-i', str(self.inventory), str(PLAYBOOKS / PLAYBOOK[way.name, scenario.kind]),
                '-e', '@%s' % self.vars_file, '-e', json.dumps(extra)]
        if scenario.kind.startswith('signal'):
            argv += ['-e', '@%s' % self.ids_file(scenario)]
        return argv

    def run(self, scenario, way):
        """Reset the simulator, run each step; return a Measurement per step. Raises WayFailed."""
        simulator = self.context.simulator
        simulator.reset()
        if scenario.latency_ms:
            simulator.configure(latency_ms=scenario.latency_ms)
        since = 0
        measurements = []
        for step in scenario.steps:
            self.count += 1
            stem = self.context.work / ('%04d-%s-%s' % (self.count, way.name, step.label.replace(' ', '-')))
            probe_file = stem.with_suffix('.probe')
            log_path = stem.with_suffix('.log')
            busy_before, simulator_before = machine_busy_seconds(), process_cpu_seconds(simulator.pid)
            result = run_process(self.command(scenario, way, step), self.environment(probe_file), log_path, self.context.timeout)
            own_cpu = result.cpu + process_cpu_seconds(simulator.pid) - simulator_before
            others = others_cpu_share(machine_busy_seconds() - busy_before, own_cpu, result.wall)
            if result.code != 0:
                tail = log_path.read_text(encoding='utf-8', errors='replace')[-3000:]
                raise WayFailed('%s, %s, %s exited %d; the end of %s:\n%s' % (scenario.title, way.name, step.label, result.code, log_path, tail))
            audit = simulator.audit(since)
            since = audit['last_seq']
            counted = sum(1 for entry in audit['signals'] if entry['counted'])
            if counted != step.expect_sent:
                raise WayFailed('%s, %s, %s: the simulator counted %d signals, expected %d' % (
                    scenario.title, way.name, step.label, counted, step.expect_sent))
            measurement = Measurement(result.wall, result.peak_kb, len(audit['requests']), counted, others)
            _add_probe(measurement, way.name, probe_file)
            measurements.append(measurement)
        return measurements


def _probe_records(path):
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding='utf-8').splitlines() if line.strip()]


def _add_probe(measurement, way_name, probe_file):
    """The collection's module process (the one that ran keyfactor.command code), or the floor script's own process."""
    records = _probe_records(probe_file)
    if way_name == COLLECTION:
        own = [record for record in records if record['collection']]
    elif way_name == FLOOR:
        own = [record for record in records if record['argv0'] == FLOOR_SCRIPT.name]
    else:
        return
    if len(own) != 1:
        raise WayFailed('expected one %s process in the probe records of %s, found %d' % (way_name, probe_file, len(own)))
    measurement.module_wall = own[0]['wall']
    measurement.module_peak_kb = own[0]['maxrss_kb']
    measurement.result_chars = own[0].get('stdout_chars')
