# Copyright: (c) 2026, keyfactor.command contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A hostile server's error pages: the credentials a request carried, echoed back (switch ``echo_credentials``).

Debug pages, gateways and badly written error handlers repeat what they were sent: the Authorization header, the
Basic user and password it decodes to, a gateway's own credential headers, the OAuth token form. Each format shows
them as one such page would: ``raw`` as they are, ``json`` JSON-escaped (not a Keyfactor error body, so a client can
only quote it), ``repr`` as a Python dict's repr, ``html`` HTML-escaped. ``echo_pad`` dots come first, so a test can
put a secret exactly where a client cuts its excerpt of the page.
"""

import base64
import binascii
import html
import json
from urllib.parse import parse_qsl

ECHO_FORMATS = ("off", "raw", "json", "repr", "html")
_CONTENT_TYPES = {"raw": "text/html; charset=utf-8", "json": "application/json; charset=utf-8",
                  "repr": "text/plain; charset=utf-8", "html": "text/html; charset=utf-8"}
# Request headers every client sends that carry nothing of the caller's (the echo repeats all others).
_PLAIN_HEADERS = frozenset(("host", "user-agent", "accept", "accept-encoding", "connection", "content-length",
                            "content-type", "x-keyfactor-requested-with", "x-keyfactor-api-version"))


def decoded_basic(authorization):
    """'user:password' of a Basic Authorization (or Proxy-Authorization) value, or None."""
    scheme, _space, encoded = (authorization or "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True)
    except binascii.Error:
        return None
    try:
        return decoded.decode("utf-8")
    except UnicodeDecodeError:
        return decoded.decode("iso-8859-1")  # what requests sends to a proxy


def echoed_items(request):
    """(name, value) pairs of what the request carried: the Authorization header first, then what it decodes to,
    the other headers a client chose (gateway headers), and the form body with its client_secret."""
    items = []
    authorization = request.headers.get("Authorization")
    if authorization is not None:
        items.append(("Authorization", authorization))
        credentials = decoded_basic(authorization)
        if credentials is not None:
            items.append(("credentials", credentials))
    items.extend((name, value) for name, value in request.headers.items()
                 if name.lower() not in _PLAIN_HEADERS and name.lower() != "authorization")
    stream = request.environ.get("wsgi.input")  # the server buffers each body; the form may have been read already
    form = (stream.getvalue() if hasattr(stream, "getvalue") else request.get_data()).decode("utf-8", "replace")
    if form and request.mimetype == "application/x-www-form-urlencoded":
        items.append(("form", form))
        items.extend(("client_secret", value) for name, value in parse_qsl(form) if name == "client_secret")
    return items


def echo_page(items, echo_format, pad):
    """The body (bytes) and content type of an error page echoing items in echo_format."""
    text = "; ".join("%s: %s" % item for item in items)
    if echo_format == "json":
        text = json.dumps({"request": dict(items)})
    elif echo_format == "repr":
        text = repr(dict(items))
    elif echo_format == "html":
        text = html.escape(text)
    return ("." * pad + text).encode("utf-8"), _CONTENT_TYPES[echo_format]


def echoed(response, request, switches):
    """response with its body replaced by the echo, if it is an error answer and the switch is on."""
    if switches.echo_credentials == "off" or response.status_code < 400:
        return response
    body, content_type = echo_page(echoed_items(request), switches.echo_credentials, switches.echo_pad)
    response.headers = [(name, value) for name, value in response.headers if name.lower() != "content-type"]
    response.headers.append(("Content-Type", content_type))
    response.body = body
    return response
