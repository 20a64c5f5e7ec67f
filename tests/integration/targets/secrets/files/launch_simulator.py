# Copyright (c) keyfactor.command contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run the simulator (python -m kfsim) for the secrets target, keeping its secrets off every command line.

- Every bearer token it issues is appended to the file named by --token-log: the scan looks for these tokens too, as
  a token the module fetched at run time is a secret that only the server and the module know.
- --proxy-from-env starts its proxy with the credentials proxyuser:$SECRETS_PROXY_PASSWORD: given as
  --proxy-credentials, the password would be on the command line Ansible prints at -vvvv when it starts the launcher.
"""
import os
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


def launcher_options(args):
    """(the --token-log path, whether --proxy-from-env was given, the simulator's own arguments)."""
    args = list(args)
    position = args.index('--token-log')
    token_log = args[position + 1]
    del args[position:position + 2]
    proxy_from_env = '--proxy-from-env' in args
    if proxy_from_env:
        args.remove('--proxy-from-env')
    return token_log, proxy_from_env, args


if __name__ == '__main__':
    token_log, proxy_from_env, simulator_args = launcher_options(sys.argv[1:])
    record_tokens(token_log)
    if proxy_from_env:
        simulator_args += ['--proxy-credentials', 'proxyuser:' + os.environ['SECRETS_PROXY_PASSWORD']]
    sys.exit(main(simulator_args))
