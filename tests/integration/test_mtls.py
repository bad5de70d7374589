"""gRPC over mutual TLS: the services with --tls-cert/--tls-key/--tls-client-ca
accept only clients with a certificate from the client CA (mxctl's
--tls-ca/--tls-cert/--tls-key); everyone else is refused."""
import json
import os
import subprocess
import time
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
    with open(os.path.join(d, "service.cnf"), "w") as f:  # a Service's names, no address
        f.write("subjectAltName = DNS:delivery-svc.mxd.test, DNS:localhost\n")
    for name, ca, ext in (("server", "ca", ["-extfile", "san.cnf"]), ("client", "ca", []),
                          ("intruder", "stranger", []), ("service", "ca", ["-extfile", "service.cnf"])):
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
        # Refused callers are told so (UNAUTHENTICATED) and logged with
        # their address and certificate subject.
        for tls, subject, why in ((["--tls-ca", self.p("ca.pem")], "", "no client certificate"),
                                  (["--tls-ca", self.p("ca.pem"), "--tls-cert", self.p("intruder.pem"),
                                    "--tls-key", self.p("intruder.key")], "/CN=intruder",
                                   "unable to get local issuer certificate")):  # not from the client CA
            r = self.mxctl_resolve(*tls)
            self.assertEqual(r.returncode, 75, (tls, r.stdout, r.stderr))
            self.assertIn("UNAUTHENTICATED: client certificate refused: " + why, r.stderr)
            with open(self.p("r.log")) as f:
                refused = [json.loads(l) for l in f if '"caller_refused"' in l][-1]
            self.assertEqual(refused["subject"], subject)
            self.assertEqual(refused["error"], why)
            self.assertTrue(refused["caller"].startswith("ipv4:127.0.0.1:"), refused)
        r = self.mxctl_resolve()  # plain text: no TLS handshake at all
        self.assertEqual(r.returncode, 75, r.stderr)
        self.assertIn("UNAVAILABLE", r.stderr)
        # Any gRPC client without a certificate is refused the same way.
        with open(self.p("ca.pem"), "rb") as f:
            creds = grpc.ssl_channel_credentials(root_certificates=f.read())
        stub = resolver_pb2_grpc.ResolverStub(grpc.secure_channel(self.resolver, creds))
        with self.assertRaises(grpc.RpcError) as cm:
            stub.Resolve(resolver_pb2.ResolveRequest(nexthop="[192.0.2.1]"), timeout=5)
        self.assertEqual(cm.exception.code(), grpc.StatusCode.UNAUTHENTICATED)

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
        # A caller without a certificate is refused by delivery-svc too, and
        # nothing is sent.
        with open(self.p("ca.pem"), "rb") as f:
            creds = grpc.ssl_channel_credentials(root_certificates=f.read())
        from mxd.v1 import delivery_pb2, delivery_pb2_grpc
        stub = delivery_pb2_grpc.DeliveryStub(grpc.secure_channel("127.0.0.1:%d" % port, creds))
        env = delivery_pb2.Envelope(sender="a@mxd.test", recipients=[delivery_pb2.Recipient(address="b@mxd.test")],
                                    nexthop="[127.0.0.1]:%d" % sink.port, message_size=3)
        env.routes.add(host="127.0.0.1", port=sink.port, addresses=["127.0.0.1"])
        with self.assertRaises(grpc.RpcError) as cm:
            stub.Deliver(iter([delivery_pb2.DeliverRequest(envelope=env), delivery_pb2.DeliverRequest(chunk=b"hi\n")]),
                         timeout=10)
        self.assertEqual(cm.exception.code(), grpc.StatusCode.UNAUTHENTICATED)
        # DeliverStream the same: the whole stream is refused before any message.
        stream = stub.DeliverStream(iter([delivery_pb2.StreamRequest(id=1, envelope=env, content=b"hi\n", last=True)]),
                                    timeout=10)
        with self.assertRaises(grpc.RpcError) as cm:
            list(stream)
        self.assertEqual(cm.exception.code(), grpc.StatusCode.UNAUTHENTICATED)
        self.assertEqual(len(sink.data()), 1)

    def test_the_server_name_is_checked_also_when_connecting_by_address(self):
        # Kubernetes: clients reach each pod by address; the certificate
        # names the Service. --delivery-server-name (and dns:NAME:PORT) say
        # which name to check.
        _, port = start_service(self.procs, [os.path.join(BIN, "delivery-svc"), "--listen", "127.0.0.1:0",
                                             "--port-file", self.p("s.port"), "-o", "delivery_spool_directory=/tmp",
                                             "--tls-cert", self.p("service.pem"), "--tls-key", self.p("service.key"),
                                             "--tls-client-ca", self.p("ca.pem")], self.p("s.port"), self.p("s.log"))
        sink = FaultServer(self.procs, self.dir, {})
        with open(self.p("m.eml"), "wb") as f:
            f.write(b"Subject: names\r\n\r\nhi\r\n")

        def deliver(target, *extra):
            return subprocess.run([os.path.join(BIN, "mxctl"), "deliver", "--resolver", self.resolver, "--delivery",
                                   target, "--from", "a@mxd.test", "--to", "b@mxd.test", "--nexthop",
                                   "[127.0.0.1]:%d" % sink.port, "--tls-ca", self.p("ca.pem"), "--tls-cert",
                                   self.p("client.pem"), "--tls-key", self.p("client.key"), *extra, self.p("m.eml")],
                                  capture_output=True, text=True, timeout=60)
        target = "127.0.0.1:%d" % port
        r = deliver(target)  # 127.0.0.1 is not a name in the certificate
        self.assertEqual(r.returncode, 75, r.stderr)
        self.assertEqual(sink.data(), [])
        r = deliver(target, "--delivery-server-name", "elsewhere.mxd.test")
        self.assertEqual(r.returncode, 75, r.stderr)
        self.assertEqual(sink.data(), [])
        r = deliver(target, "--delivery-server-name", "delivery-svc.mxd.test")
        self.assertEqual(r.returncode, 0, r.stderr)
        r = deliver("dns:localhost:%d" % port)  # the name in dns:NAME:PORT is checked
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(len(sink.data()), 2)

    def test_incomplete_tls_options_are_refused(self):
        r = subprocess.run([os.path.join(BIN, "resolver-svc"), "--listen", "127.0.0.1:0", "--tls-cert",
                            self.p("server.pem")], capture_output=True, text=True, timeout=10)
        self.assertEqual(r.returncode, 78)
        self.assertIn("--tls-cert, --tls-key and --tls-client-ca go together", r.stderr)


def served_certificate(port):
    """The certificate a service presents to a new connection (PEM)."""
    import socket
    import ssl
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.set_alpn_protocols(["h2"])
    with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:
        with ctx.wrap_socket(raw) as tls:
            return ssl.DER_cert_to_PEM_cert(tls.getpeercert(binary_form=True))


class CertificateReload(unittest.TestCase):
    """grpc_tls_reload_interval: a renewed certificate, key or client CA is
    used for new connections without a restart, inside the sandbox, with the
    files laid out as a Kubernetes Secret volume (cert-manager's tls.crt,
    tls.key, ca.crt behind a "..data" link that is swapped at once)."""

    def setUp(self):
        self.procs = Processes()
        self.dir = tempdir(self)
        self.addCleanup(self.procs.stop_all)
        make_pki(self.dir)
        for name, ca in (("server2", "ca"), ("client2", "ca2")):
            if ca == "ca2" and not os.path.exists(self.p("ca2.pem")):
                openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=mxd test ca2",
                        "-keyout", "ca2.key", "-out", "ca2.pem", cwd=self.dir)
            openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=%s" % name, "-keyout", name + ".key",
                    "-out", name + ".csr", cwd=self.dir)
            openssl("x509", "-req", "-in", name + ".csr", "-CA", ca + ".pem", "-CAkey", ca + ".key",
                    "-CAcreateserial", "-days", "2", "-out", name + ".pem",
                    *(["-extfile", "san.cnf"] if name == "server2" else []), cwd=self.dir)
        for name in os.listdir(self.dir):
            os.chmod(self.p(name), 0o644 if os.path.isfile(self.p(name)) else 0o755)
        self.secret = self.p("secret")
        os.mkdir(self.secret, 0o755)
        self.version = 0
        self.publish("server.pem", "server.key", ["ca.pem"])
        for name in ("tls.crt", "tls.key", "ca.crt"):
            os.symlink(os.path.join("..data", name), os.path.join(self.secret, name))
        self.proc, self.port = start_service(
            self.procs, [os.path.join(BIN, "resolver-svc"), "--listen", "127.0.0.1:0", "--port-file", self.p("r.port"),
                         "-o", "inet_interfaces=127.0.0.254", "-o", LOOPBACK_ZONES, "-o", "grpc_tls_reload_interval=1s",
                         "--tls-cert", os.path.join(self.secret, "tls.crt"), "--tls-key",
                         os.path.join(self.secret, "tls.key"), "--tls-client-ca", os.path.join(self.secret, "ca.crt")],
            self.p("r.port"), self.p("r.log"), confined=True)

    def p(self, name):
        return os.path.join(self.dir, name)

    def publish(self, cert, key, cas):
        """What the kubelet does when a Secret changes: the files go to a new
        directory, then "..data" is pointed at it in one rename."""
        self.version += 1
        version = os.path.join(self.secret, "..v%d" % self.version)
        os.mkdir(version, 0o755)
        for target, sources in (("tls.crt", [cert]), ("tls.key", [key]), ("ca.crt", cas)):
            with open(os.path.join(version, target), "w") as out:
                for source in sources:
                    with open(self.p(source)) as f:
                        out.write(f.read())
            os.chmod(os.path.join(version, target), 0o644)
        link = os.path.join(self.secret, "..data_tmp")
        os.symlink(os.path.basename(version), link)
        os.rename(link, os.path.join(self.secret, "..data"))

    def resolve_as(self, client):
        return subprocess.run([os.path.join(BIN, "mxctl"), "resolve", "[192.0.2.1]", "--resolver",
                               "127.0.0.1:%d" % self.port, "--timeout", "5s", "--tls-ca", self.p("ca.pem"),
                               "--tls-cert", self.p(client + ".pem"), "--tls-key", self.p(client + ".key")],
                              capture_output=True, text=True, timeout=30)

    def wait_for(self, condition, what):
        deadline = time.time() + 20
        while not condition():
            if time.time() > deadline:
                with open(self.p("r.log")) as f:
                    self.fail("%s: not within 20 s; log: %s" % (what, f.read()[-3000:]))
            time.sleep(0.2)

    def pem(self, name):
        with open(self.p(name)) as f:
            return f.read()

    def test_a_renewed_certificate_and_a_new_client_ca_apply_without_a_restart(self):
        pid = self.proc.pid
        self.assertEqual(served_certificate(self.port), self.pem("server.pem"))
        r = self.resolve_as("client")
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(self.p("r.log")) as f:
            log = [json.loads(l) for l in f]
        limited = [e for e in log if e["event"] == "file_reads_limited"]
        self.assertEqual(len(limited), 1, log)
        self.assertIn(self.secret, limited[0]["paths"])
        sandbox = [e for e in log if e["event"] == "sandbox"][0]
        self.assertEqual((sandbox["seccomp"], sandbox["file_reads"]), ("on", "landlock"))

        # cert-manager renews the certificate (a new key too).
        self.publish("server2.pem", "server2.key", ["ca.pem"])
        self.wait_for(lambda: served_certificate(self.port) == self.pem("server2.pem"), "the renewed certificate")
        r = self.resolve_as("client")
        self.assertEqual(r.returncode, 0, r.stderr)

        # A key that is not the certificate's: gRPC 1.51 takes it anyway, so
        # handshakes fail; the log says so, naming the files, and the next
        # good pair repairs it.
        self.publish("server.pem", "server2.key", ["ca.pem"])
        self.wait_for(lambda: any(json.loads(l)["event"] == "tls_reload_failed" for l in open(self.p("r.log"))),
                      "the mismatched key pair reported")
        with open(self.p("r.log")) as f:
            failed = [json.loads(l) for l in f if '"tls_reload_failed"' in l][-1]
        self.assertEqual(failed["level"], "error")
        self.assertEqual(failed["error"], "%s/tls.key is not the key of %s/tls.crt" % (self.secret, self.secret))
        self.assertIn("fail their TLS handshake", failed["effect"])
        self.publish("server2.pem", "server2.key", ["ca.pem"])
        self.wait_for(lambda: self.resolve_as("client").returncode == 0, "the repaired key pair")
        self.assertEqual(served_certificate(self.port), self.pem("server2.pem"))

        # The client CA moves to ca2: its clients get in, the old CA's do not.
        self.publish("server2.pem", "server2.key", ["ca2.pem"])
        self.wait_for(lambda: self.resolve_as("client2").returncode == 0, "a client of the new CA")
        r = self.resolve_as("client")
        self.assertEqual(r.returncode, 75, r.stderr)
        self.assertIn("UNAUTHENTICATED: client certificate refused", r.stderr)
        with open(self.p("r.log")) as f:
            log = [json.loads(l) for l in f]
        self.assertTrue(any(e["event"] == "tls_reloaded" and e["what"] == "client CA" for e in log), log)
        self.assertTrue(any(e["event"] == "tls_reloaded" and e["what"] == "TLS files" for e in log), log)

        # A CA file without certificates: said the same way, and repaired.
        self.publish("server2.pem", "server2.key", ["san.cnf"])
        self.wait_for(lambda: any('"error":"%s/ca.crt: no PEM certificate"' % self.secret in l
                                  for l in open(self.p("r.log"))), "the CA file without certificates reported")
        self.publish("server2.pem", "server2.key", ["ca2.pem"])
        self.wait_for(lambda: self.resolve_as("client2").returncode == 0, "the repaired client CA")

        # All along the same process, confined.
        self.assertIsNone(self.proc.poll())
        with open("/proc/%d/status" % pid) as f:
            status = dict(l.split(":", 1) for l in f.read().splitlines())
        self.assertEqual(status["Seccomp"].strip(), "2")


class ListenerPolicy(unittest.TestCase):
    """Plain text only where no other host can connect: loopback or a Unix
    socket (mode 0660, grpc_unix_socket_group); anywhere else the service
    refuses to start unless grpc_allow_insecure_listener says so."""

    def setUp(self):
        self.procs = Processes()
        self.dir = tempdir(self)
        self.addCleanup(self.procs.stop_all)

    def test_plain_text_on_a_reachable_address_is_refused(self):
        for program in ("resolver-svc", "delivery-svc"):
            for listen in ("0.0.0.0:0", "[::]:0"):
                with self.subTest(program=program, listen=listen):
                    r = subprocess.run([os.path.join(BIN, program), "--listen", listen], capture_output=True,
                                       text=True, timeout=30)
                    self.assertEqual(r.returncode, 78, r.stderr)  # EX_CONFIG
                    self.assertIn('"event":"insecure_listener"', r.stderr)
                    self.assertIn("grpc_allow_insecure_listener", r.stderr)

    def test_the_operator_may_allow_it_with_a_warning(self):
        log = os.path.join(self.dir, "r.log")
        _, port = start_service(self.procs, [os.path.join(BIN, "resolver-svc"), "--listen", "0.0.0.0:0",
                                             "--port-file", os.path.join(self.dir, "r.port"),
                                             "-o", "grpc_allow_insecure_listener=yes"],
                                os.path.join(self.dir, "r.port"), log)
        self.assertGreater(port, 0)
        with open(log) as f:
            self.assertIn('"event":"plaintext_grpc"', f.read())

    def test_the_defaults_are_unix_sockets(self):
        for program, sock in (("resolver-svc", "unix:/run/mxd/resolver.sock"),
                              ("delivery-svc", "unix:/run/mxd/delivery.sock")):
            r = subprocess.run([os.path.join(BIN, program), "--help"], capture_output=True, text=True, timeout=10)
            self.assertEqual(r.returncode, 0)
            self.assertIn("(default %s)" % sock, r.stdout)
        r = subprocess.run([os.path.join(BIN, "mxctl"), "--help"], capture_output=True, text=True, timeout=10)
        self.assertIn("default unix:/run/mxd/resolver.sock and\nunix:/run/mxd/delivery.sock", r.stdout)
        # A unix: target nobody listens on is unavailable (75), as a port is.
        r = subprocess.run([os.path.join(BIN, "mxctl"), "resolve", "[192.0.2.1]", "--resolver",
                            "unix:" + os.path.join(self.dir, "none.sock"), "--timeout", "2s"],
                           capture_output=True, text=True, timeout=30)
        self.assertEqual(r.returncode, 75)

    def test_a_unix_socket_for_the_queue_managers_group(self):
        sock = os.path.join(self.dir, "resolver.sock")
        start_service(self.procs, [os.path.join(BIN, "resolver-svc"), "--listen", "unix:" + sock, "--port-file",
                                   os.path.join(self.dir, "u.port"), "-o", "grpc_unix_socket_group=nogroup"],
                      os.path.join(self.dir, "u.port"), os.path.join(self.dir, "u.log"))
        st = os.stat(sock)
        self.assertEqual(st.st_mode & 0o777, 0o660)
        import grp
        self.assertEqual(st.st_gid, grp.getgrnam("nogroup").gr_gid)
        r = subprocess.run([os.path.join(BIN, "mxctl"), "resolve", "[192.0.2.1]", "--resolver", "unix:" + sock,
                            "--timeout", "5s"], capture_output=True, text=True, timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("192.0.2.1", r.stdout)
        r = subprocess.run([os.path.join(BIN, "resolver-svc"), "--listen", "unix:" + sock + "2",
                            "-o", "grpc_unix_socket_group=no-such-group-here"], capture_output=True, text=True,
                           timeout=30)
        self.assertEqual(r.returncode, 78, r.stderr)
        self.assertIn("grpc_unix_socket_group: no group no-such-group-here", r.stderr)


if __name__ == "__main__":
    unittest.main()
