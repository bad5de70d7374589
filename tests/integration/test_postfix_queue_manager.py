"""Postfix as the queue manager: a private Postfix instance accepts mail
through its sendmail, hands it to `mxctl deliver` through a pipe(8)
transport (the recipe in docs/postfix.md), and mxd delivers to a receiving
SMTP server on 127.0.0.1. Postfix keeps the queue, retries and bounces."""
import base64
import json
import os
import shutil
import tempfile
import time
import unittest

from delivery_harness import BIN, LOOPBACK_ZONES, DeliverySvc, FaultServer, Processes, start_service
from postfix_instance import PostfixInstance

ORIGINAL = (b"From: Sender <sender@sender.test>\r\nTo: someone@dest.test\r\nDate: Wed, 25 Nov 2026 05:00:00 +0000\r\n"
            b"Message-ID: <original@sender.test>\r\nSubject: through Postfix and mxd\r\nMIME-Version: 1.0\r\n"
            b"Content-Type: text/plain; charset=utf-8\r\n\r\nBody line one.\r\n.A line that starts with a dot\r\n"
            b"caf\xc3\xa9\r\n\r\n")


class PostfixQueueManager(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="mxd-qmgr-")
        os.chmod(cls.tmp, 0o755)
        cls.procs = Processes()
        # A German provider: DSN and SMTPUTF8, and replies in Latin-1 ("\udcXX"
        # is the raw octet XX).
        cls.receiver = FaultServer(cls.procs, cls.tmp, {
            "ehlo": ["250-fault.test", "250-PIPELINING", "250-8BITMIME", "250-DSN", "250-SMTPUTF8",
                     "250 SIZE 10000000"],
            "rcpt_by_address": {"later@": "450 4.2.0 <later@dest.test>: mailbox busy, try later",
                                "nobody@": "550 5.1.1 <nobody@dest.test>: Recipient address rejected: no such user",
                                "voll@": "452 4.2.2 Postfach voll, bitte sp\udce4ter"},
            "DOT": {"reply": "250 2.0.0 Ok: gespeichert f\udcfcr Sie"}})
        cls.delivery = DeliverySvc(cls.procs, cls.tmp)
        _, rport = start_service(cls.procs, [os.path.join(BIN, "resolver-svc"), "--listen", "127.0.0.1:0",
                                             "--port-file", os.path.join(cls.tmp, "r.port"),
                                             "-o", "inet_interfaces=127.0.0.254", "-o", LOOPBACK_ZONES],
                                 os.path.join(cls.tmp, "r.port"), os.path.join(cls.tmp, "resolver.log"))
        mxctl = os.path.join(BIN, "mxctl")
        cls.postfix = PostfixInstance(cls.tmp, {}, main_cf_extra="""
default_transport = mxd:[127.0.0.1]:%d
relay_transport = $default_transport
mxd_destination_recipient_limit = 1
minimal_backoff_time = 1h
""" % cls.receiver.port, master_cf_extra="""
mxd       unix  -       n       n       -       -       pipe
  user=nobody null_sender= argv=%s deliver --resolver 127.0.0.1:%d --delivery %s
    --queue-id ${queue_id} --from ${sender} --nexthop ${nexthop} --to=${recipient}
    --orcpt=rfc822;${original_recipient}
""" % (mxctl, rport, cls.delivery.target))

    @classmethod
    def tearDownClass(cls):
        cls.postfix.stop()
        cls.procs.stop_all()
        shutil.rmtree(cls.tmp, True)

    def send(self, *recipients, sender="sender@sender.test"):
        r = self.postfix.command("/usr/sbin/sendmail", "-C", self.postfix.dir, "-f", sender,
                                 *recipients, stdin=ORIGINAL.replace(b"\r\n", b"\n"))
        self.assertEqual(r.returncode, 0, r.stderr)

    def wait_for(self, predicate, what, timeout=30):
        deadline = time.time() + timeout
        while time.time() < deadline:
            result = predicate()
            if result:
                return result
            time.sleep(0.2)
        self.fail("timed out waiting for %s; maillog:\n%s" % (what, self.postfix.maillog()[-3000:]))

    def received(self):
        """(recipients, content) of every message the receiver accepted."""
        # Postfix runs one mxctl per recipient in parallel, so the record
        # interleaves connections: keep each connection's recipients apart.
        out, rcpts_by_conn = [], {}
        for e in self.receiver.new_events():
            rcpts = rcpts_by_conn.setdefault(e["conn"], [])
            if e["event"] == "command" and e["line"].startswith("RCPT TO:"):
                rcpts.append(e["line"][9:].split(">")[0])  # parameters (ORCPT) may follow
            if e["event"] == "command" and e["line"].startswith("MAIL FROM"):
                rcpts.clear()
            if e["event"] == "data":
                raw = base64.b64decode(e["raw"])
                # Undo dot-stuffing to get the message as Postfix handed it over.
                lines = raw.split(b"\r\n")
                out.append((list(rcpts), b"\r\n".join(l[1:] if l.startswith(b".") else l for l in lines)))
        return out

    def queue(self):
        r = self.postfix.command("/usr/sbin/postqueue", "-c", self.postfix.dir, "-j")
        return [json.loads(l) for l in r.stdout.decode().splitlines() if l.strip()]

    def test_accepted_message_arrives_byte_identical(self):
        self.send("someone@dest.test")
        got = self.wait_for(lambda: [c for r, c in self.received() if r == ["someone@dest.test"]], "delivery")
        content = got[0]
        # Postfix prepends its Received: header; the rest is the message, byte for byte.
        self.assertTrue(content.startswith(b"Received: "), content[:200])
        self.assertTrue(content.endswith(ORIGINAL), content)
        prefix = content[:-len(ORIGINAL)]
        self.assertTrue(all(l.startswith((b"Received:", b"\t", b" ")) for l in prefix.split(b"\r\n")[:-1]), prefix)
        self.wait_for(lambda: "status=sent" in self.postfix.maillog(), "status=sent in the maillog")

    def test_4xx_leaves_the_message_deferred_in_the_queue(self):
        self.send("later@dest.test")
        entries = self.wait_for(lambda: [q for q in self.queue()
                                         if any(r["address"] == "later@dest.test" and r.get("delay_reason")
                                                for r in q["recipients"])], "a deferred queue entry")
        reason = [r for r in entries[0]["recipients"] if r["address"] == "later@dest.test"][0]["delay_reason"]
        self.assertEqual(entries[0]["queue_name"], "deferred")
        self.assertIn("450 4.2.0 <later@dest.test>: mailbox busy, try later", reason)

    def test_5xx_returns_a_bounce_quoting_the_reply(self):
        self.send("nobody@dest.test")
        bounces = self.wait_for(lambda: [c for r, c in self.received() if r == ["sender@sender.test"]], "the bounce")
        text = bounces[0].decode("utf-8", "replace").replace("\r\n    ", " ")  # Postfix folds long lines
        self.assertIn("MAILER-DAEMON", text)
        self.assertIn("<nobody@dest.test>", text)
        self.assertIn("550 5.1.1 <nobody@dest.test>: Recipient address rejected: no such user", text)
        self.assertIn("Status: 5.1.1", text)  # the DSN status mxctl reported


    def recipient_entries(self, address):
        return [r for q in self.queue() for r in q["recipients"] if r["address"] == address]

    def maillog_status(self, address):
        """Postfix's status word for `address` in its maillog, once it has one."""
        for line in self.postfix.maillog().splitlines():
            if "to=<%s>" % address in line and "status=" in line:
                return line.split("status=")[1].split(" ")[0]
        return None

    def test_mixed_recipients_each_get_their_own_outcome(self):
        # One message, three recipients: one accepted, one 4xx, one 5xx. With
        # mxd_destination_recipient_limit = 1 (the recipe) Postfix records each
        # as mxd reported it: sent, deferred (still queued), bounced (the bounce
        # names only that one); nobody is bounced or sent twice.
        self.send("mixed-ok@dest.test", "later@dest.test", "nobody@dest.test")
        self.wait_for(lambda: all(self.maillog_status(a) for a in ("mixed-ok@dest.test", "later@dest.test",
                                                                   "nobody@dest.test")), "three statuses")
        self.assertEqual(self.maillog_status("mixed-ok@dest.test"), "sent")
        self.assertEqual(self.maillog_status("later@dest.test"), "deferred")
        self.assertEqual(self.maillog_status("nobody@dest.test"), "bounced")
        self.assertTrue(self.recipient_entries("later@dest.test"))
        self.assertFalse(self.recipient_entries("mixed-ok@dest.test"))
        bounces = self.wait_for(lambda: [c for r, c in self.received() if r == ["sender@sender.test"]
                                         and b"nobody@dest.test" in c], "the bounce")
        self.assertNotIn(b"mixed-ok@dest.test", bounces[0].split(b"Content-Description: Undelivered Message")[0])
        self.assertNotIn(b"<later@dest.test>", bounces[0].split(b"Content-Description: Undelivered Message")[0])
        self.assertEqual([r for r, c in self.received() if r == ["mixed-ok@dest.test"]], [["mixed-ok@dest.test"]])

    def test_8bit_reply_text_reaches_postfix(self):
        # The end-of-data reply and a 4xx are Latin-1: the message is sent
        # (mxctl does not die after the server took it), and the 4xx is
        # deferred with the text made printable.
        self.send("umlaut-ok@dest.test", "voll@dest.test")
        self.wait_for(lambda: self.maillog_status("umlaut-ok@dest.test") and self.maillog_status("voll@dest.test"),
                      "both statuses")
        self.assertEqual(self.maillog_status("umlaut-ok@dest.test"), "sent")
        self.assertIn("gespeichert f?r Sie", self.postfix.maillog())
        entries = self.recipient_entries("voll@dest.test")
        self.assertEqual(len(entries), 1)
        self.assertIn("452 4.2.2 Postfach voll, bitte sp?ter", entries[0]["delay_reason"])

    def test_utf8_recipient_and_long_srs_sender(self):
        srs = "SRS0=HHH=TT=example.org=" + "s" * 46 + "@sender.test"
        self.assertEqual(len(srs.split("@")[0]), 70)
        self.send("jörg@dest.test", sender=srs)
        self.wait_for(lambda: self.maillog_status("jörg@dest.test"), "a status")
        self.assertEqual(self.maillog_status("jörg@dest.test"), "sent", self.postfix.maillog()[-2000:])
        commands = [e["line"] for e in self.receiver.new_events() if e["event"] == "command"]
        self.assertTrue(any(c.startswith("MAIL FROM:<%s>" % srs) and "SMTPUTF8" in c for c in commands), commands)
        self.assertIn("RCPT TO:<jörg@dest.test> ORCPT=rfc822;j+C3+B6rg@dest.test", commands)

    def test_mxd_logs_carry_postfix_queue_ids(self):
        self.send("qid@dest.test")
        self.wait_for(lambda: self.maillog_status("qid@dest.test"), "a status")
        line = [l for l in self.postfix.maillog().splitlines() if "to=<qid@dest.test>" in l][0]
        queue_id = line.split(": to=<")[0].split()[-1]
        logged = [l for l in self.delivery.log_lines() if l["event"] == "delivery" and l["to"] == "qid@dest.test"]
        self.assertEqual([l["queue_id"] for l in logged], [queue_id])


if __name__ == "__main__":
    unittest.main()
