"""Delivery.DeliverStream against real servers (Postfix's smtp-sink, our
fault server): many messages on one call, their parts interleaved, each
answered exactly once with the same outcomes Deliver would give; bad
messages, cancellations and the stream's limit harm only the message they
concern; the whole fault matrix over one stream per phase."""
import json
import os
import queue
import subprocess
import time
import unittest

import grpc
from google.protobuf import duration_pb2

from delivery_harness import BIN, DELIVERED, DEFERRED, DeliverySvc, DeliveryTestBase, FaultServer, Processes, \
    free_port, tempdir
from mxd.v1 import delivery_pb2
from test_fault_matrix import BIG_MESSAGE, MESSAGE, case_script, check_body_fault, check_case, matrix_cases, \
    matrix_service, PHASES

OK, INVALID, EXHAUSTED, CANCELLED = (grpc.StatusCode.OK.value[0], grpc.StatusCode.INVALID_ARGUMENT.value[0],
                                     grpc.StatusCode.RESOURCE_EXHAUSTED.value[0], grpc.StatusCode.CANCELLED.value[0])


class Stream:
    """One DeliverStream call, fed request by request."""

    def __init__(self, svc, timeout=120):
        self.requests = queue.Queue()

        def feed():
            while (r := self.requests.get()) is not None:
                yield r
        self.call = svc.stub.DeliverStream(feed(), timeout=timeout)

    def send(self, **kw):
        self.requests.put(delivery_pb2.StreamRequest(**kw))

    def message(self, id, env, content, part=None):
        """A whole message, in parts of `part` octets (one request without)."""
        part = part or max(len(content), 1)
        for offset in range(0, max(len(content), 1), part):
            kw = {"envelope": env} if offset == 0 else {}
            self.send(id=id, content=content[offset:offset + part], last=offset + part >= len(content), **kw)

    def close(self):
        self.requests.put(None)

    def responses(self):
        """Every response until the call ends, by id (each id once)."""
        out = {}
        for r in self.call:
            assert r.id not in out, "message %d answered twice" % r.id
            out[r.id] = r
        return out

    def limit(self):
        return int(dict(self.call.initial_metadata())["mxd-stream-message-limit"])


def subject_message(n, size=0):
    head = b"From: a@mxd.test\r\nSubject: stream %d\r\n\r\n" % n
    body = b"line of message %d\r\n" % n
    while len(head) + len(body) < size:
        body += (b"%d" % n) * 70 + b"\r\n"
    return head + body


class StreamDelivery(DeliveryTestBase):
    def test_interleaved_messages_are_each_answered_once_and_delivered(self):
        sink = self.fault({})
        # Small ones in memory, 300 KB ones through the spool file; 8-bit text too.
        messages = {n: subject_message(n, 300 * 1024 if n % 4 == 0 else 0) for n in range(1, 13)}
        messages[5] = messages[5].replace(b"line of", "Grüße aus".encode())
        s = Stream(self.svc)
        self.assertEqual(s.limit(), 1000)
        envs = {n: DeliverySvc.envelope(m, ["r%d@mxd.test" % n], sink.port, body_type=delivery_pb2.BODY_TYPE_8BITMIME)
                for n, m in messages.items()}
        # Round robin over the messages, 1000 octets at a time.
        offsets = {n: 0 for n in messages}
        while offsets:
            for n in list(offsets):
                m, o = messages[n], offsets[n]
                kw = {"envelope": envs[n]} if o == 0 else {}
                last = o + 1000 >= len(m)
                s.send(id=n, content=m[o:o + 1000], last=last, **kw)
                if last:
                    del offsets[n]
                else:
                    offsets[n] = o + 1000
        s.close()
        got = s.responses()
        self.assertEqual(sorted(got), sorted(messages))
        for n, r in got.items():
            self.assertEqual(r.code, OK, r.error)
            self.assertEqual([(o.address, o.action) for o in r.result.outcomes], [("r%d@mxd.test" % n, DELIVERED)],
                             r)
        # Each arrived once, whole (dot-stuffed lines aside, there are none).
        received = sink.data()
        self.assertEqual(len(received), len(messages))
        for n, m in messages.items():
            self.assertEqual(sum(r.startswith(m) for r in received), 1, n)

    def test_bad_messages_fail_alone_and_nothing_is_sent_for_them(self):
        f = self.fault({})
        s = Stream(self.svc)
        good = lambda: DeliverySvc.envelope(MESSAGE, ["a@mxd.test"], f.port)  # noqa: E731
        s.message(1, good(), MESSAGE)
        bad_sender = good()
        bad_sender.sender = "not an address@"
        s.message(2, bad_sender, MESSAGE)
        s.send(id=3, envelope=good(), content=MESSAGE + b"more than declared", last=True)
        s.send(id=4, content=b"a part of a message never announced", last=True)
        s.send(id=5, envelope=good(), content=MESSAGE, last=True, timeout=duration_pb2.Duration(seconds=-1))
        s.message(6, good(), MESSAGE, part=7)
        s.send(id=7, envelope=good(), content=MESSAGE[:10])  # the stream ends before the rest
        s.close()
        got = s.responses()
        self.assertEqual(sorted(got), [1, 2, 3, 5, 6, 7])  # 4 was nobody's: no answer
        for n in (1, 6):
            self.assertEqual((got[n].code, got[n].result.outcomes[0].action), (OK, DELIVERED), got[n])
        for n, words in ((2, "sender"), (3, "more than the declared message_size"), (5, "timeout must be positive"),
                         (7, "ended after 10 of %d declared octets" % len(MESSAGE))):
            self.assertEqual(got[n].code, INVALID, got[n])
            self.assertTrue(got[n].nothing_sent)
            self.assertIn(words, got[n].error)
        self.assertEqual(sum(c.startswith("MAIL FROM") for c in f.commands()), 2)

    def test_a_reused_id_ends_the_stream_once_the_others_are_answered(self):
        f = self.fault({"RCPT": {"delay": 1}})
        s = Stream(self.svc)
        env = DeliverySvc.envelope(MESSAGE, ["a@mxd.test"], f.port)
        s.message(1, env, MESSAGE)
        s.send(id=2, envelope=env, content=MESSAGE[:5])
        s.send(id=1, envelope=env, content=MESSAGE, last=True)  # 1 awaits its answer still
        got = {}
        with self.assertRaises(grpc.RpcError) as e:
            for r in s.call:
                got[r.id] = r
        self.assertEqual(e.exception.code(), grpc.StatusCode.INVALID_ARGUMENT)
        self.assertIn("message id 1 has an envelope while an earlier message", e.exception.details())
        self.assertEqual(got[1].result.outcomes[0].action, DELIVERED)  # unharmed
        self.assertEqual((got[2].code, got[2].nothing_sent), (INVALID, True))
        s.close()

    def test_messages_over_the_limit_are_refused_alone(self):
        svc = DeliverySvc(self.procs, self.dir, ["delivery_stream_message_limit=3"])
        f = self.fault({"GREETING": {"delay": 1.5}})
        s = Stream(svc)
        self.assertEqual(s.limit(), 3)
        for n in range(1, 6):
            s.message(n, DeliverySvc.envelope(MESSAGE, ["a@mxd.test"], f.port), MESSAGE)
        s.close()
        order = []
        got = {}
        for r in s.call:
            order.append(r.id)
            got[r.id] = r
        self.assertEqual(order[:2], [4, 5])  # refused at once, before the others are decided
        for n in (4, 5):
            self.assertEqual((got[n].code, got[n].nothing_sent), (EXHAUSTED, True))
            self.assertIn("delivery_stream_message_limit = 3", got[n].error)
        for n in (1, 2, 3):
            self.assertEqual(got[n].result.outcomes[0].action, DELIVERED, got[n])
        self.assertEqual(sum(c.startswith("MAIL FROM") for c in f.commands()), 3)

    def test_a_caller_that_reads_late_gets_every_answer(self):
        svc = DeliverySvc(self.procs, self.dir, ["delivery_stream_message_limit=2"])
        sink = FaultServer(self.procs, self.dir, {})
        s = Stream(svc)
        for n in (1, 2):
            s.message(n, DeliverySvc.envelope(MESSAGE, ["a@mxd.test"], sink.port), MESSAGE)
        time.sleep(2)  # both delivered meanwhile; their answers wait for the caller
        answers = iter(s.call)
        first = next(answers)
        # One answer read frees one place: a third message is taken.
        s.message(3, DeliverySvc.envelope(MESSAGE, ["a@mxd.test"], sink.port), MESSAGE)
        s.close()
        rest = list(answers)
        got = {r.id: r for r in [first] + rest}
        self.assertEqual(sorted(got), [1, 2, 3])
        for r in got.values():
            self.assertEqual(r.code, OK, r.error)
            self.assertEqual(r.result.outcomes[0].action, DELIVERED)
        self.assertEqual(len(sink.data()), 3)

    def test_cancelling_one_message(self):
        slow = self.fault({"RCPT": {"delay": 3}})
        healthy = self.fault({})
        s = Stream(self.svc)
        s.message(1, DeliverySvc.envelope(MESSAGE, ["a@mxd.test", "b@mxd.test"], slow.port), MESSAGE)
        s.message(2, DeliverySvc.envelope(MESSAGE, ["a@mxd.test"], healthy.port), MESSAGE)
        s.send(id=3, envelope=DeliverySvc.envelope(MESSAGE, ["a@mxd.test"], healthy.port), content=MESSAGE[:4])
        time.sleep(1)  # 1 is waiting for its RCPT reply
        s.send(id=1, cancel=True)
        s.send(id=3, cancel=True)
        s.close()
        got = s.responses()
        self.assertEqual(sorted(got), [1, 2, 3])
        # Running: its recipients are deferred, saying why; nothing was sent.
        self.assertEqual(got[1].code, OK)
        self.assertEqual([o.action for o in got[1].result.outcomes], [DEFERRED, DEFERRED])
        self.assertIn("cancelled", got[1].result.outcomes[0].reason)
        self.assertFalse([c for c in slow.commands() if c == "DATA"])
        # Still arriving: cancelled, nothing sent. The other is unharmed.
        self.assertEqual((got[3].code, got[3].nothing_sent), (CANCELLED, True))
        self.assertEqual(got[2].result.outcomes[0].action, DELIVERED)
        self.assertEqual(sum(c.startswith("MAIL FROM") for c in healthy.commands()), 1)

    def test_cancelling_the_stream_logs_every_message_and_delivers_none(self):
        slow = self.fault({"RCPT": {"delay": 3}})
        s = Stream(self.svc)
        envs = [DeliverySvc.envelope(MESSAGE, ["a@mxd.test"], slow.port) for _ in range(3)]
        for n, env in enumerate(envs, 1):
            env.queue_id = "STREAMCANCEL%d" % n
            s.message(n, env, MESSAGE)
        time.sleep(1)
        s.call.cancel()
        with self.assertRaises(grpc.RpcError) as e:
            list(s.call)
        self.assertEqual(e.exception.code(), grpc.StatusCode.CANCELLED)
        deadline = time.time() + 20
        while time.time() < deadline:
            logged = {l["queue_id"]: l for l in self.svc.log_lines()
                      if l["event"] == "delivery" and l.get("queue_id", "").startswith("STREAMCANCEL")}
            if len(logged) == 3:
                break
            time.sleep(0.2)
        self.assertEqual(sorted(logged), ["STREAMCANCEL1", "STREAMCANCEL2", "STREAMCANCEL3"])
        for line in logged.values():
            self.assertEqual(line["status"], "deferred", line)
        self.assertFalse([c for c in slow.commands() if c == "DATA"])
        # Still serving.
        healthy = self.fault({})
        self.assertEqual(self.svc.deliver(MESSAGE, ["a@mxd.test"], healthy.port).outcomes[0].action, DELIVERED)


class StreamFaultMatrix(unittest.TestCase):
    """The fault matrix of test_fault_matrix.py over DeliverStream: per
    phase, every fault at once on one stream, each message to its own
    fault server; the same checks per message."""

    def test_every_phase_every_fault_on_one_stream_per_phase(self):
        procs = Processes()
        workdir = tempdir(self)
        self.addCleanup(procs.stop_all)
        svc, extra = matrix_service(procs, workdir)
        cases = 0
        for phase in PHASES:
            faults = [f for p, f in matrix_cases() if p == phase]
            servers = {n: FaultServer(procs, workdir, case_script(phase, fault, extra))
                       for n, fault in enumerate(faults, 1)}
            message = BIG_MESSAGE if phase == "BODY" else MESSAGE
            s = Stream(svc)
            for n, server in servers.items():
                env = DeliverySvc.envelope(message, ["a@mxd.test", "b@mxd.test"], server.port, host="fault.mx",
                                           nexthop="fault.mx")
                s.message(n, env, message, part=64 * 1024)
            s.close()
            got = s.responses()
            self.assertEqual(sorted(got), sorted(servers))
            for n, fault in enumerate(faults, 1):
                with self.subTest(phase=phase, fault=fault):
                    self.assertEqual(got[n].code, OK, got[n].error)
                    if phase == "BODY":
                        check_body_fault(self, servers[n], message)
                    check_case(self, phase, fault, got[n].result.outcomes)
                    cases += 1
            for server in servers.values():
                procs.stop(server.proc)
        self.assertEqual(cases, len(matrix_cases()))


class StreamClientLibrary(unittest.TestCase):
    """The C++ client library's DeliverStreamClient (stream_client_driver):
    it asks for more in flight than the service allows and keeps to the
    service's limit by itself; every message gets one callback before
    Close returns; a refused message fails alone; a service that is down
    fails every message with "nothing sent"."""

    def drive(self, target, port, messages, size, window, bad_every=0):
        r = subprocess.run([os.path.join(BIN, "stream_client_driver"), "--delivery", target, "--port", str(port),
                            "--messages", str(messages), "--size", str(size), "--window", str(window),
                            "--bad-every", str(bad_every)], capture_output=True, text=True, timeout=180)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        lines = [json.loads(l) for l in r.stdout.splitlines()]
        return {l["n"]: l for l in lines if "n" in l}, lines[-1]["closed"]

    def test_many_messages_through_the_cpp_client(self):
        procs = Processes()
        workdir = tempdir(self)
        self.addCleanup(procs.stop_all)
        svc = DeliverySvc(procs, workdir, ["delivery_stream_message_limit=7"])
        server = FaultServer(procs, workdir, {})
        for size, bad_every in ((1024, 10), (100 * 1024, 0)):
            got, closed = self.drive(svc.target, server.port, 40, size, 20, bad_every)
            self.assertEqual(closed, 0)
            self.assertEqual(sorted(got), list(range(40)))
            for n, answer in got.items():
                if bad_every and n % bad_every == bad_every - 1:
                    self.assertEqual((answer["code"], answer["nothing_sent"]), (INVALID, True), answer)
                else:
                    self.assertEqual((answer.get("action"), answer.get("outcomes")), ("delivered", 1), answer)
        self.assertEqual(len(server.data()), 36 + 40)

    def test_a_service_that_is_down(self):
        got, closed = self.drive("127.0.0.1:%d" % free_port(), 25, 5, 100, 5)
        self.assertEqual(closed, grpc.StatusCode.UNAVAILABLE.value[0])
        self.assertEqual(sorted(got), list(range(5)))
        for answer in got.values():
            self.assertEqual((answer["code"], answer["nothing_sent"]), (grpc.StatusCode.UNAVAILABLE.value[0], True))


if __name__ == "__main__":
    unittest.main()
