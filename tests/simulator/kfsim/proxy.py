# Copyright: (c) 2026, keyfactor.command contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""An HTTP proxy that needs credentials, in front of the simulator (start-up option ``--proxy-credentials``).

It tunnels ``CONNECT`` to the simulator's own address (and nowhere else) for a client whose Basic
``Proxy-Authorization`` carries the configured user and password (unless switch ``proxy_refuse`` is on), and answers
anything else with 407 (or 403 for another target, 405 for another method). With ``echo_credentials`` on it is
hostile: the reason phrase of its error answers repeats the ``Proxy-Authorization`` it was sent and the
user:password that decodes to, in the switch's format, because a client's HTTP library puts that phrase into its
exception ("Tunnel connection failed: 407 ...").
Each request is audited like an API request, with method ``CONNECT`` and the target as the path.
"""

import socket
import socketserver
import threading

from kfsim.audit import safe_headers
from kfsim.echo import decoded_basic, echo_page

MAX_HEAD_BYTES = 64 * 1024
IDLE_TIMEOUT_SECONDS = 120
_PHRASES = {200: "Connection established", 403: "Forbidden", 405: "Method Not Allowed",
            407: "Proxy Authentication Required"}


class ProxyHandler(socketserver.StreamRequestHandler):
    timeout = IDLE_TIMEOUT_SECONDS

    def handle(self):
        request_line = self.rfile.readline(MAX_HEAD_BYTES).decode("iso-8859-1").strip()
        headers = self._read_headers()
        method, _space, rest = request_line.partition(" ")
        target = rest.partition(" ")[0]
        authorization = headers.get("Proxy-Authorization")
        status = self._status(method, target, authorization)
        runtime = self.server.runtime.generation()
        scheme = "basic" if decoded_basic(authorization) is not None else "none"
        runtime.audit.add_request({
            "seq": runtime.audit.next_seq(), "method": method, "path": target, "query": {},
            "headers": safe_headers(headers), "caller": None, "auth": scheme, "status": status, "fault": None})
        self._answer(status, authorization, runtime.switches)
        if status == 200:
            self._tunnel()

    def _read_headers(self):
        headers, size = {}, 0
        while size < MAX_HEAD_BYTES:
            line = self.rfile.readline(MAX_HEAD_BYTES).decode("iso-8859-1")
            size += len(line)
            if not line.strip():
                break
            name, _colon, value = line.partition(":")
            headers[name.strip()] = value.strip()
        return headers

    def _status(self, method, target, authorization):
        if method != "CONNECT":
            return 405
        if target != self.server.target:
            return 403
        refused = self.server.runtime.switches.proxy_refuse
        return 200 if decoded_basic(authorization) == self.server.credentials and not refused else 407

    def _answer(self, status, authorization, switches):
        phrase = _PHRASES[status]
        if status != 200 and switches.echo_credentials != "off" and authorization is not None:
            items = [("Proxy-Authorization", authorization), ("credentials", decoded_basic(authorization) or "")]
            echo, _content_type = echo_page(items, switches.echo_credentials, switches.echo_pad)
            phrase += " " + echo.decode("utf-8").replace("\r", " ").replace("\n", " ")
        head = "HTTP/1.1 %d %s\r\n" % (status, phrase)
        if status == 407:
            head += 'Proxy-Authenticate: Basic realm="kfsim"\r\n'
        if status != 200:
            head += "Content-Length: 0\r\nConnection: close\r\n"
        self.wfile.write(head.encode("utf-8") + b"\r\n")
        self.wfile.flush()

    def _tunnel(self):
        """Relay bytes both ways between the client and the simulator until either side closes."""
        upstream = socket.create_connection(self.server.target_address, timeout=IDLE_TIMEOUT_SECONDS)
        upstream.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        backwards = threading.Thread(target=_relay, args=(upstream, self.connection), daemon=True)
        backwards.start()
        _relay(self.connection, upstream)
        backwards.join(IDLE_TIMEOUT_SECONDS)
        upstream.close()


def _relay(source, destination):
    try:
        while True:
            data = source.recv(65536)
            if not data:
                break
            destination.sendall(data)
    except OSError:
        pass
    finally:
        try:
            destination.shutdown(socket.SHUT_WR)
        except OSError:
            pass


class ProxyServer(socketserver.ThreadingTCPServer):
    """The proxy for one simulator: ``credentials`` is 'user:password', ``target_address`` the simulator's."""

    daemon_threads = True
    allow_reuse_address = True
    block_on_close = False

    def __init__(self, address, runtime, credentials, target_address):
        super().__init__(address, ProxyHandler)
        self.runtime = runtime
        self.credentials = credentials
        self.target_address = target_address
        self.target = "%s:%d" % ("[%s]" % target_address[0] if ":" in target_address[0] else target_address[0],
                                 target_address[1])

    def handle_error(self, request, client_address):
        """Clients that hang up mid-tunnel are normal here; stay quiet."""
