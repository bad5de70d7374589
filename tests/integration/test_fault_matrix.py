"""The fault matrix: delivery-svc against our fault server failing at every
SMTP phase in every way a remote side can (4xx, 5xx, hang-up, reset,
garbage, an endless multi-line reply, a reply line that never ends, a reply
split byte by byte, no reply, a reply later than the phase's timeout). One service instance takes every case.

For each case: every recipient gets exactly one outcome; "delivered" only
where the server accepted the message (a 2xx to the end of data); the reason
of every other outcome names the server and the phase; and the service
still delivers the next message. (DNS faults are in test_resolve.py.)"""
import os
import unittest

from delivery_harness import DeliverySvc, FaultServer, Processes, tempdir
from mxd.v1 import delivery_pb2
from tls_pki import Pki

DELIVERED = delivery_pb2.ACTION_DELIVERED
MESSAGE = b"From: a@mxd.test\r\nSubject: matrix\r\n\r\nbody\r\n"
TIMEOUT = 2  # every smtp_*_timeout, in seconds

FAULTS = {
    "4xx": {"reply": "451 4.3.0 fault injected"},
    "5xx": {"reply": "554 5.3.0 fault injected"},
    "close": {"do": "close"},
    "reset": {"do": "reset"},
    "garbage": {"do": "garbage"},
    "endless": {"do": "endless"},
    "longline": {"do": "longline"},
    "split": {"do": "split", "delay": 0.005},
    "hang": {"do": "hang"},
    "late": {"delay": TIMEOUT + 1.5},
}
# Where each phase shows in a reason ("... while sending MAIL FROM", "(in reply
# to RCPT TO command)", "refused to talk to me" for the greeting).
PHASES = {
    "GREETING": ("greeting", "refused to talk to me"),
    "EHLO": ("EHLO",),
    "MAIL": ("MAIL FROM",),
    "RCPT": ("RCPT TO",),
    "DATA": ("DATA",),
    "DOT": ("end of data", "end of DATA"),
    "QUIT": (),
    "STARTTLS": ("STARTTLS", "TLS"),
    "AUTH": ("AUTH", "authenticating", "SASL"),
}


def may_deliver(phase, fault):
    if fault == "split":
        return True  # the normal reply, only slowly
    if phase == "QUIT":
        return True  # the message was accepted before QUIT
    if phase == "EHLO" and fault in ("4xx", "5xx"):
        return True  # falls back to HELO, as Postfix does
    if phase == "STARTTLS" and fault in ("4xx", "5xx"):
        return True  # smtp_tls_security_level = may: on in plain text
    return False


class FaultMatrix(unittest.TestCase):
    def test_every_phase_every_fault(self):
        procs = Processes()
        workdir = tempdir(self)
        self.addCleanup(procs.stop_all)
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
        # STARTTLS and AUTH are offered only where their phase is tested.
        extra = {"STARTTLS": {"tls": {"cert": cert, "key": key},
                              "ehlo": ["250-fault.test", "250-PIPELINING", "250 STARTTLS"]},
                 "AUTH": {"ehlo": ["250-fault.test", "250-PIPELINING", "250 AUTH PLAIN"]}}
        cases = 0
        for phase, words in PHASES.items():
            for fault, rule in FAULTS.items():
                with self.subTest(phase=phase, fault=fault):
                    script = dict(extra.get(phase, {}))
                    script[phase] = rule
                    server = FaultServer(procs, workdir, script)
                    resp = svc.deliver(MESSAGE, ["a@mxd.test", "b@mxd.test"], server.port, host="fault.mx",
                                       timeout=30)
                    procs.stop(server.proc)
                    self.assertEqual(len(resp.outcomes), 2)
                    for o in resp.outcomes:
                        if o.action == DELIVERED:
                            self.assertTrue(may_deliver(phase, fault), o.reason)
                            self.assertEqual(o.smtp_code // 100, 2)
                            continue
                        self.assertNotEqual(fault, "split", o.reason)  # a slow good reply is still good
                        self.assertIn("fault.mx[127.0.0.1]", o.reason)
                        self.assertTrue(any(w in o.reason for w in words), "%s: %s" % (words, o.reason))
                    cases += 1
        self.assertEqual(cases, len(PHASES) * len(FAULTS))
        # Still serving after all that.
        healthy = FaultServer(procs, workdir, {})
        resp = svc.deliver(MESSAGE, ["a@mxd.test"], healthy.port)
        self.assertEqual(resp.outcomes[0].action, DELIVERED, resp.outcomes[0].reason)

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

if __name__ == "__main__":
    unittest.main()
