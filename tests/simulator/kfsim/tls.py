# Copyright: (c) 2026, keyfactor.command contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A throw-away CA, server certificate and (for mutual TLS) client certificate, generated at start.

EC P-256 keys keep start-up fast. The CA key never leaves memory; the other keys are written 0600.
"""

import datetime
import ipaddress
import os
import pathlib
import ssl
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

VALIDITY = datetime.timedelta(days=7)
BACKDATE = datetime.timedelta(hours=1)


@dataclass(frozen=True)
class CertificateFiles:
    ca_cert: str
    server_cert: str
    server_key: str
    client_cert: object = None  # str or None
    client_key: object = None


def _name(common_name):
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "kfsim throw-away"),
                      x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _key_usage(**usages):
    flags = dict.fromkeys(("digital_signature", "content_commitment", "key_encipherment", "data_encipherment",
                           "key_agreement", "key_cert_sign", "crl_sign", "encipher_only", "decipher_only"), False)
    flags.update(usages)
    return x509.KeyUsage(**flags)


def _builder(subject, issuer, public_key):
    start = datetime.datetime.now(datetime.timezone.utc) - BACKDATE
    return (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer).public_key(public_key)
            .serial_number(x509.random_serial_number()).not_valid_before(start).not_valid_after(start + VALIDITY)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False))


def _leaf(ca_key, ca_cert, common_name, extended_usage, alt_names):
    key = ec.generate_private_key(ec.SECP256R1())
    builder = (_builder(_name(common_name), ca_cert.subject, key.public_key())
               .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
               .add_extension(_key_usage(digital_signature=True), critical=True)
               .add_extension(x509.ExtendedKeyUsage([extended_usage]), critical=False)
               .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False))
    if alt_names:
        builder = builder.add_extension(x509.SubjectAlternativeName(alt_names), critical=False)
    return key, builder.sign(ca_key, hashes.SHA256())


def _alt_name(host):
    try:
        return x509.IPAddress(ipaddress.ip_address(host))
    except ValueError:
        return x509.DNSName(host)


def _write(path, data, private=False):
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
    with os.fdopen(os.open(path, flags, 0o600 if private else 0o644), "wb") as handle:
        handle.write(data)
    return str(path)


def _pem(certificate):
    return certificate.public_bytes(serialization.Encoding.PEM)


def _key_pem(key):
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def generate(directory, hosts, with_client_cert):
    """Write ca.pem, server.pem, server-key.pem (and client.pem, client-key.pem) into ``directory``."""
    directory = pathlib.Path(directory)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = _name("kfsim throw-away CA")
    ca_cert = (_builder(ca_name, ca_name, ca_key.public_key())
               .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
               .add_extension(_key_usage(key_cert_sign=True, crl_sign=True), critical=True)
               .sign(ca_key, hashes.SHA256()))
    names = list(dict.fromkeys(["localhost", "127.0.0.1", "::1"] + list(hosts)))
    server_key, server_cert = _leaf(ca_key, ca_cert, "localhost", ExtendedKeyUsageOID.SERVER_AUTH,
                                    [_alt_name(host) for host in names])
    files = {
        "ca_cert": _write(directory / "ca.pem", _pem(ca_cert)),
        "server_cert": _write(directory / "server.pem", _pem(server_cert)),
        "server_key": _write(directory / "server-key.pem", _key_pem(server_key), private=True),
    }
    if with_client_cert:
        client_key, client_cert = _leaf(ca_key, ca_cert, "kfsim-client", ExtendedKeyUsageOID.CLIENT_AUTH, [])
        files["client_cert"] = _write(directory / "client.pem", _pem(client_cert))
        files["client_key"] = _write(directory / "client-key.pem", _key_pem(client_key), private=True)
    return CertificateFiles(**files)


def server_context(files, require_client_cert):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(files.server_cert, files.server_key)
    if require_client_cert:
        context.verify_mode = ssl.CERT_REQUIRED
        context.load_verify_locations(files.ca_cert)
    return context
