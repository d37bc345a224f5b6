"""The sandbox's TLS certificates: one per host, as real portals have, chosen by SNI.

A certificate names its own host (and nothing else), made on demand at the handshake that asks
for the host (an EC P-256 key shared by all, a certificate signed in about a millisecond) and
kept in a bounded cache. One certificate naming every sandbox host would be cheaper to make but
is nothing like the web: a client checking the hostname would parse 3,000 names on every
handshake (Scrapy's check costs ~20 ms on such a certificate, a crawl's cost the real web does
not have). A client that sends no SNI gets the certificate of localhost and 127.0.0.1.
Clients do not verify the certificates: Scrapy does not by default, Chromium runs with
ignore-https-errors, urllib needs an unverified context.
"""

from __future__ import annotations

import datetime as dt
import functools
import ipaddress
import os
import ssl
import tempfile
import threading

_lock = threading.Lock()
_cache: dict[str, ssl.SSLContext] = {}


@functools.cache
def _key():
    """The one private key of the sandbox's certificates (made once per process)."""
    from cryptography.hazmat.primitives.asymmetric import ec

    return ec.generate_private_key(ec.SECP256R1())


def make_cert(hosts: list[str]) -> tuple[bytes, bytes]:
    """(certificate PEM, key PEM) for ``hosts`` (names; IP literals become IP SANs)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.x509.oid import NameOID

    key = _key()
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


def _context(hosts: list[str]) -> ssl.SSLContext:
    cert, key = make_cert(hosts)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    fd, path = tempfile.mkstemp(suffix=".pem")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(cert + key)
        ctx.load_cert_chain(path)
    finally:
        os.unlink(path)
    return ctx


# Contexts of the hosts a crawl is talking to: bounded, so a national crawl's 3,000 hosts do
# not all stay (one made again costs a millisecond).
_host_context = functools.lru_cache(maxsize=1024)(lambda host: _context([host]))


def server_context() -> ssl.SSLContext:
    """The server-side SSLContext: localhost's certificate, and at each handshake that names a
    host (SNI) that host's own certificate."""
    with _lock:
        if "server" not in _cache:
            ctx = _context(["localhost", "127.0.0.1"])

            def by_name(sock, server_name, _ctx):
                if server_name:
                    sock.context = _host_context(server_name.lower())

            ctx.sni_callback = by_name
            _cache["server"] = ctx
        return _cache["server"]
