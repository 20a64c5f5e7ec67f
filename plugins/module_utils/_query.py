# -*- coding: utf-8 -*-
# Copyright (c) keyfactor.command contributors
# BSD 2-Clause License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause
"""Keyfactor query language (the QueryString parameter): quoting and clauses.

Values are double-quoted with backslash escapes, as Keyfactor documents InitiatingUserName
values ("DOMAIN\\\\username") and as Keyfactor's Go client quotes strings.

FOR INTERNAL COLLECTION USE ONLY. Supported Pythons: 3.9 and later.
"""

OPERATORS = ('-eq', '-ne', '-contains', '-startswith', '-endswith', '-gt', '-ge', '-lt', '-le')


def quote_value(value):
    """A value as a double-quoted QueryString literal, with backslashes and quotes escaped."""
    return '"%s"' % str(value).replace('\\', '\\\\').replace('"', '\\"')


def clause(field, operator, value):
    """'Field -op "value"'."""
    if operator not in OPERATORS:
        raise ValueError('unknown QueryString operator %r' % (operator,))
    return '%s %s %s' % (field, operator, quote_value(value))
