"""The fault matrix: delivery-svc against our fault server failing at every
SMTP phase, the body transfer included, in every way a remote side can (4xx,
5xx, 421 and hang-up, hang-up, reset, garbage, an endless multi-line reply, a
reply line that never ends, a reply split byte by byte, no reply, a reply
later than the phase's timeout). One service instance takes every case.

For each case: every recipient gets exactly one outcome; "delivered" only
where the server accepted the message (a 2xx to the end of data); the reason
of every other outcome names the server and the phase; and the service
still delivers the next message. DnsFaults does the same end to end for DNS
failures (resolver-svc's own answers to them are in test_resolve.py)."""
import json
import os
import subprocess
import unittest

from delivery_harness import BIN, DeliverySvc, FaultServer, Processes, tempdir
from mxd.v1 import delivery_pb2
from resolver_harness import FaultDns, ResolverSvc
from test_server_text import strict_log
from tls_pki import Pki

DELIVERED = delivery_pb2.ACTION_DELIVERED
MESSAGE = b"From: a@mxd.test\r\nSubject: matrix\r\n\r\nbody\r\n"
TIMEOUT = 2  # every smtp_*_timeout, in seconds

FAULTS = {
    "4xx": {"reply": "451 4.3.0 fault injected"},
    "5xx": {"reply": "554 5.3.0 fault injected"},
    "421close": {"reply": "421 4.3.2 shutting down", "do": "reply-close"},
    "close": {"do": "close"},
    "reset": {"do": "reset"},
    "garbage": {"do": "garbage"},
    "endless": {"do": "endless"},
    "longline": {"do": "longline"},
    "split": {"do": "split", "delay": 0.005},
    "hang": {"do": "hang"},
    "late": {"delay": TIMEOUT + 1.5},
    # Real servers' text: Latin-1 and junk octets ("\udcXX" is the raw octet
    # XX), and UTF-8 (RFC 6531 servers), in a 4xx reply and in the phase's
    # positive reply.
    "latin1": {"reply": "451 4.3.0 Gr\udcfc\udcdf Gott \udcff\udce9"},
    "utf8": {"reply": "451 4.3.0 Grüß Gott €"},
    "8bit-ok": {},  # the phase's positive reply with 8-bit text: POSITIVE
}
# What the caller gets of the 8-bit text: the server's UTF-8 as it is, every
# other octet '?' (Postfix's printable()).
SHOWN = {"latin1": "451 4.3.0 Gr?? Gott ??", "utf8": "451 4.3.0 Grüß Gott €"}
POSITIVE = {"GREETING": "220 fault.test ESMTP", "EHLO": "250 fault.test", "MAIL": "250 2.1.0 Ok", "RCPT": "250 2.1.5 Ok",
            "DATA": "354 go ahead", "DOT": "250 2.0.0 Ok", "QUIT": "221 2.0.0 Bye", "STARTTLS": "220 2.0.0 Ready",
            "AUTH": "235 2.7.0 Accepted"}
EIGHT_BIT_TEXT = " Gr\udcfc\udcdf \udcff\udcc0\x01 caf\udce9 Grüße"
# Where each phase shows in a reason ("... while sending MAIL FROM", "(in reply
# to RCPT TO command)", "refused to talk to me" for the greeting).
PHASES = {
    # A reset so quick that it lands before our connect completes is, as in
    # Postfix, "connect to H[A]:P: Connection reset by peer".
    "GREETING": ("greeting", "refused to talk to me", "Connection reset by peer"),
    "EHLO": ("EHLO",),
    "MAIL": ("MAIL FROM",),
    "RCPT": ("RCPT TO",),
    "DATA": ("DATA",),
    "BODY": ("message body", "end of data", "end of DATA"),
    "DOT": ("end of data", "end of DATA"),
    "QUIT": (),
    "STARTTLS": ("STARTTLS", "TLS"),
    "AUTH": ("AUTH", "authenticating", "SASL"),
}


# While the message content is on its way, the faults of a connection (a
# reply before the end of data is not a reply to it: the end-of-data reply
# decides, as for the other phases).
BODY_FAULTS = ("close", "reset", "421close", "hang", "endless", "longline")
BIG_MESSAGE = b"From: a@mxd.test\r\nSubject: matrix\r\n\r\n" + (b"z" * 998 + b"\r\n") * 1000


def may_deliver(phase, fault):
    if fault in ("split", "8bit-ok"):
        return True  # the normal reply, only slowly
    if phase == "QUIT":
        return True  # the message was accepted before QUIT
    if phase == "EHLO" and fault in ("4xx", "5xx", "latin1", "utf8"):
        return True  # falls back to HELO, as Postfix does
    if phase == "STARTTLS" and fault in ("4xx", "5xx", "latin1", "utf8"):
        return True  # smtp_tls_security_level = may: on in plain text
    return False


def matrix_service(procs, workdir):
    """A delivery-svc for the matrix, and the per-phase parts of the fault
    servers' scripts (STARTTLS and AUTH are offered only where their phase
    is tested)."""
    timeouts = ["smtp_%s_timeout=%ds" % (t, TIMEOUT)
                for t in ("helo", "mail", "rcpt", "data_init", "data_xfer", "data_done", "quit")]
    pki = Pki(workdir)
    cert, key = pki.server("fault", ["fault.mx"])
    passwords = os.path.join(workdir, "sasl_passwd")
    with open(passwords, "w") as f:
        f.write("fault.mx  user:secret\n")
    svc = DeliverySvc(procs, workdir, timeouts + [
        "smtp_connection_cache_on_demand=no", "smtp_starttls_timeout=%ds" % TIMEOUT,
        "smtp_tls_security_level=may", "smtp_sasl_auth_enable=yes", "smtp_sasl_password_maps=texthash:" + passwords,
        "smtp_sasl_security_options=noanonymous"])
    extra = {"STARTTLS": {"tls": {"cert": cert, "key": key},
                          "ehlo": ["250-fault.test", "250-PIPELINING", "250 STARTTLS"]},
             "AUTH": {"ehlo": ["250-fault.test", "250-PIPELINING", "250 AUTH PLAIN"]}}
    return svc, extra


def matrix_cases():
    """Every (phase, fault) pair the matrix runs."""
    return [(phase, fault) for phase in PHASES for fault in FAULTS
            if phase != "BODY" or fault in BODY_FAULTS]


def case_script(phase, fault, extra):
    script = dict(extra.get(phase, {}))
    script[phase] = {"reply": POSITIVE[phase] + EIGHT_BIT_TEXT} if fault == "8bit-ok" else FAULTS[fault]
    return script


def check_case(test, phase, fault, outcomes):
    """One outcome per recipient; "delivered" only where the server accepted
    the message; every other reason names the server and the phase."""
    test.assertEqual(len(outcomes), 2)
    if fault == "8bit-ok":  # a positive reply is positive, whatever its text
        test.assertEqual([o.action for o in outcomes], [DELIVERED, DELIVERED], outcomes)
    for o in outcomes:
        if fault in SHOWN and o.action != DELIVERED:
            test.assertIn(SHOWN[fault], o.reason)
        if o.action == DELIVERED:
            test.assertTrue(may_deliver(phase, fault), o.reason)
            test.assertEqual(o.smtp_code // 100, 2)
            continue
        test.assertNotEqual(fault, "split", o.reason)  # a slow good reply is still good
        test.assertIn("fault.mx[127.0.0.1]", o.reason)
        words = PHASES[phase]
        test.assertTrue(any(w in o.reason for w in words), "%s: %s" % (words, o.reason))


def check_body_fault(test, server, message):
    """The fault came while the content was on its way."""
    faults = [e for e in server.new_events() if e["event"] == "body_fault"]
    test.assertEqual(len(faults), 1)
    test.assertLess(faults[0]["received"], len(message))


class FaultMatrix(unittest.TestCase):
    def test_every_phase_every_fault(self):
        procs = Processes()
        workdir = tempdir(self)
        self.addCleanup(procs.stop_all)
        svc, extra = matrix_service(procs, workdir)
        cases = 0
        for phase, fault in matrix_cases():
            with self.subTest(phase=phase, fault=fault):
                server = FaultServer(procs, workdir, case_script(phase, fault, extra))
                # The password is the next hop's (fault.mx), as configured.
                message = BIG_MESSAGE if phase == "BODY" else MESSAGE
                resp = svc.deliver(message, ["a@mxd.test", "b@mxd.test"], server.port, host="fault.mx",
                                   nexthop="fault.mx", timeout=30)
                if phase == "BODY":
                    check_body_fault(self, server, message)
                procs.stop(server.proc)
                check_case(self, phase, fault, resp.outcomes)
                cases += 1
        self.assertEqual(cases, (len(PHASES) - 1) * len(FAULTS) + len(BODY_FAULTS))
        # Still serving after all that.
        healthy = FaultServer(procs, workdir, {})
        resp = svc.deliver(MESSAGE, ["a@mxd.test"], healthy.port)
        self.assertEqual(resp.outcomes[0].action, DELIVERED, resp.outcomes[0].reason)
        # Every line it logged through all of that is UTF-8 and JSON, and
        # the 8-bit replies reached the log as the caller saw them.
        lines = strict_log(svc.log_path)
        reasons = [l.get("reason", "") for l in lines if l["event"] == "delivery"]
        for text in SHOWN.values():
            self.assertTrue(any(text in r for r in reasons), text)

    def test_server_that_stops_reading_the_body(self):
        # 354, then it never reads: more content than the socket buffers hold
        # stalls the body transfer until smtp_data_xfer_timeout.
        procs = Processes()
        workdir = tempdir(self)
        self.addCleanup(procs.stop_all)
        svc = DeliverySvc(procs, workdir, ["smtp_data_xfer_timeout=%ds" % TIMEOUT])
        server = FaultServer(procs, workdir, {"DATA": {"stall": True}})
        big = b"Subject: big\r\n\r\n" + (b"y" * 998 + b"\r\n") * 9500
        resp = svc.deliver(big, ["a@mxd.test", "b@mxd.test"], server.port, host="fault.mx", timeout=60)
        self.assertEqual(len(resp.outcomes), 2)
        for o in resp.outcomes:
            self.assertNotEqual(o.action, DELIVERED)
            self.assertEqual(o.reason, "conversation with fault.mx[127.0.0.1] timed out while sending message body")


class TlsHandshakeFaults(unittest.TestCase):
    """The server answers STARTTLS with 220 and then hangs up, resets, sends
    plain-text garbage or says nothing instead of the TLS handshake. At
    smtp_tls_security_level = may the message goes out in plain text on a
    new connection, as Postfix does; at encrypt it is deferred, naming the
    host and the TLS handshake, and nothing is sent in plain text."""

    def test_every_handshake_fault_at_may_and_encrypt(self):
        procs = Processes()
        workdir = tempdir(self)
        self.addCleanup(procs.stop_all)
        pki = Pki(workdir)
        cert, key = pki.server("fault", ["fault.mx"])
        common = ["smtp_starttls_timeout=%ds" % TIMEOUT, "smtp_connection_cache_on_demand=no"]
        may = DeliverySvc(procs, workdir, common + ["smtp_tls_security_level=may"])
        encrypt = DeliverySvc(procs, workdir, common + ["smtp_tls_security_level=encrypt"])
        for fault in ("close", "reset", "garbage", "hang"):
            script = {"tls": {"cert": cert, "key": key}, "STARTTLS": {"handshake": fault},
                      "ehlo": ["250-fault.test", "250-PIPELINING", "250 STARTTLS"]}
            with self.subTest(level="may", fault=fault):
                server = FaultServer(procs, workdir, script)
                resp = may.deliver(MESSAGE, ["a@mxd.test", "b@mxd.test"], server.port, host="fault.mx", timeout=30)
                self.assertEqual([o.action for o in resp.outcomes], [DELIVERED, DELIVERED], resp)
                self.assertFalse(resp.outcomes[0].tls.used)
                commands = server.commands()
                self.assertEqual(commands.count("STARTTLS"), 1, commands)  # the retry does not ask again
                self.assertEqual(sum(c.startswith("MAIL FROM") for c in commands), 1, commands)
                self.assertEqual(server.connections(), 2)
                procs.stop(server.proc)
            with self.subTest(level="encrypt", fault=fault):
                server = FaultServer(procs, workdir, script)
                resp = encrypt.deliver(MESSAGE, ["a@mxd.test", "b@mxd.test"], server.port, host="fault.mx",
                                       timeout=30)
                self.assertEqual(len(resp.outcomes), 2)
                for o in resp.outcomes:
                    self.assertEqual(o.action, delivery_pb2.ACTION_DEFERRED, o.reason)
                    self.assertIn("fault.mx[127.0.0.1]", o.reason)
                    self.assertIn("TLS", o.reason)
                self.assertFalse([c for c in server.commands() if c.startswith("MAIL FROM")])
                procs.stop(server.proc)

class DnsFaults(unittest.TestCase):
    """mxctl deliver resolves through resolver-svc, which asks a DNS server
    that fails on purpose (fault_dns.py), then delivers through
    delivery-svc: every recipient gets exactly one outcome, nothing is
    "delivered" unless an SMTP server accepted it, the reason names the
    domain and the lookup, and both services keep serving."""

    def test_every_dns_fault_end_to_end(self):
        procs = Processes()
        workdir = tempdir(self)
        self.addCleanup(procs.stop_all)
        dns = FaultDns(procs, workdir)
        # resolver_query_attempts as by default (the harness sets 1): see its
        # description in docs/parameters.md for why truncation needs 2.
        resolver = ResolverSvc(procs, workdir, dns.port, ["inet_protocols=ipv4", "resolver_query_attempts=2"])
        svc = DeliverySvc(procs, workdir)
        server = FaultServer(procs, workdir, {})
        message = os.path.join(workdir, "message")
        with open(message, "wb") as f:
            f.write(MESSAGE)

        def deliver(domain):
            r = subprocess.run([os.path.join(BIN, "mxctl"), "deliver", "--resolver", resolver.target,
                                "--delivery", svc.target, "--from", "s@mxd.test", "--to", "a@" + domain,
                                "--to", "b@" + domain, "--nexthop", "%s:%d" % (domain, server.port), "--json",
                                message], capture_output=True, text=True, timeout=60)
            return r.returncode, json.loads(r.stdout)["recipients"]

        # SERVFAIL, REFUSED, no answer at all (c-ares times out), NXDOMAIN.
        for label, exit_code, action, status, words in [
                ("servfail", 75, "deferred", "4.4.3", "Host not found, try again"),
                ("refused", 75, "deferred", "4.4.3", "Host not found, try again"),
                ("drop", 75, "deferred", "4.4.3", "Host not found, try again"),
                ("nosuch", 69, "bounced", "5.1.2", "Host not found")]:
            domain = label + ".fault.test"
            with self.subTest(fault=label):
                code, recipients = deliver(domain)
                self.assertEqual(code, exit_code, recipients)
                self.assertEqual([r["address"] for r in recipients], ["a@" + domain, "b@" + domain])
                for r in recipients:
                    self.assertEqual((r["action"], r["enhanced_status"]), (action, status), r)
                    self.assertIn("Name service error for name=%s type=MX: %s" % (domain, words), r["reason"])
        self.assertEqual(server.connections(), 0)
        # This system is a backup MX and the primary has no address now: a
        # temporary failure (4.4.4), not a bounce; as the only MX host, a loop
        # (5.4.6). Nothing is delivered to ourselves.
        for domain, exit_code, action, status, reason in [
                ("backup.fault.test", 75, "deferred", "4.4.4", "unable to find primary relay for backup.fault.test"),
                ("selfmx.fault.test", 69, "bounced", "5.4.6",
                 "mail for selfmx.fault.test:%d loops back to myself" % server.port)]:
            with self.subTest(backup_mx=domain):
                code, recipients = deliver(domain)
                self.assertEqual(code, exit_code, recipients)
                for r in recipients:
                    self.assertEqual((r["action"], r["enhanced_status"], r["reason"]), (action, status, reason))
        self.assertEqual(server.connections(), 0)
        # A truncated UDP answer is asked again over TCP, and the mail goes
        # to one of the 10 MX hosts it names (all on loopback).
        code, recipients = deliver("tcloop.fault.test")
        self.assertEqual(code, 0, recipients)
        self.assertEqual([r["action"] for r in recipients], ["delivered", "delivered"])
        self.assertRegex(recipients[0]["host"], r"^lo-\d-x+\.fault\.test$")
        self.assertEqual({q[2] for q in dns.queries("tcloop.fault.test.")}, {"udp", "tcp"})
        self.assertEqual(server.connections(), 1)


if __name__ == "__main__":
    unittest.main()
