# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The floor: the requests the collection makes, from plain Python over one keep-alive requests.Session, one after another.

No Ansible, no threads, no retries, no normalisation: what a short script would do. Each command
prints its result as JSON on stdout, as a module does, and exits 1 when the outcome is not the
expected one (so a broken run is never timed as a fast one).

    floor.py signal  --ids-file IDS.json --expect-sent N    read; when pending send and re-read; else read the definition once
    floor.py list    --page-size 100 --expect-count N       page through GET /Workflow/Instances
                     [--return all|fields|summary]          print every field, those of --fields, or only counts
                     [--fields id,status,...]               the collection's names of the fields
    floor.py details --limit 1000 --page-size 100           list the first LIMIT instances, then GET each one

Connection details come from the environment: KF_BENCH_API_URL, KF_BENCH_CA_CERT, KF_BENCH_USERNAME
and KF_BENCH_PASSWORD (the driver sets them; the password never reaches the command line).
"""
import argparse
import json
import os
import sys

import requests

SIGNAL_KEY = 'RequireApproval1.ApprovalStatus'
SIGNAL_DATA = {'Approved': True, 'Comment': 'Approved by the benchmark.'}


class Api:
    """GETs and POSTs against the Keyfactor API over one keep-alive session that trusts exactly the given CA."""

    def __init__(self, environ):
        self.base = environ['KF_BENCH_API_URL']
        self.session = requests.Session()
        self.session.trust_env = False  # REQUESTS_CA_BUNDLE must not replace the simulator's CA
        self.session.verify = environ['KF_BENCH_CA_CERT']
        self.session.auth = (environ['KF_BENCH_USERNAME'], environ['KF_BENCH_PASSWORD'])
        self.session.headers.update({'Accept': 'application/json', 'X-Keyfactor-Requested-With': 'APIClient'})

    def get(self, path, params=None):
        response = self.session.get(self.base + path, params=params, timeout=60)
        response.raise_for_status()
        return response

    def post(self, path, body):
        self.session.post(self.base + path, json=body, timeout=60).raise_for_status()


def pending(instance):
    """Whether the instance waits at the signal's step for a signal the caller has not sent (the collection's common path)."""
    step, name = SIGNAL_KEY.split('.')
    return (instance['Status'] == 'Suspended' and instance['CurrentStepUniqueName'] == step
            and any(signal['SignalName'] == name and not signal['SignalReceived'] for signal in instance.get('Signals') or []))


def signal(api, instance_ids):
    """For each instance: read it; when pending, send the signal and read it again; otherwise read its definition once."""
    results, definitions = [], {}
    for instance_id in instance_ids:
        path = '/Workflow/Instances/' + instance_id
        instance = api.get(path).json()
        if pending(instance):
            api.post(path + '/Signals', {'SignalKey': SIGNAL_KEY, 'Data': SIGNAL_DATA})
            results.append({'id': instance_id, 'sent': True, 'instance': api.get(path).json()})
            continue
        definition = (instance['Definition']['Id'], instance['Definition']['Version'])
        if definition not in definitions:
            definitions[definition] = api.get('/Workflow/Definitions/' + definition[0],
                                              params={'definitionVersion': definition[1]}).json()
        results.append({'id': instance_id, 'sent': False, 'instance': instance})
    return results


def iter_instances(api, page_size, limit=None):
    """Page through GET /Workflow/Instances until a short page, x-total-count or limit says there is no more."""
    seen, page = 0, 1
    while limit is None or seen < limit:
        response = api.get('/Workflow/Instances', params={'PageReturned': page, 'ReturnLimit': page_size})
        items = response.json()
        yield from items[:None if limit is None else limit - seen]
        seen += len(items)
        total = int(response.headers.get('x-total-count', '-1'))
        if len(items) < page_size or seen >= total >= 0:
            break
        page += 1


def list_instances(api, page_size, limit=None):
    return list(iter_instances(api, page_size, limit))


# The API's names of the collection's keys that --fields may name.
API_NAMES = {'id': 'Id', 'reference_id': 'ReferenceId', 'title': 'Title', 'status': 'Status', 'start_date': 'StartDate'}


def summarise(instances):
    """Counts by status (oldest and newest start date), by definition, by step of Suspended instances, as they stream."""
    statuses, definitions, steps, count = {}, {}, {}, 0
    for instance in instances:
        count += 1
        entry = statuses.setdefault(instance['Status'], {'count': 0, 'oldest': None, 'newest': None})
        entry['count'] += 1
        started = instance.get('StartDate')
        if started:
            entry['oldest'] = min(entry['oldest'] or started, started)
            entry['newest'] = max(entry['newest'] or started, started)
        key = '%s %s' % (instance['Definition']['Id'], instance['Definition']['DisplayName'])
        definitions[key] = definitions.get(key, 0) + 1
        if instance['Status'] == 'Suspended':
            key = '%s %s' % (instance['CurrentStepUniqueName'], instance['CurrentStepDisplayName'])
            steps[key] = steps.get(key, 0) + 1
    return {'count': count, 'by_status': statuses, 'by_definition': definitions, 'suspended_by_step': steps}


def listed(api, page_size, returned, fields=()):
    """The listing as the collection's benchmark asks for it: every field, the given fields, or only the summary."""
    if returned == 'summary':
        summary = summarise(iter_instances(api, page_size))
        return {'count': summary['count'], 'summary': summary}
    if returned == 'fields':
        names = [API_NAMES[field] for field in fields]
        instances = [{name: item.get(name) for name in names} for item in iter_instances(api, page_size)]
    else:
        instances = list(iter_instances(api, page_size))
    return {'instances': instances, 'count': len(instances)}


def details(api, page_size, limit):
    return [api.get('/Workflow/Instances/' + item['Id']).json() for item in list_instances(api, page_size, limit)]


def parse_arguments(argv):
    parser = argparse.ArgumentParser(description=__doc__.split('\n', 1)[0])
    commands = parser.add_subparsers(dest='command', required=True)
    signal_command = commands.add_parser('signal')
    signal_command.add_argument('--ids-file', required=True, help='JSON file: {"instance_ids": [GUID, ...]}')
    signal_command.add_argument('--expect-sent', type=int, required=True)
    list_command = commands.add_parser('list')
    list_command.add_argument('--page-size', type=int, default=100)
    list_command.add_argument('--expect-count', type=int, required=True)
    list_command.add_argument('--return', dest='returned', choices=('all', 'fields', 'summary'), default='all')
    list_command.add_argument('--fields', type=lambda text: tuple(name for name in text.split(',') if name), default=(),
                              help='with --return fields: the keys, as the collection names them (%s)' % ', '.join(API_NAMES))
    details_command = commands.add_parser('details')
    details_command.add_argument('--page-size', type=int, default=100)
    details_command.add_argument('--limit', type=int, required=True)
    return parser.parse_args(argv)


def main(argv=None):
    arguments = parse_arguments(argv)
    api = Api(os.environ)
    if arguments.command == 'signal':
        with open(arguments.ids_file, encoding='utf-8') as handle:
            results = signal(api, json.load(handle)['instance_ids'])
        ok = sum(result['sent'] for result in results) == arguments.expect_sent
        output = {'results': results}
    elif arguments.command == 'list':
        output = listed(api, arguments.page_size, arguments.returned, arguments.fields)
        ok = output['count'] == arguments.expect_count
    else:
        instances = details(api, arguments.page_size, arguments.limit)
        ok = len(instances) == arguments.limit and all('Signals' in instance for instance in instances)
        output = {'instances': instances, 'count': len(instances)}
    json.dump(output, sys.stdout)
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
