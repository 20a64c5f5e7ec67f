# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the measurements rest on: peak RSS of a process tree, and the probe's own records."""
import json
import os
import subprocess
import sys
import time

from kfbench.measure import (
    PROBE_DIR, machine_busy_seconds, others_cpu_now, others_cpu_share, process_cpu_seconds, run_process, wait_until_quiet,
)

ALLOCATE = 'import sys, time; block = bytearray(int(sys.argv[1]) * 1024 * 1024); time.sleep(0.2)'


def test_peak_memory_covers_a_grandchild(tmp_path):
    # The shell is the child; the Python process allocating 120 MB is its child, as a module is ansible-playbook's descendant.
    argv = ['/bin/sh', '-c', '"%s" -c "%s" 120; exit 3' % (sys.executable, ALLOCATE)]
    code, wall, peak_kb, cpu = run_process(argv, dict(os.environ), tmp_path / 'log', timeout=60)
    assert code == 3
    assert cpu > 0
    assert wall >= 0.2
    assert peak_kb >= 120 * 1024


def test_peak_memory_is_the_largest_process_not_a_sum(tmp_path):
    argv = ['/bin/sh', '-c', '"{0}" -c "{1}" 80; "{0}" -c "{1}" 80'.format(sys.executable, ALLOCATE)]
    _code, _wall, peak_kb, _cpu = run_process(argv, dict(os.environ), tmp_path / 'log', timeout=60)
    assert 80 * 1024 <= peak_kb < 150 * 1024


def test_a_process_past_the_timeout_is_killed(tmp_path):
    code, wall, _peak_kb, _cpu = run_process([sys.executable, '-c', 'import time; time.sleep(30)'], dict(os.environ), tmp_path / 'log', timeout=0.5)
    assert code == -9
    assert wall < 10


def test_the_probe_records_each_python_process(tmp_path):
    records = tmp_path / 'probe.jsonl'
    env = dict(os.environ, PYTHONPATH=str(PROBE_DIR), KF_BENCH_PROBE_FILE=str(records))
    code, wall, _peak_kb, _cpu = run_process([sys.executable, '-c', ALLOCATE, '60'], env, tmp_path / 'log', timeout=60)
    assert code == 0
    (record,) = [json.loads(line) for line in records.read_text().splitlines()]
    assert record['argv0'] == '-c'
    assert record['collection'] is False
    assert 0.2 <= record['wall'] <= wall + 0.02  # the kernel's start time has a 10 ms resolution
    assert record['maxrss_kb'] >= 60 * 1024


def test_others_cpu_is_the_machine_busy_time_less_our_own_over_the_capacity():
    assert others_cpu_share(machine_busy=3.0, own_cpu=1.0, wall=2.0) == 2.0 / (2.0 * os.cpu_count())
    assert others_cpu_share(machine_busy=0.9, own_cpu=1.0, wall=2.0) == 0.0  # clock-tick rounding never goes negative


def test_cpu_accounting_sees_a_busy_process():
    busy_before = machine_busy_seconds()
    mine_before = process_cpu_seconds(os.getpid())
    deadline = time.process_time() + 0.3
    while time.process_time() < deadline:
        pass
    assert process_cpu_seconds(os.getpid()) - mine_before >= 0.25
    assert machine_busy_seconds() - busy_before >= 0.25


def test_others_cpu_now_sees_another_busy_process_and_the_quiet_gate_gives_up_after_max_wait():
    spin = 'import time\ndeadline = time.monotonic() + 15\nwhile time.monotonic() < deadline: pass'
    with subprocess.Popen([sys.executable, '-c', spin]) as busy:
        try:
            assert others_cpu_now(os.getpid(), seconds=1.0) >= 0.8 / os.cpu_count()  # one core of the machine's
            messages = []
            started = time.monotonic()
            share = wait_until_quiet(os.getpid(), limit=0.0, max_wait=1.5, log=messages.append)
            assert time.monotonic() - started < 12  # one sample, one poll, one more sample
            assert share > 0 and len(messages) == 2
        finally:
            busy.kill()
