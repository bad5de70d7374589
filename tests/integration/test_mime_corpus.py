"""8BITMIME-to-7BIT conversion (delivery-svc/mime/mime_converter.h) over a corpus of
real-world-shaped messages (mime_corpus/*.eml), through mxd-mime-convert.

Each converted message must be 7-bit, CRLF only, lines of at most 998
octets; and Python's email package must read the same message from it as
from the original: the same MIME tree, the same headers but for
Content-Transfer-Encoding and MIME-Version (and a Content-Type added to a
message that had none), and the same decoded content in every leaf. Line
breaks are compared normalised: on the wire every one is CRLF anyway
(DataEncoder). For the broken messages it is also checked that every line
of the original body reaches the output."""
import email
import email.policy
import glob
import os
import quopri
import re
import subprocess
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "mime_corpus")
BIN = os.environ.get("MXD_BIN_DIR", os.path.join(HERE, "..", "..", "build", "bin"))
CONVERT = os.path.join(BIN, "mxd-mime-convert")

BROKEN = {"08-missing-close.eml", "09-truncated-part.eml", "10-unterminated-part-header.eml",
          "11-headers-only.eml", "12-no-boundary.eml", "14-header-garbage.eml"}


def norm(data):
    """Line breaks made LF (bytes or str)."""
    if isinstance(data, bytes):
        return re.sub(rb"\r\n|\r|\n", b"\n", data)
    return re.sub(r"\r\n|\r|\n", "\n", data)


def read(path):
    with open(path, "rb") as f:
        return f.read()


def convert(path):
    p = subprocess.run([CONVERT, path], capture_output=True, timeout=60)
    return p.returncode, p.stdout, p.stderr


def leaves(msg):
    if msg.is_multipart():
        for part in msg.get_payload():
            yield from leaves(part)
    else:
        yield msg


class MimeChecks:
    def assert_wire_ready(self, out):
        self.assertTrue(out.endswith(b"\r\n"))
        self.assertIsNone(re.search(rb"[\x80-\xff]", out), "8-bit octet in output")
        self.assertIsNone(re.search(rb"\r(?!\n)|(?<!\r)\n", out), "bare CR or LF in output")
        for n, line in enumerate(out.split(b"\r\n")):
            self.assertLessEqual(len(line), 998, "line %d" % (n + 1))

    def assert_same_tree(self, a, b, where, top=True, also_skip=()):
        self.assertEqual(a.get_content_type(), b.get_content_type(), where)
        self.assertEqual(a.is_multipart(), b.is_multipart(), where)
        skip = {"content-transfer-encoding", "mime-version"} | set(also_skip)
        if top and "content-type" not in a:
            skip.add("content-type")
        fields = lambda m: [(k.lower(), norm(v)) for k, v in m.items() if k.lower() not in skip]
        self.assertEqual(fields(a), fields(b), where)
        if a.is_multipart():
            pa, pb = a.get_payload(), b.get_payload()
            self.assertEqual(len(pa), len(pb), where)
            for i, (x, y) in enumerate(zip(pa, pb)):
                # The headers of an embedded message may get MIME-Version too.
                embedded = a.get_content_maintype() == "message"
                self.assert_same_tree(x, y, "%s/%d" % (where, i + 1), top=embedded)
        else:
            da, db = a.get_payload(decode=True), b.get_payload(decode=True)
            self.assertEqual(norm(da or b""), norm(db or b""), where)

    def assert_body_kept(self, original, out, converted):
        """Every line of the original body is in the output: as it is, or
        decoded from a leaf, or (quoted-printable) decoded from the whole.
        Content-Transfer-Encoding fields are the exception: rewritten."""
        head, sep, body = norm(original).partition(b"\n\n")
        if not sep:
            body = head  # all header: its lines must be there too
        haystack = norm(out) + norm(quopri.decodestring(out))
        for leaf in leaves(converted):
            haystack += norm(leaf.get_payload(decode=True) or b"")
        for line in body.split(b"\n"):
            if not line.lower().startswith(b"content-transfer-encoding:"):
                self.assertIn(line.rstrip(), haystack)



class MimeCorpus(MimeChecks, unittest.TestCase):
    def test_corpus(self):
        files = sorted(glob.glob(os.path.join(CORPUS, "*.eml")))
        self.assertGreaterEqual(len(files), 12)
        for path in files:
            name = os.path.basename(path)
            with self.subTest(name):
                original = read(path)
                rc, out, err = convert(path)
                self.assertEqual(rc, 0, err)
                self.assertEqual(err, b"")
                self.assert_wire_ready(out)
                a = email.message_from_bytes(original, policy=email.policy.compat32)
                b = email.message_from_bytes(out, policy=email.policy.compat32)
                self.assert_same_tree(a, b, name)
                if name in BROKEN:
                    self.assert_body_kept(original, out, b)
                # The second conversion of a converted message changes nothing.
                with tempfile.NamedTemporaryFile(suffix=".eml") as f:
                    f.write(out)
                    f.flush()
                    rc2, again, _ = convert(f.name)
                    self.assertEqual(rc2, 0)
                    self.assertEqual(again, out)

    def test_conversion_is_needed_where_expected(self):
        # Spot checks of what changed, beyond "the same after decoding".
        _, out, _ = convert(os.path.join(CORPUS, "01-plain-utf8.eml"))
        self.assertIn(b"\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=unknown-8bit\r\n"
                      b"Content-Transfer-Encoding: quoted-printable\r\n\r\n", out)
        _, out, _ = convert(os.path.join(CORPUS, "03-alternative.eml"))
        self.assertIn(b"\tboundary=\"----=_Part_1234_5678.1717400000000\"\r\nContent-Transfer-Encoding: 7bit\r\n", out)
        _, out, _ = convert(os.path.join(CORPUS, "04-mixed-nested.eml"))
        original = read(os.path.join(CORPUS, "04-mixed-nested.eml"))
        png = re.search(rb"filename=\"pixel.png\"\n\n(.*?)--outer", original, re.S).group(1)
        self.assertIn(png.replace(b"\n", b"\r\n"), out)  # base64 untouched
        _, out, _ = convert(os.path.join(CORPUS, "13-mislabelled-7bit.eml"))
        self.assertEqual(out.count(b"Content-Transfer-Encoding: quoted-printable"), 2)
        self.assertIn(b"Truly 7bit.", out)

    def test_stdin_and_errors(self):
        original = read(os.path.join(CORPUS, "05-forward-rfc822.eml"))
        p = subprocess.run([CONVERT], input=original, capture_output=True, timeout=60)
        self.assertEqual(p.returncode, 0)
        self.assertEqual(p.stdout, convert(os.path.join(CORPUS, "05-forward-rfc822.eml"))[1])

        deep = b"MIME-Version: 1.0\n"
        for i in range(101):
            deep += b"Content-Type: multipart/mixed; boundary=b%d\n\n--b%d\n" % (i, i)
        deep += b"\nx\n"
        p = subprocess.run([CONVERT, "-"], input=deep, capture_output=True, timeout=60)
        self.assertEqual(p.returncode, 65)  # EX_DATAERR
        self.assertIn(b"5.6.0 MIME nesting exceeds safety limit", p.stderr)
        self.assertEqual(p.stdout, b"")

        p = subprocess.run([CONVERT, "/nonexistent/x.eml"], capture_output=True, timeout=60)
        self.assertEqual(p.returncode, 66)  # EX_NOINPUT


class ThroughPostfix(MimeChecks, unittest.TestCase):
    """delivery-svc converts on the way to Postfix's smtpd with 8BITMIME
    discarded; what Postfix queued (held by a header_checks rule, read back
    with postcat) decodes to the original message."""

    def setUp(self):
        from delivery_harness import DeliverySvc, Processes, tempdir
        from postfix_instance import PostfixInstance
        self.procs = Processes()
        self.dir = tempdir(self)
        self.addCleanup(self.procs.stop_all)
        self.tmp = tempfile.mkdtemp(prefix="mxd-mime-")
        os.chmod(self.tmp, 0o755)
        checks = os.path.join(self.tmp, "hold")
        with open(checks, "w") as f:
            f.write("/^/ HOLD\n")
        self.postfix = PostfixInstance(self.tmp, {"no8bit": ["smtpd_discard_ehlo_keywords=8bitmime"]},
                                       main_cf_extra="default_transport = discard:x\nrelay_transport = discard:x\n"
                                                     "header_checks = regexp:%s\n" % checks)
        self.addCleanup(self.postfix.stop)
        self.svc = DeliverySvc(self.procs, self.dir, ["debug_peer_list=127.0.0.1", "debug_peer_level=1"])

    def queued(self, queue_id):
        p = subprocess.run(["postcat", "-c", self.postfix.dir, "-bh", "-q", queue_id], capture_output=True,
                           timeout=30)
        self.assertEqual(p.returncode, 0, p.stderr)
        return p.stdout

    def test_corpus_through_postfix(self):
        from mxd.v1 import delivery_pb2
        for path in sorted(glob.glob(os.path.join(CORPUS, "*.eml"))):
            name = os.path.basename(path)
            if name in BROKEN:
                continue
            with self.subTest(name):
                original = read(path)
                resp = self.svc.deliver(original, ["r@accept.test"], self.postfix.ports["no8bit"],
                                        body_type=delivery_pb2.BODY_TYPE_8BITMIME)
                o = resp.outcomes[0]
                self.assertEqual(o.action, delivery_pb2.ACTION_DELIVERED, o.reason)
                queue_id = re.search(r"queued as (\w+)", o.reason).group(1)
                got = self.queued(queue_id)
                self.assertIsNone(re.search(rb"[\x80-\xff]", got.partition(b"\n\n")[2]), "8-bit body")
                a = email.message_from_bytes(original, policy=email.policy.compat32)
                b = email.message_from_bytes(got, policy=email.policy.compat32)
                # Postfix adds Received: (and Message-ID/Date where missing).
                self.assert_same_tree(a, b, name, also_skip={"received", "message-id", "date"})
        chat = [l["line"] for l in self.svc.log_lines() if l["event"] == "smtp_chat"]
        self.assertFalse(any("BODY=8BITMIME" in l for l in chat))


if __name__ == "__main__":
    unittest.main()
