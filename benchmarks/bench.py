# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""`make bench`: prepare what the benchmark needs on a fresh clone, then run benchmarks/run.py.

1. a cached venv .venv/bench (python3 with ansible-core 2.19, requests, werkzeug, cryptography, PyYAML, and pytest for benchmarks/tests);
2. the collection built from the working tree and installed from its tarball into .work/bench/collections,
   as a user would install it;
3. benchmarks/run.py with that venv's Python; its files go to .work/bench/runs.

Settings are BENCH_* environment variables (or run.py's flags after the script name): benchmarks/README.md.
Needs Python 3.9+ with venv, git and PyPI, like tools/ci.py.
"""
import os
import shlex
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / 'tools'))

from kfci.prepare import cached_venv, install_built_collection, venv_env  # noqa: E402  pylint: disable=wrong-import-position
from kfci.settings import REPO, VENVS, WORK  # noqa: E402  pylint: disable=wrong-import-position
from kfci.steps import StepFailed, log  # noqa: E402  pylint: disable=wrong-import-position

VENV = VENVS / 'bench'
REQUIREMENTS = ['ansible-core>=2.19,<2.20', 'requests', 'werkzeug', 'cryptography', 'PyYAML', 'pytest']
BENCH_WORK = WORK / 'bench'


def recorded_command(argv):
    """The command docs/performance.md names: `make bench` with the BENCH_* settings given, or this script's command line."""
    settings = ['%s=%s' % (name, shlex.quote(value)) for name, value in sorted(os.environ.items())
                if name.startswith('BENCH_') and value and name != 'BENCH_COMMAND']
    if os.environ.get('MAKELEVEL'):
        return ' '.join(['make bench'] + settings + [shlex.quote(arg) for arg in argv])
    return ' '.join(settings + ['python3', 'benchmarks/bench.py'] + [shlex.quote(arg) for arg in argv])


def main(argv):
    try:
        log(cached_venv(VENV, sys.executable, REQUIREMENTS))
        collections = install_built_collection(VENV, BENCH_WORK)
    except StepFailed as error:
        print('bench: setup failed: %s' % error, file=sys.stderr)
        return 1
    command = [VENV / 'bin' / 'python', REPO / 'benchmarks' / 'run.py', '--collections-path', collections,
               '--work-dir', BENCH_WORK / 'runs', '--command', recorded_command(argv)] + argv
    log('$ %s' % shlex.join(str(arg) for arg in command))
    return subprocess.run([str(arg) for arg in command], cwd=REPO, env=venv_env(VENV), check=False).returncode


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
