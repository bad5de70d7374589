"""What callers hand delivery-svc: malformed envelopes and streams through
gRPC (INVALID_ARGUMENT, nothing sent), and mxctl deliver's options, exit
codes and output. The deliveries themselves: test_delivery.py."""
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


class BadInput(DeliveryTestBase):
    def assertInvalid(self, fault, fragment, **kw):
        with self.assertRaises(grpc.RpcError) as cm:
            self.svc.deliver(kw.pop("content", MESSAGE), kw.pop("rcpts", ["a@mxd.test"]), fault.port, **kw)
        self.assertEqual(cm.exception.code(), grpc.StatusCode.INVALID_ARGUMENT)
        self.assertIn(fragment, cm.exception.details())

    def test_bad_envelopes_are_refused_and_nothing_is_sent(self):
        f = self.fault({})
        self.assertInvalid(f, "control character (0x0d)", sender="a@mxd.test\r\nRCPT TO:<x@y>")
        self.assertInvalid(f, "control character (0x0a)", rcpts=["a@mxd.test\n"])
        self.assertInvalid(f, "control character (0x00)", rcpts=["a\x00b@mxd.test"])
        self.assertInvalid(f, "no recipients", rcpts=[])
        self.assertInvalid(f, "no routes", routes=[])
        self.assertInvalid(f, "unknown body type", body_type=7)
        self.assertInvalid(f, "stream ended after", message_size=len(MESSAGE) + 10)
        self.assertInvalid(f, "more than the declared message_size", message_size=len(MESSAGE) - 1)
        self.assertInvalid(f, "non-ASCII characters need SMTPUTF8", rcpts=["j\u00f6rg@mxd.test"])
        # Postfix's message_size_limit (10240000): the declared size is checked
        # before anything is spooled.
        self.assertInvalid(f, "message_size 10240001 exceeds message_size_limit = 10240000", message_size=10240001)
        self.assertEqual(f.connections(), 0)
        # The service keeps serving.
        self.assertEqual(self.svc.deliver(MESSAGE, ["a@mxd.test"], f.port).outcomes[0].action, DELIVERED)

    def test_a_malformed_recipient_is_its_own_bounce(self):
        # One mistyped address bounces that recipient (5.1.3, Postfix's "bad
        # address syntax"); the others are delivered. A 70-octet local part
        # (SRS, VERP) is no mistake: Postfix's smtp(8) sends it as it is.
        f = self.fault({})
        srs = "SRS0=HHH=TT=example.org=" + "x" * 45 + "@mxd.test"
        self.assertGreater(len(srs.split("@")[0]), 64)
        resp = self.svc.deliver(MESSAGE, ["a b@mxd.test", "good@mxd.test", "<c@mxd.test>", srs], f.port, sender=srs)
        self.assertEqual([o.action for o in resp.outcomes], [BOUNCED, DELIVERED, BOUNCED, DELIVERED])
        self.assertEqual([o.address for o in resp.outcomes], ["a b@mxd.test", "good@mxd.test", "<c@mxd.test>", srs])
        self.assertEqual(resp.outcomes[0].enhanced_status, "5.1.3")
        self.assertEqual(resp.outcomes[0].reason,
                         'bad address syntax: address "a b@mxd.test": white space outside a quoted local part')
        self.assertIn("angle brackets", resp.outcomes[2].reason)
        self.assertEqual([c for c in f.commands() if c.startswith(("MAIL", "RCPT"))],
                         ["MAIL FROM:<%s> SIZE=%d" % (srs, len(MESSAGE)), "RCPT TO:<good@mxd.test>", "RCPT TO:<%s>" % srs])
        # Nothing well-formed at all: every recipient bounced, no connection.
        resp = self.svc.deliver(MESSAGE, ["a b@mxd.test", "x@@mxd.test"], f.port)
        self.assertEqual([(o.action, o.enhanced_status) for o in resp.outcomes], [(BOUNCED, "5.1.3")] * 2)
        self.assertEqual(f.connections(), 1)
        logged = [l for l in self.svc.log_lines() if l["event"] == "delivery" and l["status"] == "bounced"]
        self.assertEqual(len(logged), 4)

    def test_message_size_limit_is_configurable_and_zero_means_none(self):
        f = self.fault({})
        small = DeliverySvc(self.procs, self.dir, ["message_size_limit=%d" % len(MESSAGE)])
        self.assertEqual(small.deliver(MESSAGE, ["a@mxd.test"], f.port).outcomes[0].action, DELIVERED)
        with self.assertRaises(grpc.RpcError) as cm:
            small.deliver(MESSAGE + b"x", ["a@mxd.test"], f.port)
        self.assertEqual(cm.exception.code(), grpc.StatusCode.INVALID_ARGUMENT)
        self.assertIn("exceeds message_size_limit = %d" % len(MESSAGE), cm.exception.details())
        # 1 TiB declared: the spool budget (1 GiB by default) refuses it
        # before anything is written (test_budgets.py); without either limit
        # it passes, and then the stream is short.
        unlimited = DeliverySvc(self.procs, self.dir, ["message_size_limit=0"])
        with self.assertRaises(grpc.RpcError) as cm:
            unlimited.deliver(MESSAGE, ["a@mxd.test"], f.port, message_size=1 << 40)
        self.assertEqual(cm.exception.code(), grpc.StatusCode.RESOURCE_EXHAUSTED)
        self.assertIn("delivery_spool_size_limit", cm.exception.details())
        unlimited = DeliverySvc(self.procs, self.dir, ["message_size_limit=0", "delivery_spool_size_limit=0"])
        with self.assertRaises(grpc.RpcError) as cm:
            unlimited.deliver(MESSAGE, ["a@mxd.test"], f.port, message_size=1 << 40)
        self.assertIn("stream ended after", cm.exception.details())
        self.assertEqual(f.connections(), 1)

    def test_dsn_fields_with_control_characters_or_parameter_injection_are_refused(self):
        f = self.fault({"ehlo": ["250-fault.test", "250-PIPELINING", "250 DSN"]})

        def orcpt(value):
            def set_it(env):
                env.recipients[0].orcpt = value
            return set_it

        def envid(value):
            def set_it(env):
                env.dsn_envid = value
            return set_it
        cc = "ORCPT contains a control character "
        for value, fragment in [("rfc822;a@mxd.test\r\nRCPT TO:<evil@mxd.test>", cc + "(0x0d)"),
                                ("rfc822;a@mxd.test\nX", cc + "(0x0a)"),
                                ("rfc822;a\x00@mxd.test", cc + "(0x00)"),
                                ("rfc822 NOTIFY=NEVER;a@mxd.test", 'ORCPT address type "rfc822 NOTIFY=NEVER" is not an atom'),
                                (";a@mxd.test", 'ORCPT address type "" is not an atom')]:
            with self.subTest(orcpt=value):
                self.assertInvalid(f, "recipient 1: " + fragment, envelope_extra=orcpt(value))
        for value in ["Q1\r\nRSET", "Q1\x00", "Q1\x7f"]:
            with self.subTest(envid=value):
                self.assertInvalid(f, "ENVID contains a control character", envelope_extra=envid(value))
        self.assertEqual(f.connections(), 0)
        # What may be there is sent xtext-encoded: spaces, "+" and "=" in the
        # address and the ENVID cannot start another parameter.
        def both(env):
            env.recipients[0].orcpt = "rfc822;a b=c+d@mxd.test"
            env.recipients[0].notify.append(delivery_pb2.DSN_NOTIFY_FAILURE)
            env.dsn_envid = "Q 1=2"
        self.assertEqual(self.svc.deliver(MESSAGE, ["a@mxd.test"], f.port, envelope_extra=both).outcomes[0].action,
                         DELIVERED)
        commands = f.commands()
        self.assertIn("RCPT TO:<a@mxd.test> NOTIFY=FAILURE ORCPT=rfc822;a+20b+3Dc+2Bd@mxd.test", commands)
        self.assertIn("MAIL FROM:<sender@mxd.test> ENVID=Q+201+3D2", commands)

    def test_a_helo_name_with_control_characters_stops_the_service(self):
        for value in ["client\rmxd.test", "client\x01.mxd.test", "client mxd.test"]:
            with self.subTest(helo=value):
                cf = os.path.join(self.dir, "main.cf")
                with open(cf, "w", newline="") as out:
                    out.write("smtp_helo_name = %s\n" % value)
                r = subprocess.run([os.path.join(BIN, "delivery-svc"), "--listen", "127.0.0.1:0", "--config", cf],
                                   capture_output=True, text=True, timeout=30)
                self.assertEqual(r.returncode, 78, r.stderr)  # EX_CONFIG, before anything listens
                self.assertIn("%s line 1: parameter smtp_helo_name" % cf, r.stderr)

    def test_an_open_file_limit_below_the_request_limits_is_reported_at_start(self):
        # Soft and hard limit 256: delivery-svc cannot raise it, and with the
        # default limits (10000 requests + 1000 sessions) it says so at once
        # rather than failing with EMFILE under load. It still serves.
        port_file = os.path.join(self.dir, "lowfiles.port")
        log_path = os.path.join(self.dir, "lowfiles.log")
        proc, port = start_service(self.procs, ["prlimit", "--nofile=256:256", "--",
                                                os.path.join(BIN, "delivery-svc"), "--listen", "127.0.0.1:0",
                                                "--port-file", port_file], port_file, log_path)
        with open(log_path) as f:
            warnings = [json.loads(line) for line in f if '"open_file_limit"' in line]
        self.assertEqual(len(warnings), 1, warnings)
        self.assertEqual(warnings[0]["level"], "warning")
        self.assertEqual(warnings[0]["limit"], 256)
        self.assertEqual(warnings[0]["needed"], 11100)
        self.assertIn("the open file limit (256) is below delivery_pending_request_limit + delivery_session_limit",
                      warnings[0]["warning"])
        with open("/proc/%d/limits" % proc.pid) as f:
            self.assertRegex(f.read(), r"Max open files\s+256\s+256")
        # The normally started service had its soft limit raised to the hard one.
        with open("/proc/%d/limits" % self.svc.proc.pid) as f:
            soft, hard = re.search(r"Max open files\s+(\S+)\s+(\S+)", f.read()).groups()
        self.assertEqual(soft, hard)
        with open(self.svc.log_path) as f:
            warned = '"open_file_limit"' in f.read()
        self.assertEqual(warned, hard != "unlimited" and int(hard) < 11100)

    def test_cancel_mid_delivery_is_never_delivered(self):
        f = self.fault({"DATA": {"delay": 3, "reply": "354 go"}})
        with self.assertRaises(grpc.RpcError) as cm:
            self.svc.deliver(MESSAGE, ["a@mxd.test"], f.port, timeout=1)
        self.assertEqual(cm.exception.code(), grpc.StatusCode.DEADLINE_EXCEEDED)
        time.sleep(3)
        self.assertEqual(f.data(), [])


class Mxctl(DeliveryTestBase):
    def run_mxctl(self, *args, stdin=None):
        return subprocess.run([os.path.join(BIN, "mxctl"), "deliver", "--delivery", self.svc.target,
                               "--resolver", self.resolver] + list(args), input=stdin, capture_output=True)

    def setUp(self):
        super().setUp()
        port_file = os.path.join(self.dir, "resolver.port")
        self.procs.start([os.path.join(BIN, "resolver-svc"), "--listen", "127.0.0.1:0", "--port-file", port_file,
                          "-o", "inet_interfaces=127.0.0.254", "-o", LOOPBACK_ZONES], stderr=subprocess.DEVNULL)
        for _ in range(200):
            if os.path.exists(port_file):
                break
            time.sleep(0.02)
        with open(port_file) as f:
            self.resolver = "127.0.0.1:%s" % f.read().strip()

    def test_exit_codes_and_json(self):
        ok = self.fault({})
        soft = self.fault({"RCPT": {"reply": "450 4.2.0 busy"}})
        hard = self.fault({"RCPT": {"reply": "550 5.1.1 unknown"}})
        msg_file = os.path.join(self.dir, "msg")
        with open(msg_file, "wb") as f:
            f.write(MESSAGE)
        for f, code, action in [(ok, 0, "delivered"), (soft, 75, "deferred"), (hard, 69, "bounced")]:
            r = self.run_mxctl("--from", "s@mxd.test", "--to", "r@mxd.test", "--nexthop",
                               "[127.0.0.1]:%d" % f.port, "--json", msg_file)
            self.assertEqual(r.returncode, code, r.stderr)
            j = json.loads(r.stdout)
            self.assertEqual(j["recipients"][0]["action"], action)
            self.assertEqual(set(j["recipients"][0]), {"address", "action", "code", "enhanced_status", "reason",
                                                       "host", "ip"})
        r = self.run_mxctl("--from", "s@mxd.test", "--to", "r@mxd.test", "--nexthop",
                           "[127.0.0.1]:%d" % ok.port, stdin=MESSAGE)  # standard input
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(b"r@mxd.test: delivered", r.stdout)
        self.assertEqual(self.run_mxctl("--from", "s@mxd.test", "--to", "r@mxd.test", "/no/such/file").returncode, 66)
        self.assertEqual(self.run_mxctl("--to", "r@mxd.test", msg_file).returncode, 64)
        # A malformed recipient is bounced on its own (69); a control character
        # in one is a broken caller: the request is refused (65).
        self.assertEqual(self.run_mxctl("--from", "s@mxd.test", "--to", "r b@mxd.test", "--nexthop",
                                        "[127.0.0.1]:%d" % ok.port, msg_file).returncode, 69)
        self.assertEqual(self.run_mxctl("--from", "s@mxd.test", "--to", "r\rb@mxd.test", "--nexthop",
                                        "[127.0.0.1]:%d" % ok.port, msg_file).returncode, 65)

    def test_arrival_time_sets_the_pix_threshold_clock(self):
        # pipe(8) knows when the message arrived; the PIX delay is for mail
        # queued longer than smtp_pix_workaround_threshold_time (Postfix).
        self.svc = DeliverySvc(self.procs, self.dir, ["smtp_pix_workaround_threshold_time=60s",
                                                      "smtp_pix_workaround_delay_time=3s",
                                                      "smtp_connection_cache_on_demand=no"])
        pix = self.fault({"greeting": "220 ****************************************"})
        msg_file = os.path.join(self.dir, "msg")
        with open(msg_file, "wb") as f:
            f.write(MESSAGE)

        def deliver(*extra):
            t0 = time.time()
            r = self.run_mxctl("--from", "s@mxd.test", "--to", "r@mxd.test", "--nexthop",
                               "[127.0.0.1]:%d" % pix.port, *extra, msg_file)
            return r, time.time() - t0
        r, took = deliver("--arrival-time", str(int(time.time()) - 3600))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertGreaterEqual(took, 3.0)  # the final "." waited for the PIX
        r, took = deliver("--arrival-time", str(int(time.time())))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertLess(took, 3.0)  # margin for a sanitizer build on a busy machine
        r, took = deliver()  # no --arrival-time: it arrived now
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertLess(took, 1.0)
        self.assertEqual(len(pix.data()), 3)
        r, _ = deliver("--arrival-time", "yesterday")
        self.assertEqual(r.returncode, 64)
        self.assertIn(b"--arrival-time: expected Unix seconds, not 'yesterday'", r.stderr)
        self.assertEqual(len(pix.data()), 3)  # nothing sent

    def test_mixed_outcomes_never_bounce_a_deferred_or_delivered_recipient(self):
        # pipe(8) applies one exit code to all recipients of a request: any
        # deferral is 75, and stderr records every recipient as Postfix would.
        f = self.fault({"rcpt_by_address": {"later@": "450 4.2.0 <later@mxd.test>: busy, try later",
                                            "nobody": "550 5.1.1 <nobody@mxd.test>: no such user"}})
        msg_file = os.path.join(self.dir, "msg")
        with open(msg_file, "wb") as fh:
            fh.write(MESSAGE)
        hop = "[127.0.0.1]:%d" % f.port

        def run(*to):
            args = ["--from", "s@mxd.test", "--nexthop", hop, msg_file]
            for t in to:
                args += ["--to", t]
            return self.run_mxctl(*args)
        r = run("ok@mxd.test", "later@mxd.test", "nobody@mxd.test")
        self.assertEqual(r.returncode, 75, r.stderr)
        err = r.stderr.decode().splitlines()
        self.assertEqual(err[0], "4.2.0 host 127.0.0.1[127.0.0.1] said: 450 4.2.0 <later@mxd.test>: busy, try later "
                                 "(in reply to RCPT TO command)")
        self.assertEqual(err[1], "mixed outcomes in one request (1 sent, 1 deferred, 1 bounced):")
        self.assertTrue(err[2].startswith("to=<ok@mxd.test>, relay=127.0.0.1[127.0.0.1], dsn=2.0.0, status=sent (250 "),
                        err)
        self.assertTrue(err[3].startswith("to=<later@mxd.test>, relay=127.0.0.1[127.0.0.1], dsn=4.2.0, "
                                          "status=deferred (host 127.0.0.1[127.0.0.1] said: 450"), err)
        self.assertTrue(err[4].startswith("to=<nobody@mxd.test>, relay=127.0.0.1[127.0.0.1], dsn=5.1.1, "
                                          "status=bounced ("), err)
        r = run("ok@mxd.test", "nobody@mxd.test")
        self.assertEqual(r.returncode, 69, r.stderr)
        self.assertIn(b"mixed outcomes in one request (1 sent, 0 deferred, 1 bounced)", r.stderr)
        r = run("nobody@mxd.test", "nobody2@mxd.test")
        self.assertEqual(r.returncode, 69, r.stderr)
        self.assertNotIn(b"mixed", r.stderr)
        r = run("later@mxd.test", "ok@mxd.test")
        self.assertEqual(r.returncode, 75, r.stderr)
        self.assertIn(b"(1 sent, 1 deferred, 0 bounced)", r.stderr)

    def test_smtputf8_and_dsn_requests_pass_through(self):
        f = self.fault({"ehlo": ["250-fault.test", "250-PIPELINING", "250-8BITMIME", "250-DSN", "250 SMTPUTF8"]})
        hop = "[127.0.0.1]:%d" % f.port
        # A UTF-8 recipient: SMTPUTF8 is asked for without being told.
        r = self.run_mxctl("--from", "s@mxd.test", "--to", "jörg@mxd.test", "--nexthop", hop, stdin=MESSAGE)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("MAIL FROM:<s@mxd.test> SMTPUTF8", f.commands())
        self.assertIn("RCPT TO:<jörg@mxd.test>", f.commands())
        r = self.run_mxctl("--from", "s@mxd.test", "--to", "a@mxd.test", "--nexthop", hop, "--smtputf8", stdin=MESSAGE)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(sum("SMTPUTF8" in c for c in f.commands() if c.startswith("MAIL")), 2)
        r = self.run_mxctl("--from", "s@mxd.test", "--to", "a@mxd.test", "--to", "b@mxd.test", "--nexthop", hop,
                           "--notify", "success,failure", "--orcpt", "rfc822;orig-a@mxd.test",
                           "--orcpt", "rfc822;orig-b@mxd.test", "--ret", "HDRS", "--envid", "QID1", stdin=MESSAGE)
        self.assertEqual(r.returncode, 0, r.stderr)
        commands = f.commands()
        self.assertIn("MAIL FROM:<s@mxd.test> RET=HDRS ENVID=QID1", commands)
        self.assertIn("RCPT TO:<a@mxd.test> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;orig-a@mxd.test", commands)
        self.assertIn("RCPT TO:<b@mxd.test> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;orig-b@mxd.test", commands)
        # Usage errors name what is wrong.
        for args, text in [(["--notify", "sometimes"], b"--notify: unknown value SOMETIMES"),
                           (["--orcpt", "a", "--orcpt", "b"], b"--orcpt given 2 times for 1 recipients"),
                           (["--ret", "BODY"], b"--ret takes FULL or HDRS")]:
            r = self.run_mxctl("--from", "s@mxd.test", "--to", "a@mxd.test", "--nexthop", hop, *args, stdin=MESSAGE)
            self.assertEqual(r.returncode, 64, r.stderr)
            self.assertIn(text, r.stderr)

    @staticmethod
    def ring_owner(endpoints, nexthop):
        """The replica cli/client/delivery_router.cc picks first for `nexthop`."""
        import bisect
        import hashlib

        def h(text):
            return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")
        ring = sorted((h("%s#%d" % (e, v)), e) for e in sorted(endpoints) for v in range(128))
        i = bisect.bisect_left(ring, (h(nexthop), ""))
        return ring[i % len(ring)][1]

    def test_failover_to_another_replica(self):
        msg_file = os.path.join(self.dir, "msg")
        with open(msg_file, "wb") as fh:
            fh.write(MESSAGE)
        down = "127.0.0.1:%d" % free_port()
        endpoints = [down, self.svc.target]
        # A next hop whose replica is the one that is down.
        for _ in range(20):
            f = self.fault({})
            nexthop = "[127.0.0.1]:%d" % f.port
            if self.ring_owner(endpoints, nexthop) == down:
                break
        self.assertEqual(self.ring_owner(endpoints, nexthop), down)
        r = subprocess.run([os.path.join(BIN, "mxctl"), "deliver", "--delivery", ",".join(endpoints),
                            "--resolver", self.resolver, "--from", "s@mxd.test", "--to", "r@mxd.test",
                            "--nexthop", nexthop, msg_file], capture_output=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(len(f.data()), 1)

    def test_no_failover_once_the_outcome_is_unknown(self):
        # The replica took the call and sent the message; it dies before the
        # server's end-of-data reply. The client must not hand the message
        # to the other replica (that would deliver it twice): 75, and
        # stderr says the outcome is unknown.
        import signal
        msg_file = os.path.join(self.dir, "msg")
        with open(msg_file, "wb") as fh:
            fh.write(MESSAGE)
        doomed = DeliverySvc(self.procs, self.dir)
        endpoints = [doomed.target, self.svc.target]
        for _ in range(20):
            f = self.fault({"DOT": {"delay": 5}})
            nexthop = "[127.0.0.1]:%d" % f.port
            if self.ring_owner(endpoints, nexthop) == doomed.target:
                break
        self.assertEqual(self.ring_owner(endpoints, nexthop), doomed.target)
        p = subprocess.Popen([os.path.join(BIN, "mxctl"), "deliver", "--delivery", ",".join(endpoints),
                              "--resolver", self.resolver, "--from", "s@mxd.test", "--to", "r@mxd.test",
                              "--nexthop", nexthop, msg_file], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        deadline = time.time() + 10
        while not f.data() and time.time() < deadline:
            time.sleep(0.05)
        self.assertEqual(len(f.data()), 1)
        doomed.proc.send_signal(signal.SIGKILL)
        out, err = p.communicate(timeout=30)
        self.assertEqual(p.returncode, 75, err)
        self.assertIn(b"the outcome is unknown: the message may have been delivered", err)
        time.sleep(0.5)
        self.assertEqual(len(f.data()), 1)  # not sent again through the other replica

    def test_slow_service_is_tempfail(self):
        import socket
        silent = socket.socket()  # accepts connections, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(10)
        self.addCleanup(silent.close)
        msg_file = os.path.join(self.dir, "msg")
        with open(msg_file, "wb") as f:
            f.write(MESSAGE)
        t0 = time.time()
        r = subprocess.run([os.path.join(BIN, "mxctl"), "deliver", "--delivery", self.svc.target, "--resolver",
                            "127.0.0.1:%d" % silent.getsockname()[1], "--from", "s@mxd.test", "--to", "r@mxd.test",
                            "--timeout", "2s", msg_file], capture_output=True, text=True)
        self.assertEqual(r.returncode, 75)
        self.assertLess(time.time() - t0, 10)
        self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.stderr)
        self.assertIn("DEADLINE_EXCEEDED", r.stderr)
        self.assertEqual(self.run_mxctl("--from", "s@mxd.test", "--to", "r@mxd.test", self.dir).returncode, 66)

    def test_service_down_is_tempfail(self):
        msg_file = os.path.join(self.dir, "msg")
        with open(msg_file, "wb") as f:
            f.write(MESSAGE)
        f = self.fault({})
        r = subprocess.run([os.path.join(BIN, "mxctl"), "deliver", "--delivery", "127.0.0.1:%d" % free_port(),
                            "--resolver", self.resolver, "--from", "s@mxd.test", "--to", "r@mxd.test",
                            "--nexthop", "[127.0.0.1]:%d" % f.port, "--timeout", "5s", msg_file],
                           capture_output=True)
        self.assertEqual(r.returncode, 75)
        self.assertIn(b"UNAVAILABLE", r.stderr)
        self.assertEqual(r.stdout, b"")


if __name__ == "__main__":
    unittest.main()


if __name__ == "__main__":
    unittest.main()
