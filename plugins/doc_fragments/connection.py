# -*- coding: utf-8 -*-
# Copyright (c) keyfactor.command contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later


class ModuleDocFragment:
    # The connection options of every module. They are declared once in
    # plugins/module_utils/_connection_options.py; tests/unit keeps this text in step with it.
    DOCUMENTATION = r'''
options:
  url:
    description:
      - The Keyfactor Command server, as V(host), V(host:port) or V(https://host[:port]).
      - Only HTTPS is supported. The port defaults to 443. Give the API path in O(api_path), not here.
      - Required. If not set, the value of the E(KEYFACTOR_HOSTNAME) environment variable is used, with the port from
        E(KEYFACTOR_PORT) when that is set and the host name has none.
    type: str
    aliases: [host, hostname]
  api_path:
    description:
      - The path of the Keyfactor API on the server, set when Keyfactor Command was installed.
      - If not set, the value of the E(KEYFACTOR_API_PATH) environment variable is used, then V(KeyfactorAPI).
    type: str
    default: KeyfactorAPI
  username:
    description:
      - User for Basic authentication against Active Directory, as V(user), V(DOMAIN\\user) or V(user@domain).
      - A domain given in the user name is split off and used as O(domain).
      - If not set, the value of the E(KEYFACTOR_USERNAME) environment variable is used.
      - Basic authentication needs O(username) and O(password). Exactly one authentication mode may be configured
        (Basic, OAuth 2 client credentials, or O(access_token)), counting options and environment variables alike.
    type: str
  password:
    description:
      - Password for Basic authentication.
      - Control characters, such as a trailing newline, are refused in O(password), O(username) and O(domain) before
        any request (RFC 7617 allows none in a Basic credential).
      - If not set, the value of the E(KEYFACTOR_PASSWORD) environment variable is used.
    type: str
  domain:
    description:
      - Active Directory domain for Basic authentication; the credential is sent as V(DOMAIN\\user).
      - If not set, the value of the E(KEYFACTOR_DOMAIN) environment variable is used.
    type: str
  client_id:
    description:
      - OAuth 2 client ID for the client-credentials grant (Keyfactor Command 11 and later).
      - OAuth needs O(client_id), O(client_secret) and O(token_url). A token is fetched once per module run,
        renewed before it expires, and renewed once when the API answers 401.
      - If not set, the value of the E(KEYFACTOR_AUTH_CLIENT_ID) environment variable is used.
    type: str
  client_secret:
    description:
      - OAuth 2 client secret.
      - It travels in the token request's form, not in a header, but control characters (such as a trailing newline)
        are refused before any request all the same, since RFC 6749 allows none in a client secret and the identity
        provider would only answer C(invalid_client).
      - If not set, the value of the E(KEYFACTOR_AUTH_CLIENT_SECRET) environment variable is used.
    type: str
  token_url:
    description:
      - HTTPS URL of the identity provider's token endpoint, for example
        V(https://keyfactor.example.com:8444/realms/Keyfactor/protocol/openid-connect/token) for the Keyfactor IdP.
      - The token request uses the same TLS settings (O(validate_certs), O(ca_cert), O(proxy)) as the API.
      - If not set, the value of the E(KEYFACTOR_AUTH_TOKEN_URL) environment variable is used.
    type: str
  scopes:
    description:
      - OAuth 2 scopes to request. None are requested when empty.
      - If not set, the value of the E(KEYFACTOR_AUTH_SCOPES) environment variable is used (comma-separated).
      - Only for OAuth 2 client credentials; set while another authentication mode is in use, the task fails.
        V(all), V(started_by_me) and V(assigned_to_me) are refused in every mode, suggesting
        O(keyfactor.command.workflow_instance_info#module:scope), the option they belong to.
    type: list
    elements: str
  audience:
    description:
      - OAuth 2 audience to request, when the identity provider needs one.
      - If not set, the value of the E(KEYFACTOR_AUTH_AUDIENCE) environment variable is used.
      - Only for OAuth 2 client credentials; set while another authentication mode is in use, the task fails.
    type: str
  access_token:
    description:
      - A ready bearer token, sent as is. It is not renewed; a 401 fails the task.
      - A token with a control character (such as the trailing newline C(echo ... | ansible-vault encrypt_string)
        leaves), surrounding whitespace or a character outside ISO-8859-1 cannot travel in a header and fails the task
        before any request, naming the option but never showing the value.
      - If not set, the value of the E(KEYFACTOR_AUTH_ACCESS_TOKEN) environment variable is used.
    type: str
  validate_certs:
    description:
      - Whether to verify the server's TLS certificate. Setting it to V(false) is insecure, and the module warns.
      - If not set, V(false) when the E(KEYFACTOR_SKIP_VERIFY) environment variable is true, otherwise V(true).
    type: bool
    default: true
  ca_cert:
    description:
      - The CA bundle to trust for the server's certificate, as the path of a PEM file or as PEM text.
      - When set it is the only CA trusted, even when E(REQUESTS_CA_BUNDLE) points elsewhere. When not set, the
        system trust store (or E(REQUESTS_CA_BUNDLE), or E(CURL_CA_BUNDLE)) is used.
      - If not set, the value of the E(KEYFACTOR_CA_CERT) environment variable is used.
    type: str
  client_cert:
    description:
      - Path of a PEM client certificate for mutual TLS. It may also contain the private key.
    type: path
  client_key:
    description:
      - Path of the unencrypted PEM private key of O(client_cert), when it is in a separate file.
    type: path
  proxy:
    description:
      - URL of an HTTP(S) proxy, such as V(http://proxy.example.com:3128), used for every request.
      - When not set, the E(HTTPS_PROXY), E(HTTP_PROXY), E(ALL_PROXY) and E(NO_PROXY) environment variables are
        honoured.
      - A user name and password in the URL (V(http://user:password@proxy.example.com:3128)) are masked in every
        message, warning and result, and in the arguments Ansible echoes back, also when the password holds an
        unencoded V(@); so are those of the proxy environment variables.
    type: str
  timeout:
    description:
      - Seconds each request may take, from sending it to the last byte of the answer (and to connect). A server
        that sends its answer a few bytes at a time cannot stretch a request beyond it.
        Must be a finite number greater than 0 and at most V(604800) (a week).
      - If not set, the value of the E(KEYFACTOR_CLIENT_TIMEOUT) environment variable is used, then V(60).
    type: float
    default: 60
  retries:
    description:
      - How many times to retry a failed read (GET) after a connection error, a timeout or HTTP 429, 502, 503 or
        504, honouring C(Retry-After) and otherwise backing off exponentially with jitter. Each retry is reported as a
        warning.
      - A request that changes state is never sent again blindly. It is retried only when the failure proves it never
        reached the server (DNS failure, connection refused, TLS handshake failure). After any other failure, HTTP 429
        and 5xx included, it re-reads the state (after C(Retry-After), if the server named one) to learn whether the
        request took effect, and sends again only if it did not.
    type: int
    default: 3
  headers:
    description:
      - Extra HTTP headers to send with every request, for example for an API gateway in front of Keyfactor Command.
        C(Authorization) cannot be set here.
      - Every value is treated as a secret, whatever the header's name. Values are never shown in the arguments
        Ansible echoes back (C(invocation)), even when the task fails its argument checks. Values of 8 characters or
        more are also masked wherever else they appear (messages, warnings, results), in any form; shorter ones are
        not, because masking so short a text would also hide the same characters in every ID and message.
      - A name must be a valid HTTP header name, and a value with a control character (such as a trailing newline),
        surrounding whitespace or a character outside ISO-8859-1 fails the task before any request.
    type: dict
  status_map:
    description:
      - Names for integer workflow status codes, merged over the built-in table
        V(0=Unknown), V(1=Running), V(2=Suspended), V(3=Complete), V(4=Rejected), V(5=Failed), V(6=CanceledForRestart).
      - Keyfactor documents the status as a name; the built-in table is only used if a server sends integers, and
        this option corrects it should a server number them differently. An integer neither names fails the instance,
        naming the integer.
    type: dict
notes:
  - The environment variables are the ones Keyfactor's own tools (kfutil, the Terraform provider) read, so an existing
    environment, or one AWX / Automation Controller credential, serves this collection too. An empty variable counts as
    unset.
  - All options can be set once for every module of the collection with
    C(module_defaults) and the group C(group/keyfactor.command.keyfactor).
requirements:
  - requests >= 2.25.0 (Python library, on the host that runs the module)
'''
