# Copyright: (c) 2026, keyfactor.command contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The HTTP(S) server: werkzeug's threaded WSGI server with HTTP/1.1 keep-alive.

werkzeug's development server parses requests (through http.server) and builds the WSGI environ, but
closes every connection after one response and waits 10 ms draining the socket. A client on a
keep-alive session (what the collection's ``requests`` client uses) would pay a TLS handshake per
request, so ``KeepAliveHandler.run_wsgi`` replaces only the response step: the request body is read
completely before the application runs, the response goes out with Content-Length, and the
connection stays open. Two more things benchmarks and fault tests need:

- TCP_NODELAY on accepted sockets (without it small replies stall about 40 ms on delayed ACKs);
- a real connection reset (RST via SO_LINGER 0) when the application raises AbortConnection.

TLS handshakes run in the connection's thread, not in the accept loop, so one slow client does not
hold up the others.
"""

import io
import socket
import ssl
import struct
import sys
import threading
import time
import traceback

from werkzeug.serving import ThreadedWSGIServer, WSGIRequestHandler

from kfsim.errors import INTERNAL, AbortConnection
from kfsim.responses import NO_BODY_STATUSES

MAX_BODY_BYTES = 16 * 1024 * 1024
READ_SIZE = 64 * 1024
IDLE_TIMEOUT_SECONDS = 120
# The WSGI environ key by which the application asks for its response to be trickled: (seconds, after_headers).
TRICKLE_KEY = "kfsim.trickle"
INTERNAL_ERROR_BODY = b'{"ErrorCode":"%s","Message":"Internal simulator error."}' % INTERNAL.encode()


class BadRequestBody(Exception):
    """The request body cannot be read: answer ``status`` and close the connection."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


class KeepAliveHandler(WSGIRequestHandler):
    timeout = IDLE_TIMEOUT_SECONDS
    wbufsize = -1  # buffered: status line, headers and body leave in one send (see _send)

    def setup(self):
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if isinstance(self.request, ssl.SSLSocket):
            self.request.settimeout(self.timeout)
            self.request.do_handshake()
        super().setup()

    def log_request(self, code="-", size="-"):
        """Silent: the audit records requests, and a log line per request would slow benchmarks."""

    def _read_body(self, environ):
        """Read the whole request body, so the next request on this connection starts at its first byte."""
        if environ.get("wsgi.input_terminated"):  # chunked: werkzeug's DechunkedInput
            pieces, size = [], 0
            try:
                while size <= MAX_BODY_BYTES:
                    piece = environ["wsgi.input"].read(READ_SIZE)
                    if not piece:
                        return b"".join(pieces)
                    pieces.append(piece)
                    size += len(piece)
            except OSError as error:
                raise BadRequestBody(400, "invalid chunked body: %s" % error) from None
        else:
            try:
                size = int(environ.get("CONTENT_LENGTH") or 0)
            except ValueError:
                raise BadRequestBody(400, "invalid Content-Length") from None
            if size <= MAX_BODY_BYTES:
                return self.rfile.read(size) if size > 0 else b""
        raise BadRequestBody(413, "request body larger than %d bytes" % MAX_BODY_BYTES)

    def run_wsgi(self):
        if self.headers.get("Expect", "").lower().strip() == "100-continue":
            self.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n")
            self.wfile.flush()
        self.environ = environ = self.make_environ()
        try:
            body = self._read_body(environ)
        except BadRequestBody as error:
            self.close_connection = True
            self._send(error.status, [("Content-Type", "text/plain"), ("Connection", "close")], str(error).encode())
            return
        # From here on the body is plain bytes of known length, whatever the framing was.
        environ.pop("wsgi.input_terminated", None)
        environ.pop("HTTP_TRANSFER_ENCODING", None)
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        try:
            status, headers, payload = self._call_application(environ)
        except AbortConnection:
            self._reset_connection()
            return
        except Exception:  # pylint: disable=broad-exception-caught
            traceback.print_exc(file=sys.stderr)
            status, headers, payload = 500, [("Content-Type", "application/json; charset=utf-8")], INTERNAL_ERROR_BODY
        if environ.get(TRICKLE_KEY):
            self._trickle(environ[TRICKLE_KEY], status, headers, payload)
        else:
            self._send(status, headers, payload)

    def _trickle(self, trickle, status, headers, payload):
        """Send the response one byte at a time, `interval` seconds apart (after the headers, if asked)."""
        interval, after_headers = trickle
        real, self.wfile = self.wfile, io.BytesIO()
        try:
            self._send(status, headers, payload)
            response = self.wfile.getvalue()
        finally:
            self.wfile = real
        self.close_connection = True
        start = response.index(b"\r\n\r\n") + 4 if after_headers else 0
        real.write(response[:start])
        real.flush()
        for index in range(start, len(response)):
            time.sleep(interval)
            real.write(response[index:index + 1])
            real.flush()

    def _call_application(self, environ):
        """Run the WSGI application; return (status code, headers, the whole body)."""
        started = {}

        def start_response(status, headers, exc_info=None):
            del exc_info  # responses are buffered, so headers are never sent before an error
            started["status"], started["headers"] = int(status.split(" ", 1)[0]), headers

        chunks = self.server.app(environ, start_response)
        try:
            payload = b"".join(chunks)
        finally:
            if hasattr(chunks, "close"):
                chunks.close()
        return started["status"], started["headers"], payload

    def _send(self, status, headers, payload):
        self.send_response(status)  # with the standard reason phrase
        names = set()
        for name, value in headers:
            self.send_header(name, value)
            names.add(name.lower())
        if status not in NO_BODY_STATUSES and "content-length" not in names:
            self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if payload and status not in NO_BODY_STATUSES and self.command != "HEAD":
            self.wfile.write(payload)
        self.wfile.flush()

    def _reset_connection(self):
        self.close_connection = True
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.server.reset_on_close(self.connection)


class SimulatorServer(ThreadedWSGIServer):
    """werkzeug's ThreadedWSGIServer (what ``make_server(threaded=True)`` builds) with the additions above."""

    block_on_close = False  # idle keep-alive connections must not delay shutdown

    def __init__(self, host, port, app, ssl_context=None):
        super().__init__(host, port, app, handler=KeepAliveHandler, ssl_context=ssl_context)
        if ssl_context is not None:
            self.socket.do_handshake_on_connect = False  # KeepAliveHandler.setup does it, per thread
        self._lock = threading.Lock()
        self._to_reset = set()

    def reset_on_close(self, connection):
        with self._lock:
            self._to_reset.add(connection)

    def shutdown_request(self, request):
        """Close with RST (no FIN first) when the application asked for a reset."""
        with self._lock:
            reset = request in self._to_reset
            self._to_reset.discard(request)
        if reset:
            self.close_request(request)
        else:
            super().shutdown_request(request)

    def handle_error(self, request, client_address):
        """Failed handshakes and dropped connections are normal here (wrong-CA and fault tests); stay quiet."""
        if isinstance(sys.exc_info()[1], OSError):
            return
        super().handle_error(request, client_address)
