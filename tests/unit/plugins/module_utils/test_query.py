# -*- coding: utf-8 -*-
# Copyright (c) keyfactor.command contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""QueryString quoting."""

import pytest

from ansible_collections.keyfactor.command.plugins.module_utils._query import clause, quote_value


@pytest.mark.parametrize('value, expected', [
    ('Suspended', '"Suspended"'),
    ('KEYEXAMPLE\\jsmith', '"KEYEXAMPLE\\\\jsmith"'),
    ('say "hi"', '"say \\"hi\\""'),
    ('a\\"b', '"a\\\\\\"b"'),
    (42, '"42"'),
])
def test_quote_value_escapes_backslashes_and_quotes(value, expected):
    assert quote_value(value) == expected


def test_clause():
    assert clause('Status', '-eq', 'Suspended') == 'Status -eq "Suspended"'


def test_clause_rejects_unknown_operators():
    with pytest.raises(ValueError, match="unknown QueryString operator '-like'"):
        clause('Title', '-like', 'x')
