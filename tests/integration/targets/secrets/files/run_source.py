# Copyright (c) keyfactor.command contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run the workflow_instances event source as ansible-rulebook does, into hostile answers, logging at DEBUG.

usage: run_source.py LOG_FILE < job.json

job.json (on stdin, so no argument list shows it): {"options": the source's options for this mode, "wrong": the
options that replace them for the wrong credential, "control_url": ..., "ca_cert": ...}. The source polls through
error pages that echo the credentials in each format (each a transient failure, logged in one line), then once
successfully; then it starts again with the wrong credential, which ends it (logged as ansible-rulebook logs it).
scan.yml scans LOG_FILE with the plays' logs. Exits 1 when a part did not happen.
"""

import asyncio
import json
import logging
import os
import sys

import requests

for _root in os.environ.get('ANSIBLE_COLLECTIONS_PATH', '').split(os.pathsep):
    if os.path.isdir(os.path.join(_root, 'ansible_collections', 'keyfactor', 'command')):
        sys.path.insert(0, _root)
        break

# pylint: disable-next=wrong-import-position
from ansible_collections.keyfactor.command.plugins.module_utils._instance_watch import (  # noqa: E402
    KeyfactorSourceError, watch_instances,
)

ECHOES = ('raw', 'json', 'repr', 'html')


class Done(Exception):
    """The script's way to end a run of the source."""


def main(log_file):
    job = json.load(sys.stdin)
    logging.basicConfig(filename=log_file, level=logging.DEBUG, format='%(asctime)s %(name)s %(levelname)s %(message)s')
    log = logging.getLogger('keyfactor.command.workflow_instances')

    def configure(**switches):
        requests.post(job['control_url'] + '/config', json=switches, verify=job['ca_cert'], timeout=10).raise_for_status()

    cases = [dict(echo_credentials=echo, fault_503=1, retry_after=0) for echo in ECHOES]
    cases.append(dict(echo_credentials='off', fault_503=0))
    polls = []

    async def sleep(seconds):
        polls.append(seconds)
        if not cases:
            raise Done()
        configure(**cases.pop(0))

    def run(options):
        try:
            asyncio.run(watch_instances(asyncio.Queue(), options, log, sleep=sleep))
        except KeyfactorSourceError as error:  # ansible-rulebook logs a source's failure this way
            log.error('Source error: KeyfactorSourceError: Source plugin failed with error message: %r', str(error))
        except Done:
            pass

    configure(**cases.pop(0))
    run(job['options'])
    configure(echo_credentials='raw')
    run(dict(job['options'], **job['wrong']))
    configure(echo_credentials='off')

    with open(log_file, encoding='utf-8') as handle:
        text = handle.read()
    failed_polls = text.count('poll failed')
    print('%d polls, %d failed, fatal error logged: %s' % (len(polls), failed_polls, 'Source error' in text))
    return 0 if failed_polls == len(ECHOES) and 'Source error' in text and '********' in text else 1


if __name__ == '__main__':
    sys.exit(main(sys.argv[1]))
