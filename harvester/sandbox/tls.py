"""The sandbox's TLS certificate: one self-signed certificate for every sandbox host.

Made at start-up with `cryptography` (an EC P-256 key: a few milliseconds), once per process.
Clients do not verify it: Scrapy does not by default, Chromium runs with ignore-https-errors,
urllib needs an unverified context.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import ssl
import tempfile
import threading

_lock = threading.Lock()
_cache: dict[tuple, ssl.SSLContext] = {}


def make_cert(hosts: list[str]) -> tuple[bytes, bytes]:
    """(certificate PEM, key PEM) for ``hosts`` (names; IP literals become IP SANs)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hosts[0]),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "harvester sandbox")])
    sans = []
    for h in hosts:
        try:
            sans.append(x509.IPAddress(ipaddress.ip_address(h)))
        except ValueError:
            sans.append(x509.DNSName(h))
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=365))
            .add_extension(x509.SubjectAlternativeName(sans), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    return (cert.public_bytes(serialization.Encoding.PEM),
            key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                              serialization.NoEncryption()))


def server_context(hosts: list[str]) -> ssl.SSLContext:
    """A server-side SSLContext whose certificate covers ``hosts`` (cached per host set)."""
    k = tuple(sorted(set(hosts)))
    with _lock:
        if k in _cache:
            return _cache[k]
        cert, key = make_cert(list(k))
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        fd, path = tempfile.mkstemp(suffix=".pem")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(cert + key)
            ctx.load_cert_chain(path)
        finally:
            os.unlink(path)
        _cache[k] = ctx
        return ctx
