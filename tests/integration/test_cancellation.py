"""Callers that cancel, time out or vanish mid-delivery: every recipient
still gets exactly one outcome in the log, and nothing is reported as "not
sent" when it was. A final "." already sent waits for the server's reply;
a call waiting for a concurrency slot leaves at once; within the caller's
deadline no server is tried that could not finish before it."""
import os
import threading
import time
import unittest

import grpc

from delivery_harness import DeliverySvc, FaultServer, Processes, tempdir
from mxd.v1 import delivery_pb2, resolver_pb2

DELIVERED, DEFERRED = delivery_pb2.ACTION_DELIVERED, delivery_pb2.ACTION_DEFERRED
MESSAGE = b"From: a@mxd.test\r\nSubject: cancel\r\n\r\nbody\r\n"
HOLD = 3.0        # how long the server keeps the caller waiting in a phase
CALLER_GIVES_UP = 1.0  # the caller's deadline, well inside HOLD
RCPTS = ["a@mxd.test", "b@mxd.test"]


def delivery_lines(svc, recipients=RCPTS, timeout=15):
    """The service's per-recipient log lines, once there is one for each."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        lines = [l for l in svc.log_lines() if l["event"] == "delivery" and l["to"] in recipients]
        if len(lines) >= len(recipients):
            time.sleep(0.3)  # a second line would be a bug: give it the chance to show
            return [l for l in svc.log_lines() if l["event"] == "delivery" and l["to"] in recipients]
        time.sleep(0.1)
    return [l for l in svc.log_lines() if l["event"] == "delivery" and l["to"] in recipients]


class Cancellation(unittest.TestCase):
    def setUp(self):
        self.procs = Processes()
        self.dir = tempdir(self)
        self.addCleanup(self.procs.stop_all)

    def test_cancel_at_every_phase(self):
        # The server holds each phase's reply longer than the caller waits.
        # The call ends with DEADLINE_EXCEEDED; the log has one line per
        # recipient: "sent" exactly where the server accepted the message
        # (the end-of-data reply came after the caller left: it is waited
        # for), "deferred" everywhere else; and the service goes on serving.
        for phase in ("GREETING", "EHLO", "MAIL", "RCPT", "DATA", "DOT"):
            with self.subTest(phase=phase):
                svc = DeliverySvc(self.procs, self.dir, ["smtp_connection_cache_on_demand=no"])
                server = FaultServer(self.procs, self.dir, {phase: {"delay": HOLD}})
                with self.assertRaises(grpc.RpcError) as cm:
                    svc.deliver(MESSAGE, RCPTS, server.port, timeout=CALLER_GIVES_UP)
                self.assertEqual(cm.exception.code(), grpc.StatusCode.DEADLINE_EXCEEDED)
                lines = delivery_lines(svc, timeout=HOLD + 10)
                self.assertEqual(sorted(l["to"] for l in lines), RCPTS, lines)
                expected = "sent" if phase == "DOT" else "deferred"
                self.assertEqual([l["status"] for l in lines], [expected] * 2, lines)
                if phase == "DOT":
                    self.assertEqual(len(server.data()), 1)
                    self.assertIn("250", lines[0]["reason"])
                else:
                    self.assertEqual(server.data(), [])
                    self.assertIn("cancelled", lines[0]["reason"])
                healthy = FaultServer(self.procs, self.dir, {})
                resp = svc.deliver(MESSAGE, ["c@mxd.test"], healthy.port)
                self.assertEqual(resp.outcomes[0].action, DELIVERED)
                self.procs.stop(svc.proc)

    def test_a_call_waiting_for_a_slot_leaves_at_once(self):
        # One session per destination, two pending requests at most: the
        # first holds the slot (its server is slow), the second waits and its
        # caller gives up. Its request slot is free at once: a third call is
        # accepted while the first still holds the destination.
        svc = DeliverySvc(self.procs, self.dir, ["smtp_destination_concurrency_limit=1",
                                                 "delivery_pending_request_limit=2"])
        slow = FaultServer(self.procs, self.dir, {"DATA": {"delay": 4}})
        first = {}

        def run_first():
            first["resp"] = svc.deliver(MESSAGE, ["first@mxd.test"], slow.port, nexthop="slow.test", timeout=30)
        t = threading.Thread(target=run_first)
        t.start()
        # The first holds the slot once its server has its recipient (a fixed
        # pause was too short under ThreadSanitizer).
        deadline = time.time() + 20
        while "RCPT TO:<first@mxd.test>" not in slow.commands():
            self.assertLess(time.time(), deadline, "the first call never reached its server")
            time.sleep(0.05)
        with self.assertRaises(grpc.RpcError) as cm:
            svc.deliver(MESSAGE, ["second@mxd.test"], slow.port, nexthop="slow.test", timeout=0.5)
        self.assertEqual(cm.exception.code(), grpc.StatusCode.DEADLINE_EXCEEDED)
        time.sleep(0.3)
        other = FaultServer(self.procs, self.dir, {})
        resp = svc.deliver(MESSAGE, ["third@mxd.test"], other.port, nexthop="other.test", timeout=10)
        self.assertEqual(resp.outcomes[0].action, DELIVERED)
        t.join(30)
        self.assertEqual(first["resp"].outcomes[0].action, DELIVERED)
        # The second never reached a server: its recipient is nowhere.
        self.assertNotIn("RCPT TO:<second@mxd.test>", slow.commands())

    def test_no_other_server_when_it_could_not_finish_before_the_deadline(self):
        # Every smtp_*_timeout 2s: one server's worst case is 18s (connect 2,
        # greeting 2, EHLO 2, STARTTLS 2, then MAIL, RCPT, DATA, content and
        # end of data 2 each). The first server never greets (2s).
        timeouts = ["smtp_%s_timeout=2s" % t for t in ("connect", "helo", "starttls", "mail", "rcpt", "data_init",
                                                     "data_xfer", "data_done")]
        svc = DeliverySvc(self.procs, self.dir, timeouts + ["smtp_connection_cache_on_demand=no"])
        mute = FaultServer(self.procs, self.dir, {"GREETING": {"do": "hang"}})
        good = FaultServer(self.procs, self.dir, {})
        routes = [resolver_pb2.Route(host="mute.mx", port=mute.port, addresses=["127.0.0.1"], preference=10),
                  resolver_pb2.Route(host="good.mx", port=good.port, addresses=["127.0.0.1"], preference=20)]
        # 19s: after 2s on the first, 17s are left, less than 18: deferred
        # with the first server's reason, and the second is never contacted.
        resp = svc.deliver(MESSAGE, ["a@mxd.test"], mute.port, routes=routes, nexthop="mxd.test", timeout=19)
        self.assertEqual(resp.outcomes[0].action, DEFERRED)
        self.assertIn("mute.mx[127.0.0.1]", resp.outcomes[0].reason)
        self.assertIn("no time left before the caller's deadline to try another server", resp.outcomes[0].reason)
        self.assertEqual(good.connections(), 0)
        # With time to spare the second server is tried and delivers.
        resp = svc.deliver(MESSAGE, ["a@mxd.test"], mute.port, routes=routes, nexthop="mxd.test", timeout=40)
        self.assertEqual(resp.outcomes[0].action, DELIVERED, resp.outcomes[0].reason)
        self.assertEqual(good.connections(), 1)


if __name__ == "__main__":
    unittest.main()
