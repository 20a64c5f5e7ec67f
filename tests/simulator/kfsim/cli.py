# Copyright: (c) 2026, keyfactor.command contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""``python -m kfsim``: start the simulator, write the ready file, serve until SIGTERM or SIGINT."""

import argparse
import contextlib
import json
import os
import pathlib
import signal
import sys
import tempfile
import threading

from kfsim import tls
from kfsim.app import Application, Runtime
from kfsim.oauth import TOKEN_PATH
from kfsim.proxy import ProxyServer
from kfsim.scenario import DEFAULT_SCENARIO, ScenarioError
from kfsim.server import SimulatorServer
from kfsim.switches import SwitchError, Switches, switch_fields

SHUTDOWN_POLL_SECONDS = 0.05
PARENT_CHECK_SECONDS = 1.0


def build_parser():
    parser = argparse.ArgumentParser(
        prog="python -m kfsim", description="Keyfactor Command workflow API simulator (test tooling).")
    parser.add_argument("--scenario", default=str(DEFAULT_SCENARIO), help="scenario file (YAML or JSON)")
    parser.add_argument("--generate", type=int, default=0, metavar="N",
                        help="add N Suspended instances of the scenario's first definition")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=0, help="port (0: any free port)")
    parser.add_argument("--ready-file", help="write the connection details here (JSON) once listening")
    parser.add_argument("--http", action="store_true", help="plain HTTP instead of HTTPS")
    parser.add_argument("--cert-dir", help="where to write the CA and certificates (default: a temp dir removed on exit)")
    parser.add_argument("--require-client-cert", action="store_true",
                        help="mutual TLS: issue a client certificate from the throw-away CA and require it")
    parser.add_argument("--proxy-credentials", metavar="USER:PASSWORD",
                        help="also run an HTTP proxy (CONNECT to this simulator only) that requires these Basic "
                             "credentials; the ready file gains proxy_url (kfsim/proxy.py)")
    parser.add_argument("--proxy-port", type=int, default=0, metavar="N", help="the proxy's port (0: any free port)")
    parser.add_argument("--exit-with-parent", action="store_true",
                        help="stop (cleanly) when the process that started it is gone, so a crashed test run leaks nothing")
    group = parser.add_argument_group("switches", "also changeable at runtime with POST /_sim/config")
    for item in switch_fields():
        group.add_argument("--" + item.name.replace("_", "-"), dest=item.name,
                           metavar=getattr(item.metadata["parse"], "metavar", "VALUE"),
                           help="%s (default: %s)" % (item.metadata["help"], _shown(item.default)))
    return parser


def _shown(default):
    if isinstance(default, bool):
        return "on" if default else "off"
    if isinstance(default, tuple):
        return ",".join(str(item) for item in default) or "none"
    return default


def _switches(parser, args):
    given = {item.name: getattr(args, item.name) for item in switch_fields() if getattr(args, item.name) is not None}
    try:
        return Switches().updated(given)
    except SwitchError as error:
        return parser.error(str(error))


def _write_atomically(path, data):
    temporary = "%s.%d.tmp" % (path, os.getpid())
    with open(temporary, "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=2)
    os.replace(temporary, path)


def connection_details(args, server, switches, certificates, proxy=None):
    host = "[%s]" % args.host if ":" in args.host else args.host
    port = server.server_address[1]
    url = "%s://%s:%d" % ("http" if certificates is None else "https", host, port)
    details = {
        "url": url,
        "host": "%s:%d" % (host, port),
        "port": port,
        "api_url": "%s/%s" % (url, switches.api_path),
        "ca_cert": certificates.ca_cert if certificates else None,
        "token_url": url + TOKEN_PATH,
        "control_url": url + "/_sim",
        "pid": os.getpid(),
    }
    if certificates is not None and certificates.client_cert:
        details.update(client_cert=certificates.client_cert, client_key=certificates.client_key)
    if proxy is not None:
        details["proxy_url"] = "http://%s:%d" % (host, proxy.server_address[1])
    return details


def _certificates(args, cleanup):
    """Generate the throw-away CA and certificates; return (CertificateFiles, ssl context), or (None, None) for --http."""
    if args.http:
        return None, None
    cert_dir = args.cert_dir or cleanup.enter_context(tempfile.TemporaryDirectory(prefix="kfsim-certs-"))
    pathlib.Path(cert_dir).mkdir(parents=True, exist_ok=True)
    certificates = tls.generate(cert_dir, [args.host], args.require_client_cert)
    return certificates, tls.server_context(certificates, args.require_client_cert)


def main(argv=None):
    stop = threading.Event()
    for signal_number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signal_number, lambda *_: stop.set())
    parent_pid = os.getppid()
    parser = build_parser()
    args = parser.parse_args(argv)
    switches = _switches(parser, args)
    try:
        runtime = Runtime(args.scenario, switches, args.generate)
    except ScenarioError as error:
        print("kfsim: %s" % error, file=sys.stderr)
        return 2
    with contextlib.ExitStack() as cleanup:  # undone in reverse order on the way out
        if args.ready_file:  # removed last, so its absence means the server is down and its files are gone
            cleanup.callback(pathlib.Path(args.ready_file).unlink, missing_ok=True)
        certificates, context = _certificates(args, cleanup)
        server = SimulatorServer(args.host, args.port, Application(runtime), context)
        cleanup.callback(server.server_close)
        threading.Thread(target=server.serve_forever, args=(SHUTDOWN_POLL_SECONDS,), daemon=True).start()
        cleanup.callback(server.shutdown)
        proxy = _start_proxy(args, runtime, server, cleanup)
        details = connection_details(args, server, switches, certificates, proxy)
        if args.ready_file:
            _write_atomically(args.ready_file, details)
        print(details["url"], flush=True)
        _wait_for_stop(stop, parent_pid if args.exit_with_parent else None)
    return 0


def _start_proxy(args, runtime, server, cleanup):
    """The proxy of --proxy-credentials, serving in a thread of its own (None without the option)."""
    if not args.proxy_credentials:
        return None
    proxy = ProxyServer((args.host, args.proxy_port), runtime, args.proxy_credentials, server.server_address[:2])
    cleanup.callback(proxy.server_close)
    threading.Thread(target=proxy.serve_forever, args=(SHUTDOWN_POLL_SECONDS,), daemon=True).start()
    cleanup.callback(proxy.shutdown)
    return proxy


def _wait_for_stop(stop, parent_pid):
    """Until SIGTERM/SIGINT, or until the parent is gone (this process was re-parented) when ``parent_pid`` is set."""
    if parent_pid is None:
        stop.wait()
        return
    while not stop.wait(PARENT_CHECK_SECONDS) and os.getppid() == parent_pid:
        pass
