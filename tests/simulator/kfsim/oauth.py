# Copyright: (c) 2026, keyfactor.command contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The OAuth 2 token endpoint of the Keyfactor identity provider (reference 8.1), client credentials only."""

from kfsim.responses import json_response

TOKEN_PATH = "/realms/Keyfactor/protocol/openid-connect/token"


def _oauth_error(status, code, description):
    return json_response({"error": code, "error_description": description}, status)


def issue_token(request, runtime, switches, record):
    """Client credentials from the form or from HTTP Basic; answers like Keycloak."""
    if request.method != "POST":
        return _oauth_error(405, "invalid_request", "Use POST with a form-encoded body.")
    form = request.form
    client_id, client_secret = form.get("client_id", ""), form.get("client_secret", "")
    authorization = request.authorization
    if authorization is not None and authorization.type == "basic":
        record["auth"] = "basic"
        client_id, client_secret = authorization.username or "", authorization.password or ""
    identity = runtime.state.directory.client_identity(client_id, client_secret)
    if identity is None:
        return _oauth_error(401, "invalid_client", "Invalid client or Invalid client credentials")
    if form.get("grant_type") != "client_credentials":
        return _oauth_error(400, "unsupported_grant_type", "Only grant_type=client_credentials is supported.")
    record["caller"] = identity.name
    body = {
        "access_token": runtime.tokens.issue(identity, switches.token_lifetime),
        "token_type": "Bearer",
        "expires_in": int(switches.token_lifetime),
    }
    if form.get("scope"):
        body["scope"] = form["scope"]
    return json_response(body)
