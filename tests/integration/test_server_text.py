"""Server text is arbitrary bytes: Latin-1 and binary junk in replies must
never stop an outcome from reaching the caller or the log. Every string
delivery-svc returns is valid UTF-8 (the server's own UTF-8 kept, other
octets '?', as Postfix's printable() does), mxctl reports the delivery and
exits 0, and every line the services log is one JSON object, gRPC's and
protobuf's own messages included. A client facing a response it cannot
parse says the outcome is unknown instead of dying."""
import concurrent.futures
import json
import os
import signal
import subprocess
import unittest

import grpc

from delivery_harness import BIN, LOOPBACK_ZONES, DeliverySvc, FaultServer, Processes, free_port, start_service, tempdir
from mxd.v1 import delivery_pb2

DELIVERED, DEFERRED = delivery_pb2.ACTION_DELIVERED, delivery_pb2.ACTION_DEFERRED
MESSAGE = b"From: a@mxd.test\r\nSubject: 8-bit replies\r\n\r\nbody\r\n"
# A German provider's end-of-data reply in Latin-1, with junk octets; in the
# script, "\udcXX" is the raw octet XX (the fault server sends surrogateescape).
LATIN1_DOT = "250 2.0.0 Ok: gespeichert f\udcfcr Sie \udcff\udcfe\udcc0"
LATIN1_SHOWN = "250 2.0.0 Ok: gespeichert f?r Sie ???"
UTF8_DOT = "250 2.0.0 Ok: gespeichert für Sie, Grüße aus Köln €"


def strict_log(path):
    """Every line of a service log: valid UTF-8 and one JSON object."""
    with open(path, "rb") as f:
        raw = f.read()
    lines = raw.decode("utf-8").splitlines()  # raises on invalid UTF-8
    return [json.loads(line) for line in lines if line]


class ServerText(unittest.TestCase):
    def setUp(self):
        self.procs = Processes()
        self.dir = tempdir(self)
        self.addCleanup(self.procs.stop_all)
        self.svc = DeliverySvc(self.procs, self.dir)
        port_file = os.path.join(self.dir, "resolver.port")
        self.resolver_proc, port = start_service(
            self.procs, [os.path.join(BIN, "resolver-svc"), "--listen", "127.0.0.1:0", "--port-file", port_file,
                         "-o", "inet_interfaces=127.0.0.254", "-o", LOOPBACK_ZONES], port_file, os.path.join(self.dir, "resolver.log"))
        self.resolver = "127.0.0.1:%d" % port

    def mxctl(self, port, *args, delivery=None):
        return subprocess.run([os.path.join(BIN, "mxctl"), "deliver", "--delivery", delivery or self.svc.target,
                               "--resolver", self.resolver, "--from", "s@mxd.test", "--to", "r@mxd.test",
                               "--nexthop", "[127.0.0.1]:%d" % port] + list(args),
                              input=MESSAGE, capture_output=True, timeout=120)

    def test_latin1_end_of_data_reply_through_mxctl(self):
        server = FaultServer(self.procs, self.dir, {"DOT": {"reply": LATIN1_DOT}})
        r = self.mxctl(server.port)
        self.assertEqual(r.returncode, 0, r.stderr)  # not -6 (SIGABRT) after the server took it
        self.assertEqual(r.stdout.decode("utf-8"),
                         "r@mxd.test: delivered (2.0.0) %s [via 127.0.0.1[127.0.0.1]]\n" % LATIN1_SHOWN)
        self.assertEqual(len(server.data()), 1)
        j = json.loads(self.mxctl(server.port, "--json").stdout.decode("utf-8"))
        self.assertEqual(j["recipients"][0]["action"], "delivered")
        self.assertEqual(j["recipients"][0]["reason"], LATIN1_SHOWN)
        sent = [l for l in strict_log(self.svc.log_path) if l["event"] == "delivery"]
        self.assertEqual([l["status"] for l in sent], ["sent", "sent"])
        self.assertEqual(sent[0]["reason"], LATIN1_SHOWN)

    def test_utf8_reply_is_kept_verbatim(self):
        server = FaultServer(self.procs, self.dir, {"DOT": {"reply": UTF8_DOT}})
        resp = self.svc.deliver(MESSAGE, ["r@mxd.test"], server.port)
        self.assertEqual(resp.outcomes[0].action, DELIVERED)
        self.assertEqual(resp.outcomes[0].reason, UTF8_DOT)
        r = self.mxctl(server.port)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(UTF8_DOT, r.stdout.decode("utf-8"))
        self.assertIn(UTF8_DOT, [l.get("reason") for l in strict_log(self.svc.log_path)])

    def test_junk_everywhere_in_a_session(self):
        # 8-bit octets, control characters and ill-formed UTF-8 in the
        # greeting, the EHLO lines and a RCPT rejection: the transcript of the
        # protocol error and every reason parse in Python's protobuf (the
        # stub raises otherwise) and are printable UTF-8.
        junk = "\udcff\udcfe\x01\x1b[2J\udcc2\udc9b\udce2\udc82 caf\udce9"
        server = FaultServer(self.procs, self.dir, {
            "greeting": "220 fault.test ESMTP " + junk,
            "ehlo": ["250-fault.test " + junk, "250-PIPELINING", "250 8BITMIME"],
            "rcpt_by_address": {"bad": "550 5.1.1 <bad@mxd.test> unbekannt " + junk}})
        resp = self.svc.deliver(MESSAGE, ["good@mxd.test", "bad@mxd.test"], server.port)
        self.assertEqual([o.action for o in resp.outcomes], [DELIVERED, delivery_pb2.ACTION_BOUNCED])
        self.assertEqual(resp.outcomes[1].reason,
                         "host 127.0.0.1[127.0.0.1] said: 550 5.1.1 <bad@mxd.test> unbekannt "
                         "????[2J???? caf? (in reply to RCPT TO command)")
        # A server that answers MAIL FROM with a line that is not SMTP: a
        # protocol error with a transcript.
        server = FaultServer(self.procs, self.dir, {"MAIL": {"reply": "this is not SMTP " + junk}})
        resp = self.svc.deliver(MESSAGE, ["good@mxd.test"], server.port)
        self.assertEqual(resp.outcomes[0].action, DEFERRED)
        self.assertTrue(resp.transcript)
        for line in resp.transcript:
            self.assertNotIn("\x1b", line)
        self.assertTrue(any("this is not SMTP ????[2J???? caf?" in l for l in resp.transcript), resp.transcript)
        strict_log(self.svc.log_path)

    def test_protobuf_and_grpc_messages_are_json_lines(self):
        # A request whose string field is not UTF-8: protobuf refuses it and
        # says so in its own log; that line must be ours (JSON) too.
        channel = grpc.insecure_channel(self.svc.target)
        deliver = channel.stream_unary("/mxd.v1.Delivery/Deliver", request_serializer=None,
                                       response_deserializer=None)
        # DeliverRequest{envelope(1){sender(2): "\xff\xfe"}}
        raw = bytes([0x0a, 0x04, 0x12, 0x02, 0xff, 0xfe])
        with self.assertRaises(grpc.RpcError) as e:
            deliver(iter([raw]), timeout=10)
        self.assertNotEqual(e.exception.code(), grpc.StatusCode.OK)
        lines = strict_log(self.svc.log_path)
        protobuf = [l for l in lines if l.get("event") == "grpc_log" and l.get("source") == "protobuf"]
        self.assertTrue(protobuf, lines)
        self.assertIn("invalid UTF-8", protobuf[0]["message"])
        # Still serving.
        server = FaultServer(self.procs, self.dir, {})
        self.assertEqual(self.svc.deliver(MESSAGE, ["r@mxd.test"], server.port).outcomes[0].action, DELIVERED)


class UnreadableResponse(unittest.TestCase):
    """A server (not ours, or a broken one) answers Deliver with a string
    that is not UTF-8, after the message may have gone out: the client says
    the outcome is unknown and mxctl exits 75, instead of gRPC's synchronous
    writer aborting the process."""

    def test_mxctl_survives_and_says_the_outcome_is_unknown(self):
        # RecipientOutcome{address "r@mxd.test", action DELIVERED, reason "\xfc"}
        outcome = b"\x0a\x0ar@mxd.test" + b"\x10\x01" + b"\x2a\x01\xfc"
        response = b"\x0a" + bytes([len(outcome)]) + outcome

        def handler(request_iterator, context):
            for _ in request_iterator:
                pass
            return response
        server = grpc.server(concurrent.futures.ThreadPoolExecutor(max_workers=2))
        server.add_generic_rpc_handlers([grpc.method_handlers_generic_handler("mxd.v1.Delivery", {
            "Deliver": grpc.stream_unary_rpc_method_handler(handler)})])
        port = server.add_insecure_port("127.0.0.1:0")
        server.start()
        self.addCleanup(server.stop, None)
        procs = Processes()
        workdir = tempdir(self)
        self.addCleanup(procs.stop_all)
        port_file = os.path.join(workdir, "resolver.port")
        start_service(procs, [os.path.join(BIN, "resolver-svc"), "--listen", "127.0.0.1:0", "--port-file",
                              port_file, "-o", "inet_interfaces=127.0.0.254", "-o", LOOPBACK_ZONES], port_file,
                      os.path.join(workdir, "resolver.log"))
        with open(port_file) as f:
            resolver = "127.0.0.1:" + f.read().strip()
        r = subprocess.run([os.path.join(BIN, "mxctl"), "deliver", "--delivery", "127.0.0.1:%d" % port,
                            "--resolver", resolver, "--from", "s@mxd.test", "--to", "r@mxd.test",
                            "--nexthop", "[127.0.0.1]:%d" % free_port()],
                           input=MESSAGE, capture_output=True, timeout=60)
        self.assertNotEqual(r.returncode, -signal.SIGABRT, r.stderr)
        self.assertEqual(r.returncode, 75, r.stderr)
        self.assertIn(b"outcome is unknown", r.stderr)
        self.assertIn(b"may have been delivered", r.stderr)


class FuzzCorpusInPython(unittest.TestCase):
    """The response fuzz target's invariant, checked in Python as well: each
    corpus input (the target's own and the session fuzzer's server streams)
    replayed through a session and the response builder gives a response
    that Python's protobuf parses and log lines that json reads."""

    def test_every_corpus_response_parses_in_python(self):
        root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fuzz", "corpus")
        inputs = []
        for target in ("deliver_response_fuzz", "session_fuzz", "reply_parser_fuzz"):
            d = os.path.join(root, target)
            inputs += sorted(os.path.join(d, f) for f in os.listdir(d))
        dump = tempdir(self)
        subprocess.run([os.path.join(BIN, "deliver_response_replay")] + inputs, check=True, timeout=120,
                       env=dict(os.environ, MXD_FUZZ_DUMP_DIR=dump))
        responses = sorted(f for f in os.listdir(dump) if f.endswith(".pb"))
        self.assertGreater(len(responses), len(inputs) // 2)  # most inputs end a message
        eight_bit = 0
        for name in responses:
            with open(os.path.join(dump, name), "rb") as f:
                resp = delivery_pb2.DeliverResponse.FromString(f.read())  # raises on invalid UTF-8
            self.assertEqual(len(resp.outcomes), 2)
            eight_bit += any("?" in o.reason for o in resp.outcomes)
            logged = strict_log(os.path.join(dump, name[:-3] + ".log"))
            self.assertEqual([l["reason"] for l in logged], [o.reason for o in resp.outcomes])
        self.assertGreater(eight_bit, 0)


if __name__ == "__main__":
    unittest.main()
