# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The collection's metadata agrees with its modules: the action group, module docs and build_ignore."""
import ast
import fnmatch
from pathlib import Path

import pytest
import yaml

COLLECTION = Path(__file__).resolve().parents[2]
MODULES_DIR = COLLECTION / 'plugins' / 'modules'
ACTION_GROUP = 'keyfactor'
ACTION_GROUP_FRAGMENT = 'keyfactor.command.attributes.action_group'
# Test and development tooling that must stay out of the built collection.
NOT_SHIPPED = ('tests/simulator', 'benchmarks', 'tools', '.ci', 'execution-environment')


def load_yaml(relative_path):
    return yaml.safe_load((COLLECTION / relative_path).read_text(encoding='utf-8'))


def module_names():
    return sorted(path.stem for path in MODULES_DIR.glob('*.py') if path.name != '__init__.py')


def allowed_version_added():
    """A released version (changelogs/changelog.yaml), or the next major, minor or patch release after the latest."""
    released = sorted(tuple(int(part) for part in str(version).split('.'))
                      for version in load_yaml('changelogs/changelog.yaml')['releases'])
    major, minor, patch = released[-1]
    upcoming = [(major + 1, 0, 0), (major, minor + 1, 0), (major, minor, patch + 1)]
    return ['.'.join(str(part) for part in version) for version in released + upcoming]


def action_group():
    return load_yaml('meta/runtime.yml')['action_groups'][ACTION_GROUP]


def is_documentation_assignment(node):
    return isinstance(node, ast.Assign) and any(isinstance(target, ast.Name) and target.id == 'DOCUMENTATION' for target in node.targets)


def documentation(module):
    """The module's DOCUMENTATION, parsed from its source (the module is not imported)."""
    source = (MODULES_DIR / ('%s.py' % module)).read_text(encoding='utf-8')
    for node in ast.parse(source).body:
        if is_documentation_assignment(node):
            return yaml.safe_load(ast.literal_eval(node.value))
    return pytest.fail('plugins/modules/%s.py has no DOCUMENTATION string' % module)


def test_action_group_lists_exactly_the_modules():
    group, modules = set(action_group()), set(module_names())
    problems = []
    if modules - group:
        problems.append('modules missing from the action group: %s' % ', '.join(sorted(modules - group)))
    if group - modules:
        problems.append('in the action group but not in plugins/modules/: %s' % ', '.join(sorted(group - modules)))
    assert not problems, 'meta/runtime.yml action_groups.%s: %s' % (ACTION_GROUP, '; '.join(problems))


def test_action_group_is_sorted():
    group = action_group()
    assert group == sorted(group), 'meta/runtime.yml action_groups.%s is not sorted: %s' % (ACTION_GROUP, group)


@pytest.mark.parametrize('module', module_names())
def test_module_docs_extend_the_action_group_fragment(module):
    fragments = documentation(module).get('extends_documentation_fragment') or []
    if isinstance(fragments, str):
        fragments = [fragments]
    assert ACTION_GROUP_FRAGMENT in fragments, '%s does not extend %s: %s' % (module, ACTION_GROUP_FRAGMENT, fragments)


@pytest.mark.parametrize('module', module_names())
def test_module_docs_name_the_first_release(module):
    version_added, allowed = documentation(module).get('version_added'), allowed_version_added()
    assert str(version_added) in allowed, '%s: version_added is %r, expected one of %s' % (
        module, version_added, ', '.join(allowed))


@pytest.mark.parametrize('path', NOT_SHIPPED)
def test_build_ignore_keeps_tooling_out_of_the_collection(path):
    # ansible-galaxy matches build_ignore patterns against paths relative to the collection root with fnmatch.
    patterns = load_yaml('galaxy.yml')['build_ignore']
    assert any(fnmatch.fnmatch(path, pattern) for pattern in patterns), 'galaxy.yml build_ignore does not cover %s' % path


def test_user_agent_names_the_galaxy_version():
    # The client cannot read galaxy.yml where modules run, so it carries the version; keep the two in step.
    source = (COLLECTION / 'plugins' / 'module_utils' / '_transport.py').read_text(encoding='utf-8')
    declared = [node.value.value for node in ast.parse(source).body
                if isinstance(node, ast.Assign) and any(getattr(target, 'id', None) == 'COLLECTION_VERSION' for target in node.targets)]
    assert declared == [load_yaml('galaxy.yml')['version']], 'COLLECTION_VERSION in _transport.py: %s' % declared
