# -*- coding: utf-8 -*-
# Copyright (c) keyfactor.command contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Run a playbook the way AWX / Automation Controller runs a job template, with ansible-runner.

AWX turns a job launch into an ansible-runner private data directory: the project in project/, the
inventory in inventory/, the environment of the job's credentials in env/envvars (rendered from the
credential type's injectors, with the files of its file injectors written into env/), and the survey
answers, completed with the survey's defaults, as extra vars in env/extravars. This script does the
same with AWX's rules for credential types and surveys, runs the playbook with ansible_runner.run,
and prints one JSON object describing the job for the test to check:

  launched, errors    false and AWX's reasons when the credential type or the survey answers are refused
  status, rc          the job's status (successful, failed) and ansible-playbook's exit code
  stats               the playbook_on_stats counts per kind (ok, changed, failures, ...), summed over hosts
  artifacts           what the play recorded with set_stats (artifact_data)
  tasks               one entry per runner_on_* event: task name, action, event, and the module's result
  env                 the KEYFACTOR_* variables the credential injected, as 'set' or 'empty'
  leaked              the credential's secret fields whose values appear in the job's output or events

    python awx_job.py < JOB.json

The job, a JSON object on stdin, holds: credential_type, survey, project (paths), playbook (a file in
project), credential (the credential's inputs), answers (the survey answers), collections_path,
work_dir, and optionally job_type (run or check), diff_mode and verbosity, as a job template sets them.
"""

import base64
import json
import os
import re
import shutil
import stat
import sys
import tempfile
import types

import ansible_runner
import yaml
from jinja2 import StrictUndefined, TemplateSyntaxError, UndefinedError
from jinja2.sandbox import ImmutableSandboxedEnvironment

# Environment variables AWX never lets a credential set (awx_plugins.interfaces ENV_BLOCKLIST).
ENV_BLOCKLIST = frozenset((
    'VIRTUAL_ENV', 'PATH', 'PYTHONPATH', 'JOB_ID', 'INVENTORY_ID', 'INVENTORY_SOURCE_ID', 'INVENTORY_UPDATE_ID',
    'AD_HOC_COMMAND_ID', 'REST_API_URL', 'REST_API_TOKEN', 'MAX_EVENT_RES', 'CALLBACK_QUEUE', 'CALLBACK_CONNECTION',
    'CACHE', 'JOB_CALLBACK_DEBUG', 'INVENTORY_HOSTVARS', 'AWX_HOST', 'PROJECT_REVISION', 'SUPERVISOR_CONFIG_PATH',
))
IDENTIFIER = re.compile(r'^[a-zA-Z_]+[a-zA-Z0-9_]*$')
FILE_TEMPLATE = re.compile(r'^template(\.[a-zA-Z_]+[a-zA-Z0-9_]*)?$')
# Variables of this process that must not reach the job, whose Ansible settings and Keyfactor connection come from
# the job alone, as in AWX. (ansible-test's own ANSIBLE_TEST_* variables stay: its ansible-playbook needs them.)
NOT_INHERITED = re.compile(r'^(ANSIBLE_(?!TEST_)|KEYFACTOR_|JUNIT_)')
# What AWX's demo inventory sets for localhost, so modules run with the EE's (here: this) Python.
INVENTORY = 'localhost ansible_connection=local ansible_python_interpreter="{{ ansible_playbook_python }}"\n'
TASK_EVENTS = ('runner_on_ok', 'runner_on_failed', 'runner_on_skipped', 'runner_on_unreachable')


class Refused(Exception):
    """AWX would refuse this credential type or launch; the message says why, as AWX does."""


# --- credential types: AWX's validation and injection ---------------------------------------------

def validate_credential_type(credential_type):
    """The checks AWX applies when a credential type is created; raise Refused on the first problem."""
    fields = credential_type['inputs']['fields']
    ids = [field['id'] for field in fields]
    for field in fields:
        if not IDENTIFIER.match(field['id']) or not field.get('label'):
            raise Refused('field %r needs an identifier id and a label' % field['id'])
        if field.get('type', 'string') not in ('string', 'boolean'):
            raise Refused('field %s: type must be string or boolean' % field['id'])
        if field.get('type') == 'boolean' and any(key in field for key in ('secret', 'multiline', 'format', 'choices')):
            raise Refused('field %s: secret, multiline, format and choices apply to strings only' % field['id'])
    if len(set(ids)) != len(ids):
        raise Refused('field ids must be unique')
    unknown = set(credential_type['inputs'].get('required', [])) - set(ids)
    if unknown:
        raise Refused('required names unknown fields: %s' % ', '.join(sorted(unknown)))
    injectors = credential_type['injectors']
    if set(injectors) - {'file', 'env', 'extra_vars'}:
        raise Refused('injectors may only be file, env and extra_vars')
    if not all(FILE_TEMPLATE.match(name) for name in injectors.get('file', {})):
        raise Refused('file injectors are named template or template.NAME')
    for name, value in injectors.get('env', {}).items():
        if not IDENTIFIER.match(name) or name.startswith('ANSIBLE_') or name in ENV_BLOCKLIST:
            raise Refused('Environment variable %s is not allowed to be used in credentials.' % name)
        if not value.isascii():
            raise Refused('the value of %s must be ASCII' % name)
    _check_templates(injectors, ids)


def _check_templates(injectors, ids):
    """Render every injector template with each field defined, as AWX does, so an unknown name is refused."""
    file_names = [name.partition('.')[2] for name in injectors.get('file', {})]
    filename = 'EXAMPLE_FILENAME' if file_names == [''] else types.SimpleNamespace(**{name: 'EXAMPLE_FILENAME' for name in file_names})
    namespace = dict({field: 'EXAMPLE' for field in ids}, tower=types.SimpleNamespace(filename=filename))
    strict = ImmutableSandboxedEnvironment(undefined=StrictUndefined)
    for kind, templates in injectors.items():
        for name, template in templates.items():
            try:
                strict.from_string(template).render(namespace)
            except (UndefinedError, TemplateSyntaxError) as error:
                raise Refused('%s injector %s: %s' % (kind, name, error)) from None


def inject_credential(credential_type, inputs, env_dir):
    """The environment AWX gives a job for a credential: its env injectors rendered, its files written.

    As in AWX, empty string inputs are left out of the template namespace (so they render as ''),
    missing booleans are False, and every file injector writes its file, empty or not.
    """
    namespace = {name: value for name, value in inputs.items() if isinstance(value, bool) or value}
    for field in credential_type['inputs']['fields']:
        if field.get('type') == 'boolean' and field['id'] not in inputs:
            namespace[field['id']] = False
    sandbox = ImmutableSandboxedEnvironment()
    files = {}
    for label, template in credential_type['injectors'].get('file', {}).items():
        handle, path = tempfile.mkstemp(dir=env_dir)
        with os.fdopen(handle, 'w') as written:
            written.write(sandbox.from_string(template).render(**namespace))
        os.chmod(path, stat.S_IRUSR | stat.S_IWUSR)
        files[label.partition('.')[2]] = path
    filename = files[''] if '' in files else types.SimpleNamespace(**files)
    namespace['tower'] = types.SimpleNamespace(filename=filename)
    return {name: sandbox.from_string(template).render(**namespace)
            for name, template in credential_type['injectors'].get('env', {}).items() if name not in ENV_BLOCKLIST}


def secret_values(credential_type, inputs):
    """The values of the credential's secret fields, and a Basic credential built from them, by field id."""
    secret_ids = [field['id'] for field in credential_type['inputs']['fields'] if field.get('secret')]
    secrets = {field: inputs[field] for field in secret_ids if inputs.get(field)}
    if inputs.get('username') and inputs.get('password'):
        users = [inputs['username']]
        if inputs.get('domain'):
            users.append('%s\\%s' % (inputs['domain'], inputs['username']))
        for user in users:
            secrets['Basic credential of %s' % user] = base64.b64encode(('%s:%s' % (user, inputs['password'])).encode()).decode()
    return secrets


# --- surveys: AWX's defaults and answer checks ------------------------------------------------------

def question_errors(question, answers):
    """AWX's check of one survey question against the answers (a subset: text, textarea, integer, multiplechoice)."""
    name, kind = question['variable'], question['type']
    if name not in answers:
        return ["'%s' value missing" % name] if question.get('required') else []
    value = answers[name]
    if kind in ('text', 'textarea'):
        if not isinstance(value, str):
            return ["Value %s for '%s' expected to be a string." % (value, name)]
        measured = len(value)
    elif kind == 'integer':
        if type(value) is not int:  # pylint: disable=unidiomatic-typecheck  # AWX's own test: a bool is no answer
            return ["Value %s for '%s' expected to be an integer." % (value, name)]
        measured = value
    elif kind == 'multiplechoice':
        return [] if value in question['choices'] else ["Value %s for '%s' expected to be one of %s." % (value, name, question['choices'])]
    else:
        raise Refused('survey question type %s is not emulated here' % kind)
    errors = []
    if question.get('min') not in ('', None) and measured < int(question['min']):
        errors.append("'%s' value %s is too small (must be at least %s)." % (name, value, question['min']))
    if question.get('max') not in ('', None) and measured > int(question['max']):
        errors.append("'%s' value %s is too large (must be no more than %s)." % (name, value, question['max']))
    return errors


def survey_extra_vars(survey, answers):
    """The extra vars of a launch with a survey: the defaults that pass their own checks, then the answers."""
    questions = survey['spec']
    unknown = sorted(set(answers) - {question['variable'] for question in questions})
    errors = ['Variables %s are not allowed on launch.' % ', '.join(unknown)] if unknown else []
    for question in questions:
        errors.extend(question_errors(question, answers))
    if errors:
        raise Refused(' '.join(errors))
    extra_vars = {question['variable']: question['default'] for question in questions
                  if question.get('default') is not None and not question_errors(question, {question['variable']: question['default']})}
    extra_vars.update(answers)
    return extra_vars


# --- the job ----------------------------------------------------------------------------------------

def private_data_dir(job, credential_type, extra_vars):
    """The directory AWX hands ansible-runner: project, inventory, env (credential environment and files), extra vars."""
    root = tempfile.mkdtemp(prefix='awx_job_', dir=job['work_dir'])
    shutil.copytree(job['project'], os.path.join(root, 'project'))
    os.makedirs(os.path.join(root, 'inventory'))
    with open(os.path.join(root, 'inventory', 'hosts'), 'w') as inventory:
        inventory.write(INVENTORY)
    env_dir = os.path.join(root, 'env')
    os.makedirs(env_dir)
    envvars = inject_credential(credential_type, job['credential'], env_dir)
    envvars.update(ANSIBLE_COLLECTIONS_PATH=job['collections_path'], ANSIBLE_HOST_KEY_CHECKING='False',
                   ANSIBLE_RETRY_FILES_ENABLED='False', AWX_PRIVATE_DATA_DIR=root, JOB_ID='42')
    for name, content in (('envvars', envvars), ('extravars', extra_vars)):
        with open(os.path.join(env_dir, name), 'w') as written:
            json.dump(content, written)
    return root, envvars


def task_entries(events):
    return [{'task': data.get('task'), 'action': data.get('task_action'), 'event': event['event'], 'result': data.get('res', {})}
            for event in events if event['event'] in TASK_EVENTS for data in [event.get('event_data', {})]]


def playbook_stats(events):
    """The playbook_on_stats counts summed over hosts, and the set_stats artifacts."""
    final = next((event['event_data'] for event in events if event['event'] == 'playbook_on_stats'), {})
    counts = {kind: sum((final.get(kind) or {}).values()) for kind in ('ok', 'changed', 'failures', 'skipped', 'dark', 'ignored', 'rescued')}
    return counts, final.get('artifact_data', {})


def leaked_secrets(secrets, runner, events):
    """The secrets that appear in what AWX shows and stores: the job's stdout and its events."""
    stdout, stored = runner.stdout.read(), json.dumps(events)
    return sorted(name for name, value in secrets.items() if value in stdout or json.dumps(value)[1:-1] in stored)


def run_job(job):
    with open(job['credential_type']) as source:
        credential_type = yaml.safe_load(source)
    with open(job['survey']) as source:
        survey = yaml.safe_load(source)
    try:
        validate_credential_type(credential_type)
        extra_vars = survey_extra_vars(survey, job['answers'])
    except Refused as refusal:
        return {'launched': False, 'errors': str(refusal)}
    extra_vars.update(awx_job_id=42, awx_job_template_name=job['playbook'], awx_user_name='admin', awx_job_launch_type='manual')
    root, envvars = private_data_dir(job, credential_type, extra_vars)
    for name in [name for name in os.environ if NOT_INHERITED.match(name)]:
        del os.environ[name]
    cmdline = ' '.join(['--check'] * (job.get('job_type') == 'check') + ['--diff'] * bool(job.get('diff_mode')))
    runner = ansible_runner.run(private_data_dir=root, playbook=job['playbook'], cmdline=cmdline or None,
                                verbosity=job.get('verbosity') or None, quiet=True)
    events = list(runner.events)
    stats, artifacts = playbook_stats(events)
    return {
        'launched': True, 'status': runner.status, 'rc': runner.rc, 'stats': stats, 'artifacts': artifacts,
        'tasks': task_entries(events),
        'env': {name: 'set' if value else 'empty' for name, value in envvars.items() if name.startswith('KEYFACTOR_')},
        'leaked': leaked_secrets(secret_values(credential_type, job['credential']), runner, events),
    }


def main():
    print(json.dumps(run_job(json.load(sys.stdin))))


if __name__ == '__main__':
    main()
