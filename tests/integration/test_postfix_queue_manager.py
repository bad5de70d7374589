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

from delivery_harness import BIN, DeliverySvc, FaultServer, Processes, start_service
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
        cls.receiver = FaultServer(cls.procs, cls.tmp, {
            "rcpt_by_address": {"later@": "450 4.2.0 <later@dest.test>: mailbox busy, try later",
                                "nobody@": "550 5.1.1 <nobody@dest.test>: Recipient address rejected: no such user"}})
        cls.delivery = DeliverySvc(cls.procs, cls.tmp)
        _, rport = start_service(cls.procs, [os.path.join(BIN, "resolver-svc"), "--listen", "127.0.0.1:0",
                                             "--port-file", os.path.join(cls.tmp, "r.port"),
                                             "-o", "inet_interfaces=127.0.0.254"],
                                 os.path.join(cls.tmp, "r.port"), os.path.join(cls.tmp, "resolver.log"))
        mxctl = os.path.join(BIN, "mxctl")
        cls.postfix = PostfixInstance(cls.tmp, {}, main_cf_extra="""
default_transport = mxd:[127.0.0.1]:%d
relay_transport = $default_transport
mxd_destination_recipient_limit = 10
minimal_backoff_time = 1h
""" % cls.receiver.port, master_cf_extra="""
mxd       unix  -       n       n       -       -       pipe
  user=nobody null_sender= argv=%s deliver --resolver 127.0.0.1:%d --delivery %s --from ${sender} --nexthop ${nexthop} --to=${recipient}
""" % (mxctl, rport, cls.delivery.target))

    @classmethod
    def tearDownClass(cls):
        cls.postfix.stop()
        cls.procs.stop_all()
        shutil.rmtree(cls.tmp, True)

    def send(self, *recipients):
        r = self.postfix.command("/usr/sbin/sendmail", "-C", self.postfix.dir, "-f", "sender@sender.test",
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
        out, rcpts = [], []
        for e in self.receiver.new_events():
            if e["event"] == "command" and e["line"].startswith("RCPT TO:"):
                rcpts.append(e["line"][9:-1])
            if e["event"] == "command" and e["line"].startswith("MAIL FROM"):
                rcpts = []
            if e["event"] == "data":
                raw = base64.b64decode(e["raw"])
                # Undo dot-stuffing to get the message as Postfix handed it over.
                lines = raw.split(b"\r\n")
                out.append((rcpts, b"\r\n".join(l[1:] if l.startswith(b".") else l for l in lines)))
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


if __name__ == "__main__":
    unittest.main()
