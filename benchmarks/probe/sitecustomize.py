# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark probe: every Python process started with this directory on PYTHONPATH reports itself at exit.

The benchmark driver puts this directory on PYTHONPATH for each way it measures (ansible-playbook,
the modules it starts, the floor script), so that the collection's module process can be told apart
from the controller. At exit each process appends one JSON line to $KF_BENCH_PROBE_FILE: its wall time
from process start (the kernel's start time, 10 ms resolution) to exit, its peak RSS, its argv[0] and
whether it ran keyfactor.command code, and, for a module process (an AnsiballZ_* script), the characters it
wrote to stdout: the size of the result the controller parses and registers. With $KF_BENCH_PROFILE_DIR set,
keyfactor.command module processes also write a cProfile file there (main thread only).

Importing this costs well under a millisecond; it only reads the clock and registers an exit hook.
"""
import atexit
import os
import sys
import time

# Only a module process imports the collection's module_utils; the controller merely finds the collection.
COLLECTION_MODULE_UTILS = 'ansible_collections.keyfactor.command.plugins.module_utils.'


def _started_seconds_since_boot():
    """The process start time, from /proc/self/stat (field 22, clock ticks since boot)."""
    with open('/proc/self/stat', encoding='ascii') as stat:
        fields = stat.read().rsplit(')', 1)[1].split()
    return int(fields[19]) / os.sysconf('SC_CLK_TCK')


class _CountingStream:
    """sys.stdout of a module process, counting what passes through it."""

    def __init__(self, stream):
        self._stream = stream
        self.written = 0

    def write(self, text):
        self.written += len(text)
        return self._stream.write(text)

    def __getattr__(self, name):
        return getattr(self._stream, name)


def _runs_collection_code():
    return any(name.startswith(COLLECTION_MODULE_UTILS) for name in list(sys.modules))


def _report(report_file, profiler, profile_dir, stdout):
    import json  # pylint: disable=import-outside-toplevel  # only at exit, to keep start-up light
    import resource  # pylint: disable=import-outside-toplevel
    wall = time.clock_gettime(time.CLOCK_BOOTTIME) - _started_seconds_since_boot()
    collection = _runs_collection_code()
    record = {
        'pid': os.getpid(),
        'argv0': os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else '',
        'collection': collection,
        'wall': round(wall, 3),
        'maxrss_kb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        'stdout_chars': stdout.written if stdout is not None else None,
    }
    with open(report_file, 'a', encoding='utf-8') as handle:
        handle.write(json.dumps(record) + '\n')
    if profiler is not None:
        profiler.disable()
        if collection:
            profiler.dump_stats(os.path.join(profile_dir, 'module-%d.prof' % os.getpid()))


def _install():
    report_file = os.environ.get('KF_BENCH_PROBE_FILE')
    if not report_file:
        return
    profile_dir = os.environ.get('KF_BENCH_PROFILE_DIR')
    profiler = None
    if profile_dir:
        import cProfile  # pylint: disable=import-outside-toplevel
        profiler = cProfile.Profile()
        profiler.enable()
    stdout = None
    if sys.argv and os.path.basename(sys.argv[0]).startswith('AnsiballZ_'):
        stdout = sys.stdout = _CountingStream(sys.stdout)
    atexit.register(_report, report_file, profiler, profile_dir, stdout)


_install()
