# -*- coding: utf-8 -*-
# Copyright (c) keyfactor.command contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Every message the modules can fail or warn with is on the troubleshooting page.

The messages are found in the code (plugins/): the first argument of each Keyfactor*Error(...) and
of each warn(...), each msg= keyword, and the message of each failing decision (Decision(FAIL, ...)).
Each message expression is broken into its fixed pieces of text: the parts of % format strings
between placeholders, f-string text, both sides of + and of conditionals, the values the formatted
arguments take, and, one step away, what a local variable is assigned and what a function of the same
file returns. Every piece long enough to name a message (MIN_FRAGMENT characters, so not ' at ')
and made of words must appear on the page, whitespace aside: a new or reworded message fails this test until the page
says what it means and what to do.
"""

import ast
import re
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / 'docs' / 'docsite' / 'rst' / 'troubleshooting.rst'
SOURCES = sorted((ROOT / 'plugins').rglob('*.py'))
MIN_FRAGMENT = 12
PLACEHOLDER = re.compile(r'%(?:\([^)]*\))?[-#0 +]*\d*(?:\.\d+)?[sdrifgx]')
ERROR_CLASS = re.compile(r'^Keyfactor\w*Error$')
FAILING_DECISIONS = ('FAIL', 'NOT_PENDING')
# Text, not a regular expression or a date format that a message helper happens to use: two words at least.
WORDS = re.compile(r'[A-Za-z]\s+[A-Za-z(]')


def _called_name(call):
    return call.func.attr if isinstance(call.func, ast.Attribute) else getattr(call.func, 'id', '')


class MessageFinder:
    """Finds the message expressions of one source file and the fixed text they can produce."""

    def __init__(self, tree):
        self.tree = tree
        self.parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
        self.functions = defaultdict(list)
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef):
                self.functions[node.name].append(node)
        self.following = set()  # what is being followed, so a recursive function cannot loop

    def message_nodes(self):
        """The expressions that become a failure or warning message."""
        for call in (node for node in ast.walk(self.tree) if isinstance(node, ast.Call)):
            name = _called_name(call)
            if (ERROR_CLASS.match(name) or name.lstrip('_') == 'warn') and call.args:
                yield call.args[0]
            elif name == 'Decision' and len(call.args) == 3 and getattr(call.args[0], 'id', None) in FAILING_DECISIONS:
                yield call.args[2]
            yield from (keyword.value for keyword in call.keywords if keyword.arg == 'msg')

    def fragments(self, node):
        """The fixed pieces of text an expression can contribute to a message."""
        if isinstance(node, ast.Constant):
            return [node.value] if isinstance(node.value, str) and node.value else []
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
            pieces = [piece for text in self.fragments(node.left) for piece in PLACEHOLDER.split(text.replace('%%', '%')) if piece]
            arguments = node.right.elts if isinstance(node.right, ast.Tuple) else [node.right]
            return pieces + self._all(arguments)
        if isinstance(node, ast.BinOp):
            return self._all([node.left, node.right])
        if isinstance(node, ast.JoinedStr):
            return self._all(part.value if isinstance(part, ast.FormattedValue) else part for part in node.values)
        if isinstance(node, ast.IfExp):
            return self._all([node.body, node.orelse])
        if isinstance(node, ast.BoolOp):
            return self._all(node.values)
        if isinstance(node, ast.Name):
            return self._follow(('name', node.id, self._function_of(node)), self._assigned(node))
        if isinstance(node, ast.Call):
            name = _called_name(node)
            if name in self.functions:
                returns = [result.value for function in self.functions[name] for result in ast.walk(function)
                           if isinstance(result, ast.Return) and result.value is not None]
                return self._follow(('function', name), returns)
            return self._all(node.args)  # a wrapper such as redactor.text(message)
        return []

    def _all(self, nodes):
        return [piece for node in nodes for piece in self.fragments(node)]

    def _follow(self, key, nodes):
        if key in self.following:
            return []
        self.following.add(key)
        try:
            return self._all(nodes)
        finally:
            self.following.discard(key)

    def _function_of(self, node):
        while node in self.parents and not isinstance(node, ast.FunctionDef):
            node = self.parents[node]
        return node

    def _assigned(self, name):
        """The values assigned to a local variable in the function that uses it."""
        return [node.value for node in ast.walk(self._function_of(name)) if isinstance(node, ast.Assign)
                and any(isinstance(target, ast.Name) and target.id == name.id for target in node.targets)]


def message_fragments(source_text):
    """(line, fragment) for each fixed piece of text, long enough to look for, of each message in a source."""
    finder = MessageFinder(ast.parse(source_text))
    found = []
    for node in finder.message_nodes():
        for fragment in finder.fragments(node):
            fragment = ' '.join(fragment.split())
            if len(fragment.strip(' .,;:()\'"')) >= MIN_FRAGMENT and WORDS.search(fragment) and (node.lineno, fragment) not in found:
                found.append((node.lineno, fragment))
    return found


def documented_text():
    """The page's text with whitespace collapsed (RST wraps lines anywhere)."""
    return ' '.join(PAGE.read_text(encoding='utf-8').split())


MESSAGES = [pytest.param(fragment, id='%s:%d' % (source.relative_to(ROOT), line))
            for source in SOURCES for line, fragment in message_fragments(source.read_text(encoding='utf-8'))]


def test_messages_were_found():
    """The search itself works: the modules give dozens of messages (a broken search would find none)."""
    assert len(MESSAGES) > 60


@pytest.mark.parametrize('fragment', MESSAGES)
def test_message_is_documented(fragment):
    assert fragment in documented_text(), (
        'message text %r is not on %s: add the message, its cause and its fix' % (fragment, PAGE.relative_to(ROOT)))


def fragments_of(code):
    """The fragments message_fragments finds in a piece of code, without line numbers."""
    return [fragment for _line, fragment in message_fragments(code)]


@pytest.mark.parametrize('expression, expected', [
    ("'Plain text, long enough.'", ['Plain text, long enough.']),
    ("'%s failed after %d attempts: %r, giving up.' % (a, b, c)", [' failed after ', ' attempts: ', ', giving up.']),
    ("'%(name)s is at 100%% of its quota' % values", [' is at 100% of its quota']),
    ("'first part ' + name + ' and the last part'", ['first part ', ' and the last part']),
    ("f'value {value!r} is not valid at all'", ['value ', ' is not valid at all']),
    ("'%s: %s' % ('the first argument', 'a' if x else 'the other branch')", [': ', 'the first argument', 'a', 'the other branch']),
    ("decision.msg[:-1] + '; set wait: true to wait.'", ['; set wait: true to wait.']),
    ("redactor.text('wrapped message text' % x)", ['wrapped message text']),
    ("message", []),
])
def test_fragments(expression, expected):
    finder = MessageFinder(ast.parse(expression))
    assert finder.fragments(ast.parse(expression, mode='eval').body) == expected


def test_messages_of_each_kind_are_found():
    code = '''
raise KeyfactorConfigError('a configuration problem')
module.warn('a warning to the user')
module.fail_json(msg='a failure of the module', other='not a message at all')
Decision(FAIL, None, 'a failing decision of the module')
Decision(SEND, SIGNALED, 'a decision that is no failure')
print('not a message either, just output')
'''
    assert sorted(fragments_of(code)) == sorted(
        ['a configuration problem', 'a warning to the user', 'a failure of the module', 'a failing decision of the module'])


def test_variables_and_local_functions_are_followed():
    code = '''
def _hint(kind):
    if kind:
        return 'check the first setting'
    return 'check the %s setting' % 'second one'


def fail(kind):
    reason = 'the server said no'
    raise KeyfactorAPIError('%s; %s.' % (reason, _hint(kind)))


def recursive():
    raise KeyfactorError(recursive())
'''
    assert sorted(fragments_of(code)) == ['check the first setting', 'the server said no']
