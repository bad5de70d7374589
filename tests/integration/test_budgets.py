"""What a caller or a server can make delivery-svc hold is bounded in
bytes: the spool (delivery_spool_size_limit) refuses a call before anything
is written, the replies all sessions hold at once are capped
(delivery_reply_memory_limit), and limits that make no sense stop the
service at start."""
import json
import os
import subprocess
import threading
import time
import unittest

import grpc

from delivery_harness import BIN, DeliverySvc, FaultServer, Processes, tempdir
from mxd.v1 import delivery_pb2

DELIVERED = delivery_pb2.ACTION_DELIVERED


def message(size):
    head = b"From: a@mxd.test\r\nSubject: budget\r\n\r\n"
    line = b"x" * 76 + b"\r\n"
    body = line * ((size - len(head)) // len(line) + 1)
    return (head + body)[:size - 2] + b"\r\n"


class SpoolBudget(unittest.TestCase):
    def setUp(self):
        self.procs = Processes()
        self.dir = tempdir(self)
        self.addCleanup(self.procs.stop_all)

    def test_a_call_beyond_the_spool_budget_is_refused_before_writing(self):
        svc = DeliverySvc(self.procs, self.dir, ["delivery_spool_size_limit=100000", "message_size_limit=60000",
                                                 "smtp_connection_cache_on_demand=no"])
        slow = FaultServer(self.procs, self.dir, {"DATA": {"delay": 3, "reply": "354 go"}})
        fast = FaultServer(self.procs, self.dir, {})
        first = {}
        t = threading.Thread(target=lambda: first.update(
            resp=svc.deliver(message(50000), ["a@mxd.test"], slow.port)))
        t.start()
        time.sleep(1)  # the first call holds 50000 bytes of the 100000
        call = svc.stub.Deliver.with_call
        env = delivery_pb2.Envelope(sender="s@mxd.test", recipients=[delivery_pb2.Recipient(address="b@mxd.test")],
                                    nexthop="[127.0.0.1]:%d" % fast.port, message_size=60000)
        env.routes.add(host="127.0.0.1", port=fast.port, addresses=["127.0.0.1"])
        content = message(60000)

        def requests():
            yield delivery_pb2.DeliverRequest(envelope=env)
            yield delivery_pb2.DeliverRequest(chunk=content)
        with self.assertRaises(grpc.RpcError) as cm:
            call(requests(), timeout=30)
        err = cm.exception
        self.assertEqual(err.code(), grpc.StatusCode.RESOURCE_EXHAUSTED)
        self.assertIn("delivery_spool_size_limit = 100000 bytes reached (50000 bytes of messages in progress, "
                      "this one 60000); nothing was written", err.details())
        # The client library may send it to another replica: nothing was sent.
        self.assertIn(("mxd-nothing-sent", "1"), tuple(err.trailing_metadata() or ()))
        self.assertEqual(fast.connections(), 0)
        t.join()
        self.assertEqual(first["resp"].outcomes[0].action, DELIVERED)
        # The first call's bytes are given back when it ends.
        resp = svc.deliver(content, ["b@mxd.test"], fast.port)
        self.assertEqual(resp.outcomes[0].action, DELIVERED)

    def test_nonsensical_limits_stop_the_service(self):
        cases = [(["delivery_spool_size_limit=1000"],
                  "parameter delivery_spool_size_limit: 1000 is below message_size_limit (10240000)"),
                 (["smtp_line_length_limit=1"],
                  "parameter smtp_line_length_limit: 1 makes no sense: 0 (no limit) or at least 40"),
                 (["delivery_reply_memory_limit=1000"], "value 1000 out of range [16384..")]
        for options, fragment in cases:
            with self.subTest(options=options):
                argv = [os.path.join(BIN, "delivery-svc"), "--listen", "127.0.0.1:0"]
                for o in options:
                    argv += ["-o", o]
                r = subprocess.run(argv, capture_output=True, text=True, timeout=30)
                self.assertEqual(r.returncode, 78, r.stderr)  # EX_CONFIG
                self.assertIn(fragment, json.loads(r.stderr.strip().splitlines()[-1])["error"])


class ReplyMemoryBudget(unittest.TestCase):
    def setUp(self):
        self.procs = Processes()
        self.dir = tempdir(self)
        self.addCleanup(self.procs.stop_all)

    def test_slow_servers_holding_long_replies_share_one_budget(self):
        # Two servers each start a 12000-octet EHLO reply and never finish it:
        # together beyond the 20000 allowed, so the second session gives up
        # (4.3.0, ours: no protocol error, no other server tried), while the
        # first one goes on holding its share.
        svc = DeliverySvc(self.procs, self.dir, ["delivery_reply_memory_limit=20000", "smtp_helo_timeout=30s"])
        first = FaultServer(self.procs, self.dir, {"EHLO": {"do": "partial", "bytes": 12000}})
        second = FaultServer(self.procs, self.dir, {"EHLO": {"do": "partial", "bytes": 12000}})
        first_result = {}

        def hold():
            try:
                first_result["resp"] = svc.deliver(message(1000), ["a@mxd.test"], first.port, timeout=8)
            except grpc.RpcError as e:
                first_result["code"] = e.code()
        holder = threading.Thread(target=hold)
        holder.start()
        deadline = time.time() + 10
        while not [e for e in first.new_events() if e["event"] == "command" and e["line"].startswith("EHLO")]:
            self.assertLess(time.time(), deadline, "the first server never got EHLO")
            time.sleep(0.05)
        time.sleep(0.5)  # its reply is in delivery-svc's parser
        started = time.time()
        resp = svc.deliver(message(1000), ["b@mxd.test"], second.port, timeout=20)
        self.assertLess(time.time() - started, 5)  # not smtp_helo_timeout
        o = resp.outcomes[0]
        self.assertEqual(o.action, delivery_pb2.ACTION_DEFERRED)
        self.assertEqual(o.enhanced_status, "4.3.0")
        self.assertIn("delivery temporarily suspended while receiving a reply from 127.0.0.1[127.0.0.1] while "
                      "performing the EHLO handshake: reply memory budget exhausted "
                      "(delivery_reply_memory_limit = 20000 bytes)", o.reason)
        self.assertEqual(second.connections(), 1)  # no other address tried for it
        holder.join()
        # The first server's reply never ends: its call runs into its deadline.
        self.assertEqual(first_result, {"code": grpc.StatusCode.DEADLINE_EXCEEDED})
        lines = [l for l in svc.log_lines() if l.get("event") == "delivery" and l.get("to") == "b@mxd.test"]
        self.assertEqual([l["status"] for l in lines], ["deferred"])


if __name__ == "__main__":
    unittest.main()
