# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The benchmark's settings: BENCH_* environment variables, overridden by command-line flags (benchmarks/README.md)."""
import argparse
import dataclasses
import os

ALL_SCENARIOS = ('1', '2', '3', '4', '5', '6')
# A smoke check leaves out the listings of 100,000 instances (minutes each).
QUICK_SCENARIOS = ('1', '2', '3', '4', '6')


@dataclasses.dataclass(frozen=True)
class Settings:
    rounds: int  # measured rounds of the fast ways
    warmup: int  # rounds run first and not counted
    slow_rounds: int  # measured runs of the uri loops over hundreds of items (no warm-up)
    scenarios: tuple
    approvals: int  # instances approved in scenarios 2 and 4
    details: int  # instances read with details in scenario 3
    latency_ms: int  # added per request in scenario 4 and the second details case
    uri_with_latency: bool  # also run the uri loops with latency (about 30 minutes more)
    paging_latency_ms: int  # added per request in scenario 6
    large_rounds: int  # measured rounds of scenario 5 (runs of minutes; no warm-up)
    page_size: int
    max_others_cpu: float  # percent of the machine's CPU other processes may use while a way is measured
    quiet_wait: float  # seconds to wait for a quiet machine before each run
    retries: int  # extra runs of a fast way whose measurement others disturbed
    timeout: float  # seconds one measured process may run
    profile_dir: str  # write a cProfile file of each collection module process here
    quick: bool
    write: bool  # write docs/performance.md
    command: str  # the command line recorded in docs/performance.md


def _env(name, default):
    """BENCH_<name>, an empty value counting as unset (as the other tools of the project do)."""
    return os.environ.get('BENCH_' + name) or default


def _flag(value):
    return str(value).strip().lower() in ('1', 'true', 'yes', 'on')


def parse_settings(argv=None):
    quick = _flag(_env('QUICK', '0'))
    parser = argparse.ArgumentParser(description='keyfactor.command against ansible.builtin.uri and a plain-Python floor.')
    parser.add_argument('--quick', action='store_true', default=quick,
                        help='smoke check: 50 approvals, 100 details, 1 round, no warm-up, nothing written (BENCH_QUICK=1)')
    parser.add_argument('--rounds', type=int, default=None, help='measured rounds of the fast ways (BENCH_ROUNDS, default 5)')
    parser.add_argument('--warmup', type=int, default=None, help='uncounted warm-up rounds (BENCH_WARMUP, default 1)')
    parser.add_argument('--slow-rounds', type=int, default=None,
                        help='measured runs of the uri loops over hundreds of items (BENCH_SLOW_ROUNDS, default 1)')
    parser.add_argument('--scenarios', default=_env('SCENARIOS', ' '.join(QUICK_SCENARIOS if quick else ALL_SCENARIOS)),
                        help='which scenarios, e.g. "2 4" (BENCH_SCENARIOS, default all: 1 2 3 4 5 6; quick: not 5)')
    parser.add_argument('--approvals', type=int, default=None, help='instances to approve in scenarios 2 and 4 (BENCH_APPROVALS, default 500)')
    parser.add_argument('--details', type=int, default=None, help='instances to read with details in scenario 3 (BENCH_DETAILS, default 1000)')
    parser.add_argument('--latency-ms', type=int, default=int(_env('LATENCY_MS', '20')),
                        help='latency added per request in scenario 4 and the second details case (BENCH_LATENCY_MS, default 20)')
    parser.add_argument('--uri-with-latency', action='store_true', default=_flag(_env('URI_WITH_LATENCY', '0')),
                        help='also run the uri loops with latency, about 30 minutes more (BENCH_URI_WITH_LATENCY=1)')
    parser.add_argument('--paging-latency-ms', type=int, default=int(_env('PAGING_LATENCY_MS', '50')),
                        help='latency added per request in scenario 6 (BENCH_PAGING_LATENCY_MS, default 50)')
    parser.add_argument('--large-rounds', type=int, default=int(_env('LARGE_ROUNDS', '1')),
                        help='measured rounds of scenario 5, 100,000 instances, no warm-up (BENCH_LARGE_ROUNDS, default 1)')
    parser.add_argument('--max-others-cpu', type=float, default=float(_env('MAX_OTHERS_CPU', '25')),
                        help="percent of the machine's CPU other processes may use while a way runs (BENCH_MAX_OTHERS_CPU, default 25)")
    parser.add_argument('--quiet-wait', type=float, default=float(_env('QUIET_WAIT', '600')),
                        help='seconds to wait before each run until other processes use at most that (BENCH_QUIET_WAIT, default 600)')
    parser.add_argument('--retries', type=int, default=int(_env('RETRIES', '3')),
                        help='extra runs of a fast way when other processes used more than that meanwhile (BENCH_RETRIES, default 3)')
    parser.add_argument('--timeout', type=float, default=float(_env('TIMEOUT', '3600')),
                        help='seconds one measured process may run (BENCH_TIMEOUT, default 3600)')
    parser.add_argument('--profile-dir', default=_env('PROFILE_DIR', ''),
                        help='write a cProfile file of each collection module process here (BENCH_PROFILE_DIR)')
    parser.add_argument('--no-write', dest='write', action='store_false', default=not _flag(_env('NO_WRITE', '0')),
                        help='do not write docs/performance.md (BENCH_NO_WRITE=1; quick runs never write it)')
    parser.add_argument('--command', default=_env('COMMAND', 'python benchmarks/run.py'),
                        help='the command line to record in docs/performance.md')
    args = parser.parse_args(argv)

    def pick(flag, name, full, smoke):
        return flag if flag is not None else int(_env(name, smoke if args.quick else full))

    scenarios = tuple(args.scenarios.replace(',', ' ').split())
    unknown = sorted(set(scenarios) - set(ALL_SCENARIOS))
    if unknown:
        parser.error('unknown scenario(s) %s; known: %s' % (', '.join(unknown), ' '.join(ALL_SCENARIOS)))
    settings = Settings(
        rounds=pick(args.rounds, 'ROUNDS', '5', '1'),
        warmup=pick(args.warmup, 'WARMUP', '1', '0'),
        slow_rounds=pick(args.slow_rounds, 'SLOW_ROUNDS', '1', '1'),
        scenarios=scenarios,
        approvals=pick(args.approvals, 'APPROVALS', '500', '50'),
        details=pick(args.details, 'DETAILS', '1000', '100'),
        latency_ms=args.latency_ms,
        uri_with_latency=args.uri_with_latency,
        paging_latency_ms=args.paging_latency_ms,
        large_rounds=args.large_rounds,
        page_size=100,
        max_others_cpu=args.max_others_cpu,
        quiet_wait=args.quiet_wait,
        retries=args.retries,
        timeout=args.timeout,
        profile_dir=args.profile_dir,
        quick=args.quick,
        write=args.write and not args.quick,
        command=args.command,
    )
    if min(settings.rounds, settings.slow_rounds, settings.large_rounds) < 1 or settings.warmup < 0 or settings.retries < 0:
        parser.error('rounds, slow rounds and large rounds must be 1 or more, warm-up and retries 0 or more')
    if settings.approvals < 1 or settings.details < 1 or settings.details > 10000 or settings.approvals > 10000:
        parser.error('approvals and details must be from 1 to 10000 (the bench scenario has 10,000 pending instances)')
    return settings
