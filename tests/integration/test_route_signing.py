"""Routes the caller hands over (route_key_file): resolver-svc signs each
route set, delivery-svc refuses unsigned, altered, expired and foreign ones
before any connection, and SASL passwords follow the configured next hop
only, never a server the caller's routes name."""
import os
import subprocess
import time
import unittest

import grpc

from delivery_harness import BIN, DeliverySvc, FaultServer, Processes, free_port, tempdir
from mxd.v1 import delivery_pb2, resolver_pb2
from resolver_harness import ResolverSvc

DELIVERED = delivery_pb2.ACTION_DELIVERED
MESSAGE = b"From: a@mxd.test\r\nSubject: signed routes\r\n\r\nbody\r\n"


def write_key(workdir, name, text):
    path = os.path.join(workdir, name)
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, 0o600)
    return path


class SignedRoutes(unittest.TestCase):
    def setUp(self):
        self.procs = Processes()
        self.dir = tempdir(self)
        self.addCleanup(self.procs.stop_all)
        self.key = write_key(self.dir, "route.key", "k7Qz1m3Yp0sV9wE2rT6uI8oP4aS5dF7g\n")
        self.server = FaultServer(self.procs, self.dir, {})
        self.elsewhere = FaultServer(self.procs, self.dir, {})  # where a caller would rather send it
        # No DNS is needed for literal next hops; the port is never asked.
        self.resolver = ResolverSvc(self.procs, self.dir, free_port(),
                                    ["route_key_file=" + self.key, "route_signature_lifetime=1h"])
        self.svc = DeliverySvc(self.procs, self.dir, ["route_key_file=" + self.key,
                                                      "smtp_connection_cache_on_demand=no"])
        self.hop = "[127.0.0.1]:%d" % self.server.port

    def deliver(self, answer, alter=None):
        def envelope_extra(env):
            env.route_signature.CopyFrom(answer.route_signature)
            if alter:
                alter(env)
        return self.svc.deliver(MESSAGE, ["a@mxd.test"], self.server.port, nexthop=answer.effective_nexthop,
                                routes=list(answer.routes), envelope_extra=envelope_extra)

    def assert_refused(self, answer, alter, fragment):
        with self.assertRaises(grpc.RpcError) as cm:
            self.deliver(answer, alter)
        self.assertEqual(cm.exception.code(), grpc.StatusCode.PERMISSION_DENIED)
        self.assertIn(fragment, cm.exception.details())
        refused = [l for l in self.svc.log_lines() if l["event"] == "route_signature_refused"]
        self.assertIn(fragment, refused[-1]["error"])
        self.assertTrue(refused[-1]["caller"].startswith(("ipv4:127.0.0.1:", "ipv6:")), refused[-1])

    def test_signed_routes_are_delivered(self):
        answer = self.resolver.resolve(self.hop)
        self.assertEqual(answer.status, resolver_pb2.RESOLVE_STATUS_OK)
        self.assertEqual(len(answer.route_signature.mac), 32)
        self.assertGreater(answer.route_signature.expires, time.time() + 3500)
        self.assertEqual(self.deliver(answer).outcomes[0].action, DELIVERED)
        self.assertEqual(len(self.server.data()), 1)

    def test_mxctl_passes_the_signature_through(self):
        msg = os.path.join(self.dir, "msg")
        with open(msg, "wb") as f:
            f.write(MESSAGE)
        r = subprocess.run([os.path.join(BIN, "mxctl"), "deliver", "--resolver", self.resolver.target,
                            "--delivery", self.svc.target, "--from", "s@mxd.test", "--to", "r@mxd.test",
                            "--nexthop", self.hop, msg], capture_output=True, timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(len(self.server.data()), 1)

    def test_altered_unsigned_and_foreign_route_sets_are_refused_before_any_connection(self):
        answer = self.resolver.resolve(self.hop)
        other = self.elsewhere.port

        def port(env):
            env.routes[0].port = other

        def address(env):
            env.routes[0].addresses[:] = ["127.0.0.2"]

        def added(env):
            env.routes.add(host="127.0.0.1", port=other, addresses=["127.0.0.1"])

        def nexthop(env):
            env.nexthop = "[127.0.0.1]:%d" % other

        def unsigned(env):
            env.ClearField("route_signature")

        def expiry(env):
            env.route_signature.expires += 86400

        for alter in (port, address, added, nexthop, expiry):
            with self.subTest(alter=alter.__name__):
                self.assert_refused(answer, alter, "does not match its signature")
        self.assert_refused(answer, unsigned, "not signed")
        # Signed with another key (another resolver-svc, or a forger).
        foreign_key = write_key(self.dir, "other.key", "another key of thirty-two octets!!\n")
        foreign = ResolverSvc(self.procs, self.dir, free_port(), ["route_key_file=" + foreign_key])
        self.assert_refused(foreign.resolve(self.hop), None, "does not match its signature")
        self.assertEqual(self.server.connections(), 0)
        self.assertEqual(self.elsewhere.connections(), 0)

    def test_deliver_stream_checks_each_message_alone(self):
        # On one DeliverStream: a signed message is delivered, an altered
        # and an unsigned one are refused (PERMISSION_DENIED, nothing sent),
        # and nothing reaches the server the caller would rather use.
        answer = self.resolver.resolve(self.hop)
        requests = []
        for n, alter in ((1, None), (2, "port"), (3, "unsigned")):
            env = DeliverySvc.envelope(MESSAGE, ["a@mxd.test"], self.server.port, nexthop=answer.effective_nexthop,
                                       routes=list(answer.routes))
            env.route_signature.CopyFrom(answer.route_signature)
            if alter == "port":
                env.routes[0].port = self.elsewhere.port
            elif alter == "unsigned":
                env.ClearField("route_signature")
            requests.append(delivery_pb2.StreamRequest(id=n, envelope=env, content=MESSAGE, last=True))
        got = {r.id: r for r in self.svc.stub.DeliverStream(iter(requests), timeout=60)}
        self.assertEqual(got[1].result.outcomes[0].action, DELIVERED)
        for n, words in ((2, "does not match its signature"), (3, "not signed")):
            self.assertEqual((got[n].code, got[n].nothing_sent), (grpc.StatusCode.PERMISSION_DENIED.value[0], True))
            self.assertIn(words, got[n].error)
        self.assertEqual(len(self.server.data()), 1)
        self.assertEqual(self.elsewhere.connections(), 0)

    def test_expired_signatures_are_refused(self):
        short = ResolverSvc(self.procs, self.dir, free_port(),
                            ["route_key_file=" + self.key, "route_signature_lifetime=1s"])
        answer = short.resolve(self.hop)
        time.sleep(2.2)
        self.assert_refused(answer, None, "expired")
        self.assertEqual(self.server.connections(), 0)

    def test_a_bad_key_file_stops_both_services(self):
        short = write_key(self.dir, "short.key", "too short\n")
        for program in ("resolver-svc", "delivery-svc"):
            for path, fragment in ((short, "the key must have 32 to 4096 octets, not 9"),
                                   (os.path.join(self.dir, "missing.key"), "cannot open route_key_file")):
                with self.subTest(program=program, path=path):
                    r = subprocess.run([os.path.join(BIN, program), "--listen", "127.0.0.1:0",
                                        "-o", "route_key_file=" + path], capture_output=True, text=True,
                                       timeout=30)
                    self.assertEqual(r.returncode, 78, r.stderr)  # EX_CONFIG
                    self.assertIn(fragment, r.stderr)
                    self.assertIn("route_key_file", r.stderr)


class CredentialsFollowTheNextHop(unittest.TestCase):
    """A password is looked up by the next hop only: a caller's route that
    names the relay's host, without naming the relay's next hop, gets none
    (Postfix would also try the server's name)."""

    def test_no_password_for_a_server_the_routes_name(self):
        procs = Processes()
        workdir = tempdir(self)
        self.addCleanup(procs.stop_all)
        table = os.path.join(workdir, "sasl_passwd")
        with open(table, "w") as f:
            f.write("relay.example.test  alice:s3cret-relay-password\n")
        svc = DeliverySvc(procs, workdir, ["smtp_sasl_auth_enable=yes", "smtp_sasl_password_maps=texthash:" + table,
                                           "smtp_sasl_security_options=noanonymous",
                                           "smtp_connection_cache_on_demand=no"])
        script = {"ehlo": ["250-fault.test", "250-PIPELINING", "250 AUTH PLAIN"]}
        attacker = FaultServer(procs, workdir, script)
        resp = svc.deliver(MESSAGE, ["a@mxd.test"], attacker.port, host="relay.example.test",
                           nexthop="[127.0.0.1]:%d" % attacker.port)
        self.assertEqual(resp.outcomes[0].action, DELIVERED)
        self.assertFalse([c for c in attacker.commands() if c.upper().startswith("AUTH")], attacker.commands())
        # The configured next hop gets its password.
        relay = FaultServer(procs, workdir, script)
        resp = svc.deliver(MESSAGE, ["a@mxd.test"], relay.port, host="relay.example.test",
                           nexthop="relay.example.test")
        self.assertEqual(resp.outcomes[0].action, DELIVERED)
        self.assertTrue([c for c in relay.commands() if c.upper().startswith("AUTH PLAIN")], relay.commands())
        # A next hop with a password but no verified TLS is named at start.
        warned = [l for l in svc.log_lines() if l["event"] == "sasl_tls_not_verified"]
        self.assertEqual([(l["nexthop"], l["tls_level"]) for l in warned], [("relay.example.test", "none")])
        with open(svc.log_path) as f:
            self.assertNotIn("s3cret", f.read())
        policy = os.path.join(workdir, "tls_policy")
        with open(policy, "w") as f:
            f.write("relay.example.test  secure\n")
        secure = DeliverySvc(procs, workdir, ["smtp_sasl_auth_enable=yes", "smtp_sasl_password_maps=texthash:" + table,
                                              "smtp_tls_policy_maps=texthash:" + policy])
        self.assertEqual([l for l in secure.log_lines() if l["event"] == "sasl_tls_not_verified"], [])


if __name__ == "__main__":
    unittest.main()
