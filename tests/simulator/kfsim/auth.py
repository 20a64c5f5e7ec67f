# Copyright: (c) 2026, keyfactor.command contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Authentication: Basic with Active Directory style logins, and OAuth 2 client-credentials bearer tokens."""

import hmac
import secrets
import threading
import time
from dataclasses import dataclass

BASIC_CHALLENGE = 'Basic realm="Keyfactor"'
BEARER_CHALLENGE = "Bearer"
INVALID_TOKEN_CHALLENGE = 'Bearer error="invalid_token"'
ACCESS_DENIED = "Authorization has been denied for this request."
ACCEPTED_LOGINS_KEPT = 1024


@dataclass(frozen=True)
class Caller:
    """The authenticated identity and how it authenticated ("basic" or "bearer")."""

    identity: object  # model.Identity
    method: str


class AuthenticationFailed(Exception):
    """401: the challenge to send and the scheme that was tried ("basic", "bearer" or "none")."""

    def __init__(self, method, challenges):
        super().__init__(ACCESS_DENIED)
        self.method = method
        self.challenges = challenges


def _same_secret(given, expected):
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def split_login(login):
    """``DOMAIN\\user`` -> (DOMAIN, user); ``user@domain`` -> (domain, user); ``user`` -> (None, user)."""
    if "\\" in login:
        domain, user = login.split("\\", 1)
        return domain, user
    if "@" in login:
        user, domain = login.rsplit("@", 1)
        return domain, user
    return None, login


class Directory:
    """Users and OAuth clients of the loaded scenario."""

    def __init__(self, world):
        aliases = {world.domain.casefold(): world.domain}
        aliases.update({alias.casefold(): world.domain for alias in world.domain_aliases})
        self._domain_aliases = aliases
        self._users = {(user.domain.casefold(), user.username.casefold()): user for user in world.users}
        self._clients = {client.client_id: client for client in world.clients}
        # Authorization header -> Caller for accepted Basic logins: clients resend the same header every time.
        self.accepted_basic = {}

    def _find_user(self, login):
        domain, name = split_login(login)
        if domain is None:
            matches = [user for user in self._users.values() if user.username.casefold() == name.casefold()]
            return matches[0] if len(matches) == 1 else None
        domain = self._domain_aliases.get(domain.casefold(), domain)
        return self._users.get((domain.casefold(), name.casefold()))

    def user_identity(self, login, password):
        """The identity for a Basic login, or None for an unknown user, an ambiguous bare name or a wrong password."""
        user = self._find_user(login)
        if user is None or not _same_secret(password, user.password):
            return None
        return user.identity

    def client_identity(self, client_id, client_secret):
        client = self._clients.get(client_id)
        if client is None or not _same_secret(client_secret, client.client_secret):
            return None
        return client.identity


class TokenStore:
    """Issued bearer tokens and when they expire (monotonic clock)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._tokens = {}

    def issue(self, identity, lifetime):
        token = secrets.token_urlsafe(32)
        with self._lock:
            self._tokens[token] = (identity, time.monotonic() + lifetime)
        return token

    def identity(self, token):
        """The token's identity, or None when it is unknown or expired."""
        with self._lock:
            identity, expires = self._tokens.get(token, (None, 0.0))
        return identity if time.monotonic() < expires else None

    def expire_all(self):
        with self._lock:
            self._tokens = {token: (identity, 0.0) for token, (identity, _expires) in self._tokens.items()}
            return len(self._tokens)


def authenticate(request, directory, tokens):
    """Return the Caller for an API request, or raise AuthenticationFailed (a 401)."""
    header = request.headers.get("Authorization")
    remembered = directory.accepted_basic.get(header)
    if remembered is not None:
        return remembered
    authorization = request.authorization
    if authorization is None:
        raise AuthenticationFailed("none", [BASIC_CHALLENGE, BEARER_CHALLENGE])
    if authorization.type == "basic":
        identity = directory.user_identity(authorization.username or "", authorization.password or "")
        if identity is None:
            raise AuthenticationFailed("basic", [BASIC_CHALLENGE, BEARER_CHALLENGE])
        caller = Caller(identity, "basic")
        if len(directory.accepted_basic) < ACCEPTED_LOGINS_KEPT:
            directory.accepted_basic[header] = caller
        return caller
    if authorization.type == "bearer":
        identity = tokens.identity(authorization.token or "")
        if identity is None:
            raise AuthenticationFailed("bearer", [INVALID_TOKEN_CHALLENGE])
        return Caller(identity, "bearer")
    raise AuthenticationFailed(authorization.type, [BASIC_CHALLENGE, BEARER_CHALLENGE])
