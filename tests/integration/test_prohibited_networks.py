"""resolver_prohibited_networks: a domain's DNS answers may not send mail to
loopback, unspecified, link-local or multicast addresses (the default), in
any spelling; mail-loop truncation comes first; next hops written as
literals are delivered as given. Real resolver-svc, delivery-svc and mxctl
against a DNS server (python3-dnslib) that serves such answers."""
import os
import subprocess
import unittest

from delivery_harness import BIN, DeliverySvc, FaultServer, Processes, tempdir
from mxd.v1 import resolver_pb2
from resolver_harness import FaultDns, ResolverSvc

OK, PERMFAIL = resolver_pb2.RESOLVE_STATUS_OK, resolver_pb2.RESOLVE_STATUS_PERMFAIL


class ProhibitedNetworks(unittest.TestCase):
    def setUp(self):
        self.procs = Processes()
        self.dir = tempdir(self)
        self.addCleanup(self.procs.stop_all)
        self.dns = FaultDns(self.procs, self.dir)
        self.svc = ResolverSvc(self.procs, self.dir, self.dns.port, loopback_zones=False)  # the default rules

    def test_loopback_mapped_unspecified_and_link_local_answers_are_dropped(self):
        # Not a loopback address of ours this time: 0.0.0.0 would otherwise
        # be this system (a loop, decided first).
        svc = ResolverSvc(self.procs, self.dir, self.dns.port, ["inet_interfaces=192.0.2.254"],
                          loopback_zones=False)
        resp = svc.resolve("prohibited.fault.test")
        self.assertEqual(resp.status, PERMFAIL)
        self.assertEqual(resp.enhanced_status, "5.4.4")
        self.assertEqual(list(resp.routes), [])
        for fragment in ("127.0.0.1 of lo4.fault.test (127.0.0.0/8)",
                         "::ffff:127.0.0.1 of mapped.fault.test (127.0.0.0/8)",
                         "0.0.0.0 of zero.fault.test (0.0.0.0/8)",
                         "169.254.169.254 of linklocal.fault.test (169.254.0.0/16)",
                         "(resolver_prohibited_networks)"):
            self.assertIn(fragment, resp.reason)

    def test_implicit_mx_is_checked_too(self):
        resp = self.svc.resolve("lo4.fault.test")  # no MX: its own A record
        self.assertEqual(resp.status, PERMFAIL)
        self.assertIn("127.0.0.1 of lo4.fault.test", resp.reason)

    def test_allowed_addresses_stay_and_the_answer_says_what_was_cut(self):
        resp = self.svc.resolve("mixed.fault.test")
        self.assertEqual(resp.status, OK)
        self.assertEqual([(r.host, list(r.addresses)) for r in resp.routes],
                         [("mixedhost.fault.test", ["192.0.2.55"])])
        self.assertEqual(resp.reason, "dropped by resolver_prohibited_networks: "
                                      "127.0.0.1 of mixedhost.fault.test (127.0.0.0/8)")

    def test_mail_loop_truncation_comes_first(self):
        # self.fault.test is 127.0.0.254, this system's inet_interfaces here:
        # a loop, not a prohibited address.
        resp = self.svc.resolve("selfmx.fault.test")
        self.assertEqual(resp.status, PERMFAIL)
        self.assertEqual(resp.enhanced_status, "5.4.6")
        self.assertIn("loops back to myself", resp.reason)

    def test_literals_and_configured_relays_are_delivered_as_given(self):
        resp = self.svc.resolve("[127.0.0.1]:10025")  # a content filter
        self.assertEqual(resp.status, OK)
        self.assertEqual(list(resp.routes[0].addresses), ["127.0.0.1"])
        resp = self.svc.resolve("[lo4.fault.test]:2525")  # [host]: no MX, as given
        self.assertEqual(resp.status, OK)
        self.assertEqual(list(resp.routes[0].addresses), ["127.0.0.1"])
        relayed = ResolverSvc(self.procs, self.dir, self.dns.port, ["relayhost=lo4.fault.test:2525"],
                              loopback_zones=False)
        resp = relayed.resolve("prohibited.fault.test")
        self.assertEqual(resp.status, OK, resp.reason)
        self.assertEqual(list(resp.routes[0].addresses), ["127.0.0.1"])

    def test_an_operator_can_empty_or_extend_the_list(self):
        empty = ResolverSvc(self.procs, self.dir, self.dns.port, ["resolver_prohibited_networks="],
                            loopback_zones=False)
        self.assertEqual(empty.resolve("lo4.fault.test").status, OK)
        private = ResolverSvc(self.procs, self.dir, self.dns.port,
                              ["resolver_prohibited_networks=192.0.2.0/24, 127.0.0.0/8"], loopback_zones=False)
        resp = private.resolve("mixed.fault.test")
        self.assertEqual(resp.status, PERMFAIL)
        self.assertIn("192.0.2.55 of mixedhost.fault.test (192.0.2.0/24)", resp.reason)

    def test_a_bad_network_stops_the_service(self):
        r = subprocess.run([os.path.join(BIN, "resolver-svc"), "--listen", "127.0.0.1:0",
                            "-o", "resolver_prohibited_networks=127.0.0.1/8"], capture_output=True, text=True,
                           timeout=30)
        self.assertEqual(r.returncode, 78, r.stderr)
        self.assertIn("resolver_prohibited_networks: '127.0.0.1/8': non-zero host bits", r.stderr)

    def test_nothing_is_sent_to_a_prohibited_address_end_to_end(self):
        # A server on 127.0.0.1 that a zone points at: mxctl bounces the
        # recipient and the server never sees a connection; with the rule
        # emptied, the same delivery goes through.
        server = FaultServer(self.procs, self.dir, {})
        delivery = DeliverySvc(self.procs, self.dir, ["smtp_connection_cache_on_demand=no"])
        msg = os.path.join(self.dir, "msg")
        with open(msg, "wb") as f:
            f.write(b"From: a@mxd.test\r\nSubject: prohibited\r\n\r\nbody\r\n")

        def mxctl(resolver):
            return subprocess.run([os.path.join(BIN, "mxctl"), "deliver", "--resolver", resolver.target,
                                   "--delivery", delivery.target, "--from", "s@mxd.test", "--to", "r@mxd.test",
                                   "--nexthop", "lo4.fault.test:%d" % server.port, msg],
                                  capture_output=True, text=True, timeout=120)
        r = mxctl(self.svc)
        self.assertEqual(r.returncode, 69, r.stdout + r.stderr)
        self.assertIn("resolver_prohibited_networks", r.stdout + r.stderr)
        self.assertEqual(server.connections(), 0)
        allowed = ResolverSvc(self.procs, self.dir, self.dns.port, loopback_zones=True)
        r = mxctl(allowed)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual(len(server.data()), 1)


if __name__ == "__main__":
    unittest.main()
