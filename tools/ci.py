# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Build and test pipeline of keyfactor.command: what `make test` and CI (.ci/run) run.

    python3 tools/ci.py test                       # everything, on every leg
    python3 tools/ci.py sanity|units|integration [--leg NAME]
    python3 tools/ci.py lint|build|ee|docs

Needs only Python 3.9+ with venv (3.11 on the project's machines), git and PyPI. Legs (controller Python + ansible-core):
  py311  python3 with ansible-core>=2.19,<2.20
  py312  the newest $(pyenv root)/versions/3.12.*/bin/python3 with ansible-core>=2.21,<2.22;
         skipped, and said so, when no such interpreter exists.
Each leg builds a cached venv in .venv/<leg> (rebuilt when its Python or ansible-core spec
changes), copies the working tree (git ls-files: tracked plus untracked-but-not-ignored files)
into .work/<leg>/ansible_collections/keyfactor/command and runs ansible-test there with --venv.
The linters, the build and the execution environment check (ee: ansible-builder create and introspect
of execution-environment/, no image is built) use the tools venv .venv/tools (tools/lint-requirements.txt).
`docs` builds the HTML docs into .work/docs/site/build/html from the docs venv .venv/docs
(tools/docs-requirements.txt); `test` lints the docs but does not build them.

Settings (environment variables; an empty value counts as unset):
  KF_LEGS             legs `test` runs, in order (default "py311 py312"); the others default to the first
  KF_<LEG>_PYTHON     interpreter of a leg, e.g. KF_PY312_PYTHON=/opt/python3.12/bin/python3
  KF_<LEG>_CORE       pip requirement for a leg's ansible-core, e.g. KF_PY311_CORE='ansible-core==2.19.14'
  KF_STEP_TIMEOUT     seconds one command of a step may run before it is stopped (default 900)
  KF_COVERAGE_MIN     minimum coverage of plugins/module_utils by the unit tests, in percent (default 90)
"""
import argparse
import functools
import sys

from kfci import docs, legs, tooling
from kfci.settings import REPO, known_legs, selected_legs
from kfci.steps import Pipeline, StepFailed, log

# The leg steps each target runs; `test` runs all of them on every selected leg.
LEG_TARGETS = {
    'sanity': ['sanity'],
    'units': legs.UNIT_STEPS + ['coverage'],
    'integration': ['integration'],
    'test': ['sanity'] + legs.UNIT_STEPS + ['coverage', 'integration'],
}
# The tools-venv steps each target runs.
TOOL_TARGETS = {
    'lint': ['docs lint', 'changelog lint', 'ansible-lint'],
    'build': ['build'],
    'ee': ['build', 'execution environment'],
    'test': ['docs lint', 'changelog lint', 'ansible-lint', 'build', 'execution environment'],
}


def no_sanity_ignore_files():
    """The project allows no ansible-test sanity ignore file: fix the code instead."""
    found = sorted(path.relative_to(REPO).as_posix() for path in REPO.glob('tests/sanity/ignore-*.txt'))
    if found:
        raise StepFailed('sanity ignore files are not allowed: %s' % ', '.join(found))


def not_run(reason):
    def action():
        raise StepFailed('not run: %s' % reason)
    return action


def run_leg(pipeline, leg, step_names):
    if not leg.python:
        log('leg %s skipped: %s' % (leg.name, leg.missing))
        for name in step_names:
            pipeline.skip('%s %s' % (leg.name, name), leg.missing)
        return
    ready = pipeline.step('%s setup' % leg.name, functools.partial(legs.setup, leg))
    for name in step_names:
        action = functools.partial(legs.STEPS[name], leg) if ready else not_run('%s setup failed' % leg.name)
        pipeline.step('%s %s' % (leg.name, name), action, junit_dir=legs.junit_dir(leg))


def run_tools(pipeline, step_names):
    ready = pipeline.step('tools setup', tooling.setup)
    for name in step_names:
        pipeline.step(name, tooling.STEPS[name] if ready else not_run('tools setup failed'))


def run_docs(pipeline):
    ready = pipeline.step('docs setup', docs.setup)
    pipeline.step('docs build', docs.build if ready else not_run('docs setup failed'))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('target', choices=sorted(set(LEG_TARGETS) | set(TOOL_TARGETS) | {'docs'}))
    parser.add_argument('--leg', choices=sorted(known_legs()), help='leg for sanity, units and integration (default: the first of KF_LEGS)')
    args = parser.parse_args()

    pipeline = Pipeline()
    if args.target in ('test', 'sanity'):
        pipeline.step('sanity ignore files', no_sanity_ignore_files)
    if args.target in TOOL_TARGETS:
        run_tools(pipeline, TOOL_TARGETS[args.target])
    if args.target == 'docs':
        run_docs(pipeline)
    if args.target in LEG_TARGETS:
        chosen = selected_legs()
        if args.target != 'test':
            chosen = [known_legs()[args.leg]] if args.leg else chosen[:1]
        for leg in chosen:
            run_leg(pipeline, leg, LEG_TARGETS[args.target])
    return pipeline.summary()


if __name__ == '__main__':
    sys.exit(main())
