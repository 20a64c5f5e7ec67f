# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""`make demo`: the collection approving workflow instances on the bundled Keyfactor Command simulator.

    python tools/demo.py --collections-path DIR --work-dir DIR

Run by the nox session `demo` (noxfile.py), which makes a venv with ansible-core and the simulator, builds the
collection and installs the tarball into a collections path as a user would. This script starts the simulator over
TLS with its default scenario, runs playbooks/approve_assigned.yml as KEYEXAMPLE\\approver1 (connection settings from
the KEYFACTOR_* environment variables, as an AWX credential would inject them), runs it again to show that nothing
changes, and stops the simulator.
"""
import os
import subprocess
import sys
from pathlib import Path

from kfsim.testing import run_simulator
from tool_main import tool_main

# ansible-playbook of the venv this script runs in.
ANSIBLE_PLAYBOOK = Path(sys.executable).parent / 'ansible-playbook'
USER = 'approver1'
# "Web Server Enrollment Approval" of the simulator's default scenario.
DEFINITION_ID = 'd1000000-0000-4000-8000-000000000001'


def say(text):
    print('\n\033[1m==> %s\033[0m' % text if sys.stdout.isatty() else '\n==> %s' % text, flush=True)


def run(argv, **kwargs):
    print('$ ' + ' '.join(str(arg) for arg in argv), flush=True)
    return subprocess.run([str(arg) for arg in argv], check=True, **kwargs)


def play(simulator, collections, work_dir, label):
    say(label)
    credentials = simulator.user(USER)
    env = dict(
        os.environ,
        ANSIBLE_COLLECTIONS_PATH=str(collections),
        ANSIBLE_LOCALHOST_WARNING='false',
        ANSIBLE_INVENTORY_UNPARSED_WARNING='false',
        ANSIBLE_NOCOLOR='1' if not sys.stdout.isatty() else '0',
        KEYFACTOR_HOSTNAME=simulator.host,
        KEYFACTOR_USERNAME=credentials['username'],
        KEYFACTOR_PASSWORD=credentials['password'],
        KEYFACTOR_DOMAIN=credentials['domain'],
        KEYFACTOR_CA_CERT=simulator.ca_cert,
    )
    before = simulator.audit()['last_seq']
    run([ANSIBLE_PLAYBOOK, 'keyfactor.command.approve_assigned', '-e', 'kf_definition_id=' + DEFINITION_ID],
        env=env, cwd=work_dir)
    audit = simulator.audit(since=before)
    print('The simulator saw %d API requests and %d signal(s) from this run.'
          % (len(audit['requests']), len([signal for signal in audit['signals'] if signal['counted']])))
    return audit


def demo(collections, work_dir):
    say('Start the Keyfactor Command simulator over TLS (tests/simulator, default scenario)')
    with run_simulator() as simulator:
        print('listening on %s, CA %s' % (simulator.url, simulator.ca_cert))
        first = play(simulator, collections, work_dir,
                     'Approve what waits for KEYEXAMPLE\\%s in "Web Server Enrollment Approval"' % USER)
        second = play(simulator, collections, work_dir,
                      'The same play again: nothing is left to approve, nothing is sent')
    say('Simulator stopped')
    first_signals = [signal for signal in first['signals'] if signal['counted']]
    second_signals = [signal for signal in second['signals'] if signal['counted']]
    print('First run: %d approval(s) sent; second run: %d.' % (len(first_signals), len(second_signals)))
    if not first_signals or second_signals:
        print('Unexpected: the first run should approve and the second should send nothing.', file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(tool_main(__doc__, demo))
