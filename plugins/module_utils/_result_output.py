# -*- coding: utf-8 -*-
# Copyright (c) keyfactor.command contributors
# BSD 2-Clause License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause
"""A module result serialised a slice at a time: what a listing of 100,000 instances needs.

Serialised whole, such a result is a string of tens of megabytes, made twice over (the encoder's buffer, then
the line printed) next to the result itself.

FOR INTERNAL COLLECTION USE ONLY. Supported Pythons: 3.9 and later.
"""

import json
from functools import partial

# Long lists are serialised this many items at a time.
BATCH = 1000


class HandedOver(list):
    """A module's result list whose one iteration hands each item over and lets it go.

    Before printing a result, AnsibleModule.exit_json masks no_log values into a new structure, iterating each list
    once; releasing each item as it is copied means the module never holds two copies of a large listing. JSON
    encoders given a plain list slice of it, and write_json and secrets_in, read it without iterating it. A second
    iteration would see what was released, so it fails instead.
    """

    _released = False

    def __iter__(self):
        if self._released:
            raise RuntimeError('the items of this list were already handed over')
        self._released = True
        for index in range(len(self)):
            item = self[index]
            self[index] = None
            yield item


def write_json(result, write, encode):
    """Write the result dict as the JSON encode(result) gives, its long lists a slice at a time.

    encode: the encoder to use for the whole result; JSON's encoding of an object or a list is that of its items
    joined, so the text is the same. Lists are sliced, never iterated: a list of many instances lets each go as
    Ansible copies it, once.
    """
    if not all(isinstance(key, str) for key in result):
        write(encode(result))
        return
    write('{')
    for position, (key, value) in enumerate(result.items()):
        write('%s%s: ' % (', ' if position else '', encode(key)))
        if isinstance(value, list):
            write('[')
            for start in range(0, len(value), BATCH):
                write((', ' if start else '') + encode(value[start:start + BATCH])[1:-1])
            write(']')
        else:
            write(encode(value))
    write('}')


def secrets_in(result, secrets):
    """The secrets that occur in the result's keys or values, as they are or as JSON escapes them."""
    forms = dict((secret, (secret, json.dumps(secret, ensure_ascii=False)[1:-1])) for secret in secrets)
    found = set()

    def check(text):
        for secret, variants in forms.items():
            if secret not in found and any(variant in text for variant in variants):
                found.add(secret)

    write_json(result, check, partial(json.dumps, ensure_ascii=False, default=str))
    return found
