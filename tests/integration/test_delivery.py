"""delivery-svc against real SMTP servers on 127.0.0.1 (Postfix's smtp-sink,
aiosmtpd) and our scriptable fault server, through gRPC and mxctl."""
import base64
import json
import os
import re
import subprocess
import threading
import time
import unittest

import grpc

from delivery_harness import (BIN, BOUNCED, DEFERRED, DELIVERED, LOOPBACK_ZONES, MESSAGE, DeliverySvc,
                              DeliveryTestBase, FaultServer, Processes, SmtpSink, confined_status, free_port,
                              start_service, tempdir)
from mxd.v1 import delivery_pb2, resolver_pb2


class RealServers(DeliveryTestBase):
    def test_smtp_sink_receives_the_message_byte_for_byte(self):
        sink = SmtpSink(self.procs, self.dir)
        resp = self.svc.deliver(MESSAGE, ["r1@mxd.test", "r2@mxd.test"], sink.port)
        self.assertEqual([o.action for o in resp.outcomes], [DELIVERED, DELIVERED])
        for o in resp.outcomes:
            self.assertEqual(o.smtp_code, 250)
            self.assertEqual(o.enhanced_status, "2.0.0")
            self.assertEqual((o.host, o.ip), ("127.0.0.1", "127.0.0.1"))
            self.assertIn("250", o.reason)
        msgs = sink.messages()
        self.assertEqual(len(msgs), 1)
        # smtp-sink writes its own headers, then the message with LF endings and
        # dots unstuffed, then an empty line.
        self.assertTrue(msgs[0].endswith(b"\n" + MESSAGE.replace(b"\r\n", b"\n") + b"\n"), msgs[0])
        self.assertIn(b"X-Rcpt-Args: <r1@mxd.test>", msgs[0])
        self.assertIn(b"X-Helo-Args: client.mxd.test", msgs[0])

    def test_smtp_sink_soft_and_hard_rejections(self):
        # -f: RCPT gets the hard reject reply (-B); -r: the soft one (-b).
        hard = SmtpSink(self.procs, self.dir, ["-f", "RCPT", "-B", "550 5.1.1 no such user"])
        resp = self.svc.deliver(MESSAGE, ["x@mxd.test"], hard.port)
        self.assertEqual(resp.outcomes[0].action, BOUNCED)
        self.assertEqual(resp.outcomes[0].smtp_code, 550)
        self.assertEqual(resp.outcomes[0].enhanced_status, "5.1.1")
        self.assertIn("said: 550 5.1.1 no such user (in reply to RCPT TO command)", resp.outcomes[0].reason)
        self.assertEqual(hard.messages(), [])
        soft = SmtpSink(self.procs, self.dir, ["-r", "MAIL", "-b", "451 4.3.0 try again"])
        resp = self.svc.deliver(MESSAGE, ["x@mxd.test", "y@mxd.test"], soft.port)
        self.assertEqual([o.action for o in resp.outcomes], [DEFERRED, DEFERRED])
        self.assertIn("said: 451 4.3.0 try again (in reply to MAIL FROM command)", resp.outcomes[1].reason)
        self.assertEqual(soft.messages(), [])

    def test_aiosmtpd_receives_8bit_and_long_lines(self):
        port = free_port()
        spool = os.path.join(self.dir, "aiosmtpd")
        os.makedirs(spool)
        script = os.path.join(self.dir, "aio.py")
        with open(script, "w") as f:
            f.write(
                "import asyncio, sys\n"
                "from aiosmtpd.controller import Controller\n"
                "class H:\n"
                "    n = 0\n"
                "    async def handle_DATA(self, server, session, envelope):\n"
                "        H.n += 1\n"
                "        open(sys.argv[2] + '/%d' % H.n, 'wb').write(envelope.original_content)\n"
                "        return '250 2.0.0 stored %d' % H.n\n"
                "c = Controller(H(), hostname='127.0.0.1', port=int(sys.argv[1]), decode_data=False)\n"
                "c.start()\n"
                "import time\n"
                "while True: time.sleep(3600)\n")
        self.procs.start(["/usr/bin/python3", script, str(port), spool])
        from delivery_harness import wait_for_port
        wait_for_port(port)
        body = ("Subject: caf\u00e9\r\n\r\n" + "\u00e9t\u00e9 " * 10 + "\r\n" + "x" * 2500 + "\r\nend\r\n").encode()
        resp = self.svc.deliver(body, ["u@mxd.test"], port, body_type=delivery_pb2.BODY_TYPE_8BITMIME)
        self.assertEqual(resp.outcomes[0].action, DELIVERED, resp.outcomes[0].reason)
        self.assertEqual(resp.outcomes[0].reason, "250 2.0.0 stored 1")
        with open(os.path.join(spool, "1"), "rb") as f:
            got = f.read()
        # Lines longer than 998 octets are broken with CRLF SPACE (smtp_line_length_limit).
        expected = body.replace(b"x" * 2500, b"x" * 998 + b"\r\n " + b"x" * 997 + b"\r\n " + b"x" * 505)
        self.assertEqual(got, expected)


class Protocol(DeliveryTestBase):
    def test_pipelined_transaction_and_exact_bytes(self):
        f = self.fault({"RCPT": [{"reply": "250 ok"}, {"reply": "550 5.1.1 <b@mxd.test>: unknown"}]})
        content = b"Subject: x\n\nbare lf\rbare cr\r\n.dot\n..two\n"
        resp = self.svc.deliver(content, ["a@mxd.test", "b@mxd.test"], f.port,
                                body_type=delivery_pb2.BODY_TYPE_8BITMIME)
        self.assertEqual([o.action for o in resp.outcomes], [DELIVERED, BOUNCED])
        self.assertEqual(resp.outcomes[0].reason, "250 2.0.0 Ok: queued as FAULT2")
        self.assertEqual(resp.outcomes[1].enhanced_status, "5.1.1")
        self.assertEqual(f.commands()[:5], [
            "EHLO client.mxd.test", "MAIL FROM:<sender@mxd.test> SIZE=%d BODY=8BITMIME" % len(content),
            "RCPT TO:<a@mxd.test>", "RCPT TO:<b@mxd.test>", "DATA"])
        self.assertEqual(f.data(), [b"Subject: x\r\n\r\nbare lf\r\nbare cr\r\n..dot\r\n...two\r\n"])

    def test_lock_step_without_pipelining_and_helo_fallback(self):
        f = self.fault({"EHLO": {"reply": "502 5.5.2 no EHLO here"}})
        resp = self.svc.deliver(MESSAGE, ["a@mxd.test"], f.port)
        self.assertEqual(resp.outcomes[0].action, DELIVERED)
        self.assertEqual(f.commands()[:4], ["EHLO client.mxd.test", "HELO client.mxd.test",
                                            "MAIL FROM:<sender@mxd.test>", "RCPT TO:<a@mxd.test>"])

    def test_size_limit_bounces_without_sending(self):
        f = self.fault({"ehlo": ["250-fault.test", "250 SIZE 20"]})
        resp = self.svc.deliver(MESSAGE, ["a@mxd.test"], f.port)
        self.assertEqual(resp.outcomes[0].action, BOUNCED)
        self.assertEqual(resp.outcomes[0].enhanced_status, "5.3.4")
        self.assertIn("exceeds size limit 20 of server 127.0.0.1[127.0.0.1]", resp.outcomes[0].reason)
        self.assertNotIn("DATA", f.commands())
        self.assertFalse(any(c.startswith("MAIL") for c in f.commands()))

    def test_rejections_at_each_step(self):
        cases = [
            ({"MAIL": {"reply": "451 4.3.0 sender later"}}, DEFERRED, "in reply to MAIL FROM command"),
            ({"MAIL": {"reply": "553 5.1.8 bad sender"}}, BOUNCED, "in reply to MAIL FROM command"),
            ({"DATA": {"reply": "451 4.3.0 no data now"}}, DEFERRED, "in reply to DATA command"),
            ({"DOT": {"reply": "554 5.7.1 spam"}}, BOUNCED, "in reply to end of DATA command"),
            ({"DOT": {"reply": "452 4.3.1 full"}}, DEFERRED, "in reply to end of DATA command"),
        ]
        for script, action, text in cases:
            with self.subTest(script=script):
                f = self.fault(script)
                resp = self.svc.deliver(MESSAGE, ["a@mxd.test", "b@mxd.test"], f.port)
                self.assertEqual([o.action for o in resp.outcomes], [action, action])
                self.assertIn(text, resp.outcomes[0].reason)
                self.assertIn("host 127.0.0.1[127.0.0.1] said: ", resp.outcomes[0].reason)

    def test_recipient_limit_splits_into_transactions_on_one_connection(self):
        svc = DeliverySvc(self.procs, self.dir, ["smtp_destination_recipient_limit=2"])
        f = self.fault({})
        rcpts = ["r%d@mxd.test" % i for i in range(5)]
        resp = svc.deliver(MESSAGE, rcpts, f.port)
        self.assertEqual([o.action for o in resp.outcomes], [DELIVERED] * 5)
        mails = [c for c in f.commands() if c.startswith("MAIL")]
        self.assertEqual(len(mails), 3)
        self.assertEqual(f.connections(), 1)
        self.assertEqual(len(f.data()), 3)

    def test_connection_reuse_sends_rset_between_messages(self):
        f = self.fault({})
        for _ in range(3):
            resp = self.svc.deliver(MESSAGE, ["a@mxd.test"], f.port)
            self.assertEqual(resp.outcomes[0].action, DELIVERED)
        self.assertEqual(f.connections(), 1)
        self.assertEqual(f.commands().count("RSET"), 2)
        # After smtp_connection_cache_time_limit (2s) the idle connection is closed.
        time.sleep(3)
        self.assertIn("QUIT", f.commands())
        self.assertEqual([e["event"] for e in f.new_events()][-1], "disconnect")


class Smuggling(DeliveryTestBase):
    def test_no_body_can_end_data_early_even_at_a_lenient_receiver(self):
        f = self.fault({"lenient_data": True})
        tricks = [b"\n.\n", b"\n.\r\n", b"\r.\r", b"\r\n.\r", b"\r.\r\n", b"\r\n.\n"]
        content = b"Subject: smuggle\r\n\r\nstart"
        for t in tricks:
            content += t + b"MAIL FROM:<evil@mxd.test>\r\nRCPT TO:<victim@mxd.test>\r\nDATA\r\n"
        content += b"end\r\n"
        resp = self.svc.deliver(content, ["a@mxd.test"], f.port)
        self.assertEqual(resp.outcomes[0].action, DELIVERED, resp.outcomes[0].reason)
        self.assertEqual(len(f.data()), 1)
        self.assertFalse([e for e in f.new_events() if e["event"] == "after_data"])
        commands = f.commands()
        self.assertEqual(sum(1 for c in commands if c.startswith("MAIL FROM")), 1)
        self.assertNotIn("RCPT TO:<victim@mxd.test>", commands)
        received = f.data()[0]
        self.assertTrue(received.rstrip(b"\r\n").endswith(b"end"), received[-40:])  # the real end
        self.assertEqual(received.count(b"MAIL FROM:<evil@mxd.test>"), len(tricks))


class BinaryMime(DeliveryTestBase):
    BINARY = b"MIME-Version: 1.0\r\nContent-Type: application/octet-stream\r\n" \
             b"Content-Transfer-Encoding: binary\r\n\r\n\x00\xff\r\n.\r\nbare\rcr\nlf" + bytes(range(256)) * 40

    def bdat(self, f):
        return b"".join(base64.b64decode(e["raw"]) for e in f.new_events() if e["event"] == "bdat")

    def test_sent_unchanged_when_offered(self):
        f = self.fault({"ehlo": ["250-fault.test", "250-PIPELINING", "250-8BITMIME", "250-CHUNKING",
                                 "250 BINARYMIME"]})
        resp = self.svc.deliver(self.BINARY, ["a@mxd.test"], f.port, body_type=delivery_pb2.BODY_TYPE_BINARYMIME)
        self.assertEqual(resp.outcomes[0].action, DELIVERED, resp.outcomes[0].reason)
        self.assertIn("MAIL FROM:<sender@mxd.test> BODY=BINARYMIME", f.commands())
        self.assertEqual(self.bdat(f), self.BINARY)

    def test_converted_without_binarymime(self):
        f = self.fault({"ehlo": ["250-fault.test", "250-PIPELINING", "250-8BITMIME", "250 CHUNKING"]})
        resp = self.svc.deliver(self.BINARY, ["a@mxd.test"], f.port, body_type=delivery_pb2.BODY_TYPE_BINARYMIME)
        self.assertEqual(resp.outcomes[0].action, DELIVERED, resp.outcomes[0].reason)
        self.assertIn("MAIL FROM:<sender@mxd.test>", f.commands())  # no BODY=
        sent = self.bdat(f)
        self.assertIsNone(re.search(rb"[\x80-\xff\x00]", sent))
        import email
        original = email.message_from_bytes(self.BINARY)
        converted = email.message_from_bytes(sent)
        self.assertEqual(converted["Content-Transfer-Encoding"], "quoted-printable")
        self.assertEqual(converted.get_payload(decode=True), original.get_payload(decode=True))


class Failures(DeliveryTestBase):
    svc_options = ("smtp_helo_timeout=2s", "smtp_mail_timeout=2s", "smtp_rcpt_timeout=2s",
                   "smtp_data_init_timeout=2s", "smtp_data_done_timeout=2s", "smtp_connect_timeout=2s",
                   "smtp_connection_cache_on_demand=no")

    def test_bad_greetings_move_to_the_next_address(self):
        busy = self.fault({"GREETING": {"reply": "421 4.3.2 busy"}})
        gone = self.fault({"GREETING": {"reply": "554 5.7.1 go away"}})
        good = self.fault({})
        routes = [resolver_pb2.Route(host="mx%d.mxd.test" % i, port=f.port, addresses=["127.0.0.1"],
                                     preference=10 * i) for i, f in enumerate([busy, gone, good])]
        resp = self.svc.deliver(MESSAGE, ["a@mxd.test"], 0, routes=routes, nexthop="mxd.test")
        self.assertEqual(resp.outcomes[0].action, DELIVERED)
        self.assertEqual(resp.outcomes[0].host, "mx2.mxd.test")
        self.assertEqual(busy.commands(), [])
        self.assertEqual(gone.commands(), [])

    def test_fallback_relays_come_last(self):
        relay = self.fault({})
        mx = self.fault({})
        routes = [resolver_pb2.Route(host="relay.mxd.test", port=relay.port, addresses=["127.0.0.1"], fallback=True),
                  resolver_pb2.Route(host="mx.mxd.test", port=mx.port, addresses=["127.0.0.1"], preference=10)]
        resp = self.svc.deliver(MESSAGE, ["a@mxd.test"], 0, routes=routes, nexthop="mxd.test")
        self.assertEqual(resp.outcomes[0].host, "mx.mxd.test")
        self.assertEqual(relay.connections(), 0)
        mx.proc.terminate()  # the MX host gone: now the relay takes it
        mx.proc.wait()
        resp = self.svc.deliver(MESSAGE, ["a@mxd.test"], 0, routes=routes, nexthop="mxd.test")
        self.assertEqual(resp.outcomes[0].action, DELIVERED)
        self.assertEqual(resp.outcomes[0].host, "relay.mxd.test")

    def test_every_address_failing_defers_with_the_last_reason(self):
        closed_port = free_port()
        gone = self.fault({"GREETING": {"reply": "554 5.7.1 go away"}})
        routes = [resolver_pb2.Route(host="mx0.mxd.test", port=gone.port, addresses=["127.0.0.1"]),
                  resolver_pb2.Route(host="mx1.mxd.test", port=closed_port, addresses=["127.0.0.1"])]
        resp = self.svc.deliver(MESSAGE, ["a@mxd.test", "b@mxd.test"], 0, routes=routes, nexthop="mxd.test")
        for o in resp.outcomes:
            self.assertEqual(o.action, DEFERRED)
            self.assertEqual(o.reason, "connect to mx1.mxd.test[127.0.0.1]:%d: Connection refused" % closed_port)
            self.assertEqual(o.enhanced_status, "4.4.1")

    def test_connect_timeout_moves_to_the_next_address(self):
        import socket
        blackhole = socket.socket()
        blackhole.bind(("127.0.0.1", 0))
        blackhole.listen(0)  # never accepts: once its queue is full, SYNs go unanswered
        fillers = []
        for _ in range(3):
            s = socket.socket()
            s.setblocking(False)
            s.connect_ex(blackhole.getsockname())
            fillers.append(s)
        self.addCleanup(lambda: [x.close() for x in fillers + [blackhole]])
        time.sleep(0.2)
        port = blackhole.getsockname()[1]
        good = self.fault({})
        routes = [resolver_pb2.Route(host="slow.mxd.test", port=port, addresses=["127.0.0.1"]),
                  resolver_pb2.Route(host="good.mxd.test", port=good.port, addresses=["127.0.0.1"])]
        t0 = time.time()
        resp = self.svc.deliver(MESSAGE, ["a@mxd.test"], 0, routes=routes, nexthop="mxd.test")
        self.assertGreaterEqual(time.time() - t0, 1.9)  # smtp_connect_timeout = 2s
        self.assertEqual(resp.outcomes[0].action, DELIVERED)
        self.assertEqual(resp.outcomes[0].host, "good.mxd.test")
        resp = self.svc.deliver(MESSAGE, ["a@mxd.test"], 0, routes=routes[:1], nexthop="slow.mxd.test")
        self.assertEqual(resp.outcomes[0].action, DEFERRED)
        self.assertEqual(resp.outcomes[0].reason,
                         "connect to slow.mxd.test[127.0.0.1]:%d: Connection timed out" % port)

    def test_no_skip_decides_on_the_greeting(self):
        svc = DeliverySvc(self.procs, self.dir, ["smtp_skip_5xx_greeting=no"])
        f = self.fault({"GREETING": {"reply": "554 5.7.1 go away"}})
        resp = svc.deliver(MESSAGE, ["a@mxd.test"], f.port)
        self.assertEqual(resp.outcomes[0].action, BOUNCED)
        self.assertEqual(resp.outcomes[0].reason,
                         "host 127.0.0.1[127.0.0.1] refused to talk to me: 554 5.7.1 go away")

    def test_timeouts_name_the_phase(self):
        cases = [("GREETING", "receiving the initial server greeting"),
                 ("MAIL", "sending MAIL FROM"), ("RCPT", "sending RCPT TO"), ("DATA", "sending DATA command"),
                 ("DOT", "sending end of data -- message may be sent more than once")]
        for phase, words in cases:
            with self.subTest(phase=phase):
                f = self.fault({phase: {"do": "hang"}})
                t0 = time.time()
                resp = self.svc.deliver(MESSAGE, ["a@mxd.test"], f.port)
                self.assertGreaterEqual(time.time() - t0, 1.9)
                o = resp.outcomes[0]
                self.assertEqual(o.action, DEFERRED)
                self.assertEqual(o.reason, "conversation with 127.0.0.1[127.0.0.1] timed out while " + words)

    def test_server_that_stops_reading_times_out_in_the_body(self):
        svc = DeliverySvc(self.procs, self.dir, ["smtp_data_xfer_timeout=2s", "message_size_limit=0"])
        f = self.fault({"DATA": {"reply": "354 go", "stall": True}, "ehlo": ["250-fault.test", "250 PIPELINING"]})
        big = b"Subject: big\r\n\r\n" + (b"y" * 76 + b"\r\n") * 400000  # 31 MB: more than socket buffers
        resp = svc.deliver(big, ["a@mxd.test"], f.port, chunk=1 << 20)
        self.assertEqual(resp.outcomes[0].action, DEFERRED)
        self.assertEqual(resp.outcomes[0].reason,
                         "conversation with 127.0.0.1[127.0.0.1] timed out while sending message body")

    def test_dropped_connections_name_the_phase(self):
        for phase, words in [("MAIL", "sending MAIL FROM"), ("RCPT", "sending RCPT TO"),
                             ("DOT", "sending end of data -- message may be sent more than once")]:
            with self.subTest(phase=phase):
                f = self.fault({phase: {"do": "close"}})
                resp = self.svc.deliver(MESSAGE, ["a@mxd.test"], f.port)
                self.assertEqual(resp.outcomes[0].action, DEFERRED)
                self.assertEqual(resp.outcomes[0].reason,
                                 "lost connection with 127.0.0.1[127.0.0.1] while " + words)

    def test_garbage_reply_defers_with_the_transcript(self):
        f = self.fault({"RCPT": {"do": "garbage"}})
        resp = self.svc.deliver(MESSAGE, ["a@mxd.test"], f.port)
        self.assertEqual(resp.outcomes[0].action, DEFERRED)
        self.assertIn("sent a malformed reply while sending RCPT TO", resp.outcomes[0].reason)
        self.assertIn("C: RCPT TO:<a@mxd.test>", resp.transcript)
        self.assertIn("S: 220 fault.test ESMTP", resp.transcript)

    def test_reply_split_byte_by_byte_still_works(self):
        f = self.fault({"MAIL": {"do": "split", "delay": 0.02, "reply": "250-first line\r\n250 2.1.0 ok"}})
        resp = self.svc.deliver(MESSAGE, ["a@mxd.test"], f.port)
        self.assertEqual(resp.outcomes[0].action, DELIVERED)

    def test_endless_multiline_reply_is_refused(self):
        f = self.fault({"EHLO": {"do": "endless"}})
        resp = self.svc.deliver(MESSAGE, ["a@mxd.test"], f.port)
        self.assertEqual(resp.outcomes[0].action, DEFERRED)
        # 74-octet lines: the 16 KB budget of one reply ends it at line 222.
        self.assertIn("reply longer than 16384 bytes", resp.outcomes[0].reason)

    def test_pix_workaround_only_for_a_pix(self):
        # A greeting like a Cisco PIX's: HELO, and for a message queued longer
        # than the threshold, the final "." alone after the delay. An
        # ordinary server gets neither, whatever the message's age.
        svc = DeliverySvc(self.procs, self.dir, ["smtp_pix_workaround_threshold_time=60s",
                                                 "smtp_pix_workaround_delay_time=1s",
                                                 "smtp_connection_cache_on_demand=no"])
        pix = self.fault({"greeting": "220 ****************************************"})
        t0 = time.time()
        resp = svc.deliver(MESSAGE, ["a@mxd.test"], pix.port, arrival=time.time() - 3600)
        self.assertEqual(resp.outcomes[0].action, DELIVERED)
        self.assertGreaterEqual(time.time() - t0, 1.0)
        self.assertIn("HELO client.mxd.test", pix.commands())
        t0 = time.time()
        resp = svc.deliver(MESSAGE, ["a@mxd.test"], pix.port, arrival=time.time())  # young: no delay
        self.assertEqual(resp.outcomes[0].action, DELIVERED)
        self.assertLess(time.time() - t0, 1.0)
        plain = self.fault({})
        t0 = time.time()
        resp = svc.deliver(MESSAGE, ["a@mxd.test"], plain.port, arrival=time.time() - 3600)
        self.assertEqual(resp.outcomes[0].action, DELIVERED)
        self.assertLess(time.time() - t0, 1.0)
        self.assertIn("EHLO client.mxd.test", plain.commands())
        # smtp_pix_workaround_maps names a server by address.
        maps = os.path.join(self.dir, "pix_maps")
        with open(maps, "w") as fh:
            fh.write("127.0.0.1 delay_dotcrlf\n")
        mapped = DeliverySvc(self.procs, self.dir, ["smtp_pix_workaround_threshold_time=60s",
                                                    "smtp_pix_workaround_delay_time=1s",
                                                    "smtp_pix_workaround_maps=texthash:" + maps])
        t0 = time.time()
        resp = mapped.deliver(MESSAGE, ["a@mxd.test"], plain.port, arrival=time.time() - 3600)
        self.assertEqual(resp.outcomes[0].action, DELIVERED)
        self.assertGreaterEqual(time.time() - t0, 1.0)

    def test_concurrency_limit_per_destination(self):
        svc = DeliverySvc(self.procs, self.dir, ["smtp_destination_concurrency_limit=2",
                                                 "smtp_connection_cache_on_demand=no"])
        f = self.fault({"DOT": {"delay": 1.0, "reply": "250 ok"}})
        results = []

        def one():
            results.append(svc.deliver(MESSAGE, ["a@mxd.test"], f.port))
        threads = [threading.Thread(target=one) for _ in range(5)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual([r.outcomes[0].action for r in results], [DELIVERED] * 5)
        # Never more than 2 connections open at once.
        open_now, peak = 0, 0
        for e in f.new_events():
            if e["event"] == "connect":
                open_now += 1
                peak = max(peak, open_now)
            elif e["event"] == "disconnect":
                open_now -= 1
        self.assertEqual(peak, 2)


def proc_status(pid):
    with open("/proc/%d/status" % pid) as f:
        return dict(line.rstrip("\n").split(":\t", 1) for line in f if ":\t" in line)


class Sandbox(DeliveryTestBase):
    confined = True

    def test_running_service_is_confined_and_still_delivers(self):
        status = confined_status(self.svc.proc.pid)
        self.assertEqual(status["Seccomp"], "2")
        self.assertEqual(status["NoNewPrivs"], "1")
        if os.geteuid() == 0:
            self.assertEqual(status["Uid"].split()[0], "65534")  # sandbox_user = nobody
            self.assertEqual(status["CapEff"], "0000000000000000")
        f = self.fault({})
        for _ in range(2):  # a fresh and a reused connection
            self.assertEqual(self.svc.deliver(MESSAGE, ["a@mxd.test"], f.port).outcomes[0].action, DELIVERED)
        self.assertEqual(f.connections(), 1)
        self.assertTrue(any(l["event"] == "sandbox" for l in self.svc.log_lines()))

    def test_no_sandbox_says_so_loudly(self):
        svc = DeliverySvc(self.procs, self.dir, extra_args=["--no-sandbox"])
        self.assertEqual(proc_status(svc.proc.pid)["Seccomp"], "0")
        warnings = [l for l in svc.log_lines() if l["event"] == "NO_SANDBOX"]
        self.assertGreaterEqual(len(warnings), 1)
        self.assertIn("WITHOUT seccomp", warnings[0]["warning"])


class Shutdown(DeliveryTestBase):
    def deliver_in_background(self, svc, port):
        result = {}

        def run():
            try:
                result["resp"] = svc.deliver(MESSAGE, ["a@mxd.test", "b@mxd.test"], port, timeout=60)
            except grpc.RpcError as e:
                result["error"] = e
        t = threading.Thread(target=run)
        t.start()
        return t, result

    def test_sigterm_defers_what_cannot_finish_and_reports_every_recipient(self):
        import signal
        svc = DeliverySvc(self.procs, self.dir, ["shutdown_grace_time=2s"])
        slow = self.fault({"DOT": {"delay": 30, "reply": "250 too late"}})
        t, result = self.deliver_in_background(svc, slow.port)
        time.sleep(1)  # waiting for the reply to the final dot
        t0 = time.time()
        svc.proc.send_signal(signal.SIGTERM)
        t.join(30)
        self.assertNotIn("error", result)
        outcomes = result["resp"].outcomes
        self.assertEqual([o.action for o in outcomes], [DEFERRED, DEFERRED])
        self.assertEqual(outcomes[0].reason, "delivery-svc is shutting down; delivery deferred")
        self.assertEqual(outcomes[0].enhanced_status, "4.3.2")
        self.assertLess(time.time() - t0, 6)
        self.assertEqual(svc.proc.wait(15), 0)

    def test_a_waiting_delivery_without_a_usable_address_after_sigterm(self):
        # Waiting for the next hop's only slot when SIGTERM comes; when it
        # gets the slot its routes have no IPv4 address (inet_protocols =
        # ipv4), so the attempt ends as it starts: it is reported, and the
        # service stops cleanly (it once crashed here).
        import signal
        svc = DeliverySvc(self.procs, self.dir, ["shutdown_grace_time=10s", "inet_protocols=ipv4",
                                                  "smtp_destination_concurrency_limit=1"])
        f = self.fault({"DOT": {"delay": 1.5, "reply": "250 2.0.0 made it"}})
        first, first_result = self.deliver_in_background(svc, f.port)
        time.sleep(0.5)
        second_result = {}

        def second():
            second_result["resp"] = svc.deliver(MESSAGE, ["c@mxd.test"], f.port, addresses=("::1",),
                                                nexthop="[127.0.0.1]:%d" % f.port, timeout=60)
        t = threading.Thread(target=second)
        t.start()
        time.sleep(0.3)  # waiting for the slot
        svc.proc.send_signal(signal.SIGTERM)
        first.join(30)
        t.join(30)
        self.assertEqual([o.action for o in first_result["resp"].outcomes], [DELIVERED, DELIVERED])
        self.assertEqual(len(second_result["resp"].outcomes), 1)
        self.assertNotEqual(second_result["resp"].outcomes[0].action, DELIVERED)
        self.assertEqual(svc.proc.wait(15), 0)

    def test_sigterm_lets_quick_deliveries_finish(self):
        import signal
        svc = DeliverySvc(self.procs, self.dir, ["shutdown_grace_time=10s"])
        f = self.fault({"DOT": {"delay": 1.5, "reply": "250 2.0.0 made it"}})
        t, result = self.deliver_in_background(svc, f.port)
        time.sleep(0.5)
        svc.proc.send_signal(signal.SIGTERM)
        t.join(30)
        self.assertNotIn("error", result)
        self.assertEqual([o.action for o in result["resp"].outcomes], [DELIVERED, DELIVERED])
        self.assertEqual(svc.proc.wait(15), 0)
        # New calls are refused once it stopped.
        with self.assertRaises(grpc.RpcError):
            svc.deliver(MESSAGE, ["a@mxd.test"], f.port, timeout=3)


class Health(DeliveryTestBase):
    def test_health_service_says_serving(self):
        channel = grpc.insecure_channel(self.svc.target)
        check = channel.unary_unary("/grpc.health.v1.Health/Check", request_serializer=lambda b: b,
                                    response_deserializer=lambda b: b)
        self.assertEqual(check(b"", timeout=5), b"\x08\x01")


class PostfixSmtpd(unittest.TestCase):
    """Postfix's own smtpd as the receiving server."""

    @classmethod
    def setUpClass(cls):
        import tempfile
        from postfix_instance import PostfixInstance
        cls.tmp = tempfile.mkdtemp(prefix="mxd-postfix-")
        os.chmod(cls.tmp, 0o755)
        cls.postfix = PostfixInstance(cls.tmp, {
            "plain": [],
            "no_pipelining": ["smtpd_discard_ehlo_keywords=pipelining,8bitmime"],
            "small": ["message_size_limit=200"],
            "no_smtputf8": ["smtpd_discard_ehlo_keywords=smtputf8"],
        })

    @classmethod
    def tearDownClass(cls):
        import shutil
        cls.postfix.stop()
        shutil.rmtree(cls.tmp, True)

    def setUp(self):
        self.procs = Processes()
        self.dir = tempdir(self)
        self.addCleanup(self.procs.stop_all)
        self.svc = DeliverySvc(self.procs, self.dir, ["debug_peer_list=127.0.0.1", "debug_peer_level=1"])

    def test_accepts_and_rejects_recipients(self):
        resp = self.svc.deliver(MESSAGE, ["ok@accept.test", "nope@elsewhere.test"], self.postfix.ports["plain"])
        self.assertEqual(resp.outcomes[0].action, DELIVERED, resp.outcomes[0].reason)
        # Postfix offers CHUNKING: the content went with BDAT.
        self.assertRegex(resp.outcomes[0].reason, r"^250 2\.0\.0 Ok: \d+ bytes queued as \w+$")
        self.assertEqual(resp.outcomes[1].action, BOUNCED)
        self.assertEqual(resp.outcomes[1].smtp_code, 554)
        self.assertEqual(resp.outcomes[1].enhanced_status, "5.7.1")
        self.assertIn("Relay access denied (in reply to RCPT TO command)", resp.outcomes[1].reason)
        # debug_peer_list: the conversation is in the log.
        chat = [l["line"] for l in self.svc.log_lines() if l["event"] == "smtp_chat"]
        self.assertIn("C: RCPT TO:<nope@elsewhere.test>", chat)
        self.assertTrue(any(l.startswith("S: 250-PIPELINING") for l in chat), chat)
        self.assertIn("C: BDAT 0 LAST", chat)
        self.assertNotIn("C: DATA", chat)

    def test_lock_step_when_pipelining_is_discarded(self):
        resp = self.svc.deliver(MESSAGE, ["a@accept.test", "b@accept.test"], self.postfix.ports["no_pipelining"],
                                body_type=delivery_pb2.BODY_TYPE_8BITMIME)
        self.assertEqual([o.action for o in resp.outcomes], [DELIVERED, DELIVERED])
        chat = [l["line"] for l in self.svc.log_lines() if l["event"] == "smtp_chat"]
        self.assertNotIn("S: 250-PIPELINING", chat)
        # Without 8BITMIME offered, no BODY= parameter (7-bit content: nothing to convert).
        self.assertIn("C: MAIL FROM:<sender@mxd.test> SIZE=%d" % len(MESSAGE), chat)

    def test_dsn_parameters_are_passed_on(self):
        def dsn(env):
            env.recipients[0].notify.extend([delivery_pb2.DSN_NOTIFY_SUCCESS, delivery_pb2.DSN_NOTIFY_FAILURE])
            env.recipients[0].orcpt = "rfc822;original+tag@accept.test"
            env.dsn_ret = delivery_pb2.DSN_RET_HDRS
            env.dsn_envid = "QUEUE 17"
        resp = self.svc.deliver(MESSAGE, ["a@accept.test", "b@accept.test"], self.postfix.ports["plain"],
                                envelope_extra=dsn)
        self.assertEqual([o.action for o in resp.outcomes], [DELIVERED, DELIVERED])
        self.assertEqual([o.dsn_passed for o in resp.outcomes], [True, False])
        chat = [l["line"] for l in self.svc.log_lines() if l["event"] == "smtp_chat"]
        self.assertIn("C: RCPT TO:<a@accept.test> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;original+2Btag@accept.test",
                      chat)
        self.assertTrue(any(l.endswith("RET=HDRS ENVID=QUEUE+2017") for l in chat), chat)

    def test_smtputf8(self):
        def utf8(env):
            env.smtputf8 = True
        resp = self.svc.deliver(MESSAGE, ["j\u00f6rg@accept.test"], self.postfix.ports["plain"], envelope_extra=utf8)
        self.assertEqual(resp.outcomes[0].action, DELIVERED, resp.outcomes[0].reason)
        chat = [l["line"] for l in self.svc.log_lines() if l["event"] == "smtp_chat"]
        self.assertTrue(any(l.startswith("C: MAIL FROM:<sender@mxd.test>") and l.endswith(" SMTPUTF8") for l in chat))
        resp = self.svc.deliver(MESSAGE, ["j\u00f6rg@accept.test"], self.postfix.ports["no_smtputf8"],
                                envelope_extra=utf8)
        self.assertEqual(resp.outcomes[0].action, BOUNCED)
        self.assertEqual(resp.outcomes[0].enhanced_status, "5.6.7")

    def test_chunking_off_uses_data(self):
        svc = DeliverySvc(self.procs, self.dir, ["smtp_chunking_enable=no", "debug_peer_list=127.0.0.1"])
        resp = svc.deliver(MESSAGE, ["a@accept.test"], self.postfix.ports["plain"])
        self.assertEqual(resp.outcomes[0].action, DELIVERED)
        chat = [l["line"] for l in svc.log_lines() if l["event"] == "smtp_chat"]
        self.assertIn("C: DATA", chat)
        self.assertFalse(any(l.startswith("C: BDAT") for l in chat))

    def test_message_size_limit(self):
        big = MESSAGE + b"x" * 300 + b"\r\n"
        resp = self.svc.deliver(big, ["a@accept.test"], self.postfix.ports["small"])
        self.assertEqual(resp.outcomes[0].action, BOUNCED)
        self.assertEqual(resp.outcomes[0].enhanced_status, "5.3.4")
        self.assertIn("exceeds size limit 200 of server", resp.outcomes[0].reason)
