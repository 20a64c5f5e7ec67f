# -*- coding: utf-8 -*-
# Copyright (c) keyfactor.command contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Every kind of failure the modules report has its place on the troubleshooting page.

The kinds are identifiers, not wording, so a message can be improved in one commit:
- each exception class the plugins raise (Keyfactor*Error) has a label on the page, before the section that explains
  its messages: `.. _ansible_collections.keyfactor.command.docsite.troubleshooting.<family>:`, where the family is the
  class name without Keyfactor, in snake case (KeyfactorNotAPIError: not_api_error);
- each kind of network failure, which a failed task returns as `reason`, is explained as ``reason: <kind>``.
"""

import ast
import re
from pathlib import Path

import pytest

from ansible_collections.keyfactor.command.plugins.module_utils import _retry

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / 'docs' / 'docsite' / 'rst' / 'troubleshooting.rst'
PLUGINS = ROOT / 'plugins'
ERRORS = PLUGINS / 'module_utils' / '_errors.py'
LABEL_PREFIX = 'ansible_collections.keyfactor.command.docsite.troubleshooting.'
ERROR_CLASS = re.compile(r'^Keyfactor\w*Error$')


def page():
    return PAGE.read_text(encoding='utf-8')


def family(class_name):
    """KeyfactorNotAPIError -> not_api_error, KeyfactorError -> error."""
    words = re.findall(r'[A-Z]+(?![a-z])|[A-Z][a-z]*', class_name[len('Keyfactor'):])
    return '_'.join(word.lower() for word in words)


def raised_classes():
    """The exception classes of _errors.py that plugins/ instantiates, whatever the module (_errors.py's own
    functions included: transport_error builds the transport errors)."""
    declared = {node.name for node in ast.walk(ast.parse(ERRORS.read_text(encoding='utf-8')))
                if isinstance(node, ast.ClassDef) and ERROR_CLASS.match(node.name)}
    used = set()
    for source in sorted(PLUGINS.rglob('*.py')):
        for node in ast.walk(ast.parse(source.read_text(encoding='utf-8'))):
            if isinstance(node, ast.Call):
                name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, 'id', '')
                if name in declared:
                    used.add(name)
    return sorted(used)


def labels():
    return set(re.findall(r'^\.\. _%s([a-z_]+):\s*$' % re.escape(LABEL_PREFIX), page(), re.MULTILINE))


def failure_kinds():
    """Every kind classify_exception can give (the reason of a network failure): its table of descriptions."""
    return sorted(_retry._DESCRIPTIONS)  # pylint: disable=protected-access


def test_the_search_finds_the_classes_and_the_kinds():
    assert {'KeyfactorConfigError', 'KeyfactorTransportError', 'KeyfactorAuthError'} <= set(raised_classes())
    assert {'dns', 'tls_verify', 'timeout'} <= set(failure_kinds())


@pytest.mark.parametrize('class_name', raised_classes())
def test_each_exception_class_has_a_section(class_name):
    assert family(class_name) in labels(), (
        '%s is raised by the plugins, but %s has no label .. _%s%s: before the section that explains its messages'
        % (class_name, PAGE.relative_to(ROOT), LABEL_PREFIX, family(class_name)))


def test_no_label_names_a_class_that_is_gone():
    assert labels() - {family(name) for name in raised_classes()} == set()


@pytest.mark.parametrize('kind', failure_kinds())
def test_each_kind_of_network_failure_is_explained(kind):
    assert '``reason: %s``' % kind in page(), (
        'a network failure of kind %r is returned as reason: %s, which %s does not explain'
        % (kind, kind, PAGE.relative_to(ROOT)))


@pytest.mark.parametrize('class_name, expected', [
    ('KeyfactorError', 'error'), ('KeyfactorConfigError', 'config_error'), ('KeyfactorNotAPIError', 'not_api_error'),
    ('KeyfactorUnknownOutcomeError', 'unknown_outcome_error'),
])
def test_family(class_name, expected):
    assert family(class_name) == expected
