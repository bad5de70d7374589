"""resolver-svc against real DNS servers on 127.0.0.1: nsd serving test
zones, and a python3-dnslib server for SERVFAIL, timeouts, REFUSED and
truncation. Everything through gRPC (and mxctl resolve)."""
import json
import os
import re
import subprocess
import tempfile
import threading
import time
import unittest

import grpc

from delivery_harness import BIN, Processes, free_port
from mxd.v1 import resolver_pb2
from resolver_harness import FaultDns, Nsd, ResolverSvc

OK, TEMPFAIL, PERMFAIL = (resolver_pb2.RESOLVE_STATUS_OK, resolver_pb2.RESOLVE_STATUS_TEMPFAIL,
                          resolver_pb2.RESOLVE_STATUS_PERMFAIL)


class ResolverTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="mxd-resolve-")
        cls.dir = cls.tmp.name
        cls.procs = Processes()
        cls.nsd = Nsd(cls.procs, cls.dir)
        cls.fault = FaultDns(cls.procs, cls.dir)
        cls.svc = ResolverSvc(cls.procs, cls.dir, cls.nsd.port)

    @classmethod
    def tearDownClass(cls):
        cls.procs.stop_all()
        cls.tmp.cleanup()

    def resolver(self, *options, dns=None, config_text=None):
        return ResolverSvc(self.procs, self.dir, dns or self.nsd.port, options, config_text)

    def routes(self, resp):
        return [(r.host, r.preference, r.port, list(r.addresses), r.fallback) for r in resp.routes]


class Lookups(ResolverTest):
    def test_mx_sorted_by_preference_random_among_equals(self):
        firsts = set()
        for _ in range(60):
            resp = self.svc.resolve("example.test")
            self.assertEqual(resp.status, OK)
            self.assertEqual(resp.enhanced_status, "2.0.0")
            prefs = [r.preference for r in resp.routes]
            self.assertEqual(prefs, [10, 10, 20])
            self.assertEqual(resp.routes[2].host, "mx3.example.test")
            firsts.add(resp.routes[0].host)
            by_host = {r.host: sorted(r.addresses) for r in resp.routes}
            self.assertEqual(by_host["mx1.example.test"], ["192.0.2.1", "2001:db8::1"])
            self.assertEqual(by_host["mx2.example.test"], ["192.0.2.2"])
        self.assertEqual(firsts, {"mx1.example.test", "mx2.example.test"})

    def test_inet_protocols(self):
        v4 = self.resolver("inet_protocols=ipv4")
        self.assertEqual([list(r.addresses) for r in v4.resolve("[mx1.example.test]").routes], [["192.0.2.1"]])
        v6 = self.resolver("inet_protocols=ipv6")
        resp = v6.resolve("example.test")
        self.assertEqual(self.routes(resp), [("mx1.example.test", 10, 25, ["2001:db8::1"], False)])
        pref6 = self.resolver("smtp_address_preference=ipv6")
        self.assertEqual(list(pref6.resolve("[mx1.example.test]").routes[0].addresses),
                         ["2001:db8::1", "192.0.2.1"])

    def test_implicit_mx(self):
        resp = self.svc.resolve("nomx.example.test")
        self.assertEqual(resp.status, OK)
        self.assertEqual(len(resp.routes), 1)
        r = resp.routes[0]
        self.assertEqual((r.host, r.preference, r.port), ("nomx.example.test", 0, 25))
        self.assertEqual(sorted(r.addresses), ["192.0.2.9", "2001:db8::9"])

    def test_null_mx(self):
        resp = self.svc.resolve("nullmx.example.test")
        self.assertEqual(resp.status, PERMFAIL)
        self.assertEqual(resp.enhanced_status, "5.1.10")
        self.assertEqual(resp.reason, "Domain nullmx.example.test does not accept mail (nullMX)")
        self.assertEqual(len(resp.routes), 0)

    def test_nxdomain(self):
        resp = self.svc.resolve("nosuch.example.test")
        self.assertEqual(resp.status, PERMFAIL)
        self.assertEqual(resp.enhanced_status, "5.1.2")
        self.assertEqual(resp.reason, "Host or domain name not found. Name service error for "
                                      "name=nosuch.example.test type=MX: Host not found")

    def test_cname_chains(self):
        resp = self.svc.resolve("alias.example.test")
        self.assertEqual(resp.status, OK)
        self.assertEqual(sorted(r.host for r in resp.routes),
                         ["mx1.example.test", "mx2.example.test", "mx3.example.test"])
        # nsd answers only the CNAME into another zone: we follow it ourselves.
        resp = self.svc.resolve("outside.example.test")
        self.assertEqual(self.routes(resp), [("mx.other.test", 5, 25, ["198.51.100.5"], False)])
        # An MX host that is an alias.
        resp = self.svc.resolve("mxalias.example.test")
        self.assertEqual(sorted(resp.routes[0].addresses), ["192.0.2.1", "2001:db8::1"])

    def test_mx_hosts_without_addresses(self):
        resp = self.svc.resolve("noaddr.example.test")
        self.assertEqual(resp.status, PERMFAIL)
        self.assertEqual(resp.enhanced_status, "5.4.4")
        self.assertIn("name=missing.example.test type=", resp.reason)
        resp = self.svc.resolve("halfaddr.example.test")
        self.assertEqual(self.routes(resp), [("mx2.example.test", 20, 25, ["192.0.2.2"], False)])

    def test_internationalised_domain_names(self):
        resp = self.svc.resolve("b\u00fccher.example.test")
        self.assertEqual(resp.status, OK, resp.reason)
        self.assertEqual(resp.effective_nexthop, "xn--bcher-kva.example.test")
        self.assertEqual([r.host for r in resp.routes], ["mx2.example.test"])

    def test_literals_and_ports(self):
        self.assertEqual(self.routes(self.svc.resolve("[192.0.2.7]:2525")),
                         [("192.0.2.7", 0, 2525, ["192.0.2.7"], False)])
        self.assertEqual(self.routes(self.svc.resolve("[ipv6:2001:db8::7]")),
                         [("2001:db8::7", 0, 25, ["2001:db8::7"], False)])
        resp = self.svc.resolve("[mx2.example.test]:submission")
        self.assertEqual(self.routes(resp), [("mx2.example.test", 0, 587, ["192.0.2.2"], False)])
        self.assertEqual(resp.effective_nexthop, "[mx2.example.test]:587")
        resp = self.svc.resolve("example.test:2525")
        self.assertEqual({r.port for r in resp.routes}, {2525})


class Loops(ResolverTest):
    def test_truncation_at_our_own_address(self):
        resp = self.svc.resolve("loop.example.test")
        self.assertEqual(resp.status, OK)
        self.assertEqual([r.host for r in resp.routes], ["mx1.example.test"])

    def test_loops_back_to_myself(self):
        resp = self.svc.resolve("looponly.example.test")
        self.assertEqual(resp.status, PERMFAIL)
        self.assertEqual(resp.enhanced_status, "5.4.6")
        self.assertEqual(resp.reason, "mail for looponly.example.test loops back to myself")
        # Our own address in other forms: IPv4-mapped, and 0.0.0.0 (which
        # reaches the local host) while a loopback address is ours; and a
        # domain whose implicit MX is this system.
        for domain in ("mapped.example.test", "unspec.example.test", "implicitself.example.test"):
            resp = self.svc.resolve(domain)
            self.assertEqual((resp.status, resp.enhanced_status), (PERMFAIL, "5.4.6"), domain)
            self.assertEqual(resp.reason, "mail for %s loops back to myself" % domain)

    def test_explicit_hosts_are_delivered_as_given(self):
        # Truncation is for MX lists: a [host] or literal next hop (a content
        # filter at [127.0.0.1]:10025) and relayhost go where they say.
        for hop, host, port in (("[127.0.0.254]", "127.0.0.254", 25), ("[127.0.0.254]:10025", "127.0.0.254", 10025),
                                ("[self.example.test]:10025", "self.example.test", 10025)):
            resp = self.svc.resolve(hop)
            self.assertEqual(resp.status, OK, resp.reason)
            self.assertEqual([(r.host, r.port, list(r.addresses)) for r in resp.routes],
                             [(host, port, ["127.0.0.254"])])
        svc = self.resolver("relayhost=[self.example.test]:10025")
        resp = svc.resolve("example.test")
        self.assertEqual(resp.status, OK, resp.reason)
        self.assertEqual([r.host for r in resp.routes], ["self.example.test"])

    def test_backup_mx_without_primary_is_a_temporary_failure(self):
        # We are MX 20; MX 10 has no address right now: wait for it (4.4.4),
        # do not bounce and do not deliver to MX 30 behind us.
        resp = self.svc.resolve("backup.example.test")
        self.assertEqual((resp.status, resp.enhanced_status), (TEMPFAIL, "4.4.4"))
        self.assertEqual(resp.reason, "unable to find primary relay for backup.example.test")
        self.assertEqual(list(resp.routes), [])

    def test_proxy_interfaces(self):
        svc = self.resolver("proxy_interfaces=192.0.2.3")
        self.assertEqual([r.host for r in svc.resolve("proxied.example.test").routes], ["mx2.example.test"])
        svc = self.resolver("proxy_interfaces=192.0.2.2")
        self.assertEqual(svc.resolve("proxied.example.test").reason,
                         "mail for proxied.example.test loops back to myself")


class Routing(ResolverTest):
    def test_fallback_relays(self):
        svc = self.resolver("smtp_fallback_relay=[relay.example.test]:2525, [192.0.2.200]")
        resp = svc.resolve("proxied.example.test")
        self.assertEqual(self.routes(resp), [
            ("mx2.example.test", 10, 25, ["192.0.2.2"], False), ("mx3.example.test", 20, 25, ["192.0.2.3"], False),
            ("relay.example.test", 0, 2525, ["192.0.2.99"], True), ("192.0.2.200", 0, 25, ["192.0.2.200"], True)])
        # Destination not found: the relays alone.
        resp = svc.resolve("nosuch.example.test")
        self.assertEqual(resp.status, OK)
        self.assertEqual([r.fallback for r in resp.routes], [True, True])
        self.assertIn("Host not found", resp.reason)
        # Never after a null MX or a loop.
        self.assertEqual(svc.resolve("nullmx.example.test").status, PERMFAIL)
        self.assertEqual(svc.resolve("looponly.example.test").status, PERMFAIL)
        # The old name works too.
        old = self.resolver("fallback_relay=[192.0.2.201]")
        self.assertEqual(old.resolve("nosuch.example.test").routes[0].host, "192.0.2.201")

    def test_relayhost(self):
        svc = self.resolver("relayhost=[relay.example.test]:587")
        resp = svc.resolve("anything.example.org")
        self.assertEqual(resp.effective_nexthop, "[relay.example.test]:587")
        self.assertEqual(self.routes(resp), [("relay.example.test", 0, 587, ["192.0.2.99"], False)])
        # Explicit bracketed next hops are honoured as given.
        self.assertEqual(svc.resolve("[192.0.2.5]").routes[0].host, "192.0.2.5")
        # A relayhost without brackets gets an MX lookup.
        mx = self.resolver("relayhost=example.test")
        self.assertEqual(len(mx.resolve("x.example.org").routes), 3)

    def test_disable_dns_lookups(self):
        svc = self.resolver("disable_dns_lookups=yes", "relayhost=[localhost]:2525", "inet_protocols=ipv4")
        resp = svc.resolve("example.org")
        self.assertEqual(self.routes(resp), [("localhost", 0, 2525, ["127.0.0.1"], False)])
        plain = self.resolver("disable_dns_lookups=yes")
        resp = plain.resolve("example.org")
        self.assertEqual((resp.status, resp.enhanced_status), (TEMPFAIL, "4.3.5"))
        self.assertIn("must go through a relay host", resp.reason)


class Faults(ResolverTest):
    def test_server_failures_are_temporary(self):
        svc = self.resolver(dns=self.fault.port)
        for name in ("servfail.fault.test", "refused.fault.test", "drop.fault.test"):
            with self.subTest(name=name):
                resp = svc.resolve(name)
                self.assertEqual(resp.status, TEMPFAIL)
                self.assertEqual(resp.enhanced_status, "4.4.3")
                self.assertEqual(resp.reason, "Host or domain name not found. Name service error for name=%s "
                                              "type=MX: Host not found, try again" % name)
        self.assertEqual(svc.resolve("[mx1.example.test]").status, PERMFAIL)  # still serving

    def test_ignore_mx_lookup_error(self):
        svc = self.resolver("ignore_mx_lookup_error=yes", "inet_protocols=ipv4", dns=self.fault.port)
        resp = svc.resolve("mxfail.fault.test")
        self.assertEqual(self.routes(resp), [("mxfail.fault.test", 0, 25, ["192.0.2.80"], False)])

    def test_fallback_after_temporary_failure(self):
        svc = self.resolver("smtp_fallback_relay=[relay.fault.test]", "inet_protocols=ipv4", dns=self.fault.port)
        resp = svc.resolve("servfail.fault.test")
        self.assertEqual(resp.status, OK)
        self.assertEqual(self.routes(resp), [("relay.fault.test", 0, 25, ["192.0.2.90"], True)])

    def test_truncated_answers_retried_over_tcp(self):
        svc = self.resolver("inet_protocols=ipv4", "resolver_query_attempts=2", dns=self.fault.port)
        resp = svc.resolve("tc.fault.test")
        self.assertEqual(resp.status, OK, resp.reason)
        self.assertEqual(len(resp.routes), 10)  # 40 records, 10 distinct hosts
        transports = [q[2] for q in self.fault.queries("tc.fault.test.")]
        self.assertIn("udp", transports)
        self.assertIn("tcp", transports)

    def test_cache_honours_ttl_and_negative_answers(self):
        svc = self.resolver("inet_protocols=ipv4", dns=self.fault.port)
        for _ in range(5):
            self.assertEqual(svc.resolve("ttl.fault.test").status, OK)
        self.assertEqual(len([q for q in self.fault.queries("ttl.fault.test.") if q[1] == "MX"]), 1)
        time.sleep(2.5)  # the MX TTL is 2 seconds
        svc.resolve("ttl.fault.test")
        self.assertEqual(len([q for q in self.fault.queries("ttl.fault.test.") if q[1] == "MX"]), 2)
        for _ in range(3):
            self.assertEqual(svc.resolve("negative.fault.test").status, PERMFAIL)
        self.assertEqual(len(self.fault.queries("negative.fault.test.")), 1)
        self.assertGreater(svc.resolve("negative.fault.test").ttl_seconds, 50)

    def test_eight_bit_names_in_a_zone_come_back_as_utf8(self):
        # A zone may hold any octets in a name; what the resolver reports
        # (reasons, host names, its log) is printable UTF-8 all the same.
        svc = self.resolver("inet_protocols=ipv4", dns=self.fault.port)
        resp = svc.resolve("eightbit.fault.test")
        raw = resp.SerializeToString()  # Python's protobuf checks UTF-8 on parse
        self.assertEqual(type(resp).FromString(raw), resp)
        texts = [resp.reason] + [r.host for r in resp.routes]
        for text in texts:
            text.encode("utf-8")  # str from protobuf: valid by construction
            self.assertFalse(any(ord(c) < 32 or 0x7f <= ord(c) < 0xa0 for c in text), text)
        # c-ares refuses the answer (a name outside the host name rules):
        # a temporary failure, as for any malformed answer.
        self.assertEqual(resp.status, TEMPFAIL)
        self.assertIn("eightbit.fault.test", resp.reason)
        with open(svc.log_path, "rb") as f:
            for line in f.read().splitlines():
                if line.startswith(b"{"):
                    json.loads(line.decode("utf-8"))

    def test_a_zone_with_1000_mx_hosts_costs_a_bounded_number_of_lookups(self):
        # Two attempts: the fault server closes TCP after each answer, which
        # c-ares counts against the queries in flight (as in the tc tests).
        svc = self.resolver("inet_protocols=ipv4", "resolver_query_attempts=2", dns=self.fault.port)
        t0 = time.time()
        resp = svc.resolve("manymx.fault.test")
        self.assertLess(time.time() - t0, 10)
        self.assertEqual(resp.status, OK, resp.reason)
        self.assertEqual([r.preference for r in resp.routes], list(range(10, 20)))  # the best 10
        self.assertEqual(resp.reason, "not looked up: 990 MX hosts beyond the best 10 (resolver_mx_host_limit)")
        looked_up = {q[0] for q in self.fault.queries() if re.match(r"mx-\d-\d+\.fault\.test\.$", q[0]) and q[1] == "A"}
        self.assertEqual(len(looked_up), 10)
        fewer = self.resolver("inet_protocols=ipv4", "resolver_query_attempts=2", "resolver_mx_host_limit=3",
                              dns=self.fault.port)
        self.assertEqual(len(fewer.resolve("manymx.fault.test").routes), 3)

    def test_a_host_with_2000_addresses_gives_20(self):
        svc = self.resolver("inet_protocols=ipv4", "resolver_query_attempts=2", dns=self.fault.port)
        resp = svc.resolve("manyaddr.fault.test")
        self.assertEqual(resp.status, OK, resp.reason)
        self.assertEqual(len(resp.routes), 1)
        self.assertEqual(len(resp.routes[0].addresses), 20)
        self.assertEqual(len(set(resp.routes[0].addresses)), 20)
        self.assertEqual(resp.reason, "not used: 1980 addresses beyond 20 per host and family")
        self.assertLess(resp.ByteSize(), 2000)

    def test_the_cache_is_bounded_in_bytes(self):
        # An answer bigger than resolver_cache_byte_limit is never kept:
        # each resolve asks again. (The default keeps it: the TTL test.)
        svc = self.resolver("inet_protocols=ipv4", "resolver_cache_byte_limit=100", dns=self.fault.port)
        before = len([q for q in self.fault.queries("ttl.fault.test.") if q[1] == "MX"])
        for _ in range(3):
            self.assertEqual(svc.resolve("ttl.fault.test").status, OK)
        after = len([q for q in self.fault.queries("ttl.fault.test.") if q[1] == "MX"])
        self.assertEqual(after - before, 3)

    def test_identical_lookups_in_flight_are_merged(self):
        svc = self.resolver("inet_protocols=ipv4", dns=self.fault.port)
        results = []
        threads = [threading.Thread(target=lambda: results.append(svc.resolve("slow.fault.test")))
                   for _ in range(20)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual([r.status for r in results], [OK] * 20)
        self.assertEqual(len([q for q in self.fault.queries("slow.fault.test.") if q[1] == "MX"]), 1)


class BadInput(ResolverTest):
    def test_invalid_next_hops(self):
        cases = {"": "empty", "a..b": "empty label", "x" * 64 + ".test": "longer than 63",
                 ".".join(["abcdefghi"] * 26) + ".test": "longer than 253", "[300.1.1.1]": "not a valid IPv4",
                 "[2001:db8::zz]": "not a valid IPv6", "example.test:0": "bad port '0'",
                 "example.test:65536": "bad port '65536'", "example.test:abc": "bad port 'abc'",
                 "exa\x00mple.test": "control character (0x00)", "example.test\r\nX": "control character (0x0d)",
                 "example.test\n": "control character (0x0a)", "192.0.2.1": "must be in brackets",
                 "[example.test": "missing ']'"}
        for nexthop, fragment in cases.items():
            with self.subTest(nexthop=nexthop):
                with self.assertRaises(grpc.RpcError) as cm:
                    self.svc.resolve(nexthop)
                self.assertEqual(cm.exception.code(), grpc.StatusCode.INVALID_ARGUMENT)
                self.assertIn(fragment, cm.exception.details())
        self.assertEqual(self.svc.resolve("example.test").status, OK)  # still serving

    def test_configuration_errors_name_the_line(self):
        cases = [("relayhost = [relay.example\n", "line 1: parameter relayhost: invalid next hop"),
                 ("# comment\n\nresolver_query_timeout = 5x\n", "line 3: parameter resolver_query_timeout"),
                 ("inet_protocols = ipv4\nnot_a_parameter = 1\n", "line 2: unknown parameter 'not_a_parameter'")]
        for text, fragment in cases:
            cf = os.path.join(self.dir, "bad-%d.cf" % free_port())
            with open(cf, "w") as f:
                f.write(text)
            r = subprocess.run([os.path.join(BIN, "resolver-svc"), "--config", cf, "--listen", "127.0.0.1:0"],
                               capture_output=True, text=True, timeout=10)
            self.assertEqual(r.returncode, 78, r.stderr)
            self.assertIn(fragment, r.stderr)
            self.assertIn(cf, r.stderr)
        r = subprocess.run([os.path.join(BIN, "resolver-svc"), "-o", "disable_dns_lookups=perhaps"],
                           capture_output=True, text=True, timeout=10)
        self.assertEqual(r.returncode, 78)
        self.assertIn("-o: parameter disable_dns_lookups: bad boolean value 'perhaps'", r.stderr)

    def test_config_file_continuations_and_expansion(self):
        svc = self.resolver(config_text="# relays\nsmtp_fallback_relay =\n    [$myhostname]:2525\n"
                                        "myhostname = relay.example.test\n")
        resp = svc.resolve("nosuch.example.test")
        self.assertEqual(self.routes(resp), [("relay.example.test", 0, 2525, ["192.0.2.99"], True)])

    def test_health_and_logs(self):
        # grpc.health.v1.Health/Check with an empty request; SERVING is field 1 = 1.
        channel = grpc.insecure_channel(self.svc.target)
        check = channel.unary_unary("/grpc.health.v1.Health/Check", request_serializer=lambda b: b,
                                    response_deserializer=lambda b: b)
        self.assertEqual(check(b"", timeout=5), b"\x08\x01")
        # Server reflection: ServerReflectionRequest{list_services: ""} (field 7).
        reflect = channel.stream_stream("/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
                                        request_serializer=lambda b: b, response_deserializer=lambda b: b)
        answer = b"".join(reflect(iter([b"\x3a\x00"]), timeout=5))
        self.assertIn(b"mxd.v1.Resolver", answer)
        self.assertIn(b"grpc.health.v1.Health", answer)
        # A lookup is logged at info; the same answer from the cache only at
        # debug (it was logged when it was looked up).
        svc = self.resolver()
        for _ in range(3):
            self.assertEqual(svc.resolve("example.test").status, OK)
        lines = [l for l in svc.log_lines() if l.get("event") == "resolve"]
        self.assertEqual(len(lines), 1, lines)
        for key in ("time", "level", "event", "nexthop", "outcome", "duration_ms"):
            self.assertIn(key, lines[0])
        self.assertEqual((lines[0]["level"], lines[0]["cached"]), ("info", "no"))
        debug = self.resolver("log_level=debug")
        for _ in range(2):
            self.assertEqual(debug.resolve("example.test").status, OK)
        cached = [(l["level"], l["cached"]) for l in debug.log_lines() if l.get("event") == "resolve"]
        self.assertEqual(cached, [("info", "no"), ("debug", "yes")])


class Mxctl(ResolverTest):
    def mxctl(self, *args, resolver=None):
        return subprocess.run([os.path.join(BIN, "mxctl"), "resolve"] + list(args) +
                              ["--resolver", resolver or self.svc.target, "--timeout", "5s"],
                              capture_output=True, text=True, timeout=30)

    def test_table_json_and_exit_codes(self):
        r = self.mxctl("example.test")
        self.assertEqual(r.returncode, 0)
        self.assertIn("mx3.example.test", r.stdout)
        self.assertIn("PREF", r.stdout)
        r = self.mxctl("nullmx.example.test", "--json")
        self.assertEqual(r.returncode, 69)
        j = json.loads(r.stdout)
        self.assertEqual((j["status"], j["enhanced_status"]), ("permfail", "5.1.10"))
        r = self.mxctl("example.test", "--json")
        j = json.loads(r.stdout)
        self.assertEqual(set(j["routes"][0]), {"host", "preference", "port", "fallback", "addresses"})
        self.assertEqual(self.mxctl("a..b").returncode, 65)  # bad data, as from mxctl deliver
        self.assertEqual(self.mxctl().returncode, 64)  # usage
        fault = self.resolver(dns=self.fault.port)
        r = self.mxctl("servfail.fault.test", "--json", resolver=fault.target)
        self.assertEqual(r.returncode, 75)
        self.assertEqual(json.loads(r.stdout)["status"], "tempfail")
        r = self.mxctl("example.test", resolver="127.0.0.1:%d" % free_port())
        self.assertEqual(r.returncode, 75)
        self.assertEqual(len(r.stderr.strip().splitlines()), 1)


if __name__ == "__main__":
    unittest.main()
