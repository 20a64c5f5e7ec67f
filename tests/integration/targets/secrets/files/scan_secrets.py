# Copyright (c) keyfactor.command contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Look for every secret of the secrets target, in every form it could leak in, in the logs and saved results.

usage: scan_secrets.py TOKEN_LOG_GLOB FILE...

The secrets come from this process's SECRETS_* environment variables (runme.sh exports them; SECRETS_LOGINS lists
the Basic logins, one a line) and from the token logs (every token the simulators issued). Each is looked for as it
is and as a server, a proxy, a library or Ansible's own output could show it: repr(), ascii(), repr of its UTF-8
bytes, JSON (ASCII-only or not), HTML, URL-quoted (quote and quote_plus, either hex case), its UTF-8 bytes read as
ISO-8859-1, each of those JSON-escaped once more (Ansible prints results as JSON), and, for secrets of 12 characters
or more, the first 8 characters of each form (a secret cut off). Basic and Proxy-Authorization credentials are
looked for base64-encoded (UTF-8 and ISO-8859-1, with and without padding), and cut off after the login and three
bytes of the password. JSON files are also read, so a form escaped by JSON itself is found.

Prints what it found by name, never the secret, and exits 1 if anything was found; prints how many secrets and
forms it looked for.
"""

import base64
import glob
import html
import json
import os
import re
import sys
from urllib.parse import quote, quote_plus

LONG_SECRET = 12
CUT = 8
PASSWORDS = ('SECRETS_PASSWORD', 'SECRETS_CLIENT_SECRET', 'SECRETS_WRONG_PASSWORD', 'SECRETS_PROXY_PASSWORD',
             'SECRETS_GATEWAY_CREDENTIAL')


def literal_forms(secret):
    forms = {secret, repr(secret)[1:-1], ascii(secret)[1:-1], repr(secret.encode('utf-8'))[2:-1],
             json.dumps(secret)[1:-1], json.dumps(secret, ensure_ascii=False)[1:-1], html.escape(secret),
             html.escape(secret, quote=False), quote(secret, safe=''), quote_plus(secret),
             secret.encode('utf-8').decode('latin-1')}
    forms |= {re.sub('%[0-9A-F]{2}', lambda match: match.group().lower(), form) for form in forms}
    forms |= {json.dumps(form)[1:-1] for form in forms} | {json.dumps(form, ensure_ascii=False)[1:-1] for form in forms}
    return forms


def base64_forms(login, password):
    """login:password base64-encoded, and the beginning of that which holds the login and 3 bytes of the password
    (the first characters hold the login only, which is no secret)."""
    forms, cut = set(), set()
    for encoding in ('utf-8', 'latin-1'):
        try:
            raw = ('%s:%s' % (login, password)).encode(encoding)
            secret_start = len(('%s:' % login).encode(encoding))
        except UnicodeEncodeError:
            continue
        encoded = base64.b64encode(raw).decode('ascii')
        forms |= {encoded, encoded.rstrip('=')}
        whole_groups = -(-(secret_start + 3) // 3) * 3
        if whole_groups < len(raw):
            cut.add(base64.b64encode(raw[:whole_groups]).decode('ascii'))
    return forms, cut


def named_secrets(token_glob):
    """[(name, secret, may be cut off)]: the passwords, the tokens, and the Basic credentials base64-encoded."""
    passwords = [(name, os.environ[name]) for name in PASSWORDS]
    named = [(name, value, True) for name, value in passwords]
    tokens = [token for path in sorted(glob.glob(token_glob)) for token in open(path, encoding='utf-8').read().split()]
    named += [('issued token #%d' % number, token, True) for number, token in enumerate(tokens, 1)]
    logins = os.environ['SECRETS_LOGINS'].split('\n') + ['proxyuser']
    for login in logins:
        for name, password in passwords:
            named.append(('%s:%s' % (login, name), '%s:%s' % (login, password), False))
            forms, cut = base64_forms(login, password)
            named += [('Basic %s:%s' % (login, name), form, False) for form in forms]
            named += [('Basic %s:%s cut off' % (login, name), form, False) for form in cut]
    return named, len(tokens)


def forms_of(named):
    """[(name of the secret and form, text to look for)]."""
    found = []
    for name, secret, may_be_cut in named:
        for form in sorted(literal_forms(secret)):
            found.append((name, form))
            if may_be_cut and len(secret) >= LONG_SECRET:
                found.append(('%s cut off' % name, form[:CUT]))
    return found


def texts_of(path):
    text = open(path, encoding='utf-8', errors='replace').read()
    if not path.endswith('.json'):
        return [text]
    return [text, '\n'.join(strings(json.loads(text)))]


def strings(value):
    if isinstance(value, dict):
        return [text for key, item in value.items() for text in [key] + strings(item)]
    if isinstance(value, list):
        return [text for item in value for text in strings(item)]
    return [value if isinstance(value, str) else str(value)]


def main(token_glob, paths):
    named, token_count = named_secrets(token_glob)
    forms = forms_of(named)
    leaks = 0
    for path in paths:
        texts = texts_of(path)
        found = sorted({name for name, form in forms if any(form in text for text in texts)})
        if found:
            leaks += 1
            print('%s holds: %s' % (os.path.basename(path), ', '.join(found)))
    print('scanned %d files for %d secrets (%d tokens) in %d forms: %d with a secret'
          % (len(paths), len(named), token_count, len(forms), leaks))
    return 1 if leaks else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1], sys.argv[2:]))
