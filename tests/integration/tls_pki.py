"""A throw-away PKI for TLS tests: a CA and server certificates (good, for
another name, expired, self-signed), written as PEM files with Python's
cryptography package (Debian's python3-cryptography)."""
import datetime
import os

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


def _name(cn):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _write(path, key, cert):
    with open(path + ".key", "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))
    with open(path + ".crt", "wb") as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))
    os.chmod(path + ".key", 0o644)  # read by Postfix's unprivileged smtpd
    return path + ".crt", path + ".key"


class Pki:
    def __init__(self, directory):
        self.dir = directory
        now = datetime.datetime.now(datetime.timezone.utc)
        self.ca_key = ec.generate_private_key(ec.SECP256R1())
        self.ca_cert = (x509.CertificateBuilder()
                        .subject_name(_name("mxd test CA")).issuer_name(_name("mxd test CA"))
                        .public_key(self.ca_key.public_key()).serial_number(x509.random_serial_number())
                        .not_valid_before(now - datetime.timedelta(days=1))
                        .not_valid_after(now + datetime.timedelta(days=30))
                        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                        .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False),
                                       critical=True)
                        .sign(self.ca_key, hashes.SHA256()))
        self.ca_file, _ = _write(os.path.join(directory, "ca"), self.ca_key, self.ca_cert)

    def server(self, name, dns_names, expired=False, self_signed=False, client=False):
        """Returns (cert_path, key_path) of a server (or, with `client`, a
        client) certificate."""
        now = datetime.datetime.now(datetime.timezone.utc)
        key = ec.generate_private_key(ec.SECP256R1())
        if expired:
            before, after = now - datetime.timedelta(days=30), now - datetime.timedelta(days=1)
        else:
            before, after = now - datetime.timedelta(days=1), now + datetime.timedelta(days=30)
        issuer_key, issuer = (key, _name(dns_names[0])) if self_signed else (self.ca_key, self.ca_cert.subject)
        cert = (x509.CertificateBuilder()
                .subject_name(_name(dns_names[0])).issuer_name(issuer)
                .public_key(key.public_key()).serial_number(x509.random_serial_number())
                .not_valid_before(before).not_valid_after(after)
                .add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in dns_names]), critical=False)
                .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.CLIENT_AUTH if client else
                                                      x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
                .sign(issuer_key, hashes.SHA256()))
        return _write(os.path.join(self.dir, name), key, cert)
