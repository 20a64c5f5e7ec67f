# Copyright (c) keyfactor.command contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run the simulator (python -m kfsim) and append every bearer token it issues to the file named by --token-log.

The secrets target scans its output for these tokens too: a token the module fetched at run time is a secret that
only the server and the module know.
"""
import sys

from kfsim import auth
from kfsim.cli import main


def record_tokens(path):
    issue = auth.TokenStore.issue

    def issue_and_record(self, identity, lifetime):
        token = issue(self, identity, lifetime)
        with open(path, 'a', encoding='utf-8') as log:
            log.write(token + '\n')
        return token

    auth.TokenStore.issue = issue_and_record


def split_token_log(args):
    """(the --token-log path, the other arguments)."""
    position = args.index('--token-log')
    return args[position + 1], args[:position] + args[position + 2:]


if __name__ == '__main__':
    token_log, simulator_args = split_token_log(sys.argv[1:])
    record_tokens(token_log)
    sys.exit(main(simulator_args))
