"""Modern Postfix's choice of server (smtp(8) since 2.3): a recipient that
meets a temporary failure the server certainly did not accept the message
through (4xx, 421, a timeout or lost connection before the end of the
content) goes on to the next MX host, until smtp_mx_session_limit sessions
reached the mail transaction; the fallback relays come after the MX hosts;
5xx replies decide at once; a final "." without a reply never moves on
(the server may have the message); smtp_mx_session_limit = 1 is the old
rule. A cached connection whose RSET probe fails gives way to a fresh one."""
import unittest

from delivery_harness import DeliverySvc, FaultServer, Processes, tempdir
from mxd.v1 import delivery_pb2, resolver_pb2

DELIVERED, DEFERRED, BOUNCED = (delivery_pb2.ACTION_DELIVERED, delivery_pb2.ACTION_DEFERRED,
                                delivery_pb2.ACTION_BOUNCED)
MESSAGE = b"From: a@mxd.test\r\nSubject: next server\r\n\r\nbody\r\n"
QUICK = ["smtp_%s_timeout=2s" % t for t in ("connect", "helo", "mail", "rcpt", "data_init", "data_xfer",
                                            "data_done")] + ["smtp_connection_cache_on_demand=no"]


def mx(servers, fallback=()):
    routes = [resolver_pb2.Route(host="mx%d.mxd.test" % i, port=s.port, addresses=["127.0.0.1"],
                                 preference=10 * (i + 1)) for i, s in enumerate(servers)]
    routes += [resolver_pb2.Route(host="relay%d.mxd.test" % i, port=s.port, addresses=["127.0.0.1"], fallback=True)
               for i, s in enumerate(fallback)]
    return routes


def rcpts_seen(server):
    return [c[9:].split(">")[0] for c in server.commands() if c.startswith("RCPT TO:")]


class NextServer(unittest.TestCase):
    def setUp(self):
        self.procs = Processes()
        self.dir = tempdir(self)
        self.addCleanup(self.procs.stop_all)
        self.svc = DeliverySvc(self.procs, self.dir, QUICK)

    def fault(self, script):
        return FaultServer(self.procs, self.dir, script)

    def deliver(self, rcpts, routes, svc=None):
        return (svc or self.svc).deliver(MESSAGE, rcpts, 0, routes=routes, nexthop="mxd.test")

    def test_a_4xx_recipient_goes_to_the_next_mx(self):
        # mx0 takes b and puts a off; mx1 gets a alone. Each is delivered once.
        mx0 = self.fault({"rcpt_by_address": {"<a@": "451 4.3.0 <a@mxd.test> try again later"}})
        mx1 = self.fault({})
        resp = self.deliver(["a@mxd.test", "b@mxd.test"], mx([mx0, mx1]))
        self.assertEqual([(o.action, o.host) for o in resp.outcomes],
                         [(DELIVERED, "mx1.mxd.test"), (DELIVERED, "mx0.mxd.test")])
        self.assertEqual(rcpts_seen(mx0), ["a@mxd.test", "b@mxd.test"])
        self.assertEqual(rcpts_seen(mx1), ["a@mxd.test"])
        self.assertEqual((len(mx0.data()), len(mx1.data())), (1, 1))

    def test_soft_failures_in_every_phase_move_on(self):
        for phase, rule in [("MAIL", {"reply": "451 4.3.0 later"}), ("DATA", {"reply": "452 4.3.1 full"}),
                            ("DOT", {"reply": "451 4.3.0 queue trouble"}), ("RCPT", {"do": "close"}),
                            ("MAIL", {"delay": 3}), ("EHLO", {"reply": "421 4.3.2 closing", "do": "reply-close"})]:
            with self.subTest(phase=phase, rule=rule):
                mx0 = self.fault({phase: rule})
                mx1 = self.fault({})
                resp = self.deliver(["a@mxd.test"], mx([mx0, mx1]))
                self.assertEqual((resp.outcomes[0].action, resp.outcomes[0].host), (DELIVERED, "mx1.mxd.test"),
                                 resp.outcomes[0].reason)

    def test_5xx_decides_at_once(self):
        mx0 = self.fault({"rcpt_by_address": {"<a@": "550 5.1.1 <a@mxd.test> unknown"}})
        mx1 = self.fault({})
        resp = self.deliver(["a@mxd.test"], mx([mx0, mx1]))
        self.assertEqual(resp.outcomes[0].action, BOUNCED)
        self.assertEqual(mx1.connections(), 0)

    def test_no_reply_to_the_final_dot_never_moves_on(self):
        # The server may have accepted it: trying mx1 could deliver it twice.
        mx0 = self.fault({"DOT": {"do": "hang"}})
        mx1 = self.fault({})
        resp = self.deliver(["a@mxd.test"], mx([mx0, mx1]))
        self.assertEqual(resp.outcomes[0].action, DEFERRED)
        self.assertIn("mx0.mxd.test[127.0.0.1]", resp.outcomes[0].reason)
        self.assertIn("end of data", resp.outcomes[0].reason)
        self.assertEqual(mx1.connections(), 0)

    def test_the_final_server_decides_with_its_own_reply(self):
        mx0 = self.fault({"RCPT": {"reply": "451 4.3.0 mx0 busy"}})
        mx1 = self.fault({"RCPT": {"reply": "452 4.2.2 mx1 full"}})
        resp = self.deliver(["a@mxd.test"], mx([mx0, mx1]))
        self.assertEqual(resp.outcomes[0].action, DEFERRED)
        self.assertEqual(resp.outcomes[0].reason,
                         "host mx1.mxd.test[127.0.0.1] said: 452 4.2.2 mx1 full (in reply to RCPT TO command)")
        self.assertEqual(resp.outcomes[0].enhanced_status, "4.2.2")

    def test_session_limit_then_the_fallback_relays(self):
        # smtp_mx_session_limit = 2 (the default): mx0 and mx1 put it off,
        # mx2 is skipped, and the fallback relay delivers.
        busy = [self.fault({"RCPT": {"reply": "451 4.3.0 busy"}}) for _ in range(3)]
        relay = self.fault({})
        resp = self.deliver(["a@mxd.test"], mx(busy, [relay]))
        self.assertEqual((resp.outcomes[0].action, resp.outcomes[0].host), (DELIVERED, "relay0.mxd.test"))
        self.assertEqual([s.connections() for s in busy], [1, 1, 0])
        # Sessions that never reached the mail transaction do not count:
        # a dead mx0 and a refusing greeting at mx1 still leave two tries.
        dead = self.fault({"GREETING": {"do": "close"}})
        rude = self.fault({"GREETING": {"reply": "554 5.7.1 go away"}})
        busy2 = [self.fault({"RCPT": {"reply": "451 4.3.0 busy"}}) for _ in range(2)]
        good = self.fault({})
        resp = self.deliver(["a@mxd.test"], mx([dead, rude] + busy2 + [good]))
        self.assertEqual(resp.outcomes[0].action, DEFERRED)
        self.assertEqual([s.connections() for s in busy2], [1, 1])
        self.assertEqual(good.connections(), 0)

    def test_session_limit_one_is_the_old_rule(self):
        svc = DeliverySvc(self.procs, self.dir, QUICK + ["smtp_mx_session_limit=1"])
        mx0 = self.fault({"RCPT": {"reply": "451 4.3.0 later"}})
        mx1 = self.fault({})
        resp = self.deliver(["a@mxd.test"], mx([mx0, mx1]), svc=svc)
        self.assertEqual(resp.outcomes[0].action, DEFERRED)
        self.assertEqual(mx1.connections(), 0)

    def test_a_failed_rset_probe_gives_way_to_a_fresh_connection(self):
        svc = DeliverySvc(self.procs, self.dir, ["smtp_connection_cache_on_demand=yes", "smtp_rset_timeout=2s",
                                                 "smtp_connection_cache_time_limit=30s"])
        for rule in ({"reply": "421 4.3.2 idle too long", "do": "reply-close"}, {"delay": 5}):
            with self.subTest(rule=rule):
                f = self.fault({"RSET": rule})
                routes = mx([f])
                self.assertEqual(self.deliver(["a@mxd.test"], routes, svc=svc).outcomes[0].action, DELIVERED)
                resp = self.deliver(["b@mxd.test"], routes, svc=svc)  # the cached connection: RSET fails
                self.assertEqual(resp.outcomes[0].action, DELIVERED, resp.outcomes[0].reason)
                self.assertEqual(f.connections(), 2)
                self.assertEqual(len(f.data()), 2)
                self.procs.stop(f.proc)


if __name__ == "__main__":
    unittest.main()
