# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""`make soak`: thousands of signals under faults, then a check of everything the simulator saw.

    python tools/soak.py --collections-path DIR --work-dir DIR

Run by the nox session `soak` (noxfile.py), which makes a venv with ansible-core and the simulator, builds the
collection and installs the tarball into a collections path as a user would. This script starts the simulator with KF_SOAK_INSTANCES generated instances, half
needing one approval and half two (from distinct users), with 503s, connection resets, lost signal answers and
latency. Then KF_SOAK_PROCESSES ansible-playbook processes run tools/soak_approve.yml at the same time, each approving
every instance with instance_ids in batches of KF_SOAK_BATCH: alternately as approver1 and approver2, a pair of them
from the same point of the list, the pairs from evenly spread points, so that they overlap and race. Last, with the faults off, it checks:
  - every run succeeded and reported every instance, none failed;
  - the audit holds exactly one counted signal per instance and user needed (one for a single-approval instance, one
    from each user for a dual-approval one), and no signal counted twice or sent again after it counted;
  - no POST without a decision: each process read an instance (HTTP 200) before each POST of a signal to it;
  - a user's runs report an instance changed exactly once when that user's signal counted, never when it did not;
  - every instance is Complete.
It prints a summary with the figures and exits non-zero when a check fails.

Settings (environment variables; an empty value counts as unset):
  KF_SOAK_INSTANCES (3000)  KF_SOAK_PROCESSES (4)  KF_SOAK_BATCH (100)  KF_SOAK_CONCURRENCY (8)  KF_SOAK_RETRIES (8)
  KF_SOAK_FAULT_503 (0.05)  KF_SOAK_FAULT_RESET (0.02)  KF_SOAK_FAULT_LOST (0.05)  KF_SOAK_LATENCY_MS (5)  KF_SOAK_SEED (1)
"""
import collections
import dataclasses
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

from kfsim.scenario import generated_instance_id
from kfsim.testing import run_simulator
from tool_main import tool_main

# The venv this script runs in: its ansible-playbook, and its Python for the modules.
VENV_BIN = Path(sys.executable).parent
PLAYBOOK = Path(__file__).resolve().parent / 'soak_approve.yml'
USERS = ('approver1', 'approver2')
SINGLE, DUAL = 'enroll-single', 'enroll-dual'  # default-scenario definitions needing one and two approvals
# An instance read or a signal sent, as the audit records the path.
INSTANCE_REQUEST = re.compile(r'/Workflow/Instances/(?P<id>[0-9a-f-]{36})(?P<signals>/Signals)?$', re.IGNORECASE)


@dataclasses.dataclass(frozen=True)
class Settings:
    instances: int
    processes: int
    batch: int
    concurrency: int
    retries: int
    fault_503: float
    fault_reset: float
    fault_lost: float
    latency_ms: int
    seed: int

    @classmethod
    def from_environment(cls):
        return cls(*(kind(setting('KF_SOAK_' + field.name.upper(), default)) for field, kind, default in zip(
            dataclasses.fields(cls), (int, int, int, int, int, float, float, float, int, int),
            ('3000', '4', '100', '8', '8', '0.05', '0.02', '0.05', '5', '1'))))

    def switches(self):
        return dict(fault_503=self.fault_503, fault_reset=self.fault_reset, fault_lost_response=self.fault_lost,
                    latency_ms=self.latency_ms, retry_after=0, seed=self.seed)


def say(text):
    print('\n==> %s' % text, flush=True)


def rotated(items, start):
    return items[start:] + items[:start]


def start_of(number, count, processes):
    """Where process `number` starts in the list: approver1 and approver2 in pairs from the same point (racing on the
    single-approval instances), the pairs spread evenly (so that same-user processes meet half-way)."""
    pairs = -(-processes // len(USERS))
    return (number // len(USERS)) * count // pairs


def setting(name, default):
    """Environment variable `name`, an empty value counting as unset."""
    return os.environ.get(name) or default


def run_processes(simulator, ids, config, collections_dir, work_dir):
    """Start every process at once, each with its user and its own order of the instances; wait; return their exit codes."""
    running = []
    for number in range(config.processes):
        user = USERS[number % len(USERS)]
        ids_file = work_dir / ('ids-%d.json' % number)
        ids_file.write_text(json.dumps(rotated(ids, start_of(number, len(ids), config.processes))), encoding='utf-8')
        credentials = simulator.user(user)
        env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(collections_dir), ANSIBLE_LOCALHOST_WARNING='false',
                   ANSIBLE_INVENTORY_UNPARSED_WARNING='false', ANSIBLE_NOCOLOR='1',
                   KEYFACTOR_HOSTNAME=simulator.host, KEYFACTOR_CA_CERT=simulator.ca_cert,
                   KEYFACTOR_USERNAME=credentials['username'], KEYFACTOR_DOMAIN=credentials['domain'],
                   KEYFACTOR_PASSWORD=credentials['password'])
        extra_vars = dict(soak_process=str(number), soak_ids_file=str(ids_file), soak_batch=config.batch,
                          soak_concurrency=config.concurrency, soak_retries=config.retries,
                          soak_results_file=str(work_dir / ('results-%d.json' % number)))
        log = open(work_dir / ('process-%d.log' % number), 'w', encoding='utf-8')  # pylint: disable=consider-using-with
        running.append((subprocess.Popen(  # pylint: disable=consider-using-with  # waited for below
            [VENV_BIN / 'ansible-playbook', '-i', 'localhost,', '-c', 'local', '-e', json.dumps(extra_vars),
             '-e', 'ansible_python_interpreter=%s' % sys.executable, PLAYBOOK],
            cwd=work_dir, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL), log))
    codes = []
    for process, log in running:
        codes.append(process.wait())
        log.close()
    return codes


def process_results(config, work_dir):
    """Each process's per-instance results (a list of dicts), or None when it saved none."""
    found = []
    for number in range(config.processes):
        path = work_dir / ('results-%d.json' % number)
        found.append(json.loads(path.read_text(encoding='utf-8')) if path.is_file() else None)
    return found


def final_statuses(simulator):
    """Status of every instance, read with the faults off."""
    simulator.configure(fault_503=0, fault_reset=0, fault_lost_response=0, latency_ms=0)
    statuses, page = {}, 1
    with simulator.session('approver1') as session:
        while True:
            response = session.get(simulator.api_url + '/Workflow/Instances', timeout=60, params={
                'QueryString': 'Id -startswith "a0000000" OR Id -startswith "a0000001"', 'ReturnLimit': 1000, 'PageReturned': page})
            response.raise_for_status()
            items = response.json()
            statuses.update((item['Id'], item['Status']) for item in items)
            if len(items) < 1000:
                return statuses
            page += 1


def posts_without_read(requests):
    """Signal POSTs a process sent with no successful read of that instance by the same process since its previous POST."""
    last = {}
    unread = 0
    for request in sorted(requests, key=lambda entry: entry['seq']):
        process = request['headers'].get('X-Soak-Process')
        match = INSTANCE_REQUEST.search(request['path'])
        if process is None or match is None:
            continue
        key = (process, match.group('id').lower())
        if request['method'] == 'GET' and not match.group('signals') and request['status'] == 200:
            last[key] = 'read'
        elif request['method'] == 'POST' and match.group('signals'):
            unread += last.get(key) != 'read'
            last[key] = 'post'
    return unread


class Checks:
    """Named checks, each passed or failed with a detail."""

    def __init__(self):
        self.results = []

    def check(self, name, passed, detail=''):
        self.results.append((name, bool(passed), detail))

    @property
    def failed(self):
        return [result for result in self.results if not result[1]]

    def print(self):
        for name, passed, detail in self.results:
            print('  %-4s %s%s' % ('ok' if passed else 'FAIL', name, ' (%s)' % detail if detail and not passed else ''))


def check_runs(checks, codes, results, ids, users):
    checks.check('every ansible-playbook run exited 0', all(code == 0 for code in codes), 'exit codes %s' % codes)
    complete = [entries for entries in results if entries is not None and len(entries) == len(ids)]
    checks.check('every run reported every instance', len(complete) == len(results),
                 'instances reported per run: %s' % [None if entries is None else len(entries) for entries in results])
    failures = [entry for entries in results if entries for entry in entries if entry.get('failed')]
    checks.check('no instance failed', not failures, '%d failed, e.g. %s' % (len(failures), failures[:2]))
    claims = collections.defaultdict(list)
    for number, entries in enumerate(results):
        for entry in entries or []:
            if entry.get('changed'):
                claims[(entry['instance_id'], users[number])].append(claim_kind(entry.get('msg', '')))
    return claims


def claim_kind(msg):
    """'sent' (answered 204), 'lost' (answer lost, the re-read showed the signal in) or 'moved_on' (answer lost, and
    the re-read found the instance past the step: by this signal or another approver's, which no read can tell)."""
    if 'answer was lost' not in msg:
        return 'sent'
    return 'moved_on' if 'no longer waits at step' in msg else 'lost'


def counted_signals(audit):
    """(instance, user name) -> number of that user's counted signals."""
    return collections.Counter((signal['instance_id'], signal['caller'].split('\\')[-1])
                               for signal in audit['signals'] if signal['counted'])


def check_signals(checks, audit, single_ids, dual_ids):
    counted = counted_signals(audit)
    by_instance = collections.defaultdict(dict)
    for (instance_id, caller), count in counted.items():
        by_instance[instance_id][caller] = count
    wrong_single = [i for i in single_ids if sum(by_instance[i].values()) != 1]
    wrong_dual = [i for i in dual_ids if sorted(by_instance[i].values()) != [1, 1]]
    checks.check('one counted signal per single-approval instance', not wrong_single, '%d wrong, e.g. %s' % (
        len(wrong_single), [(i, by_instance[i]) for i in wrong_single[:3]]))
    checks.check('one counted signal per user per dual-approval instance', not wrong_dual, '%d wrong, e.g. %s' % (
        len(wrong_dual), [(i, by_instance[i]) for i in wrong_dual[:3]]))
    uncounted = [signal for signal in audit['signals'] if not signal['counted']]
    checks.check('no signal sent again after it counted', not uncounted, '%d, e.g. %s' % (len(uncounted), uncounted[:2]))
    unread = posts_without_read(audit['requests'])
    checks.check('no POST without a decision (a read by the same process since its previous POST)', unread == 0,
                 '%d POSTs without one' % unread)


def check_changed(checks, claims, counted):
    """A user's runs report each of that user's counted signals as changed exactly once; any other change claimed
    is the documented ambiguous case (answer lost, instance found past the step), never a plain send or a re-read
    that showed the signal in."""
    pairs = set(claims) | set(counted)
    unreported = sorted(pair for pair in counted if len(claims.get(pair, [])) < counted[pair])
    checks.check("each counted signal is reported changed by its user's runs", not unreported,
                 '%d (instance, user) pairs, e.g. %s' % (len(unreported), unreported[:3]))
    surplus = {pair: sorted(claims.get(pair, []))[counted.get(pair, 0):] for pair in pairs}
    unexplained = sorted(pair for pair, kinds in surplus.items() if any(kind != 'moved_on' for kind in kinds))
    checks.check('a change without a counted signal is only ever claimed after a lost answer, on an instance found '
                 'past the step', not unexplained, '%d pairs, e.g. %s' % (
                     len(unexplained), [(pair, claims.get(pair), counted.get(pair, 0)) for pair in unexplained[:3]]))


def figures(audit, config, seconds, statuses, claims, logs):
    requests = audit['requests']
    posts = [request for request in requests if request['method'] == 'POST' and request['path'].endswith('/Signals')]
    faults = collections.Counter(request['fault'] for request in requests if request['fault'])
    post_statuses = collections.Counter(str(request['status']) for request in posts)
    warnings = sum(log.count('[WARNING]:') for log in logs)
    counted = sum(1 for signal in audit['signals'] if signal['counted'])
    return [
        ('instances', '%d (%d single-approval, %d dual-approval)' % (config.instances, config.instances - config.instances // 2,
                                                                     config.instances // 2)),
        ('processes', '%d at once (%s), batches of %d instance_ids, concurrency %d, retries %d' % (
            config.processes, ', '.join(USERS[n % len(USERS)] for n in range(config.processes)), config.batch,
            config.concurrency, config.retries)),
        ('faults asked', '503 %.0f%%, reset %.0f%%, lost answer %.0f%% of accepted signals, latency %d ms, seed %d' % (
            100 * config.fault_503, 100 * config.fault_reset, 100 * config.fault_lost, config.latency_ms, config.seed)),
        ('wall time', '%.0f s (%.1f counted signals/s)' % (seconds, counted / seconds if seconds else 0)),
        ('API requests', '%d (%s)' % (len(requests), ', '.join('%s %d' % item for item in sorted(
            collections.Counter(request['method'] for request in requests).items())))),
        ('faults injected', ', '.join('%s %d' % item for item in sorted(faults.items())) or 'none'),
        ('signal POSTs', '%d: %s (None: reset or answer lost)' % (len(posts), ', '.join(
            'HTTP %s %d' % item for item in sorted(post_statuses.items())))),
        ('counted signals', '%d' % counted),
        ('reported changed', '%d instance results: %s' % (
            sum(len(found) for found in claims.values()),
            ', '.join('%s %d' % item for item in sorted(collections.Counter(
                kind for found in claims.values() for kind in found).items())))),
        ('warnings shown', '%d (retries and re-read outcomes)' % warnings),
        ('final statuses', ', '.join('%s %d' % item for item in sorted(collections.Counter(statuses.values()).items()))),
    ]


def soak(collections_dir, work_dir):
    config = Settings.from_environment()
    single_count = config.instances - config.instances // 2
    single_ids = [generated_instance_id(0, n) for n in range(1, single_count + 1)]
    dual_ids = [generated_instance_id(1, n) for n in range(1, config.instances // 2 + 1)]
    users = [USERS[n % len(USERS)] for n in range(config.processes)]
    for stale in list(work_dir.glob('results-*.json')) + list(work_dir.glob('process-*.log')):
        stale.unlink()
    say('Start the simulator with %d instances and faults %s' % (config.instances, config.switches()))
    with run_simulator() as simulator:
        simulator.load({'extends': 'default.yaml', 'generate': [{'count': single_count, 'definition': SINGLE},
                                                                {'count': config.instances // 2, 'definition': DUAL}]})
        simulator.configure(**config.switches())
        say('Run %d ansible-playbook processes at once (logs: %s/process-N.log)' % (config.processes, work_dir))
        started = time.monotonic()
        codes = run_processes(simulator, single_ids + dual_ids, config, collections_dir, work_dir)
        seconds = time.monotonic() - started
        say('Check the runs, the audit and the final state')
        statuses = final_statuses(simulator)
        audit = simulator.audit()
    checks = Checks()
    claims = check_runs(checks, codes, process_results(config, work_dir), single_ids + dual_ids, users)
    check_signals(checks, audit, single_ids, dual_ids)
    check_changed(checks, claims, counted_signals(audit))
    unfinished = [i for i in single_ids + dual_ids if statuses.get(i) != 'Complete']
    checks.check('every instance Complete', not unfinished, '%d not, e.g. %s' % (
        len(unfinished), [(i, statuses.get(i)) for i in unfinished[:3]]))
    logs = [path.read_text(encoding='utf-8', errors='replace') for path in sorted(work_dir.glob('process-*.log'))]
    say('Summary')
    for name, value in figures(audit, config, seconds, statuses, claims, logs):
        print('  %-17s %s' % (name, value))
    checks.print()
    passed = len(checks.results) - len(checks.failed)
    print('soak: %d passed, %d failed' % (passed, len(checks.failed)))
    return 1 if checks.failed else 0


if __name__ == '__main__':
    sys.exit(tool_main(__doc__, soak))
