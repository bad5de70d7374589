"""gRPC over mutual TLS: the services with --tls-cert/--tls-key/--tls-client-ca
accept only clients with a certificate from the client CA (mxctl's
--tls-ca/--tls-cert/--tls-key); everyone else is refused."""
import os
import subprocess
import unittest

import grpc

from delivery_harness import BIN, LOOPBACK_ZONES, FaultServer, Processes, start_service, tempdir
from mxd.v1 import resolver_pb2, resolver_pb2_grpc


def openssl(*args, cwd):
    subprocess.run(["openssl"] + list(args), cwd=cwd, check=True, capture_output=True)


def make_pki(d):
    """A CA, a server certificate for 127.0.0.1 and localhost, a client
    certificate from the same CA, and one from a stranger CA."""
    for ca in ("ca", "stranger"):
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=mxd test %s" % ca,
                "-keyout", ca + ".key", "-out", ca + ".pem", cwd=d)
    with open(os.path.join(d, "san.cnf"), "w") as f:
        f.write("subjectAltName = IP:127.0.0.1, DNS:localhost\n")
    for name, ca, ext in (("server", "ca", ["-extfile", "san.cnf"]), ("client", "ca", []),
                          ("intruder", "stranger", [])):
        openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=%s" % name, "-keyout", name + ".key",
                "-out", name + ".csr", cwd=d)
        openssl("x509", "-req", "-in", name + ".csr", "-CA", ca + ".pem", "-CAkey", ca + ".key",
                "-CAcreateserial", "-days", "2", "-out", name + ".pem", *ext, cwd=d)
    for name in os.listdir(d):
        os.chmod(os.path.join(d, name), 0o644)  # the services read them before dropping root anyway


class MutualTls(unittest.TestCase):
    def setUp(self):
        self.procs = Processes()
        self.dir = tempdir(self)
        self.addCleanup(self.procs.stop_all)
        make_pki(self.dir)
        self.tls = ["--tls-cert", self.p("server.pem"), "--tls-key", self.p("server.key"),
                    "--tls-client-ca", self.p("ca.pem")]
        _, port = start_service(self.procs, [os.path.join(BIN, "resolver-svc"), "--listen", "127.0.0.1:0",
                                             "--port-file", self.p("r.port"), "-o", "inet_interfaces=127.0.0.254", "-o", LOOPBACK_ZONES]
                                + self.tls, self.p("r.port"), self.p("r.log"))
        self.resolver = "127.0.0.1:%d" % port

    def p(self, name):
        return os.path.join(self.dir, name)

    def mxctl_resolve(self, *tls):
        return subprocess.run([os.path.join(BIN, "mxctl"), "resolve", "[192.0.2.1]", "--resolver", self.resolver,
                               "--timeout", "5s"] + list(tls), capture_output=True, text=True, timeout=30)

    def test_client_certificate_required(self):
        ok = self.mxctl_resolve("--tls-ca", self.p("ca.pem"), "--tls-cert", self.p("client.pem"),
                                "--tls-key", self.p("client.key"))
        self.assertEqual(ok.returncode, 0, ok.stderr)
        self.assertIn("192.0.2.1", ok.stdout)
        for tls in (["--tls-ca", self.p("ca.pem")],  # no client certificate
                    ["--tls-ca", self.p("ca.pem"), "--tls-cert", self.p("intruder.pem"),
                     "--tls-key", self.p("intruder.key")],  # not from the client CA
                    []):  # plain text
            r = self.mxctl_resolve(*tls)
            self.assertEqual(r.returncode, 75, (tls, r.stdout, r.stderr))
            self.assertIn("UNAVAILABLE", r.stderr)
        # Any gRPC client without a certificate is refused the same way.
        with open(self.p("ca.pem"), "rb") as f:
            creds = grpc.ssl_channel_credentials(root_certificates=f.read())
        stub = resolver_pb2_grpc.ResolverStub(grpc.secure_channel(self.resolver, creds))
        with self.assertRaises(grpc.RpcError) as cm:
            stub.Resolve(resolver_pb2.ResolveRequest(nexthop="[192.0.2.1]"), timeout=5)
        self.assertEqual(cm.exception.code(), grpc.StatusCode.UNAVAILABLE)

    def test_deliver_over_mutual_tls(self):
        _, port = start_service(self.procs, [os.path.join(BIN, "delivery-svc"), "--listen", "127.0.0.1:0",
                                             "--port-file", self.p("d.port"), "-o", "delivery_spool_directory=/tmp"]
                                + self.tls, self.p("d.port"), self.p("d.log"))
        sink = FaultServer(self.procs, self.dir, {})
        with open(self.p("m.eml"), "wb") as f:
            f.write(b"Subject: tls\r\n\r\nhi\r\n")
        r = subprocess.run([os.path.join(BIN, "mxctl"), "deliver", "--resolver", self.resolver, "--delivery",
                            "127.0.0.1:%d" % port, "--from", "a@mxd.test", "--to", "b@mxd.test", "--nexthop",
                            "[127.0.0.1]:%d" % sink.port, "--tls-ca", self.p("ca.pem"), "--tls-cert",
                            self.p("client.pem"), "--tls-key", self.p("client.key"), self.p("m.eml")],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(sink.data(), [b"Subject: tls\r\n\r\nhi\r\n"])

    def test_incomplete_tls_options_are_refused(self):
        r = subprocess.run([os.path.join(BIN, "resolver-svc"), "--listen", "127.0.0.1:0", "--tls-cert",
                            self.p("server.pem")], capture_output=True, text=True, timeout=10)
        self.assertEqual(r.returncode, 78)
        self.assertIn("--tls-cert, --tls-key and --tls-client-ca go together", r.stderr)


if __name__ == "__main__":
    unittest.main()
